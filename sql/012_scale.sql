-- 012: lists, search, dashboards and the audit log whose cost does not grow with the
-- organization.
--
--   * keyset ("cursor") paging: one index per list order, whose columns are the list's
--     equality filters, then the sort key, then the tie-break (id, or seq for the audit
--     log), so that the first page and the page after any cursor read only the rows they
--     return (maplat_list());
--   * substring search of deals by name or target company: pg_trgm GIN indexes (pg_trgm
--     is a trusted extension: the database owner may create it);
--   * exact per-organization counters (organization_counters), kept by statement-level
--     triggers in the same transaction as the change: the dashboard and the unfiltered
--     list totals read a few counter rows instead of counting the organization;
--   * the audit log partitioned by month (occurred_at), append-only on every partition.
--
-- The list functions build their statement from fixed fragments (no caller text is ever
-- spliced into SQL: filter values are parameters, $1[i]) and run it with EXECUTE, so that
-- each call is planned with its actual filter values: which of the list's indexes serves
-- it depends on the sort and on which filters are set, and a search term's selectivity
-- decides between the trigram index and walking the sort order.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- ---------------------------------------------------------------------------
-- List indexes (live rows only: soft-deleted rows never slow a list)
-- ---------------------------------------------------------------------------

DROP INDEX deals_live_org_archived_created_idx;
DROP INDEX deals_org_archived_created_idx;
DROP INDEX deals_org_name_idx;
DROP INDEX deals_org_value_idx;
DROP INDEX deals_org_stage_idx;
CREATE INDEX deals_list_created_idx ON deals (organization_id, archived, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_list_name_idx ON deals (organization_id, archived, lower(name), id) WHERE deleted_at IS NULL;
CREATE INDEX deals_list_value_idx ON deals (organization_id, archived, value, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_list_stage_created_idx ON deals (organization_id, archived, stage, created_at, id)
    WHERE deleted_at IS NULL;
CREATE INDEX deals_list_stage_name_idx ON deals (organization_id, archived, stage, lower(name), id)
    WHERE deleted_at IS NULL;
CREATE INDEX deals_list_stage_value_idx ON deals (organization_id, archived, stage, value, id)
    WHERE deleted_at IS NULL;
-- ?q= : case-insensitive substring of the name or the target company
CREATE INDEX deals_name_trgm_idx ON deals USING gin (lower(name) gin_trgm_ops) WHERE deleted_at IS NULL;
CREATE INDEX deals_company_trgm_idx ON deals USING gin (lower(COALESCE(target_company, '')) gin_trgm_ops)
    WHERE deleted_at IS NULL;
-- the planner's estimate of how many deals a search term matches (walk the sort order and
-- stop at the page, or collect the matches from the trigram indexes and sort them) needs
-- statistics of the searched expressions: partial indexes do not provide them
CREATE STATISTICS deals_lower_name_stats ON (lower(name)) FROM deals;
CREATE STATISTICS deals_lower_company_stats ON (lower(COALESCE(target_company, ''))) FROM deals;

DROP INDEX prospects_live_org_created_idx;
DROP INDEX prospects_org_created_idx;
DROP INDEX prospects_org_stage_idx;
CREATE INDEX prospects_list_created_idx ON prospects (organization_id, archived, created_at, id)
    WHERE deleted_at IS NULL;
CREATE INDEX prospects_list_name_idx ON prospects (organization_id, archived, lower(company_name), id)
    WHERE deleted_at IS NULL;
CREATE INDEX prospects_list_stage_created_idx ON prospects (organization_id, archived, stage, created_at, id)
    WHERE deleted_at IS NULL;
CREATE INDEX prospects_list_stage_name_idx ON prospects (organization_id, archived, stage, lower(company_name), id)
    WHERE deleted_at IS NULL;

-- tasks sort by created_at, due_date (nulls last) or -due_date (nulls last): the due-date
-- orders use a key that is never NULL, so that one ascending index serves each order
DROP INDEX tasks_live_org_created_idx;
DROP INDEX tasks_org_created_idx;
DROP INDEX tasks_org_status_idx;
CREATE INDEX tasks_list_created_idx ON tasks (organization_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX tasks_list_due_idx ON tasks (organization_id, COALESCE(due_date, 'infinity'::date), id)
    WHERE deleted_at IS NULL;
CREATE INDEX tasks_list_due_desc_idx ON tasks (organization_id, COALESCE(due_date, '-infinity'::date), id)
    WHERE deleted_at IS NULL;
CREATE INDEX tasks_list_status_created_idx ON tasks (organization_id, status, created_at, id)
    WHERE deleted_at IS NULL;
CREATE INDEX tasks_list_status_due_idx ON tasks (organization_id, status, COALESCE(due_date, 'infinity'::date), id)
    WHERE deleted_at IS NULL;
CREATE INDEX tasks_list_status_due_desc_idx
    ON tasks (organization_id, status, COALESCE(due_date, '-infinity'::date), id) WHERE deleted_at IS NULL;
CREATE INDEX tasks_list_assignee_created_idx ON tasks (organization_id, assignee_id, created_at, id)
    WHERE deleted_at IS NULL;
CREATE INDEX tasks_list_assignee_due_idx
    ON tasks (organization_id, assignee_id, COALESCE(due_date, 'infinity'::date), id) WHERE deleted_at IS NULL;
CREATE INDEX tasks_list_assignee_due_desc_idx
    ON tasks (organization_id, assignee_id, COALESCE(due_date, '-infinity'::date), id) WHERE deleted_at IS NULL;
CREATE INDEX tasks_list_deal_created_idx ON tasks (organization_id, deal_id, created_at, id)
    WHERE deleted_at IS NULL;

DROP INDEX documents_live_org_archived_created_idx;
DROP INDEX documents_org_archived_created_idx;
CREATE INDEX documents_list_created_idx ON documents (organization_id, archived, created_at, id)
    WHERE deleted_at IS NULL;
CREATE INDEX documents_list_name_idx ON documents (organization_id, archived, lower(title), id)
    WHERE deleted_at IS NULL;
CREATE INDEX documents_list_deal_created_idx ON documents (organization_id, deal_id, archived, created_at, id)
    WHERE deleted_at IS NULL;

-- ---------------------------------------------------------------------------
-- Exact counters per organization
-- ---------------------------------------------------------------------------

-- metric: deals/<archived>/<stage> (n, amount = sum of value), prospects/<archived>/<stage>,
-- tasks/<status>, documents/<archived>; live rows only. Each change adds its delta to the
-- row of slot pg_backend_pid() % 8, so concurrent writers of one organization on
-- different connections rarely wait for each other's counter row; readers sum the slots.
CREATE TABLE organization_counters (
    organization_id uuid     NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    metric          text     NOT NULL,
    slot            smallint NOT NULL CHECK (slot BETWEEN 0 AND 7),
    n               bigint   NOT NULL DEFAULT 0,
    amount          numeric  NOT NULL DEFAULT 0,
    PRIMARY KEY (organization_id, metric, slot)
);

COMMENT ON TABLE organization_counters IS
    'Exact live-row counts per organization and metric, maintained by the *_count triggers (sum over slot)';

-- Statement-level, with transition tables: one upsert per statement whatever its row
-- count, rows locked in (organization, metric) order so concurrent statements cannot
-- deadlock on them. TG_ARGV: [0] metric expression, [1] amount expression, [2] prefix.
CREATE FUNCTION maplat_counters_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    pick text := format('SELECT organization_id, %s AS metric, %%s AS n, %%s(%s)::numeric AS amount'
                        ' FROM %%I WHERE deleted_at IS NULL', TG_ARGV[0], TG_ARGV[1]);
    src text;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM organization_counters WHERE metric LIKE TG_ARGV[2] || '/%';
        RETURN NULL;
    END IF;
    src := CASE TG_OP
        WHEN 'INSERT' THEN format(pick, '1', '', 'new_rows')
        WHEN 'DELETE' THEN format(pick, '-1', '-', 'old_rows')
        ELSE format(pick, '1', '', 'new_rows') || ' UNION ALL ' || format(pick, '-1', '-', 'old_rows') END;
    EXECUTE format('INSERT INTO organization_counters AS c (organization_id, metric, slot, n, amount)'
                   ' SELECT d.organization_id, d.metric, $1, sum(d.n), sum(d.amount) FROM (%s) d'
                   ' WHERE EXISTS (SELECT 1 FROM organizations o WHERE o.id = d.organization_id)'
                   ' GROUP BY d.organization_id, d.metric HAVING sum(d.n) <> 0 OR sum(d.amount) <> 0'
                   ' ORDER BY d.organization_id, d.metric'
                   ' ON CONFLICT (organization_id, metric, slot)'
                   ' DO UPDATE SET n = c.n + EXCLUDED.n, amount = c.amount + EXCLUDED.amount', src)
        USING (pg_backend_pid() % 8)::smallint;
    RETURN NULL;
END
$$;

CREATE TRIGGER deals_count_insert AFTER INSERT ON deals REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maplat_counters_apply($$'deals/' || archived || '/' || stage$$, 'value', 'deals');
CREATE TRIGGER deals_count_update AFTER UPDATE ON deals REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maplat_counters_apply($$'deals/' || archived || '/' || stage$$, 'value', 'deals');
CREATE TRIGGER deals_count_delete AFTER DELETE ON deals REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maplat_counters_apply($$'deals/' || archived || '/' || stage$$, 'value', 'deals');
CREATE TRIGGER deals_count_truncate AFTER TRUNCATE ON deals
    FOR EACH STATEMENT EXECUTE FUNCTION maplat_counters_apply('', '0', 'deals');

CREATE TRIGGER prospects_count_insert AFTER INSERT ON prospects REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maplat_counters_apply($$'prospects/' || archived || '/' || stage$$, '0', 'prospects');
CREATE TRIGGER prospects_count_update AFTER UPDATE ON prospects REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maplat_counters_apply($$'prospects/' || archived || '/' || stage$$, '0', 'prospects');
CREATE TRIGGER prospects_count_delete AFTER DELETE ON prospects REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maplat_counters_apply($$'prospects/' || archived || '/' || stage$$, '0', 'prospects');
CREATE TRIGGER prospects_count_truncate AFTER TRUNCATE ON prospects
    FOR EACH STATEMENT EXECUTE FUNCTION maplat_counters_apply('', '0', 'prospects');

CREATE TRIGGER tasks_count_insert AFTER INSERT ON tasks REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maplat_counters_apply($$'tasks/' || status$$, '0', 'tasks');
CREATE TRIGGER tasks_count_update AFTER UPDATE ON tasks REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maplat_counters_apply($$'tasks/' || status$$, '0', 'tasks');
CREATE TRIGGER tasks_count_delete AFTER DELETE ON tasks REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maplat_counters_apply($$'tasks/' || status$$, '0', 'tasks');
CREATE TRIGGER tasks_count_truncate AFTER TRUNCATE ON tasks
    FOR EACH STATEMENT EXECUTE FUNCTION maplat_counters_apply('', '0', 'tasks');

CREATE TRIGGER documents_count_insert AFTER INSERT ON documents REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maplat_counters_apply($$'documents/' || archived$$, '0', 'documents');
CREATE TRIGGER documents_count_update AFTER UPDATE ON documents REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maplat_counters_apply($$'documents/' || archived$$, '0', 'documents');
CREATE TRIGGER documents_count_delete AFTER DELETE ON documents REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maplat_counters_apply($$'documents/' || archived$$, '0', 'documents');
CREATE TRIGGER documents_count_truncate AFTER TRUNCATE ON documents
    FOR EACH STATEMENT EXECUTE FUNCTION maplat_counters_apply('', '0', 'documents');

INSERT INTO organization_counters (organization_id, metric, slot, n, amount)
SELECT organization_id, 'deals/' || archived || '/' || stage, 0, count(*), sum(value)
  FROM deals WHERE deleted_at IS NULL GROUP BY 1, 2
UNION ALL
SELECT organization_id, 'prospects/' || archived || '/' || stage, 0, count(*), 0
  FROM prospects WHERE deleted_at IS NULL GROUP BY 1, 2
UNION ALL
SELECT organization_id, 'tasks/' || status, 0, count(*), 0 FROM tasks WHERE deleted_at IS NULL GROUP BY 1, 2
UNION ALL
SELECT organization_id, 'documents/' || archived, 0, count(*), 0 FROM documents WHERE deleted_at IS NULL GROUP BY 1, 2;

-- The sum of the counters whose metric is one of metrics (NULL entries ignored).
CREATE FUNCTION maplat_counter(org uuid, metrics text[]) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT COALESCE(sum(c.n), 0)::bigint FROM organization_counters c
     WHERE c.organization_id = org AND c.metric = ANY (metrics)
$$;

-- ---------------------------------------------------------------------------
-- The audit log, partitioned by month
-- ---------------------------------------------------------------------------

ALTER TABLE audit_log RENAME TO audit_log_unpartitioned;
DO $$
DECLARE
    i text;
BEGIN
    FOR i IN SELECT c.relname FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
              WHERE x.indrelid = 'audit_log_unpartitioned'::regclass LOOP
        EXECUTE format('ALTER INDEX %I RENAME TO %I', i, 'old_' || i);
    END LOOP;
    -- free the constraint names too (CHECK and FOREIGN KEY constraints of the new table)
    FOR i IN SELECT conname FROM pg_constraint WHERE conrelid = 'audit_log_unpartitioned'::regclass
              AND contype IN ('c', 'f') LOOP
        EXECUTE format('ALTER TABLE audit_log_unpartitioned RENAME CONSTRAINT %I TO %I', i, 'old_' || i);
    END LOOP;
END
$$;
ALTER SEQUENCE audit_log_seq_seq RENAME TO old_audit_log_seq_seq;

CREATE TABLE audit_log (
    id              uuid        NOT NULL DEFAULT gen_random_uuid(),
    -- insertion order, for a stable "newest first" among entries of one transaction
    seq             bigint      GENERATED ALWAYS AS IDENTITY,
    organization_id uuid        REFERENCES organizations (id) ON DELETE RESTRICT,
    user_id         uuid,
    action          text        NOT NULL CHECK (char_length(action) BETWEEN 1 AND 100),
    resource_type   text        NOT NULL CHECK (char_length(resource_type) BETWEEN 1 AND 100),
    -- text, not uuid: client-side events (POST /audit-logs) may name non-uuid resources
    resource_id     text        CHECK (char_length(resource_id) BETWEEN 1 AND 200),
    details         jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(details) = 'object'),
    client_address  inet,
    source          text        NOT NULL DEFAULT 'server' CHECK (source IN ('server', 'client')),
    -- when the server recorded the entry (authoritative; the partition key)
    occurred_at     timestamptz NOT NULL DEFAULT now(),
    -- the "timestamp" a client claimed for a client-side event, kept apart from occurred_at
    client_time     timestamptz,
    -- a partitioned table's keys include the partition key; ids are random UUIDs
    PRIMARY KEY (id, occurred_at),
    CONSTRAINT audit_log_tenantless_auth_only
        CHECK (organization_id IS NOT NULL OR (user_id IS NULL AND action LIKE 'auth.%')),
    CONSTRAINT audit_log_client_time_client_only CHECK (source = 'client' OR client_time IS NULL),
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE RESTRICT
) PARTITION BY RANGE (occurred_at);

COMMENT ON TABLE audit_log IS
    'Append-only, partitioned by month of occurred_at: UPDATE, DELETE and TRUNCATE are refused by triggers (for every role, on every partition) and revoked.';
COMMENT ON COLUMN audit_log.organization_id IS
    'NULL only for tenant-less auth events (failed login for an unknown email)';
COMMENT ON COLUMN audit_log.details IS
    'JSON object. auth.login_failed entries carry {"email": "<lower-cased, trimmed>"} for the login limiter fallback';

-- every filter of GET /audit-logs, newest (or oldest) first
CREATE INDEX audit_log_org_occurred_idx ON audit_log (organization_id, occurred_at, seq);
CREATE INDEX audit_log_org_type_idx ON audit_log (organization_id, resource_type, occurred_at, seq);
-- a resource's timeline (resource ids are UUIDs, or a client's names: the type is checked on
-- the few rows of the id)
CREATE INDEX audit_log_org_resource_idx ON audit_log (organization_id, resource_id, occurred_at, seq);
CREATE INDEX audit_log_org_user_idx ON audit_log (organization_id, user_id, occurred_at, seq);
CREATE INDEX audit_log_org_action_idx ON audit_log (organization_id, action, occurred_at, seq);
-- PostgreSQL fallback for the login limiter (failures per email / per client address in a
-- window; 011's definitions)
CREATE INDEX audit_log_auth_failed_email_idx ON audit_log ((details ->> 'email'), occurred_at)
    WHERE action IN ('auth.login_failed', 'auth.password_change_failed', 'auth.password_reset_failed');
CREATE INDEX audit_log_auth_failed_addr_idx ON audit_log (client_address, occurred_at)
    WHERE action IN ('auth.login_failed', 'auth.password_change_failed', 'auth.password_reset_failed');

-- Row-level triggers of a partitioned table are cloned onto every partition (also later
-- ones); statement-level triggers are not (a statement naming a partition directly fires
-- that partition's statement triggers only), so maplat_audit_partition_protect() gives
-- each partition its own, sets both ENABLE ALWAYS and revokes UPDATE, DELETE, TRUNCATE.
CREATE TRIGGER audit_log_append_only_row
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION maplat_audit_log_append_only();
CREATE TRIGGER audit_log_append_only_stmt
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION maplat_audit_log_append_only();
ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_append_only_row;
ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_append_only_stmt;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM CURRENT_USER;

CREATE FUNCTION maplat_audit_partition_protect(part regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = part AND tgname = 'audit_log_append_only_stmt') THEN
        EXECUTE format('CREATE TRIGGER audit_log_append_only_stmt BEFORE UPDATE OR DELETE OR TRUNCATE ON %s'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION maplat_audit_log_append_only()', part);
    END IF;
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER audit_log_append_only_stmt', part);
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER audit_log_append_only_row', part);
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %s FROM PUBLIC', part);
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %s FROM CURRENT_USER', part);
END
$$;

-- Creates the monthly partitions audit_log_YYYY_MM from the month of `from` (default: this
-- month) to months_ahead months after this month, and the DEFAULT partition, each
-- protected; returns how many it created. Idempotent. Run by scripts/migrate on every run
-- (as the owner); schedule it monthly too (docs/admin-guide.md). A month whose rows are
-- already in the DEFAULT partition is skipped with a warning (they stay there, still
-- append-only and found by every query).
CREATE FUNCTION maplat_audit_partitions_ensure(months_ahead int DEFAULT 12, "from" timestamptz DEFAULT now())
RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    m timestamp;
    part text;
    made int := 0;
BEGIN
    IF to_regclass('audit_log_default') IS NULL THEN
        CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT;
        PERFORM maplat_audit_partition_protect('audit_log_default');
        made := made + 1;
    END IF;
    FOR m IN SELECT generate_series(date_trunc('month', least("from", now()) AT TIME ZONE 'UTC'),
                                    date_trunc('month', now() AT TIME ZONE 'UTC')
                                        + make_interval(months => months_ahead), interval '1 month') LOOP
        part := 'audit_log_' || to_char(m, 'YYYY_MM');
        CONTINUE WHEN to_regclass(part) IS NOT NULL;
        BEGIN
            EXECUTE format('CREATE TABLE %I PARTITION OF audit_log FOR VALUES FROM (%L) TO (%L)', part,
                           m AT TIME ZONE 'UTC', (m + interval '1 month') AT TIME ZONE 'UTC');
        EXCEPTION WHEN check_violation THEN
            RAISE WARNING 'audit_log: % not created: the DEFAULT partition holds rows of that month', part;
            CONTINUE;
        END;
        PERFORM maplat_audit_partition_protect(part::regclass);
        made := made + 1;
    END LOOP;
    RETURN made;
END
$$;

DO $$ BEGIN PERFORM maplat_audit_partitions_ensure(12, (SELECT min(occurred_at) FROM audit_log_unpartitioned)); END $$;

INSERT INTO audit_log (id, seq, organization_id, user_id, action, resource_type, resource_id, details,
                       client_address, source, occurred_at, client_time)
OVERRIDING SYSTEM VALUE
SELECT id, seq, organization_id, user_id, action, resource_type, resource_id, details,
       client_address, source, occurred_at, client_time
  FROM audit_log_unpartitioned;
DO $$
BEGIN
    PERFORM setval(pg_get_serial_sequence('audit_log', 'seq'), GREATEST((SELECT max(seq) FROM audit_log), 1),
                   (SELECT max(seq) FROM audit_log) IS NOT NULL);
END
$$;
-- maplat_audit_json() took the old table's row type: the same for the new table
DROP FUNCTION maplat_audit_json(audit_log_unpartitioned);
DROP TABLE audit_log_unpartitioned;

CREATE FUNCTION maplat_audit_json(a audit_log) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', a.id, 'action', a.action, 'resource_type', a.resource_type,
        'resource_id', a.resource_id, 'user', maplat_user_ref(a.user_id),
        'occurred_at', maplat_ts(a.occurred_at), 'details', a.details,
        'source', a.source, 'client_time', maplat_ts(a.client_time))
$$;


-- The dashboard: counters plus the ten newest audit entries (the newest partition).
-- PL/pgSQL, so that its statements' plans are kept for the connection.
CREATE FUNCTION maplat_dashboard_json(org uuid) RETURNS json
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    result json;
BEGIN
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
        'recent_activity', COALESCE((SELECT json_agg(maplat_audit_json(x.a)) FROM
            (SELECT a FROM audit_log a WHERE a.organization_id = org
              ORDER BY a.occurred_at DESC, a.seq DESC LIMIT 10) x), '[]'))
      INTO result;
    RETURN result;
END
$$;

-- ---------------------------------------------------------------------------
-- Lists
-- ---------------------------------------------------------------------------

-- One page of a list in the order (sort_expr, tie) ascending or descending:
--   from_where  "<table> <alias> WHERE <filters>" (fixed text; values are $1[i] of p)
--   item_expr   JSON of one row, over the alias (whole row) — e.g. maplat_deal_json(d)
--   c_key/c_tie the sort key and tie-break of the last row of the previous page (text),
--               or NULL for the first page (then off rows are skipped: page/page_size)
-- Reads lim + 1 rows in index order after the cursor: items (at most lim), and when
-- there is a further row, the key and tie-break of the last item (next_key, next_tie).
-- bad_cursor: c_key/c_tie do not convert to the sort's types (nothing else is done).
CREATE FUNCTION maplat_list(p text[], from_where text, alias text, sort_expr text, sort_type text,
                            tie text, tie_type text, descending bool, item_expr text,
                            lim int, off int, c_key text, c_tie text,
                            OUT items json, OUT next_key text, OUT next_tie text, OUT bad_cursor bool)
LANGUAGE plpgsql STABLE
-- every list statement has an index path that reads only the page; never trade it for a
-- scan of the table (or a hash of it) on a misestimate
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
SET max_parallel_workers_per_gather = 0
AS $$
DECLARE
    dir text := CASE WHEN descending THEN 'DESC' ELSE 'ASC' END;
    cond text := '';
    more bool;
BEGIN
    bad_cursor := false;
    IF c_key IS NOT NULL OR c_tie IS NOT NULL THEN
        BEGIN
            EXECUTE format('SELECT %L::%s, %L::%s', c_key, sort_type, c_tie, tie_type);
        EXCEPTION WHEN others THEN
            bad_cursor := true;
            RETURN;
        END;
        IF c_key IS NULL OR c_tie IS NULL THEN
            bad_cursor := true;
            RETURN;
        END IF;
        cond := format(' AND (%s, %s) %s ($2::%s, $3::%s)', sort_expr, tie,
                       CASE WHEN descending THEN '<' ELSE '>' END, sort_type, tie_type);
        off := 0;
    END IF;
    EXECUTE format('SELECT COALESCE(json_agg(%1$s ORDER BY s.list_rn) FILTER (WHERE s.list_rn <= $4), ''[]''),'
                   ' (array_agg(s.list_k) FILTER (WHERE s.list_rn = $4))[1],'
                   ' (array_agg(s.list_t) FILTER (WHERE s.list_rn = $4))[1], count(*) > $4'
                   ' FROM (SELECT q.%2$s, q.list_k, q.list_t, row_number() OVER () AS list_rn FROM'
                   '   (SELECT %2$s, (%3$s)::text AS list_k, (%4$s)::text AS list_t FROM %5$s%6$s'
                   '     ORDER BY %3$s %7$s, %4$s %7$s LIMIT $4 + 1 OFFSET $5) q) s',
                   item_expr, alias, sort_expr, tie, from_where, cond, dir)
        INTO items, next_key, next_tie, more
        USING p, c_key, c_tie, lim, off;
    IF NOT more THEN
        next_key := NULL;
        next_tie := NULL;
    END IF;
END
$$;

-- count(*) of from_where, but at most bound + 1 rows read: (n, true) or (bound, false).
-- order_by: in the list's order, so the rows are read from the index that serves the page
-- (no bitmap of every matching row is built first); NULL for a search, whose trigram
-- bitmap holds only the matches and is cheaper than walking the order to 1,000 of them.
CREATE FUNCTION maplat_list_count(p text[], from_where text, order_by text, bound int,
                                  OUT total bigint, OUT exact bool)
LANGUAGE plpgsql STABLE
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
SET max_parallel_workers_per_gather = 0
AS $$
BEGIN
    EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM %s%s LIMIT $2) x', from_where,
                   CASE WHEN order_by IS NOT NULL THEN ' ORDER BY ' || order_by ELSE '' END)
        INTO total USING p, bound + 1;
    exact := total <= bound;
    IF NOT exact THEN
        total := bound;
    END IF;
