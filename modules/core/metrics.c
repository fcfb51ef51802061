/*
 * Request metrics in shared memory, summed over all children.
 *
 * One anonymous shared segment is created in post_config (in the parent, so
 * every child inherits it) and sized for the route table, which is final by
 * then. Children update it with relaxed atomic adds; no lock is needed and
 * nothing is allocated per request. /metrics reads it in Prometheus text
 * format. A restart creates a new segment: counters are "since start".
 */
#include "core.h"
#include "apr_strings.h"
#include "http_log.h"
#include "http_protocol.h"

/* Statuses counted individually; any other is counted as "<class>xx". */
static const int tracked[] = {200, 201, 202, 204, 206, 301, 302, 304, 400, 401, 403, 404, 405,
                              406, 408, 409, 410, 412, 413, 414, 415, 422, 429, 431, 500,
                              501, 502, 503, 504};
#define NTRACKED ((int)(sizeof(tracked) / sizeof(tracked[0])))
#define NSTATUS (NTRACKED + 5) /* + 1xx..5xx */

static const char *const method_names[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER"};
#define NMETHODS 8

/* Histogram bucket upper bounds in microseconds (last bucket: +Inf). */
static const apr_uint64_t bounds_us[] = {
    100, 250, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10000, 15000, 25000, 50000,
    75000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};
#define NBOUNDS ((int)(sizeof(bounds_us) / sizeof(bounds_us[0])))
static const char *const bounds_le[NBOUNDS] = {
    "0.0001", "0.00025", "0.0005", "0.00075", "0.001", "0.0015", "0.002", "0.003", "0.005",
    "0.0075", "0.01", "0.015", "0.025", "0.05", "0.075", "0.1", "0.25", "0.5", "1", "2.5", "5", "10"};

typedef struct {
    apr_uint64_t count[NMETHODS][NSTATUS];
    apr_uint64_t bucket[NBOUNDS + 1];
    apr_uint64_t sum_us;
    apr_uint64_t n;
} route_stats_t;

typedef struct {
    apr_uint64_t cache[3];   /* hit, miss, error */
    apr_uint64_t db_errors;
    int nroutes;             /* route_stats_t entries: 0 = unmatched, 1..n */
    route_stats_t routes[];
} metrics_shm_t;

static metrics_shm_t *shm;

static apr_status_t shm_cleanup(void *data)
{
    shm = NULL;
    return apr_shm_destroy(data);
}

apr_status_t maplat_metrics_post_config(apr_pool_t *pconf, server_rec *s)
{
    int nroutes = maplat_router_count(maplat_g.router) + 1;
    apr_size_t size = sizeof(metrics_shm_t) + (apr_size_t)nroutes * sizeof(route_stats_t);
    apr_shm_t *seg = NULL;
    apr_status_t rv = apr_shm_create(&seg, size, NULL, pconf);

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, MAPLAT_LOGNO(01030)
                     "could not create the shared memory for metrics (%" APR_SIZE_T_FMT " bytes)", size);
        return rv;
    }
    shm = apr_shm_baseaddr_get(seg);
    memset(shm, 0, size);
    shm->nroutes = nroutes;
    apr_pool_cleanup_register(pconf, seg, shm_cleanup, apr_pool_cleanup_null);
    return APR_SUCCESS;
}

static void add(apr_uint64_t *x, apr_uint64_t v)
{
    __atomic_fetch_add(x, v, __ATOMIC_RELAXED);
}

static apr_uint64_t load(const apr_uint64_t *x)
{
    return __atomic_load_n(x, __ATOMIC_RELAXED);
}

static int status_slot(int status)
{
    for (int i = 0; i < NTRACKED; i++) {
        if (tracked[i] == status) {
            return i;
        }
    }
    if (status >= 100 && status < 600) {
        return NTRACKED + status / 100 - 1;
    }
    return NTRACKED + 4;
}

static int method_slot(request_rec *r)
{
    if (r->header_only && r->method_number == M_GET) {
        return 1;
    }
    switch (r->method_number) {
    case M_GET:
        return 0;
    case M_POST:
        return 2;
    case M_PUT:
        return 3;
    case M_PATCH:
        return 4;
    case M_DELETE:
        return 5;
    case M_OPTIONS:
        return 6;
    default:
        return 7;
    }
}

