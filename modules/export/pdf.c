/*
 * PDF renderer: cairo (PDF surface) + pango (text layout, embedded font
 * subsets, extractable text). A4 portrait; header and footer with page
 * numbers on every page; paragraphs break across pages line by line;
 * tables break between rows and repeat their header row on the next page;
 * the bar chart is drawn with cairo; optional diagonal watermark.
 *
 * Speed (bench/render): table cells are most of a report. A cell of plain
 * left-to-right text (Latin, punctuation, currency signs) is cut at pango's
 * own line-break opportunities into segments; each distinct segment is
 * itemized and shaped once per render (words, names, statuses and dates
 * repeat on every page) and the lines are filled with the measured segments
 * (mx_fill_lines). Any other text, or a word wider than its column, goes
 * through a full PangoLayout. Pagination decisions are mx_paginate's
 * (layout.c, unit-tested without pango).
 *
 * Threads: pango's per-thread default font map
 * (pango_cairo_font_map_get_default()), never one shared across threads.
 */
#include "render.h"
#include "apr_strings.h"
#include "apr_hash.h"
#include <cairo.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define PAGE_W 595.28
#define PAGE_H 841.89
#define MARGIN 50.0
#define TOP (MARGIN + 24.0)         /* below the running header */
#define BOTTOM (PAGE_H - MARGIN - 20.0) /* above the footer */
#define CONTENT_W (PAGE_W - 2 * MARGIN)
#define CELL_PAD 4.0
#define CHART_H 210.0
#define FONT "DejaVu Sans"

/* A cell font: its description, as attributes for pango_itemize, and the
 * line box (pango units). */
typedef struct {
    PangoFontDescription *desc;
    PangoAttrList *attrs;
    int ascent, line;
    PangoFont *font; /* the font the description resolves to: other fonts (fallbacks
                      * for characters it lacks) have other line boxes */
} face_t;

/* Text between two line-break opportunities, shaped: width and trailing
 * white space in pango units; the glyph items index into `text`. */
typedef struct {
    const char *text;
    int width, trail, nruns;
    PangoGlyphItem *runs;
} seg_t;

/* A laid-out cell: lines of segments, or a PangoLayout (general text). */
typedef struct {
    PangoLayout *layout;
    seg_t **segs;
    int *starts; /* first segment of each line, nlines + 1 entries */
    int nlines;
    PangoGlyphItem *merged; /* per line: its segments as one glyph run (item NULL: an empty line) */
    const char **ltext;     /* per line: its text, which merged[l] indexes */
    int height;  /* pango units */
} box_t;

typedef struct {
    apr_pool_t *pool;
    const mx_doc_t *doc;
    cairo_surface_t *surface;
    cairo_t *cr;
    PangoContext *ctx;
    PangoLayout *text;      /* body text, wrapping */
    PangoLayout *small;     /* page numbers, chart labels */
    PangoLayout *head, *foot, *stamp; /* the same on every page */
    cairo_pattern_t *watermark; /* outlines, drawn once, painted on every page */
    face_t body, bold;      /* table cells */
    apr_hash_t *segs;       /* seg_t by face and text */
    apr_hash_t *boxes;      /* box_t by face, width and text */
    char *key;              /* scratch for hash keys */
    size_t keycap;
    PangoFontDescription *f_body, *f_bold, *f_h1, *f_h2, *f_small;
    int page;               /* current page number (1-based), 0 before the first */
    double y;
    int blocks_done;
    mx_progress_fn cb;
    void *cb_ctx;
    int aborted;
} pdf_t;

static apr_status_t unref_gobject(void *o)
{
    g_object_unref(o);
    return APR_SUCCESS;
}

static apr_status_t free_font(void *f)
{
    pango_font_description_free(f);
    return APR_SUCCESS;
}

static apr_status_t destroy_cr(void *cr)
{
    cairo_destroy(cr);
    return APR_SUCCESS;
}

static apr_status_t destroy_pattern(void *pt)
{
    cairo_pattern_destroy(pt);
    return APR_SUCCESS;
}

static apr_status_t destroy_surface(void *s)
{
    cairo_surface_destroy(s);
    return APR_SUCCESS;
}

