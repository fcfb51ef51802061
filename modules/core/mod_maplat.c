/*
 * mod_maplat — the maplat core module.
 *
 * Hooks and dispatch only; the services live in config.c, body.c, cache.c,
 * db.c and metrics.c. Other maplat modules reach the services through the
 * maplat_core_api optional function (see modules/include/maplat.h).
 */
#define MAPLAT_CORE_MAIN
#include "core.h"
#include "apr_strings.h"
#include "ap_mpm.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_filter.h"

/* ------------------------------------------------------------ request state */

maplat_req_t *maplat_req(request_rec *r)
{
    request_rec *root = maplat_request_root(r);
    maplat_req_t *rq = ap_get_module_config(root->request_config, &maplat_module);
    if (!rq) {
        rq = apr_pcalloc(root->pool, sizeof(*rq));
        rq->route_index = -1;
        ap_set_module_config(root->request_config, &maplat_module, rq);
    }
    return rq;
}

maplat_route_result_t maplat_route(request_rec *r, const maplat_route_t **route, maplat_match_t *m)
{
    maplat_req_t *rq;
    if (r->main || r->prev) {
        /* a subrequest or an internal redirect: its own URI, its own pool */
        *route = NULL;
        return maplat_router_match(maplat_g.router, r->pool, r->uri, route, m);
    }
    rq = maplat_req(r);
    if (!rq->routed) {
        rq->route = NULL;
        rq->route_res = maplat_router_match(maplat_g.router, r->pool, r->uri, &rq->route, &rq->match);
        rq->routed = 1;
    }
    *route = rq->route;
    *m = rq->match;
    return rq->route_res;
}

static void identity_set(request_rec *r, const maplat_identity_t *id)
{
    maplat_req_t *rq = maplat_req(r);
    rq->identity = *id;
    rq->has_identity = 1;
}

static const maplat_identity_t *identity_get(request_rec *r)
{
    maplat_req_t *rq = maplat_req(r);
    return rq->has_identity ? &rq->identity : NULL;
}

/* ------------------------------------------------------------ registration */

static const char *route_add_data(apr_pool_t *pconf, int methods, const char *tmpl, maplat_route_fn fn,
                                  const void *data)
{
    if (!maplat_g.router) {
        return "maplat routes can only be added in pre_config";
    }
    return maplat_router_add(maplat_g.router, methods, tmpl, fn, data);
}

static const char *route_add(apr_pool_t *pconf, int methods, const char *tmpl, maplat_route_fn fn)
{
    return route_add_data(pconf, methods, tmpl, fn, NULL);
}

static void health_add(const char *name, maplat_health_fn fn)
{
    maplat_health_entry_t *h = apr_array_push(maplat_g.health);
    h->name = name;
    h->fn = fn;
}

static void metrics_add(maplat_metrics_fn fn)
{
    APR_ARRAY_PUSH(maplat_g.collectors, maplat_metrics_fn) = fn;
}

static const maplat_core_t core_api = {
    MAPLAT_API_VERSION,
    route_add,
    route_add_data,
    NULL, /* sql_add, removed in version 3 */
    NULL, /* db_acquire, removed in version 3 */
    NULL, /* db_statement, removed in version 3 */
    NULL, /* db_error, removed in version 3 */
    NULL, /* db_select, removed in version 3 */
    NULL, /* db_query, removed in version 3 */
    maplat_db_tx_begin,
    maplat_db_tx_end,
    NULL, /* db_get, removed in version 3 */
    NULL, /* db_next, removed in version 3 */
    maplat_db_session,
    NULL, /* dbs_select, removed in version 3 */
    NULL, /* dbs_query, removed in version 3 */
    maplat_dbs_tx_begin,
    maplat_dbs_tx_end,
    NULL, /* dbs_get, removed in version 3 */
    NULL, /* dbs_next, removed in version 3 */
    maplat_dbs_close,
    maplat_read_json,
    maplat_cache_get,
    maplat_cache_set,
    maplat_cache_add,
    maplat_cache_delete,
    maplat_cache_incr,
    maplat_cache_available,
    maplat_cache_generation,
    maplat_cache_invalidate,
    identity_set,
    identity_get,
    health_add,
    maplat_audit,
    maplat_rate_limit,
    maplat_rate_limit_config,
    metrics_add,
    /* version 2 */
    maplat_db_stmt_add,
    maplat_db_args,
    maplat_db_bind,
    maplat_db_bind_int,
    maplat_db_rows,
    maplat_db_first,
    maplat_db_exec,
    maplat_dbs_rows,
    maplat_dbs_first,
    maplat_dbs_exec,
    maplat_db_row_next,
    maplat_db_col,
    maplat_db_col_at,
    maplat_db_row_count,
};

