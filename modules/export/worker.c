/*
 * The export workers: MaplatExportWorkers watchdog instances per httpd child
 * process (mod_watchdog threads, no hand-made ones), each running one
 * callback every POLL_MS:
 *
 *   claim   UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED LIMIT 1)
 *           setting locked_by = host:pid:worker, a lease, attempts + 1;
 *   render  into a temporary file in MaplatExportDir; after every page the
 *           progress is written and the lease renewed (… WHERE locked_by = me
 *           AND status = 'processing': 0 rows = canceled or lease lost → stop);
 *   finish  in one transaction: UPDATE … WHERE locked_by = me, then the
 *           atomic rename to <job id>.<ext>, then COMMIT;
 *   fail    back to pending with exponential backoff, or failed after
 *           max_attempts, with a readable error.
 * Worker 0 of each child also rescues jobs whose lease expired (their worker
 * died) and deletes files past MaplatExportRetention. On child exit
 * (graceful restart/stop) a render in progress stops at the next page and
 * the job is released (pending again, the attempt not counted).
 */
#include "export.h"
#include "apr_strings.h"
#include "apr_file_io.h"
#include "apr_atomic.h"
#include "apr_time.h"
#include "apr_thread_mutex.h"
#include <stdio.h>
#include "apr_thread_proc.h"
#include "mod_watchdog.h"
#include "mpm_common.h"
#include "ap_mpm.h"
#include <unistd.h>
#include <limits.h>

#define POLL_MS 250
#define MAINTENANCE_EVERY (2 * APR_USEC_PER_SEC)

APR_OPTIONAL_FN_TYPE(ap_watchdog_get_instance) * wd_get_instance;
APR_OPTIONAL_FN_TYPE(ap_watchdog_register_callback) * wd_register_callback;

typedef struct {
    int index;
    server_rec *s;
    const char *me; /* locked_by: host:pid:w<index> */
    apr_time_t last_maintenance;
    volatile int busy;
} worker_t;

static worker_t *workers;
static int nworkers;
static volatile int stopping;        /* set when the child exits */
static volatile apr_uint32_t active; /* callbacks in progress (may hold a DB connection) */
static volatile apr_uint32_t alive;  /* workers whose thread runs (health) */
static apr_time_t started;

/* MaplatExportDir's state in this child: probed (a file created, written and
 * removed) at most every DIR_PROBE_EVERY by the workers and at every readiness
 * check; while it fails no job is claimed, so a lost mount or a wrong owner
 * leaves the jobs pending instead of failing them. */
#define DIR_PROBE_EVERY apr_time_from_sec(2)
static apr_thread_mutex_t *dir_mu;
static apr_time_t dir_checked;
static int dir_bad;

static const maplat_stmt_t *st_claim, *st_progress, *st_complete, *st_fail, *st_release, *st_rescue,
    *st_tmp_live, *st_expire, *st_deals_filters, *st_deals_batch;

