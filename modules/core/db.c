/*
 * Database access through mod_dbd.
 *
 * Statements: every module registers its SQL with the core in pre_config.
 * There is no other way to run SQL: no string-built queries. The core
 * prepares the statements on each pooled connection itself, the first time
 * a request gets that connection, and again whenever the connection's
 * backend changed. (mod_dbd's own DBDPrepareSQL/ap_dbd_prepare is not used:
 * its PostgreSQL driver silently reconnects with PQreset() after a server
 * restart, which loses every prepared statement, and the connection then
 * fails "prepared statement does not exist" until it expires.)
 *
 * Connections: one per request at most, taken with ap_dbd_open() and given
 * back by a cleanup on the request pool. After a PostgreSQL restart a
 * statement that fails because its connection died is retried once on the
 * re-established connection (unless a transaction is open), so requests see
 * at most a brief 503 while PostgreSQL is down, and none once it is back.
 */
#include "core.h"
#include "stmt.h"
#include "apr_atomic.h"
#include "apr_strings.h"
#include "http_log.h"

#include <stdint.h>
#include <unistd.h>
#include "mod_dbd.h"
#include "http_config.h"
#include <libpq-fe.h>

static APR_OPTIONAL_FN_TYPE(ap_dbd_open) * dbd_open;
static APR_OPTIONAL_FN_TYPE(ap_dbd_close) * dbd_close;

/* The readiness probe's statement. */
static const maplat_stmt_t *st_ping;

void maplat_db_ping_sql(void)
{
    st_ping = maplat_db_stmt_add("maplat_core_ping", "", "one", "SELECT 1 AS one");
}

/* ------------------------------------------------------------ registration */

const maplat_stmt_t *maplat_db_stmt_add(const char *label, const char *params, const char *columns,
                                        const char *sql)
{
    maplat_stmt_t *st = maplat_stmt_make(maplat_g.sql->pool, label, params, columns, sql);
    maplat_sql_t *q = apr_array_push(maplat_g.sql);
    q->label = st->label;
    q->sql = st->dbd_sql;
    q->stmt = st;
    return st;
}

/* A label PostgreSQL keeps as it is in PREPARE (folded to lower case,
 * at most 63 bytes) and that can be looked up again. */
static int label_valid(const char *l)
{
    size_t n = 0;
    if (!l || !((*l >= 'a' && *l <= 'z') || *l == '_')) {
        return 0;
    }
    for (; l[n]; n++) {
        if (!((l[n] >= 'a' && l[n] <= 'z') || (l[n] >= '0' && l[n] <= '9') || l[n] == '_')) {
            return 0;
        }
    }
    return n <= 63;
}

int maplat_db_check_statements(server_rec *s)
{
    apr_pool_t *tmp;
    apr_hash_t *seen;
    int bad = 0;

    if (!maplat_g.sql) {
        return OK;
    }
    apr_pool_create(&tmp, maplat_g.sql->pool);
    seen = apr_hash_make(tmp);
    for (int i = 0; i < maplat_g.sql->nelts; i++) {
        const maplat_sql_t *q = &APR_ARRAY_IDX(maplat_g.sql, i, maplat_sql_t);
        const char *why = NULL;
        if (q->stmt && q->stmt->error) {
            why = q->stmt->error;
        }
        else if (!label_valid(q->label)) {
            why = apr_psprintf(tmp,
                               "SQL statement '%s': a label is lower case letters, digits and _ "
                               "(at most 63)",
                               q->label ? q->label : "(null)");
        }
        else if (apr_hash_get(seen, q->label, APR_HASH_KEY_STRING)) {
            why = apr_psprintf(tmp, "SQL statement '%s' is registered twice", q->label);
        }
        else if (!q->sql) {
            why = apr_psprintf(tmp, "SQL statement '%s' has no SQL", q->label);
        }
        if (why) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, MAPLAT_LOGNO(01033) "%s", why);
            bad++;
        }
        else {
            apr_hash_set(seen, q->label, APR_HASH_KEY_STRING, q);
        }
    }
    apr_pool_destroy(tmp);
    return bad ? HTTP_INTERNAL_SERVER_ERROR : OK;
}

