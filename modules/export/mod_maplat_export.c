/*
 * mod_maplat_export — document generation and the export queue.
 *
 * This module reaches the core's services (router, database, cache, JSON,
 * identity) through the table returned by the maplat_core_api optional
 * function, fetched in pre_config; it refuses to start without mod_maplat.
 * Here: directives, hooks and the module structure. The API is in jobs.c,
 * the workers (mod_watchdog) in worker.c, rendering in model/pdf/docx.c.
 */
#define MAPLAT_EXPORT_MAIN
#include "export.h"
#include "http_log.h"
#include "http_main.h"
#include "http_core.h"
#include "apr_strings.h"
#include "apr_file_info.h"
#include "apr_atomic.h"
#include "unixd.h"
#include "mod_watchdog.h"
#include <libxml/parser.h>
#include <cairo.h>
#include <pango/pango.h>
#include <zip.h>
#include <unistd.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/wait.h>

#ifndef MAPLAT_TEMPLATE_DIR
#define MAPLAT_TEMPLATE_DIR "/usr/share/maplat/templates"
#endif

const maplat_core_t *export_core;
export_config_t export_conf;

static void config_reset(void)
{
    export_conf.dir = NULL;
    export_conf.templates = NULL;
    export_conf.workers = -1;
    export_conf.retention = -1;
    export_conf.max_attempts = -1;
    export_conf.quota = -1;
    export_conf.watermark = -1;
    export_conf.lease = -1;
    export_conf.test_delay = -1;
    export_conf.max_rows = -1;
}

/* Every default, stated once. */
static void config_defaults(void)
{
#define DEF(f, v)                                                                                            \
    if (export_conf.f < 0) {                                                                                 \
        export_conf.f = (v);                                                                                 \
    }
    DEF(workers, 2);
    DEF(retention, 86400);
    DEF(max_attempts, 3);
    DEF(quota, 50);
    DEF(watermark, 1);
    DEF(lease, 60);
    DEF(test_delay, 0);
    DEF(max_rows, 10000);
#undef DEF
    if (!export_conf.templates) {
        export_conf.templates = MAPLAT_TEMPLATE_DIR;
    }
}

static const char *set_int(cmd_parms *cmd, int *field, const char *v, long lo, long hi, const char *what)
{
    apr_int64_t n;
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    if (err) {
        return err;
    }
    if (*field != -1) {
        return apr_psprintf(cmd->pool, "%s is duplicate", cmd->cmd->name);
    }
    if (maplat_parse_int(v, lo, hi, &n) != 0) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not %s (%ld..%ld)", cmd->cmd->name, v, what, lo, hi);
    }
    *field = (int)n;
    return NULL;
}

static const char *cmd_workers(cmd_parms *cmd, void *d, const char *v)
{
    return set_int(cmd, &export_conf.workers, v, 0, 64, "a number of workers");
}
static const char *cmd_retention(cmd_parms *cmd, void *d, const char *v)
{
    return set_int(cmd, &export_conf.retention, v, 1, 31536000, "a number of seconds");
}
static const char *cmd_attempts(cmd_parms *cmd, void *d, const char *v)
{
    return set_int(cmd, &export_conf.max_attempts, v, 1, 20, "a number of attempts");
}
static const char *cmd_quota(cmd_parms *cmd, void *d, const char *v)
{
    return set_int(cmd, &export_conf.quota, v, 1, 1000000, "a number of pending jobs");
}
static const char *cmd_lease(cmd_parms *cmd, void *d, const char *v)
{
    return set_int(cmd, &export_conf.lease, v, 2, 3600, "a number of seconds");
}
static const char *cmd_max_rows(cmd_parms *cmd, void *d, const char *v)
{
    return set_int(cmd, &export_conf.max_rows, v, 1, 1000000, "a number of rows");
}
static const char *cmd_delay(cmd_parms *cmd, void *d, const char *v)
{
    return set_int(cmd, &export_conf.test_delay, v, 0, 10000, "a number of milliseconds");
}

static const char *cmd_watermark(cmd_parms *cmd, void *d, int on)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    if (err) {
        return err;
    }
    if (export_conf.watermark != -1) {
        return D_WATERMARK " is duplicate";
    }
    export_conf.watermark = on;
    return NULL;
}