void export_worker_sql(void)
{
    st_claim = export_core->stmt_add(
        "maplat_export_claim", "me lease", "id type format attempts max_attempts template data",
        "UPDATE export_jobs SET status = 'processing', locked_by = :me, locked_at = now(),"
        "  lease_expires_at = now() + make_interval(secs => :lease::int), attempts = attempts + 1,"
        "  progress = 0, started_at = COALESCE(started_at, now())"
        " WHERE id = (SELECT id FROM export_jobs WHERE status = 'pending' AND run_after <= now()"
        "   ORDER BY run_after, created_at FOR UPDATE SKIP LOCKED LIMIT 1)"
        " RETURNING id, type, format, attempts, max_attempts, params->>'template' AS template,"
        /* a deals CSV streams its rows (maplat_export_deals_batch): its data
         * is everything but the deal list (asked for as another type) */
        "  CASE WHEN type = 'deals' AND format = 'csv'"
        "   THEN maplat_export_data(jsonb_populate_record(export_jobs,"
        "          to_jsonb(export_jobs) || '{\"type\": \"deals_stream\"}'))::text"
        "   ELSE maplat_export_data(export_jobs)::text END AS data");
    /* a deals export's organization and filters (its params, as
     * maplat_export_data in sql/009_export.sql reads them) */
    st_deals_filters =
        export_core->stmt_add("maplat_export_deals_filters", "id", "organization_id archived stage q",
                              "SELECT organization_id, params->>'archived' AS archived, params->>'stage' AS "
                              "stage, params->>'q' AS q"
                              "  FROM export_jobs WHERE id = :id::uuid AND type = 'deals'");
    /* the deals of a deals export, a batch at a time after a position in the
     * order (created_at DESC, id DESC): keyset paging on the index of the
     * organization's live deals by (archived, created_at), stopping after
     * the batch. The filters are parameters (a join with export_jobs would
     * make PostgreSQL sort every matching deal for each batch). The first
     * batch starts before ('infinity', the largest uuid). */
    st_deals_batch = export_core->stmt_add(
        "maplat_export_deals_batch", "org archived stage q after_ts after_id limit", "json created_at id",
        "SELECT maplat_deal_json(d)::text AS json, d.created_at::text AS created_at, d.id::text AS id FROM "
        "deals d"
        " WHERE d.organization_id = :org::uuid AND d.deleted_at IS NULL"
        "   AND d.archived = COALESCE(:archived::bool, false)"
        "   AND (:stage::text IS NULL OR d.stage = :stage::text)"
        "   AND (:q::text IS NULL OR strpos(lower(d.name), lower(:q::text)) > 0"
        "        OR strpos(lower(COALESCE(d.target_company, '')), lower(:q::text)) > 0)"
        "   AND d.created_at <= :after_ts::timestamptz"
        "   AND (d.created_at, d.id) < (:after_ts::timestamptz, :after_id::uuid)"
        " ORDER BY d.created_at DESC, d.id DESC LIMIT :limit::int");
    st_progress =
        export_core->stmt_add("maplat_export_progress", "pct lease id me", "",
                              "UPDATE export_jobs SET progress = GREATEST(progress, :pct::int),"
                              "  lease_expires_at = now() + make_interval(secs => :lease::int)"
                              " WHERE id = :id::uuid AND locked_by = :me AND status = 'processing'");
    st_complete = export_core->stmt_add(
        "maplat_export_complete", "file name size retention id me", "",
        "UPDATE export_jobs SET status = 'completed', progress = 100, file_path = :file,"
        "  file_name = :name, file_size = :size::bigint, completed_at = now(),"
        "  expires_at = now() + make_interval(secs => :retention::int), error = NULL,"
        "  locked_by = NULL, lease_expires_at = NULL"
        " WHERE id = :id::uuid AND locked_by = :me AND status = 'processing'");
    /* backoff: 2, 4, 8 … seconds (at most 5 minutes) */
    st_fail = export_core->stmt_add(
        "maplat_export_fail", "permanent error id me", "",
        "UPDATE export_jobs SET"
        "  status = CASE WHEN attempts >= max_attempts OR :permanent::bool THEN 'failed' ELSE 'pending' END,"
        "  error = CASE WHEN attempts >= max_attempts OR :permanent::bool THEN :error"
        "    ELSE :error || ' (attempt ' || attempts || ' of ' || max_attempts || ', will retry)' END,"
        "  run_after = now() + make_interval(secs => LEAST(300, power(2, attempts))::int),"
        "  progress = 0, locked_by = NULL, lease_expires_at = NULL"
        " WHERE id = :id::uuid AND locked_by = :me AND status = 'processing'");
    st_release = export_core->stmt_add(
        "maplat_export_release", "me", "",
        "UPDATE export_jobs SET status = 'pending', locked_by = NULL, lease_expires_at = NULL,"
        "  progress = 0, attempts = GREATEST(attempts - 1, 0), run_after = now()"
        " WHERE locked_by = :me AND status = 'processing'");
    st_rescue = export_core->stmt_add(
        "maplat_export_rescue", "", "",
        "UPDATE export_jobs SET"
        "  status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'pending' END,"
        "  error = 'the worker rendering this export stopped (attempt ' || attempts || ' of '"
        "    || max_attempts || ')',"
        "  run_after = now(), progress = 0, locked_by = NULL, lease_expires_at = NULL"
        " WHERE status = 'processing' AND lease_expires_at < now()");
    /* is a temporary file's render still running? its job is processing under
     * a live lease held by the worker the file name names (host:pid:wN ends
     * in ":pid:wN") */
    st_tmp_live = export_core->stmt_add(
        "maplat_export_tmp_live", "id owner", "live",
        "SELECT count(*) AS live FROM export_jobs WHERE id = :id::uuid"
        "   AND status = 'processing'"
        "   AND lease_expires_at > now() AND right(locked_by, length(:owner)) = :owner");
    st_expire = export_core->stmt_add(
        "maplat_export_expire", "", "id format",
        "UPDATE export_jobs SET file_path = NULL"
        " WHERE id IN (SELECT id FROM export_jobs WHERE status = 'completed'"
        "   AND expires_at <= now() AND file_path IS NOT NULL LIMIT 100 FOR UPDATE SKIP LOCKED)"
        " RETURNING id, format");
}

