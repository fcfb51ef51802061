/*
 * The export-jobs API (docs/api.md "Exports", docs/export.md).
 *
 *   POST   /export-jobs                 202 with the job (Idempotency-Key: same job)
 *   GET    /export-jobs?mine=&status=   the organization's (or caller's) jobs
 *   GET    /export-jobs/{id}
 *   POST   /export-jobs/{id}/retry      failed|canceled -> pending (202), else 409
 *   DELETE /export-jobs/{id}            pending|processing -> canceled (200), else 409
 *   GET    /export-jobs/{id}/download   the file (sendfile), 409 unless completed, 410 expired
 *
 * One prepared statement per endpoint, scoped by the caller's organization;
 * mutations write their audit entry in the same statement. The download (a
 * GET) writes one too and invalidates the organization's cached answers
 * itself (the dashboard shows recent activity).
 */
#include "export.h"
#include "apr_strings.h"
#include "apr_buckets.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_filter.h"
#include <glib.h>

/* The audit entry of a statement's row src; parameters :user, :ip. */
#define AUDIT_CTE(src, action)                                                                               \
    " a AS (" MAPLAT_AUDIT_INSERT(src, src ".organization_id", "'" action "'", "'export_job'",               \
                                  src ".id::text",                                                           \
                                  "jsonb_build_object('type', " src ".type, 'format', " src ".format)") ")"

static const maplat_stmt_t *st_create, *st_by_key, *st_list, *st_get, *st_retry, *st_cancel, *st_download;
const maplat_stmt_t *export_st_deals_count; /* the worker counts a streamed export with it */

