/*
 * Route templates: "/api/v1/deals/{id}/hierarchy". Segments are literals or
 * {name} parameters that match one non-empty segment. Parameters named "id"
 * or ending in "_id" must be UUIDs. Matching prefers templates with more
 * literal segments, so "/export-jobs/{id}" never shadows a literal sibling.
 */
#include "router.h"
#include "apr_strings.h"
#include "httpd.h"

#include <string.h>

maplat_router_t *maplat_router_make(apr_pool_t *p)
{
    maplat_router_t *rt = apr_pcalloc(p, sizeof(*rt));
    rt->pool = p;
    rt->routes = apr_array_make(p, 32, sizeof(maplat_route_t *));
    rt->order = apr_array_make(p, 32, sizeof(maplat_route_t *));
    return rt;
}

int maplat_method_slot(int bit)
{
    for (int i = 0; i < 5; i++) {
        if (bit == (1 << i)) {
            return i;
        }
    }
    return -1;
}

static int is_id_param(const char *name)
{
    size_t n = strlen(name);
    return strcmp(name, "id") == 0 || (n > 3 && strcmp(name + n - 3, "_id") == 0);
}

static const char *parse_template(apr_pool_t *p, const char *tmpl, maplat_route_t *rt)
{
    char *copy, *state = NULL, *seg;

    if (!tmpl || tmpl[0] != '/' || strstr(tmpl, "//") || tmpl[strlen(tmpl) - 1] == '/') {
        return apr_psprintf(p, "route template '%s' must start with '/' and have no empty segment",
                            tmpl ? tmpl : "(null)");
    }
    copy = apr_pstrdup(p, tmpl);
    for (seg = apr_strtok(copy, "/", &state); seg; seg = apr_strtok(NULL, "/", &state)) {
        size_t n = strlen(seg);
        if (rt->nseg >= MAPLAT_ROUTE_MAX_SEGMENTS) {
            return apr_psprintf(p, "route template '%s' has too many segments", tmpl);
        }
        if (seg[0] == '{') {
            if (n < 3 || seg[n - 1] != '}' || rt->nparams >= MAPLAT_ROUTE_MAX_PARAMS) {
                return apr_psprintf(p, "route template '%s' has a bad parameter '%s'", tmpl, seg);
            }
            rt->seg[rt->nseg] = NULL;
            rt->pname[rt->nseg] = apr_pstrndup(p, seg + 1, n - 2);
            rt->nparams++;
        }
        else {
            if (strchr(seg, '{') || strchr(seg, '}')) {
                return apr_psprintf(p, "route template '%s' has a bad segment '%s'", tmpl, seg);
            }
            rt->seg[rt->nseg] = seg;
            rt->literals++;
        }
        rt->nseg++;
    }
    return NULL;
}

const char *maplat_router_add(maplat_router_t *rt, int methods, const char *tmpl, maplat_route_fn fn,
                              const void *data)
{
    maplat_route_t *route = NULL;
    const char *err;

    if (!fn || (methods & 0x1f) == 0 || (methods & ~(0x1f | MAPLAT_R_STREAM))) {
        return apr_psprintf(rt->pool, "route '%s' needs a handler and methods", tmpl ? tmpl : "");
    }
    for (int i = 0; i < rt->routes->nelts; i++) {
        maplat_route_t *have = APR_ARRAY_IDX(rt->routes, i, maplat_route_t *);
        if (strcmp(have->tmpl, tmpl) == 0) {
            route = have;
            break;
        }
    }
    if (!route) {
        route = apr_pcalloc(rt->pool, sizeof(*route));
        if ((err = parse_template(rt->pool, tmpl, route)) != NULL) {
            return err;
        }
        route->tmpl = apr_pstrdup(rt->pool, tmpl);
        route->index = rt->routes->nelts + 1;
        APR_ARRAY_PUSH(rt->routes, maplat_route_t *) = route;
        APR_ARRAY_PUSH(rt->order, maplat_route_t *) = route;
    }
    if (route->methods & methods) {
        return apr_psprintf(rt->pool, "route '%s' registered twice for one method", tmpl);
    }
    if (methods & MAPLAT_R_STREAM) {
        route->streams = 1;
        methods &= ~MAPLAT_R_STREAM;
    }
    route->methods |= methods;
    for (int i = 0; i < 5; i++) {
        if (methods & (1 << i)) {
            route->fn[i] = fn;
            route->data[i] = data;
        }
    }
    return NULL;
}

