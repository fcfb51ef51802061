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

static const char *const roles[] = {"member", "moderator", "admin", NULL};

static const field_t community_fields[] = {
    {"name", F_TEXT, 1, 200, 1, 0, NULL},
    {"description", F_TEXT, 0, 5000, 0, 1, NULL},
};
static const field_t role_fields[] = {{"role", F_ENUM, 0, 0, 1, 0, roles}};
static const field_t post_fields[] = {
    {"title", F_TEXT, 1, 200, 1, 0, NULL},
    {"body", F_TEXT, 1, 50000, 1, 0, NULL},
};

#define COMMUNITY_JSON(c)                                                                                    \
    "json_build_object('id', " c ".id, 'name', " c ".name, 'description', " c ".description,"                \
    " 'created_by', maplat_user_ref(" c ".created_by), 'created_at', maplat_ts(" c ".created_at),"           \
    " 'member_count', (SELECT count(*) FROM community_members cm WHERE cm.community_id = " c ".id),"         \
    " 'my_role', (SELECT cm.role FROM community_members cm WHERE cm.community_id = " c ".id"                 \
    "   AND cm.user_id = %s::uuid))"
#define MEMBER_JSON(m)                                                                                       \
    "json_build_object('user_id', " m ".user_id, 'user', maplat_user_ref(" m ".user_id), 'role', " m         \
    ".role, 'joined_at', maplat_ts(" m ".joined_at))"
#define POST_JSON(p)                                                                                         \
    "json_build_object('id', " p ".id, 'community_id', " p ".community_id, 'title', " p ".title,"            \
    " 'body', " p ".body, 'pinned', " p ".pinned, 'pinned_at', maplat_ts(" p ".pinned_at),"                  \
    " 'author', maplat_user_ref(" p ".author_id), 'created_at', maplat_ts(" p ".created_at))"
/* The community (in the caller's org) and the caller's role in it.
 * Parameters: user, community, org. */
#define COMM_CTE                                                                                             \
    "c AS (SELECT c.id, c.organization_id, (SELECT role FROM community_members WHERE community_id = c.id"    \
    "   AND user_id = %s::uuid) AS my_role FROM communities c WHERE c.id = %s::uuid"                         \
    "   AND c.organization_id = %s::uuid)"

