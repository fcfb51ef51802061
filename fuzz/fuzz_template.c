/*
 * libFuzzer target for the export template parser (modules/export/model.c):
 * the input is a template (XML), bound through mx_build_mem to a fixed data
 * object shaped like maplat_export_data() in sql/009_export.sql (job, user,
 * organization, document, deal, ratios, tasks, documents, deals) with
 * awkward values: UTF-8, nulls, formula-like cells, braces, huge and
 * negative numbers, numbers as strings.
 *
 * Every model that is built is checked (all text valid UTF-8, table and
 * chart bounds, finite chart values) and written as CSV to /dev/null.
 * MAPLAT_FUZZ_RENDER=docx,pdf also renders DOCX and/or PDF into a private
 * temporary folder (under $TMPDIR, best a tmpfs): slower, but it reaches
 * the writers with the models the fuzzer finds. Each input gets a fresh
 * APR pool that is destroyed afterwards, so everything is released.
 *
 *   ./configure --enable-fuzzing CC=clang && make fuzz/fuzz_template
 *   fuzz/fuzz_template -dict=fuzz/template.dict -max_len=4096 \
 *       -max_total_time=600 fuzz-work fuzz/corpus/template
 * The corpus is replayed by `make check` through fuzz/replay.c
 * (docs/fuzzing.md).
 */
