/*
 * HS256 JWTs, verified the RFC 8725 way: the algorithm comes from the key
 * configuration (only HS256 exists here, whatever the header says), `none`
 * and every other alg are refused, base64url is decoded strictly, the size
 * is bounded, duplicate names are refused (maplat_json_parse), `crit` and
 * key-carrying headers (jku, jwk, x5u, x5c) are refused, exp/nbf/iat are
 * checked with a 30 s leeway, iss/aud must match, `typ` must be at+jwt, and
 * the MAC is compared in constant time (CRYPTO_memcmp).
 */
#include "jwt.h"
#include "apr_strings.h"

#include <math.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

/* ------------------------------------------------------------ base64url */

char *maplat_b64url_encode(apr_pool_t *p, const unsigned char *data, size_t len)
{
    char *out = apr_palloc(p, 4 * ((len + 2) / 3) + 1);
    int n = EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    while (n > 0 && out[n - 1] == '=') {
        n--;
    }
    out[n] = 0;
    for (int i = 0; i < n; i++) {
        if (out[i] == '+') {
            out[i] = '-';
        }
        else if (out[i] == '/') {
            out[i] = '_';
        }
    }
    return out;
}

long maplat_b64url_decode(apr_pool_t *p, const char *in, size_t inlen, unsigned char **out)
{
    size_t padded, i;
    char *std;
    int n;
    unsigned char *buf;
    long len;

    if (inlen % 4 == 1 || inlen > MAPLAT_JWT_MAX_LEN) {
        return -1;
    }
    padded = (inlen + 3) / 4 * 4;
    std = apr_palloc(p, padded + 1);
    for (i = 0; i < inlen; i++) {
        char c = in[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            std[i] = c;
        }
        else if (c == '-') {
            std[i] = '+';
        }
        else if (c == '_') {
            std[i] = '/';
        }
        else {
            return -1; /* '=', '+', '/', whitespace, NUL… */
        }
    }
    for (; i < padded; i++) {
        std[i] = '=';
    }
    std[padded] = 0;
    buf = apr_palloc(p, padded / 4 * 3 + 1);
    n = padded ? EVP_DecodeBlock(buf, (const unsigned char *)std, (int)padded) : 0;
    if (n < 0) {
        return -1;
    }
    len = n - (long)(padded - inlen); /* EVP_DecodeBlock counts padding as zeros */
    /* canonical: unused trailing bits must be zero, i.e. re-encoding gives the input */
    if (strcmp(maplat_b64url_encode(p, buf, (size_t)len), apr_pstrndup(p, in, inlen)) != 0) {
        return -1;
    }
    *out = buf;
    return len;
}

/* ------------------------------------------------------------ keys and MACs */

void maplat_jwt_key_id(maplat_jwt_key_t *key)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    static const char digits[] = "0123456789abcdef";
    EVP_Digest(key->key, key->len, md, &mdlen, EVP_sha256(), NULL);
    for (int i = 0; i < 8; i++) {
        key->kid[2 * i] = digits[md[i] >> 4];
        key->kid[2 * i + 1] = digits[md[i] & 15];
    }
    key->kid[16] = 0;
}

