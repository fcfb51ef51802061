/*
 * The audit log: POST /audit-logs (a client-side event), GET /audit-logs
 * (filters resource_type, resource_id, user_id, action; newest first),
 * GET /audit-logs/{id}. There is no route that changes or removes an entry
 * (PUT/PATCH/DELETE answer 405), and the database refuses it as well.
 */
#include "api.h"
#include "apr_strings.h"
#include "http_protocol.h"

static const field_t entry_fields[] = {
    {"action", F_TEXT, 1, 100, 1, 0, NULL},
    {"resource_type", F_TEXT, 1, 100, 1, 0, NULL},
    {"resource_id", F_TEXT, 1, 200, 1, 0, NULL},
    {"timestamp", F_TIMESTAMP, 0, 0, 0, 1, NULL},
};
#define NFIELDS ((int)(sizeof(entry_fields) / sizeof(entry_fields[0])))

static void audit_sql(void)
{
    core->sql_add(
        "maplat_api_audit_list",
        "WITH f AS (SELECT a FROM audit_log a WHERE a.organization_id = %s::uuid"
        "   AND (%s::text IS NULL OR a.resource_type = %s) AND (%s::text IS NULL OR a.resource_id = %s)"
        "   AND (%s::uuid IS NULL OR a.user_id = %s::uuid) AND (%s::text IS NULL OR a.action = %s))"
        " SELECT (SELECT count(*) FROM f),"
        "  COALESCE((SELECT json_agg(maplat_audit_json(x.a)) FROM (SELECT f.a FROM f"
        "   ORDER BY CASE WHEN %s = 'occurred_at' THEN (f.a).occurred_at END ASC,"
        "    CASE WHEN %s = 'occurred_at' THEN (f.a).seq END ASC,"
        "    (f.a).occurred_at DESC, (f.a).seq DESC LIMIT %s::int OFFSET %s::int) x), '[]')");
    core->sql_add("maplat_api_audit_get", "SELECT maplat_audit_json(a) FROM audit_log a WHERE a.id = "
                                          "%s::uuid AND a.organization_id = %s::uuid");
    core->sql_add("maplat_api_audit_create",
                  "INSERT INTO audit_log AS a (organization_id, user_id, action, resource_type, resource_id,"
                  "   client_time, client_address, source)"
                  " VALUES (%s::uuid, %s::uuid, %s, %s, %s, %s::timestamptz, %s::inet, 'client')"
                  " RETURNING maplat_audit_json(a), a.id");
}

static const char *const audit_sorts[] = {"-occurred_at", "occurred_at", NULL};

static int audit_list(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    apr_table_t *q = maplat_query(r);
    json_object *errors = NULL;
    const char *rtype = apr_table_get(q, "resource_type"), *rid = apr_table_get(q, "resource_id");
    const char *uid = apr_table_get(q, "user_id"), *action = apr_table_get(q, "action"), *args[13], *sort;
    apr_dbd_results_t *res = NULL;
    int page, size, rc;

    maplat_page_params(q, &page, &size, &errors);
    /* entries have occurred_at, not created_at: newest first by default */
    sort = apr_table_get(q, "sort") ? api_sort_param(r, q, audit_sorts, &errors) : "-occurred_at";
    if (uid && !maplat_uuid_valid(uid)) {
        maplat_error_add(&errors, "user_id", "must be a UUID");
    }
    if (errors) {
        return api_invalid(r, errors);
    }
    args[0] = id->org_id;
    args[1] = rtype;
    args[2] = rtype;
    args[3] = rid;
    args[4] = rid;
    args[5] = uid;
    args[6] = uid;
    args[7] = action;
    args[8] = action;
    args[9] = sort;
    args[10] = sort;
    args[11] = apr_itoa(r->pool, size);
    args[12] = apr_itoa(r->pool, (page - 1) * size);
    if ((rc = core->db_select(r, "maplat_api_audit_list", &res, 13, args)) != OK) {
        return rc;
    }
    return api_send_list(r, res, page, size);
}

static int audit_get(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    const char *args[2] = {maplat_param(m, "id"), id->org_id};
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    int rc;

    if ((rc = core->db_select(r, "maplat_api_audit_get", &res, 2, args)) != OK) {
        return rc;
    }
    if (!(row = api_row(r, res))) {
        return maplat_problem(r, HTTP_NOT_FOUND, "not_found", "audit entry not found");
    }
    return maplat_raw_json_send(r, HTTP_OK, api_col(r, row, 0));
}

static int audit_create(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    json_object *body = NULL, *errors = NULL;
    field_values_t v;
    const char *args[7];
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    int rc;

    if (core->read_json(r, &body) != OK) {
        return OK;
    }
    if (api_fields(r, body, entry_fields, NFIELDS, 1, &v, &errors) != 0) {
        return api_invalid(r, errors);
    }
    args[0] = id->org_id;
    args[1] = id->user_id;
    args[2] = v.value[0];
    args[3] = v.value[1];
    args[4] = v.value[2];
    args[5] = v.value[3];
    args[6] = r->useragent_ip;
    if ((rc = core->db_select(r, "maplat_api_audit_create", &res, 7, args)) != OK) {
        return rc;
    }
    if (!(row = api_row(r, res))) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, "/api/v1/audit-logs/", api_col(r, row, 1), NULL));
    return maplat_raw_json_send(r, HTTP_CREATED, api_col(r, row, 0));
}

const char *api_audit_init(apr_pool_t *p)
{
    const char *err;
    audit_sql();
    if ((err = core->route_add(p, MAPLAT_M_GET, "/api/v1/audit-logs", audit_list)) ||
        (err = core->route_add(p, MAPLAT_M_POST, "/api/v1/audit-logs", audit_create)) ||
        (err = core->route_add(p, MAPLAT_M_GET, "/api/v1/audit-logs/{id}", audit_get))) {
        return err;
    }
    return NULL;
}
