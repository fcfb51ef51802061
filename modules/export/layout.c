/*
 * The PDF renderer's layout decisions, kept free of pango and cairo so the
 * C unit tests (tests/unit/test_layout.c) can drive them with made-up
 * measurements: filling lines with measured segments, and paginating a run
 * of boxes (table rows, paragraph lines) with a repeated table header.
 */
#include "render.h"

int mx_fill_lines(const int *w, const int *trail, int n, int width, int *starts)
{
    int lines = 0, cur = 0;

    starts[0] = 0;
    for (int i = 0; i < n; i++) {
        /* a line's width does not count the white space it ends with */
        if (i > starts[lines] && cur + w[i] - trail[i] > width) {
            starts[++lines] = i;
            cur = 0;
        }
        cur += w[i];
    }
    starts[++lines] = n;
    return lines;
}

double mx_paginate(double y, double top, double bottom, double repeat, const double *h, int n,
                   unsigned char *brk)
{
    double fresh = top + repeat; /* where the first box of a new page goes */

    for (int i = 0; i < n; i++) {
        brk[i] = 0;
        /* a box that is already first on its page stays (and overflows)
         * rather than leaving empty pages behind */
        if (y + h[i] > bottom && y > fresh) {
            brk[i] = 1;
            y = fresh;
        }
        y += h[i];
    }
    return y;
}
