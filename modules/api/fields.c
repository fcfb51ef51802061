/*
 * Request validation shared by every resource, and small helpers.
 */
#include "api.h"
#include "apr_strings.h"
#include "apr_lib.h"
#include "http_protocol.h"

#include <glib.h>
#include <string.h>

static int valid_money(const char *s)
{
    /* digits, optionally '.' and one or two digits; at most 16 integer digits */
    size_t i = 0, ints = 0, decs = 0;
    while (s[i] >= '0' && s[i] <= '9') {
        i++;
        ints++;
    }
    if (ints == 0 || ints > 16 || (ints > 1 && s[0] == '0')) {
        return 0;
    }
    if (s[i] == '.') {
        i++;
        while (s[i] >= '0' && s[i] <= '9') {
            i++;
            decs++;
        }
        if (decs == 0 || decs > 2) {
            return 0;
        }
    }
    return s[i] == 0;
}

static int valid_date(const char *s)
{
    GDate *d;
    int ok;
    unsigned y, m, dd;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') {
        return 0;
    }
    for (int i = 0; i < 10; i++) {
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) {
            return 0;
        }
    }
    y = (unsigned)atoi(s);
    m = (unsigned)atoi(s + 5);
    dd = (unsigned)atoi(s + 8);
    if (y < 1900 || y > 2999 || !g_date_valid_dmy((GDateDay)dd, (GDateMonth)m, (GDateYear)y)) {
        return 0;
    }
    d = g_date_new_dmy((GDateDay)dd, (GDateMonth)m, (GDateYear)y);
    ok = d != NULL;
    if (d) {
        g_date_free(d);
    }
    return ok;
}

static int valid_timestamp(const char *s)
{
    GDateTime *t = g_date_time_new_from_iso8601(s, NULL);
    if (!t) {
        return 0;
    }
    g_date_time_unref(t);
    return 1;
}

static int valid_email(const char *s)
{
    const char *at = strchr(s, '@');
    size_t n = strlen(s);
    if (n < 3 || n > 254 || !at || at == s || at == s + n - 1 || strchr(at + 1, '@')) {
        return 0;
    }
    for (const char *c = s; *c; c++) {
        if ((unsigned char)*c <= ' ') {
            return 0;
        }
    }
    return 1;
}