/* ------------------------------------------------------------ one job */

typedef struct {
    worker_t *w;
    maplat_db_t *db;
    apr_pool_t *pool; /* the job's (its session's) */
    const char *id;
    apr_time_t last_update;
    int last_pct;
    int lost;      /* canceled, lease lost, or stopping */
    int permanent; /* the render failed for good: no retry */
} job_t;

static int on_progress(void *data, int pct)
{
    job_t *j = data;
    apr_time_t now;

    if (export_conf.test_delay > 0) {
        apr_sleep(apr_time_from_msec(export_conf.test_delay));
    }
    if (stopping) {
        j->lost = 2;
        return 1;
    }
    now = apr_time_now();
    /* at most ~5 writes a second: progress, lease renewal and cancellation check */
    if (pct < 100 && now - j->last_update < apr_time_from_msec(200) && pct - j->last_pct < 50) {
        return 0;
    }
    {
        maplat_args_t *a = export_core->args(j->pool, st_progress);
        int n = 0;
        export_core->bind_int(a, "pct", pct);
        export_core->bind_int(a, "lease", export_conf.lease);
        export_core->bind(a, "id", j->id);
        export_core->bind(a, "me", j->w->me);
        if (export_core->dbs_exec(j->db, a, &n) != OK) {
            return 0; /* the database hiccuped: keep going, the lease is long enough */
        }
        j->last_update = now;
        j->last_pct = pct;
        if (n == 0) {
            j->lost = 1;
            return 1;
        }
    }
    return 0;
}

/* The job's data, as PostgreSQL built it (maplat_export_data). This is our
 * own data, not a client's body: it does not go through maplat_json_parse
 * and its limits for request bodies (MAPLAT_JSON_MAX_VALUES would refuse an
 * export of a few hundred deals). json-c parses it whole, depth-limited. */
#define DATA_MAX_DEPTH 64

static json_object *job_data_parse(apr_pool_t *p, const char *text)
{
    size_t len = strlen(text);
    json_tokener *tok;
    json_object *obj;

    if (len > (size_t)INT_MAX || !(tok = json_tokener_new_ex(DATA_MAX_DEPTH))) {
        return NULL;
    }
    obj = json_tokener_parse_ex(tok, text, (int)len);
    if (json_tokener_get_error(tok) != json_tokener_success || json_tokener_get_parse_end(tok) != len ||
        !json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        obj = NULL;
    }
    json_tokener_free(tok);
    return obj ? maplat_json_own(p, obj) : NULL;
}

/* ------------------------------------------------------------ a deals CSV, streamed */

#define STREAM_BATCH 1000

typedef struct {
    job_t *j;
    const char *org, *archived, *stage, *q; /* the job's organization and filters */
    long done, total;
    char after_ts[64]; /* the last row's created_at (text) and id */
    char after_id[40];
} stream_t;

/* mx_rows_fn: the next batch of deals, on a database session of the batch's
 * pool (its connection goes back to the pool, and its results are freed,
 * when mx_render_csv_stream clears that pool for the next batch). */
static const char *stream_next(void *ctx, apr_pool_t *p, json_object **rows, int *percent)
{
    stream_t *st = ctx;
    maplat_db_t *db = export_core->dbs_session(p, st->j->w->s);
    maplat_args_t *a = export_core->args(p, st_deals_batch);
    maplat_rows_t *rs = NULL;
    json_object *arr;

    export_core->bind(a, "org", st->org);
    export_core->bind(a, "archived", st->archived);
    export_core->bind(a, "stage", st->stage);
    export_core->bind(a, "q", st->q);
    export_core->bind(a, "after_ts", st->after_ts);
    export_core->bind(a, "after_id", st->after_id);
    export_core->bind_int(a, "limit", STREAM_BATCH);
    if (export_core->dbs_rows(db, a, &rs) != OK) {
        return "the deals could not be read (the database failed)";
    }
    arr = maplat_json_own(p, json_object_new_array());
    while (export_core->row_next(rs)) {
        const char *text = export_core->col(rs, "json"), *ts = export_core->col(rs, "created_at"),
                   *id = export_core->col(rs, "id");
        json_object *o = text ? json_tokener_parse(text) : NULL;
        if (!o || !ts || !id || strlen(ts) >= sizeof(st->after_ts) || strlen(id) >= sizeof(st->after_id)) {
            json_object_put(o);
            return "internal error: a deal could not be read";
        }
        json_object_array_add(arr, o);
        apr_cpystrn(st->after_ts, ts, sizeof(st->after_ts));
        apr_cpystrn(st->after_id, id, sizeof(st->after_id));
        st->done++;
    }
    *rows = arr;
    *percent = st->total > 0 ? (int)(st->done * 100 / st->total) : 0;
    return NULL;
}

