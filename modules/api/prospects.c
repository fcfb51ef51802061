/*
 * Prospects (the kanban board): GET/POST /prospects, GET/PATCH/DELETE
 * /prospects/{id}. PATCH {stage} persists a drag-and-drop; with If-Match
 * two users moving the same card cannot silently overwrite each other.
 */
#include "api.h"
#include "apr_strings.h"
#include "http_protocol.h"

static const char *const stages[] = {"new", "contacted", "qualified", "engaged", "converted", "lost", NULL};

static const field_t prospect_fields[] = {
    {"company_name", F_TEXT, 1, 200, 1, 0, NULL}, {"contact_name", F_TEXT, 0, 200, 0, 1, NULL},
    {"contact_email", F_EMAIL, 0, 0, 0, 1, NULL}, {"stage", F_ENUM, 0, 0, 0, 0, stages},
    {"notes", F_TEXT, 0, 20000, 0, 1, NULL},      {"archived", F_BOOL, 0, 0, 0, 0, NULL},
};
#define NFIELDS ((int)(sizeof(prospect_fields) / sizeof(prospect_fields[0])))

static const char *const name_sorts[] = {"created_at", "-created_at", "name", "-name", NULL};

static const api_resource_t prospect_resource = {"prospect", "/api/v1/prospects", prospect_fields, NFIELDS,
                                                 5};

static void prospects_sql(void)
{
    core->sql_add(
        "maplat_api_prospect_list",
        "WITH f AS (SELECT * FROM prospects p WHERE p.organization_id = %s::uuid AND p.deleted_at IS NULL"
        "   AND p.archived = %s::bool AND (%s::text IS NULL OR p.stage = %s))"
        " SELECT (SELECT count(*) FROM f),"
        "  COALESCE((SELECT json_agg(x.j) FROM (SELECT maplat_prospect_json(ROW(f.*)::prospects) AS j FROM f"
        "   ORDER BY CASE WHEN %s = 'name' THEN lower(f.company_name) END ASC,"
        "            CASE WHEN %s = '-name' THEN lower(f.company_name) END DESC,"
        "            CASE WHEN %s = 'created_at' THEN f.created_at END ASC,"
        "            f.created_at DESC, f.id DESC"
        "   LIMIT %s::int OFFSET %s::int) x), '[]')");
    core->sql_add("maplat_api_prospect_get",
                  "SELECT maplat_prospect_json(p), p.version FROM prospects p"
                  " WHERE p.id = %s::uuid AND p.organization_id = %s::uuid AND p.deleted_at IS NULL");
    core->sql_add(
        "maplat_api_prospect_create",
        "WITH ins AS (INSERT INTO prospects (organization_id, created_by, company_name, contact_name,"
        "   contact_email, stage, notes, archived)"
        "   VALUES (%s::uuid, %s::uuid, %s, %s, %s, COALESCE(%s, 'new'), %s, COALESCE(%s::bool, false))"
        "   RETURNING *)," API_AUDIT_CTE(
            "ins",
            "prospect") " SELECT maplat_prospect_json(ROW(ins.*)::prospects), ins.version, ins.id FROM ins");
    core->sql_add(
        "maplat_api_prospect_update",
        "WITH cur AS (SELECT id, version FROM prospects WHERE id = %s::uuid AND organization_id = %s::uuid"
        "   AND deleted_at IS NULL FOR UPDATE),"
        " upd AS (UPDATE prospects p SET"
        "   company_name = CASE WHEN %s::bool THEN %s ELSE p.company_name END,"
        "   contact_name = CASE WHEN %s::bool THEN %s ELSE p.contact_name END,"
        "   contact_email = CASE WHEN %s::bool THEN %s ELSE p.contact_email END,"
        "   stage = CASE WHEN %s::bool THEN %s ELSE p.stage END,"
        "   notes = CASE WHEN %s::bool THEN %s ELSE p.notes END,"
        "   archived = CASE WHEN %s::bool THEN %s::bool ELSE p.archived END"
        "   FROM cur WHERE p.id = cur.id AND (%s::int IS NULL OR cur.version = %s::int) RETURNING "
        "p.*)," API_AUDIT_CTE("upd", "prospect") " SELECT (SELECT count(*) FROM cur), (SELECT "
                                                 "maplat_prospect_json(ROW(upd.*)::prospects) FROM upd),"
                                                 "        (SELECT version FROM upd)");
    core->sql_add("maplat_api_prospect_delete",
                  "WITH del AS (UPDATE prospects SET deleted_at = now() WHERE id = %s::uuid"
                  "   AND organization_id = %s::uuid AND deleted_at IS NULL RETURNING id, "
                  "organization_id)," API_AUDIT_CTE("del", "prospect") " SELECT count(*) FROM del");
}

static int prospect_list(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    apr_table_t *q = maplat_query(r);
    json_object *errors = NULL;
    const char *stage = apr_table_get(q, "stage"), *archived;
    const char *sort, *args[9];
    apr_dbd_results_t *res = NULL;
    int page, size, rc, ok = 0;

    maplat_page_params(q, &page, &size, &errors);
    if (stage) {
        for (const char *const *s = stages; *s; s++) {
            ok |= strcmp(*s, stage) == 0;
        }
        if (!ok) {
            maplat_error_add(&errors, "stage",
                             "must be one of new, contacted, qualified, engaged, converted, lost");
        }
    }
    archived = api_archived_param(q, &errors);
    sort = api_sort_param(r, q, name_sorts, &errors);
    if (errors) {
        return api_invalid(r, errors);
    }
    args[0] = id->org_id;
    args[1] = archived;
    args[2] = stage;
    args[3] = stage;
    args[4] = sort;
    args[5] = sort;
    args[6] = sort;
    args[7] = apr_itoa(r->pool, size);
    args[8] = apr_itoa(r->pool, (page - 1) * size);
    if ((rc = core->db_select(r, "maplat_api_prospect_list", &res, 9, args)) != OK) {
        return rc;
    }
    return api_send_list(r, res, page, size);
}

const char *api_prospects_init(apr_pool_t *p)
{
    const char *err;
    prospects_sql();
    if ((err = core->route_add(p, MAPLAT_M_GET, "/api/v1/prospects", prospect_list)) ||
        (err = core->route_add_data(p, MAPLAT_M_POST, "/api/v1/prospects", api_res_create,
                                    &prospect_resource)) ||
        (err = core->route_add_data(p, MAPLAT_M_GET, "/api/v1/prospects/{id}", api_res_get,
                                    &prospect_resource)) ||
        (err = core->route_add_data(p, MAPLAT_M_PATCH, "/api/v1/prospects/{id}", api_res_update,
                                    &prospect_resource)) ||
        (err = core->route_add_data(p, MAPLAT_M_DELETE, "/api/v1/prospects/{id}", api_res_delete,
                                    &prospect_resource))) {
        return err;
    }
    return NULL;
}
