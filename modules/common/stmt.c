/*
 * Statements with named parameters: the translation to apr_dbd's positional
 * form and the binding by name (pure; see stmt.h).
 */
#include "stmt.h"
#include "apr_strings.h"

#include <string.h>

static int name_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int name_char(int c)
{
    return name_start(c) || (c >= '0' && c <= '9');
}

/* A byte of an SQL identifier or key word (PostgreSQL: letters, digits, _, $
 * and every non-ASCII byte; not starting with a digit or $). */
static int ident_start(int c)
{
    return name_start(c) || c >= 0x80;
}

static int ident_char(int c)
{
    return ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

typedef struct {
    char *buf;
    size_t len;
} out_t;

/* Every byte of the SQL reaches apr_dbd, which reads "%x" as a placeholder
 * and "%%" as '%' wherever they are (it does not know SQL's quoting). */
static void put(out_t *o, unsigned char c)
{
    if (c == '%') {
        o->buf[o->len++] = '%';
    }
    o->buf[o->len++] = (char)c;
}

static void put_n(out_t *o, const char *s, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        put(o, (unsigned char)s[k]);
    }
}

/* The end of a quoted text starting at s[i] (the opening quote q): the index
 * after the closing quote, or 0 when there is none. A doubled quote stands
 * for itself; with backslashes (E'…'), \x escapes the next byte. */
static size_t quoted_end(const char *s, size_t i, char q, int backslashes)
{
    for (i++; s[i]; i++) {
        if (backslashes && s[i] == '\\' && s[i + 1]) {
            i++;
        }
        else if (s[i] == q) {
            if (s[i + 1] == q) {
                i++;
            }
            else {
                return i + 1;
            }
        }
    }
    return 0;
}

int maplat_stmt_translate(apr_pool_t *p, const char *sql, const char **out, apr_array_header_t **names,
                          apr_array_header_t **slots, const char **why)
{
    size_t n = sql ? strlen(sql) : 0, i = 0;
    out_t o;
    apr_array_header_t *nm = apr_array_make(p, 8, sizeof(const char *));
    apr_array_header_t *sl = apr_array_make(p, 8, sizeof(int));

    if (!sql) {
        *why = "no SQL";
        return -1;
    }
    /* the output is at most twice as long: '%' doubles, ":x" becomes "%s" */
    o.buf = apr_palloc(p, 2 * n + 1);
    o.len = 0;
    while (i < n) {
        unsigned char c = (unsigned char)sql[i];
        size_t j;

        if (c == '\'' || c == '"') {
            if (!(j = quoted_end(sql, i, (char)c, 0))) {
                *why = apr_psprintf(p, "unterminated %s at offset %" APR_SIZE_T_FMT,
                                    c == '"' ? "quoted identifier" : "string literal", i);
                return -1;
            }
            put_n(&o, sql + i, j - i);
            i = j;
        }
        else if (c == '-' && sql[i + 1] == '-') {
            for (j = i; j < n && sql[j] != '\n'; j++) {
            }
            put_n(&o, sql + i, j - i);
            i = j;
        }
        else if (c == '/' && sql[i + 1] == '*') {
            int depth = 0;
            for (j = i; j < n; j++) {
                if (sql[j] == '/' && sql[j + 1] == '*') {
                    depth++;
                    j++;
                }
                else if (sql[j] == '*' && sql[j + 1] == '/') {
                    j++;
                    if (--depth == 0) {
                        j++;
                        break;
                    }
                }
            }
            if (depth != 0) {
                *why = apr_psprintf(p, "unterminated comment at offset %" APR_SIZE_T_FMT, i);
                return -1;
            }
            put_n(&o, sql + i, j - i);
            i = j;
        }
        else if (c == '$') {
            const char *end;
            if (sql[i + 1] >= '0' && sql[i + 1] <= '9') {
                *why = apr_psprintf(p, "positional parameter at offset %" APR_SIZE_T_FMT " (use :name)", i);
                return -1;
            }
            for (j = i + 1; j < n && name_char((unsigned char)sql[j]); j++) {
            }
            if (sql[j] != '$') {
                put(&o, c); /* not a dollar quote's tag */
                i++;
                continue;
            }
            /* $tag$ … $tag$: the body is copied as it is */
            {
                const char *tag = apr_pstrndup(p, sql + i, j - i + 1);
                end = strstr(sql + j + 1, tag);
                if (!end) {
                    *why = apr_psprintf(p, "unterminated dollar quote %s at offset %" APR_SIZE_T_FMT, tag, i);
                    return -1;
                }
                j = (size_t)(end - sql) + strlen(tag);
            }
            put_n(&o, sql + i, j - i);
            i = j;
        }
        else if (c == ':' && sql[i + 1] == ':') {
            put_n(&o, "::", 2); /* a cast: the type name follows */
            i += 2;
        }
        else if (c == ':' && name_start((unsigned char)sql[i + 1])) {
            const char *name;
            int idx = -1;
            for (j = i + 1; j < n && name_char((unsigned char)sql[j]); j++) {
            }
            if (j - i - 1 > MAPLAT_STMT_MAX_NAME) {
                *why = apr_psprintf(p, "parameter name at offset %" APR_SIZE_T_FMT " is longer than %d bytes",
                                    i, MAPLAT_STMT_MAX_NAME);
                return -1;
            }
            name = apr_pstrndup(p, sql + i + 1, j - i - 1);
            for (int k = 0; k < nm->nelts; k++) {
                if (strcmp(APR_ARRAY_IDX(nm, k, const char *), name) == 0) {
                    idx = k;
                    break;
                }
            }
            if (idx < 0) {
                if (nm->nelts >= MAPLAT_STMT_MAX_PARAMS) {
                    *why = apr_psprintf(p, "more than %d parameters", MAPLAT_STMT_MAX_PARAMS);
                    return -1;
                }
                idx = nm->nelts;
                APR_ARRAY_PUSH(nm, const char *) = name;
            }
            APR_ARRAY_PUSH(sl, int) = idx;
            o.buf[o.len++] = '%';
            o.buf[o.len++] = 's';
            i = j;
        }
        else if (c == '%' &&
                 ((sql[i + 1] >= 'a' && sql[i + 1] <= 'z') || (sql[i + 1] >= 'A' && sql[i + 1] <= 'Z'))) {
            *why = apr_psprintf(p, "apr_dbd placeholder %%%c at offset %" APR_SIZE_T_FMT " (use :name)",
                                sql[i + 1], i);
            return -1;
        }
        else if (ident_start(c)) {
            for (j = i; j < n && ident_char((unsigned char)sql[j]); j++) {
            }
            if (j == i + 1 && (c == 'E' || c == 'e') && sql[j] == '\'') {
                /* E'…': an escape string, where \' does not end it */
                size_t e = quoted_end(sql, j, '\'', 1);
                if (!e) {
                    *why = apr_psprintf(p, "unterminated string literal at offset %" APR_SIZE_T_FMT, i);
                    return -1;
                }
                j = e;
            }
            put_n(&o, sql + i, j - i);
            i = j;
        }
        else {
            put(&o, c);
            i++;
        }
    }
    o.buf[o.len] = '\0';
    *out = o.buf;
    *names = nm;
    *slots = sl;
    return 0;
}

