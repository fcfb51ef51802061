/*
 * Pure text helpers: UUIDs, correlation ids, path parameters, query strings.
 */
#include "maplat.h"
#include "apr_strings.h"
#include "apr_lib.h"

#include <glib.h>
#include <openssl/rand.h>
#include <string.h>

int maplat_uuid_valid(const char *s)
{
    /* 8-4-4-4-12 hexadecimal digits, either case */
    static const int dash[] = {8, 13, 18, 23};
    size_t i, d = 0;

    if (!s || strlen(s) != 36) {
        return 0;
    }
    for (i = 0; i < 36; i++) {
        if (d < 4 && (int)i == dash[d]) {
            if (s[i] != '-') {
                return 0;
            }
            d++;
        }
        else if (!apr_isxdigit(s[i])) {
            return 0;
        }
    }
    return 1;
}

int maplat_correlation_id_valid(const char *s)
{
    size_t n = 0;
    if (!s) {
        return 0;
    }
    for (; s[n]; n++) {
        char c = s[n];
        if (n >= 64 || !(apr_isalnum(c) || c == '.' || c == '_' || c == '-')) {
            return 0;
        }
    }
    return n >= 1;
}

int maplat_parse_int(const char *s, apr_int64_t min, apr_int64_t max, apr_int64_t *out)
{
    const char *d;
    apr_int64_t v = 0;
    int neg;

    if (!s) {
        return -1;
    }
    neg = *s == '-';
    d = s + neg;
    if (!*d) {
        return -1;
    }
    for (; *d; d++) {
        if (*d < '0' || *d > '9' || v > (APR_INT64_MAX - 9) / 10) {
            return -1; /* not a digit, or too long to be in any range we use */
        }
        v = v * 10 + (*d - '0');
    }
    v = neg ? -v : v;
    if (v < min || v > max) {
        return -1;
    }
    *out = v;
    return 0;
}

const char *maplat_uuid_new(apr_pool_t *p)
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof(b)) != 1) {
        /* OpenSSL's CSPRNG failed: fall back to APR's generator */
        apr_generate_random_bytes(b, sizeof(b));
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    return apr_psprintf(p, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                        b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                        b[15]);
}

const char *maplat_param(const maplat_match_t *m, const char *name)
{
    for (int i = 0; m && i < m->nparams; i++) {
        if (strcmp(m->names[i], name) == 0) {
            return m->values[i];
        }
    }
    return NULL;
}

/* ------------------------------------------------------------ query strings */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Decodes s[0..len) in place into out (application/x-www-form-urlencoded:
 * '+' is a space, %XX a byte). Returns the decoded length, or -1 for a '%'
 * not followed by two hexadecimal digits, a NUL byte or invalid UTF-8. */
static apr_ssize_t form_decode(const char *s, apr_size_t len, char *out)
{
    apr_size_t i, n = 0;
    for (i = 0; i < len; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        }
        else if (c == '%') {
            int hi, lo;
            if (i + 2 >= len) {
                return -1;
            }
            hi = hexval(s[i + 1]);
            lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0) {
                return -1;
            }
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0') {
            return -1;
        }
        out[n++] = c;
    }
    out[n] = '\0';
    /* with an explicit length GLib also refuses embedded NUL bytes */
    return g_utf8_validate(out, (gssize)n, NULL) ? (apr_ssize_t)n : -1;
}

int maplat_query_parse(apr_pool_t *p, const char *args, apr_table_t **out, const char **bad)
{
    apr_table_t *t = apr_table_make(p, 8);
    const char *s = args ? args : "";

    *out = t;
    *bad = NULL;
    while (*s) {
        const char *amp = strchr(s, '&');
        apr_size_t plen = amp ? (apr_size_t)(amp - s) : strlen(s);
        const char *eq = memchr(s, '=', plen);
        apr_size_t klen = eq ? (apr_size_t)(eq - s) : plen;
        apr_size_t vlen = eq ? plen - klen - 1 : 0;
        char *key = apr_palloc(p, klen + 1), *val = apr_palloc(p, vlen + 1);
        apr_ssize_t kn, vn;

        if (plen > 0) {
            kn = form_decode(s, klen, key);
            if (kn < 0) {
                *bad = "query";
                return -1;
            }
            vn = form_decode(eq ? eq + 1 : "", vlen, val);
            if (vn < 0) {
                *bad = kn > 0 ? key : "query";
                return -1;
            }
            if (kn > 0) {
                /* the last of repeated parameters wins */
                apr_table_setn(t, key, val);
            }
        }
        s += plen;
        if (*s == '&') {
            s++;
        }
    }
    return 0;
}

char *maplat_email_normalize_dup(const char *email)
{
    gchar *nfkc, *lower, *out;
    const char *s;
    size_t n;

    if (!email || strlen(email) > 254 || !g_utf8_validate(email, -1, NULL)) {
        return NULL;
    }
    nfkc = g_utf8_normalize(email, -1, G_NORMALIZE_NFKC);
    if (!nfkc) {
        return NULL;
    }
    lower = g_utf8_strdown(nfkc, -1);
    g_free(nfkc);
    s = lower;
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) {
        n--;
    }
    out = g_strndup(s, n);
    g_free(lower);
    if (n < 3 || !strchr(out, '@') || strchr(out, ' ') || strchr(out, '@') != strrchr(out, '@') ||
        out[0] == '@' || out[n - 1] == '@') {
        g_free(out);
        return NULL;
    }
    return out;
}
