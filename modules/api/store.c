/*
 * The file store (MaplatFileStore): temporary files, content-addressed
 * blobs, libmagic, the start-up probe and the maintenance.
 *
 * Layout: <store>/<organization id>/<first two hex digits>/<sha256>, files
 * 0640, directories 0750 (the store may be shared by several httpd servers
 * running as the same user, like MaplatExportDir). An upload is written to
 * an unnamed O_TMPFILE inode in <store> and linked into place with linkat()
 * only when it is complete and its version row is being committed, so a
 * client that disconnects or a child that is killed mid-upload leaves
 * nothing. Filesystems without O_TMPFILE (some network filesystems): a named
 * file in <store>/.tmp, removed by a pool cleanup, and by the maintenance
 * when a killed child could not.
 */
#include "apr_atomic.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"
#include "files.h"
#include "http_log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <magic.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

files_conf_t files_conf;

/* ------------------------------------------------------------ directives */

void files_conf_reset(void)
{
    files_conf.store = NULL;
    files_conf.max_size = -1;
    files_conf.quota = -1;
    files_conf.watermark = -1;
    files_conf.grace = -1;
}

/* Every default, stated once. */
void files_conf_defaults(void)
{
    if (files_conf.max_size < 0) {
        files_conf.max_size = (apr_off_t)100 * 1024 * 1024;
    }
    if (files_conf.quota < 0) {
        files_conf.quota = 0;
    }
    if (files_conf.watermark < 0) {
        files_conf.watermark = 1;
    }
    if (files_conf.grace < 0) {
        files_conf.grace = 86400;
    }
}

int files_parse_size(const char *s, apr_off_t min, apr_off_t max, apr_off_t *out)
{
    apr_off_t n = 0, mult = 1;
    const char *p = s;
    if (!s || !*s) {
        return -1;
    }
    for (; *p >= '0' && *p <= '9'; p++) {
        if (n > (apr_off_t)1 << 50) {
            return -1;
        }
        n = n * 10 + (*p - '0');
    }
    if (p == s) {
        return -1;
    }
    if (*p) {
        switch (*p) {
        case 'K':
        case 'k':
            mult = 1024;
            break;
        case 'M':
        case 'm':
            mult = 1024 * 1024;
            break;
        case 'G':
        case 'g':
            mult = (apr_off_t)1024 * 1024 * 1024;
            break;
        default:
            return -1;
        }
        if (p[1]) {
            return -1;
        }
    }
    if (n > max / mult) {
        return -1;
    }
    n *= mult;
    if (n < min || n > max) {
        return -1;
    }
    *out = n;
    return 0;
}

static const char *global_only(cmd_parms *cmd)
{
    return ap_check_cmd_context(cmd, GLOBAL_ONLY);
}

const char *files_cmd_store(cmd_parms *cmd, void *d, const char *v)
{
    const char *err = global_only(cmd);
    if (err) {
        return err;
    }
    if (files_conf.store) {
        return D_FILE_STORE " is duplicate";
    }
    if (!*v || !(files_conf.store = ap_server_root_relative(cmd->pool, v))) {
        return apr_psprintf(cmd->pool, D_FILE_STORE ": '%s' is not a directory path", v);
    }
    return NULL;
}

#define MAX_FILE_SIZE ((apr_off_t)1 << 40) /* 1 TiB */

const char *files_cmd_max(cmd_parms *cmd, void *d, const char *v)
{
    const char *err = global_only(cmd);
    if (err) {
        return err;
    }
    if (files_conf.max_size != -1) {
        return D_FILE_MAX " is duplicate";
    }
    if (files_parse_size(v, 1, MAX_FILE_SIZE, &files_conf.max_size) != 0) {
        files_conf.max_size = -1;
        return apr_psprintf(cmd->pool, D_FILE_MAX ": '%s' is not a size in bytes (1..1T; K, M, G allowed)",
                            v);
    }
    return NULL;
}

const char *files_cmd_quota(cmd_parms *cmd, void *d, const char *v)
{
    const char *err = global_only(cmd);
    if (err) {
        return err;
    }
    if (files_conf.quota != -1) {
        return D_FILE_QUOTA " is duplicate";
    }
    if (files_parse_size(v, 0, (apr_off_t)1 << 50, &files_conf.quota) != 0) {
        files_conf.quota = -1;
        return apr_psprintf(cmd->pool,
                            D_FILE_QUOTA ": '%s' is not a size in bytes (0 = no quota; K, M, G allowed)", v);
    }
    return NULL;
}

