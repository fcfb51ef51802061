/*
 * The /auth and /users endpoints.
 *
 *   POST /api/v1/auth/login     {email, password, session?}  -> tokens + user
 *   POST /api/v1/auth/refresh   {refresh_token} or the cookie -> new pair (rotation)
 *   POST /api/v1/auth/logout    {refresh_token} or the cookie -> 204, family revoked
 *   (browser sessions: the refresh token in an HttpOnly cookie, see below)
 *   GET  /api/v1/auth/me                            -> user
 *   GET  /api/v1/users, POST /api/v1/users, GET/PATCH /api/v1/users/{id}
 *   POST /api/v1/auth/password, /api/v1/users/{id}/password-reset, /api/v1/auth/password-reset
 *
 * Refresh tokens are 256-bit random strings; only their SHA-256 is stored.
 * Every statement that touches tenant data carries the caller's
 * organization as a parameter.
 */
#include "auth.h"
#include "apr_strings.h"
#include "http_log.h"
#include "http_protocol.h"

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

/* JSON of a user row (alias u) as the API shows it: the shapes are SQL functions
 * (sql/functions/20_resources.sql), one text each. */
#define USER_JSON "maplat_user_json(u)"
#define USER_JSON_FULL "maplat_user_full_json(u)"

/* Failed password checks, counted by the login limiter's PostgreSQL fallback
 * (the partial indexes of sql/011 use the same list). */
#define FAILED_ACTIONS "('auth.login_failed', 'auth.password_change_failed', 'auth.password_reset_failed')"

static const maplat_stmt_t *st_user_by_email, *st_login_token, *st_failed_count, *st_refresh_rotate,
    *st_refresh_child, *st_refresh_lookup, *st_family_revoke, *st_logout, *st_logout_cookie, *st_me,
    *st_users_list, *st_user_get, *st_user_create, *st_org_lock, *st_user_update, *st_password_get,
    *st_password_change, *st_reset_issue, *st_reset_valid, *st_reset_use;

