/*
 * The export renderer: XML templates + JSON data -> one document model ->
 * PDF (cairo + pango), DOCX (libxml2 writer + libzip), CSV (RFC 4180).
 *
 * No httpd calls here: mod_maplat_export, the C unit tests and the
 * rendering benchmark (bench/render) link the same code (libmaplat_render).
 * Every non-APR handle (xmlDoc, cairo, pango, zip) is tied to an APR pool
 * through a cleanup, so clearing the job's pool releases everything.
 */
#ifndef MAPLAT_EXPORT_RENDER_H
#define MAPLAT_EXPORT_RENDER_H

#include <stddef.h>
#include "apr_pools.h"
#include "apr_tables.h"
#include <json-c/json.h>

/* ------------------------------------------------------------ document model */

typedef enum {
    MX_HEADING,   /* level 1..2, text */
    MX_PARAGRAPH, /* text (may hold \n: separate paragraphs) */
    MX_TABLE,     /* headers[ncols], cells[nrows][ncols], widths (relative) */
    MX_CHART      /* bar chart: categories[ncat] x series[nseries] */
} mx_kind_t;

typedef struct mx_block {
    mx_kind_t kind;
    int level;
    const char *text; /* heading / paragraph / chart title / empty-table text */
    int ncols, nrows;
    const char **headers;
    double *widths;
    const char ***cells; /* cells[row][col] */
    int ncat, nseries;
    const char **categories;
    const char **series;
    double **values;      /* values[series][cat] */
    const char *source;   /* table: the data array the rows came from */
    const char **fields;  /* table: each column's field and format (NULL: none), */
    const char **formats; /*   so that more rows can be formatted later (mx_cell) */
} mx_block_t;

typedef struct mx_doc {
    const char *title; /* document title (metadata, header, file name) */
    const char *subject;
    const char *author;         /* requesting user's name */
    const char *watermark;      /* NULL: none; else e.g. "user@x · 2026-… · Confidential" */
    const char *footer;         /* left footer text (organization) */
    apr_array_header_t *blocks; /* of mx_block_t */
} mx_doc_t;

/* Progress: called after each page (PDF) or block (DOCX/CSV) with 0..100.
 * A non-zero return aborts the render (cancellation, shutdown). */
typedef int (*mx_progress_fn)(void *ctx, int percent);

/* Is name a valid template name ([a-z0-9_]{1,64})? */
int mx_template_name_valid(const char *name);

/* Builds the document model from the template file `path` and the job's
 * data (see sql/009_export.sql maplat_export_data). Returns NULL or an
 * error text (readable; becomes the job's error). */
const char *mx_build(apr_pool_t *p, const char *path, json_object *data, mx_doc_t **out);

/* The same from a template in memory (len bytes, no terminating NUL needed);
 * name stands for the template in error texts. mx_build reads the file and
 * calls this: one parser, one set of parser options (fuzz/fuzz_template.c). */
const char *mx_build_mem(apr_pool_t *p, const char *name, const char *buf, size_t len, json_object *data,
                         mx_doc_t **out);

/* A table cell: the value at `field` of one row object, formatted as the
 * template's column says (the same as the cells mx_build fills in). */
const char *mx_cell(apr_pool_t *p, json_object *row, const char *field, const char *fmt);

/* Rows for mx_render_csv_stream: sets *rows to a JSON array of the next rows
 * (allocated in p, which is cleared after each batch), or to NULL or an
 * empty array at the end; *percent to the progress so far. Returns NULL or
 * an error text. */
typedef const char *(*mx_rows_fn)(void *ctx, apr_pool_t *p, json_object **rows, int *percent);

/* The CSV of the template's first table (as mx_render_csv), whose rows are
 * not in the model but fetched batch by batch from next(): memory stays
 * bounded by one batch, whatever the number of rows. */
const char *mx_render_csv_stream(apr_pool_t *p, const mx_doc_t *d, const char *path, mx_rows_fn next,
                                 void *rows_ctx, mx_progress_fn cb, void *ctx);

/* Renders to the file `path` (created/truncated). NULL or an error text;
 * MX_ABORTED when the progress callback asked to stop. */
extern const char MX_ABORTED[];
const char *mx_render_pdf(apr_pool_t *p, const mx_doc_t *d, const char *path, mx_progress_fn cb, void *ctx);
const char *mx_render_docx(apr_pool_t *p, const mx_doc_t *d, const char *path, mx_progress_fn cb, void *ctx);
const char *mx_render_csv(apr_pool_t *p, const mx_doc_t *d, const char *path, mx_progress_fn cb, void *ctx);

/* Renders the bar chart block as PNG into *png (pool memory). */
const char *mx_chart_png(apr_pool_t *p, const mx_block_t *b, int width, int height, unsigned char **png,
                         size_t *len);

/* ------------------------------------------------------------ layout (pure) */

/* Greedy line filling: n measured segments (text between two line-break
 * opportunities) of width w[i], of which trail[i] is trailing white space,
 * into lines of `width` (the same units). A line's width does not count the
 * white space it ends with; a segment wider than a line gets a line of its
 * own (the caller decides what to do with it). Writes the first segment of
 * each line to starts[0..lines-1] and n to starts[lines]; starts needs n + 2
 * entries. Returns the number of lines (1 for n = 0: an empty line). */
int mx_fill_lines(const int *w, const int *trail, int n, int width, int *starts);

/* Pagination of a run of boxes (table rows, lines of a paragraph) starting
 * at y on the current page: box i of height h[i] goes below the previous one
 * if it ends above `bottom`, else a new page starts before it (brk[i] = 1)
 * and it goes at top + repeat (room for a repeated table header). A box that
 * would be the first on its page never moves, so a box taller than a page
 * overflows instead of leaving empty pages behind. Returns the y below the
 * last box. */
double mx_paginate(double y, double top, double bottom, double repeat, const double *h, int n,
                   unsigned char *brk);

/* ------------------------------------------------------------ pure helpers */

/* One CSV field (RFC 4180): quoted when needed; a value starting with
 * = + - @ TAB or CR gets a leading ' (spreadsheet formula injection). */
const char *mx_csv_field(apr_pool_t *p, const char *v);

/* A download name from a title: "<title>.<ext>" as
 *   *ascii  printable ASCII without " \ / : * ? < > | and controls, spaces
 *           kept, at most 100 characters, never empty ("export"), never
 *           starting with a dot;
 *   *utf8   the title's valid UTF-8 with controls and / \ removed, at most
 *           150 characters (not bytes), for filename*.
 * And the Content-Disposition header value built from both (RFC 6266). */
void mx_download_names(apr_pool_t *p, const char *title, const char *ext, const char **ascii,
                       const char **utf8);
const char *mx_content_disposition(apr_pool_t *p, const char *ascii, const char *utf8);

#endif
