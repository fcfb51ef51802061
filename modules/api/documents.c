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

/* The document and the caller's level. Parameters: user, role, doc, org. */
#define CUR_CTE                                                                                              \
    "cur AS (SELECT d.id, d.organization_id, d.version,"                                                     \
    "   maplat_document_level(d.id, %s::uuid, %s) AS lvl FROM documents d"                                   \
    "   WHERE d.id = %s::uuid AND d.organization_id = %s::uuid AND d.deleted_at IS NULL FOR UPDATE)"
#define DEAL_CHK_CTE                                                                                         \
    "chk AS (SELECT (%s::uuid IS NULL OR EXISTS (SELECT 1 FROM deals WHERE id = %s::uuid"                    \
    "   AND organization_id = %s::uuid AND deleted_at IS NULL)) AS deal_ok)"

static void documents_sql(void)
{
    core->sql_add(
        "maplat_api_document_list",
        "WITH f AS (SELECT d AS doc, d.id, d.created_at, lower(d.title) AS t,"
        "   maplat_document_level(d.id, %s::uuid, %s) AS lvl FROM documents d"
        "   WHERE d.organization_id = %s::uuid AND d.deleted_at IS NULL AND d.archived = %s::bool"
        "   AND (%s::uuid IS NULL OR d.deal_id = %s::uuid)),"
        " v AS (SELECT * FROM f WHERE lvl IS NOT NULL)"
        " SELECT (SELECT count(*) FROM v),"
        "  COALESCE((SELECT json_agg(x.j) FROM (SELECT maplat_document_json(v.doc, v.lvl) AS j FROM v"
        "   ORDER BY CASE WHEN %s = 'name' THEN v.t END ASC, CASE WHEN %s = '-name' THEN v.t END DESC,"
        "            CASE WHEN %s = 'created_at' THEN v.created_at END ASC, v.created_at DESC, v.id DESC"
        "   LIMIT %s::int OFFSET %s::int) x), '[]')");
    core->sql_add("maplat_api_document_get",
                  "SELECT l.lvl, maplat_document_json(d, l.lvl), d.version FROM documents d"
                  " CROSS JOIN LATERAL (SELECT maplat_document_level(d.id, %s::uuid, %s) AS lvl) l"
                  " WHERE d.id = %s::uuid AND d.organization_id = %s::uuid AND d.deleted_at IS NULL");
    core->sql_add(
        "maplat_api_document_create",
        "WITH " DEAL_CHK_CTE ","
        " ins AS (INSERT INTO documents (organization_id, created_by, title, body, deal_id, archived)"
        "   SELECT %s::uuid, %s::uuid, %s, %s, %s::uuid, COALESCE(%s::bool, false) FROM chk"
        "   WHERE chk.deal_ok RETURNING *),"
        " own AS (INSERT INTO document_permissions (organization_id, document_id, user_id, level)"
        "   SELECT organization_id, id, created_by, 'owner' FROM ins)," API_AUDIT_CTE(
            "ins", "document") " SELECT chk.deal_ok, (SELECT maplat_document_json(ROW(ins.*)::documents, "
                               "'owner') FROM ins),"
                               "        (SELECT version FROM ins), (SELECT id FROM ins) FROM chk");
    core->sql_add(
        "maplat_api_document_update",
        "WITH " CUR_CTE ", " DEAL_CHK_CTE ","
        " upd AS (UPDATE documents d SET"
        "   title = CASE WHEN %s::bool THEN %s ELSE d.title END,"
        "   body = CASE WHEN %s::bool THEN %s ELSE d.body END,"
        "   deal_id = CASE WHEN %s::bool THEN %s::uuid ELSE d.deal_id END,"
        "   archived = CASE WHEN %s::bool THEN %s::bool ELSE d.archived END"
        "   FROM cur, chk WHERE d.id = cur.id AND maplat_level_rank(cur.lvl) >= 2 AND chk.deal_ok"
        "   AND (%s::int IS NULL OR cur.version = %s::int) RETURNING d.*)," API_AUDIT_CTE(
            "upd", "document") " SELECT (SELECT count(*) FROM cur), (SELECT lvl FROM cur), chk.deal_ok,"
                               "  (SELECT maplat_document_json(ROW(upd.*)::documents, (SELECT lvl FROM cur)) "
                               "FROM upd),"
                               "  (SELECT version FROM upd) FROM chk");
    core->sql_add(
        "maplat_api_document_delete",
        "WITH " CUR_CTE ","
        " del AS (UPDATE documents d SET deleted_at = now() FROM cur"
        "   WHERE d.id = cur.id AND cur.lvl = 'owner' RETURNING d.id, d.organization_id)," API_AUDIT_CTE(
            "del", "document") " SELECT (SELECT count(*) FROM cur), (SELECT lvl FROM cur), (SELECT count(*) "
                               "FROM del)");
    core->sql_add(
        "maplat_api_document_permissions",
        "SELECT l.lvl, COALESCE((SELECT json_agg(json_build_object('user_id', p.user_id, 'level', p.level,"
        "     'user', maplat_user_ref(p.user_id)) ORDER BY maplat_level_rank(p.level) DESC, p.created_at)"
        "   FROM document_permissions p WHERE p.document_id = d.id), '[]')"
        " FROM documents d CROSS JOIN LATERAL (SELECT maplat_document_level(d.id, %s::uuid, %s) AS lvl) l"
        " WHERE d.id = %s::uuid AND d.organization_id = %s::uuid AND d.deleted_at IS NULL");
    /* merge: listed users get the level, 'none' removes; a document keeps an owner */
    core->sql_add(
        "maplat_api_document_permissions_update",
        "WITH " CUR_CTE ","
        " req AS (SELECT * FROM unnest(%s::uuid[], %s::text[]) AS x(user_id, level)),"
        " bad AS (SELECT req.user_id FROM req WHERE NOT EXISTS (SELECT 1 FROM users u"
        "   WHERE u.id = req.user_id AND u.organization_id = %s::uuid)),"
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
        "   ON CONFLICT (document_id, user_id) DO UPDATE SET level = EXCLUDED.level RETURNING user_id),"
        " a AS (INSERT INTO audit_log (organization_id, user_id, action, resource_type, resource_id,"
        "   details, client_address) SELECT ok.organization_id, %s::uuid, 'document.permissions.update',"
        "   'document', ok.id::text, %s::jsonb, %s::inet FROM ok)"
        " SELECT (SELECT count(*) FROM cur), (SELECT lvl FROM cur),"
        "  (SELECT json_agg(user_id) FROM bad), (SELECT n FROM owners), (SELECT count(*) FROM ok)");
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
    const char *sort, *args[11];
    apr_dbd_results_t *res = NULL;
    int page, size, rc;

    maplat_page_params(q, &page, &size, &errors);
    if (deal && !maplat_uuid_valid(deal)) {
        maplat_error_add(&errors, "deal_id", "must be a UUID");
    }
    archived = api_archived_param(q, &errors);
    sort = api_sort_param(r, q, name_sorts, &errors);
    if (errors) {
        return api_invalid(r, errors);
    }
    args[0] = id->user_id;
    args[1] = id->role;
    args[2] = id->org_id;
    args[3] = archived;
    args[4] = deal;
    args[5] = deal;
    args[6] = sort;
    args[7] = sort;
    args[8] = sort;
    args[9] = apr_itoa(r->pool, size);
    args[10] = apr_itoa(r->pool, (page - 1) * size);
    if ((rc = core->db_select(r, "maplat_api_document_list", &res, 11, args)) != OK) {
        return rc;
    }
    return api_send_list(r, res, page, size);
}

