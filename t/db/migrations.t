# The database side of the foundation: scripts/migrate is idempotent and the
# audit log is append-only, enforced by the database itself.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;

plan tests => 33, need(need_pg());
diag_to_stderr();

my $src = $ENV{MAPLAT_SRCDIR} or die "MAPLAT_SRCDIR not set\n";

sub psql_rows {
    my ($sql) = @_;
    my ($rc, $out) = psql($sql);
    die "psql failed ($rc): $out\n$sql\n" if $rc;
    return [split /\n/, $out];
}

# A fingerprint of schema + row counts of every table in the public schema.
sub fingerprint {
    my ($rc, $out) = psql(q{
        SELECT md5(string_agg(table_name || '.' || column_name || ':' || data_type
                              || ':' || coalesce(column_default, ''), ',' ORDER BY table_name, ordinal_position))
        FROM information_schema.columns WHERE table_schema = 'public'});
    die "psql: $out" if $rc;
    chomp $out;
    my ($rc2, $tables) = psql(q{SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1});
    die "psql: $tables" if $rc2;
    my @counts;
    for my $t (split /\n/, $tables) {
        next unless length $t;
        my ($rc3, $n) = psql(qq{SELECT count(*) FROM "$t"});
        die "psql: $n" if $rc3;
        chomp $n;
        push @counts, "$t=$n";
    }
    return ($out, join(',', @counts));
}

my ($schema1, $rows1) = fingerprint();
ok(length $schema1, 'schema fingerprint');
like($rows1, qr/(^|,)audit_log=\d+/, 'there is an audit_log table');

# run the migrations again, with the demo data, as scripts/dev does
my ($rc, $out);
{
    local $ENV{PGHOST} = $ENV{MAPLAT_PGHOST};
    local $ENV{PGPORT} = $ENV{MAPLAT_PGPORT};
    local $ENV{PGUSER} = 'maplat';
    local $ENV{PGDATABASE} = 'maplat';
    $out = qx{'$src/scripts/migrate' --demo 2>&1};
    $rc = $? >> 8;
}
is($rc, 0, 'scripts/migrate --demo runs again') or diag($out);
my ($schema2, $rows2) = fingerprint();
is($schema2, $schema1, 'second run changes no schema');
is($rows2, $rows1, 'second run adds or removes no rows (migrations and demo data applied once)');

# ---------------------------------------------------------------- sql/functions: one current text
# Every function of sql/functions/*.sql is in the database with exactly the file's text.
my %body;
for my $f (sort glob "$src/sql/functions/*.sql") {
    open my $fh, '<', $f or die "$f: $!\n";
    my $text = do { local $/; <$fh> };
    close $fh;
    while ($text =~ /CREATE OR REPLACE FUNCTION (\w+)\(.*?AS \$\$(.*?)\$\$;/sg) {
        die "$1 defined twice in sql/functions\n" if exists $body{$1};
        $body{$1} = $2;
    }
}
ok(scalar(keys %body) >= 10 && exists $body{maplat_deal_json}, 'sql/functions defines the JSON shape functions')
    or diag(join ' ', sort keys %body);
sub function_texts {
    my %db;
    for my $name (sort keys %body) {
        my ($rc2, $src2) = psql(qq{SELECT prosrc FROM pg_proc WHERE proname = '$name'});
        $db{$name} = $rc2 ? "psql failed: $src2" : $src2;
    }
    return %db;
}
sub differing {
    my %db = function_texts();
    # psql -A -t: the text plus one newline
    return grep { $db{$_} ne "$body{$_}\n" } sort keys %body;
}
my @diff = differing();
is("@diff", '', 'each function in the database has the text of sql/functions');
# a function changed behind migrate's back gets its text back on the next run
($rc, $out) = psql(q{CREATE OR REPLACE FUNCTION maplat_level_rank(level text) RETURNS int
                     LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 0 $$});
is($rc, 0, 'maplat_level_rank replaced by hand') or diag($out);
{
    local $ENV{PGHOST} = $ENV{MAPLAT_PGHOST};
    local $ENV{PGPORT} = $ENV{MAPLAT_PGPORT};
    local $ENV{PGUSER} = 'maplat';
    local $ENV{PGDATABASE} = 'maplat';
    $out = qx{'$src/scripts/migrate' 2>&1};
    $rc = $? >> 8;
}
@diff = differing();
is("$rc @diff", '0 ', 'scripts/migrate re-applies sql/functions on every run') or diag($out);

# ---------------------------------------------------------------- append-only audit log
($rc, $out) = psql(q{SELECT count(*) FROM audit_log});
is($rc, 0, 'audit_log readable by the application role') or diag($out);

for my $who ('maplat', $ENV{MAPLAT_PGSUPERUSER} || 'postgres') {
    ($rc, $out) = psql(q{UPDATE audit_log SET id = id}, user => $who);
    isnt($rc, 0, "UPDATE audit_log refused ($who)") or diag($out);
    ($rc, $out) = psql(q{DELETE FROM audit_log}, user => $who);
    isnt($rc, 0, "DELETE FROM audit_log refused ($who)") or diag($out);
    ($rc, $out) = psql(q{TRUNCATE audit_log}, user => $who);
    isnt($rc, 0, "TRUNCATE audit_log refused ($who)") or diag($out);
}

# ---------------------------------------------------------------- and on every partition (sql/012)
my $parts = psql_rows(q{SELECT relid::text FROM pg_partition_tree('audit_log') WHERE isleaf ORDER BY 1});
ok(scalar(grep { /^audit_log_\d{4}_\d{2}$/ } @$parts) >= 13, 'audit_log: monthly partitions, this month and 12 ahead')
    or diag("@$parts");
ok((grep { $_ eq 'audit_log_default' } @$parts), 'audit_log: a DEFAULT partition');
my $month = psql_rows(q{SELECT 'audit_log_' || to_char(now() AT TIME ZONE 'UTC', 'YYYY_MM')})->[0];
for my $part ($month, 'audit_log_default') {
    for my $who ('maplat', $ENV{MAPLAT_PGSUPERUSER} || 'postgres') {
        ($rc, $out) = psql(qq{UPDATE $part SET id = id}, user => $who);
        isnt($rc, 0, "UPDATE $part refused ($who)") or diag($out);
        ($rc, $out) = psql(qq{DELETE FROM $part}, user => $who);
        isnt($rc, 0, "DELETE FROM $part refused ($who)") or diag($out);
        ($rc, $out) = psql(qq{TRUNCATE $part}, user => $who);
        isnt($rc, 0, "TRUNCATE $part refused ($who)") or diag($out);
    }
}
# a partition created later (the monthly job) is protected the same way
($rc, $out) = psql(q{SELECT maplat_audit_partitions_ensure(14)});
is($rc, 0, 'maplat_audit_partitions_ensure(14) creates the partitions 13 and 14 months ahead') or diag($out);
my $later = psql_rows(q{SELECT 'audit_log_' || to_char((now() AT TIME ZONE 'UTC') + interval '14 months', 'YYYY_MM')})->[0];
($rc, $out) = psql(qq{TRUNCATE $later}, user => $ENV{MAPLAT_PGSUPERUSER} || 'postgres');
isnt($rc, 0, "TRUNCATE $later (created later) refused, even to a superuser") or diag($out);
($rc, $out) = psql(qq{SELECT tgenabled FROM pg_trigger WHERE tgrelid = '$later'::regclass
                        AND tgname LIKE 'audit_log_append_only%' ORDER BY tgname});
is(join(',', split /\n/, $out), 'A,A', "$later: both append-only triggers, ENABLE ALWAYS");