static int more_specific_first(const void *a, const void *b)
{
    const maplat_route_t *x = *(maplat_route_t *const *)a;
    const maplat_route_t *y = *(maplat_route_t *const *)b;
    if (x->literals != y->literals) {
        return y->literals - x->literals;
    }
    return x->index - y->index;
}

void maplat_router_finalize(maplat_router_t *rt)
{
    qsort(rt->order->elts, (size_t)rt->order->nelts, sizeof(maplat_route_t *), more_specific_first);
}

static int route_matches(const maplat_route_t *route, int nseg, const char *const *segs)
{
    if (route->nseg != nseg) {
        return 0;
    }
    for (int i = 0; i < nseg; i++) {
        if (route->seg[i] && strcmp(route->seg[i], segs[i]) != 0) {
            return 0;
        }
    }
    return 1;
}

maplat_route_result_t maplat_router_match(const maplat_router_t *rt, apr_pool_t *p, const char *path,
                                          const maplat_route_t **route, maplat_match_t *m)
{
    const char *segs[MAPLAT_ROUTE_MAX_SEGMENTS];
    int nseg = 0;
    const char *s;
    maplat_route_result_t res = MAPLAT_ROUTE_FOUND;

    if (!path || path[0] != '/') {
        return MAPLAT_ROUTE_NONE;
    }
    /* split; an empty segment ("//" or a trailing "/") never matches */
    s = path + 1;
    for (;;) {
        const char *slash = strchr(s, '/');
        size_t n = slash ? (size_t)(slash - s) : strlen(s);
        if (n == 0 || nseg >= MAPLAT_ROUTE_MAX_SEGMENTS) {
            return MAPLAT_ROUTE_NONE;
        }
        segs[nseg++] = apr_pstrndup(p, s, n);
        if (!slash) {
            break;
        }
        s = slash + 1;
    }

    for (int i = 0; i < rt->order->nelts; i++) {
        const maplat_route_t *cand = APR_ARRAY_IDX(rt->order, i, const maplat_route_t *);
        if (!route_matches(cand, nseg, segs)) {
            continue;
        }
        memset(m, 0, sizeof(*m));
        m->route = cand->tmpl;
        m->route_index = cand->index;
        for (int k = 0; k < nseg; k++) {
            if (cand->seg[k]) {
                continue;
            }
            m->names[m->nparams] = cand->pname[k];
            m->values[m->nparams] = segs[k];
            m->nparams++;
            if (is_id_param(cand->pname[k]) && !maplat_uuid_valid(segs[k])) {
                res = MAPLAT_ROUTE_BAD_ID;
            }
        }
        *route = cand;
        return res;
    }
    return MAPLAT_ROUTE_NONE;
}

int maplat_router_count(const maplat_router_t *rt)
{
    return rt ? rt->routes->nelts : 0;
}

const char *maplat_router_template(const maplat_router_t *rt, int index)
{
    if (!rt || index < 1 || index > rt->routes->nelts) {
        return "unmatched";
    }
    return APR_ARRAY_IDX(rt->routes, index - 1, const maplat_route_t *)->tmpl;
}

int maplat_method_bit(int method_number)
{
    switch (method_number) {
    case M_GET:
        return MAPLAT_M_GET;
    case M_POST:
        return MAPLAT_M_POST;
    case M_PUT:
        return MAPLAT_M_PUT;
    case M_PATCH:
        return MAPLAT_M_PATCH;
    case M_DELETE:
        return MAPLAT_M_DELETE;
    default:
        return 0;
    }
}

const char *maplat_allow_header(apr_pool_t *p, int methods)
{
    static const char *const names[] = {"GET, HEAD", "POST", "PUT", "PATCH", "DELETE"};
    const char *out = NULL;
    for (int i = 0; i < 5; i++) {
        if (methods & (1 << i)) {
            out = out ? apr_pstrcat(p, out, ", ", names[i], NULL) : names[i];
        }
    }
    return out ? apr_pstrcat(p, out, ", OPTIONS", NULL) : "OPTIONS";
}