static const char *render_deals_csv(apr_pool_t *p, job_t *j, mx_doc_t *doc, const char *tmp)
{
    stream_t st;
    apr_pool_t *q;
    memset(&st, 0, sizeof(st));
    st.j = j;
    apr_cpystrn(st.after_ts, "infinity", sizeof(st.after_ts));
    apr_cpystrn(st.after_id, "ffffffff-ffff-ffff-ffff-ffffffffffff", sizeof(st.after_id));
    /* the organization and the filters */
    {
        maplat_args_t *a = export_core->args(p, st_deals_filters);
        maplat_rows_t *row = NULL;
        const char *org, *v;
        export_core->bind(a, "id", j->id);
        if (export_core->dbs_first(j->db, a, &row) != OK || !row ||
            !(org = export_core->col(row, "organization_id"))) {
            return "the export's filters could not be read (the database failed)";
        }
        st.org = apr_pstrdup(p, org);
        st.archived = (v = export_core->col(row, "archived")) ? apr_pstrdup(p, v) : NULL;
        st.stage = (v = export_core->col(row, "stage")) ? apr_pstrdup(p, v) : NULL;
        st.q = (v = export_core->col(row, "q")) ? apr_pstrdup(p, v) : NULL;
    }
    /* the number of rows (jobs.c's count without its bound), for the progress only */
    apr_pool_create(&q, p);
    {
        maplat_db_t *db = export_core->dbs_session(q, j->w->s);
        maplat_args_t *a = export_core->args(q, export_st_deals_count);
        maplat_rows_t *row = NULL;
        export_core->bind(a, "org", st.org);
        export_core->bind(a, "archived", st.archived);
        export_core->bind(a, "stage", st.stage);
        export_core->bind(a, "q", st.q);
        export_core->bind_int(a, "limit", 2147483647);
        if (export_core->dbs_first(db, a, &row) == OK && row) {
            const char *n = export_core->col(row, "n");
            st.total = n ? atol(n) : 0;
        }
    }
    apr_pool_destroy(q);
    return mx_render_csv_stream(p, doc, tmp, stream_next, &st, on_progress, j);
}

static const char *render(apr_pool_t *p, job_t *j, const char *type, const char *format, const char *tpl,
                          const char *data_text, const char *tmp, const char **title)
{
    json_object *data;
    const char *err, *path, *name, *at;
    mx_doc_t *doc;

    if (!(data = job_data_parse(p, data_text))) {
        return "internal error: the job's data could not be read";
    }
    if (strcmp(type, "document") == 0) {
        json_object *d = NULL;
        if (!json_object_object_get_ex(data, "document", &d) || json_object_is_type(d, json_type_null)) {
            return "the document no longer exists or is no longer visible to the requester";
        }
    }
    else if (strcmp(type, "deal_report") == 0) {
        json_object *d = NULL;
        if (!json_object_object_get_ex(data, "deal", &d) || json_object_is_type(d, json_type_null)) {
            return "the deal no longer exists";
        }
    }
    else if (strcmp(type, "deals") == 0 && strcmp(format, "csv") == 0) {
        /* streamed: the template gets an empty list, the rows come batch by batch */
        json_object_object_add(data, "deals", json_object_new_array());
    }
    else if (strcmp(type, "deals") == 0) {
        /* refused at creation above MaplatExportMaxRows; the list grew since */
        json_object *d = NULL;
        if (json_object_object_get_ex(data, "deals", &d) && json_object_is_type(d, json_type_array) &&
            json_object_array_length(d) > (size_t)export_conf.max_rows) {
            j->permanent = 1;
            return apr_psprintf(p,
                                "the deal list grew past " D_MAXROWS " (%d deals) after the export was "
                                "created: export it as csv, or narrow it",
                                export_conf.max_rows);
        }
    }
    name = tpl && mx_template_name_valid(tpl) ? tpl : type;
    path = apr_pstrcat(p, export_conf.templates, "/", name, ".xml", NULL);
    if ((err = mx_build(p, path, data, &doc)) != NULL) {
        /* the template's path is the operator's business, not the client's: name the template instead */
        if ((at = ap_strstr_c(err, path)) != NULL) {
            err =
                apr_pstrcat(p, apr_pstrmemdup(p, err, (apr_size_t)(at - err)), name, at + strlen(path), NULL);
        }
        return apr_pstrcat(p, "template error: ", err, NULL);
    }
    {
        json_object *jt = NULL, *jo;
        if (json_object_object_get_ex(data, "job", &jo) && json_object_object_get_ex(jo, "title", &jt) &&
            json_object_is_type(jt, json_type_string)) {
            doc->title = json_object_get_string(jt);
        }
    }
    *title = doc->title;
    if (export_conf.watermark && strcmp(format, "csv") != 0) {
        json_object *u = NULL, *e = NULL;
        char when[APR_RFC822_DATE_LEN];
        apr_rfc822_date(when, apr_time_now());
        json_object_object_get_ex(data, "user", &u);
        if (u) {
            json_object_object_get_ex(u, "email", &e);
        }
        doc->watermark =
            apr_psprintf(p, "Confidential\n%s\n%s", e ? json_object_get_string(e) : "unknown user", when);
    }
    if (strcmp(format, "pdf") == 0) {
        return mx_render_pdf(p, doc, tmp, on_progress, j);
    }
    if (strcmp(format, "docx") == 0) {
        return mx_render_docx(p, doc, tmp, on_progress, j);
    }
    if (strcmp(type, "deals") == 0) {
        return render_deals_csv(p, j, doc, tmp);
    }
    return mx_render_csv(p, doc, tmp, on_progress, j);
}

