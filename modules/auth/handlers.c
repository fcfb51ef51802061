/*
 * The /auth and /users endpoints.
 *
 *   POST /api/v1/auth/login     {email, password, session?}  -> tokens + user
 *   POST /api/v1/auth/refresh   {refresh_token} or the cookie -> new pair (rotation)
 *   POST /api/v1/auth/logout    {refresh_token} or the cookie -> 204, family revoked
 *   (browser sessions: the refresh token in an HttpOnly cookie, see below)
 *   GET  /api/v1/auth/me                            -> user
 *   GET  /api/v1/users, POST /api/v1/users, GET /api/v1/users/{id}
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

#define core maplat_auth_core

/* JSON of a user row as the API shows it (built by PostgreSQL). */
#define USER_JSON \
    "json_build_object('id', u.id, 'email', u.email, 'first_name', u.first_name, 'last_name', u.last_name," \
    " 'organization_id', u.organization_id, 'role', u.role, 'master_admin', u.master_admin)"
#define USER_JSON_FULL \
    "json_build_object('id', u.id, 'email', u.email, 'first_name', u.first_name, 'last_name', u.last_name," \
    " 'organization_id', u.organization_id, 'role', u.role, 'master_admin', u.master_admin, 'active', u.active," \
    " 'created_at', to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))"

void maplat_auth_sql(void)
{
    core->sql_add("maplat_auth_user_by_email",
                  "SELECT u.id, u.organization_id, u.password_hash, u.role, u.master_admin, u.active, u.email, "
                  USER_JSON " FROM users u WHERE lower(u.email) = %s");
    core->sql_add("maplat_auth_login_token",
                  "WITH f AS (INSERT INTO refresh_token_families (organization_id, user_id)"
                  "   VALUES (%s::uuid, %s::uuid) RETURNING id, organization_id, user_id),"
                  " t AS (INSERT INTO refresh_tokens (family_id, organization_id, user_id, token_hash, expires_at)"
                  "   SELECT f.id, f.organization_id, f.user_id, decode(%s, 'hex'),"
                  "          now() + make_interval(secs => %s::int) FROM f RETURNING id),"
                  " u AS (UPDATE users SET last_login_at = now(),"
                  "   password_hash = CASE WHEN %s <> '' AND password_hash = %s THEN %s ELSE password_hash END"
                  "   WHERE id = %s::uuid AND organization_id = %s::uuid)"
                  " SELECT (SELECT id FROM f), (SELECT id FROM t)");
    core->sql_add("maplat_auth_failed_count",
                  "SELECT count(*) FILTER (WHERE details ->> 'email' = %s),"
                  "       count(*) FILTER (WHERE client_address = %s::inet),"
                  "       COALESCE(ceil(extract(epoch FROM (min(occurred_at) + make_interval(secs => %s::int) - now()))), 1)"
                  " FROM audit_log WHERE action = 'auth.login_failed'"
                  "   AND occurred_at > now() - make_interval(secs => %s::int)"
                  "   AND (details ->> 'email' = %s OR client_address = %s::inet)");
    core->sql_add("maplat_auth_refresh_rotate",
                  "UPDATE refresh_tokens t SET rotated_at = now()"
                  " FROM refresh_token_families f, users u"
                  " WHERE t.token_hash = decode(%s, 'hex') AND t.rotated_at IS NULL AND t.revoked_at IS NULL"
                  "   AND t.expires_at > now() AND f.id = t.family_id AND f.revoked_at IS NULL"
                  "   AND u.id = t.user_id AND u.organization_id = t.organization_id AND u.active"
                  " RETURNING t.id, t.family_id, t.user_id, t.organization_id, u.role, u.master_admin, u.email, "
                  USER_JSON);
    core->sql_add("maplat_auth_refresh_child",
                  "INSERT INTO refresh_tokens (family_id, organization_id, user_id, token_hash, parent_id, expires_at)"
                  " VALUES (%s::uuid, %s::uuid, %s::uuid, decode(%s, 'hex'), %s::uuid,"
                  "         now() + make_interval(secs => %s::int))");
    core->sql_add("maplat_auth_refresh_lookup",
                  "SELECT t.family_id, t.user_id, t.organization_id,"
                  "       (t.rotated_at IS NOT NULL AND f.revoked_at IS NULL"
                  "        AND t.rotated_at < now() - make_interval(secs => %s::int))"
                  " FROM refresh_tokens t JOIN refresh_token_families f ON f.id = t.family_id"
                  " WHERE t.token_hash = decode(%s, 'hex')");
    core->sql_add("maplat_auth_family_revoke",
                  "UPDATE refresh_token_families SET revoked_at = now(), revoked_reason = %s"
                  " WHERE id = %s::uuid AND organization_id = %s::uuid AND revoked_at IS NULL");
    core->sql_add("maplat_auth_logout",
                  "UPDATE refresh_token_families f SET revoked_at = now(), revoked_reason = 'logout'"
                  " FROM refresh_tokens t WHERE t.token_hash = decode(%s, 'hex') AND f.id = t.family_id"
                  "   AND t.user_id = %s::uuid AND t.organization_id = %s::uuid AND f.revoked_at IS NULL"
                  " RETURNING f.id");
    core->sql_add("maplat_auth_logout_cookie",
                  "UPDATE refresh_token_families f SET revoked_at = now(), revoked_reason = 'logout'"
                  " FROM refresh_tokens t WHERE t.token_hash = decode(%s, 'hex') AND f.id = t.family_id"
                  "   AND t.rotated_at IS NULL AND t.revoked_at IS NULL AND t.expires_at > now()"
                  "   AND f.revoked_at IS NULL"
                  " RETURNING f.id, f.user_id, f.organization_id");
    core->sql_add("maplat_auth_me",
                  "SELECT " USER_JSON " FROM users u"
                  " WHERE u.id = %s::uuid AND u.organization_id = %s::uuid AND u.active");
    core->sql_add("maplat_auth_users_list",
                  "SELECT COALESCE(json_agg(x.j ORDER BY x.created_at DESC, x.id), '[]'),"
                  "       (SELECT count(*) FROM users WHERE organization_id = %s::uuid)"
                  " FROM (SELECT u.id, u.created_at, " USER_JSON_FULL " AS j FROM users u"
                  "       WHERE u.organization_id = %s::uuid ORDER BY u.created_at DESC, u.id"
                  "       LIMIT %s::int OFFSET %s::int) x");
    core->sql_add("maplat_auth_user_get",
                  "SELECT " USER_JSON_FULL " FROM users u WHERE u.id = %s::uuid AND u.organization_id = %s::uuid");
    core->sql_add("maplat_auth_user_create",
                  "INSERT INTO users AS u (organization_id, email, password_hash, first_name, last_name, role)"
                  " VALUES (%s::uuid, %s, %s, %s, %s, %s)"
                  " ON CONFLICT ((lower(email))) DO NOTHING RETURNING u.id, " USER_JSON_FULL);
}