static void jobs_sql(void)
{
    st_create = export_core->stmt_add(
        "maplat_export_job_create", "user org key type format params max_attempts quota ip",
        "existing created ok pending",
        "WITH u AS (SELECT id, role FROM users WHERE id = :user::uuid AND organization_id = :org::uuid),"
        " ex AS (SELECT j.* FROM export_jobs j WHERE :key::text IS NOT NULL"
        "   AND j.organization_id = :org::uuid AND j.idempotency_key = :key),"
        " p AS (SELECT :type::text AS type, :format::text AS format, :params::jsonb AS params),"
        " refok AS (SELECT CASE p.type"
        "   WHEN 'document' THEN EXISTS (SELECT 1 FROM documents d, u"
        "     WHERE d.id = (p.params->>'document_id')::uuid AND d.organization_id = :org::uuid"
        "     AND d.deleted_at IS NULL AND maplat_document_level(d.id, u.id, u.role) IS NOT NULL)"
        "   WHEN 'deal_report' THEN EXISTS (SELECT 1 FROM deals d"
        "     WHERE d.id = (p.params->>'deal_id')::uuid AND d.organization_id = :org::uuid"
        "     AND d.deleted_at IS NULL)"
        "   ELSE true END AS ok FROM p),"
        " cnt AS (SELECT count(*) AS n FROM export_jobs WHERE organization_id = :org::uuid"
        "   AND status = 'pending'),"
        " ins AS (INSERT INTO export_jobs (organization_id, created_by, type, format, params,"
        "   idempotency_key, max_attempts)"
        "   SELECT :org::uuid, u.id, p.type, p.format, p.params, :key, :max_attempts::int FROM u, p, refok, "
        "cnt"
        "   WHERE refok.ok AND cnt.n < :quota::int AND NOT EXISTS (SELECT 1 FROM ex)"
        "   ON CONFLICT (organization_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING"
        "   RETURNING *)," AUDIT_CTE(
            "ins",
            "export.create") " SELECT (SELECT maplat_export_job_json(ROW(ex.*)::export_jobs) FROM ex) AS "
                             "existing,"
                             "  (SELECT maplat_export_job_json(ROW(ins.*)::export_jobs) FROM ins) AS created,"
                             "  refok.ok, cnt.n AS pending FROM refok, cnt");
    /* how many deals a deals export would hold, counted up to a bound (the
     * filters of maplat_export_data in sql/009_export.sql) */
    export_st_deals_count = export_core->stmt_add(
        "maplat_export_deals_count", "org archived stage q limit", "n",
        "SELECT count(*) AS n FROM (SELECT 1 FROM deals d"
        "  WHERE d.organization_id = :org::uuid AND d.deleted_at IS NULL"
        "    AND d.archived = COALESCE(:archived::bool, false)"
        "    AND (:stage::text IS NULL OR d.stage = :stage::text)"
        "    AND (:q::text IS NULL OR strpos(lower(d.name), lower(:q::text)) > 0"
        "         OR strpos(lower(COALESCE(d.target_company, '')), lower(:q::text)) > 0)"
        "  LIMIT :limit::int) s");
    st_by_key = export_core->stmt_add("maplat_export_job_by_key", "org key", "json",
                                      "SELECT maplat_export_job_json(j) AS json FROM export_jobs j"
                                      " WHERE j.organization_id = :org::uuid AND j.idempotency_key = :key");
    st_list = export_core->stmt_add(
        "maplat_export_job_list", "org mine status limit offset", "total items",
        "WITH f AS (SELECT j FROM export_jobs j WHERE j.organization_id = :org::uuid"
        "   AND (:mine::uuid IS NULL OR j.created_by = :mine::uuid) AND (:status::text IS NULL OR j.status = "
        ":status)"
        "   ORDER BY j.created_at DESC, j.id DESC)"
        " SELECT (SELECT count(*) FROM f) AS total,"
        "  COALESCE((SELECT json_agg(maplat_export_job_json(x.j)) FROM"
        "   (SELECT j FROM f LIMIT :limit::int OFFSET :offset::int) x), '[]') AS items");
    st_get = export_core->stmt_add("maplat_export_job_get", "id org", "json",
                                   "SELECT maplat_export_job_json(j) AS json FROM export_jobs j"
                                   " WHERE j.id = :id::uuid AND j.organization_id = :org::uuid");
    st_retry = export_core->stmt_add(
        "maplat_export_job_retry", "id org user ip", "found status json",
        "WITH cur AS (SELECT id, organization_id, status FROM export_jobs"
        "   WHERE id = :id::uuid AND organization_id = :org::uuid FOR UPDATE),"
        " upd AS (UPDATE export_jobs j SET status = 'pending', progress = 0, attempts = 0, error = NULL,"
        "   run_after = now(), locked_by = NULL, locked_at = NULL, lease_expires_at = NULL,"
        "   started_at = NULL, completed_at = NULL, expires_at = NULL, file_path = NULL,"
        "   file_size = NULL, file_name = NULL"
        "   FROM cur WHERE j.id = cur.id AND cur.status IN ('failed', 'canceled') RETURNING j.*)," AUDIT_CTE(
            "upd",
            "export.retry") " SELECT (SELECT count(*) FROM cur) AS found, (SELECT status FROM cur) AS status,"
                            "  (SELECT maplat_export_job_json(ROW(upd.*)::export_jobs) FROM upd) AS json");
    st_cancel = export_core->stmt_add(
        "maplat_export_job_cancel", "id org user ip", "found status json",
        "WITH cur AS (SELECT id, organization_id, status FROM export_jobs"
        "   WHERE id = :id::uuid AND organization_id = :org::uuid FOR UPDATE),"
        " upd AS (UPDATE export_jobs j SET status = 'canceled', locked_by = NULL, locked_at = NULL,"
        "   lease_expires_at = NULL"
        "   FROM cur WHERE j.id = cur.id AND cur.status IN ('pending', 'processing') RETURNING "
        "j.*)," AUDIT_CTE(
            "upd",
            "export.cancel") " SELECT (SELECT count(*) FROM cur) AS found, (SELECT status FROM cur) AS "
                             "status,"
                             "  (SELECT maplat_export_job_json(ROW(upd.*)::export_jobs) FROM upd) AS json");
    /* the file of a completed job; a document's export only for users who
     * may still see the document */
    st_download = export_core->stmt_add(
        "maplat_export_job_download", "id org user role ip", "status file_path file_name format gone",
        "WITH j AS (SELECT * FROM export_jobs x WHERE x.id = :id::uuid AND x.organization_id = :org::uuid"
        "   AND (x.type <> 'document' OR maplat_document_level((x.params->>'document_id')::uuid,"
        "        :user::uuid, :role) IS NOT NULL)),"
        " ok AS (SELECT * FROM j WHERE j.status = 'completed' AND j.file_path IS NOT NULL"
        "   AND j.expires_at > now()),"
        " a AS (" MAPLAT_AUDIT_INSERT(
            "ok", "ok.organization_id", "'export.download'", "'export_job'", "ok.id::text",
            "jsonb_build_object('format', ok.format, 'file_name', ok.file_name,"
            " 'file_size', ok.file_size)") ")"
                                           " SELECT j.status, j.file_path, j.file_name, j.format,"
                                           "  (j.status = 'completed' AND (j.file_path IS NULL OR "
                                           "j.expires_at <= now()))::int AS gone FROM j");
}

