/*
 * Tasks: GET/POST /tasks (filters status, assignee_id, deal_id),
 * GET/PATCH/DELETE /tasks/{id}. deal_id and assignee_id must name a deal /
 * an active user of the caller's organization (else 422 naming the field),
 * checked in the same statement that writes.
 */
#include "api.h"
#include "apr_strings.h"
#include "http_protocol.h"

static const char *const statuses[] = {"open", "in_progress", "done", NULL};

static const field_t task_fields[] = {
    {"title", F_TEXT, 1, 200, 1, 0, NULL},     {"deal_id", F_UUID, 0, 0, 0, 1, NULL},
    {"assignee_id", F_UUID, 0, 0, 0, 1, NULL}, {"due_date", F_DATE, 0, 0, 0, 1, NULL},
    {"status", F_ENUM, 0, 0, 0, 0, statuses},
};
#define NFIELDS ((int)(sizeof(task_fields) / sizeof(task_fields[0])))

static const char *const task_sorts[] = {"created_at", "-created_at", "due_date", "-due_date", NULL};

static const api_resource_t task_resource = {"task", "/api/v1/tasks", task_fields, NFIELDS, -1};

/* chk: are the referenced deal and assignee in the organization?
 * Parameters: deal, deal, org, assignee, assignee, org. */
#define REFS_CTE                                                                                             \
    "chk AS (SELECT (%s::uuid IS NULL OR EXISTS (SELECT 1 FROM deals WHERE id = %s::uuid"                    \
    "   AND organization_id = %s::uuid AND deleted_at IS NULL)) AS deal_ok,"                                 \
    " (%s::uuid IS NULL OR EXISTS (SELECT 1 FROM users WHERE id = %s::uuid"                                  \
    "   AND organization_id = %s::uuid AND active)) AS assignee_ok)"

static void tasks_sql(void)
{
    core->sql_add(
        "maplat_api_task_list",
        "WITH f AS (SELECT * FROM tasks t WHERE t.organization_id = %s::uuid AND t.deleted_at IS NULL"
        "   AND (%s::text IS NULL OR t.status = %s) AND (%s::uuid IS NULL OR t.assignee_id = %s::uuid)"
        "   AND (%s::uuid IS NULL OR t.deal_id = %s::uuid))"
        " SELECT (SELECT count(*) FROM f),"
        "  COALESCE((SELECT json_agg(x.j) FROM (SELECT maplat_task_json(ROW(f.*)::tasks) AS j FROM f"
        "   ORDER BY CASE WHEN %s = 'due_date' THEN f.due_date END ASC NULLS LAST,"
        "            CASE WHEN %s = '-due_date' THEN f.due_date END DESC NULLS LAST,"
        "            CASE WHEN %s = 'created_at' THEN f.created_at END ASC,"
        "            f.created_at DESC, f.id DESC"
        "   LIMIT %s::int OFFSET %s::int) x), '[]')");
    core->sql_add("maplat_api_task_get",
                  "SELECT maplat_task_json(t), t.version FROM tasks t"
                  " WHERE t.id = %s::uuid AND t.organization_id = %s::uuid AND t.deleted_at IS NULL");
    core->sql_add("maplat_api_task_create",
                  "WITH " REFS_CTE ","
                  " ins AS (INSERT INTO tasks (organization_id, created_by, title, deal_id, assignee_id, "
                  "due_date, status)"
                  "   SELECT %s::uuid, %s::uuid, %s, %s::uuid, %s::uuid, %s::date, COALESCE(%s, 'open')"
                  "   FROM chk WHERE chk.deal_ok AND chk.assignee_ok RETURNING *)," API_AUDIT_CTE(
                      "ins", "task") " SELECT chk.deal_ok, chk.assignee_ok, (SELECT "
                                     "maplat_task_json(ROW(ins.*)::tasks) FROM ins),"
                                     "        (SELECT version FROM ins), (SELECT id FROM ins) FROM chk");
    core->sql_add("maplat_api_task_update",
                  "WITH " REFS_CTE ","
                  " cur AS (SELECT id, version FROM tasks WHERE id = %s::uuid AND organization_id = %s::uuid"
                  "   AND deleted_at IS NULL FOR UPDATE),"
                  " upd AS (UPDATE tasks t SET"
                  "   title = CASE WHEN %s::bool THEN %s ELSE t.title END,"
                  "   deal_id = CASE WHEN %s::bool THEN %s::uuid ELSE t.deal_id END,"
                  "   assignee_id = CASE WHEN %s::bool THEN %s::uuid ELSE t.assignee_id END,"
                  "   due_date = CASE WHEN %s::bool THEN %s::date ELSE t.due_date END,"
                  "   status = CASE WHEN %s::bool THEN %s ELSE t.status END"
                  "   FROM cur, chk WHERE t.id = cur.id AND chk.deal_ok AND chk.assignee_ok"
                  "   AND (%s::int IS NULL OR cur.version = %s::int) RETURNING t.*)," API_AUDIT_CTE(
                      "upd", "task") " SELECT (SELECT count(*) FROM cur), chk.deal_ok, chk.assignee_ok,"
                                     "        (SELECT maplat_task_json(ROW(upd.*)::tasks) FROM upd), (SELECT "
                                     "version FROM upd) FROM chk");
    core->sql_add("maplat_api_task_delete",
                  "WITH del AS (UPDATE tasks SET deleted_at = now() WHERE id = %s::uuid"
                  "   AND organization_id = %s::uuid AND deleted_at IS NULL RETURNING id, "
                  "organization_id)," API_AUDIT_CTE("del", "task") " SELECT count(*) FROM del");
}