static PangoFontDescription *font(apr_pool_t *p, const char *spec)
{
    PangoFontDescription *f = pango_font_description_from_string(spec);
    apr_pool_cleanup_register(p, f, free_font, apr_pool_cleanup_null);
    return f;
}

static PangoLayout *layout(pdf_t *x, PangoFontDescription *f)
{
    PangoLayout *l = pango_layout_new(x->ctx);
    apr_pool_cleanup_register(x->pool, l, unref_gobject, apr_pool_cleanup_null);
    pango_layout_set_font_description(l, f);
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    return l;
}

static PangoLayout *fixed_layout(pdf_t *x, PangoFontDescription *f, const char *text)
{
    PangoLayout *l = layout(x, f);
    pango_layout_set_text(l, text, -1);
    return l;
}

/* ------------------------------------------------------------ cells */

static apr_status_t free_seg(void *data)
{
    seg_t *sg = data;
    for (int i = 0; i < sg->nruns; i++) {
        pango_item_free(sg->runs[i].item);
        pango_glyph_string_free(sg->runs[i].glyphs);
    }
    return APR_SUCCESS;
}

static apr_status_t unref_attrs(void *a)
{
    pango_attr_list_unref(a);
    return APR_SUCCESS;
}

static void face_init(pdf_t *x, face_t *fc, PangoFontDescription *desc)
{
    PangoFontMetrics *m = pango_context_get_metrics(x->ctx, desc, NULL);
    fc->desc = desc;
    fc->attrs = pango_attr_list_new();
    apr_pool_cleanup_register(x->pool, fc->attrs, unref_attrs, apr_pool_cleanup_null);
    pango_attr_list_insert(fc->attrs, pango_attr_font_desc_new(desc));
    fc->ascent = pango_font_metrics_get_ascent(m);
    fc->line = fc->ascent + pango_font_metrics_get_descent(m);
    if ((fc->font = pango_context_load_font(x->ctx, desc))) {
        apr_pool_cleanup_register(x->pool, fc->font, unref_gobject, apr_pool_cleanup_null);
    }
    pango_font_metrics_unref(m);
}

/* The hash key face + width + text in x->key; returns its length. */
static size_t make_key(pdf_t *x, const face_t *fc, int width, const char *text, size_t n)
{
    size_t klen = sizeof(fc) + sizeof(width) + n;
    if (klen > x->keycap) {
        x->keycap = klen * 2 + 64;
        x->key = apr_palloc(x->pool, x->keycap);
    }
    memcpy(x->key, &fc, sizeof(fc));
    memcpy(x->key + sizeof(fc), &width, sizeof(width));
    memcpy(x->key + sizeof(fc) + sizeof(width), text, n);
    return klen;
}

/* Plain left-to-right text the segment path handles exactly like pango:
 * printable ASCII, Latin-1 and Latin Extended-A/B letters, general
 * punctuation (no separators or bidi controls) and currency signs. */
static int plain_text(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    while (*u) {
        gunichar c;
        if (*u < 0x80) {
            if (*u < 0x20 || *u == 0x7f) {
                return 0;
            }
            u++;
            continue;
        }
        c = g_utf8_get_char_validated((const char *)u, -1);
        if (c == (gunichar)-1 || c == (gunichar)-2 || c == 0xAD) {
            return 0;
        }
        if (!((c >= 0xA0 && c <= 0x24F) || (c >= 0x2010 && c <= 0x2027) || (c >= 0x2030 && c <= 0x205E) ||
              (c >= 0x20A0 && c <= 0x20CF) || c == 0x2122)) {
            return 0;
        }
        u = (const unsigned char *)g_utf8_next_char(u);
    }
    return 1;
}

