/*
 * Cached answers (dashboard, ratios, narratives).
 *
 * Key: maplat:c:<organization>:<generation>:<what>. The organization makes
 * a tenant's entry unreachable for every other tenant; the generation
 * (bumped by the core after every mutation) makes every older entry
 * unreachable at once, on every server. A burst of misses for one key
 * computes once: the first request takes a short lock (memcached add) and
 * fills the entry, the others wait for it briefly. With memcached down the
 * answer is computed every time (X-Cache: MISS).
 *
 * A stored value is CACHE_TAG followed by the JSON answer (or NONE_SENTINEL).
 * Anything else under our key — another application's value, garbage, a
 * value of another maplat version — is a miss and is overwritten
 * (SECURITY.md: a foreign or garbage memcached value is a cache miss).
 */
#include "api.h"
#include "apr_strings.h"
#include "http_protocol.h"

#define LOCK_TTL 5
#define WAIT_STEP_US 20000
#define WAIT_STEPS 25
#define NONE_SENTINEL "-" /* "no such answer" (a 404) is cached too */
#define CACHE_TAG "maplat1:"
#define CACHE_TAG_LEN (sizeof(CACHE_TAG) - 1)

/* The answer in a cached value, or NULL when the value is not one of ours:
 * the tag, then the sentinel or a JSON object/array, no NUL inside. */
static const char *cached_answer(const char *val, apr_size_t len)
{
    const char *b;
    apr_size_t n;
    if (!val || len <= CACHE_TAG_LEN || memcmp(val, CACHE_TAG, CACHE_TAG_LEN) != 0 || strlen(val) != len) {
        return NULL;
    }
    b = val + CACHE_TAG_LEN;
    n = len - CACHE_TAG_LEN;
    if (strcmp(b, NONE_SENTINEL) == 0 || (b[0] == '{' && b[n - 1] == '}') ||
        (b[0] == '[' && b[n - 1] == ']')) {
        return b;
    }
    return NULL;
}

static int send_cached(request_rec *r, const char *hit, const char *json, const char *not_found)
{
    if (!json || strcmp(json, NONE_SENTINEL) == 0) {
        /* an error answer sends err_headers_out only */
        apr_table_setn(r->err_headers_out, "X-Cache", hit);
        apr_table_setn(r->err_headers_out, "Cache-Control", "private, no-cache");
        return maplat_problem(r, HTTP_NOT_FOUND, "not_found", not_found);
    }
    apr_table_setn(r->headers_out, "X-Cache", hit);
    apr_table_setn(r->headers_out, "Cache-Control", "private, no-cache");
    return maplat_raw_json_send(r, HTTP_OK, json);
}

int api_cached(request_rec *r, const char *org, const char *what, int ttl, api_compute_fn compute, void *ctx,
               const char *not_found)
{
    const char *gen = api_core->cache_generation(r, org), *key, *lock, *json = NULL;
    char *val = NULL;
    apr_size_t len = 0;
    int rc, locked;

    if (!gen) {
        if ((rc = compute(r, ctx, &json)) != OK) {
            return rc;
        }
        return send_cached(r, "MISS", json, not_found);
    }
    key = apr_pstrcat(r->pool, "maplat:c:", org, ":", gen, ":", what, NULL);
    if (api_core->cache_get(r, key, &val, &len) == APR_SUCCESS && (json = cached_answer(val, len))) {
        return send_cached(r, "HIT", json, not_found);
    }
    lock = apr_pstrcat(r->pool, key, ":lock", NULL);
    locked = api_core->cache_add(r, lock, "1", 1, LOCK_TTL) == APR_SUCCESS;
    if (!locked) {
        /* someone else is computing it: wait a little for the result */
        for (int i = 0; i < WAIT_STEPS; i++) {
            apr_sleep(WAIT_STEP_US);
            if (api_core->cache_get(r, key, &val, &len) == APR_SUCCESS && (json = cached_answer(val, len))) {
                return send_cached(r, "HIT", json, not_found);
            }
        }
    }
    if ((rc = compute(r, ctx, &json)) != OK) {
        if (locked) {
            api_core->cache_delete(r, lock);
        }
        return rc;
    }
    {
        const char *stored = apr_pstrcat(r->pool, CACHE_TAG, json ? json : NONE_SENTINEL, NULL);
        api_core->cache_set(r, key, stored, strlen(stored), (apr_uint32_t)ttl);
    }
    if (locked) {
        api_core->cache_delete(r, lock);
    }
    return send_cached(r, "MISS", json, not_found);
}
