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

#define core export_core

#define AUDIT_CTE(src, action)                                                                               \
    " a AS (INSERT INTO audit_log (organization_id, user_id, action, resource_type, resource_id,"            \
    " details, client_address) SELECT " src ".organization_id, %s::uuid, '" action "', 'export_job', " src   \
    ".id::text, jsonb_build_object('type', " src ".type, 'format', " src ".format), %s::inet FROM " src ")"

static void jobs_sql(void)
{
    core->sql_add(
        "maplat_export_job_create",
        "WITH u AS (SELECT id, role FROM users WHERE id = %s::uuid AND organization_id = %s::uuid),"
        " ex AS (SELECT j.* FROM export_jobs j WHERE %s::text IS NOT NULL"
        "   AND j.organization_id = %s::uuid AND j.idempotency_key = %s),"
        " p AS (SELECT %s::text AS type, %s::text AS format, %s::jsonb AS params),"
        " refok AS (SELECT CASE p.type"
        "   WHEN 'document' THEN EXISTS (SELECT 1 FROM documents d, u"
        "     WHERE d.id = (p.params->>'document_id')::uuid AND d.organization_id = %s::uuid"
        "     AND d.deleted_at IS NULL AND maplat_document_level(d.id, u.id, u.role) IS NOT NULL)"
        "   WHEN 'deal_report' THEN EXISTS (SELECT 1 FROM deals d"
        "     WHERE d.id = (p.params->>'deal_id')::uuid AND d.organization_id = %s::uuid"
        "     AND d.deleted_at IS NULL)"
        "   ELSE true END AS ok FROM p),"
        " cnt AS (SELECT count(*) AS n FROM export_jobs WHERE organization_id = %s::uuid"
        "   AND status = 'pending'),"
        " ins AS (INSERT INTO export_jobs (organization_id, created_by, type, format, params,"
        "   idempotency_key, max_attempts)"
        "   SELECT %s::uuid, u.id, p.type, p.format, p.params, %s, %s::int FROM u, p, refok, cnt"
        "   WHERE refok.ok AND cnt.n < %s::int AND NOT EXISTS (SELECT 1 FROM ex)"
        "   ON CONFLICT (organization_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING"
        "   RETURNING *)," AUDIT_CTE(
            "ins", "export.create") " SELECT (SELECT maplat_export_job_json(ROW(ex.*)::export_jobs) FROM ex),"
                                    "  (SELECT maplat_export_job_json(ROW(ins.*)::export_jobs) FROM ins),"
                                    "  refok.ok, cnt.n FROM refok, cnt");
    core->sql_add("maplat_export_job_by_key",
                  "SELECT maplat_export_job_json(j) FROM export_jobs j"
                  " WHERE j.organization_id = %s::uuid AND j.idempotency_key = %s");
    core->sql_add(
        "maplat_export_job_list",
        "WITH f AS (SELECT j FROM export_jobs j WHERE j.organization_id = %s::uuid"
        "   AND (%s::uuid IS NULL OR j.created_by = %s::uuid) AND (%s::text IS NULL OR j.status = %s)"
        "   ORDER BY j.created_at DESC, j.id DESC)"
        " SELECT (SELECT count(*) FROM f),"
        "  COALESCE((SELECT json_agg(maplat_export_job_json(x.j)) FROM"
        "   (SELECT j FROM f LIMIT %s::int OFFSET %s::int) x), '[]')");
    core->sql_add("maplat_export_job_get", "SELECT maplat_export_job_json(j) FROM export_jobs j"
                                           " WHERE j.id = %s::uuid AND j.organization_id = %s::uuid");
    core->sql_add(
        "maplat_export_job_retry",
        "WITH cur AS (SELECT id, organization_id, status FROM export_jobs"
        "   WHERE id = %s::uuid AND organization_id = %s::uuid FOR UPDATE),"
        " upd AS (UPDATE export_jobs j SET status = 'pending', progress = 0, attempts = 0, error = NULL,"
        "   run_after = now(), locked_by = NULL, locked_at = NULL, lease_expires_at = NULL,"
        "   started_at = NULL, completed_at = NULL, expires_at = NULL, file_path = NULL,"
        "   file_size = NULL, file_name = NULL"
        "   FROM cur WHERE j.id = cur.id AND cur.status IN ('failed', 'canceled') RETURNING j.*)," AUDIT_CTE(
            "upd", "export.retry") " SELECT (SELECT count(*) FROM cur), (SELECT status FROM cur),"
                                   "  (SELECT maplat_export_job_json(ROW(upd.*)::export_jobs) FROM upd)");
    core->sql_add(
        "maplat_export_job_cancel",
        "WITH cur AS (SELECT id, organization_id, status FROM export_jobs"
        "   WHERE id = %s::uuid AND organization_id = %s::uuid FOR UPDATE),"
        " upd AS (UPDATE export_jobs j SET status = 'canceled', locked_by = NULL, locked_at = NULL,"
        "   lease_expires_at = NULL"
        "   FROM cur WHERE j.id = cur.id AND cur.status IN ('pending', 'processing') RETURNING "
        "j.*)," AUDIT_CTE(
            "upd", "export.cancel") " SELECT (SELECT count(*) FROM cur), (SELECT status FROM cur),"
                                    "  (SELECT maplat_export_job_json(ROW(upd.*)::export_jobs) FROM upd)");
    /* the file of a completed job; a document's export only for users who
     * may still see the document */
    core->sql_add(
        "maplat_export_job_download",
        "WITH j AS (SELECT * FROM export_jobs x WHERE x.id = %s::uuid AND x.organization_id = %s::uuid"
        "   AND (x.type <> 'document' OR maplat_document_level((x.params->>'document_id')::uuid,"
        "        %s::uuid, %s) IS NOT NULL)),"
        " ok AS (SELECT * FROM j WHERE j.status = 'completed' AND j.file_path IS NOT NULL"
        "   AND j.expires_at > now()),"
        " a AS (INSERT INTO audit_log (organization_id, user_id, action, resource_type, resource_id,"
        "   details, client_address) SELECT ok.organization_id, %s::uuid, 'export.download',"
        "   'export_job', ok.id::text, jsonb_build_object('format', ok.format, 'file_name', ok.file_name,"
        "   'file_size', ok.file_size), %s::inet FROM ok)"
        " SELECT j.status, j.file_path, j.file_name, j.format,"
        "  (j.status = 'completed' AND (j.file_path IS NULL OR j.expires_at <= now()))::int FROM j");
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
    return core->identity_get(r);
}