int api_fields(request_rec *r, json_object *body, const field_t *fields, int n, int create,
               field_values_t *out, json_object **errors)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < n && i < API_MAX_FIELDS; i++) {
        const field_t *f = &fields[i];
        json_object *v = NULL;
        int has = json_object_object_get_ex(body, f->name, &v);
        const char *text;

        if (!has) {
            if (create && f->required) {
                maplat_error_add(errors, f->name, "is required");
            }
            continue;
        }
        out->present[i] = 1;
        out->npresent++;
        if (!v) { /* JSON null */
            if (!f->nullable) {
                maplat_error_add(errors, f->name, "must not be null");
            }
            continue;
        }
        switch (f->type) {
        case F_BOOL:
            if (!json_object_is_type(v, json_type_boolean)) {
                maplat_error_add(errors, f->name, "must be true or false");
                continue;
            }
            out->value[i] = json_object_get_boolean(v) ? "true" : "false";
            continue;
        case F_SCORE:
            if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
                json_object_get_int64(v) > 100) {
                maplat_error_add(errors, f->name, "must be a whole number from 0 to 100");
                continue;
            }
            out->value[i] = apr_psprintf(r->pool, "%d", (int)json_object_get_int64(v));
            continue;
        case F_MONEY:
        case F_AMOUNT:
            if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double)) {
                maplat_error_add(errors, f->name, "must be a number");
                continue;
            }
            /* json-c keeps the number's original text: no binary rounding */
            text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
            if (f->type == F_AMOUNT && text[0] == '-' && valid_money(text + 1)) {
                out->value[i] = apr_pstrdup(r->pool, text);
                continue;
            }
            if (!valid_money(text)) {
                maplat_error_add(
                    errors, f->name,
                    f->type == F_AMOUNT
                        ? "must be an amount with at most 2 decimals and 16 integer digits"
                        : "must be an amount from 0 with at most 2 decimals and 16 integer digits");
                continue;
            }
            out->value[i] = apr_pstrdup(r->pool, text);
            continue;
        default:
            break;
        }
        if (!json_object_is_type(v, json_type_string)) {
            maplat_error_add(errors, f->name, "must be a string");
            continue;
        }
        text = json_object_get_string(v);
        switch (f->type) {
        case F_TEXT: {
            glong chars = g_utf8_strlen(text, -1);
            if (chars < f->min || chars > f->max) {
                maplat_error_add(errors, f->name,
                                 apr_psprintf(r->pool, "must be %d to %d characters", f->min, f->max));
                continue;
            }
            break;
        }
        case F_ENUM: {
            int ok = 0;
            for (const char *const *e = f->enums; e && *e; e++) {
                ok |= strcmp(*e, text) == 0;
            }
            if (!ok) {
                const char *list = NULL;
                for (const char *const *e = f->enums; e && *e; e++) {
                    list = list ? apr_pstrcat(r->pool, list, ", ", *e, NULL) : *e;
                }
                maplat_error_add(errors, f->name, apr_pstrcat(r->pool, "must be one of ", list, NULL));
                continue;
            }
            break;
        }
        case F_CURRENCY:
            if (strlen(text) != 3 || !apr_isupper(text[0]) || !apr_isupper(text[1]) ||
                !apr_isupper(text[2])) {
                maplat_error_add(errors, f->name, "must be an ISO 4217 code such as GBP");
                continue;
            }
            break;
        case F_UUID:
            if (!maplat_uuid_valid(text)) {
                maplat_error_add(errors, f->name, "must be a UUID");
                continue;
            }
            break;
        case F_DATE:
            if (!valid_date(text)) {
                maplat_error_add(errors, f->name, "must be a date (YYYY-MM-DD)");
                continue;
            }
            break;
        case F_EMAIL:
            if (!valid_email(text)) {
                maplat_error_add(errors, f->name, "must be an e-mail address");
                continue;
            }
            break;
        case F_TIMESTAMP:
            if (!valid_timestamp(text)) {
                maplat_error_add(errors, f->name, "must be an RFC 3339 time (2026-11-22T10:00:00Z)");
                continue;
            }
            break;
        default:
            break;
        }
        out->value[i] = apr_pstrdup(r->pool, text);
    }
    return *errors ? -1 : 0;
}

void api_bind_fields(maplat_args_t *a, const field_t *fields, int n, const field_values_t *v)
{
    for (int i = 0; i < n; i++) {
        api_core->bind(a, fields[i].name, v->value[i]);
    }
}

void api_bind_patch(apr_pool_t *p, maplat_args_t *a, const field_t *fields, int n, const field_values_t *v)
{
    for (int i = 0; i < n; i++) {
        api_core->bind(a, fields[i].name, v->value[i]);
        api_core->bind(a, apr_pstrcat(p, "set_", fields[i].name, NULL), v->present[i] ? "t" : "f");
    }
}

