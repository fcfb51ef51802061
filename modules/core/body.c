/*
 * The JSON request body reader: Content-Type, size limit (Content-Length and
 * chunked alike), then strict parsing (modules/common/json.c).
 */
#include "core.h"
#include "apr_strings.h"
#include "http_protocol.h"
#include "util_filter.h"

static int is_json_type(const char *ct)
{
    const char *semi;
    size_t n;
    if (!ct) {
        return 0;
    }
    while (*ct == ' ' || *ct == '\t') {
        ct++;
    }
    semi = strchr(ct, ';');
    n = semi ? (size_t)(semi - ct) : strlen(ct);
    while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t')) {
        n--;
    }
    if (n != 16 || strncasecmp(ct, "application/json", 16) != 0) {
        return 0;
    }
    if (semi) {
        /* the only parameter JSON knows is charset, and it must be UTF-8 */
        const char *cs = ap_strcasestr(semi, "charset=");
        if (cs) {
            cs += 8;
            if (*cs == '"') {
                cs++;
            }
            if (strncasecmp(cs, "utf-8", 5) != 0) {
                return 0;
            }
        }
    }
    return 1;
}

static int too_large(request_rec *r, apr_off_t max)
{
    /* do not read the rest of an oversized body: close the connection */
    r->connection->keepalive = AP_CONN_CLOSE;
    maplat_problem(r, HTTP_REQUEST_ENTITY_TOO_LARGE, "payload_too_large",
                   apr_psprintf(r->pool, "the request body is larger than %" APR_OFF_T_FMT " bytes", max));
    return DONE;
}

int maplat_read_json(request_rec *r, json_object **out)
{
    apr_off_t max = maplat_cfg_max_body(r);
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    apr_bucket_brigade *bb, *all;
    apr_off_t total = 0;
    int seen_eos = 0;
    char *buf;
    apr_size_t len;
    json_object *obj = NULL;
    const char *why = NULL;
    apr_status_t rv;

    *out = NULL;
    if (!is_json_type(apr_table_get(r->headers_in, "Content-Type"))) {
        maplat_problem(r, HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                       "the request body must be sent with Content-Type: application/json");
        return DONE;
    }
    if (cl) {
        char *end;
        apr_off_t n;
        if (apr_strtoff(&n, cl, &end, 10) != APR_SUCCESS || *end || n < 0) {
            maplat_problem(r, HTTP_BAD_REQUEST, "invalid_json", "the Content-Length header is invalid");
            return DONE;
        }
        if (n > max) {
            return too_large(r, max);
        }
    }

    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    all = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    while (!seen_eos) {
        apr_off_t got = 0;
        rv = ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES, APR_BLOCK_READ, HUGE_STRING_LEN);
        if (rv != APR_SUCCESS) {
            int status = ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
            if (status == AP_FILTER_ERROR) {
                return DONE; /* the input filter has answered (e.g. LimitRequestBody) */
            }
            if (status == HTTP_REQUEST_ENTITY_TOO_LARGE) {
                return too_large(r, max);
            }
            r->connection->keepalive = AP_CONN_CLOSE;
            maplat_problem(r, status, NULL, "the request body could not be read");
            return DONE;
        }
        if (!APR_BRIGADE_EMPTY(bb) && APR_BUCKET_IS_EOS(APR_BRIGADE_LAST(bb))) {
            seen_eos = 1;
        }
        apr_brigade_length(bb, 1, &got);
        total += got;
        if (total > max) {
            apr_brigade_cleanup(bb);
            return too_large(r, max);
        }
        APR_BRIGADE_CONCAT(all, bb);
    }
    rv = apr_brigade_pflatten(all, &buf, &len, r->pool);
    apr_brigade_destroy(all);
    if (rv != APR_SUCCESS) {
        maplat_problem(r, HTTP_BAD_REQUEST, "invalid_json", "the request body could not be read");
        return DONE;
    }
    if (maplat_json_parse(buf, len, maplat_cfg_json_depth(r), &obj, &why) != 0) {
        maplat_problem(r, HTTP_BAD_REQUEST, "invalid_json", why);
        return DONE;
    }
    if (!json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        maplat_problem(r, HTTP_BAD_REQUEST, "invalid_json", "the request body must be a JSON object");
        return DONE;
    }
    *out = maplat_json_own(r->pool, obj);
    return OK;
}
