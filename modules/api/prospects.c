/*
 * Prospects (the kanban board): GET/POST /prospects, GET/PATCH/DELETE
 * /prospects/{id}. PATCH {stage} persists a drag-and-drop; with If-Match
 * two users moving the same card cannot silently overwrite each other.
 */
#include "api.h"
#include "apr_strings.h"
#include "http_protocol.h"

static const field_t prospect_fields[] = {
    {"company_name", F_TEXT, 1, 200, 1, 0, NULL}, {"contact_name", F_TEXT, 0, 200, 0, 1, NULL},
    {"contact_email", F_EMAIL, 0, 0, 0, 1, NULL}, {"stage", F_ENUM, 0, 0, 0, 0, maplat_prospect_stage_values},
    {"notes", F_TEXT, 0, 20000, 0, 1, NULL},      {"archived", F_BOOL, 0, 0, 0, 0, NULL},
};
#define NFIELDS ((int)(sizeof(prospect_fields) / sizeof(prospect_fields[0])))

static const char *const name_sorts[] = {"created_at", "-created_at", "name", "-name", NULL};

#define FIELD_PARAMS "company_name contact_name contact_email stage notes archived"
#define PATCH_PARAMS                                                                                         \
    "set_company_name company_name set_contact_name contact_name set_contact_email contact_email set_stage"  \
    " stage set_notes notes set_archived archived"

/* the statements are set in pre_config (prospects_sql) */
static api_named_resource_t prospect_resource = {
    {"prospect", "/api/v1/prospects", prospect_fields, NFIELDS, -1}, NULL, NULL, NULL, NULL};
static const maplat_stmt_t *st_list;

static void prospects_sql(void)
{
    st_list = api_core->stmt_add(
        "maplat_api_prospect_list", "org archived stage sort " API_PAGE_PARAMS, API_PAGE_COLUMNS,
        "SELECT " API_PAGE_SELECT
        " FROM maplat_prospect_list(:org::uuid, :archived::bool, :stage, :sort, " API_PAGE_ARGS ")");
    prospect_resource.get = api_core->stmt_add(
        "maplat_api_prospect_get", "id org", "json version",
        "SELECT maplat_prospect_json(p) AS json, p.version FROM prospects p"
        " WHERE p.id = :id::uuid AND p.organization_id = :org::uuid AND p.deleted_at IS NULL");
    prospect_resource.create = api_core->stmt_add(
        "maplat_api_prospect_create", "org " FIELD_PARAMS " " API_AUDIT_PARAMS, "json version id",
        "WITH ins AS (INSERT INTO prospects (organization_id, created_by, company_name, contact_name,"
        "   contact_email, stage, notes, archived)"
        "   VALUES (:org::uuid, :user::uuid, :company_name, :contact_name, :contact_email,"
        "           COALESCE(:stage, 'new'), :notes, COALESCE(:archived::bool, false))"
        "   RETURNING *)," API_AUDIT_CTE("ins",
                                         "prospect") " SELECT maplat_prospect_json(ROW(ins.*)::prospects) AS "
                                                     "json, ins.version, ins.id FROM ins");
    prospect_resource.update = api_core->stmt_add(
        "maplat_api_prospect_update", "id org " PATCH_PARAMS " version " API_AUDIT_PARAMS,
        "found json version",
        "WITH cur AS (SELECT id, version FROM prospects WHERE id = :id::uuid AND organization_id = :org::uuid"
        "   AND deleted_at IS NULL FOR UPDATE),"
        " upd AS (UPDATE prospects p SET"
        "   company_name = CASE WHEN :set_company_name::bool THEN :company_name ELSE p.company_name END,"
        "   contact_name = CASE WHEN :set_contact_name::bool THEN :contact_name ELSE p.contact_name END,"
        "   contact_email = CASE WHEN :set_contact_email::bool THEN :contact_email ELSE p.contact_email END,"
        "   stage = CASE WHEN :set_stage::bool THEN :stage ELSE p.stage END,"
        "   notes = CASE WHEN :set_notes::bool THEN :notes ELSE p.notes END,"
        "   archived = CASE WHEN :set_archived::bool THEN :archived::bool ELSE p.archived END"
        "   FROM cur WHERE p.id = cur.id AND (:version::int IS NULL OR cur.version = :version::int)"
        "   RETURNING p.*)," API_AUDIT_CTE(
            "upd",
            "prospect") " SELECT (SELECT count(*) FROM cur) AS found,"
                        "        (SELECT maplat_prospect_json(ROW(upd.*)::prospects) FROM upd) AS json,"
                        "        (SELECT version FROM upd) AS version");
    prospect_resource.del = api_core->stmt_add(
        "maplat_api_prospect_delete", "id org " API_AUDIT_PARAMS, "deleted",
        "WITH del AS (UPDATE prospects SET deleted_at = now() WHERE id = :id::uuid"
        "   AND organization_id = :org::uuid AND deleted_at IS NULL RETURNING id, "
        "organization_id)," API_AUDIT_CTE("del", "prospect") " SELECT count(*) AS deleted FROM del");
}

static int prospect_list(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    apr_table_t *q = maplat_query(r);
    json_object *errors = NULL;
    const char *stage = apr_table_get(q, "stage"), *archived;
    const char *sort;
    maplat_args_t *a;
    api_page_t pg;

    if (stage) {
        maplat_check_enum(r->pool, &errors, "stage", &maplat_prospect_stages, stage);
    }
    archived = api_archived_param(q, &errors);
    sort = api_sort_param(r, q, name_sorts, &errors);
    {
        const char *fp[4] = {"prospects", sort, archived, stage};
        api_page_params(r, q, api_fingerprint(r->pool, 4, fp), &pg, &errors);
    }
    if (errors) {
        return api_invalid(r, errors);
    }
    a = api_core->args(r->pool, st_list);
    api_core->bind(a, "org", id->org_id);
    api_core->bind(a, "archived", archived);
    api_core->bind(a, "stage", stage);
    api_core->bind(a, "sort", sort);
    return api_page_run(r, a, &pg);
}

const char *api_prospects_init(apr_pool_t *p)
{
    const char *err;
    prospects_sql();
    if ((err = api_core->route_add(p, MAPLAT_M_GET, "/api/v1/prospects", prospect_list)) ||
        (err = api_core->route_add_data(p, MAPLAT_M_POST, "/api/v1/prospects", api_nres_create,
                                        &prospect_resource)) ||
        (err = api_core->route_add_data(p, MAPLAT_M_GET, "/api/v1/prospects/{id}", api_nres_get,
                                        &prospect_resource)) ||
        (err = api_core->route_add_data(p, MAPLAT_M_PATCH, "/api/v1/prospects/{id}", api_nres_update,
                                        &prospect_resource)) ||
        (err = api_core->route_add_data(p, MAPLAT_M_DELETE, "/api/v1/prospects/{id}", api_nres_delete,
                                        &prospect_resource))) {
        return err;
    }
    return NULL;
}