void maplat_auth_sql(void)
{
    st_user_by_email = auth_core->stmt_add(
        "maplat_auth_user_by_email", "email",
        "id organization_id password_hash role master_admin active email user_json token_version",
        "SELECT u.id, u.organization_id, u.password_hash, u.role, u.master_admin, u.active, "
        "u.email, " USER_JSON " AS user_json, u.token_version FROM users u WHERE lower(u.email) = :email");
    st_login_token = auth_core->stmt_add(
        "maplat_auth_login_token", "org user token_hash ttl rehash old_hash", "family_id token_id",
        "WITH f AS (INSERT INTO refresh_token_families (organization_id, user_id)"
        "   VALUES (:org::uuid, :user::uuid) RETURNING id, organization_id, user_id),"
        " t AS (INSERT INTO refresh_tokens (family_id, organization_id, user_id, token_hash, expires_at)"
        "   SELECT f.id, f.organization_id, f.user_id, decode(:token_hash, 'hex'),"
        "          now() + make_interval(secs => :ttl::int) FROM f RETURNING id),"
        " u AS (UPDATE users SET last_login_at = now(),"
        "   password_hash = CASE WHEN :rehash <> '' AND password_hash = :old_hash THEN :rehash ELSE "
        "password_hash END"
        "   WHERE id = :user::uuid AND organization_id = :org::uuid)"
        " SELECT (SELECT id FROM f) AS family_id, (SELECT id FROM t) AS token_id");
    st_failed_count =
        auth_core->stmt_add("maplat_auth_failed_count", "email ip window", "by_email by_address retry_after",
                            "SELECT count(*) FILTER (WHERE details ->> 'email' = :email) AS by_email,"
                            "       count(*) FILTER (WHERE client_address = :ip::inet) AS by_address,"
                            "       COALESCE(ceil(extract(epoch FROM (min(occurred_at) + make_interval(secs "
                            "=> :window::int) - now()))), 1)"
                            "         AS retry_after"
                            " FROM audit_log WHERE action IN " FAILED_ACTIONS
                            "   AND occurred_at > now() - make_interval(secs => :window::int)"
                            "   AND (details ->> 'email' = :email OR client_address = :ip::inet)");
    st_refresh_rotate = auth_core->stmt_add(
        "maplat_auth_refresh_rotate", "token_hash",
        "id family_id user_id organization_id role master_admin email user_json token_version",
        "UPDATE refresh_tokens t SET rotated_at = now()"
        " FROM refresh_token_families f, users u"
        " WHERE t.token_hash = decode(:token_hash, 'hex') AND t.rotated_at IS NULL AND t.revoked_at IS NULL"
        "   AND t.expires_at > now() AND f.id = t.family_id AND f.revoked_at IS NULL"
        "   AND u.id = t.user_id AND u.organization_id = t.organization_id AND u.active"
        " RETURNING t.id, t.family_id, t.user_id, t.organization_id, u.role, u.master_admin, "
        "u.email, " USER_JSON " AS user_json, u.token_version");
    st_refresh_child = auth_core->stmt_add(
        "maplat_auth_refresh_child", "family org user token_hash parent ttl", "",
        "INSERT INTO refresh_tokens (family_id, organization_id, user_id, token_hash, parent_id, expires_at)"
        " VALUES (:family::uuid, :org::uuid, :user::uuid, decode(:token_hash, 'hex'), :parent::uuid,"
        "         now() + make_interval(secs => :ttl::int))");
    st_refresh_lookup = auth_core->stmt_add(
        "maplat_auth_refresh_lookup", "grace token_hash", "family_id user_id organization_id reused",
        "SELECT t.family_id, t.user_id, t.organization_id,"
        "       (t.rotated_at IS NOT NULL AND f.revoked_at IS NULL"
        "        AND t.rotated_at < now() - make_interval(secs => :grace::int)) AS reused"
        " FROM refresh_tokens t JOIN refresh_token_families f ON f.id = t.family_id"
        " WHERE t.token_hash = decode(:token_hash, 'hex')");
    st_family_revoke =
        auth_core->stmt_add("maplat_auth_family_revoke", "reason id org", "",
                            "UPDATE refresh_token_families SET revoked_at = now(), revoked_reason = :reason"
                            " WHERE id = :id::uuid AND organization_id = :org::uuid AND revoked_at IS NULL");
    st_logout = auth_core->stmt_add(
        "maplat_auth_logout", "token_hash user org", "id",
        "UPDATE refresh_token_families f SET revoked_at = now(), revoked_reason = 'logout'"
        " FROM refresh_tokens t WHERE t.token_hash = decode(:token_hash, 'hex') AND f.id = t.family_id"
        "   AND t.user_id = :user::uuid AND t.organization_id = :org::uuid AND f.revoked_at IS NULL"
        " RETURNING f.id");
    st_logout_cookie = auth_core->stmt_add(
        "maplat_auth_logout_cookie", "token_hash", "id user_id organization_id",
        "UPDATE refresh_token_families f SET revoked_at = now(), revoked_reason = 'logout'"
        " FROM refresh_tokens t WHERE t.token_hash = decode(:token_hash, 'hex') AND f.id = t.family_id"
        "   AND t.rotated_at IS NULL AND t.revoked_at IS NULL AND t.expires_at > now()"
        "   AND f.revoked_at IS NULL"
        " RETURNING f.id, f.user_id, f.organization_id");
    st_me = auth_core->stmt_add("maplat_auth_me", "user org", "user_json",
                                "SELECT " USER_JSON " AS user_json FROM users u"
                                " WHERE u.id = :user::uuid AND u.organization_id = :org::uuid AND u.active");
    st_users_list =
        auth_core->stmt_add("maplat_auth_users_list", "org limit offset", "items total",
                            "SELECT COALESCE(json_agg(x.j ORDER BY x.created_at DESC, x.id), '[]') AS items,"
                            "       (SELECT count(*) FROM users WHERE organization_id = :org::uuid) AS total"
                            " FROM (SELECT u.id, u.created_at, " USER_JSON_FULL " AS j FROM users u"
                            "       WHERE u.organization_id = :org::uuid ORDER BY u.created_at DESC, u.id"
                            "       LIMIT :limit::int OFFSET :offset::int) x");
    st_user_get = auth_core->stmt_add(
        "maplat_auth_user_get", "id org", "user_json",
        "SELECT " USER_JSON_FULL
        " AS user_json FROM users u WHERE u.id = :id::uuid AND u.organization_id = :org::uuid");
    st_user_create = auth_core->stmt_add(
        "maplat_auth_user_create", "org email hash first_name last_name role", "id user_json",
        "INSERT INTO users AS u (organization_id, email, password_hash, first_name, last_name, role)"
        " VALUES (:org::uuid, :email, :hash, :first_name, :last_name, :role)"
        " ON CONFLICT ((lower(email))) DO NOTHING RETURNING u.id, " USER_JSON_FULL " AS user_json");
    /* people management: changes of role and status are serialised per
     * organization (this lock, then the change in a statement of its own, so
     * that it sees every change committed before it) */
    st_org_lock = auth_core->stmt_add("maplat_auth_org_lock", "org", "id",
                                      "SELECT id FROM organizations WHERE id = :org::uuid FOR NO KEY UPDATE");
    /* each field: set_<name> says whether the request changes it */
    st_user_update = auth_core->stmt_add(
        "maplat_auth_user_update",
        "id org set_first_name first_name set_last_name last_name set_role role set_active active",
        "found allowed changed token_version active details was_active now_active",
        "WITH t AS (SELECT id, organization_id, first_name, last_name, role, active FROM users"
        "           WHERE id = :id::uuid AND organization_id = :org::uuid FOR UPDATE),"
        " n AS (SELECT t.*, CASE WHEN :set_first_name::boolean THEN :first_name ELSE t.first_name END AS nf,"
        "              CASE WHEN :set_last_name::boolean THEN :last_name ELSE t.last_name END AS nl,"
        "              CASE WHEN :set_role::boolean THEN :role ELSE t.role END AS nr,"
        "              CASE WHEN :set_active::boolean THEN :active::boolean ELSE t.active END AS na FROM t),"
        /* the last active admin keeps role and status */
        " ok AS (SELECT n.* FROM n WHERE NOT (n.role = 'admin' AND n.active AND (n.nr <> 'admin' OR NOT "
        "n.na))"
        "        OR EXISTS (SELECT 1 FROM users o WHERE o.organization_id = n.organization_id"
        "                   AND o.id <> n.id AND o.role = 'admin' AND o.active)),"
        " u AS (UPDATE users SET first_name = ok.nf, last_name = ok.nl, role = ok.nr, active = ok.na,"
        "        token_version = users.token_version"
        "                        + CASE WHEN ok.nr <> ok.role OR ok.na <> ok.active THEN 1 ELSE 0 END"
        "       FROM ok WHERE users.id = ok.id AND users.organization_id = ok.organization_id"
        "         AND (ok.nf, ok.nl, ok.nr, ok.na) IS DISTINCT FROM (ok.first_name, ok.last_name, ok.role, "
        "ok.active)"
        "       RETURNING users.*),"
        " f AS (UPDATE refresh_token_families rf SET revoked_at = now(), revoked_reason = 'user_disabled'"
        "       FROM ok WHERE rf.user_id = ok.id AND rf.organization_id = ok.organization_id"
        "         AND rf.revoked_at IS NULL AND ok.active AND NOT ok.na)"
        " SELECT (SELECT count(*) FROM t) AS found, (SELECT count(*) FROM ok) AS allowed,"
        "        (SELECT count(*) FROM u) AS changed,"
        "        (SELECT u.token_version FROM u) AS token_version, (SELECT u.active FROM u) AS active,"
        "        (SELECT jsonb_strip_nulls(jsonb_build_object("
        "           'first_name', CASE WHEN ok.nf <> ok.first_name THEN jsonb_build_object('from', "
        "ok.first_name, 'to', ok.nf) END,"
        "           'last_name', CASE WHEN ok.nl <> ok.last_name THEN jsonb_build_object('from', "
        "ok.last_name, 'to', ok.nl) END,"
        "           'role', CASE WHEN ok.nr <> ok.role THEN jsonb_build_object('from', ok.role, 'to', ok.nr) "
        "END,"
        "           'active', CASE WHEN ok.na <> ok.active THEN jsonb_build_object('from', ok.active, 'to', "
        "ok.na) END"
        "        ))::text FROM ok) AS details,"
        "        (SELECT ok.active FROM ok) AS was_active, (SELECT ok.na FROM ok) AS now_active");
    /* passwords */
    st_password_get = auth_core->stmt_add("maplat_auth_password_get", "id org", "password_hash email",
                                          "SELECT password_hash, email FROM users WHERE id = :id::uuid AND "
                                          "organization_id = :org::uuid AND active");
    st_password_change = auth_core->stmt_add(
        "maplat_auth_password_change", "hash id org old_hash keep_family", "token_version",
        "WITH u AS (UPDATE users SET password_hash = :hash, token_version = token_version + 1"
        "           WHERE id = :id::uuid AND organization_id = :org::uuid AND active AND password_hash = "
        ":old_hash"
        "           RETURNING id, organization_id, token_version),"
        " f AS (UPDATE refresh_token_families rf SET revoked_at = now(), revoked_reason = 'password_change'"
        "       FROM u WHERE rf.user_id = u.id AND rf.organization_id = u.organization_id"
        "         AND rf.revoked_at IS NULL AND rf.id IS DISTINCT FROM :keep_family::uuid)"
        " SELECT token_version FROM u");
    st_reset_issue = auth_core->stmt_add(
        "maplat_auth_reset_issue", "user org token_hash creator ttl", "id expires_at",
        "WITH target AS (SELECT id, organization_id FROM users WHERE id = :user::uuid AND organization_id = "
        ":org::uuid),"
        " older AS (UPDATE password_reset_tokens p SET superseded_at = now() FROM target"
        "           WHERE p.organization_id = target.organization_id AND p.user_id = target.id"
        "             AND p.used_at IS NULL AND p.superseded_at IS NULL)"
        " INSERT INTO password_reset_tokens (organization_id, user_id, token_hash, created_by, expires_at)"
        " SELECT organization_id, id, decode(:token_hash, 'hex'), :creator::uuid, now() + make_interval(secs "
        "=> :ttl::int)"
        " FROM target"
        " RETURNING id, to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS "
        "expires_at");
    st_reset_valid = auth_core->stmt_add(
        "maplat_auth_reset_valid", "token_hash", "user_id",
        "SELECT user_id FROM password_reset_tokens WHERE token_hash = decode(:token_hash, 'hex')"
        "   AND used_at IS NULL AND superseded_at IS NULL AND expires_at > now()");
    st_reset_use = auth_core->stmt_add(
        "maplat_auth_reset_use", "token_hash hash", "id organization_id token_version active",
        "WITH t AS (UPDATE password_reset_tokens SET used_at = now() WHERE token_hash = decode(:token_hash, "
        "'hex')"
        "           AND used_at IS NULL AND superseded_at IS NULL AND expires_at > now()"
        "           RETURNING user_id, organization_id),"
        " u AS (UPDATE users SET password_hash = :hash, token_version = users.token_version + 1"
        "       FROM t WHERE users.id = t.user_id AND users.organization_id = t.organization_id"
        "       RETURNING users.id, users.organization_id, users.token_version, users.active),"
        " f AS (UPDATE refresh_token_families rf SET revoked_at = now(), revoked_reason = 'password_reset'"
        "       FROM u WHERE rf.user_id = u.id AND rf.organization_id = u.organization_id AND rf.revoked_at "
        "IS NULL)"
        " SELECT id, organization_id, token_version, active FROM u");
}