/* Splits a list of names (spaces or commas between them); NULL and *why when
 * one is not a name or is given twice. */
static apr_array_header_t *name_list(apr_pool_t *p, const char *list, const char *what, const char **why)
{
    apr_array_header_t *a = apr_array_make(p, 8, sizeof(const char *));
    const char *s = list ? list : "";

    while (*s) {
        const char *b, *name;
        while (*s == ' ' || *s == ',') {
            s++;
        }
        if (!*s) {
            break;
        }
        for (b = s; *s && *s != ' ' && *s != ','; s++) {
        }
        name = apr_pstrndup(p, b, (apr_size_t)(s - b));
        if (!name_start((unsigned char)name[0]) || strlen(name) > MAPLAT_STMT_MAX_NAME) {
            *why = apr_psprintf(p, "'%s' is not a valid %s name", name, what);
            return NULL;
        }
        for (const char *c = name; *c; c++) {
            if (!name_char((unsigned char)*c)) {
                *why = apr_psprintf(p, "'%s' is not a valid %s name", name, what);
                return NULL;
            }
        }
        for (int k = 0; k < a->nelts; k++) {
            if (strcmp(APR_ARRAY_IDX(a, k, const char *), name) == 0) {
                *why = apr_psprintf(p, "%s '%s' is declared twice", what, name);
                return NULL;
            }
        }
        if (a->nelts >= MAPLAT_STMT_MAX_PARAMS) {
            *why = apr_psprintf(p, "more than %d %ss", MAPLAT_STMT_MAX_PARAMS, what);
            return NULL;
        }
        APR_ARRAY_PUSH(a, const char *) = name;
    }
    return a;
}

static int find(const char *const *names, int n, const char *name)
{
    for (int k = 0; name && k < n; k++) {
        if (strcmp(names[k], name) == 0) {
            return k;
        }
    }
    return -1;
}