int maplat_db_check_config(server_rec *s)
{
    dbd_open = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
    dbd_close = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
    if (!dbd_open || !dbd_close) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     MAPLAT_LOGNO(01020) "mod_maplat needs mod_dbd: add 'LoadModule dbd_module "
                                         "modules/mod_dbd.so' (a2enmod dbd) and configure DBDriver pgsql");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

int maplat_db_post_config(apr_pool_t *pconf, server_rec *s)
{
    return maplat_db_check_config(s);
}

struct maplat_db {
    apr_pool_t *pool; /* the session's lifetime (request pool, or the caller's) */
    server_rec *s;
    request_rec *r; /* NULL for background work */
    ap_dbd_t *dbd;
    apr_dbd_transaction_t *tx;
    int statements; /* statements run on dbd so far */
};

#define DB_LOG(db, level, ...)                                                                               \
    do {                                                                                                     \
        if ((db)->r) {                                                                                       \
            ap_log_rerror(APLOG_MARK, level, 0, (db)->r, __VA_ARGS__);                                       \
        }                                                                                                    \
        else {                                                                                               \
            ap_log_error(APLOG_MARK, level, 0, (db)->s, __VA_ARGS__);                                        \
        }                                                                                                    \
    } while (0)

/* The backend process a connection's statements were prepared on. */
#define PREPARED_PID_KEY "maplat:backend-pid"

/* Was the last failure on conn the connection's rather than the
 * statement's: the connection is broken (the server restarted, the backend
 * was terminated), or PostgreSQL named a connection exception (SQLSTATE
 * class 08) or an operator intervention (57P01-57P05: shutdown, crash,
 * cannot connect now)? The connection's errors are verbose: "ERROR:  42P01:"
 * or "FATAL:  57P01:". */
static int conn_lost(PGconn *conn)
{
    const char *m, *c;
    if (!conn || PQstatus(conn) != CONNECTION_OK) {
        return 1;
    }
    m = PQerrorMessage(conn);
    if (!m || !(c = strstr(m, ":  "))) {
        return 0;
    }
    c += 3;
    return strncmp(c, "08", 2) == 0 || (strncmp(c, "57P0", 4) == 0 && c[4] >= '1' && c[4] <= '5');
}

#define PREPARE_LOST (-2)

/* Are the columns PostgreSQL reports for the prepared statement the
 * declared ones (names, order)? NULL, or why not. */
static const char *columns_mismatch(apr_pool_t *p, PGconn *conn, const maplat_stmt_t *st)
{
    PGresult *d = PQdescribePrepared(conn, st->label);
    const char *why = NULL;
    int nf;

    if (PQresultStatus(d) != PGRES_COMMAND_OK) {
        why = apr_psprintf(p, "SQL statement '%s' cannot be described: %s", st->label, PQerrorMessage(conn));
        PQclear(d);
        return why;
    }
    nf = PQnfields(d);
    for (int k = 0; k < nf || k < st->ncols; k++) {
        const char *got = k < nf ? PQfname(d, k) : NULL;
        if (k >= st->ncols || !got || strcmp(got, st->cols[k]) != 0) {
            const char *have = "", *want = "";
            for (int j = 0; j < nf; j++) {
                have = apr_pstrcat(p, have, j ? ", " : "", PQfname(d, j), NULL);
            }
            for (int j = 0; j < st->ncols; j++) {
                want = apr_pstrcat(p, want, j ? ", " : "", st->cols[j], NULL);
            }
            why = apr_psprintf(p, "SQL statement '%s' returns the columns (%s) but declares (%s)", st->label,
                               have, want);
            break;
        }
    }
    PQclear(d);
    return why;
}

/* Prepares every registered statement on dbd unless that was done on the
 * current backend already. Returns 0; PREPARE_LOST when the connection
 * turned out dead (e.g. a pooled connection that PostgreSQL's restart
 * closed: logged at info, the caller tries a fresh one); or -1 (logged at
 * crit) when a statement itself cannot be prepared (schema not migrated). */