static void fail(job_t *j, const char *err, int permanent)
{
    maplat_args_t *a = export_core->args(j->pool, st_fail);
    int n = 0;
    export_core->bind(a, "permanent", permanent ? "t" : "f");
    export_core->bind(a, "error", err);
    export_core->bind(a, "id", j->id);
    export_core->bind(a, "me", j->w->me);
    if (export_core->dbs_exec(j->db, a, &n) != OK) {
        ap_log_error(
            APLOG_MARK, APLOG_ERR, 0, j->w->s,
            MAPLAT_LOGNO(04021) "export job %s: could not record the failure (the lease will expire)", j->id);
    }
}

static void release(worker_t *w, maplat_db_t *db, apr_pool_t *p)
{
    maplat_args_t *a = export_core->args(p, st_release);
    int n = 0;
    export_core->bind(a, "me", w->me);
    if (export_core->dbs_exec(db, a, &n) == OK && n > 0) {
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, w->s,
                     MAPLAT_LOGNO(04022) "export worker %s released %d job(s)", w->me, n);
    }
}

/* Claims and works one job. Returns 1 when there was one. */
static int work_one(worker_t *w, apr_pool_t *p)
{
    maplat_db_t *db = export_core->dbs_session(p, w->s);
    const char *type, *format, *tpl, *data, *tmp, *final, *err, *title = NULL;
    maplat_args_t *a = export_core->args(p, st_claim);
    maplat_rows_t *row = NULL;
    apr_finfo_t fi;
    job_t j;

    export_core->bind(a, "me", w->me);
    export_core->bind_int(a, "lease", export_conf.lease);
    if (export_core->dbs_first(db, a, &row) != OK || !row) {
        return 0;
    }
    /* the directory, probed now: the state the loop checked may be 2 s old;
     * a job that cannot be written goes back (its attempt not counted) */
    if (!export_dir_usable(p, w->s, 1)) {
        release(w, db, p);
        return 0;
    }
    memset(&j, 0, sizeof(j));
    j.w = w;
    j.db = db;
    j.pool = p;
    j.id = apr_pstrdup(p, export_core->col(row, "id"));
    type = apr_pstrdup(p, export_core->col(row, "type"));
    format = apr_pstrdup(p, export_core->col(row, "format"));
    tpl = export_core->col(row, "template");
    tpl = tpl ? apr_pstrdup(p, tpl) : NULL;
    data = export_core->col(row, "data");
    data = data ? apr_pstrdup(p, data) : NULL;
    w->busy = 1;
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, w->s,
                 MAPLAT_LOGNO(04023) "export worker %s claimed job %s (%s/%s)", w->me, j.id, type, format);

    final = export_file_name(p, j.id, format);
    if (!final || !data) {
        fail(&j, "internal error: invalid job", 1);
        w->busy = 0;
        return 1;
    }
    tmp = apr_psprintf(p, "%s/.%s.%" APR_PID_T_FMT ".w%d.tmp", export_conf.dir, j.id, getpid(), w->index);
    {
        apr_time_t t0 = apr_time_now();
        err = render(p, &j, type, format, tpl, data, tmp, &title);
        if (err != MX_ABORTED) {
            export_stats_render(format, apr_time_now() - t0, err == NULL);
        }
    }
    if (err) {
        apr_file_remove(tmp, p);
        if (err == MX_ABORTED) {
            if (j.lost == 2) {
                release(w, db, p); /* shutting down: another worker takes it */
            }
            /* lost == 1: canceled or lease lost: nothing to record */
        }
        else {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, w->s, MAPLAT_LOGNO(04024) "export job %s failed: %s",
                         j.id, err);
            fail(&j, err, j.permanent);
        }
        w->busy = 0;
        return 1;
    }
    if (apr_stat(&fi, tmp, APR_FINFO_SIZE, p) != APR_SUCCESS) {
        fail(&j, "the rendered file vanished", 0);
        w->busy = 0;
        return 1;
    }
    /* finish: only the lease owner; the rename happens while the row is locked */
    {
        const char *ascii, *utf8;
        maplat_args_t *c = export_core->args(p, st_complete);
        int n = 0, ok = 0;
        mx_download_names(p, title, format, &ascii, &utf8);
        export_core->bind(c, "file", final);
        export_core->bind(c, "name", apr_pstrndup(p, utf8, 255));
        export_core->bind_int(c, "size", (apr_int64_t)fi.size);
        export_core->bind_int(c, "retention", export_conf.retention);
        export_core->bind(c, "id", j.id);
        export_core->bind(c, "me", w->me);
        if (export_core->dbs_tx_begin(db) == OK && export_core->dbs_exec(db, c, &n) == OK && n == 1) {
            apr_status_t rv = apr_file_rename(tmp, apr_pstrcat(p, export_conf.dir, "/", final, NULL), p);
            if (rv == APR_SUCCESS && export_core->dbs_tx_end(db, 1) == OK) {
                ok = 1;
            }
            else {
                export_core->dbs_tx_end(db, 0);
                if (rv != APR_SUCCESS) {
                    ap_log_error(APLOG_MARK, APLOG_ERR, rv, w->s,
                                 MAPLAT_LOGNO(04025) "export job %s: rename failed", j.id);
                    fail(&j, "the rendered file could not be stored", 0);
                }
            }
        }
        else {
            export_core->dbs_tx_end(db, 0);
        }
        if (!ok) {
            apr_file_remove(tmp, p);
        }
        else {
            ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, w->s,
                         MAPLAT_LOGNO(04026) "export job %s completed (%" APR_OFF_T_FMT " bytes)", j.id,
                         fi.size);
        }
    }
    w->busy = 0;
    return 1;
}

