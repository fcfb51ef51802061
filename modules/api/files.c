/*
 * Documents as files: versions, uploads and downloads.
 *
 *   POST /documents/{id}/versions?filename=   editor+: the raw body is the file
 *   GET  /documents/{id}/versions              viewer+: newest first
 *   GET  /documents/{id}/file                  viewer+: the latest version's bytes
 *   GET  /documents/{id}/versions/{n}/file     viewer+: version n's bytes
 *
 * An upload: the caller's level and the organization's usage are checked
 * first (on a database connection given back before the body is read); the
 * body streams through httpd's input filters into a temporary file in the
 * store, hashed on the way (SHA-256, OpenSSL EVP) and counted against
 * MaplatFileMaxSize (413) and the quota (507); libmagic then names its type,
 * which must be on the allowlist (415). Only then, in one transaction: the
 * document row is locked (versions numbered without gaps), the
 * organization's upload lock taken (the quota, and the maintenance, see one
 * upload at a time), the blob and version rows and the audit entry
 * inserted, the file linked into place, and the transaction committed. A
 * refused or interrupted upload leaves no file and no row.
 *
 * A download checks the level like GET /documents/{id}, answers ETag (the
 * SHA-256), Last-Modified, conditional requests, and sends the file with a
 * file bucket (sendfile); httpd's byterange filter serves Range requests.
 * Every download (not HEAD, not 304) writes document.download.
 */
#include "files.h"
#include "apr_strings.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_filter.h"
#include "watermark.h"

#include <errno.h>
#include <openssl/evp.h>
#include <unistd.h>

#define LOCK_SPACE "731685129"
#define READ_CHUNK (256 * 1024)

/* set in pre_config; the maintenance's (store.c) too */
static const maplat_stmt_t *st_precheck, *st_lock, *st_version_create, *st_versions, *st_get,
    *st_download_audit;
const maplat_stmt_t *files_st_lock_org, *files_st_gc_orgs, *files_st_gc, *files_st_orphans;

/* the document :id of :org and the caller's (:user, :role) level */
#define DOC_LEVEL "maplat_document_level(d.id, :user::uuid, :role)"
#define DOC_WHERE " WHERE d.id = :id::uuid AND d.organization_id = :org::uuid AND d.deleted_at IS NULL"