static void community_sql(void)
{
    core->sql_add("maplat_api_community_list",
                  "SELECT (SELECT count(*) FROM communities WHERE organization_id = %s::uuid),"
                  " COALESCE((SELECT json_agg(x.j) FROM (SELECT " COMMUNITY_JSON(
                      "c") " AS j FROM communities c"
                           "   WHERE c.organization_id = %s::uuid"
                           "   ORDER BY CASE WHEN %s = 'name' THEN lower(c.name) END ASC,"
                           "    CASE WHEN %s = '-name' THEN lower(c.name) END DESC,"
                           "    CASE WHEN %s = 'created_at' THEN c.created_at END ASC,"
                           "    c.created_at DESC, c.id DESC"
                           "   LIMIT %s::int OFFSET %s::int) x), '[]')");
    core->sql_add("maplat_api_community_create",
                  "WITH ins AS (INSERT INTO communities (organization_id, created_by, name, description)"
                  "   VALUES (%s::uuid, %s::uuid, %s, %s) RETURNING *),"
                  " mem AS (INSERT INTO community_members (organization_id, community_id, user_id, role)"
                  "   SELECT organization_id, id, created_by, 'admin' FROM ins)," API_AUDIT_CTE(
                      "ins", "community") " SELECT json_build_object('id', ins.id, 'name', ins.name, "
                                          "'description', ins.description,"
                                          "   'created_by', maplat_user_ref(ins.created_by), 'created_at', "
                                          "maplat_ts(ins.created_at),"
                                          "   'member_count', 1, 'my_role', 'admin'), ins.id FROM ins");
    core->sql_add("maplat_api_community_members",
                  "SELECT (SELECT count(*) FROM community_members m WHERE m.community_id = c.id),"
                  " COALESCE((SELECT json_agg(x.j) FROM (SELECT " MEMBER_JSON(
                      "m") " AS j FROM community_members m"
                           "   WHERE m.community_id = c.id ORDER BY m.joined_at, m.user_id LIMIT %s::int "
                           "OFFSET %s::int) x), '[]')"
                           " FROM communities c WHERE c.id = %s::uuid AND c.organization_id = %s::uuid");
    core->sql_add(
        "maplat_api_community_join",
        "WITH c AS (SELECT id, organization_id FROM communities WHERE id = %s::uuid"
        "   AND organization_id = %s::uuid),"
        " ins AS (INSERT INTO community_members AS m (organization_id, community_id, user_id, role)"
        "   SELECT c.organization_id, c.id, %s::uuid, 'member' FROM c"
        "   ON CONFLICT (community_id, user_id) DO NOTHING RETURNING m.*),"
        " a AS (INSERT INTO audit_log (organization_id, user_id, action, resource_type, resource_id,"
        "   details, client_address) SELECT ins.organization_id, %s::uuid, 'community.member.join',"
        "   'community', ins.community_id::text, '{}'::jsonb, %s::inet FROM ins)"
        " SELECT (SELECT count(*) FROM c), (SELECT " MEMBER_JSON(
            "ins") " FROM ins),"
                   "  (SELECT " MEMBER_JSON("m") " FROM community_members m, c WHERE m.community_id = c.id"
                                                 "   AND m.user_id = %s::uuid)");
    /* role change: community admin only; the last admin keeps the role */
    core->sql_add(
        "maplat_api_community_role",
        "WITH " COMM_CTE ","
        " t AS (SELECT m.* FROM community_members m, c WHERE m.community_id = c.id"
        "   AND m.user_id = %s::uuid FOR UPDATE),"
        " admins AS (SELECT count(*) AS n FROM community_members m, c WHERE m.community_id = c.id"
        "   AND m.role = 'admin'),"
        " upd AS (UPDATE community_members m SET role = %s FROM c, t, admins"
        "   WHERE m.community_id = c.id AND m.user_id = t.user_id AND c.my_role = 'admin'"
        "   AND NOT (t.role = 'admin' AND %s <> 'admin' AND admins.n <= 1) RETURNING m.*),"
        " a AS (INSERT INTO audit_log (organization_id, user_id, action, resource_type, resource_id,"
        "   details, client_address) SELECT upd.organization_id, %s::uuid, 'community.member.role_update',"
        "   'community', upd.community_id::text, json_build_object('user_id', upd.user_id, 'role', "
        "upd.role)::jsonb,"
        "   %s::inet FROM upd)"
        " SELECT (SELECT count(*) FROM c), (SELECT my_role FROM c), (SELECT count(*) FROM t),"
        "  (SELECT " MEMBER_JSON("upd") " FROM upd)");
    core->sql_add(
        "maplat_api_community_remove",
        "WITH " COMM_CTE ","
        " t AS (SELECT m.* FROM community_members m, c WHERE m.community_id = c.id"
        "   AND m.user_id = %s::uuid FOR UPDATE),"
        " admins AS (SELECT count(*) AS n FROM community_members m, c WHERE m.community_id = c.id"
        "   AND m.role = 'admin'),"
        " del AS (DELETE FROM community_members m USING c, t, admins"
        "   WHERE m.community_id = c.id AND m.user_id = t.user_id"
        "   AND (c.my_role IN ('moderator', 'admin') OR t.user_id = %s::uuid)"
        "   AND NOT (c.my_role = 'moderator' AND t.role = 'admin' AND t.user_id <> %s::uuid)"
        "   AND NOT (t.role = 'admin' AND admins.n <= 1) RETURNING m.*),"
        " a AS (INSERT INTO audit_log (organization_id, user_id, action, resource_type, resource_id,"
        "   details, client_address) SELECT del.organization_id, %s::uuid, 'community.member.remove',"
        "   'community', del.community_id::text, json_build_object('user_id', del.user_id)::jsonb,"
        "   %s::inet FROM del)"
        " SELECT (SELECT count(*) FROM c), (SELECT my_role FROM c), (SELECT role FROM t),"
        "  (SELECT n FROM admins), (SELECT count(*) FROM del)");
    core->sql_add(
        "maplat_api_post_list",
        "SELECT (SELECT count(*) FROM posts p WHERE p.community_id = c.id AND p.deleted_at IS NULL),"
        " COALESCE((SELECT json_agg(x.j) FROM (SELECT " POST_JSON(
            "p") " AS j FROM posts p"
                 "   WHERE p.community_id = c.id AND p.deleted_at IS NULL"
                 "   ORDER BY p.pinned DESC, p.pinned_at DESC NULLS LAST, p.created_at DESC, p.id DESC"
                 "   LIMIT %s::int OFFSET %s::int) x), '[]')"
                 " FROM communities c WHERE c.id = %s::uuid AND c.organization_id = %s::uuid");
    core->sql_add(
        "maplat_api_post_create",
        "WITH " COMM_CTE ","
        " ins AS (INSERT INTO posts (organization_id, community_id, author_id, title, body)"
        "   SELECT c.organization_id, c.id, %s::uuid, %s, %s FROM c WHERE c.my_role IS NOT NULL RETURNING "
        "*)," API_AUDIT_CTE("ins", "post") " SELECT (SELECT count(*) FROM c), (SELECT my_role FROM c), "
                                           "(SELECT " POST_JSON("ins") " FROM ins),"
                                                                       "  (SELECT id FROM ins)");
    core->sql_add(
        "maplat_api_post_pin",
        "WITH " COMM_CTE ","
        " p AS (SELECT p.id FROM posts p, c WHERE p.id = %s::uuid AND p.community_id = c.id"
        "   AND p.deleted_at IS NULL FOR UPDATE),"
        " upd AS (UPDATE posts x SET pinned = %s::bool,"
        "   pinned_at = CASE WHEN %s::bool THEN COALESCE(x.pinned_at, now()) END,"
        "   pinned_by = CASE WHEN %s::bool THEN %s::uuid END"
        "   FROM c, p WHERE x.id = p.id AND c.my_role IN ('moderator', 'admin') RETURNING "
        "x.*)," API_AUDIT_CTE(
            "upd",
            "post") " SELECT (SELECT count(*) FROM c), (SELECT count(*) FROM p), (SELECT my_role FROM c),"
                    "  (SELECT " POST_JSON("upd") " FROM upd)");
}