static seg_t *segment(pdf_t *x, face_t *fc, const char *text, size_t n)
{
    size_t klen = make_key(x, fc, 0, text, n), trimmed = n;
    seg_t *sg = apr_hash_get(x->segs, x->key, (apr_ssize_t)klen);
    GList *items, *l;
    int i = 0;

    if (sg) {
        return sg;
    }
    sg = apr_pcalloc(x->pool, sizeof(*sg));
    apr_hash_set(x->segs, apr_pmemdup(x->pool, x->key, klen), (apr_ssize_t)klen, sg);
    sg->text = apr_pstrmemdup(x->pool, text, n);
    while (trimmed > 0 && sg->text[trimmed - 1] == ' ') {
        trimmed--;
    }
    items = pango_itemize(x->ctx, sg->text, 0, (int)n, fc->attrs, NULL);
    sg->nruns = (int)g_list_length(items);
    sg->runs = apr_palloc(x->pool, sizeof(*sg->runs) * (size_t)(sg->nruns ? sg->nruns : 1));
    for (l = items; l; l = l->next, i++) {
        PangoItem *it = l->data;
        PangoGlyphString *g = pango_glyph_string_new();
        pango_shape_with_flags(sg->text + it->offset, it->length, sg->text, (int)n, &it->analysis, g,
                               PANGO_SHAPE_ROUND_POSITIONS);
        sg->runs[i].item = it;
        sg->runs[i].glyphs = g;
        sg->width += pango_glyph_string_get_width(g);
        for (int j = 0; j < g->num_glyphs; j++) {
            if ((size_t)(it->offset + g->log_clusters[j]) >= trimmed) {
                sg->trail += g->glyphs[j].geometry.width;
            }
        }
    }
    g_list_free(items);
    apr_pool_cleanup_register(x->pool, sg, free_seg, apr_pool_cleanup_null);
    return sg;
}

/* One glyph run per line (cell() lets only text in the face's own font, left
 * to right, take this path): a line is then one text-showing operation in
 * the PDF instead of one per word (cairo's cost is per operation as much as
 * per glyph). */
static void merge_lines(pdf_t *x, box_t *b)
{
    b->merged = apr_pcalloc(x->pool, sizeof(*b->merged) * (size_t)b->nlines);
    b->ltext = apr_palloc(x->pool, sizeof(*b->ltext) * (size_t)b->nlines);
    for (int l = 0; l < b->nlines; l++) {
        const PangoItem *first = NULL;
        int glyphs = 0, bytes = 0, chars = 0, at = 0, off = 0;
        PangoItem *item;
        PangoGlyphString *g;
        char *text;

        for (int i = b->starts[l]; i < b->starts[l + 1]; i++) {
            const seg_t *sg = b->segs[i];
            for (int r = 0; r < sg->nruns; r++) {
                const PangoItem *it = sg->runs[r].item;
                if (!first) {
                    first = it;
                }
                glyphs += sg->runs[r].glyphs->num_glyphs;
                chars += it->num_chars;
            }
            bytes += (int)strlen(sg->text);
        }
        if (!first) { /* an empty line: nothing to draw */
            continue;
        }
        text = apr_palloc(x->pool, (size_t)bytes + 1);
        item = apr_pcalloc(x->pool, sizeof(*item));
        g = apr_pcalloc(x->pool, sizeof(*g));
        g->glyphs = apr_palloc(x->pool, sizeof(*g->glyphs) * (size_t)glyphs);
        g->log_clusters = apr_palloc(x->pool, sizeof(int) * (size_t)glyphs);
        g->num_glyphs = g->space = glyphs;
        for (int i = b->starts[l]; i < b->starts[l + 1]; i++) {
            const seg_t *sg = b->segs[i];
            size_t len = strlen(sg->text);
            memcpy(text + off, sg->text, len);
            for (int r = 0; r < sg->nruns; r++) {
                const PangoGlyphString *sgl = sg->runs[r].glyphs;
                memcpy(g->glyphs + at, sgl->glyphs, sizeof(*sgl->glyphs) * (size_t)sgl->num_glyphs);
                for (int j = 0; j < sgl->num_glyphs; j++) {
                    g->log_clusters[at + j] = off + sg->runs[r].item->offset + sgl->log_clusters[j];
                }
                at += sgl->num_glyphs;
            }
            off += (int)len;
        }
        text[bytes] = '\0';
        item->offset = 0;
        item->length = bytes;
        item->num_chars = chars;
        item->analysis = first->analysis;
        item->analysis.extra_attrs = NULL;
        item->analysis.flags &= (guint8) ~(1u << 7); /* pango's private "has char_offset": this
                                                        item has no hidden tail */
        b->merged[l].item = item;
        b->merged[l].glyphs = g;
        b->ltext[l] = text;
    }
}