/* The optional function (APR_REGISTER_OPTIONAL_FN uses its name). */
static const maplat_core_t *maplat_core_api(void)
{
    return &core_api;
}

/* ------------------------------------------------------------ health */

static int health_handler(request_rec *r, const maplat_match_t *m)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string("healthy"));
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    return maplat_json_send(r, HTTP_OK, o);
}

static int ready_handler(request_rec *r, const maplat_match_t *m)
{
    json_object *o = json_object_new_object(), *checks = json_object_new_object();
    maplat_health_t worst = MAPLAT_HEALTH_OK, h;
    const char *text = NULL, *status;

    h = maplat_db_health(r, &text);
    json_object_object_add(checks, "database", json_object_new_string(text));
    worst = h > worst ? h : worst;
    if (maplat_g.cache_config) {
        h = maplat_cache_health(r, &text);
    }
    else {
        h = MAPLAT_HEALTH_DEGRADED;
        text = "unavailable";
    }
    json_object_object_add(checks, "cache", json_object_new_string(text));
    worst = h > worst ? h : worst;
    for (int i = 0; i < maplat_g.health->nelts; i++) {
        const maplat_health_entry_t *e = &APR_ARRAY_IDX(maplat_g.health, i, maplat_health_entry_t);
        text = "unavailable";
        h = e->fn(r, &text);
        json_object_object_add(checks, e->name, json_object_new_string(text));
        worst = h > worst ? h : worst;
    }
    status = worst == MAPLAT_HEALTH_OK         ? "ready"
             : worst == MAPLAT_HEALTH_DEGRADED ? "degraded"
                                               : "unavailable";
    json_object_object_add(o, "status", json_object_new_string(status));
    json_object_object_add(o, "checks", checks);
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (worst == MAPLAT_HEALTH_FAILED) {
        apr_table_setn(r->err_headers_out, "Retry-After", "5");
        return maplat_json_send(r, HTTP_SERVICE_UNAVAILABLE, o);
    }
    return maplat_json_send(r, HTTP_OK, o);
}

/* ------------------------------------------------------------ the API router */

static const char *generic_detail(int status)
{
    switch (status) {
    case HTTP_BAD_REQUEST:
        return "the request is malformed";
    case HTTP_UNAUTHORIZED:
        return "authentication is required";
    case HTTP_FORBIDDEN:
        return "you are not allowed to do this";
    case HTTP_NOT_FOUND:
        return "no such resource";
    case HTTP_METHOD_NOT_ALLOWED:
        return "this method is not allowed on this resource";
    case HTTP_REQUEST_TIME_OUT:
        return "the request was not received in time";
    case HTTP_REQUEST_ENTITY_TOO_LARGE:
        return "the request body is too large";
    case HTTP_REQUEST_URI_TOO_LARGE:
        return "the request URI is too long";
    case HTTP_UNSUPPORTED_MEDIA_TYPE:
        return "the request body must be sent with Content-Type: application/json";
    case HTTP_TOO_MANY_REQUESTS:
        return "too many requests; retry later";
    case HTTP_SERVICE_UNAVAILABLE:
        return "the service is temporarily unavailable; retry later";
    default:
        return status >= 500 ? "an internal error occurred" : "the request cannot be processed";
    }
}

/* Holds a mutation's answer until the handler is done (EOS), so that the
 * cache invalidation that follows the handler precedes every byte sent. */