static int ensure_prepared(maplat_db_t *db, ap_dbd_t *dbd)
{
    PGconn *conn;
    int pid, *have;
    apr_time_t t0;

    if (strcmp(apr_dbd_name(dbd->driver), "pgsql") != 0) {
        DB_LOG(db, APLOG_CRIT, MAPLAT_LOGNO(01024) "maplat needs 'DBDriver pgsql', not '%s'",
               apr_dbd_name(dbd->driver));
        return -1;
    }
    conn = apr_dbd_native_handle(dbd->driver, dbd->handle);
    if (!conn || PQstatus(conn) != CONNECTION_OK) {
        return PREPARE_LOST;
    }
    pid = PQbackendPID(conn);
    have = apr_hash_get(dbd->prepared, PREPARED_PID_KEY, APR_HASH_KEY_STRING);
    if (pid != 0 && have && *have == pid) {
        return 0;
    }
    t0 = apr_time_now();
    if (conn) {
        /* a new backend: errors name their SQLSTATE (a statement timeout is told
         * apart from other errors by it) and statements have a time limit */
        int ms = maplat_g.stmt_timeout_ms ? maplat_g.stmt_timeout_ms : MAPLAT_DEFAULT_STMT_TIMEOUT_MS;
        char value[32];
        const char *params[1] = {value};
        PGresult *res;
        PQsetErrorVerbosity(conn, PQERRORS_VERBOSE);
        snprintf(value, sizeof(value), "%d", ms < 0 ? 0 : ms);
        res = PQexecParams(conn, "SELECT set_config('statement_timeout', $1, false)", 1, NULL, params, NULL,
                           NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            PQclear(res);
            if (conn_lost(conn)) {
                DB_LOG(
                    db, APLOG_INFO,
                    MAPLAT_LOGNO(
                        01027) "database connection lost before its first statement (PostgreSQL restarted?); "
                               "trying a new connection: %s",
                    PQerrorMessage(conn));
                return PREPARE_LOST;
            }
            DB_LOG(db, APLOG_ERR, MAPLAT_LOGNO(01026) "could not set statement_timeout: %s",
                   PQerrorMessage(conn));
        }
        else {
            PQclear(res);
        }
    }
    for (int i = 0; i < maplat_g.sql->nelts; i++) {
        const maplat_sql_t *q = &APR_ARRAY_IDX(maplat_g.sql, i, maplat_sql_t);
        apr_dbd_prepared_t *st = NULL;
        int rv;
        if (q->stmt && q->stmt->error) {
            continue; /* refused at start-up already */
        }
        rv = apr_dbd_prepare(dbd->driver, dbd->pool, dbd->handle, q->sql, q->label, &st);
        if (rv != 0 && conn_lost(conn)) {
            DB_LOG(db, APLOG_INFO,
                   MAPLAT_LOGNO(
                       01028) "database connection lost while preparing statements (PostgreSQL restarted?); "
                              "trying a new connection: %s",
                   apr_dbd_error(dbd->driver, dbd->handle, rv));
            return PREPARE_LOST;
        }
        if (rv != 0) {
            maplat_metrics_db_error();
            DB_LOG(db, APLOG_CRIT,
                   MAPLAT_LOGNO(01025) "could not prepare SQL statement '%s' (is the schema migrated?): %s",
                   q->label, apr_dbd_error(dbd->driver, dbd->handle, rv));
            return -1;
        }
        if (q->stmt && !apr_atomic_read32(&q->stmt->checked)) {
            /* once per process: the declared columns are what PostgreSQL returns */
            const char *why = columns_mismatch(db->pool, conn, q->stmt);
            if (why && conn_lost(conn)) {
                return PREPARE_LOST;
            }
            if (why) {
                maplat_metrics_db_error();
                DB_LOG(db, APLOG_CRIT, MAPLAT_LOGNO(01031) "%s", why);
                return -1;
            }
            apr_atomic_set32(&q->stmt->checked, 1);
        }
        apr_hash_set(dbd->prepared, q->label, APR_HASH_KEY_STRING, st);
    }
    if (!have) {
        have = apr_palloc(dbd->pool, sizeof(*have));
    }
    *have = pid;
    apr_hash_set(dbd->prepared, PREPARED_PID_KEY, APR_HASH_KEY_STRING, have);
    /* a request that gets here waits for this: with DBDMin = DBDKeep = DBDMax
     * it only happens in child_init (and after PostgreSQL restarted) */
    DB_LOG(db, APLOG_INFO,
           MAPLAT_LOGNO(01019) "prepared %d statements on a new database connection "
                               "(backend %d) in %" APR_TIME_T_FMT " ms%s",
           maplat_g.sql->nelts, pid, apr_time_as_msec(apr_time_now() - t0),
           db->r ? " while a request waited" : "");
    return 0;
}

