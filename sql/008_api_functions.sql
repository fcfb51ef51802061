-- 008: SQL functions the API uses to build its JSON answers in one place.
-- Every answer's shape is defined here once (the C code passes the text on).

-- RFC 3339 UTC, second precision: 2026-11-22T10:00:00Z
CREATE FUNCTION maplat_ts(t timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

-- {"id": …, "name": "First Last"} of a user, or null
CREATE FUNCTION maplat_user_ref(u uuid) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object('id', x.id, 'name', btrim(x.first_name || ' ' || x.last_name))
      FROM users x WHERE x.id = u
$$;

CREATE FUNCTION maplat_deal_json(d deals) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', d.id, 'name', d.name, 'target_company', d.target_company, 'stage', d.stage,
        'value', d.value, 'currency', d.currency, 'description', d.description,
        'archived', d.archived, 'created_by', maplat_user_ref(d.created_by),
        'created_at', maplat_ts(d.created_at), 'updated_at', maplat_ts(d.updated_at),
        'version', d.version)
$$;

CREATE FUNCTION maplat_prospect_json(p prospects) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', p.id, 'company_name', p.company_name, 'contact_name', p.contact_name,
        'contact_email', p.contact_email, 'stage', p.stage, 'notes', p.notes,
        'archived', p.archived, 'created_by', maplat_user_ref(p.created_by),
        'created_at', maplat_ts(p.created_at), 'updated_at', maplat_ts(p.updated_at),
        'version', p.version)
$$;

CREATE FUNCTION maplat_task_json(t tasks) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', t.id, 'title', t.title, 'deal_id', t.deal_id, 'assignee_id', t.assignee_id,
        'assignee', maplat_user_ref(t.assignee_id),
        'due_date', to_char(t.due_date, 'YYYY-MM-DD'), 'status', t.status,
        'created_by', maplat_user_ref(t.created_by),
        'created_at', maplat_ts(t.created_at), 'updated_at', maplat_ts(t.updated_at),
        'version', t.version)
$$;

-- level: the caller's effective permission (owner/editor/viewer)
CREATE FUNCTION maplat_document_json(d documents, level text) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', d.id, 'title', d.title, 'body', d.body, 'deal_id', d.deal_id,
        'archived', d.archived, 'created_by', maplat_user_ref(d.created_by),
        'created_at', maplat_ts(d.created_at), 'updated_at', maplat_ts(d.updated_at),
        'version', d.version, 'permission', level)
$$;

-- The caller's level on a document: org admins own every document.
CREATE FUNCTION maplat_document_level(doc uuid, uid uuid, role text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN role = 'admin' THEN 'owner'
                ELSE (SELECT p.level FROM document_permissions p
                       WHERE p.document_id = doc AND p.user_id = uid) END
$$;

CREATE FUNCTION maplat_level_rank(level text) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE level WHEN 'viewer' THEN 1 WHEN 'editor' THEN 2 WHEN 'owner' THEN 3 ELSE 0 END
$$;

CREATE FUNCTION maplat_audit_json(a audit_log) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', a.id, 'action', a.action, 'resource_type', a.resource_type,
        'resource_id', a.resource_id, 'user', maplat_user_ref(a.user_id),
        'occurred_at', maplat_ts(a.occurred_at), 'details', a.details,
        'source', a.source, 'client_time', maplat_ts(a.client_time))
$$;

CREATE FUNCTION maplat_ratios_json(x financial_ratios) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'period', x.period, 'deal_id', x.deal_id,
        'current_ratio', x.current_ratio, 'quick_ratio', x.quick_ratio,
        'debt_to_equity', x.debt_to_equity, 'gross_margin', x.gross_margin,
        'ebitda_margin', x.ebitda_margin, 'net_margin', x.net_margin,
        'interest_coverage', x.interest_coverage, 'created_at', maplat_ts(x.created_at))
$$;