const char *files_cmd_watermark(cmd_parms *cmd, void *d, int on)
{
    const char *err = global_only(cmd);
    if (err) {
        return err;
    }
    if (files_conf.watermark != -1) {
        return D_FILE_WATERMARK " is duplicate";
    }
    files_conf.watermark = on;
    return NULL;
}

const char *files_cmd_grace(cmd_parms *cmd, void *d, const char *v)
{
    apr_int64_t n;
    const char *err = global_only(cmd);
    if (err) {
        return err;
    }
    if (files_conf.grace != -1) {
        return D_FILE_GRACE " is duplicate";
    }
    if (maplat_parse_int(v, 1, 31536000, &n) != 0) {
        return apr_psprintf(cmd->pool, D_FILE_GRACE ": '%s' is not a number of seconds (1..31536000)", v);
    }
    files_conf.grace = (int)n;
    return NULL;
}

/* ------------------------------------------------------------ paths, temporary files */

const char *files_blob_path(apr_pool_t *p, const char *org, const char *sha)
{
    return apr_psprintf(p, "%s/%s/%.2s/%s", files_conf.store, org, sha, sha);
}

static apr_status_t tmp_cleanup(void *data)
{
    files_tmp_t *t = data;
    if (t->fd >= 0) {
        close(t->fd);
        t->fd = -1;
    }
    if (t->tmp_path) {
        unlink(t->tmp_path);
        t->tmp_path = NULL;
    }
    return APR_SUCCESS;
}

static volatile apr_uint32_t tmp_n;

static const char *os_error(apr_pool_t *p, const char *what, int e)
{
    char buf[120];
    apr_strerror(APR_FROM_OS_ERROR(e), buf, sizeof(buf));
    return apr_psprintf(p, "%s: %s", what, buf);
}

const char *files_tmp_open(apr_pool_t *p, files_tmp_t **out)
{
    files_tmp_t *t = apr_pcalloc(p, sizeof(*t));
    t->pool = p;
    t->fd = open(files_conf.store, O_TMPFILE | O_RDWR | O_CLOEXEC, 0640);
    if (t->fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL || errno == ENOENT)) {
        /* no O_TMPFILE here: a named file in <store>/.tmp */
        const char *dir = apr_pstrcat(p, files_conf.store, "/.tmp", NULL);
        if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
            return os_error(p, "creating the temporary folder", errno);
        }
        t->tmp_path = apr_psprintf(p, "%s/upload.%" APR_PID_T_FMT ".%u.%s", dir, getpid(),
                                   apr_atomic_inc32(&tmp_n), maplat_uuid_new(p));
        t->fd = open(t->tmp_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640);
        if (t->fd < 0) {
            t->tmp_path = NULL;
        }
    }
    if (t->fd < 0) {
        return os_error(p, "creating a temporary file", errno);
    }
    apr_pool_cleanup_register(p, t, tmp_cleanup, apr_pool_cleanup_null);
    *out = t;
    return NULL;
}

static int mkdirs(apr_pool_t *p, const char *path)
{
    /* path = <store>/<org>/<aa>/<sha>: create <store>/<org> and <store>/<org>/<aa> */
    char *dir = apr_pstrdup(p, path), *slash = strrchr(dir, '/');
    char *org_end;
    if (!slash) {
        return -1;
    }
    *slash = 0;
    org_end = strrchr(dir, '/');
    if (!org_end) {
        return -1;
    }
    *org_end = 0;
    if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
        return -1;
    }
    *org_end = '/';
    if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
        return -1;
    }
    return 0;
}

int files_tmp_link(files_tmp_t *t, const char *path)
{
    int rc;
    if (mkdirs(t->pool, path) != 0) {
        return -1;
    }
    if (!t->tmp_path) {
        /* linkat(AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; /proc/self/fd does not */
        char proc[64];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", t->fd);
        rc = linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW);
    }
    else {
        rc = link(t->tmp_path, path);
    }
    if (rc != 0 && errno == EEXIST) {
        return 0; /* the same bytes are stored already */
    }
    return rc;
}

/* ------------------------------------------------------------ libmagic */

/* magic_t is not thread-safe: a stack of handles per child, each used by one
 * thread at a time, created on demand and closed when the child exits. */
