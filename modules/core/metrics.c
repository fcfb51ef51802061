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
#include "apr_time.h"

/* Statuses counted individually; any other is counted as "<class>xx". */
static const int tracked[] = {200, 201, 202, 204, 206, 301, 302, 304, 400, 401, 403, 404, 405, 406, 408,
                              409, 410, 412, 413, 414, 415, 422, 429, 431, 500, 501, 502, 503, 504};
#define NTRACKED ((int)(sizeof(tracked) / sizeof(tracked[0])))
#define NSTATUS (NTRACKED + 5) /* + 1xx..5xx */

static const char *const method_names[] = {"GET",   "HEAD",   "POST",    "PUT",
                                           "PATCH", "DELETE", "OPTIONS", "OTHER"};
#define NMETHODS 8

/* Histogram bucket upper bounds in microseconds (last bucket: +Inf). */
static const apr_uint64_t bounds_us[] = {100,    250,    500,     750,     1000,    1500,    2000,  3000,
                                         5000,   7500,   10000,   15000,   25000,   50000,   75000, 100000,
                                         250000, 500000, 1000000, 2500000, 5000000, 10000000};
#define NBOUNDS ((int)(sizeof(bounds_us) / sizeof(bounds_us[0])))
static const char *const bounds_le[NBOUNDS] = {
    "0.0001", "0.00025", "0.0005", "0.00075", "0.001", "0.0015", "0.002", "0.003", "0.005", "0.0075", "0.01",
    "0.015",  "0.025",   "0.05",   "0.075",   "0.1",   "0.25",   "0.5",   "1",     "2.5",   "5",      "10"};

typedef struct {
    apr_uint64_t count[NMETHODS][NSTATUS];
    apr_uint64_t bucket[NBOUNDS + 1];
    apr_uint64_t sum_us;
    apr_uint64_t n;
} route_stats_t;

/* One minute of one route, for /performance/history. */
typedef struct {
    apr_uint32_t count;
    apr_uint32_t errors; /* status >= 500 */
    apr_uint32_t bucket[NBOUNDS + 1];
} minute_stats_t;

#define HISTORY_MINUTES 1440 /* 24 h */

typedef struct {
    apr_uint64_t cache[3]; /* hit, miss, error */
    apr_uint64_t db_errors;
    apr_uint64_t cache_breaker; /* times a child's memcached breaker opened */
    int nroutes;                /* route_stats_t entries: 0 = unmatched, 1..n */
    apr_uint64_t *minute_of;    /* [HISTORY_MINUTES]: which minute a ring slot holds */
    minute_stats_t *ring;       /* [HISTORY_MINUTES][nroutes] */
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
    apr_size_t base = sizeof(metrics_shm_t) + (apr_size_t)nroutes * sizeof(route_stats_t);
    apr_size_t ring_index = APR_ALIGN_DEFAULT(base);
    apr_size_t ring_data = APR_ALIGN_DEFAULT(ring_index + HISTORY_MINUTES * sizeof(apr_uint64_t));
    apr_size_t size = ring_data + (apr_size_t)HISTORY_MINUTES * (apr_size_t)nroutes * sizeof(minute_stats_t);
    apr_shm_t *seg = NULL;
    apr_status_t rv = apr_shm_create(&seg, size, NULL, pconf);

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     MAPLAT_LOGNO(01030) "could not create the shared memory for metrics (%" APR_SIZE_T_FMT
                                         " bytes)",
                     size);
        return rv;
    }
    shm = apr_shm_baseaddr_get(seg);
    memset(shm, 0, size);
    shm->nroutes = nroutes;
    /* an anonymous segment maps at the same address in every child (fork) */
    shm->minute_of = (apr_uint64_t *)((char *)shm + ring_index);
    shm->ring = (minute_stats_t *)((char *)shm + ring_data);
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

    {
        /* the minute ring: the first writer of a new minute claims the slot
         * and clears it (a few concurrent counts at the turn of a minute may
         * land in the cleared slot or be lost: fine for a chart) */
        apr_uint64_t minute = (apr_uint64_t)apr_time_sec(apr_time_now()) / 60;
        apr_size_t slot = (apr_size_t)(minute % HISTORY_MINUTES);
        apr_uint64_t seen = __atomic_load_n(&shm->minute_of[slot], __ATOMIC_ACQUIRE);
        minute_stats_t *row = &shm->ring[slot * (apr_size_t)shm->nroutes];
        if (seen != minute) {
            if (seen < minute && __atomic_compare_exchange_n(&shm->minute_of[slot], &seen, minute, 0,
                                                             __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
                memset(row, 0, (apr_size_t)shm->nroutes * sizeof(minute_stats_t));
            }
            else if (seen > minute) {
                return; /* a clock step backwards: skip */
            }
        }
        __atomic_fetch_add(&row[route_index].count, 1, __ATOMIC_RELAXED);
        if (status >= 500) {
            __atomic_fetch_add(&row[route_index].errors, 1, __ATOMIC_RELAXED);
        }
        __atomic_fetch_add(&row[route_index].bucket[b], 1, __ATOMIC_RELAXED);
    }
}

