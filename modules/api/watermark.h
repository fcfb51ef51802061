/*
 * Watermarked copies of PDF files (docs/export.md "Watermarked downloads"):
 * every page of the original drawn with poppler-glib onto a cairo PDF
 * surface (text stays text), then stamped with the viewer's e-mail, the
 * time and their address as real, light text: a diagonal stamp across the
 * page and one small line along its bottom edge. Unit-tested
 * (tests/unit/test_watermark.c), measured by bench/watermark.
 */
#ifndef MAPLAT_WATERMARK_H
#define MAPLAT_WATERMARK_H

#include "apr_file_io.h"
#include "apr_pools.h"

typedef struct {
    const char *email;
    const char *when;
    const char *address;
} maplat_watermark_t;

/* Writes a copy of the PDF at src_path, every page stamped with the viewer's email, the time
 * and their address, to dst (an open apr file, written sequentially). Returns 0, or -1 with
 * *err (a short message: not a PDF, encrypted, damaged...). *pages = page count. Thread-safe
 * (mpm_event: many threads may call it at once). Temporaries in p. */
int maplat_pdf_watermark(apr_pool_t *p, const char *src_path, apr_file_t *dst, const maplat_watermark_t *wm,
                         int *pages, const char **err);

#endif