static int moderation_limited(request_rec *r, const maplat_identity_t *id)
{
    int retry = 0;
    if (core->rate_limit(r, "moderation", id->user_id, 1, &retry) == MAPLAT_RL_LIMITED) {
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
    const char *args[8], *sort;
    apr_dbd_results_t *res = NULL;

    maplat_page_params(q, &page, &size, &errors);
    sort = api_sort_param(r, q, community_sorts, &errors);
    if (errors) {
        return api_invalid(r, errors);
    }
    args[0] = id->org_id;
    args[1] = id->user_id;
    args[2] = id->org_id;
    args[3] = sort;
    args[4] = sort;
    args[5] = sort;
    args[6] = apr_itoa(r->pool, size);
    args[7] = apr_itoa(r->pool, (page - 1) * size);
    if ((rc = core->db_select(r, "maplat_api_community_list", &res, 8, args)) != OK) {
        return rc;
    }
    return api_send_list(r, res, page, size);
}

static int community_create(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    json_object *body = NULL, *errors = NULL;
    field_values_t v;
    const char *args[8];
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    int rc;

    if (core->read_json(r, &body) != OK) {
        return OK;
    }
    if (api_fields(r, body, community_fields, 2, 1, &v, &errors) != 0) {
        return api_invalid(r, errors);
    }
    args[0] = id->org_id;
    args[1] = id->user_id;
    args[2] = v.value[0];
    args[3] = v.value[1];
    args[4] = id->user_id;
    args[5] = "community.create";
    args[6] = NULL;
    args[7] = r->useragent_ip;
    if ((rc = core->db_select(r, "maplat_api_community_create", &res, 8, args)) != OK) {
        return rc;
    }
    if (!(row = api_row(r, res))) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, "/api/v1/communities/", api_col(r, row, 1), NULL));
    return maplat_raw_json_send(r, HTTP_CREATED, api_col(r, row, 0));
}

/* A page of a community's members or posts: (limit, offset, community, org)
 * -> (total, items); no row when the community is not the caller's. */
