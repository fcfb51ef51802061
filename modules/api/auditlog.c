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

static const maplat_stmt_t *st_list, *st_get, *st_create; /* set in pre_config */

static void audit_sql(void)
{
    st_list = api_core->stmt_add(
        "maplat_api_audit_list", "org rtype rid uid act sort " API_PAGE_PARAMS, API_PAGE_COLUMNS,
        "SELECT " API_PAGE_SELECT
        " FROM maplat_audit_list(:org::uuid, :rtype, :rid, :uid::uuid, :act, :sort, " API_PAGE_ARGS ")");
    st_get = api_core->stmt_add("maplat_api_audit_get", "id org", "json",
                                "SELECT maplat_audit_json(a) AS json FROM audit_log a WHERE a.id = :id::uuid "
                                "AND a.organization_id = :org::uuid");
    /* the entry is the request's content (a client-side event): the audit
     * insert of the other statements (API_AUDIT_CTE) records a change */
    st_create = api_core->stmt_add(
        "maplat_api_audit_create", "org user action resource_type resource_id timestamp ip", "json id",
        "INSERT INTO audit_log AS a (organization_id, user_id, action, resource_type, resource_id,"
        "   client_time, client_address, source)"
        " VALUES (:org::uuid, :user::uuid, :action, :resource_type, :resource_id, :timestamp::timestamptz,"
        "         :ip::inet, 'client')"
        " RETURNING maplat_audit_json(a) AS json, a.id");
}

static const char *const audit_sorts[] = {"-occurred_at", "occurred_at", NULL};

static int audit_list(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    apr_table_t *q = maplat_query(r);
    json_object *errors = NULL;
    const char *rtype = apr_table_get(q, "resource_type"), *rid = apr_table_get(q, "resource_id");
    const char *uid = apr_table_get(q, "user_id"), *action = apr_table_get(q, "action"), *sort;
    maplat_args_t *a;
    api_page_t pg;

    /* entries have occurred_at, not created_at: newest first by default */
    sort = apr_table_get(q, "sort") ? api_sort_param(r, q, audit_sorts, &errors) : "-occurred_at";
    if (uid && !maplat_uuid_valid(uid)) {
        maplat_error_add(&errors, "user_id", "must be a UUID");
    }
    {
        const char *fp[6] = {"audit-logs", sort, rtype, rid, uid, action};
        api_page_params(r, q, api_fingerprint(r->pool, 6, fp), &pg, &errors);
    }
    if (errors) {
        return api_invalid(r, errors);
    }
    a = api_core->args(r->pool, st_list);
    api_core->bind(a, "org", id->org_id);
    api_core->bind(a, "rtype", rtype);
    api_core->bind(a, "rid", rid);
    api_core->bind(a, "uid", uid);
    api_core->bind(a, "act", action);
    api_core->bind(a, "sort", sort);
    return api_page_run(r, a, &pg);
}

static int audit_get(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    maplat_args_t *a = api_core->args(r->pool, st_get);
    maplat_rows_t *row = NULL;
    int rc;

    api_core->bind(a, "id", maplat_param(m, "id"));
    api_core->bind(a, "org", id->org_id);
    if ((rc = api_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row) {
        return maplat_problem(r, HTTP_NOT_FOUND, "not_found", "audit entry not found");
    }
    return maplat_raw_json_send(r, HTTP_OK, api_core->col(row, "json"));
}

static int audit_create(request_rec *r, const maplat_match_t *m)
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
    if (api_fields(r, body, entry_fields, NFIELDS, 1, &v, &errors) != 0) {
        return api_invalid(r, errors);
    }
    a = api_core->args(r->pool, st_create);
    api_core->bind(a, "org", id->org_id);
    api_core->bind(a, "user", id->user_id);
    api_bind_fields(a, entry_fields, NFIELDS, &v);
    api_core->bind(a, "ip", r->useragent_ip);
    if ((rc = api_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, "/api/v1/audit-logs/", api_core->col(row, "id"), NULL));
    return maplat_raw_json_send(r, HTTP_CREATED, api_core->col(row, "json"));
}

const char *api_audit_init(apr_pool_t *p)
{
    const char *err;
    audit_sql();
    if ((err = api_core->route_add(p, MAPLAT_M_GET, "/api/v1/audit-logs", audit_list)) ||
        (err = api_core->route_add(p, MAPLAT_M_POST, "/api/v1/audit-logs", audit_create)) ||
        (err = api_core->route_add(p, MAPLAT_M_GET, "/api/v1/audit-logs/{id}", audit_get))) {
        return err;
    }
    return NULL;
}