#include "render.h"
#include <glib.h>
#include "apr_general.h"
#include "apr_strings.h"
#include <libxml/parser.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char DATA[] =
    "{\"job\":{\"id\":\"7d0c5a8e-1f0b-4c3e-9a57-2f4d1e6b8c90\",\"type\":\"deal_report\","
    "\"format\":\"pdf\",\"title\":null},\"user\":{\"id\":\"0b6f2f7e-8d0c-4f43-a2a5-5d1c2b3e4f50\","
    "\"email\":\"analyst@acme.example\",\"name\":\"Zo\\u00eb O'Brien\"},"
    "\"organization\":{\"name\":\"Acme Capital & Co. <Holdings>\"},"
    "\"generated_at\":\"2026-03-14T09:26:53.589Z\","
    "\"document\":{\"id\":\"3c9d4e5f-6a7b-4c8d-9e0f-a1b2c3d4e5f6\","
    "\"title\":\"Q3 board pack \\u2014 \\\"draft\\\"\","
    "\"body\":\"First line\\nSecond line\\r\\n\\n=HYPERLINK(\\\"http://x\\\")\\n  indented  \\n\\t\","
    "\"updated_at\":\"2026-03-01T12:00:00.000Z\","
    "\"created_by\":{\"id\":\"0b6f2f7e-8d0c-4f43-a2a5-5d1c2b3e4f50\",\"name\":\"Ana M\\u00fcller\"}},"
    "\"deal\":{\"id\":\"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d\",\"name\":\"Project Falcon\","
    "\"target_company\":\"Falcon Logistics Ltd\",\"stage\":\"due_diligence\",\"value\":125000000.5,"
    "\"currency\":\"GBP\","
    "\"description\":\"Acquisition of a logistics operator.\\nBraces: {deal.name} }} {{\","
    "\"archived\":false,\"created_by\":{\"id\":\"0b6f2f7e-8d0c-4f43-a2a5-5d1c2b3e4f50\","
    "\"name\":\"Ana M\\u00fcller\"},\"created_at\":\"2026-01-05T08:00:00.000Z\","
    "\"updated_at\":\"2026-03-10T17:45:12.000Z\",\"version\":3},\"ratios\":[{\"period\":\"FY2023\","
    "\"deal_id\":\"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d\",\"current_ratio\":1.42,\"quick_ratio\":0.97,"
    "\"debt_to_equity\":1.8,\"gross_margin\":0.31,\"ebitda_margin\":0.12,\"net_margin\":0.05,"
    "\"interest_coverage\":4.2,\"created_at\":\"2026-01-06T09:00:00.000Z\"},{\"period\":\"FY2024\","
    "\"deal_id\":\"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d\",\"current_ratio\":null,\"quick_ratio\":null,"
    "\"debt_to_equity\":-0.25,\"gross_margin\":0,\"ebitda_margin\":null,\"net_margin\":-1.5,"
    "\"interest_coverage\":null,\"created_at\":\"2026-01-07T09:00:00.000Z\"},"
    "{\"period\":\"2025-H1 \\u00bd\",\"deal_id\":\"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d\","
    "\"current_ratio\":\"1.5\",\"quick_ratio\":1e300,\"debt_to_equity\":-1e300,"
    "\"gross_margin\":12345678901234567890,\"ebitda_margin\":1e-300,\"net_margin\":true,"
    "\"interest_coverage\":[1,2],\"created_at\":\"2026-01-08T09:00:00.000Z\"}],"
    "\"tasks\":[{\"id\":\"1f2e3d4c-5b6a-4798-8877-665544332211\",\"title\":\"Review the data room\","
    "\"deal_id\":\"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d\","
    "\"assignee_id\":\"0b6f2f7e-8d0c-4f43-a2a5-5d1c2b3e4f50\","
    "\"assignee\":{\"id\":\"0b6f2f7e-8d0c-4f43-a2a5-5d1c2b3e4f50\",\"name\":\"Ana M\\u00fcller\"},"
    "\"due_date\":\"2026-04-01\",\"status\":\"open\",\"created_by\":null,"
    "\"created_at\":\"2026-01-05T08:00:00.000Z\",\"updated_at\":\"2026-01-05T08:00:00.000Z\","
    "\"version\":1},{\"id\":\"2f2e3d4c-5b6a-4798-8877-665544332211\","
    "\"title\":\"-1+cmd|' /C calc'!A0\",\"deal_id\":\"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d\","
    "\"assignee_id\":null,\"assignee\":null,\"due_date\":null,\"status\":\"in_progress\","
    "\"created_by\":null,\"created_at\":\"2026-01-05T08:00:00.000Z\","
    "\"updated_at\":\"2026-01-05T08:00:00.000Z\",\"version\":2},"
    "{\"id\":\"3f2e3d4c-5b6a-4798-8877-665544332211\","
    "\"title\":\"\\u00dcn\\u00efc\\u00f6d\\u00e9 \\u65e5\\u672c\\u8a9e \\ud83e\\udd85 \\u202eRTL\","
    "\"deal_id\":\"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d\",\"assignee_id\":null,"
    "\"assignee\":{\"id\":null,\"name\":\"\"},\"due_date\":\"2026-05-30\",\"status\":\"done\","
    "\"created_by\":null,\"created_at\":\"2026-01-05T08:00:00.000Z\","
    "\"updated_at\":\"2026-01-05T08:00:00.000Z\",\"version\":1}],"
    "\"documents\":[{\"id\":\"4a4b4c4d-5e4f-4a3b-8c2d-1e0f9a8b7c6d\",\"title\":\"NDA.pdf\","
    "\"updated_at\":\"2026-02-02T10:00:00.000Z\"},{\"id\":\"5a4b4c4d-5e4f-4a3b-8c2d-1e0f9a8b7c6d\","
    "\"title\":\"Pr\\u00e4sentation\",\"updated_at\":\"2026-01-0\\u20ac broken\"}],"
    "\"deals\":[{\"id\":\"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d\",\"name\":\"Project Falcon\","
    "\"target_company\":\"Falcon Logistics Ltd\",\"stage\":\"due_diligence\",\"value\":125000000.5,"
    "\"currency\":\"GBP\",\"description\":null,\"archived\":false,\"created_by\":null,"
    "\"created_at\":\"2026-01-05T08:00:00.000Z\",\"updated_at\":\"2026-03-10T17:45:12.000Z\","
    "\"version\":3},{\"id\":\"8a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d\",\"name\":\"=SUM(A1:A9)\","
    "\"target_company\":null,\"stage\":\"sourcing\",\"value\":0,\"currency\":\"EUR\","
    "\"description\":\"\",\"archived\":false,\"created_by\":null,"
    "\"created_at\":\"2026-02-05T08:00:00.000Z\",\"updated_at\":\"2026-02-05T08:00:00.000Z\","
    "\"version\":1}]}";

/* 27 quarters before the three periods of DATA: 30 periods of ratios, more than the 24
 * categories a chart shows. */
static void add_quarters(json_object *d)
{
    json_object *ratios = NULL, *all = json_object_new_array();
    char period[16];
    json_object_object_get_ex(d, "ratios", &ratios);
    for (int i = 0; i < 27; i++) {
        json_object *r = json_object_new_object();
        snprintf(period, sizeof(period), "%d-Q%d", 2016 + i / 4, 1 + i % 4);
        json_object_object_add(r, "period", json_object_new_string(period));
        json_object_object_add(r, "current_ratio", json_object_new_double(1.1 + i * 0.01));
        json_object_object_add(r, "quick_ratio", json_object_new_double(0.8 + i * 0.02));
        json_object_object_add(r, "debt_to_equity", json_object_new_double(2.0 - i * 0.05));
        json_object_object_add(r, "net_margin", i % 5 ? json_object_new_double(0.01 * i) : NULL);
        json_object_array_add(all, r);
    }
    for (size_t i = 0; ratios && i < json_object_array_length(ratios); i++) {
        json_object_array_add(all, json_object_get(json_object_array_get_idx(ratios, i)));
    }
    json_object_object_add(d, "ratios", all);
}

