-- bench/scale-seed.sql — one large organization for bench/scale (run by bench/scale
-- through psql as the role that owns the tables, never by the server).
--
-- psql variables (bench/scale sets them):
--   org       the organization's id           orgname   its name
--   mail      e-mail domain of its users      px        6 hex digits: the id prefix of its rows
--   deals, tasks, docs, audit                  how many rows of each
--
-- Set-based: INSERT … SELECT FROM generate_series, indexes and constraints kept (the
-- foreign keys are checked row by row, as in production). Ids are sequential per kind
-- ('3e' deals, '5e' tasks, '6e' documents, 'ce' audit entries, then px, then the row
-- number) so the primary keys are appended to, and created_at/occurred_at grow with the
-- row number over six years, as a real organization's would. Every distribution uses
-- random(): two seeds of the same size have the same counts, not the same rows. The
-- flags (archived, deleted) come from a random value of their own, independent of the
-- words of the name: every word is found among the live deals.
--
-- Users (password: the demo password, the hash copied from admin@acme.example):
--   admin@<mail> (admin), analyst1..8@<mail> (member), viewer@<mail> (viewer).
\set ON_ERROR_STOP 1
\set QUIET 1

BEGIN;
SET LOCAL synchronous_commit = off;

INSERT INTO organizations (id, name, created_at, updated_at)
VALUES (:'org', :'orgname', now() - interval '6 years', now() - interval '6 years');

INSERT INTO users (id, organization_id, email, password_hash, first_name, last_name, role, created_at, updated_at)
SELECT ('2e' || :'px' || '-0000-4000-8000-' || lpad(to_hex(u), 12, '0'))::uuid, :'org',
       CASE WHEN u = 1 THEN 'admin@' WHEN u = 10 THEN 'viewer@' ELSE 'analyst' || (u - 1) || '@' END || :'mail',
       (SELECT password_hash FROM users WHERE email = 'admin@acme.example'),
       (ARRAY['Ada','Bruno','Chiara','Dmitri','Elif','Farah','Gustav','Hana','Ivo','Jun'])[u],
       (ARRAY['Lovelace','Costa','Ricci','Volkov','Yilmaz','Haddad','Berg','Sato','Novak','Park'])[u],
       CASE WHEN u = 1 THEN 'admin' WHEN u = 10 THEN 'viewer' ELSE 'member' END,
       now() - interval '6 years', now() - interval '6 years'
  FROM generate_series(1, 10) u;

-- the words names are made of (search finds them anywhere in a name or target company)
CREATE TEMP TABLE scale_words (kind text, n int, word text) ON COMMIT DROP;
INSERT INTO scale_words
SELECT 'code', o, w FROM unnest(ARRAY['Falcon','Harrier','Osprey','Kestrel','Merlin','Condor','Heron','Ibis',
    'Puffin','Raven','Swift','Tern','Albatross','Bittern','Curlew','Dunlin','Egret','Fulmar','Gannet',
    'Hobby','Jackdaw','Kittiwake','Lapwing','Magpie','Nightjar','Oriole','Plover','Quail','Redshank',
    'Skylark','Teal','Wagtail','Wren','Avocet','Bunting','Chough','Dipper','Eider','Finch','Godwit',
    'Hawfinch','Linnet','Martin','Nuthatch','Ouzel','Pipit','Rook','Shrike','Siskin','Stint','Twite',
    'Warbler','Whimbrel','Wigeon','Yellowhammer','Crane','Stork','Pelican','Cormorant','Sparrow'])
     WITH ORDINALITY AS t(w, o)
UNION ALL
SELECT 'company', o, w FROM unnest(ARRAY['Northwind','Contoso','Globex','Initech','Umbrella','Hooli',
    'Vandelay','Wonka','Stark','Wayne','Tyrell','Cyberdyne','Soylent','Aperture','Gringotts','Oceanic',
    'Monarch','Pied Piper','Dunder Mifflin','Acme Rail','Blue Sun','Virtucon','Massive Dynamic','Nakatomi',
    'Weyland','Yoyodyne','Zorg','Benthic','Halcyon','Lumon','Bluth','Prestige','Sirius','Tessier','Veridian',
    'Wolfram','Axiom','Borealis','Cobalt','Deltaray'])
     WITH ORDINALITY AS t(w, o)
UNION ALL
SELECT 'suffix', o, w FROM unnest(ARRAY['Ltd','GmbH','SA','Inc','plc','BV','AG','Holdings']) WITH ORDINALITY AS t(w, o)
UNION ALL
SELECT 'doc', o, w FROM unnest(ARRAY['Information memorandum','Term sheet','Letter of intent','Due diligence report',
    'Management presentation','Financial model','Share purchase agreement','Disclosure letter',
    'Integration plan','Board minutes','Valuation memo','Tax structure paper'])
     WITH ORDINALITY AS t(w, o);
CREATE TEMP TABLE scale_w (kind text, words text[]) ON COMMIT DROP;
INSERT INTO scale_w SELECT kind, array_agg(word ORDER BY n) FROM scale_words GROUP BY kind;

\echo '  deals …'
INSERT INTO deals (id, organization_id, name, target_company, stage, value, currency, description, archived,
                   deleted_at, created_by, created_at, updated_at)
