/*
 * Statements with named parameters (pure; modules/common/stmt.c).
 *
 * A statement is written with named parameters (:org, :id, as often as the
 * SQL needs each) and registered once with the names of its parameters and
 * of its result columns. Registration translates the SQL ONCE into apr_dbd's
 * positional form (one %s per use, every literal '%' doubled) and records
 * which parameter each placeholder takes. Callers bind values by name; the
 * positional array handed to apr_dbd is built from the bindings and always
 * has exactly as many values as the statement has placeholders.
 *
 * The core (modules/core/db.c) uses this; the unit test (tests/unit/test_stmt.c)
 * tests it without a server. Other modules see only maplat.h's opaque types.
 */
#ifndef MAPLAT_STMT_H
#define MAPLAT_STMT_H

#include "maplat.h"

#define MAPLAT_STMT_MAX_NAME 63   /* a parameter's or a column's name */
#define MAPLAT_STMT_MAX_PARAMS 64 /* distinct parameters of one statement */

struct maplat_stmt {
    const char *label;             /* the prepared statement's name */
    const char *sql;               /* as written, with :name parameters */
    const char *dbd_sql;           /* translated: one %s per parameter use, '%' doubled */
    int nparams;                   /* declared parameters */
    const char **params;           /* their names */
    int nslots;                    /* placeholders in dbd_sql */
    int *slot_param;               /* index into params of each placeholder */
    int ncols;                     /* declared result columns (0: none read) */
    const char **cols;             /* their names, in the order the SQL returns them */
    const char *error;             /* NULL, or why the statement is refused at start-up */
    volatile apr_uint32_t checked; /* the core compared the columns (apr_atomic) */
};

struct maplat_args {
    apr_pool_t *pool;
    const maplat_stmt_t *st;
    const char **values;  /* per declared parameter (NULL = SQL NULL) */
    unsigned char *bound; /* per declared parameter */
    const char *error;    /* the first binding error, or NULL */
};

/*
 * Translates sql with :name parameters into apr_dbd's form. Understood:
 * '…' strings ('' inside), E'…' strings (\' and '' inside), "…" identifiers,
 * $tag$…$tag$ dollar quoting, -- and nested block comments, :: casts (never a
 * parameter). Returns 0 with *out, the distinct names in order of first use
 * (*names, const char *) and each placeholder's index into *names (*slots,
 * int); or -1 and *why for: an unterminated string, identifier, comment or
 * dollar quote; a positional $1 or an apr_dbd %s placeholder (named
 * statements use :name only); a name longer than MAPLAT_STMT_MAX_NAME; more
 * than MAPLAT_STMT_MAX_PARAMS names.
 */
int maplat_stmt_translate(apr_pool_t *p, const char *sql, const char **out, apr_array_header_t **names,
                          apr_array_header_t **slots, const char **why);

/*
 * A statement: label, its declared parameters and result columns (names
 * separated by spaces or commas; "" = none) and the SQL. Always returns a
 * statement; st->error is set (naming the label) when the SQL does not
 * translate, a name is declared twice or is not a valid name, a declared
 * parameter is not used, or a used one is not declared.
 */
maplat_stmt_t *maplat_stmt_make(apr_pool_t *p, const char *label, const char *params, const char *columns,
                                const char *sql);

/* Index of a declared parameter / result column, or -1. */
int maplat_stmt_param(const maplat_stmt_t *st, const char *name);
int maplat_stmt_col(const maplat_stmt_t *st, const char *name);

/* An empty argument set for st (st may be NULL: every use is then an error). */
maplat_args_t *maplat_args_make(apr_pool_t *p, const maplat_stmt_t *st);
/* Binds a value (NULL = SQL NULL) to a declared parameter: 0, or -1 when the
 * name is not one of st's parameters (recorded in a->error, the first error
 * kept). Binding a name again replaces its value. */
int maplat_args_bind(maplat_args_t *a, const char *name, const char *value);
/*
 * The values in placeholder order for apr_dbd: 0, *vals and *n (== nslots),
 * or -1 and *why naming the statement and the parameter: a binding error, an
 * unbound parameter, or a statement refused at registration.
 */
int maplat_args_positional(apr_pool_t *p, const maplat_args_t *a, const char *const **vals, int *n,
                           const char **why);

#endif
