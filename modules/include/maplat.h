/*
 * maplat.h — the contract between mod_maplat (core) and the other maplat
 * modules (auth, api, export, and test modules).
 *
 * Two kinds of shared code:
 *   1. Pure helpers (JSON parsing, problem+json, UUIDs, the route matcher)
 *      live in modules/common and are linked into every module from one
 *      convenience library (libmaplat_common.la).  They hold no state.
 *   2. Stateful services (the route table, the memcached pool, the database
 *      wrapper, shared-memory metrics, the caller's identity, health checks)
 *      live in mod_maplat only.  Other modules reach them through ONE APR
 *      optional function, maplat_core_api(), which returns a versioned table
 *      of function pointers.  Modules fetch it in pre_config and refuse to
 *      start when mod_maplat is not loaded (maplat_core_import()).
 */
#ifndef MAPLAT_H
#define MAPLAT_H

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "apr_optional.h"

#include <json-c/json.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ names */

#define MAPLAT_HANDLER "maplat"                 /* SetHandler for /api/v1 */
#define MAPLAT_METRICS_HANDLER "maplat-metrics" /* SetHandler for /metrics */
#define MAPLAT_ERROR_HANDLER "maplat-error"     /* ErrorDocument target */

/* r->notes of the initial request, readable with mod_log_config's %{..}n */
#define MAPLAT_NOTE_CID "maplat-correlation-id"
#define MAPLAT_NOTE_ROUTE "maplat-route"
#define MAPLAT_NOTE_USER "maplat-user"
#define MAPLAT_NOTE_ORG "maplat-org" /* the caller's organization id, or "-" */
#define MAPLAT_NOTE_DURATION "maplat-duration-us"

/* r->notes that modules pass to each other (set by one, read by another). */
/* The problem code (docs/api.md) the error document answers with, e.g. when a
 * hook returns a status; the core's default is the status's own code. */
#define MAPLAT_NOTE_ERROR_CODE "maplat-error-code"
/* The problem detail the error document (core) answers with, set by the auth
 * module's checks before they return 401/403, or NULL for a generic one. */
#define MAPLAT_NOTE_ERROR_DETAIL "maplat-error-detail"

/* Log message tags: MAPLAT_LOGNO(01001) "message" -> "MAPLAT01001: message".
 * Ranges: core 010xx-019xx, auth 020xx, api 030xx, export 040xx, tests 090xx. */
#define MAPLAT_LOGNO(n) "MAPLAT" #n ": "

/* Export helper for the module structure (everything else is hidden). */
#define MAPLAT_MODULE_EXPORT __attribute__((visibility("default")))

/* The version of maplat_core_t. The table only grows at its end, and this
 * number grows with it (2: statements with named parameters; 3: the
 * positional statement API removed, its slots left NULL in place). */
#define MAPLAT_API_VERSION 3

/* ------------------------------------------------------------------ router */

/* HTTP methods a route may serve; HEAD is served by GET handlers. */
enum {
    MAPLAT_M_GET = 1 << 0,
    MAPLAT_M_POST = 1 << 1,
    MAPLAT_M_PUT = 1 << 2,
    MAPLAT_M_PATCH = 1 << 3,
    MAPLAT_M_DELETE = 1 << 4
};

/* Not a method: added to a GET route's methods, it says the handler streams a
 * body of any size (a file). MaplatConcurrency does not hold such a request's
 * place while the body goes out to a client that may be slow. */
#define MAPLAT_R_STREAM (1 << 5)

#define MAPLAT_ROUTE_MAX_PARAMS 4
#define MAPLAT_ROUTE_MAX_SEGMENTS 12

/* What the router found for a request: the template and its parameters. */
typedef struct maplat_match {
    const char *route; /* template, e.g. /api/v1/deals/{id} */
    int route_index;   /* stable index, for metrics */
    int nparams;
    const char *names[MAPLAT_ROUTE_MAX_PARAMS];  /* "id", "user_id" … */
    const char *values[MAPLAT_ROUTE_MAX_PARAMS]; /* decoded path segments */
    const void *data;                            /* given to route_add_data */
} maplat_match_t;

/*
 * A route handler writes the whole response (maplat_json_send,
 * maplat_problem, …) and returns OK, or returns an HTTP status (e.g.
 * HTTP_INTERNAL_SERVER_ERROR) for the core to answer with a problem body.
 */
typedef int (*maplat_route_fn)(request_rec *r, const maplat_match_t *m);

/* Value of a path parameter, or NULL. Parameters named "id" or ending in
 * "_id" are UUIDs: the router answers 422 invalid_id before the handler runs. */
