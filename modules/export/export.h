/*
 * Private declarations of mod_maplat_export: configuration, the jobs API
 * (jobs.c) and the background workers on mod_watchdog (worker.c).
 */
#ifndef MAPLAT_EXPORT_H
#define MAPLAT_EXPORT_H

#include "maplat.h"
#include "maplat_enums.h"
#include "render.h"

extern module AP_MODULE_DECLARE_DATA maplat_export_module;
#ifndef MAPLAT_EXPORT_MAIN
APLOG_USE_MODULE(maplat_export);
#endif

/* directive names, used in error messages */
#define D_DIR "MaplatExportDir"
#define D_WORKERS "MaplatExportWorkers"
#define D_RETENTION "MaplatExportRetention"
#define D_ATTEMPTS "MaplatExportMaxAttempts"
#define D_QUOTA "MaplatExportQuota"
#define D_WATERMARK "MaplatExportWatermark"
#define D_TEMPLATES "MaplatTemplateDir"
#define D_LEASE "MaplatExportLease"
#define D_DELAY "MaplatExportTestDelay"
#define D_MAXROWS "MaplatExportMaxRows"

/* The configuration (global: one per httpd instance). Unset: -1 / NULL;
 * the defaults are applied in one place (export_config_defaults). */
typedef struct {
    const char *dir;       /* MaplatExportDir (NULL: exports disabled) */
    const char *templates; /* MaplatTemplateDir */
    int workers;           /* per child process, default 2 */
    int retention;         /* seconds, default 86400 */
    int max_attempts;      /* default 3 */
    int quota;             /* pending jobs per organization, default 50 */
    int watermark;         /* default 1 */
    int lease;             /* seconds, default 60 */
    int test_delay;        /* ms per page (tests only), default 0 */
    int max_rows;          /* rows of a deals PDF/DOCX (CSV streams, unlimited), default 10000 */
} export_config_t;

extern export_config_t export_conf;
extern const maplat_core_t *export_core;
/* maplat_export_deals_count (jobs.c): :org :archived :stage :q :limit -> n */
extern const maplat_stmt_t *export_st_deals_count;

const char *export_jobs_init(apr_pool_t *pconf);
void export_worker_sql(void);
/* post_config: registers the watchdog callbacks (n instances). */
int export_workers_start(apr_pool_t *pconf, apr_pool_t *plog, server_rec *s);
void export_workers_child_init(apr_pool_t *pchild, server_rec *s);
maplat_health_t export_workers_health(request_rec *r, const char **text);

/* stats.c: the queue's metrics for /metrics */
void export_stats_sql(void);
int export_stats_post_config(apr_pool_t *pconf, server_rec *s);
/* a render of format took duration; ok = 0: it failed (counted, not timed) */
void export_stats_render(const char *format, apr_time_t duration, int ok);
void export_stats_metrics(request_rec *r);
/* Whether MaplatExportDir is usable now (probed at most every 2 s unless
 * force); logs when that changes. Workers claim no job while it is not. */
int export_dir_usable(apr_pool_t *p, server_rec *s, int force);

/* The final file name of a job inside MaplatExportDir. */
const char *export_file_name(apr_pool_t *p, const char *job_id, const char *format);
const char *export_content_type(const char *format);

#endif
