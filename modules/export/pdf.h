/*
 * The PDF renderer's parts (private to modules/export: pdf.c, shape.c, chart.c).
 *   pdf.c    pages, blocks, the watermark, mx_render_pdf
 *   shape.c  text shaping: fonts, layouts, table cells (segments shaped once
 *            per render, lines filled by mx_fill_lines)
 *   chart.c  the bar chart, drawn with cairo into a PDF page or a PNG (DOCX)
 */
#ifndef MAPLAT_EXPORT_PDF_H
#define MAPLAT_EXPORT_PDF_H

#include "render.h"
#include "apr_hash.h"
#include <cairo.h>
#include <pango/pangocairo.h>

#define PAGE_W 595.28
#define PAGE_H 841.89
#define MARGIN 50.0
#define TOP (MARGIN + 24.0)             /* below the running header */
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
    int height;             /* pango units */
} box_t;

typedef struct {
    apr_pool_t *pool;
    const mx_doc_t *doc;
    cairo_surface_t *surface;
    cairo_t *cr;
    PangoContext *ctx;
    PangoLayout *text;                /* body text, wrapping */
    PangoLayout *small;               /* page numbers, chart labels */
    PangoLayout *head, *foot, *stamp; /* the same on every page */
    cairo_pattern_t *watermark;       /* outlines, drawn once, painted on every page */
    face_t body, bold;                /* table cells */
    apr_hash_t *segs;                 /* seg_t by face and text */
    apr_hash_t *boxes;                /* box_t by face, width and text */
    char *key;                        /* scratch for hash keys */
    size_t keycap;
    PangoFontDescription *f_body, *f_bold, *f_h1, *f_h2, *f_small;
    int page; /* current page number (1-based), 0 before the first */
    double y;
    int blocks_done;
    mx_progress_fn cb;
    void *cb_ctx;
    int aborted;
} pdf_t;

/* pool cleanups for the cairo, pango and GLib objects */
static inline apr_status_t unref_gobject(void *o)
{
    g_object_unref(o);
    return APR_SUCCESS;
}

static inline apr_status_t free_font(void *f)
{
    pango_font_description_free(f);
    return APR_SUCCESS;
}

static inline apr_status_t destroy_cr(void *cr)
{
    cairo_destroy(cr);
    return APR_SUCCESS;
}

static inline apr_status_t destroy_pattern(void *pt)
{
    cairo_pattern_destroy(pt);
    return APR_SUCCESS;
}

static inline apr_status_t destroy_surface(void *s)
{
    cairo_surface_destroy(s);
    return APR_SUCCESS;
}

/* shape.c */
PangoFontDescription *mx_font(apr_pool_t *p, const char *spec);
PangoLayout *mx_layout(pdf_t *x, PangoFontDescription *f);
PangoLayout *mx_fixed_layout(pdf_t *x, PangoFontDescription *f, const char *text);
void mx_face_init(pdf_t *x, face_t *fc, PangoFontDescription *desc);
/* Lays out a cell of `width` pango units (cached per render). */
const box_t *mx_shape_cell(pdf_t *x, face_t *fc, int width, const char *text);
void mx_cell_draw(pdf_t *x, const face_t *fc, const box_t *b, double cx, double cy);

/* chart.c: draws the bar chart of b into the box (x0, y0, w, h) with text in `l` */
void mx_chart_draw(cairo_t *cr, PangoLayout *l, const mx_block_t *b, double x0, double y0, double w,
                   double h);

#endif