maplat_stmt_t *maplat_stmt_make(apr_pool_t *p, const char *label, const char *params, const char *columns,
                                const char *sql)
{
    maplat_stmt_t *st = apr_pcalloc(p, sizeof(*st));
    apr_array_header_t *decl, *cols, *used = NULL, *slots = NULL;
    const char *why = NULL, *out = NULL;

    st->label = label ? label : "(no label)";
    st->sql = sql;
    if (!label || !*label) {
        why = "a statement needs a label";
    }
    else if (!(decl = name_list(p, params, "parameter", &why)) ||
             !(cols = name_list(p, columns, "column", &why))) {
        /* why is set */
    }
    else if (maplat_stmt_translate(p, sql, &out, &used, &slots, &why) != 0) {
        /* why is set */
    }
    else {
        st->dbd_sql = out;
        st->nparams = decl->nelts;
        st->params = (const char **)decl->elts;
        st->ncols = cols->nelts;
        st->cols = (const char **)cols->elts;
        st->nslots = slots->nelts;
        st->slot_param = apr_pcalloc(p, sizeof(int) * (apr_size_t)(slots->nelts ? slots->nelts : 1));
        for (int k = 0; k < used->nelts && !why; k++) {
            if (find(st->params, st->nparams, APR_ARRAY_IDX(used, k, const char *)) < 0) {
                why = apr_psprintf(p, "the SQL uses :%s, which is not declared",
                                   APR_ARRAY_IDX(used, k, const char *));
            }
        }
        for (int k = 0; k < st->nparams && !why; k++) {
            if (find((const char *const *)used->elts, used->nelts, st->params[k]) < 0) {
                why = apr_psprintf(p, "parameter '%s' is declared but the SQL does not use :%s",
                                   st->params[k], st->params[k]);
            }
        }
        for (int k = 0; k < st->nslots && !why; k++) {
            st->slot_param[k] = find(st->params, st->nparams,
                                     APR_ARRAY_IDX(used, APR_ARRAY_IDX(slots, k, int), const char *));
        }
    }
    if (why) {
        st->error = apr_psprintf(p, "SQL statement '%s': %s", st->label, why);
        st->nslots = 0; /* nothing of it runs */
    }
    return st;
}

int maplat_stmt_param(const maplat_stmt_t *st, const char *name)
{
    return st ? find(st->params, st->nparams, name) : -1;
}

int maplat_stmt_col(const maplat_stmt_t *st, const char *name)
{
    return st ? find(st->cols, st->ncols, name) : -1;
}

maplat_args_t *maplat_args_make(apr_pool_t *p, const maplat_stmt_t *st)
{
    maplat_args_t *a = apr_pcalloc(p, sizeof(*a));
    int n = st && st->nparams ? st->nparams : 1;
    a->pool = p;
    a->st = st;
    a->values = apr_pcalloc(p, sizeof(*a->values) * (apr_size_t)n);
    a->bound = apr_pcalloc(p, (apr_size_t)n);
    if (!st) {
        a->error = "no statement (its registration did not happen)";
    }
    return a;
}

int maplat_args_bind(maplat_args_t *a, const char *name, const char *value)
{
    int k;
    if (!a) {
        return -1;
    }
    k = maplat_stmt_param(a->st, name);
    if (k < 0) {
        if (!a->error) {
            a->error = apr_psprintf(a->pool, "SQL statement '%s': unknown parameter '%s'",
                                    a->st ? a->st->label : "(none)", name ? name : "(null)");
        }
        return -1;
    }
    a->values[k] = value;
    a->bound[k] = 1;
    return 0;
}

int maplat_args_positional(apr_pool_t *p, const maplat_args_t *a, const char *const **vals, int *n,
                           const char **why)
{
    const maplat_stmt_t *st = a ? a->st : NULL;
    const char **v;

    if (!a || !st) {
        *why = a && a->error ? a->error : "no statement (its registration did not happen)";
        return -1;
    }
    if (st->error) {
        *why = st->error;
        return -1;
    }
    if (a->error) {
        *why = a->error;
        return -1;
    }
    for (int k = 0; k < st->nparams; k++) {
        if (!a->bound[k]) {
            *why =
                apr_psprintf(p, "SQL statement '%s': parameter '%s' is not bound", st->label, st->params[k]);
            return -1;
        }
    }
    v = apr_palloc(p, sizeof(*v) * (apr_size_t)(st->nslots ? st->nslots : 1));
    for (int k = 0; k < st->nslots; k++) {
        v[k] = a->values[st->slot_param[k]];
    }
    *vals = v;
    *n = st->nslots;
    return 0;
}
