/*
 * PDF renderer: cairo (PDF surface) + pango (text layout, embedded font
 * subsets, extractable text). A4 portrait; header and footer with page
 * numbers on every page; paragraphs break across pages line by line;
 * tables break between rows and repeat their header row on the next page;
 * the bar chart (chart.c); optional diagonal watermark.
 *
 * Table cells are shaped by shape.c (speed: bench/render), the bar chart is
 * drawn by chart.c (which the DOCX renderer uses too); pagination decisions
 * are mx_paginate's (layout.c, unit-tested without pango).
 *
 * Threads: pango's per-thread default font map
 * (pango_cairo_font_map_get_default()), never one shared across threads.
 */
#include "pdf.h"
#include "apr_strings.h"
#include "apr_hash.h"
#include <cairo.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ pages */

static void page_end(pdf_t *x)
{
    cairo_t *cr = x->cr;
    int w, h;
    char num[32];

    /* footer: organization left, page number right */
    cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
    cairo_set_line_width(cr, 0.5);
    cairo_move_to(cr, MARGIN, PAGE_H - MARGIN - 14);
    cairo_line_to(cr, PAGE_W - MARGIN, PAGE_H - MARGIN - 14);
    cairo_stroke(cr);
    cairo_move_to(cr, MARGIN, PAGE_H - MARGIN - 10);
    pango_cairo_show_layout(cr, x->foot);
    pango_layout_set_width(x->small, -1);
    snprintf(num, sizeof(num), "Page %d", x->page);
    pango_layout_set_text(x->small, num, -1);
    pango_layout_get_size(x->small, &w, &h);
    cairo_move_to(cr, PAGE_W - MARGIN - (double)w / PANGO_SCALE, PAGE_H - MARGIN - 10);
    pango_cairo_show_layout(cr, x->small);

    if (x->watermark) {
        /* the stamp also as one plain line under the footer: every text
         * extractor finds it (some skip diagonal text) */
        cairo_set_source_rgb(cr, 0.55, 0.1, 0.1);
        pango_layout_get_size(x->stamp, &w, &h);
        cairo_move_to(cr, (PAGE_W - (double)w / PANGO_SCALE) / 2, PAGE_H - MARGIN + 2);
        pango_cairo_show_layout(cr, x->stamp);
        cairo_set_source(cr, x->watermark);
        cairo_paint(cr);
    }
    cairo_show_page(cr);
}

/* Starts a page (ending the current one). Returns -1 when the render must stop. */
static int page_new(pdf_t *x)
{
    cairo_t *cr = x->cr;
    if (x->page > 0) {
        page_end(x);
        if (x->cb) {
            int n = x->doc->blocks->nelts;
            int pct = n ? x->blocks_done * 100 / n : 0;
            if (x->cb(x->cb_ctx, pct > 99 ? 99 : pct) != 0) {
                x->aborted = 1;
                return -1;
            }
        }
    }
    x->page++;
    /* running header: the title */
    cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
    cairo_move_to(cr, MARGIN, MARGIN - 4);
    pango_cairo_show_layout(cr, x->head);
    cairo_set_line_width(cr, 0.5);
    cairo_move_to(cr, MARGIN, MARGIN + 12);
    cairo_line_to(cr, PAGE_W - MARGIN, MARGIN + 12);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    x->y = TOP;
    return 0;
}

static int ensure(pdf_t *x, double h)
{
    if (x->y + h > BOTTOM && x->y > TOP) {
        return page_new(x);
    }
    return 0;
}

/* ------------------------------------------------------------ blocks */