static void files_sql(void)
{
    st_precheck = api_core->stmt_add("maplat_api_file_precheck", "user role id org", "lvl used",
                                     "SELECT " DOC_LEVEL " AS lvl,"
                                     " (SELECT COALESCE(sum(size), 0) FROM document_blobs WHERE "
                                     "organization_id = d.organization_id) AS used"
                                     " FROM documents d" DOC_WHERE);
    /* the organization's upload lock first, then the document row: every
     * upload takes them in this order */
    st_lock = api_core->stmt_add("maplat_api_file_lock", "user role id org", "lvl",
                                 "SELECT " DOC_LEVEL " AS lvl FROM documents d" DOC_WHERE " FOR UPDATE OF d");
    files_st_lock_org =
        api_core->stmt_add("maplat_api_files_lock_org", "org", "pg_advisory_xact_lock",
                           "SELECT pg_advisory_xact_lock(" LOCK_SPACE ", hashtext(:org::text))");
    st_version_create = api_core->stmt_add(
        "maplat_api_file_version_create", "sha org quota size id content_type file_name watermark user ip",
        "ok used json number",
        "WITH u AS (SELECT COALESCE(sum(size), 0) AS used, COALESCE(bool_or(sha256 = :sha), false) AS have"
        "   FROM document_blobs WHERE organization_id = :org::uuid),"
        " ok AS (SELECT 1 AS x FROM u WHERE u.have OR :quota::bigint = 0 OR u.used + :size::bigint <= "
        ":quota::bigint),"
        " b AS (INSERT INTO document_blobs (organization_id, sha256, size) SELECT :org::uuid, :sha, "
        ":size::bigint"
        "   FROM ok ON CONFLICT (organization_id, sha256) DO UPDATE SET last_used_at = now() RETURNING 1),"
        " ins AS (INSERT INTO document_versions (organization_id, document_id, number, size, sha256, "
        "content_type,"
        "   file_name, uploaded_by) SELECT :org::uuid, :id::uuid,"
        "   COALESCE((SELECT max(number) FROM document_versions WHERE document_id = :id::uuid), 0) + 1,"
        "   :size::bigint, :sha, :content_type, :file_name, :user::uuid FROM ok RETURNING *),"
        " upd AS (UPDATE documents d SET updated_at = now() FROM ins WHERE d.id = ins.document_id RETURNING "
        "d.id),"
        " a AS (" MAPLAT_AUDIT_INSERT("ins", "ins.organization_id", "'document.version.create'", "'document'",
                                      "ins.document_id::text",
                                      "jsonb_build_object('version', ins.number, 'size', ins.size, 'sha256',"
                                      " ins.sha256, 'content_type', ins.content_type, 'file_name', "
                                      "ins.file_name)") ")"
                                                        " SELECT (SELECT count(*) FROM ok) AS ok, u.used,"
                                                        "  (SELECT "
                                                        "maplat_document_version_json(ROW(ins.*)::document_"
                                                        "versions, :watermark::bool) FROM ins) AS json,"
                                                        "  (SELECT number FROM ins) AS number FROM u");
    st_versions = api_core->stmt_add(
        "maplat_api_file_versions", "watermark limit offset user role id org", "lvl total items",
        "SELECT l.lvl, (SELECT count(*) FROM document_versions v WHERE v.document_id = d.id) AS total,"
        " COALESCE((SELECT json_agg(x.j ORDER BY x.n DESC) FROM (SELECT v.number AS n,"
        "   maplat_document_version_json(v, :watermark::bool) AS j FROM document_versions v"
        "   WHERE v.document_id = d.id ORDER BY v.number DESC LIMIT :limit::int OFFSET :offset::int) x), "
        "'[]')"
        " AS items FROM documents d CROSS JOIN LATERAL (SELECT " DOC_LEVEL " AS lvl) l" DOC_WHERE);
    st_get =
        api_core->stmt_add("maplat_api_file_get", "user role number id org",
                           "lvl number size sha256 content_type file_name uploaded",
                           "SELECT l.lvl, v.number, v.size, v.sha256, v.content_type, v.file_name,"
                           " extract(epoch FROM v.uploaded_at)::bigint AS uploaded"
                           " FROM documents d CROSS JOIN LATERAL (SELECT " DOC_LEVEL " AS lvl) l"
                           " LEFT JOIN LATERAL (SELECT * FROM document_versions x WHERE x.document_id = d.id"
                           "   AND (:number::int IS NULL OR x.number = :number::int) ORDER BY x.number DESC "
                           "LIMIT 1) v ON true" DOC_WHERE);
    st_download_audit =
        api_core->stmt_add("maplat_api_file_download_audit", "org user id details ip", "",
                           MAPLAT_AUDIT_INSERT("(VALUES (1)) e", ":org::uuid", "'document.download'",
                                               "'document'", ":id", ":details::jsonb"));
    /* maintenance: blobs no version of a live document (or of one deleted
     * less than the grace period ago) refers to, untouched for the grace period */
#define UNREFERENCED                                                                                         \
    "b.last_used_at < now() - make_interval(secs => :grace::int) AND NOT EXISTS (SELECT 1 FROM "             \
    "document_versions v"                                                                                    \
    " JOIN documents d ON d.id = v.document_id WHERE v.organization_id = b.organization_id"                  \
    " AND v.sha256 = b.sha256 AND (d.deleted_at IS NULL OR d.deleted_at > now() - make_interval(secs => "    \
    ":grace::int)))"
    files_st_gc_orgs =
        api_core->stmt_add("maplat_api_files_gc_orgs", "grace", "organization_id",
                           "SELECT DISTINCT b.organization_id FROM document_blobs b WHERE " UNREFERENCED);
    files_st_gc = api_core->stmt_add(
        "maplat_api_files_gc", "org grace", "sha256",
        "DELETE FROM document_blobs b WHERE b.organization_id = :org::uuid AND " UNREFERENCED
        " RETURNING b.sha256");
#undef UNREFERENCED
    files_st_orphans =
        api_core->stmt_add("maplat_api_files_orphans", "shas org", "sha256",
                           "SELECT s AS sha256 FROM unnest(:shas::text[]) s WHERE NOT EXISTS (SELECT 1"
                           " FROM document_blobs b WHERE b.organization_id = :org::uuid AND b.sha256 = s)");
}

