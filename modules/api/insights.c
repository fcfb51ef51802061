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

int api_ttl_dashboard = -1; /* MaplatCacheTTL; defaults: mod_maplat_api.c */
int api_ttl_financial = -1;

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

/* is :deal_id (NULL: none) a live deal of :org? */
#define DEAL_OK_SQL                                                                                          \
    "(:deal_id::uuid IS NULL OR EXISTS (SELECT 1 FROM deals WHERE id = :deal_id::uuid"                       \
    " AND organization_id = :org::uuid AND deleted_at IS NULL))"
#define STATEMENT_PARAMS                                                                                     \
    "deal_id period revenue cost_of_goods_sold operating_expenses ebitda net_income current_assets"          \
    " current_liabilities inventory total_debt total_equity interest_expense"
/* the ratios, by maplat_ratio_names */
#define RATIO_PARAMS                                                                                         \
    "current_ratio quick_ratio debt_to_equity gross_margin ebitda_margin net_margin interest_coverage"
/* set in pre_config */
static const maplat_stmt_t *st_dashboard, *st_statement_create, *st_ratios_latest, *st_narrative_create,
    *st_narrative_latest, *st_lighthouse_create, *st_lighthouse_list;

static void insights_sql(void)
{
    /* counters maintained by triggers (sql/012_scale.sql): no count over the organization */
    st_dashboard = api_core->stmt_add("maplat_api_dashboard", "org", "json",
                                      "SELECT maplat_dashboard_json(:org::uuid) AS json");
    st_statement_create = api_core->stmt_add(
        "maplat_api_statement_create", "org " STATEMENT_PARAMS " " RATIO_PARAMS " " API_AUDIT_PARAMS,
        "deal_ok json id",
        "WITH chk AS (SELECT " DEAL_OK_SQL " AS deal_ok),"
        " st AS (INSERT INTO financial_statements (organization_id, created_by, deal_id, period, revenue,"
        "   cost_of_goods_sold, operating_expenses, ebitda, net_income, current_assets, current_liabilities,"
        "   inventory, total_debt, total_equity, interest_expense)"
        "   SELECT :org::uuid, :user::uuid, :deal_id::uuid, :period, :revenue::numeric,"
        "     :cost_of_goods_sold::numeric, :operating_expenses::numeric, :ebitda::numeric, "
        ":net_income::numeric,"
        "     :current_assets::numeric, :current_liabilities::numeric, :inventory::numeric, "
        ":total_debt::numeric,"
        "     :total_equity::numeric, :interest_expense::numeric"
        "   FROM chk WHERE chk.deal_ok RETURNING *),"
        " ra AS (INSERT INTO financial_ratios AS x (organization_id, statement_id, deal_id, period,"
        "   current_ratio, quick_ratio, debt_to_equity, gross_margin, ebitda_margin, net_margin,"
        "   interest_coverage)"
        "   SELECT st.organization_id, st.id, st.deal_id, st.period, :current_ratio::numeric,"
        "     :quick_ratio::numeric, :debt_to_equity::numeric, :gross_margin::numeric, "
        ":ebitda_margin::numeric,"
        "     :net_margin::numeric, :interest_coverage::numeric FROM st RETURNING x.*)," API_AUDIT_CTE(
            "st", "financial_statement") " SELECT chk.deal_ok, (SELECT "
                                         "maplat_financial_statement_json(ROW(st.*)::financial_statements,"
                                         "   (SELECT maplat_ratios_json(ROW(ra.*)::financial_ratios) FROM "
                                         "ra)) FROM st) AS json,"
                                         "  (SELECT id FROM st) AS id FROM chk");
    st_ratios_latest = api_core->stmt_add(
        "maplat_api_ratios_latest", "org deal", "json",
        "SELECT maplat_ratios_json(x) AS json FROM financial_ratios x WHERE x.organization_id = :org::uuid"
        " AND x.deal_id IS NOT DISTINCT FROM :deal::uuid ORDER BY x.created_at DESC, x.id DESC LIMIT 1");
    st_narrative_create = api_core->stmt_add(
        "maplat_api_narrative_create", "org deal_id period text " API_AUDIT_PARAMS, "deal_ok json",
        "WITH chk AS (SELECT " DEAL_OK_SQL " AS deal_ok),"
        " ins AS (INSERT INTO financial_narratives (organization_id, created_by, deal_id, period, text)"
        "   SELECT :org::uuid, :user::uuid, :deal_id::uuid, :period, :text FROM chk WHERE chk.deal_ok"
        "   RETURNING *)," API_AUDIT_CTE(
            "ins", "financial_narrative") " SELECT chk.deal_ok, (SELECT "
                                          "maplat_financial_narrative_json(ROW(ins.*)::financial_narratives) "
                                          "FROM ins) AS json FROM chk");
    st_narrative_latest = api_core->stmt_add(
        "maplat_api_narrative_latest", "org deal", "json",
        "SELECT maplat_financial_narrative_json(n) AS json"
        " FROM financial_narratives n WHERE n.organization_id = :org::uuid"
        " AND n.deal_id IS NOT DISTINCT FROM :deal::uuid ORDER BY n.created_at DESC, n.id DESC LIMIT 1");
    st_lighthouse_create = api_core->stmt_add(
        "maplat_api_lighthouse_create", "date performance accessibility best_practices seo user", "json",
        "INSERT INTO lighthouse_runs AS l (run_date, performance, accessibility, best_practices, seo, "
        "created_by)"
        " VALUES (:date::date, :performance::smallint, :accessibility::smallint, :best_practices::smallint,"
        "         :seo::smallint, :user::uuid)"
        " RETURNING maplat_lighthouse_run_json(l) AS json");
    st_lighthouse_list =
        api_core->stmt_add("maplat_api_lighthouse_list", "days", "items",
                           "SELECT COALESCE(json_agg(maplat_lighthouse_run_json(l) ORDER BY l.run_date DESC, "
                           "l.created_at DESC), '[]')"
                           " AS items FROM lighthouse_runs l WHERE l.run_date > current_date - :days::int");
}

