/*
 * Documents and their permissions.
 *
 *   GET/POST /documents, GET/PATCH/DELETE /documents/{id},
 *   GET/PATCH /documents/{id}/permissions
 *
 * Levels: viewer < editor < owner; an org admin has owner rights on every
 * document of the organization (maplat_document_level() in SQL). Viewing
 * needs viewer, PATCH editor, DELETE and managing permissions owner; the
 * level is computed in the same statement that reads or changes the
 * document, so a grant revoked a moment ago cannot be used.
 */
#include "api.h"
#include "apr_hash.h"
#include "apr_strings.h"
#include "http_protocol.h"

static const field_t doc_fields[] = {
    {"title", F_TEXT, 1, 200, 1, 0, NULL},
    {"body", F_TEXT, 0, 1000000, 1, 0, NULL},
    {"deal_id", F_UUID, 0, 0, 0, 1, NULL},
    {"archived", F_BOOL, 0, 0, 0, 0, NULL},
};
#define NFIELDS ((int)(sizeof(doc_fields) / sizeof(doc_fields[0])))
#define MAX_GRANTS 100

static const char *const name_sorts[] = {"created_at", "-created_at", "name", "-name", NULL};

/* The document :id of :org and the caller's (:user, :role) level. */
#define CUR_CTE                                                                                              \
    "cur AS (SELECT d.id, d.organization_id, d.version,"                                                     \
    "   maplat_document_level(d.id, :user::uuid, :role) AS lvl FROM documents d"                             \
    "   WHERE d.id = :id::uuid AND d.organization_id = :org::uuid AND d.deleted_at IS NULL FOR UPDATE)"
/* is :deal_id (NULL: none) a live deal of :org? */
#define DEAL_CHK_CTE                                                                                         \
    "chk AS (SELECT (:deal_id::uuid IS NULL OR EXISTS (SELECT 1 FROM deals WHERE id = :deal_id::uuid"        \
    "   AND organization_id = :org::uuid AND deleted_at IS NULL)) AS deal_ok)"
#define FIELD_PARAMS "title body deal_id archived"
#define PATCH_PARAMS "set_title title set_body body set_deal_id deal_id set_archived archived"

/* set in pre_config */
static const maplat_stmt_t *st_list, *st_get, *st_create, *st_update, *st_delete, *st_perms, *st_perms_update;

