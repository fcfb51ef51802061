/*
 * Handlers shared by the resources whose statements have the same shape
 * (deals, prospects, and for get/delete also tasks). Each route passes its
 * api_resource_t as route data; the statements are named
 * maplat_api_<name>_{get,create,update,delete}.
 *
 *   get:    (id, org)                                  -> json, version
 *   create: (org, user, field values…, user, action, details, ip) -> json, version, id
 *   update: (id, org, (present, value) per field, version, version,
 *            user, action, details, ip)                -> found, json, version
 *   delete: (id, org, user, action, details, ip)       -> deleted count
 */
#include "api.h"
#include "apr_strings.h"
#include "http_protocol.h"

static const char *label(request_rec *r, const api_resource_t *res, const char *op)
{
    return apr_pstrcat(r->pool, "maplat_api_", res->name, "_", op, NULL);
}

static int not_found(request_rec *r, const api_resource_t *res)
{
    return maplat_problem(r, HTTP_NOT_FOUND, "not_found",
                          apr_pstrcat(r->pool, res->name, " not found", NULL));
}

int api_res_get(request_rec *r, const maplat_match_t *m)
{
    const api_resource_t *res = m->data;
    API_CALLER(id);
    const char *args[2] = {maplat_param(m, "id"), id->org_id};
    apr_dbd_results_t *rs = NULL;
    apr_dbd_row_t *row;
    int rc;

    if ((rc = core->db_select(r, label(r, res, "get"), &rs, 2, args)) != OK) {
        return rc;
    }
    if (!(row = api_row(r, rs))) {
        return not_found(r, res);
    }
    api_etag(r, api_col(r, row, 1));
    return maplat_raw_json_send(r, HTTP_OK, api_col(r, row, 0));
}

int api_res_delete(request_rec *r, const maplat_match_t *m)
{
    const api_resource_t *res = m->data;
    API_CALLER(id);
    const char *args[6] = {maplat_param(m, "id"),
                           id->org_id,
                           id->user_id,
                           apr_pstrcat(r->pool, res->name, ".delete", NULL),
                           NULL,
                           r->useragent_ip};
    apr_dbd_results_t *rs = NULL;
    apr_dbd_row_t *row;
    int rc;

    if ((rc = core->db_select(r, label(r, res, "delete"), &rs, 6, args)) != OK) {
        return rc;
    }
    if (!(row = api_row(r, rs)) || strcmp(api_col(r, row, 0), "0") == 0) {
        return not_found(r, res);
    }
    r->status = HTTP_NO_CONTENT;
    return OK;
}

int api_res_create(request_rec *r, const maplat_match_t *m)
{
    const api_resource_t *res = m->data;
    API_CALLER(id);
    json_object *body = NULL, *errors = NULL;
    field_values_t v;
    const char *args[2 + API_MAX_FIELDS + 4];
    apr_dbd_results_t *rs = NULL;
    apr_dbd_row_t *row;
    int rc, n = 0;

    if (core->read_json(r, &body) != OK) {
        return OK;
    }
    if (api_fields(r, body, res->fields, res->nfields, 1, &v, &errors) != 0) {
        return api_invalid(r, errors);
    }
    args[n++] = id->org_id;
    args[n++] = id->user_id;
    for (int i = 0; i < res->nfields; i++) {
        args[n++] = v.value[i];
    }
    args[n++] = id->user_id;
    args[n++] = apr_pstrcat(r->pool, res->name, ".create", NULL);
    args[n++] = NULL;
    args[n++] = r->useragent_ip;
    if ((rc = core->db_select(r, label(r, res, "create"), &rs, n, args)) != OK) {
        return rc;
    }
    if (!(row = api_row(r, rs))) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    api_etag(r, api_col(r, row, 1));
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, res->path, "/", api_col(r, row, 2), NULL));
    return maplat_raw_json_send(r, HTTP_CREATED, api_col(r, row, 0));
}

int api_res_update(request_rec *r, const maplat_match_t *m)
{
    const api_resource_t *res = m->data;
    API_CALLER(id);
    json_object *body = NULL, *errors = NULL;
    field_values_t v;
    const char *args[2 + 2 * API_MAX_FIELDS + 2 + 4], *version = api_if_match(r);
    const char *action = apr_pstrcat(r->pool, res->name, ".update", NULL);
    apr_dbd_results_t *rs = NULL;
    apr_dbd_row_t *row;
    int rc, n = 0, a = res->archived_field;

    if (core->read_json(r, &body) != OK) {
        return OK;
    }
    if (api_fields(r, body, res->fields, res->nfields, 0, &v, &errors) != 0) {
        return api_invalid(r, errors);
    }
    if (a >= 0 && v.npresent == 1 && v.present[a]) {
        /* archiving is its own action in the audit log */
        action = apr_pstrcat(r->pool, res->name, strcmp(v.value[a], "true") == 0 ? ".archive" : ".unarchive",
                             NULL);
    }
    args[n++] = maplat_param(m, "id");
    args[n++] = id->org_id;
    api_patch_params(&v, res->nfields, args + n);
    n += 2 * res->nfields;
    args[n++] = version;
    args[n++] = version;
    args[n++] = id->user_id;
    args[n++] = action;
    args[n++] = api_changed_fields(r->pool, res->fields, res->nfields, &v);
    args[n++] = r->useragent_ip;
    if ((rc = core->db_select(r, label(r, res, "update"), &rs, n, args)) != OK) {
        return rc;
    }
    if (!(row = api_row(r, rs)) || strcmp(api_col(r, row, 0), "0") == 0) {
        return not_found(r, res);
    }
    if (!api_col(r, row, 1)) {
        return maplat_problem(r, HTTP_PRECONDITION_FAILED, "precondition_failed",
                              apr_pstrcat(r->pool, "the ", res->name,
                                          " was changed by someone else (If-Match does not match its ETag)",
                                          NULL));
    }
    api_etag(r, api_col(r, row, 2));
    return maplat_raw_json_send(r, HTTP_OK, api_col(r, row, 1));
}
