/*
 * Directives of mod_maplat, in the idiom of every maplat module
 * (maplat_directive.h): settings start unset in pre_config, a directive given
 * twice is refused, every bad value stops start-up with a message that names
 * the directive, and the defaults are stated once, in maplat_config_defaults().
 */
#include "core.h"
#include "maplat_directive.h"
#include "apr_strings.h"
#include "http_core.h"

#include <stdlib.h>

maplat_globals_t maplat_g;

static const char *set_cache(cmd_parms *cmd, void *dummy, const char *arg)
{
    char err[512];
    const char *ctx = maplat_directive_once(cmd, maplat_g.cache_config != NULL, 1);
    if (ctx) {
        return ctx;
    }
    if (!*arg) {
        return MAPLAT_DIR_CACHE
            ": the libmemcached configuration string is empty "
            "(e.g. \"--SERVER=127.0.0.1:11211\"); leave the directive out to run without a cache";
    }
    if (libmemcached_check_configuration(arg, strlen(arg), err, sizeof(err)) != MEMCACHED_SUCCESS) {
        return apr_psprintf(cmd->pool, MAPLAT_DIR_CACHE ": invalid libmemcached configuration '%s': %s", arg,
                            err);
    }
    maplat_g.cache_config = apr_pstrdup(cmd->pool, arg);
    return NULL;
}

static const char *set_cache_timeout(cmd_parms *cmd, void *dummy, const char *arg)
{
    apr_int64_t v = 0;
    const char *err = maplat_directive_once(cmd, maplat_g.cache_timeout_ms != 0, 1);
    if (err || (err = maplat_directive_int(cmd, arg, 1, 10000, "a number of milliseconds", &v))) {
        return err;
    }
    maplat_g.cache_timeout_ms = (int)v;
    return NULL;
}

static const char *set_cache_retry(cmd_parms *cmd, void *dummy, const char *arg)
{
    apr_int64_t v = 0;
    const char *err = maplat_directive_once(cmd, maplat_g.cache_retry_s != 0, 1);
    if (err || (err = maplat_directive_int(cmd, arg, 1, 3600, "a number of seconds", &v))) {
        return err;
    }
    maplat_g.cache_retry_s = (int)v;
    return NULL;
}

static const char *set_max_body(cmd_parms *cmd, void *dummy, const char *arg)
{
    maplat_srv_cfg_t *sc = ap_get_module_config(cmd->server->module_config, &maplat_module);
    apr_int64_t v = 0;
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    if (err || (err = maplat_directive_once(cmd, sc->max_body != -1, 0)) ||
        (err = maplat_directive_int(cmd, arg, 1, APR_INT64_C(1073741824), "a number of bytes", &v))) {
        return err;
    }
    sc->max_body = (apr_off_t)v;
    return NULL;
}

static const char *set_json_depth(cmd_parms *cmd, void *dummy, const char *arg)
{
    maplat_srv_cfg_t *sc = ap_get_module_config(cmd->server->module_config, &maplat_module);
    apr_int64_t v = 0;
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    if (err || (err = maplat_directive_once(cmd, sc->json_depth != -1, 0)) ||
        (err = maplat_directive_int(cmd, arg, 1, 1000, "a nesting depth", &v))) {
        return err;
    }
    sc->json_depth = (int)v;
    return NULL;
}

static const char *set_stmt_timeout(cmd_parms *cmd, void *dummy, const char *arg)
{
    apr_int64_t v = 0;
    const char *err = maplat_directive_once(cmd, maplat_g.stmt_timeout_ms != 0, 1);
    if (err ||
        (err = maplat_directive_int(cmd, arg, 0, 3600000, "a number of milliseconds (0: no limit)", &v))) {
        return err;
    }
    maplat_g.stmt_timeout_ms = v ? (int)v : -1;
    return NULL;
}

static const char *set_concurrency(cmd_parms *cmd, void *dummy, const char *arg)
{
    apr_int64_t v = 0;
    const char *err = maplat_directive_once(cmd, maplat_g.concurrency != 0, 1);
    if (err || (err = maplat_directive_int(cmd, arg, 0, 100000,
                                           "a number of requests per httpd child (0: no limit)", &v))) {
        return err;
    }
    maplat_g.concurrency = v ? (int)v : -1;
    return NULL;
}

