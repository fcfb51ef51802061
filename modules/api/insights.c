/*
 * Dashboard, financial statements/ratios/narratives and Lighthouse runs.
 *
 *   GET  /dashboard/metrics                 cached (MaplatCacheTTL dashboard)
 *   POST /financial/statements              ratios computed here (ratios.c)
 *   GET  /financial/ratios/latest?deal_id=  cached (MaplatCacheTTL financial)
 *   POST /financial/narratives
 *   GET  /financial/narratives/latest?deal_id=  cached
 *   POST/GET /performance/lighthouse        master_admin
 *
 * Without deal_id the ratios/narratives are the organization-level ones
 * (statements posted without a deal).
 */
#include "api.h"
#include "ratios.h"
#include "apr_strings.h"
#include "http_protocol.h"

int api_ttl_dashboard = 300;
int api_ttl_financial = 3600;

static const field_t statement_fields[] = {
    {"deal_id", F_UUID, 0, 0, 0, 1, NULL},
    {"period", F_TEXT, 1, 50, 1, 0, NULL},
    {"revenue", F_AMOUNT, 0, 0, 1, 0, NULL},
    {"cost_of_goods_sold", F_AMOUNT, 0, 0, 1, 0, NULL},
    {"operating_expenses", F_AMOUNT, 0, 0, 1, 0, NULL},
    {"ebitda", F_AMOUNT, 0, 0, 1, 0, NULL},
    {"net_income", F_AMOUNT, 0, 0, 1, 0, NULL},
    {"current_assets", F_AMOUNT, 0, 0, 1, 0, NULL},
    {"current_liabilities", F_AMOUNT, 0, 0, 1, 0, NULL},
    {"inventory", F_AMOUNT, 0, 0, 1, 0, NULL},
    {"total_debt", F_AMOUNT, 0, 0, 1, 0, NULL},
    {"total_equity", F_AMOUNT, 0, 0, 1, 0, NULL},
};
#define NSTATEMENT ((int)(sizeof(statement_fields) / sizeof(statement_fields[0])))
/* interest_expense is the 13th figure: fields tables hold at most 12 */
static const field_t interest_field[] = {{"interest_expense", F_AMOUNT, 0, 0, 1, 0, NULL}};

static const field_t narrative_fields[] = {
    {"deal_id", F_UUID, 0, 0, 0, 1, NULL},
    {"period", F_TEXT, 1, 50, 1, 0, NULL},
    {"text", F_TEXT, 1, 100000, 1, 0, NULL},
};
#define NNARRATIVE ((int)(sizeof(narrative_fields) / sizeof(narrative_fields[0])))

static const field_t lighthouse_fields[] = {
    {"date", F_DATE, 0, 0, 1, 0, NULL},           {"performance", F_SCORE, 0, 0, 1, 0, NULL},
    {"accessibility", F_SCORE, 0, 0, 1, 0, NULL}, {"best_practices", F_SCORE, 0, 0, 1, 0, NULL},
    {"seo", F_SCORE, 0, 0, 1, 0, NULL},
};
#define NLIGHTHOUSE ((int)(sizeof(lighthouse_fields) / sizeof(lighthouse_fields[0])))

#define DEAL_OK_SQL                                                                                          \
    "(%s::uuid IS NULL OR EXISTS (SELECT 1 FROM deals WHERE id = %s::uuid AND organization_id = %s::uuid"    \
    " AND deleted_at IS NULL))"