#define HOLD_FILTER "MAPLAT_HOLD"

static apr_status_t hold_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    apr_bucket_brigade *held = f->ctx;
    if (!held) {
        f->ctx = held = apr_brigade_create(f->r->pool, f->c->bucket_alloc);
    }
    if (APR_BRIGADE_EMPTY(bb)) {
        return APR_SUCCESS;
    }
    if (!APR_BUCKET_IS_EOS(APR_BRIGADE_LAST(bb))) {
        return ap_save_brigade(f, &held, &bb, f->r->pool);
    }
    APR_BRIGADE_PREPEND(bb, held);
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

/* MaplatConcurrency: one gate per child, when the child has more threads than
 * the gate admits (prefork's one thread never waits); set in child_init. */
static maplat_gate_t *child_gate;

/* A read takes its place before authentication (header_parser), so that a
 * request never waits at the gate while holding a database connection (the
 * token-version check may take one): waiting requests holding every
 * connection while the admitted ones need one would never finish. It gives
 * the place up when its answer starts to go out — the work (statements, JSON)
 * is done by then, and a client that reads slowly must not hold the place —
 * or, at the latest, when the request ends (an error answer, a refused token). */
#define GATE_FILTER "MAPLAT_GATE"

static apr_status_t gate_release(void *data)
{
    int *held = data;
    if (*held) {
        *held = 0;
        maplat_gate_leave(child_gate);
    }
    return APR_SUCCESS;
}

static apr_status_t gate_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    gate_release(f->ctx);
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

static int gate_header_parser(request_rec *r)
{
    const maplat_route_t *route = NULL;
    maplat_match_t m;
    int *held;

    /* GET and HEAD (method_number M_GET) of a route that does not stream */
    if (!child_gate || r->main || r->prev || r->method_number != M_GET || !maplat_g.router ||
        maplat_route(r, &route, &m) == MAPLAT_ROUTE_NONE || route->streams ||
        !(route->methods & MAPLAT_M_GET)) {
        return DECLINED;
    }
    held = apr_palloc(r->pool, sizeof(*held));
    maplat_gate_enter(child_gate);
    *held = 1;
    apr_pool_cleanup_register(r->pool, held, gate_release, apr_pool_cleanup_null);
    ap_add_output_filter(GATE_FILTER, held, r, r->connection);
    return DECLINED;
}

