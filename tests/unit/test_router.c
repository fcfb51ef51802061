/* Unit tests of the route table (modules/common/router.c). */
#include "router.h"
#include "apr_strings.h"
#include "unit.h"
#include <string.h>

static int h1(request_rec *r, const maplat_match_t *m)
{
    return 1;
}
static int h2(request_rec *r, const maplat_match_t *m)
{
    return 2;
}

int main(void)
{
    apr_pool_t *p;
    maplat_router_t *rt;
    const maplat_route_t *route = NULL;
    maplat_match_t m;
    const char *uuid = "7b0c4a5e-9d1f-4c2a-8f3e-1a2b3c4d5e6f";

    apr_initialize();
    apr_pool_create(&p, NULL);
    rt = maplat_router_make(p);

    CHECK(maplat_router_add(rt, MAPLAT_M_GET | MAPLAT_M_POST, "/api/v1/deals", h1, NULL) == NULL);
    CHECK(maplat_router_add(rt, MAPLAT_M_GET, "/api/v1/deals/{id}", h1, NULL) == NULL);
    CHECK(maplat_router_add(rt, MAPLAT_M_PATCH | MAPLAT_M_DELETE, "/api/v1/deals/{id}", h2, NULL) == NULL);
    CHECK(maplat_router_add(rt, MAPLAT_M_GET, "/api/v1/deals/{id}/hierarchy", h1, NULL) == NULL);
    CHECK(maplat_router_add(rt, MAPLAT_M_GET, "/api/v1/things/{slug}", h1, NULL) == NULL);
    CHECK(maplat_router_add(rt, MAPLAT_M_GET, "/api/v1/things/special", h2, NULL) == NULL);
    CHECK(maplat_router_add(rt, MAPLAT_M_GET, "/api/v1/c/{id}/m/{user_id}", h2, NULL) == NULL);
    /* refused */
    CHECK(maplat_router_add(rt, MAPLAT_M_GET, "/api/v1/deals", h2, NULL) != NULL); /* twice */
    CHECK(maplat_router_add(rt, MAPLAT_M_GET, "api/v1/x", h2, NULL) != NULL);
    CHECK(maplat_router_add(rt, MAPLAT_M_GET, "/api//x", h2, NULL) != NULL);
    CHECK(maplat_router_add(rt, MAPLAT_M_GET, "/api/x/", h2, NULL) != NULL);
    CHECK(maplat_router_add(rt, MAPLAT_M_GET, "/api/{x", h2, NULL) != NULL);
    CHECK(maplat_router_add(rt, 0, "/api/y", h2, NULL) != NULL);
    /* MAPLAT_R_STREAM is a flag beside a method, never a method of its own */
    CHECK(maplat_router_add(rt, MAPLAT_R_STREAM, "/api/y", h2, NULL) != NULL);
    CHECK(maplat_router_add(rt, 1 << 6, "/api/y", h2, NULL) != NULL);
    CHECK(maplat_router_add(rt, MAPLAT_M_GET | MAPLAT_R_STREAM, "/api/v1/c/{id}/file", h1, NULL) == NULL);
    CHECK(maplat_router_add(rt, MAPLAT_M_DELETE, "/api/v1/c/{id}/file", h2, NULL) == NULL);
    maplat_router_finalize(rt);
    CHECK(maplat_router_count(rt) == 7);
    CHECK(maplat_router_match(rt, p, apr_pstrcat(p, "/api/v1/c/", uuid, "/file", NULL), &route, &m) ==
          MAPLAT_ROUTE_FOUND);
    CHECK(route->streams == 1);
    CHECK(route->methods == (MAPLAT_M_GET | MAPLAT_M_DELETE));
    CHECK(strcmp(maplat_allow_header(p, route->methods), "GET, HEAD, DELETE, OPTIONS") == 0);

    CHECK(maplat_router_match(rt, p, "/api/v1/deals", &route, &m) == MAPLAT_ROUTE_FOUND);
    CHECK(strcmp(m.route, "/api/v1/deals") == 0 && m.route_index == 1);
    CHECK(maplat_router_match(rt, p, apr_pstrcat(p, "/api/v1/deals/", uuid, NULL), &route, &m) ==
          MAPLAT_ROUTE_FOUND);
    CHECK(strcmp(m.route, "/api/v1/deals/{id}") == 0);
    CHECK(strcmp(maplat_param(&m, "id"), uuid) == 0);
    CHECK(route->methods == (MAPLAT_M_GET | MAPLAT_M_PATCH | MAPLAT_M_DELETE));
    CHECK(route->fn[maplat_method_slot(MAPLAT_M_PATCH)] == h2);
    CHECK(maplat_router_match(rt, p, "/api/v1/deals/123", &route, &m) == MAPLAT_ROUTE_BAD_ID);
    CHECK(maplat_router_match(rt, p, "/api/v1/deals/123/hierarchy", &route, &m) == MAPLAT_ROUTE_BAD_ID);
    CHECK(strcmp(m.route, "/api/v1/deals/{id}/hierarchy") == 0);
    /* literal beats parameter */
    CHECK(maplat_router_match(rt, p, "/api/v1/things/special", &route, &m) == MAPLAT_ROUTE_FOUND);
    CHECK(strcmp(m.route, "/api/v1/things/special") == 0);
    CHECK(maplat_router_match(rt, p, "/api/v1/things/other", &route, &m) == MAPLAT_ROUTE_FOUND);
    CHECK(strcmp(maplat_param(&m, "slug"), "other") == 0);
    /* two params, the second a user id */
    CHECK(maplat_router_match(rt, p, apr_pstrcat(p, "/api/v1/c/", uuid, "/m/", uuid, NULL), &route, &m) ==
          MAPLAT_ROUTE_FOUND);
    CHECK(m.nparams == 2 && strcmp(maplat_param(&m, "user_id"), uuid) == 0);
    CHECK(maplat_router_match(rt, p, apr_pstrcat(p, "/api/v1/c/", uuid, "/m/x", NULL), &route, &m) ==
          MAPLAT_ROUTE_BAD_ID);
    /* no match */
    CHECK(maplat_router_match(rt, p, "/api/v1/deals/", &route, &m) == MAPLAT_ROUTE_NONE);
    CHECK(maplat_router_match(rt, p, "/api/v1//deals", &route, &m) == MAPLAT_ROUTE_NONE);
    CHECK(maplat_router_match(rt, p, "/api/v1/DEALS", &route, &m) == MAPLAT_ROUTE_NONE);
    CHECK(maplat_router_match(rt, p, "/api/v1", &route, &m) == MAPLAT_ROUTE_NONE);
    CHECK(maplat_router_match(rt, p, "", &route, &m) == MAPLAT_ROUTE_NONE);
    CHECK(maplat_router_match(rt, p, "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p", &route, &m) == MAPLAT_ROUTE_NONE);

    CHECK(strcmp(maplat_router_template(rt, 0), "unmatched") == 0);
    CHECK(strcmp(maplat_router_template(rt, 2), "/api/v1/deals/{id}") == 0);
    CHECK(strcmp(maplat_allow_header(p, MAPLAT_M_GET | MAPLAT_M_DELETE), "GET, HEAD, DELETE, OPTIONS") == 0);
    CHECK(maplat_method_bit(M_PATCH) == MAPLAT_M_PATCH);
    CHECK(maplat_method_bit(M_OPTIONS) == 0);

    apr_pool_destroy(p);
    apr_terminate();
    UNIT_DONE();
}
