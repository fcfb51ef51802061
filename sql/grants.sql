-- grants.sql: the privileges of the runtime role — the PostgreSQL role httpd connects as.
--
-- Applied by `scripts/migrate --runtime-role NAME` after the migrations, on every run (it is
-- idempotent, and new migrations bring new tables), as the role that owns the tables. By
-- hand: psql -v runtime_role=NAME -f grants.sql (as the owner).
--
-- Least privilege: the runtime role does not own anything, so it cannot ALTER, DROP or
-- DISABLE TRIGGER on any table — in particular not the audit log's append-only triggers,
-- which an owner could switch off. It gets exactly what the modules need:
--   * SELECT, INSERT, UPDATE, DELETE on the application's tables (not TRUNCATE, REFERENCES,
--     TRIGGER), USAGE and SELECT on their sequences;
--   * on audit_log only SELECT and INSERT: UPDATE, DELETE, TRUNCATE are refused by privilege
--     before the table's triggers refuse them too; nothing on its partitions (audit_log_*),
--     which are read and written through audit_log;
--   * schema_migrations: SELECT only (migrations are the owner's job);
--   * no CREATE on the schema (PostgreSQL 15's default, and revoked here explicitly).
-- The role must exist (createuser NAME), must not be a superuser (a superuser passes every
-- privilege check) and must not be the tables' owner; this file refuses both.

\if :{?runtime_role}
\else
DO $$ BEGIN RAISE EXCEPTION 'grants.sql: set the runtime role: psql -v runtime_role=NAME -1 -f grants.sql'; END $$;
\endif

SET LOCAL client_min_messages = warning;

SELECT set_config('maplat.runtime_role', :'runtime_role', true) \g /dev/null

DO $$
DECLARE
    r text := current_setting('maplat.runtime_role');
    owner text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
        RAISE EXCEPTION 'runtime role "%" does not exist (create it first: createuser %)', r, r
            USING ERRCODE = 'undefined_object';
    END IF;
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = r) THEN
        RAISE EXCEPTION 'runtime role "%" is a superuser: it would bypass every privilege; use a plain role', r
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT tableowner INTO owner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'audit_log';
    IF owner IS NULL THEN
        RAISE EXCEPTION 'no audit_log table: apply the migrations first' USING ERRCODE = 'undefined_table';
    END IF;
    IF owner = r OR pg_has_role(r, owner, 'USAGE') THEN
        RAISE EXCEPTION 'runtime role "%" owns the tables (or is a member of their owner "%"): httpd must connect as another role', r, owner
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF owner <> current_user THEN
        RAISE EXCEPTION 'grants.sql runs as the tables'' owner "%", not as "%"', owner, current_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END
$$;

SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), :'runtime_role') \gexec
GRANT USAGE ON SCHEMA public TO :"runtime_role";
REVOKE CREATE ON SCHEMA public FROM :"runtime_role";

-- everything first, then the exceptions
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"runtime_role";
REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM :"runtime_role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"runtime_role";
-- the schema's own functions (an extension's, e.g. pg_trgm's, belong to the extension's
-- owner and are executable by PUBLIC already)
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
              AND pg_get_userbyid(p.proowner) = current_user LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', f, current_setting('maplat.runtime_role'));
    END LOOP;
END
$$;

REVOKE ALL ON audit_log FROM :"runtime_role";
GRANT SELECT, INSERT ON audit_log TO :"runtime_role";
-- its partitions (sql/012): nothing directly — reads and inserts go through audit_log
DO $$
DECLARE
    part regclass;
BEGIN
    FOR part IN SELECT relid FROM pg_partition_tree('audit_log') WHERE relid <> 'audit_log'::regclass LOOP
        EXECUTE format('REVOKE ALL ON %s FROM %I', part, current_setting('maplat.runtime_role'));
    END LOOP;
END
$$;

REVOKE ALL ON schema_migrations FROM :"runtime_role";
GRANT SELECT ON schema_migrations TO :"runtime_role";