static void insights_sql(void)
{
    core->sql_add(
        "maplat_api_dashboard",
        "SELECT json_build_object("
        " 'deals_count', (SELECT count(*) FROM deals WHERE organization_id = %s::uuid"
        "    AND deleted_at IS NULL AND NOT archived),"
        " 'documents_count', (SELECT count(*) FROM documents WHERE organization_id = %s::uuid"
        "    AND deleted_at IS NULL AND NOT archived),"
        " 'tasks_count', (SELECT count(*) FROM tasks WHERE organization_id = %s::uuid AND deleted_at IS "
        "NULL),"
        " 'open_tasks_count', (SELECT count(*) FROM tasks WHERE organization_id = %s::uuid"
        "    AND deleted_at IS NULL AND status <> 'done'),"
        " 'pipeline_value', (SELECT COALESCE(sum(value), 0) FROM deals WHERE organization_id = %s::uuid"
        "    AND deleted_at IS NULL AND NOT archived AND stage NOT IN ('won', 'lost')),"
        " 'deals_by_stage', (SELECT json_object_agg(s.stage, COALESCE(c.n, 0) ORDER BY s.ord)"
        "    FROM unnest(ARRAY['sourcing','evaluation','due_diligence','negotiation','closing','won','lost'])"
        "         WITH ORDINALITY AS s(stage, ord)"
        "    LEFT JOIN (SELECT stage, count(*) AS n FROM deals WHERE organization_id = %s::uuid"
        "      AND deleted_at IS NULL AND NOT archived GROUP BY stage) c ON c.stage = s.stage),"
        " 'recent_activity', COALESCE((SELECT json_agg(maplat_audit_json(x.a)) FROM"
        "    (SELECT a FROM audit_log a WHERE a.organization_id = %s::uuid"
        "     ORDER BY a.occurred_at DESC, a.seq DESC LIMIT 10) x), '[]'))");
    core->sql_add(
        "maplat_api_statement_create",
        "WITH chk AS (SELECT " DEAL_OK_SQL " AS deal_ok),"
        " st AS (INSERT INTO financial_statements (organization_id, created_by, deal_id, period, revenue,"
        "   cost_of_goods_sold, operating_expenses, ebitda, net_income, current_assets, current_liabilities,"
        "   inventory, total_debt, total_equity, interest_expense)"
        "   SELECT %s::uuid, %s::uuid, %s::uuid, %s, %s::numeric, %s::numeric, %s::numeric, %s::numeric,"
        "     %s::numeric, %s::numeric, %s::numeric, %s::numeric, %s::numeric, %s::numeric, %s::numeric"
        "   FROM chk WHERE chk.deal_ok RETURNING *),"
        " ra AS (INSERT INTO financial_ratios AS x (organization_id, statement_id, deal_id, period,"
        "   current_ratio, quick_ratio, debt_to_equity, gross_margin, ebitda_margin, net_margin,"
        "   interest_coverage)"
        "   SELECT st.organization_id, st.id, st.deal_id, st.period, %s::numeric, %s::numeric, %s::numeric,"
        "     %s::numeric, %s::numeric, %s::numeric, %s::numeric FROM st RETURNING x.*)," API_AUDIT_CTE(
            "st",
            "financial_statement") " SELECT chk.deal_ok, (SELECT json_build_object('id', st.id, 'deal_id', "
                                   "st.deal_id, 'period', st.period,"
                                   "   'revenue', st.revenue, 'cost_of_goods_sold', st.cost_of_goods_sold,"
                                   "   'operating_expenses', st.operating_expenses, 'ebitda', st.ebitda, "
                                   "'net_income', st.net_income,"
                                   "   'current_assets', st.current_assets, 'current_liabilities', "
                                   "st.current_liabilities,"
                                   "   'inventory', st.inventory, 'total_debt', st.total_debt, "
                                   "'total_equity', st.total_equity,"
                                   "   'interest_expense', st.interest_expense,"
                                   "   'ratios', (SELECT maplat_ratios_json(ROW(ra.*)::financial_ratios) "
                                   "FROM ra),"
                                   "   'created_at', maplat_ts(st.created_at)) FROM st),"
                                   "  (SELECT id FROM st) FROM chk");
    core->sql_add(
        "maplat_api_ratios_latest",
        "SELECT maplat_ratios_json(x) FROM financial_ratios x WHERE x.organization_id = %s::uuid"
        " AND x.deal_id IS NOT DISTINCT FROM %s::uuid ORDER BY x.created_at DESC, x.id DESC LIMIT 1");
    core->sql_add(
        "maplat_api_narrative_create",
        "WITH chk AS (SELECT " DEAL_OK_SQL " AS deal_ok),"
        " ins AS (INSERT INTO financial_narratives (organization_id, created_by, deal_id, period, text)"
        "   SELECT %s::uuid, %s::uuid, %s::uuid, %s, %s FROM chk WHERE chk.deal_ok RETURNING "
        "*)," API_AUDIT_CTE(
            "ins", "financial_narrative") " SELECT chk.deal_ok, (SELECT json_build_object('id', ins.id, "
                                          "'deal_id', ins.deal_id,"
                                          "   'period', ins.period, 'text', ins.text, 'created_by', "
                                          "maplat_user_ref(ins.created_by),"
                                          "   'created_at', maplat_ts(ins.created_at)) FROM ins) FROM chk");
    core->sql_add(
        "maplat_api_narrative_latest",
        "SELECT json_build_object('id', n.id, 'deal_id', n.deal_id, 'period', n.period, 'text', n.text,"
        "   'created_by', maplat_user_ref(n.created_by), 'created_at', maplat_ts(n.created_at))"
        " FROM financial_narratives n WHERE n.organization_id = %s::uuid"
        " AND n.deal_id IS NOT DISTINCT FROM %s::uuid ORDER BY n.created_at DESC, n.id DESC LIMIT 1");
    core->sql_add(
        "maplat_api_lighthouse_create",
        "INSERT INTO lighthouse_runs AS l (run_date, performance, accessibility, best_practices, seo, "
        "created_by)"
        " VALUES (%s::date, %s::smallint, %s::smallint, %s::smallint, %s::smallint, %s::uuid)"
        " RETURNING json_build_object('id', l.id, 'date', to_char(l.run_date, 'YYYY-MM-DD'),"
        "   'performance', l.performance, 'accessibility', l.accessibility,"
        "   'best_practices', l.best_practices, 'seo', l.seo, 'created_at', maplat_ts(l.created_at))");
    core->sql_add(
        "maplat_api_lighthouse_list",
        "SELECT COALESCE(json_agg(json_build_object('id', l.id, 'date', to_char(l.run_date, 'YYYY-MM-DD'),"
        "   'performance', l.performance, 'accessibility', l.accessibility,"
        "   'best_practices', l.best_practices, 'seo', l.seo, 'created_at', maplat_ts(l.created_at))"
        "   ORDER BY l.run_date DESC, l.created_at DESC), '[]')"
        " FROM lighthouse_runs l WHERE l.run_date > current_date - %s::int");
}

