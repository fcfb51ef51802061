/*
 * Deals: GET/POST /deals, GET/PATCH/DELETE /deals/{id}, GET /deals/{id}/hierarchy.
 */
#include "api.h"
#include "apr_strings.h"
#include "http_protocol.h"

#include <glib.h>

/* The statements take each field by its name (:name, :target_company …). */
static const field_t deal_fields[] = {
    {"name", F_TEXT, 1, 200, 1, 0, NULL},
    {"target_company", F_TEXT, 0, 200, 0, 1, NULL},
    {"stage", F_ENUM, 0, 0, 0, 0, maplat_deal_stage_values},
    {"value", F_MONEY, 0, 0, 0, 0, NULL},
    {"currency", F_CURRENCY, 0, 0, 0, 0, NULL},
    {"description", F_TEXT, 0, 20000, 0, 1, NULL},
    {"archived", F_BOOL, 0, 0, 0, 0, NULL},
};
#define NFIELDS ((int)(sizeof(deal_fields) / sizeof(deal_fields[0])))
#define FIELD_PARAMS "name target_company stage value currency description archived"
#define PATCH_PARAMS                                                                                         \
    "set_name name set_target_company target_company set_stage stage set_value value set_currency currency"  \
    " set_description description set_archived archived"

static const char *const deal_sorts[] = {"created_at", "-created_at", "name", "-name",
                                         "value",      "-value",      NULL};

/* the statements are set in pre_config (api_deals_sql) */
static api_named_resource_t deal_resource = {
    {"deal", "/api/v1/deals", deal_fields, NFIELDS, -1}, NULL, NULL, NULL, NULL};
static const maplat_stmt_t *st_list, *st_hierarchy;

static void api_deals_sql(void)
{
    st_list = api_core->stmt_add(
        "maplat_api_deal_list", "org archived stage like sort " API_PAGE_PARAMS, API_PAGE_COLUMNS,
        "SELECT " API_PAGE_SELECT " FROM maplat_deal_list(:org::uuid, :archived::bool, :stage, :like, :sort,"
        " " API_PAGE_ARGS ")");
    deal_resource.get = api_core->stmt_add(
        "maplat_api_deal_get", "id org", "json version",
        "SELECT maplat_deal_json(d) AS json, d.version FROM deals d"
        " WHERE d.id = :id::uuid AND d.organization_id = :org::uuid AND d.deleted_at IS NULL");
    deal_resource.create = api_core->stmt_add(
        "maplat_api_deal_create", "org " FIELD_PARAMS " user action details ip", "json version id",
        "WITH ins AS (INSERT INTO deals (organization_id, created_by, name, target_company, stage,"
        "   value, currency, description, archived)"
        "   VALUES (:org::uuid, :user::uuid, :name, :target_company, COALESCE(:stage, 'sourcing'),"
        "           COALESCE(:value::numeric, 0), COALESCE(:currency, 'GBP'), :description,"
        "           COALESCE(:archived::bool, false)) RETURNING *)," API_AUDIT_CTE(
            "ins",
            "deal") " SELECT maplat_deal_json(ROW(ins.*)::deals) AS json, ins.version, ins.id FROM ins");
    deal_resource.update = api_core->stmt_add(
        "maplat_api_deal_update", "id org " PATCH_PARAMS " version user action details ip",
        "found json version",
        "WITH cur AS (SELECT id, version FROM deals WHERE id = :id::uuid AND organization_id = :org::uuid"
        "   AND deleted_at IS NULL FOR UPDATE),"
        " upd AS (UPDATE deals d SET"
        "   name = CASE WHEN :set_name::bool THEN :name ELSE d.name END,"
        "   target_company = CASE WHEN :set_target_company::bool THEN :target_company ELSE d.target_company "
        "END,"
        "   stage = CASE WHEN :set_stage::bool THEN :stage ELSE d.stage END,"
        "   value = CASE WHEN :set_value::bool THEN :value::numeric ELSE d.value END,"
        "   currency = CASE WHEN :set_currency::bool THEN :currency ELSE d.currency END,"
        "   description = CASE WHEN :set_description::bool THEN :description ELSE d.description END,"
        "   archived = CASE WHEN :set_archived::bool THEN :archived::bool ELSE d.archived END"
        "   FROM cur WHERE d.id = cur.id AND (:version::int IS NULL OR cur.version = :version::int)"
        "   RETURNING d.*)," API_AUDIT_CTE("upd",
                                           "deal") " SELECT (SELECT count(*) FROM cur) AS found, (SELECT "
                                                   "maplat_deal_json(ROW(upd.*)::deals) FROM upd) AS json,"
                                                   "        (SELECT version FROM upd) AS version");
    deal_resource.del = api_core->stmt_add(
        "maplat_api_deal_delete", "id org user action details ip", "deleted",
        "WITH del AS (UPDATE deals SET deleted_at = now() WHERE id = :id::uuid"
        "   AND organization_id = :org::uuid AND deleted_at IS NULL RETURNING id, "
        "organization_id)," API_AUDIT_CTE("del", "deal") " SELECT count(*) AS deleted FROM del");
    st_hierarchy = api_core->stmt_add(
        "maplat_api_deal_hierarchy", "user role id org", "json version",
        "SELECT json_build_object("
        "  'deal', maplat_deal_json(d),"
        "  'documents', COALESCE((SELECT json_agg(maplat_document_json(doc, lvl.level)"
        "       ORDER BY doc.created_at DESC, doc.id)"
        "     FROM documents doc CROSS JOIN LATERAL"
        "       (SELECT maplat_document_level(doc.id, :user::uuid, :role) AS level) lvl"
        "     WHERE doc.organization_id = d.organization_id AND doc.deal_id = d.id"
        "       AND doc.deleted_at IS NULL AND lvl.level IS NOT NULL), '[]'),"
        "  'tasks', COALESCE((SELECT json_agg(maplat_task_json(t) ORDER BY t.created_at DESC, t.id)"
        "     FROM tasks t WHERE t.organization_id = d.organization_id AND t.deal_id = d.id"
        "       AND t.deleted_at IS NULL), '[]'),"
        "  'latest_ratios', (SELECT maplat_ratios_json(x) FROM financial_ratios x"
        "     WHERE x.organization_id = d.organization_id AND x.deal_id = d.id"
        "     ORDER BY x.created_at DESC, x.id DESC LIMIT 1)) AS json, d.version"
        " FROM deals d WHERE d.id = :id::uuid AND d.organization_id = :org::uuid AND d.deleted_at IS NULL");
}

