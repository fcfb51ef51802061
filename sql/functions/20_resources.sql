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
