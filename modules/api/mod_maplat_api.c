/*
 * mod_maplat_api — the REST resources: deals, prospects, tasks, documents
 * and their permissions, bulk actions and the audit log (more resources
 * arrive with their issues).
 *
 * It reaches the core's services (router, database, JSON, identity) through
 * the maplat_core_api table fetched in pre_config, and refuses to start
 * without mod_maplat. Every route needs the caller's identity: configure
 * `AuthType maplat` + `Require valid-user` on /api/v1 (docs/admin-guide.md).
 */
#define MAPLAT_API_MAIN
#include "api.h"
#include "files.h"
#include "http_log.h"
#include "http_config.h"
#include "apr_strings.h"

const maplat_core_t *api_core;

/* MaplatCacheTTL dashboard|financial <seconds> */
static const char *set_cache_ttl(cmd_parms *cmd, void *dummy, const char *what, const char *secs)
{
    apr_int64_t v;
    int *ttl = strcmp(what, "dashboard") == 0   ? &api_ttl_dashboard
               : strcmp(what, "financial") == 0 ? &api_ttl_financial
                                                : NULL;
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    if (err) {
        return err;
    }
    if (!ttl) {
        return apr_psprintf(cmd->pool, MAPLAT_DIR_CACHE_TTL ": unknown answer '%s' (dashboard, financial)",
                            what);
    }
    if (*ttl != -1) {
        return apr_psprintf(cmd->pool, MAPLAT_DIR_CACHE_TTL " %s is duplicate", what);
    }
    if (maplat_parse_int(secs, 1, 86400, &v) != 0) {
        return apr_psprintf(cmd->pool,
                            MAPLAT_DIR_CACHE_TTL " %s: '%s' is not a number of seconds from 1 to 86400", what,
                            secs);
    }
    *ttl = (int)v;
    return NULL;
}

/* Every default of this module, stated once (the files' in files_conf_defaults). */
static void api_config_defaults(void)
{
    if (api_ttl_dashboard == -1) {
        api_ttl_dashboard = 300;
    }
    if (api_ttl_financial == -1) {
        api_ttl_financial = 3600;
    }
}

static const command_rec api_cmds[] = {
    AP_INIT_TAKE2(MAPLAT_DIR_CACHE_TTL, set_cache_ttl, NULL, RSRC_CONF,
                  "seconds cached answers live: dashboard (default 300), financial (default 3600)"),
    /* documents as files (files.c, store.c) */
    AP_INIT_TAKE1(D_FILE_STORE, files_cmd_store, NULL, RSRC_CONF,
                  "directory of the uploaded files (shared by servers)"),
    AP_INIT_TAKE1(D_FILE_MAX, files_cmd_max, NULL, RSRC_CONF,
                  "largest upload in bytes, K/M/G allowed (default 100M)"),
    AP_INIT_TAKE1(D_FILE_QUOTA, files_cmd_quota, NULL, RSRC_CONF,
                  "stored bytes per organization (default 0: none)"),
    AP_INIT_FLAG(D_FILE_WATERMARK, files_cmd_watermark, NULL, RSRC_CONF,
                 "PDF downloads stamped (default On)"),
    AP_INIT_TAKE1(D_FILE_GRACE, files_cmd_grace, NULL, RSRC_CONF,
                  "seconds before unreferenced files are removed (default 86400)"),
    {NULL}};

static int api_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    const char *err;
    api_ttl_dashboard = -1; /* unset: api_config_defaults() */
    api_ttl_financial = -1;
    files_conf_reset();
    api_core = maplat_core_import(plog, "mod_maplat_api");
    if (!api_core) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((err = api_deals_init(pconf)) || (err = api_prospects_init(pconf)) || (err = api_tasks_init(pconf)) ||
        (err = api_documents_init(pconf)) || (err = api_bulk_init(pconf)) || (err = api_audit_init(pconf)) ||
        (err = api_insights_init(pconf)) || (err = api_community_init(pconf)) ||
        (err = api_files_init(pconf))) {
        ap_log_perror(APLOG_MARK, APLOG_CRIT, 0, plog, MAPLAT_LOGNO(03001) "%s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

static int api_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    return files_check_config(ptemp, s);
}

static int api_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    api_config_defaults();
    return files_post_config(pconf, s);
}

static void api_child_init(apr_pool_t *pchild, server_rec *s)
{
    files_child_init(pchild, s);
}

static void api_register_hooks(apr_pool_t *p)
{
    /* after mod_maplat's pre_config, which resets the route table */
    static const char *const after_core[] = {"mod_maplat.c", NULL};
    ap_hook_pre_config(api_pre_config, after_core, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(api_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    /* before mod_watchdog's post_config (APR_HOOK_LAST) starts the threads */
    ap_hook_post_config(api_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(api_child_init, NULL, NULL, APR_HOOK_MIDDLE);
}

MAPLAT_MODULE_EXPORT AP_DECLARE_MODULE(maplat_api) = {
    STANDARD20_MODULE_STUFF, NULL, NULL, NULL, NULL, api_cmds, api_register_hooks, AP_MODULE_FLAG_NONE};
