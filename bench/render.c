/*
 * bench/render — the rendering benchmark (docs/performance.md "Rendering").
 *
 *   bench/render [TEMPLATE_DIR] [RUNS] [LEAK_RENDERS]
 *
 * Renders a deal_report of about 20 PDF pages (synthetic data: a deal, 8
 * periods of ratios, 360 tasks, 40 documents) to PDF and DOCX RUNS times
 * (default 15) and prints the median time per run and per PDF page; then
 * renders LEAK_RENDERS (default 1000) PDFs in one process and prints the
 * resident set size before and after (memory must not grow).
 */
#include "render.h"
#include "apr_general.h"
#include "apr_strings.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int pages;

static int count_pages(void *ctx, int pct)
{
    pages++;
    return 0;
}

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

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static json_object *data(int ntasks)
{
    static const char *const st[] = {"open", "in_progress", "done"};
    json_object *d = json_object_new_object(), *deal = json_object_new_object(),
                *u = json_object_new_object();
    json_object *ratios = json_object_new_array(), *tasks = json_object_new_array(),
                *docs = json_object_new_array();
    json_object *org = json_object_new_object();
    char buf[256];

    json_object_object_add(deal, "name", json_object_new_string("Project Falcon"));
    json_object_object_add(deal, "target_company", json_object_new_string("Falcon Logistics Ltd"));
    json_object_object_add(deal, "stage", json_object_new_string("due_diligence"));
    json_object_object_add(deal, "value", json_object_new_double(125000000.0));
    json_object_object_add(deal, "currency", json_object_new_string("GBP"));
    json_object_object_add(
        deal, "description",
        json_object_new_string("Acquisition of a regional logistics operator with a strong "
                               "cold-chain network. The report covers ratios, open tasks "
                               "and the data-room documents."));
    json_object_object_add(d, "deal", deal);
    for (int i = 0; i < 8; i++) {
        json_object *r = json_object_new_object();
        snprintf(buf, sizeof(buf), "FY%d", 2017 + i);
        json_object_object_add(r, "period", json_object_new_string(buf));
        json_object_object_add(r, "current_ratio", json_object_new_double(1.2 + i * 0.11));
        json_object_object_add(r, "quick_ratio", json_object_new_double(0.9 + i * 0.07));
        json_object_object_add(r, "debt_to_equity", json_object_new_double(1.8 - i * 0.12));
        json_object_object_add(r, "gross_margin", json_object_new_double(0.31 + i * 0.01));
        json_object_object_add(r, "ebitda_margin", json_object_new_double(0.14 + i * 0.005));
        json_object_object_add(r, "net_margin", json_object_new_double(0.06 + i * 0.004));
        json_object_object_add(r, "interest_coverage", json_object_new_double(4.5 + i * 0.3));
        json_object_array_add(ratios, r);
    }
    json_object_object_add(d, "ratios", ratios);
    for (int i = 0; i < ntasks; i++) {
        json_object *t = json_object_new_object(), *a = json_object_new_object();
        snprintf(buf, sizeof(buf),
                 "Review item %d of the due-diligence checklist: contracts, leases and "
                 "%s",
                 i + 1, i % 5 == 0 ? "employment terms of the senior management team" : "permits");
        json_object_object_add(t, "title", json_object_new_string(buf));
        json_object_object_add(a, "name", json_object_new_string(i % 2 ? "Alice Analyst" : "Adam Admin"));
        json_object_object_add(t, "assignee", a);
        snprintf(buf, sizeof(buf), "2026-%02d-%02d", 1 + i % 12, 1 + i % 28);
        json_object_object_add(t, "due_date", json_object_new_string(buf));
        json_object_object_add(t, "status", json_object_new_string(st[i % 3]));
        json_object_array_add(tasks, t);
    }
    json_object_object_add(d, "tasks", tasks);
    for (int i = 0; i < 40; i++) {
        json_object *o = json_object_new_object();
        snprintf(buf, sizeof(buf), "Data room document %02d — supplier agreement", i + 1);
        json_object_object_add(o, "title", json_object_new_string(buf));
        json_object_object_add(o, "updated_at", json_object_new_string("2026-03-01T10:00:00Z"));
        json_object_array_add(docs, o);
    }
    json_object_object_add(d, "documents", docs);
    json_object_object_add(u, "email", json_object_new_string("admin@acme.example"));
    json_object_object_add(u, "name", json_object_new_string("Adam Admin"));
    json_object_object_add(d, "user", u);
    json_object_object_add(org, "name", json_object_new_string("Acme Capital"));
    json_object_object_add(d, "organization", org);
    return d;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "templates";
    int runs = argc > 2 ? atoi(argv[2]) : 15, leak = argc > 3 ? atoi(argv[3]) : 1000;
    const char *tpl, *err, *pdf = "/tmp/maplat-bench-render.pdf", *docx = "/tmp/maplat-bench-render.docx";
    apr_pool_t *root, *p;
    json_object *d = data(360);
    double *tp = calloc((size_t)runs, sizeof(double)), *td = calloc((size_t)runs, sizeof(double));
    mx_doc_t *doc;
    long rss0, rss1 = 0, rss2;
    int npages = 0;

    apr_initialize();
    apr_pool_create(&root, NULL);
    tpl = apr_pstrcat(root, dir, "/deal_report.xml", NULL);
    for (int i = 0; i < runs; i++) {
        double t0;
        apr_pool_create(&p, root);
        if ((err = mx_build(p, tpl, d, &doc))) {
            fprintf(stderr, "bench/render: %s\n", err);
            return 1;
        }
        doc->watermark = "Confidential\nadmin@acme.example\nMon, 01 Jun 2026 10:00:00 GMT";
        pages = 0;
        t0 = now_ms();
        if ((err = mx_render_pdf(p, doc, pdf, count_pages, NULL))) {
            fprintf(stderr, "bench/render: %s\n", err);
            return 1;
        }
        tp[i] = now_ms() - t0;
        npages = pages - 1; /* one call per finished page but the last, plus the final 100 % */
        npages += 1;
        t0 = now_ms();
        if (!getenv("BENCH_PDF_ONLY") && (err = mx_render_docx(p, doc, docx, NULL, NULL))) {
            fprintf(stderr, "bench/render: %s\n", err);
            return 1;
        }
        td[i] = now_ms() - t0;
        apr_pool_destroy(p);
    }
    qsort(tp, (size_t)runs, sizeof(double), cmp);
    qsort(td, (size_t)runs, sizeof(double), cmp);
    printf("deal_report: %d PDF pages, %d runs\n", npages, runs);
    printf("PDF : median %.2f ms per report, %.3f ms per page (min %.2f, max %.2f ms)\n", tp[runs / 2],
           tp[runs / 2] / npages, tp[0], tp[runs - 1]);
    printf("DOCX: median %.2f ms per report, %.3f ms per PDF-equivalent page (min %.2f, max %.2f ms)\n",
           td[runs / 2], td[runs / 2] / npages, td[0], td[runs - 1]);

    if (leak > 0) {
        rss0 = rss_kb();
        for (int i = 0; i < leak; i++) {
            apr_pool_create(&p, root);
            if ((err = mx_build(p, tpl, d, &doc)) || (err = mx_render_pdf(p, doc, pdf, NULL, NULL))) {
                fprintf(stderr, "bench/render: %s\n", err);
                return 1;
            }
            apr_pool_destroy(p);
            if (i == leak / 10) {
                rss1 = rss_kb();
            }
        }
        rss2 = rss_kb();
        printf("memory: RSS %ld KB after warm-up, %ld KB after %d renders (%ld KB after the first %d)\n",
               rss0, rss2, leak, rss1, leak / 10);
    }
    json_object_put(d);
    apr_pool_destroy(root);
    apr_terminate();
    return 0;
}