/* :user :role :id :org: the caller and the document of the route */
static maplat_args_t *doc_args(apr_pool_t *p, const maplat_identity_t *id, const char *doc,
                               const maplat_stmt_t *st)
{
    maplat_args_t *a = api_core->args(p, st);
    api_core->bind(a, "user", id->user_id);
    api_core->bind(a, "role", id->role);
    api_core->bind(a, "id", doc);
    api_core->bind(a, "org", id->org_id);
    return a;
}

static int level_rank(const char *lvl)
{
    if (!lvl) {
        return 0;
    }
    return strcmp(lvl, "owner") == 0    ? 3
           : strcmp(lvl, "editor") == 0 ? 2
           : strcmp(lvl, "viewer") == 0 ? 1
                                        : 0;
}

static int not_found(request_rec *r)
{
    return maplat_problem(r, HTTP_NOT_FOUND, "not_found", "document not found");
}

static int no_access(request_rec *r)
{
    return maplat_problem(r, HTTP_FORBIDDEN, "forbidden", "you have no access to this document");
}

static int store_unavailable(request_rec *r)
{
    apr_table_setn(r->err_headers_out, "Retry-After", "5");
    return maplat_problem(r, HTTP_SERVICE_UNAVAILABLE, "unavailable",
                          files_conf.store ? "the file store is not available at the moment"
                                           : "file storage is not configured on this server");
}

static const char *wm_param(void)
{
    return files_conf.watermark ? "true" : "false";
}

static int too_large(request_rec *r)
{
    r->connection->keepalive = AP_CONN_CLOSE;
    return maplat_problem(r, HTTP_REQUEST_ENTITY_TOO_LARGE, "payload_too_large",
                          apr_psprintf(r->pool,
                                       "the file is larger than the limit of %" APR_OFF_T_FMT " bytes",
                                       files_conf.max_size));
}

static int over_quota(request_rec *r)
{
    r->connection->keepalive = AP_CONN_CLOSE;
    return maplat_problem(
        r, HTTP_INSUFFICIENT_STORAGE, "quota_exceeded",
        apr_psprintf(r->pool, "the organization's files would exceed its quota of %" APR_OFF_T_FMT " bytes",
                     files_conf.quota));
}

static apr_status_t md_cleanup(void *d)
{
    EVP_MD_CTX_free(d);
    return APR_SUCCESS;
}

static int write_all(int fd, const char *buf, apr_size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        buf += n;
        len -= (apr_size_t)n;
    }
    return 0;
}

/* Streams the body into t: OK with *size and hex (65 bytes), or the answer
 * has been written (413, 507, 400 …) and DONE is returned. room: bytes the
 * quota leaves (-1: no quota). */