/* Is this connection dead (so that a retry on a new one makes sense)? */
static int conn_dead(ap_dbd_t *dbd)
{
    PGconn *conn = apr_dbd_native_handle(dbd->driver, dbd->handle);
    return !conn || PQstatus(conn) != CONNECTION_OK;
}

static apr_status_t release_conn(void *data)
{
    maplat_db_t *db = data;
    if (db->dbd) {
        if (db->tx) {
            /* a transaction left open by an aborted handler: roll it back */
            apr_dbd_transaction_mode_set(db->dbd->driver, db->tx, APR_DBD_TRANSACTION_ROLLBACK);
            apr_dbd_transaction_end(db->dbd->driver, db->pool, db->tx);
            db->tx = NULL;
        }
        dbd_close(db->s, db->dbd);
        db->dbd = NULL;
    }
    return APR_SUCCESS;
}

static ap_dbd_t *open_conn(maplat_db_t *db)
{
    /* a broken idle connection is invalidated by mod_dbd's check and NULL
     * returned: try a few times so we reach a live or a new connection */
    for (int i = 0; i < 3; i++) {
        ap_dbd_t *d = dbd_open(db->pool, db->s);
        int rc;
        if (!d) {
            continue;
        }
        rc = ensure_prepared(db, d);
        if (rc == PREPARE_LOST) {
            /* a pooled connection PostgreSQL closed while it sat idle (a
             * restart): the driver's check reconnects it (PQreset), and the
             * statements are prepared on the new backend */
            apr_status_t rv = apr_dbd_check_conn(d->driver, db->pool, d->handle);
            if ((rv == APR_SUCCESS || rv == APR_ENOTIMPL) && !conn_dead(d)) {
                rc = ensure_prepared(db, d);
            }
        }
        if (rc == 0) {
            return d;
        }
        dbd_close(db->s, d);
        if (rc != PREPARE_LOST) {
            return NULL; /* a statement cannot be prepared: logged, 503 */
        }
    }
    return NULL;
}

/* mod_dbd's DBDMin for s: the connections its pool opens when a child
 * starts. mod_dbd keeps its per-server configuration private; its first
 * member is the dbd_cfg_t * that mod_dbd.h declares (httpd 2.4's
 * modules/database/mod_dbd.c, struct svr_cfg), so only that is read. */
static int dbd_min_connections(server_rec *s)
{
    module *m = ap_find_linked_module("mod_dbd.c");
    dbd_cfg_t **cfg;
    if (!m || !(cfg = ap_get_module_config(s->module_config, m)) || !*cfg) {
        return 0;
    }
#if APR_HAS_THREADS
    if ((*cfg)->persist > 0 && (*cfg)->nmin > 0 && (*cfg)->nmin <= (*cfg)->nmax) {
        return (*cfg)->nmin;
    }
#endif
    return 0;
}

#define WARM_MAX 256

void maplat_db_child_init(apr_pool_t *p, server_rec *s)
{
    int n = dbd_min_connections(s), got = 0;
    ap_dbd_t *held[WARM_MAX];
    apr_pool_t *tmp;
    maplat_db_t db;
    apr_time_t t0 = apr_time_now();

    if (!dbd_open || !dbd_close || n <= 0) {
        return;
    }
    if (n > WARM_MAX) {
        n = WARM_MAX;
    }
    apr_pool_create(&tmp, p);
    memset(&db, 0, sizeof(db));
    db.pool = tmp;
    db.s = s;
    /* hold them all at once so that each is a different connection of the pool */
    for (; got < n; got++) {
        ap_dbd_t *d = dbd_open(tmp, s);
        if (!d) {
            break;
        }
        held[got] = d;
        if (ensure_prepared(&db, d) != 0) {
            got++;
            break;
        }
    }
    for (int i = 0; i < got; i++) {
        dbd_close(s, held[i]);
    }
    apr_pool_destroy(tmp);
    ap_log_error(
        APLOG_MARK, APLOG_INFO, 0, s,
        MAPLAT_LOGNO(
            01029) "child %" APR_PID_T_FMT ": %d of %d "
                   "database connections (DBDMin) ready with %d prepared statements in %" APR_TIME_T_FMT
                   " ms",
        getpid(), got, n, maplat_g.sql->nelts, apr_time_as_msec(apr_time_now() - t0));
}