static const char *set_dir(cmd_parms *cmd, const char **field, const char *v)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    if (err) {
        return err;
    }
    if (*field) {
        return apr_psprintf(cmd->pool, "%s is duplicate", cmd->cmd->name);
    }
    if (!*v) {
        return apr_psprintf(cmd->pool, "%s needs a directory", cmd->cmd->name);
    }
    *field = ap_server_root_relative(cmd->pool, v);
    if (!*field) {
        return apr_psprintf(cmd->pool, "%s: invalid path '%s'", cmd->cmd->name, v);
    }
    return NULL;
}

static const char *cmd_dir(cmd_parms *cmd, void *d, const char *v)
{
    return set_dir(cmd, &export_conf.dir, v);
}
static const char *cmd_templates(cmd_parms *cmd, void *d, const char *v)
{
    return set_dir(cmd, &export_conf.templates, v);
}

static const command_rec export_cmds[] = {
    AP_INIT_TAKE1(D_DIR, cmd_dir, NULL, RSRC_CONF,
                  "directory for rendered exports (must exist and be writable by httpd's user)"),
    AP_INIT_TAKE1(D_TEMPLATES, cmd_templates, NULL, RSRC_CONF, "directory of the XML export templates"),
    AP_INIT_TAKE1(D_WORKERS, cmd_workers, NULL, RSRC_CONF,
                  "export workers per httpd child process (0..64, default 2)"),
    AP_INIT_TAKE1(D_RETENTION, cmd_retention, NULL, RSRC_CONF,
                  "seconds a rendered file is kept (default 86400)"),
    AP_INIT_TAKE1(D_ATTEMPTS, cmd_attempts, NULL, RSRC_CONF,
                  "attempts before a job fails (1..20, default 3)"),
    AP_INIT_TAKE1(D_QUOTA, cmd_quota, NULL, RSRC_CONF, "pending export jobs per organization (default 50)"),
    AP_INIT_FLAG(D_WATERMARK, cmd_watermark, NULL, RSRC_CONF,
                 "diagonal watermark on every PDF page (default On)"),
    AP_INIT_TAKE1(D_LEASE, cmd_lease, NULL, RSRC_CONF,
                  "seconds a worker's claim lasts without renewal (default 60)"),
    AP_INIT_TAKE1(D_MAXROWS, cmd_max_rows, NULL, RSRC_CONF,
                  "most deals in a PDF/DOCX deals export; more: 422 at creation (1..1000000, default 10000)"),
    AP_INIT_TAKE1(D_DELAY, cmd_delay, NULL, RSRC_CONF, "tests only: milliseconds of sleep per rendered page"),
    {NULL}};

/* ------------------------------------------------------------ hooks */

static int export_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    const char *err;
    export_core = maplat_core_import(plog, "mod_maplat_export");
    if (!export_core) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    config_reset();
    if ((err = export_jobs_init(pconf)) != NULL) {
        ap_log_perror(APLOG_MARK, APLOG_CRIT, 0, plog, MAPLAT_LOGNO(04001) "%s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    export_worker_sql();
    export_stats_sql();
    export_core->health_add("export_workers", export_workers_health);
    export_core->metrics_add(export_stats_metrics);
    return OK;
}

/* The probe as httpd's child processes will run it: as User/Group when httpd
 * starts as root (a forked process drops to them), else as ourselves. */
static const char *probe_as_child_user(apr_pool_t *p, const char *dir)
{
    int fds[2], status = 0;
    pid_t pid;
    char buf[512];
    ssize_t n = 0, got;

    if (geteuid() != 0) {
        return maplat_dir_probe(p, dir);
    }
    if (pipe(fds) != 0) {
        return NULL; /* cannot tell: the children's own probes will */
    }
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return NULL;
    }
    if (pid == 0) {
        const char *why;
        close(fds[0]);
        /* as httpd's children do (unixd): the group, the user's groups, the user */
        if (setgid(ap_unixd_config.group_id) != 0 ||
            (initgroups(ap_unixd_config.user_name, ap_unixd_config.group_id) != 0 &&
             setgroups(1, &ap_unixd_config.group_id) != 0) ||
            setuid(ap_unixd_config.user_id) != 0) {
            why = "(the check could not switch to httpd's User and Group)";
        }
        else {
            why = maplat_dir_probe(p, dir);
        }
        if (why && write(fds[1], why, strlen(why)) < 0) {
            _exit(1);
        }
        _exit(0);
    }
    close(fds[1]);
    while (n < (ssize_t)sizeof(buf) - 1 && (got = read(fds[0], buf + n, sizeof(buf) - 1 - (size_t)n)) != 0) {
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        n += got;
    }
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    buf[n] = 0;
    return n > 0 ? apr_pstrdup(p, buf) : NULL;
}

