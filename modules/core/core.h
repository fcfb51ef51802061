/*
 * Private declarations of mod_maplat (the core module).
 */
#ifndef MAPLAT_CORE_H
#define MAPLAT_CORE_H

#include "maplat.h"
#include "router.h"

#include "apr_shm.h"
#include <libmemcached/memcached.h>
#include <libmemcached/util.h>

/* Directive names, used in the command table and in error messages. */
#define MAPLAT_DIR_CACHE "MaplatCache"
#define MAPLAT_DIR_CACHE_TIMEOUT "MaplatCacheTimeout"
#define MAPLAT_DIR_CACHE_RETRY "MaplatCacheRetry"
#define MAPLAT_DIR_MAX_BODY "MaplatMaxBody"
#define MAPLAT_DIR_JSON_DEPTH "MaplatJSONMaxDepth"
#define MAPLAT_DIR_STMT_TIMEOUT "MaplatStatementTimeout"

/* Defaults, stated once. */
#define MAPLAT_DEFAULT_CACHE_TIMEOUT_MS 250
#define MAPLAT_DEFAULT_CACHE_RETRY_S 30
#define MAPLAT_DEFAULT_MAX_BODY (1024 * 1024)
#define MAPLAT_DEFAULT_JSON_DEPTH 32
#define MAPLAT_DEFAULT_STMT_TIMEOUT_MS 15000

extern module AP_MODULE_DECLARE_DATA maplat_module;
#ifndef MAPLAT_CORE_MAIN
/* per-module LogLevel (LogLevel maplat:debug) for the core's other files */
APLOG_USE_MODULE(maplat);
#endif

/* Per-server settings (may differ per virtual host). */
typedef struct {
    apr_off_t max_body; /* -1 = unset */
    int json_depth;     /* -1 = unset */
} maplat_srv_cfg_t;

/* Process-wide settings (main server only) and state. */
typedef struct {
    const char *cache_config; /* NULL: no memcached */
    int cache_timeout_ms;
    int cache_retry_s;
    int stmt_timeout_ms;            /* 0: unset (default), -1: off */
    maplat_router_t *router;        /* built in pre_config by every module */
    apr_array_header_t *sql;        /* maplat_sql_t */
    apr_array_header_t *health;     /* maplat_health_entry_t */
    apr_array_header_t *collectors; /* maplat_metrics_fn */
    int limit_count[4];             /* MaplatRateLimit, by ratelimit.c's index */
    int limit_window[4];
} maplat_globals_t;

typedef struct {
    const char *label;
    const char *sql;
} maplat_sql_t;

typedef struct {
    const char *name;
    maplat_health_fn fn;
} maplat_health_entry_t;

extern maplat_globals_t maplat_g;

/* Per-request state of the core (in the initial request's request_config). */
typedef struct {
    maplat_identity_t identity;
    int has_identity;
    const char *audited_org; /* an organization maplat_audit wrote an entry for */
    int route_index;         /* -1: not an API request */
    maplat_db_t *db;         /* the request's database session */
    memcached_st *mc;
} maplat_req_t;

maplat_req_t *maplat_req(request_rec *r);

/* config.c */
extern const command_rec maplat_cmds[];
void *maplat_create_srv_cfg(apr_pool_t *p, server_rec *s);
void *maplat_merge_srv_cfg(apr_pool_t *p, void *base, void *add);
apr_off_t maplat_cfg_max_body(request_rec *r);
int maplat_cfg_json_depth(request_rec *r);

/* body.c */
int maplat_read_json(request_rec *r, json_object **out);

/* cache.c */
void maplat_cache_child_init(apr_pool_t *p, server_rec *s);
apr_status_t maplat_cache_get(request_rec *r, const char *key, char **val, apr_size_t *len);
apr_status_t maplat_cache_set(request_rec *r, const char *key, const char *val, apr_size_t len,
                              apr_uint32_t ttl);
apr_status_t maplat_cache_add(request_rec *r, const char *key, const char *val, apr_size_t len,
                              apr_uint32_t ttl);
apr_status_t maplat_cache_delete(request_rec *r, const char *key);
apr_status_t maplat_cache_incr(request_rec *r, const char *key, apr_uint64_t delta, apr_uint64_t initial,
                               apr_uint32_t ttl, apr_uint64_t *value);
apr_status_t maplat_cache_decr(request_rec *r, const char *key, apr_uint64_t delta);
int maplat_cache_available(void);
const char *maplat_cache_generation(request_rec *r, const char *org);
void maplat_cache_invalidate(request_rec *r, const char *org);
maplat_health_t maplat_cache_health(request_rec *r, const char **text);

/* db.c */
int maplat_db_post_config(apr_pool_t *pconf, server_rec *s);
/* check_config: mod_dbd is loaded (its optional functions exist). */
int maplat_db_check_config(server_rec *s);
ap_dbd_t *maplat_db_acquire(request_rec *r);
apr_dbd_prepared_t *maplat_db_statement(ap_dbd_t *dbd, const char *label);
void maplat_db_error(request_rec *r, ap_dbd_t *dbd, int rv, const char *what);
int maplat_db_select(request_rec *r, const char *label, apr_dbd_results_t **res, int nargs,
                     const char *const *args);
int maplat_db_query(request_rec *r, const char *label, int *nrows, int nargs, const char *const *args);
int maplat_db_tx_begin(request_rec *r);
int maplat_db_tx_end(request_rec *r, int commit);
const char *maplat_db_get(request_rec *r, apr_dbd_row_t *row, int col);
int maplat_db_next(request_rec *r, apr_dbd_results_t *res, apr_dbd_row_t **row);
maplat_db_t *maplat_db_session(apr_pool_t *p, server_rec *s);
int maplat_dbs_select(maplat_db_t *db, const char *label, apr_dbd_results_t **res, int nargs,
                      const char *const *args);
int maplat_dbs_query(maplat_db_t *db, const char *label, int *nrows, int nargs, const char *const *args);
int maplat_dbs_tx_begin(maplat_db_t *db);
int maplat_dbs_tx_end(maplat_db_t *db, int commit);
const char *maplat_dbs_get(maplat_db_t *db, apr_dbd_row_t *row, int col);
int maplat_dbs_next(maplat_db_t *db, apr_dbd_results_t *res, apr_dbd_row_t **row);
void maplat_dbs_close(maplat_db_t *db);
maplat_health_t maplat_db_health(request_rec *r, const char **text);

/* audit.c */
void maplat_audit_sql(void);
int maplat_audit(request_rec *r, const maplat_audit_t *e);

/* ratelimit.c */
#define MAPLAT_DIR_RATE_LIMIT "MaplatRateLimit"
const char *maplat_cmd_rate_limit(cmd_parms *cmd, void *dummy, const char *name, const char *count,
                                  const char *window);
void maplat_rate_limit_config(const char *name, int *count, int *window);
maplat_rl_t maplat_rate_limit(request_rec *r, const char *name, const char *key, int consume,
                              int *retry_after);

/* metrics.c */
apr_status_t maplat_metrics_post_config(apr_pool_t *pconf, server_rec *s);
void maplat_metrics_request(request_rec *r, int route_index, int status, apr_time_t dur);
void maplat_metrics_cache(int result);   /* 0 hit, 1 miss, 2 error */
void maplat_metrics_cache_breaker(void); /* the memcached breaker opened */
void maplat_metrics_db_error(void);
int maplat_metrics_handler(request_rec *r);
int maplat_perf_endpoints(request_rec *r, const maplat_match_t *m);
int maplat_perf_history(request_rec *r, const maplat_match_t *m);

#endif
