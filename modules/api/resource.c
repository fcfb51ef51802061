/*
 * Handlers shared by the resources whose statements have the same shape
 * (deals, prospects; tasks for get and delete). Each route passes its
 * api_named_resource_t as route data (the statements' shapes: api.h).
 */
#include "api.h"
#include "apr_strings.h"
#include "http_protocol.h"

static int not_found(request_rec *r, const api_resource_t *res)
{
    return maplat_problem(r, HTTP_NOT_FOUND, "not_found",
                          apr_pstrcat(r->pool, res->name, " not found", NULL));
}

/* ------------------------------------------------------------ named statements */

int api_nres_get(request_rec *r, const maplat_match_t *m)
{
    const api_named_resource_t *nr = m->data;
    API_CALLER(id);
    maplat_args_t *a = api_core->args(r->pool, nr->get);
    maplat_rows_t *row = NULL;
    int rc;

    api_core->bind(a, "id", maplat_param(m, "id"));
    api_core->bind(a, "org", id->org_id);
    if ((rc = api_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row) {
        return not_found(r, &nr->res);
    }
    api_etag(r, api_core->col(row, "version"));
    return maplat_raw_json_send(r, HTTP_OK, api_core->col(row, "json"));
}

void api_bind_audit(request_rec *r, maplat_args_t *a, const char *action, const char *details)
{
    const maplat_identity_t *id = api_caller(r);
    api_core->bind(a, "user", id->user_id);
    api_core->bind(a, "action", action);
    api_core->bind(a, "details", details);
    api_core->bind(a, "ip", r->useragent_ip);
}

int api_nres_delete(request_rec *r, const maplat_match_t *m)
{
    const api_named_resource_t *nr = m->data;
    API_CALLER(id);
    maplat_args_t *a = api_core->args(r->pool, nr->del);
    maplat_rows_t *row = NULL;
    int rc;

    api_core->bind(a, "id", maplat_param(m, "id"));
    api_core->bind(a, "org", id->org_id);
    api_bind_audit(r, a, apr_pstrcat(r->pool, nr->res.name, ".delete", NULL), NULL);
    if ((rc = api_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row || strcmp(api_core->col(row, "deleted"), "0") == 0) {
        return not_found(r, &nr->res);
    }
    r->status = HTTP_NO_CONTENT;
    return OK;
}

int api_nres_create(request_rec *r, const maplat_match_t *m)
{
    const api_named_resource_t *nr = m->data;
    const api_resource_t *res = &nr->res;
    API_CALLER(id);
    json_object *body = NULL, *errors = NULL;
    field_values_t v;
    maplat_args_t *a;
    maplat_rows_t *row = NULL;
    int rc;

    if (api_core->read_json(r, &body) != OK) {
        return OK;
    }
    if (api_fields(r, body, res->fields, res->nfields, 1, &v, &errors) != 0) {
        return api_invalid(r, errors);
    }
    a = api_core->args(r->pool, nr->create);
    api_core->bind(a, "org", id->org_id);
    api_bind_fields(a, res->fields, res->nfields, &v);
    api_bind_audit(r, a, apr_pstrcat(r->pool, res->name, ".create", NULL), NULL);
    if ((rc = api_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    api_etag(r, api_core->col(row, "version"));
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, res->path, "/", api_core->col(row, "id"), NULL));
    return maplat_raw_json_send(r, HTTP_CREATED, api_core->col(row, "json"));
}

int api_nres_update(request_rec *r, const maplat_match_t *m)
{
    const api_named_resource_t *nr = m->data;
    const api_resource_t *res = &nr->res;
    API_CALLER(id);
    json_object *body = NULL, *errors = NULL;
    field_values_t v;
    const char *action = apr_pstrcat(r->pool, res->name, ".update", NULL);
    maplat_args_t *a;
    maplat_rows_t *row = NULL;
    int rc;

    if (api_core->read_json(r, &body) != OK) {
        return OK;
    }
    if (api_fields(r, body, res->fields, res->nfields, 0, &v, &errors) != 0) {
        return api_invalid(r, errors);
    }
    for (int i = 0; i < res->nfields; i++) {
        if (strcmp(res->fields[i].name, "archived") == 0 && v.npresent == 1 && v.present[i]) {
            /* archiving is its own action in the audit log */
            action = apr_pstrcat(r->pool, res->name,
                                 strcmp(v.value[i], "true") == 0 ? ".archive" : ".unarchive", NULL);
        }
    }
    a = api_core->args(r->pool, nr->update);
    api_core->bind(a, "id", maplat_param(m, "id"));
    api_core->bind(a, "org", id->org_id);
    api_bind_patch(r->pool, a, res->fields, res->nfields, &v);
    api_core->bind(a, "version", api_if_match(r));
    api_bind_audit(r, a, action, api_changed_fields(r->pool, res->fields, res->nfields, &v));
    if ((rc = api_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row || strcmp(api_core->col(row, "found"), "0") == 0) {
        return not_found(r, res);
    }
    if (!api_core->col(row, "json")) {
        return maplat_problem(r, HTTP_PRECONDITION_FAILED, "precondition_failed",
                              apr_pstrcat(r->pool, "the ", res->name,
                                          " was changed by someone else (If-Match does not match its ETag)",
                                          NULL));
    }
    api_etag(r, api_core->col(row, "version"));
    return maplat_raw_json_send(r, HTTP_OK, api_core->col(row, "json"));
}