static int doc_get(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    const char *args[4] = {id->user_id, id->role, maplat_param(m, "id"), id->org_id};
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    int rc;

    if ((rc = core->db_select(r, "maplat_api_document_get", &res, 4, args)) != OK) {
        return rc;
    }
    if (!(row = api_row(r, res))) {
        return not_found(r);
    }
    if (level_rank(api_col(r, row, 0)) < 1) {
        return maplat_problem(r, HTTP_FORBIDDEN, "forbidden", "you have no access to this document");
    }
    api_etag(r, api_col(r, row, 2));
    return maplat_raw_json_send(r, HTTP_OK, api_col(r, row, 1));
}

static int doc_create(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    json_object *body = NULL, *errors = NULL;
    field_values_t v;
    const char *args[13];
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    int rc, n = 0;

    if (core->read_json(r, &body) != OK) {
        return OK;
    }
    if (api_fields(r, body, doc_fields, NFIELDS, 1, &v, &errors) != 0) {
        return api_invalid(r, errors);
    }
    args[n++] = v.value[2];
    args[n++] = v.value[2];
    args[n++] = id->org_id;
    args[n++] = id->org_id;
    args[n++] = id->user_id;
    for (int i = 0; i < NFIELDS; i++) {
        args[n++] = v.value[i];
    }
    args[n++] = id->user_id;
    args[n++] = "document.create";
    args[n++] = NULL;
    args[n++] = r->useragent_ip;
    if ((rc = core->db_select(r, "maplat_api_document_create", &res, n, args)) != OK) {
        return rc;
    }
    if (!(row = api_row(r, res))) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (api_col(r, row, 0)[0] != 't') {
        return api_invalid1(r, "deal_id", "no such deal in your organization");
    }
    api_etag(r, api_col(r, row, 2));
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, "/api/v1/documents/", api_col(r, row, 3), NULL));
    return maplat_raw_json_send(r, HTTP_CREATED, api_col(r, row, 1));
}

