/*
 * mod_maplat_auth — authentication (AuthType maplat: Bearer JWT access
 * tokens), authorization providers (Require maplat-role …, Require
 * maplat-master-admin), the read-only rule for viewers, the caller's
 * identity for other modules and for other applications in the estate
 * (environment and, optionally, request headers), CORS, and the /auth and
 * /users endpoints (handlers.c).
 *
 * It reaches the core's services through maplat_core_api (fetched in
 * pre_config) and refuses to start without mod_maplat.
 */
#define MAPLAT_AUTH_MAIN
#include "auth.h"
#include "maplat_directive.h"
#include <unistd.h>
#include "apr_strings.h"
#include "apr_file_io.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_auth.h"

maplat_auth_globals_t maplat_auth_g;
const maplat_core_t *auth_core;

/* ------------------------------------------------------------ directives */

static const char *set_token_key(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *path = ap_server_root_relative(cmd->pool, arg), *err;
    apr_file_t *f;
    apr_finfo_t fi;
    char *buf;
    apr_size_t n;
    maplat_jwt_key_t *key;

    if ((err = ap_check_cmd_context(cmd, GLOBAL_ONLY))) {
        return err;
    }
    if (maplat_auth_g.jwt.nkeys >= MAPLAT_JWT_MAX_KEYS) {
        return MAPLAT_DIR_TOKEN_KEY ": at most two keys (the first signs, both verify)";
    }
    if (!path || apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, 0, cmd->pool) != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, MAPLAT_DIR_TOKEN_KEY ": cannot read key file '%s'", arg);
    }
    if (apr_file_info_get(&fi, APR_FINFO_SIZE | APR_FINFO_PROT, f) != APR_SUCCESS || fi.size > 4096) {
        apr_file_close(f);
        return apr_psprintf(cmd->pool, MAPLAT_DIR_TOKEN_KEY ": key file '%s' is not a small regular file",
                            arg);
    }
    buf = apr_palloc(cmd->pool, (apr_size_t)fi.size + 1);
    n = (apr_size_t)fi.size;
    if (apr_file_read_full(f, buf, n, &n) != APR_SUCCESS && n == 0) {
        apr_file_close(f);
        return apr_psprintf(cmd->pool, MAPLAT_DIR_TOKEN_KEY ": cannot read key file '%s'", arg);
    }
    apr_file_close(f);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) {
        n--; /* a trailing newline from an editor or echo is not key material */
    }
    if (n < MAPLAT_JWT_KEY_MIN) {
        return apr_psprintf(cmd->pool,
                            MAPLAT_DIR_TOKEN_KEY
                            ": key file '%s' holds %" APR_SIZE_T_FMT
                            " bytes; at least %d random bytes are needed (e.g. openssl rand -base64 48 > %s)",
                            arg, n, MAPLAT_JWT_KEY_MIN, arg);
    }
    if (fi.protection & APR_FPROT_WREAD) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, cmd->server,
                     MAPLAT_LOGNO(02001) MAPLAT_DIR_TOKEN_KEY
                     ": key file '%s' is readable by everyone; chmod 0600 it",
                     path);
    }
    key = &maplat_auth_g.jwt.keys[maplat_auth_g.jwt.nkeys++];
    key->key = (const unsigned char *)buf;
    key->len = n;
    maplat_jwt_key_id(key);
    if (maplat_auth_g.jwt.nkeys == 2 && strcmp(maplat_auth_g.jwt.keys[0].kid, key->kid) == 0) {
        return MAPLAT_DIR_TOKEN_KEY ": the two key files hold the same key";
    }
    return NULL;
}

/* The idiom of every maplat module (maplat_directive.h): 0 = unset (pre_config
 * clears maplat_auth_g), a second one is refused, the defaults are filled in
 * once by auth_post_config. */
static const char *set_int(cmd_parms *cmd, const char *arg, long min, long max, int *out)
{
    apr_int64_t v;
    const char *err = maplat_directive_once(cmd, *out != 0, 1);
    if (err || (err = maplat_directive_int(cmd, arg, min, max, "a whole number", &v))) {
        return err;
    }
    *out = (int)v;
    return NULL;
}

