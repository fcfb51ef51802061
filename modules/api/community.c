/*
 * Communities of an organization, their members and posts.
 *
 *   GET/POST   /communities
 *   GET/POST   /communities/{id}/members              list / join
 *   PATCH      /communities/{id}/members/{user_id}    community admin: role
 *   DELETE     /communities/{id}/members/{user_id}    moderator/admin (or oneself)
 *   GET/POST   /communities/{id}/posts                pinned first, then newest; members post
 *   POST/DELETE /communities/{id}/posts/{post_id}/pin moderator/admin
 *
 * Moderation (role changes, removals, pins) is rate limited per user
 * (MaplatRateLimit moderation, default 30 per 60 s) and audited. The caller's
 * community role is read in the same statement that acts on it; the last
 * admin of a community cannot be removed or demoted (409).
 */
#include "api.h"
#include "apr_strings.h"
#include "http_protocol.h"

static const field_t community_fields[] = {
    {"name", F_TEXT, 1, 200, 1, 0, NULL},
    {"description", F_TEXT, 0, 5000, 0, 1, NULL},
};
static const field_t role_fields[] = {{"role", F_ENUM, 0, 0, 1, 0, maplat_community_role_values}};
static const field_t post_fields[] = {
    {"title", F_TEXT, 1, 200, 1, 0, NULL},
    {"body", F_TEXT, 1, 50000, 1, 0, NULL},
};

/* The community (in the caller's org) and the caller's role in it.
 * Parameters: :user, :community, :org. */
#define COMM_CTE                                                                                             \
    "c AS (SELECT c.id, c.organization_id, (SELECT role FROM community_members WHERE community_id = c.id"    \
    "   AND user_id = :user::uuid) AS my_role FROM communities c WHERE c.id = :community::uuid"              \
    "   AND c.organization_id = :org::uuid)"

static const maplat_stmt_t *st_list, *st_create, *st_members, *st_join, *st_role, *st_remove, *st_posts,
    *st_post_create, *st_post_pin;

