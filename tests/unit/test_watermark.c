/*
 * maplat_pdf_watermark (modules/api/watermark.c): a multi-page PDF made here
 * with cairo is watermarked; poppler and pdftotext must then find, on every
 * page, the viewer's e-mail, the time and the address AND the page's own
 * text, with page count and sizes unchanged. Bad inputs (missing, empty, not
 * a PDF, encrypted, truncated, garbled) give -1 with a message and never
 * crash; a destination that cannot be written gives -1; threads watermark
 * at once.
 */
#include "apr_general.h"
#include "apr_strings.h"
#include "apr_thread_proc.h"
#include "unit.h"
#include "watermark.h"
#include <cairo-pdf.h>
#include <cairo.h>
#include <poppler.h>
#include <string.h>
#include <unistd.h>

#define NPAGES 5
#define EMAIL "viewer.one@acme.example"
#define WHEN "2026-12-06 22:41 UTC"
#define ADDR "203.0.113.77"

static const maplat_watermark_t WM = {EMAIL, WHEN, ADDR};
static char dir[256];

/* page i's size: A4 portrait, US letter landscape, a small square */
static void size_of(int i, double *w, double *h)
{
    static const double s[3][2] = {{595.28, 841.89}, {792, 612}, {300, 300}};
    *w = s[i % 3][0];
    *h = s[i % 3][1];
}

static void make_pdf(const char *path, int npages)
{
    double w, h;
    cairo_surface_t *s;
    cairo_t *cr;
    char line[64];

    size_of(0, &w, &h);
    s = cairo_pdf_surface_create(path, w, h);
    cr = cairo_create(s);
    for (int i = 0; i < npages; i++) {
        size_of(i, &w, &h);
        cairo_pdf_surface_set_size(s, w, h);
        cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
        cairo_set_font_size(cr, 12);
        cairo_set_source_rgb(cr, 0, 0, 0);
        snprintf(line, sizeof(line), "Original revenue table page%d", i + 1);
        cairo_move_to(cr, 30, 40);
        cairo_show_text(cr, line);
        cairo_move_to(cr, 30, 60);
        cairo_show_text(cr, "EBITDA margin 18.4 percent");
        cairo_rectangle(cr, 30, 80, w / 3, h / 5);
        cairo_set_source_rgb(cr, 0.2, 0.4, 0.8);
        cairo_fill(cr);
        cairo_show_page(cr);
    }
    cairo_destroy(cr);
    cairo_surface_destroy(s);
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        if (len) {
            fwrite(data, 1, len, f);
        }
        fclose(f);
    }
}

/* The whole file at path in p (NUL-terminated), NULL when it cannot be read. */
static char *read_file(apr_pool_t *p, const char *path, apr_size_t *len)
{
    apr_file_t *f;
    apr_finfo_t fi;
    char *buf;
    *len = 0;
    if (apr_file_open(&f, path, APR_FOPEN_READ, APR_OS_DEFAULT, p) != APR_SUCCESS) {
        return NULL;
    }
    if (apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS) {
        apr_file_close(f);
        return NULL;
    }
    buf = apr_palloc(p, (apr_size_t)fi.size + 1);
    if (fi.size && apr_file_read_full(f, buf, (apr_size_t)fi.size, len) != APR_SUCCESS) {
        apr_file_close(f);
        return NULL;
    }
    buf[*len] = 0;
    apr_file_close(f);
    return buf;
}

/* Watermarks src into dst; returns rc, *pages and *err as the function does. */
static int run(apr_pool_t *p, const char *src, const char *dst, int *pages, const char **err)
{
    apr_file_t *f;
    int rc;
    if (apr_file_open(&f, dst, APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_TRUNCATE, APR_OS_DEFAULT, p) !=
        APR_SUCCESS) {
        *err = "cannot open the destination";
        return -2;
    }
    rc = maplat_pdf_watermark(p, src, f, &WM, pages, err);
    apr_file_close(f);
    return rc;
}

/* Every page of the copy at path: same count and sizes as make_pdf's, the
 * page's own text and the three stamp values (poppler's text extraction). */