#define MAGIC_HANDLES 64
static apr_thread_mutex_t *magic_mu;
static magic_t magic_free[MAGIC_HANDLES];
static int magic_nfree;

static apr_status_t magic_cleanup(void *d)
{
    for (int i = 0; i < magic_nfree; i++) {
        magic_close(magic_free[i]);
    }
    magic_nfree = 0;
    magic_mu = NULL;
    return APR_SUCCESS;
}

static magic_t magic_get(void)
{
    magic_t m = NULL;
    if (magic_mu && apr_thread_mutex_lock(magic_mu) == APR_SUCCESS) {
        if (magic_nfree > 0) {
            m = magic_free[--magic_nfree];
        }
        apr_thread_mutex_unlock(magic_mu);
    }
    if (!m) {
        m = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
        if (m && magic_load(m, NULL) != 0) {
            magic_close(m);
            m = NULL;
        }
    }
    return m;
}

static void magic_put(magic_t m)
{
    if (magic_mu && apr_thread_mutex_lock(magic_mu) == APR_SUCCESS) {
        if (magic_nfree < MAGIC_HANDLES) {
            magic_free[magic_nfree++] = m;
            m = NULL;
        }
        apr_thread_mutex_unlock(magic_mu);
    }
    if (m) {
        magic_close(m);
    }
}

const char *files_detect(apr_pool_t *p, int fd)
{
    magic_t m = magic_get();
    const char *type, *copy = NULL;
    if (!m) {
        return NULL;
    }
    if (lseek(fd, 0, SEEK_SET) == 0 && (type = magic_descriptor(m, fd)) != NULL) {
        copy = apr_pstrdup(p, type);
    }
    magic_put(m);
    return copy;
}

int files_type_allowed(const char *type)
{
    static const char *const exact[] = {"application/pdf",
                                        /* Office: the binary formats (OLE compound files) and RTF */
                                        "application/msword", "application/vnd.ms-excel",
                                        "application/vnd.ms-powerpoint", "application/vnd.ms-office",
                                        "application/cdfv2", "application/x-ole-storage", "text/rtf",
                                        "application/rtf",
                                        /* archives, text, tables */
                                        "application/zip", "text/plain", "text/csv",
                                        /* images */
                                        "image/png", "image/jpeg", "image/gif", "image/tiff", "image/webp",
                                        /* a file of 0 bytes */
                                        "application/x-empty", NULL};
    static const char *const prefix[] = {"application/vnd.openxmlformats-officedocument.",
                                         "application/vnd.oasis.opendocument.", NULL};
    if (!type) {
        return 0;
    }
    for (int i = 0; exact[i]; i++) {
        if (strcmp(type, exact[i]) == 0) {
            return 1;
        }
    }
    for (int i = 0; prefix[i]; i++) {
        if (strncmp(type, prefix[i], strlen(prefix[i])) == 0) {
            return 1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ the probe */

static apr_thread_mutex_t *state_mu;
static apr_time_t state_at;
static int state_ok;

int files_store_usable(apr_pool_t *p, server_rec *s)
{
    apr_time_t now = apr_time_now();
    int ok;
    if (!files_conf.store) {
        return 0;
    }
    if (state_mu) {
        apr_thread_mutex_lock(state_mu);
    }
    if (state_at && now - state_at < apr_time_from_sec(10)) {
        ok = state_ok;
    }
    else {
        const char *why = maplat_dir_probe(p, files_conf.store);
        ok = !why;
        if (!ok && (state_ok || !state_at)) {
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                         MAPLAT_LOGNO(03101) D_FILE_STORE
                         " %s: %s; uploads and downloads answer 503 until this is fixed",
                         files_conf.store, why);
        }
        else if (ok && !state_ok && state_at) {
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                         MAPLAT_LOGNO(03102) D_FILE_STORE " %s is usable again", files_conf.store);
        }
        state_ok = ok;
        state_at = now;
    }
    if (state_mu) {
        apr_thread_mutex_unlock(state_mu);
    }
    return ok;
}

maplat_health_t files_health(request_rec *r, const char **text)
{
    if (!files_conf.store) {
        *text = "not configured";
        return MAPLAT_HEALTH_DEGRADED;
    }
    if (!files_store_usable(r->pool, r->server)) {
        *text = "unavailable";
        return MAPLAT_HEALTH_DEGRADED;
    }
    *text = "ok";
    return MAPLAT_HEALTH_OK;
}

void files_child_init(apr_pool_t *pchild, server_rec *s)
{
    files_conf_defaults();
    if (apr_thread_mutex_create(&magic_mu, APR_THREAD_MUTEX_DEFAULT, pchild) != APR_SUCCESS) {
        magic_mu = NULL; /* then every detection opens its own handle */
    }
    if (apr_thread_mutex_create(&state_mu, APR_THREAD_MUTEX_DEFAULT, pchild) != APR_SUCCESS) {
        state_mu = NULL;
    }
    magic_nfree = 0;
    state_at = 0;
    state_ok = 0;
    apr_pool_cleanup_register(pchild, NULL, magic_cleanup, apr_pool_cleanup_null);
    if (files_conf.store) {
        files_store_usable(pchild, s); /* logs when it is not */
    }
}

/* ------------------------------------------------------------ maintenance */

static int is_hex(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n && s[i]; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return 0;
        }
    }
    return i == n && !s[n];
}