/* Wrapped text, broken across pages line by line. */
static int flow_text(pdf_t *x, PangoFontDescription *f, const char *text, double space_after)
{
    PangoLayoutIter *it;
    int n, i = 0;
    double *h;
    int *base;
    PangoLayoutLine **lines;
    unsigned char *brk;

    pango_layout_set_font_description(x->text, f);
    pango_layout_set_width(x->text, (int)(CONTENT_W * PANGO_SCALE));
    pango_layout_set_text(x->text, text, -1);
    n = pango_layout_get_line_count(x->text);
    h = apr_palloc(x->pool, sizeof(*h) * (size_t)n);
    base = apr_palloc(x->pool, sizeof(*base) * (size_t)n);
    lines = apr_palloc(x->pool, sizeof(*lines) * (size_t)n);
    brk = apr_palloc(x->pool, (size_t)n);
    it = pango_layout_get_iter(x->text);
    do {
        PangoRectangle ext;
        pango_layout_iter_get_line_extents(it, NULL, &ext);
        lines[i] = pango_layout_iter_get_line_readonly(it);
        h[i] = (double)ext.height / PANGO_SCALE;
        base[i] = pango_layout_iter_get_baseline(it) - ext.y;
        i++;
    } while (i < n && pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
    mx_paginate(x->y, TOP, BOTTOM, 0, h, i, brk);
    for (int k = 0; k < i; k++) {
        if (brk[k] && page_new(x) != 0) {
            return -1;
        }
        cairo_move_to(x->cr, MARGIN, x->y + (double)base[k] / PANGO_SCALE);
        pango_cairo_show_layout_line(x->cr, lines[k]);
        x->y += h[k];
    }
    x->y += space_after;
    return 0;
}

static int heading(pdf_t *x, const mx_block_t *b)
{
    PangoFontDescription *f = b->level == 1 ? x->f_h1 : x->f_h2;
    /* keep a heading with at least a few lines of what follows */
    if (ensure(x, b->level == 1 ? 90 : 70) != 0) {
        return -1;
    }
    x->y += b->level == 1 ? 6 : 8;
    return flow_text(x, f, b->text, 6);
}

static void table_header(pdf_t *x, const mx_block_t *b, const box_t *const *hdr, const double *cw, double hh)
{
    cairo_t *cr = x->cr;
    double cx = MARGIN;
    cairo_set_source_rgb(cr, 0.86, 0.89, 0.94);
    cairo_rectangle(cr, MARGIN, x->y, CONTENT_W, hh);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (int k = 0; k < b->ncols; k++) {
        mx_cell_draw(x, &x->bold, hdr[k], cx + CELL_PAD, x->y + CELL_PAD);
        cx += cw[k];
    }
    x->y += hh;
}

/* A table: every row measured first, then paginated (mx_paginate: rows
 * never split, the header row repeated on each new page), then drawn. */
static int table(pdf_t *x, const mx_block_t *b)
{
    cairo_t *cr = x->cr;
    const box_t *hdr[16];
    const box_t **cells = apr_palloc(x->pool, sizeof(*cells) * (size_t)(b->nrows * b->ncols + 1));
    double cw[16], total = 0, hh = 0;
    double *rh = apr_palloc(x->pool, sizeof(*rh) * (size_t)(b->nrows + 1));
    unsigned char *brk = apr_palloc(x->pool, (size_t)(b->nrows + 1));
    int iw[16], n = b->ncols;

    for (int k = 0; k < n; k++) {
        total += b->widths[k];
    }
    for (int k = 0; k < n; k++) {
        cw[k] = CONTENT_W * b->widths[k] / total;
        iw[k] = (int)((cw[k] - 2 * CELL_PAD) * PANGO_SCALE);
        hdr[k] = mx_shape_cell(x, &x->bold, iw[k], b->headers[k]);
        hh = fmax(hh, (double)hdr[k]->height / PANGO_SCALE + 2 * CELL_PAD);
    }
    for (int r = 0; r < b->nrows; r++) {
        rh[r] = 0;
        for (int k = 0; k < n; k++) {
            const box_t *c = cells[r * n + k] = mx_shape_cell(x, &x->body, iw[k], b->cells[r][k]);
            rh[r] = fmax(rh[r], (double)c->height / PANGO_SCALE + 2 * CELL_PAD);
        }
    }
    /* the header row never stays alone at the foot of a page */
    if (ensure(x, hh + (b->nrows ? rh[0] : 0) + 24) != 0) {
        return -1;
    }
    table_header(x, b, hdr, cw, hh);
    mx_paginate(x->y, TOP, BOTTOM, hh, rh, b->nrows, brk);
    for (int r = 0; r < b->nrows; r++) {
        double cx = MARGIN;
        if (brk[r]) {
            if (page_new(x) != 0) {
                return -1;
            }
            table_header(x, b, hdr, cw, hh);
        }
        if (r % 2) {
            cairo_set_source_rgb(cr, 0.96, 0.96, 0.96);
            cairo_rectangle(cr, MARGIN, x->y, CONTENT_W, rh[r]);
            cairo_fill(cr);
            cairo_set_source_rgb(cr, 0, 0, 0);
        }
        for (int k = 0; k < n; k++) {
            mx_cell_draw(x, &x->body, cells[r * n + k], cx + CELL_PAD, x->y + CELL_PAD);
            cx += cw[k];
        }
        x->y += rh[r];
    }
    cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
    cairo_set_line_width(cr, 0.5);
    cairo_move_to(cr, MARGIN, x->y);
    cairo_line_to(cr, PAGE_W - MARGIN, x->y);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    x->y += 4;
    if (b->nrows == 0 && b->text) {
        return flow_text(x, x->f_body, b->text, 10);
    }
    x->y += 10;
    return 0;
}

static int chart(pdf_t *x, const mx_block_t *b)
{
    if (ensure(x, CHART_H + 10) != 0) {
        return -1;
    }
    pango_layout_set_font_description(x->small, x->f_small);
    mx_chart_draw(x->cr, x->small, b, MARGIN, x->y, CONTENT_W, CHART_H);
    cairo_set_source_rgb(x->cr, 0, 0, 0); /* what follows is black text again */
    x->y += CHART_H + 14;
    return 0;
}

/* The diagonal watermark as glyph outlines, not text (copy-paste and text
 * extraction of the page then give the page's own words, not fragments of
 * the watermark), recorded once and painted on every page: the PDF holds
 * it once, as a form XObject. */
static void watermark(pdf_t *x, const char *text)
{
    cairo_rectangle_t page = {0, 0, PAGE_W, PAGE_H};
    cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &page);
    cairo_t *cr = cairo_create(rec);
    PangoLayout *l = mx_layout(x, mx_font(x->pool, FONT " Bold 22"));
    int w, h;

    apr_pool_cleanup_register(x->pool, rec, destroy_surface, apr_pool_cleanup_null);
    pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
    pango_layout_set_text(l, text, -1);
    pango_layout_get_size(l, &w, &h);
    cairo_translate(cr, PAGE_W / 2, PAGE_H / 2);
    cairo_rotate(cr, -atan2(PAGE_H, PAGE_W));
    cairo_move_to(cr, -(double)w / PANGO_SCALE / 2, -(double)h / PANGO_SCALE / 2);
    pango_cairo_layout_path(cr, l);
    cairo_set_source_rgba(cr, 0.75, 0.1, 0.1, 0.18);
    cairo_fill(cr);
    cairo_destroy(cr);
    x->watermark = cairo_pattern_create_for_surface(rec);
    apr_pool_cleanup_register(x->pool, x->watermark, destroy_pattern, apr_pool_cleanup_null);
}

