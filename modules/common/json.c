/*
 * Strict JSON parsing on top of json-c, plus the pool-owned object helpers.
 *
 * json-c does the parsing (strict mode, depth limit). On top of it:
 *  - UTF-8 is validated for the whole text with GLib (rejects overlong forms,
 *    surrogates, code points above U+10FFFF and raw NUL bytes);
 *  - decoded strings are checked again, because escapes such as "\ud800"
 *    or "\u0000" only appear after decoding;
 *  - a lexical pass refuses NaN/Infinity, lone surrogates and \\u0000;
 *  - duplicate keys: json-c keeps the last of duplicate keys, so we count
 *    the keys of the source text (a lexical scan; json-c already proved the
 *    text well-formed) and compare with the keys in the parsed tree. Any
 *    duplicate makes the tree smaller, so equality means no duplicates.
 */
#include "maplat.h"
#include "apr_strings.h"

#include <glib.h>
#include <string.h>

static int hex4(const char *s, size_t len, size_t i, unsigned *out)
{
    unsigned v = 0;
    if (i + 4 > len) {
        return -1;
    }
    for (size_t k = i; k < i + 4; k++) {
        char c = s[k];
        v <<= 4;
        if (c >= '0' && c <= '9') {
            v |= (unsigned)(c - '0');
        }
        else if (c >= 'a' && c <= 'f') {
            v |= (unsigned)(c - 'a' + 10);
        }
        else if (c >= 'A' && c <= 'F') {
            v |= (unsigned)(c - 'A' + 10);
        }
        else {
            return -1;
        }
    }
    *out = v;
    return 0;
}

/*
 * A lexical pass over text json-c has already accepted. It counts the keys
 * (strings followed by ':'), and refuses what json-c lets through but JSON
 * or we do not allow: NaN/Infinity literals, raw control characters inside
 * strings (RFC 8259 §7), lone UTF-16 surrogates (json-c
 * silently turns them into U+FFFD), \u0000 (json-c truncates keys at it)
 * numbers with leading zeros (00, -01.5) or a fraction without digits
 * (1., 1.e5: RFC 8259 §6), and single-quoted strings.
 */
static int scan_source(const char *s, size_t len, size_t *keys)
{
    size_t i = 0;
    *keys = 0;
    while (i < len) {
        char c = s[i];
        if (c == '"') {
            int want_low = 0;
            i++;
            while (i < len && s[i] != '"') {
                if (s[i] == '\\' && i + 1 < len && s[i + 1] == 'u') {
                    unsigned cp;
                    if (hex4(s, len, i + 2, &cp) != 0 || cp == 0) {
                        return -1;
                    }
                    if (want_low != (cp >= 0xDC00 && cp <= 0xDFFF)) {
                        return -1; /* low without high, or high without low */
                    }
                    want_low = cp >= 0xD800 && cp <= 0xDBFF;
                    i += 6;
                    continue;
                }
                if (want_low || (unsigned char)s[i] < 0x20) {
                    return -1; /* unpaired surrogate, or a raw control character */
                }
                i += (s[i] == '\\') ? 2 : 1;
            }
            if (want_low) {
                return -1;
            }
            i++;
            while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) {
                i++;
            }
            if (i < len && s[i] == ':') {
                (*keys)++;
            }
            continue;
        }
        if (c == '\'') {
            return -1; /* a single-quoted string (json-c takes it; JSON has none) */
        }
        if (c == '0' && i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '9' &&
            (i == 0 || !((s[i - 1] >= '0' && s[i - 1] <= '9') || s[i - 1] == '.' || s[i - 1] == 'e' ||
                         s[i - 1] == 'E' || s[i - 1] == '+' ||
                         (s[i - 1] == '-' && i > 1 && (s[i - 2] == 'e' || s[i - 2] == 'E'))))) {
            return -1; /* a number's integer part starts with 0 and goes on */
        }
        if (c == '.' && !(i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '9')) {
            return -1; /* a fraction without digits ("1.", "1.e5": RFC 8259 §6) */
        }
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            size_t j = i;
            while (j < len && ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z'))) {
                j++;
            }
            if (!((j - i == 4 && (memcmp(s + i, "true", 4) == 0 || memcmp(s + i, "null", 4) == 0)) ||
                  (j - i == 5 && memcmp(s + i, "false", 5) == 0) ||
                  (j - i == 1 && (c == 'e' || c == 'E') && i > 0 &&
                   ((s[i - 1] >= '0' && s[i - 1] <= '9') || s[i - 1] == '.')))) {
                return -1;
            }
            i = j;
            continue;
        }
        i++;
    }
    return 0;
}

/* Walks the tree: counts object keys, checks decoded strings. Returns -1 on
 * an invalid string. The tree is at most max_depth deep (json-c's limit). */
