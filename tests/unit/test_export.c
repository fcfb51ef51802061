/* Unit tests of the export module's pure parts: CSV fields (RFC 4180 and
 * formula injection), download names and Content-Disposition (RFC 6266),
 * template names, and the document model built from a template. */
#include "unit.h"
#include "render.h"
#include <glib.h>
#include "apr_general.h"
#include "apr_strings.h"
#include <string.h>
#include <stdio.h>
#include <unistd.h>

static int streq(const char *a, const char *b)
{
    if (strcmp(a, b) != 0) {
        fprintf(stderr, "  got [%s]\n  want [%s]\n", a, b);
        return 0;
    }
    return 1;
}

static void names(apr_pool_t *p, const char *title, const char *want_ascii, const char *want_utf8)
{
    const char *a, *u;
    mx_download_names(p, title, "pdf", &a, &u);
    CHECK(streq(a, want_ascii));
    CHECK(streq(u, want_utf8));
}

int main(void)
{
    apr_pool_t *p;
    const char *a, *u, *cd;
    char big[400];

    apr_initialize();
    apr_pool_create(&p, NULL);

    /* CSV */
    CHECK(streq(mx_csv_field(p, "plain"), "plain"));
    CHECK(streq(mx_csv_field(p, ""), ""));
    CHECK(streq(mx_csv_field(p, NULL), ""));
    CHECK(streq(mx_csv_field(p, "a,b"), "\"a,b\""));
    CHECK(streq(mx_csv_field(p, "say \"hi\""), "\"say \"\"hi\"\"\""));
    CHECK(streq(mx_csv_field(p, "two\nlines"), "\"two\nlines\""));
    CHECK(streq(mx_csv_field(p, "=SUM(A1:A2)"), "\"'=SUM(A1:A2)\""));
    CHECK(streq(mx_csv_field(p, "+1"), "\"'+1\""));
    CHECK(streq(mx_csv_field(p, "-1"), "\"'-1\""));
    CHECK(streq(mx_csv_field(p, "@x"), "\"'@x\""));
    CHECK(streq(mx_csv_field(p, "\tx"), "\"'\tx\""));
    CHECK(streq(mx_csv_field(p, "\rx"), "\"'\rx\""));
    CHECK(streq(mx_csv_field(p, "=\"a\",b"), "\"'=\"\"a\"\",b\""));
    CHECK(streq(mx_csv_field(p, "a=b"), "a=b"));

    /* download names */
    names(p, "Project Falcon", "Project Falcon.pdf", "Project Falcon.pdf");
    names(p, "../../etc/passwd", "etc passwd.pdf", "etc passwd.pdf");
    names(p, "CR\r\nSet-Cookie: x", "CR Set-Cookie_ x.pdf", "CR Set-Cookie: x.pdf");
    names(p, "", "export.pdf", "export.pdf");
    names(p, "....", "export.pdf", "export.pdf");
    names(p, "a\"b\\c", "a_b c.pdf", "a\"b c.pdf");
    names(p, "Bilanz Müller €", "Bilanz M_ller.pdf", "Bilanz Müller €.pdf");
    names(p,
          "evil\xE2\x80\xAE"
          "fdp.exe",
          "evilfdp.exe.pdf", "evilfdp.exe.pdf");
    names(p, "bad \xff\xfe utf8", "bad utf8.pdf", "bad utf8.pdf");
    memset(big, 'x', 300);
    big[300] = 0;
    mx_download_names(p, big, "pdf", &a, &u);
    CHECK(strlen(a) == 104);
    CHECK(strlen(u) == 154);
    CHECK(!strchr(a, '/') && !strchr(u, '/'));

    /* Content-Disposition */
    /* a stored name that already has the extension keeps just one */
    names(p, "Project Falcon \xe2\x80\x94 deal report.pdf", "Project Falcon_ deal report.pdf",
          "Project Falcon \xe2\x80\x94 deal report.pdf");
    names(p, "notes.PDF", "notes.PDF", "notes.PDF");
    mx_download_names(p, "Q3 report: Müller/€", "docx", &a, &u);
    cd = mx_content_disposition(p, a, u);
    CHECK(streq(cd, "attachment; filename=\"Q3 report_ M_ller.docx\"; "
                    "filename*=UTF-8''Q3%20report%3A%20M%C3%BCller%20%E2%82%AC.docx"));
    CHECK(!strpbrk(cd, "\r\n"));

    /* template names */
    CHECK(mx_template_name_valid("deal_report"));
    CHECK(!mx_template_name_valid("../x"));
    CHECK(!mx_template_name_valid(""));
    CHECK(!mx_template_name_valid("Deal"));
    CHECK(!mx_template_name_valid(NULL));

    /* a template into the model: substitution, when=, tables, charts */
    {
        char path[] = "/tmp/maplat-test-tplXXXXXX";
        int fd = mkstemp(path);
        const char *tpl = "<?xml version='1.0'?><template title='{deal.name} report'>"
                          "<heading level='2'>{deal.name} {{literal}}</heading>"
                          "<paragraph when='deal.missing'>skipped</paragraph>"
                          "<paragraph>one\ntwo</paragraph>"
                          "<table source='rows'><column header='A' field='a'/>"
                          "<column header='B' field='b.c' format='fixed2'/></table>"
                          "<chart title='C' source='rows' category='a'><series name='S' field='b.c'/></chart>"
                          "</template>";
        json_object *data =
            json_tokener_parse("{\"deal\":{\"name\":\"Falcon\"},\"rows\":"
                               "[{\"a\":\"x\",\"b\":{\"c\":1.5}},{\"a\":\"y\",\"b\":{\"c\":2}}]}");
        mx_doc_t *d = NULL;
        const mx_block_t *b;
        CHECK(fd >= 0 && write(fd, tpl, strlen(tpl)) == (ssize_t)strlen(tpl));
        close(fd);
        CHECK(mx_build(p, path, data, &d) == NULL);
        CHECK(d && streq(d->title, "Falcon report"));
        CHECK(d && d->blocks->nelts == 5);
        if (d && d->blocks->nelts == 5) {
            b = (const mx_block_t *)d->blocks->elts;
            CHECK(b[0].kind == MX_HEADING && b[0].level == 2 && streq(b[0].text, "Falcon {literal}"));
            CHECK(b[1].kind == MX_PARAGRAPH && streq(b[1].text, "one"));
            CHECK(b[2].kind == MX_PARAGRAPH && streq(b[2].text, "two"));
            CHECK(b[3].kind == MX_TABLE && b[3].nrows == 2 && b[3].ncols == 2);
            CHECK(streq(b[3].cells[1][1], "2.00"));
            CHECK(b[4].kind == MX_CHART && b[4].ncat == 2 && b[4].values[0][0] == 1.5);
        }
        /* formats=: an element only for the listed job formats */
        {
            FILE *f = fopen(path, "w");
            json_object *job = json_tokener_parse("{\"format\":\"csv\"}");
            fputs("<template><table formats='csv' source='rows'><column header='raw' field='a'/></table>"
                  "<table formats='pdf, docx' source='rows'><column header='Nice' field='a'/></table>"
                  "<paragraph formats='docx'>only docx</paragraph><paragraph>always</paragraph></template>",
                  f);
            fclose(f);
            json_object_object_add(data, "job", job);
            d = NULL;
            CHECK(mx_build(p, path, data, &d) == NULL && d && d->blocks->nelts == 2);
            if (d && d->blocks->nelts == 2) {
                b = (const mx_block_t *)d->blocks->elts;
                CHECK(b[0].kind == MX_TABLE && streq(b[0].headers[0], "raw"));
                CHECK(b[1].kind == MX_PARAGRAPH && streq(b[1].text, "always"));
            }
            json_object_object_add(job, "format", json_object_new_string("docx"));
            d = NULL;
            CHECK(mx_build(p, path, data, &d) == NULL && d && d->blocks->nelts == 3);
            if (d && d->blocks->nelts == 3) {
                b = (const mx_block_t *)d->blocks->elts;
                CHECK(b[0].kind == MX_TABLE && streq(b[0].headers[0], "Nice"));
                CHECK(b[1].kind == MX_PARAGRAPH && streq(b[1].text, "only docx"));
            }
            json_object_object_del(data, "job"); /* no job.format: formats= elements are skipped */
            d = NULL;
            CHECK(mx_build(p, path, data, &d) == NULL && d && d->blocks->nelts == 1);
        }
        /* not well-formed, unknown elements, XXE: refused, no file read */
        {
            FILE *f = fopen(path, "w");
            const char *err;
            fputs("<?xml version='1.0'?><!DOCTYPE t [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
                  "<template><paragraph>&x;</paragraph></template>",
                  f);
            fclose(f);
            d = NULL;
            err = mx_build(p, path, data, &d);
            CHECK(err && strstr(err, "DOCTYPE"));
            f = fopen(path, "w");
            fputs("<template><script/></template>", f);
            fclose(f);
            CHECK(mx_build(p, path, data, &d) != NULL);
            f = fopen(path, "w");
            fputs("<template><heading>", f);
            fclose(f);
            CHECK(mx_build(p, path, data, &d) != NULL);
        }
        unlink(path);
        CHECK((a = mx_build(p, path, data, &d)) && strstr(a, "cannot be read"));
        json_object_put(data);
    }

    /* a JSON null with a format is "–" (a ratio that cannot be computed), a
     * missing value "", in cells and in bindings */
    {
        json_object *data = json_tokener_parse("{\"r\":[{\"p\":\"FY1\",\"x\":null,\"y\":1.5}],\"n\":null}");
        mx_doc_t *d = NULL;
        const char *t =
            "<template title='T'><paragraph>[{n|fixed2}][{n}][{missing|fixed2}]</paragraph>"
            "<table source='r'><column header='P' field='p'/><column header='X' field='x' format='fixed2'/>"
            "<column header='Y' field='y' format='fixed2'/><column header='Z' field='z' format='fixed2'/>"
            "<column header='X2' field='x'/></table></template>";
        CHECK(mx_build_mem(p, "nulls", t, strlen(t), data, &d) == NULL);
        if (d && d->blocks->nelts == 2) {
            const mx_block_t *b = (const mx_block_t *)d->blocks->elts;
            CHECK(streq(b[0].text, "[–][][]"));
            CHECK(b[1].nrows == 1 && streq(b[1].cells[0][1], "–") && streq(b[1].cells[0][2], "1.50") &&
                  streq(b[1].cells[0][3], "") && streq(b[1].cells[0][4], ""));
        }
        else {
            CHECK(0);
        }
        json_object_put(data);
    }

    /* percent, datetime and label; an unknown format fails the template, in a
     * {binding}, a format attribute and an element this job skips alike */
    {
        json_object *data = json_tokener_parse("{\"m\":0.2972,\"z\":-0.05,\"s\":\"due_diligence\","
                                               "\"u\":\"\u00e9tude_x\",\"t\":\"2026-12-06T02:33:09.123Z\","
                                               "\"r\":[{\"st\":\"in_progress\",\"g\":0.5}]}");
        mx_doc_t *d = NULL;
        const char *err;
        const char *t =
            "<template title='{t|datetime}'><paragraph>{m|percent} {z|percent} {s|label} {u|label} "
            "{t|date} {s|text} {{s|nope}}</paragraph>"
            "<table source='r'><column header='S' field='st' format='label'/>"
            "<column header='G' field='g' format='percent'/></table></template>";
        static const char *const bad[] = {
            "<template><paragraph>{m|percnt}</paragraph></template>",
            "<template title='{m|Fixed2}'/>",
            "<template><table source='r'><column header='S' field='st' format='lable'/></table></template>",
            "<template><paragraph when='missing' formats='csv'>{m|}</paragraph></template>",
            "<template><table source='r'><column header='{s|x\u00e9}' field='st'/></table></template>",
        };
        CHECK(mx_build_mem(p, "formats", t, strlen(t), data, &d) == NULL);
        if (d && d->blocks->nelts == 2) {
            const mx_block_t *b = (const mx_block_t *)d->blocks->elts;
            CHECK(streq(d->title, "2026-12-06 02:33 UTC"));
            CHECK(
                streq(b[0].text, "29.7% -5.0% Due diligence \u00e9tude x 2026-12-06 due_diligence {s|nope}"));
            CHECK(b[1].nrows == 1 && streq(b[1].cells[0][0], "In progress") &&
                  streq(b[1].cells[0][1], "50.0%"));
        }
        else {
            CHECK(0);
        }
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            err = mx_build_mem(p, "bad", bad[i], strlen(bad[i]), data, &d);
            CHECK(err && strstr(err, "unknown format") && g_utf8_validate(err, -1, NULL));
        }
        json_object_put(data);
    }

    /* templates in memory (mx_build_mem, what mx_build calls) */
    {
        json_object *data = json_tokener_parse("{\"d\":\"2026-01-0\u20ac!\",\"v\":1e300,\"w\":-1234567.5}");
        mx_doc_t *d = NULL;
        const char *err;
        static const char *const doctypes[] = {
            /* external general entity (XXE) */
            "<!DOCTYPE template [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><template title='&x;'/>",
            /* external parameter entity */
            "<!DOCTYPE template [<!ENTITY % p SYSTEM 'file:///etc/passwd'> %p;]><template/>",
            /* external DTD */
            "<!DOCTYPE template SYSTEM 'http://127.0.0.1:1/x.dtd'><template/>",
            /* internal entities: a few bytes that expand to many (xmlNodeGetContent) */
            ("<!DOCTYPE template [<!ENTITY a 'aaaaaaaaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;'>]>"
             "<template><paragraph>&b;&b;&b;&b;&b;&b;&b;&b;</paragraph></template>"),
        };
        const char *ok = "<template title='{d|date}'><paragraph>{v|money}</paragraph>"
                         "<paragraph>{w|money} {w|fixed2}</paragraph></template>";

        CHECK(mx_build_mem(p, "t", ok, strlen(ok), data, &d) == NULL);
        if (d && d->blocks->nelts == 2) {
            const mx_block_t *b = (const mx_block_t *)d->blocks->elts;
            /* |date never splits a UTF-8 sequence */
            CHECK(streq(d->title, "2026-01-0"));
            /* |money keeps every digit of large values: 301 digits, 100 commas, ".00" */
            CHECK(strlen(b[0].text) == 404 && strncmp(b[0].text, "1,000,000,000,", 14) == 0);
            CHECK(streq(b[1].text, "-1,234,567.50 -1234567.50"));
        }
        for (size_t i = 0; i < sizeof(doctypes) / sizeof(doctypes[0]); i++) {
            err = mx_build_mem(p, "t", doctypes[i], strlen(doctypes[i]), data, &d);
            CHECK(err && strstr(err, "has a DOCTYPE"));
        }
        CHECK((err = mx_build_mem(p, "t", "", 0, data, &d)) && strstr(err, "not well-formed"));
        CHECK((err = mx_build_mem(p, "t", "<template>", 10, data, &d)) && strstr(err, "not well-formed"));
        /* libxml2 quotes the broken name; the error (the job's, a PostgreSQL text) stays UTF-8 */
        CHECK((err = mx_build_mem(p, "t", "<te\xffmplate>", 11, data, &d)) &&
              strstr(err, "te\xef\xbf\xbdmplate") && g_utf8_validate(err, -1, NULL));
        /* the buffer needs no NUL: only len bytes are read */
        CHECK(mx_build_mem(p, "t", "<template/>XXXX", 11, data, &d) == NULL);
        json_object_put(data);
    }

    apr_pool_destroy(p);
    apr_terminate();
    UNIT_DONE();
}
