/* Unit tests of the strict JSON parser (modules/common/json.c). */
#include "maplat.h"
#include "unit.h"
#include <string.h>

static int ok(const char *s)
{
    json_object *o = NULL;
    const char *why = NULL;
    int rc = maplat_json_parse(s, strlen(s), 32, &o, &why);
    json_object_put(o);
    return rc == 0;
}

static int okn(const char *s, size_t n)
{
    json_object *o = NULL;
    const char *why = NULL;
    int rc = maplat_json_parse(s, n, 32, &o, &why);
    json_object_put(o);
    return rc == 0;
}

/* "[1,1,...]" with n elements, or {"k0":0,...} with n members */
static char *many(int n, int object)
{
    char *s = malloc((size_t)n * 16 + 4), *o = s;
    *o++ = object ? '{' : '[';
    for (int i = 0; i < n; i++) {
        o += object ? sprintf(o, "%s\"k%d\":0", i ? "," : "", i) : sprintf(o, "%s1", i ? "," : "");
    }
    *o++ = object ? '}' : ']';
    *o = 0;
    return s;
}

static void value_limits(void)
{
    char *s;
    /* at most MAPLAT_JSON_MAX_VALUES elements and members in all */
    s = many(MAPLAT_JSON_MAX_VALUES, 1);
    CHECK(ok(s));
    free(s);
    s = many(MAPLAT_JSON_MAX_VALUES + 1, 1);
    CHECK(!ok(s));
    free(s);
    s = many(10000, 1); /* 10k keys */
    CHECK(!ok(s));
    free(s);
    s = many(MAPLAT_JSON_MAX_VALUES - 1, 0); /* the array plus the elements */
    CHECK(ok(s));
    free(s);
    s = many(1000000, 0); /* a million elements */
    CHECK(!ok(s));
    free(s);
    /* commas and brackets inside strings are not values */
    s = malloc(30000);
    strcpy(s, "{\"a\":\"");
    for (int i = 0; i < 9000; i++) {
        memcpy(s + 6 + 3 * i, ",[{", 3);
    }
    strcpy(s + 6 + 3 * 9000, "\\\",\"}"); /* an escaped quote, a comma, the end of the string */
    CHECK(ok(s));
    free(s);
    CHECK(ok("{\"a\":[],\"b\":{},\"c\":[ ],\"d\":{ }}"));
}

