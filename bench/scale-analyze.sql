-- bench/scale-analyze.sql — after seeding (bench/scale)
ANALYZE organizations;
ANALYZE users;
ANALYZE deals;
ANALYZE tasks;
ANALYZE documents;
ANALYZE document_permissions;
ANALYZE audit_log;