static int is_true(const char *v)
{
    return v && v[0] == 't';
}

/* 422 for references outside the organization; 0 when both are fine. */
static int refs_invalid(request_rec *r, const char *deal_ok, const char *assignee_ok)
{
    json_object *errors = NULL;
    if (!is_true(deal_ok)) {
        maplat_error_add(&errors, "deal_id", "no such deal in your organization");
    }
    if (!is_true(assignee_ok)) {
        maplat_error_add(&errors, "assignee_id", "no such active user in your organization");
    }
    if (errors) {
        api_invalid(r, errors);
        return 1;
    }
    return 0;
}

static int task_list(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    apr_table_t *q = maplat_query(r);
    json_object *errors = NULL;
    const char *status = apr_table_get(q, "status"), *assignee = apr_table_get(q, "assignee_id");
    const char *deal = apr_table_get(q, "deal_id"), *sort, *args[12];
    apr_dbd_results_t *res = NULL;
    int page, size, rc;

    maplat_page_params(q, &page, &size, &errors);
    if (status && strcmp(status, "open") && strcmp(status, "in_progress") && strcmp(status, "done")) {
        maplat_error_add(&errors, "status", "must be one of open, in_progress, done");
    }
    if (assignee && !maplat_uuid_valid(assignee)) {
        maplat_error_add(&errors, "assignee_id", "must be a UUID");
    }
    if (deal && !maplat_uuid_valid(deal)) {
        maplat_error_add(&errors, "deal_id", "must be a UUID");
    }
    sort = api_sort_param(r, q, task_sorts, &errors);
    if (errors) {
        return api_invalid(r, errors);
    }
    args[0] = id->org_id;
    args[1] = status;
    args[2] = status;
    args[3] = assignee;
    args[4] = assignee;
    args[5] = deal;
    args[6] = deal;
    args[7] = sort;
    args[8] = sort;
    args[9] = sort;
    args[10] = apr_itoa(r->pool, size);
    args[11] = apr_itoa(r->pool, (page - 1) * size);
    if ((rc = core->db_select(r, "maplat_api_task_list", &res, 12, args)) != OK) {
        return rc;
    }
    return api_send_list(r, res, page, size);
}

