/*
 * The bar chart (pdf.h): drawn with cairo into a PDF page (pdf.c) or into a
 * PNG image that the DOCX renderer embeds (mx_chart_png).
 */
#include "pdf.h"
#include "apr_strings.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

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
void mx_chart_draw(cairo_t *cr, PangoLayout *l, const mx_block_t *b, double x0, double y0, double w, double h)
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
    f = mx_font(p, FONT " 7.5");
    pango_layout_set_font_description(l, f);
    cairo_scale(cr, 2, 2);
    pango_cairo_update_layout(cr, l);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    mx_chart_draw(cr, l, b, 8, 8, width - 16, height - 16);
    cairo_surface_flush(s);
    if ((st = cairo_surface_write_to_png_stream(s, png_write, &out)) != CAIRO_STATUS_SUCCESS) {
        return apr_psprintf(p, "cannot draw the chart: %s", cairo_status_to_string(st));
    }
    *png = out.buf;
    *len = out.len;
    return NULL;
}