static int hs256(const maplat_jwt_key_t *key, const char *data, size_t len, unsigned char mac[32])
{
    size_t outlen = 0;
    if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key->key, key->len, (const unsigned char *)data, len,
                   mac, 32, &outlen) ||
        outlen != 32) {
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ signing */

const char *maplat_jwt_sign(apr_pool_t *p, const maplat_jwt_conf_t *conf, maplat_jwt_claims_t *c,
                            apr_int64_t now, int ttl)
{
    json_object *h, *b;
    const char *hs, *bs, *signing;
    unsigned char mac[32], rnd[16];

    if (conf->nkeys < 1) {
        return NULL;
    }
    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        return NULL;
    }
    c->jti = maplat_b64url_encode(p, rnd, sizeof(rnd));
    c->iat = now;
    c->nbf = now;
    c->exp = now + ttl;

    h = json_object_new_object();
    json_object_object_add(h, "alg", json_object_new_string("HS256"));
    json_object_object_add(h, "typ", json_object_new_string("at+jwt"));
    json_object_object_add(h, "kid", json_object_new_string(conf->keys[0].kid));
    b = json_object_new_object();
    json_object_object_add(b, "iss", json_object_new_string(conf->issuer));
    json_object_object_add(b, "aud", json_object_new_string(conf->audience));
    json_object_object_add(b, "sub", json_object_new_string(c->sub));
    json_object_object_add(b, "org", json_object_new_string(c->org));
    json_object_object_add(b, "role", json_object_new_string(c->role));
    if (c->email) {
        json_object_object_add(b, "email", json_object_new_string(c->email));
    }
    json_object_object_add(b, "master_admin", json_object_new_boolean(c->master_admin));
    json_object_object_add(b, "iat", json_object_new_int64(c->iat));
    json_object_object_add(b, "nbf", json_object_new_int64(c->nbf));
    json_object_object_add(b, "exp", json_object_new_int64(c->exp));
    json_object_object_add(b, "jti", json_object_new_string(c->jti));
    json_object_object_add(b, "ver", json_object_new_int64(c->ver));
    if (c->sid) {
        json_object_object_add(b, "sid", json_object_new_string(c->sid));
    }

    {
        const char *ht = json_object_to_json_string_ext(h, JSON_C_TO_STRING_PLAIN);
        const char *bt = json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN);
        hs = maplat_b64url_encode(p, (const unsigned char *)ht, strlen(ht));
        bs = maplat_b64url_encode(p, (const unsigned char *)bt, strlen(bt));
    }
    json_object_put(h);
    json_object_put(b);
    signing = apr_pstrcat(p, hs, ".", bs, NULL);
    if (hs256(&conf->keys[0], signing, strlen(signing), mac) != 0) {
        return NULL;
    }
    return apr_pstrcat(p, signing, ".", maplat_b64url_encode(p, mac, sizeof(mac)), NULL);
}

/* ------------------------------------------------------------ verification */

static json_object *decode_json(apr_pool_t *p, const char *seg, size_t len)
{
    unsigned char *raw = NULL;
    long n = maplat_b64url_decode(p, seg, len, &raw);
    json_object *o = NULL;
    const char *why;
    if (n <= 0 || maplat_json_parse((const char *)raw, (size_t)n, 4, &o, &why) != 0) {
        return NULL;
    }
    if (!json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        return NULL;
    }
    return maplat_json_own(p, o);
}

static const char *str_claim(apr_pool_t *p, json_object *o, const char *name)
{
    json_object *v;
    if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string)) {
        return NULL;
    }
    return apr_pstrdup(p, json_object_get_string(v));
}

/* NumericDate (RFC 7519 §2): integer or fractional seconds, not a string. */
static int time_claim(json_object *o, const char *name, apr_int64_t *out)
{
    json_object *v;
    double d;
    if (!json_object_object_get_ex(o, name, &v)) {
        return 0;
    }
    if (json_object_is_type(v, json_type_int)) {
        *out = json_object_get_int64(v);
        return 1;
    }
    if (json_object_is_type(v, json_type_double)) {
        d = json_object_get_double(v);
        if (!isfinite(d) || d < 0 || d > 1e13) {
            return -1;
        }
        *out = (apr_int64_t)floor(d);
        return 1;
    }
    return -1;
}

#define FAIL(reason)                                                                                         \
    do {                                                                                                     \
        *why = (reason);                                                                                     \
        return -1;                                                                                           \
    } while (0)

