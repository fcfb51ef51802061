/*
 * Private declarations of mod_maplat_api (the REST resources).
 *
 * Every resource follows one pattern:
 *   - request fields are described by a field_t table and validated in one
 *     place (fields.c), all errors of a request reported together;
 *   - each endpoint runs ONE prepared statement: tenant scoping (the
 *     caller's organization is a parameter of every statement), the object
 *     checks, the mutation and its audit entry happen in that statement;
 *   - answers are JSON built by PostgreSQL (sql/008_api_functions.sql) and
 *     passed through unchanged.
 */
#ifndef MAPLAT_API_H
#define MAPLAT_API_H

#include "maplat.h"
#include "maplat_enums.h"

extern module AP_MODULE_DECLARE_DATA maplat_api_module;
#ifndef MAPLAT_API_MAIN
APLOG_USE_MODULE(maplat_api);
#endif

extern const maplat_core_t *api_core;

/* ------------------------------------------------------------ fields */

typedef enum {
    F_TEXT,     /* string, min..max characters */
    F_ENUM,     /* one of enums[] */
    F_MONEY,    /* number >= 0, at most 2 decimals, < 10^16 */
    F_CURRENCY, /* ISO 4217 code: three upper-case letters */
    F_BOOL,
    F_UUID, /* an id of another resource (existence checked in SQL) */
    F_DATE, /* YYYY-MM-DD, a real date */
    F_EMAIL,
    F_TIMESTAMP, /* RFC 3339 */
    F_AMOUNT,    /* signed amount, at most 2 decimals and 16 integer digits */
    F_SCORE      /* whole number 0..100 */
} field_type_t;

typedef struct {
    const char *name;
    field_type_t type;
    int min, max;             /* characters, for F_TEXT */
    int required;             /* on create */
    int nullable;             /* may be set to null */
    const char *const *enums; /* F_ENUM, NULL-terminated */
} field_t;

#define API_MAX_FIELDS 12

/* The validated values: text for SQL (NULL = SQL NULL), and presence. */
typedef struct {
    const char *value[API_MAX_FIELDS];
    int present[API_MAX_FIELDS];
    int npresent;
} field_values_t;

/* Validates body against fields. create=1: required fields must be there.
 * Returns 0, or -1 with *errors filled (one entry per bad field). */
int api_fields(request_rec *r, json_object *body, const field_t *fields, int n, int create,
               field_values_t *out, json_object **errors);

/* Named statements (api_core->stmt_add) take each field's value under the
 * field's name (:name, :target_company …): the order of the field table does
 * not matter. api_bind_fields binds every field (NULL when absent, for a
 * create); api_bind_patch also binds :set_<name> ("t" when the request
 * changes the field, else "f"), for a PATCH. */
void api_bind_fields(maplat_args_t *a, const field_t *fields, int n, const field_values_t *v);
void api_bind_patch(apr_pool_t *p, maplat_args_t *a, const field_t *fields, int n, const field_values_t *v);

/* ------------------------------------------------------------ helpers */

/* The caller. httpd answers 401 before a handler runs when there is none
 * (AuthType maplat + Require valid-user); a misconfiguration gets 401 too. */
const maplat_identity_t *api_caller(request_rec *r);
#define API_CALLER(id)                                                                                       \
    const maplat_identity_t *id = api_caller(r);                                                             \
    if (!id) {                                                                                               \
        return HTTP_UNAUTHORIZED;                                                                            \
    }

/* 422 validation_failed with errors[]; returns OK. */
int api_invalid(request_rec *r, json_object *errors);
/* 422 for a single field. */
int api_invalid1(request_rec *r, const char *field, const char *message);

/* If-Match: NULL when absent or "*"; the version number as text for the
 * strong tags "v<N>" and "v<N>-<digest>"; "-1" (matches nothing → 412) for
 * anything else, weak tags (W/"v<N>") included. */
const char *api_if_match(request_rec *r);
void api_etag(request_rec *r, const char *version);

/* LIKE pattern "%q%" with \ % _ escaped (for ESCAPE '\'), lower-cased. */
const char *api_like(apr_pool_t *p, const char *q);

/* The audit details {"fields":[names of present fields]}. */
const char *api_changed_fields(apr_pool_t *p, const field_t *fields, int n, const field_values_t *v);

/* The list parameters every resource shares. archived: "true"/"false"
 * (default "false"); sort: one of allowed (NULL-terminated), default
 * "-created_at". A bad value adds an error and the default is returned. */
const char *api_archived_param(apr_table_t *q, json_object **errors);
const char *api_sort_param(request_rec *r, apr_table_t *q, const char *const *allowed, json_object **errors);

/* Keyset ("cursor") paging of the lists (sql/012_scale.sql, maplat_list()).
 * A list answer carries next_cursor (null on the last page); ?cursor= continues after
 * it. A cursor belongs to the list, sort and filters it was made for (another → 422
 * on "cursor"). page/page_size keep working (OFFSET). total is exact, or when the
 * exact count would read more than API_TOTAL_BOUND rows, the bound with
 * total_exact false. */