static int api_handler(request_rec *r)
{
    maplat_req_t *rq;
    const maplat_route_t *route = NULL;
    maplat_match_t m;
    maplat_route_result_t res;
    int bit, rc;

    if (strcmp(r->handler, MAPLAT_HANDLER) != 0) {
        return DECLINED;
    }
    rq = maplat_req(r);
    res = maplat_route(r, &route, &m);
    if (res == MAPLAT_ROUTE_NONE) {
        rq->route_index = 0;
        return maplat_problem(r, HTTP_NOT_FOUND, "not_found", "no such resource");
    }
    rq->route_index = m.route_index;
    if (r->method_number == M_OPTIONS) {
        apr_table_setn(r->headers_out, "Allow", maplat_allow_header(r->pool, route->methods));
        r->status = HTTP_NO_CONTENT;
        return OK;
    }
    bit = maplat_method_bit(r->method_number);
    if (!(route->methods & bit)) {
        apr_table_setn(r->err_headers_out, "Allow", maplat_allow_header(r->pool, route->methods));
        return maplat_problem(r, HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                              apr_psprintf(r->pool, "%s is not allowed on %s", r->method, m.route));
    }
    if (res == MAPLAT_ROUTE_BAD_ID) {
        for (int i = 0; i < m.nparams; i++) {
            size_t n = strlen(m.names[i]);
            if ((strcmp(m.names[i], "id") == 0 || (n > 3 && strcmp(m.names[i] + n - 3, "_id") == 0)) &&
                !maplat_uuid_valid(m.values[i])) {
                return maplat_problem(
                    r, HTTP_UNPROCESSABLE_ENTITY, "invalid_id",
                    apr_psprintf(r->pool, "the path parameter '%s' is not a valid UUID", m.names[i]));
            }
        }
    }
    if (r->args) {
        /* one decoding for every parameter of every route (maplat_query) */
        apr_table_t *q;
        const char *bad;
        if (maplat_query_parse(r->pool, r->args, &q, &bad) != 0) {
            json_object *errors = NULL;
            maplat_error_add(&errors, bad, "is not valid percent-encoded UTF-8");
            return maplat_problem_errors(r, HTTP_UNPROCESSABLE_ENTITY, "validation_failed",
                                         "the query string cannot be decoded", errors);
        }
    }
    if (bit != MAPLAT_M_GET && maplat_g.cache_config) {
        /* hold the answer until the cache generation is bumped (below) */
        ap_add_output_filter(HOLD_FILTER, NULL, r, r->connection);
    }
    if (rq->has_identity && !apr_table_get(r->headers_out, "Cache-Control")) {
        /* answers for one caller: never in a shared cache; a browser keeps a
         * GET's answer but revalidates it (ETag, If-None-Match → 304) */
        apr_table_setn(r->headers_out, "Cache-Control",
                       bit == MAPLAT_M_GET ? "private, no-cache" : "no-store");
    }
    m.data = route->data[maplat_method_slot(bit)];
    rc = route->fn[maplat_method_slot(bit)](r, &m);
    {
        /* the caller's organization after a successful mutation; and the one an
         * audit entry was written for (a login, a failed one, a refresh-token
         * reuse: the dashboard lists recent audit entries) */
        const char *changed = NULL;
        if (bit != MAPLAT_M_GET && rq->has_identity && (rc == OK || rc == DONE) && r->status >= 200 &&
            r->status < 300) {
            changed = rq->identity.org_id;
            maplat_cache_invalidate(r, changed);
        }
        if (rq->audited_org && (!changed || strcmp(rq->audited_org, changed) != 0)) {
            maplat_cache_invalidate(r, rq->audited_org);
        }
    }
    if (rc == OK || rc == DONE) {
        return OK;
    }
    if (rc >= 400 && rc < 600) {
        if (rc == HTTP_SERVICE_UNAVAILABLE) {
            apr_table_setn(r->err_headers_out, "Retry-After", "5");
        }
        return maplat_problem(r, rc, NULL, generic_detail(rc));
    }
    return rc;
}

/* ErrorDocument target: answers an error httpd produced as problem+json. */
static int error_handler(request_rec *r)
{
    int status;
    const char *detail;
    request_rec *orig;

    if (strcmp(r->handler, MAPLAT_ERROR_HANDLER) != 0) {
        return DECLINED;
    }
    if (!r->prev) {
        return maplat_problem(r, HTTP_NOT_FOUND, "not_found", "no such resource");
    }
    orig = r->prev;
    while (orig->prev) {
        orig = orig->prev;
    }
    status = r->prev->status;
    if (status < 400 || status > 599) {
        status = HTTP_INTERNAL_SERVER_ERROR;
    }
    detail = apr_table_get(orig->notes, MAPLAT_NOTE_ERROR_DETAIL);
    if (status == HTTP_SERVICE_UNAVAILABLE && !apr_table_get(r->err_headers_out, "Retry-After")) {
        apr_table_setn(r->err_headers_out, "Retry-After", "5");
    }
    return maplat_problem(r, status, apr_table_get(orig->notes, MAPLAT_NOTE_ERROR_CODE),
                          detail ? detail : generic_detail(status));
}

/* ------------------------------------------------------------ hooks */

static int maplat_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    memset(&maplat_g, 0, sizeof(maplat_g));
    maplat_g.router = maplat_router_make(pconf);
    maplat_g.sql = apr_array_make(pconf, 64, sizeof(maplat_sql_t));
    maplat_g.health = apr_array_make(pconf, 4, sizeof(maplat_health_entry_t));
    maplat_g.collectors = apr_array_make(pconf, 4, sizeof(maplat_metrics_fn));
    maplat_db_ping_sql();
    maplat_audit_sql();
    route_add(pconf, MAPLAT_M_GET, "/api/v1/health", health_handler);
    route_add(pconf, MAPLAT_M_GET, "/api/v1/health/ready", ready_handler);
    route_add(pconf, MAPLAT_M_GET, "/api/v1/performance/endpoints", maplat_perf_endpoints);
    route_add(pconf, MAPLAT_M_GET, "/api/v1/performance/history", maplat_perf_history);
    return OK;
}