/* ------------------------------------------------------------ helpers */

const char *maplat_email_normalize(apr_pool_t *p, const char *email)
{
    gchar *nfkc, *lower;
    const char *s, *out;
    size_t n;

    if (!email || strlen(email) > 254 || !g_utf8_validate(email, -1, NULL)) {
        return NULL;
    }
    nfkc = g_utf8_normalize(email, -1, G_NORMALIZE_NFKC);
    if (!nfkc) {
        return NULL;
    }
    lower = g_utf8_strdown(nfkc, -1);
    g_free(nfkc);
    s = lower;
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) {
        n--;
    }
    out = apr_pstrndup(p, s, n);
    g_free(lower);
    if (n < 3 || !strchr(out, '@') || strchr(out, ' ') || strchr(out, '@') != strrchr(out, '@')
        || out[0] == '@' || out[n - 1] == '@') {
        return NULL;
    }
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

static const char *first_value(request_rec *r, apr_dbd_results_t *res, int col, apr_dbd_row_t **rowp)
{
    ap_dbd_t *dbd = core->db_acquire(r);
    apr_dbd_row_t *row = NULL;
    if (!dbd || apr_dbd_get_row(dbd->driver, r->pool, res, &row, 1) != 0) {
        return NULL;
    }
    if (rowp) {
        *rowp = row;
    }
    return core->db_get(r, row, col);
}

static int is_true(const char *v)
{
    return v && (v[0] == 't' || v[0] == '1');
}

