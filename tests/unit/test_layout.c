/* Unit tests of the PDF layout engine: line filling (mx_fill_lines),
 * pagination of table rows and paragraph lines with a repeated header
 * (mx_paginate), and whole renders that go through every text path
 * (segments, mixed scripts, words wider than their column, newlines). */
#include "unit.h"
#include "render.h"
#include "apr_general.h"
#include "apr_strings.h"
#include <string.h>
#include <stdio.h>
#include <unistd.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <fontconfig/fontconfig.h>

static int nlines_of(const int *w, const int *t, int n, int width, int *starts)
{
    return mx_fill_lines(w, t, n, width, starts);
}

static void fill_lines(void)
{
    int starts[16];
    /* "aaa " "bb " "cccc": widths include the trailing space (1 unit) */
    int w[] = {4, 3, 4}, t[] = {1, 1, 0};

    /* everything fits on one line: 4 + 3 + 4 = 11 */
    CHECK(nlines_of(w, t, 3, 11, starts) == 1);
    CHECK(starts[0] == 0 && starts[1] == 3);
    /* trailing white space does not count: "aaa bb" is 6 wide, not 7 */
    CHECK(nlines_of(w, t, 2, 6, starts) == 1);
    CHECK(nlines_of(w, t, 2, 5, starts) == 2);
    /* width 7: "aaa bb " (7, counted 6) then "cccc" */
    CHECK(nlines_of(w, t, 3, 7, starts) == 2);
    CHECK(starts[0] == 0 && starts[1] == 2 && starts[2] == 3);
    /* width 4: one segment per line */
    CHECK(nlines_of(w, t, 3, 4, starts) == 3);
    CHECK(starts[1] == 1 && starts[2] == 2 && starts[3] == 3);
    /* a segment wider than the line gets a line of its own, never an empty line before it */
    CHECK(nlines_of(w, t, 3, 2, starts) == 3);
    CHECK(starts[0] == 0 && starts[1] == 1);
    /* no segments: one empty line */
    CHECK(nlines_of(w, t, 0, 10, starts) == 1);
    CHECK(starts[0] == 0 && starts[1] == 0);
    /* a line may end exactly at the width */
    {
        int w2[] = {5, 5, 5}, t2[] = {0, 0, 0};
        CHECK(nlines_of(w2, t2, 3, 10, starts) == 2);
        CHECK(starts[1] == 2);
    }
}

/* Checks the invariants of a pagination: every box on exactly one page, in
 * order, none below `bottom` unless it alone fills a fresh page, no page
 * without a box, continuation pages start at top + repeat. */
/* Checks the invariants of a pagination: a break only where the box would
 * not fit below the previous one, and never before a box that would be the
 * first on its page; after a break the box starts at top + repeat; a box
 * overflows the bottom only when it is first on its page. */
static void paginate_case(double y0, double top, double bottom, double repeat, const double *h, int n)
{
    unsigned char brk[512];
    double y = y0, end, fresh = top + repeat;
    int ok = 1;

    end = mx_paginate(y0, top, bottom, repeat, h, n, brk);
    for (int i = 0; i < n; i++) {
        if (brk[i]) {
            ok &= y + h[i] > bottom && y > fresh;
            y = fresh;
        }
        else {
            ok &= y + h[i] <= bottom || y <= fresh;
        }
        y += h[i];
    }
    CHECK(ok);
    CHECK(end == y);
}

static void paginate(void)
{
    unsigned char brk[512];
    double h[400];
    int pages;
    double end;

    /* 10 rows of 10 on a page with room for 45 below the start: rows 0-3
     * (y 0..40), then a new page with the header (repeat 5) at 5: rows 4-7
     * end at 45, rows 8-9 on a third page */
    for (int i = 0; i < 10; i++) {
        h[i] = 10;
    }
    end = mx_paginate(0, 0, 45, 5, h, 10, brk);
    CHECK(brk[0] == 0 && brk[1] == 0 && brk[2] == 0 && brk[3] == 0);
    CHECK(brk[4] == 1 && brk[5] == 0 && brk[6] == 0 && brk[7] == 0);
    CHECK(brk[8] == 1 && brk[9] == 0);
    CHECK(end == 25);

    /* starting low on a page: the first row already goes on the next one */
    end = mx_paginate(40, 0, 45, 5, h, 1, brk);
    CHECK(brk[0] == 1 && end == 15);

    /* a row taller than a page overflows alone instead of producing empty pages */
    h[0] = 10;
    h[1] = 100;
    h[2] = 10;
    end = mx_paginate(0, 0, 45, 5, h, 3, brk);
    CHECK(brk[0] == 0 && brk[1] == 1 && brk[2] == 1);
    CHECK(end == 15);
    /* ... and it does not move when it is already first on a fresh page */
    end = mx_paginate(5, 0, 45, 5, h + 1, 1, brk);
    CHECK(brk[0] == 0 && end == 105);

    /* a box that ends exactly at the bottom stays */
    h[0] = 45;
    end = mx_paginate(0, 0, 45, 0, h, 1, brk);
    CHECK(brk[0] == 0 && end == 45);

    /* no boxes */
    CHECK(mx_paginate(12, 0, 45, 5, h, 0, brk) == 12);

    /* many rows of varying height (1, 2 or 3 lines), header repeated: the
     * invariants hold and the page count matches the rows' total */
    for (int i = 0; i < 360; i++) {
        h[i] = 12.0 * (1 + (i * 7) % 3) + 8;
    }
    paginate_case(74, 74, 771.89, 18, h, 360);
    mx_paginate(74, 74, 771.89, 18, h, 360, brk);
    pages = 1;
    for (int i = 0; i < 360; i++) {
        pages += brk[i];
    }
    CHECK(pages > 10 && pages < 40);
    paginate_case(700, 74, 771.89, 18, h, 360);
    paginate_case(74, 74, 771.89, 0, h, 360);
}