void maplat_metrics_request(request_rec *r, int route_index, int status, apr_time_t dur)
{
    route_stats_t *rs;
    apr_uint64_t us = dur > 0 ? (apr_uint64_t)dur : 0;
    int b = 0;

    if (!shm || route_index < 0 || route_index >= shm->nroutes) {
        return;
    }
    rs = &shm->routes[route_index];
    add(&rs->count[method_slot(r)][status_slot(status)], 1);
    while (b < NBOUNDS && us > bounds_us[b]) {
        b++;
    }
    add(&rs->bucket[b], 1);
    add(&rs->sum_us, us);
    add(&rs->n, 1);
}

void maplat_metrics_cache(int result)
{
    if (shm && result >= 0 && result < 3) {
        add(&shm->cache[result], 1);
    }
}

void maplat_metrics_db_error(void)
{
    if (shm) {
        add(&shm->db_errors, 1);
    }
}

static const char *status_label(apr_pool_t *p, int slot)
{
    if (slot < NTRACKED) {
        return apr_itoa(p, tracked[slot]);
    }
    return apr_psprintf(p, "%dxx", slot - NTRACKED + 1);
}

int maplat_metrics_handler(request_rec *r)
{
    static const char *const cache_results[] = {"hit", "miss", "error"};

    if (strcmp(r->handler, MAPLAT_METRICS_HANDLER) != 0) {
        return DECLINED;
    }
    if (r->method_number != M_GET) {
        r->allowed = (AP_METHOD_BIT << M_GET);
        return HTTP_METHOD_NOT_ALLOWED;
    }
    ap_set_content_type(r, "text/plain; version=0.0.4; charset=utf-8");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (r->header_only) {
        return OK;
    }
    if (!shm) {
        return HTTP_SERVICE_UNAVAILABLE;
    }

    ap_rputs("# HELP http_requests_total HTTP requests answered, by route template, method and status.\n"
             "# TYPE http_requests_total counter\n", r);
    for (int i = 0; i < shm->nroutes; i++) {
        const char *route = maplat_router_template(maplat_g.router, i);
        for (int m = 0; m < NMETHODS; m++) {
            for (int s = 0; s < NSTATUS; s++) {
                apr_uint64_t c = load(&shm->routes[i].count[m][s]);
                if (c) {
                    ap_rprintf(r, "http_requests_total{route=\"%s\",method=\"%s\",status=\"%s\"} %" APR_UINT64_T_FMT "\n",
                               route, method_names[m], status_label(r->pool, s), c);
                }
            }
        }
    }
    ap_rputs("# HELP http_request_duration_seconds Time from reading the request line to logging.\n"
             "# TYPE http_request_duration_seconds histogram\n", r);
    for (int i = 0; i < shm->nroutes; i++) {
        const route_stats_t *rs = &shm->routes[i];
        const char *route = maplat_router_template(maplat_g.router, i);
        apr_uint64_t n = load(&rs->n), cum = 0;
        if (!n) {
            continue;
        }
        for (int b = 0; b < NBOUNDS; b++) {
            cum += load(&rs->bucket[b]);
            ap_rprintf(r, "http_request_duration_seconds_bucket{route=\"%s\",le=\"%s\"} %" APR_UINT64_T_FMT "\n",
                       route, bounds_le[b], cum);
        }
        cum += load(&rs->bucket[NBOUNDS]);
        ap_rprintf(r, "http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %" APR_UINT64_T_FMT "\n",
                   route, cum);
        {
            apr_uint64_t sum = load(&rs->sum_us);
            ap_rprintf(r, "http_request_duration_seconds_sum{route=\"%s\"} %" APR_UINT64_T_FMT ".%06" APR_UINT64_T_FMT "\n",
                       route, sum / 1000000, sum % 1000000);
        }
        ap_rprintf(r, "http_request_duration_seconds_count{route=\"%s\"} %" APR_UINT64_T_FMT "\n", route, cum);
    }
    ap_rputs("# HELP maplat_cache_requests_total memcached lookups by result.\n"
             "# TYPE maplat_cache_requests_total counter\n", r);
    for (int i = 0; i < 3; i++) {
        ap_rprintf(r, "maplat_cache_requests_total{result=\"%s\"} %" APR_UINT64_T_FMT "\n",
                   cache_results[i], load(&shm->cache[i]));
    }
    ap_rprintf(r, "# HELP maplat_db_errors_total Failed database connections and statements.\n"
                  "# TYPE maplat_db_errors_total counter\n"
                  "maplat_db_errors_total %" APR_UINT64_T_FMT "\n", load(&shm->db_errors));
    return OK;
}
