/*
 * The export queue's metrics for /metrics (through the core's metrics_add):
 *
 *   maplat_export_jobs{status}                 jobs in PostgreSQL by status: the
 *                                              whole cluster's queue, the same on
 *                                              every server; read at most every
 *                                              STATS_TTL seconds (memcached holds
 *                                              the counts for every server)
 *   maplat_export_render_duration_seconds      histogram by format of the renders
 *                                              of this server (all its children)
 *   maplat_export_failures_total{format}       failed render attempts
 *
 * The render figures live in one anonymous shared-memory segment created in
 * post_config (the parent; every child inherits it), updated with relaxed
 * atomic additions like the core's request metrics: no lock, no allocation.
 */
#include "export.h"
#include "apr_strings.h"
#include "apr_shm.h"
#include "http_log.h"
#include "http_protocol.h"

#define STATS_TTL 5
#define STATS_KEY "maplat:metrics:export_jobs"

static const char *const formats[] = {"pdf", "docx", "csv"};
#define NFORMATS 3

static const char *const statuses[] = {"pending", "processing", "completed", "failed", "canceled"};
#define NSTATUSES 5

/* bucket upper bounds in milliseconds (last bucket: +Inf) */
static const apr_uint64_t bounds_ms[] = {50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 120000};
#define NBOUNDS ((int)(sizeof(bounds_ms) / sizeof(bounds_ms[0])))
static const char *const bounds_le[NBOUNDS] = {"0.05", "0.1", "0.25", "0.5", "1",  "2.5",
                                               "5",    "10",  "30",   "60",  "120"};

typedef struct {
    apr_uint64_t bucket[NFORMATS][NBOUNDS + 1];
    apr_uint64_t sum_us[NFORMATS];
    apr_uint64_t failures[NFORMATS];
} export_stats_t;

static export_stats_t *stats;

static int format_index(const char *format)
{
    for (int i = 0; format && i < NFORMATS; i++) {
        if (strcmp(formats[i], format) == 0) {
            return i;
        }
    }
    return -1;
}

static apr_status_t stats_cleanup(void *seg)
{
    stats = NULL;
    return apr_shm_destroy(seg);
}

int export_stats_post_config(apr_pool_t *pconf, server_rec *s)
{
    apr_shm_t *seg = NULL;
    apr_status_t rv = apr_shm_create(&seg, sizeof(export_stats_t), NULL, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     MAPLAT_LOGNO(04040) "could not create the shared memory for the export metrics");
        return -1;
    }
    stats = apr_shm_baseaddr_get(seg);
    memset(stats, 0, sizeof(*stats));
    apr_pool_cleanup_register(pconf, seg, stats_cleanup, apr_pool_cleanup_null);
    return 0;
}

void export_stats_render(const char *format, apr_time_t duration, int ok)
{
    int f = format_index(format), b = 0;
    apr_uint64_t ms = duration > 0 ? (apr_uint64_t)apr_time_as_msec(duration) : 0;
    if (!stats || f < 0) {
        return;
    }
    if (!ok) {
        __atomic_fetch_add(&stats->failures[f], 1, __ATOMIC_RELAXED);
        return;
    }
    while (b < NBOUNDS && ms > bounds_ms[b]) {
        b++;
    }
    __atomic_fetch_add(&stats->bucket[f][b], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&stats->sum_us[f], duration > 0 ? (apr_uint64_t)duration : 0, __ATOMIC_RELAXED);
}

static apr_uint64_t load(const apr_uint64_t *x)
{
    return __atomic_load_n(x, __ATOMIC_RELAXED);
}

static const maplat_stmt_t *st_stats;

void export_stats_sql(void)
{
    st_stats = export_core->stmt_add(
        "maplat_export_stats", "", "counts",
        "SELECT string_agg(s.status || '=' || (SELECT count(*) FROM export_jobs j WHERE j.status = s.status),"
        " ' ' ORDER BY s.n) AS counts FROM "
        "unnest(ARRAY['pending','processing','completed','failed','canceled'])"
        " WITH ORDINALITY AS s(status, n)");
}

