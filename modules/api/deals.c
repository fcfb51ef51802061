/*
 * Deals: GET/POST /deals, GET/PATCH/DELETE /deals/{id}, GET /deals/{id}/hierarchy.
 */
#include "api.h"
#include "apr_strings.h"
#include "http_protocol.h"

#include <glib.h>

static const char *const stages[] = {"sourcing", "evaluation", "due_diligence", "negotiation",
                                     "closing",  "won",        "lost",          NULL};

/* Order matters: the SQL below takes the values in this order. */
static const field_t deal_fields[] = {
    {"name", F_TEXT, 1, 200, 1, 0, NULL},       {"target_company", F_TEXT, 0, 200, 0, 1, NULL},
    {"stage", F_ENUM, 0, 0, 0, 0, stages},      {"value", F_MONEY, 0, 0, 0, 0, NULL},
    {"currency", F_CURRENCY, 0, 0, 0, 0, NULL}, {"description", F_TEXT, 0, 20000, 0, 1, NULL},
    {"archived", F_BOOL, 0, 0, 0, 0, NULL},
};
#define NFIELDS ((int)(sizeof(deal_fields) / sizeof(deal_fields[0])))

static const char *const deal_sorts[] = {"created_at", "-created_at", "name", "-name",
                                         "value",      "-value",      NULL};

static const api_resource_t deal_resource = {"deal", "/api/v1/deals", deal_fields, NFIELDS, 6};

/* Shared ORDER BY for the sort parameter (repeated 5 times). */
#define SORT_SQL(t)                                                                                          \
    " ORDER BY CASE WHEN %s = 'name' THEN lower(" t ".name) END ASC,"                                        \
    " CASE WHEN %s = '-name' THEN lower(" t ".name) END DESC,"                                               \
    " CASE WHEN %s = 'value' THEN " t ".value END ASC,"                                                      \
    " CASE WHEN %s = '-value' THEN " t ".value END DESC,"                                                    \
    " CASE WHEN %s = 'created_at' THEN " t ".created_at END ASC,"                                            \
    " " t ".created_at DESC, " t ".id DESC"

static void api_deals_sql(void)
{
    core->sql_add(
        "maplat_api_deal_list",
        "WITH f AS (SELECT * FROM deals d WHERE d.organization_id = %s::uuid AND d.deleted_at IS NULL"
        "   AND d.archived = %s::bool AND (%s::text IS NULL OR d.stage = %s)"
        "   AND (%s::text IS NULL OR lower(d.name) LIKE %s ESCAPE '\\'"
        "        OR lower(COALESCE(d.target_company, '')) LIKE %s ESCAPE '\\'))"
        " SELECT (SELECT count(*) FROM f),"
        "  COALESCE((SELECT json_agg(x.j) FROM (SELECT maplat_deal_json(ROW(f.*)::deals) AS j FROM "
        "f" SORT_SQL("f") " LIMIT %s::int OFFSET %s::int) x), '[]')");
    core->sql_add("maplat_api_deal_get",
                  "SELECT maplat_deal_json(d), d.version FROM deals d"
                  " WHERE d.id = %s::uuid AND d.organization_id = %s::uuid AND d.deleted_at IS NULL");
    core->sql_add(
        "maplat_api_deal_create",
        "WITH ins AS (INSERT INTO deals (organization_id, created_by, name, target_company, stage,"
        "   value, currency, description, archived)"
        "   VALUES (%s::uuid, %s::uuid, %s, %s, COALESCE(%s, 'sourcing'), COALESCE(%s::numeric, 0),"
        "           COALESCE(%s, 'GBP'), %s, COALESCE(%s::bool, false)) RETURNING *)," API_AUDIT_CTE(
            "ins", "deal") " SELECT maplat_deal_json(ROW(ins.*)::deals), ins.version, ins.id FROM ins");
    core->sql_add(
        "maplat_api_deal_update",
        "WITH cur AS (SELECT id, version FROM deals WHERE id = %s::uuid AND organization_id = %s::uuid"
        "   AND deleted_at IS NULL FOR UPDATE),"
        " upd AS (UPDATE deals d SET"
        "   name = CASE WHEN %s::bool THEN %s ELSE d.name END,"
        "   target_company = CASE WHEN %s::bool THEN %s ELSE d.target_company END,"
        "   stage = CASE WHEN %s::bool THEN %s ELSE d.stage END,"
        "   value = CASE WHEN %s::bool THEN %s::numeric ELSE d.value END,"
        "   currency = CASE WHEN %s::bool THEN %s ELSE d.currency END,"
        "   description = CASE WHEN %s::bool THEN %s ELSE d.description END,"
        "   archived = CASE WHEN %s::bool THEN %s::bool ELSE d.archived END"
        "   FROM cur WHERE d.id = cur.id AND (%s::int IS NULL OR cur.version = %s::int) RETURNING "
        "d.*)," API_AUDIT_CTE("upd", "deal") " SELECT (SELECT count(*) FROM cur), (SELECT "
                                             "maplat_deal_json(ROW(upd.*)::deals) FROM upd),"
                                             "        (SELECT version FROM upd)");
    core->sql_add("maplat_api_deal_delete",
                  "WITH del AS (UPDATE deals SET deleted_at = now() WHERE id = %s::uuid"
                  "   AND organization_id = %s::uuid AND deleted_at IS NULL RETURNING id, "
                  "organization_id)," API_AUDIT_CTE("del", "deal") " SELECT count(*) FROM del");
    core->sql_add(
        "maplat_api_deal_hierarchy",
        "SELECT json_build_object("
        "  'deal', maplat_deal_json(d),"
        "  'documents', COALESCE((SELECT json_agg(maplat_document_json(doc, lvl.level)"
        "       ORDER BY doc.created_at DESC, doc.id)"
        "     FROM documents doc CROSS JOIN LATERAL"
        "       (SELECT maplat_document_level(doc.id, %s::uuid, %s) AS level) lvl"
        "     WHERE doc.organization_id = d.organization_id AND doc.deal_id = d.id"
        "       AND doc.deleted_at IS NULL AND lvl.level IS NOT NULL), '[]'),"
        "  'tasks', COALESCE((SELECT json_agg(maplat_task_json(t) ORDER BY t.created_at DESC, t.id)"
        "     FROM tasks t WHERE t.organization_id = d.organization_id AND t.deal_id = d.id"
        "       AND t.deleted_at IS NULL), '[]'),"
        "  'latest_ratios', (SELECT maplat_ratios_json(x) FROM financial_ratios x"
        "     WHERE x.organization_id = d.organization_id AND x.deal_id = d.id"
        "     ORDER BY x.created_at DESC, x.id DESC LIMIT 1)), d.version"
        " FROM deals d WHERE d.id = %s::uuid AND d.organization_id = %s::uuid AND d.deleted_at IS NULL");
}