static const char *set_token_ttl(cmd_parms *cmd, void *d, const char *arg)
{
    return set_int(cmd, arg, 60, 86400, &maplat_auth_g.token_ttl);
}

static const char *set_refresh_ttl(cmd_parms *cmd, void *d, const char *arg)
{
    return set_int(cmd, arg, 300, 365L * 86400, &maplat_auth_g.refresh_ttl);
}

static const char *set_bcrypt_cost(cmd_parms *cmd, void *d, const char *arg)
{
    return set_int(cmd, arg, 4, 31, &maplat_auth_g.bcrypt_cost);
}

static const char *set_bcrypt_concurrency(cmd_parms *cmd, void *d, const char *arg)
{
    return set_int(cmd, arg, 1, 1024, &maplat_auth_g.bcrypt_concurrency);
}

static const char *set_claim(cmd_parms *cmd, void *d, const char *arg)
{
    const char *err = maplat_directive_once(
        cmd, (cmd->info ? maplat_auth_g.jwt.audience : maplat_auth_g.jwt.issuer) != NULL, 1);
    if (err) {
        return err;
    }
    if (!*arg || strlen(arg) > 200) {
        return apr_psprintf(cmd->pool, "%s: give a value of 1 to 200 characters", cmd->directive->directive);
    }
    if (cmd->info) {
        maplat_auth_g.jwt.audience = arg;
    }
    else {
        maplat_auth_g.jwt.issuer = arg;
    }
    return NULL;
}

static const char *add_cors_origin(cmd_parms *cmd, void *d, const char *arg)
{
    apr_uri_t u;
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    if (err) {
        return err;
    }
    if (strcmp(arg, "*") == 0 || strcasecmp(arg, "null") == 0) {
        return MAPLAT_DIR_CORS ": name each origin (scheme://host[:port]); '*' and 'null' are refused";
    }
    if (apr_uri_parse(cmd->pool, arg, &u) != APR_SUCCESS || !u.scheme || !u.hostname ||
        (strcasecmp(u.scheme, "https") != 0 && strcasecmp(u.scheme, "http") != 0) || (u.path && *u.path) ||
        u.query || u.fragment || u.user) {
        return apr_psprintf(cmd->pool, MAPLAT_DIR_CORS ": '%s' is not an origin like https://app.example.com",
                            arg);
    }
    if (!maplat_auth_g.cors_origins) {
        maplat_auth_g.cors_origins = apr_array_make(cmd->pool, 4, sizeof(const char *));
    }
    APR_ARRAY_PUSH(maplat_auth_g.cors_origins, const char *) = arg;
    return NULL;
}

static const char *set_identity_headers(cmd_parms *cmd, void *dv, int on)
{
    maplat_auth_dir_cfg_t *d = dv;
    const char *err = maplat_directive_once(cmd, d->identity_headers != -1, 0);
    if (err) {
        return err;
    }
    d->identity_headers = on ? 1 : 0;
    return NULL;
}

