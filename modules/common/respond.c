/*
 * Responses: RFC 9457 problem documents and JSON bodies.
 */
#include "maplat.h"
#include "apr_strings.h"
#include "http_protocol.h"

#include <openssl/evp.h>

typedef struct {
    int status;
    const char *code;
} status_code_t;

/* The API's error codes (docs/api.md "Errors"). Other statuses fall back to a generic code. */
static const status_code_t status_codes[] = {
    {HTTP_BAD_REQUEST, "bad_request"}, /* body errors pass "invalid_json" */
    {HTTP_UNAUTHORIZED, "unauthorized"},
    {HTTP_FORBIDDEN, "forbidden"},
    {HTTP_NOT_FOUND, "not_found"},
    {HTTP_METHOD_NOT_ALLOWED, "method_not_allowed"},
    {HTTP_NOT_ACCEPTABLE, "not_acceptable"},
    {HTTP_REQUEST_TIME_OUT, "request_timeout"},
    {HTTP_CONFLICT, "conflict"},
    {HTTP_GONE, "gone"},
    {HTTP_LENGTH_REQUIRED, "length_required"},
    {HTTP_PRECONDITION_FAILED, "precondition_failed"},
    {HTTP_REQUEST_ENTITY_TOO_LARGE, "payload_too_large"},
    {HTTP_REQUEST_URI_TOO_LARGE, "uri_too_long"},
    {HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"},
    {HTTP_RANGE_NOT_SATISFIABLE, "range_not_satisfiable"},
    {HTTP_UNPROCESSABLE_ENTITY, "validation_failed"},
    {HTTP_TOO_MANY_REQUESTS, "rate_limited"},
    {HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE, "headers_too_large"},
    {HTTP_INTERNAL_SERVER_ERROR, "internal"},
    {HTTP_NOT_IMPLEMENTED, "not_implemented"},
    {HTTP_SERVICE_UNAVAILABLE, "unavailable"},
    {HTTP_GATEWAY_TIME_OUT, "timeout"},
};

const char *maplat_status_code(int status)
{
    for (size_t i = 0; i < sizeof(status_codes) / sizeof(status_codes[0]); i++) {
        if (status_codes[i].status == status) {
            return status_codes[i].code;
        }
    }
    return status >= 500 ? "internal" : "bad_request";
}

static const char *status_title(int status)
{
    const char *line = ap_get_status_line(status); /* "404 Not Found" */
    const char *sp = line ? strchr(line, ' ') : NULL;
    return sp ? sp + 1 : "Error";
}

int maplat_problem_errors(request_rec *r, int status, const char *code, const char *detail,
                          json_object *errors)
{
    request_rec *root = maplat_request_root(r);
    const char *cid = apr_table_get(root->notes, MAPLAT_NOTE_CID);
    json_object *p = json_object_new_object();
    const char *text;
    size_t len;

    json_object_object_add(p, "type", json_object_new_string("about:blank"));
    json_object_object_add(p, "title", json_object_new_string(status_title(status)));
    json_object_object_add(p, "status", json_object_new_int(status));
    json_object_object_add(p, "code", json_object_new_string(code ? code : maplat_status_code(status)));
    if (detail) {
        json_object_object_add(p, "detail", json_object_new_string(detail));
    }
    if (!cid) {
        /* the request failed before post_read_request (e.g. a bad header) */
        cid = maplat_uuid_new(root->pool);
        apr_table_setn(root->notes, MAPLAT_NOTE_CID, cid);
    }
    {
        json_object_object_add(p, "correlation_id", json_object_new_string(cid));
        /* an ErrorDocument redirect starts with fresh headers: restore ours */
        if (!apr_table_get(r->err_headers_out, "X-Correlation-ID")) {
            apr_table_setn(r->err_headers_out, "X-Correlation-ID", cid);
            apr_table_setn(r->err_headers_out, "X-API-Version", "1");
        }
    }
    if (errors) {
        json_object_object_add(p, "errors", errors);
    }
    text =
        json_object_to_json_string_length(p, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

    r->status = status;
    ap_set_content_type(r, "application/problem+json");
    ap_set_content_length(r, (apr_off_t)len);
    if (!r->header_only) {
        ap_rwrite(text, (int)len, r);
    }
    json_object_put(p);
    return OK;
}

int maplat_problem(request_rec *r, int status, const char *code, const char *detail)
{
    return maplat_problem_errors(r, status, code, detail, NULL);
}

/* ------------------------------------------------------------ ETag and 304 */

int maplat_coding_suffix(const char *s, size_t n)
{
    return (n == 5 && memcmp(s, "-gzip", 5) == 0) || (n == 3 && memcmp(s, "-br", 3) == 0);
}

/* Does an If-None-Match field value (a list of entity tags, or "*") match
 * etag (with its quotes)? If-None-Match uses the weak comparison (RFC 9110
 * 13.1.2): W/ prefixes are ignored on both sides. */
static int none_match_hit(const char *field, const char *etag)
{
    size_t elen = strlen(etag);
    const char *p = field;

    while (*p) {
        const char *q;
        while (*p == ' ' || *p == '\t' || *p == ',') {
            p++;
        }
        if (!*p) {
            break;
        }
        if (*p == '*') {
            return 1;
        }
        if (p[0] == 'W' && p[1] == '/') {
            p += 2;
        }
        if (*p != '"') {
            return 0; /* malformed: no match, the full answer is sent */
        }
        q = strchr(p + 1, '"');
        if (!q) {
            return 0;
        }
        if ((size_t)(q + 1 - p) == elen && memcmp(p, etag, elen) == 0) {
            return 1;
        }
        /* the tag as a compressed answer carried it: mod_deflate and
         * mod_brotli append -gzip / -br to the ETag they pass on */
        if (elen > 1 && (size_t)(q - p) > elen - 1 && memcmp(p, etag, elen - 1) == 0 &&
            maplat_coding_suffix(p + elen - 1, (size_t)(q - p) - (elen - 1))) {
            return 1;
        }
        p = q + 1;
    }
    return 0;
}

/* A strong validator over the bytes of the answer: the first 16 bytes of
 * their SHA-256 in hex. A resource that has a version ("v3", set by its
 * handler) keeps it in front ("v3-<digest>"): If-Match compares the
 * version, If-None-Match the whole tag. */
static const char *body_etag(request_rec *r, const char *version_tag, const char *body, size_t len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char hex[33];
    static const char digits[] = "0123456789abcdef";

    if (!EVP_Digest(body, len, md, &mdlen, EVP_sha256(), NULL) || mdlen < 16) {
        return NULL;
    }
    for (int i = 0; i < 16; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[32] = 0;
    if (version_tag && version_tag[0] == '"' && version_tag[1] == 'v') {
        size_t n = strlen(version_tag);
        if (n > 3 && version_tag[n - 1] == '"' && !strchr(version_tag, '-')) {
            return apr_psprintf(r->pool, "%.*s-%s\"", (int)(n - 1), version_tag, hex);
        }
    }
    return apr_psprintf(r->pool, "\"%s\"", hex);
}

/* Writes a JSON answer. A 200 to GET or HEAD, and any 200 or 201 whose
 * handler set a version ETag (PATCH, POST), gets a strong ETag over the body
 * bytes; a GET or
 * HEAD whose If-None-Match matches it is answered 304 without a body (the
 * ETag, Cache-Control and the other headers stay). */
static int send_json_bytes(request_rec *r, int status, const char *ctype, const char *body, size_t len)
{
    if (status == HTTP_OK || status == HTTP_CREATED) {
        const char *version_tag = apr_table_get(r->headers_out, "ETag");
        int get = r->method_number == M_GET && status == HTTP_OK; /* HEAD too */
        if (get || version_tag) {
            const char *etag = body_etag(r, version_tag, body, len);
            if (etag) {
                const char *inm = apr_table_get(r->headers_in, "If-None-Match");
                apr_table_setn(r->headers_out, "ETag", etag);
                if (get && inm && none_match_hit(inm, etag)) {
                    r->status = HTTP_NOT_MODIFIED;
                    return OK;
                }
            }
        }
    }
    r->status = status;
    ap_set_content_type(r, ctype);
    ap_set_content_length(r, (apr_off_t)len);
    if (!r->header_only) {
        ap_rwrite(body, (int)len, r);
    }
    return OK;
}

int maplat_json_send(request_rec *r, int status, json_object *obj)
{
    size_t len;
    const char *text =
        json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

    send_json_bytes(r, status, "application/json", text, len);
    json_object_put(obj);
    return OK;
}

int maplat_raw_json_send(request_rec *r, int status, const char *body)
{
    return send_json_bytes(r, status, "application/json", body, strlen(body));
}

request_rec *maplat_request_root(request_rec *r)
{
    for (;;) {
        if (r->main) {
            r = r->main;
        }
        else if (r->prev) {
            r = r->prev;
        }
        else {
            return r;
        }
    }
}

const maplat_core_t *maplat_core_import(apr_pool_t *plog, const char *modname)
{
    APR_OPTIONAL_FN_TYPE(maplat_core_api) *get = APR_RETRIEVE_OPTIONAL_FN(maplat_core_api);
    const maplat_core_t *api;

    if (!get) {
        ap_log_perror(APLOG_MARK, APLOG_CRIT, 0, plog,
                      MAPLAT_LOGNO(01900) "%s needs mod_maplat (the maplat core module): add "
                                          "'LoadModule maplat_module .../mod_maplat.so' (a2enmod maplat)",
                      modname);
        return NULL;
    }
    api = get();
    if (!api || api->version < MAPLAT_API_VERSION) {
        ap_log_perror(APLOG_MARK, APLOG_CRIT, 0, plog,
                      MAPLAT_LOGNO(01901) "%s needs mod_maplat API version %d, the loaded core has %d",
                      modname, MAPLAT_API_VERSION, api ? api->version : 0);
        return NULL;
    }
    return api;
}