static int invalid_grant(request_rec *r)
{
    apr_table_setn(r->err_headers_out, "WWW-Authenticate", "Bearer realm=\"maplat\", error=\"invalid_token\"");
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

#define SESSION_COOKIE      "maplat_refresh"
#define SESSION_COOKIE_PATH "/api/v1/auth"

static int is_https(request_rec *r)
{
    return strcmp(ap_http_scheme(r), "https") == 0;
}

/* Sets (max_age > 0) or clears (0) the session cookie. */
static void session_cookie_set(request_rec *r, const char *value, int max_age)
{
    apr_table_addn(r->err_headers_out, "Set-Cookie",
                   apr_psprintf(r->pool, SESSION_COOKIE "=%s; Max-Age=%d; Path=" SESSION_COOKIE_PATH
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
                       int master_admin, const char *email, const char *refresh, int in_cookie,
                       const char *user_json)
{
    maplat_jwt_claims_t c;
    const char *at;

    memset(&c, 0, sizeof(c));
    c.sub = user_id;
    c.org = org_id;
    c.role = role;
    c.email = email;
    c.master_admin = master_admin;
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

static int rate_limited(request_rec *r, int retry_after)
{
    apr_table_setn(r->err_headers_out, "Retry-After", apr_itoa(r->pool, retry_after));
    return maplat_problem(r, HTTP_TOO_MANY_REQUESTS, "rate_limited",
                          "too many failed logins; retry later");
}

/* Checks (consume=0) or counts (consume=1) failed logins for the e-mail and
 * the client address. memcached first; PostgreSQL's audit log when it is
 * down, so the limit holds either way. Returns 0 ok, >0 retry-after, -1 db. */
static int login_limit(request_rec *r, const char *email, int consume)
{
    int ra1 = 0, ra2 = 0, count, window;
    maplat_rl_t a = core->rate_limit(r, "login", apr_pstrcat(r->pool, "e:", email, NULL), consume, &ra1);
    maplat_rl_t b = core->rate_limit(r, "login", apr_pstrcat(r->pool, "a:", r->useragent_ip, NULL), consume, &ra2);
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    const char *w, *args[6];

    if (a == MAPLAT_RL_LIMITED || b == MAPLAT_RL_LIMITED) {
        return ra1 > ra2 ? ra1 : ra2;
    }
    if (a == MAPLAT_RL_OK && b == MAPLAT_RL_OK) {
        return 0;
    }
    if (consume) {
        return 0; /* the failure is in the audit log: that is the fallback's counter */
    }
    core->rate_limit_config("login", &count, &window);
    w = apr_itoa(r->pool, window);
    args[0] = email;
    args[1] = r->useragent_ip;
    args[2] = w;
    args[3] = w;
    args[4] = email;
    args[5] = r->useragent_ip;
    if (core->db_select(r, "maplat_auth_failed_count", &res, 6, args) != OK) {
        return -1;
    }
    if (first_value(r, res, 0, &row)) {
        long by_email = atol(core->db_get(r, row, 0)), by_addr = atol(core->db_get(r, row, 1));
        if (by_email >= count || by_addr >= count) {
            long ra = atol(core->db_get(r, row, 2));
            return ra < 1 ? 1 : (int)ra;
        }
    }
    return 0;
}

static int login_handler(request_rec *r, const maplat_match_t *m)
{
    json_object *body = NULL, *errors = NULL;
    const char *email_in, *password, *email, *user_id = NULL, *org_id = NULL, *hash = NULL;
    const char *role = NULL, *user_json = NULL, *refresh, *args[9], *rehash = NULL;
    int master_admin = 0, active = 0, ra, rc, ok, in_cookie = 0;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    maplat_audit_t audit;

    if (core->read_json(r, &body) != OK) {
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

    ra = login_limit(r, email, 0);
    if (ra < 0) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    if (ra > 0) {
        return rate_limited(r, ra);
    }

    args[0] = email;
    if ((rc = core->db_select(r, "maplat_auth_user_by_email", &res, 1, args)) != OK) {
        return rc;
    }
    if (first_value(r, res, 0, &row)) {
        user_id = core->db_get(r, row, 0);
        org_id = core->db_get(r, row, 1);
        hash = core->db_get(r, row, 2);
        role = core->db_get(r, row, 3);
        master_admin = is_true(core->db_get(r, row, 4));
        active = is_true(core->db_get(r, row, 5));
        user_json = core->db_get(r, row, 7);
    }
    /* the same work whether or not the user exists: bcrypt against a dummy */
    if (!maplat_bcrypt_enter(r)) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    ok = strlen(password) <= MAPLAT_PASSWORD_MAX_BYTES
         && maplat_password_verify(r->pool, password, user_id && active ? hash : NULL);
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
        if ((rc = core->audit(r, &audit)) != OK) {
            return rc;
        }
        apr_table_setn(r->err_headers_out, "WWW-Authenticate", "Bearer realm=\"maplat\"");
        return maplat_problem(r, HTTP_UNAUTHORIZED, "unauthorized", "the email or password is wrong");
    }

    refresh = new_refresh_token(r->pool);
    if (!refresh) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((rc = core->db_tx_begin(r)) != OK) {
        return rc;
    }
    args[0] = org_id;
    args[1] = user_id;
    args[2] = token_hash(r->pool, refresh);
    args[3] = apr_itoa(r->pool, maplat_auth_g.refresh_ttl);
    args[4] = rehash ? rehash : "";
    args[5] = hash;
    args[6] = args[4];
    args[7] = user_id;
    args[8] = org_id;
    rc = core->db_select(r, "maplat_auth_login_token", &res, 9, args);
    if (rc == OK) {
        audit.action = "auth.login";
        audit.org_id = org_id;
        audit.user_id = user_id;
        audit.resource_id = user_id;
        rc = core->audit(r, &audit);
    }
    if (rc != OK) {
        core->db_tx_end(r, 0);
        return rc;
    }
    if ((rc = core->db_tx_end(r, 1)) != OK) {
        return rc;
    }
    return send_tokens(r, user_id, org_id, role, master_admin, email, refresh, in_cookie, user_json);
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
        if (core->read_json(r, &body) != OK) {
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
    *rc = maplat_problem_errors(r, HTTP_UNPROCESSABLE_ENTITY, "validation_failed", "refresh_token is required",
                                errors);
    return NULL;
}

/* ------------------------------------------------------------ refresh */

static int refresh_handler(request_rec *r, const maplat_match_t *m)
{
    const char *token, *th, *args[6], *next;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
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
    if ((rc = core->db_tx_begin(r)) != OK) {
        return rc;
    }
    args[0] = th;
    if ((rc = core->db_select(r, "maplat_auth_refresh_rotate", &res, 1, args)) != OK) {
        core->db_tx_end(r, 0);
        return rc;
    }
    if (first_value(r, res, 0, &row)) {
        const char *old_id = core->db_get(r, row, 0), *family = core->db_get(r, row, 1);
        const char *user_id = core->db_get(r, row, 2), *org_id = core->db_get(r, row, 3);
        const char *role = core->db_get(r, row, 4), *email = core->db_get(r, row, 6);
        const char *user_json = core->db_get(r, row, 7);
        int master_admin = is_true(core->db_get(r, row, 5));
        const char *cargs[6] = {family, org_id, user_id, token_hash(r->pool, next), old_id,
                                apr_itoa(r->pool, maplat_auth_g.refresh_ttl)};
        if ((rc = core->db_query(r, "maplat_auth_refresh_child", NULL, 6, cargs)) != OK
            || (rc = core->db_tx_end(r, 1)) != OK) {
            core->db_tx_end(r, 0);
            return rc;
        }
        return send_tokens(r, user_id, org_id, role, master_admin, email, next, from_cookie, user_json);
    }
    /* not usable: was it a rotated-out token presented again? */
    args[0] = apr_itoa(r->pool, MAPLAT_REFRESH_GRACE_S);
    args[1] = th;
    if ((rc = core->db_select(r, "maplat_auth_refresh_lookup", &res, 2, args)) != OK) {
        core->db_tx_end(r, 0);
        return rc;
    }
    row = NULL;
    if (first_value(r, res, 0, &row) && is_true(core->db_get(r, row, 3))) {
        const char *family = core->db_get(r, row, 0), *user_id = core->db_get(r, row, 1);
        const char *org_id = core->db_get(r, row, 2);
        const char *rargs[3] = {"reuse", family, org_id};
        maplat_audit_t audit;
        memset(&audit, 0, sizeof(audit));
        audit.org_id = org_id;
        audit.user_id = user_id;
        audit.action = "auth.refresh_reuse_detected";
        audit.resource_type = "user";
        audit.resource_id = user_id;
        audit.details = apr_psprintf(r->pool, "{\"family_id\":\"%s\"}", family);
        if ((rc = core->db_query(r, "maplat_auth_family_revoke", NULL, 3, rargs)) != OK
            || (rc = core->audit(r, &audit)) != OK || (rc = core->db_tx_end(r, 1)) != OK) {
            core->db_tx_end(r, 0);
            return rc;
        }
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, MAPLAT_LOGNO(02010)
                      "refresh token reuse for user %s: family %s revoked", user_id, family);
        return invalid_grant(r);
    }
    core->db_tx_end(r, 0);
    return invalid_grant(r);
}

/* ------------------------------------------------------------ logout, me */

static int logout_handler(request_rec *r, const maplat_match_t *m)
{
    const maplat_identity_t *id = core->identity_get(r);
    const char *token, *args[3];
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    int rc, from_cookie, auth_rc = OK;
    maplat_audit_t audit;

    /* With conf/maplat.conf the route is public, so that a browser session
     * can end even when its access token has expired: the token is checked
     * here. A body-based logout still needs a valid access token. */
    if (!id && apr_table_get(r->headers_in, "Authorization")) {
        auth_rc = maplat_auth_bearer(r);
        id = core->identity_get(r);
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
    if ((rc = core->db_tx_begin(r)) != OK) {
        return rc;
    }
    args[0] = token_hash(r->pool, token);
    memset(&audit, 0, sizeof(audit));
    audit.action = "auth.logout";
    audit.resource_type = "user";
    if (id) {
        /* only a family of the caller's own */
        args[1] = id->user_id;
        args[2] = id->org_id;
        rc = core->db_select(r, "maplat_auth_logout", &res, 3, args);
        audit.resource_id = id->user_id;
    }
    else {
        /* the cookie alone (an expired access token): its family, if the
         * token is still the live one — as much as a refresh could do */
        rc = core->db_select(r, "maplat_auth_logout_cookie", &res, 1, args);
        if (rc == OK && first_value(r, res, 0, &row)) {
            audit.user_id = core->db_get(r, row, 1);
            audit.org_id = core->db_get(r, row, 2);
            audit.resource_id = audit.user_id;
        }
    }
    if (rc == OK && (id || audit.user_id)) {
        rc = core->audit(r, &audit);
    }
    if (rc != OK || (rc = core->db_tx_end(r, 1)) != OK) {
        core->db_tx_end(r, 0);
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
        apr_table_setn(r->notes, "maplat-error-detail", "an access token is required (Authorization: Bearer …)");
    }
    return maplat_problem(r, HTTP_UNAUTHORIZED, "unauthorized", apr_table_get(r->notes, "maplat-error-detail"));
}

static int me_handler(request_rec *r, const maplat_match_t *m)
{
    const maplat_identity_t *id = core->identity_get(r);
    const char *args[2], *json;
    apr_dbd_results_t *res = NULL;
    int rc;

    if (!id) {
        return HTTP_UNAUTHORIZED;
    }
    args[0] = id->user_id;
    args[1] = id->org_id;
    if ((rc = core->db_select(r, "maplat_auth_me", &res, 2, args)) != OK) {
        return rc;
    }
    json = first_value(r, res, 0, NULL);
    if (!json) {
        apr_table_setn(r->err_headers_out, "WWW-Authenticate", "Bearer realm=\"maplat\", error=\"invalid_token\"");
        return maplat_problem(r, HTTP_UNAUTHORIZED, "unauthorized", "this account is no longer active");
    }
    return maplat_raw_json_send(r, HTTP_OK, json);
}

/* ------------------------------------------------------------ users */

static int users_list(request_rec *r, const maplat_match_t *m)
{
    const maplat_identity_t *id = core->identity_get(r);
    json_object *errors = NULL;
    int page, size, rc;
    const char *args[4];
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;

    if (!id) {
        return HTTP_UNAUTHORIZED;
    }
    if (maplat_page_params(maplat_query(r), &page, &size, &errors) != 0) {
        return maplat_problem_errors(r, HTTP_UNPROCESSABLE_ENTITY, "validation_failed",
                                     "invalid pagination", errors);
    }
    args[0] = id->org_id;
    args[1] = id->org_id;
    args[2] = apr_itoa(r->pool, size);
    args[3] = apr_itoa(r->pool, (page - 1) * size);
    if ((rc = core->db_select(r, "maplat_auth_users_list", &res, 4, args)) != OK) {
        return rc;
    }
    if (!first_value(r, res, 0, &row)) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return maplat_list_send(r, core->db_get(r, row, 0), page, size, core->db_get(r, row, 1));
}

static int user_get(request_rec *r, const maplat_match_t *m)
{
    const maplat_identity_t *id = core->identity_get(r);
    const char *args[2], *json;
    apr_dbd_results_t *res = NULL;
    int rc;

    if (!id) {
        return HTTP_UNAUTHORIZED;
    }
    args[0] = maplat_param(m, "id");
    args[1] = id->org_id;
    if ((rc = core->db_select(r, "maplat_auth_user_get", &res, 2, args)) != OK) {
        return rc;
    }
    json = first_value(r, res, 0, NULL);
    if (!json) {
        return maplat_problem(r, HTTP_NOT_FOUND, "not_found", "user not found");
    }
    return maplat_raw_json_send(r, HTTP_OK, json);
}

static int users_create(request_rec *r, const maplat_match_t *m)
{
    const maplat_identity_t *id = core->identity_get(r);
    json_object *body = NULL, *errors = NULL;
    const char *email_in, *email = NULL, *password, *first, *last, *role, *hash, *args[6];
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    int rc;
    maplat_audit_t audit;

    if (!id) {
        return HTTP_UNAUTHORIZED;
    }
    if (strcmp(id->role, "admin") != 0) {
        return maplat_problem(r, HTTP_FORBIDDEN, "forbidden", "only an organization admin can create users");
    }
    if (core->read_json(r, &body) != OK) {
        return OK;
    }
    email_in = maplat_json_str(body, "email");
    password = maplat_json_str(body, "password");
    first = maplat_json_str(body, "first_name");
    last = maplat_json_str(body, "last_name");
    role = maplat_json_str(body, "role");
    if (!email_in || !(email = maplat_email_normalize(r->pool, email_in))) {
        maplat_error_add(&errors, "email", "must be an e-mail address");
    }
    if (!password) {
        maplat_error_add(&errors, "password", "is required");
    }
    else if (g_utf8_strlen(password, -1) < MAPLAT_PASSWORD_MIN_CHARS) {
        maplat_error_add(&errors, "password", "must be at least 12 characters");
    }
    else if (strlen(password) > MAPLAT_PASSWORD_MAX_BYTES) {
        maplat_error_add(&errors, "password", "must be at most 72 bytes (UTF-8)");
    }
    if (maplat_json_has(body, "first_name") && (!first || g_utf8_strlen(first, -1) > 100)) {
        maplat_error_add(&errors, "first_name", "must be a string of at most 100 characters");
    }
    if (maplat_json_has(body, "last_name") && (!last || g_utf8_strlen(last, -1) > 100)) {
        maplat_error_add(&errors, "last_name", "must be a string of at most 100 characters");
    }
    if (maplat_json_has(body, "role")
        && (!role || (strcmp(role, "admin") && strcmp(role, "member") && strcmp(role, "viewer")))) {
        maplat_error_add(&errors, "role", "must be one of admin, member, viewer");
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
    if ((rc = core->db_tx_begin(r)) != OK) {
        return rc;
    }
    args[0] = id->org_id;
    args[1] = email;
    args[2] = hash;
    args[3] = first ? first : "";
    args[4] = last ? last : "";
    args[5] = role ? role : "member";
    if ((rc = core->db_select(r, "maplat_auth_user_create", &res, 6, args)) != OK) {
        core->db_tx_end(r, 0);
        return rc;
    }
    if (!first_value(r, res, 0, &row)) {
        core->db_tx_end(r, 0);
        return maplat_problem(r, HTTP_CONFLICT, "conflict", "a user with this email already exists");
    }
    memset(&audit, 0, sizeof(audit));
    audit.action = "user.create";
    audit.resource_type = "user";
    audit.resource_id = core->db_get(r, row, 0);
    if ((rc = core->audit(r, &audit)) != OK || (rc = core->db_tx_end(r, 1)) != OK) {
        core->db_tx_end(r, 0);
        return rc;
    }
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, "/api/v1/users/", core->db_get(r, row, 0), NULL));
    return maplat_raw_json_send(r, HTTP_CREATED, core->db_get(r, row, 1));
}

const char *maplat_auth_routes(apr_pool_t *pconf)
{
    const char *err;
    if ((err = core->route_add(pconf, MAPLAT_M_POST, "/api/v1/auth/login", login_handler))
        || (err = core->route_add(pconf, MAPLAT_M_POST, "/api/v1/auth/refresh", refresh_handler))
        || (err = core->route_add(pconf, MAPLAT_M_POST, "/api/v1/auth/logout", logout_handler))
        || (err = core->route_add(pconf, MAPLAT_M_GET, "/api/v1/auth/me", me_handler))
        || (err = core->route_add(pconf, MAPLAT_M_GET, "/api/v1/users", users_list))
        || (err = core->route_add(pconf, MAPLAT_M_POST, "/api/v1/users", users_create))
        || (err = core->route_add(pconf, MAPLAT_M_GET, "/api/v1/users/{id}", user_get))) {
        return err;
    }
    return NULL;
}
