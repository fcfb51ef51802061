/*
 * Watermarked copies of PDF files (watermark.h; docs/export.md
 * "Watermarked downloads").
 *
 * Each page of the original is drawn with poppler-glib's cairo backend in
 * printing mode (poppler_page_render_for_printing: text stays text with its
 * embedded fonts, vector graphics stay vectors, JPEG images are embedded as
 * they are) onto a cairo PDF surface of the page's own size, which streams
 * the copy to the destination file as pages end. The stamp is drawn on top:
 * the viewer's e-mail, the time and their address, diagonal across the page
 * in light red (the export module's watermark style, modules/export/pdf.c)
 * and once more as a small plain line along the bottom edge. Unlike the
 * export module's outline watermark, both are real text (pango), so
 * `pdftotext` and search find them; the plain line is the one text
 * extractors read in one piece. The stamp is recorded once per page size and
 * painted on every page: the copy holds it once, as a form XObject.
 *
 * Threads. Every call has its own PopplerDocument, cairo surface and pango
 * context (from the calling thread's own pango font map), so calls share no
 * object. What they do share inside poppler 22.12 (Debian 12) is one process-
 * wide FreeType library (CairoOutputDev's static FT_Library): poppler creates
 * and releases FreeType faces on it (FT_New_Memory_Face for the PDF's embedded
 * fonts while it renders a page, FT_Done_Face when the document's font cache
 * or the cairo surface lets them go), and FreeType requires FT_New_Face and
 * FT_Done_Face on one library to be serialised. Poppler's own locks (the
 * font engine's per-document mutex, the external font file cache's mutex,
 * GlobalParams' initialisation) do not cover that across documents, so
 * `ft_lock` does: it is held while a page renders, while the surface
 * finishes and is destroyed, and while the document is released; parsing the
 * file, drawing the stamp and compressing and writing pages run unlocked.
 * cairo itself is thread-safe (its caches have their own locks); so are glib
 * and fontconfig. What no caller can lock: cairo may evict a poppler face
 * from its global scaled-font cache (and so call FT_Done_Face) in any thread
 * that destroys a scaled font, e.g. an export render; every multi-threaded
 * poppler-glib program has that exposure.
 */
#include "watermark.h"
#include "apr_hash.h"
#include "apr_strings.h"
#include <cairo-pdf.h>
#include <cairo.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <poppler.h>
#include <pthread.h>
#include <string.h>

#define STAMP_FONT "DejaVu Sans"
#define MAX_SIDE 14400.0 /* points: 200 inches, the largest page size PDF viewers accept */
#define HEADER_SCAN 1024 /* "%PDF-" must start within the first 1024 bytes (PDF 1.7, annex H) */

static pthread_mutex_t ft_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct {
    apr_file_t *dst;
    apr_status_t rv;
    int closed; /* failed: whatever cairo still writes while it is torn down is dropped */
} sink_t;

typedef struct {
    apr_pool_t *pool;
    PangoContext *ctx;
    const char *big, *line; /* the diagonal stamp's text (two lines) and the bottom line's */
    apr_hash_t *stamps;     /* cairo_pattern_t * by page size */
} stamp_t;

static cairo_status_t sink_write(void *closure, const unsigned char *data, unsigned int len)
{
    sink_t *s = closure;
    if (s->closed) {
        return CAIRO_STATUS_WRITE_ERROR;
    }
    if (s->rv == APR_SUCCESS) {
        s->rv = apr_file_write_full(s->dst, data, len, NULL);
    }
    return s->rv == APR_SUCCESS ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

static apr_status_t release_document(void *doc)
{
    pthread_mutex_lock(&ft_lock);
    g_object_unref(doc);
    pthread_mutex_unlock(&ft_lock);
    return APR_SUCCESS;
}

static apr_status_t release_surface(void *s)
{
    pthread_mutex_lock(&ft_lock);
    cairo_surface_destroy(s);
    pthread_mutex_unlock(&ft_lock);
    return APR_SUCCESS;
}

static apr_status_t release_pattern(void *pt)
{
    cairo_pattern_destroy(pt);
    return APR_SUCCESS;
}

static apr_status_t release_gobject(void *o)
{
    g_object_unref(o);
    return APR_SUCCESS;
}

/* A copy of s in the pool, valid UTF-8 (pango refuses anything else), one
 * line, at most 200 bytes; "" for NULL. */
static const char *clean(apr_pool_t *p, const char *s)
{
    gchar *v;
    char *out;
    if (!s) {
        return "";
    }
    v = g_utf8_make_valid(s, -1);
    for (gchar *c = v; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            *c = ' ';
        }
    }
    if (strlen(v) > 200) {
        *g_utf8_find_prev_char(v, v + 200) = 0; /* cut at a character boundary */
    }
    out = apr_pstrdup(p, v);
    g_free(v);
    return out;
}