static int receive(request_rec *r, files_tmp_t *t, apr_off_t room, apr_off_t *size, char *hex)
{
    apr_bucket_brigade *bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    apr_off_t total = 0;
    int eos = 0;

    if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(md);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_pool_cleanup_register(r->pool, md, md_cleanup, apr_pool_cleanup_null);
    while (!eos) {
        apr_status_t rv = ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES, APR_BLOCK_READ, READ_CHUNK);
        if (rv != APR_SUCCESS) {
            int status = ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
            r->connection->keepalive = AP_CONN_CLOSE;
            if (status == AP_FILTER_ERROR) {
                return DONE; /* the input filter has answered */
            }
            if (status == HTTP_REQUEST_ENTITY_TOO_LARGE) {
                too_large(r);
                return DONE;
            }
            ap_log_rerror(APLOG_MARK, APLOG_INFO, rv, r,
                          MAPLAT_LOGNO(03110) "upload interrupted after %" APR_OFF_T_FMT
                                              " bytes: nothing stored",
                          total);
            maplat_problem(r, status, NULL, "the request body could not be read");
            return DONE;
        }
        for (apr_bucket *b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb); b = APR_BUCKET_NEXT(b)) {
            const char *data;
            apr_size_t len;
            if (APR_BUCKET_IS_EOS(b)) {
                eos = 1;
                break;
            }
            if (APR_BUCKET_IS_METADATA(b)) {
                continue;
            }
            if ((rv = apr_bucket_read(b, &data, &len, APR_BLOCK_READ)) != APR_SUCCESS) {
                ap_log_rerror(APLOG_MARK, APLOG_INFO, rv, r,
                              MAPLAT_LOGNO(03110) "upload interrupted after %" APR_OFF_T_FMT
                                                  " bytes: nothing stored",
                              total);
                r->connection->keepalive = AP_CONN_CLOSE;
                maplat_problem(r, HTTP_BAD_REQUEST, NULL, "the request body could not be read");
                return DONE;
            }
            total += (apr_off_t)len;
            if (total > files_conf.max_size) {
                too_large(r);
                return DONE;
            }
            if (room >= 0 && total > room) {
                over_quota(r);
                return DONE;
            }
            EVP_DigestUpdate(md, data, len);
            if (write_all(t->fd, data, len) != 0) {
                int e = errno;
                ap_log_rerror(APLOG_MARK, APLOG_ERR, APR_FROM_OS_ERROR(e), r,
                              MAPLAT_LOGNO(03111) "writing an upload into " D_FILE_STORE " %s",
                              files_conf.store);
                r->connection->keepalive = AP_CONN_CLOSE;
                if (e == ENOSPC || e == EDQUOT) {
                    maplat_problem(r, HTTP_INSUFFICIENT_STORAGE, "storage_full", "the file store is full");
                    return DONE;
                }
                return HTTP_INTERNAL_SERVER_ERROR;
            }
        }
        apr_brigade_cleanup(bb);
    }
    if (fdatasync(t->fd) != 0) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, APR_FROM_OS_ERROR(errno), r,
                      MAPLAT_LOGNO(03112) "fdatasync of an upload");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    EVP_DigestFinal_ex(md, digest, &dlen);
    for (unsigned int i = 0; i < dlen && i < 32; i++) {
        static const char digits[] = "0123456789abcdef";
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 15];
    }
    hex[64] = 0;
    *size = total;
    return OK;
}

