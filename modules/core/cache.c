/*
 * The memcached client every maplat module uses.
 *
 * One libmemcached pool per child process, created in child_init and sized
 * to the MPM's threads, so each request thread borrows its own memcached_st
 * (returned by a cleanup on r->pool). Operations have short timeouts
 * (MaplatCacheTimeout), and after a connection failure the whole process
 * skips memcached for MaplatCacheRetry seconds (a circuit breaker), so a
 * dead server never stalls requests: callers see APR_EGENERAL and work
 * uncached.
 */
#include "core.h"
#include "apr_strings.h"
#include "ap_mpm.h"
#include "http_log.h"

static memcached_st *mc_master;           /* per child, never used directly */
static memcached_pool_st *mc_pool;        /* per child, thread-safe */
static volatile apr_time_t mc_down_until; /* circuit breaker, per child */
static apr_uint32_t mc_slow;              /* timeouts in a row (per child) */

/* Timeouts in a row before the breaker opens: one slow answer under load
 * must not switch the cache off; a refused connection opens it at once. */
#define SLOW_LIMIT 3

static int cache_timeout_ms(void)
{
    return maplat_g.cache_timeout_ms; /* default: maplat_config_defaults() */
}

static int cache_retry_s(void)
{
    return maplat_g.cache_retry_s;
}

static apr_status_t cache_child_cleanup(void *data)
{
    if (mc_pool) {
        memcached_pool_destroy(mc_pool);
        mc_pool = NULL;
    }
    if (mc_master) {
        memcached_free(mc_master);
        mc_master = NULL;
    }
    return APR_SUCCESS;
}

void maplat_cache_child_init(apr_pool_t *p, server_rec *s)
{
    const char *conf = maplat_g.cache_config;
    int threads = 1, timeout = cache_timeout_ms();

    if (!conf) {
        return;
    }
    mc_master = memcached(conf, strlen(conf));
    if (!mc_master) {
        ap_log_error(
            APLOG_MARK, APLOG_ERR, 0, s,
            MAPLAT_LOGNO(01010) "MaplatCache: could not create the memcached client; running uncached");
        return;
    }
    memcached_behavior_set(mc_master, MEMCACHED_BEHAVIOR_NO_BLOCK, 1);
    memcached_behavior_set(mc_master, MEMCACHED_BEHAVIOR_TCP_NODELAY, 1);
    memcached_behavior_set(mc_master, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, (uint64_t)timeout);
    memcached_behavior_set(mc_master, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, (uint64_t)timeout);
    memcached_behavior_set(mc_master, MEMCACHED_BEHAVIOR_SND_TIMEOUT, (uint64_t)timeout * 1000);
    memcached_behavior_set(mc_master, MEMCACHED_BEHAVIOR_RCV_TIMEOUT, (uint64_t)timeout * 1000);
    memcached_behavior_set(mc_master, MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, (uint64_t)cache_retry_s());
    memcached_behavior_set(mc_master, MEMCACHED_BEHAVIOR_SERVER_FAILURE_LIMIT, SLOW_LIMIT);
    memcached_behavior_set(mc_master, MEMCACHED_BEHAVIOR_VERIFY_KEY, 1);
    if (!strstr(conf, "--DISTRIBUTION")) {
        /* consistent hashing, so adding a server moves few keys */
        memcached_behavior_set(mc_master, MEMCACHED_BEHAVIOR_DISTRIBUTION,
                               MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA);
    }
    if (ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads) != APR_SUCCESS || threads < 1) {
        threads = 1;
    }
    mc_pool = memcached_pool_create(mc_master, 1, threads);
    if (!mc_pool) {
        ap_log_error(
            APLOG_MARK, APLOG_ERR, 0, s,
            MAPLAT_LOGNO(01011) "MaplatCache: could not create the memcached pool; running uncached");
    }
    apr_pool_cleanup_register(p, NULL, cache_child_cleanup, apr_pool_cleanup_null);
}

int maplat_cache_available(void)
{
    return mc_pool && apr_time_now() >= mc_down_until;
}

static apr_status_t release_handle(void *data)
{
    memcached_pool_release(mc_pool, data);
    return APR_SUCCESS;
}

