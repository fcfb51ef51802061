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

extern module AP_MODULE_DECLARE_DATA maplat_api_module;
#ifndef MAPLAT_API_MAIN
APLOG_USE_MODULE(maplat_api);
#endif

extern const maplat_core_t *maplat_api_core;
#define core maplat_api_core

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

/* Parameters for a PATCH statement: for each field, "t"/"f" then the value. */
void api_patch_params(const field_values_t *v, int n, const char **args);

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

/* First row of res (NULL when none). */
apr_dbd_row_t *api_row(request_rec *r, apr_dbd_results_t *res);
/* Column as text (NULL for SQL NULL). */
const char *api_col(request_rec *r, apr_dbd_row_t *row, int col);

/* LIKE pattern "%q%" with \ % _ escaped (for ESCAPE '\'), lower-cased. */
const char *api_like(apr_pool_t *p, const char *q);

/* The audit details {"fields":[names of present fields]}. */
const char *api_changed_fields(apr_pool_t *p, const field_t *fields, int n, const field_values_t *v);

/* The list parameters every resource shares. archived: "true"/"false"
 * (default "false"); sort: one of allowed (NULL-terminated), default
 * "-created_at". A bad value adds an error and the default is returned. */
const char *api_archived_param(apr_table_t *q, json_object **errors);
const char *api_sort_param(request_rec *r, apr_table_t *q, const char *const *allowed, json_object **errors);

/* Sends a list answer from a (total, items_json) row. */
int api_send_list(request_rec *r, apr_dbd_results_t *res, int page, int size);

/* An audit entry inside a data-modifying statement: a CTE named a that
 * records one entry per row of `src` (which has id and organization_id).
 * Parameters: user id, action, details (jsonb text or NULL), client address. */
#define API_AUDIT_CTE(src, rtype)                                                                            \
    " a AS (INSERT INTO audit_log (organization_id, user_id, action, resource_type, resource_id,"            \
    " details, client_address) SELECT " src ".organization_id, %s::uuid, %s, '" rtype "', " src              \
    ".id::text, COALESCE(%s::jsonb, '{}'::jsonb), %s::inet FROM " src ")"

/* ------------------------------------------------------------ shared handlers */

/* A resource whose statements follow resource.c's shapes. */
typedef struct {
    const char *name; /* "deal": statement labels, audit actions, messages */
    const char *path; /* "/api/v1/deals" (for Location) */
    const field_t *fields;
    int nfields;
    int archived_field; /* index of "archived" in fields, or -1 */
} api_resource_t;

int api_res_get(request_rec *r, const maplat_match_t *m);
int api_res_create(request_rec *r, const maplat_match_t *m);
int api_res_update(request_rec *r, const maplat_match_t *m);
int api_res_delete(request_rec *r, const maplat_match_t *m);

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