static void community_sql(void)
{
    st_list = api_core->stmt_add(
        "maplat_api_community_list", "org user sort limit offset", "total items",
        "SELECT (SELECT count(*) FROM communities WHERE organization_id = :org::uuid) AS total,"
        " COALESCE((SELECT json_agg(x.j) FROM (SELECT maplat_community_json(c, :user::uuid) AS j FROM "
        "communities c"
        "   WHERE c.organization_id = :org::uuid"
        "   ORDER BY CASE WHEN :sort = 'name' THEN lower(c.name) END ASC,"
        "    CASE WHEN :sort = '-name' THEN lower(c.name) END DESC,"
        "    CASE WHEN :sort = 'created_at' THEN c.created_at END ASC,"
        "    c.created_at DESC, c.id DESC"
        "   LIMIT :limit::int OFFSET :offset::int) x), '[]') AS items");
    st_create = api_core->stmt_add(
        "maplat_api_community_create", "org user name description action details ip", "json id",
        "WITH ins AS (INSERT INTO communities (organization_id, created_by, name, description)"
        "   VALUES (:org::uuid, :user::uuid, :name, :description) RETURNING *),"
        " mem AS (INSERT INTO community_members (organization_id, community_id, user_id, role)"
        "   SELECT organization_id, id, created_by, 'admin' FROM ins)," API_AUDIT_CTE(
            "ins", "community") " SELECT maplat_community_json(ROW(ins.*)::communities, :user::uuid, 1, "
                                "'admin') AS json, ins.id FROM ins");
    st_members = api_core->stmt_add(
        "maplat_api_community_members", "limit offset community org", "total items",
        "SELECT (SELECT count(*) FROM community_members m WHERE m.community_id = c.id) AS total,"
        " COALESCE((SELECT json_agg(x.j) FROM (SELECT maplat_community_member_json(m) AS j"
        " FROM community_members m"
        "   WHERE m.community_id = c.id ORDER BY m.joined_at, m.user_id"
        "   LIMIT :limit::int OFFSET :offset::int) x), '[]') AS items"
        " FROM communities c WHERE c.id = :community::uuid AND c.organization_id = :org::uuid");
    st_join = api_core->stmt_add(
        "maplat_api_community_join", "community org user ip", "found created member",
        "WITH c AS (SELECT id, organization_id FROM communities WHERE id = :community::uuid"
        "   AND organization_id = :org::uuid),"
        " ins AS (INSERT INTO community_members AS m (organization_id, community_id, user_id, role)"
        "   SELECT c.organization_id, c.id, :user::uuid, 'member' FROM c"
        "   ON CONFLICT (community_id, user_id) DO NOTHING RETURNING m.*),"
        " a AS (" MAPLAT_AUDIT_INSERT(
            "ins", "ins.organization_id", "'community.member.join'", "'community'", "ins.community_id::text",
            "'{}'::jsonb") ")"
                           " SELECT (SELECT count(*) FROM c) AS found, (SELECT "
                           "maplat_community_member_json(ROW(ins.*)::community_members) FROM ins) AS created,"
                           "  (SELECT maplat_community_member_json(m) FROM community_members m, c WHERE "
                           "m.community_id = c.id"
                           "   AND m.user_id = :user::uuid) AS member");
    /* role change: community admin only; the last admin keeps the role */
    st_role = api_core->stmt_add(
        "maplat_api_community_role", "user community org target role ip", "found my_role target_found member",
        "WITH " COMM_CTE ","
        " t AS (SELECT m.* FROM community_members m, c WHERE m.community_id = c.id"
        "   AND m.user_id = :target::uuid FOR UPDATE),"
        " admins AS (SELECT count(*) AS n FROM community_members m, c WHERE m.community_id = "
        "c.id"
        "   AND m.role = 'admin'),"
        " upd AS (UPDATE community_members m SET role = :role FROM c, t, admins"
        "   WHERE m.community_id = c.id AND m.user_id = t.user_id AND c.my_role = 'admin'"
        "   AND NOT (t.role = 'admin' AND :role <> 'admin' AND admins.n <= 1) RETURNING m.*),"
        " a AS (" MAPLAT_AUDIT_INSERT(
            "upd", "upd.organization_id", "'community.member.role_update'", "'community'",
            "upd.community_id::text",
            "jsonb_build_object('user_id', upd.user_id, 'role', "
            "upd.role)") ")"
                         " SELECT (SELECT count(*) FROM c) AS "
                         "found, (SELECT my_role FROM c) AS my_role,"
                         "  (SELECT count(*) FROM t) AS "
                         "target_found, (SELECT maplat_community_member_json(ROW(upd.*)::community_members) "
                         "FROM upd) AS member");
    st_remove = api_core->stmt_add(
        "maplat_api_community_remove", "user community org target ip",
        "found my_role target_role admins removed",
        "WITH " COMM_CTE ","
        " t AS (SELECT m.* FROM community_members m, c WHERE m.community_id = c.id"
        "   AND m.user_id = :target::uuid FOR UPDATE),"
        " admins AS (SELECT count(*) AS n FROM community_members m, c WHERE m.community_id = c.id"
        "   AND m.role = 'admin'),"
        " del AS (DELETE FROM community_members m USING c, t, admins"
        "   WHERE m.community_id = c.id AND m.user_id = t.user_id"
        "   AND (c.my_role IN ('moderator', 'admin') OR t.user_id = :user::uuid)"
        "   AND NOT (c.my_role = 'moderator' AND t.role = 'admin' AND t.user_id <> :user::uuid)"
        "   AND NOT (t.role = 'admin' AND admins.n <= 1) RETURNING m.*),"
        " a AS (" MAPLAT_AUDIT_INSERT(
            "del", "del.organization_id", "'community.member.remove'", "'community'",
            "del.community_id::text",
            "jsonb_build_object('user_id', del.user_id)") ")"
                                                          " SELECT (SELECT count(*) FROM c) AS found, "
                                                          "(SELECT my_role FROM c) AS my_role,"
                                                          "  (SELECT role FROM t) AS target_role, (SELECT n "
                                                          "FROM admins) AS admins,"
                                                          "  (SELECT count(*) FROM del) AS removed");
    st_posts = api_core->stmt_add(
        "maplat_api_post_list", "limit offset community org", "total items",
        "SELECT (SELECT count(*) FROM posts p WHERE p.community_id = c.id AND p.deleted_at IS NULL) AS total,"
        " COALESCE((SELECT json_agg(x.j) FROM (SELECT maplat_post_json(p) AS j"
        " FROM posts p"
        "   WHERE p.community_id = c.id AND p.deleted_at IS NULL"
        "   ORDER BY p.pinned DESC, p.pinned_at DESC NULLS LAST, p.created_at DESC, p.id DESC"
        "   LIMIT :limit::int OFFSET :offset::int) x), '[]') AS items"
        " FROM communities c WHERE c.id = :community::uuid AND c.organization_id = :org::uuid");
    st_post_create = api_core->stmt_add(
        "maplat_api_post_create", "user community org title body action details ip", "found my_role json id",
        "WITH " COMM_CTE ","
        " ins AS (INSERT INTO posts (organization_id, community_id, author_id, title, body)"
        "   SELECT c.organization_id, c.id, :user::uuid, :title, :body FROM c WHERE c.my_role IS NOT NULL"
        "   RETURNING *)," API_AUDIT_CTE(
            "ins", "post") " SELECT (SELECT count(*) FROM c) AS found, (SELECT my_role FROM c) AS my_role,"
                           "  (SELECT maplat_post_json(ROW(ins.*)::posts) FROM ins) AS json, (SELECT id FROM "
                           "ins) AS id");
    st_post_pin = api_core->stmt_add(
        "maplat_api_post_pin", "user community org post pin action details ip",
        "found post_found my_role json",
        "WITH " COMM_CTE ","
        " p AS (SELECT p.id FROM posts p, c WHERE p.id = :post::uuid AND p.community_id = c.id"
        "   AND p.deleted_at IS NULL FOR UPDATE),"
        " upd AS (UPDATE posts x SET pinned = :pin::bool,"
        "   pinned_at = CASE WHEN :pin::bool THEN COALESCE(x.pinned_at, now()) END,"
        "   pinned_by = CASE WHEN :pin::bool THEN :user::uuid END"
        "   FROM c, p WHERE x.id = p.id AND c.my_role IN ('moderator', 'admin') RETURNING "
        "x.*)," API_AUDIT_CTE(
            "upd",
            "post") " SELECT (SELECT count(*) FROM c) AS found, (SELECT count(*) FROM p) AS post_found,"
                    "  (SELECT my_role FROM c) AS my_role, (SELECT maplat_post_json(ROW(upd.*)::posts) FROM "
                    "upd) AS json");
}