const char *maplat_param(const maplat_match_t *m, const char *name);

/* ------------------------------------------------------------------ identity */

/* The authenticated caller, kept for the request by the auth module. */
typedef struct maplat_identity {
    const char *user_id; /* UUID */
    const char *org_id;  /* UUID of the caller's organization */
    const char *role;    /* admin | member | viewer */
    const char *email;
    const char *name; /* "First Last" */
    int master_admin;
} maplat_identity_t;

/* ------------------------------------------------------------------ health */

typedef enum {
    MAPLAT_HEALTH_OK = 0,       /* "ok" */
    MAPLAT_HEALTH_DEGRADED = 1, /* reported as given, answer stays 200 */
    MAPLAT_HEALTH_FAILED = 2    /* answer becomes 503 */
} maplat_health_t;

/* A readiness check: returns the state and sets *text ("ok", "unavailable"…). */
typedef maplat_health_t (*maplat_health_fn)(request_rec *r, const char **text);

/* ------------------------------------------------------------------ metrics */

/* Writes extra Prometheus text lines for /metrics (ap_rputs/ap_rprintf on r),
 * e.g. maplat_export_jobs{status=…}. Runs in the /metrics request. */
typedef void (*maplat_metrics_fn)(request_rec *r);

/* ------------------------------------------------------------------ audit */

/* One audit entry. When org_id and user_id are both NULL and `anonymous`
 * is 0, the caller's identity supplies them. details: a JSON object as text
 * (NULL = {}). Written in the request's current transaction, if any. */
typedef struct maplat_audit {
    const char *org_id;
    const char *user_id;
    int anonymous;
    const char *action;        /* deal.create, auth.login … */
    const char *resource_type; /* deal, user, auth … */
    const char *resource_id;   /* may be NULL */
    const char *details;       /* JSON object text, may be NULL */
} maplat_audit_t;

/* The one audit-entry insert: every statement that writes an entry uses it
 * (core's audit(), the resources' statements, each inside the statement that
 * makes the change it records). One entry per row of `from`; the other
 * arguments are SQL expressions over that row (org: organization uuid,
 * action, rtype: text, rid: text, details: jsonb). Who and from where are
 * always the parameters :user (uuid text, NULL for none) and :ip.
 * In a statement: "WITH ins AS (... RETURNING *), a AS (" MAPLAT_AUDIT_INSERT("ins", …) ") SELECT …".
 * (POST /audit-logs records a client-side event: its own INSERT, source 'client'.) */
#define MAPLAT_AUDIT_INSERT(from, org, action, rtype, rid, details)                                          \
    "INSERT INTO audit_log (organization_id, user_id, action, resource_type, resource_id, details,"          \
    " client_address, source) SELECT " org ", :user::uuid, " action ", " rtype ", " rid ", " details ","     \
    " :ip::inet, 'server' FROM " from

/* ------------------------------------------------------------------ rate limits */

typedef enum {
    MAPLAT_RL_OK = 0,         /* under the limit */
    MAPLAT_RL_LIMITED = 1,    /* over it: answer 429 with *retry_after seconds */
    MAPLAT_RL_UNAVAILABLE = 2 /* no shared counter store (memcached down/unset) */
} maplat_rl_t;

/* ------------------------------------------------------------------ database */

/* A database session outside a request (background workers): the pooled
 * connection is taken on first use and given back when the session's pool
 * is cleared or destroyed (or at dbs_close). One session per thread. */
typedef struct maplat_db maplat_db_t;

/*
 * Statements with named parameters (since API version 2). A statement is
 * registered once, in pre_config, with the names of its parameters and of
 * its result columns:
 *
 *   static const maplat_stmt_t *st_get;   // set in pre_config
 *   st_get = api_core->stmt_add("maplat_api_thing_get", "id org", "json version",
 *       "SELECT maplat_thing_json(t) AS json, t.version FROM things t"
 *       " WHERE t.id = :id::uuid AND t.organization_id = :org::uuid");
 *
 * and run with values bound by name:
 *
 *   maplat_args_t *a = api_core->args(r->pool, st_get);
 *   maplat_rows_t *row;
 *   api_core->bind(a, "id", maplat_param(m, "id"));
 *   api_core->bind(a, "org", id->org_id);
 *   if ((rc = api_core->db_first(r, a, &row)) != OK) return rc;    // 500/503, logged
 *   if (!row) return not_found(r);
 *   json = api_core->col(row, "json");
 *
 * In the SQL a parameter is :name (letters, digits, _), used as often as
 * needed; ::type is a cast, never a parameter; nothing inside '…', E'…', "…",
 * $tag$…$tag$ or comments is one; '%' is an ordinary character (no %%), and
 * apr_dbd's %s and PostgreSQL's $1 are refused. Values are text (NULL = SQL
 * NULL) cast in SQL (:id::uuid). Refused at start-up, naming the statement:
 * SQL that does not translate, a declared parameter the SQL does not use or
 * a used one not declared, a label registered twice or not lower case. When
 * a connection first prepares the statement, the columns PostgreSQL reports
 * must be the declared ones (by name, in order; name them with AS), or the
 * statement counts as not prepared (logged at crit, 503 like an unmigrated
 * schema). At run time an unknown or unbound parameter, or an undeclared
 * column read, is logged naming the statement and the name; the run answers
 * 500 (a column read gives NULL). A short array can no longer be read past its end.
 */
