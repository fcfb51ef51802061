-- 007: Lighthouse runs stored by master_admins (POST/GET /performance/lighthouse).
-- Platform-level data, not tenant data: no organization_id.

CREATE TABLE lighthouse_runs (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    run_date        date        NOT NULL,
    performance     smallint    NOT NULL CHECK (performance BETWEEN 0 AND 100),
    accessibility   smallint    NOT NULL CHECK (accessibility BETWEEN 0 AND 100),
    best_practices  smallint    NOT NULL CHECK (best_practices BETWEEN 0 AND 100),
    seo             smallint    NOT NULL CHECK (seo BETWEEN 0 AND 100),
    created_by      uuid        NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- GET /performance/lighthouse?days=30
CREATE INDEX lighthouse_runs_date_idx ON lighthouse_runs (run_date DESC, created_at DESC);
