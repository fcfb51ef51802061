/*
 * The audit log writer every module uses: one prepared INSERT, in the
 * request's transaction when one is open (so the entry commits or rolls
 * back with the mutation it records). The table refuses UPDATE and DELETE.
 */
#include "core.h"
#include "apr_strings.h"

#define AUDIT_LABEL "maplat_core_audit_insert"

void maplat_audit_sql(void)
{
    maplat_sql_t *q = apr_array_push(maplat_g.sql);
    q->label = AUDIT_LABEL;
    q->sql = "INSERT INTO audit_log (organization_id, user_id, action, resource_type, resource_id,"
             " details, client_address, source)"
             " VALUES (%s::uuid, %s::uuid, %s, %s, %s, COALESCE(%s::jsonb, '{}'::jsonb), %s::inet, 'server')";
}

int maplat_audit(request_rec *r, const maplat_audit_t *e)
{
    const maplat_identity_t *id = NULL;
    const char *args[7];
    request_rec *root = maplat_request_root(r);
    maplat_req_t *rq = maplat_req(r);

    if (!e->org_id && !e->user_id && !e->anonymous && rq->has_identity) {
        id = &rq->identity;
    }
    args[0] = id ? id->org_id : e->org_id;
    args[1] = id ? id->user_id : e->user_id;
    args[2] = e->action;
    args[3] = e->resource_type;
    args[4] = e->resource_id;
    args[5] = e->details;
    args[6] = root->useragent_ip;
    if (args[0]) {
        /* the dashboard lists recent audit entries: its cache goes after this
         * request, whatever its method or status (a failed login, say) */
        rq->audited_org = apr_pstrdup(root->pool, args[0]);
    }
    return maplat_db_query(r, AUDIT_LABEL, NULL, 7, args);
}
