/*
 * Bulk actions: POST /bulk/archive, /bulk/unarchive, /bulk/delete
 * {resource_type: "deal"|"document", ids: [1..500 UUIDs]}. One statement
 * (so one transaction); ids of other organizations, unknown ids and, for
 * documents, ids the caller lacks the level for (editor to archive, owner
 * to delete) are reported in not_found. A malformed id changes nothing.
 * `updated` counts real state changes only: archiving an archived row (or
 * unarchiving one that is not) changes nothing and writes no audit entry.
 */
#include "api.h"
#include "apr_strings.h"
#include "http_protocol.h"

#define MAX_IDS 500

/* The rows of the caller's organization among the ids (found: the rest is
 * not_found), and of those the ones whose state really changes (upd): a row
 * already archived is not archived again, so it is neither counted in
 * `updated` nor audited. The state test is in the UPDATE's own WHERE, which
 * PostgreSQL re-evaluates on the locked row when a concurrent bulk call
 * changed it first: of parallel calls on the same ids, exactly one changes
 * (and audits) each row. The rows are locked first, in the order of their
 * ids (found … FOR UPDATE), so that parallel calls on overlapping ids wait
 * for each other instead of deadlocking.
 * Parameters: :ids, :org, :op, :user, :action, :details, :ip (the audit
 * entry's), and :role for documents. */
#define BULK_SQL(table, rtype, level_check)                                                                  \
    "WITH ids AS (SELECT DISTINCT unnest(:ids::uuid[]) AS id),"                                              \
    " found AS (SELECT d.id FROM " table " d WHERE d.organization_id = :org::uuid"                           \
    "   AND d.deleted_at IS NULL AND d.id IN (SELECT id FROM ids)" level_check                               \
    "   ORDER BY d.id FOR UPDATE OF d),"                                                                     \
    " upd AS (UPDATE " table " d SET"                                                                        \
    "   archived = CASE WHEN :op = 'delete' THEN d.archived ELSE :op = 'archive' END,"                       \
    "   deleted_at = CASE WHEN :op = 'delete' THEN now() ELSE d.deleted_at END"                              \
    "   WHERE d.id IN (SELECT id FROM found) AND d.deleted_at IS NULL"                                       \
    "   AND (:op = 'delete' OR d.archived <> (:op = 'archive'))"                                             \
    "   RETURNING d.id, d.organization_id)," API_AUDIT_CTE(                                                  \
        "upd", rtype) " SELECT (SELECT count(*) FROM upd) AS updated,"                                       \
                      "  COALESCE((SELECT json_agg(ids.id) FROM ids WHERE ids.id NOT IN (SELECT id FROM "    \
                      "found)), '[]') AS not_found"

static const maplat_stmt_t *st_deal, *st_document;

static void bulk_sql(void)
{
    st_deal = api_core->stmt_add("maplat_api_bulk_deal", "ids org op user action details ip",
                                 "updated not_found", BULK_SQL("deals", "deal", ""));
    st_document = api_core->stmt_add(
        "maplat_api_bulk_document", "ids org user role op action details ip", "updated not_found",
        BULK_SQL("documents", "document",
                 " AND maplat_level_rank(maplat_document_level(d.id, :user::uuid, :role))"
                 "     >= CASE WHEN :op = 'delete' THEN 3 ELSE 2 END"));
}

static int bulk(request_rec *r, const char *op)
{
    API_CALLER(id);
    json_object *body = NULL, *ids, *errors = NULL;
    const char *type, *list = "{";
    maplat_args_t *a;
    maplat_rows_t *row = NULL;
    size_t n = 0;
    int rc, is_doc;

    if (api_core->read_json(r, &body) != OK) {
        return OK;
    }
    type = maplat_json_str(body, "resource_type");
    if (!type || (strcmp(type, "deal") && strcmp(type, "document"))) {
        maplat_error_add(&errors, "resource_type", "must be deal or document");
    }
    if (!json_object_object_get_ex(body, "ids", &ids) || !json_object_is_type(ids, json_type_array) ||
        (n = json_object_array_length(ids)) < 1 || n > MAX_IDS) {
        maplat_error_add(&errors, "ids", "must be an array of 1 to 500 ids");
        n = 0;
    }
    for (size_t i = 0; i < n; i++) {
        json_object *v = json_object_array_get_idx(ids, i);
        const char *s = v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
        if (!s || !maplat_uuid_valid(s)) {
            maplat_error_add(&errors, apr_psprintf(r->pool, "ids[%zu]", i), "must be a UUID");
            continue;
        }
        list = apr_pstrcat(r->pool, list, i ? "," : "", s, NULL);
    }
    /* errors stays NULL if json-c cannot allocate it: test type too */
    if (errors || !type) {
        return api_invalid(r, errors);
    }
    is_doc = strcmp(type, "document") == 0;
    a = api_core->args(r->pool, is_doc ? st_document : st_deal);
    api_core->bind(a, "ids", apr_pstrcat(r->pool, list, "}", NULL));
    api_core->bind(a, "org", id->org_id);
    if (is_doc) {
        api_core->bind(a, "role", id->role);
    }
    api_core->bind(a, "op", op);
    api_core->bind(a, "user", id->user_id);
    api_core->bind(a, "action", apr_pstrcat(r->pool, type, ".", op, NULL));
    api_core->bind(a, "details", "{\"bulk\":true}");
    api_core->bind(a, "ip", r->useragent_ip);
    if ((rc = api_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return maplat_raw_json_send(r, HTTP_OK,
                                apr_psprintf(r->pool, "{\"updated\":%s,\"not_found\":%s}",
                                             api_core->col(row, "updated"), api_core->col(row, "not_found")));
}

static int bulk_archive(request_rec *r, const maplat_match_t *m)
{
    return bulk(r, "archive");
}

static int bulk_unarchive(request_rec *r, const maplat_match_t *m)
{
    return bulk(r, "unarchive");
}

static int bulk_delete(request_rec *r, const maplat_match_t *m)
{
    return bulk(r, "delete");
}

const char *api_bulk_init(apr_pool_t *p)
{
    const char *err;
    bulk_sql();
    if ((err = api_core->route_add(p, MAPLAT_M_POST, "/api/v1/bulk/archive", bulk_archive)) ||
        (err = api_core->route_add(p, MAPLAT_M_POST, "/api/v1/bulk/unarchive", bulk_unarchive)) ||
        (err = api_core->route_add(p, MAPLAT_M_POST, "/api/v1/bulk/delete", bulk_delete))) {
        return err;
    }
    return NULL;
}