#define CALLER(id)                                                                                           \
    const maplat_identity_t *id = caller(r);                                                                 \
    if (!id) {                                                                                               \
        return HTTP_UNAUTHORIZED;                                                                            \
    }                                                                                                        \
    if (!export_conf.dir) {                                                                                  \
        return maplat_problem(r, HTTP_SERVICE_UNAVAILABLE, "unavailable", "exports are not configured");     \
    }

static apr_dbd_row_t *first_row(request_rec *r, apr_dbd_results_t *res)
{
    apr_dbd_row_t *row = NULL;
    return core->db_next(r, res, &row) ? row : NULL;
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
    json_object *v;
    if (!json_object_object_get_ex(params, name, &v) || json_object_is_type(v, json_type_null)) {
        return NULL;
    }
    if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) < 1 ||
        g_utf8_strlen(json_object_get_string(v), -1) > max) {
        maplat_error_add(errors, field, apr_psprintf(p, "must be a string of 1 to %d characters", max));
        return NULL;
    }
    json_object_object_add(clean, name, json_object_new_string(json_object_get_string(v)));
    return json_object_get_string(v);
}

/* ------------------------------------------------------------ handlers */

static int job_create(request_rec *r, const maplat_match_t *m)
{
    CALLER(id);
    json_object *body = NULL, *errors = NULL, *params = NULL, *clean;
    const char *type, *format, *key = apr_table_get(r->headers_in, "Idempotency-Key");
    const char *args[19], *existing, *created, *ok, *pending;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    int rc;

    if (core->read_json(r, &body) != OK) {
        return OK;
    }
    type = maplat_json_str(body, "type");
    format = maplat_json_str(body, "format");
    if (!type || (strcmp(type, "document") && strcmp(type, "deal_report") && strcmp(type, "deals"))) {
        maplat_error_add(&errors, "type", "must be one of document, deal_report, deals");
        type = NULL;
    }
    if (!format || (strcmp(format, "pdf") && strcmp(format, "docx") && strcmp(format, "csv"))) {
        maplat_error_add(&errors, "format", "must be one of pdf, docx, csv");
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
        if (stage && strcmp(stage, "sourcing") && strcmp(stage, "evaluation") &&
            strcmp(stage, "due_diligence") && strcmp(stage, "negotiation") && strcmp(stage, "closing") &&
            strcmp(stage, "won") && strcmp(stage, "lost")) {
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

    args[0] = id->user_id;
    args[1] = id->org_id;
    args[2] = key;
    args[3] = id->org_id;
    args[4] = key;
    args[5] = type;
    args[6] = format;
    args[7] = json_object_to_json_string_ext(clean, JSON_C_TO_STRING_PLAIN);
    args[8] = id->org_id;
    args[9] = id->org_id;
    args[10] = id->org_id;
    args[11] = id->org_id;
    args[12] = key;
    args[13] = apr_itoa(r->pool, export_conf.max_attempts);
    args[14] = apr_itoa(r->pool, export_conf.quota);
    args[15] = id->user_id;
    args[16] = r->useragent_ip;
    if ((rc = core->db_select(r, "maplat_export_job_create", &res, 17, args)) != OK) {
        return rc;
    }
    if (!(row = first_row(r, res))) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    existing = core->db_get(r, row, 0);
    created = core->db_get(r, row, 1);
    ok = core->db_get(r, row, 2);
    pending = core->db_get(r, row, 3);
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
        const char *a2[2] = {id->org_id, key};
        if ((rc = core->db_select(r, "maplat_export_job_by_key", &res, 2, a2)) != OK) {
            return rc;
        }
        if ((row = first_row(r, res))) {
            return maplat_raw_json_send(r, HTTP_ACCEPTED, core->db_get(r, row, 0));
        }
    }
    return HTTP_INTERNAL_SERVER_ERROR;
}

static int job_list(request_rec *r, const maplat_match_t *m)
{
    CALLER(id);
    apr_table_t *q = maplat_query(r);
    json_object *errors = NULL;
    const char *mine = apr_table_get(q, "mine"), *status = apr_table_get(q, "status"), *args[7];
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    int page, size, rc;

    maplat_page_params(q, &page, &size, &errors);
    if (mine && strcmp(mine, "true") && strcmp(mine, "false")) {
        maplat_error_add(&errors, "mine", "must be true or false");
    }
    if (status && strcmp(status, "pending") && strcmp(status, "processing") && strcmp(status, "completed") &&
        strcmp(status, "failed") && strcmp(status, "canceled")) {
        maplat_error_add(&errors, "status",
                         "must be one of pending, processing, completed, failed, canceled");
    }
    if (errors) {
        return invalid(r, errors);
    }
    args[0] = id->org_id;
    args[1] = mine && strcmp(mine, "true") == 0 ? id->user_id : NULL;
    args[2] = args[1];
    args[3] = status;
    args[4] = status;
    args[5] = apr_itoa(r->pool, size);
    args[6] = apr_itoa(r->pool, (page - 1) * size);
    if ((rc = core->db_select(r, "maplat_export_job_list", &res, 7, args)) != OK) {
        return rc;
    }
    if (!(row = first_row(r, res))) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return maplat_list_send(r, core->db_get(r, row, 1), page, size, core->db_get(r, row, 0));
}

static int job_get(request_rec *r, const maplat_match_t *m)
{
    CALLER(id);
    const char *args[2] = {maplat_param(m, "id"), id->org_id};
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    int rc;

    if ((rc = core->db_select(r, "maplat_export_job_get", &res, 2, args)) != OK) {
        return rc;
    }
    if (!(row = first_row(r, res))) {
        return not_found(r);
    }
    return maplat_raw_json_send(r, HTTP_OK, core->db_get(r, row, 0));
}

/* retry and cancel: (found, status, job json) */
static int transition(request_rec *r, const maplat_match_t *m, const char *label, int status_ok,
                      const char *conflict)
{
    const maplat_identity_t *id = caller(r);
    const char *args[4], *job;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    int rc;

    if (!id) {
        return HTTP_UNAUTHORIZED;
    }
    if (!export_conf.dir) {
        return maplat_problem(r, HTTP_SERVICE_UNAVAILABLE, "unavailable", "exports are not configured");
    }
    args[0] = maplat_param(m, "id");
    args[1] = id->org_id;
    args[2] = id->user_id;
    args[3] = r->useragent_ip;
    if ((rc = core->db_select(r, label, &res, 4, args)) != OK) {
        return rc;
    }
    if (!(row = first_row(r, res)) || atoi(core->db_get(r, row, 0) ? core->db_get(r, row, 0) : "0") == 0) {
        return not_found(r);
    }
    if (!(job = core->db_get(r, row, 2))) {
        const char *st = core->db_get(r, row, 1);
        return maplat_problem(r, HTTP_CONFLICT, "conflict",
                              apr_pstrcat(r->pool, conflict, st ? st : "?", ")", NULL));
    }
    return maplat_raw_json_send(r, status_ok, job);
}

static int job_retry(request_rec *r, const maplat_match_t *m)
{
    return transition(r, m, "maplat_export_job_retry", HTTP_ACCEPTED,
                      "only a failed or canceled job can be retried (this one is ");
}

static int job_cancel(request_rec *r, const maplat_match_t *m)
{
    return transition(r, m, "maplat_export_job_cancel", HTTP_OK,
                      "only a pending or processing job can be canceled (this one is ");
}

static int job_download(request_rec *r, const maplat_match_t *m)
{
    CALLER(id);
    const char *args[6] = {maplat_param(m, "id"), id->org_id,     id->user_id, id->role,
                           id->user_id,           r->useragent_ip};
    const char *status, *file, *name, *format, *gone, *path, *ascii, *utf8;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    apr_file_t *fd;
    apr_finfo_t fi;
    apr_bucket_brigade *bb;
    int rc;

    if ((rc = core->db_select(r, "maplat_export_job_download", &res, 6, args)) != OK) {
        return rc;
    }
    if (!(row = first_row(r, res))) {
        return not_found(r);
    }
    status = core->db_get(r, row, 0);
    file = core->db_get(r, row, 1);
    name = core->db_get(r, row, 2);
    format = core->db_get(r, row, 3);
    gone = core->db_get(r, row, 4);
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
    core->cache_invalidate(r, id->org_id);
    /* the stored name must be exactly the server-generated one */
    if (!file || !format || !(path = export_file_name(r->pool, args[0], format)) || strcmp(path, file) != 0) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MAPLAT_LOGNO(04010) "export job %s: unexpected file name",
                      args[0]);
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
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rc, r, MAPLAT_LOGNO(04011) "sending export %s", args[0]);
        return AP_FILTER_ERROR;
    }
    return OK;
}

const char *export_jobs_init(apr_pool_t *pconf)
{
    const char *err;
    jobs_sql();
    if ((err = core->route_add(pconf, MAPLAT_M_GET, "/api/v1/export-jobs", job_list)) ||
        (err = core->route_add(pconf, MAPLAT_M_POST, "/api/v1/export-jobs", job_create)) ||
        (err = core->route_add(pconf, MAPLAT_M_GET, "/api/v1/export-jobs/{id}", job_get)) ||
        (err = core->route_add(pconf, MAPLAT_M_DELETE, "/api/v1/export-jobs/{id}", job_cancel)) ||
        (err = core->route_add(pconf, MAPLAT_M_POST, "/api/v1/export-jobs/{id}/retry", job_retry)) ||
        (err = core->route_add(pconf, MAPLAT_M_GET, "/api/v1/export-jobs/{id}/download", job_download))) {
        return err;
    }
    return NULL;
}
