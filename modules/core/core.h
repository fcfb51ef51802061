/*
 * Private declarations of mod_maplat (the core module).
 */
#ifndef MAPLAT_CORE_H
#define MAPLAT_CORE_H

#include "maplat.h"
#include "router.h"

#include "gate.h" /* MaplatConcurrency (modules/common/gate.c) */
#include "apr_dbd.h"
#include "apr_hash.h"
#include "apr_shm.h"
#include "mod_dbd.h"
#include <libmemcached/memcached.h>
#include <libmemcached/util.h>

/* Directive names, used in the command table and in error messages. */
#define MAPLAT_DIR_CACHE "MaplatCache"
#define MAPLAT_DIR_CACHE_TIMEOUT "MaplatCacheTimeout"
#define MAPLAT_DIR_CACHE_RETRY "MaplatCacheRetry"
#define MAPLAT_DIR_MAX_BODY "MaplatMaxBody"
#define MAPLAT_DIR_JSON_DEPTH "MaplatJSONMaxDepth"
#define MAPLAT_DIR_STMT_TIMEOUT "MaplatStatementTimeout"
#define MAPLAT_DIR_CONCURRENCY "MaplatConcurrency"

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
    int concurrency;                /* MaplatConcurrency: 0 unset, then -1 no limit */
    maplat_router_t *router;        /* built in pre_config by every module */
    apr_array_header_t *sql;        /* maplat_sql_t */
    apr_array_header_t *health;     /* maplat_health_entry_t */
    apr_array_header_t *collectors; /* maplat_metrics_fn */
    int limit_count[4];             /* MaplatRateLimit, by ratelimit.c's index */
    int limit_window[4];
} maplat_globals_t;

typedef struct {
    const char *label;
    const char *sql;     /* as apr_dbd takes it (%s placeholders) */
    maplat_stmt_t *stmt; /* the statement (named parameters, declared columns) */
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
    /* the router's answer for the initial request's URI, looked up once (maplat_route) */
    int routed;
    maplat_route_result_t route_res;
    const maplat_route_t *route;
    maplat_match_t match;
} maplat_req_t;

maplat_req_t *maplat_req(request_rec *r);
/* The route of r's URI (maplat_router_match), looked up once per request:
 * the header parser (MaplatConcurrency), the handler and the access log share it. */
maplat_route_result_t maplat_route(request_rec *r, const maplat_route_t **route, maplat_match_t *m);

/* config.c */
extern const command_rec maplat_cmds[];
void *maplat_create_srv_cfg(apr_pool_t *p, server_rec *s);
void *maplat_merge_srv_cfg(apr_pool_t *p, void *base, void *add);
void maplat_config_defaults(server_rec *main_server);
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
/* registration (pre_config) of the statements with named parameters */
const maplat_stmt_t *maplat_db_stmt_add(const char *label, const char *params, const char *columns,
                                        const char *sql);
/* every registered statement translated, labels unique and lower case: OK,
 * or each problem logged (naming the statement) and 500 */
int maplat_db_check_statements(server_rec *s);
maplat_args_t *maplat_db_args(apr_pool_t *p, const maplat_stmt_t *st);
void maplat_db_bind(maplat_args_t *a, const char *name, const char *value);
void maplat_db_bind_int(maplat_args_t *a, const char *name, apr_int64_t value);
int maplat_db_rows(request_rec *r, maplat_args_t *a, maplat_rows_t **rows);
int maplat_db_first(request_rec *r, maplat_args_t *a, maplat_rows_t **row);
int maplat_db_exec(request_rec *r, maplat_args_t *a, int *nrows);
int maplat_dbs_rows(maplat_db_t *db, maplat_args_t *a, maplat_rows_t **rows);
int maplat_dbs_first(maplat_db_t *db, maplat_args_t *a, maplat_rows_t **row);
int maplat_dbs_exec(maplat_db_t *db, maplat_args_t *a, int *nrows);
int maplat_db_row_next(maplat_rows_t *rows);
const char *maplat_db_col(const maplat_rows_t *rows, const char *name);
const char *maplat_db_col_at(const maplat_rows_t *rows, int index);
int maplat_db_row_count(const maplat_rows_t *rows);
int maplat_db_post_config(apr_pool_t *pconf, server_rec *s);
/* check_config: mod_dbd is loaded (its optional functions exist). */
int maplat_db_check_config(server_rec *s);
/* child_init (after mod_dbd's): the DBDMin connections mod_dbd opened get
 * their statements prepared now, before the child serves a request. */
void maplat_db_child_init(apr_pool_t *p, server_rec *s);
int maplat_db_tx_begin(request_rec *r);
int maplat_db_tx_end(request_rec *r, int commit);
maplat_db_t *maplat_db_session(apr_pool_t *p, server_rec *s);
int maplat_dbs_tx_begin(maplat_db_t *db);
int maplat_dbs_tx_end(maplat_db_t *db, int commit);
void maplat_dbs_close(maplat_db_t *db);
maplat_health_t maplat_db_health(request_rec *r, const char **text);

/* audit.c */
void maplat_audit_sql(void);
/* the readiness probe's statement (db.c) */
void maplat_db_ping_sql(void);
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
