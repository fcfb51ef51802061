-- sql/functions/30_export.sql: the export queue's JSON answers and the data a rendering job
-- reads (mod_maplat_export; see docs/export.md). Re-applied as a whole by every
-- scripts/migrate run; see sql/README.md "Functions".

-- A job as the API shows it (API.md "Document generation and the export queue").
CREATE OR REPLACE FUNCTION maplat_export_job_json(j export_jobs) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', j.id, 'type', j.type, 'format', j.format, 'params', j.params,
        'status', j.status, 'progress', j.progress, 'error', j.error,
        'attempts', j.attempts, 'max_attempts', j.max_attempts, 'file_size', j.file_size,
        'file_name', j.file_name,
        'file_url', CASE WHEN j.status = 'completed' AND (j.expires_at IS NULL OR j.expires_at > now())
                         THEN '/api/v1/export-jobs/' || j.id || '/download' END,
        'created_by', maplat_user_ref(j.created_by),
        'created_at', maplat_ts(j.created_at), 'updated_at', maplat_ts(j.updated_at),
        'started_at', maplat_ts(j.started_at), 'completed_at', maplat_ts(j.completed_at),
        'expires_at', maplat_ts(j.expires_at))
$$;

-- Everything a template can bind to, for one job, scoped to the job's organization
-- and to what the requesting user may see (documents: maplat_document_level).
CREATE OR REPLACE FUNCTION maplat_export_data(j export_jobs) RETURNS json
LANGUAGE sql STABLE AS $$
    WITH u AS (SELECT * FROM users WHERE id = j.created_by AND organization_id = j.organization_id),
         dl AS (SELECT d.* FROM deals d WHERE j.type = 'deal_report'
                  AND d.id = (j.params->>'deal_id')::uuid
                  AND d.organization_id = j.organization_id AND d.deleted_at IS NULL)
    SELECT json_build_object(
        'job', json_build_object('id', j.id, 'type', j.type, 'format', j.format,
                                 'title', j.params->>'title'),
        'user', (SELECT json_build_object('id', u.id, 'email', u.email,
                        'name', btrim(u.first_name || ' ' || u.last_name)) FROM u),
        'organization', (SELECT json_build_object('name', o.name) FROM organizations o
                          WHERE o.id = j.organization_id),
        'generated_at', maplat_ts(now()),
        'document', (SELECT json_build_object('id', d.id, 'title', d.title, 'body', d.body,
                            'updated_at', maplat_ts(d.updated_at),
                            'created_by', maplat_user_ref(d.created_by))
                       FROM documents d, u
                      WHERE j.type = 'document' AND d.id = (j.params->>'document_id')::uuid
                        AND d.organization_id = j.organization_id AND d.deleted_at IS NULL
                        AND maplat_document_level(d.id, u.id, u.role) IS NOT NULL),
        'deal', (SELECT maplat_deal_json(dl) FROM dl),
        'ratios', (SELECT COALESCE(json_agg(maplat_ratios_json(x) ORDER BY x.period, x.created_at), '[]')
                     FROM financial_ratios x, dl
                    WHERE x.deal_id = dl.id AND x.organization_id = j.organization_id),
        'tasks', (SELECT COALESCE(json_agg(maplat_task_json(t) ORDER BY t.due_date NULLS LAST, t.created_at), '[]')
                    FROM tasks t, dl
                   WHERE t.deal_id = dl.id AND t.organization_id = j.organization_id
                     AND t.deleted_at IS NULL),
        'documents', (SELECT COALESCE(json_agg(json_build_object('id', d.id, 'title', d.title,
                              'updated_at', maplat_ts(d.updated_at)) ORDER BY d.title), '[]')
                        FROM documents d, dl, u
                       WHERE d.deal_id = dl.id AND d.organization_id = j.organization_id
                         AND d.deleted_at IS NULL
                         AND maplat_document_level(d.id, u.id, u.role) IS NOT NULL),
        'deals', (SELECT COALESCE(json_agg(maplat_deal_json(d) ORDER BY d.created_at DESC, d.id), '[]')
                    FROM deals d
                   WHERE j.type = 'deals' AND d.organization_id = j.organization_id
                     AND d.deleted_at IS NULL
                     AND d.archived = COALESCE((j.params->>'archived')::bool, false)
                     AND (j.params->>'stage' IS NULL OR d.stage = j.params->>'stage')
                     AND (j.params->>'q' IS NULL
                          OR strpos(lower(d.name), lower(j.params->>'q')) > 0
                          OR strpos(lower(COALESCE(d.target_company, '')), lower(j.params->>'q')) > 0)))
$$;