/* ".<job id>.<pid>.w<index>.tmp" (the temporary name of a render): the job id
 * and ":<pid>:w<index>" (how locked_by ends), or 0. */
static int tmp_name(apr_pool_t *p, const char *name, const char **job, const char **owner)
{
    size_t n = strlen(name);
    const char *d = name + 38, *e;
    if (n < 45 || name[0] != '.' || name[37] != '.' || strcmp(name + n - 4, ".tmp") != 0) {
        return 0;
    }
    *job = apr_pstrndup(p, name + 1, 36);
    if (!maplat_uuid_valid(*job)) {
        return 0;
    }
    for (e = d; *e >= '0' && *e <= '9'; e++) {
    }
    if (e == d || e[0] != '.' || e[1] != 'w' || !(e[2] >= '0' && e[2] <= '9')) {
        return 0;
    }
    for (const char *c = e + 2; c < name + n - 4; c++) {
        if (!(*c >= '0' && *c <= '9')) {
            return 0;
        }
    }
    *owner = apr_pstrcat(p, ":", apr_pstrndup(p, d, (apr_size_t)(e - d)), ":",
                         apr_pstrndup(p, e + 1, (apr_size_t)(name + n - 4 - (e + 1))), NULL);
    return 1;
}

/* Removes temporary files no render is writing any more: those of a worker
 * killed mid-render (kill -9, a crash) once its job is no longer processing
 * under that worker's live lease. A render in progress renews its lease, and
 * a finishing one renames its file inside the transaction that completes the
 * job, so a live file is never taken. At most 200 files per pass. */
