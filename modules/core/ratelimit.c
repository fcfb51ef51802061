/*
 * Rate limits shared by every server of a cluster: sliding-window counters
 * in memcached (the current and the previous fixed window, the previous one
 * weighted by how much of it still overlaps the sliding window). An event
 * that is refused is not counted.
 *
 * MaplatRateLimit <name> <count> <seconds> sets a limit; the names are fixed
 * (login, moderation) so a typo is refused at start-up.
 */
#include "core.h"
#include "apr_strings.h"

#include <openssl/evp.h>

typedef struct {
    const char *name;
    int count;
    int window;
} limit_def_t;

/* Defaults (docs/api.md, docs/admin-guide.md): login 10 per 15 min, moderation 30 per minute. */
static const limit_def_t defaults[] = {
    {"login", 10, 900},
    {"moderation", 30, 60},
};
#define NLIMITS ((int)(sizeof(defaults) / sizeof(defaults[0])))

static int find(const char *name)
{
    for (int i = 0; i < NLIMITS; i++) {
        if (strcmp(defaults[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

const char *maplat_cmd_rate_limit(cmd_parms *cmd, void *dummy, const char *name, const char *count,
                                  const char *window)
{
    int i = find(name);
    apr_int64_t c, w;
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    if (err) {
        return err;
    }
    if (i < 0) {
        return apr_psprintf(cmd->pool, "%s: unknown limit '%s' (known: login, moderation)",
                            cmd->directive->directive, name);
    }
    if (maplat_g.limit_count[i]) {
        return apr_psprintf(cmd->pool, "%s %s is duplicate", cmd->directive->directive, name);
    }
    if (maplat_parse_int(count, 1, 1000000, &c) != 0) {
        return apr_psprintf(cmd->pool, "%s %s: '%s' is not a count between 1 and 1000000",
                            cmd->directive->directive, name, count);
    }
    if (maplat_parse_int(window, 1, 86400, &w) != 0) {
        return apr_psprintf(cmd->pool, "%s %s: '%s' is not a number of seconds between 1 and 86400",
                            cmd->directive->directive, name, window);
    }
    maplat_g.limit_count[i] = (int)c;
    maplat_g.limit_window[i] = (int)w;
    return NULL;
}

void maplat_rate_limit_config(const char *name, int *count, int *window)
{
    int i = find(name);
    *count = 0;
    *window = 1;
    if (i >= 0) {
        *count = maplat_g.limit_count[i] ? maplat_g.limit_count[i] : defaults[i].count;
        *window = maplat_g.limit_window[i] ? maplat_g.limit_window[i] : defaults[i].window;
    }
}

/* memcached-safe key: the limit's name and a digest of the caller's key */
static const char *counter_key(apr_pool_t *p, const char *name, const char *key, apr_int64_t slot)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char hex[33];

    EVP_Digest(key, strlen(key), md, &mdlen, EVP_sha256(), NULL);
    for (int i = 0; i < 16; i++) {
        static const char digits[] = "0123456789abcdef";
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[32] = 0;
    return apr_psprintf(p, "maplat:rl:%s:%s:%" APR_INT64_T_FMT, name, hex, slot);
}

static apr_status_t get_count(request_rec *r, const char *k, apr_uint64_t *out)
{
    char *val = NULL;
    apr_size_t len = 0;
    apr_status_t st = maplat_cache_get(r, k, &val, &len);
    apr_int64_t v;
    *out = 0;
    if (st == APR_SUCCESS && maplat_parse_int(val, 0, APR_INT64_MAX, &v) == 0) {
        *out = (apr_uint64_t)v; /* a foreign or garbage value counts as 0 */
    }
    return st == APR_EGENERAL ? APR_EGENERAL : APR_SUCCESS;
}

/* Seconds until the estimated count has fallen to `target` (consume: room
 * for one more event) or below it (check), if nothing else arrives. The
 * estimate at a moment `e` seconds into the current window is
 * cur + prev * (1 - e/window); once the next window begins it is
 * cur * (1 - e'/window). Because it assumes the previous window's events were
 * spread evenly, the answer can exceed one window (at most two). */
static double seconds_until(double cur, double prev, double target, double elapsed, double window)
{
    if (prev > 0.0 && cur < target) {
        double t = window * (1.0 - (target - cur) / prev) - elapsed;
        if (t < window - elapsed) {
            return t < 0.0 ? 0.0 : t;
        }
    }
    return (window - elapsed) + (cur > target ? window * (1.0 - target / cur) : 0.0);
}

maplat_rl_t maplat_rate_limit(request_rec *r, const char *name, const char *key, int consume,
                              int *retry_after)
{
    int limit, window;
    apr_time_t now = apr_time_now();
    apr_int64_t now_s = (apr_int64_t)apr_time_sec(now);
    apr_int64_t slot;
    apr_uint64_t cur = 0, prev = 0;
    const char *cur_key;
    double elapsed, weight, count, t;

    maplat_rate_limit_config(name, &limit, &window);
    *retry_after = 0;
    if (limit <= 0 || !maplat_cache_available()) {
        return MAPLAT_RL_UNAVAILABLE;
    }
    slot = now_s / window;
    /* seconds into the current window, with the fraction */
    elapsed = (double)(now_s - slot * window) + (double)(now % APR_USEC_PER_SEC) / (double)APR_USEC_PER_SEC;
    if (get_count(r, counter_key(r->pool, name, key, slot - 1), &prev) != APR_SUCCESS) {
        return MAPLAT_RL_UNAVAILABLE;
    }
    cur_key = counter_key(r->pool, name, key, slot);
    if (consume) {
        /* the counter lives for two windows: its own and the next one */
        if (maplat_cache_incr(r, cur_key, 1, 1, (apr_uint32_t)(2 * window), &cur) != APR_SUCCESS) {
            return MAPLAT_RL_UNAVAILABLE;
        }
    }
    else if (get_count(r, cur_key, &cur) != APR_SUCCESS) {
        return MAPLAT_RL_UNAVAILABLE;
    }
    weight = 1.0 - elapsed / (double)window;
    count = (double)cur + (double)prev * weight;
    /* consuming: this request is allowed while the count including it stays
     * within the limit; checking: another one would still fit */
    if (consume ? count <= (double)limit : count < (double)limit) {
        return MAPLAT_RL_OK;
    }
    if (consume) {
        /* a refused event did not happen: give its count back, so a client
         * that keeps trying does not push its own lockout further away */
        if (maplat_cache_decr(r, cur_key, 1) == APR_SUCCESS && cur > 0) {
            cur--;
        }
    }
    t = seconds_until((double)cur, (double)prev, (double)(consume ? limit - 1 : limit), elapsed,
                      (double)window);
    /* rounded up, and one second more: servers' clocks differ a little, and
     * the moment named must never be early */
    *retry_after = (int)t + (t > (double)(int)t) + 1; /* ceil(t) + 1 without libm */
    if (*retry_after > 2 * window) {
        *retry_after = 2 * window; /* both windows' events have left the estimate by then */
    }
    return MAPLAT_RL_LIMITED;
}