/* ------------------------------------------------------------ helpers */

const char *maplat_email_normalize(apr_pool_t *p, const char *email)
{
    char *n = maplat_email_normalize_dup(email);
    const char *out = n ? apr_pstrdup(p, n) : NULL;
    g_free(n);
    return out;
}

static const char *hex(apr_pool_t *p, const unsigned char *b, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char *out = apr_palloc(p, 2 * n + 1);
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = 0;
    return out;
}

/* SHA-256 of a refresh token, as hex for decode(%s,'hex'). */
static const char *token_hash(apr_pool_t *p, const char *token)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(token, strlen(token), md, &n, EVP_sha256(), NULL);
    return hex(p, md, n);
}

static const char *new_refresh_token(apr_pool_t *p)
{
    unsigned char b[32];
    if (RAND_bytes(b, sizeof(b)) != 1) {
        return NULL;
    }
    return maplat_b64url_encode(p, b, sizeof(b));
}

static int is_true(const char *v)
{
    return v && (v[0] == 't' || v[0] == '1');
}

static int invalid_grant(request_rec *r)
{
    apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                   "Bearer realm=\"maplat\", error=\"invalid_token\"");
    return maplat_problem(r, HTTP_UNAUTHORIZED, "unauthorized",
                          "invalid_grant: the refresh token is invalid, expired or revoked");
}

/* ------------------------------------------------------------ browser sessions
 *
 * A cookie session keeps the refresh token in an HttpOnly cookie on the
 * auth path instead of the answer's body, out of reach of page scripts.
 * /auth/refresh and /auth/logout read it from there when the body names no
 * refresh token, and only for requests whose Origin is this server's own:
 * a page of another site cannot make the browser spend or end the session. */

#define SESSION_COOKIE "maplat_refresh"
#define SESSION_COOKIE_PATH "/api/v1/auth"

static int is_https(request_rec *r)
{
    return strcmp(ap_http_scheme(r), "https") == 0;
}

/* Sets (max_age > 0) or clears (0) the session cookie. */
static void session_cookie_set(request_rec *r, const char *value, int max_age)
{
    apr_table_addn(r->err_headers_out, "Set-Cookie",
                   apr_psprintf(r->pool,
                                SESSION_COOKIE "=%s; Max-Age=%d; Path=" SESSION_COOKIE_PATH
                                               "; HttpOnly; SameSite=Strict%s",
                                value, max_age, is_https(r) ? "; Secure" : ""));
}

/* The session cookie's value ("" when empty), or NULL when the request has none. */
static const char *session_cookie(request_rec *r)
{
    const char *h = apr_table_get(r->headers_in, "Cookie");
    const size_t nlen = sizeof(SESSION_COOKIE) - 1;

    while (h && *h) {
        const char *end = strchr(h, ';'), *v;
        size_t n;
        while (*h == ' ' || *h == '\t') {
            h++;
        }
        n = end ? (size_t)(end - h) : strlen(h);
        if (n > nlen && strncmp(h, SESSION_COOKIE "=", nlen + 1) == 0) {
            v = h + nlen + 1;
            n -= nlen + 1;
            while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t')) {
                n--;
            }
            return apr_pstrndup(r->pool, v, n);
        }
        h = end ? end + 1 : NULL;
    }
    return NULL;
}

/* origin without a default port (":80" for http, ":443" for https) */
static const char *origin_norm(apr_pool_t *p, const char *o)
{
    size_t n = strlen(o);
    if (strncasecmp(o, "http://", 7) == 0 && n > 10 && strcmp(o + n - 3, ":80") == 0) {
        return apr_pstrndup(p, o, n - 3);
    }
    if (strncasecmp(o, "https://", 8) == 0 && n > 12 && strcmp(o + n - 4, ":443") == 0) {
        return apr_pstrndup(p, o, n - 4);
    }
    return o;
}

/* Does the request's Origin equal this server's own origin: the scheme httpd
 * serves the request with (https with mod_ssl, or the scheme of ServerName,
 * e.g. `ServerName https://maplat.example.com` behind a TLS proxy) and the
 * Host the browser addressed? Client-supplied forwarding headers play no part. */
static int same_origin(request_rec *r)
{
    const char *origin = apr_table_get(r->headers_in, "Origin");
    const char *host = apr_table_get(r->headers_in, "Host");
    if (!origin || !host || !*host || strchr(host, '/') || strchr(host, ',')) {
        return 0;
    }
    return strcasecmp(origin_norm(r->pool, origin),
                      origin_norm(r->pool, apr_pstrcat(r->pool, ap_http_scheme(r), "://", host, NULL))) == 0;
}

static int foreign_origin(request_rec *r)
{
    return maplat_problem(r, HTTP_FORBIDDEN, "forbidden",
                          "a browser session is only accepted from this server's own origin (Origin header)");
}

/* Issues an access token for the identity and answers with the pair; with
 * in_cookie, the refresh token goes into the session cookie, not the body. */
static int send_tokens(request_rec *r, const char *user_id, const char *org_id, const char *role,
                       int master_admin, const char *email, const char *version, const char *session,
                       const char *refresh, int in_cookie, const char *user_json)
{
    maplat_jwt_claims_t c;
    const char *at;
    apr_int64_t ver = 0;

    memset(&c, 0, sizeof(c));
    c.sub = user_id;
    c.org = org_id;
    c.role = role;
    c.email = email;
    c.master_admin = master_admin;
    if (!version || maplat_parse_int(version, 0, 2147483647, &ver) != 0) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    c.ver = ver;
    c.sid = session;
    at = maplat_jwt_sign(r->pool, &maplat_auth_g.jwt, &c, (apr_int64_t)apr_time_sec(apr_time_now()),
                         maplat_auth_g.token_ttl);
    if (!at) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (in_cookie) {
        session_cookie_set(r, refresh, maplat_auth_g.refresh_ttl);
        return maplat_raw_json_send(
            r, HTTP_OK,
            apr_psprintf(r->pool,
                         "{\"access_token\":\"%s\",\"token_type\":\"Bearer\",\"expires_in\":%d,"
                         "\"user\":%s}",
                         at, maplat_auth_g.token_ttl, user_json));
    }
    return maplat_raw_json_send(
        r, HTTP_OK,
        apr_psprintf(r->pool,
                     "{\"access_token\":\"%s\",\"token_type\":\"Bearer\",\"expires_in\":%d,"
                     "\"refresh_token\":\"%s\",\"user\":%s}",
                     at, maplat_auth_g.token_ttl, refresh, user_json));
}

/* ------------------------------------------------------------ login */

static int rate_limited(request_rec *r, int retry_after, const char *detail)
{
    apr_table_setn(r->err_headers_out, "Retry-After", apr_itoa(r->pool, retry_after));
    return maplat_problem(r, HTTP_TOO_MANY_REQUESTS, "rate_limited", detail);
}

static int login_limit(request_rec *r, const char *email, int consume);

/* The login limiter in front of a password check (login, password change,
 * reset tokens): DECLINED to go on, else the answer — 503 when the limiter
 * cannot tell, 429 with Retry-After and detail when limited. */
static int login_gate(request_rec *r, const char *email, const char *detail)
{
    int ra = login_limit(r, email, 0);
    if (ra < 0) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    return ra > 0 ? rate_limited(r, ra, detail) : DECLINED;
}

/* Checks (consume=0) or counts (consume=1) failed logins for the e-mail and
 * the client address. memcached first; PostgreSQL's audit log when it is
 * down, so the limit holds either way. Returns 0 ok, >0 retry-after, -1 db.
 * Wrong current passwords (POST /auth/password) count as failures of that
 * e-mail too, and unusable reset tokens of the client address (email NULL). */