static int ver_create(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    apr_table_t *q = maplat_query(r);
    const char *doc = maplat_param(m, "id"), *raw = apr_table_get(q, "filename"), *name, *cl, *type;
    char hex[65];
    apr_off_t size = 0, used, room = -1;
    maplat_args_t *a;
    maplat_rows_t *row = NULL;
    files_tmp_t *t = NULL;
    const char *why;
    int rc;

    /* until the body has been read, an answer closes the connection: httpd
     * must not read (discard) a large refused body to keep it alive */
    r->connection->keepalive = AP_CONN_CLOSE;
    if (!raw || !*raw) {
        return api_invalid1(r, "filename", "is required: the name of the uploaded file");
    }
    if (strlen(raw) > 4096 || !(name = files_clean_name(r->pool, raw))) {
        return api_invalid1(r, "filename", "must name a file (at most 4096 bytes)");
    }
    if (!files_conf.store || !files_store_usable(r->pool, r->server)) {
        return store_unavailable(r);
    }
    if ((cl = apr_table_get(r->headers_in, "Content-Length")) != NULL) {
        char *end;
        apr_off_t len;
        if (apr_strtoff(&len, cl, &end, 10) != APR_SUCCESS || *end || len < 0) {
            return maplat_problem(r, HTTP_BAD_REQUEST, "bad_request", "the Content-Length header is invalid");
        }
        if (len > files_conf.max_size) {
            return too_large(r);
        }
        size = len;
    }
    /* the level and the usage, on a connection given back before the body is read */
    {
        apr_pool_t *sp;
        maplat_db_t *db;
        int ok;
        apr_pool_create(&sp, r->pool);
        db = api_core->dbs_session(sp, r->server);
        rc = api_core->dbs_first(db, doc_args(sp, id, doc, st_precheck), &row);
        ok = rc == OK && row;
        if (rc != OK) {
            apr_pool_destroy(sp);
            return rc;
        }
        if (!ok) {
            apr_pool_destroy(sp);
            return not_found(r);
        }
        rc = level_rank(api_core->col(row, "lvl"));
        used = apr_atoi64(api_core->col(row, "used"));
        apr_pool_destroy(sp);
        if (rc < 1) {
            return no_access(r);
        }
        if (rc < 2) {
            return maplat_problem(r, HTTP_FORBIDDEN, "forbidden",
                                  "uploading a version needs the editor level");
        }
    }
    if (files_conf.quota > 0) {
        room = files_conf.quota - used;
        if (room < 0) {
            room = 0;
        }
        if (cl && size > room) {
            return over_quota(r);
        }
    }
    if ((why = files_tmp_open(r->pool, &t)) != NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MAPLAT_LOGNO(03113) D_FILE_STORE " %s: %s",
                      files_conf.store, why);
        return store_unavailable(r);
    }
    if ((rc = receive(r, t, room, &size, hex)) != OK) {
        return rc == DONE ? OK : rc;
    }
    r->connection->keepalive = AP_CONN_UNKNOWN; /* the body is read: keep-alive is httpd's choice again */
    type = files_detect(r->pool, t->fd);
    if (type) {
        char *lc = apr_pstrdup(r->pool, type); /* application/CDFV2: media types are case-insensitive */
        ap_str_tolower(lc);
        type = lc;
    }
    if (type && size == 1 && strcmp(type, "application/octet-stream") == 0) {
        /* libmagic needs two bytes to call anything text: one printable byte is text */
        unsigned char c = 0;
        if (pread(t->fd, &c, 1, 0) == 1 && ((c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t' || c == '\r')) {
            type = "text/plain";
        }
    }
    if (type && strcmp(type, "inode/x-empty") == 0) {
        type = "application/x-empty";
    }
    if (!files_type_allowed(type)) {
        return maplat_problem(
            r, HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
            apr_psprintf(r->pool,
                         "the file's content (%s) is not a type the data room accepts: PDF, "
                         "Office documents, CSV, text, images (PNG, JPEG, GIF, TIFF, WebP), zip",
                         type ? type : "unknown"));
    }

    /* one transaction: locks, rows, audit, the link, commit */
    if ((rc = api_core->db_tx_begin(r)) != OK) {
        return rc;
    }
    a = api_core->args(r->pool, files_st_lock_org);
    api_core->bind(a, "org", id->org_id);
    if ((rc = api_core->db_exec(r, a, NULL)) != OK ||
        (rc = api_core->db_first(r, doc_args(r->pool, id, doc, st_lock), &row)) != OK) {
        api_core->db_tx_end(r, 0);
        return rc;
    }
    if (!row) {
        api_core->db_tx_end(r, 0);
        return not_found(r);
    }
    if (level_rank(api_core->col(row, "lvl")) < 2) {
        int rank = level_rank(api_core->col(row, "lvl"));
        api_core->db_tx_end(r, 0);
        return rank < 1 ? no_access(r)
                        : maplat_problem(r, HTTP_FORBIDDEN, "forbidden",
                                         "uploading a version needs the editor level");
    }
    a = api_core->args(r->pool, st_version_create);
    api_core->bind(a, "sha", hex);
    api_core->bind(a, "org", id->org_id);
    api_core->bind(a, "quota", apr_off_t_toa(r->pool, files_conf.quota));
    api_core->bind(a, "size", apr_off_t_toa(r->pool, size));
    api_core->bind(a, "id", doc);
    api_core->bind(a, "content_type", type);
    api_core->bind(a, "file_name", name);
    api_core->bind(a, "watermark", wm_param());
    api_core->bind(a, "user", id->user_id);
    api_core->bind(a, "ip", r->useragent_ip);
    row = NULL;
    if ((rc = api_core->db_first(r, a, &row)) != OK) {
        api_core->db_tx_end(r, 0);
        return rc;
    }
    if (!row || !api_core->col(row, "ok")) {
        api_core->db_tx_end(r, 0);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (strcmp(api_core->col(row, "ok"), "0") == 0) {
        api_core->db_tx_end(r, 0);
        return over_quota(r);
    }
    {
        const char *json = api_core->col(row, "json"), *number = api_core->col(row, "number");
        const char *path = files_blob_path(r->pool, id->org_id, hex);
        if (files_tmp_link(t, path) != 0) {
            int e = errno;
            ap_log_rerror(APLOG_MARK, APLOG_ERR, APR_FROM_OS_ERROR(e), r, MAPLAT_LOGNO(03114) "linking %s",
                          path);
            api_core->db_tx_end(r, 0);
            if (e == ENOSPC || e == EDQUOT) {
                return maplat_problem(r, HTTP_INSUFFICIENT_STORAGE, "storage_full", "the file store is full");
            }
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if ((rc = api_core->db_tx_end(r, 1)) != OK) {
            /* the file stays unreferenced: the maintenance removes it */
            return rc;
        }
        apr_table_setn(r->headers_out, "Location",
                       apr_pstrcat(r->pool, "/api/v1/documents/", doc, "/versions/", number, "/file", NULL));
        return maplat_raw_json_send(r, HTTP_CREATED, json);
    }
}

static int ver_list(request_rec *r, const maplat_match_t *m)
{
    API_CALLER(id);
    apr_table_t *q = maplat_query(r);
    json_object *errors = NULL;
    maplat_args_t *a;
    maplat_rows_t *row = NULL;
    int page, size, rc;

    maplat_page_params(q, &page, &size, &errors);
    if (errors) {
        return api_invalid(r, errors);
    }
    a = doc_args(r->pool, id, maplat_param(m, "id"), st_versions);
    api_core->bind(a, "watermark", wm_param());
    api_core->bind_int(a, "limit", size);
    api_core->bind_int(a, "offset", (apr_int64_t)(page - 1) * size);
    if ((rc = api_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row) {
        return not_found(r);
    }
    if (level_rank(api_core->col(row, "lvl")) < 1) {
        return no_access(r);
    }
    return maplat_list_send(r, api_core->col(row, "items"), page, size, api_core->col(row, "total"));
}

static void remove_byterange(request_rec *r)
{
    for (ap_filter_t *f = r->output_filters; f; f = f->next) {
        if (f->frec && f->frec->name && strcasecmp(f->frec->name, "byterange") == 0) {
            ap_remove_output_filter(f);
            return;
        }
    }
}

static int send_file(request_rec *r, const maplat_match_t *m, const char *number)
{
    API_CALLER(id);
    maplat_args_t *a = doc_args(r->pool, id, maplat_param(m, "id"), st_get);
    const char *lvl, *sha, *ctype, *fname, *path, *etag, *details;
    maplat_rows_t *row = NULL;
    apr_off_t size;
    apr_file_t *f = NULL;
    apr_bucket_brigade *bb;
    apr_status_t rv;
    int rc, stamped = 0;

    api_core->bind(a, "number", number);
    if ((rc = api_core->db_first(r, a, &row)) != OK) {
        return rc;
    }
    if (!row) {
        return not_found(r);
    }
    lvl = api_core->col(row, "lvl");
    if (level_rank(lvl) < 1) {
        return no_access(r);
    }
    if (!api_core->col(row, "number")) {
        return maplat_problem(r, HTTP_NOT_FOUND, "not_found",
                              number ? "the document has no such version" : "the document has no file");
    }
    if (!files_conf.store || !files_store_usable(r->pool, r->server)) {
        return store_unavailable(r);
    }
    number = api_core->col(row, "number");
    size = apr_atoi64(api_core->col(row, "size"));
    sha = api_core->col(row, "sha256");
    ctype = api_core->col(row, "content_type");
    fname = api_core->col(row, "file_name");
    path = files_blob_path(r->pool, id->org_id, sha);
    stamped = files_conf.watermark && strcmp(ctype, "application/pdf") == 0;

    /* headers every answer carries, 304 included. A stamped copy differs
     * from download to download (the time, the viewer): its ETag is the
     * weak form of the stored file's hash, and it is served whole (no Range) */
    etag = apr_pstrcat(r->pool, stamped ? "W/\"" : "\"", sha, "\"", NULL);
    apr_table_setn(r->headers_out, "ETag", etag);
    ap_update_mtime(r, apr_time_from_sec(apr_atoi64(api_core->col(row, "uploaded"))));
    ap_set_last_modified(r);
    apr_table_setn(r->headers_out, "Cache-Control", "private, no-cache");
    apr_table_setn(r->err_headers_out, "X-Content-Type-Options", "nosniff");
    apr_table_setn(r->headers_out, "Content-Security-Policy", "sandbox");
    apr_table_setn(r->headers_out, "Content-Disposition", files_disposition(r->pool, fname));
    if (stamped) {
        apr_table_unset(r->headers_in, "Range");
        apr_table_unset(r->headers_in, "Request-Range");
        apr_table_unset(r->headers_in, "If-Range");
    }
    if ((rc = ap_meets_conditions(r)) != OK) {
        if (rc == HTTP_NOT_MODIFIED) {
            r->status = HTTP_NOT_MODIFIED;
            return OK;
        }
        return maplat_problem(r, rc, NULL, "the precondition (If-Match, If-Unmodified-Since) does not hold");
    }
    if ((rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_SENDFILE_ENABLED | APR_FOPEN_LARGEFILE, 0,
                            r->pool)) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, MAPLAT_LOGNO(03115) "file of document %s version %s: %s",
                      maplat_param(m, "id"), number, path);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (stamped && !r->header_only) {
        /* the copy goes to an unnamed temporary file in the store, sent from there */
        files_tmp_t *t = NULL;
        apr_file_t *dst = NULL;
        maplat_watermark_t wm;
        const char *why = NULL;
        char when[64];
        apr_time_exp_t tm;
        apr_size_t tl;
        off_t end;
        int pages = 0;
        if ((why = files_tmp_open(r->pool, &t)) != NULL) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MAPLAT_LOGNO(03117) D_FILE_STORE " %s: %s",
                          files_conf.store, why);
            return store_unavailable(r);
        }
        apr_time_exp_gmt(&tm, r->request_time);
        apr_strftime(when, &tl, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
        wm.email = id->email ? id->email : id->user_id;
        wm.when = when;
        wm.address = r->useragent_ip;
        apr_os_file_put(&dst, &t->fd, APR_FOPEN_WRITE, r->pool);
        if (maplat_pdf_watermark(r->pool, path, dst, &wm, &pages, &why) != 0) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          MAPLAT_LOGNO(03118) "document %s version %s: no watermarked copy: %s",
                          maplat_param(m, "id"), number, why ? why : "?");
            return maplat_problem(
                r, HTTP_CONFLICT, "conflict",
                "this PDF cannot be watermarked (it is damaged or encrypted) and downloads of PDFs "
                "are watermarked on this server");
        }
        if ((end = lseek(t->fd, 0, SEEK_END)) < 0) {
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        size = (apr_off_t)end;
        f = NULL;
        apr_os_file_put(&f, &t->fd, APR_FOPEN_READ | APR_FOPEN_SENDFILE_ENABLED | APR_FOPEN_LARGEFILE,
                        r->pool);
    }
    if (!r->header_only) {
        const char *range = apr_table_get(r->headers_in, "Range");
        maplat_args_t *aa = api_core->args(r->pool, st_download_audit);
        json_object *d = json_object_new_object();
        json_object_object_add(d, "version", json_object_new_int(atoi(number)));
        json_object_object_add(d, "sha256", json_object_new_string(sha));
        json_object_object_add(d, "size", json_object_new_int64(size));
        json_object_object_add(d, "watermarked", json_object_new_boolean(stamped));
        if (range) {
            json_object_object_add(d, "range", json_object_new_string_len(range, (int)strnlen(range, 200)));
        }
        details = apr_pstrdup(r->pool, json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN));
        json_object_put(d);
        api_core->bind(aa, "org", id->org_id);
        api_core->bind(aa, "user", id->user_id);
        api_core->bind(aa, "id", maplat_param(m, "id"));
        api_core->bind(aa, "details", details);
        api_core->bind(aa, "ip", r->useragent_ip);
        if ((rc = api_core->db_exec(r, aa, NULL)) != OK) {
            return rc;
        }
    }
    if (stamped) {
        remove_byterange(r);
        apr_table_setn(r->headers_out, "Accept-Ranges", "none");
    }
    else {
        apr_table_setn(r->headers_out, "Accept-Ranges", "bytes");
    }
    ap_set_content_type(r, strcmp(ctype, "application/x-empty") == 0 ? "application/octet-stream" : ctype);
    if (!(stamped && r->header_only)) {
        ap_set_content_length(r, size); /* a stamped copy's length is known once it is made */
    }
    r->status = HTTP_OK;
    /* the stored bytes as they are (sendfile, ranges of the file, ETag = their
     * hash): never compressed on the way, whatever the type */
    apr_table_setn(r->subprocess_env, "no-gzip", "1");
    apr_table_setn(r->subprocess_env, "no-brotli", "1");
    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    if (!r->header_only && size > 0) {
        apr_brigade_insert_file(bb, f, 0, size, r->pool);
    }
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(r->connection->bucket_alloc));
    rv = ap_pass_brigade(r->output_filters, bb);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r, MAPLAT_LOGNO(03116) "download of %s interrupted", path);
    }
    return OK;
}

