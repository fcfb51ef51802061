/*
 * File names of uploads (pure; modules/api/filename.c, tests/unit/test_filename.c).
 */
#ifndef MAPLAT_API_FILENAME_H
#define MAPLAT_API_FILENAME_H

#include "apr_pools.h"

/* A name safe to store: the last path segment ('/' and '\\' separate), control
 * characters as '_', outer blanks and trailing dots trimmed, at most 255
 * characters (of valid UTF-8); NULL when nothing is left. */
const char *files_clean_name(apr_pool_t *p, const char *name);
/* Content-Disposition: attachment; filename="<ASCII fallback>"; filename*=UTF-8''<pct> */
const char *files_disposition(apr_pool_t *p, const char *name);

#endif
