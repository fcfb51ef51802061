/*
 * Access tokens: JWT (RFC 7519) with HS256 only, verified per RFC 8725.
 * Pure code (OpenSSL + json-c), unit-tested and fuzzed.
 */
#ifndef MAPLAT_JWT_H
#define MAPLAT_JWT_H

#include "maplat.h"

#define MAPLAT_JWT_MAX_LEN 4096 /* longer tokens are refused unread */
#define MAPLAT_JWT_LEEWAY 30    /* seconds, for exp / nbf / iat */
#define MAPLAT_JWT_KEY_MIN 32   /* bytes */
#define MAPLAT_JWT_MAX_KEYS 2

typedef struct {
    const unsigned char *key;
    size_t len;
    char kid[17]; /* 16 hex digits of SHA-256(key) */
} maplat_jwt_key_t;

typedef struct {
    maplat_jwt_key_t keys[MAPLAT_JWT_MAX_KEYS]; /* keys[0] signs */
    int nkeys;
    const char *issuer;
    const char *audience;
} maplat_jwt_conf_t;

typedef struct {
    const char *sub;  /* user id (UUID) */
    const char *org;  /* organization id (UUID) */
    const char *role; /* admin | member | viewer */
    const char *email;
    int master_admin;
    const char *jti;
    apr_int64_t iat, nbf, exp;
    apr_int64_t ver; /* the user's token_version at issue ("ver"; absent: 0) */
    const char *sid; /* the session: refresh-token family id ("sid"; may be NULL) */
} maplat_jwt_claims_t;

/* Fills key->kid from the key bytes. */
void maplat_jwt_key_id(maplat_jwt_key_t *key);

/* Signs claims (sub, org, role, email, master_admin, ver, sid) valid for ttl seconds
 * from now; fills c->jti/iat/nbf/exp. Returns the token or NULL. */
const char *maplat_jwt_sign(apr_pool_t *p, const maplat_jwt_conf_t *conf, maplat_jwt_claims_t *c,
                            apr_int64_t now, int ttl);

/* Verifies token at time now. Returns 0 and fills *c (strings in p), or -1
 * with *why set to a short reason (for logs, never for clients). */
int maplat_jwt_verify(apr_pool_t *p, const maplat_jwt_conf_t *conf, const char *token, size_t len,
                      apr_int64_t now, maplat_jwt_claims_t *c, const char **why);

/* Strict base64url without padding (RFC 7515 §2). */
char *maplat_b64url_encode(apr_pool_t *p, const unsigned char *data, size_t len);
/* Returns decoded length or -1 (bad alphabet, padding, length, non-canonical). */
long maplat_b64url_decode(apr_pool_t *p, const char *in, size_t inlen, unsigned char **out);

#endif
