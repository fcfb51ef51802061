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

const maplat_core_t *maplat_api_core;

static int api_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    const char *err;
    maplat_api_core = maplat_core_import(plog, "mod_maplat_api");
    if (!maplat_api_core) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((err = api_deals_init(pconf)) || (err = api_prospects_init(pconf)) || (err = api_tasks_init(pconf))
        || (err = api_documents_init(pconf)) || (err = api_bulk_init(pconf)) || (err = api_audit_init(pconf))) {
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
    STANDARD20_MODULE_STUFF,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    api_register_hooks,
    AP_MODULE_FLAG_NONE
};