int maplat_jwt_verify(apr_pool_t *p, const maplat_jwt_conf_t *conf, const char *token, size_t len,
                      apr_int64_t now, maplat_jwt_claims_t *c, const char **why)
{
    const char *dot1, *dot2, *alg, *typ, *kid, *role;
    json_object *h, *b, *v;
    const maplat_jwt_key_t *key = NULL;
    unsigned char *sig = NULL, mac[32];
    long siglen;
    int r;

    memset(c, 0, sizeof(*c));
    if (len == 0 || len > MAPLAT_JWT_MAX_LEN) {
        FAIL("token length");
    }
    dot1 = memchr(token, '.', len);
    dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
    if (!dot1 || !dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token))) {
        FAIL("not three segments");
    }
    if (dot1 == token || dot2 == dot1 + 1 || dot2 + 1 == token + len) {
        FAIL("empty segment");
    }

    /* header */
    if (!(h = decode_json(p, token, (size_t)(dot1 - token)))) {
        FAIL("header is not a base64url JSON object");
    }
    alg = str_claim(p, h, "alg");
    if (!alg || strcmp(alg, "HS256") != 0) {
        FAIL("alg is not HS256");
    }
    typ = str_claim(p, h, "typ");
    if (!typ || (strcasecmp(typ, "at+jwt") != 0 && strcasecmp(typ, "application/at+jwt") != 0)) {
        FAIL("typ is not at+jwt");
    }
    if (json_object_object_get_ex(h, "crit", &v) || json_object_object_get_ex(h, "jku", &v) ||
        json_object_object_get_ex(h, "jwk", &v) || json_object_object_get_ex(h, "x5u", &v) ||
        json_object_object_get_ex(h, "x5c", &v) || json_object_object_get_ex(h, "b64", &v)) {
        FAIL("header names a parameter that is not accepted");
    }
    kid = str_claim(p, h, "kid");
    if (!kid) {
        FAIL("no kid");
    }
    for (int i = 0; i < conf->nkeys; i++) {
        if (strcmp(conf->keys[i].kid, kid) == 0) {
            key = &conf->keys[i];
        }
    }
    if (!key) {
        FAIL("unknown kid");
    }

    /* signature, before looking at any claim */
    siglen = maplat_b64url_decode(p, dot2 + 1, len - (size_t)(dot2 + 1 - token), &sig);
    if (siglen != 32) {
        FAIL("signature is not 32 base64url bytes");
    }
    if (hs256(key, token, (size_t)(dot2 - token), mac) != 0 || CRYPTO_memcmp(mac, sig, 32) != 0) {
        FAIL("bad signature");
    }

    /* claims */
    if (!(b = decode_json(p, dot1 + 1, (size_t)(dot2 - dot1 - 1)))) {
        FAIL("payload is not a base64url JSON object");
    }
    if ((r = time_claim(b, "exp", &c->exp)) != 1) {
        FAIL(r == 0 ? "no exp" : "exp is not a NumericDate");
    }
    if ((r = time_claim(b, "iat", &c->iat)) != 1) {
        FAIL(r == 0 ? "no iat" : "iat is not a NumericDate");
    }
    if ((r = time_claim(b, "nbf", &c->nbf)) == -1) {
        FAIL("nbf is not a NumericDate");
    }
    if (r == 0) {
        c->nbf = c->iat;
    }
    /* compared as exp < now - leeway: exp + leeway would overflow for an
     * exp near INT64_MAX (a signed token, but still undefined behaviour) */
    if (c->exp < now - MAPLAT_JWT_LEEWAY) {
        FAIL("expired");
    }
    if (c->nbf > now + MAPLAT_JWT_LEEWAY || c->iat > now + MAPLAT_JWT_LEEWAY) {
        FAIL("not yet valid");
    }
    {
        const char *iss = str_claim(p, b, "iss");
        if (!iss || strcmp(iss, conf->issuer) != 0) {
            FAIL("wrong iss");
        }
    }
    if (!json_object_object_get_ex(b, "aud", &v)) {
        FAIL("no aud");
    }
    if (json_object_is_type(v, json_type_string)) {
        if (strcmp(json_object_get_string(v), conf->audience) != 0) {
            FAIL("wrong aud");
        }
    }
    else if (json_object_is_type(v, json_type_array)) {
        int found = 0;
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            json_object *a = json_object_array_get_idx(v, i);
            if (json_object_is_type(a, json_type_string) &&
                strcmp(json_object_get_string(a), conf->audience) == 0) {
                found = 1;
            }
        }
        if (!found) {
            FAIL("wrong aud");
        }
    }
    else {
        FAIL("aud is not a string or array");
    }
    c->sub = str_claim(p, b, "sub");
    c->org = str_claim(p, b, "org");
    role = str_claim(p, b, "role");
    if (!maplat_uuid_valid(c->sub) || !maplat_uuid_valid(c->org)) {
        FAIL("sub or org is not a UUID");
    }
    if (!role || (strcmp(role, "admin") && strcmp(role, "member") && strcmp(role, "viewer"))) {
        FAIL("bad role");
    }
    c->role = role;
    c->email = str_claim(p, b, "email");
    c->jti = str_claim(p, b, "jti");
    if (json_object_object_get_ex(b, "master_admin", &v)) {
        if (!json_object_is_type(v, json_type_boolean)) {
            FAIL("master_admin is not a boolean");
        }
        c->master_admin = json_object_get_boolean(v);
    }
    /* the user's token version (tokens from before it existed carry none: 0) */
    if (json_object_object_get_ex(b, "ver", &v)) {
        if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
            json_object_get_int64(v) > 2147483647) {
            FAIL("ver is not a whole number");
        }
        c->ver = json_object_get_int64(v);
    }
    if (json_object_object_get_ex(b, "sid", &v)) {
        c->sid = str_claim(p, b, "sid");
        if (!maplat_uuid_valid(c->sid)) {
            FAIL("sid is not a UUID");
        }
    }
    return 0;
}