maplat_db_t *maplat_db_session(apr_pool_t *p, server_rec *s)
{
    maplat_db_t *db = apr_pcalloc(p, sizeof(*db));
    db->pool = p;
    db->s = s;
    return db;
}

/* The session's connection, opened on first use. */
static ap_dbd_t *session_conn(maplat_db_t *db)
{
    if (db->dbd) {
        return db->dbd;
    }
    if (!dbd_open) {
        return NULL;
    }
    db->dbd = open_conn(db);
    if (!db->dbd) {
        maplat_metrics_db_error();
        DB_LOG(db, APLOG_ERR,
               MAPLAT_LOGNO(01021) "no database connection (is PostgreSQL running? see DBDParams)");
        return NULL;
    }
    db->statements = 0;
    apr_pool_cleanup_register(db->pool, db, release_conn, apr_pool_cleanup_null);
    return db->dbd;
}

/* The request's session (in the initial request, released with its pool). */
static maplat_db_t *req_db(request_rec *r)
{
    request_rec *root = maplat_request_root(r);
    maplat_req_t *rq = maplat_req(root);
    if (!rq->db) {
        rq->db = maplat_db_session(root->pool, root->server);
        rq->db->r = root;
    }
    return rq->db;
}

static apr_dbd_prepared_t *prepared_statement(ap_dbd_t *dbd, const char *label)
{
    return dbd && dbd->prepared ? apr_hash_get(dbd->prepared, label, APR_HASH_KEY_STRING) : NULL;
}

static void log_db_error(maplat_db_t *db, int rv, const char *what)
{
    const char *msg = db->dbd ? apr_dbd_error(db->dbd->driver, db->dbd->handle, rv) : NULL;
    maplat_metrics_db_error();
    DB_LOG(db, APLOG_ERR, MAPLAT_LOGNO(01022) "database error in %s: %s", what ? what : "statement",
           msg ? msg : "(no message)");
}

/* Did the last statement run into statement_timeout (SQLSTATE 57014, named
 * in the message since the connection's errors are verbose)? The answer is
 * then 503: the database is too slow right now, the request may be retried. */
static int statement_timed_out(ap_dbd_t *dbd)
{
    PGconn *conn = apr_dbd_native_handle(dbd->driver, dbd->handle);
    const char *m = conn ? PQerrorMessage(conn) : NULL;
    return m && strstr(m, ":  57014:") != NULL;
}

/* Re-establishes a dead connection (the driver reconnects in its check) and
 * prepares the statements again. NULL: still unreachable. */
static ap_dbd_t *replace_conn(maplat_db_t *db)
{
    apr_status_t rv = apr_dbd_check_conn(db->dbd->driver, db->pool, db->dbd->handle);

    db->statements = 0;
    if ((rv == APR_SUCCESS || rv == APR_ENOTIMPL) && !conn_dead(db->dbd) &&
        ensure_prepared(db, db->dbd) == 0) {
        return db->dbd;
    }
    return NULL;
}

typedef enum { RUN_SELECT, RUN_QUERY } run_kind_t;