const char *api_changed_fields(apr_pool_t *p, const field_t *fields, int n, const field_values_t *v)
{
    json_object *o = json_object_new_object(), *a = json_object_new_array();
    const char *text;
    for (int i = 0; i < n; i++) {
        if (v->present[i]) {
            json_object_array_add(a, json_object_new_string(fields[i].name));
        }
    }
    json_object_object_add(o, "fields", a);
    text = apr_pstrdup(p, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return text;
}

const maplat_identity_t *api_caller(request_rec *r)
{
    return api_core->identity_get(r);
}

int api_invalid(request_rec *r, json_object *errors)
{
    return maplat_problem_errors(r, HTTP_UNPROCESSABLE_ENTITY, "validation_failed",
                                 "the request is not valid", errors);
}

int api_invalid1(request_rec *r, const char *field, const char *message)
{
    json_object *errors = NULL;
    maplat_error_add(&errors, field, message);
    return api_invalid(r, errors);
}

const char *api_if_match(request_rec *r)
{
    const char *h = apr_table_get(r->headers_in, "If-Match"), *s;
    if (!h || strcmp(h, "*") == 0) {
        return NULL;
    }
    /* If-Match uses the strong comparison (RFC 9110 13.1.1): a weak tag
     * (W/"v3") never matches, so it falls through to "-1" (412) */
    s = h;
    if (s[0] == '"' && s[1] == 'v') {
        const char *d = s + 2, *e;
        size_t n = 0;
        while (d[n] >= '0' && d[n] <= '9') {
            n++;
        }
        e = d + n;
        if (*e == '-') {
            /* "v<version>-<digest of the representation>" as sent in ETag:
             * the version identifies the stored state the client saw */
            const char *x = ++e;
            while ((*e >= '0' && *e <= '9') || (*e >= 'a' && *e <= 'f')) {
                e++;
            }
            if (e == x) {
                return "-1";
            }
        }
        /* the ETag as a compressed answer carried it (mod_deflate/mod_brotli
         * append -gzip / -br): the same stored state */
        if (e[0] == '-') {
            const char *q = strchr(e, '"');
            if (q && maplat_coding_suffix(e, (size_t)(q - e))) {
                e = q;
            }
        }
        if (n > 0 && n < 10 && e[0] == '"' && e[1] == 0) {
            return apr_pstrndup(r->pool, d, n);
        }
    }
    return "-1";
}

void api_etag(request_rec *r, const char *version)
{
    if (version) {
        apr_table_setn(r->headers_out, "ETag", apr_pstrcat(r->pool, "\"v", version, "\"", NULL));
    }
}

const char *api_like(apr_pool_t *p, const char *q)
{
    gchar *lower = g_utf8_strdown(q, -1);
    size_t n = strlen(lower);
    char *out = apr_palloc(p, 2 * n + 3), *o = out;
    *o++ = '%';
    for (size_t i = 0; i < n; i++) {
        if (lower[i] == '\\' || lower[i] == '%' || lower[i] == '_') {
            *o++ = '\\';
        }
        *o++ = lower[i];
    }
    *o++ = '%';
    *o = 0;
    g_free(lower);
    return out;
}

const char *api_archived_param(apr_table_t *q, json_object **errors)
{
    const char *a = apr_table_get(q, "archived");
    if (!a) {
        return "false";
    }
    if (strcmp(a, "true") != 0 && strcmp(a, "false") != 0) {
        maplat_error_add(errors, "archived", "must be true or false");
        return "false";
    }
    return a;
}

const char *api_sort_param(request_rec *r, apr_table_t *q, const char *const *allowed, json_object **errors)
{
    const char *sort = apr_table_get(q, "sort"), *list = NULL;
    if (!sort) {
        return "-created_at";
    }
    for (const char *const *a = allowed; *a; a++) {
        if (strcmp(*a, sort) == 0) {
            return sort;
        }
        list = list ? apr_pstrcat(r->pool, list, ", ", *a, NULL) : *a;
    }
    maplat_error_add(errors, "sort", apr_pstrcat(r->pool, "must be one of ", list, NULL));
    return "-created_at";
}

/* ------------------------------------------------------------ keyset paging */

/* A cursor is base64url (no padding) of "1\n<fp>\n<tie>\n<key>": fp = the first 16 hex
 * digits of SHA-256 of the fingerprint (list, sort, filters) it belongs to, then the
 * tie-break and the sort key of the last row of the page (the key last: it is any text). */
#define CURSOR_MAX 2048

const char *api_fingerprint(apr_pool_t *p, int n, const char *const *parts)
{
    const char *s = "";
    for (int i = 0; i < n; i++) {
        s = apr_pstrcat(p, s, parts[i] ? parts[i] : "\x01", "\x1f", NULL);
    }
    return s;
}

static const char *fp16(apr_pool_t *p, const char *fingerprint)
{
    gchar *h = g_compute_checksum_for_string(G_CHECKSUM_SHA256, fingerprint, -1);
    const char *s = apr_pstrndup(p, h ? h : "", 16);
    g_free(h);
    return s;
}

static const char *cursor_encode(apr_pool_t *p, const char *fp, const char *tie, const char *key)
{
    const char *raw = apr_pstrcat(p, "1\n", fp, "\n", tie, "\n", key, NULL);
    gchar *b = g_base64_encode((const guchar *)raw, strlen(raw));
    char *s = apr_pstrdup(p, b), *e;
    g_free(b);
    for (e = s; *e && *e != '='; e++) {
        *e = *e == '+' ? '-' : *e == '/' ? '_' : *e;
    }
    *e = '\0';
    return s;
}

/* 0 and the parts, or -1 when c is not a cursor at all. */
static int cursor_decode(apr_pool_t *p, const char *c, const char **fp, const char **tie, const char **key)
{
    size_t len = strlen(c), n = 0;
    char *b, *s, *t, *k;
    guchar *raw;

    if (len < 8 || len > CURSOR_MAX || len % 4 == 1) {
        return -1;
    }
    b = apr_palloc(p, len + 4);
    for (size_t i = 0; i < len; i++) {
        char ch = c[i];
        if (!apr_isalnum(ch) && ch != '-' && ch != '_') {
            return -1;
        }
        b[i] = ch == '-' ? '+' : ch == '_' ? '/' : ch;
    }
    memset(b + len, '=', (4 - len % 4) % 4);
    b[len + (4 - len % 4) % 4] = '\0';
    raw = g_base64_decode(b, &n);
    if (!raw || n < 4 || memchr(raw, 0, n)) {
        g_free(raw);
        return -1;
    }
    s = apr_pstrmemdup(p, (const char *)raw, n);
    g_free(raw);
    if (!g_utf8_validate(s, -1, NULL) || strncmp(s, "1\n", 2) != 0) {
        return -1;
    }
    s += 2;
    if (!(t = strchr(s, '\n')) || t - s != 16) {
        return -1;
    }
    *t++ = '\0';
    if (!(k = strchr(t, '\n')) || k == t) {
        return -1;
    }
    *k++ = '\0';
    *fp = s;
    *tie = t;
    *key = k;
    return 0;
}

void api_page_params(request_rec *r, apr_table_t *q, const char *fingerprint, api_page_t *pg,
                     json_object **errors)
{
    const char *c = apr_table_get(q, "cursor"), *fp = NULL;

    maplat_page_params(q, &pg->page, &pg->size, errors);
    pg->key = pg->tie = NULL;
    pg->fp = fp16(r->pool, fingerprint);
    if (!c) {
        return;
    }
    if (cursor_decode(r->pool, c, &fp, &pg->tie, &pg->key) != 0) {
        maplat_error_add(errors, "cursor",
                         "is not a valid cursor (pass a next_cursor of this list unchanged)");
    }
    else if (strcmp(fp, pg->fp) != 0) {
        maplat_error_add(errors, "cursor",
                         "belongs to another sort or filter: use it with the parameters of the "
                         "request that returned it");
    }
    else if (apr_table_get(q, "page") && pg->page != 1) {
        maplat_error_add(errors, "cursor", "cannot be combined with page");
    }
    if (*errors) {
        pg->key = pg->tie = NULL;
    }
}

int api_page_run(request_rec *r, maplat_args_t *a, const api_page_t *pg)
{
    maplat_rows_t *row = NULL;
    const char *total, *exact, *items, *key, *tie, *bad, *next = "null";
    int rc;

    api_core->bind_int(a, "limit", pg->size);
    api_core->bind_int(a, "offset", pg->key ? 0 : (apr_int64_t)(pg->page - 1) * pg->size);
    api_core->bind(a, "key", pg->key);
    api_core->bind(a, "tie", pg->tie);
    api_core->bind_int(a, "bound", API_TOTAL_BOUND);
    if ((rc = api_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    total = api_core->col(row, "total");
    exact = api_core->col(row, "total_exact");
    items = api_core->col(row, "items");
    key = api_core->col(row, "next_key");
    tie = api_core->col(row, "next_tie");
    bad = api_core->col(row, "bad_cursor");
    if (bad && *bad == 't') {
        return api_invalid1(r, "cursor", "is not a valid cursor (pass a next_cursor of this list unchanged)");
    }
    if (key && tie) {
        next = apr_pstrcat(r->pool, "\"", cursor_encode(r->pool, pg->fp, tie, key), "\"", NULL);
    }
    return maplat_raw_json_send(
        r, HTTP_OK,
        apr_psprintf(
            r->pool,
            "{\"items\":%s,\"page\":%d,\"page_size\":%d,\"total\":%s,\"total_exact\":%s,\"next_cursor\":%s}",
            items && *items ? items : "[]", pg->key ? 1 : pg->page, pg->size, total && *total ? total : "0",
            exact && *exact == 'f' ? "false" : "true", next));
}