static int login_limit(request_rec *r, const char *email, int consume)
{
    int ra1 = 0, ra2 = 0, count, window;
    maplat_rl_t a =
        email ? auth_core->rate_limit(r, "login", apr_pstrcat(r->pool, "e:", email, NULL), consume, &ra1)
              : MAPLAT_RL_OK;
    maplat_rl_t b =
        auth_core->rate_limit(r, "login", apr_pstrcat(r->pool, "a:", r->useragent_ip, NULL), consume, &ra2);
    maplat_rows_t *row = NULL;
    maplat_args_t *q;

    if (a == MAPLAT_RL_LIMITED || b == MAPLAT_RL_LIMITED) {
        return ra1 > ra2 ? ra1 : ra2;
    }
    if (a == MAPLAT_RL_OK && b == MAPLAT_RL_OK) {
        return 0;
    }
    if (consume) {
        return 0; /* the failure is in the audit log: that is the fallback's counter */
    }
    auth_core->rate_limit_config("login", &count, &window);
    q = auth_core->args(r->pool, st_failed_count);
    auth_core->bind(q, "email", email);
    auth_core->bind(q, "ip", r->useragent_ip);
    auth_core->bind_int(q, "window", window);
    if (auth_core->db_first(r, q, &row) != OK) {
        return -1;
    }
    if (row && auth_core->col(row, "by_email")) {
        long by_email = atol(auth_core->col(row, "by_email")),
             by_addr = atol(auth_core->col(row, "by_address"));
        if (by_email >= count || by_addr >= count) {
            long ra = atol(auth_core->col(row, "retry_after"));
            return ra < 1 ? 1 : (int)ra;
        }
    }
    return 0;
}

static int login_handler(request_rec *r, const maplat_match_t *m)
{
    json_object *body = NULL, *errors = NULL;
    const char *email_in, *password, *email, *user_id = NULL, *org_id = NULL, *hash = NULL;
    const char *role = NULL, *user_json = NULL, *refresh, *rehash = NULL, *version = NULL;
    int master_admin = 0, active = 0, rc, ok, in_cookie = 0;
    maplat_rows_t *row = NULL, *token = NULL;
    maplat_args_t *q;
    maplat_audit_t audit;

    if (auth_core->read_json(r, &body) != OK) {
        return OK;
    }
    email_in = maplat_json_str(body, "email");
    password = maplat_json_str(body, "password");
    if (!email_in || !*email_in) {
        maplat_error_add(&errors, "email", "is required");
    }
    if (!password || !*password) {
        maplat_error_add(&errors, "password", "is required");
    }
    if (maplat_json_has(body, "session")) {
        /* "cookie": a browser session (the refresh token in an HttpOnly cookie) */
        const char *session = maplat_json_str(body, "session");
        if (session && strcmp(session, "cookie") == 0) {
            in_cookie = 1;
        }
        else if (!session || strcmp(session, "body") != 0) {
            maplat_error_add(&errors, "session", "must be cookie or body");
            in_cookie = -1;
        }
    }
    /* errors stays NULL if json-c cannot allocate it: test the fields too */
    if (errors || !email_in || !password || in_cookie < 0) {
        return maplat_problem_errors(r, HTTP_UNPROCESSABLE_ENTITY, "validation_failed",
                                     "email and password are required", errors);
    }
    if (in_cookie && !same_origin(r)) {
        return foreign_origin(r); /* before the password is looked at: counts as no attempt */
    }
    email = maplat_email_normalize(r->pool, email_in);
    if (!email) {
        email = "invalid"; /* still rate limited and answered like any failure */
    }

    if ((rc = login_gate(r, email, "too many failed logins; retry later")) != DECLINED) {
        return rc;
    }

    q = auth_core->args(r->pool, st_user_by_email);
    auth_core->bind(q, "email", email);
    if ((rc = auth_core->db_first(r, q, &row)) != OK) {
        return rc;
    }
    if (row && auth_core->col(row, "id")) {
        user_id = auth_core->col(row, "id");
        org_id = auth_core->col(row, "organization_id");
        hash = auth_core->col(row, "password_hash");
        role = auth_core->col(row, "role");
        master_admin = is_true(auth_core->col(row, "master_admin"));
        active = is_true(auth_core->col(row, "active"));
        user_json = auth_core->col(row, "user_json");
        version = auth_core->col(row, "token_version");
    }
    /* the same work whether or not the user exists: bcrypt against a dummy */
    if (!maplat_bcrypt_enter(r)) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    ok = strlen(password) <= MAPLAT_PASSWORD_MAX_BYTES &&
         maplat_password_verify(r->pool, password, user_id && active ? hash : NULL);
    if (strlen(password) > MAPLAT_PASSWORD_MAX_BYTES) {
        maplat_password_verify(r->pool, "x", NULL); /* keep the timing */
    }
    /* a hash made with another cost (or an older bcrypt variant) is replaced by one
     * with MaplatBcryptCost while the password is at hand (below, in the login's
     * transaction, only if nobody changed it meanwhile) */
    if (ok && maplat_password_needs_rehash(hash, maplat_auth_g.bcrypt_cost)) {
        rehash = maplat_password_hash(r->pool, password, maplat_auth_g.bcrypt_cost);
    }
    maplat_bcrypt_leave();

    memset(&audit, 0, sizeof(audit));
    audit.resource_type = "user";
    if (!ok) {
        login_limit(r, email, 1);
        audit.action = "auth.login_failed";
        if (user_id) {
            audit.org_id = org_id;
            audit.user_id = user_id;
            audit.resource_id = user_id;
        }
        else {
            audit.anonymous = 1;
        }
        {
            json_object *d = json_object_new_object();
            json_object_object_add(d, "email", json_object_new_string(email));
            audit.details = apr_pstrdup(r->pool, json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN));
            json_object_put(d);
        }
        if ((rc = auth_core->audit(r, &audit)) != OK) {
            return rc;
        }
        apr_table_setn(r->err_headers_out, "WWW-Authenticate", "Bearer realm=\"maplat\"");
        return maplat_problem(r, HTTP_UNAUTHORIZED, "unauthorized", "the email or password is wrong");
    }

    refresh = new_refresh_token(r->pool);
    if (!refresh) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((rc = auth_core->db_tx_begin(r)) != OK) {
        return rc;
    }
    q = auth_core->args(r->pool, st_login_token);
    auth_core->bind(q, "org", org_id);
    auth_core->bind(q, "user", user_id);
    auth_core->bind(q, "token_hash", token_hash(r->pool, refresh));
    auth_core->bind_int(q, "ttl", maplat_auth_g.refresh_ttl);
    auth_core->bind(q, "rehash", rehash ? rehash : "");
    auth_core->bind(q, "old_hash", hash);
    rc = auth_core->db_first(r, q, &token);
    if (rc == OK) {
        audit.action = "auth.login";
        audit.org_id = org_id;
        audit.user_id = user_id;
        audit.resource_id = user_id;
        rc = auth_core->audit(r, &audit);
    }
    if (rc != OK) {
        auth_core->db_tx_end(r, 0);
        return rc;
    }
    if ((rc = auth_core->db_tx_end(r, 1)) != OK) {
        return rc;
    }
    return send_tokens(r, user_id, org_id, role, master_admin, email, version,
                       auth_core->col(token, "family_id"), refresh, in_cookie, user_json);
}

/* Is the request body empty (no Content-Length or 0, not chunked)? */
static int body_empty(request_rec *r)
{
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    return !apr_table_get(r->headers_in, "Transfer-Encoding") && (!cl || strcmp(cl, "0") == 0);
}

/* The refresh token of the request, or NULL with *rc set (the answer is
 * sent: a malformed body, a 422 naming the field, a 403 for a cookie from
 * another origin). The body's refresh_token when it has one (as ever);
 * otherwise the session cookie (*from_cookie = 1) — then the body may also
 * be empty, and the Origin must be this server's. */
