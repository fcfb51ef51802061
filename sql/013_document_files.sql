-- 013: documents as files — versions, the blobs they point to, and the document JSON
-- with its latest version.
--
-- A file lives in the store (MaplatFileStore) at <store>/<organization>/<aa>/<sha256>,
-- content-addressed within an organization: the same bytes uploaded twice (to one
-- document or to two) are stored once. document_blobs records each stored file of an
-- organization (its size counts towards MaplatFileQuota); document_versions records
-- each upload. A version never changes and is not deleted on its own: deleting a
-- document (soft delete) keeps its versions and the audit trail; the background
-- maintenance removes a blob (row and file) once no version of a live document has
-- referenced it for MaplatFileGrace seconds.

CREATE TABLE document_blobs (
    organization_id uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    sha256          text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size            bigint      NOT NULL CHECK (size >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- the last time an upload of these bytes referenced the blob: the maintenance leaves
    -- a blob alone for the grace period after it (an upload in flight may rely on it)
    last_used_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, sha256)
);

CREATE TABLE document_versions (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid        NOT NULL,
    document_id     uuid        NOT NULL,
    number          integer     NOT NULL CHECK (number >= 1),
    size            bigint      NOT NULL CHECK (size >= 0),
    sha256          text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    content_type    text        NOT NULL CHECK (char_length(content_type) BETWEEN 1 AND 200),
    file_name       text        NOT NULL CHECK (char_length(file_name) BETWEEN 1 AND 255),
    uploaded_by     uuid        NOT NULL,
    uploaded_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (document_id, number),
    FOREIGN KEY (organization_id, document_id) REFERENCES documents (organization_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, uploaded_by) REFERENCES users (organization_id, id)
);
-- no foreign key to document_blobs: the versions of a deleted document outlive its blobs

-- "is this blob still referenced?" (maintenance) and the quota's distinct blobs
CREATE INDEX document_versions_org_sha_idx ON document_versions (organization_id, sha256);

-- {version, size, sha256, content_type, file_name, uploaded_by, uploaded_at} and, when
-- watermark is not null, "watermark": whether a download of this version is a stamped copy
-- (a PDF while MaplatFileWatermark is On; the server passes the setting).
CREATE FUNCTION maplat_document_version_json(v document_versions, watermark boolean) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN watermark IS NULL THEN
        json_build_object('version', v.number, 'size', v.size, 'sha256', v.sha256,
            'content_type', v.content_type, 'file_name', v.file_name,
            'uploaded_by', maplat_user_ref(v.uploaded_by), 'uploaded_at', maplat_ts(v.uploaded_at))
    ELSE
        json_build_object('version', v.number, 'size', v.size, 'sha256', v.sha256,
            'content_type', v.content_type, 'file_name', v.file_name,
            'watermark', watermark AND v.content_type = 'application/pdf',
            'uploaded_by', maplat_user_ref(v.uploaded_by), 'uploaded_at', maplat_ts(v.uploaded_at))
    END
$$;

-- The document JSON of 008 plus latest_version (null when the document has no file).
CREATE OR REPLACE FUNCTION maplat_document_json(d documents, level text) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', d.id, 'title', d.title, 'body', d.body, 'deal_id', d.deal_id,
        'archived', d.archived, 'created_by', maplat_user_ref(d.created_by),
        'created_at', maplat_ts(d.created_at), 'updated_at', maplat_ts(d.updated_at),
        'version', d.version, 'permission', level,
        'latest_version', (SELECT maplat_document_version_json(v, NULL) FROM document_versions v
                            WHERE v.document_id = d.id ORDER BY v.number DESC LIMIT 1))
$$;
