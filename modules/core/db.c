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
#include "apr_strings.h"
#include "http_log.h"

#include <stdint.h>
#include <libpq-fe.h>

static APR_OPTIONAL_FN_TYPE(ap_dbd_open) *dbd_open;
static APR_OPTIONAL_FN_TYPE(ap_dbd_close) *dbd_close;

/* The readiness probe's statement. */
#define PING_LABEL "maplat_core_ping"

static void sql_add_ping(void)
{
    maplat_sql_t *q = apr_array_push(maplat_g.sql);
    q->label = PING_LABEL;
    q->sql = "SELECT 1";
}

int maplat_db_post_config(apr_pool_t *pconf, server_rec *s)
{
    dbd_open = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
    dbd_close = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
    if (!dbd_open || !dbd_close) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, MAPLAT_LOGNO(01020)
                     "mod_maplat needs mod_dbd: add 'LoadModule dbd_module "
                     "modules/mod_dbd.so' (a2enmod dbd) and configure DBDriver pgsql");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    sql_add_ping();
    return OK;
}

/* The backend process a connection's statements were prepared on. */
#define PREPARED_PID_KEY "maplat:backend-pid"

/* Prepares every registered statement on dbd unless that was done on the
 * current backend already. Returns 0, or -1 (logged) when one failed. */
static int ensure_prepared(request_rec *r, ap_dbd_t *dbd)
{
    PGconn *conn;
    int pid, *have;

    if (strcmp(apr_dbd_name(dbd->driver), "pgsql") != 0) {
        ap_log_rerror(APLOG_MARK, APLOG_CRIT, 0, r, MAPLAT_LOGNO(01024)
                      "maplat needs 'DBDriver pgsql', not '%s'", apr_dbd_name(dbd->driver));
        return -1;
    }
    conn = apr_dbd_native_handle(dbd->driver, dbd->handle);
    pid = conn ? PQbackendPID(conn) : 0;
    have = apr_hash_get(dbd->prepared, PREPARED_PID_KEY, APR_HASH_KEY_STRING);
    if (pid != 0 && have && *have == pid) {
        return 0;
    }
    for (int i = 0; i < maplat_g.sql->nelts; i++) {
        const maplat_sql_t *q = &APR_ARRAY_IDX(maplat_g.sql, i, maplat_sql_t);
        apr_dbd_prepared_t *st = NULL;
        int rv = apr_dbd_prepare(dbd->driver, dbd->pool, dbd->handle, q->sql, q->label, &st);
        if (rv != 0) {
            maplat_metrics_db_error();
            ap_log_rerror(APLOG_MARK, APLOG_CRIT, 0, r, MAPLAT_LOGNO(01025)
                          "could not prepare SQL statement '%s' (is the schema migrated?): %s",
                          q->label, apr_dbd_error(dbd->driver, dbd->handle, rv));
            return -1;
        }
        apr_hash_set(dbd->prepared, q->label, APR_HASH_KEY_STRING, st);
    }
    if (!have) {
        have = apr_palloc(dbd->pool, sizeof(*have));
    }
    *have = pid;
    apr_hash_set(dbd->prepared, PREPARED_PID_KEY, APR_HASH_KEY_STRING, have);
    return 0;
}

static apr_status_t release_conn(void *data)
{
    request_rec *r = data;
    maplat_req_t *rq = maplat_req(r);
    if (rq->dbd) {
        if (rq->tx) {
            /* a transaction left open by an aborted handler: roll it back */
            apr_dbd_transaction_mode_set(rq->dbd->driver, rq->tx, APR_DBD_TRANSACTION_ROLLBACK);
            apr_dbd_transaction_end(rq->dbd->driver, r->pool, rq->tx);
            rq->tx = NULL;
        }
        dbd_close(r->server, rq->dbd);
        rq->dbd = NULL;
    }
    return APR_SUCCESS;
}