static const char *refresh_token_of(request_rec *r, int *rc, int *from_cookie)
{
    json_object *body = NULL, *errors = NULL;
    const char *token, *cookie = session_cookie(r);

    *rc = OK;
    *from_cookie = 0;
    if (!(cookie && body_empty(r))) {
        if (auth_core->read_json(r, &body) != OK) {
            return NULL;
        }
        token = maplat_json_str(body, "refresh_token");
        if (token && *token) {
            return token;
        }
    }
    if (cookie) {
        if (!same_origin(r)) {
            *rc = foreign_origin(r);
            return NULL;
        }
        *from_cookie = 1;
        return cookie; /* may be empty or malformed: then it is simply not valid */
    }
    maplat_error_add(&errors, "refresh_token", "is required");
    *rc = maplat_problem_errors(r, HTTP_UNPROCESSABLE_ENTITY, "validation_failed",
                                "refresh_token is required", errors);
    return NULL;
}

/* ------------------------------------------------------------ refresh */

static int refresh_handler(request_rec *r, const maplat_match_t *m)
{
    const char *token, *th, *next;
    maplat_rows_t *row = NULL;
    maplat_args_t *q;
    int rc, from_cookie;

    if (!(token = refresh_token_of(r, &rc, &from_cookie))) {
        return rc;
    }
    if (strlen(token) != 43) {
        return invalid_grant(r); /* not one of ours (an access token, say) */
    }
    th = token_hash(r->pool, token);
    next = new_refresh_token(r->pool);
    if (!next) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((rc = auth_core->db_tx_begin(r)) != OK) {
        return rc;
    }
    q = auth_core->args(r->pool, st_refresh_rotate);
    auth_core->bind(q, "token_hash", th);
    if ((rc = auth_core->db_first(r, q, &row)) != OK) {
        auth_core->db_tx_end(r, 0);
        return rc;
    }
    if (row && auth_core->col(row, "id")) {
        const char *family = auth_core->col(row, "family_id");
        const char *user_id = auth_core->col(row, "user_id"),
                   *org_id = auth_core->col(row, "organization_id");
        q = auth_core->args(r->pool, st_refresh_child);
        auth_core->bind(q, "family", family);
        auth_core->bind(q, "org", org_id);
        auth_core->bind(q, "user", user_id);
        auth_core->bind(q, "token_hash", token_hash(r->pool, next));
        auth_core->bind(q, "parent", auth_core->col(row, "id"));
        auth_core->bind_int(q, "ttl", maplat_auth_g.refresh_ttl);
        if ((rc = auth_core->db_exec(r, q, NULL)) != OK || (rc = auth_core->db_tx_end(r, 1)) != OK) {
            auth_core->db_tx_end(r, 0);
            return rc;
        }
        return send_tokens(r, user_id, org_id, auth_core->col(row, "role"),
                           is_true(auth_core->col(row, "master_admin")), auth_core->col(row, "email"),
                           auth_core->col(row, "token_version"), family, next, from_cookie,
                           auth_core->col(row, "user_json"));
    }
    /* not usable: was it a rotated-out token presented again? */
    q = auth_core->args(r->pool, st_refresh_lookup);
    auth_core->bind_int(q, "grace", MAPLAT_REFRESH_GRACE_S);
    auth_core->bind(q, "token_hash", th);
    if ((rc = auth_core->db_first(r, q, &row)) != OK) {
        auth_core->db_tx_end(r, 0);
        return rc;
    }
    if (row && auth_core->col(row, "family_id") && is_true(auth_core->col(row, "reused"))) {
        const char *family = auth_core->col(row, "family_id"), *user_id = auth_core->col(row, "user_id");
        const char *org_id = auth_core->col(row, "organization_id");
        maplat_audit_t audit;
        memset(&audit, 0, sizeof(audit));
        audit.org_id = org_id;
        audit.user_id = user_id;
        audit.action = "auth.refresh_reuse_detected";
        audit.resource_type = "user";
        audit.resource_id = user_id;
        audit.details = apr_psprintf(r->pool, "{\"family_id\":\"%s\"}", family);
        q = auth_core->args(r->pool, st_family_revoke);
        auth_core->bind(q, "reason", "reuse");
        auth_core->bind(q, "id", family);
        auth_core->bind(q, "org", org_id);
        if ((rc = auth_core->db_exec(r, q, NULL)) != OK || (rc = auth_core->audit(r, &audit)) != OK ||
            (rc = auth_core->db_tx_end(r, 1)) != OK) {
            auth_core->db_tx_end(r, 0);
            return rc;
        }
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      MAPLAT_LOGNO(02010) "refresh token reuse for user %s: family %s revoked", user_id,
                      family);
        return invalid_grant(r);
    }
    auth_core->db_tx_end(r, 0);
    return invalid_grant(r);
}

/* ------------------------------------------------------------ logout, me */

static int logout_handler(request_rec *r, const maplat_match_t *m)
{
    const maplat_identity_t *id = auth_core->identity_get(r);
    const char *token;
    maplat_rows_t *row = NULL;
    maplat_args_t *q;
    int rc, from_cookie, auth_rc = OK;
    maplat_audit_t audit;

    /* With conf/maplat.conf the route is public, so that a browser session
     * can end even when its access token has expired: the token is checked
     * here. A body-based logout still needs a valid access token. */
    if (!id && apr_table_get(r->headers_in, "Authorization")) {
        auth_rc = maplat_auth_bearer(r);
        if (auth_rc != OK && auth_rc != HTTP_UNAUTHORIZED) {
            return auth_rc; /* the token could not be checked (503) */
        }
        id = auth_core->identity_get(r);
    }
    if (!id && !session_cookie(r)) {
        goto unauthenticated;
    }
    if (!(token = refresh_token_of(r, &rc, &from_cookie))) {
        return rc;
    }
    if (!id && !from_cookie) {
        goto unauthenticated;
    }
    if ((rc = auth_core->db_tx_begin(r)) != OK) {
        return rc;
    }
    q = auth_core->args(r->pool, id ? st_logout : st_logout_cookie);
    auth_core->bind(q, "token_hash", token_hash(r->pool, token));
    memset(&audit, 0, sizeof(audit));
    audit.action = "auth.logout";
    audit.resource_type = "user";
    if (id) {
        /* only a family of the caller's own */
        auth_core->bind(q, "user", id->user_id);
        auth_core->bind(q, "org", id->org_id);
        rc = auth_core->db_rows(r, q, &row);
        audit.resource_id = id->user_id;
    }
    else {
        /* the cookie alone (an expired access token): its family, if the
         * token is still the live one — as much as a refresh could do */
        rc = auth_core->db_first(r, q, &row);
        if (rc == OK && row && auth_core->col(row, "id")) {
            audit.user_id = auth_core->col(row, "user_id");
            audit.org_id = auth_core->col(row, "organization_id");
            audit.resource_id = audit.user_id;
        }
    }
    if (rc == OK && (id || audit.user_id)) {
        rc = auth_core->audit(r, &audit);
    }
    if (rc != OK || (rc = auth_core->db_tx_end(r, 1)) != OK) {
        auth_core->db_tx_end(r, 0);
        return rc;
    }
    if (from_cookie) {
        session_cookie_set(r, "", 0);
    }
    r->status = HTTP_NO_CONTENT;
    return OK;

unauthenticated:
    if (auth_rc == OK) {
        /* no Authorization header at all */
        apr_table_setn(r->err_headers_out, "WWW-Authenticate", "Bearer realm=\"maplat\"");
        apr_table_setn(r->notes, MAPLAT_NOTE_ERROR_DETAIL,
                       "an access token is required (Authorization: Bearer …)");
    }
    return maplat_problem(r, HTTP_UNAUTHORIZED, "unauthorized",
                          apr_table_get(r->notes, MAPLAT_NOTE_ERROR_DETAIL));
}

