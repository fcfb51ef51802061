/*
 * bench/watermark — the watermarking benchmark (docs/performance.md "Watermarking").
 *
 *   bench/watermark [RUNS] [FILE.pdf...]
 *
 * Makes a 50-page PDF like a data-room memorandum with cairo and pango (on
 * every page a heading, four paragraphs of serif text, a table of figures, a
 * bar chart and a small raster logo), then watermarks it (maplat_pdf_watermark,
 * as a download does) RUNS times (default 9) and prints the median time per
 * document and per page; the same for each FILE.pdf given (e.g. an export:
 * `BENCH_PDF_ONLY=1 bench/render templates 1 0` leaves one in
 * /tmp/maplat-bench-render.pdf). Then watermarks the 50-page PDF in 1 and in 2
 * threads at once and prints pages per second (what the lock around poppler's
 * FreeType use costs), and makes BENCH_COPIES (default 500) copies of a 3-page
 * PDF in one process, printing the resident set size before and after (memory
 * must not grow). Goal: <= 20 ms per page.
 */
#include "watermark.h"
#include "apr_general.h"
#include "apr_strings.h"
#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PAGES 50
#define W 595.28
#define H 841.89

static const maplat_watermark_t WM = {"alice.analyst@acme.example", "2026-12-06 22:50 UTC", "198.51.100.23"};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long rss_kb(void)
{
    long size = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &size, &res) != 2) {
            res = 0;
        }
        fclose(f);
    }
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void text(cairo_t *cr, PangoLayout *l, const char *font, const char *s, double x, double y, double w)
{
    PangoFontDescription *f = pango_font_description_from_string(font);
    pango_layout_set_font_description(l, f);
    pango_font_description_free(f);
    pango_layout_set_width(l, w > 0 ? (int)(w * PANGO_SCALE) : -1);
    pango_layout_set_text(l, s, -1);
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, l);
}

static void make_memo(const char *path, int npages)
{
    static const char *para =
        "The Company operates a regional cold-chain logistics network of twelve temperature-controlled "
        "warehouses and a fleet of 340 vehicles. Revenue grew at a compound rate of 9.4% over the last five "
        "financial years, driven by long-term contracts with grocery retailers and pharmaceutical "
        "distributors. Management expects the new Midlands hub to add capacity for 40,000 pallets and to "
        "lift the EBITDA margin by 1.5 points once fully utilised. Customer concentration remains moderate: "
        "the ten largest customers account for 46% of revenue, none more than 9%.";
    cairo_surface_t *s = cairo_pdf_surface_create(path, W, H);
    cairo_t *cr = cairo_create(s);
    PangoLayout *l = pango_cairo_create_layout(cr);
    cairo_surface_t *logo = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 240, 80);
    unsigned char *px = cairo_image_surface_get_data(logo);
    int stride = cairo_image_surface_get_stride(logo);
    char buf[256];

    for (int y = 0; y < 80; y++) {
        for (int x = 0; x < 240; x++) {
            unsigned char *q = px + y * stride + x * 4;
            q[0] = (unsigned char)(x + y);
            q[1] = (unsigned char)(x * 2);
            q[2] = (unsigned char)(255 - y * 3);
        }
    }
    cairo_surface_mark_dirty(logo);
    for (int pg = 1; pg <= npages; pg++) {
        double y = 130;
        cairo_set_source_surface(cr, logo, 50, 30);
        cairo_paint(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.2);
        snprintf(buf, sizeof(buf), "Confidential Information Memorandum — section %d", pg);
        text(cr, l, "DejaVu Sans Bold 15", buf, 50, 100, 0);
        for (int k = 0; k < 4; k++) {
            int lw, lh;
            text(cr, l, "DejaVu Serif 10", para, 50, y, W - 100);
            pango_layout_get_size(l, &lw, &lh);
            y += (double)lh / PANGO_SCALE + 8;
        }
        /* a table of figures */
        for (int r = 0; r < 8; r++) {
            for (int c = 0; c < 5; c++) {
                if (r == 0) {
                    snprintf(buf, sizeof(buf), "FY%d", 2020 + c);
                }
                else {
                    snprintf(buf, sizeof(buf), "%d,%03d.%d", 10 + r * c, (r * 137 + c * 71 + pg) % 1000, r);
                }
                text(cr, l, r == 0 ? "DejaVu Sans Bold 8.5" : "DejaVu Sans 8.5", buf, 60 + c * 95, y + r * 13,
                     0);
            }
        }
        y += 8 * 13 + 14;
        /* a bar chart with axes and labels */
        cairo_set_line_width(cr, 0.8);
        cairo_move_to(cr, 60, y);
        cairo_line_to(cr, 60, y + 180);
        cairo_line_to(cr, W - 60, y + 180);
        cairo_stroke(cr);
        for (int b = 0; b < 10; b++) {
            double bh = 30 + ((b * 37 + pg * 11) % 140);
            cairo_set_source_rgb(cr, 0.15 + b * 0.06, 0.35, 0.65 - b * 0.03);
            cairo_rectangle(cr, 75 + b * 46, y + 180 - bh, 30, bh);
            cairo_fill(cr);
            cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
            snprintf(buf, sizeof(buf), "Q%d/%d", b % 4 + 1, 21 + b / 4);
            text(cr, l, "DejaVu Sans 7", buf, 76 + b * 46, y + 184, 0);
        }
        snprintf(buf, sizeof(buf), "Page %d of %d", pg, npages);
        text(cr, l, "DejaVu Sans 7.5", buf, W / 2 - 25, H - 40, 0);
        cairo_show_page(cr);
    }
    g_object_unref(l);
    cairo_surface_destroy(logo);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
}

/* One watermarked copy of src into dst: its time in ms, or -1; *cpu: the
 * process's CPU time in ms (single-threaded runs: the copy's). */
