-- sql/functions/20_resources.sql: the JSON shape of each resource the API answers with —
-- the one current text of each (the C code passes the text on unchanged). Re-applied as a
-- whole by every scripts/migrate run; see sql/README.md "Functions".

CREATE OR REPLACE FUNCTION maplat_deal_json(d deals) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', d.id, 'name', d.name, 'target_company', d.target_company, 'stage', d.stage,
        'value', d.value, 'currency', d.currency, 'description', d.description,
        'archived', d.archived, 'created_by', maplat_user_ref(d.created_by),
        'created_at', maplat_ts(d.created_at), 'updated_at', maplat_ts(d.updated_at),
        'version', d.version)
$$;

CREATE OR REPLACE FUNCTION maplat_prospect_json(p prospects) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', p.id, 'company_name', p.company_name, 'contact_name', p.contact_name,
        'contact_email', p.contact_email, 'stage', p.stage, 'notes', p.notes,
        'archived', p.archived, 'created_by', maplat_user_ref(p.created_by),
        'created_at', maplat_ts(p.created_at), 'updated_at', maplat_ts(p.updated_at),
        'version', p.version)
$$;

CREATE OR REPLACE FUNCTION maplat_task_json(t tasks) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', t.id, 'title', t.title, 'deal_id', t.deal_id, 'assignee_id', t.assignee_id,
        'assignee', maplat_user_ref(t.assignee_id),
        'due_date', to_char(t.due_date, 'YYYY-MM-DD'), 'status', t.status,
        'created_by', maplat_user_ref(t.created_by),
        'created_at', maplat_ts(t.created_at), 'updated_at', maplat_ts(t.updated_at),
        'version', t.version)
$$;

-- {version, size, sha256, content_type, file_name, uploaded_by, uploaded_at} and, when
-- watermark is not null, "watermark": whether a download of this version is a stamped copy
-- (a PDF while MaplatFileWatermark is On; the server passes the setting).
CREATE OR REPLACE FUNCTION maplat_document_version_json(v document_versions, watermark boolean) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN watermark IS NULL THEN
        json_build_object('version', v.number, 'size', v.size, 'sha256', v.sha256,
            'content_type', v.content_type, 'file_name', v.file_name,
            'uploaded_by', maplat_user_ref(v.uploaded_by), 'uploaded_at', maplat_ts(v.uploaded_at))
    ELSE
        json_build_object('version', v.number, 'size', v.size, 'sha256', v.sha256,
            'content_type', v.content_type, 'file_name', v.file_name,
            'watermark', watermark AND v.content_type = 'application/pdf',
            'uploaded_by', maplat_user_ref(v.uploaded_by), 'uploaded_at', maplat_ts(v.uploaded_at))
    END
$$;

-- level: the caller's effective permission (owner/editor/viewer); latest_version is null
-- when the document has no file.
CREATE OR REPLACE FUNCTION maplat_document_json(d documents, level text) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', d.id, 'title', d.title, 'body', d.body, 'deal_id', d.deal_id,
        'archived', d.archived, 'created_by', maplat_user_ref(d.created_by),
        'created_at', maplat_ts(d.created_at), 'updated_at', maplat_ts(d.updated_at),
        'version', d.version, 'permission', level,
        'latest_version', (SELECT maplat_document_version_json(v, NULL) FROM document_versions v
                            WHERE v.document_id = d.id ORDER BY v.number DESC LIMIT 1))
$$;

CREATE OR REPLACE FUNCTION maplat_audit_json(a audit_log) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', a.id, 'action', a.action, 'resource_type', a.resource_type,
        'resource_id', a.resource_id, 'user', maplat_user_ref(a.user_id),
        'occurred_at', maplat_ts(a.occurred_at), 'details', a.details,
        'source', a.source, 'client_time', maplat_ts(a.client_time))
$$;

CREATE OR REPLACE FUNCTION maplat_ratios_json(x financial_ratios) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'period', x.period, 'deal_id', x.deal_id,
        'current_ratio', x.current_ratio, 'quick_ratio', x.quick_ratio,
        'debt_to_equity', x.debt_to_equity, 'gross_margin', x.gross_margin,
        'ebitda_margin', x.ebitda_margin, 'net_margin', x.net_margin,
        'interest_coverage', x.interest_coverage, 'created_at', maplat_ts(x.created_at))