/* Removes the files of blobs whose rows are gone (an upload whose child died
 * between linking and committing) and the fallback's stale temporary files. */
static void walk_store(apr_pool_t *p, server_rec *s, maplat_db_t *db)
{
    DIR *top = opendir(files_conf.store), *od, *ad;
    struct dirent *e, *oe, *ae;
    time_t old = time(NULL) - files_conf.grace;
    struct stat st;
    if (!top) {
        return;
    }
    while ((e = readdir(top)) != NULL) {
        const char *odir;
        apr_array_header_t *cand;
        if (strcmp(e->d_name, ".tmp") == 0) {
            const char *tdir = apr_pstrcat(p, files_conf.store, "/.tmp", NULL);
            if ((od = opendir(tdir)) != NULL) {
                while ((oe = readdir(od)) != NULL) {
                    const char *f = apr_pstrcat(p, tdir, "/", oe->d_name, NULL);
                    if (strncmp(oe->d_name, "upload.", 7) == 0 && lstat(f, &st) == 0 && st.st_mtime < old) {
                        unlink(f);
                    }
                }
                closedir(od);
            }
            continue;
        }
        if (!maplat_uuid_valid(e->d_name)) {
            continue;
        }
        odir = apr_pstrcat(p, files_conf.store, "/", e->d_name, NULL);
        cand = apr_array_make(p, 16, sizeof(const char *));
        if (!(od = opendir(odir))) {
            continue;
        }
        while ((oe = readdir(od)) != NULL) {
            const char *adir;
            if (!is_hex(oe->d_name, 2)) {
                continue;
            }
            adir = apr_pstrcat(p, odir, "/", oe->d_name, NULL);
            if (!(ad = opendir(adir))) {
                continue;
            }
            while ((ae = readdir(ad)) != NULL) {
                const char *f = apr_pstrcat(p, adir, "/", ae->d_name, NULL);
                if (is_hex(ae->d_name, 64) && lstat(f, &st) == 0 && st.st_mtime < old) {
                    APR_ARRAY_PUSH(cand, const char *) = apr_pstrdup(p, ae->d_name);
                }
            }
            closedir(ad);
        }
        closedir(od);
        if (cand->nelts > 0) {
            /* under the organization's upload lock: no upload links a file meanwhile */
            maplat_args_t *lock = api_core->args(p, files_st_lock_org),
                          *a = api_core->args(p, files_st_orphans);
            maplat_rows_t *rows = NULL;
            api_core->bind(lock, "org", e->d_name);
            api_core->bind(a, "shas", apr_pstrcat(p, "{", apr_array_pstrcat(p, cand, ','), "}", NULL));
            api_core->bind(a, "org", e->d_name);
            if (api_core->dbs_tx_begin(db) != OK) {
                break;
            }
            if (api_core->dbs_exec(db, lock, NULL) == OK && api_core->dbs_rows(db, a, &rows) == OK) {
                while (api_core->row_next(rows)) {
                    const char *sha = api_core->col(rows, "sha256");
                    if (sha && is_hex(sha, 64)) {
                        const char *f = files_blob_path(p, e->d_name, sha);
                        if (unlink(f) == 0) {
                            ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
                                         MAPLAT_LOGNO(03103) "file store: removed %s (no blob row)", f);
                        }
                    }
                }
            }
            api_core->dbs_tx_end(db, 1);
        }
    }
    closedir(top);
}