static const command_rec auth_cmds[] = {
    AP_INIT_TAKE1(MAPLAT_DIR_TOKEN_KEY, set_token_key, NULL, RSRC_CONF,
                  "file with the HS256 key (>= 32 bytes); give it twice to rotate: the first signs"),
    AP_INIT_TAKE1(MAPLAT_DIR_TOKEN_TTL, set_token_ttl, NULL, RSRC_CONF,
                  "access token lifetime in seconds (default 900)"),
    AP_INIT_TAKE1(MAPLAT_DIR_REFRESH_TTL, set_refresh_ttl, NULL, RSRC_CONF,
                  "refresh token lifetime in seconds (default 1209600 = 14 days)"),
    AP_INIT_TAKE1(MAPLAT_DIR_TOKEN_ISSUER, set_claim, NULL, RSRC_CONF,
                  "iss of issued and accepted tokens (default maplat)"),
    AP_INIT_TAKE1(MAPLAT_DIR_TOKEN_AUDIENCE, set_claim, (void *)1, RSRC_CONF,
                  "aud of issued and accepted tokens (default maplat-api)"),
    AP_INIT_TAKE1(MAPLAT_DIR_BCRYPT_CONCURRENCY, set_bcrypt_concurrency, NULL, RSRC_CONF,
                  "bcrypt computations at once per child process (default: the number of CPUs)"),
    AP_INIT_TAKE1(MAPLAT_DIR_BCRYPT_COST, set_bcrypt_cost, NULL, RSRC_CONF,
                  "bcrypt work factor for new passwords (default 12)"),
    AP_INIT_ITERATE(MAPLAT_DIR_CORS, add_cors_origin, NULL, RSRC_CONF,
                    "origins allowed to call the API from a browser"),
    AP_INIT_FLAG(MAPLAT_DIR_ID_HEADERS, set_identity_headers, NULL, OR_AUTHCFG,
                 "On: pass X-Maplat-User-Id/-Org-Id/-Role to backends (default Off)"),
    {NULL}};

static void *create_dir_cfg(apr_pool_t *p, char *dir)
{
    maplat_auth_dir_cfg_t *d = apr_pcalloc(p, sizeof(*d));
    d->identity_headers = -1;
    return d;
}

static void *merge_dir_cfg(apr_pool_t *p, void *basev, void *addv)
{
    maplat_auth_dir_cfg_t *base = basev, *add = addv, *d = apr_pcalloc(p, sizeof(*d));
    d->identity_headers = add->identity_headers != -1 ? add->identity_headers : base->identity_headers;
    return d;
}

/* ------------------------------------------------------------ authentication */

static int unauthorized(request_rec *r, const char *error, const char *detail)
{
    apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                   error ? apr_psprintf(r->pool, "Bearer realm=\"maplat\", error=\"%s\"", error)
                         : "Bearer realm=\"maplat\"");
    apr_table_setn(r->notes, MAPLAT_NOTE_ERROR_DETAIL, detail);
    return HTTP_UNAUTHORIZED;
}

static int is_maplat_auth(request_rec *r)
{
    const char *t = ap_auth_type(r);
    return t && strcasecmp(t, "maplat") == 0;
}

static int authenticate(request_rec *r)
{
    if (!is_maplat_auth(r)) {
        return DECLINED;
    }
    return maplat_auth_bearer(r);
}

const maplat_auth_token_t *maplat_auth_token(request_rec *r)
{
    return ap_get_module_config(r->request_config, &maplat_auth_module);
}

int maplat_auth_bearer(request_rec *r)
{
    const char *h, *token, *why = NULL;
    maplat_jwt_claims_t c;
    maplat_identity_t id;
    int rc;

    h = apr_table_get(r->headers_in, "Authorization");
    if (!h) {
        return unauthorized(r, NULL, "an access token is required (Authorization: Bearer …)");
    }
    if (strncasecmp(h, "Bearer ", 7) != 0) {
        return unauthorized(r, "invalid_request", "the Authorization header must be 'Bearer <token>'");
    }
    token = h + 7;
    while (*token == ' ') {
        token++;
    }
    if (maplat_jwt_verify(r->pool, &maplat_auth_g.jwt, token, strlen(token),
                          (apr_int64_t)apr_time_sec(apr_time_now()), &c, &why) != 0) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, MAPLAT_LOGNO(02002) "access token refused: %s", why);
        return unauthorized(r, "invalid_token", "the access token is invalid or expired");
    }
    /* revoked at once (deactivation, role or password change): the user's
     * current token version, from memcached or PostgreSQL (tokenver.c) */
    rc = maplat_token_version_check(r, c.sub, c.org, c.ver, &why);
    if (rc == HTTP_UNAUTHORIZED) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, MAPLAT_LOGNO(02002) "access token refused: %s", why);
        return unauthorized(r, "invalid_token", "the access token is invalid or expired");
    }
    if (rc != OK) {
        if (rc == HTTP_SERVICE_UNAVAILABLE) {
            apr_table_setn(r->err_headers_out, "Retry-After", "5");
        }
        return rc;
    }
    {
        maplat_auth_token_t *t = apr_pcalloc(r->pool, sizeof(*t));
        t->ver = c.ver;
        t->sid = c.sid;
        ap_set_module_config(r->request_config, &maplat_auth_module, t);
    }
    memset(&id, 0, sizeof(id));
    id.user_id = c.sub;
    id.org_id = c.org;
    id.role = c.role;
    id.email = c.email;
    id.master_admin = c.master_admin;
    auth_core->identity_set(r, &id);
    r->user = (char *)c.sub;
    r->ap_auth_type = "maplat";
    return OK;
}

