-- 003: the audit log — append-only, enforced by the database.
--
--   * row-level BEFORE UPDATE OR DELETE trigger and statement-level BEFORE UPDATE,
--     DELETE and TRUNCATE triggers raise an exception, for every role including the
--     table owner and superusers (triggers are not privileges);
--   * the triggers are ENABLE ALWAYS, so session_replication_role = replica does not
--     switch them off either;
--   * UPDATE, DELETE and TRUNCATE are revoked from PUBLIC and from the owner (the role
--     running the migration). Deployments should let httpd connect as a role that does
--     not own the tables and has only SELECT, INSERT on audit_log: an owner could still
--     ALTER TABLE … DISABLE TRIGGER, a non-owner cannot.
--   * audit_log references organizations and users with ON DELETE RESTRICT: deleting a
--     user or an organization that has audit entries fails. Users are deactivated
--     (users.active = false), never deleted.
--
-- organization_id is NULL only for platform-level authentication events that belong to
-- no tenant (auth.login_failed for an email that matches no user); such rows are visible
-- to no organization. Every other entry has the organization of the acting user.

CREATE TABLE audit_log (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    -- insertion order, for a stable "newest first" among entries of one transaction
    seq             bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    organization_id uuid        REFERENCES organizations (id) ON DELETE RESTRICT,
    user_id         uuid,
    action          text        NOT NULL CHECK (char_length(action) BETWEEN 1 AND 100),
    resource_type   text        NOT NULL CHECK (char_length(resource_type) BETWEEN 1 AND 100),
    -- text, not uuid: client-side events (POST /audit-logs) may name non-uuid resources
    resource_id     text        CHECK (char_length(resource_id) BETWEEN 1 AND 200),
    details         jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(details) = 'object'),
    client_address  inet,
    source          text        NOT NULL DEFAULT 'server' CHECK (source IN ('server', 'client')),
    -- when the server recorded the entry (authoritative)
    occurred_at     timestamptz NOT NULL DEFAULT now(),
    -- the "timestamp" a client claimed for a client-side event, kept apart from occurred_at
    client_time     timestamptz,
    CONSTRAINT audit_log_tenantless_auth_only
        CHECK (organization_id IS NOT NULL OR (user_id IS NULL AND action LIKE 'auth.%')),
    CONSTRAINT audit_log_client_time_client_only CHECK (source = 'client' OR client_time IS NULL),
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE RESTRICT
);

COMMENT ON TABLE audit_log IS
    'Append-only: UPDATE, DELETE and TRUNCATE are refused by triggers (for every role) and revoked.';
COMMENT ON COLUMN audit_log.organization_id IS
    'NULL only for tenant-less auth events (failed login for an unknown email)';
COMMENT ON COLUMN audit_log.details IS
    'JSON object. auth.login_failed entries carry {"email": "<lower-cased, trimmed>"} for the login limiter fallback';

CREATE INDEX audit_log_org_occurred_idx ON audit_log (organization_id, occurred_at DESC, seq DESC);
CREATE INDEX audit_log_org_resource_idx ON audit_log (organization_id, resource_type, resource_id, occurred_at DESC);
CREATE INDEX audit_log_org_user_idx ON audit_log (organization_id, user_id, occurred_at DESC);
CREATE INDEX audit_log_org_action_idx ON audit_log (organization_id, action, occurred_at DESC);
-- PostgreSQL fallback for the login limiter (failures per email / per client address in a window)
CREATE INDEX audit_log_login_failed_email_idx ON audit_log ((details ->> 'email'), occurred_at)
    WHERE action = 'auth.login_failed';
CREATE INDEX audit_log_login_failed_addr_idx ON audit_log (client_address, occurred_at)
    WHERE action = 'auth.login_failed';

CREATE FUNCTION maplat_audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'audit entries can only be inserted';
END
$$;

CREATE TRIGGER audit_log_append_only_row
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION maplat_audit_log_append_only();

-- also refuses statements that would touch no row, and TRUNCATE (which fires no row triggers)
CREATE TRIGGER audit_log_append_only_stmt
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION maplat_audit_log_append_only();

ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_append_only_row;
ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_append_only_stmt;

REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM CURRENT_USER;