static int deal_list(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    apr_table_t *q = maplat_query(r);
    json_object *errors = NULL;
    const char *stage = apr_table_get(q, "stage"), *archived;
    const char *text = apr_table_get(q, "q"), *sort, *like = NULL;
    maplat_args_t *a;
    api_page_t pg;

    if (stage) {
        maplat_check_enum(r->pool, &errors, "stage", &maplat_deal_stages, stage);
    }
    archived = api_archived_param(q, &errors);
    sort = api_sort_param(r, q, deal_sorts, &errors);
    if (text && g_utf8_strlen(text, -1) > 200) {
        maplat_error_add(&errors, "q", "must be at most 200 characters");
    }
    if (text && *text) {
        like = api_like(r->pool, text);
    }
    {
        const char *fp[5] = {"deals", sort, archived, stage, like};
        api_page_params(r, q, api_fingerprint(r->pool, 5, fp), &pg, &errors);
    }
    if (errors) {
        return api_invalid(r, errors);
    }
    a = api_core->args(r->pool, st_list);
    api_core->bind(a, "org", id->org_id);
    api_core->bind(a, "archived", archived);
    api_core->bind(a, "stage", stage);
    api_core->bind(a, "like", like);
    api_core->bind(a, "sort", sort);
    return api_page_run(r, a, &pg);
}

static int deal_hierarchy(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    maplat_args_t *a = api_core->args(r->pool, st_hierarchy);
    maplat_rows_t *row = NULL;
    int rc;

    api_core->bind(a, "user", id->user_id);
    api_core->bind(a, "role", id->role);
    api_core->bind(a, "id", maplat_param(m, "id"));
    api_core->bind(a, "org", id->org_id);
    if ((rc = api_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row) {
        return maplat_problem(r, HTTP_NOT_FOUND, "not_found", "deal not found");
    }
    return maplat_raw_json_send(r, HTTP_OK, api_core->col(row, "json"));
}

const char *api_deals_init(apr_pool_t *p)
{
    const char *err;
    api_deals_sql();
    if ((err = api_core->route_add(p, MAPLAT_M_GET, "/api/v1/deals", deal_list)) ||
        (err =
             api_core->route_add_data(p, MAPLAT_M_POST, "/api/v1/deals", api_nres_create, &deal_resource)) ||
        (err =
             api_core->route_add_data(p, MAPLAT_M_GET, "/api/v1/deals/{id}", api_nres_get, &deal_resource)) ||
        (err = api_core->route_add_data(p, MAPLAT_M_PATCH, "/api/v1/deals/{id}", api_nres_update,
                                        &deal_resource)) ||
        (err = api_core->route_add_data(p, MAPLAT_M_DELETE, "/api/v1/deals/{id}", api_nres_delete,
                                        &deal_resource)) ||
        (err = api_core->route_add(p, MAPLAT_M_GET, "/api/v1/deals/{id}/hierarchy", deal_hierarchy))) {
        return err;
    }
    return NULL;
}
