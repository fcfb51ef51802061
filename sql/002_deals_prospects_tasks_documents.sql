-- 002: deals, prospects, tasks, documents and document permissions.
--
-- Deleting: these tables carry deleted_at for soft deletion, but the foreign keys are
-- also correct for hard deletion (tasks and documents keep living, unlinked, when their
-- deal is deleted; permissions go with their document). Either way the API answers 404
-- for a deleted row and counts/lists leave it out.

-- ---------------------------------------------------------------------------
-- Deals
-- ---------------------------------------------------------------------------

CREATE TABLE deals (
    id              uuid          PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid          NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            text          NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    target_company  text          CHECK (char_length(target_company) <= 200),
    stage           text          NOT NULL DEFAULT 'sourcing'
                    CHECK (stage IN ('sourcing', 'evaluation', 'due_diligence', 'negotiation',
                                     'closing', 'won', 'lost')),
    value           numeric(18,2) NOT NULL DEFAULT 0 CHECK (value >= 0),
    currency        char(3)       NOT NULL DEFAULT 'GBP' CHECK (currency ~ '^[A-Z]{3}$'),
    description     text,
    archived        boolean       NOT NULL DEFAULT false,
    deleted_at      timestamptz,
    created_by      uuid          NOT NULL,
    created_at      timestamptz   NOT NULL DEFAULT now(),
    updated_at      timestamptz   NOT NULL DEFAULT now(),
    version         integer       NOT NULL DEFAULT 1 CHECK (version >= 1),
    UNIQUE (organization_id, id),
    FOREIGN KEY (organization_id, created_by) REFERENCES users (organization_id, id)
);

COMMENT ON COLUMN deals.version IS 'optimistic concurrency / ETag; maintained by trigger deals_version';
COMMENT ON COLUMN deals.deleted_at IS 'soft deletion; NULL = live';

CREATE INDEX deals_org_archived_created_idx ON deals (organization_id, archived, created_at DESC);
CREATE INDEX deals_org_stage_idx ON deals (organization_id, stage);
CREATE INDEX deals_org_name_idx ON deals (organization_id, lower(name));
CREATE INDEX deals_org_value_idx ON deals (organization_id, value);

CREATE TRIGGER deals_version BEFORE UPDATE ON deals
    FOR EACH ROW EXECUTE FUNCTION maplat_bump_version();

-- ---------------------------------------------------------------------------
-- Prospects (the kanban board)
-- ---------------------------------------------------------------------------

CREATE TABLE prospects (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    company_name    text        NOT NULL CHECK (char_length(company_name) BETWEEN 1 AND 200),
    contact_name    text        CHECK (char_length(contact_name) <= 200),
    contact_email   text        CHECK (char_length(contact_email) <= 254),
    stage           text        NOT NULL DEFAULT 'new'
                    CHECK (stage IN ('new', 'contacted', 'qualified', 'engaged', 'converted', 'lost')),
    notes           text,
    archived        boolean     NOT NULL DEFAULT false,
    deleted_at      timestamptz,
    created_by      uuid        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    UNIQUE (organization_id, id),
    FOREIGN KEY (organization_id, created_by) REFERENCES users (organization_id, id)
);

CREATE INDEX prospects_org_created_idx ON prospects (organization_id, created_at DESC);
CREATE INDEX prospects_org_stage_idx ON prospects (organization_id, stage);

CREATE TRIGGER prospects_version BEFORE UPDATE ON prospects
    FOR EACH ROW EXECUTE FUNCTION maplat_bump_version();

-- ---------------------------------------------------------------------------
-- Tasks
-- ---------------------------------------------------------------------------