/* ------------------------------------------------------------ helpers */

const char *export_content_type(const char *format)
{
    if (strcmp(format, "pdf") == 0) {
        return "application/pdf";
    }
    if (strcmp(format, "docx") == 0) {
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    }
    return "text/csv; charset=utf-8; header=present";
}

const char *export_file_name(apr_pool_t *p, const char *job_id, const char *format)
{
    /* server-generated: the job id (a UUID from PostgreSQL) and a fixed extension */
    if (!maplat_uuid_valid(job_id) ||
        (strcmp(format, "pdf") != 0 && strcmp(format, "docx") != 0 && strcmp(format, "csv") != 0)) {
        return NULL;
    }
    return apr_pstrcat(p, job_id, ".", format, NULL);
}

static const maplat_identity_t *caller(request_rec *r)
{
    return export_core->identity_get(r);
}

#define CALLER(id)                                                                                           \
    const maplat_identity_t *id = caller(r);                                                                 \
    if (!id) {                                                                                               \
        return HTTP_UNAUTHORIZED;                                                                            \
    }                                                                                                        \
    if (!export_conf.dir) {                                                                                  \
        return maplat_problem(r, HTTP_SERVICE_UNAVAILABLE, "unavailable", "exports are not configured");     \
    }

static int not_found(request_rec *r)
{
    return maplat_problem(r, HTTP_NOT_FOUND, "not_found", "export job not found");
}

static int invalid(request_rec *r, json_object *errors)
{
    return maplat_problem_errors(r, HTTP_UNPROCESSABLE_ENTITY, "validation_failed",
                                 "the request is not valid", errors);
}

/* A string param: present -> must be a string of 1..max characters. */
static const char *param_str(apr_pool_t *p, json_object *params, const char *name, int max, const char *field,
                             json_object **errors, json_object *clean)
{
    const char *v = NULL;
    if (maplat_check_str(p, errors, field, params, name, 1, max, 1, &v) && v) {
        json_object_object_add(clean, name, json_object_new_string(v));
    }
    return v;
}

/* ------------------------------------------------------------ handlers */

