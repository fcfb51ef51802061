-- 001: organizations, users, refresh tokens, shared trigger functions.
--
-- Conventions for every maplat migration (see sql/README.md):
--   * plain SQL, no BEGIN/COMMIT: scripts/migrate runs each file in one transaction;
--   * uuid keys DEFAULT gen_random_uuid() (built into PostgreSQL 13+);
--   * timestamptz DEFAULT now(); money and figures as numeric;
--   * every tenant table has organization_id NOT NULL, and every reference to another
--     tenant row is a composite foreign key (organization_id, x_id) -> parent
--     (organization_id, id), so a row can never point into another organization.

-- ---------------------------------------------------------------------------
-- Shared trigger functions
-- ---------------------------------------------------------------------------

-- BEFORE UPDATE: keep updated_at current. An UPDATE that changes nothing is left alone.
CREATE FUNCTION maplat_set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW IS NOT DISTINCT FROM OLD THEN
        RETURN NEW;
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION maplat_set_updated_at() IS
    'BEFORE UPDATE trigger: sets updated_at = now() when the row really changes';

-- BEFORE UPDATE: updated_at plus the optimistic-concurrency counter behind ETag/If-Match.
-- The version always becomes OLD.version + 1 when the row changes, whatever the UPDATE
-- itself set, so `UPDATE … WHERE id = $1 AND version = $2 RETURNING version` is all an
-- API handler needs. An UPDATE that changes nothing keeps the version (and the ETag).
CREATE FUNCTION maplat_bump_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW IS NOT DISTINCT FROM OLD THEN
        RETURN NEW;
    END IF;
    NEW.version := OLD.version + 1;
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION maplat_bump_version() IS
    'BEFORE UPDATE trigger: version = OLD.version + 1 and updated_at = now() when the row really changes';

-- ---------------------------------------------------------------------------
-- Organizations (tenants)
-- ---------------------------------------------------------------------------

CREATE TABLE organizations (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE organizations IS
    'Tenants. Never deleted in normal operation (audit_log rows reference them with ON DELETE RESTRICT).';

CREATE TRIGGER organizations_updated_at BEFORE UPDATE ON organizations
    FOR EACH ROW EXECUTE FUNCTION maplat_set_updated_at();

-- ---------------------------------------------------------------------------
-- Users
-- ---------------------------------------------------------------------------

CREATE TABLE users (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- stored lower-cased and trimmed; login looks it up as lower(btrim($1))
    email           text        NOT NULL
                    CHECK (email = lower(btrim(email)))
                    CHECK (char_length(email) BETWEEN 3 AND 254)
                    CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    -- bcrypt only ($2b$, $2a$ or $2y$ — one algorithm); never serialized by the API
    password_hash   text        NOT NULL
                    CHECK (password_hash ~ '^\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}$'),
    first_name      text        NOT NULL DEFAULT '' CHECK (char_length(first_name) <= 100),
    last_name       text        NOT NULL DEFAULT '' CHECK (char_length(last_name) <= 100),
    role            text        NOT NULL DEFAULT 'member'
                    CHECK (role IN ('admin', 'member', 'viewer')),
    master_admin    boolean     NOT NULL DEFAULT false,
    active          boolean     NOT NULL DEFAULT true,
    -- bumped to revoke every access token issued before (tokens carry the version)
    token_version   integer     NOT NULL DEFAULT 0 CHECK (token_version >= 0),
    last_login_at   timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, id)
);

COMMENT ON TABLE users IS
    'Users belong to exactly one organization. Users are deactivated (active = false), never deleted: audit_log references them.';
COMMENT ON COLUMN users.email IS 'lower-cased and trimmed; unique across the platform (login is by email alone)';
COMMENT ON COLUMN users.token_version IS 'access tokens carry it; bump it to revoke all of a user''s access tokens at once';

-- unique case-insensitively (the CHECK keeps email lower-cased, this index makes lookups by lower(email) cheap)
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
CREATE INDEX users_org_created_idx ON users (organization_id, created_at DESC);

CREATE TRIGGER users_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION maplat_set_updated_at();

-- ---------------------------------------------------------------------------
-- Refresh tokens: rotation within a family; reuse of a rotated token revokes the family
-- ---------------------------------------------------------------------------

CREATE TABLE refresh_token_families (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         uuid        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz,
    revoked_reason  text        CHECK (revoked_reason IN
                        ('logout', 'reuse', 'password_change', 'user_disabled', 'admin')),
    CONSTRAINT refresh_token_families_revoked_reason CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL)),
    UNIQUE (id, user_id),
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
);

CREATE INDEX refresh_token_families_user_idx ON refresh_token_families (user_id) WHERE revoked_at IS NULL;
CREATE INDEX refresh_token_families_org_user_idx ON refresh_token_families (organization_id, user_id);

CREATE TABLE refresh_tokens (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    family_id       uuid        NOT NULL,
    organization_id uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         uuid        NOT NULL,
    -- SHA-256 of the opaque token the client holds; the token itself is never stored
    token_hash      bytea       NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    parent_id       uuid        REFERENCES refresh_tokens (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    rotated_at      timestamptz,  -- set when this token was exchanged for its child
    revoked_at      timestamptz,
    CONSTRAINT refresh_tokens_expiry CHECK (expires_at > created_at),
    -- the token's user is its family's user, and both are in the token's organization
    FOREIGN KEY (family_id, user_id) REFERENCES refresh_token_families (id, user_id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
);

COMMENT ON TABLE refresh_tokens IS
    'Opaque refresh tokens, stored as SHA-256. Presenting a token with rotated_at set revokes its whole family.';

CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_parent_idx ON refresh_tokens (parent_id);
CREATE INDEX refresh_tokens_org_user_idx ON refresh_tokens (organization_id, user_id);
CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);