typedef struct maplat_stmt maplat_stmt_t; /* a registered statement */
typedef struct maplat_args maplat_args_t; /* the values of one run, bound by name */
typedef struct maplat_rows maplat_rows_t; /* a result, read row by row, columns by name */

/* ------------------------------------------------------------------ the table */

typedef struct maplat_core {
    int version; /* MAPLAT_API_VERSION */

    /* Router (call in pre_config only; pool = pconf). Returns NULL or an
     * error message (bad template, duplicate method for a template). */
    const char *(*route_add)(apr_pool_t *pconf, int methods, const char *tmpl, maplat_route_fn fn);

    /* The same, with data the handler finds in m->data (e.g. a resource
     * description shared by several routes' handlers). */
    const char *(*route_add_data)(apr_pool_t *pconf, int methods, const char *tmpl, maplat_route_fn fn,
                                  const void *data);

    /* Slots of the positional statement API (sql_add, db_acquire,
     * db_statement, db_error, db_select, db_query, db_get, db_next and the
     * dbs_ forms), removed in version 3: always NULL, kept so that the
     * slots after them keep their places. Use stmt_add and db_rows/db_first/
     * db_exec (since version 2). */
    const void *removed_sql_add, *removed_db_acquire, *removed_db_statement, *removed_db_error;
    const void *removed_db_select, *removed_db_query;
    /* Transactions on the request's connection; tx_end commits when commit
     * is non-zero and no statement failed, else rolls back. A transaction
     * left open is rolled back when the request ends. */
    int (*db_tx_begin)(request_rec *r);
    int (*db_tx_end)(request_rec *r, int commit);
    const void *removed_db_get, *removed_db_next;

    /* A session for background work (see maplat_db_t), its transactions and
     * its end; run statements on it with dbs_rows/dbs_first/dbs_exec. */
    maplat_db_t *(*dbs_session)(apr_pool_t *p, server_rec *s);
    const void *removed_dbs_select, *removed_dbs_query;
    int (*dbs_tx_begin)(maplat_db_t *db);
    int (*dbs_tx_end)(maplat_db_t *db, int commit);
    const void *removed_dbs_get, *removed_dbs_next;
    void (*dbs_close)(maplat_db_t *db);

    /* JSON body: checks Content-Type (415), MaplatMaxBody (413, chunked too),
     * UTF-8, duplicate keys, depth, top-level object (400). On success
     * *out is owned by r->pool and OK is returned; otherwise the error
     * response has been produced and DONE is returned (handlers then simply
     * `return OK`). */
    int (*read_json)(request_rec *r, json_object **out);

    /* Memcached (keys are hashed/prefixed by the caller; see maplat_cache_key).
     * get: APR_SUCCESS (value copied into r->pool), APR_NOTFOUND (miss),
     * or APR_EGENERAL (cache unavailable). Never blocks longer than
     * MaplatCacheTimeout; skips memcached for MaplatCacheRetry seconds after
     * a failure. Every call is counted in maplat_cache_requests_total. */
    apr_status_t (*cache_get)(request_rec *r, const char *key, char **val, apr_size_t *len);
    apr_status_t (*cache_set)(request_rec *r, const char *key, const char *val, apr_size_t len,
                              apr_uint32_t ttl);
    apr_status_t (*cache_add)(request_rec *r, const char *key, const char *val, apr_size_t len,
                              apr_uint32_t ttl);
    apr_status_t (*cache_delete)(request_rec *r, const char *key);
    /* Atomic increment; creates the counter with `initial` (and ttl) when absent. */
    apr_status_t (*cache_incr)(request_rec *r, const char *key, apr_uint64_t delta, apr_uint64_t initial,
                               apr_uint32_t ttl, apr_uint64_t *value);
    /* Is a cache configured and currently believed reachable? */
    int (*cache_available)(void);
    /* The organization's cache generation (part of every cached key), or
     * NULL when memcached is unavailable (then do not cache). The core bumps
     * it after every successful POST/PUT/PATCH/DELETE of an identified
     * caller, before a byte of the answer leaves, so a writer never reads
     * its own write stale; cache_invalidate bumps it explicitly. */
    const char *(*cache_generation)(request_rec *r, const char *org_id);
    void (*cache_invalidate)(request_rec *r, const char *org_id);

    /* Identity of the caller (set by the auth module). */
    void (*identity_set)(request_rec *r, const maplat_identity_t *id);
    const maplat_identity_t *(*identity_get)(request_rec *r);

    /* Readiness checks shown in /api/v1/health/ready (pre_config only). */
    void (*health_add)(const char *name, maplat_health_fn fn);

    /* Audit entry (see maplat_audit_t): OK or an HTTP status (503/500). */
    int (*audit)(request_rec *r, const maplat_audit_t *entry);

    /* Sliding-window rate limit `name` (a MaplatRateLimit name: login,
     * moderation) for `key` (any text; hashed), counted in memcached so every
     * server of a cluster shares it. consume=1 counts this request, 0 only
     * checks. On MAPLAT_RL_LIMITED *retry_after holds seconds (>= 1). */
    maplat_rl_t (*rate_limit)(request_rec *r, const char *name, const char *key, int consume,
                              int *retry_after);
    /* The configured limit for name (count per window seconds). */
    void (*rate_limit_config)(const char *name, int *count, int *window);

    /* Extra lines for /metrics (pre_config only). */
    void (*metrics_add)(maplat_metrics_fn fn);

    /* ---------------------------------------------- since version 2 */

    /* Statements with named parameters (see maplat_stmt_t above). Register
     * in pre_config only: label (lower case, unique), the parameter names
     * and the result column names (separated by spaces; "" = none), the SQL.
     * Never NULL; what is wrong with a statement stops start-up. */
    const maplat_stmt_t *(*stmt_add)(const char *label, const char *params, const char *columns,
                                     const char *sql);
    /* The values for one run of st, allocated from p (r->pool, or the
     * session's pool). bind: value NULL = SQL NULL; a name that is not one
     * of st's parameters makes the run fail (500, logged). */
    maplat_args_t *(*args)(apr_pool_t *p, const maplat_stmt_t *st);
    void (*bind)(maplat_args_t *a, const char *name, const char *value);
    void (*bind_int)(maplat_args_t *a, const char *name, apr_int64_t value);

    /* Run on the request's connection. They return OK, or an HTTP status:
     * 503 when the database is unreachable or the statement timed out, 500
     * when it failed or a binding is wrong (logged, counted). A broken pooled
     * connection (e.g. after a PostgreSQL restart) is replaced and the
     * statement retried once, unless a transaction is open. Results are
     * random-access, in r->pool (the session's pool for dbs_).
     * db_rows: every row (read them with row_next); db_first: *row is the
     * first row, ready for col(), or NULL when there is none; db_exec: no
     * rows read, *nrows (may be NULL) is the count of affected rows. */
    int (*db_rows)(request_rec *r, maplat_args_t *a, maplat_rows_t **rows);
    int (*db_first)(request_rec *r, maplat_args_t *a, maplat_rows_t **row);
    int (*db_exec)(request_rec *r, maplat_args_t *a, int *nrows);
    /* The same on a session (background work). */
    int (*dbs_rows)(maplat_db_t *db, maplat_args_t *a, maplat_rows_t **rows);
    int (*dbs_first)(maplat_db_t *db, maplat_args_t *a, maplat_rows_t **row);
    int (*dbs_exec)(maplat_db_t *db, maplat_args_t *a, int *nrows);
    /* Steps to the next row: 1, or 0 at the end (the first call gives the
     * first row). */
    int (*row_next)(maplat_rows_t *rows);
    /* The current row's column by its declared name / by its index among the
     * declared columns, as text; NULL for SQL NULL, before the first row, and
     * for an undeclared name or index (logged naming the statement). */
    const char *(*col)(const maplat_rows_t *rows, const char *name);
    const char *(*col_at)(const maplat_rows_t *rows, int index);
    /* Rows in the result. */
    int (*row_count)(const maplat_rows_t *rows);
} maplat_core_t;

