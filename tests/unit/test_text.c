/* Unit tests of the text helpers (modules/common/text.c). */
#include "maplat.h"
#include "unit.h"
#include <string.h>

int main(void)
{
    apr_pool_t *p;
    const char *u1, *u2;
    char big[80];

    apr_initialize();
    apr_pool_create(&p, NULL);

    CHECK(maplat_uuid_valid("7b0c4a5e-9d1f-4c2a-8f3e-1a2b3c4d5e6f"));
    CHECK(maplat_uuid_valid("7B0C4A5E-9D1F-4C2A-8F3E-1A2B3C4D5E6F"));
    CHECK(!maplat_uuid_valid("7b0c4a5e9d1f4c2a8f3e1a2b3c4d5e6f"));
    CHECK(!maplat_uuid_valid("7b0c4a5e-9d1f-4c2a-8f3e-1a2b3c4d5e6"));
    CHECK(!maplat_uuid_valid("7b0c4a5e-9d1f-4c2a-8f3e-1a2b3c4d5e6fa"));
    CHECK(!maplat_uuid_valid("7b0c4a5e-9d1f-4c2a-8f3e-1a2b3c4d5e6g"));
    CHECK(!maplat_uuid_valid("7b0c4a5e-9d1f-4c2a-8f3e_1a2b3c4d5e6f"));
    CHECK(!maplat_uuid_valid("' OR 1=1--"));
    CHECK(!maplat_uuid_valid(""));
    CHECK(!maplat_uuid_valid(NULL));

    u1 = maplat_uuid_new(p);
    u2 = maplat_uuid_new(p);
    CHECK(maplat_uuid_valid(u1) && maplat_uuid_valid(u2) && strcmp(u1, u2) != 0);
    CHECK(u1[14] == '4');
    CHECK(strchr("89ab", u1[19]) != NULL);

    CHECK(maplat_correlation_id_valid("abc-123_X.y"));
    CHECK(maplat_correlation_id_valid("a"));
    CHECK(!maplat_correlation_id_valid(""));
    CHECK(!maplat_correlation_id_valid(NULL));
    CHECK(!maplat_correlation_id_valid("has space"));
    CHECK(!maplat_correlation_id_valid("crlf\r\nX-Injected: 1"));
    CHECK(!maplat_correlation_id_valid("a/b"));
    memset(big, 'a', 64);
    big[64] = 0;
    CHECK(maplat_correlation_id_valid(big));
    big[64] = 'a';
    big[65] = 0;
    CHECK(!maplat_correlation_id_valid(big));

    {
        apr_int64_t v = 0;
        CHECK(maplat_parse_int("20", 1, 100, &v) == 0 && v == 20);
        CHECK(maplat_parse_int("-5", -10, 10, &v) == 0 && v == -5);
        CHECK(maplat_parse_int("0", 1, 100, &v) != 0);
        CHECK(maplat_parse_int("101", 1, 100, &v) != 0);
        CHECK(maplat_parse_int("", 1, 100, &v) != 0);
        CHECK(maplat_parse_int("-", -1, 1, &v) != 0);
        CHECK(maplat_parse_int("+5", 1, 100, &v) != 0);
        CHECK(maplat_parse_int(" 5", 1, 100, &v) != 0);
        CHECK(maplat_parse_int("5s", 1, 100, &v) != 0);
        CHECK(maplat_parse_int("abc", 1, 100, &v) != 0);
        CHECK(maplat_parse_int("9223372036854775808", 1, APR_INT64_MAX, &v) != 0); /* 2^63 */
        CHECK(maplat_parse_int("99999999999999999999999", 1, APR_INT64_MAX, &v) != 0);
        CHECK(maplat_parse_int(NULL, 1, 100, &v) != 0);
    }

    apr_pool_destroy(p);
    apr_terminate();
    UNIT_DONE();
}