static int pages_seen;

static int count(void *ctx, int pct)
{
    (void)ctx;
    (void)pct;
    pages_seen++;
    return 0;
}

static mx_block_t *add(mx_doc_t *d, mx_kind_t kind)
{
    mx_block_t *b = apr_array_push(d->blocks);
    memset(b, 0, sizeof(*b));
    b->kind = kind;
    return b;
}

static mx_block_t *table_of(apr_pool_t *p, mx_doc_t *d, int rows, const char *const *row)
{
    static const char *const headers[] = {"Task", "Assignee", "Status"};
    static double widths[] = {3, 1.5, 1};
    mx_block_t *b = add(d, MX_TABLE);
    b->ncols = 3;
    b->headers = (const char **)headers;
    b->widths = widths;
    b->nrows = rows;
    b->cells = apr_palloc(p, sizeof(*b->cells) * (size_t)rows);
    for (int r = 0; r < rows; r++) {
        b->cells[r] = apr_palloc(p, sizeof(char *) * 3);
        for (int k = 0; k < 3; k++) {
            b->cells[r][k] = row ? row[(r * 3 + k) % 12] : apr_psprintf(p, "row %d col %d", r, k);
        }
    }
    b->text = "No rows.";
    return b;
}

static void renders(apr_pool_t *root)
{
    static const char *const hostile[] = {
        /* a word wider than its column: broken between characters */
        "Supercalifragilisticexpialidocious_Supercalifragilisticexpialidocious_Supercalifragilistic",
        "Name",
        "open",
        /* right-to-left and complex scripts, CJK, emoji, combining marks */
        "مراجعة العقد مع المورد",
        "उचित परिश्रम",
        "尽职调查 清单",
        "Café crème — naïve façade",
        "e\xcc\x81t\xc3\xa9 \xf0\x9f\x93\x88",
        "line one\nline two",
        "",
        "   ",
        "tab\tseparated",
    };
    char path[] = "/tmp/maplat-test-layout-XXXXXX";
    int fd = mkstemp(path);
    apr_pool_t *p;
    mx_doc_t *d;
    const char *err;
    FILE *f;
    char head[8] = "";

    CHECK(fd >= 0);
    close(fd);

    /* a long table: several pages, and the page count follows the rows */
    apr_pool_create(&p, root);
    d = apr_pcalloc(p, sizeof(*d));
    d->title = "Layout test";
    d->footer = "Acme";
    d->watermark = "Confidential\nuser@example.com";
    d->blocks = apr_array_make(p, 4, sizeof(mx_block_t));
    {
        mx_block_t *h = add(d, MX_HEADING);
        h->level = 1;
        h->text = "Tasks";
    }
    table_of(p, d, 300, NULL);
    pages_seen = 0;
    err = mx_render_pdf(p, d, path, count, NULL);
    CHECK(err == NULL);
    /* one callback per finished page but the last, plus the final 100 % */
    CHECK(pages_seen >= 6 && pages_seen <= 20);
    f = fopen(path, "rb");
    CHECK(f != NULL);
    if (f) {
        CHECK(fread(head, 1, 5, f) == 5);
        fclose(f);
    }
    CHECK(memcmp(head, "%PDF-", 5) == 0);
    apr_pool_destroy(p);

    /* every text path: plain segments, general layouts, overlong words, empty cells */
    apr_pool_create(&p, root);
    d = apr_pcalloc(p, sizeof(*d));
    d->title = "Hostile cells \xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a";
    d->blocks = apr_array_make(p, 4, sizeof(mx_block_t));
    table_of(p, d, 120, hostile);
    {
        mx_block_t *para = add(d, MX_PARAGRAPH);
        para->text = "A paragraph after the table, long enough to wrap: "
                     "due diligence due diligence due diligence due diligence due diligence "
                     "due diligence due diligence due diligence due diligence due diligence.";
    }
    table_of(p, d, 0, NULL);
    pages_seen = 0;
    err = mx_render_pdf(p, d, path, count, NULL);
    CHECK(err == NULL);
    CHECK(pages_seen >= 2);
    apr_pool_destroy(p);

    /* MAPLAT_TEST_LAYOUT_KEEP=file.pdf keeps the hostile-cells PDF to look at */
    if (getenv("MAPLAT_TEST_LAYOUT_KEEP") && rename(path, getenv("MAPLAT_TEST_LAYOUT_KEEP")) == 0) {
        return;
    }
    unlink(path);
}

int main(void)
{
    apr_pool_t *root;

    apr_initialize();
    apr_pool_create(&root, NULL);
    fill_lines();
    paginate();
    renders(root);
    apr_pool_destroy(root);
    /* what pango, cairo and fontconfig keep for the process, released so
     * the leak checkers (valgrind, LeakSanitizer) see only the renders */
    pango_cairo_font_map_set_default(NULL);
    cairo_debug_reset_static_data();
    FcFini();
    apr_terminate();
    UNIT_DONE();
}
