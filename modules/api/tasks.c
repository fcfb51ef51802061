/*
 * Tasks: GET/POST /tasks (filters status, assignee_id, deal_id),
 * GET/PATCH/DELETE /tasks/{id}. deal_id and assignee_id must name a deal /
 * an active user of the caller's organization (else 422 naming the field),
 * checked in the same statement that writes.
 */
#include "api.h"
#include "apr_strings.h"
#include "http_protocol.h"

static const field_t task_fields[] = {
    {"title", F_TEXT, 1, 200, 1, 0, NULL},
    {"deal_id", F_UUID, 0, 0, 0, 1, NULL},
    {"assignee_id", F_UUID, 0, 0, 0, 1, NULL},
    {"due_date", F_DATE, 0, 0, 0, 1, NULL},
    {"status", F_ENUM, 0, 0, 0, 0, maplat_task_status_values},
};
#define NFIELDS ((int)(sizeof(task_fields) / sizeof(task_fields[0])))

static const char *const task_sorts[] = {"created_at", "-created_at", "due_date", "-due_date", NULL};

/* the statements are set in pre_config (tasks_sql) */
static api_named_resource_t task_resource = {
    {"task", "/api/v1/tasks", task_fields, NFIELDS, -1}, NULL, NULL, NULL, NULL};
static const maplat_stmt_t *st_list, *st_create, *st_update;

#define FIELD_PARAMS "title deal_id assignee_id due_date status"
#define PATCH_PARAMS                                                                                         \
    "set_title title set_deal_id deal_id set_assignee_id assignee_id set_due_date due_date set_status"       \
    " status"

/* chk: are the referenced deal (:deal_id) and assignee (:assignee_id) in the
 * organization (:org)? */
#define REFS_CTE                                                                                             \
    "chk AS (SELECT (:deal_id::uuid IS NULL OR EXISTS (SELECT 1 FROM deals WHERE id = :deal_id::uuid"        \
    "   AND organization_id = :org::uuid AND deleted_at IS NULL)) AS deal_ok,"                               \
    " (:assignee_id::uuid IS NULL OR EXISTS (SELECT 1 FROM users WHERE id = :assignee_id::uuid"              \
    "   AND organization_id = :org::uuid AND active)) AS assignee_ok)"

static void tasks_sql(void)
{
    st_list = api_core->stmt_add(
        "maplat_api_task_list", "org status assignee deal sort " API_PAGE_PARAMS, API_PAGE_COLUMNS,
        "SELECT " API_PAGE_SELECT " FROM maplat_task_list(:org::uuid, :status, :assignee::uuid, :deal::uuid,"
        " :sort, " API_PAGE_ARGS ")");
    task_resource.get = api_core->stmt_add(
        "maplat_api_task_get", "id org", "json version",
        "SELECT maplat_task_json(t) AS json, t.version FROM tasks t"
        " WHERE t.id = :id::uuid AND t.organization_id = :org::uuid AND t.deleted_at IS NULL");
    st_create = api_core->stmt_add(
        "maplat_api_task_create", "org " FIELD_PARAMS " " API_AUDIT_PARAMS,
        "deal_ok assignee_ok json version id",
        "WITH " REFS_CTE ","
        " ins AS (INSERT INTO tasks (organization_id, created_by, title, deal_id, assignee_id, due_date, "
        "status)"
        "   SELECT :org::uuid, :user::uuid, :title, :deal_id::uuid, :assignee_id::uuid, :due_date::date,"
        "          COALESCE(:status, 'open')"
        "   FROM chk WHERE chk.deal_ok AND chk.assignee_ok RETURNING *)," API_AUDIT_CTE(
            "ins",
            "task") " SELECT chk.deal_ok, chk.assignee_ok, (SELECT maplat_task_json(ROW(ins.*)::tasks) FROM "
                    "ins) AS json,"
                    "        (SELECT version FROM ins) AS version, (SELECT id FROM ins) AS id FROM chk");
    /* only references being set are checked (NULL passes the check) */
    st_update = api_core->stmt_add(
        "maplat_api_task_update", "id org " PATCH_PARAMS " version " API_AUDIT_PARAMS,
        "found deal_ok assignee_ok json version",
        "WITH " REFS_CTE ","
        " cur AS (SELECT id, version FROM tasks WHERE id = :id::uuid AND organization_id = :org::uuid"
        "   AND deleted_at IS NULL FOR UPDATE),"
        " upd AS (UPDATE tasks t SET"
        "   title = CASE WHEN :set_title::bool THEN :title ELSE t.title END,"
        "   deal_id = CASE WHEN :set_deal_id::bool THEN :deal_id::uuid ELSE t.deal_id END,"
        "   assignee_id = CASE WHEN :set_assignee_id::bool THEN :assignee_id::uuid ELSE t.assignee_id END,"
        "   due_date = CASE WHEN :set_due_date::bool THEN :due_date::date ELSE t.due_date END,"
        "   status = CASE WHEN :set_status::bool THEN :status ELSE t.status END"
        "   FROM cur, chk WHERE t.id = cur.id AND chk.deal_ok AND chk.assignee_ok"
        "   AND (:version::int IS NULL OR cur.version = :version::int) RETURNING t.*)," API_AUDIT_CTE(
            "upd", "task") " SELECT (SELECT count(*) FROM cur) AS found, chk.deal_ok, chk.assignee_ok,"
                           "        (SELECT maplat_task_json(ROW(upd.*)::tasks) FROM upd) AS json,"
                           "        (SELECT version FROM upd) AS version FROM chk");
    task_resource.del = api_core->stmt_add(
        "maplat_api_task_delete", "id org " API_AUDIT_PARAMS, "deleted",
        "WITH del AS (UPDATE tasks SET deleted_at = now() WHERE id = :id::uuid"
        "   AND organization_id = :org::uuid AND deleted_at IS NULL RETURNING id, "
        "organization_id)," API_AUDIT_CTE("del", "task") " SELECT count(*) AS deleted FROM del");
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
    const char *deal = apr_table_get(q, "deal_id"), *sort;
    maplat_args_t *a;
    api_page_t pg;

    if (status) {
        maplat_check_enum(r->pool, &errors, "status", &maplat_task_statuses, status);
    }
    if (assignee && !maplat_uuid_valid(assignee)) {
        maplat_error_add(&errors, "assignee_id", "must be a UUID");
    }
    if (deal && !maplat_uuid_valid(deal)) {
        maplat_error_add(&errors, "deal_id", "must be a UUID");
    }
    sort = api_sort_param(r, q, task_sorts, &errors);
    {
        const char *fp[5] = {"tasks", sort, status, assignee, deal};
        api_page_params(r, q, api_fingerprint(r->pool, 5, fp), &pg, &errors);
    }
    if (errors) {
        return api_invalid(r, errors);
    }
    a = api_core->args(r->pool, st_list);
    api_core->bind(a, "org", id->org_id);
    api_core->bind(a, "status", status);
    api_core->bind(a, "assignee", assignee);
    api_core->bind(a, "deal", deal);
    api_core->bind(a, "sort", sort);
    return api_page_run(r, a, &pg);
}