/* ------------------------------------------------------------ dashboard */

static int dashboard_compute(request_rec *r, void *ctx, const char **json)
{
    const char *org = ctx, *args[7] = {org, org, org, org, org, org, org};
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    int rc = core->db_select(r, "maplat_api_dashboard", &res, 7, args);
    if (rc != OK) {
        return rc;
    }
    if (!(row = api_row(r, res))) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    *json = api_col(r, row, 0);
    return OK;
}

static int dashboard(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    return api_cached(r, id->org_id, "dashboard", api_ttl_dashboard, dashboard_compute, (void *)id->org_id,
                      "no dashboard");
}

/* ------------------------------------------------------------ financials */

static int statement_create(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    json_object *body = NULL, *errors = NULL;
    field_values_t v, vi;
    maplat_fin_t f;
    int64_t *fig[] = {&f.revenue,    &f.cost_of_goods_sold, &f.operating_expenses,  &f.ebitda,
                      &f.net_income, &f.current_assets,     &f.current_liabilities, &f.inventory,
                      &f.total_debt, &f.total_equity};
    char ratios[MAPLAT_R_COUNT][48];
    int null[MAPLAT_R_COUNT], rc, n = 0;
    const char *args[3 + 3 + 13 + 7 + 4];
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;

    if (core->read_json(r, &body) != OK) {
        return OK;
    }
    api_fields(r, body, statement_fields, NSTATEMENT, 1, &v, &errors);
    api_fields(r, body, interest_field, 1, 1, &vi, &errors);
    if (errors) {
        return api_invalid(r, errors);
    }
    for (int i = 0; i < 10; i++) {
        maplat_cents(v.value[2 + i], fig[i]);
    }
    maplat_cents(vi.value[0], &f.interest_expense);
    maplat_ratios(&f, ratios, null);

    args[n++] = v.value[0];
    args[n++] = v.value[0];
    args[n++] = id->org_id;
    args[n++] = id->org_id;
    args[n++] = id->user_id;
    for (int i = 0; i < NSTATEMENT; i++) {
        args[n++] = v.value[i];
    }
    args[n++] = vi.value[0];
    for (int i = 0; i < MAPLAT_R_COUNT; i++) {
        args[n++] = null[i] ? NULL : ratios[i];
    }
    args[n++] = id->user_id;
    args[n++] = "financial_statement.create";
    args[n++] = NULL;
    args[n++] = r->useragent_ip;
    if ((rc = core->db_select(r, "maplat_api_statement_create", &res, n, args)) != OK) {
        return rc;
    }
    if (!(row = api_row(r, res))) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (api_col(r, row, 0)[0] != 't') {
        return api_invalid1(r, "deal_id", "no such deal in your organization");
    }
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, "/api/v1/financial/statements/", api_col(r, row, 2), NULL));
    return maplat_raw_json_send(r, HTTP_CREATED, api_col(r, row, 1));
}

typedef struct {
    const char *org;
    const char *deal;
    const char *label;
} latest_ctx_t;

static int latest_compute(request_rec *r, void *ctxv, const char **json)
{
    latest_ctx_t *ctx = ctxv;
    const char *args[2] = {ctx->org, ctx->deal};
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    int rc = core->db_select(r, ctx->label, &res, 2, args);
    if (rc != OK) {
        return rc;
    }
    row = api_row(r, res);
    *json = row ? api_col(r, row, 0) : NULL;
    return OK;
}

static int latest(request_rec *r, const char *label, const char *what, const char *none)
{
    API_CALLER(id);
    const char *deal = apr_table_get(maplat_query(r), "deal_id");
    latest_ctx_t ctx = {id->org_id, deal, label};
    if (deal && !maplat_uuid_valid(deal)) {
        return api_invalid1(r, "deal_id", "must be a UUID");
    }
    return api_cached(r, id->org_id, apr_pstrcat(r->pool, what, ":", deal ? deal : "org", NULL),
                      api_ttl_financial, latest_compute, &ctx, none);
}