$$;

-- A user as the API shows it to that user (login, refresh, GET /auth/me).
CREATE OR REPLACE FUNCTION maplat_user_json(u users) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object('id', u.id, 'email', u.email, 'first_name', u.first_name,
        'last_name', u.last_name, 'organization_id', u.organization_id, 'role', u.role,
        'master_admin', u.master_admin)
$$;

-- A user as people management shows it to an admin (GET/POST/PATCH /users…): the shape
-- of maplat_user_json() plus active, last_login_at, created_at.
CREATE OR REPLACE FUNCTION maplat_user_full_json(u users) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object('id', u.id, 'email', u.email, 'first_name', u.first_name,
        'last_name', u.last_name, 'organization_id', u.organization_id, 'role', u.role,
        'master_admin', u.master_admin, 'active', u.active,
        'last_login_at', maplat_ts(u.last_login_at), 'created_at', maplat_ts(u.created_at))
$$;

-- A document permission entry: {user_id, level, user}.
CREATE OR REPLACE FUNCTION maplat_document_permission_json(p document_permissions) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object('user_id', p.user_id, 'level', p.level, 'user', maplat_user_ref(p.user_id))
$$;

-- A community as viewer sees it: member_count and my_role (the viewer's role, null when not a
-- member) are counted from community_members unless given. A statement that creates the
-- community and its first member passes them (1, 'admin'): its own insert is not visible to
-- its other parts.
CREATE OR REPLACE FUNCTION maplat_community_json(c communities, viewer uuid,
    member_count bigint DEFAULT NULL, my_role text DEFAULT NULL) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object('id', c.id, 'name', c.name, 'description', c.description,
        'created_by', maplat_user_ref(c.created_by), 'created_at', maplat_ts(c.created_at),
        'member_count', COALESCE(member_count,
            (SELECT count(*) FROM community_members cm WHERE cm.community_id = c.id)),
        'my_role', COALESCE(my_role, (SELECT cm.role FROM community_members cm
            WHERE cm.community_id = c.id AND cm.user_id = viewer)))
$$;

CREATE OR REPLACE FUNCTION maplat_community_member_json(m community_members) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object('user_id', m.user_id, 'user', maplat_user_ref(m.user_id), 'role', m.role,
        'joined_at', maplat_ts(m.joined_at))
$$;

CREATE OR REPLACE FUNCTION maplat_post_json(p posts) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object('id', p.id, 'community_id', p.community_id, 'title', p.title,
        'body', p.body, 'pinned', p.pinned, 'pinned_at', maplat_ts(p.pinned_at),
        'author', maplat_user_ref(p.author_id), 'created_at', maplat_ts(p.created_at))
$$;

-- A financial statement; ratios: the maplat_ratios_json() of its ratios (passed: the
-- statement that creates both cannot read the ratios it inserts from the table).
CREATE OR REPLACE FUNCTION maplat_financial_statement_json(st financial_statements, ratios json) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object('id', st.id, 'deal_id', st.deal_id, 'period', st.period,
        'revenue', st.revenue, 'cost_of_goods_sold', st.cost_of_goods_sold,
        'operating_expenses', st.operating_expenses, 'ebitda', st.ebitda, 'net_income', st.net_income,
        'current_assets', st.current_assets, 'current_liabilities', st.current_liabilities,
        'inventory', st.inventory, 'total_debt', st.total_debt, 'total_equity', st.total_equity,
        'interest_expense', st.interest_expense,
        'ratios', ratios,
        'created_at', maplat_ts(st.created_at))
$$;

CREATE OR REPLACE FUNCTION maplat_financial_narrative_json(n financial_narratives) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object('id', n.id, 'deal_id', n.deal_id, 'period', n.period, 'text', n.text,
        'created_by', maplat_user_ref(n.created_by), 'created_at', maplat_ts(n.created_at))
$$;

-- A Lighthouse run (platform level): {id, date (YYYY-MM-DD), the four scores, created_at}.
CREATE OR REPLACE FUNCTION maplat_lighthouse_run_json(l lighthouse_runs) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object('id', l.id, 'date', to_char(l.run_date, 'YYYY-MM-DD'),
        'performance', l.performance, 'accessibility', l.accessibility,
        'best_practices', l.best_practices, 'seo', l.seo, 'created_at', maplat_ts(l.created_at))
$$;
