/*
 * Whether httpd's user can use a directory (the export directory, the file
 * store): one probe for every module that keeps files.
 */
#include "apr_atomic.h"
#include "apr_file_info.h"
#include "apr_strings.h"
#include "maplat.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

static volatile apr_uint32_t probe_n;

const char *maplat_dir_probe(apr_pool_t *p, const char *dir)
{
    apr_finfo_t fi;
    const char *f, *why = NULL;
    char err[120];
    int fd;

    if (apr_stat(&fi, dir, APR_FINFO_TYPE, p) != APR_SUCCESS || fi.filetype != APR_DIR) {
        return "not an existing directory";
    }
    f = apr_psprintf(p, "%s/.maplat-probe.%" APR_PID_T_FMT ".%u", dir, getpid(), apr_atomic_inc32(&probe_n));
    fd = open(f, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        apr_strerror(APR_FROM_OS_ERROR(errno), err, sizeof(err));
        return apr_psprintf(p, "not writable by httpd's user (creating a file: %s)", err);
    }
    if (write(fd, "maplat\n", 7) != 7) {
        apr_strerror(APR_FROM_OS_ERROR(errno), err, sizeof(err));
        why = apr_psprintf(p, "not writable by httpd's user (writing a file: %s)", err);
    }
    if (close(fd) != 0 && !why) {
        apr_strerror(APR_FROM_OS_ERROR(errno), err, sizeof(err));
        why = apr_psprintf(p, "not writable by httpd's user (closing a file: %s)", err);
    }
    if (unlink(f) != 0 && !why) {
        apr_strerror(APR_FROM_OS_ERROR(errno), err, sizeof(err));
        why = apr_psprintf(p, "httpd's user cannot remove files there (%s)", err);
    }
    return why;
}
