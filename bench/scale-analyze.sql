-- bench/scale-analyze.sql — after seeding (bench/scale): statistics for the planner and
-- the visibility map for index-only scans, now rather than by autovacuum in the middle
-- of a measurement.
VACUUM (ANALYZE) organizations;
VACUUM (ANALYZE) users;
VACUUM (ANALYZE) deals;
VACUUM (ANALYZE) tasks;
VACUUM (ANALYZE) documents;
VACUUM (ANALYZE) document_permissions;
VACUUM (ANALYZE) audit_log;