static void sweep_tmp(worker_t *w, maplat_db_t *db, apr_pool_t *p)
{
    apr_dir_t *dir;
    apr_finfo_t fi;
    int seen = 0;

    if (apr_dir_open(&dir, export_conf.dir, p) != APR_SUCCESS) {
        return;
    }
    while (seen < 200 && apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, dir) == APR_SUCCESS) {
        const char *job, *owner;
        maplat_args_t *a;
        maplat_rows_t *rows = NULL;
        int live = 1;

        if (fi.filetype != APR_REG || !tmp_name(p, fi.name, &job, &owner)) {
            continue;
        }
        seen++;
        a = export_core->args(p, st_tmp_live);
        export_core->bind(a, "id", job);
        export_core->bind(a, "owner", owner);
        if (export_core->dbs_rows(db, a, &rows) == OK) {
            if (export_core->row_next(rows)) {
                live = strcmp(export_core->col(rows, "live"), "0") != 0;
            }
            while (export_core->row_next(rows)) {
            }
        }
        if (!live && apr_file_remove(apr_pstrcat(p, export_conf.dir, "/", fi.name, NULL), p) == APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_INFO, 0, w->s,
                         MAPLAT_LOGNO(04029) "export: removed %s, left behind by a worker that stopped",
                         fi.name);
        }
    }
    apr_dir_close(dir);
}

static void maintenance(worker_t *w, apr_pool_t *p)
{
    maplat_db_t *db = export_core->dbs_session(p, w->s);
    maplat_rows_t *rows = NULL;
    int n = 0;

    if (export_core->dbs_exec(db, export_core->args(p, st_rescue), &n) == OK && n > 0) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, w->s,
                     MAPLAT_LOGNO(04027) "export: %d job(s) whose worker stopped were put back in the queue",
                     n);
    }
    if (export_core->dbs_rows(db, export_core->args(p, st_expire), &rows) == OK) {
        while (export_core->row_next(rows)) {
            const char *f =
                export_file_name(p, export_core->col(rows, "id"), export_core->col(rows, "format"));
            if (f) {
                apr_file_remove(apr_pstrcat(p, export_conf.dir, "/", f, NULL), p);
            }
        }
    }
    sweep_tmp(w, db, p);
    export_core->dbs_close(db);
}

int export_dir_usable(apr_pool_t *p, server_rec *s, int force)
{
    apr_time_t now = apr_time_now();
    const char *why;
    int was_bad, bad;

    if (!export_conf.dir) {
        return 0;
    }
    if (dir_mu) {
        apr_thread_mutex_lock(dir_mu);
    }
    if (!force && dir_checked && now - dir_checked < DIR_PROBE_EVERY) {
        bad = dir_bad;
        if (dir_mu) {
            apr_thread_mutex_unlock(dir_mu);
        }
        return !bad;
    }
    dir_checked = now;
    if (dir_mu) {
        apr_thread_mutex_unlock(dir_mu);
    }
    why = maplat_dir_probe(p, export_conf.dir);
    if (dir_mu) {
        apr_thread_mutex_lock(dir_mu);
    }
    was_bad = dir_bad;
    dir_bad = bad = why != NULL;
    if (dir_mu) {
        apr_thread_mutex_unlock(dir_mu);
    }
    if (bad && !was_bad) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                     MAPLAT_LOGNO(04032) D_DIR
                     " %s: %s; no export is rendered until this is fixed, jobs wait "
                     "(/api/v1/health/ready: export_workers \"unavailable\")",
                     export_conf.dir, why);
    }
    else if (!bad && was_bad) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                     MAPLAT_LOGNO(04034) D_DIR " %s is writable again: exports resume", export_conf.dir);
    }
    return !bad;
}

static apr_status_t worker_cb(int state, void *data, apr_pool_t *pool)
{
    worker_t *w = data;

    switch (state) {
    case AP_WATCHDOG_STATE_STARTING:
        apr_atomic_inc32(&alive);
        return APR_SUCCESS;
    case AP_WATCHDOG_STATE_RUNNING: {
        /* each iteration's pool is destroyed by mod_watchdog after the call:
         * the job's memory, database session and library handles with it */
        apr_time_t now = apr_time_now();
        apr_atomic_inc32(&active);
        if (stopping) {
            apr_atomic_dec32(&active);
            return APR_SUCCESS;
        }
        if (w->index == 0 && now - w->last_maintenance >= MAINTENANCE_EVERY) {
            apr_pool_t *mp;
            w->last_maintenance = now;
            apr_pool_create(&mp, pool);
            maintenance(w, mp);
            apr_pool_destroy(mp);
        }
        /* the directory first: a job claimed now could only fail */
        for (int i = 0; i < 4 && !stopping && export_dir_usable(pool, w->s, 0); i++) {
            apr_pool_t *jp;
            int worked;
            apr_pool_create(&jp, pool);
            apr_pool_tag(jp, "maplat_export_job");
            worked = work_one(w, jp);
            apr_pool_destroy(jp);
            if (!worked) {
                break;
            }
        }
        apr_atomic_dec32(&active);
        return APR_SUCCESS;
    }
    case AP_WATCHDOG_STATE_STOPPING: {
        /* release whatever this worker still holds (normally nothing) */
        apr_pool_t *sp;
        apr_atomic_inc32(&active);
        if (!stopping) { /* once the child's pools go, mod_dbd's connections are gone */
            apr_pool_create(&sp, pool);
            release(w, export_core->dbs_session(sp, w->s), sp);
            apr_pool_destroy(sp);
        }
        apr_atomic_dec32(&active);
        apr_atomic_dec32(&alive);
        return APR_SUCCESS;
    }
    }
    return APR_SUCCESS;
}