static int me_handler(request_rec *r, const maplat_match_t *m)
{
    const maplat_identity_t *id = auth_core->identity_get(r);
    const char *json;
    maplat_rows_t *row = NULL;
    maplat_args_t *q;
    int rc;

    if (!id) {
        return HTTP_UNAUTHORIZED;
    }
    q = auth_core->args(r->pool, st_me);
    auth_core->bind(q, "user", id->user_id);
    auth_core->bind(q, "org", id->org_id);
    if ((rc = auth_core->db_first(r, q, &row)) != OK) {
        return rc;
    }
    json = auth_core->col(row, "user_json");
    if (!json) {
        apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                       "Bearer realm=\"maplat\", error=\"invalid_token\"");
        return maplat_problem(r, HTTP_UNAUTHORIZED, "unauthorized", "this account is no longer active");
    }
    return maplat_raw_json_send(r, HTTP_OK, json);
}

/* ------------------------------------------------------------ users */

/* The rules of a new password (POST /users, /auth/password, /auth/password-reset). */
static void password_rules(json_object **errors, const char *field, const char *password)
{
    if (!password) {
        maplat_error_add(errors, field, "is required");
    }
    else if (g_utf8_strlen(password, -1) < MAPLAT_PASSWORD_MIN_CHARS) {
        maplat_error_add(errors, field, "must be at least 12 characters");
    }
    else if (strlen(password) > MAPLAT_PASSWORD_MAX_BYTES) {
        maplat_error_add(errors, field, "must be at most 72 bytes (UTF-8)");
    }
}

static int users_list(request_rec *r, const maplat_match_t *m)
{
    const maplat_identity_t *id = auth_core->identity_get(r);
    json_object *errors = NULL;
    int page, size, rc;
    maplat_rows_t *row = NULL;
    maplat_args_t *q;

    if (!id) {
        return HTTP_UNAUTHORIZED;
    }
    {
        /* one order (newest first): sort may only name it */
        apr_table_t *qs = maplat_query(r);
        const char *sort = apr_table_get(qs, "sort");
        maplat_page_params(qs, &page, &size, &errors);
        if (sort && strcmp(sort, "-created_at") != 0) {
            maplat_error_add(&errors, "sort", "must be -created_at");
        }
        if (errors) {
            return maplat_problem_errors(r, HTTP_UNPROCESSABLE_ENTITY, "validation_failed",
                                         "the request is not valid", errors);
        }
    }
    q = auth_core->args(r->pool, st_users_list);
    auth_core->bind(q, "org", id->org_id);
    auth_core->bind_int(q, "limit", size);
    auth_core->bind_int(q, "offset", (apr_int64_t)(page - 1) * size);
    if ((rc = auth_core->db_first(r, q, &row)) != OK) {
        return rc;
    }
    if (!row || !auth_core->col(row, "items")) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return maplat_list_send(r, auth_core->col(row, "items"), page, size, auth_core->col(row, "total"));
}

static int user_get(request_rec *r, const maplat_match_t *m)
{
    const maplat_identity_t *id = auth_core->identity_get(r);
    const char *json;
    maplat_rows_t *row = NULL;
    maplat_args_t *q;
    int rc;

    if (!id) {
        return HTTP_UNAUTHORIZED;
    }
    q = auth_core->args(r->pool, st_user_get);
    auth_core->bind(q, "id", maplat_param(m, "id"));
    auth_core->bind(q, "org", id->org_id);
    if ((rc = auth_core->db_first(r, q, &row)) != OK) {
        return rc;
    }
    json = auth_core->col(row, "user_json");
    if (!json) {
        return maplat_problem(r, HTTP_NOT_FOUND, "not_found", "user not found");
    }
    return maplat_raw_json_send(r, HTTP_OK, json);
}

static int users_create(request_rec *r, const maplat_match_t *m)
{
    const maplat_identity_t *id = auth_core->identity_get(r);
    json_object *body = NULL, *errors = NULL;
    const char *email_in, *email = NULL, *password, *first, *last, *role, *hash;
    maplat_rows_t *row = NULL;
    maplat_args_t *q;
    int rc;
    maplat_audit_t audit;

    if (!id) {
        return HTTP_UNAUTHORIZED;
    }
    if (strcmp(id->role, "admin") != 0) {
        return maplat_problem(r, HTTP_FORBIDDEN, "forbidden", "only an organization admin can create users");
    }
    if (auth_core->read_json(r, &body) != OK) {
        return OK;
    }
    email_in = maplat_json_str(body, "email");
    password = maplat_json_str(body, "password");
    role = maplat_json_str(body, "role");
    if (!email_in || !(email = maplat_email_normalize(r->pool, email_in))) {
        maplat_error_add(&errors, "email", "must be an e-mail address");
    }
    password_rules(&errors, "password", password);
    maplat_check_str(r->pool, &errors, "first_name", body, "first_name", 0, 100, 0, &first);
    maplat_check_str(r->pool, &errors, "last_name", body, "last_name", 0, 100, 0, &last);
    if (maplat_json_has(body, "role")) {
        maplat_check_enum(r->pool, &errors, "role", &maplat_user_roles, role);
    }
    if (errors) {
        return maplat_problem_errors(r, HTTP_UNPROCESSABLE_ENTITY, "validation_failed",
                                     "the user is not valid", errors);
    }
    if (!maplat_bcrypt_enter(r)) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    hash = maplat_password_hash(r->pool, password, maplat_auth_g.bcrypt_cost);
    maplat_bcrypt_leave();
    if (!hash) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((rc = auth_core->db_tx_begin(r)) != OK) {
        return rc;
    }
    q = auth_core->args(r->pool, st_user_create);
    auth_core->bind(q, "org", id->org_id);
    auth_core->bind(q, "email", email);
    auth_core->bind(q, "hash", hash);
    auth_core->bind(q, "first_name", first ? first : "");
    auth_core->bind(q, "last_name", last ? last : "");
    auth_core->bind(q, "role", role ? role : "member");
    if ((rc = auth_core->db_first(r, q, &row)) != OK) {
        auth_core->db_tx_end(r, 0);
        return rc;
    }
    if (!row || !auth_core->col(row, "id")) {
        auth_core->db_tx_end(r, 0);
        return maplat_problem(r, HTTP_CONFLICT, "conflict", "a user with this email already exists");
    }
    memset(&audit, 0, sizeof(audit));
    audit.action = "user.create";
    audit.resource_type = "user";
    audit.resource_id = auth_core->col(row, "id");
    if ((rc = auth_core->audit(r, &audit)) != OK || (rc = auth_core->db_tx_end(r, 1)) != OK) {
        auth_core->db_tx_end(r, 0);
        return rc;
    }
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, "/api/v1/users/", auth_core->col(row, "id"), NULL));
    return maplat_raw_json_send(r, HTTP_CREATED, auth_core->col(row, "user_json"));
}

/* ------------------------------------------------------------ people management */

static int is_admin(const maplat_identity_t *id)
{
    return id && id->role && strcmp(id->role, "admin") == 0;
}

/* PATCH /users/{id} {first_name?, last_name?, role?, active?}: organization
 * admins, for users of their organization. A change of role or status bumps
 * the user's token version (their access tokens stop working at once, on
 * every server); deactivation also revokes their refresh families. The last
 * active admin of the organization can be neither demoted nor deactivated. */