static void check_copy(const char *path, int npages)
{
    gchar *uri = g_filename_to_uri(path, NULL, NULL);
    GError *e = NULL;
    PopplerDocument *doc = poppler_document_new_from_file(uri, NULL, &e);
    g_free(uri);
    CHECK(doc != NULL);
    if (!doc) {
        fprintf(stderr, "cannot open %s: %s\n", path, e ? e->message : "?");
        g_clear_error(&e);
        return;
    }
    CHECK(poppler_document_get_n_pages(doc) == npages);
    for (int i = 0; i < poppler_document_get_n_pages(doc); i++) {
        PopplerPage *pg = poppler_document_get_page(doc, i);
        double w, h, ew, eh;
        char own[64];
        gchar *text = poppler_page_get_text(pg);
        poppler_page_get_size(pg, &w, &h);
        size_of(i, &ew, &eh);
        CHECK(w > ew - 0.01 && w < ew + 0.01);
        CHECK(h > eh - 0.01 && h < eh + 0.01);
        snprintf(own, sizeof(own), "Original revenue table page%d", i + 1);
        CHECK(text && strstr(text, own));
        CHECK(text && strstr(text, "EBITDA margin 18.4 percent"));
        CHECK(text && strstr(text, EMAIL));
        CHECK(text && strstr(text, WHEN));
        CHECK(text && strstr(text, ADDR));
        if (!text || !strstr(text, EMAIL) || !strstr(text, own)) {
            fprintf(stderr, "page %d text:\n%s\n", i + 1, text ? text : "(null)");
        }
        g_free(text);
        g_object_unref(pg);
    }
    g_object_unref(doc);
}

/* The same with pdftotext (poppler-utils), page by page. */
static void check_pdftotext(apr_pool_t *p, const char *path, int npages)
{
    for (int i = 1; i <= npages; i++) {
        const char *txt = apr_psprintf(p, "%s/page%d.txt", dir, i);
        const char *cmd = apr_psprintf(p, "pdftotext -q -f %d -l %d '%s' '%s'", i, i, path, txt);
        apr_size_t len;
        char *t;
        CHECK(system(cmd) == 0);
        t = read_file(p, txt, &len);
        CHECK(t && strstr(t, EMAIL) && strstr(t, WHEN) && strstr(t, ADDR));
        CHECK(t && strstr(t, apr_psprintf(p, "Original revenue table page%d", i)));
    }
}

/* A PDF whose standard security handler needs a password (the user
 * password check fails for the empty one): poppler refuses to open it. */
static void make_encrypted(const char *path)
{
    char buf[2048];
    long off[6];
    int n = 0;
    const char *objs[] = {
        "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n",
        "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n",
        "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >> endobj\n",
        "4 0 obj << /Length 8 >> stream\nxxxxxxxx\nendstream endobj\n",
        "5 0 obj << /Filter /Standard /V 1 /R 2 /P -44"
        " /O <0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef>"
        " /U <fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210> >> endobj\n"};
    n = snprintf(buf, sizeof(buf), "%%PDF-1.4\n");
    for (int i = 0; i < 5; i++) {
        off[i] = n;
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s", objs[i]);
    }
    off[5] = n;
    n += snprintf(buf + n, sizeof(buf) - (size_t)n, "xref\n0 6\n0000000000 65535 f \n");
    for (int i = 0; i < 5; i++) {
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%010ld 00000 n \n", off[i]);
    }
    n += snprintf(buf + n, sizeof(buf) - (size_t)n,
                  "trailer << /Size 6 /Root 1 0 R /Encrypt 5 0 R"
                  " /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>] >>\n"
                  "startxref\n%ld\n%%%%EOF\n",
                  off[5]);
    write_file(path, buf, (size_t)n);
}

typedef struct {
    const char *src, *dst;
    int rc, pages;
} job_t;