/* Lays out a cell of `width` pango units (cached per render). */
static const box_t *cell(pdf_t *x, face_t *fc, int width, const char *text)
{
    size_t n = strlen(text), klen = make_key(x, fc, width, text, n);
    box_t *b = apr_hash_get(x->boxes, x->key, (apr_ssize_t)klen);
    long nchars;

    if (b) {
        return b;
    }
    b = apr_pcalloc(x->pool, sizeof(*b));
    apr_hash_set(x->boxes, apr_pmemdup(x->pool, x->key, klen), (apr_ssize_t)klen, b);
    nchars = g_utf8_strlen(text, (gssize)n);
    /* plain text of a size a cell has (longer texts, and runs of spaces, which pango
     * breaks between and lets overhang differently, take the general path) */
    if (nchars <= 4096 && !strstr(text, "  ") && plain_text(text)) {
        PangoLogAttr *la = apr_palloc(x->pool, sizeof(*la) * (size_t)(nchars + 1));
        int *w = apr_palloc(x->pool, sizeof(int) * (size_t)(nchars + 1) * 2), *tr = w + nchars + 1;
        int nsegs = 0, fits = 1;
        const char *start = text, *c = text;

        b->segs = apr_palloc(x->pool, sizeof(seg_t *) * (size_t)(nchars + 1));
        if (nchars > 0) {
            pango_get_log_attrs(text, (int)n, -1, pango_language_get_default(), la, (int)nchars + 1);
        }
        for (long i = 1; i <= nchars; i++) {
            c = g_utf8_next_char(c);
            if (i == nchars || la[i].is_line_break) {
                seg_t *sg = segment(x, fc, start, (size_t)(c - start));
                b->segs[nsegs] = sg;
                w[nsegs] = sg->width;
                tr[nsegs] = sg->trail;
                fits &= sg->width - sg->trail <= width;
                for (int r = 0; r < sg->nruns; r++) {
                    fits &= sg->runs[r].item->analysis.font == fc->font;
                }
                nsegs++;
                start = c;
            }
        }
        if (fits) {
            b->starts = apr_palloc(x->pool, sizeof(int) * (size_t)(nsegs + 2));
            b->nlines = mx_fill_lines(w, tr, nsegs, width, b->starts);
            b->height = b->nlines * fc->line;
            merge_lines(x, b);
            return b;
        }
    }
    /* anything else, and words wider than the column (broken between characters) */
    b->layout = layout(x, fc->desc);
    pango_layout_set_width(b->layout, width);
    pango_layout_set_text(b->layout, text, (int)n);
    pango_layout_get_size(b->layout, NULL, &b->height);
    return b;
}

