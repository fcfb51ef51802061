/* Unit tests of JWT signing and verification (modules/auth/jwt.c), after
 * SECURITY.md's "Token / JWT" list. */
#include "jwt.h"
#include "apr_strings.h"
#include "unit.h"

#include <openssl/evp.h>
#include <string.h>

static apr_pool_t *p;
static maplat_jwt_conf_t conf;
static const apr_int64_t NOW = 1800000000;

static const char *b64(const char *s)
{
    return maplat_b64url_encode(p, (const unsigned char *)s, strlen(s));
}

/* A token with arbitrary header/payload JSON, signed with key k (or "sig"). */
static const char *forge(const char *header, const char *payload, const maplat_jwt_key_t *k, const char *sig)
{
    const char *signing = apr_pstrcat(p, b64(header), ".", b64(payload), NULL);
    unsigned char mac[32];
    size_t n = 0;
    if (sig) {
        return apr_pstrcat(p, signing, ".", sig, NULL);
    }
    EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, k->key, k->len, (const unsigned char *)signing,
              strlen(signing), mac, 32, &n);
    return apr_pstrcat(p, signing, ".", maplat_b64url_encode(p, mac, 32), NULL);
}

static int verify(const char *tok)
{
    maplat_jwt_claims_t c;
    const char *why;
    return maplat_jwt_verify(p, &conf, tok, strlen(tok), NOW, &c, &why);
}

static const char *hdr(const char *alg)
{
    return apr_psprintf(p, "{\"alg\":\"%s\",\"typ\":\"at+jwt\",\"kid\":\"%s\"}", alg, conf.keys[0].kid);
}

static const char *claims(apr_int64_t iat, apr_int64_t exp, const char *extra)
{
    return apr_psprintf(
        p,
        "{\"iss\":\"maplat\",\"aud\":\"maplat-api\",\"sub\":\"20000000-0000-4000-8000-a00000000001\","
        "\"org\":\"10000000-0000-4000-8000-a00000000001\",\"role\":\"admin\",\"iat\":%" APR_INT64_T_FMT
        ",\"exp\":%" APR_INT64_T_FMT "%s}",
        iat, exp, extra ? extra : "");
}