#define API_TOTAL_BOUND 1000
typedef struct {
    int page, size;
    const char *key, *tie; /* position after which the page starts; NULL: no cursor */
    const char *fp;        /* digest of the fingerprint */
} api_page_t;

/* The fingerprint a cursor belongs to: parts joined (NULL parts allowed). */
const char *api_fingerprint(apr_pool_t *p, int n, const char *const *parts);
/* page, page_size and cursor (errors added for bad values). */
void api_page_params(request_rec *r, apr_table_t *q, const char *fingerprint, api_page_t *pg,
                     json_object **errors);
/* Every paged list statement has the same shape: its own parameters, then
 * API_PAGE_PARAMS (passed to the list function as API_PAGE_ARGS), and the
 * columns API_PAGE_COLUMNS (selected as API_PAGE_SELECT from the list
 * function's OUT parameters):
 *   stmt_add("maplat_api_x_list", "org sort " API_PAGE_PARAMS, API_PAGE_COLUMNS,
 *            "SELECT " API_PAGE_SELECT " FROM maplat_x_list(:org::uuid, :sort, " API_PAGE_ARGS ")");
 * api_page_run binds the page parameters, runs the statement and sends
 * {items, page, page_size, total, total_exact, next_cursor}. */
#define API_PAGE_PARAMS "limit offset key tie bound"
#define API_PAGE_ARGS ":limit::int, :offset::int, :key, :tie, :bound::int"
#define API_PAGE_COLUMNS "total total_exact items next_key next_tie bad_cursor"
#define API_PAGE_SELECT "total, total_exact, items, next_key, next_tie, bad_cursor"
int api_page_run(request_rec *r, maplat_args_t *a, const api_page_t *pg);

/* An audit entry inside a data-modifying statement: a CTE named a that
 * records one entry per row of `src` (which has id and organization_id),
 * with maplat.h's MAPLAT_AUDIT_INSERT. Parameters :user (who acts),
 * :action, :details (jsonb text or NULL), :ip: declare them with
 * API_AUDIT_PARAMS, bind them with api_bind_audit. */
#define API_AUDIT_PARAMS "user action details ip"
#define API_AUDIT_CTE(src, rtype)                                                                            \
    " a AS (" MAPLAT_AUDIT_INSERT(src, src ".organization_id", ":action", "'" rtype "'", src ".id::text",    \
                                  "COALESCE(:details::jsonb, '{}'::jsonb)") ")"

/* ------------------------------------------------------------ shared handlers */

/* A resource whose statements follow resource.c's shapes. */
typedef struct {
    const char *name; /* "deal": statement labels, audit actions, messages */
    const char *path; /* "/api/v1/deals" (for Location) */
    const field_t *fields;
    int nfields;
    int archived_field; /* index of "archived" in fields, or -1 */
} api_resource_t;

/* The shared handlers (resource.c) for a resource whose statements are named ones (route
 * data: an api_named_resource_t). The statements' shapes:
 *   get    :id :org                                              -> json version
 *   create :org :user, every field by its name, :action :details :ip -> json version id
 *   update :id :org, every field and set_<field>, :version,
 *          :user :action :details :ip                            -> found json version
 *   delete :id :org :user :action :details :ip                   -> deleted
 * A field named "archived" makes a change of it alone its own audit action
 * (<name>.archive / <name>.unarchive). */
typedef struct {
    api_resource_t res;                               /* name, path, fields (archived_field is not used) */
    const maplat_stmt_t *get, *create, *update, *del; /* set in pre_config */
} api_named_resource_t;

int api_nres_get(request_rec *r, const maplat_match_t *m);
int api_nres_create(request_rec *r, const maplat_match_t *m);
int api_nres_update(request_rec *r, const maplat_match_t *m);
int api_nres_delete(request_rec *r, const maplat_match_t *m);

/* Binds the caller's audit parameters (API_AUDIT_PARAMS): :user, :action,
 * :details (jsonb text or NULL), :ip. */
void api_bind_audit(request_rec *r, maplat_args_t *a, const char *action, const char *details);

/* ------------------------------------------------------------ caching */

/* Computes an answer: *json = JSON text, or NULL for "none" (404). Returns
 * OK or an HTTP status. */
typedef int (*api_compute_fn)(request_rec *r, void *ctx, const char **json);

/* Answers from the organization's cache entry `what` (X-Cache: HIT|MISS),
 * computing and storing it for ttl seconds on a miss. */
int api_cached(request_rec *r, const char *org, const char *what, int ttl, api_compute_fn compute, void *ctx,
               const char *not_found);

/* MaplatCacheTTL dashboard|financial <seconds> */
#define MAPLAT_DIR_CACHE_TTL "MaplatCacheTTL"
extern int api_ttl_dashboard, api_ttl_financial;

/* ------------------------------------------------------------ resources */

const char *api_deals_init(apr_pool_t *p);
const char *api_prospects_init(apr_pool_t *p);
const char *api_tasks_init(apr_pool_t *p);
const char *api_documents_init(apr_pool_t *p);
const char *api_bulk_init(apr_pool_t *p);
const char *api_audit_init(apr_pool_t *p);
const char *api_insights_init(apr_pool_t *p);
const char *api_community_init(apr_pool_t *p);

#endif
