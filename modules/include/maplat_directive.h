/*
 * maplat_directive.h — the one directive-parsing idiom of every maplat module
 * (modules/common/directive.c), the export module's:
 *
 *   - each setting starts "unset" in pre_config (every configuration pass, so a
 *     graceful restart without the directive gets the default back);
 *   - a directive given twice in the same context is refused ("X is duplicate");
 *   - a bad value stops start-up with a message that names the directive;
 *   - the defaults are stated once, in one function that fills what is still
 *     unset after the configuration is read (post_config / the merge), never at
 *     the places that use the value.
 */
#ifndef MAPLAT_DIRECTIVE_H
#define MAPLAT_DIRECTIVE_H

#include "http_config.h"
#include "httpd.h"

/* NULL when the directive may be given where it is (global_only: only at server
 * level, outside <VirtualHost>) and was not given before (given != 0); else the
 * message that stops start-up: the context error or "<Directive> is duplicate". */
const char *maplat_directive_once(cmd_parms *cmd, int given, int global_only);

/* A whole decimal number min..max into *out; else "<Directive>: 'arg' is not
 * <what> between <min> and <max>". */
const char *maplat_directive_int(cmd_parms *cmd, const char *arg, apr_int64_t min, apr_int64_t max,
                                 const char *what, apr_int64_t *out);

#endif