/* The first row's column (NULL: none) of a run. */
static int first_col(request_rec *r, maplat_args_t *a, const char *name, const char **out)
{
    maplat_rows_t *row = NULL;
    int rc = api_core->db_first(r, a, &row);
    *out = rc == OK && row ? api_core->col(row, name) : NULL;
    return rc;
}

/* ------------------------------------------------------------ dashboard */

static int dashboard_compute(request_rec *r, void *ctx, const char **json)
{
    maplat_args_t *a = api_core->args(r->pool, st_dashboard);

    api_core->bind(a, "org", (const char *)ctx);
    return first_col(r, a, "json", json);
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
    maplat_fin_t f = {0};
    /* the figures by field name (fig[k] is figure_names[k]) */
    static const char *const figure_names[] = {
        "revenue",        "cost_of_goods_sold",  "operating_expenses", "ebitda",     "net_income",
        "current_assets", "current_liabilities", "inventory",          "total_debt", "total_equity"};
    int64_t *fig[] = {&f.revenue,    &f.cost_of_goods_sold, &f.operating_expenses,  &f.ebitda,
                      &f.net_income, &f.current_assets,     &f.current_liabilities, &f.inventory,
                      &f.total_debt, &f.total_equity};
    char ratios[MAPLAT_R_COUNT][48];
    int null[MAPLAT_R_COUNT], rc;
    maplat_args_t *a;
    maplat_rows_t *row = NULL;
    const char *ok;

    if (api_core->read_json(r, &body) != OK) {
        return OK;
    }
    api_fields(r, body, statement_fields, NSTATEMENT, 1, &v, &errors);
    api_fields(r, body, interest_field, 1, 1, &vi, &errors);
    if (errors) {
        return api_invalid(r, errors);
    }
    for (int i = 0; i < NSTATEMENT; i++) {
        for (int k = 0; k < 10; k++) {
            if (strcmp(statement_fields[i].name, figure_names[k]) == 0) {
                maplat_cents(v.value[i], fig[k]);
            }
        }
    }
    maplat_cents(vi.value[0], &f.interest_expense);
    maplat_ratios(&f, ratios, null);

    a = api_core->args(r->pool, st_statement_create);
    api_core->bind(a, "org", id->org_id);
    api_bind_fields(a, statement_fields, NSTATEMENT, &v);
    api_bind_fields(a, interest_field, 1, &vi);
    for (int i = 0; i < MAPLAT_R_COUNT; i++) {
        api_core->bind(a, maplat_ratio_names[i], null[i] ? NULL : ratios[i]);
    }
    api_bind_audit(r, a, "financial_statement.create", NULL);
    if ((rc = api_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row || !(ok = api_core->col(row, "deal_ok"))) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (ok[0] != 't') {
        return api_invalid1(r, "deal_id", "no such deal in your organization");
    }
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, "/api/v1/financial/statements/", api_core->col(row, "id"), NULL));
    return maplat_raw_json_send(r, HTTP_CREATED, api_core->col(row, "json"));
}

typedef struct {
    const char *org;
    const char *deal;
    const maplat_stmt_t *st;
} latest_ctx_t;