static PangoLayout *stamp_layout(stamp_t *st, const char *text, const char *font, double size)
{
    PangoLayout *l = pango_layout_new(st->ctx);
    PangoFontDescription *f = pango_font_description_from_string(font);
    pango_font_description_set_absolute_size(f, size * PANGO_SCALE);
    pango_layout_set_font_description(l, f);
    pango_font_description_free(f);
    pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
    pango_layout_set_text(l, text, -1);
    return l;
}

/* The stamp of a w x h page, recorded once per page size. */
static cairo_pattern_t *stamp_for(stamp_t *st, double w, double h)
{
    char *key = apr_psprintf(st->pool, "%.2fx%.2f", w, h);
    cairo_pattern_t *pt = apr_hash_get(st->stamps, key, APR_HASH_KEY_STRING);
    cairo_rectangle_t page = {0, 0, w, h};
    cairo_surface_t *rec;
    cairo_t *cr;
    PangoLayout *l;
    double size, diag = hypot(w, h), tw, th;
    int lw, lh;

    if (pt) {
        return pt;
    }
    rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &page);
    cr = cairo_create(rec);
    pango_cairo_update_context(cr, st->ctx);

    /* diagonal, bold, light: 22 pt on A4 (as the export module), scaled with
     * the page and down to 80 % of the diagonal for long addresses */
    size = 22.0 * fmin(w, h) / 595.28;
    l = stamp_layout(st, st->big, STAMP_FONT " Bold", size);
    pango_layout_get_size(l, &lw, &lh);
    tw = (double)lw / PANGO_SCALE;
    if (tw > 0.8 * diag) {
        size *= 0.8 * diag / tw;
        pango_font_description_set_absolute_size((PangoFontDescription *)pango_layout_get_font_description(l),
                                                 size * PANGO_SCALE);
        pango_layout_context_changed(l);
        pango_layout_get_size(l, &lw, &lh);
    }
    tw = (double)lw / PANGO_SCALE;
    th = (double)lh / PANGO_SCALE;
    cairo_save(cr);
    cairo_translate(cr, w / 2, h / 2);
    cairo_rotate(cr, -atan2(h, w));
    cairo_move_to(cr, -tw / 2, -th / 2);
    cairo_set_source_rgba(cr, 0.75, 0.1, 0.1, 0.18);
    pango_cairo_show_layout(cr, l);
    cairo_restore(cr);
    g_object_unref(l);

    /* the plain line along the bottom edge, small */
    size = fmax(5.0, fmin(7.0, w / 85.0));
    l = stamp_layout(st, st->line, STAMP_FONT, size);
    pango_layout_set_width(l, (int)((w - 12) * PANGO_SCALE));
    pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_MIDDLE);
    pango_layout_get_size(l, &lw, &lh);
    cairo_move_to(cr, 6, h - 3 - (double)lh / PANGO_SCALE);
    cairo_set_source_rgba(cr, 0.55, 0.1, 0.1, 0.65);
    pango_cairo_show_layout(cr, l);
    g_object_unref(l);

    cairo_destroy(cr);
    pt = cairo_pattern_create_for_surface(rec);
    cairo_surface_destroy(rec); /* the pattern holds it */
    apr_pool_cleanup_register(st->pool, pt, release_pattern, apr_pool_cleanup_null);
    apr_hash_set(st->stamps, key, APR_HASH_KEY_STRING, pt);
    return pt;
}