static int user_update(request_rec *r, const maplat_match_t *m)
{
    const maplat_identity_t *id = auth_core->identity_get(r);
    json_object *body = NULL, *errors = NULL, *v;
    const char *first = NULL, *last = NULL, *role = NULL, *active = NULL, *user_id = maplat_param(m, "id");
    const char *found, *allowed, *changed, *version, *details, *was_active, *now_active;
    maplat_rows_t *row = NULL;
    maplat_args_t *q;
    int rc;
    maplat_audit_t audit;

    if (!id) {
        return HTTP_UNAUTHORIZED;
    }
    if (!is_admin(id)) {
        return maplat_problem(r, HTTP_FORBIDDEN, "forbidden", "only an organization admin can change users");
    }
    if (auth_core->read_json(r, &body) != OK) {
        return OK;
    }
    /* email, organization_id, master_admin, password … are never taken from the body */
    maplat_check_str(r->pool, &errors, "first_name", body, "first_name", 0, 100, 0, &first);
    maplat_check_str(r->pool, &errors, "last_name", body, "last_name", 0, 100, 0, &last);
    if (json_object_object_get_ex(body, "role", &v)) {
        role = maplat_json_str(body, "role");
        maplat_check_enum(r->pool, &errors, "role", &maplat_user_roles, role);
    }
    if (json_object_object_get_ex(body, "active", &v)) {
        if (!v || !json_object_is_type(v, json_type_boolean)) {
            maplat_error_add(&errors, "active", "must be true or false");
        }
        else {
            active = json_object_get_boolean(v) ? "true" : "false";
        }
    }
    if (errors) {
        return maplat_problem_errors(r, HTTP_UNPROCESSABLE_ENTITY, "validation_failed",
                                     "the change is not valid", errors);
    }
    if ((rc = auth_core->db_tx_begin(r)) != OK) {
        return rc;
    }
    q = auth_core->args(r->pool, st_org_lock);
    auth_core->bind(q, "org", id->org_id);
    if ((rc = auth_core->db_rows(r, q, &row)) != OK) {
        auth_core->db_tx_end(r, 0);
        return rc;
    }
    q = auth_core->args(r->pool, st_user_update);
    auth_core->bind(q, "id", user_id);
    auth_core->bind(q, "org", id->org_id);
    auth_core->bind(q, "set_first_name", first ? "true" : "false");
    auth_core->bind(q, "first_name", first ? first : "");
    auth_core->bind(q, "set_last_name", last ? "true" : "false");
    auth_core->bind(q, "last_name", last ? last : "");
    auth_core->bind(q, "set_role", role ? "true" : "false");
    auth_core->bind(q, "role", role ? role : "member");
    auth_core->bind(q, "set_active", active ? "true" : "false");
    auth_core->bind(q, "active", active ? active : "true");
    if ((rc = auth_core->db_first(r, q, &row)) != OK) {
        auth_core->db_tx_end(r, 0);
        return rc;
    }
    if (!(found = auth_core->col(row, "found"))) {
        auth_core->db_tx_end(r, 0);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    allowed = auth_core->col(row, "allowed");
    changed = auth_core->col(row, "changed");
    version = auth_core->col(row, "token_version");
    details = auth_core->col(row, "details");
    was_active = auth_core->col(row, "was_active");
    now_active = auth_core->col(row, "now_active");
    if (strcmp(found, "0") == 0) {
        auth_core->db_tx_end(r, 0);
        return maplat_problem(r, HTTP_NOT_FOUND, "not_found", "user not found");
    }
    if (!allowed || strcmp(allowed, "0") == 0) {
        auth_core->db_tx_end(r, 0);
        return maplat_problem(r, HTTP_CONFLICT, "conflict",
                              "the organization's last active admin cannot be demoted or deactivated");
    }
    if (changed && strcmp(changed, "0") != 0) {
        memset(&audit, 0, sizeof(audit));
        audit.action = is_true(was_active) && !is_true(now_active)   ? "user.deactivate"
                       : !is_true(was_active) && is_true(now_active) ? "user.activate"
                                                                     : "user.update";
        audit.resource_type = "user";
        audit.resource_id = user_id;
        audit.details = details;
        if ((rc = auth_core->audit(r, &audit)) != OK) {
            auth_core->db_tx_end(r, 0);
            return rc;
        }
    }
    if ((rc = auth_core->db_tx_end(r, 1)) != OK) {
        return rc;
    }
    if (version) {
        maplat_token_version_publish(r, user_id, version, is_true(auth_core->col(row, "active")));
    }
    return user_get(r, m);
}

/* ------------------------------------------------------------ passwords */

/* POST /auth/password {current_password, new_password}: the caller's own.
 * A wrong current password counts like a failed login (and is limited like
 * one). The caller's other sessions end: their refresh families are revoked
 * and every access token of the user stops working (the token version is
 * bumped; this session refreshes to get a new one). */
static int password_change(request_rec *r, const maplat_match_t *m)
{
    const maplat_identity_t *id = auth_core->identity_get(r);
    const maplat_auth_token_t *tok = maplat_auth_token(r);
    json_object *body = NULL, *errors = NULL;
    const char *current, *next, *hash, *email, *newhash, *version;
    maplat_rows_t *row = NULL;
    maplat_args_t *q;
    int rc, ok;
    maplat_audit_t audit;

    if (!id) {
        return HTTP_UNAUTHORIZED;
    }
    if (auth_core->read_json(r, &body) != OK) {
        return OK;
    }
    current = maplat_json_str(body, "current_password");
    next = maplat_json_str(body, "new_password");
    if (!current || !*current) {
        maplat_error_add(&errors, "current_password", "is required");
    }
    password_rules(&errors, "new_password", next);
    if (errors || !current || !next) {
        return maplat_problem_errors(r, HTTP_UNPROCESSABLE_ENTITY, "validation_failed",
                                     "the new password is not valid", errors);
    }
    q = auth_core->args(r->pool, st_password_get);
    auth_core->bind(q, "id", id->user_id);
    auth_core->bind(q, "org", id->org_id);
    if ((rc = auth_core->db_first(r, q, &row)) != OK) {
        return rc;
    }
    if (!(hash = auth_core->col(row, "password_hash"))) {
        apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                       "Bearer realm=\"maplat\", error=\"invalid_token\"");
        return maplat_problem(r, HTTP_UNAUTHORIZED, "unauthorized", "this account is no longer active");
    }
    email = auth_core->col(row, "email");
    if ((rc = login_gate(r, email, "too many failed password checks; retry later")) != DECLINED) {
        return rc;
    }
    if (!maplat_bcrypt_enter(r)) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    ok = strlen(current) <= MAPLAT_PASSWORD_MAX_BYTES && maplat_password_verify(r->pool, current, hash);
    newhash = ok ? maplat_password_hash(r->pool, next, maplat_auth_g.bcrypt_cost) : NULL;
    maplat_bcrypt_leave();

    memset(&audit, 0, sizeof(audit));
    audit.resource_type = "user";
    audit.resource_id = id->user_id;
    if (!ok) {
        login_limit(r, email, 1);
        audit.action = "auth.password_change_failed";
        {
            json_object *d = json_object_new_object();
            json_object_object_add(d, "email", json_object_new_string(email));
            audit.details = apr_pstrdup(r->pool, json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN));
            json_object_put(d);
        }
        if ((rc = auth_core->audit(r, &audit)) != OK) {
            return rc;
        }
        /* no error="invalid_token": the access token is fine, the password is not */
        apr_table_setn(r->err_headers_out, "WWW-Authenticate", "Bearer realm=\"maplat\"");
        return maplat_problem(r, HTTP_UNAUTHORIZED, "unauthorized", "the current password is wrong");
    }
    if (!newhash) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((rc = auth_core->db_tx_begin(r)) != OK) {
        return rc;
    }
    q = auth_core->args(r->pool, st_password_change);
    auth_core->bind(q, "hash", newhash);
    auth_core->bind(q, "id", id->user_id);
    auth_core->bind(q, "org", id->org_id);
    auth_core->bind(q, "old_hash", hash);
    auth_core->bind(q, "keep_family", tok ? tok->sid : NULL); /* this session's family survives */
    if ((rc = auth_core->db_first(r, q, &row)) != OK) {
        auth_core->db_tx_end(r, 0);
        return rc;
    }
    if (!(version = auth_core->col(row, "token_version"))) {
        /* changed (or deactivated) meanwhile by another request */
        auth_core->db_tx_end(r, 0);
        return maplat_problem(r, HTTP_CONFLICT, "conflict", "the password was changed meanwhile; try again");
    }
    audit.action = "auth.password_change";
    if ((rc = auth_core->audit(r, &audit)) != OK || (rc = auth_core->db_tx_end(r, 1)) != OK) {
        auth_core->db_tx_end(r, 0);
        return rc;
    }
    maplat_token_version_publish(r, id->user_id, version, 1);
    r->status = HTTP_NO_CONTENT;
    return OK;
}