int main(void)
{
    char *deep;
    json_object *o = NULL;
    const char *why = NULL;

    /* accepted */
    CHECK(ok("{}"));
    CHECK(ok("{\"a\":1,\"b\":[1,2,{\"c\":null}],\"d\":\"x\"}"));
    CHECK(ok("  {\"a\": \"caf\xc3\xa9\"}\n"));
    CHECK(ok("{\"a\":\"\\u00e9\\ud83d\\ude00\"}")); /* valid surrogate pair */
    CHECK(ok("{\"a\":{\"a\":1},\"b\":{\"a\":2}}")); /* same key, other objects */
    CHECK(ok("{\"k\\\"q\":1,\"k\":2}"));            /* escaped quote in key */
    CHECK(ok("{\"a\":\"x:y\",\"b\":\"\\\\\"}"));
    CHECK(ok("[1,2,3]")); /* not an object: caller decides */
    CHECK(ok("{\"a\":1.5e3,\"b\":-0.25,\"c\":true,\"d\":false}"));
    CHECK(ok("{\"a\":0,\"b\":-0,\"c\":0.05,\"d\":100,\"e\":1.005,\"f\":1e05,\"g\":2E-007,\"h\":3e+01}"));
    CHECK(ok("[0,10,0.0,-0.5]"));
    /* any JSON text (RFC 8259 §2), with or without whitespace around it: the
     * body reader (modules/core/body.c) is the one that wants an object */
    CHECK(ok("0"));
    CHECK(ok("0  "));
    CHECK(ok(" -1.5e3"));
    CHECK(ok("12\n"));
    CHECK(ok("\"s\""));
    CHECK(ok("true"));
    CHECK(ok("null "));
    CHECK(!ok("-"));
    CHECK(!ok("1e"));
    CHECK(!ok("1.")); /* json-c takes these */
    CHECK(!ok("[1.]"));
    CHECK(!ok("{\"a\":1.e5}"));
    /* single-quoted strings: json-c takes them, JSON has none (found by fuzz_json:
     * the quote inside hid the "1." that follows from the lexical pass) */
    CHECK(!ok("{'a':1}"));
    CHECK(!ok("['a']"));
    CHECK(!ok("{'\"a\":\"':1.}"));
    CHECK(ok("{\"it's\":\"'quoted'\"}"));
    CHECK(ok("[\"1.\"]")); /* in a string it is text */
    CHECK(!ok("0 1"));
    CHECK(!ok("[1] 2"));
    CHECK(!ok("\"s"));
    CHECK(!ok("tru"));
    /* what is accepted serialises to text that is accepted and equal (the
     * property fuzz/fuzz_json checks; "0  " once broke it: "0" was refused) */
    {
        static const char *const texts[] = {"0  ", "0", "-0", "1.5e3\t", "\"\\u00e9\"", "[0]", "{\"a\":0} "};
        for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
            json_object *a = NULL, *b = NULL;
            size_t n = 0;
            const char *text;
            CHECK(maplat_json_parse(texts[i], strlen(texts[i]), 32, &a, &why) == 0);
            text = json_object_to_json_string_length(a, JSON_C_TO_STRING_PLAIN, &n);
            CHECK(maplat_json_parse(text, n, 32, &b, &why) == 0);
            CHECK(json_object_equal(a, b));
            json_object_put(a);
            json_object_put(b);
        }
    }

    /* malformed */
    CHECK(!ok(""));
    CHECK(!ok("{"));
    CHECK(!ok("{\"a\":1,}"));
    CHECK(!ok("{\"a\":1} x"));
    CHECK(!ok("{\"a\":1}{}"));
    CHECK(!ok("{'a':1}"));
    CHECK(!ok("{\"a\":NaN}"));
    CHECK(!ok("{\"a\":Infinity}"));
    CHECK(!ok("{/* c */\"a\":1}"));
    CHECK(!ok("{\"a\":1 // c\n}"));
    CHECK(!ok("\xef\xbb\xbf{\"a\":1}")); /* BOM */
    CHECK(!ok("{a:1}"));
    CHECK(!ok("{\"a\":01}"));
    CHECK(!ok("00")); /* leading zeros (RFC 8259 §6) */
    CHECK(!ok("[00]"));
    CHECK(!ok("{\"a\":-00.5}"));
    CHECK(!ok("[0,01]"));
    CHECK(!ok("{\"a\":-012e3}"));

    /* UTF-8 */
    CHECK(!ok("{\"a\":\"\xff\"}"));
    CHECK(!ok("{\"a\":\"\xc0\xaf\"}"));         /* overlong '/' */
    CHECK(!ok("{\"a\":\"\xe0\x80\xaf\"}"));     /* overlong */
    CHECK(!ok("{\"a\":\"\xed\xa0\x80\"}"));     /* raw surrogate */
    CHECK(!ok("{\"a\":\"\xf4\x90\x80\x80\"}")); /* > U+10FFFF */
    CHECK(!ok("{\"\xff\":1}"));
    CHECK(!ok("{\"a\":\"\\ud800\"}")); /* lone surrogate escape */
    CHECK(!ok("{\"a\":\"\\udc00x\"}"));
    CHECK(!ok("{\"a\":\"x\\u0000y\"}")); /* NUL is refused */
    CHECK(!ok("{\"\\u0000\":1}"));
    CHECK(!okn("{\"a\":\"x\0\"}", 9)); /* raw NUL byte */
    CHECK(!ok("{\"a\":\"x\x01y\"}"));  /* raw control character */
    CHECK(!ok("{\"a\":\"x\ny\"}"));
    CHECK(!ok("{\"a\x1f\":1}"));
    CHECK(ok("{\"a\":\"x\\ny\\t\"}")); /* escaped ones are fine */

    /* duplicate keys */
    CHECK(!ok("{\"a\":1,\"a\":2}"));
    CHECK(!ok("{\"a\":1,\"\\u0061\":2}")); /* same key, escaped */
    CHECK(!ok("{\"x\":{\"a\":{\"b\":1},\"a\":{\"b\":2}}}"));
    CHECK(!ok("[{\"a\":1},{\"b\":1,\"b\":1}]"));

    /* depth */
    deep = malloc(200001);
    memset(deep, '[', 100000);
    memset(deep + 100000, ']', 100000);
    deep[200000] = 0;
    CHECK(!ok(deep));
    free(deep);
    CHECK(maplat_json_parse("{\"a\":{\"b\":{\"c\":1}}}", 19, 3, &o, &why) == 0);
    json_object_put(o);
    o = NULL;
    CHECK(maplat_json_parse("{\"a\":{\"b\":{\"c\":[1]}}}", 21, 3, &o, &why) != 0);
    CHECK(why && strstr(why, "deep"));
    CHECK(o == NULL);
    value_limits();
    UNIT_DONE();
}