static void documents_sql(void)
{
    st_list = api_core->stmt_add("maplat_api_document_list",
                                 "user role org archived deal sort " API_PAGE_PARAMS, API_PAGE_COLUMNS,
                                 "SELECT " API_PAGE_SELECT
                                 " FROM maplat_document_list(:user::uuid, :role, :org::uuid, :archived::bool,"
                                 " :deal::uuid, :sort, " API_PAGE_ARGS ")");
    st_get = api_core->stmt_add(
        "maplat_api_document_get", "user role id org", "lvl json version",
        "SELECT l.lvl, maplat_document_json(d, l.lvl) AS json, d.version FROM documents d"
        " CROSS JOIN LATERAL (SELECT maplat_document_level(d.id, :user::uuid, :role) AS lvl) l"
        " WHERE d.id = :id::uuid AND d.organization_id = :org::uuid AND d.deleted_at IS NULL");
    st_create = api_core->stmt_add(
        "maplat_api_document_create", "org " FIELD_PARAMS " " API_AUDIT_PARAMS, "deal_ok json version id",
        "WITH " DEAL_CHK_CTE ","
        " ins AS (INSERT INTO documents (organization_id, created_by, title, body, deal_id, archived)"
        "   SELECT :org::uuid, :user::uuid, :title, :body, :deal_id::uuid, COALESCE(:archived::bool, false)"
        "   FROM chk WHERE chk.deal_ok RETURNING *),"
        " own AS (INSERT INTO document_permissions (organization_id, document_id, user_id, level)"
        "   SELECT organization_id, id, created_by, 'owner' FROM ins)," API_AUDIT_CTE(
            "ins",
            "document") " SELECT chk.deal_ok, (SELECT maplat_document_json(ROW(ins.*)::documents, 'owner') "
                        "FROM ins) AS json,"
                        "        (SELECT version FROM ins) AS version, (SELECT id FROM ins) AS id FROM chk");
    st_update = api_core->stmt_add(
        "maplat_api_document_update", "role id org " PATCH_PARAMS " version " API_AUDIT_PARAMS,
        "found lvl deal_ok json version",
        "WITH " CUR_CTE ", " DEAL_CHK_CTE ","
        " upd AS (UPDATE documents d SET"
        "   title = CASE WHEN :set_title::bool THEN :title ELSE d.title END,"
        "   body = CASE WHEN :set_body::bool THEN :body ELSE d.body END,"
        "   deal_id = CASE WHEN :set_deal_id::bool THEN :deal_id::uuid ELSE d.deal_id END,"
        "   archived = CASE WHEN :set_archived::bool THEN :archived::bool ELSE d.archived END"
        "   FROM cur, chk WHERE d.id = cur.id AND maplat_level_rank(cur.lvl) >= 2 AND chk.deal_ok"
        "   AND (:version::int IS NULL OR cur.version = :version::int) RETURNING d.*)," API_AUDIT_CTE(
            "upd", "document") " SELECT (SELECT count(*) FROM cur) AS found, (SELECT lvl FROM cur) AS lvl, "
                               "chk.deal_ok,"
                               "  (SELECT maplat_document_json(ROW(upd.*)::documents, (SELECT lvl FROM cur)) "
                               "FROM upd) AS json,"
                               "  (SELECT version FROM upd) AS version FROM chk");
    st_delete = api_core->stmt_add(
        "maplat_api_document_delete", "role id org " API_AUDIT_PARAMS, "found lvl deleted",
        "WITH " CUR_CTE ","
        " del AS (UPDATE documents d SET deleted_at = now() FROM cur"
        "   WHERE d.id = cur.id AND cur.lvl = 'owner' RETURNING d.id, d.organization_id)," API_AUDIT_CTE(
            "del", "document") " SELECT (SELECT count(*) FROM cur) AS found, (SELECT lvl FROM cur) AS lvl,"
                               "        (SELECT count(*) FROM del) AS deleted");
    st_perms = api_core->stmt_add(
        "maplat_api_document_permissions", "user role id org", "lvl permissions",
        "SELECT l.lvl, COALESCE((SELECT json_agg(maplat_document_permission_json(p)"
        "     ORDER BY maplat_level_rank(p.level) DESC, p.created_at)"
        "   FROM document_permissions p WHERE p.document_id = d.id), '[]') AS permissions"
        " FROM documents d CROSS JOIN LATERAL (SELECT maplat_document_level(d.id, :user::uuid, :role) AS "
        "lvl) l"
        " WHERE d.id = :id::uuid AND d.organization_id = :org::uuid AND d.deleted_at IS NULL");
    /* merge: listed users get the level, 'none' removes; a document keeps an owner */
    st_perms_update = api_core->stmt_add(
        "maplat_api_document_permissions_update", "role id org users levels " API_AUDIT_PARAMS,
        "found lvl bad owners ok",
        "WITH " CUR_CTE ","
        " req AS (SELECT * FROM unnest(:users::uuid[], :levels::text[]) AS x(user_id, level)),"
        " bad AS (SELECT req.user_id FROM req WHERE NOT EXISTS (SELECT 1 FROM users u"
        "   WHERE u.id = req.user_id AND u.organization_id = :org::uuid)),"
        " owners AS (SELECT count(*) AS n FROM (SELECT p.user_id FROM document_permissions p, cur"
        "   WHERE p.document_id = cur.id AND p.level = 'owner'"
        "     AND p.user_id NOT IN (SELECT user_id FROM req)"
        "   UNION SELECT user_id FROM req WHERE level = 'owner') o),"
        " ok AS (SELECT cur.id, cur.organization_id FROM cur, owners WHERE cur.lvl = 'owner'"
        "   AND owners.n > 0 AND NOT EXISTS (SELECT 1 FROM bad)),"
        " del AS (DELETE FROM document_permissions p USING ok, req WHERE p.document_id = ok.id"
        "   AND p.user_id = req.user_id AND req.level = 'none' RETURNING p.user_id),"
        " ups AS (INSERT INTO document_permissions (organization_id, document_id, user_id, level)"
        "   SELECT ok.organization_id, ok.id, req.user_id, req.level FROM ok, req WHERE req.level <> 'none'"
        "   ON CONFLICT (document_id, user_id) DO UPDATE SET level = EXCLUDED.level RETURNING "
        "user_id)," API_AUDIT_CTE(
            "ok",
            "document") " SELECT (SELECT count(*) FROM cur) AS found, (SELECT lvl FROM cur) AS lvl,"
                        "  (SELECT json_agg(user_id) FROM bad) AS bad, (SELECT n FROM owners) AS owners,"
                        "  (SELECT count(*) FROM ok) AS ok");
}