static int latest_compute(request_rec *r, void *ctxv, const char **json)
{
    latest_ctx_t *ctx = ctxv;
    maplat_args_t *a = api_core->args(r->pool, ctx->st);

    api_core->bind(a, "org", ctx->org);
    api_core->bind(a, "deal", ctx->deal);
    return first_col(r, a, "json", json);
}

static int latest(request_rec *r, const maplat_stmt_t *st, const char *what, const char *none)
{
    API_CALLER(id);
    const char *deal = apr_table_get(maplat_query(r), "deal_id");
    latest_ctx_t ctx = {id->org_id, deal, st};
    if (deal && !maplat_uuid_valid(deal)) {
        return api_invalid1(r, "deal_id", "must be a UUID");
    }
    return api_cached(r, id->org_id, apr_pstrcat(r->pool, what, ":", deal ? deal : "org", NULL),
                      api_ttl_financial, latest_compute, &ctx, none);
}

static int ratios_latest(request_rec *r, const maplat_match_t *m)
{
    return latest(r, st_ratios_latest, "ratios", "no financial ratios yet");
}

static int narrative_latest(request_rec *r, const maplat_match_t *m)
{
    return latest(r, st_narrative_latest, "narrative", "no narrative yet");
}

static int narrative_create(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    json_object *body = NULL, *errors = NULL;
    field_values_t v;
    maplat_args_t *a;
    maplat_rows_t *row = NULL;
    const char *ok;
    int rc;

    if (api_core->read_json(r, &body) != OK) {
        return OK;
    }
    if (api_fields(r, body, narrative_fields, NNARRATIVE, 1, &v, &errors) != 0) {
        return api_invalid(r, errors);
    }
    a = api_core->args(r->pool, st_narrative_create);
    api_core->bind(a, "org", id->org_id);
    api_bind_fields(a, narrative_fields, NNARRATIVE, &v);
    api_bind_audit(r, a, "financial_narrative.create", NULL);
    if ((rc = api_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row || !(ok = api_core->col(row, "deal_ok"))) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (ok[0] != 't') {
        return api_invalid1(r, "deal_id", "no such deal in your organization");
    }
    return maplat_raw_json_send(r, HTTP_CREATED, api_core->col(row, "json"));
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
    maplat_args_t *a;
    const char *json;
    int rc;

    if (master_admin_only(r, id)) {
        return OK;
    }
    if (api_core->read_json(r, &body) != OK) {
        return OK;
    }
    if (api_fields(r, body, lighthouse_fields, NLIGHTHOUSE, 1, &v, &errors) != 0) {
        return api_invalid(r, errors);
    }
    a = api_core->args(r->pool, st_lighthouse_create);
    api_bind_fields(a, lighthouse_fields, NLIGHTHOUSE, &v);
    api_core->bind(a, "user", id->user_id);
    if ((rc = first_col(r, a, "json", &json)) != OK) {
        return rc;
    }
    if (!json) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return maplat_raw_json_send(r, HTTP_CREATED, json);
}

static int lighthouse_list(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    const char *days = apr_table_get(maplat_query(r), "days"), *items;
    maplat_args_t *a;
    apr_int64_t d = 30;
    int rc;

    if (master_admin_only(r, id)) {
        return OK;
    }
    if (days && maplat_parse_int(days, 1, 3650, &d) != 0) {
        return api_invalid1(r, "days", "must be a whole number from 1 to 3650");
    }
    a = api_core->args(r->pool, st_lighthouse_list);
    api_core->bind_int(a, "days", d);
    if ((rc = first_col(r, a, "items", &items)) != OK) {
        return rc;
    }
    if (!items) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return maplat_raw_json_send(r, HTTP_OK, apr_pstrcat(r->pool, "{\"items\":", items, "}", NULL));
}

const char *api_insights_init(apr_pool_t *p)
{
    const char *err;
    insights_sql();
    if ((err = api_core->route_add(p, MAPLAT_M_GET, "/api/v1/dashboard/metrics", dashboard)) ||
        (err = api_core->route_add(p, MAPLAT_M_POST, "/api/v1/financial/statements", statement_create)) ||
        (err = api_core->route_add(p, MAPLAT_M_GET, "/api/v1/financial/ratios/latest", ratios_latest)) ||
        (err = api_core->route_add(p, MAPLAT_M_POST, "/api/v1/financial/narratives", narrative_create)) ||
        (err =
             api_core->route_add(p, MAPLAT_M_GET, "/api/v1/financial/narratives/latest", narrative_latest)) ||
        (err = api_core->route_add(p, MAPLAT_M_POST, "/api/v1/performance/lighthouse", lighthouse_create)) ||
        (err = api_core->route_add(p, MAPLAT_M_GET, "/api/v1/performance/lighthouse", lighthouse_list))) {
        return err;
    }
    return NULL;
}