APR_DECLARE_OPTIONAL_FN(const maplat_core_t *, maplat_core_api, (void));

/* For modules other than the core: fetch the table in pre_config.
 * Returns NULL (and logs why) when mod_maplat is missing or too old.
 * Each module keeps it in a pointer of its own name (api_core, auth_core,
 * export_core), used as it is: no macro renames it. */
const maplat_core_t *maplat_core_import(apr_pool_t *plog, const char *modname);

/* ------------------------------------------------------------------ helpers */

/* Problem details (RFC 9457). Writes the body, sets r->status; returns OK.
 * `code` is one of the API's error codes (docs/api.md); `detail` is safe for clients. */
int maplat_problem(request_rec *r, int status, const char *code, const char *detail);
/* The same with an "errors":[{field,message}] array (ownership taken). */
int maplat_problem_errors(request_rec *r, int status, const char *code, const char *detail,
                          json_object *errors);
/* The problem code and title used for an HTTP status. */
const char *maplat_status_code(int status);

/* Send a JSON value (ownership taken) with `status`; returns OK. */
/* Whether s[0..n) is the suffix mod_deflate/mod_brotli add to an ETag they pass
 * on ("-gzip", "-br"): a precondition naming the compressed answer's tag names
 * the same stored state. */
int maplat_coding_suffix(const char *s, size_t n);
int maplat_json_send(request_rec *r, int status, json_object *obj);

