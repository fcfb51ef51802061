/*
 * libFuzzer target for upload file names (modules/api/filename.c): whatever a
 * client sends as ?filename= (the router has decoded it; the fuzzer also
 * tries what it would refuse), the kept name has no control character and no
 * path separator, is at most 255 characters (1020 bytes), and the Content-Disposition
 * built from it is printable ASCII without CR/LF.
 *   ./configure --enable-fuzzing CC=clang && make fuzz/fuzz_filename
 *   fuzz/fuzz_filename -max_total_time=300 fuzz/corpus/filename
 */
#include "apr_general.h"
#include "filename.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static apr_pool_t *root;
    apr_pool_t *p;
    char *in;
    const char *name, *cd;

    if (!root) {
        apr_initialize();
        apr_pool_create(&root, NULL);
    }
    apr_pool_create(&p, root);
    in = apr_palloc(p, size + 1);
    memcpy(in, data, size);
    in[size] = 0;
    name = files_clean_name(p, in);
    if (name) {
        for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
            if (*s < 0x20 || *s == 0x7f || *s == '/' || *s == '\\') {
                abort();
            }
        }
        /* 255 characters of at most 4 bytes */
        if (strlen(name) > 255 * 4 || !*name) {
            abort();
        }
        cd = files_disposition(p, name);
        for (const unsigned char *s = (const unsigned char *)cd; *s; s++) {
            if (*s < 0x20 || *s >= 0x7f) {
                abort();
            }
        }
    }
    apr_pool_destroy(p);
    return 0;
}