SELECT ('3e' || :'px' || '-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, :'org',
       'Project ' || code[1 + (h % 60)] || ' ' || i,
       CASE WHEN h % 1000 = 7 THEN 'Quasar Dynamics '
            ELSE company[1 + (h / 60) % 40] || ' ' END || suffix[1 + (h / 2400) % 8],
       CASE WHEN r < 0.30 THEN 'sourcing' WHEN r < 0.50 THEN 'evaluation' WHEN r < 0.65 THEN 'due_diligence'
            WHEN r < 0.75 THEN 'negotiation' WHEN r < 0.80 THEN 'closing' WHEN r < 0.90 THEN 'won' ELSE 'lost' END,
       round((10000 + random() * 500000000)::numeric, 2),
       (ARRAY['GBP','EUR','USD','GBP'])[1 + (h / 2400 / 8) % 4],
       CASE WHEN a < 0.3 THEN 'Acquisition of ' || company[1 + (h / 60) % 40] || ', sourced through our network.' END,
       a >= 0.95,
       CASE WHEN a >= 0.5 AND a < 0.52 THEN t + interval '30 days' END,
       ('2e' || :'px' || '-0000-4000-8000-' || lpad(to_hex(1 + h % 9), 12, '0'))::uuid,
       t, LEAST(now(), t + (h % 200) * interval '1 day')
  FROM (SELECT i, (random() * 2147483646)::bigint AS h, random() AS r, random() AS a,
               now() - interval '6 years' + (i::float8 / :deals) * interval '6 years' - interval '1 day' AS t
          FROM generate_series(1, :deals) i) g,
       (SELECT (SELECT words FROM scale_w WHERE kind = 'code') AS code,
               (SELECT words FROM scale_w WHERE kind = 'company') AS company,
               (SELECT words FROM scale_w WHERE kind = 'suffix') AS suffix) w;

\echo '  tasks …'
INSERT INTO tasks (id, organization_id, title, deal_id, assignee_id, due_date, status, deleted_at, created_by,
                   created_at, updated_at)
SELECT ('5e' || :'px' || '-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, :'org',
       (ARRAY['Review','Call','Prepare','Send','Check','Draft','Approve','Schedule'])[1 + h % 8] || ' '
           || lower(doc[1 + (h / 8) % 12]) || ' ' || i,
       CASE WHEN h % 5 <> 0 THEN ('3e' || :'px' || '-0000-4000-8000-'
                                  || lpad(to_hex(1 + (h / 96) % :deals), 12, '0'))::uuid END,
       CASE WHEN h % 10 <> 0 THEN ('2e' || :'px' || '-0000-4000-8000-' || lpad(to_hex(1 + (h / 7) % 10), 12, '0'))::uuid END,
       (t + (h % 90) * interval '1 day')::date,
       CASE WHEN r < 0.40 THEN 'open' WHEN r < 0.60 THEN 'in_progress' ELSE 'done' END,
       CASE WHEN h % 50 = 3 THEN t + interval '10 days' END,
       ('2e' || :'px' || '-0000-4000-8000-' || lpad(to_hex(1 + h % 9), 12, '0'))::uuid,
       t, LEAST(now(), t + (h % 30) * interval '1 day')
  FROM (SELECT i, (random() * 2147483646)::bigint AS h, random() AS r,
               now() - interval '6 years' + (i::float8 / :tasks) * interval '6 years' - interval '1 day' AS t
          FROM generate_series(1, :tasks) i) g,
       (SELECT words AS doc FROM scale_w WHERE kind = 'doc') w;

\echo '  documents and grants …'
INSERT INTO documents (id, organization_id, title, body, deal_id, archived, deleted_at, created_by, created_at,
                       updated_at)
SELECT ('6e' || :'px' || '-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, :'org',
       doc[1 + h % 12] || ' ' || i,
       'Prepared for the deal team. Confidential. Version ' || (1 + h % 7) || '.',
       CASE WHEN h % 5 < 3 THEN ('3e' || :'px' || '-0000-4000-8000-'
                                 || lpad(to_hex(1 + (h / 12) % :deals), 12, '0'))::uuid END,
       a >= 0.95,
       CASE WHEN a >= 0.5 AND a < 0.52 THEN t + interval '5 days' END,
       ('2e' || :'px' || '-0000-4000-8000-' || lpad(to_hex(1 + (h / 5) % 9), 12, '0'))::uuid,
       t, LEAST(now(), t + (h % 60) * interval '1 day')
  FROM (SELECT i, (random() * 2147483646)::bigint AS h, random() AS a,
               now() - interval '6 years' + (i::float8 / :docs) * interval '6 years' - interval '1 day' AS t
          FROM generate_series(1, :docs) i) g,
       (SELECT words AS doc FROM scale_w WHERE kind = 'doc') w;

-- the creator owns each document; about half are shared with another analyst
-- (viewer or editor), a fifth with the viewer user
INSERT INTO document_permissions (organization_id, document_id, user_id, level, created_at, updated_at)
SELECT d.organization_id, d.id, d.created_by, 'owner', d.created_at, d.created_at
  FROM documents d WHERE d.organization_id = :'org'
UNION ALL
SELECT d.organization_id, d.id,
       ('2e' || :'px' || '-0000-4000-8000-' || lpad(to_hex(2 + (x.k + 1) % 8), 12, '0'))::uuid,
       CASE WHEN x.k % 3 = 0 THEN 'editor' ELSE 'viewer' END, d.created_at, d.created_at
  FROM documents d, LATERAL (SELECT ('x' || substr(d.id::text, 25, 12))::bit(48)::bigint AS k) x
 WHERE d.organization_id = :'org' AND x.k % 2 = 0
   AND ('2e' || :'px' || '-0000-4000-8000-' || lpad(to_hex(2 + (x.k + 1) % 8), 12, '0'))::uuid <> d.created_by
UNION ALL
SELECT d.organization_id, d.id, ('2e' || :'px' || '-0000-4000-8000-' || lpad(to_hex(10), 12, '0'))::uuid,
       'viewer', d.created_at, d.created_at
  FROM documents d, LATERAL (SELECT ('x' || substr(d.id::text, 25, 12))::bit(48)::bigint AS k) x
 WHERE d.organization_id = :'org' AND x.k % 5 = 1;

COMMIT;