static int walk(json_object *o, size_t *keys)
{
    switch (json_object_get_type(o)) {
    case json_type_object: {
        json_object_object_foreach(o, k, v)
        {
            size_t klen = strlen(k);
            (*keys)++;
            if (!g_utf8_validate(k, (gssize)klen, NULL)) {
                return -1;
            }
            if (v && walk(v, keys) != 0) {
                return -1;
            }
        }
        return 0;
    }
    case json_type_array: {
        size_t n = json_object_array_length(o);
        for (size_t i = 0; i < n; i++) {
            json_object *v = json_object_array_get_idx(o, i);
            if (v && walk(v, keys) != 0) {
                return -1;
            }
        }
        return 0;
    }
    case json_type_string: {
        int slen = json_object_get_string_len(o);
        const char *str = json_object_get_string(o);
        /* g_utf8_validate with a length refuses embedded NUL ("\u0000") */
        return g_utf8_validate(str, slen, NULL) ? 0 : -1;
    }
    default:
        return 0;
    }
}

/* Array elements and object members of the text, counted from its commas
 * and non-empty containers outside strings, stopping past `limit`: a body of
 * a million small values is refused before json-c builds a million objects. */
static size_t count_values(const char *s, size_t len, size_t limit)
{
    size_t n = 0;
    int in_string = 0;
    for (size_t i = 0; i < len && n <= limit; i++) {
        char c = s[i];
        if (in_string) {
            if (c == '\\') {
                i++;
            }
            else if (c == '"') {
                in_string = 0;
            }
            continue;
        }
        if (c == '"') {
            in_string = 1;
        }
        else if (c == ',') {
            n++;
        }
        else if (c == '[' || c == '{') {
            /* the first member of a non-empty container (the others follow commas) */
            size_t j = i + 1;
            while (j < len && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r')) {
                j++;
            }
            n += j < len && s[j] != ']' && s[j] != '}';
        }
    }
    return n;
}

int maplat_json_parse(const char *buf, size_t len, int max_depth, json_object **out, const char **why)
{
    json_tokener *tok;
    json_object *obj;
    enum json_tokener_error jerr;
    size_t keys = 0, source_keys = 0, end;

    *out = NULL;
    if (len == 0) {
        *why = "the request body is empty";
        return -1;
    }
    if (len > (size_t)INT32_MAX) {
        *why = "the request body is too large";
        return -1;
    }
    if (!g_utf8_validate(buf, (gssize)len, NULL)) {
        *why = "the request body is not valid UTF-8";
        return -1;
    }
    if (count_values(buf, len, MAPLAT_JSON_MAX_VALUES) > MAPLAT_JSON_MAX_VALUES) {
        *why = "the request body has too many values (at most " APR_STRINGIFY(
            MAPLAT_JSON_MAX_VALUES) " array elements and object members)";
        return -1;
    }
    /* json-c counts one level more than the containers we mean */
    tok = json_tokener_new_ex(max_depth + 1);
    if (!tok) {
        *why = "out of memory";
        return -1;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    obj = json_tokener_parse_ex(tok, buf, (int)len);
    jerr = json_tokener_get_error(tok);
    end = json_tokener_get_parse_end(tok);
    if (jerr == json_tokener_continue) {
        /* A number that ends the text ("0", "-1.5e3") is still open for json-c:
         * more digits could follow. The text has ended: say so with a space. */
        obj = json_tokener_parse_ex(tok, " ", 1);
        jerr = json_tokener_get_error(tok);
        end = len;
    }
    if (jerr == json_tokener_continue) {
        /* the text ended inside a value */
        json_object_put(obj);
        json_tokener_free(tok);
        *why = "the request body is not valid JSON: unexpected end of input";
        return -1;
    }
    if (jerr != json_tokener_success) {
        json_tokener_free(tok);
        *why = (jerr == json_tokener_error_depth) ? "the request body is nested too deeply"
                                                  : "the request body is not valid JSON";
        return -1;
    }
    /* everything after the value must be whitespace */
    for (size_t i = end; i < len; i++) {
        char c = buf[i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            json_object_put(obj);
            json_tokener_free(tok);
            *why = "the request body has data after the JSON value";
            return -1;
        }
    }
    json_tokener_free(tok);

    if (scan_source(buf, len, &source_keys) != 0) {
        json_object_put(obj);
        *why = "the request body is not valid JSON (NaN, Infinity, a lone surrogate or \\u0000)";
        return -1;
    }
    if (obj && walk(obj, &keys) != 0) {
        json_object_put(obj);
        *why = "the request body holds a string that is not valid UTF-8 or contains NUL";
        return -1;
    }
    if (keys != source_keys) {
        json_object_put(obj);
        *why = "the request body holds a duplicate key";
        return -1;
    }
    *out = obj;
    return 0;
}

static apr_status_t json_put_cleanup(void *data)
{
    json_object_put(data);
    return APR_SUCCESS;
}

json_object *maplat_json_own(apr_pool_t *p, json_object *obj)
{
    if (obj) {
        apr_pool_cleanup_register(p, obj, json_put_cleanup, apr_pool_cleanup_null);
    }
    return obj;
}