/* A run's first row (NULL: none). */
static int first(request_rec *r, maplat_args_t *a, maplat_rows_t **row)
{
    *row = NULL;
    return api_core->db_first(r, a, row);
}

/* a count column that is missing or "0" */
static int none(const maplat_rows_t *row, const char *name)
{
    const char *v = row ? api_core->col(row, name) : NULL;
    return !v || strcmp(v, "0") == 0;
}

static int level_rank(const char *lvl)
{
    if (!lvl) {
        return 0;
    }
    return strcmp(lvl, "owner") == 0    ? 3
           : strcmp(lvl, "editor") == 0 ? 2
           : strcmp(lvl, "viewer") == 0 ? 1
                                        : 0;
}

static int not_found(request_rec *r)
{
    return maplat_problem(r, HTTP_NOT_FOUND, "not_found", "document not found");
}

static int doc_list(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    apr_table_t *q = maplat_query(r);
    json_object *errors = NULL;
    const char *deal = apr_table_get(q, "deal_id"), *archived;
    const char *sort;
    maplat_args_t *a;
    api_page_t pg;

    if (deal && !maplat_uuid_valid(deal)) {
        maplat_error_add(&errors, "deal_id", "must be a UUID");
    }
    archived = api_archived_param(q, &errors);
    sort = api_sort_param(r, q, name_sorts, &errors);
    {
        const char *fp[4] = {"documents", sort, archived, deal};
        api_page_params(r, q, api_fingerprint(r->pool, 4, fp), &pg, &errors);
    }
    if (errors) {
        return api_invalid(r, errors);
    }
    a = api_core->args(r->pool, st_list);
    api_core->bind(a, "user", id->user_id);
    api_core->bind(a, "role", id->role);
    api_core->bind(a, "org", id->org_id);
    api_core->bind(a, "archived", archived);
    api_core->bind(a, "deal", deal);
    api_core->bind(a, "sort", sort);
    return api_page_run(r, a, &pg);
}

/* :user :role :id :org of a statement about the document of the route */
static maplat_args_t *doc_args(request_rec *r, const maplat_match_t *m, const maplat_stmt_t *st,
                               const char *role)
{
    const maplat_identity_t *id = api_caller(r);
    maplat_args_t *a = api_core->args(r->pool, st);
    api_core->bind(a, "user", id->user_id);
    api_core->bind(a, "role", role ? role : id->role);
    api_core->bind(a, "id", maplat_param(m, "id"));
    api_core->bind(a, "org", id->org_id);
    return a;
}

static int doc_get(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    maplat_rows_t *row;
    int rc;

    if ((rc = first(r, doc_args(r, m, st_get, NULL), &row)) != OK) {
        return rc;
    }
    if (!row) {
        return not_found(r);
    }
    if (level_rank(api_core->col(row, "lvl")) < 1) {
        return maplat_problem(r, HTTP_FORBIDDEN, "forbidden", "you have no access to this document");
    }
    api_etag(r, api_core->col(row, "version"));
    return maplat_raw_json_send(r, HTTP_OK, api_core->col(row, "json"));
}

static int doc_create(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    json_object *body = NULL, *errors = NULL;
    field_values_t v;
    maplat_args_t *a;
    maplat_rows_t *row;
    const char *ok;
    int rc;

    if (api_core->read_json(r, &body) != OK) {
        return OK;
    }
    if (api_fields(r, body, doc_fields, NFIELDS, 1, &v, &errors) != 0) {
        return api_invalid(r, errors);
    }
    a = api_core->args(r->pool, st_create);
    api_core->bind(a, "org", id->org_id);
    api_bind_fields(a, doc_fields, NFIELDS, &v);
    api_bind_audit(r, a, "document.create", NULL);
    if ((rc = first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row || !(ok = api_core->col(row, "deal_ok"))) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (ok[0] != 't') {
        return api_invalid1(r, "deal_id", "no such deal in your organization");
    }
    api_etag(r, api_core->col(row, "version"));
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, "/api/v1/documents/", api_core->col(row, "id"), NULL));
    return maplat_raw_json_send(r, HTTP_CREATED, api_core->col(row, "json"));
}

