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
#include "http_log.h"
#include "http_config.h"
#include "apr_strings.h"

const maplat_core_t *maplat_api_core;

/* MaplatCacheTTL dashboard|financial <seconds> */
static const char *set_cache_ttl(cmd_parms *cmd, void *dummy, const char *what, const char *secs)
{
    apr_int64_t v;
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    if (err) {
        return err;
    }
    if (maplat_parse_int(secs, 1, 86400, &v) != 0) {
        return apr_psprintf(cmd->pool,
                            MAPLAT_DIR_CACHE_TTL " %s: '%s' is not a number of seconds from 1 to 86400", what,
                            secs);
    }
    if (strcmp(what, "dashboard") == 0) {
        api_ttl_dashboard = (int)v;
    }
    else if (strcmp(what, "financial") == 0) {
        api_ttl_financial = (int)v;
    }
    else {
        return apr_psprintf(cmd->pool, MAPLAT_DIR_CACHE_TTL ": unknown answer '%s' (dashboard, financial)",
                            what);
    }
    return NULL;
}

static const command_rec api_cmds[] = {
    AP_INIT_TAKE2(MAPLAT_DIR_CACHE_TTL, set_cache_ttl, NULL, RSRC_CONF,
                  "seconds cached answers live: dashboard (default 300), financial (default 3600)"),
    {NULL}};

static int api_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    const char *err;
    api_ttl_dashboard = 300;
    api_ttl_financial = 3600;
    maplat_api_core = maplat_core_import(plog, "mod_maplat_api");
    if (!maplat_api_core) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((err = api_deals_init(pconf)) || (err = api_prospects_init(pconf)) || (err = api_tasks_init(pconf)) ||
        (err = api_documents_init(pconf)) || (err = api_bulk_init(pconf)) || (err = api_audit_init(pconf)) ||
        (err = api_insights_init(pconf)) || (err = api_community_init(pconf))) {
        ap_log_perror(APLOG_MARK, APLOG_CRIT, 0, plog, MAPLAT_LOGNO(03001) "%s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

static void api_register_hooks(apr_pool_t *p)
{
    /* after mod_maplat's pre_config, which resets the route table */
    static const char *const after_core[] = {"mod_maplat.c", NULL};
    ap_hook_pre_config(api_pre_config, after_core, NULL, APR_HOOK_MIDDLE);
}

MAPLAT_MODULE_EXPORT AP_DECLARE_MODULE(maplat_api) = {
    STANDARD20_MODULE_STUFF, NULL, NULL, NULL, NULL, api_cmds, api_register_hooks, AP_MODULE_FLAG_NONE};
