/*
 * The audit log writer every module uses: one prepared INSERT, in the
 * request's transaction when one is open (so the entry commits or rolls
 * back with the mutation it records). The table refuses UPDATE and DELETE.
 */
#include "core.h"
#include "apr_strings.h"

static const maplat_stmt_t *st_insert;

void maplat_audit_sql(void)
{
    st_insert = maplat_db_stmt_add("maplat_core_audit_insert", "org user action rtype rid details ip", "",
                                   MAPLAT_AUDIT_INSERT("(VALUES (1)) e", ":org::uuid", ":action", ":rtype",
                                                       ":rid", "COALESCE(:details::jsonb, '{}'::jsonb)"));
}

int maplat_audit(request_rec *r, const maplat_audit_t *e)
{
    const maplat_identity_t *id = NULL;
    request_rec *root = maplat_request_root(r);
    maplat_req_t *rq = maplat_req(r);
    maplat_args_t *a = maplat_db_args(r->pool, st_insert);
    const char *org;

    if (!e->org_id && !e->user_id && !e->anonymous && rq->has_identity) {
        id = &rq->identity;
    }
    org = id ? id->org_id : e->org_id;
    maplat_db_bind(a, "org", org);
    maplat_db_bind(a, "user", id ? id->user_id : e->user_id);
    maplat_db_bind(a, "action", e->action);
    maplat_db_bind(a, "rtype", e->resource_type);
    maplat_db_bind(a, "rid", e->resource_id);
    maplat_db_bind(a, "details", e->details);
    maplat_db_bind(a, "ip", root->useragent_ip);
    if (org) {
        /* the dashboard lists recent audit entries: its cache goes after this
         * request, whatever its method or status (a failed login, say) */
        rq->audited_org = apr_pstrdup(root->pool, org);
    }
    return maplat_db_exec(r, a, NULL);
}