static int community_page(request_rec *r, const maplat_match_t *m, const char *label)
{
    API_CALLER(id);
    json_object *errors = NULL;
    int page, size, rc;
    const char *args[4];
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;

    if (maplat_page_params(maplat_query(r), &page, &size, &errors) != 0) {
        return api_invalid(r, errors);
    }
    args[0] = apr_itoa(r->pool, size);
    args[1] = apr_itoa(r->pool, (page - 1) * size);
    args[2] = maplat_param(m, "id");
    args[3] = id->org_id;
    if ((rc = core->db_select(r, label, &res, 4, args)) != OK) {
        return rc;
    }
    if (!(row = api_row(r, res))) {
        return community_not_found(r);
    }
    return maplat_list_send(r, api_col(r, row, 1), page, size, api_col(r, row, 0));
}

static int members_list(request_rec *r, const maplat_match_t *m)
{
    return community_page(r, m, "maplat_api_community_members");
}

static int member_join(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    const char *args[6] = {maplat_param(m, "id"), id->org_id,      id->user_id,
                           id->user_id,           r->useragent_ip, id->user_id};
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    int rc;

    if ((rc = core->db_select(r, "maplat_api_community_join", &res, 6, args)) != OK) {
        return rc;
    }
    if (!(row = api_row(r, res)) || strcmp(api_col(r, row, 0), "0") == 0) {
        return community_not_found(r);
    }
    if (api_col(r, row, 1)) {
        return maplat_raw_json_send(r, HTTP_CREATED, api_col(r, row, 1));
    }
    return maplat_raw_json_send(r, HTTP_OK, api_col(r, row, 2)); /* already a member */
}

static int member_role(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    json_object *body = NULL, *errors = NULL;
    field_values_t v;
    const char *args[9];
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    int rc;

    if (core->read_json(r, &body) != OK) {
        return OK;
    }
    if (api_fields(r, body, role_fields, 1, 1, &v, &errors) != 0) {
        return api_invalid(r, errors);
    }
    if (moderation_limited(r, id)) {
        return OK;
    }
    args[0] = id->user_id;
    args[1] = maplat_param(m, "id");
    args[2] = id->org_id;
    args[3] = maplat_param(m, "user_id");
    args[4] = v.value[0];
    args[5] = v.value[0];
    args[6] = id->user_id;
    args[7] = r->useragent_ip;
    if ((rc = core->db_select(r, "maplat_api_community_role", &res, 8, args)) != OK) {
        return rc;
    }
    if (!(row = api_row(r, res)) || strcmp(api_col(r, row, 0), "0") == 0) {
        return community_not_found(r);
    }
    if (!api_col(r, row, 1) || strcmp(api_col(r, row, 1), "admin") != 0) {
        return maplat_problem(r, HTTP_FORBIDDEN, "forbidden", "only a community admin can change roles");
    }
    if (strcmp(api_col(r, row, 2), "0") == 0) {
        return maplat_problem(r, HTTP_NOT_FOUND, "not_found", "that user is not a member of this community");
    }
    if (!api_col(r, row, 3)) {
        return maplat_problem(r, HTTP_CONFLICT, "conflict", "a community must keep at least one admin");
    }
    return maplat_raw_json_send(r, HTTP_OK, api_col(r, row, 3));
}