static int doc_update(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    json_object *body = NULL, *errors = NULL;
    field_values_t v;
    const char *action = "document.update", *ok, *json;
    maplat_args_t *a;
    maplat_rows_t *row;
    int rc;

    if (api_core->read_json(r, &body) != OK) {
        return OK;
    }
    if (api_fields(r, body, doc_fields, NFIELDS, 0, &v, &errors) != 0) {
        return api_invalid(r, errors);
    }
    for (int i = 0; i < NFIELDS; i++) {
        if (strcmp(doc_fields[i].name, "archived") == 0 && v.npresent == 1 && v.present[i]) {
            action = strcmp(v.value[i], "true") == 0 ? "document.archive" : "document.unarchive";
        }
    }
    a = doc_args(r, m, st_update, NULL);
    api_bind_patch(r->pool, a, doc_fields, NFIELDS, &v);
    api_core->bind(a, "version", api_if_match(r));
    api_bind_audit(r, a, action, api_changed_fields(r->pool, doc_fields, NFIELDS, &v));
    if ((rc = first(r, a, &row)) != OK) {
        return rc;
    }
    if (none(row, "found")) {
        return not_found(r);
    }
    if (level_rank(api_core->col(row, "lvl")) < 1) {
        return maplat_problem(r, HTTP_FORBIDDEN, "forbidden", "you have no access to this document");
    }
    if (level_rank(api_core->col(row, "lvl")) < 2) {
        return maplat_problem(r, HTTP_FORBIDDEN, "forbidden",
                              "changing this document needs the editor level");
    }
    if (!(ok = api_core->col(row, "deal_ok")) || ok[0] != 't') {
        return api_invalid1(r, "deal_id", "no such deal in your organization");
    }
    if (!(json = api_core->col(row, "json"))) {
        return maplat_problem(r, HTTP_PRECONDITION_FAILED, "precondition_failed",
                              "the document was changed by someone else (If-Match does not match its ETag)");
    }
    api_etag(r, api_core->col(row, "version"));
    return maplat_raw_json_send(r, HTTP_OK, json);
}

static int doc_delete(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    maplat_args_t *a = doc_args(r, m, st_delete, NULL);
    maplat_rows_t *row;
    int rc;

    api_bind_audit(r, a, "document.delete", NULL);
    if ((rc = first(r, a, &row)) != OK) {
        return rc;
    }
    if (none(row, "found")) {
        return not_found(r);
    }
    if (none(row, "deleted")) {
        return maplat_problem(r, HTTP_FORBIDDEN, "forbidden", "deleting this document needs the owner level");
    }
    r->status = HTTP_NO_CONTENT;
    return OK;
}

static int perms_list(request_rec *r, const maplat_match_t *m, int authorized)
{
    API_CALLER(id);
    /* right after a successful change the caller may have given up their own
     * grant (an ownership transfer): the answer still shows the new list */
    maplat_rows_t *row;
    int rc;

    if ((rc = first(r, doc_args(r, m, st_perms, authorized ? "admin" : NULL), &row)) != OK) {
        return rc;
    }
    if (!row) {
        return not_found(r);
    }
    if (level_rank(api_core->col(row, "lvl")) < 1) {
        return maplat_problem(r, HTTP_FORBIDDEN, "forbidden", "you have no access to this document");
    }
    return maplat_raw_json_send(
        r, HTTP_OK, apr_pstrcat(r->pool, "{\"permissions\":", api_core->col(row, "permissions"), "}", NULL));
}

static int perms_get(request_rec *r, const maplat_match_t *m)
{
    return perms_list(r, m, 0);
}