/* ------------------------------------------------------------ authorization */

static const char *parse_roles(cmd_parms *cmd, const char *line_args, const void **parsed)
{
    const char *line = line_args, *w;
    int mask = 0;
    while (*(w = ap_getword_conf(cmd->pool, &line))) {
        if (strcmp(w, "admin") == 0) {
            mask |= 1;
        }
        else if (strcmp(w, "member") == 0) {
            mask |= 2;
        }
        else if (strcmp(w, "viewer") == 0) {
            mask |= 4;
        }
        else {
            return apr_psprintf(cmd->pool, "Require maplat-role: unknown role '%s' (admin, member, viewer)",
                                w);
        }
    }
    if (!mask) {
        return "Require maplat-role: name at least one role (admin, member, viewer)";
    }
    *parsed = apr_pmemdup(cmd->pool, &mask, sizeof(mask));
    return NULL;
}

static authz_status check_role(request_rec *r, const char *line_args, const void *parsed)
{
    const maplat_identity_t *id;
    int mask = *(const int *)parsed, bit;
    if (!r->user) {
        return AUTHZ_DENIED_NO_USER;
    }
    id = auth_core->identity_get(r);
    if (!id) {
        return AUTHZ_DENIED;
    }
    bit = strcmp(id->role, "admin") == 0 ? 1 : strcmp(id->role, "member") == 0 ? 2 : 4;
    return (mask & bit) ? AUTHZ_GRANTED : AUTHZ_DENIED;
}

static const char *parse_nothing(cmd_parms *cmd, const char *line_args, const void **parsed)
{
    if (*line_args) {
        return "Require maplat-master-admin takes no arguments";
    }
    return NULL;
}

static authz_status check_master_admin(request_rec *r, const char *line_args, const void *parsed)
{
    const maplat_identity_t *id;
    if (!r->user) {
        return AUTHZ_DENIED_NO_USER;
    }
    id = auth_core->identity_get(r);
    return id && id->master_admin ? AUTHZ_GRANTED : AUTHZ_DENIED;
}

static const authz_provider role_provider = {check_role, parse_roles};
static const authz_provider master_admin_provider = {check_master_admin, parse_nothing};

/* ------------------------------------------------------------ CORS */

static const char *allowed_origin(request_rec *r)
{
    const char *origin = apr_table_get(r->headers_in, "Origin");
    if (!origin || !maplat_auth_g.cors_origins) {
        return NULL;
    }
    for (int i = 0; i < maplat_auth_g.cors_origins->nelts; i++) {
        if (strcasecmp(APR_ARRAY_IDX(maplat_auth_g.cors_origins, i, const char *), origin) == 0) {
            return origin;
        }
    }
    return NULL;
}

static int is_preflight(request_rec *r)
{
    return r->method_number == M_OPTIONS && apr_table_get(r->headers_in, "Origin") &&
           apr_table_get(r->headers_in, "Access-Control-Request-Method");
}

/* A CORS preflight carries no credentials: let it through without authn. */
static int preflight_access(request_rec *r)
{
    if (is_maplat_auth(r) && is_preflight(r) && allowed_origin(r)) {
        return OK;
    }
    return DECLINED;
}