const command_rec maplat_cmds[] = {
    AP_INIT_TAKE1(MAPLAT_DIR_CACHE, set_cache, NULL, RSRC_CONF,
                  "libmemcached configuration string, e.g. \"--SERVER=mc1:11211 --SERVER=mc2:11211\""),
    AP_INIT_TAKE1(MAPLAT_DIR_CACHE_TIMEOUT, set_cache_timeout, NULL, RSRC_CONF,
                  "timeout of one memcached operation in milliseconds (default 250)"),
    AP_INIT_TAKE1(MAPLAT_DIR_CACHE_RETRY, set_cache_retry, NULL, RSRC_CONF,
                  "seconds a failed memcached server is skipped (default 30)"),
    AP_INIT_TAKE1(MAPLAT_DIR_MAX_BODY, set_max_body, NULL, RSRC_CONF,
                  "largest JSON request body in bytes (default 1048576)"),
    AP_INIT_TAKE1(MAPLAT_DIR_JSON_DEPTH, set_json_depth, NULL, RSRC_CONF,
                  "deepest JSON nesting accepted in request bodies (default 32)"),
    AP_INIT_TAKE1(MAPLAT_DIR_STMT_TIMEOUT, set_stmt_timeout, NULL, RSRC_CONF,
                  "longest run of one SQL statement in milliseconds, then 503 (default 15000; 0: none)"),
    AP_INIT_TAKE1(MAPLAT_DIR_CONCURRENCY, set_concurrency, NULL, RSRC_CONF,
                  "API reads of one httpd child served at once; more wait, first come first served "
                  "(default 0: no limit)"),
    AP_INIT_TAKE3(
        MAPLAT_DIR_RATE_LIMIT, maplat_cmd_rate_limit, NULL, RSRC_CONF,
        "rate limit: login|moderation <count> <seconds> (defaults: login 10 900, moderation 30 60)"),
    {NULL}};

void *maplat_create_srv_cfg(apr_pool_t *p, server_rec *s)
{
    maplat_srv_cfg_t *sc = apr_pcalloc(p, sizeof(*sc));
    sc->max_body = -1;
    sc->json_depth = -1;
    return sc;
}

void *maplat_merge_srv_cfg(apr_pool_t *p, void *basev, void *addv)
{
    maplat_srv_cfg_t *base = basev, *add = addv;
    maplat_srv_cfg_t *sc = apr_pcalloc(p, sizeof(*sc));
    sc->max_body = add->max_body != -1 ? add->max_body : base->max_body;
    sc->json_depth = add->json_depth != -1 ? add->json_depth : base->json_depth;
    return sc;
}

/* Every default, stated once: what no directive set, after the configuration is
 * read (post_config; the virtual hosts are merged by then). */
void maplat_config_defaults(server_rec *main_server)
{
    if (!maplat_g.cache_timeout_ms) {
        maplat_g.cache_timeout_ms = MAPLAT_DEFAULT_CACHE_TIMEOUT_MS;
    }
    if (!maplat_g.cache_retry_s) {
        maplat_g.cache_retry_s = MAPLAT_DEFAULT_CACHE_RETRY_S;
    }
    if (!maplat_g.concurrency) { /* the default, like "MaplatConcurrency 0": no limit */
        maplat_g.concurrency = -1;
    }
    if (!maplat_g.stmt_timeout_ms) { /* -1: "MaplatStatementTimeout 0", no limit */
        maplat_g.stmt_timeout_ms = MAPLAT_DEFAULT_STMT_TIMEOUT_MS;
    }
    for (server_rec *s = main_server; s; s = s->next) {
        maplat_srv_cfg_t *sc = ap_get_module_config(s->module_config, &maplat_module);
        if (sc->max_body == -1) {
            sc->max_body = MAPLAT_DEFAULT_MAX_BODY;
        }
        if (sc->json_depth == -1) {
            sc->json_depth = MAPLAT_DEFAULT_JSON_DEPTH;
        }
    }
}

apr_off_t maplat_cfg_max_body(request_rec *r)
{
    maplat_srv_cfg_t *sc = ap_get_module_config(r->server->module_config, &maplat_module);
    return sc->max_body;
}

int maplat_cfg_json_depth(request_rec *r)
{
    maplat_srv_cfg_t *sc = ap_get_module_config(r->server->module_config, &maplat_module);
    return sc->json_depth;
}
