/*
 * Pure helpers of the export module: CSV fields, download names and the
 * Content-Disposition header (unit-tested in tests/unit/test_export.c).
 */
#include "render.h"
#include "apr_strings.h"
#include <string.h>

const char MX_ABORTED[] = "aborted";

int mx_template_name_valid(const char *name)
{
    size_t n = 0;
    if (!name) {
        return 0;
    }
    for (; name[n]; n++) {
        char c = name[n];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') || n >= 64) {
            return 0;
        }
    }
    return n > 0;
}

const char *mx_csv_field(apr_pool_t *p, const char *v)
{
    int quote = 0, guard = 0;
    size_t n = 0, extra = 0;
    char *out, *o;

    if (!v) {
        return "";
    }
    if (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r') {
        guard = 1;
    }
    for (const char *s = v; *s; s++, n++) {
        if (*s == '"') {
            extra++;
            quote = 1;
        }
        else if (*s == ',' || *s == '\n' || *s == '\r') {
            quote = 1;
        }
    }
    if (!quote && !guard) {
        return v;
    }
    /* quoted, a guarded value too: unambiguous for every reader */
    o = out = apr_palloc(p, n + extra + guard + 3);
    *o++ = '"';
    if (guard) {
        *o++ = '\'';
    }
    for (const char *s = v; *s; s++) {
        if (*s == '"') {
            *o++ = '"';
        }
        *o++ = *s;
    }
    *o++ = '"';
    *o = 0;
    return out;
}

/* Length of the valid UTF-8 sequence at s (0: invalid). */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    unsigned cp;
    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    }
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    }
    else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    }
    else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
        return 0;
    }
    /* C1 controls, line/paragraph separators, bidi overrides: dropped */
    if ((cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
        (cp >= 0x2066 && cp <= 0x2069)) {
        return (size_t)0 - n; /* "skip n bytes" marker, see below */
    }
    return n;
}

void mx_download_names(apr_pool_t *p, const char *title, const char *ext, const char **ascii,
                       const char **utf8)
{
    const unsigned char *s = (const unsigned char *)(title ? title : "");
    size_t tlen = strlen((const char *)s);
    char *a = apr_palloc(p, 101), *u = apr_palloc(p, tlen + 1);
    size_t na = 0, nu = 0, chars = 0;
    int space = 0;

    while (*s) {
        size_t n = utf8_len(s);
        if (n == 0) { /* invalid byte: skip it */
            s++;
            continue;
        }
        if (n > 4) { /* a dropped character */
            s += (size_t)0 - n;
            continue;
        }
        if (n == 1) {
            unsigned char c = *s;
            int bad = c < 0x20 || c == 0x7F || c == '/' || c == '\\';
            int ws = c == ' ' || c == '\t';
            if (!bad && !ws) {
                if (chars < 150) {
                    u[nu++] = (char)c;
                    chars++;
                }
                if (na < 100 && !strchr("\"\\/:*?<>|;%", c) && !(na == 0 && c == '.')) {
                    if (space && na > 0 && na < 99) {
                        a[na++] = ' ';
                    }
                    a[na++] = (char)c;
                    space = 0;
                }
                else if (na < 100 && na > 0) {
                    space = 0;
                    a[na++] = '_';
                }
            }
            else if (ws || bad) {
                if (chars < 150 && nu > 0 && u[nu - 1] != ' ') {
                    u[nu++] = ' ';
                    chars++;
                }
                space = 1;
            }
            s++;
            continue;
        }
        if (chars < 150) {
            memcpy(u + nu, s, n);
            nu += n;
            chars++;
        }
        /* non-ASCII: '_' in the ASCII fallback */
        if (na < 100 && na > 0 && a[na - 1] != '_') {
            a[na++] = '_';
        }
        s += n;
    }
    while (na > 0 && (a[na - 1] == ' ' || a[na - 1] == '.' || a[na - 1] == '_')) {
        na--;
    }
    while (nu > 0 && (u[nu - 1] == ' ' || u[nu - 1] == '.')) {
        nu--;
    }
    a[na] = 0;
    u[nu] = 0;
    {
        size_t lead = 0;
        while (u[lead] == '.' || u[lead] == ' ') {
            lead++;
        }
        u += lead;
    }
    /* a name that already ends in ".<ext>" (e.g. the stored file name) keeps it */
    {
        size_t el = strlen(ext);
        int a_has = na > el && a[na - el - 1] == '.' && strcasecmp(a + na - el, ext) == 0;
        size_t ul = strlen(u);
        int u_has = ul > el && u[ul - el - 1] == '.' && strcasecmp(u + ul - el, ext) == 0;
        *ascii = a_has ? apr_pstrdup(p, a) : apr_pstrcat(p, na ? a : "export", ".", ext, NULL);
        *utf8 = u_has ? apr_pstrdup(p, u) : apr_pstrcat(p, *u ? u : "export", ".", ext, NULL);
    }
}

const char *mx_content_disposition(apr_pool_t *p, const char *ascii, const char *utf8)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(utf8);
    char *enc = apr_palloc(p, 3 * n + 1), *o = enc;

    for (const unsigned char *s = (const unsigned char *)utf8; *s; s++) {
        /* RFC 5987 attr-char */
        if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
            strchr("!#$&+-.^_`|~", *s)) {
            *o++ = (char)*s;
        }
        else {
            *o++ = '%';
            *o++ = hex[*s >> 4];
            *o++ = hex[*s & 15];
        }
    }
    *o = 0;
    return apr_pstrcat(p, "attachment; filename=\"", ascii, "\"; filename*=UTF-8''", enc, NULL);
}