/* Send a JSON text that is already serialised (e.g. built by PostgreSQL). */
int maplat_raw_json_send(request_rec *r, int status, const char *body);
/* {"items":<items_json>,"page":…,"page_size":…,"total":<total>} */
int maplat_list_send(request_rec *r, const char *items_json, int page, int page_size, const char *total);

/* The query string as a table, decoded as browsers encode it
 * (application/x-www-form-urlencoded: '+' is a space, %XX a byte); the last
 * of repeated parameters wins, a parameter without '=' has the value "".
 * The router refuses a query string that does not decode (422) before any
 * route function runs, so route functions always get a table. */
apr_table_t *maplat_query(request_rec *r);
/* The pure parser behind it: 0 and *out, or -1 and *bad = the (decoded)
 * name of the parameter that does not decode, or "query" when its name
 * does not either. Refuses '%' without two hexadecimal digits, NUL bytes
 * (%00) and invalid UTF-8 (overlong forms, surrogates...) in names and values. */
int maplat_query_parse(apr_pool_t *p, const char *args, apr_table_t **out, const char **bad);

/* Whether httpd's user can create, write and remove a file in dir (the export
 * directory, the file store): NULL, or why not, in words (common/dirprobe.c). */
const char *maplat_dir_probe(apr_pool_t *p, const char *dir);
/* An e-mail address as accounts are stored and matched: NFKC, lower case, outer
 * blanks trimmed; NULL when it is not one address (no '@' or several, a space
 * inside, over 254 bytes, not UTF-8). The one rule for the server and
 * maplat-admin. Free the result with g_free(). */
char *maplat_email_normalize_dup(const char *email);
/* page (>= 1, default 1) and page_size (1..100, default 20); -1 and
 * errors added when either is not a whole number in range. */
int maplat_page_params(apr_table_t *q, int *page, int *page_size, json_object **errors);
/* Appends {"field","message"} to *errors (created on first use). */
void maplat_error_add(json_object **errors, const char *field, const char *message);
/* A string member, or NULL when absent or not a string. */
const char *maplat_json_str(json_object *o, const char *name);
/* Is the member present (and not null)? */
int maplat_json_has(json_object *o, const char *name);

/* Tie a json-c object's lifetime to a pool (json_object_put on cleanup). */
json_object *maplat_json_own(apr_pool_t *p, json_object *obj);

/* Strict JSON parsing (pure): returns 0 and *out, or -1 and *why. Rejects
 * invalid UTF-8 (incl. overlong, surrogates), NUL characters, duplicate keys,
 * nesting deeper than max_depth, more than MAPLAT_JSON_MAX_VALUES array
 * elements and object members in all (counted before anything is built),
 * trailing garbage, and non-strict JSON. */
#define MAPLAT_JSON_MAX_VALUES 5000
int maplat_json_parse(const char *buf, size_t len, int max_depth, json_object **out, const char **why);

/* Text validation. */
int maplat_uuid_valid(const char *s);
int maplat_correlation_id_valid(const char *s);
/* A whole decimal number ("-"? digits, nothing else) within [min, max]:
 * 0 and *out, or -1. For directive values and query parameters alike. */
int maplat_parse_int(const char *s, apr_int64_t min, apr_int64_t max, apr_int64_t *out);
/* A fresh random UUID v4 (OpenSSL RAND) as text, from pool p. */
const char *maplat_uuid_new(apr_pool_t *p);

/* The initial request of r (follows ->main and ->prev). */
request_rec *maplat_request_root(request_rec *r);

#ifdef __cplusplus
}
#endif
#endif /* MAPLAT_H */
