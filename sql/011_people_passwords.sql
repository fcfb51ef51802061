-- 011: people management and passwords.
--   * password_reset_tokens: one-time tokens an organization admin issues for a user of
--     the organization (stored as SHA-256, 24 h, single use; a newer one supersedes older ones);
--   * refresh_token_families.revoked_reason gains 'password_reset';
--   * the login limiter's PostgreSQL fallback counts every failed password check
--     (failed logins, wrong current passwords, unusable reset tokens): its partial
--     indexes cover the three audit actions.

CREATE TABLE password_reset_tokens (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         uuid        NOT NULL,
    -- SHA-256 of the token the admin hands over; the token itself is never stored
    token_hash      bytea       NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    created_by      uuid        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,           -- spent: the password was set with it
    superseded_at   timestamptz,           -- a newer token was issued for the user
    CONSTRAINT password_reset_tokens_used_once CHECK (used_at IS NULL OR superseded_at IS NULL),
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, created_by) REFERENCES users (organization_id, id) ON DELETE CASCADE
);

COMMENT ON TABLE password_reset_tokens IS
    'One-time password reset tokens (SHA-256 only), issued by an organization admin for a user of the same organization.';

CREATE INDEX password_reset_tokens_user_idx ON password_reset_tokens (organization_id, user_id)
    WHERE used_at IS NULL AND superseded_at IS NULL;
CREATE INDEX password_reset_tokens_expires_idx ON password_reset_tokens (expires_at);

ALTER TABLE refresh_token_families DROP CONSTRAINT refresh_token_families_revoked_reason_check;
ALTER TABLE refresh_token_families ADD CONSTRAINT refresh_token_families_revoked_reason_check
    CHECK (revoked_reason IN ('logout', 'reuse', 'password_change', 'password_reset', 'user_disabled', 'admin'));

DROP INDEX audit_log_login_failed_email_idx;
DROP INDEX audit_log_login_failed_addr_idx;
CREATE INDEX audit_log_auth_failed_email_idx ON audit_log ((details ->> 'email'), occurred_at)
    WHERE action IN ('auth.login_failed', 'auth.password_change_failed', 'auth.password_reset_failed');
CREATE INDEX audit_log_auth_failed_addr_idx ON audit_log (client_address, occurred_at)
    WHERE action IN ('auth.login_failed', 'auth.password_change_failed', 'auth.password_reset_failed');
