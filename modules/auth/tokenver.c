/*
 * Token versions: revoking a user's access tokens at once, on every server.
 *
 * users.token_version is bumped when a user's access must change now
 * (deactivation, a role change, a password change or reset). Access tokens
 * carry the version they were issued with ("ver"); check_user_id refuses a
 * token whose version is below the user's current one, or whose user is no
 * longer active.
 *
 * The current version is read from memcached (key maplat:tv:<user id>,
 * value "<version>" for an active user, "-" for an inactive one), else from
 * PostgreSQL (one indexed primary-key read), which then fills the cache with
 * `add`. A change sets the key with `set` after its transaction committed.
 * Because readers only ever `add`, a reader that read the old version from
 * PostgreSQL before the change cannot overwrite the writer's newer value;
 * the only stale case is a writer whose memcached `set` failed while other
 * servers still reach memcached, and every entry lives at most
 * MAPLAT_TOKEN_VERSION_CACHE_S seconds. That is the bound on how long a
 * revoked token can still be accepted.
 */
#include "auth.h"
#include "apr_strings.h"
#include "http_log.h"

#define TV_PREFIX "maplat:tv:"

static const maplat_stmt_t *st_token_version;

void maplat_token_version_sql(void)
{
    st_token_version = auth_core->stmt_add(
        "maplat_auth_token_version", "user org", "token_version active",
        "SELECT token_version, active FROM users WHERE id = :user::uuid AND organization_id = :org::uuid");
}

static const char *tv_key(request_rec *r, const char *user_id)
{
    return apr_pstrcat(r->pool, TV_PREFIX, user_id, NULL);
}

/* the cached value: a whole number (the active user's version), "-" (inactive) */
static int tv_parse(const char *v, apr_size_t len, apr_int64_t *out)
{
    char buf[16];
    if (len == 1 && v[0] == '-') {
        *out = -1;
        return 0;
    }
    if (len == 0 || len >= sizeof(buf)) {
        return -1;
    }
    memcpy(buf, v, len);
    buf[len] = 0;
    return maplat_parse_int(buf, 0, 2147483647, out);
}

int maplat_token_version_check(request_rec *r, const char *user_id, const char *org_id, apr_int64_t ver,
                               const char **why)
{
    const char *key = tv_key(r, user_id), *value;
    char *val = NULL;
    apr_size_t len = 0;
    apr_int64_t current;
    apr_status_t st;
    maplat_rows_t *row = NULL;
    maplat_args_t *q;
    int rc;

    st = auth_core->cache_get(r, key, &val, &len);
    if (st == APR_SUCCESS && tv_parse(val, len, &current) == 0) {
        goto compare;
    }
    /* a miss, an unreadable value, or no memcached: ask PostgreSQL */
    q = auth_core->args(r->pool, st_token_version);
    auth_core->bind(q, "user", user_id);
    auth_core->bind(q, "org", org_id);
    if ((rc = auth_core->db_first(r, q, &row)) != OK) {
        return rc;
    }
    if (!row) {
        *why = "no such user in the token's organization";
        return HTTP_UNAUTHORIZED;
    }
    {
        const char *v = auth_core->col(row, "token_version"), *a = auth_core->col(row, "active");
        int active = a && (a[0] == 't' || a[0] == '1');
        if (!v || maplat_parse_int(v, 0, 2147483647, &current) != 0) {
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        value = active ? v : "-";
        if (!active) {
            current = -1;
        }
    }
    if (st != APR_EGENERAL) {
        /* add, never set: a concurrent change's newer value wins */
        auth_core->cache_add(r, key, value, strlen(value), MAPLAT_TOKEN_VERSION_CACHE_S);
    }
compare:
    if (current < 0) {
        *why = "the user is deactivated";
        return HTTP_UNAUTHORIZED;
    }
    if (ver < current) {
        *why = "token version is stale (the user's role, status or password changed)";
        return HTTP_UNAUTHORIZED;
    }
    return OK;
}

void maplat_token_version_publish(request_rec *r, const char *user_id, const char *version, int active)
{
    const char *value = active ? version : "-";
    if (auth_core->cache_set(r, tv_key(r, user_id), value, strlen(value), MAPLAT_TOKEN_VERSION_CACHE_S) ==
        APR_EGENERAL) {
        ap_log_rerror(
            APLOG_MARK, APLOG_WARNING, 0, r,
            MAPLAT_LOGNO(
                02020) "token version of user %s not published to memcached; other servers may accept "
                       "the user's older access tokens for up to %d s",
            user_id, MAPLAT_TOKEN_VERSION_CACHE_S);
    }
}