/* "pending=3 processing=1 …" from memcached (written by whichever server
 * asked last), else from PostgreSQL. NULL when neither answers. */
static const char *job_counts(request_rec *r)
{
    char *val = NULL;
    apr_size_t len = 0;
    maplat_rows_t *rows = NULL;
    const char *text;

    if (export_core->cache_get(r, STATS_KEY, &val, &len) == APR_SUCCESS && val &&
        strncmp(val, "pending=", 8) == 0) {
        return val;
    }
    if (export_core->db_rows(r, export_core->args(r->pool, st_stats), &rows) != OK ||
        !export_core->row_next(rows) || !(text = export_core->col(rows, "counts"))) {
        return NULL;
    }
    text = apr_pstrdup(r->pool, text);
    while (export_core->row_next(rows)) {
    }
    export_core->cache_set(r, STATS_KEY, text, strlen(text), STATS_TTL);
    return text;
}

void export_stats_metrics(request_rec *r)
{
    const char *counts = job_counts(r);

    ap_rputs(
        "# HELP maplat_export_jobs Export jobs in the queue by status (the whole cluster, from PostgreSQL; "
        "at most " APR_STRINGIFY(STATS_TTL) " s old).\n# TYPE maplat_export_jobs gauge\n",
        r);
    if (counts) {
        for (int i = 0; i < NSTATUSES; i++) {
            const char *k = apr_pstrcat(r->pool, statuses[i], "=", NULL), *v = strstr(counts, k);
            apr_int64_t n = 0;
            if (v) {
                v += strlen(k);
                n = apr_atoi64(v);
            }
            ap_rprintf(r, "maplat_export_jobs{status=\"%s\"} %" APR_INT64_T_FMT "\n", statuses[i], n);
        }
    }
    if (!stats) {
        return;
    }
    ap_rputs("# HELP maplat_export_render_duration_seconds Time to render an export, by format "
             "(successful renders of this server's workers).\n"
             "# TYPE maplat_export_render_duration_seconds histogram\n",
             r);
    for (int f = 0; f < NFORMATS; f++) {
        apr_uint64_t cum = 0, sum = load(&stats->sum_us[f]);
        for (int b = 0; b < NBOUNDS; b++) {
            cum += load(&stats->bucket[f][b]);
            ap_rprintf(
                r,
                "maplat_export_render_duration_seconds_bucket{format=\"%s\",le=\"%s\"} %" APR_UINT64_T_FMT
                "\n",
                formats[f], bounds_le[b], cum);
        }
        cum += load(&stats->bucket[f][NBOUNDS]);
        ap_rprintf(
            r,
            "maplat_export_render_duration_seconds_bucket{format=\"%s\",le=\"+Inf\"} %" APR_UINT64_T_FMT "\n",
            formats[f], cum);
        ap_rprintf(r,
                   "maplat_export_render_duration_seconds_sum{format=\"%s\"} %" APR_UINT64_T_FMT
                   ".%06" APR_UINT64_T_FMT "\n",
                   formats[f], sum / 1000000, sum % 1000000);
        ap_rprintf(r, "maplat_export_render_duration_seconds_count{format=\"%s\"} %" APR_UINT64_T_FMT "\n",
                   formats[f], cum);
    }
    ap_rputs(
        "# HELP maplat_export_failures_total Render attempts that failed, by format (each attempt; a job "
        "is retried up to MaplatExportMaxAttempts times).\n"
        "# TYPE maplat_export_failures_total counter\n",
        r);
    for (int f = 0; f < NFORMATS; f++) {
        ap_rprintf(r, "maplat_export_failures_total{format=\"%s\"} %" APR_UINT64_T_FMT "\n", formats[f],
                   load(&stats->failures[f]));
    }
}