END
$$;

-- The list answers: total (exact, or the bound when total_exact is false), items,
-- the next page's cursor parts, bad_cursor.
CREATE FUNCTION maplat_deal_list(org uuid, arch bool, stage_f text, pattern text, sort text,
                                 lim int, off int, c_key text, c_tie text, bound int,
                                 OUT total bigint, OUT total_exact bool, OUT items json,
                                 OUT next_key text, OUT next_tie text, OUT bad_cursor bool)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    p text[] := ARRAY[org::text, arch::text, stage_f, pattern];
    w text := 'deals d WHERE d.organization_id = ($1[1])::uuid AND d.deleted_at IS NULL'
              ' AND d.archived = ($1[2])::bool';
    col text := 'd.created_at';
    typ text := 'timestamptz';
BEGIN
    IF stage_f IS NOT NULL THEN
        w := w || ' AND d.stage = $1[3]';
    END IF;
    IF pattern IS NOT NULL THEN
        w := w || ' AND (lower(d.name) LIKE $1[4] ESCAPE ''\'''
                  ' OR lower(COALESCE(d.target_company, '''')) LIKE $1[4] ESCAPE ''\'')';
    END IF;
    IF ltrim(sort, '-') = 'name' THEN
        col := 'lower(d.name)';
        typ := 'text';
    ELSIF ltrim(sort, '-') = 'value' THEN
        col := 'd.value';
        typ := 'numeric';
    END IF;
    SELECT * INTO items, next_key, next_tie, bad_cursor
      FROM maplat_list(p, w, 'd', col, typ, 'd.id', 'uuid', left(sort, 1) = '-', 'maplat_deal_json(d)',
                       lim, off, c_key, c_tie);
    IF bad_cursor THEN
        RETURN;
    END IF;
    IF pattern IS NULL THEN
        total := maplat_counter(org, CASE WHEN stage_f IS NOT NULL THEN ARRAY['deals/' || arch || '/' || stage_f]
            ELSE ARRAY(SELECT 'deals/' || arch || '/' || s FROM unnest(ARRAY['sourcing', 'evaluation',
                 'due_diligence', 'negotiation', 'closing', 'won', 'lost']) s) END);
        total_exact := true;
    ELSE
        SELECT * INTO total, total_exact
          FROM maplat_list_count(p, w, NULL, bound);
    END IF;
END
$$;

CREATE FUNCTION maplat_prospect_list(org uuid, arch bool, stage_f text, sort text,
                                     lim int, off int, c_key text, c_tie text, bound int,
                                     OUT total bigint, OUT total_exact bool, OUT items json,
                                     OUT next_key text, OUT next_tie text, OUT bad_cursor bool)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    p text[] := ARRAY[org::text, arch::text, stage_f];
    w text := 'prospects x WHERE x.organization_id = ($1[1])::uuid AND x.deleted_at IS NULL'
              ' AND x.archived = ($1[2])::bool';
    col text := 'x.created_at';
    typ text := 'timestamptz';
BEGIN
    IF stage_f IS NOT NULL THEN
        w := w || ' AND x.stage = $1[3]';
    END IF;
    IF ltrim(sort, '-') = 'name' THEN
        col := 'lower(x.company_name)';
        typ := 'text';
    END IF;
    SELECT * INTO items, next_key, next_tie, bad_cursor
      FROM maplat_list(p, w, 'x', col, typ, 'x.id', 'uuid', left(sort, 1) = '-', 'maplat_prospect_json(x)',
                       lim, off, c_key, c_tie);
    IF bad_cursor THEN
        RETURN;
    END IF;
    total := maplat_counter(org, CASE WHEN stage_f IS NOT NULL THEN ARRAY['prospects/' || arch || '/' || stage_f]
        ELSE ARRAY(SELECT 'prospects/' || arch || '/' || s FROM unnest(ARRAY['new', 'contacted', 'qualified',
             'engaged', 'converted', 'lost']) s) END);
    total_exact := true;
END
$$;

CREATE FUNCTION maplat_task_list(org uuid, status_f text, assignee uuid, deal uuid, sort text,
                                 lim int, off int, c_key text, c_tie text, bound int,
                                 OUT total bigint, OUT total_exact bool, OUT items json,
                                 OUT next_key text, OUT next_tie text, OUT bad_cursor bool)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    p text[] := ARRAY[org::text, status_f, assignee::text, deal::text];
    w text := 'tasks t WHERE t.organization_id = ($1[1])::uuid AND t.deleted_at IS NULL';
    col text := 't.created_at';
    typ text := 'timestamptz';
BEGIN
    IF status_f IS NOT NULL THEN
        w := w || ' AND t.status = $1[2]';
    END IF;
    IF assignee IS NOT NULL THEN
        w := w || ' AND t.assignee_id = ($1[3])::uuid';
    END IF;
    IF deal IS NOT NULL THEN
        w := w || ' AND t.deal_id = ($1[4])::uuid';
    END IF;
    IF sort = 'due_date' THEN
        col := 'COALESCE(t.due_date, ''infinity''::date)';
        typ := 'date';
    ELSIF sort = '-due_date' THEN
        col := 'COALESCE(t.due_date, ''-infinity''::date)';
        typ := 'date';
    END IF;
    SELECT * INTO items, next_key, next_tie, bad_cursor
      FROM maplat_list(p, w, 't', col, typ, 't.id', 'uuid', left(sort, 1) = '-', 'maplat_task_json(t)',
                       lim, off, c_key, c_tie);
    IF bad_cursor THEN
        RETURN;
    END IF;
    IF assignee IS NULL AND deal IS NULL THEN
        total := maplat_counter(org, CASE WHEN status_f IS NOT NULL THEN ARRAY['tasks/' || status_f]
                                     ELSE ARRAY['tasks/open', 'tasks/in_progress', 'tasks/done'] END);
        total_exact := true;
    ELSE
        SELECT * INTO total, total_exact
          FROM maplat_list_count(p, w, format('%1$s %2$s, t.id %2$s', col, CASE WHEN left(sort, 1) = '-' THEN 'DESC' ELSE 'ASC' END), bound);
    END IF;
END
$$;

-- Only the documents the caller may view: an admin all of them, anyone else those with a
-- grant (document_permissions row) for them.
CREATE FUNCTION maplat_document_list(uid uuid, role text, org uuid, arch bool, deal uuid, sort text,
                                     lim int, off int, c_key text, c_tie text, bound int,
                                     OUT total bigint, OUT total_exact bool, OUT items json,
                                     OUT next_key text, OUT next_tie text, OUT bad_cursor bool)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    p text[] := ARRAY[org::text, arch::text, deal::text, uid::text, role];
    w text := 'documents d WHERE d.organization_id = ($1[1])::uuid AND d.deleted_at IS NULL'
              ' AND d.archived = ($1[2])::bool';
    col text := 'd.created_at';
    typ text := 'timestamptz';
BEGIN
    IF deal IS NOT NULL THEN
        w := w || ' AND d.deal_id = ($1[3])::uuid';
    END IF;
    IF role IS DISTINCT FROM 'admin' THEN
        w := w || ' AND EXISTS (SELECT 1 FROM document_permissions g WHERE g.document_id = d.id'
                  ' AND g.user_id = ($1[4])::uuid AND g.organization_id = ($1[1])::uuid)';
    END IF;
    IF ltrim(sort, '-') = 'name' THEN
        col := 'lower(d.title)';
        typ := 'text';
    END IF;
    SELECT * INTO items, next_key, next_tie, bad_cursor
      FROM maplat_list(p, w, 'd', col, typ, 'd.id', 'uuid', left(sort, 1) = '-',
                       'maplat_document_json(d, maplat_document_level((d).id, ($1[4])::uuid, $1[5]))',
                       lim, off, c_key, c_tie);
    IF bad_cursor THEN
        RETURN;
    END IF;
    IF role = 'admin' AND deal IS NULL THEN
        total := maplat_counter(org, ARRAY['documents/' || arch]);
        total_exact := true;
    ELSIF role IS DISTINCT FROM 'admin' THEN
        -- from the caller's grants: at most bound + 1 of them and their documents are read
        SELECT * INTO total, total_exact FROM maplat_list_count(p,
            'document_permissions g JOIN documents d ON d.id = g.document_id'
            ' WHERE g.organization_id = ($1[1])::uuid AND g.user_id = ($1[4])::uuid'
            ' AND d.organization_id = ($1[1])::uuid AND d.deleted_at IS NULL AND d.archived = ($1[2])::bool'
            || CASE WHEN deal IS NOT NULL THEN ' AND d.deal_id = ($1[3])::uuid' ELSE '' END, NULL, bound);
    ELSE
        SELECT * INTO total, total_exact
          FROM maplat_list_count(p, w, format('%1$s %2$s, d.id %2$s', col, CASE WHEN left(sort, 1) = '-' THEN 'DESC' ELSE 'ASC' END), bound);
    END IF;
END
$$;

CREATE FUNCTION maplat_audit_list(org uuid, rtype text, rid text, uid uuid, act text, sort text,
                                  lim int, off int, c_key text, c_tie text, bound int,
                                  OUT total bigint, OUT total_exact bool, OUT items json,
                                  OUT next_key text, OUT next_tie text, OUT bad_cursor bool)
LANGUAGE plpgsql STABLE
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
SET max_parallel_workers_per_gather = 0
-- the static statements' generic plans from the first call on (a custom plan would be the
-- same, planned again on each of a connection's first five calls); every shape has an
-- index in its order, so a generic plan that guesses selectivities must not trade it for
-- a bitmap of every matching entry and a sort
SET plan_cache_mode = force_generic_plan SET enable_bitmapscan = off SET enable_sort = off
AS $$
-- Newest first (the default and the web UI's order) runs one of these static statements,
-- whose generic plans PL/pgSQL keeps for the connection: planning a statement over every
-- partition's indexes on each call would cost more than running it. Each uses the index
-- of its most selective filter (the others are checked on the rows it reads); the first
-- page starts at the cursor (infinity, max). Their limits are constants (101 rows for a
-- page of at most 100, 1001 for the count: API_TOTAL_BOUND is 1000), so that the generic
-- plan is the ordered index scans that stop early. Oldest first and page=N (OFFSET) are
-- rarer and planned per call.
DECLARE
    ck timestamptz := 'infinity';
    ct bigint := 9223372036854775807;
    more bool;
BEGIN
    bad_cursor := false;
    IF sort = 'occurred_at' OR (off > 0 AND c_key IS NULL AND c_tie IS NULL) THEN
        DECLARE
            p text[] := ARRAY[org::text, rtype, rid, uid::text, act];
            w text := 'audit_log a WHERE a.organization_id = ($1[1])::uuid';
        BEGIN
            IF rtype IS NOT NULL THEN
                w := w || ' AND a.resource_type = $1[2]';
            END IF;
            IF rid IS NOT NULL THEN
                w := w || ' AND a.resource_id = $1[3]';
            END IF;
            IF uid IS NOT NULL THEN
                w := w || ' AND a.user_id = ($1[4])::uuid';
            END IF;
            IF act IS NOT NULL THEN
                w := w || ' AND a.action = $1[5]';
            END IF;
            SELECT * INTO items, next_key, next_tie, bad_cursor
              FROM maplat_list(p, w, 'a', 'a.occurred_at', 'timestamptz', 'a.seq', 'bigint', sort <> 'occurred_at',
                               'maplat_audit_json(a)', lim, off, c_key, c_tie);
            IF bad_cursor THEN
                RETURN;
            END IF;
            SELECT * INTO total, total_exact
              FROM maplat_list_count(p, w, CASE WHEN sort = 'occurred_at' THEN 'a.occurred_at, a.seq'
                                                ELSE 'a.occurred_at DESC, a.seq DESC' END, bound);
            RETURN;
        END;
    END IF;
    IF c_key IS NOT NULL OR c_tie IS NOT NULL THEN
        BEGIN
            ck := c_key::timestamptz;
            ct := c_tie::bigint;
        EXCEPTION WHEN others THEN
            bad_cursor := true;
            RETURN;
        END;
        IF ck IS NULL OR ct IS NULL THEN
            bad_cursor := true;
            RETURN;
        END IF;
        off := 0;
    END IF;
    IF rid IS NOT NULL THEN
        SELECT COALESCE(json_agg(maplat_audit_json(p.a) ORDER BY p.n) FILTER (WHERE p.n <= lim), '[]'),
               max(p.k) FILTER (WHERE p.n = lim), max(p.t) FILTER (WHERE p.n = lim), count(*) > lim,
               (SELECT count(*) FROM (SELECT 1 FROM audit_log a WHERE a.organization_id = org AND a.resource_id = rid AND (rtype IS NULL OR a.resource_type = rtype)
                                        AND (uid IS NULL OR a.user_id = uid) AND (act IS NULL OR a.action = act)
                                      ORDER BY a.occurred_at DESC, a.seq DESC LIMIT 1001) c)
          INTO items, next_key, next_tie, more, total
          FROM (SELECT y.a, y.k, y.t, row_number() OVER () AS n FROM (SELECT x.a, x.k, x.t
                  FROM (SELECT a, a.occurred_at::text AS k, a.seq::text AS t FROM audit_log a
                         WHERE a.organization_id = org AND a.resource_id = rid AND (rtype IS NULL OR a.resource_type = rtype)
                                        AND (uid IS NULL OR a.user_id = uid) AND (act IS NULL OR a.action = act) AND (a.occurred_at, a.seq) < (ck, ct)
                         ORDER BY a.occurred_at DESC, a.seq DESC LIMIT 101) x LIMIT lim + 1) y) p;
    ELSIF rtype IS NOT NULL THEN
        SELECT COALESCE(json_agg(maplat_audit_json(p.a) ORDER BY p.n) FILTER (WHERE p.n <= lim), '[]'),
               max(p.k) FILTER (WHERE p.n = lim), max(p.t) FILTER (WHERE p.n = lim), count(*) > lim,
               (SELECT count(*) FROM (SELECT 1 FROM audit_log a WHERE a.organization_id = org AND a.resource_type = rtype AND (uid IS NULL OR a.user_id = uid) AND (act IS NULL OR a.action = act)
                                      ORDER BY a.occurred_at DESC, a.seq DESC LIMIT 1001) c)
          INTO items, next_key, next_tie, more, total
          FROM (SELECT y.a, y.k, y.t, row_number() OVER () AS n FROM (SELECT x.a, x.k, x.t
                  FROM (SELECT a, a.occurred_at::text AS k, a.seq::text AS t FROM audit_log a
                         WHERE a.organization_id = org AND a.resource_type = rtype AND (uid IS NULL OR a.user_id = uid) AND (act IS NULL OR a.action = act) AND (a.occurred_at, a.seq) < (ck, ct)
                         ORDER BY a.occurred_at DESC, a.seq DESC LIMIT 101) x LIMIT lim + 1) y) p;
    ELSIF uid IS NOT NULL THEN
        SELECT COALESCE(json_agg(maplat_audit_json(p.a) ORDER BY p.n) FILTER (WHERE p.n <= lim), '[]'),
               max(p.k) FILTER (WHERE p.n = lim), max(p.t) FILTER (WHERE p.n = lim), count(*) > lim,
               (SELECT count(*) FROM (SELECT 1 FROM audit_log a WHERE a.organization_id = org AND a.user_id = uid AND (act IS NULL OR a.action = act)
                                      ORDER BY a.occurred_at DESC, a.seq DESC LIMIT 1001) c)
          INTO items, next_key, next_tie, more, total
          FROM (SELECT y.a, y.k, y.t, row_number() OVER () AS n FROM (SELECT x.a, x.k, x.t
                  FROM (SELECT a, a.occurred_at::text AS k, a.seq::text AS t FROM audit_log a
                         WHERE a.organization_id = org AND a.user_id = uid AND (act IS NULL OR a.action = act) AND (a.occurred_at, a.seq) < (ck, ct)
                         ORDER BY a.occurred_at DESC, a.seq DESC LIMIT 101) x LIMIT lim + 1) y) p;
    ELSIF act IS NOT NULL THEN
        SELECT COALESCE(json_agg(maplat_audit_json(p.a) ORDER BY p.n) FILTER (WHERE p.n <= lim), '[]'),
               max(p.k) FILTER (WHERE p.n = lim), max(p.t) FILTER (WHERE p.n = lim), count(*) > lim,
               (SELECT count(*) FROM (SELECT 1 FROM audit_log a WHERE a.organization_id = org AND a.action = act
                                      ORDER BY a.occurred_at DESC, a.seq DESC LIMIT 1001) c)
          INTO items, next_key, next_tie, more, total
          FROM (SELECT y.a, y.k, y.t, row_number() OVER () AS n FROM (SELECT x.a, x.k, x.t
                  FROM (SELECT a, a.occurred_at::text AS k, a.seq::text AS t FROM audit_log a
                         WHERE a.organization_id = org AND a.action = act AND (a.occurred_at, a.seq) < (ck, ct)
                         ORDER BY a.occurred_at DESC, a.seq DESC LIMIT 101) x LIMIT lim + 1) y) p;
    ELSE
        SELECT COALESCE(json_agg(maplat_audit_json(p.a) ORDER BY p.n) FILTER (WHERE p.n <= lim), '[]'),
               max(p.k) FILTER (WHERE p.n = lim), max(p.t) FILTER (WHERE p.n = lim), count(*) > lim,
               (SELECT count(*) FROM (SELECT 1 FROM audit_log a WHERE a.organization_id = org
                                      ORDER BY a.occurred_at DESC, a.seq DESC LIMIT 1001) c)
          INTO items, next_key, next_tie, more, total
          FROM (SELECT y.a, y.k, y.t, row_number() OVER () AS n FROM (SELECT x.a, x.k, x.t
                  FROM (SELECT a, a.occurred_at::text AS k, a.seq::text AS t FROM audit_log a
                         WHERE a.organization_id = org AND (a.occurred_at, a.seq) < (ck, ct)
                         ORDER BY a.occurred_at DESC, a.seq DESC LIMIT 101) x LIMIT lim + 1) y) p;
    END IF;
    IF NOT more THEN
        next_key := NULL;
        next_tie := NULL;
    END IF;
    total_exact := total <= bound;
    IF NOT total_exact THEN
        total := bound;
    END IF;
END
$$;
