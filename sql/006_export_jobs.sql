-- 006: the export queue (document generation), worked by background workers in httpd.
--
-- Claim (one job, one worker):
--   UPDATE export_jobs SET status = 'processing', locked_by = $me, locked_at = now(),
--          lease_expires_at = now() + $lease, attempts = attempts + 1, progress = 0
--    WHERE id = (SELECT id FROM export_jobs
--                 WHERE status = 'pending' AND run_after <= now()
--                 ORDER BY run_after, created_at
--                 FOR UPDATE SKIP LOCKED LIMIT 1)
--   RETURNING …;
-- Rescue (a dead worker's job): status = 'processing' AND lease_expires_at < now() →
--   back to 'pending' with a backoff in run_after, or 'failed' once attempts reached
--   max_attempts. Only the lease owner completes/fails: "… WHERE id = $1 AND locked_by = $me
--   AND status = 'processing'" (0 rows = the lease was lost; discard the result).

CREATE TABLE export_jobs (
    id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    created_by       uuid        NOT NULL,
    type             text        NOT NULL CHECK (type IN ('document', 'deal_report', 'deals')),
    format           text        NOT NULL CHECK (format IN ('pdf', 'docx', 'csv')),
    params           jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(params) = 'object'),
    status           text        NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'canceled')),
    progress         integer     NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    attempts         integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts     integer     NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
    run_after        timestamptz NOT NULL DEFAULT now(),   -- not claimed before (retry backoff)
    locked_by        text        CHECK (char_length(locked_by) <= 200),  -- worker id, e.g. host:pid:thread
    locked_at        timestamptz,
    lease_expires_at timestamptz,
    file_path        text,        -- server-generated name inside MaplatExportDir, never user input
    file_size        bigint      CHECK (file_size >= 0),
    file_name        text        CHECK (char_length(file_name) <= 255),  -- download name (Content-Disposition)
    error            text,
    idempotency_key  text        CHECK (char_length(idempotency_key) BETWEEN 1 AND 200),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    completed_at     timestamptz,
    expires_at       timestamptz,  -- the file's retention end (410 Gone afterwards)
    -- csv only for the deals list
    CONSTRAINT export_jobs_csv_only_for_deals CHECK (format <> 'csv' OR type = 'deals'),
    UNIQUE (organization_id, id),
    FOREIGN KEY (organization_id, created_by) REFERENCES users (organization_id, id)
);

COMMENT ON TABLE export_jobs IS
    'Export queue: claim with FOR UPDATE SKIP LOCKED, lease in locked_by/lease_expires_at, retries with backoff in run_after.';

-- double submit with the same key → one job (INSERT … ON CONFLICT (organization_id, idempotency_key)
-- WHERE idempotency_key IS NOT NULL DO NOTHING, then SELECT it)
CREATE UNIQUE INDEX export_jobs_org_idempotency_key ON export_jobs (organization_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
-- claim
CREATE INDEX export_jobs_claim_idx ON export_jobs (run_after, created_at) WHERE status = 'pending';
-- rescue expired leases
CREATE INDEX export_jobs_lease_idx ON export_jobs (lease_expires_at) WHERE status = 'processing';
-- retention clean-up of rendered files
CREATE INDEX export_jobs_expires_idx ON export_jobs (expires_at) WHERE status = 'completed';
-- GET /export-jobs (?mine=true, ?status=), per-tenant queue quota
CREATE INDEX export_jobs_org_created_idx ON export_jobs (organization_id, created_at DESC);
CREATE INDEX export_jobs_org_user_created_idx ON export_jobs (organization_id, created_by, created_at DESC);
CREATE INDEX export_jobs_org_status_idx ON export_jobs (organization_id, status);

CREATE TRIGGER export_jobs_updated_at BEFORE UPDATE ON export_jobs
    FOR EACH ROW EXECUTE FUNCTION maplat_set_updated_at();