static int perms_update(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    json_object *body = NULL, *errors = NULL, *list;
    const char *users = "{", *levels = "{", *bad_users;
    apr_hash_t *seen = apr_hash_make(r->pool);
    maplat_args_t *a;
    maplat_rows_t *row;
    size_t n;
    int rc;

    if (api_core->read_json(r, &body) != OK) {
        return OK;
    }
    if (!json_object_object_get_ex(body, "permissions", &list) ||
        !json_object_is_type(list, json_type_array) || (n = json_object_array_length(list)) < 1 ||
        n > MAX_GRANTS) {
        return api_invalid1(r, "permissions", "must be an array of 1 to 100 {user_id, level} objects");
    }
    for (size_t i = 0; i < n; i++) {
        json_object *g = json_object_array_get_idx(list, i);
        const char *uid = g ? maplat_json_str(g, "user_id") : NULL;
        const char *lvl = g ? maplat_json_str(g, "level") : NULL;
        const char *field = apr_psprintf(r->pool, "permissions[%zu]", i);
        if (!uid || !maplat_uuid_valid(uid)) {
            maplat_error_add(&errors, apr_pstrcat(r->pool, field, ".user_id", NULL), "must be a UUID");
            continue;
        }
        if (!maplat_check_enum(r->pool, &errors, apr_pstrcat(r->pool, field, ".level", NULL),
                               &maplat_document_grants, lvl)) {
            continue;
        }
        if (apr_hash_get(seen, uid, APR_HASH_KEY_STRING)) {
            maplat_error_add(&errors, apr_pstrcat(r->pool, field, ".user_id", NULL), "is listed twice");
            continue;
        }
        apr_hash_set(seen, uid, APR_HASH_KEY_STRING, "1");
        users = apr_pstrcat(r->pool, users, i ? "," : "", uid, NULL);
        levels = apr_pstrcat(r->pool, levels, i ? "," : "", lvl, NULL);
    }
    if (errors) {
        return api_invalid(r, errors);
    }
    a = doc_args(r, m, st_perms_update, NULL);
    api_core->bind(a, "users", apr_pstrcat(r->pool, users, "}", NULL));
    api_core->bind(a, "levels", apr_pstrcat(r->pool, levels, "}", NULL));
    api_bind_audit(r, a, "document.permissions.update",
                   apr_pstrcat(r->pool, "{\"permissions\":",
                               json_object_to_json_string_ext(list, JSON_C_TO_STRING_PLAIN), "}", NULL));
    if ((rc = first(r, a, &row)) != OK) {
        return rc;
    }
    if (none(row, "found")) {
        return not_found(r);
    }
    if (level_rank(api_core->col(row, "lvl")) < 1) {
        return maplat_problem(r, HTTP_FORBIDDEN, "forbidden", "you have no access to this document");
    }
    if (level_rank(api_core->col(row, "lvl")) < 3) {
        return maplat_problem(
            r, HTTP_FORBIDDEN, "forbidden",
            "only an owner of the document or an organization admin can change its permissions");
    }
    if ((bad_users = api_core->col(row, "bad"))) {
        json_object *bad = NULL, *errs = NULL;
        const char *why = NULL;
        if (maplat_json_parse(bad_users, strlen(bad_users), 4, &bad, &why) == 0) {
            for (size_t i = 0; i < json_object_array_length(bad); i++) {
                maplat_error_add(&errs, "permissions",
                                 apr_pstrcat(r->pool, "no such user in your organization: ",
                                             json_object_get_string(json_object_array_get_idx(bad, i)),
                                             NULL));
            }
            json_object_put(bad);
        }
        return api_invalid(r, errs);
    }
    if (none(row, "owners")) {
        return maplat_problem(r, HTTP_CONFLICT, "conflict", "a document must keep at least one owner");
    }
    return perms_list(r, m, 1);
}

const char *api_documents_init(apr_pool_t *p)
{
    const char *err;
    documents_sql();
    if ((err = api_core->route_add(p, MAPLAT_M_GET, "/api/v1/documents", doc_list)) ||
        (err = api_core->route_add(p, MAPLAT_M_POST, "/api/v1/documents", doc_create)) ||
        (err = api_core->route_add(p, MAPLAT_M_GET, "/api/v1/documents/{id}", doc_get)) ||
        (err = api_core->route_add(p, MAPLAT_M_PATCH, "/api/v1/documents/{id}", doc_update)) ||
        (err = api_core->route_add(p, MAPLAT_M_DELETE, "/api/v1/documents/{id}", doc_delete)) ||
        (err = api_core->route_add(p, MAPLAT_M_GET, "/api/v1/documents/{id}/permissions", perms_get)) ||
        (err = api_core->route_add(p, MAPLAT_M_PATCH, "/api/v1/documents/{id}/permissions", perms_update))) {
        return err;
    }
    return NULL;
}