static int task_create(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    json_object *body = NULL, *errors = NULL;
    field_values_t v;
    const char *args[17];
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    int rc, n = 0;

    if (core->read_json(r, &body) != OK) {
        return OK;
    }
    if (api_fields(r, body, task_fields, NFIELDS, 1, &v, &errors) != 0) {
        return api_invalid(r, errors);
    }
    args[n++] = v.value[1];
    args[n++] = v.value[1];
    args[n++] = id->org_id;
    args[n++] = v.value[2];
    args[n++] = v.value[2];
    args[n++] = id->org_id;
    args[n++] = id->org_id;
    args[n++] = id->user_id;
    for (int i = 0; i < NFIELDS; i++) {
        args[n++] = v.value[i];
    }
    args[n++] = id->user_id;
    args[n++] = "task.create";
    args[n++] = NULL;
    args[n++] = r->useragent_ip;
    if ((rc = core->db_select(r, "maplat_api_task_create", &res, n, args)) != OK) {
        return rc;
    }
    if (!(row = api_row(r, res))) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (refs_invalid(r, api_col(r, row, 0), api_col(r, row, 1))) {
        return OK;
    }
    api_etag(r, api_col(r, row, 3));
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, "/api/v1/tasks/", api_col(r, row, 4), NULL));
    return maplat_raw_json_send(r, HTTP_CREATED, api_col(r, row, 2));
}

static int task_update(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    json_object *body = NULL, *errors = NULL;
    field_values_t v;
    const char *args[6 + 2 + 2 * NFIELDS + 2 + 4], *version = api_if_match(r);
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    int rc, n = 0;

    if (core->read_json(r, &body) != OK) {
        return OK;
    }
    if (api_fields(r, body, task_fields, NFIELDS, 0, &v, &errors) != 0) {
        return api_invalid(r, errors);
    }
    /* only references being set are checked (NULL passes the check) */
    args[n++] = v.value[1];
    args[n++] = v.value[1];
    args[n++] = id->org_id;
    args[n++] = v.value[2];
    args[n++] = v.value[2];
    args[n++] = id->org_id;
    args[n++] = maplat_param(m, "id");
    args[n++] = id->org_id;
    api_patch_params(&v, NFIELDS, args + n);
    n += 2 * NFIELDS;
    args[n++] = version;
    args[n++] = version;
    args[n++] = id->user_id;
    args[n++] = "task.update";
    args[n++] = api_changed_fields(r->pool, task_fields, NFIELDS, &v);
    args[n++] = r->useragent_ip;
    if ((rc = core->db_select(r, "maplat_api_task_update", &res, n, args)) != OK) {
        return rc;
    }
    if (!(row = api_row(r, res)) || strcmp(api_col(r, row, 0), "0") == 0) {
        return maplat_problem(r, HTTP_NOT_FOUND, "not_found", "task not found");
    }
    if (refs_invalid(r, api_col(r, row, 1), api_col(r, row, 2))) {
        return OK;
    }
    if (!api_col(r, row, 3)) {
        return maplat_problem(r, HTTP_PRECONDITION_FAILED, "precondition_failed",
                              "the task was changed by someone else (If-Match does not match its ETag)");
    }
    api_etag(r, api_col(r, row, 4));
    return maplat_raw_json_send(r, HTTP_OK, api_col(r, row, 3));
}

const char *api_tasks_init(apr_pool_t *p)
{
    const char *err;
    tasks_sql();
    if ((err = core->route_add(p, MAPLAT_M_GET, "/api/v1/tasks", task_list)) ||
        (err = core->route_add(p, MAPLAT_M_POST, "/api/v1/tasks", task_create)) ||
        (err = core->route_add_data(p, MAPLAT_M_GET, "/api/v1/tasks/{id}", api_res_get, &task_resource)) ||
        (err = core->route_add(p, MAPLAT_M_PATCH, "/api/v1/tasks/{id}", task_update)) ||
        (err = core->route_add_data(p, MAPLAT_M_DELETE, "/api/v1/tasks/{id}", api_res_delete,
                                    &task_resource))) {
        return err;
    }
    return NULL;
}
