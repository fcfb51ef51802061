/*
 * mod_maplat_echo — a TEST-ONLY module (never installed). It registers
 * routes through the core's router so the Apache::Test suite can exercise
 * the core's services (JSON body reader, router, database wrapper) before
 * the real resource modules exist, and proves the cross-module API works.
 */
#include "maplat.h"
#include "maplat_enums.h"
#include "apr_strings.h"
#include "http_log.h"
#include "http_core.h"

static const maplat_core_t *echo_core;

static int echo_body(request_rec *r, const maplat_match_t *m)
{
    json_object *body = NULL, *out;
    if (echo_core->read_json(r, &body) != OK) {
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

static const maplat_stmt_t *st_db, *st_sleep; /* set in pre_config */

static int echo_db(request_rec *r, const maplat_match_t *m)
{
    maplat_args_t *a = echo_core->args(r->pool, st_db);
    maplat_rows_t *row = NULL;
    json_object *out;
    int rc;

    echo_core->bind(a, "v", "maplat");
    if ((rc = echo_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    out = json_object_new_object();
    if (row) {
        const char *v = echo_core->col(row, "value");
        const char *n = echo_core->col(row, "nothing");
        json_object_object_add(out, "value", json_object_new_string(v ? v : ""));
        json_object_object_add(out, "null_is_null", json_object_new_boolean(n == NULL));
    }
    return maplat_json_send(r, HTTP_OK, out);
}

static int echo_sleep(request_rec *r, const maplat_match_t *m)
{
    /* a slow statement: SELECT pg_sleep(?seconds) (statement timeout tests) */
    maplat_args_t *a = echo_core->args(r->pool, st_sleep);
    maplat_rows_t *rows = NULL;
    int rc;

    echo_core->bind(a, "seconds", r->args && strncmp(r->args, "seconds=", 8) == 0 ? r->args + 8 : "0");
    if ((rc = echo_core->db_rows(r, a, &rows)) != OK) {
        return rc;
    }
    while (echo_core->row_next(rows)) {
    }
    return maplat_json_send(r, HTTP_OK, json_object_new_object());
}

/* GET /api/v1/_test/stmt?case=ok|unknown|unbound|column: a statement with
 * named parameters (t/core/statements.t). unknown binds a name the statement
 * does not have, unbound leaves one out (both: 500, logged), column reads an
 * undeclared column (NULL, logged). */
static const maplat_stmt_t *st_named;

static int echo_stmt(request_rec *r, const maplat_match_t *m)
{
    const char *c = apr_table_get(maplat_query(r), "case");
    maplat_args_t *a = echo_core->args(r->pool, st_named);
    maplat_rows_t *row = NULL;
    json_object *out;
    int rc;

    c = c ? c : "ok";
    echo_core->bind(a, "n", "2");
    if (strcmp(c, "unbound") != 0) {
        echo_core->bind(a, "text", "x'%s:y");
    }
    if (strcmp(c, "unknown") == 0) {
        echo_core->bind(a, "txet", "z");
    }
    if ((rc = echo_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    out = json_object_new_object();
    json_object_object_add(
        out, "doubled",
        json_object_new_string(row && echo_core->col(row, "doubled") ? echo_core->col(row, "doubled") : ""));
    json_object_object_add(
        out, "literal",
        json_object_new_string(row && echo_core->col(row, "literal") ? echo_core->col(row, "literal") : ""));
    json_object_object_add(
        out, "percent",
        json_object_new_string(row && echo_core->col_at(row, 2) ? echo_core->col_at(row, 2) : ""));
    if (strcmp(c, "column") == 0) {
        json_object_object_add(out, "undeclared_is_null",
                               json_object_new_boolean(echo_core->col(row, "nope") == NULL));
    }
    return maplat_json_send(r, HTTP_OK, out);
}

static int echo_fail(request_rec *r, const maplat_match_t *m)
{
    /* a handler that hands an error status back to the core */
    return HTTP_INTERNAL_SERVER_ERROR;
}

/* the enumerations of maplat_enums.h, for t/db/enums.t to compare with the
 * database's CHECK constraints: {"enums":[{"name","db_check","values","message"},…]} */
static int echo_enums(request_rec *r, const maplat_match_t *m)
{
    json_object *out = json_object_new_object(), *list = json_object_new_array();
    for (const maplat_enum_t *const *e = maplat_enums; *e; e++) {
        json_object *o = json_object_new_object(), *values = json_object_new_array();
        for (const char *const *v = (*e)->values; *v; v++) {
            json_object_array_add(values, json_object_new_string(*v));
        }
        json_object_object_add(o, "name", json_object_new_string((*e)->name));
        json_object_object_add(o, "db_check", (*e)->db_check ? json_object_new_string((*e)->db_check) : NULL);
        json_object_object_add(o, "values", values);
        json_object_object_add(o, "message", json_object_new_string(maplat_enum_message(r->pool, *e)));
        json_object_array_add(list, o);
    }
    json_object_object_add(out, "enums", list);
    return maplat_json_send(r, HTTP_OK, out);
}

static int echo_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    const char *err;
    echo_core = maplat_core_import(plog, "mod_maplat_echo");
    if (!echo_core) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((err = echo_core->route_add(pconf, MAPLAT_M_POST | MAPLAT_M_PUT | MAPLAT_M_PATCH,
                                    "/api/v1/_test/echo", echo_body)) ||
        (err = echo_core->route_add(pconf, MAPLAT_M_GET | MAPLAT_M_DELETE, "/api/v1/_test/items/{id}",
                                    echo_item)) ||
        (err = echo_core->route_add(pconf, MAPLAT_M_GET, "/api/v1/_test/db", echo_db)) ||
        (err = echo_core->route_add(pconf, MAPLAT_M_GET, "/api/v1/_test/fail", echo_fail)) ||
        (err = echo_core->route_add(pconf, MAPLAT_M_GET, "/api/v1/_test/sleep", echo_sleep)) ||
        (err = echo_core->route_add(pconf, MAPLAT_M_GET, "/api/v1/_test/stmt", echo_stmt)) ||
        (err = echo_core->route_add(pconf, MAPLAT_M_GET, "/api/v1/_test/enums", echo_enums))) {
        ap_log_perror(APLOG_MARK, APLOG_CRIT, 0, plog, MAPLAT_LOGNO(09001) "%s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    st_db = echo_core->stmt_add("maplat_echo_db", "v", "value nothing",
                                "SELECT :v::text || '-ok' AS value, NULL::text AS nothing");
    st_sleep = echo_core->stmt_add("maplat_echo_sleep", "seconds", "slept",
                                   "SELECT pg_sleep(:seconds::float8)::text AS slept");
    /* a parameter used twice, a cast, a literal and a comment that look like
     * parameters, a literal percent sign */
    st_named =
        echo_core->stmt_add("maplat_echo_named", "text n", "doubled literal percent",
                            "SELECT repeat(:text, :n::int) || '' AS doubled, ':text::not_a_param' AS literal,"
                            " '100%' AS percent /* :text */ WHERE :text IS NOT NULL -- :n");
    if (ap_exists_config_define("MAPLAT_ECHO_BAD_STATEMENTS")) {
        /* t/core/statements.t: start-up refuses these, naming each */
        echo_core->stmt_add("maplat_echo_bad_undeclared", "id", "x", "SELECT :id AS x, :org");
        echo_core->stmt_add("maplat_echo_bad_unused", "id org", "x", "SELECT :id AS x");
        echo_core->stmt_add("maplat_echo_bad_quote", "", "x", "SELECT 'open AS x");
        echo_core->stmt_add("maplat_echo_bad_positional", "", "x", "SELECT %s AS x");
        echo_core->stmt_add("maplat_echo_db", "", "x", "SELECT 1 AS x"); /* a label already registered */
        echo_core->stmt_add("Maplat_Echo_Upper", "", "x", "SELECT 1 AS x");
    }
    return OK;
}

static void echo_register_hooks(apr_pool_t *p)
{
    static const char *const after_core[] = {"mod_maplat.c", NULL};
    ap_hook_pre_config(echo_pre_config, after_core, NULL, APR_HOOK_MIDDLE);
}

MAPLAT_MODULE_EXPORT AP_DECLARE_MODULE(maplat_echo) = {
    STANDARD20_MODULE_STUFF, NULL, NULL, NULL, NULL, NULL, echo_register_hooks, AP_MODULE_FLAG_NONE};