static int deal_list(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    apr_table_t *q = maplat_query(r);
    json_object *errors = NULL;
    const char *stage = apr_table_get(q, "stage"), *archived;
    const char *text = apr_table_get(q, "q"), *sort, *like = NULL;
    const char *args[14];
    apr_dbd_results_t *res = NULL;
    int page, size, rc, ok = 0;

    maplat_page_params(q, &page, &size, &errors);
    if (stage) {
        for (const char *const *s = stages; *s; s++) {
            ok |= strcmp(*s, stage) == 0;
        }
        if (!ok) {
            maplat_error_add(&errors, "stage",
                             "must be one of sourcing, evaluation, due_diligence, "
                             "negotiation, closing, won, lost");
        }
    }
    archived = api_archived_param(q, &errors);
    sort = api_sort_param(r, q, deal_sorts, &errors);
    if (text && g_utf8_strlen(text, -1) > 200) {
        maplat_error_add(&errors, "q", "must be at most 200 characters");
    }
    if (errors) {
        return api_invalid(r, errors);
    }
    if (text && *text) {
        like = api_like(r->pool, text);
    }
    args[0] = id->org_id;
    args[1] = archived;
    args[2] = stage;
    args[3] = stage;
    args[4] = like;
    args[5] = like;
    args[6] = like;
    for (int i = 7; i < 12; i++) {
        args[i] = sort;
    }
    args[12] = apr_itoa(r->pool, size);
    args[13] = apr_itoa(r->pool, (page - 1) * size);
    if ((rc = core->db_select(r, "maplat_api_deal_list", &res, 14, args)) != OK) {
        return rc;
    }
    return api_send_list(r, res, page, size);
}

static int deal_hierarchy(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    const char *args[4] = {id->user_id, id->role, maplat_param(m, "id"), id->org_id};
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    int rc;

    if ((rc = core->db_select(r, "maplat_api_deal_hierarchy", &res, 4, args)) != OK) {
        return rc;
    }
    if (!(row = api_row(r, res))) {
        return maplat_problem(r, HTTP_NOT_FOUND, "not_found", "deal not found");
    }
    return maplat_raw_json_send(r, HTTP_OK, api_col(r, row, 0));
}

const char *api_deals_init(apr_pool_t *p)
{
    const char *err;
    api_deals_sql();
    if ((err = core->route_add(p, MAPLAT_M_GET, "/api/v1/deals", deal_list)) ||
        (err = core->route_add_data(p, MAPLAT_M_POST, "/api/v1/deals", api_res_create, &deal_resource)) ||
        (err = core->route_add_data(p, MAPLAT_M_GET, "/api/v1/deals/{id}", api_res_get, &deal_resource)) ||
        (err =
             core->route_add_data(p, MAPLAT_M_PATCH, "/api/v1/deals/{id}", api_res_update, &deal_resource)) ||
        (err = core->route_add_data(p, MAPLAT_M_DELETE, "/api/v1/deals/{id}", api_res_delete,
                                    &deal_resource)) ||
        (err = core->route_add(p, MAPLAT_M_GET, "/api/v1/deals/{id}/hierarchy", deal_hierarchy))) {
        return err;
    }
    return NULL;
}
