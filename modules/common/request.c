/*
 * Request helpers shared by the resource modules: query arguments,
 * pagination, validation error lists, JSON field access.
 */
#include "maplat.h"
#include "apr_strings.h"
#include "util_script.h"
#include "http_protocol.h"

#include <stdlib.h>

apr_table_t *maplat_query(request_rec *r)
{
    apr_table_t *t = NULL;
    const char *bad;
    if (maplat_query_parse(r->pool, r->args, &t, &bad) != 0) {
        /* unreachable for route functions: the router refused the request */
        return apr_table_make(r->pool, 1);
    }
    return t;
}

void maplat_error_add(json_object **errors, const char *field, const char *message)
{
    json_object *e = json_object_new_object();
    if (!*errors) {
        *errors = json_object_new_array();
    }
    json_object_object_add(e, "field", json_object_new_string(field));
    json_object_object_add(e, "message", json_object_new_string(message));
    json_object_array_add(*errors, e);
}

int maplat_page_params(apr_table_t *q, int *page, int *page_size, json_object **errors)
{
    const char *p = apr_table_get(q, "page"), *ps = apr_table_get(q, "page_size");
    apr_int64_t v;
    int bad = 0;

    *page = 1;
    *page_size = 20;
    if (p) {
        if (maplat_parse_int(p, 1, 1000000, &v) != 0) {
            maplat_error_add(errors, "page", "must be a whole number from 1");
            bad = 1;
        }
        else {
            *page = (int)v;
        }
    }
    if (ps) {
        if (maplat_parse_int(ps, 1, 100, &v) != 0) {
            maplat_error_add(errors, "page_size", "must be a whole number from 1 to 100");
            bad = 1;
        }
        else {
            *page_size = (int)v;
        }
    }
    return bad ? -1 : 0;
}

const char *maplat_json_str(json_object *o, const char *name)
{
    json_object *v;
    if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string)) {
        return NULL;
    }
    return json_object_get_string(v);
}

int maplat_json_has(json_object *o, const char *name)
{
    json_object *v;
    return json_object_object_get_ex(o, name, &v) && v != NULL;
}

int maplat_list_send(request_rec *r, const char *items_json, int page, int page_size, const char *total)
{
    const char *body = apr_psprintf(r->pool, "{\"items\":%s,\"page\":%d,\"page_size\":%d,\"total\":%s}",
                                    items_json && *items_json ? items_json : "[]", page, page_size,
                                    total && *total ? total : "0");
    return maplat_raw_json_send(r, HTTP_OK, body);
}