static int job_create(request_rec *r, const maplat_match_t *m)
{
    CALLER(id);
    json_object *body = NULL, *errors = NULL, *params = NULL, *clean;
    const char *type, *format, *key = apr_table_get(r->headers_in, "Idempotency-Key");
    const char *existing, *created, *ok, *pending;
    maplat_args_t *a;
    maplat_rows_t *row = NULL;
    int rc;

    if (export_core->read_json(r, &body) != OK) {
        return OK;
    }
    type = maplat_json_str(body, "type");
    format = maplat_json_str(body, "format");
    if (!maplat_check_enum(r->pool, &errors, "type", &maplat_export_types, type)) {
        type = NULL;
    }
    if (!maplat_check_enum(r->pool, &errors, "format", &maplat_export_formats, format)) {
        format = NULL;
    }
    else if (strcmp(format, "csv") == 0 && type && strcmp(type, "deals") != 0) {
        maplat_error_add(&errors, "format", "csv is only available for type deals");
    }
    if (json_object_object_get_ex(body, "params", &params) && !json_object_is_type(params, json_type_null) &&
        !json_object_is_type(params, json_type_object)) {
        maplat_error_add(&errors, "params", "must be an object");
        params = NULL;
    }
    if (params && json_object_is_type(params, json_type_null)) {
        params = NULL;
    }
    /* only the known parameters are kept (no mass assignment) */
    clean = maplat_json_own(r->pool, json_object_new_object());
    if (params) {
        param_str(r->pool, params, "title", 300, "params.title", &errors, clean);
    }
    if (type && strcmp(type, "document") == 0) {
        const char *doc =
            params ? param_str(r->pool, params, "document_id", 36, "params.document_id", &errors, clean)
                   : NULL;
        const char *tpl =
            params ? param_str(r->pool, params, "template", 64, "params.template", &errors, clean) : NULL;
        if (!doc || !maplat_uuid_valid(doc)) {
            maplat_error_add(&errors, "params.document_id", "must be the id of a document");
        }
        if (tpl) {
            if (!mx_template_name_valid(tpl)) {
                maplat_error_add(&errors, "params.template", "must be a template name ([a-z0-9_]{1,64})");
            }
            else {
                apr_finfo_t fi;
                const char *f = apr_pstrcat(r->pool, export_conf.templates, "/", tpl, ".xml", NULL);
                if (apr_stat(&fi, f, APR_FINFO_TYPE, r->pool) != APR_SUCCESS || fi.filetype != APR_REG) {
                    maplat_error_add(&errors, "params.template", "no such template");
                }
            }
        }
    }
    else if (type && strcmp(type, "deal_report") == 0) {
        const char *deal =
            params ? param_str(r->pool, params, "deal_id", 36, "params.deal_id", &errors, clean) : NULL;
        if (!deal || !maplat_uuid_valid(deal)) {
            maplat_error_add(&errors, "params.deal_id", "must be the id of a deal");
        }
    }
    else if (type && params) { /* deals: the /deals filters */
        const char *stage = param_str(r->pool, params, "stage", 20, "params.stage", &errors, clean);
        json_object *arch;
        param_str(r->pool, params, "q", 200, "params.q", &errors, clean);
        if (stage && !maplat_enum_has(&maplat_deal_stages, stage)) {
            maplat_error_add(&errors, "params.stage", "is not a deal stage");
        }
        if (json_object_object_get_ex(params, "archived", &arch) &&
            !json_object_is_type(arch, json_type_null)) {
            if (!json_object_is_type(arch, json_type_boolean)) {
                maplat_error_add(&errors, "params.archived", "must be true or false");
            }
            else {
                json_object_object_add(clean, "archived",
                                       json_object_new_boolean(json_object_get_boolean(arch)));
            }
        }
    }
    if (key && (!*key || strlen(key) > 200)) {
        maplat_error_add(&errors, "Idempotency-Key", "must be 1 to 200 characters");
    }
    /* errors stays NULL if json-c cannot allocate it: test type and format too */
    if (errors || !type || !format) {
        return invalid(r, errors);
    }

    /* a PDF/DOCX of the deal list holds the whole list in memory while it is
     * laid out: refused here, at creation, when it would exceed
     * MaplatExportMaxRows (counted up to the limit + 1, so the count stays
     * cheap); CSV streams any number of rows */
    if (strcmp(type, "deals") == 0 && strcmp(format, "csv") != 0) {
        json_object *arch = NULL;
        const char *count;
        long n;
        a = export_core->args(r->pool, export_st_deals_count);
        export_core->bind(a, "org", id->org_id);
        export_core->bind(a, "archived",
                          json_object_object_get_ex(clean, "archived", &arch)
                              ? (json_object_get_boolean(arch) ? "t" : "f")
                              : NULL);
        export_core->bind(a, "stage", maplat_json_str(clean, "stage"));
        export_core->bind(a, "q", maplat_json_str(clean, "q"));
        export_core->bind_int(a, "limit", (apr_int64_t)export_conf.max_rows + 1);
        if ((rc = export_core->db_first(r, a, &row)) != OK) {
            return rc;
        }
        n = row && (count = export_core->col(row, "n")) ? atol(count) : 0;
        if (n > export_conf.max_rows) {
            json_object *e = NULL;
            const char *msg =
                apr_psprintf(r->pool,
                             "a %s export of deals holds at most %d deals (" D_MAXROWS "); this one "
                             "would hold more: export it as csv, or narrow it with params.stage, "
                             "params.q or params.archived",
                             format, export_conf.max_rows);
            maplat_error_add(&e, "format", msg);
            return maplat_problem_errors(r, HTTP_UNPROCESSABLE_ENTITY, "validation_failed", msg, e);
        }
        row = NULL;
    }

    a = export_core->args(r->pool, st_create);
    export_core->bind(a, "user", id->user_id);
    export_core->bind(a, "org", id->org_id);
    export_core->bind(a, "key", key);
    export_core->bind(a, "type", type);
    export_core->bind(a, "format", format);
    export_core->bind(a, "params", json_object_to_json_string_ext(clean, JSON_C_TO_STRING_PLAIN));
    export_core->bind_int(a, "max_attempts", export_conf.max_attempts);
    export_core->bind_int(a, "quota", export_conf.quota);
    export_core->bind(a, "ip", r->useragent_ip);
    if ((rc = export_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    existing = export_core->col(row, "existing");
    created = export_core->col(row, "created");
    ok = export_core->col(row, "ok");
    pending = export_core->col(row, "pending");
    if (existing) {
        return maplat_raw_json_send(r, HTTP_ACCEPTED, existing);
    }
    if (created) {
        apr_table_setn(
            r->headers_out, "Location",
            apr_pstrcat(r->pool, "/api/v1/export-jobs/",
                        maplat_json_str(maplat_json_own(r->pool, json_tokener_parse(created)), "id"), NULL));
        return maplat_raw_json_send(r, HTTP_ACCEPTED, created);
    }
    if (!ok || strcmp(ok, "t") != 0) {
        json_object *e = NULL;
        maplat_error_add(&e, strcmp(type, "document") == 0 ? "params.document_id" : "params.deal_id",
                         strcmp(type, "document") == 0 ? "no such document" : "no such deal");
        return invalid(r, e);
    }
    if (pending && atoi(pending) >= export_conf.quota) {
        apr_table_setn(r->err_headers_out, "Retry-After", "30");
        return maplat_problem(r, HTTP_TOO_MANY_REQUESTS, "rate_limited",
                              apr_psprintf(r->pool,
                                           "your organization has %d pending export jobs (the limit)",
                                           export_conf.quota));
    }
    if (key) { /* lost an idempotency race: the other request's job */
        a = export_core->args(r->pool, st_by_key);
        export_core->bind(a, "org", id->org_id);
        export_core->bind(a, "key", key);
        if ((rc = export_core->db_first(r, a, &row)) != OK) {
            return rc;
        }
        if (row) {
            return maplat_raw_json_send(r, HTTP_ACCEPTED, export_core->col(row, "json"));
        }
    }
    return HTTP_INTERNAL_SERVER_ERROR;
}

static int job_list(request_rec *r, const maplat_match_t *m)
{
    CALLER(id);
    apr_table_t *q = maplat_query(r);
    json_object *errors = NULL;
    const char *mine = apr_table_get(q, "mine"), *status = apr_table_get(q, "status");
    maplat_args_t *a;
    maplat_rows_t *row = NULL;
    int page, size, rc;

    maplat_page_params(q, &page, &size, &errors);
    if (mine && strcmp(mine, "true") && strcmp(mine, "false")) {
        maplat_error_add(&errors, "mine", "must be true or false");
    }
    if (status) {
        maplat_check_enum(r->pool, &errors, "status", &maplat_export_statuses, status);
    }
    if (errors) {
        return invalid(r, errors);
    }
    a = export_core->args(r->pool, st_list);
    export_core->bind(a, "org", id->org_id);
    export_core->bind(a, "mine", mine && strcmp(mine, "true") == 0 ? id->user_id : NULL);
    export_core->bind(a, "status", status);
    export_core->bind_int(a, "limit", size);
    export_core->bind_int(a, "offset", (apr_int64_t)(page - 1) * size);
    if ((rc = export_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return maplat_list_send(r, export_core->col(row, "items"), page, size, export_core->col(row, "total"));
}

static int job_get(request_rec *r, const maplat_match_t *m)
{
    CALLER(id);
    maplat_args_t *a = export_core->args(r->pool, st_get);
    maplat_rows_t *row = NULL;
    int rc;

    export_core->bind(a, "id", maplat_param(m, "id"));
    export_core->bind(a, "org", id->org_id);
    if ((rc = export_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row) {
        return not_found(r);
    }
    return maplat_raw_json_send(r, HTTP_OK, export_core->col(row, "json"));
}

/* retry and cancel: (found, status, job json) */
static int transition(request_rec *r, const maplat_match_t *m, const maplat_stmt_t *st, int status_ok,
                      const char *conflict)
{
    const maplat_identity_t *id = caller(r);
    const char *job, *found;
    maplat_args_t *a;
    maplat_rows_t *row = NULL;
    int rc;

    if (!id) {
        return HTTP_UNAUTHORIZED;
    }
    if (!export_conf.dir) {
        return maplat_problem(r, HTTP_SERVICE_UNAVAILABLE, "unavailable", "exports are not configured");
    }
    a = export_core->args(r->pool, st);
    export_core->bind(a, "id", maplat_param(m, "id"));
    export_core->bind(a, "org", id->org_id);
    export_core->bind(a, "user", id->user_id);
    export_core->bind(a, "ip", r->useragent_ip);
    if ((rc = export_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row || atoi((found = export_core->col(row, "found")) ? found : "0") == 0) {
        return not_found(r);
    }
    if (!(job = export_core->col(row, "json"))) {
        const char *status = export_core->col(row, "status");
        return maplat_problem(r, HTTP_CONFLICT, "conflict",
                              apr_pstrcat(r->pool, conflict, status ? status : "?", ")", NULL));
    }
    return maplat_raw_json_send(r, status_ok, job);
}

static int job_retry(request_rec *r, const maplat_match_t *m)
{
    return transition(r, m, st_retry, HTTP_ACCEPTED,
                      "only a failed or canceled job can be retried (this one is ");
}

static int job_cancel(request_rec *r, const maplat_match_t *m)
{
    return transition(r, m, st_cancel, HTTP_OK,
                      "only a pending or processing job can be canceled (this one is ");
}

static int job_download(request_rec *r, const maplat_match_t *m)
{
    CALLER(id);
    const char *job_id = maplat_param(m, "id");
    const char *status, *file, *name, *format, *gone, *path, *ascii, *utf8;
    maplat_args_t *a = export_core->args(r->pool, st_download);
    maplat_rows_t *row = NULL;
    apr_file_t *fd;
    apr_finfo_t fi;
    apr_bucket_brigade *bb;
    int rc;

    export_core->bind(a, "id", job_id);
    export_core->bind(a, "org", id->org_id);
    export_core->bind(a, "user", id->user_id);
    export_core->bind(a, "role", id->role);
    export_core->bind(a, "ip", r->useragent_ip);
    if ((rc = export_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row) {
        return not_found(r);
    }
    status = export_core->col(row, "status");
    file = export_core->col(row, "file_path");
    name = export_core->col(row, "file_name");
    format = export_core->col(row, "format");
    gone = export_core->col(row, "gone");
    if (gone && strcmp(gone, "1") == 0) {
        return maplat_problem(r, HTTP_GONE, "gone", "the export's file has expired");
    }
    if (!status || strcmp(status, "completed") != 0) {
        return maplat_problem(
            r, HTTP_CONFLICT, "conflict",
            apr_psprintf(r->pool, "the export job is %s, not completed", status ? status : "?"));
    }
    /* the statement wrote the export.download audit entry (it is committed:
     * no transaction), and the dashboard's recent activity lists audit
     * entries: the core bumps the cache generation after mutations only, and
     * this is a GET, so bump it here, before a byte of the file leaves */
    export_core->cache_invalidate(r, id->org_id);
    /* the stored name must be exactly the server-generated one */
    if (!file || !format || !(path = export_file_name(r->pool, job_id, format)) || strcmp(path, file) != 0) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MAPLAT_LOGNO(04010) "export job %s: unexpected file name",
                      job_id);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    path = apr_pstrcat(r->pool, export_conf.dir, "/", file, NULL);
    if (apr_file_open(&fd, path, APR_FOPEN_READ | APR_FOPEN_BINARY | APR_FOPEN_SENDFILE_ENABLED,
                      APR_OS_DEFAULT, r->pool) != APR_SUCCESS ||
        apr_file_info_get(&fi, APR_FINFO_SIZE, fd) != APR_SUCCESS) {
        /* removed by the retention clean-up a moment ago */
        return maplat_problem(r, HTTP_GONE, "gone", "the export's file has expired");
    }
    mx_download_names(r->pool, name ? name : "export", format, &ascii, &utf8);
    ap_set_content_type(r, export_content_type(format));
    ap_set_content_length(r, fi.size);
    apr_table_setn(r->headers_out, "Content-Disposition", mx_content_disposition(r->pool, ascii, utf8));
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    apr_table_setn(r->headers_out, "Cache-Control", "private, no-store");
    if (r->header_only) {
        return OK;
    }
    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    apr_brigade_insert_file(bb, fd, 0, fi.size, r->pool);
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(r->connection->bucket_alloc));
    if ((rc = ap_pass_brigade(r->output_filters, bb)) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rc, r, MAPLAT_LOGNO(04011) "sending export %s", job_id);
        return AP_FILTER_ERROR;
    }
    return OK;
}

const char *export_jobs_init(apr_pool_t *pconf)
{
    const char *err;
    jobs_sql();
    if ((err = export_core->route_add(pconf, MAPLAT_M_GET, "/api/v1/export-jobs", job_list)) ||
        (err = export_core->route_add(pconf, MAPLAT_M_POST, "/api/v1/export-jobs", job_create)) ||
        (err = export_core->route_add(pconf, MAPLAT_M_GET, "/api/v1/export-jobs/{id}", job_get)) ||
        (err = export_core->route_add(pconf, MAPLAT_M_DELETE, "/api/v1/export-jobs/{id}", job_cancel)) ||
        (err = export_core->route_add(pconf, MAPLAT_M_POST, "/api/v1/export-jobs/{id}/retry", job_retry)) ||
        (err = export_core->route_add(pconf, MAPLAT_M_GET | MAPLAT_R_STREAM,
                                      "/api/v1/export-jobs/{id}/download", job_download))) {
        return err;
    }
    return NULL;
}