int export_workers_start(apr_pool_t *pconf, apr_pool_t *plog, server_rec *s)
{
    wd_get_instance = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_get_instance);
    wd_register_callback = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_register_callback);
    nworkers = export_conf.workers;
    workers = NULL;
    if (nworkers == 0) {
        return OK;
    }
    if (!wd_get_instance || !wd_register_callback) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     MAPLAT_LOGNO(04030) D_WORKERS
                     " %d needs mod_watchdog: load it (LoadModule watchdog_module …) or set " D_WORKERS " 0",
                     nworkers);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    workers = apr_pcalloc(pconf, sizeof(worker_t) * (size_t)nworkers);
    for (int i = 0; i < nworkers; i++) {
        ap_watchdog_t *wd = NULL;
        const char *name = apr_psprintf(pconf, "maplat-export-%d", i);
        apr_status_t rv = wd_get_instance(&wd, name, 0, 0, pconf);
        workers[i].index = i;
        workers[i].s = s;
        if (rv == APR_SUCCESS) {
            rv = wd_register_callback(wd, apr_time_from_msec(POLL_MS), &workers[i], worker_cb);
        }
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                         MAPLAT_LOGNO(04031) "could not start export worker %d", i);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

/* Runs before the child's pool (and mod_dbd's connection pool in it) goes:
 * renders stop at their next page and release their jobs; wait for the
 * workers to give their database connections back (bounded). */
static apr_status_t child_exit(void *d)
{
    stopping = 1;
    /* mod_dbd destroys its connection pool after this: no worker may still
     * hold a connection then (renders stop at the next page) */
    for (int i = 0; i < 200 && apr_atomic_read32(&active) > 0; i++) { /* at most 10 s */
        apr_sleep(apr_time_from_msec(50));
    }
    return APR_SUCCESS;
}

void export_workers_child_init(apr_pool_t *pchild, server_rec *s)
{
    char host[256];
    if (!workers) {
        return;
    }
    if (gethostname(host, sizeof(host)) != 0) {
        strcpy(host, "localhost");
    }
    host[sizeof(host) - 1] = 0;
    host[100] = 0;
    started = apr_time_now();
    for (int i = 0; i < nworkers; i++) {
        workers[i].me = apr_psprintf(pchild, "%s:%" APR_PID_T_FMT ":w%d", host, getpid(), i);
    }
    if (apr_thread_mutex_create(&dir_mu, APR_THREAD_MUTEX_DEFAULT, pchild) != APR_SUCCESS) {
        dir_mu = NULL; /* the state is then a benign race */
    }
    export_dir_usable(pchild, s, 1); /* logs when it is not */
    /* a pre-cleanup runs before mod_watchdog joins its threads: a render
     * in progress stops at its next page and releases the job */
    apr_pool_pre_cleanup_register(pchild, NULL, child_exit);
}

maplat_health_t export_workers_health(request_rec *r, const char **text)
{
    if (!export_conf.dir) {
        *text = "not configured";
        return MAPLAT_HEALTH_DEGRADED;
    }
    if (!export_dir_usable(r->pool, r->server, 1)) {
        *text = "unavailable";
        return MAPLAT_HEALTH_DEGRADED;
    }
    if (nworkers == 0) {
        *text = "no workers on this server (" D_WORKERS " 0)";
        return MAPLAT_HEALTH_OK;
    }
    if ((int)apr_atomic_read32(&alive) < nworkers) {
        /* threads start a moment after the child */
        if (apr_time_now() - started < apr_time_from_sec(5)) {
            *text = "starting";
            return MAPLAT_HEALTH_OK;
        }
        *text = apr_psprintf(r->pool, "%u of %d workers running", apr_atomic_read32(&alive), nworkers);
        return MAPLAT_HEALTH_DEGRADED;
    }
    *text = "ok";
    return MAPLAT_HEALTH_OK;
}
