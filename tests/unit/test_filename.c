/* Unit tests of upload file names (modules/api/filename.c): what is kept of a
 * client's ?filename=, and the Content-Disposition downloads send. */
#include "apr_general.h"
#include "filename.h"
#include "unit.h"
#include <string.h>

static int eq(const char *a, const char *b)
{
    return a && b ? strcmp(a, b) == 0 : a == b;
}

int main(void)
{
    apr_pool_t *p;
    char longname[1200];
    const char *c;
    apr_initialize();
    apr_pool_create(&p, NULL);

    CHECK(eq(files_clean_name(p, "report.pdf"), "report.pdf"));
    CHECK(eq(files_clean_name(p, "../../etc/passwd"), "passwd"));
    CHECK(eq(files_clean_name(p, "C:\\Users\\me\\memo.docx"), "memo.docx"));
    CHECK(eq(files_clean_name(p, "a\r\nSet-Cookie: x=1"), "a__Set-Cookie: x=1"));
    CHECK(eq(files_clean_name(p, "  padded.txt  "), "padded.txt"));
    CHECK(eq(files_clean_name(p, "dots..."), "dots"));
    CHECK(eq(files_clean_name(p, "dir/"), NULL));
    CHECK(eq(files_clean_name(p, ".."), NULL));
    CHECK(eq(files_clean_name(p, ""), NULL));
    CHECK(eq(files_clean_name(p, "\xc3\x9cnic\xc3\xb8"
                                 "de \xe6\x96\x87.txt"),
             "\xc3\x9cnic\xc3\xb8"
             "de \xe6\x96\x87.txt"));
    /* at most 255 characters, never a cut UTF-8 sequence */
    memset(longname, 'n', 1000);
    strcpy(longname + 1000, ".txt");
    c = files_clean_name(p, longname);
    CHECK(c && strlen(c) == 255);
    for (int i = 0; i < 300; i++) {
        memcpy(longname + 3 * i, "\xe6\x96\x87", 3);
    }
    longname[900] = 0;
    c = files_clean_name(p, longname);
    CHECK(c && strlen(c) == 255 * 3);

    CHECK(eq(files_disposition(p, "report.pdf"),
             "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"));
    CHECK(eq(files_disposition(p, "a \"b\";c%.txt"),
             "attachment; filename=\"a _b__c_.txt\"; filename*=UTF-8''a%20%22b%22%3Bc%25.txt"));
    CHECK(eq(files_disposition(p, "back\\slash"),
             "attachment; filename=\"back_slash\"; filename*=UTF-8''back%5Cslash"));
    CHECK(eq(files_disposition(p, "\xc3\x9c.txt"),
             "attachment; filename=\"_.txt\"; filename*=UTF-8''%C3%9C.txt"));
    CHECK(eq(files_disposition(p, "\xf0\x9f\x98\x80"),
             "attachment; filename=\"_\"; filename*=UTF-8''%F0%9F%98%80"));

    apr_pool_destroy(p);
    apr_terminate();
    UNIT_DONE();
}