static ap_dbd_t *open_conn(request_rec *r)
{
    /* a broken idle connection is invalidated by mod_dbd's check and NULL
     * returned: try a few times so we reach a live or a new connection */
    for (int i = 0; i < 3; i++) {
        ap_dbd_t *d = dbd_open(r->pool, r->server);
        if (d) {
            if (ensure_prepared(r, d) != 0) {
                dbd_close(r->server, d);
                return NULL;
            }
            return d;
        }
    }
    return NULL;
}

ap_dbd_t *maplat_db_acquire(request_rec *r)
{
    request_rec *root = maplat_request_root(r);
    maplat_req_t *rq = maplat_req(root);

    if (rq->dbd) {
        return rq->dbd;
    }
    if (!dbd_open) {
        return NULL;
    }
    rq->dbd = open_conn(root);
    if (!rq->dbd) {
        maplat_metrics_db_error();
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MAPLAT_LOGNO(01021)
                      "no database connection (is PostgreSQL running? see DBDParams)");
        return NULL;
    }
    rq->statements = 0;
    apr_pool_cleanup_register(root->pool, root, release_conn, apr_pool_cleanup_null);
    return rq->dbd;
}

apr_dbd_prepared_t *maplat_db_statement(ap_dbd_t *dbd, const char *label)
{
    return dbd && dbd->prepared ? apr_hash_get(dbd->prepared, label, APR_HASH_KEY_STRING) : NULL;
}

void maplat_db_error(request_rec *r, ap_dbd_t *dbd, int rv, const char *what)
{
    const char *msg = dbd ? apr_dbd_error(dbd->driver, dbd->handle, rv) : NULL;
    maplat_metrics_db_error();
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MAPLAT_LOGNO(01022) "database error in %s: %s",
                  what ? what : "statement", msg ? msg : "(no message)");
}

/* Is this connection dead (so that a retry on a new one makes sense)? */
static int conn_dead(request_rec *r, ap_dbd_t *dbd)
{
    PGconn *conn = apr_dbd_native_handle(dbd->driver, dbd->handle);
    return !conn || PQstatus(conn) != CONNECTION_OK;
}

/* Re-establishes the request's dead connection (the driver reconnects in
 * its check) and prepares the statements again. NULL: still unreachable. */
static ap_dbd_t *replace_conn(request_rec *r)
{
    request_rec *root = maplat_request_root(r);
    maplat_req_t *rq = maplat_req(root);
    apr_status_t rv = apr_dbd_check_conn(rq->dbd->driver, root->pool, rq->dbd->handle);

    rq->statements = 0;
    if ((rv == APR_SUCCESS || rv == APR_ENOTIMPL) && !conn_dead(root, rq->dbd)
        && ensure_prepared(root, rq->dbd) == 0) {
        return rq->dbd;
    }
    return NULL;
}

typedef enum { RUN_SELECT, RUN_QUERY } run_kind_t;