static int ratios_latest(request_rec *r, const maplat_match_t *m)
{
    return latest(r, "maplat_api_ratios_latest", "ratios", "no financial ratios yet");
}

static int narrative_latest(request_rec *r, const maplat_match_t *m)
{
    return latest(r, "maplat_api_narrative_latest", "narrative", "no narrative yet");
}

static int narrative_create(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    json_object *body = NULL, *errors = NULL;
    field_values_t v;
    const char *args[12];
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    int rc, n = 0;

    if (core->read_json(r, &body) != OK) {
        return OK;
    }
    if (api_fields(r, body, narrative_fields, NNARRATIVE, 1, &v, &errors) != 0) {
        return api_invalid(r, errors);
    }
    args[n++] = v.value[0];
    args[n++] = v.value[0];
    args[n++] = id->org_id;
    args[n++] = id->org_id;
    args[n++] = id->user_id;
    args[n++] = v.value[0];
    args[n++] = v.value[1];
    args[n++] = v.value[2];
    args[n++] = id->user_id;
    args[n++] = "financial_narrative.create";
    args[n++] = NULL;
    args[n++] = r->useragent_ip;
    if ((rc = core->db_select(r, "maplat_api_narrative_create", &res, n, args)) != OK) {
        return rc;
    }
    if (!(row = api_row(r, res))) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (api_col(r, row, 0)[0] != 't') {
        return api_invalid1(r, "deal_id", "no such deal in your organization");
    }
    return maplat_raw_json_send(r, HTTP_CREATED, api_col(r, row, 1));
}

/* ------------------------------------------------------------ lighthouse */

static int master_admin_only(request_rec *r, const maplat_identity_t *id)
{
    if (!id->master_admin) {
        maplat_problem(r, HTTP_FORBIDDEN, "forbidden", "only a platform master admin can do this");
        return 1;
    }
    return 0;
}

static int lighthouse_create(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    json_object *body = NULL, *errors = NULL;
    field_values_t v;
    const char *args[6];
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    int rc;

    if (master_admin_only(r, id)) {
        return OK;
    }
    if (core->read_json(r, &body) != OK) {
        return OK;
    }
    if (api_fields(r, body, lighthouse_fields, NLIGHTHOUSE, 1, &v, &errors) != 0) {
        return api_invalid(r, errors);
    }
    for (int i = 0; i < NLIGHTHOUSE; i++) {
        args[i] = v.value[i];
    }
    args[5] = id->user_id;
    if ((rc = core->db_select(r, "maplat_api_lighthouse_create", &res, 6, args)) != OK) {
        return rc;
    }
    if (!(row = api_row(r, res))) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return maplat_raw_json_send(r, HTTP_CREATED, api_col(r, row, 0));
}

static int lighthouse_list(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    const char *days = apr_table_get(maplat_query(r), "days"), *args[1];
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    apr_int64_t d = 30;
    int rc;

    if (master_admin_only(r, id)) {
        return OK;
    }
    if (days && maplat_parse_int(days, 1, 3650, &d) != 0) {
        return api_invalid1(r, "days", "must be a whole number from 1 to 3650");
    }
    args[0] = apr_ltoa(r->pool, (long)d);
    if ((rc = core->db_select(r, "maplat_api_lighthouse_list", &res, 1, args)) != OK) {
        return rc;
    }
    if (!(row = api_row(r, res))) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return maplat_raw_json_send(r, HTTP_OK,
                                apr_pstrcat(r->pool, "{\"items\":", api_col(r, row, 0), "}", NULL));
}

const char *api_insights_init(apr_pool_t *p)
{
    const char *err;
    insights_sql();
    if ((err = core->route_add(p, MAPLAT_M_GET, "/api/v1/dashboard/metrics", dashboard)) ||
        (err = core->route_add(p, MAPLAT_M_POST, "/api/v1/financial/statements", statement_create)) ||
        (err = core->route_add(p, MAPLAT_M_GET, "/api/v1/financial/ratios/latest", ratios_latest)) ||
        (err = core->route_add(p, MAPLAT_M_POST, "/api/v1/financial/narratives", narrative_create)) ||
        (err = core->route_add(p, MAPLAT_M_GET, "/api/v1/financial/narratives/latest", narrative_latest)) ||
        (err = core->route_add(p, MAPLAT_M_POST, "/api/v1/performance/lighthouse", lighthouse_create)) ||
        (err = core->route_add(p, MAPLAT_M_GET, "/api/v1/performance/lighthouse", lighthouse_list))) {
        return err;
    }
    return NULL;
}