/* What stops start-up is checked in every configuration pass, `apachectl
 * configtest` (which runs no post_config) included, with the same message. */
static int maplat_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    int rc = maplat_db_check_config(s);
    if (rc == OK) {
        rc = maplat_db_check_statements(s);
    }
    return rc;
}

static int maplat_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    int rc;

    maplat_config_defaults(s);
    maplat_router_finalize(maplat_g.router);
    /* statements must reach mod_dbd on every run, including the dry run */
    if ((rc = maplat_db_post_config(pconf, s)) != OK) {
        return rc;
    }
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    if (maplat_metrics_post_config(pconf, s) != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /* the route table, once per start (t/api/openapi.t compares it with docs/openapi.yaml) */
    for (int i = 1; i <= maplat_router_count(maplat_g.router); i++) {
        const maplat_route_t *rt = APR_ARRAY_IDX(maplat_g.router->routes, i - 1, const maplat_route_t *);
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, MAPLAT_LOGNO(01002) "route %s %s",
                     maplat_allow_header(ptemp, rt->methods), rt->tmpl);
    }
    ap_log_error(
        APLOG_MARK, APLOG_INFO, 0, s,
        MAPLAT_LOGNO(
            01001) "maplat core ready: %d routes, %d SQL statements, json-c %s, libmemcached %s, cache %s",
        maplat_router_count(maplat_g.router), maplat_g.sql->nelts, json_c_version(), memcached_lib_version(),
        maplat_g.cache_config ? maplat_g.cache_config : "off");
    return OK;
}

static void gate_child_init(apr_pool_t *p, server_rec *s)
{
    int threads = 0;
    if (maplat_g.concurrency <= 0 || ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads) != APR_SUCCESS ||
        threads <= maplat_g.concurrency) {
        return;
    }
    child_gate = maplat_gate_create(p, (unsigned)maplat_g.concurrency, (unsigned)threads);
    if (!child_gate) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                     MAPLAT_LOGNO(01035) "child %" APR_PID_T_FMT ": " MAPLAT_DIR_CONCURRENCY
                                         " %d: the gate could not be made; serving without it",
                     getpid(), maplat_g.concurrency);
    }
}

static void maplat_child_init(apr_pool_t *p, server_rec *s)
{
    maplat_cache_child_init(p, s);
    maplat_db_child_init(p, s);
    gate_child_init(p, s);
}

/* Correlation id and API version header for every request. */
static int maplat_post_read_request(request_rec *r)
{
    const char *cid;
    if (r->main || r->prev) {
        return DECLINED;
    }
    cid = apr_table_get(r->headers_in, "X-Correlation-ID");
    if (!maplat_correlation_id_valid(cid)) {
        cid = maplat_uuid_new(r->pool);
    }
    apr_table_setn(r->notes, MAPLAT_NOTE_CID, cid);
    apr_table_setn(r->err_headers_out, "X-Correlation-ID", cid);
    apr_table_setn(r->err_headers_out, "X-API-Version", "1");
    return DECLINED;
}

