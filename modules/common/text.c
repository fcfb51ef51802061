/*
 * Pure text helpers: UUIDs, correlation ids, path parameters.
 */
#include "maplat.h"
#include "apr_strings.h"
#include "apr_lib.h"

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
    return apr_psprintf(p,
                        "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                        b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
                        b[10], b[11], b[12], b[13], b[14], b[15]);
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

