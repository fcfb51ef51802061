-- bench/scale-audit.sql — audit entries lo..hi of the organization bench/scale seeds (one
-- transaction; bench/scale runs it in chunks and resumes after the last complete one).
-- psql variables: org, px, deals, tasks, docs, audit (the total), lo, hi.
-- Sixteen kinds of entry in equal shares (deal/task/document create/update/delete,
-- logins, logouts, exports), by the organization's ten users, for its deals, tasks and
-- documents, occurred_at growing with the row number over six years.
\set ON_ERROR_STOP 1
\set QUIET 1
BEGIN;
SET LOCAL synchronous_commit = off;
INSERT INTO audit_log (id, organization_id, user_id, action, resource_type, resource_id, details, source, occurred_at)
SELECT ('ce' || :'px' || '-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, :'org',
       ('2e' || :'px' || '-0000-4000-8000-' || lpad(to_hex(1 + h % 10), 12, '0'))::uuid,
       a.action, a.rtype,
       CASE a.rtype
           WHEN 'deal' THEN '3e' || :'px' || '-0000-4000-8000-' || lpad(to_hex(1 + (h / 16) % :deals), 12, '0')
           WHEN 'task' THEN '5e' || :'px' || '-0000-4000-8000-' || lpad(to_hex(1 + (h / 16) % :tasks), 12, '0')
           WHEN 'document' THEN '6e' || :'px' || '-0000-4000-8000-' || lpad(to_hex(1 + (h / 16) % :docs), 12, '0')
       END,
       CASE WHEN a.action LIKE '%.update' THEN '{"changes": ["stage"]}'::jsonb ELSE '{}'::jsonb END,
       'server',
       now() - interval '6 years' + (i::float8 / :audit) * interval '6 years' - interval '1 hour'
  FROM (SELECT i, (random() * 2147483646)::bigint AS h FROM generate_series(:lo, :hi) i) g
  JOIN (VALUES (0, 'deal.update', 'deal'), (1, 'deal.update', 'deal'), (2, 'deal.create', 'deal'),
               (3, 'task.update', 'task'), (4, 'task.update', 'task'), (5, 'task.create', 'task'),
               (6, 'document.update', 'document'), (7, 'document.create', 'document'),
               (8, 'auth.login', 'session'), (9, 'export.create', 'export_job'),
               (10, 'deal.update', 'deal'), (11, 'task.update', 'task'), (12, 'document.update', 'document'),
               (13, 'auth.logout', 'session'), (14, 'deal.delete', 'deal'), (15, 'task.delete', 'task'))
       AS a(k, action, rtype) ON a.k = g.h % 16
 ORDER BY i;
COMMIT;