/* Percentile p (0..1) in milliseconds from bucket counts (linear inside a bucket). */
static double percentile_ms(const apr_uint64_t *buckets, apr_uint64_t n, double p)
{
    apr_uint64_t cum = 0, target;
    if (n == 0) {
        return 0.0;
    }
    target = (apr_uint64_t)((double)n * p + 0.999999);
    if (target < 1) {
        target = 1;
    }
    for (int b = 0; b <= NBOUNDS; b++) {
        apr_uint64_t c = buckets[b];
        if (cum + c >= target && c > 0) {
            double lo = b == 0 ? 0.0 : (double)bounds_us[b - 1];
            double hi = b < NBOUNDS ? (double)bounds_us[b] : (double)bounds_us[NBOUNDS - 1] * 2;
            double frac = (double)(target - cum) / (double)c;
            return (lo + (hi - lo) * frac) / 1000.0;
        }
        cum += c;
    }
    return (double)bounds_us[NBOUNDS - 1] / 1000.0;
}

static json_object *ms(double v)
{
    /* three decimals are plenty for milliseconds */
    return json_object_new_double(((double)(apr_int64_t)(v * 1000.0 + 0.5)) / 1000.0);
}

static int require_master_admin(request_rec *r)
{
    const maplat_identity_t *id = NULL;
    maplat_req_t *rq = maplat_req(r);
    if (rq->has_identity) {
        id = &rq->identity;
    }
    if (!id) {
        return HTTP_UNAUTHORIZED;
    }
    if (!id->master_admin) {
        maplat_problem(r, HTTP_FORBIDDEN, "forbidden", "only a platform master admin can see this");
        return DONE;
    }
    return OK;
}

int maplat_perf_endpoints(request_rec *r, const maplat_match_t *m)
{
    json_object *items;
    int rc = require_master_admin(r);
    if (rc != OK) {
        return rc;
    }
    if (!shm) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    items = json_object_new_array();
    for (int i = 0; i < shm->nroutes; i++) {
        const route_stats_t *rs = &shm->routes[i];
        apr_uint64_t buckets[NBOUNDS + 1], n = 0, errors = 0;
        json_object *o;
        for (int b = 0; b <= NBOUNDS; b++) {
            buckets[b] = load(&rs->bucket[b]);
            n += buckets[b];
        }
        if (!n) {
            continue;
        }
        for (int mth = 0; mth < NMETHODS; mth++) {
            for (int st = 0; st < NSTATUS; st++) {
                int code = st < NTRACKED ? tracked[st] : (st - NTRACKED + 1) * 100;
                if (code >= 500) {
                    errors += load(&rs->count[mth][st]);
                }
            }
        }
        o = json_object_new_object();
        json_object_object_add(o, "route",
                               json_object_new_string(maplat_router_template(maplat_g.router, i)));
        json_object_object_add(o, "count", json_object_new_int64((int64_t)n));
        json_object_object_add(o, "errors", json_object_new_int64((int64_t)errors));
        json_object_object_add(o, "error_rate", json_object_new_double((double)errors / (double)n));
        json_object_object_add(o, "p50_ms", ms(percentile_ms(buckets, n, 0.50)));
        json_object_object_add(o, "p95_ms", ms(percentile_ms(buckets, n, 0.95)));
        json_object_object_add(o, "p99_ms", ms(percentile_ms(buckets, n, 0.99)));
        json_object_object_add(o, "mean_ms", ms((double)load(&rs->sum_us) / (double)n / 1000.0));
        json_object_array_add(items, o);
    }
    {
        json_object *out = json_object_new_object();
        json_object_object_add(out, "items", items);
        apr_table_setn(r->headers_out, "Cache-Control", "no-store");
        return maplat_json_send(r, HTTP_OK, out);
    }
}

