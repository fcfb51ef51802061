/*
 * The route table (pure code, used by mod_maplat and the unit tests).
 */
#ifndef MAPLAT_ROUTER_H
#define MAPLAT_ROUTER_H

#include "maplat.h"
#include "apr_tables.h"

typedef struct maplat_route {
    const char *tmpl;
    int index; /* 1..n in registration order; 0 = unmatched */
    int nseg;
    int nparams;
    int literals;                                 /* number of literal segments (specificity) */
    const char *seg[MAPLAT_ROUTE_MAX_SEGMENTS];   /* literal, or NULL for {param} */
    const char *pname[MAPLAT_ROUTE_MAX_SEGMENTS]; /* parameter name */
    int methods;                                  /* MAPLAT_M_* mask */
    int streams;                                  /* registered with MAPLAT_R_STREAM */
    maplat_route_fn fn[5];                        /* by method bit position */
    const void *data[5];
} maplat_route_t;

typedef struct maplat_router {
    apr_pool_t *pool;
    apr_array_header_t *routes; /* maplat_route_t *, registration order */
    apr_array_header_t *order;  /* maplat_route_t *, matching order */
} maplat_router_t;

maplat_router_t *maplat_router_make(apr_pool_t *p);
/* NULL or an error message. */
const char *maplat_router_add(maplat_router_t *rt, int methods, const char *tmpl, maplat_route_fn fn,
                              const void *data);
/* Sorts the matching order: more literal segments first. */
void maplat_router_finalize(maplat_router_t *rt);

/* Result of matching a path. */
typedef enum {
    MAPLAT_ROUTE_NONE = 0, /* no template matches: 404 */
    MAPLAT_ROUTE_FOUND,    /* template matched (check methods) */
    MAPLAT_ROUTE_BAD_ID    /* template matched but an id is malformed: 422 */
} maplat_route_result_t;

/* Matches path (decoded, normalised, e.g. r->uri). Parameter values are
 * copied into p. On FOUND/BAD_ID *route and m are set. */
maplat_route_result_t maplat_router_match(const maplat_router_t *rt, apr_pool_t *p, const char *path,
                                          const maplat_route_t **route, maplat_match_t *m);

int maplat_router_count(const maplat_router_t *rt);
const char *maplat_router_template(const maplat_router_t *rt, int index);

/* Method bit for an httpd method number (M_GET → MAPLAT_M_GET); 0 if none. */
int maplat_method_bit(int method_number);
/* "GET, HEAD, POST" for a mask (OPTIONS is always listed). */
const char *maplat_allow_header(apr_pool_t *p, int methods);
/* Bit position 0..4 for a single method bit. */
int maplat_method_slot(int bit);

#endif
