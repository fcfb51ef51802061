-- sql/functions/40_dashboard.sql: GET /dashboard. Re-applied as a whole by every
-- scripts/migrate run; see sql/README.md "Functions".

-- The dashboard: counters plus the ten newest audit entries.
-- PL/pgSQL, so that its statements' plans are kept for the connection.
CREATE OR REPLACE FUNCTION maplat_dashboard_json(org uuid) RETURNS json
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    result json;
    recent json;
    got int;
    lo timestamptz;
BEGIN
    -- the ten newest entries: from the last month's partitions when it has ten (the
    -- window's bound prunes the older partitions when the plan starts), else from all
    FOREACH lo IN ARRAY ARRAY[now() - interval '1 month', '-infinity'::timestamptz] LOOP
        SELECT json_agg(maplat_audit_json(x.a)), count(*) INTO recent, got
          FROM (SELECT a FROM audit_log a WHERE a.organization_id = org AND a.occurred_at >= lo
                 ORDER BY a.occurred_at DESC, a.seq DESC LIMIT 10) x;
        EXIT WHEN got >= 10;
    END LOOP;
    WITH c AS (SELECT metric, sum(n) AS n, sum(amount) AS amount FROM organization_counters
                WHERE organization_id = org GROUP BY metric)
    SELECT json_build_object(
        'deals_count', (SELECT COALESCE(sum(n), 0) FROM c WHERE metric LIKE 'deals/false/%'),
        'documents_count', (SELECT COALESCE(sum(n), 0) FROM c WHERE metric = 'documents/false'),
        'tasks_count', (SELECT COALESCE(sum(n), 0) FROM c WHERE metric LIKE 'tasks/%'),
        'open_tasks_count', (SELECT COALESCE(sum(n), 0) FROM c WHERE metric IN ('tasks/open', 'tasks/in_progress')),
        'pipeline_value', (SELECT COALESCE(sum(amount), 0) FROM c
                            WHERE metric LIKE 'deals/false/%' AND metric NOT IN ('deals/false/won', 'deals/false/lost')),
        'deals_by_stage', (SELECT json_object_agg(s.stage, COALESCE(c.n, 0) ORDER BY s.ord)
            FROM unnest(ARRAY['sourcing','evaluation','due_diligence','negotiation','closing','won','lost'])
                 WITH ORDINALITY AS s(stage, ord)
            LEFT JOIN c ON c.metric = 'deals/false/' || s.stage),
        'recent_activity', COALESCE(recent, '[]'))
      INTO result;
    RETURN result;
END
$$;