/* Before mod_log_config: notes for the access log, then the metrics. */
static int maplat_log_transaction(request_rec *r)
{
    maplat_req_t *rq = maplat_req(r);
    request_rec *last = r;
    apr_time_t dur = apr_time_now() - r->request_time;
    const char *route = "-", *cid, *user, *org, *duration;

    while (last->next) {
        last = last->next;
    }
    if (rq->route_index < 0 && maplat_g.router) {
        /* not routed (e.g. refused by authentication): meter it anyway if
         * the path is one of our routes */
        const maplat_route_t *rt = NULL;
        maplat_match_t m;
        if (maplat_route(r, &rt, &m) != MAPLAT_ROUTE_NONE) {
            rq->route_index = m.route_index;
        }
        else if (r->uri && strncmp(r->uri, "/api/v1/", 8) == 0 && r->finfo.filetype != APR_REG) {
            /* (a static file httpd serves under /api/v1, e.g. openapi.yaml, is no API request) */
            rq->route_index = 0; /* "unmatched": an API path no route knows */
        }
    }
    if (rq->route_index >= 0) {
        route = maplat_router_template(maplat_g.router, rq->route_index);
        maplat_metrics_request(r, rq->route_index, last->status, dur);
    }
    cid = apr_table_get(r->notes, MAPLAT_NOTE_CID);
    if (!cid) {
        /* refused before post_read_request (bad request line or header) */
        cid = maplat_uuid_new(r->pool);
    }
    user = rq->has_identity && rq->identity.user_id ? rq->identity.user_id : "-";
    org = rq->has_identity && rq->identity.org_id ? rq->identity.org_id : "-";
    duration = apr_psprintf(r->pool, "%" APR_TIME_T_FMT, dur);
    /* mod_log_config reads %{...}n from the final request of an internal
     * redirect chain (ErrorDocument): put the notes on every request */
    for (request_rec *rr = r; rr; rr = rr->next) {
        apr_table_setn(rr->notes, MAPLAT_NOTE_CID, cid);
        apr_table_setn(rr->notes, MAPLAT_NOTE_ROUTE, route);
        apr_table_setn(rr->notes, MAPLAT_NOTE_USER, user);
        apr_table_setn(rr->notes, MAPLAT_NOTE_ORG, org);
        apr_table_setn(rr->notes, MAPLAT_NOTE_DURATION, duration);
    }
    return DECLINED;
}

static int maplat_handler(request_rec *r)
{
    if (!r->handler) {
        return DECLINED;
    }
    if (strcmp(r->handler, MAPLAT_HANDLER) == 0) {
        return api_handler(r);
    }
    if (strcmp(r->handler, MAPLAT_ERROR_HANDLER) == 0) {
        return error_handler(r);
    }
    return maplat_metrics_handler(r);
}

static void maplat_register_hooks(apr_pool_t *p)
{
    static const char *const before_dbd[] = {"mod_dbd.c", NULL};
    static const char *const before_log[] = {"mod_log_config.c", NULL};
    static const char *const after_dbd[] = {"mod_dbd.c", NULL};

    APR_REGISTER_OPTIONAL_FN(maplat_core_api);
    ap_hook_pre_config(maplat_pre_config, NULL, NULL, APR_HOOK_REALLY_FIRST);
    /* after the other maplat modules (they register in pre_config), before mod_dbd */
    ap_hook_check_config(maplat_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(maplat_post_config, NULL, before_dbd, APR_HOOK_FIRST);
    /* after mod_dbd's, which creates the child's connection pool */
    ap_hook_child_init(maplat_child_init, after_dbd, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_read_request(maplat_post_read_request, NULL, NULL, APR_HOOK_FIRST);
    /* MaplatConcurrency: reads wait here, in the order they came, before
     * authentication (it may take a database connection) */
    ap_hook_header_parser(gate_header_parser, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_handler(maplat_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_log_transaction(maplat_log_transaction, NULL, before_log, APR_HOOK_FIRST);
    ap_register_output_filter(HOLD_FILTER, hold_filter, NULL, AP_FTYPE_RESOURCE);
    ap_register_output_filter(GATE_FILTER, gate_filter, NULL, AP_FTYPE_RESOURCE);
}

MAPLAT_MODULE_EXPORT AP_DECLARE_MODULE(maplat) = {STANDARD20_MODULE_STUFF,
                                                  NULL, /* per-directory config: none */
                                                  NULL,
                                                  maplat_create_srv_cfg,
                                                  maplat_merge_srv_cfg,
                                                  maplat_cmds,
                                                  maplat_register_hooks,
                                                  AP_MODULE_FLAG_NONE};