int maplat_perf_history(request_rec *r, const maplat_match_t *m)
{
    apr_table_t *q = maplat_query(r);
    const char *mins = apr_table_get(q, "minutes"), *route = apr_table_get(q, "route");
    int minutes = 60, only = -1, rc = require_master_admin(r);
    apr_uint64_t now_min;
    json_object *items, *out;

    if (rc != OK) {
        return rc;
    }
    if (mins) {
        apr_int64_t v;
        if (maplat_parse_int(mins, 1, HISTORY_MINUTES, &v) != 0) {
            json_object *errors = NULL;
            maplat_error_add(&errors, "minutes", "must be a whole number from 1 to 1440");
            return maplat_problem_errors(r, HTTP_UNPROCESSABLE_ENTITY, "validation_failed", "invalid query",
                                         errors);
        }
        minutes = (int)v;
    }
    if (route) {
        for (int i = 0; shm && i < shm->nroutes; i++) {
            if (strcmp(maplat_router_template(maplat_g.router, i), route) == 0) {
                only = i;
            }
        }
        if (only < 0) {
            json_object *errors = NULL;
            maplat_error_add(&errors, "route", "is not a route template of this server");
            return maplat_problem_errors(r, HTTP_UNPROCESSABLE_ENTITY, "validation_failed", "invalid query",
                                         errors);
        }
    }
    if (!shm) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    now_min = (apr_uint64_t)apr_time_sec(apr_time_now()) / 60;
    items = json_object_new_array();
    for (apr_uint64_t k = (apr_uint64_t)minutes; k-- > 0;) {
        apr_uint64_t minute = now_min - k;
        apr_size_t slot = (apr_size_t)(minute % HISTORY_MINUTES);
        apr_uint64_t buckets[NBOUNDS + 1] = {0}, n = 0, errors = 0;
        json_object *o = json_object_new_object();
        char stamp[APR_RFC822_DATE_LEN + 8];
        apr_time_exp_t t;
        apr_size_t len;

        if (__atomic_load_n(&shm->minute_of[slot], __ATOMIC_ACQUIRE) == minute) {
            const minute_stats_t *row = &shm->ring[slot * (apr_size_t)shm->nroutes];
            for (int i = 0; i < shm->nroutes; i++) {
                if (only >= 0 && i != only) {
                    continue;
                }
                n += __atomic_load_n(&row[i].count, __ATOMIC_RELAXED);
                errors += __atomic_load_n(&row[i].errors, __ATOMIC_RELAXED);
                for (int b = 0; b <= NBOUNDS; b++) {
                    buckets[b] += __atomic_load_n(&row[i].bucket[b], __ATOMIC_RELAXED);
                }
            }
        }
        apr_time_exp_gmt(&t, apr_time_from_sec((apr_time_t)(minute * 60)));
        apr_strftime(stamp, &len, sizeof(stamp), "%Y-%m-%dT%H:%M:00Z", &t);
        json_object_object_add(o, "minute", json_object_new_string(stamp));
        json_object_object_add(o, "count", json_object_new_int64((int64_t)n));
        json_object_object_add(o, "errors", json_object_new_int64((int64_t)errors));
        json_object_object_add(o, "p50_ms", ms(percentile_ms(buckets, n, 0.50)));
        json_object_object_add(o, "p95_ms", ms(percentile_ms(buckets, n, 0.95)));
        json_object_object_add(o, "p99_ms", ms(percentile_ms(buckets, n, 0.99)));
        json_object_array_add(items, o);
    }
    out = json_object_new_object();
    json_object_object_add(out, "route", route ? json_object_new_string(route) : NULL);
    json_object_object_add(out, "minutes", json_object_new_int(minutes));
    json_object_object_add(out, "items", items);
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    return maplat_json_send(r, HTTP_OK, out);
}