static int run(request_rec *r, run_kind_t kind, const char *label, apr_dbd_results_t **res,
               int *nrows, int nargs, const char *const *args)
{
    maplat_req_t *rq = maplat_req(maplat_request_root(r));
    ap_dbd_t *dbd = maplat_db_acquire(r);
    apr_dbd_prepared_t *st;
    int rv = 0;

    for (int attempt = 0; attempt < 2; attempt++) {
        if (!dbd) {
            maplat_metrics_db_error();
            return HTTP_SERVICE_UNAVAILABLE;
        }
        st = maplat_db_statement(dbd, label);
        if (!st) {
            if (conn_dead(r, dbd) && !rq->tx && attempt == 0) {
                dbd = replace_conn(r);
                continue;
            }
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MAPLAT_LOGNO(01023)
                          "SQL statement '%s' is not prepared on this connection", label);
            maplat_metrics_db_error();
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if (kind == RUN_SELECT) {
            *res = NULL;
            rv = apr_dbd_pselect(dbd->driver, r->pool, dbd->handle, res, st, 1, nargs, (const char **)(uintptr_t)args);
        }
        else {
            rv = apr_dbd_pquery(dbd->driver, r->pool, dbd->handle, nrows, st, nargs, (const char **)(uintptr_t)args);
        }
        if (rv == 0) {
            rq->statements++;
            return OK;
        }
        if (conn_dead(r, dbd)) {
            if (!rq->tx && rq->statements == 0 && attempt == 0) {
                dbd = replace_conn(r);
                continue;
            }
            maplat_db_error(r, dbd, rv, label);
            return HTTP_SERVICE_UNAVAILABLE;
        }
        maplat_db_error(r, dbd, rv, label);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return HTTP_SERVICE_UNAVAILABLE;
}

int maplat_db_select(request_rec *r, const char *label, apr_dbd_results_t **res,
                     int nargs, const char *const *args)
{
    return run(r, RUN_SELECT, label, res, NULL, nargs, args);
}

int maplat_db_query(request_rec *r, const char *label, int *nrows, int nargs,
                    const char *const *args)
{
    int dummy = 0;
    return run(r, RUN_QUERY, label, NULL, nrows ? nrows : &dummy, nargs, args);
}

int maplat_db_tx_begin(request_rec *r)
{
    maplat_req_t *rq = maplat_req(maplat_request_root(r));
    ap_dbd_t *dbd = maplat_db_acquire(r);
    int rv;

    if (!dbd) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    if (rq->tx) {
        return OK;
    }
    rv = apr_dbd_transaction_start(dbd->driver, r->pool, dbd->handle, &rq->tx);
    if (rv != 0 && rq->statements == 0 && conn_dead(r, dbd)) {
        dbd = replace_conn(r);
        if (!dbd) {
            return HTTP_SERVICE_UNAVAILABLE;
        }
        rv = apr_dbd_transaction_start(dbd->driver, r->pool, dbd->handle, &rq->tx);
    }
    if (rv != 0) {
        maplat_db_error(r, dbd, rv, "BEGIN");
        rq->tx = NULL;
        return conn_dead(r, dbd) ? HTTP_SERVICE_UNAVAILABLE : HTTP_INTERNAL_SERVER_ERROR;
    }
    rq->statements++;
    return OK;
}

int maplat_db_tx_end(request_rec *r, int commit)
{
    maplat_req_t *rq = maplat_req(maplat_request_root(r));
    int rv;

    if (!rq->dbd || !rq->tx) {
        return OK;
    }
    if (!commit) {
        apr_dbd_transaction_mode_set(rq->dbd->driver, rq->tx, APR_DBD_TRANSACTION_ROLLBACK);
    }
    rv = apr_dbd_transaction_end(rq->dbd->driver, r->pool, rq->tx);
    rq->tx = NULL;
    if (rv != 0) {
        maplat_db_error(r, rq->dbd, rv, commit ? "COMMIT" : "ROLLBACK");
        return conn_dead(r, rq->dbd) ? HTTP_SERVICE_UNAVAILABLE : HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

const char *maplat_db_get(request_rec *r, apr_dbd_row_t *row, int col)
{
    maplat_req_t *rq = maplat_req(maplat_request_root(r));
    const char *v = NULL;
    if (!rq->dbd || apr_dbd_datum_get(rq->dbd->driver, row, col, APR_DBD_TYPE_STRING, &v) != APR_SUCCESS) {
        return NULL;
    }
    return v;
}

maplat_health_t maplat_db_health(request_rec *r, const char **text)
{
    apr_dbd_results_t *res = NULL;
    if (maplat_db_select(r, PING_LABEL, &res, 0, NULL) != OK) {
        *text = "unavailable";
        return MAPLAT_HEALTH_FAILED;
    }
    *text = "ok";
    return MAPLAT_HEALTH_OK;
}