static int doc_update(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    json_object *body = NULL, *errors = NULL;
    field_values_t v;
    const char *args[4 + 3 + 2 * NFIELDS + 2 + 4], *version = api_if_match(r), *action = "document.update";
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    int rc, n = 0;

    if (core->read_json(r, &body) != OK) {
        return OK;
    }
    if (api_fields(r, body, doc_fields, NFIELDS, 0, &v, &errors) != 0) {
        return api_invalid(r, errors);
    }
    if (v.npresent == 1 && v.present[3]) {
        action = strcmp(v.value[3], "true") == 0 ? "document.archive" : "document.unarchive";
    }
    args[n++] = id->user_id;
    args[n++] = id->role;
    args[n++] = maplat_param(m, "id");
    args[n++] = id->org_id;
    args[n++] = v.value[2];
    args[n++] = v.value[2];
    args[n++] = id->org_id;
    api_patch_params(&v, NFIELDS, args + n);
    n += 2 * NFIELDS;
    args[n++] = version;
    args[n++] = version;
    args[n++] = id->user_id;
    args[n++] = action;
    args[n++] = api_changed_fields(r->pool, doc_fields, NFIELDS, &v);
    args[n++] = r->useragent_ip;
    if ((rc = core->db_select(r, "maplat_api_document_update", &res, n, args)) != OK) {
        return rc;
    }
    if (!(row = api_row(r, res)) || strcmp(api_col(r, row, 0), "0") == 0) {
        return not_found(r);
    }
    if (level_rank(api_col(r, row, 1)) < 1) {
        return maplat_problem(r, HTTP_FORBIDDEN, "forbidden", "you have no access to this document");
    }
    if (level_rank(api_col(r, row, 1)) < 2) {
        return maplat_problem(r, HTTP_FORBIDDEN, "forbidden",
                              "changing this document needs the editor level");
    }
    if (api_col(r, row, 2)[0] != 't') {
        return api_invalid1(r, "deal_id", "no such deal in your organization");
    }
    if (!api_col(r, row, 3)) {
        return maplat_problem(r, HTTP_PRECONDITION_FAILED, "precondition_failed",
                              "the document was changed by someone else (If-Match does not match its ETag)");
    }
    api_etag(r, api_col(r, row, 4));
    return maplat_raw_json_send(r, HTTP_OK, api_col(r, row, 3));
}