/* A broken invariant is a crash, so that libFuzzer keeps the input. */
static void text_ok(const char *what, const char *s, int may_be_null)
{
    if ((!s && !may_be_null) || (s && !g_utf8_validate(s, -1, NULL))) {
        fprintf(stderr, "fuzz_template: %s is %s\n", what, s ? "not valid UTF-8" : "NULL");
        abort();
    }
}

static void model_ok(const mx_doc_t *d)
{
    text_ok("title", d->title, 0);
    text_ok("subject", d->subject, 1);
    text_ok("author", d->author, 1);
    text_ok("footer", d->footer, 1);
    for (int i = 0; i < d->blocks->nelts; i++) {
        const mx_block_t *b = &((const mx_block_t *)d->blocks->elts)[i];
        switch (b->kind) {
        case MX_HEADING:
            if (b->level != 1 && b->level != 2) {
                abort();
            }
            text_ok("heading", b->text, 0);
            break;
        case MX_PARAGRAPH:
            text_ok("paragraph", b->text, 0);
            if (!*b->text || strchr(b->text, '\n')) {
                abort(); /* one non-empty line per paragraph block */
            }
            break;
        case MX_TABLE:
            if (b->ncols < 1 || b->ncols > 16 || b->nrows < 0) {
                abort();
            }
            text_ok("empty text", b->text, 1);
            for (int k = 0; k < b->ncols; k++) {
                text_ok("header", b->headers[k], 0);
                if (!(b->widths[k] > 0 && b->widths[k] <= 100)) {
                    abort();
                }
            }
            for (int r = 0; r < b->nrows; r++) {
                for (int k = 0; k < b->ncols; k++) {
                    text_ok("cell", b->cells[r][k], 0);
                }
            }
            break;
        case MX_CHART:
            if (b->nseries < 1 || b->nseries > 8 || b->ncat < 0 || b->ncat > 24) {
                abort();
            }
            text_ok("chart title", b->text, 0);
            for (int s = 0; s < b->nseries; s++) {
                text_ok("series", b->series[s], 0);
                for (int c = 0; c < b->ncat; c++) {
                    if (!isfinite(b->values[s][c])) {
                        abort();
                    }
                }
            }
            for (int c = 0; c < b->ncat; c++) {
                text_ok("category", b->categories[c], 0);
            }
            break;
        default:
            abort();
        }
    }
}

static char workdir[256];
static int render_docx, render_pdf;

static void remove_workdir(void)
{
    char f[300];
    snprintf(f, sizeof(f), "%s/out.docx", workdir);
    unlink(f);
    snprintf(f, sizeof(f), "%s/out.pdf", workdir);
    unlink(f);
    rmdir(workdir);
}

static void setup(void)
{
    const char *r = getenv("MAPLAT_FUZZ_RENDER");
    render_docx = r && strstr(r, "docx") != NULL;
    render_pdf = r && strstr(r, "pdf") != NULL;
    if (render_docx || render_pdf) {
        const char *tmp = getenv("TMPDIR");
        snprintf(workdir, sizeof(workdir), "%s/maplat-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(workdir)) {
            perror("fuzz_template: mkdtemp");
            exit(1);
        }
        atexit(remove_workdir);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static apr_pool_t *root;
    static json_object *jd;
    apr_pool_t *p;
    mx_doc_t *doc = NULL;
    const char *err;

    if (!root) {
        apr_initialize();
        xmlInitParser(); /* as post_config does; never xmlCleanupParser() */
        apr_pool_create(&root, NULL);
        if (!(jd = json_tokener_parse(DATA))) {
            fprintf(stderr, "fuzz_template: the fixed data does not parse\n");
            abort();
        }
        add_quarters(jd);
        setup();
    }
    apr_pool_create(&p, root);
    err = mx_build_mem(p, "fuzz", (const char *)data, size, jd, &doc);
    if (err) {
        text_ok("error", err, 0);
    }
    else {
        model_ok(doc);
        mx_render_csv(p, doc, "/dev/null", NULL, NULL);
        if (render_docx) {
            mx_render_docx(p, doc, apr_pstrcat(p, workdir, "/out.docx", NULL), NULL, NULL);
        }
        if (render_pdf) {
            mx_render_pdf(p, doc, apr_pstrcat(p, workdir, "/out.pdf", NULL), NULL, NULL);
        }
    }
    apr_pool_destroy(p);
    return 0;
}
