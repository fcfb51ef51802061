/*
 * Database access through mod_dbd.
 *
 * Statements: every module registers its SQL with the core in pre_config;
 * in post_config (ordered before mod_dbd's) the core hands each statement
 * to mod_dbd for every server, so mod_dbd prepares them on every pooled
 * connection. There is no other way to run SQL: no string-built queries.
 *
 * Connections: one per request at most, taken with ap_dbd_open() and given
 * back by a cleanup on the request pool. After a PostgreSQL restart the
 * pooled connections are broken; a statement that fails on a connection
 * that turns out to be dead is retried once on a fresh connection (unless a
 * transaction is open), so at most the first statement per pooled
 * connection notices the restart. No connection → 503.
 */
#include "core.h"
#include "apr_strings.h"
#include "http_log.h"

#include <stdint.h>

static APR_OPTIONAL_FN_TYPE(ap_dbd_prepare) *dbd_prepare;
static APR_OPTIONAL_FN_TYPE(ap_dbd_open) *dbd_open;
static APR_OPTIONAL_FN_TYPE(ap_dbd_close) *dbd_close;

/* The readiness probe's statement. */
#define PING_LABEL "maplat_core_ping"

int maplat_db_post_config(apr_pool_t *pconf, server_rec *s)
{
    dbd_prepare = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_prepare);
    dbd_open = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
    dbd_close = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
    if (!dbd_prepare || !dbd_open || !dbd_close) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, MAPLAT_LOGNO(01020)
                     "mod_maplat needs mod_dbd: add 'LoadModule dbd_module "
                     "modules/mod_dbd.so' (a2enmod dbd) and configure DBDriver pgsql");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    for (server_rec *sp = s; sp; sp = sp->next) {
        dbd_prepare(sp, "SELECT 1", PING_LABEL);
        for (int i = 0; i < maplat_g.sql->nelts; i++) {
            const maplat_sql_t *q = &APR_ARRAY_IDX(maplat_g.sql, i, maplat_sql_t);
            dbd_prepare(sp, q->sql, q->label);
        }
    }
    return OK;
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
    apr_status_t rv = apr_dbd_check_conn(dbd->driver, r->pool, dbd->handle);
    return rv != APR_SUCCESS && rv != APR_ENOTIMPL;
}

/* Drops the request's dead connection and opens another one. */
static ap_dbd_t *replace_conn(request_rec *r)
{
    request_rec *root = maplat_request_root(r);
    maplat_req_t *rq = maplat_req(root);
    dbd_close(root->server, rq->dbd); /* mod_dbd invalidates it on next check */
    rq->dbd = open_conn(root);
    rq->statements = 0;
    if (!rq->dbd) {
        apr_pool_cleanup_kill(root->pool, root, release_conn);
    }
    return rq->dbd;
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