static int doc_delete(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    const char *args[8] = {id->user_id,       id->role, maplat_param(m, "id"), id->org_id, id->user_id,
                           "document.delete", NULL,     r->useragent_ip};
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    int rc;

    if ((rc = core->db_select(r, "maplat_api_document_delete", &res, 8, args)) != OK) {
        return rc;
    }
    if (!(row = api_row(r, res)) || strcmp(api_col(r, row, 0), "0") == 0) {
        return not_found(r);
    }
    if (strcmp(api_col(r, row, 2), "0") == 0) {
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
    const char *args[4] = {id->user_id, authorized ? "admin" : id->role, maplat_param(m, "id"), id->org_id};
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    int rc;

    if ((rc = core->db_select(r, "maplat_api_document_permissions", &res, 4, args)) != OK) {
        return rc;
    }
    if (!(row = api_row(r, res))) {
        return not_found(r);
    }
    if (level_rank(api_col(r, row, 0)) < 1) {
        return maplat_problem(r, HTTP_FORBIDDEN, "forbidden", "you have no access to this document");
    }
    return maplat_raw_json_send(r, HTTP_OK,
                                apr_pstrcat(r->pool, "{\"permissions\":", api_col(r, row, 1), "}", NULL));
}

static int perms_get(request_rec *r, const maplat_match_t *m)
{
    return perms_list(r, m, 0);
}

static int perms_update(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    json_object *body = NULL, *errors = NULL, *list;
    const char *users = "{", *levels = "{", *args[10];
    apr_hash_t *seen = apr_hash_make(r->pool);
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    size_t n;
    int rc;

    if (core->read_json(r, &body) != OK) {
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
        if (!lvl ||
            (strcmp(lvl, "viewer") && strcmp(lvl, "editor") && strcmp(lvl, "owner") && strcmp(lvl, "none"))) {
            maplat_error_add(&errors, apr_pstrcat(r->pool, field, ".level", NULL),
                             "must be one of viewer, editor, owner, none");
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
    args[0] = id->user_id;
    args[1] = id->role;
    args[2] = maplat_param(m, "id");
    args[3] = id->org_id;
    args[4] = apr_pstrcat(r->pool, users, "}", NULL);
    args[5] = apr_pstrcat(r->pool, levels, "}", NULL);
    args[6] = id->org_id;
    args[7] = id->user_id;
    args[8] = apr_pstrcat(r->pool,
                          "{\"permissions\":", json_object_to_json_string_ext(list, JSON_C_TO_STRING_PLAIN),
                          "}", NULL);
    args[9] = r->useragent_ip;
    if ((rc = core->db_select(r, "maplat_api_document_permissions_update", &res, 10, args)) != OK) {
        return rc;
    }
    if (!(row = api_row(r, res)) || strcmp(api_col(r, row, 0), "0") == 0) {
        return not_found(r);
    }
    if (level_rank(api_col(r, row, 1)) < 1) {
        return maplat_problem(r, HTTP_FORBIDDEN, "forbidden", "you have no access to this document");
    }
    if (level_rank(api_col(r, row, 1)) < 3) {
        return maplat_problem(
            r, HTTP_FORBIDDEN, "forbidden",
            "only an owner of the document or an organization admin can change its permissions");
    }
    if (api_col(r, row, 2)) {
        json_object *bad = NULL, *errs = NULL;
        const char *why = NULL;
        if (maplat_json_parse(api_col(r, row, 2), strlen(api_col(r, row, 2)), 4, &bad, &why) == 0) {
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
    if (strcmp(api_col(r, row, 3), "0") == 0) {
        return maplat_problem(r, HTTP_CONFLICT, "conflict", "a document must keep at least one owner");
    }
    return perms_list(r, m, 1);
}

const char *api_documents_init(apr_pool_t *p)
{
    const char *err;
    documents_sql();
    if ((err = core->route_add(p, MAPLAT_M_GET, "/api/v1/documents", doc_list)) ||
        (err = core->route_add(p, MAPLAT_M_POST, "/api/v1/documents", doc_create)) ||
        (err = core->route_add(p, MAPLAT_M_GET, "/api/v1/documents/{id}", doc_get)) ||
        (err = core->route_add(p, MAPLAT_M_PATCH, "/api/v1/documents/{id}", doc_update)) ||
        (err = core->route_add(p, MAPLAT_M_DELETE, "/api/v1/documents/{id}", doc_delete)) ||
        (err = core->route_add(p, MAPLAT_M_GET, "/api/v1/documents/{id}/permissions", perms_get)) ||
        (err = core->route_add(p, MAPLAT_M_PATCH, "/api/v1/documents/{id}/permissions", perms_update))) {
        return err;
    }
    return NULL;
}