static void *APR_THREAD_FUNC thread_main(apr_thread_t *t, void *d)
{
    job_t *j = d;
    apr_pool_t *p;
    const char *err;
    apr_pool_create(&p, NULL);
    for (int k = 0; k < 3 && j->rc == 0; k++) {
        j->rc = run(p, j->src, j->dst, &j->pages, &err);
    }
    apr_pool_destroy(p);
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

int main(void)
{
    apr_pool_t *p;
    const char *src, *out, *err;
    char *orig;
    apr_size_t len;
    int pages, rc;

    apr_initialize();
    apr_pool_create(&p, NULL);
    snprintf(dir, sizeof(dir), "%s/maplat-wm-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return EXIT_FAILURE;
    }
    src = apr_pstrcat(p, dir, "/orig.pdf", NULL);
    out = apr_pstrcat(p, dir, "/copy.pdf", NULL);
    make_pdf(src, NPAGES);

    /* the copy: every page stamped, own text kept, sizes and count kept */
    rc = run(p, src, out, &pages, &err);
    CHECK(rc == 0);
    if (rc != 0) {
        fprintf(stderr, "watermark failed: %s\n", err);
    }
    CHECK(pages == NPAGES);
    check_copy(out, NPAGES);
    check_pdftotext(p, out, NPAGES);

    /* bad inputs: -1 with a message, nothing else */
    {
        const char *bad = apr_pstrcat(p, dir, "/bad", NULL);
        CHECK(run(p, apr_pstrcat(p, dir, "/missing.pdf", NULL), out, &pages, &err) == -1 && err &&
              pages == 0);
        write_file(bad, "", 0);
        CHECK(run(p, bad, out, &pages, &err) == -1 && err && strstr(err, "empty"));
        write_file(bad, "PK\3\4 this is a zip file, not a PDF\n", 36);
        CHECK(run(p, bad, out, &pages, &err) == -1 && err && strstr(err, "not a PDF"));
        write_file(bad, "%PDF-1.4\n", 9);
        CHECK(run(p, bad, out, &pages, &err) == -1 && err && pages == 0);
        make_encrypted(bad);
        rc = run(p, bad, out, &pages, &err);
        CHECK(rc == -1 && err && strstr(err, "encrypted"));
        if (rc != -1 || !err || !strstr(err, "encrypted")) {
            fprintf(stderr, "encrypted: rc %d, %s\n", rc, err ? err : "(no error)");
        }
    }

    /* damaged copies of the good PDF: truncated and garbled, never a crash;
     * a success is a real copy, a failure says why */
    orig = read_file(p, src, &len);
    CHECK(orig && len > 1000);
    if (orig && len > 1000) {
        const char *bad = apr_pstrcat(p, dir, "/damaged.pdf", NULL);
        static const double cuts[] = {0.02, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99};
        unsigned seed = 12345;
        for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
            write_file(bad, orig, (size_t)(len * cuts[i]));
            rc = run(p, bad, out, &pages, &err);
            CHECK((rc == 0 && pages > 0 && !err) || (rc == -1 && err && pages == 0));
        }
        for (int round = 0; round < 12; round++) {
            char *g = apr_pmemdup(p, orig, len);
            for (int k = 0; k < 20 + round * 10; k++) {
                seed = seed * 1103515245u + 12345u;
                g[(seed >> 8) % len] = (char)(seed >> 16);
            }
            write_file(bad, g, len);
            rc = run(p, bad, out, &pages, &err);
            CHECK((rc == 0 && pages > 0 && !err) || (rc == -1 && err && pages == 0));
        }
    }

    /* a destination that cannot be written */
    {
        apr_file_t *ro;
        write_file(out, "x", 1);
        CHECK(apr_file_open(&ro, out, APR_FOPEN_READ, APR_OS_DEFAULT, p) == APR_SUCCESS);
        rc = maplat_pdf_watermark(p, src, ro, &WM, &pages, &err);
        CHECK(rc == -1 && err && strstr(err, "write"));
        apr_file_close(ro);
    }

    /* threads at once, each its own copy (ASan/TSan builds see the sharing) */
    {
        enum { NT = 4 };
        apr_thread_t *t[NT];
        job_t jobs[NT];
        for (int i = 0; i < NT; i++) {
            jobs[i].src = src;
            jobs[i].dst = apr_psprintf(p, "%s/copy%d.pdf", dir, i);
            jobs[i].rc = 0;
            jobs[i].pages = 0;
            CHECK(apr_thread_create(&t[i], NULL, thread_main, &jobs[i], p) == APR_SUCCESS);
        }
        for (int i = 0; i < NT; i++) {
            apr_status_t trv;
            apr_thread_join(&trv, t[i]);
            CHECK(jobs[i].rc == 0 && jobs[i].pages == NPAGES);
            check_copy(jobs[i].dst, NPAGES);
        }
    }

    if (!unit_failures && !getenv("MAPLAT_WM_KEEP")) { /* kept for a look: MAPLAT_WM_KEEP=1 */
        CHECK(system(apr_psprintf(p, "rm -rf '%s'", dir)) == 0);
    }
    apr_pool_destroy(p);
    apr_terminate();
    UNIT_DONE();
}