void files_maintenance(apr_pool_t *p, server_rec *s)
{
    maplat_db_t *db;
    maplat_args_t *a;
    maplat_rows_t *rows = NULL;
    apr_array_header_t *orgs;
    if (!files_conf.store || !files_store_usable(p, s)) {
        return;
    }
    db = api_core->dbs_session(p, s);
    orgs = apr_array_make(p, 8, sizeof(const char *));
    a = api_core->args(p, files_st_gc_orgs);
    api_core->bind_int(a, "grace", files_conf.grace);
    if (api_core->dbs_rows(db, a, &rows) != OK) {
        return;
    }
    while (api_core->row_next(rows)) {
        APR_ARRAY_PUSH(orgs, const char *) = apr_pstrdup(p, api_core->col(rows, "organization_id"));
    }
    for (int i = 0; i < orgs->nelts; i++) {
        const char *org = APR_ARRAY_IDX(orgs, i, const char *);
        maplat_args_t *lock = api_core->args(p, files_st_lock_org);
        a = api_core->args(p, files_st_gc);
        api_core->bind(lock, "org", org);
        api_core->bind(a, "org", org);
        api_core->bind_int(a, "grace", files_conf.grace);
        rows = NULL;
        if (api_core->dbs_tx_begin(db) != OK) {
            return;
        }
        if (api_core->dbs_exec(db, lock, NULL) == OK && api_core->dbs_rows(db, a, &rows) == OK) {
            while (api_core->row_next(rows)) {
                const char *sha = api_core->col(rows, "sha256");
                if (sha && is_hex(sha, 64)) {
                    const char *f = files_blob_path(p, org, sha);
                    if (unlink(f) != 0 && errno != ENOENT) {
                        ap_log_error(APLOG_MARK, APLOG_WARNING, errno, s,
                                     MAPLAT_LOGNO(03104) "file store: cannot remove %s", f);
                    }
                    else {
                        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
                                     MAPLAT_LOGNO(03105) "file store: removed unreferenced blob %s", f);
                    }
                }
            }
        }
        api_core->dbs_tx_end(db, 1);
    }
    walk_store(p, s, db);
}

/* ------------------------------------------------------------ hooks */

#include "http_core.h"
#include "http_main.h"
#include "mod_watchdog.h"

/* The maintenance runs in one child per server (a singleton mod_watchdog
 * instance); it is harmless when several servers sharing the store run it at
 * once (each removal happens under the organization's upload lock). */
#define MAINTENANCE_SECONDS 60

static apr_status_t maint_cb(int state, void *data, apr_pool_t *pool)
{
    if (state == AP_WATCHDOG_STATE_RUNNING) {
        files_maintenance(pool, data);
    }
    return APR_SUCCESS;
}

int files_check_config(apr_pool_t *ptemp, server_rec *s)
{
    const char *why;
    files_conf_defaults();
    if (!files_conf.store) {
        return OK;
    }
    /* as root the children's own probe (child_init) tells: they run as User */
    if (geteuid() != 0 && (why = maplat_dir_probe(ptemp, files_conf.store)) != NULL) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                     MAPLAT_LOGNO(03106) D_FILE_STORE
                     " %s: %s; httpd runs, but uploads and downloads answer 503 until this is fixed "
                     "(/api/v1/health/ready: file_store \"unavailable\")",
                     files_conf.store, why);
    }
    return OK;
}

int files_post_config(apr_pool_t *pconf, server_rec *s)
{
    APR_OPTIONAL_FN_TYPE(ap_watchdog_get_instance) *get = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_get_instance);
    APR_OPTIONAL_FN_TYPE(ap_watchdog_register_callback) *reg =
        APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_register_callback);
    ap_watchdog_t *wd = NULL;
    apr_interval_time_t every;
    files_conf_defaults();
    if (!files_conf.store || ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    if (!get || !reg) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     MAPLAT_LOGNO(03107) "mod_watchdog is not loaded: unreferenced files in " D_FILE_STORE
                                         " are not removed");
        return OK;
    }
    every =
        apr_time_from_sec(files_conf.grace < MAINTENANCE_SECONDS ? files_conf.grace : MAINTENANCE_SECONDS);
    if (get(&wd, "maplat-files", 0, 1, pconf) != APR_SUCCESS || reg(wd, every, s, maint_cb) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     MAPLAT_LOGNO(03108) "could not start the file store maintenance");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}
