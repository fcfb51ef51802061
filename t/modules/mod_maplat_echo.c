/*
 * mod_maplat_echo — a TEST-ONLY module (never installed). It registers
 * routes through the core's router so the Apache::Test suite can exercise
 * the core's services (JSON body reader, router, database wrapper) before
 * the real resource modules exist, and proves the cross-module API works.
 */
#include "maplat.h"
#include "apr_strings.h"
#include "http_log.h"

static const maplat_core_t *core;

static int echo_body(request_rec *r, const maplat_match_t *m)
{
    json_object *body = NULL, *out;
    if (core->read_json(r, &body) != OK) {
        return OK;
    }
    out = json_object_new_object();
    json_object_object_add(out, "echo", json_object_get(body));
    return maplat_json_send(r, HTTP_OK, out);
}

static int echo_item(request_rec *r, const maplat_match_t *m)
{
    json_object *out = json_object_new_object();
    json_object_object_add(out, "id", json_object_new_string(maplat_param(m, "id")));
    json_object_object_add(out, "method", json_object_new_string(r->method));
    return maplat_json_send(r, HTTP_OK, out);
}

static int echo_db(request_rec *r, const maplat_match_t *m)
{
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    json_object *out;
    const char *args[] = {"maplat"};
    ap_dbd_t *dbd;
    int rc = core->db_select(r, "maplat_echo_db", &res, 1, args);

    if (rc != OK) {
        return rc;
    }
    dbd = core->db_acquire(r);
    out = json_object_new_object();
    if (apr_dbd_get_row(dbd->driver, r->pool, res, &row, -1) == 0) {
        const char *v = core->db_get(r, row, 0);
        const char *n = core->db_get(r, row, 1);
        json_object_object_add(out, "value", json_object_new_string(v ? v : ""));
        json_object_object_add(out, "null_is_null", json_object_new_boolean(n == NULL));
    }
    return maplat_json_send(r, HTTP_OK, out);
}

static int echo_sleep(request_rec *r, const maplat_match_t *m)
{
    /* a slow statement: SELECT pg_sleep(?seconds) (statement timeout tests) */
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    const char *args[1] = {"0"};
    int rc;

    if (r->args && strncmp(r->args, "seconds=", 8) == 0) {
        args[0] = r->args + 8;
    }
    if ((rc = core->db_select(r, "maplat_echo_sleep", &res, 1, args)) != OK) {
        return rc;
    }
    while (core->db_next(r, res, &row) && row) {
    }
    return maplat_json_send(r, HTTP_OK, json_object_new_object());
}

static int echo_fail(request_rec *r, const maplat_match_t *m)
{
    /* a handler that hands an error status back to the core */
    return HTTP_INTERNAL_SERVER_ERROR;
}

static int echo_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    const char *err;
    core = maplat_core_import(plog, "mod_maplat_echo");
    if (!core) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((err = core->route_add(pconf, MAPLAT_M_POST | MAPLAT_M_PUT | MAPLAT_M_PATCH, "/api/v1/_test/echo",
                               echo_body)) ||
        (err =
             core->route_add(pconf, MAPLAT_M_GET | MAPLAT_M_DELETE, "/api/v1/_test/items/{id}", echo_item)) ||
        (err = core->route_add(pconf, MAPLAT_M_GET, "/api/v1/_test/db", echo_db)) ||
        (err = core->route_add(pconf, MAPLAT_M_GET, "/api/v1/_test/fail", echo_fail)) ||
        (err = core->route_add(pconf, MAPLAT_M_GET, "/api/v1/_test/sleep", echo_sleep))) {
        ap_log_perror(APLOG_MARK, APLOG_CRIT, 0, plog, MAPLAT_LOGNO(09001) "%s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    core->sql_add("maplat_echo_db", "SELECT %s::text || '-ok', NULL::text");
    core->sql_add("maplat_echo_sleep", "SELECT pg_sleep(%s::float8)::text");
    return OK;
}

static void echo_register_hooks(apr_pool_t *p)
{
    static const char *const after_core[] = {"mod_maplat.c", NULL};
    ap_hook_pre_config(echo_pre_config, after_core, NULL, APR_HOOK_MIDDLE);
}

MAPLAT_MODULE_EXPORT AP_DECLARE_MODULE(maplat_echo) = {
    STANDARD20_MODULE_STUFF, NULL, NULL, NULL, NULL, NULL, echo_register_hooks, AP_MODULE_FLAG_NONE};