int main(void)
{
    maplat_jwt_claims_t c;
    const char *tok, *why = NULL;
    maplat_jwt_key_t other;
    unsigned char *out;
    char big[6000];

    apr_initialize();
    apr_pool_create(&p, NULL);
    conf.keys[0].key = (const unsigned char *)"unit-test-key-0123456789abcdef0123456789";
    conf.keys[0].len = strlen((const char *)conf.keys[0].key);
    maplat_jwt_key_id(&conf.keys[0]);
    conf.nkeys = 1;
    conf.issuer = "maplat";
    conf.audience = "maplat-api";
    other.key = (const unsigned char *)"another-key-0123456789abcdef0123456789ab";
    other.len = strlen((const char *)other.key);
    maplat_jwt_key_id(&other);

    /* round trip */
    memset(&c, 0, sizeof(c));
    c.sub = "20000000-0000-4000-8000-a00000000001";
    c.org = "10000000-0000-4000-8000-a00000000001";
    c.role = "viewer";
    c.email = "viewer@acme.example";
    tok = maplat_jwt_sign(p, &conf, &c, NOW, 900);
    CHECK(tok != NULL);
    CHECK(maplat_jwt_verify(p, &conf, tok, strlen(tok), NOW, &c, &why) == 0);
    CHECK(strcmp(c.role, "viewer") == 0 && c.exp == NOW + 900 && !c.master_admin);
    CHECK(strcmp(c.email, "viewer@acme.example") == 0);
    CHECK(c.ver == 0 && c.sid == NULL);
    /* token version and session id round trip */
    c.ver = 7;
    c.sid = "90000000-0000-4000-8000-a00000000009";
    tok = maplat_jwt_sign(p, &conf, &c, NOW, 900);
    memset(&c, 0, sizeof(c));
    CHECK(tok && maplat_jwt_verify(p, &conf, tok, strlen(tok), NOW, &c, &why) == 0);
    CHECK(c.ver == 7 && c.sid && strcmp(c.sid, "90000000-0000-4000-8000-a00000000009") == 0);
    CHECK(verify(forge(hdr("HS256"), claims(NOW, NOW + 60, ",\"ver\":3"), &conf.keys[0], NULL)) == 0);
    CHECK(verify(forge(hdr("HS256"), claims(NOW, NOW + 60, ",\"ver\":-1"), &conf.keys[0], NULL)) != 0);
    CHECK(verify(forge(hdr("HS256"), claims(NOW, NOW + 60, ",\"ver\":\"3\""), &conf.keys[0], NULL)) != 0);
    CHECK(verify(forge(hdr("HS256"), claims(NOW, NOW + 60, ",\"ver\":1.5"), &conf.keys[0], NULL)) != 0);
    CHECK(verify(forge(hdr("HS256"), claims(NOW, NOW + 60, ",\"ver\":4294967296"), &conf.keys[0], NULL)) !=
          0);
    CHECK(verify(forge(hdr("HS256"), claims(NOW, NOW + 60, ",\"sid\":\"x\""), &conf.keys[0], NULL)) != 0);
    CHECK(verify(forge(hdr("HS256"), claims(NOW, NOW + 60, ",\"sid\":5"), &conf.keys[0], NULL)) != 0);
    /* the first token again (c is reused below) */
    memset(&c, 0, sizeof(c));
    c.sub = "20000000-0000-4000-8000-a00000000001";
    c.org = "10000000-0000-4000-8000-a00000000001";
    c.role = "viewer";
    c.email = "viewer@acme.example";
    tok = maplat_jwt_sign(p, &conf, &c, NOW, 900);
    /* expiry with leeway */
    CHECK(maplat_jwt_verify(p, &conf, tok, strlen(tok), NOW + 900 + 30, &c, &why) == 0);
    CHECK(maplat_jwt_verify(p, &conf, tok, strlen(tok), NOW + 900 + 31, &c, &why) != 0);
    CHECK(maplat_jwt_verify(p, &conf, tok, strlen(tok), NOW - 31, &c, &why) != 0); /* iat/nbf future */
    /* key rotation: a second verifying key */
    {
        maplat_jwt_conf_t two = conf;
        two.keys[0] = other;
        two.keys[1] = conf.keys[0];
        two.nkeys = 2;
        CHECK(maplat_jwt_verify(p, &two, tok, strlen(tok), NOW, &c, &why) == 0);
        two.nkeys = 1;
        CHECK(maplat_jwt_verify(p, &two, tok, strlen(tok), NOW, &c, &why) != 0);
    }

    /* forged with the right key: the reference shape verifies */
    CHECK(verify(forge(hdr("HS256"), claims(NOW, NOW + 60, NULL), &conf.keys[0], NULL)) == 0);
    CHECK(verify(forge(hdr("HS256"), claims(NOW, NOW + 60, ",\"exp2\":1"), &conf.keys[0], NULL)) == 0);
    /* fractional exp is fine, string exp is not, missing exp is not */
    CHECK(verify(forge(hdr("HS256"),
                       apr_psprintf(p,
                                    "{\"iss\":\"maplat\",\"aud\":\"maplat-api\",\"sub\":\"20000000-0000-4000-"
                                    "8000-a00000000001\",\"org\":\"10000000-0000-4000-8000-a00000000001\","
                                    "\"role\":\"admin\",\"iat\":%d,\"exp\":%d.5}",
                                    (int)NOW, (int)NOW + 60),
                       &conf.keys[0], NULL)) == 0);
    CHECK(verify(forge(hdr("HS256"),
                       apr_psprintf(p,
                                    "{\"iss\":\"maplat\",\"aud\":\"maplat-api\",\"sub\":\"20000000-0000-4000-"
                                    "8000-a00000000001\",\"org\":\"10000000-0000-4000-8000-a00000000001\","
                                    "\"role\":\"admin\",\"iat\":%d,\"exp\":\"%d\"}",
                                    (int)NOW, (int)NOW + 60),
                       &conf.keys[0], NULL)) != 0);
    CHECK(
        verify(forge(
            hdr("HS256"),
            apr_psprintf(
                p,
                "{\"iss\":\"maplat\",\"aud\":\"maplat-api\",\"sub\":\"20000000-0000-4000-8000-a00000000001\","
                "\"org\":\"10000000-0000-4000-8000-a00000000001\",\"role\":\"admin\",\"iat\":%d}",
                (int)NOW),
            &conf.keys[0], NULL)) != 0);
    /* alg none in every spelling, other algs, missing alg */
    CHECK(verify(forge(hdr("none"), claims(NOW, NOW + 60, NULL), NULL, "")) != 0);
    CHECK(verify(apr_pstrcat(p, b64(hdr("none")), ".", b64(claims(NOW, NOW + 60, NULL)), ".", NULL)) != 0);
    CHECK(verify(forge(hdr("None"), claims(NOW, NOW + 60, NULL), &conf.keys[0], NULL)) != 0);
    CHECK(verify(forge(hdr("NONE"), claims(NOW, NOW + 60, NULL), &conf.keys[0], NULL)) != 0);
    CHECK(verify(forge(hdr("HS512"), claims(NOW, NOW + 60, NULL), &conf.keys[0], NULL)) != 0);
    CHECK(verify(forge(hdr("RS256"), claims(NOW, NOW + 60, NULL), &conf.keys[0], NULL)) != 0);
    CHECK(verify(forge(hdr("ES256"), claims(NOW, NOW + 60, NULL), &conf.keys[0], NULL)) != 0);
    CHECK(verify(forge(apr_psprintf(p, "{\"typ\":\"at+jwt\",\"kid\":\"%s\"}", conf.keys[0].kid),
                       claims(NOW, NOW + 60, NULL), &conf.keys[0], NULL)) != 0);
    /* wrong key, unknown kid, no kid */
    CHECK(verify(forge(hdr("HS256"), claims(NOW, NOW + 60, NULL), &other, NULL)) != 0);
    CHECK(verify(forge("{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":\"../../dev/null\"}",
                       claims(NOW, NOW + 60, NULL), &conf.keys[0], NULL)) != 0);
    CHECK(verify(forge("{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":\"' OR 1=1--\"}",
                       claims(NOW, NOW + 60, NULL), &conf.keys[0], NULL)) != 0);
    CHECK(verify(forge("{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}", claims(NOW, NOW + 60, NULL), &conf.keys[0],
                       NULL)) != 0);
    /* typ must be at+jwt */
    CHECK(
        verify(forge(apr_psprintf(p, "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"%s\"}", conf.keys[0].kid),
                     claims(NOW, NOW + 60, NULL), &conf.keys[0], NULL)) != 0);
    /* crit, jku, jwk, x5u, x5c */
    CHECK(verify(forge(
              apr_psprintf(p, "{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":\"%s\",\"crit\":[\"exp\"]}",
                           conf.keys[0].kid),
              claims(NOW, NOW + 60, NULL), &conf.keys[0], NULL)) != 0);
    CHECK(verify(forge(
              apr_psprintf(
                  p, "{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":\"%s\",\"jku\":\"http://127.0.0.1:1/k\"}",
                  conf.keys[0].kid),
              claims(NOW, NOW + 60, NULL), &conf.keys[0], NULL)) != 0);
    CHECK(verify(forge(
              apr_psprintf(p, "{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":\"%s\",\"x5u\":\"http://x\"}",
                           conf.keys[0].kid),
              claims(NOW, NOW + 60, NULL), &conf.keys[0], NULL)) != 0);
    /* duplicate names: header alg, claim sub */
    CHECK(
        verify(forge(apr_psprintf(p, "{\"alg\":\"none\",\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":\"%s\"}",
                                  conf.keys[0].kid),
                     claims(NOW, NOW + 60, NULL), &conf.keys[0], NULL)) != 0);
    CHECK(
        verify(forge(hdr("HS256"), claims(NOW, NOW + 60, ",\"sub\":\"20000000-0000-4000-8000-b00000000001\""),
                     &conf.keys[0], NULL)) != 0);
    /* iss / aud */
    CHECK(verify(forge(hdr("HS256"),
                       apr_psprintf(p,
                                    "{\"iss\":\"staging\",\"aud\":\"maplat-api\",\"sub\":\"20000000-0000-"
                                    "4000-8000-a00000000001\",\"org\":\"10000000-0000-4000-8000-"
                                    "a00000000001\",\"role\":\"admin\",\"iat\":%d,\"exp\":%d}",
                                    (int)NOW, (int)NOW + 60),
                       &conf.keys[0], NULL)) != 0);
    CHECK(
        verify(forge(
            hdr("HS256"),
            apr_psprintf(
                p,
                "{\"iss\":\"maplat\",\"aud\":\"other\",\"sub\":\"20000000-0000-4000-8000-a00000000001\","
                "\"org\":\"10000000-0000-4000-8000-a00000000001\",\"role\":\"admin\",\"iat\":%d,\"exp\":%d}",
                (int)NOW, (int)NOW + 60),
            &conf.keys[0], NULL)) != 0);
    CHECK(verify(forge(hdr("HS256"),
                       apr_psprintf(p,
                                    "{\"iss\":\"maplat\",\"aud\":[\"x\",\"maplat-api\"],\"sub\":\"20000000-"
                                    "0000-4000-8000-a00000000001\",\"org\":\"10000000-0000-4000-8000-"
                                    "a00000000001\",\"role\":\"admin\",\"iat\":%d,\"exp\":%d}",
                                    (int)NOW, (int)NOW + 60),
                       &conf.keys[0], NULL)) == 0);
    /* role and ids */
    CHECK(
        verify(forge(
            hdr("HS256"),
            apr_psprintf(
                p,
                "{\"iss\":\"maplat\",\"aud\":\"maplat-api\",\"sub\":\"20000000-0000-4000-8000-a00000000001\","
                "\"org\":\"10000000-0000-4000-8000-a00000000001\",\"role\":\"root\",\"iat\":%d,\"exp\":%d}",
                (int)NOW, (int)NOW + 60),
            &conf.keys[0], NULL)) != 0);
    CHECK(verify(forge(
              hdr("HS256"),
              apr_psprintf(p,
                           "{\"iss\":\"maplat\",\"aud\":\"maplat-api\",\"sub\":\"x\",\"org\":\"10000000-0000-"
                           "4000-8000-a00000000001\",\"role\":\"admin\",\"iat\":%d,\"exp\":%d}",
                           (int)NOW, (int)NOW + 60),
              &conf.keys[0], NULL)) != 0);
    /* expired / future */
    CHECK(verify(forge(hdr("HS256"), claims(NOW - 1000, NOW - 31, NULL), &conf.keys[0], NULL)) != 0);
    CHECK(verify(forge(hdr("HS256"), claims(NOW - 1000, NOW - 29, NULL), &conf.keys[0], NULL)) == 0);
    CHECK(verify(forge(hdr("HS256"), claims(NOW + 3600, NOW + 7200, NULL), &conf.keys[0], NULL)) != 0);
    CHECK(verify(forge(hdr("HS256"), claims(NOW, NOW + 60, ",\"nbf\":1900000000"), &conf.keys[0], NULL)) !=
          0);

    /* tampering and base64url damage */
    {
        size_t n = strlen(tok);
        char *t = apr_pstrdup(p, tok);
        char *dot = strchr(t, '.');
        dot[3] = dot[3] == 'A' ? 'B' : 'A'; /* payload byte */
        CHECK(verify(t) != 0);
        CHECK(verify(apr_pstrcat(p, tok, "=", NULL)) != 0);
        CHECK(verify(apr_pstrcat(p, tok, " ", NULL)) != 0);
        CHECK(verify(apr_pstrcat(p, tok, ".x", NULL)) != 0);
        CHECK(verify(apr_pstrndup(p, tok, n - 1)) != 0);
        CHECK(verify(apr_pstrndup(p, tok, (size_t)(strchr(tok, '.') - tok))) != 0);
        CHECK(verify("..") != 0);
        CHECK(verify("a.b.c") != 0);
        CHECK(verify("") != 0);
        t = apr_pstrdup(p, tok);
        for (char *s = t; *s; s++) {
            if (*s == '-') {
                *s = '+';
            }
            if (*s == '_') {
                *s = '/';
            }
        }
        if (strcmp(t, tok) != 0) {
            CHECK(verify(t) != 0);
        }
    }
    memset(big, 'A', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    CHECK(verify(big) != 0);
    CHECK(maplat_jwt_verify(p, &conf, "a.b.c\0d", 7, NOW, &c, &why) != 0);

    /* strict base64url */
    CHECK(maplat_b64url_decode(p, "AA", 2, &out) == 1);
    CHECK(maplat_b64url_decode(p, "AB", 2, &out) == -1);   /* non-zero trailing bits */
    CHECK(maplat_b64url_decode(p, "A", 1, &out) == -1);    /* 4n+1 */
    CHECK(maplat_b64url_decode(p, "AA==", 4, &out) == -1); /* padding */
    CHECK(maplat_b64url_decode(p, "A+A", 3, &out) == -1);
    CHECK(maplat_b64url_decode(p, "YWJj", 4, &out) == 3 && memcmp(out, "abc", 3) == 0);
    CHECK(maplat_b64url_decode(p, "_-8", 3, &out) == 2 && out[0] == 0xff && out[1] == 0xef);

    apr_pool_destroy(p);
    apr_terminate();
    UNIT_DONE();
}