/* ------------------------------------------------------------ entry points */

static void set_metadata(cairo_surface_t *s, const mx_doc_t *d)
{
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, d->title);
    if (d->author && *d->author) {
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_AUTHOR, d->author);
    }
    if (d->subject && *d->subject) {
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_SUBJECT, d->subject);
    }
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "maplat");
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, now);
}

const char *mx_render_pdf(apr_pool_t *p, const mx_doc_t *d, const char *path, mx_progress_fn cb, void *ctx)
{
    pdf_t x;
    cairo_font_options_t *fo;
    cairo_status_t st;
    int rc = 0;

    memset(&x, 0, sizeof(x));
    x.pool = p;
    x.doc = d;
    x.cb = cb;
    x.cb_ctx = ctx;
    x.surface = cairo_pdf_surface_create(path, PAGE_W, PAGE_H);
    apr_pool_cleanup_register(p, x.surface, destroy_surface, apr_pool_cleanup_null);
    if ((st = cairo_surface_status(x.surface)) != CAIRO_STATUS_SUCCESS) {
        return apr_psprintf(p, "cannot create the PDF: %s", cairo_status_to_string(st));
    }
    set_metadata(x.surface, d);
    x.cr = cairo_create(x.surface);
    apr_pool_cleanup_register(p, x.cr, destroy_cr, apr_pool_cleanup_null);

    /* the calling thread's own font map */
    x.ctx = pango_font_map_create_context(pango_cairo_font_map_get_default());
    apr_pool_cleanup_register(p, x.ctx, unref_gobject, apr_pool_cleanup_null);
    fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(x.ctx, fo);
    cairo_font_options_destroy(fo);
    pango_cairo_context_set_resolution(x.ctx, 72);
    pango_cairo_update_context(x.cr, x.ctx);

    x.f_body = mx_font(p, FONT " 9.5");
    x.f_bold = mx_font(p, FONT " Bold 9.5");
    x.f_h1 = mx_font(p, FONT " Bold 17");
    x.f_h2 = mx_font(p, FONT " Bold 12.5");
    x.f_small = mx_font(p, FONT " 7.5");
    x.text = mx_layout(&x, x.f_body);
    x.small = mx_layout(&x, x.f_small);
    x.head = mx_fixed_layout(&x, x.f_small, d->title);
    pango_layout_set_width(x.head, (int)(CONTENT_W * PANGO_SCALE));
    pango_layout_set_ellipsize(x.head, PANGO_ELLIPSIZE_END);
    x.foot = mx_fixed_layout(&x, x.f_small, d->footer ? d->footer : "");
    pango_layout_set_width(x.foot, (int)(CONTENT_W / 2 * PANGO_SCALE));
    pango_layout_set_ellipsize(x.foot, PANGO_ELLIPSIZE_END);
    x.segs = apr_hash_make(p);
    x.boxes = apr_hash_make(p);
    mx_face_init(&x, &x.body, x.f_body);
    mx_face_init(&x, &x.bold, x.f_bold);
    if (d->watermark) {
        watermark(&x, d->watermark);
        {
            char *one = apr_pstrdup(p, d->watermark);
            for (char *c = one; *c; c++) {
                if (*c == '\n') {
                    *c = ' ';
                }
            }
            x.stamp = mx_fixed_layout(&x, x.f_small, apr_pstrcat(p, "— ", one, " —", NULL));
        }
    }

    page_new(&x);
    for (int i = 0; i < d->blocks->nelts && rc == 0; i++) {
        const mx_block_t *b = &((const mx_block_t *)d->blocks->elts)[i];
        switch (b->kind) {
        case MX_HEADING:
            rc = heading(&x, b);
            break;
        case MX_PARAGRAPH:
            rc = flow_text(&x, x.f_body, b->text, 6);
            break;
        case MX_TABLE:
            rc = table(&x, b);
            break;
        case MX_CHART:
            rc = chart(&x, b);
            break;
        }
        x.blocks_done++;
    }
    if (x.aborted) {
        return MX_ABORTED;
    }
    page_end(&x);
    cairo_surface_finish(x.surface);
    if ((st = cairo_surface_status(x.surface)) != CAIRO_STATUS_SUCCESS) {
        return apr_psprintf(p, "writing the PDF failed: %s", cairo_status_to_string(st));
    }
    if (cb && cb(ctx, 100) != 0) {
        return MX_ABORTED;
    }
    return NULL;
}