static void cors_headers(request_rec *r)
{
    const char *origin = allowed_origin(r);
    apr_table_mergen(r->err_headers_out, "Vary", "Origin");
    if (!origin) {
        return;
    }
    apr_table_setn(r->err_headers_out, "Access-Control-Allow-Origin", origin);
    if (is_preflight(r)) {
        apr_table_setn(r->err_headers_out, "Access-Control-Allow-Methods",
                       "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
        apr_table_setn(r->err_headers_out, "Access-Control-Allow-Headers",
                       "Authorization, Content-Type, If-Match, X-Correlation-ID");
        apr_table_setn(r->err_headers_out, "Access-Control-Max-Age", "600");
    }
    else {
        apr_table_setn(r->err_headers_out, "Access-Control-Expose-Headers",
                       "X-Correlation-ID, X-API-Version, ETag, Location, Retry-After, X-Cache");
    }
}

/* ------------------------------------------------------------ per request */

/* Is this (case-insensitively) X-Maplat-…, with '-' or '_' as separators?
 * Backends such as CGI-style gateways map both spellings to one variable. */
static int is_identity_header(const char *name)
{
    return strlen(name) > 9 && strncasecmp(name, "x", 1) == 0 && (name[1] == '-' || name[1] == '_') &&
           strncasecmp(name + 2, "maplat", 6) == 0 && (name[8] == '-' || name[8] == '_');
}

static int strip_one(void *rec, const char *key, const char *value)
{
    apr_array_header_t *names = rec;
    if (is_identity_header(key)) {
        APR_ARRAY_PUSH(names, const char *) = key;
    }
    return 1;
}

/* Client-sent identity headers are never trusted, in any spelling. */
static int strip_identity_headers(request_rec *r)
{
    apr_array_header_t *names = apr_array_make(r->pool, 2, sizeof(const char *));
    apr_table_do(strip_one, names, r->headers_in, NULL);
    for (int i = 0; i < names->nelts; i++) {
        apr_table_unset(r->headers_in, APR_ARRAY_IDX(names, i, const char *));
    }
    return DECLINED;
}

/* Anything but reading is a change (WebDAV and unknown methods included). */
static int is_mutation(request_rec *r)
{
    return r->method_number != M_GET && r->method_number != M_OPTIONS;
}

/* What a viewer may still change: only their own session, password and
 * client-side events (a data room's "who viewed what"). method -1: any. */
static const struct {
    int method;
    const char *uri;
} viewer_own[] = {
    {-1, "/api/v1/auth/logout"},
    {-1, "/api/v1/auth/password"},
    {M_POST, "/api/v1/audit-logs"},
};

static int viewer_may(const request_rec *r)
{
    for (size_t i = 0; i < sizeof(viewer_own) / sizeof(viewer_own[0]); i++) {
        if ((viewer_own[i].method < 0 || viewer_own[i].method == r->method_number) &&
            strcmp(r->uri, viewer_own[i].uri) == 0) {
            return 1;
        }
    }
    return 0;
}

static int auth_fixups(request_rec *r)
{
    const maplat_identity_t *id;
    maplat_auth_dir_cfg_t *d;

    if (maplat_auth_g.cors_origins && apr_table_get(r->headers_in, "Origin")) {
        cors_headers(r);
    }
    if (!is_maplat_auth(r) || !(id = auth_core->identity_get(r))) {
        return DECLINED;
    }
    /* viewers are read-only: one rule for every mutating method, with the
     * exceptions of viewer_own */
    if (strcmp(id->role, "viewer") == 0 && is_mutation(r) && !viewer_may(r)) {
        apr_table_setn(r->notes, MAPLAT_NOTE_ERROR_DETAIL, "viewers cannot change anything");
        return HTTP_FORBIDDEN;
    }
    apr_table_setn(r->subprocess_env, "MAPLAT_USER_ID", id->user_id);
    apr_table_setn(r->subprocess_env, "MAPLAT_ORG_ID", id->org_id);
    apr_table_setn(r->subprocess_env, "MAPLAT_ROLE", id->role);
    apr_table_setn(r->subprocess_env, "MAPLAT_MASTER_ADMIN", id->master_admin ? "1" : "0");
    d = ap_get_module_config(r->per_dir_config, &maplat_auth_module);
    if (d && d->identity_headers == 1) {
        apr_table_setn(r->headers_in, "X-Maplat-User-Id", id->user_id);
        apr_table_setn(r->headers_in, "X-Maplat-Org-Id", id->org_id);
        apr_table_setn(r->headers_in, "X-Maplat-Role", id->role);
    }
    return DECLINED;
}

/* ------------------------------------------------------------ life cycle */

static int auth_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    const char *err;
    memset(&maplat_auth_g, 0, sizeof(maplat_auth_g));
    auth_core = maplat_core_import(plog, "mod_maplat_auth");
    if (!auth_core) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((err = maplat_auth_routes(pconf)) != NULL) {
        ap_log_perror(APLOG_MARK, APLOG_CRIT, 0, plog, MAPLAT_LOGNO(02003) "%s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    maplat_auth_sql();
    maplat_token_version_sql();
    return OK;
}

static void auth_child_init(apr_pool_t *p, server_rec *s)
{
    maplat_bcrypt_child_init(p, s);
}

static int auth_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    if (!maplat_auth_g.jwt.issuer) {
        maplat_auth_g.jwt.issuer = MAPLAT_DEFAULT_ISSUER;
    }
    if (!maplat_auth_g.jwt.audience) {
        maplat_auth_g.jwt.audience = MAPLAT_DEFAULT_AUDIENCE;
    }
    if (!maplat_auth_g.token_ttl) {
        maplat_auth_g.token_ttl = MAPLAT_DEFAULT_TOKEN_TTL;
    }
    if (!maplat_auth_g.refresh_ttl) {
        maplat_auth_g.refresh_ttl = MAPLAT_DEFAULT_REFRESH_TTL;
    }
    if (!maplat_auth_g.bcrypt_cost) {
        maplat_auth_g.bcrypt_cost = MAPLAT_DEFAULT_BCRYPT_COST;
    }
    if (!maplat_auth_g.bcrypt_concurrency) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        maplat_auth_g.bcrypt_concurrency = cpus > 0 && cpus <= 1024 ? (int)cpus : 1;
    }
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    /* the timing-equaliser hash, once in the parent (children inherit it) */
    if (maplat_password_init(pconf) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     MAPLAT_LOGNO(02005) "mod_maplat_auth: bcrypt is not available from libcrypt");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

/* Runs for `apachectl configtest` too, so a missing key is caught before a restart. */
static int auth_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    if (maplat_auth_g.jwt.nkeys == 0) {
        ap_log_error(
            APLOG_MARK, APLOG_CRIT, 0, s,
            MAPLAT_LOGNO(
                02004) "mod_maplat_auth: " MAPLAT_DIR_TOKEN_KEY " is not set: give a file holding at "
                       "least 32 random bytes (openssl rand -base64 48 > /etc/apache2/maplat-token.key)");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

static void auth_register_hooks(apr_pool_t *p)
{
    static const char *const after_core[] = {"mod_maplat.c", NULL};
    ap_hook_pre_config(auth_pre_config, after_core, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(auth_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(auth_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(auth_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_read_request(strip_identity_headers, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_check_access_ex(preflight_access, NULL, NULL, APR_HOOK_MIDDLE, AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_check_authn(authenticate, NULL, NULL, APR_HOOK_MIDDLE, AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_fixups(auth_fixups, NULL, NULL, APR_HOOK_FIRST);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "maplat-role", AUTHZ_PROVIDER_VERSION, &role_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "maplat-master-admin", AUTHZ_PROVIDER_VERSION,
                              &master_admin_provider, AP_AUTH_INTERNAL_PER_CONF);
}

MAPLAT_MODULE_EXPORT AP_DECLARE_MODULE(maplat_auth) = {
    STANDARD20_MODULE_STUFF, create_dir_cfg,     merge_dir_cfg, NULL, NULL, auth_cmds,
    auth_register_hooks,     AP_MODULE_FLAG_NONE};