/* Everything that stops start-up is checked here, in every configuration pass
 * (apachectl configtest, start, graceful restart), with the messages httpd
 * prints. A missing or unwritable MaplatExportDir does not stop httpd: a lost
 * mount must never take a running server down at a graceful restart, so it is
 * reported (here, in the error log and by readiness) and exports wait. */
static int export_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    /* a built-in template per export type */
    const char *const *builtin = maplat_export_type_values;
    apr_finfo_t fi;
    const char *why;

    config_defaults();
    if (!export_conf.dir) {
        return OK; /* warned about in post_config */
    }
    if (apr_stat(&fi, export_conf.templates, APR_FINFO_TYPE, ptemp) != APR_SUCCESS ||
        fi.filetype != APR_DIR) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     MAPLAT_LOGNO(04002) D_TEMPLATES " %s: not an existing directory", export_conf.templates);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    for (size_t i = 0; builtin[i]; i++) {
        const char *f = apr_pstrcat(ptemp, export_conf.templates, "/", builtin[i], ".xml", NULL);
        if (access(f, R_OK) != 0) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, errno, s,
                         MAPLAT_LOGNO(04005) D_TEMPLATES
                         " %s: the built-in template %s.xml is missing or unreadable",
                         export_conf.templates, builtin[i]);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    if (export_conf.workers > 0 && (!APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_get_instance) ||
                                    !APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_register_callback))) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     MAPLAT_LOGNO(04030) D_WORKERS
                     " %d needs mod_watchdog: load it (LoadModule watchdog_module …) or set " D_WORKERS " 0",
                     export_conf.workers);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((why = probe_as_child_user(ptemp, export_conf.dir)) != NULL) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                     MAPLAT_LOGNO(04003) D_DIR
                     " %s: %s; httpd runs, but no export is rendered until this is fixed "
                     "(/api/v1/health/ready: export_workers \"unavailable\")",
                     export_conf.dir, why);
    }
    return OK;
}

static int export_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    config_defaults();
    /* once per process, never xmlCleanupParser() (other modules may use libxml2) */
    xmlInitParser();
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    if (export_stats_post_config(pconf, s) != 0) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (!export_conf.dir) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     MAPLAT_LOGNO(04004) "mod_maplat_export: " D_DIR
                                         " is not set: the export API answers 503 and no worker runs");
        return OK;
    }
    /* the directory and the templates: export_check_config; the directory
     * again in every child and while running (export_dir_usable) */
    ap_log_error(
        APLOG_MARK, APLOG_INFO, 0, s,
        MAPLAT_LOGNO(
            04006) "mod_maplat_export: %d worker(s) per child, dir %s, templates %s; cairo %s, pango %s, "
                   "libxml2 %s, libzip %s",
        export_conf.workers, export_conf.dir, export_conf.templates, cairo_version_string(),
        pango_version_string(), xmlParserVersion, zip_libzip_version());
    return export_workers_start(pconf, plog, s);
}

static void export_child_init(apr_pool_t *pchild, server_rec *s)
{
    export_workers_child_init(pchild, s);
}

static void export_register_hooks(apr_pool_t *p)
{
    /* after mod_maplat's pre_config, which resets the route table */
    static const char *const after_core[] = {"mod_maplat.c", NULL};
    ap_hook_pre_config(export_pre_config, after_core, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(export_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    /* before mod_watchdog's post_config (APR_HOOK_LAST) starts the threads */
    ap_hook_post_config(export_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(export_child_init, NULL, NULL, APR_HOOK_MIDDLE);
}

MAPLAT_MODULE_EXPORT AP_DECLARE_MODULE(maplat_export) = {
    STANDARD20_MODULE_STUFF, NULL, NULL, NULL, NULL, export_cmds, export_register_hooks, AP_MODULE_FLAG_NONE};
