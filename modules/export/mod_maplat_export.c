/*
 * mod_maplat_export — document generation and the export queue.
 *
 * This module reaches the core's services (router, database, cache, JSON,
 * identity) through the table returned by the maplat_core_api optional
 * function, fetched in pre_config; it refuses to start without mod_maplat.
 */
#include "maplat.h"
#include "http_log.h"

static const maplat_core_t *core;

static int export_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    core = maplat_core_import(plog, "mod_maplat_export");
    return core ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

static void export_register_hooks(apr_pool_t *p)
{
    /* after mod_maplat's pre_config, which resets the route table */
    static const char *const after_core[] = {"mod_maplat.c", NULL};
    ap_hook_pre_config(export_pre_config, after_core, NULL, APR_HOOK_MIDDLE);
}

MAPLAT_MODULE_EXPORT AP_DECLARE_MODULE(maplat_export) = {
    STANDARD20_MODULE_STUFF,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    export_register_hooks,
    AP_MODULE_FLAG_NONE
};