void maplat_metrics_cache(int result)
{
    if (shm && result >= 0 && result < 3) {
        add(&shm->cache[result], 1);
    }
}

void maplat_metrics_cache_breaker(void)
{
    if (shm) {
        add(&shm->cache_breaker, 1);
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
             "# TYPE http_requests_total counter\n",
             r);
    for (int i = 0; i < shm->nroutes; i++) {
        const char *route = maplat_router_template(maplat_g.router, i);
        for (int m = 0; m < NMETHODS; m++) {
            for (int s = 0; s < NSTATUS; s++) {
                apr_uint64_t c = load(&shm->routes[i].count[m][s]);
                if (c) {
                    ap_rprintf(
                        r,
                        "http_requests_total{route=\"%s\",method=\"%s\",status=\"%s\"} %" APR_UINT64_T_FMT
                        "\n",
                        route, method_names[m], status_label(r->pool, s), c);
                }
            }
        }
    }
    ap_rputs("# HELP http_request_duration_seconds Time from reading the request line to logging.\n"
             "# TYPE http_request_duration_seconds histogram\n",
             r);
    for (int i = 0; i < shm->nroutes; i++) {
        const route_stats_t *rs = &shm->routes[i];
        const char *route = maplat_router_template(maplat_g.router, i);
        apr_uint64_t n = load(&rs->n), cum = 0;
        if (!n) {
            continue;
        }
        for (int b = 0; b < NBOUNDS; b++) {
            cum += load(&rs->bucket[b]);
            ap_rprintf(r,
                       "http_request_duration_seconds_bucket{route=\"%s\",le=\"%s\"} %" APR_UINT64_T_FMT "\n",
                       route, bounds_le[b], cum);
        }
        cum += load(&rs->bucket[NBOUNDS]);
        ap_rprintf(r,
                   "http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %" APR_UINT64_T_FMT "\n",
                   route, cum);
        {
            apr_uint64_t sum = load(&rs->sum_us);
            ap_rprintf(r,
                       "http_request_duration_seconds_sum{route=\"%s\"} %" APR_UINT64_T_FMT
                       ".%06" APR_UINT64_T_FMT "\n",
                       route, sum / 1000000, sum % 1000000);
        }
        ap_rprintf(r, "http_request_duration_seconds_count{route=\"%s\"} %" APR_UINT64_T_FMT "\n", route,
                   cum);
    }
    ap_rputs("# HELP maplat_cache_requests_total memcached lookups by result.\n"
             "# TYPE maplat_cache_requests_total counter\n",
             r);
    for (int i = 0; i < 3; i++) {
        ap_rprintf(r, "maplat_cache_requests_total{result=\"%s\"} %" APR_UINT64_T_FMT "\n", cache_results[i],
                   load(&shm->cache[i]));
    }
    ap_rprintf(r,
               "# HELP maplat_cache_breaker_open_total Times memcached was switched off for MaplatCacheRetry "
               "seconds in one child (refused, or timed out several times in a row).\n"
               "# TYPE maplat_cache_breaker_open_total counter\n"
               "maplat_cache_breaker_open_total %" APR_UINT64_T_FMT "\n",
               load(&shm->cache_breaker));
    ap_rprintf(r,
               "# HELP maplat_db_errors_total Failed database connections and statements.\n"
               "# TYPE maplat_db_errors_total counter\n"
               "maplat_db_errors_total %" APR_UINT64_T_FMT "\n",
               load(&shm->db_errors));
    for (int i = 0; i < maplat_g.collectors->nelts; i++) {
        APR_ARRAY_IDX(maplat_g.collectors, i, maplat_metrics_fn)(r);
    }
    return OK;
}
