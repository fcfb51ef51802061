# Least privilege: httpd connects as the runtime role (MAPLAT_PGAPPUSER,
# granted by `scripts/migrate --runtime-role`, sql/grants.sql), which owns
# nothing. Through it the audit log stays append-only — UPDATE, DELETE and
# TRUNCATE are refused, and so is every way around the triggers (disabling or
# dropping them, replication mode, taking ownership) — while the API works.
# grants.sql refuses to grant an owner or a superuser.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use Maplat::Auth;

plan tests => 22, need(need_pg(), need_mc());
diag_to_stderr();

my $app = $ENV{MAPLAT_PGAPPUSER} || 'maplat_app';
my $su  = $ENV{MAPLAT_PGSUPERUSER} || 'postgres';

sub as_app { my ($sql) = @_; return psql($sql, user => $app) }

# ---------------------------------------------------------------- httpd is the runtime role
my $r = login('admin@acme.example');
is($r->{status}, 200, 'a login (writes an audit entry through httpd)') or diag($r->{body});
my ($rc, $out) = psql(q{SELECT string_agg(DISTINCT usename, ',') FROM pg_stat_activity
                        WHERE datname = 'maplat' AND application_name = 'maplat-test'}, user => $su);
chomp $out;
is($out, $app, "httpd's database connections are the runtime role '$app'");
isnt(psql_value(q{SELECT tableowner FROM pg_tables WHERE tablename = 'audit_log'}), $app,
     'which does not own the audit log');
($rc, $out) = psql(qq{SELECT rolsuper::text FROM pg_roles WHERE rolname = '$app'}, user => $su);
chomp $out;
is($out, 'false', 'and is no superuser');

# ---------------------------------------------------------------- append-only through it
($rc, $out) = as_app(q{SELECT count(*) FROM audit_log});
is($rc, 0, 'the runtime role reads the audit log') or diag($out);
($rc, $out) = as_app(q{BEGIN; INSERT INTO audit_log (organization_id, action, resource_type)
                       VALUES ('10000000-0000-4000-8000-a00000000001', 'test.insert', 'test'); ROLLBACK});
is($rc, 0, 'and inserts into it') or diag($out);

my $before = psql_value(q{SELECT count(*) || ':' || md5(string_agg(id::text || action || details::text, ',' ORDER BY seq)) FROM audit_log});
for my $case (
    ['UPDATE audit_log SET action = action',                            'UPDATE'],
    ["UPDATE audit_log SET details = '{}' WHERE false",                 'UPDATE matching no row'],
    ['DELETE FROM audit_log',                                           'DELETE'],
    ['TRUNCATE audit_log',                                              'TRUNCATE'],
    ['ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only_row', 'disabling the row trigger'],
    ['ALTER TABLE audit_log DISABLE TRIGGER ALL',                       'disabling all triggers'],
    ['DROP TRIGGER audit_log_append_only_stmt ON audit_log',            'dropping the statement trigger'],
    ["ALTER TABLE audit_log OWNER TO $app",                             'taking ownership'],
    ['SET session_replication_role = replica',                          'replication mode'],
    ['DROP TABLE audit_log',                                            'dropping the table'],
    ['CREATE TABLE maplat_intruder (i int)',                            'creating a table'],
    ['TRUNCATE deals',                                                  'TRUNCATE of another table'],
    ['DELETE FROM schema_migrations',                                   'changing schema_migrations'],
) {
    my ($sql, $what) = @$case;
    ($rc, $out) = as_app($sql);
    isnt($rc, 0, "$what as the runtime role: refused") or diag($out);
}
is(psql_value(q{SELECT count(*) || ':' || md5(string_agg(id::text || action || details::text, ',' ORDER BY seq)) FROM audit_log}),
   $before, 'the audit log is unchanged');

# ---------------------------------------------------------------- grants.sql refuses owners and superusers
my $src = $ENV{MAPLAT_SRCDIR} or die "MAPLAT_SRCDIR not set\n";
for my $bad (['maplat', 'the tables\' owner'], [$su, 'a superuser']) {
    local $ENV{PGHOST} = $ENV{MAPLAT_PGHOST};
    local $ENV{PGPORT} = $ENV{MAPLAT_PGPORT};
    local $ENV{PGUSER} = 'maplat';
    local $ENV{PGDATABASE} = 'maplat';
    my $o = qx{'$src/scripts/migrate' --runtime-role '$bad->[0]' 2>&1};
    isnt($? >> 8, 0, "migrate --runtime-role refuses $bad->[1]") or diag($o);
}