/* 0 when the file can be read and starts like a PDF; else -1 with *err. */
static int check_header(apr_pool_t *p, const char *path, const char **err)
{
    apr_file_t *f;
    apr_finfo_t fi;
    char buf[HEADER_SCAN + 1];
    apr_size_t n = HEADER_SCAN;
    apr_status_t rv;

    if (apr_file_open(&f, path, APR_FOPEN_READ, APR_OS_DEFAULT, p) != APR_SUCCESS) {
        *err = "cannot read the file";
        return -1;
    }
    if (apr_file_info_get(&fi, APR_FINFO_SIZE | APR_FINFO_TYPE, f) != APR_SUCCESS || fi.filetype != APR_REG) {
        apr_file_close(f);
        *err = "cannot read the file";
        return -1;
    }
    if (fi.size == 0) {
        apr_file_close(f);
        *err = "empty file";
        return -1;
    }
    rv = apr_file_read_full(f, buf, n, &n);
    apr_file_close(f);
    if (rv != APR_SUCCESS && rv != APR_EOF) {
        *err = "cannot read the file";
        return -1;
    }
    buf[n] = 0;
    for (apr_size_t i = 0; i + 5 <= n; i++) {
        if (memcmp(buf + i, "%PDF-", 5) == 0) {
            return 0;
        }
    }
    *err = "not a PDF";
    return -1;
}

static void copy_metadata(cairo_surface_t *s, PopplerDocument *doc)
{
    static const struct {
        gchar *(*get)(PopplerDocument *);
        cairo_pdf_metadata_t key;
    } fields[] = {{poppler_document_get_title, CAIRO_PDF_METADATA_TITLE},
                  {poppler_document_get_author, CAIRO_PDF_METADATA_AUTHOR},
                  {poppler_document_get_subject, CAIRO_PDF_METADATA_SUBJECT}};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        gchar *v = fields[i].get(doc);
        if (v && *v && g_utf8_validate(v, -1, NULL)) {
            cairo_pdf_surface_set_metadata(s, fields[i].key, v);
        }
        g_free(v);
    }
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "maplat (watermarked copy)");
}

static int page_size(PopplerPage *pg, double *w, double *h)
{
    poppler_page_get_size(pg, w, h);
    return *w >= 1.0 && *h >= 1.0 && *w <= MAX_SIDE && *h <= MAX_SIDE ? 0 : -1;
}

