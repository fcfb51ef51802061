/*
 * The directive-parsing idiom every maplat module follows (maplat_directive.h).
 */
#include "apr_strings.h"
#include "http_core.h"
#include "maplat.h"
#include "maplat_directive.h"

const char *maplat_directive_once(cmd_parms *cmd, int given, int global_only)
{
    const char *err = global_only ? ap_check_cmd_context(cmd, GLOBAL_ONLY) : NULL;
    if (err) {
        return err;
    }
    if (given) {
        return apr_psprintf(cmd->pool, "%s is duplicate", cmd->directive->directive);
    }
    return NULL;
}

const char *maplat_directive_int(cmd_parms *cmd, const char *arg, apr_int64_t min, apr_int64_t max,
                                 const char *what, apr_int64_t *out)
{
    apr_int64_t v = 0;
    if (maplat_parse_int(arg, min, max, &v) != 0) {
        return apr_psprintf(cmd->pool,
                            "%s: '%s' is not %s between %" APR_INT64_T_FMT " and %" APR_INT64_T_FMT,
                            cmd->directive->directive, arg, what, min, max);
    }
    *out = v;
    return NULL;
}