/* The request's memcached handle, or NULL (no cache, breaker open, pool busy). */
static memcached_st *handle(request_rec *r)
{
    maplat_req_t *rq;
    memcached_return_t rc;
    struct timespec wait = {0, 50 * 1000 * 1000};
    memcached_st *mc;

    if (!maplat_cache_available()) {
        return NULL;
    }
    rq = maplat_req(r);
    if (rq->mc) {
        return rq->mc;
    }
    mc = memcached_pool_fetch(mc_pool, &wait, &rc);
    if (!mc) {
        return NULL;
    }
    rq->mc = mc;
    apr_pool_cleanup_register(maplat_request_root(r)->pool, mc, release_handle, apr_pool_cleanup_null);
    return mc;
}

static int key_ok(const char *key)
{
    size_t n = 0;
    for (; key[n]; n++) {
        unsigned char c = (unsigned char)key[n];
        if (c <= 32 || c == 127 || n >= MEMCACHED_MAX_KEY - 1) {
            return 0;
        }
    }
    return n > 0;
}

/* Classifies a libmemcached result: opens the breaker on transport errors. */
static apr_status_t outcome(request_rec *r, memcached_st *mc, memcached_return_t rc)
{
    if (rc != MEMCACHED_TIMEOUT && __atomic_load_n(&mc_slow, __ATOMIC_RELAXED)) {
        __atomic_store_n(&mc_slow, 0, __ATOMIC_RELAXED);
    }
    switch (rc) {
    case MEMCACHED_SUCCESS:
    case MEMCACHED_STORED:
    case MEMCACHED_DELETED:
        return APR_SUCCESS;
    case MEMCACHED_NOTFOUND:
    case MEMCACHED_NOTSTORED:
    case MEMCACHED_DATA_EXISTS:
        return APR_NOTFOUND;
    case MEMCACHED_TIMEOUT:
        if (__atomic_add_fetch(&mc_slow, 1, __ATOMIC_RELAXED) < SLOW_LIMIT) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          MAPLAT_LOGNO(01014) "memcached operation timed out (%s)",
                          memcached_strerror(mc, rc));
            return APR_EGENERAL;
        }
        /* several in a row: the server is in trouble */
        __attribute__((fallthrough));
    default:
        __atomic_store_n(&mc_slow, 0, __ATOMIC_RELAXED);
        mc_down_until = apr_time_now() + apr_time_from_sec(cache_retry_s());
        maplat_metrics_cache_breaker();
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      MAPLAT_LOGNO(01012) "memcached unavailable (%s); running uncached for %d s",
                      memcached_strerror(mc, rc), cache_retry_s());
        return APR_EGENERAL;
    }
}

apr_status_t maplat_cache_get(request_rec *r, const char *key, char **val, apr_size_t *len)
{
    memcached_st *mc = handle(r);
    memcached_return_t rc;
    uint32_t flags = 0;
    size_t vlen = 0;
    char *v;
    apr_status_t st;

    *val = NULL;
    *len = 0;
    if (!mc || !key_ok(key)) {
        maplat_metrics_cache(2);
        return APR_EGENERAL;
    }
    v = memcached_get(mc, key, strlen(key), &vlen, &flags, &rc);
    st = outcome(r, mc, rc);
    if (st == APR_SUCCESS && v) {
        *val = apr_pstrmemdup(r->pool, v, vlen);
        *len = vlen;
        maplat_metrics_cache(0);
    }
    else {
        maplat_metrics_cache(st == APR_NOTFOUND ? 1 : 2);
        if (st == APR_SUCCESS) {
            st = APR_NOTFOUND;
        }
    }
    free(v);
    return st;
}

apr_status_t maplat_cache_set(request_rec *r, const char *key, const char *val, apr_size_t len,
                              apr_uint32_t ttl)
{
    memcached_st *mc = handle(r);
    if (!mc || !key_ok(key)) {
        return APR_EGENERAL;
    }
    return outcome(r, mc, memcached_set(mc, key, strlen(key), val, len, (time_t)ttl, 0));
}

apr_status_t maplat_cache_add(request_rec *r, const char *key, const char *val, apr_size_t len,
                              apr_uint32_t ttl)
{
    memcached_st *mc = handle(r);
    if (!mc || !key_ok(key)) {
        return APR_EGENERAL;
    }
    return outcome(r, mc, memcached_add(mc, key, strlen(key), val, len, (time_t)ttl, 0));
}

apr_status_t maplat_cache_delete(request_rec *r, const char *key)
{
    memcached_st *mc = handle(r);
    if (!mc || !key_ok(key)) {
        return APR_EGENERAL;
    }
    return outcome(r, mc, memcached_delete(mc, key, strlen(key), 0));
}

