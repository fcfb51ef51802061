/*
 * libFuzzer target for the access-token parser (base64url, JSON header and
 * claims, signature check). The key is fixed so that tokens in the corpus
 * signed with it reach the claim checks.
 *   ./configure --enable-fuzzing CC=clang && make fuzz/fuzz_jwt
 *   fuzz/fuzz_jwt -max_total_time=300 fuzz/corpus/jwt
 */
#include "jwt.h"
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static apr_pool_t *root;
    static maplat_jwt_conf_t conf;
    apr_pool_t *p;
    maplat_jwt_claims_t c;
    const char *why = NULL;

    if (!root) {
        apr_initialize();
        apr_pool_create(&root, NULL);
        conf.keys[0].key = (const unsigned char *)"fuzz-key-0123456789abcdef0123456789abcdef";
        conf.keys[0].len = strlen((const char *)conf.keys[0].key);
        maplat_jwt_key_id(&conf.keys[0]);
        conf.nkeys = 1;
        conf.issuer = "maplat";
        conf.audience = "maplat-api";
    }
    apr_pool_create(&p, root);
    maplat_jwt_verify(p, &conf, (const char *)data, size, 1800000000, &c, &why);
    apr_pool_destroy(p);
    return 0;
}