static int task_create(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    json_object *body = NULL, *errors = NULL;
    field_values_t v;
    maplat_args_t *a;
    maplat_rows_t *row = NULL;
    int rc;

    if (api_core->read_json(r, &body) != OK) {
        return OK;
    }
    if (api_fields(r, body, task_fields, NFIELDS, 1, &v, &errors) != 0) {
        return api_invalid(r, errors);
    }
    a = api_core->args(r->pool, st_create);
    api_core->bind(a, "org", id->org_id);
    api_bind_fields(a, task_fields, NFIELDS, &v);
    api_bind_audit(r, a, "task.create", NULL);
    if ((rc = api_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (refs_invalid(r, api_core->col(row, "deal_ok"), api_core->col(row, "assignee_ok"))) {
        return OK;
    }
    api_etag(r, api_core->col(row, "version"));
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, "/api/v1/tasks/", api_core->col(row, "id"), NULL));
    return maplat_raw_json_send(r, HTTP_CREATED, api_core->col(row, "json"));
}

static int task_update(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    json_object *body = NULL, *errors = NULL;
    field_values_t v;
    maplat_args_t *a;
    maplat_rows_t *row = NULL;
    const char *found, *json;
    int rc;

    if (api_core->read_json(r, &body) != OK) {
        return OK;
    }
    if (api_fields(r, body, task_fields, NFIELDS, 0, &v, &errors) != 0) {
        return api_invalid(r, errors);
    }
    a = api_core->args(r->pool, st_update);
    api_core->bind(a, "id", maplat_param(m, "id"));
    api_core->bind(a, "org", id->org_id);
    api_bind_patch(r->pool, a, task_fields, NFIELDS, &v);
    api_core->bind(a, "version", api_if_match(r));
    api_bind_audit(r, a, "task.update", api_changed_fields(r->pool, task_fields, NFIELDS, &v));
    if ((rc = api_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row || !(found = api_core->col(row, "found")) || strcmp(found, "0") == 0) {
        return maplat_problem(r, HTTP_NOT_FOUND, "not_found", "task not found");
    }
    if (refs_invalid(r, api_core->col(row, "deal_ok"), api_core->col(row, "assignee_ok"))) {
        return OK;
    }
    if (!(json = api_core->col(row, "json"))) {
        return maplat_problem(r, HTTP_PRECONDITION_FAILED, "precondition_failed",
                              "the task was changed by someone else (If-Match does not match its ETag)");
    }
    api_etag(r, api_core->col(row, "version"));
    return maplat_raw_json_send(r, HTTP_OK, json);
}

const char *api_tasks_init(apr_pool_t *p)
{
    const char *err;
    tasks_sql();
    if ((err = api_core->route_add(p, MAPLAT_M_GET, "/api/v1/tasks", task_list)) ||
        (err = api_core->route_add(p, MAPLAT_M_POST, "/api/v1/tasks", task_create)) ||
        (err =
             api_core->route_add_data(p, MAPLAT_M_GET, "/api/v1/tasks/{id}", api_nres_get, &task_resource)) ||
        (err = api_core->route_add(p, MAPLAT_M_PATCH, "/api/v1/tasks/{id}", task_update)) ||
        (err = api_core->route_add_data(p, MAPLAT_M_DELETE, "/api/v1/tasks/{id}", api_nres_delete,
                                        &task_resource))) {
        return err;
    }
    return NULL;
}
