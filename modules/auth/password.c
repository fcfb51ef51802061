/*
 * Passwords: bcrypt through libxcrypt (crypt_rn/crypt_gensalt_rn), which is
 * thread-safe with a per-call crypt_data. Passwords over 72 bytes are
 * refused by the callers (bcrypt would silently ignore the rest).
 */
#include "auth.h"
#include "apr_strings.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <string.h>

static const char *dummy_hash; /* same cost as real ones, made at start-up */

const char *maplat_password_hash(apr_pool_t *p, const char *password, int cost)
{
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data *cd;
    const char *h;

    if (!password || strlen(password) > MAPLAT_PASSWORD_MAX_BYTES) {
        return NULL;
    }
    if (!crypt_gensalt_rn("$2b$", (unsigned long)cost, NULL, 0, setting, sizeof(setting))) {
        return NULL;
    }
    cd = apr_pcalloc(p, sizeof(*cd));
    h = crypt_rn(password, setting, cd, (int)sizeof(*cd));
    if (!h || h[0] == '*') {
        return NULL;
    }
    return apr_pstrdup(p, h);
}

apr_status_t maplat_password_init(apr_pool_t *p)
{
    dummy_hash = maplat_password_hash(p, "maplat-dummy-password-for-timing", maplat_auth_g.bcrypt_cost);
    return dummy_hash ? APR_SUCCESS : APR_EGENERAL;
}

int maplat_password_needs_rehash(const char *hash, int cost)
{
    /* "$2b$12$" + 53 characters; anything else ($2a$, $2y$, another cost) is redone */
    return hash && !(strncmp(hash, "$2b$", 4) == 0 && hash[4] >= '0' && hash[4] <= '9' && hash[5] >= '0'
                     && hash[5] <= '9' && hash[6] == '$' && (hash[4] - '0') * 10 + (hash[5] - '0') == cost);
}

int maplat_password_verify(apr_pool_t *p, const char *password, const char *hash)
{
    struct crypt_data *cd = apr_pcalloc(p, sizeof(*cd));
    const char *use = hash ? hash : dummy_hash;
    const char *h;
    size_t n;

    if (!use) {
        return 0;
    }
    h = crypt_rn(password, use, cd, (int)sizeof(*cd));
    n = strlen(use);
    if (!h || strlen(h) != n) {
        return 0;
    }
    return hash != NULL && CRYPTO_memcmp(h, use, n) == 0;
}
