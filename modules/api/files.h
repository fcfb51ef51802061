/*
 * Documents as files (docs/api.md "Documents as files"): the store, the
 * upload and download handlers, the maintenance of unreferenced blobs.
 *
 *   files.c  routes, SQL, permission checks, audit entries
 *   store.c  the store directory: temporary files, content-addressed blobs,
 *            libmagic handles, the start-up probe, the maintenance walk
 *
 * Directives (owned by mod_maplat_api, defaults in files_conf_defaults()):
 *   MaplatFileStore <dir>          the store (unset: the file endpoints answer 503)
 *   MaplatFileMaxSize <bytes>[KMG] largest upload (default 100M) -> 413
 *   MaplatFileQuota <bytes>[KMG]|0 stored bytes per organization (default 0 = none) -> 507
 *   MaplatFileWatermark On|Off     PDFs downloaded as stamped copies (default On)
 *   MaplatFileGrace <seconds>      age before maintenance removes unreferenced blobs (default 86400)
 */
#ifndef MAPLAT_API_FILES_H
#define MAPLAT_API_FILES_H

#include "api.h"
#include "filename.h"

#define D_FILE_STORE "MaplatFileStore"
#define D_FILE_MAX "MaplatFileMaxSize"
#define D_FILE_QUOTA "MaplatFileQuota"
#define D_FILE_WATERMARK "MaplatFileWatermark"
#define D_FILE_GRACE "MaplatFileGrace"

typedef struct {
    const char *store;  /* absolute path, or NULL */
    apr_off_t max_size; /* -1 until set */
    apr_off_t quota;    /* 0 = no quota */
    int watermark;      /* -1 until set */
    int grace;          /* seconds */
    int quota_set;
} files_conf_t;

/* statements of the maintenance (registered in files.c's pre_config):
 * lock_org :org; gc_orgs :grace -> organization_id; gc :org :grace -> sha256;
 * orphans :shas (text[] literal) :org -> sha256 */
extern const maplat_stmt_t *files_st_lock_org, *files_st_gc_orgs, *files_st_gc, *files_st_orphans;
extern files_conf_t files_conf;

void files_conf_reset(void);
void files_conf_defaults(void);
const char *files_cmd_store(cmd_parms *cmd, void *d, const char *v);
const char *files_cmd_max(cmd_parms *cmd, void *d, const char *v);
const char *files_cmd_quota(cmd_parms *cmd, void *d, const char *v);
const char *files_cmd_watermark(cmd_parms *cmd, void *d, int on);
const char *files_cmd_grace(cmd_parms *cmd, void *d, const char *v);

/* "<bytes>" with an optional K, M or G suffix (powers of 1024): 0 and *out, or -1. */
int files_parse_size(const char *s, apr_off_t min, apr_off_t max, apr_off_t *out);

/* Routes and statements (pre_config). */
const char *api_files_init(apr_pool_t *p);
/* The store probe, the libmagic handles and the maintenance (hooks). */
int files_check_config(apr_pool_t *ptemp, server_rec *s);
int files_post_config(apr_pool_t *pconf, server_rec *s);
void files_child_init(apr_pool_t *pchild, server_rec *s);
maplat_health_t files_health(request_rec *r, const char **text);

/* ------------------------------------------------------------ store.c */

/* A file being written in the store: an unnamed O_TMPFILE inode (or, where
 * the filesystem lacks O_TMPFILE, a named file in <store>/.tmp that a pool
 * cleanup removes). Closing without linking leaves nothing behind. */
typedef struct {
    int fd;
    const char *tmp_path; /* the fallback's name, NULL with O_TMPFILE */
    apr_pool_t *pool;
} files_tmp_t;

/* NULL, or a message (errno-based) why no temporary file could be made. */
const char *files_tmp_open(apr_pool_t *p, files_tmp_t **out);
/* Links the finished temporary file at path (directories created); a file
 * already there (the same bytes: content-addressed) is kept. 0, or -1 with errno. */
int files_tmp_link(files_tmp_t *t, const char *path);

/* <store>/<org>/<aa>/<sha256> */
const char *files_blob_path(apr_pool_t *p, const char *org, const char *sha);

/* The detected MIME type of the file open at fd (libmagic), or NULL. */
const char *files_detect(apr_pool_t *p, int fd);
/* Is the detected type one the data room accepts? */
int files_type_allowed(const char *type);

/* The state of the store in this process (probed at most every 10 s). */
int files_store_usable(apr_pool_t *p, server_rec *s);

/* The maintenance run: unreferenced blobs and stale temporary files older
 * than MaplatFileGrace are removed. */
void files_maintenance(apr_pool_t *p, server_rec *s);

#endif