static int file_latest(request_rec *r, const maplat_match_t *m)
{
    return send_file(r, m, NULL);
}

static int file_version(request_rec *r, const maplat_match_t *m)
{
    apr_int64_t n;
    if (maplat_parse_int(maplat_param(m, "n"), 1, 2147483647, &n) != 0) {
        return maplat_problem(r, HTTP_NOT_FOUND, "not_found", "the document has no such version");
    }
    return send_file(r, m, apr_psprintf(r->pool, "%" APR_INT64_T_FMT, n));
}

const char *api_files_init(apr_pool_t *p)
{
    const char *err;
    files_sql();
    if ((err = api_core->route_add(p, MAPLAT_M_POST, "/api/v1/documents/{id}/versions", ver_create)) ||
        (err = api_core->route_add(p, MAPLAT_M_GET, "/api/v1/documents/{id}/versions", ver_list)) ||
        (err = api_core->route_add(p, MAPLAT_M_GET | MAPLAT_R_STREAM, "/api/v1/documents/{id}/file",
                                   file_latest)) ||
        (err = api_core->route_add(p, MAPLAT_M_GET | MAPLAT_R_STREAM,
                                   "/api/v1/documents/{id}/versions/{n}/file", file_version))) {
        return err;
    }
    api_core->health_add("file_store", files_health);
    return NULL;
}
