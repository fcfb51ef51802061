/*
 * libFuzzer target for the JSON body parser (UTF-8, duplicate keys, depth).
 *   ./configure --enable-fuzzing CC=clang && make fuzz/fuzz_json
 *   fuzz/fuzz_json -max_total_time=300 fuzz/corpus/json
 * The corpus is replayed by `make check` through fuzz/replay.c.
 */
#include "maplat.h"
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_object *o = NULL;
    const char *why = NULL;
    if (maplat_json_parse((const char *)data, size, 32, &o, &why) == 0) {
        /* whatever was accepted must serialise and parse back the same */
        size_t len = 0;
        const char *text = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
        json_object *again = NULL;
        if (o && (maplat_json_parse(text, len, 33, &again, &why) != 0 || !json_object_equal(o, again))) {
            __builtin_trap();
        }
        json_object_put(again);
    }
    json_object_put(o);
    return 0;
}