static int moderation_limited(request_rec *r, const maplat_identity_t *id)
{
    int retry = 0;
    if (api_core->rate_limit(r, "moderation", id->user_id, 1, &retry) == MAPLAT_RL_LIMITED) {
        apr_table_setn(r->err_headers_out, "Retry-After", apr_itoa(r->pool, retry));
        maplat_problem(r, HTTP_TOO_MANY_REQUESTS, "rate_limited", "too many moderation actions; retry later");
        return 1;
    }
    return 0;
}

static int community_not_found(request_rec *r)
{
    return maplat_problem(r, HTTP_NOT_FOUND, "not_found", "community not found");
}

static const char *const community_sorts[] = {"created_at", "-created_at", "name", "-name", NULL};

static int community_list(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    json_object *errors = NULL;
    apr_table_t *q = maplat_query(r);
    int page, size, rc;
    const char *sort;
    maplat_args_t *a;
    maplat_rows_t *row = NULL;

    maplat_page_params(q, &page, &size, &errors);
    sort = api_sort_param(r, q, community_sorts, &errors);
    if (errors) {
        return api_invalid(r, errors);
    }
    a = api_core->args(r->pool, st_list);
    api_core->bind(a, "org", id->org_id);
    api_core->bind(a, "user", id->user_id);
    api_core->bind(a, "sort", sort);
    api_core->bind_int(a, "limit", size);
    api_core->bind_int(a, "offset", (apr_int64_t)(page - 1) * size);
    if ((rc = api_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return maplat_list_send(r, api_core->col(row, "items"), page, size, api_core->col(row, "total"));
}

static int community_create(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    json_object *body = NULL, *errors = NULL;
    field_values_t v;
    maplat_args_t *a;
    maplat_rows_t *row = NULL;
    int rc;

    if (api_core->read_json(r, &body) != OK) {
        return OK;
    }
    if (api_fields(r, body, community_fields, 2, 1, &v, &errors) != 0) {
        return api_invalid(r, errors);
    }
    a = api_core->args(r->pool, st_create);
    api_core->bind(a, "org", id->org_id);
    api_core->bind(a, "user", id->user_id);
    api_bind_fields(a, community_fields, 2, &v);
    api_core->bind(a, "action", "community.create");
    api_core->bind(a, "details", NULL);
    api_core->bind(a, "ip", r->useragent_ip);
    if ((rc = api_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, "/api/v1/communities/", api_core->col(row, "id"), NULL));
    return maplat_raw_json_send(r, HTTP_CREATED, api_core->col(row, "json"));
}

/* A page of a community's members or posts: (limit, offset, community, org)
 * -> (total, items); no row when the community is not the caller's. */
static int community_page(request_rec *r, const maplat_match_t *m, const maplat_stmt_t *st)
{
    API_CALLER(id);
    json_object *errors = NULL;
    int page, size, rc;
    maplat_args_t *a;
    maplat_rows_t *row = NULL;

    if (maplat_page_params(maplat_query(r), &page, &size, &errors) != 0) {
        return api_invalid(r, errors);
    }
    a = api_core->args(r->pool, st);
    api_core->bind_int(a, "limit", size);
    api_core->bind_int(a, "offset", (apr_int64_t)(page - 1) * size);
    api_core->bind(a, "community", maplat_param(m, "id"));
    api_core->bind(a, "org", id->org_id);
    if ((rc = api_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row) {
        return community_not_found(r);
    }
    return maplat_list_send(r, api_core->col(row, "items"), page, size, api_core->col(row, "total"));
}

static int members_list(request_rec *r, const maplat_match_t *m)
{
    return community_page(r, m, st_members);
}

static int member_join(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    maplat_args_t *a = api_core->args(r->pool, st_join);
    maplat_rows_t *row = NULL;
    int rc;

    api_core->bind(a, "community", maplat_param(m, "id"));
    api_core->bind(a, "org", id->org_id);
    api_core->bind(a, "user", id->user_id);
    api_core->bind(a, "ip", r->useragent_ip);
    if ((rc = api_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row || strcmp(api_core->col(row, "found"), "0") == 0) {
        return community_not_found(r);
    }
    if (api_core->col(row, "created")) {
        return maplat_raw_json_send(r, HTTP_CREATED, api_core->col(row, "created"));
    }
    return maplat_raw_json_send(r, HTTP_OK, api_core->col(row, "member")); /* already a member */
}

static int member_role(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    json_object *body = NULL, *errors = NULL;
    field_values_t v;
    maplat_args_t *a;
    maplat_rows_t *row = NULL;
    int rc;

    if (api_core->read_json(r, &body) != OK) {
        return OK;
    }
    if (api_fields(r, body, role_fields, 1, 1, &v, &errors) != 0) {
        return api_invalid(r, errors);
    }
    if (moderation_limited(r, id)) {
        return OK;
    }
    a = api_core->args(r->pool, st_role);
    api_core->bind(a, "user", id->user_id);
    api_core->bind(a, "community", maplat_param(m, "id"));
    api_core->bind(a, "org", id->org_id);
    api_core->bind(a, "target", maplat_param(m, "user_id"));
    api_bind_fields(a, role_fields, 1, &v);
    api_core->bind(a, "ip", r->useragent_ip);
    if ((rc = api_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row || strcmp(api_core->col(row, "found"), "0") == 0) {
        return community_not_found(r);
    }
    if (!api_core->col(row, "my_role") || strcmp(api_core->col(row, "my_role"), "admin") != 0) {
        return maplat_problem(r, HTTP_FORBIDDEN, "forbidden", "only a community admin can change roles");
    }
    if (strcmp(api_core->col(row, "target_found"), "0") == 0) {
        return maplat_problem(r, HTTP_NOT_FOUND, "not_found", "that user is not a member of this community");
    }
    if (!api_core->col(row, "member")) {
        return maplat_problem(r, HTTP_CONFLICT, "conflict", "a community must keep at least one admin");
    }
    return maplat_raw_json_send(r, HTTP_OK, api_core->col(row, "member"));
}

static int member_remove(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    const char *my_role, *target;
    maplat_args_t *a;
    maplat_rows_t *row = NULL;
    int rc, self = strcmp(maplat_param(m, "user_id"), id->user_id) == 0;

    if (moderation_limited(r, id)) {
        return OK;
    }
    a = api_core->args(r->pool, st_remove);
    api_core->bind(a, "user", id->user_id);
    api_core->bind(a, "community", maplat_param(m, "id"));
    api_core->bind(a, "org", id->org_id);
    api_core->bind(a, "target", maplat_param(m, "user_id"));
    api_core->bind(a, "ip", r->useragent_ip);
    if ((rc = api_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row || strcmp(api_core->col(row, "found"), "0") == 0) {
        return community_not_found(r);
    }
    my_role = api_core->col(row, "my_role");
    target = api_core->col(row, "target_role");
    if (!self && (!my_role || (strcmp(my_role, "moderator") && strcmp(my_role, "admin")))) {
        return maplat_problem(r, HTTP_FORBIDDEN, "forbidden",
                              "only a moderator or admin of the community can remove members");
    }
    if (!target) {
        return maplat_problem(r, HTTP_NOT_FOUND, "not_found", "that user is not a member of this community");
    }
    if (strcmp(api_core->col(row, "removed"), "0") == 0) {
        /* the permission first: a moderator learns nothing about the admins */
        if (!self && my_role && strcmp(my_role, "moderator") == 0 && strcmp(target, "admin") == 0) {
            return maplat_problem(r, HTTP_FORBIDDEN, "forbidden", "a moderator cannot remove an admin");
        }
        return maplat_problem(r, HTTP_CONFLICT, "conflict",
                              "the last admin of a community cannot be removed");
    }
    r->status = HTTP_NO_CONTENT;
    return OK;
}

static int post_list(request_rec *r, const maplat_match_t *m)
{
    return community_page(r, m, st_posts);
}

static int post_create(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    json_object *body = NULL, *errors = NULL;
    field_values_t v;
    maplat_args_t *a;
    maplat_rows_t *row = NULL;
    int rc;

    if (api_core->read_json(r, &body) != OK) {
        return OK;
    }
    if (api_fields(r, body, post_fields, 2, 1, &v, &errors) != 0) {
        return api_invalid(r, errors);
    }
    a = api_core->args(r->pool, st_post_create);
    api_core->bind(a, "user", id->user_id);
    api_core->bind(a, "community", maplat_param(m, "id"));
    api_core->bind(a, "org", id->org_id);
    api_bind_fields(a, post_fields, 2, &v);
    api_core->bind(a, "action", "post.create");
    api_core->bind(a, "details", NULL);
    api_core->bind(a, "ip", r->useragent_ip);
    if ((rc = api_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row || strcmp(api_core->col(row, "found"), "0") == 0) {
        return community_not_found(r);
    }
    if (!api_core->col(row, "my_role")) {
        return maplat_problem(r, HTTP_FORBIDDEN, "forbidden", "only members of the community can post");
    }
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, "/api/v1/communities/", maplat_param(m, "id"), "/posts/",
                               api_core->col(row, "id"), NULL));
    return maplat_raw_json_send(r, HTTP_CREATED, api_core->col(row, "json"));
}

static int post_pin(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    int pin = r->method_number == M_POST, rc;
    maplat_args_t *a;
    maplat_rows_t *row = NULL;

    if (moderation_limited(r, id)) {
        return OK;
    }
    a = api_core->args(r->pool, st_post_pin);
    api_core->bind(a, "user", id->user_id);
    api_core->bind(a, "community", maplat_param(m, "id"));
    api_core->bind(a, "org", id->org_id);
    api_core->bind(a, "post", maplat_param(m, "post_id"));
    api_core->bind(a, "pin", pin ? "true" : "false");
    api_core->bind(a, "action", pin ? "post.pin" : "post.unpin");
    api_core->bind(a, "details", NULL);
    api_core->bind(a, "ip", r->useragent_ip);
    if ((rc = api_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row || strcmp(api_core->col(row, "found"), "0") == 0) {
        return community_not_found(r);
    }
    if (strcmp(api_core->col(row, "post_found"), "0") == 0) {
        return maplat_problem(r, HTTP_NOT_FOUND, "not_found", "post not found");
    }
    if (!api_core->col(row, "json")) {
        return maplat_problem(r, HTTP_FORBIDDEN, "forbidden",
                              "only a moderator or admin of the community can pin posts");
    }
    return maplat_raw_json_send(r, HTTP_OK, api_core->col(row, "json"));
}

const char *api_community_init(apr_pool_t *p)
{
    const char *err;
    community_sql();
    if ((err = api_core->route_add(p, MAPLAT_M_GET, "/api/v1/communities", community_list)) ||
        (err = api_core->route_add(p, MAPLAT_M_POST, "/api/v1/communities", community_create)) ||
        (err = api_core->route_add(p, MAPLAT_M_GET, "/api/v1/communities/{id}/members", members_list)) ||
        (err = api_core->route_add(p, MAPLAT_M_POST, "/api/v1/communities/{id}/members", member_join)) ||
        (err = api_core->route_add(p, MAPLAT_M_PATCH, "/api/v1/communities/{id}/members/{user_id}",
                                   member_role)) ||
        (err = api_core->route_add(p, MAPLAT_M_DELETE, "/api/v1/communities/{id}/members/{user_id}",
                                   member_remove)) ||
        (err = api_core->route_add(p, MAPLAT_M_GET, "/api/v1/communities/{id}/posts", post_list)) ||
        (err = api_core->route_add(p, MAPLAT_M_POST, "/api/v1/communities/{id}/posts", post_create)) ||
        (err = api_core->route_add(p, MAPLAT_M_POST | MAPLAT_M_DELETE,
                                   "/api/v1/communities/{id}/posts/{post_id}/pin", post_pin))) {
        return err;
    }
    return NULL;
}