static double once(apr_pool_t *root, const char *src, const char *dst, int *pages, double *cpu)
{
    apr_pool_t *p;
    apr_file_t *f;
    const char *err;
    double t0, c0, t = -1;
    apr_pool_create(&p, root);
    if (apr_file_open(&f, dst, APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_TRUNCATE | APR_FOPEN_BUFFERED,
                      APR_OS_DEFAULT, p) == APR_SUCCESS) {
        t0 = now_ms();
        c0 = cpu_ms();
        if (maplat_pdf_watermark(p, src, f, &WM, pages, &err) == 0) {
            apr_file_close(f);
            t = now_ms() - t0;
            *cpu = cpu_ms() - c0;
        }
        else {
            fprintf(stderr, "bench/watermark: %s: %s\n", src, err);
            apr_file_close(f);
        }
    }
    apr_pool_destroy(p);
    return t;
}

static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    long n = -1;
    if (f) {
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fclose(f);
    }
    return n;
}

static int measure(apr_pool_t *root, const char *name, const char *src, const char *dst, int runs)
{
    double *t = calloc((size_t)runs, sizeof(double)), *c = calloc((size_t)runs, sizeof(double));
    int pages = 0, rc = 0;
    if (once(root, src, dst, &pages, &c[0]) < 0) { /* warm-up: fonts, fontconfig */
        rc = -1;
    }
    for (int i = 0; i < runs && rc == 0; i++) {
        if ((t[i] = once(root, src, dst, &pages, &c[i])) < 0) {
            rc = -1;
        }
    }
    if (rc == 0) {
        qsort(t, (size_t)runs, sizeof(double), cmp);
        qsort(c, (size_t)runs, sizeof(double), cmp);
        printf("%s: %d pages, %ld -> %ld bytes, %d runs\n", name, pages, file_size(src), file_size(dst),
               runs);
        printf(
            "  median %.1f ms per document, %.2f ms per page (min %.1f, max %.1f ms); CPU %.2f ms per page\n",
            t[runs / 2], t[runs / 2] / pages, t[0], t[runs - 1], c[runs / 2] / pages);
    }
    free(t);
    free(c);
    return rc;
}

typedef struct {
    apr_pool_t *root;
    const char *src, *dst;
    int n, pages;
    double ms;
} job_t;

static void *job(void *d)
{
    job_t *j = d;
    apr_pool_t *p;
    apr_pool_create_unmanaged(&p);
    for (int i = 0; i < j->n; i++) {
        double cpu;
        if (once(p, j->src, j->dst, &j->pages, &cpu) < 0) {
            j->pages = -1;
            break;
        }
    }
    apr_pool_destroy(p);
    return NULL;
}

/* n copies in each of nt threads at once: pages per second in all. */
static double parallel(apr_pool_t *root, const char *src, const char *tmp, int nt, int n)
{
    pthread_t th[8];
    job_t jobs[8];
    double t0 = now_ms(), pages = 0;
    for (int i = 0; i < nt; i++) {
        jobs[i] = (job_t){root, src, apr_psprintf(root, "%s/par%d.pdf", tmp, i), n, 0, 0};
        pthread_create(&th[i], NULL, job, &jobs[i]);
    }
    for (int i = 0; i < nt; i++) {
        pthread_join(th[i], NULL);
        pages += jobs[i].pages < 0 ? 0 : (double)jobs[i].pages * n;
        unlink(jobs[i].dst);
    }
    return pages * 1000.0 / (now_ms() - t0);
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 9, rc = 0;
    const char *copies = getenv("BENCH_COPIES");
    int leak = copies ? atoi(copies) : 500;
    apr_pool_t *root;
    char tmp[256];
    const char *memo, *out;
    double p1, p2;

    if (runs < 1) {
        runs = 1;
    }
    apr_initialize();
    apr_pool_create(&root, NULL);
    snprintf(tmp, sizeof(tmp), "%s/maplat-bench-wm-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmp)) {
        perror("bench/watermark: mkdtemp");
        return 1;
    }
    memo = apr_pstrcat(root, tmp, "/memo.pdf", NULL);
    out = apr_pstrcat(root, tmp, "/copy.pdf", NULL);
    make_memo(memo, PAGES);
    if (measure(root, "memorandum (text, table, chart, logo)", memo, out, runs) != 0) {
        rc = 1;
    }
    for (int i = 2; i < argc; i++) {
        if (measure(root, argv[i], argv[i], out, runs) != 0) {
            rc = 1;
        }
    }
    p1 = parallel(root, memo, tmp, 1, 4);
    p2 = parallel(root, memo, tmp, 2, 4);
    printf("throughput (memorandum): 1 thread %.0f pages/s, 2 threads at once %.0f pages/s\n", p1, p2);
    if (leak > 0) { /* memory must not grow with the number of copies */
        const char *small = apr_pstrcat(root, tmp, "/small.pdf", NULL);
        long r0, r1 = 0, r2;
        int pages;
        double cpu;
        make_memo(small, 3);
        once(root, small, out, &pages, &cpu);
        r0 = rss_kb();
        for (int i = 0; i < leak && rc == 0; i++) {
            if (once(root, small, out, &pages, &cpu) < 0) {
                rc = 1;
            }
            if (i == leak / 10) {
                r1 = rss_kb();
            }
        }
        r2 = rss_kb();
        printf("memory: RSS %ld KB after warm-up, %ld KB after %d copies of a 3-page PDF (%ld KB after %d)\n",
               r0, r2, leak, r1, leak / 10);
        unlink(small);
    }
    unlink(memo);
    unlink(out);
    rmdir(tmp);
    apr_pool_destroy(root);
    apr_terminate();
    return rc;
}
