/* Unit tests of the text helpers (modules/common/text.c). */
#include <glib.h>
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

    {
        /* query strings as browsers encode them (application/x-www-form-urlencoded) */
        apr_table_t *t;
        const char *bad;
#define Q(args) (maplat_query_parse(p, (args), &t, &bad) == 0)
#define GET(k) apr_table_get(t, (k))
#define EQ(k, v) (GET(k) && strcmp(GET(k), (v)) == 0)
        CHECK(Q("q=project+falcon") && EQ("q", "project falcon"));
        CHECK(Q("q=project%20falcon") && EQ("q", "project falcon"));
        CHECK(Q("q=a%2Bb") && EQ("q", "a+b")); /* %2B stays a literal plus */
        CHECK(Q("q=a%2bb") && EQ("q", "a+b")); /* either case of hex digits */
        CHECK(Q("q=100%25") && EQ("q", "100%"));
        CHECK(Q("q=%C3%9Cber+%E2%82%AC") && EQ("q", "\xc3\x9c"
                                                    "ber \xe2\x82\xac"));
        CHECK(Q("q=%c3%bc") && EQ("q", "\xc3\xbc"));
        CHECK(Q("q=a%26b%3Dc&x=1") && EQ("q", "a&b=c") && EQ("x", "1"));
        CHECK(Q("my+key=v") && EQ("my key", "v"));            /* names are decoded too */
        CHECK(Q("a=1&a=2") && EQ("a", "2"));                  /* the last one wins */
        CHECK(Q("flag&x=") && EQ("flag", "") && EQ("x", "")); /* no '=' or empty: "" */
        CHECK(Q("a=x=y") && EQ("a", "x=y"));                  /* only the first '=' splits */
        CHECK(Q("&&a=1&") && EQ("a", "1") && apr_table_elts(t)->nelts == 1);
        CHECK(Q("=orphan") && apr_table_elts(t)->nelts == 0); /* no name: ignored */
        CHECK(Q("") && apr_table_elts(t)->nelts == 0);
        CHECK(Q(NULL) && apr_table_elts(t)->nelts == 0);
        CHECK(Q("q=%2F..%2Fetc") && EQ("q", "/../etc")); /* %2F is a slash like any byte */
        /* refused: a bad escape, NUL, invalid UTF-8 — naming the parameter */
        CHECK(!Q("q=%") && strcmp(bad, "q") == 0);
        CHECK(!Q("q=%4") && strcmp(bad, "q") == 0);
        CHECK(!Q("q=%zz") && strcmp(bad, "q") == 0);
        CHECK(!Q("q=abc%G1") && strcmp(bad, "q") == 0);
        CHECK(!Q("x=1&q=%00") && strcmp(bad, "q") == 0);
        CHECK(!Q("q=%FF") && strcmp(bad, "q") == 0);
        CHECK(!Q("q=%C3") && strcmp(bad, "q") == 0);          /* truncated sequence */
        CHECK(!Q("q=%C0%AF") && strcmp(bad, "q") == 0);       /* overlong '/' */
        CHECK(!Q("q=%ED%A0%80") && strcmp(bad, "q") == 0);    /* a surrogate */
        CHECK(!Q("q=%F4%90%80%80") && strcmp(bad, "q") == 0); /* above U+10FFFF */
        CHECK(!Q("q=\xff") && strcmp(bad, "q") == 0);         /* a raw invalid byte */
        CHECK(!Q("%zz=1") && strcmp(bad, "query") == 0);      /* the name itself is bad */
        CHECK(!Q("a%00b=1") && strcmp(bad, "query") == 0);
        CHECK(!Q("=%") && strcmp(bad, "query") == 0); /* no name, bad value */
#undef Q
#undef GET
#undef EQ
    }

    /* e-mail addresses: the one rule of the server and maplat-admin */
    {
        char *e;
#define EMAIL_IS(in, want)                                                                                   \
    (e = maplat_email_normalize_dup(in), ok_email = e && strcmp(e, want) == 0, g_free(e), ok_email)
        int ok_email;
        CHECK(EMAIL_IS("  Admin@ACME.example\t", "admin@acme.example"));
        CHECK(EMAIL_IS("\xef\xbd\x81@x.example", "a@x.example")); /* NFKC: fullwidth a */
        CHECK(!maplat_email_normalize_dup("no-at-sign"));
        CHECK(!maplat_email_normalize_dup("a@b@c"));
        CHECK(!maplat_email_normalize_dup("a b@c.example"));
        CHECK(!maplat_email_normalize_dup("@c.example"));
        CHECK(!maplat_email_normalize_dup("a@"));
        CHECK(!maplat_email_normalize_dup("\xff@x.example"));
        CHECK(!maplat_email_normalize_dup(NULL));
#undef EMAIL_IS
    }

    apr_pool_destroy(p);
    apr_terminate();
    UNIT_DONE();
}
