/*
 * File names of uploads (pure, unit-tested in tests/unit/test_filename.c).
 *
 * What a client sends as ?filename= is kept only as a label: the last path
 * segment, control characters (CR, LF, NUL …) replaced by '_', outer blanks
 * trimmed, at most 255 characters. Downloads name it in a
 * Content-Disposition that is safe whatever the name holds (RFC 6266):
 * `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>`.
 */
#include "apr_strings.h"
#include "filename.h"

#define NAME_MAX_CHARS 255

/* length of the UTF-8 sequence starting at s (the text is valid UTF-8: the
 * query decoder refuses anything else) */
static size_t u8len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

const char *files_clean_name(apr_pool_t *p, const char *name)
{
    const char *seg = name, *s;
    char *out, *o;
    size_t chars = 0;
    if (!name) {
        return NULL;
    }
    for (s = name; *s; s++) {
        if (*s == '/' || *s == '\\') {
            seg = s + 1;
        }
    }
    while (*seg == ' ' || *seg == '\t') {
        seg++;
    }
    out = o = apr_palloc(p, strlen(seg) + 1);
    for (s = seg; *s && chars < NAME_MAX_CHARS; chars++) {
        unsigned char c = (unsigned char)*s;
        size_t n = u8len(c);
        int valid = c >= 0x20 && c != 0x7f && (c < 0x80 || (c >= 0xC2 && c <= 0xF4));
        for (size_t i = 1; valid && i < n; i++) {
            valid = ((unsigned char)s[i] & 0xC0) == 0x80; /* stops at the NUL too */
        }
        if (!valid) {
            /* a control character, or a byte that starts no UTF-8 sequence (the
             * router refuses invalid UTF-8; this keeps the function total) */
            *o++ = '_';
            s++;
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            *o++ = *s++;
        }
    }
    while (o > out && (o[-1] == ' ' || o[-1] == '.')) {
        o--; /* "name.pdf " and "name." are not names Windows keeps */
    }
    *o = 0;
    if (!*out || strcmp(out, ".") == 0 || strcmp(out, "..") == 0) {
        return NULL;
    }
    return out;
}

const char *files_disposition(apr_pool_t *p, const char *name)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(name);
    char *ascii = apr_palloc(p, n + 1), *pct = apr_palloc(p, 3 * n + 1), *a = ascii, *q = pct;
    for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
        unsigned char c = *s;
        /* RFC 5987 attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" / "|"
         * / "~" */
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("!#$&+-.^_`|~", c)) {
            *q++ = (char)c;
        }
        else {
            *q++ = '%';
            *q++ = hex[c >> 4];
            *q++ = hex[c & 15];
        }
        if (c >= 0x80) {
            if ((c & 0xC0) != 0x80) {
                *a++ = '_'; /* one '_' per non-ASCII character */
            }
        }
        else if (c < 0x20 || c == 0x7f || c == '"' || c == '\\' || c == '%' || c == ';') {
            *a++ = '_';
        }
        else {
            *a++ = (char)c;
        }
    }
    *a = 0;
    *q = 0;
    return apr_psprintf(p, "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii, pct);
}
