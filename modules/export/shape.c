/*
 * Text shaping for the PDF renderer (pdf.h): fonts, layouts and table cells.
 *
 * A cell of plain left-to-right text (Latin, punctuation, currency signs) is
 * cut at pango's own line-break opportunities into segments; each distinct
 * segment is itemized and shaped once per render (words, names, statuses and
 * dates repeat on every page) and the lines are filled with the measured
 * segments (mx_fill_lines). Any other text, or a word wider than its column,
 * goes through a full PangoLayout.
 */
#include "pdf.h"
#include "apr_strings.h"
#include <string.h>

PangoFontDescription *mx_font(apr_pool_t *p, const char *spec)
{
    PangoFontDescription *f = pango_font_description_from_string(spec);
    apr_pool_cleanup_register(p, f, free_font, apr_pool_cleanup_null);
    return f;
}

PangoLayout *mx_layout(pdf_t *x, PangoFontDescription *f)
{
    PangoLayout *l = pango_layout_new(x->ctx);
    apr_pool_cleanup_register(x->pool, l, unref_gobject, apr_pool_cleanup_null);
    pango_layout_set_font_description(l, f);
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    return l;
}

PangoLayout *mx_fixed_layout(pdf_t *x, PangoFontDescription *f, const char *text)
{
    PangoLayout *l = mx_layout(x, f);
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

void mx_face_init(pdf_t *x, face_t *fc, PangoFontDescription *desc)
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

/* One glyph run per line (mx_shape_cell() lets only text in the face's own font, left
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
const box_t *mx_shape_cell(pdf_t *x, face_t *fc, int width, const char *text)
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
    b->layout = mx_layout(x, fc->desc);
    pango_layout_set_width(b->layout, width);
    pango_layout_set_text(b->layout, text, (int)n);
    pango_layout_get_size(b->layout, NULL, &b->height);
    return b;
}

void mx_cell_draw(pdf_t *x, const face_t *fc, const box_t *b, double cx, double cy)
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
