-- 014: the audit log reads the newest partitions first, and the search indexes have no
-- pending list.
--
-- GET /audit-logs (newest first, the web UI's timeline and the default) used to walk
-- every monthly partition's index at once: PostgreSQL merges the partitions in order
-- (a Merge Append, because the DEFAULT partition may hold rows of any month), which
-- descends every partition's index before the first row and opens every partition and
-- index (with 86 partitions: 782 locks per call, most outside the fast-path slots, so
-- concurrent calls met in the shared lock table). maplat_audit_list now reads a window
-- first — the month before the cursor (the first page: before now), then the year, then
-- everything — and stops at the first window that fills the page; the count (exact up
-- to the bound) does the same from now. A window's lower bound is a parameter of the
-- static statement's generic plan, so PostgreSQL prunes the older partitions when the
-- plan starts (they are neither scanned nor their indexes opened). A resource's timeline
-- (resource_id) has few entries spread over its life: it still reads every partition.
-- Oldest first, planned on every call over every partition's indexes until now, runs
-- static statements with generic plans too.
--
-- The trigram indexes of the deal search: with fastupdate (PostgreSQL's default) new
-- entries wait in a pending list that every search reads in full until VACUUM merges it
-- (after a bulk of new deals: thousands of entries, a few milliseconds per search). They
-- are written directly now; a deal insert costs a little more.

ALTER INDEX deals_name_trgm_idx SET (fastupdate = off);
ALTER INDEX deals_company_trgm_idx SET (fastupdate = off);
DO $$
BEGIN
    PERFORM gin_clean_pending_list('deals_name_trgm_idx');
    PERFORM gin_clean_pending_list('deals_company_trgm_idx');
END
$$;

CREATE OR REPLACE FUNCTION maplat_audit_list(org uuid, rtype text, rid text, uid uuid, act text, sort text,
                                             lim int, off int, c_key text, c_tie text, bound int,
                                             OUT total bigint, OUT total_exact bool, OUT items json,
                                             OUT next_key text, OUT next_tie text, OUT bad_cursor bool)
LANGUAGE plpgsql STABLE
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
SET max_parallel_workers_per_gather = 0
-- the static statements' generic plans from the first call on (a custom plan would be
-- planned again on each of a connection's first five calls); every shape has an index in
-- its order, so a generic plan that guesses selectivities must not trade it for a bitmap
-- of every matching entry and a sort
SET plan_cache_mode = force_generic_plan SET enable_bitmapscan = off SET enable_sort = off
AS $$
-- Both orders (newest first: the default and the web UI's) run one of these static
-- statements, whose generic plans PL/pgSQL keeps for the connection: planning a statement over the
-- partitions' indexes on each call would cost more than running it. Each uses the index
-- of its most selective filter (the others are checked on the rows it reads); the first
-- page starts at the cursor (infinity, max). Their limits are constants (101 rows for a
-- page of at most 100, 1001 for the count: API_TOTAL_BOUND is 1000), so that the generic
-- plan is the ordered index scans that stop early. Newest first reads windows: lo, the
-- window's lower bound, prunes the older partitions when the plan starts. Oldest first
-- reads every partition's oldest entries (an organization's first entries may be in any
-- of them). page=N (OFFSET) and another bound are rarer and planned per call.
DECLARE
    ck timestamptz := 'infinity';
    ct bigint := 9223372036854775807;
    more bool;
    lo timestamptz;
    windows timestamptz[];
    first_page bool := c_key IS NULL AND c_tie IS NULL;
BEGIN
    bad_cursor := false;
    IF (off > 0 AND c_key IS NULL AND c_tie IS NULL) OR bound <> 1000 THEN
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
    IF sort = 'occurred_at' THEN
        IF first_page THEN
            ck := '-infinity';
            ct := -9223372036854775808;
        END IF;
        IF rid IS NOT NULL THEN
            SELECT COALESCE(json_agg(maplat_audit_json(p.a) ORDER BY p.n) FILTER (WHERE p.n <= lim), '[]'),
                   max(p.k) FILTER (WHERE p.n = lim), max(p.t) FILTER (WHERE p.n = lim), count(*) > lim
              INTO items, next_key, next_tie, more
              FROM (SELECT y.a, y.k, y.t, row_number() OVER () AS n FROM (SELECT x.a, x.k, x.t
                      FROM (SELECT a, a.occurred_at::text AS k, a.seq::text AS t FROM audit_log a
                             WHERE a.organization_id = org AND a.resource_id = rid AND (rtype IS NULL OR a.resource_type = rtype) AND (uid IS NULL OR a.user_id = uid) AND (act IS NULL OR a.action = act)
                               AND (a.occurred_at, a.seq) > (ck, ct)
                             ORDER BY a.occurred_at, a.seq LIMIT 101) x LIMIT lim + 1) y) p;
        ELSIF rtype IS NOT NULL THEN
            SELECT COALESCE(json_agg(maplat_audit_json(p.a) ORDER BY p.n) FILTER (WHERE p.n <= lim), '[]'),
                   max(p.k) FILTER (WHERE p.n = lim), max(p.t) FILTER (WHERE p.n = lim), count(*) > lim
              INTO items, next_key, next_tie, more
              FROM (SELECT y.a, y.k, y.t, row_number() OVER () AS n FROM (SELECT x.a, x.k, x.t
                      FROM (SELECT a, a.occurred_at::text AS k, a.seq::text AS t FROM audit_log a
                             WHERE a.organization_id = org AND a.resource_type = rtype AND (uid IS NULL OR a.user_id = uid) AND (act IS NULL OR a.action = act)
                               AND (a.occurred_at, a.seq) > (ck, ct)
                             ORDER BY a.occurred_at, a.seq LIMIT 101) x LIMIT lim + 1) y) p;
        ELSIF uid IS NOT NULL THEN
            SELECT COALESCE(json_agg(maplat_audit_json(p.a) ORDER BY p.n) FILTER (WHERE p.n <= lim), '[]'),
                   max(p.k) FILTER (WHERE p.n = lim), max(p.t) FILTER (WHERE p.n = lim), count(*) > lim
              INTO items, next_key, next_tie, more
              FROM (SELECT y.a, y.k, y.t, row_number() OVER () AS n FROM (SELECT x.a, x.k, x.t
                      FROM (SELECT a, a.occurred_at::text AS k, a.seq::text AS t FROM audit_log a
                             WHERE a.organization_id = org AND a.user_id = uid AND (act IS NULL OR a.action = act)
                               AND (a.occurred_at, a.seq) > (ck, ct)
                             ORDER BY a.occurred_at, a.seq LIMIT 101) x LIMIT lim + 1) y) p;
        ELSIF act IS NOT NULL THEN
            SELECT COALESCE(json_agg(maplat_audit_json(p.a) ORDER BY p.n) FILTER (WHERE p.n <= lim), '[]'),
                   max(p.k) FILTER (WHERE p.n = lim), max(p.t) FILTER (WHERE p.n = lim), count(*) > lim
              INTO items, next_key, next_tie, more
              FROM (SELECT y.a, y.k, y.t, row_number() OVER () AS n FROM (SELECT x.a, x.k, x.t
                      FROM (SELECT a, a.occurred_at::text AS k, a.seq::text AS t FROM audit_log a
                             WHERE a.organization_id = org AND a.action = act
                               AND (a.occurred_at, a.seq) > (ck, ct)
                             ORDER BY a.occurred_at, a.seq LIMIT 101) x LIMIT lim + 1) y) p;
        ELSE
            SELECT COALESCE(json_agg(maplat_audit_json(p.a) ORDER BY p.n) FILTER (WHERE p.n <= lim), '[]'),
                   max(p.k) FILTER (WHERE p.n = lim), max(p.t) FILTER (WHERE p.n = lim), count(*) > lim
              INTO items, next_key, next_tie, more
              FROM (SELECT y.a, y.k, y.t, row_number() OVER () AS n FROM (SELECT x.a, x.k, x.t
                      FROM (SELECT a, a.occurred_at::text AS k, a.seq::text AS t FROM audit_log a
                             WHERE a.organization_id = org
                               AND (a.occurred_at, a.seq) > (ck, ct)
                             ORDER BY a.occurred_at, a.seq LIMIT 101) x LIMIT lim + 1) y) p;
        END IF;
    ELSE
        -- the month before the cursor, the year before it, then everything before it
        windows := CASE WHEN rid IS NOT NULL OR ck = '-infinity' THEN ARRAY['-infinity'::timestamptz]
                        ELSE ARRAY[least(ck, now()) - interval '1 month', least(ck, now()) - interval '1 year',
                                   '-infinity'] END;
        FOREACH lo IN ARRAY windows LOOP
            IF rid IS NOT NULL THEN
                SELECT COALESCE(json_agg(maplat_audit_json(p.a) ORDER BY p.n) FILTER (WHERE p.n <= lim), '[]'),
                       max(p.k) FILTER (WHERE p.n = lim), max(p.t) FILTER (WHERE p.n = lim), count(*) > lim
                  INTO items, next_key, next_tie, more
                  FROM (SELECT y.a, y.k, y.t, row_number() OVER () AS n FROM (SELECT x.a, x.k, x.t
                          FROM (SELECT a, a.occurred_at::text AS k, a.seq::text AS t FROM audit_log a
                                 WHERE a.organization_id = org AND a.resource_id = rid AND (rtype IS NULL OR a.resource_type = rtype) AND (uid IS NULL OR a.user_id = uid) AND (act IS NULL OR a.action = act)
                                   AND a.occurred_at >= lo AND (a.occurred_at, a.seq) < (ck, ct)
                                 ORDER BY a.occurred_at DESC, a.seq DESC LIMIT 101) x LIMIT lim + 1) y) p;
            ELSIF rtype IS NOT NULL THEN
                SELECT COALESCE(json_agg(maplat_audit_json(p.a) ORDER BY p.n) FILTER (WHERE p.n <= lim), '[]'),
                       max(p.k) FILTER (WHERE p.n = lim), max(p.t) FILTER (WHERE p.n = lim), count(*) > lim
                  INTO items, next_key, next_tie, more
                  FROM (SELECT y.a, y.k, y.t, row_number() OVER () AS n FROM (SELECT x.a, x.k, x.t
                          FROM (SELECT a, a.occurred_at::text AS k, a.seq::text AS t FROM audit_log a
                                 WHERE a.organization_id = org AND a.resource_type = rtype AND (uid IS NULL OR a.user_id = uid) AND (act IS NULL OR a.action = act)
                                   AND a.occurred_at >= lo AND (a.occurred_at, a.seq) < (ck, ct)
                                 ORDER BY a.occurred_at DESC, a.seq DESC LIMIT 101) x LIMIT lim + 1) y) p;
            ELSIF uid IS NOT NULL THEN
                SELECT COALESCE(json_agg(maplat_audit_json(p.a) ORDER BY p.n) FILTER (WHERE p.n <= lim), '[]'),
                       max(p.k) FILTER (WHERE p.n = lim), max(p.t) FILTER (WHERE p.n = lim), count(*) > lim
                  INTO items, next_key, next_tie, more
                  FROM (SELECT y.a, y.k, y.t, row_number() OVER () AS n FROM (SELECT x.a, x.k, x.t
                          FROM (SELECT a, a.occurred_at::text AS k, a.seq::text AS t FROM audit_log a
                                 WHERE a.organization_id = org AND a.user_id = uid AND (act IS NULL OR a.action = act)
                                   AND a.occurred_at >= lo AND (a.occurred_at, a.seq) < (ck, ct)
                                 ORDER BY a.occurred_at DESC, a.seq DESC LIMIT 101) x LIMIT lim + 1) y) p;
            ELSIF act IS NOT NULL THEN
                SELECT COALESCE(json_agg(maplat_audit_json(p.a) ORDER BY p.n) FILTER (WHERE p.n <= lim), '[]'),
                       max(p.k) FILTER (WHERE p.n = lim), max(p.t) FILTER (WHERE p.n = lim), count(*) > lim
                  INTO items, next_key, next_tie, more
                  FROM (SELECT y.a, y.k, y.t, row_number() OVER () AS n FROM (SELECT x.a, x.k, x.t
                          FROM (SELECT a, a.occurred_at::text AS k, a.seq::text AS t FROM audit_log a
                                 WHERE a.organization_id = org AND a.action = act
                                   AND a.occurred_at >= lo AND (a.occurred_at, a.seq) < (ck, ct)
                                 ORDER BY a.occurred_at DESC, a.seq DESC LIMIT 101) x LIMIT lim + 1) y) p;
            ELSE
                SELECT COALESCE(json_agg(maplat_audit_json(p.a) ORDER BY p.n) FILTER (WHERE p.n <= lim), '[]'),
                       max(p.k) FILTER (WHERE p.n = lim), max(p.t) FILTER (WHERE p.n = lim), count(*) > lim
                  INTO items, next_key, next_tie, more
                  FROM (SELECT y.a, y.k, y.t, row_number() OVER () AS n FROM (SELECT x.a, x.k, x.t
                          FROM (SELECT a, a.occurred_at::text AS k, a.seq::text AS t FROM audit_log a
                                 WHERE a.organization_id = org
                                   AND a.occurred_at >= lo AND (a.occurred_at, a.seq) < (ck, ct)
                                 ORDER BY a.occurred_at DESC, a.seq DESC LIMIT 101) x LIMIT lim + 1) y) p;
            END IF;
            EXIT WHEN more;
        END LOOP;
    END IF;
    IF NOT more THEN
        next_key := NULL;
        next_tie := NULL;
    END IF;
    -- the total (exact up to the bound): on a first page that holds every entry, its
    -- items; else counted in the last month, the last year, everything
    IF first_page AND NOT more THEN
        windows := '{}';
        total := json_array_length(items);
    ELSE
        windows := CASE WHEN rid IS NOT NULL THEN ARRAY['-infinity'::timestamptz]
                        ELSE ARRAY[now() - interval '1 month', now() - interval '1 year', '-infinity'] END;
    END IF;
    FOREACH lo IN ARRAY windows LOOP
        IF rid IS NOT NULL THEN
            SELECT count(*) INTO total FROM (SELECT 1 FROM audit_log a
             WHERE a.organization_id = org AND a.resource_id = rid AND (rtype IS NULL OR a.resource_type = rtype) AND (uid IS NULL OR a.user_id = uid) AND (act IS NULL OR a.action = act) AND a.occurred_at >= lo
             ORDER BY a.occurred_at DESC, a.seq DESC LIMIT 1001) c;
        ELSIF rtype IS NOT NULL THEN
            SELECT count(*) INTO total FROM (SELECT 1 FROM audit_log a
             WHERE a.organization_id = org AND a.resource_type = rtype AND (uid IS NULL OR a.user_id = uid) AND (act IS NULL OR a.action = act) AND a.occurred_at >= lo
             ORDER BY a.occurred_at DESC, a.seq DESC LIMIT 1001) c;
        ELSIF uid IS NOT NULL THEN
            SELECT count(*) INTO total FROM (SELECT 1 FROM audit_log a
             WHERE a.organization_id = org AND a.user_id = uid AND (act IS NULL OR a.action = act) AND a.occurred_at >= lo
             ORDER BY a.occurred_at DESC, a.seq DESC LIMIT 1001) c;
        ELSIF act IS NOT NULL THEN
            SELECT count(*) INTO total FROM (SELECT 1 FROM audit_log a
             WHERE a.organization_id = org AND a.action = act AND a.occurred_at >= lo
             ORDER BY a.occurred_at DESC, a.seq DESC LIMIT 1001) c;
        ELSE
            SELECT count(*) INTO total FROM (SELECT 1 FROM audit_log a
             WHERE a.organization_id = org AND a.occurred_at >= lo
             ORDER BY a.occurred_at DESC, a.seq DESC LIMIT 1001) c;
        END IF;
        EXIT WHEN total > 1000;
    END LOOP;
    total_exact := total <= bound;
    IF NOT total_exact THEN
        total := bound;
    END IF;
END
$$;