static void cell_draw(pdf_t *x, const face_t *fc, const box_t *b, double cx, double cy)
{
    cairo_t *cr = x->cr;
    if (b->layout) {
        cairo_move_to(cr, cx, cy);
        pango_cairo_show_layout(cr, b->layout);
        return;
    }
    for (int l = 0; l < b->nlines; l++) {
        double base = cy + (double)(l * fc->line + fc->ascent) / PANGO_SCALE;
        if (b->merged[l].item) {
            cairo_move_to(cr, cx, base);
            pango_cairo_show_glyph_item(cr, b->ltext[l], &b->merged[l]);
        }
    }
}

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
        cell_draw(x, &x->bold, hdr[k], cx + CELL_PAD, x->y + CELL_PAD);
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
        hdr[k] = cell(x, &x->bold, iw[k], b->headers[k]);
        hh = fmax(hh, (double)hdr[k]->height / PANGO_SCALE + 2 * CELL_PAD);
    }
    for (int r = 0; r < b->nrows; r++) {
        rh[r] = 0;
        for (int k = 0; k < n; k++) {
            const box_t *c = cells[r * n + k] = cell(x, &x->body, iw[k], b->cells[r][k]);
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
            cell_draw(x, &x->body, cells[r * n + k], cx + CELL_PAD, x->y + CELL_PAD);
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

/* ------------------------------------------------------------ the chart */

static const double palette[][3] = {
    {0.16, 0.38, 0.67}, {0.89, 0.47, 0.13}, {0.20, 0.60, 0.33}, {0.75, 0.22, 0.24},
    {0.53, 0.38, 0.70}, {0.55, 0.45, 0.30}, {0.85, 0.40, 0.65}, {0.40, 0.40, 0.40},
};

static double nice_step(double range)
{
    double raw = range / 5, mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/* Draws the bar chart of b into the box (x0, y0, w, h) with text in `l`. */
static void chart_draw(cairo_t *cr, PangoLayout *l, const mx_block_t *b, double x0, double y0, double w, double h)
{
    double lo = 0, hi = 0, step, plot_x, plot_y, plot_w, plot_h, gw, bw;
    int tw, th;
    char buf[64];

    for (int s = 0; s < b->nseries; s++) {
        for (int c = 0; c < b->ncat; c++) {
            lo = fmin(lo, b->values[s][c]);
            hi = fmax(hi, b->values[s][c]);
        }
    }
    if (hi - lo < 1e-9) {
        hi = lo + 1;
    }
    step = nice_step(hi - lo);
    lo = floor(lo / step) * step;
    hi = ceil(hi / step) * step;

    /* title */
    cairo_set_source_rgb(cr, 0, 0, 0);
    pango_layout_set_width(l, (int)(w * PANGO_SCALE));
    pango_layout_set_text(l, b->text ? b->text : "", -1);
    cairo_move_to(cr, x0, y0);
    pango_cairo_show_layout(cr, l);
    pango_layout_get_size(l, &tw, &th);
    pango_layout_set_width(l, -1);

    /* legend */
    {
        double lx = x0, ly = y0 + (double)th / PANGO_SCALE + 4;
        for (int s = 0; s < b->nseries; s++) {
            cairo_set_source_rgb(cr, palette[s % 8][0], palette[s % 8][1], palette[s % 8][2]);
            cairo_rectangle(cr, lx, ly + 3, 8, 8);
            cairo_fill(cr);
            cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
            pango_layout_set_text(l, b->series[s], -1);
            pango_layout_get_size(l, &tw, NULL);
            cairo_move_to(cr, lx + 11, ly);
            pango_cairo_show_layout(cr, l);
            lx += 11 + (double)tw / PANGO_SCALE + 12;
        }
        plot_y = ly + 22;
    }
    plot_x = x0 + 40;
    plot_w = w - 40;
    plot_h = y0 + h - 18 - plot_y;

    /* grid and y axis labels */
    cairo_set_line_width(cr, 0.4);
    for (int i = 0, ticks = (int)floor((hi - lo) / step + 0.5); i <= ticks; i++) {
        double v = lo + i * step;
        double yy = plot_y + plot_h - (v - lo) / (hi - lo) * plot_h;
        cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
        cairo_move_to(cr, plot_x, yy);
        cairo_line_to(cr, plot_x + plot_w, yy);
        cairo_stroke(cr);
        snprintf(buf, sizeof(buf), "%g", fabs(v) < step / 1e6 ? 0.0 : v);
        pango_layout_set_text(l, buf, -1);
        pango_layout_get_size(l, &tw, &th);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        cairo_move_to(cr, plot_x - 4 - (double)tw / PANGO_SCALE, yy - (double)th / PANGO_SCALE / 2);
        pango_cairo_show_layout(cr, l);
    }
    if (b->ncat == 0) {
        return;
    }
    gw = plot_w / b->ncat;
    bw = gw * 0.8 / b->nseries;
    for (int c = 0; c < b->ncat; c++) {
        double gx = plot_x + c * gw + gw * 0.1;
        double zero = plot_y + plot_h - (0 - lo) / (hi - lo) * plot_h;
        for (int s = 0; s < b->nseries; s++) {
            double v = b->values[s][c];
            double yy = plot_y + plot_h - (v - lo) / (hi - lo) * plot_h;
            cairo_set_source_rgb(cr, palette[s % 8][0], palette[s % 8][1], palette[s % 8][2]);
            cairo_rectangle(cr, gx + s * bw, fmin(yy, zero), bw * 0.92, fabs(zero - yy));
            cairo_fill(cr);
        }
        /* category label */
        pango_layout_set_text(l, b->categories[c], -1);
        pango_layout_get_size(l, &tw, &th);
        cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
        cairo_move_to(cr, plot_x + c * gw + (gw - (double)tw / PANGO_SCALE) / 2, plot_y + plot_h + 3);
        pango_cairo_show_layout(cr, l);
    }
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cairo_set_line_width(cr, 0.8);
    cairo_move_to(cr, plot_x, plot_y);
    cairo_line_to(cr, plot_x, plot_y + plot_h);
    cairo_line_to(cr, plot_x + plot_w, plot_y + plot_h);
    cairo_stroke(cr);
}

static int chart(pdf_t *x, const mx_block_t *b)
{
    if (ensure(x, CHART_H + 10) != 0) {
        return -1;
    }
    pango_layout_set_font_description(x->small, x->f_small);
    chart_draw(x->cr, x->small, b, MARGIN, x->y, CONTENT_W, CHART_H);
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
    PangoLayout *l = layout(x, font(x->pool, FONT " Bold 22"));
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

    x.f_body = font(p, FONT " 9.5");
    x.f_bold = font(p, FONT " Bold 9.5");
    x.f_h1 = font(p, FONT " Bold 17");
    x.f_h2 = font(p, FONT " Bold 12.5");
    x.f_small = font(p, FONT " 7.5");
    x.text = layout(&x, x.f_body);
    x.small = layout(&x, x.f_small);
    x.head = fixed_layout(&x, x.f_small, d->title);
    pango_layout_set_width(x.head, (int)(CONTENT_W * PANGO_SCALE));
    pango_layout_set_ellipsize(x.head, PANGO_ELLIPSIZE_END);
    x.foot = fixed_layout(&x, x.f_small, d->footer ? d->footer : "");
    pango_layout_set_width(x.foot, (int)(CONTENT_W / 2 * PANGO_SCALE));
    pango_layout_set_ellipsize(x.foot, PANGO_ELLIPSIZE_END);
    x.segs = apr_hash_make(p);
    x.boxes = apr_hash_make(p);
    face_init(&x, &x.body, x.f_body);
    face_init(&x, &x.bold, x.f_bold);
    if (d->watermark) {
        watermark(&x, d->watermark);
        {
            char *one = apr_pstrdup(p, d->watermark);
            for (char *c = one; *c; c++) {
                if (*c == '\n') {
                    *c = ' ';
                }
            }
            x.stamp = fixed_layout(&x, x.f_small, apr_pstrcat(p, "— ", one, " —", NULL));
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

/* ------------------------------------------------------------ PNG of a chart */

typedef struct {
    apr_pool_t *p;
    unsigned char *buf;
    size_t len, cap;
} pngbuf_t;

static cairo_status_t png_write(void *closure, const unsigned char *data, unsigned int length)
{
    pngbuf_t *b = closure;
    if (b->len + length > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 65536) + length;
        unsigned char *n = apr_palloc(b->p, cap);
        if (b->len) {
            memcpy(n, b->buf, b->len);
        }
        b->buf = n;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, data, length);
    b->len += length;
    return CAIRO_STATUS_SUCCESS;
}

const char *mx_chart_png(apr_pool_t *p, const mx_block_t *b, int width, int height, unsigned char **png,
                         size_t *len)
{
    /* drawn at 2x for a crisp image; the DOCX shows it at width x height points */
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width * 2, height * 2);
    cairo_t *cr;
    PangoLayout *l;
    PangoFontDescription *f;
    pngbuf_t out = {p, NULL, 0, 0};
    cairo_status_t st;

    apr_pool_cleanup_register(p, s, destroy_surface, apr_pool_cleanup_null);
    cr = cairo_create(s);
    apr_pool_cleanup_register(p, cr, destroy_cr, apr_pool_cleanup_null);
    l = pango_cairo_create_layout(cr); /* the thread's default font map */
    apr_pool_cleanup_register(p, l, unref_gobject, apr_pool_cleanup_null);
    f = font(p, FONT " 7.5");
    pango_layout_set_font_description(l, f);
    cairo_scale(cr, 2, 2);
    pango_cairo_update_layout(cr, l);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    chart_draw(cr, l, b, 8, 8, width - 16, height - 16);
    cairo_surface_flush(s);
    if ((st = cairo_surface_write_to_png_stream(s, png_write, &out)) != CAIRO_STATUS_SUCCESS) {
        return apr_psprintf(p, "cannot draw the chart: %s", cairo_status_to_string(st));
    }
    *png = out.buf;
    *len = out.len;
    return NULL;
}