static int member_remove(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    const char *args[9], *my_role, *target;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    int rc, self = strcmp(maplat_param(m, "user_id"), id->user_id) == 0;

    if (moderation_limited(r, id)) {
        return OK;
    }
    args[0] = id->user_id;
    args[1] = maplat_param(m, "id");
    args[2] = id->org_id;
    args[3] = maplat_param(m, "user_id");
    args[4] = id->user_id;
    args[5] = id->user_id;
    args[6] = id->user_id;
    args[7] = r->useragent_ip;
    if ((rc = core->db_select(r, "maplat_api_community_remove", &res, 8, args)) != OK) {
        return rc;
    }
    if (!(row = api_row(r, res)) || strcmp(api_col(r, row, 0), "0") == 0) {
        return community_not_found(r);
    }
    my_role = api_col(r, row, 1);
    target = api_col(r, row, 2);
    if (!self && (!my_role || (strcmp(my_role, "moderator") && strcmp(my_role, "admin")))) {
        return maplat_problem(r, HTTP_FORBIDDEN, "forbidden",
                              "only a moderator or admin of the community can remove members");
    }
    if (!target) {
        return maplat_problem(r, HTTP_NOT_FOUND, "not_found", "that user is not a member of this community");
    }
    if (strcmp(api_col(r, row, 4), "0") == 0) {
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
    return community_page(r, m, "maplat_api_post_list");
}

static int post_create(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    json_object *body = NULL, *errors = NULL;
    field_values_t v;
    const char *args[10];
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    int rc;

    if (core->read_json(r, &body) != OK) {
        return OK;
    }
    if (api_fields(r, body, post_fields, 2, 1, &v, &errors) != 0) {
        return api_invalid(r, errors);
    }
    args[0] = id->user_id;
    args[1] = maplat_param(m, "id");
    args[2] = id->org_id;
    args[3] = id->user_id;
    args[4] = v.value[0];
    args[5] = v.value[1];
    args[6] = id->user_id;
    args[7] = "post.create";
    args[8] = NULL;
    args[9] = r->useragent_ip;
    if ((rc = core->db_select(r, "maplat_api_post_create", &res, 10, args)) != OK) {
        return rc;
    }
    if (!(row = api_row(r, res)) || strcmp(api_col(r, row, 0), "0") == 0) {
        return community_not_found(r);
    }
    if (!api_col(r, row, 1)) {
        return maplat_problem(r, HTTP_FORBIDDEN, "forbidden", "only members of the community can post");
    }
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, "/api/v1/communities/", maplat_param(m, "id"), "/posts/",
                               api_col(r, row, 3), NULL));
    return maplat_raw_json_send(r, HTTP_CREATED, api_col(r, row, 2));
}

static int post_pin(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    int pin = r->method_number == M_POST, rc;
    const char *flag = pin ? "true" : "false", *args[12];
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;

    if (moderation_limited(r, id)) {
        return OK;
    }
    args[0] = id->user_id;
    args[1] = maplat_param(m, "id");
    args[2] = id->org_id;
    args[3] = maplat_param(m, "post_id");
    args[4] = flag;
    args[5] = flag;
    args[6] = flag;
    args[7] = id->user_id;
    args[8] = id->user_id;
    args[9] = pin ? "post.pin" : "post.unpin";
    args[10] = NULL;
    args[11] = r->useragent_ip;
    if ((rc = core->db_select(r, "maplat_api_post_pin", &res, 12, args)) != OK) {
        return rc;
    }
    if (!(row = api_row(r, res)) || strcmp(api_col(r, row, 0), "0") == 0) {
        return community_not_found(r);
    }
    if (strcmp(api_col(r, row, 1), "0") == 0) {
        return maplat_problem(r, HTTP_NOT_FOUND, "not_found", "post not found");
    }
    if (!api_col(r, row, 3)) {
        return maplat_problem(r, HTTP_FORBIDDEN, "forbidden",
                              "only a moderator or admin of the community can pin posts");
    }
    return maplat_raw_json_send(r, HTTP_OK, api_col(r, row, 3));
}

const char *api_community_init(apr_pool_t *p)
{
    const char *err;
    community_sql();
    if ((err = core->route_add(p, MAPLAT_M_GET, "/api/v1/communities", community_list)) ||
        (err = core->route_add(p, MAPLAT_M_POST, "/api/v1/communities", community_create)) ||
        (err = core->route_add(p, MAPLAT_M_GET, "/api/v1/communities/{id}/members", members_list)) ||
        (err = core->route_add(p, MAPLAT_M_POST, "/api/v1/communities/{id}/members", member_join)) ||
        (err =
             core->route_add(p, MAPLAT_M_PATCH, "/api/v1/communities/{id}/members/{user_id}", member_role)) ||
        (err = core->route_add(p, MAPLAT_M_DELETE, "/api/v1/communities/{id}/members/{user_id}",
                               member_remove)) ||
        (err = core->route_add(p, MAPLAT_M_GET, "/api/v1/communities/{id}/posts", post_list)) ||
        (err = core->route_add(p, MAPLAT_M_POST, "/api/v1/communities/{id}/posts", post_create)) ||
        (err = core->route_add(p, MAPLAT_M_POST | MAPLAT_M_DELETE,
                               "/api/v1/communities/{id}/posts/{post_id}/pin", post_pin))) {
        return err;
    }
    return NULL;
}