/* POST /users/{id}/password-reset: an organization admin issues a one-time
 * reset token for a user of the organization (24 h; only its SHA-256 is
 * stored; issuing a new one supersedes the user's older unused ones). */
static int reset_issue(request_rec *r, const maplat_match_t *m)
{
    const maplat_identity_t *id = auth_core->identity_get(r);
    const char *user_id = maplat_param(m, "id"), *token, *expires;
    maplat_rows_t *row = NULL;
    maplat_args_t *q;
    int rc;
    maplat_audit_t audit;

    if (!id) {
        return HTTP_UNAUTHORIZED;
    }
    if (!is_admin(id)) {
        return maplat_problem(r, HTTP_FORBIDDEN, "forbidden",
                              "only an organization admin can reset passwords");
    }
    if (!(token = new_refresh_token(r->pool))) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((rc = auth_core->db_tx_begin(r)) != OK) {
        return rc;
    }
    q = auth_core->args(r->pool, st_reset_issue);
    auth_core->bind(q, "user", user_id);
    auth_core->bind(q, "org", id->org_id);
    auth_core->bind(q, "token_hash", token_hash(r->pool, token));
    auth_core->bind(q, "creator", id->user_id);
    auth_core->bind_int(q, "ttl", MAPLAT_RESET_TTL_S);
    if ((rc = auth_core->db_first(r, q, &row)) != OK) {
        auth_core->db_tx_end(r, 0);
        return rc;
    }
    if (!row || !auth_core->col(row, "id")) {
        auth_core->db_tx_end(r, 0);
        return maplat_problem(r, HTTP_NOT_FOUND, "not_found", "user not found");
    }
    expires = auth_core->col(row, "expires_at");
    memset(&audit, 0, sizeof(audit));
    audit.action = "user.password_reset_issue";
    audit.resource_type = "user";
    audit.resource_id = user_id;
    audit.details = apr_psprintf(r->pool, "{\"reset_id\":\"%s\",\"expires_at\":\"%s\"}",
                                 auth_core->col(row, "id"), expires);
    if ((rc = auth_core->audit(r, &audit)) != OK || (rc = auth_core->db_tx_end(r, 1)) != OK) {
        auth_core->db_tx_end(r, 0);
        return rc;
    }
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    return maplat_raw_json_send(
        r, HTTP_CREATED, apr_psprintf(r->pool, "{\"token\":\"%s\",\"expires_at\":\"%s\"}", token, expires));
}

static int reset_refused(request_rec *r)
{
    maplat_audit_t audit;
    int rc;

    login_limit(r, NULL, 1);
    memset(&audit, 0, sizeof(audit));
    audit.anonymous = 1;
    audit.action = "auth.password_reset_failed";
    audit.resource_type = "user";
    if ((rc = auth_core->audit(r, &audit)) != OK) {
        return rc;
    }
    apr_table_setn(r->err_headers_out, "WWW-Authenticate", "Bearer realm=\"maplat\"");
    return maplat_problem(r, HTTP_UNAUTHORIZED, "unauthorized",
                          "the reset token is invalid, used or expired");
}

/* POST /auth/password-reset {token, new_password}: public. The token is
 * spent, the password set, every session of the user ended (refresh
 * families revoked, token version bumped). Unusable tokens count against
 * the client address like failed logins. */
static int reset_use(request_rec *r, const maplat_match_t *m)
{
    json_object *body = NULL, *errors = NULL;
    const char *token, *next, *th, *hash, *user_id, *org_id;
    maplat_rows_t *row = NULL;
    maplat_args_t *q;
    int rc;
    maplat_audit_t audit;

    if (auth_core->read_json(r, &body) != OK) {
        return OK;
    }
    token = maplat_json_str(body, "token");
    next = maplat_json_str(body, "new_password");
    if (!token || !*token) {
        maplat_error_add(&errors, "token", "is required");
    }
    password_rules(&errors, "new_password", next);
    if (errors || !token || !next) {
        return maplat_problem_errors(r, HTTP_UNPROCESSABLE_ENTITY, "validation_failed",
                                     "token and a valid new_password are required", errors);
    }
    if ((rc = login_gate(r, NULL, "too many failed attempts; retry later")) != DECLINED) {
        return rc;
    }
    if (strlen(token) != 43) {
        return reset_refused(r);
    }
    th = token_hash(r->pool, token);
    /* a cheap look first: no bcrypt work for tokens that cannot be used */
    q = auth_core->args(r->pool, st_reset_valid);
    auth_core->bind(q, "token_hash", th);
    if ((rc = auth_core->db_first(r, q, &row)) != OK) {
        return rc;
    }
    if (!auth_core->col(row, "user_id")) {
        return reset_refused(r);
    }
    if (!maplat_bcrypt_enter(r)) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    hash = maplat_password_hash(r->pool, next, maplat_auth_g.bcrypt_cost);
    maplat_bcrypt_leave();
    if (!hash) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((rc = auth_core->db_tx_begin(r)) != OK) {
        return rc;
    }
    q = auth_core->args(r->pool, st_reset_use);
    auth_core->bind(q, "token_hash", th);
    auth_core->bind(q, "hash", hash);
    if ((rc = auth_core->db_first(r, q, &row)) != OK) {
        auth_core->db_tx_end(r, 0);
        return rc;
    }
    if (!(user_id = auth_core->col(row, "id"))) {
        /* spent by a concurrent request meanwhile */
        auth_core->db_tx_end(r, 0);
        return reset_refused(r);
    }
    org_id = auth_core->col(row, "organization_id");
    memset(&audit, 0, sizeof(audit));
    audit.org_id = org_id;
    audit.user_id = user_id;
    audit.action = "auth.password_reset";
    audit.resource_type = "user";
    audit.resource_id = user_id;
    if ((rc = auth_core->audit(r, &audit)) != OK || (rc = auth_core->db_tx_end(r, 1)) != OK) {
        auth_core->db_tx_end(r, 0);
        return rc;
    }
    maplat_token_version_publish(r, user_id, auth_core->col(row, "token_version"),
                                 is_true(auth_core->col(row, "active")));
    r->status = HTTP_NO_CONTENT;
    return OK;
}

const char *maplat_auth_routes(apr_pool_t *pconf)
{
    const char *err;
    if ((err = auth_core->route_add(pconf, MAPLAT_M_POST, "/api/v1/auth/login", login_handler)) ||
        (err = auth_core->route_add(pconf, MAPLAT_M_POST, "/api/v1/auth/refresh", refresh_handler)) ||
        (err = auth_core->route_add(pconf, MAPLAT_M_POST, "/api/v1/auth/logout", logout_handler)) ||
        (err = auth_core->route_add(pconf, MAPLAT_M_GET, "/api/v1/auth/me", me_handler)) ||
        (err = auth_core->route_add(pconf, MAPLAT_M_GET, "/api/v1/users", users_list)) ||
        (err = auth_core->route_add(pconf, MAPLAT_M_POST, "/api/v1/users", users_create)) ||
        (err = auth_core->route_add(pconf, MAPLAT_M_GET, "/api/v1/users/{id}", user_get)) ||
        (err = auth_core->route_add(pconf, MAPLAT_M_PATCH, "/api/v1/users/{id}", user_update)) ||
        (err =
             auth_core->route_add(pconf, MAPLAT_M_POST, "/api/v1/users/{id}/password-reset", reset_issue)) ||
        (err = auth_core->route_add(pconf, MAPLAT_M_POST, "/api/v1/auth/password", password_change)) ||
        (err = auth_core->route_add(pconf, MAPLAT_M_POST, "/api/v1/auth/password-reset", reset_use))) {
        return err;
    }
    return NULL;
}