static int watermark(apr_pool_t *p, const char *src_path, apr_file_t *dst, const maplat_watermark_t *wm,
                     int *pages, const char **err)
{
    PopplerDocument *doc;
    cairo_surface_t *surface;
    cairo_font_options_t *fo;
    GError *gerr = NULL;
    gchar *uri;
    sink_t *sink = apr_pcalloc(p, sizeof(*sink)); /* outlives this frame: the surface's cleanup writes */
    stamp_t st;
    int n;
    double w, h;

    sink->dst = dst;
    if (check_header(p, src_path, err) != 0) {
        return -1;
    }
    uri = g_filename_to_uri(src_path, NULL, &gerr);
    if (!uri) {
        g_clear_error(&gerr);
        *err = "cannot read the file";
        return -1;
    }
    doc = poppler_document_new_from_file(uri, NULL, &gerr);
    g_free(uri);
    if (!doc) {
        if (gerr && gerr->domain == POPPLER_ERROR && gerr->code == POPPLER_ERROR_ENCRYPTED) {
            *err = "encrypted PDF (a password is needed to open it)";
        }
        else {
            *err = "damaged PDF (poppler cannot open it)";
        }
        g_clear_error(&gerr);
        return -1;
    }
    apr_pool_cleanup_register(p, doc, release_document, apr_pool_cleanup_null);
    n = poppler_document_get_n_pages(doc);
    if (n <= 0) {
        *err = "damaged PDF (no pages)";
        return -1;
    }

    /* the first page's size; every page sets its own below */
    {
        PopplerPage *pg = poppler_document_get_page(doc, 0);
        int bad = !pg || page_size(pg, &w, &h) != 0;
        if (pg) {
            g_object_unref(pg);
        }
        if (bad) {
            *err = "damaged PDF (page 1 has no valid size)";
            return -1;
        }
    }
    surface = cairo_pdf_surface_create_for_stream(sink_write, sink, w, h);
    apr_pool_cleanup_register(p, surface, release_surface, apr_pool_cleanup_null);
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        sink->closed = 1;
        *err = "cannot create the copy";
        return -1;
    }
    copy_metadata(surface, doc);

    memset(&st, 0, sizeof(st));
    st.pool = p;
    st.stamps = apr_hash_make(p);
    st.big =
        apr_pstrcat(p, clean(p, wm->email), "\n", clean(p, wm->when), " · ", clean(p, wm->address), NULL);
    st.line = apr_pstrcat(p, "Copy for ", clean(p, wm->email), " — ", clean(p, wm->when), " — ",
                          clean(p, wm->address), NULL);
    /* the calling thread's own font map (pango's font maps are per thread) */
    st.ctx = pango_font_map_create_context(pango_cairo_font_map_get_default());
    apr_pool_cleanup_register(p, st.ctx, release_gobject, apr_pool_cleanup_null);
    fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(st.ctx, fo);
    cairo_font_options_destroy(fo);
    pango_cairo_context_set_resolution(st.ctx, 72);

    for (int i = 0; i < n; i++) {
        PopplerPage *pg = poppler_document_get_page(doc, i);
        cairo_t *cr;
        cairo_status_t cs;

        if (!pg || page_size(pg, &w, &h) != 0) {
            if (pg) {
                g_object_unref(pg);
            }
            sink->closed = 1;
            *err = apr_psprintf(p, "damaged PDF (page %d has no valid size)", i + 1);
            return -1;
        }
        cairo_pdf_surface_set_size(surface, w, h);
        cr = cairo_create(surface);
        pthread_mutex_lock(&ft_lock);
        poppler_page_render_for_printing(pg, cr);
        pthread_mutex_unlock(&ft_lock);
        g_object_unref(pg);
        cs = cairo_status(cr);
        cairo_destroy(cr);
        if (cs != CAIRO_STATUS_SUCCESS) {
            sink->closed = 1;
            *err = apr_psprintf(p, "damaged PDF (page %d cannot be drawn)", i + 1);
            return -1;
        }
        cr = cairo_create(surface);
        cairo_set_source(cr, stamp_for(&st, w, h));
        cairo_paint(cr);
        cairo_show_page(cr);
        cs = cairo_status(cr);
        cairo_destroy(cr);
        if (cs != CAIRO_STATUS_SUCCESS) {
            sink->closed = 1;
            *err = sink->rv != APR_SUCCESS ? "cannot write the copy" : "cannot draw the copy";
            return -1;
        }
    }
    pthread_mutex_lock(&ft_lock);
    cairo_surface_finish(surface);
    pthread_mutex_unlock(&ft_lock);
    if (sink->rv != APR_SUCCESS || cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        *err = sink->rv != APR_SUCCESS ? "cannot write the copy" : "cannot finish the copy";
        return -1;
    }
    *pages = n;
    return 0;
}

int maplat_pdf_watermark(apr_pool_t *p, const char *src_path, apr_file_t *dst, const maplat_watermark_t *wm,
                         int *pages, const char **err)
{
    apr_pool_t *sub;
    int rc;

    *pages = 0;
    *err = NULL;
    if (apr_pool_create(&sub, p) != APR_SUCCESS) {
        *err = "out of memory";
        return -1;
    }
    /* everything watermark() makes is released with sub, on every path,
     * before this returns (LIFO: stamps, context, surface, document) */
    rc = watermark(sub, src_path, dst, wm, pages, err);
    if (rc != 0) {
        *err = apr_pstrdup(p, *err);
        *pages = 0;
    }
    apr_pool_destroy(sub);
    return rc;
}
