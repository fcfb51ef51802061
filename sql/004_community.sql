-- 004: communities, their members and posts.

CREATE TABLE communities (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    description     text,
    created_by      uuid        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, id),
    FOREIGN KEY (organization_id, created_by) REFERENCES users (organization_id, id)
);

CREATE INDEX communities_org_created_idx ON communities (organization_id, created_at DESC);

CREATE TRIGGER communities_updated_at BEFORE UPDATE ON communities
    FOR EACH ROW EXECUTE FUNCTION maplat_set_updated_at();

CREATE TABLE community_members (
    organization_id uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    community_id    uuid        NOT NULL,
    user_id         uuid        NOT NULL,
    role            text        NOT NULL DEFAULT 'member'
                    CHECK (role IN ('member', 'moderator', 'admin')),
    joined_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (community_id, user_id),
    FOREIGN KEY (organization_id, community_id) REFERENCES communities (organization_id, id)
        ON DELETE CASCADE,
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id)
        ON DELETE CASCADE
);

COMMENT ON TABLE community_members IS
    'A community keeps at least one admin (deferred constraint trigger, SQLSTATE 23514).';

CREATE INDEX community_members_org_user_idx ON community_members (organization_id, user_id);
CREATE INDEX community_members_community_joined_idx ON community_members (community_id, joined_at);

-- The last admin of a community cannot be removed or demoted. Same pattern as
-- maplat_document_keeps_owner(): checked at COMMIT, community row locked first.
CREATE FUNCTION maplat_community_keeps_admin() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.role <> 'admin' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.role = 'admin' AND NEW.community_id = OLD.community_id THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM communities WHERE id = OLD.community_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM community_members
                    WHERE community_id = OLD.community_id AND role = 'admin') THEN
        RAISE EXCEPTION 'community % must keep at least one admin', OLD.community_id
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'community_members_keep_admin';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER community_members_keep_admin
    AFTER UPDATE OR DELETE ON community_members
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION maplat_community_keeps_admin();

CREATE TABLE posts (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    community_id    uuid        NOT NULL,
    author_id       uuid        NOT NULL,
    title           text        NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    body            text        NOT NULL DEFAULT '',
    pinned          boolean     NOT NULL DEFAULT false,
    pinned_at       timestamptz,
    pinned_by       uuid,
    deleted_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, id),
    CONSTRAINT posts_pinned_at CHECK (pinned = (pinned_at IS NOT NULL)),
    CONSTRAINT posts_pinned_by CHECK (pinned OR pinned_by IS NULL),
    FOREIGN KEY (organization_id, community_id) REFERENCES communities (organization_id, id)
        ON DELETE CASCADE,
    FOREIGN KEY (organization_id, author_id) REFERENCES users (organization_id, id),
    FOREIGN KEY (organization_id, pinned_by) REFERENCES users (organization_id, id)
        ON DELETE SET NULL (pinned_by)
);

-- GET /communities/{id}/posts: pinned first, then newest
CREATE INDEX posts_community_pinned_created_idx ON posts (community_id, pinned DESC, created_at DESC);
CREATE INDEX posts_org_author_idx ON posts (organization_id, author_id);

CREATE TRIGGER posts_updated_at BEFORE UPDATE ON posts
    FOR EACH ROW EXECUTE FUNCTION maplat_set_updated_at();