static int run(maplat_db_t *db, run_kind_t kind, const char *label, apr_dbd_results_t **res, int *nrows,
               int nargs, const char *const *args)
{
    ap_dbd_t *dbd = session_conn(db);
    apr_pool_t *p = db->r ? db->r->pool : db->pool;
    apr_dbd_prepared_t *st;
    int rv = 0;

    for (int attempt = 0; attempt < 2; attempt++) {
        if (!dbd) {
            return HTTP_SERVICE_UNAVAILABLE;
        }
        st = prepared_statement(dbd, label);
        if (!st) {
            if (conn_dead(dbd) && !db->tx && attempt == 0) {
                dbd = replace_conn(db);
                continue;
            }
            DB_LOG(db, APLOG_ERR, MAPLAT_LOGNO(01023) "SQL statement '%s' is not prepared on this connection",
                   label);
            maplat_metrics_db_error();
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if (kind == RUN_SELECT) {
            *res = NULL;
            rv = apr_dbd_pselect(dbd->driver, p, dbd->handle, res, st, 1, nargs,
                                 (const char **)(uintptr_t)args);
        }
        else {
            rv =
                apr_dbd_pquery(dbd->driver, p, dbd->handle, nrows, st, nargs, (const char **)(uintptr_t)args);
        }
        if (rv == 0) {
            db->statements++;
            return OK;
        }
        if (conn_dead(dbd)) {
            if (!db->tx && db->statements == 0 && attempt == 0) {
                dbd = replace_conn(db);
                continue;
            }
            log_db_error(db, rv, label);
            return HTTP_SERVICE_UNAVAILABLE;
        }
        log_db_error(db, rv, label);
        return statement_timed_out(dbd) ? HTTP_SERVICE_UNAVAILABLE : HTTP_INTERNAL_SERVER_ERROR;
    }
    maplat_metrics_db_error();
    return HTTP_SERVICE_UNAVAILABLE;
}

int maplat_dbs_tx_begin(maplat_db_t *db)
{
    ap_dbd_t *dbd = session_conn(db);
    int rv;

    if (!dbd) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    if (db->tx) {
        return OK;
    }
    rv = apr_dbd_transaction_start(dbd->driver, db->pool, dbd->handle, &db->tx);
    if (rv != 0 && db->statements == 0 && conn_dead(dbd)) {
        if (!(dbd = replace_conn(db))) {
            return HTTP_SERVICE_UNAVAILABLE;
        }
        rv = apr_dbd_transaction_start(dbd->driver, db->pool, dbd->handle, &db->tx);
    }
    if (rv != 0) {
        log_db_error(db, rv, "BEGIN");
        db->tx = NULL;
        return conn_dead(dbd) ? HTTP_SERVICE_UNAVAILABLE : HTTP_INTERNAL_SERVER_ERROR;
    }
    db->statements++;
    return OK;
}

int maplat_dbs_tx_end(maplat_db_t *db, int commit)
{
    int rv;

    if (!db->dbd || !db->tx) {
        return OK;
    }
    if (!commit) {
        apr_dbd_transaction_mode_set(db->dbd->driver, db->tx, APR_DBD_TRANSACTION_ROLLBACK);
    }
    rv = apr_dbd_transaction_end(db->dbd->driver, db->pool, db->tx);
    db->tx = NULL;
    if (rv != 0) {
        log_db_error(db, rv, commit ? "COMMIT" : "ROLLBACK");
        return conn_dead(db->dbd) ? HTTP_SERVICE_UNAVAILABLE : HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

static const char *dbs_get(maplat_db_t *db, apr_dbd_row_t *row, int col)
{
    const char *v = NULL;
    if (!db->dbd || !row ||
        apr_dbd_datum_get(db->dbd->driver, row, col, APR_DBD_TYPE_STRING, &v) != APR_SUCCESS) {
        return NULL;
    }
    return v;
}

static int dbs_next(maplat_db_t *db, apr_dbd_results_t *res, apr_dbd_row_t **row)
{
    /* *row is the previous row (NULL before the first): the driver steps
     * from it; after the last row it sets *row to NULL and returns -1 */
    apr_pool_t *p = db->r ? db->r->pool : db->pool;
    if (!db->dbd || !res) {
        *row = NULL;
        return 0;
    }
    if (apr_dbd_get_row(db->dbd->driver, p, res, row, -1) != 0) {
        *row = NULL;
        return 0;
    }
    return 1;
}

void maplat_dbs_close(maplat_db_t *db)
{
    apr_pool_cleanup_run(db->pool, db, release_conn);
}

/* ------------------------------------------------------------ request forms */

int maplat_db_tx_begin(request_rec *r)
{
    return maplat_dbs_tx_begin(req_db(r));
}

int maplat_db_tx_end(request_rec *r, int commit)
{
    return maplat_dbs_tx_end(req_db(r), commit);
}

/* ------------------------------------------------------------ named statements */

struct maplat_rows {
    maplat_db_t *db;
    const maplat_stmt_t *st;
    apr_dbd_results_t *res;
    apr_dbd_row_t *row;
};

maplat_args_t *maplat_db_args(apr_pool_t *p, const maplat_stmt_t *st)
{
    return maplat_args_make(p, st);
}

void maplat_db_bind(maplat_args_t *a, const char *name, const char *value)
{
    maplat_args_bind(a, name, value); /* an error is kept in a: the run reports it */
}

void maplat_db_bind_int(maplat_args_t *a, const char *name, apr_int64_t value)
{
    if (a) {
        maplat_args_bind(a, name, apr_psprintf(a->pool, "%" APR_INT64_T_FMT, value));
    }
}

/* The positional values of a run, or 500 (logged: the statement, the name). */
static int positional(maplat_db_t *db, const maplat_args_t *a, const char *const **vals, int *n)
{
    const char *why = NULL;
    if (maplat_args_positional(db->r ? db->r->pool : db->pool, a, vals, n, &why) != 0) {
        maplat_metrics_db_error();
        DB_LOG(db, APLOG_ERR, MAPLAT_LOGNO(01034) "%s", why);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

int maplat_dbs_rows(maplat_db_t *db, maplat_args_t *a, maplat_rows_t **rows)
{
    const char *const *vals = NULL;
    maplat_rows_t *rs;
    int n = 0, rc;

    *rows = NULL;
    if ((rc = positional(db, a, &vals, &n)) != OK) {
        return rc;
    }
    rs = apr_pcalloc(db->r ? db->r->pool : db->pool, sizeof(*rs));
    rs->db = db;
    rs->st = a->st;
    if ((rc = run(db, RUN_SELECT, a->st->label, &rs->res, NULL, n, vals)) != OK) {
        return rc;
    }
    *rows = rs;
    return OK;
}

int maplat_dbs_first(maplat_db_t *db, maplat_args_t *a, maplat_rows_t **row)
{
    int rc = maplat_dbs_rows(db, a, row);
    if (rc == OK && !maplat_db_row_next(*row)) {
        *row = NULL;
    }
    return rc;
}

int maplat_dbs_exec(maplat_db_t *db, maplat_args_t *a, int *nrows)
{
    const char *const *vals = NULL;
    int n = 0, rc, dummy = 0;

    if ((rc = positional(db, a, &vals, &n)) != OK) {
        return rc;
    }
    return run(db, RUN_QUERY, a->st->label, NULL, nrows ? nrows : &dummy, n, vals);
}

int maplat_db_rows(request_rec *r, maplat_args_t *a, maplat_rows_t **rows)
{
    return maplat_dbs_rows(req_db(r), a, rows);
}

int maplat_db_first(request_rec *r, maplat_args_t *a, maplat_rows_t **row)
{
    return maplat_dbs_first(req_db(r), a, row);
}

int maplat_db_exec(request_rec *r, maplat_args_t *a, int *nrows)
{
    return maplat_dbs_exec(req_db(r), a, nrows);
}

int maplat_db_row_next(maplat_rows_t *rows)
{
    return rows ? dbs_next(rows->db, rows->res, &rows->row) : 0;
}

const char *maplat_db_col_at(const maplat_rows_t *rows, int index)
{
    if (!rows) {
        return NULL;
    }
    if (index < 0 || index >= rows->st->ncols) {
        DB_LOG(rows->db, APLOG_ERR,
               MAPLAT_LOGNO(01032) "SQL statement '%s' has no column %d (it declares %d)", rows->st->label,
               index, rows->st->ncols);
        return NULL;
    }
    return rows->row ? dbs_get(rows->db, rows->row, index) : NULL;
}

const char *maplat_db_col(const maplat_rows_t *rows, const char *name)
{
    int k;
    if (!rows) {
        return NULL;
    }
    if ((k = maplat_stmt_col(rows->st, name)) < 0) {
        DB_LOG(rows->db, APLOG_ERR, MAPLAT_LOGNO(01032) "SQL statement '%s' has no column '%s'",
               rows->st->label, name ? name : "(null)");
        return NULL;
    }
    return maplat_db_col_at(rows, k);
}

int maplat_db_row_count(const maplat_rows_t *rows)
{
    if (!rows || !rows->res || !rows->db->dbd) {
        return 0;
    }
    return apr_dbd_num_tuples(rows->db->dbd->driver, rows->res);
}

maplat_health_t maplat_db_health(request_rec *r, const char **text)
{
    maplat_rows_t *row = NULL;
    if (maplat_db_first(r, maplat_db_args(r->pool, st_ping), &row) != OK) {
        *text = "unavailable";
        return MAPLAT_HEALTH_FAILED;
    }
    *text = "ok";
    return MAPLAT_HEALTH_OK;
}