CREATE TABLE tasks (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    title           text        NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    deal_id         uuid,
    assignee_id     uuid,
    due_date        date,
    status          text        NOT NULL DEFAULT 'open'
                    CHECK (status IN ('open', 'in_progress', 'done')),
    deleted_at      timestamptz,
    created_by      uuid        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    UNIQUE (organization_id, id),
    -- PostgreSQL 15 column lists: only deal_id/assignee_id become NULL, never organization_id
    FOREIGN KEY (organization_id, deal_id) REFERENCES deals (organization_id, id)
        ON DELETE SET NULL (deal_id),
    FOREIGN KEY (organization_id, assignee_id) REFERENCES users (organization_id, id)
        ON DELETE SET NULL (assignee_id),
    FOREIGN KEY (organization_id, created_by) REFERENCES users (organization_id, id)
);

CREATE INDEX tasks_org_created_idx ON tasks (organization_id, created_at DESC);
CREATE INDEX tasks_org_status_idx ON tasks (organization_id, status);
CREATE INDEX tasks_org_assignee_idx ON tasks (organization_id, assignee_id);
CREATE INDEX tasks_org_deal_idx ON tasks (organization_id, deal_id);

CREATE TRIGGER tasks_version BEFORE UPDATE ON tasks
    FOR EACH ROW EXECUTE FUNCTION maplat_bump_version();

-- ---------------------------------------------------------------------------
-- Documents
-- ---------------------------------------------------------------------------

CREATE TABLE documents (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    title           text        NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    body            text        NOT NULL DEFAULT '',
    deal_id         uuid,
    archived        boolean     NOT NULL DEFAULT false,
    deleted_at      timestamptz,
    created_by      uuid        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    UNIQUE (organization_id, id),
    FOREIGN KEY (organization_id, deal_id) REFERENCES deals (organization_id, id)
        ON DELETE SET NULL (deal_id),
    FOREIGN KEY (organization_id, created_by) REFERENCES users (organization_id, id)
);

CREATE INDEX documents_org_archived_created_idx ON documents (organization_id, archived, created_at DESC);
CREATE INDEX documents_org_deal_idx ON documents (organization_id, deal_id);

CREATE TRIGGER documents_version BEFORE UPDATE ON documents
    FOR EACH ROW EXECUTE FUNCTION maplat_bump_version();

-- ---------------------------------------------------------------------------
-- Document permissions (explicit grants; an org admin has owner rights regardless)
-- ---------------------------------------------------------------------------

CREATE TABLE document_permissions (
    organization_id uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    document_id     uuid        NOT NULL,
    user_id         uuid        NOT NULL,
    level           text        NOT NULL CHECK (level IN ('viewer', 'editor', 'owner')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (document_id, user_id),
    FOREIGN KEY (organization_id, document_id) REFERENCES documents (organization_id, id)
        ON DELETE CASCADE,
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id)
        ON DELETE CASCADE
);

COMMENT ON TABLE document_permissions IS
    'Per-user grants. "none" in the API means: no row. A document keeps at least one owner (deferred constraint trigger, SQLSTATE 23514).';

-- "documents the caller may view": grants of one user within the organization
CREATE INDEX document_permissions_org_user_idx ON document_permissions (organization_id, user_id, document_id);

CREATE TRIGGER document_permissions_updated_at BEFORE UPDATE ON document_permissions
    FOR EACH ROW EXECUTE FUNCTION maplat_set_updated_at();

-- A document that had an owner keeps at least one. Checked at COMMIT (so "add the new
-- owner, then remove the old one" in separate statements works); the document row is
-- locked first, so two concurrent transactions removing different owners cannot both
-- succeed. Skipped when the document itself is gone (hard delete cascades).
CREATE FUNCTION maplat_document_keeps_owner() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.level <> 'owner' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.level = 'owner' AND NEW.document_id = OLD.document_id THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM documents WHERE id = OLD.document_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM document_permissions
                    WHERE document_id = OLD.document_id AND level = 'owner') THEN
        RAISE EXCEPTION 'document % must keep at least one owner', OLD.document_id
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'document_permissions_keep_owner';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER document_permissions_keep_owner
    AFTER UPDATE OR DELETE ON document_permissions
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION maplat_document_keeps_owner();