apr_status_t maplat_cache_incr(request_rec *r, const char *key, apr_uint64_t delta, apr_uint64_t initial,
                               apr_uint32_t ttl, apr_uint64_t *value)
{
    memcached_st *mc = handle(r);
    uint64_t v = 0;
    apr_status_t st;

    if (!mc || !key_ok(key)) {
        return APR_EGENERAL;
    }
    /* the text protocol has no "increment or create": try, add, try again */
    for (int attempt = 0; attempt < 2; attempt++) {
        st = outcome(r, mc, memcached_increment(mc, key, strlen(key), (uint32_t)delta, &v));
        if (st != APR_NOTFOUND) {
            break;
        }
        {
            char *text = apr_psprintf(r->pool, "%" APR_UINT64_T_FMT, initial);
            st = outcome(r, mc, memcached_add(mc, key, strlen(key), text, strlen(text), (time_t)ttl, 0));
            if (st == APR_SUCCESS) {
                v = initial;
                break;
            }
            if (st == APR_EGENERAL) {
                break;
            }
            /* somebody else created it: increment again */
        }
    }
    if (st == APR_SUCCESS && value) {
        *value = v;
    }
    return st;
}

/* Decrements a counter (memcached stops at 0); a counter that expired
 * meanwhile is left alone. */
apr_status_t maplat_cache_decr(request_rec *r, const char *key, apr_uint64_t delta)
{
    memcached_st *mc = handle(r);
    uint64_t v = 0;
    apr_status_t st;

    if (!mc || !key_ok(key)) {
        return APR_EGENERAL;
    }
    st = outcome(r, mc, memcached_decrement(mc, key, strlen(key), (uint32_t)delta, &v));
    return st == APR_NOTFOUND ? APR_SUCCESS : st;
}

maplat_health_t maplat_cache_health(request_rec *r, const char **text)
{
    memcached_st *mc;
    memcached_return_t rc;
    size_t vlen = 0;
    uint32_t flags = 0;
    char *v;

    /* while the breaker is open, answer from it: no stall */
    mc = handle(r);
    if (!mc) {
        *text = "unavailable";
        return MAPLAT_HEALTH_DEGRADED;
    }
    v = memcached_get(mc, "maplat:health", 13, &vlen, &flags, &rc);
    free(v);
    if (outcome(r, mc, rc) == APR_EGENERAL) {
        *text = "unavailable";
        return MAPLAT_HEALTH_DEGRADED;
    }
    *text = "ok";
    return MAPLAT_HEALTH_OK;
}

/* ------------------------------------------------------------ generations */

/*
 * Cache invalidation for a whole organization at once, on every server:
 * every cached answer's key carries the organization's generation number,
 * kept in memcached; a mutation bumps it, so all earlier entries stop being
 * found. A missing generation (evicted, memcached restarted) is created from
 * the clock, never 0 again, so an old entry can never match it.
 */
static const char *gen_key(apr_pool_t *p, const char *org)
{
    return apr_pstrcat(p, "maplat:gen:", org, NULL);
}

const char *maplat_cache_generation(request_rec *r, const char *org)
{
    char *val = NULL;
    apr_size_t len = 0;
    const char *k = gen_key(r->pool, org);
    apr_status_t st = maplat_cache_get(r, k, &val, &len);

    if (st == APR_SUCCESS) {
        return val;
    }
    if (st == APR_NOTFOUND) {
        const char *fresh = apr_psprintf(r->pool, "%" APR_TIME_T_FMT, apr_time_now());
        st = maplat_cache_add(r, k, fresh, strlen(fresh), 0);
        if (st == APR_SUCCESS) {
            return fresh;
        }
        if (st == APR_NOTFOUND && maplat_cache_get(r, k, &val, &len) == APR_SUCCESS) {
            return val; /* another request created it first */
        }
    }
    return NULL;
}

void maplat_cache_invalidate(request_rec *r, const char *org)
{
    apr_uint64_t v = 0;
    if (!maplat_cache_available()) {
        return;
    }
    if (maplat_cache_incr(r, gen_key(r->pool, org), 1, (apr_uint64_t)apr_time_now(), 0, &v) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      MAPLAT_LOGNO(01013) "could not invalidate the cache of organization %s", org);
    }
}
