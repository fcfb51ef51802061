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
 */
#include "api.h"
#include "apr_strings.h"
#include "http_protocol.h"

#define LOCK_TTL 5
#define WAIT_STEP_US 20000
#define WAIT_STEPS 25
#define NONE_SENTINEL "-" /* "no such answer" (a 404) is cached too */

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
    const char *gen = core->cache_generation(r, org), *key, *lock, *json = NULL;
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
    if (core->cache_get(r, key, &val, &len) == APR_SUCCESS) {
        return send_cached(r, "HIT", val, not_found);
    }
    lock = apr_pstrcat(r->pool, key, ":lock", NULL);
    locked = core->cache_add(r, lock, "1", 1, LOCK_TTL) == APR_SUCCESS;
    if (!locked) {
        /* someone else is computing it: wait a little for the result */
        for (int i = 0; i < WAIT_STEPS; i++) {
            apr_sleep(WAIT_STEP_US);
            if (core->cache_get(r, key, &val, &len) == APR_SUCCESS) {
                return send_cached(r, "HIT", val, not_found);
            }
        }
    }
    if ((rc = compute(r, ctx, &json)) != OK) {
        if (locked) {
            core->cache_delete(r, lock);
        }
        return rc;
    }
    core->cache_set(r, key, json ? json : NONE_SENTINEL, strlen(json ? json : NONE_SENTINEL), (apr_uint32_t)ttl);
    if (locked) {
        core->cache_delete(r, lock);
    }
    return send_cached(r, "MISS", json, not_found);
}
