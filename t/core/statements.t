# Statements with named parameters (modules/common/stmt.c, docs/architecture.md
# "Database access"): through the test-only echo module's maplat_echo_named,
# values bound by name reach the right placeholders (a name used twice, casts,
# literals and comments that look like parameters, a literal '%'); a binding
# mistake is a logged 500 naming the statement and the name, never a query
# with a wrong or missing value; and `httpd -t` refuses statements that are
# wrong, naming each.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil qw(t_debug);
use File::Spec::Functions qw(catfile);
use File::Temp qw(tempdir);
use Maplat::Test;

# the binding errors this file provokes on purpose (logged, answered 500)
error_log_allow(qr/MAPLAT0103[24]: SQL statement 'maplat_echo_named'/);

plan tests => 26, need(need_pg());
diag_to_stderr();

my $log = catfile(Apache::Test::vars('t_logs'), 'error_log');

# the error log's lines written since offset $from
sub log_since {
    my ($from) = @_;
    open my $fh, '<', $log or return '';
    seek $fh, $from, 0;
    local $/;
    my $text = <$fh>;
    return defined $text ? $text : '';
}

my $URL = '/api/v1/_test/stmt';

my $r = http(GET => $URL);
is($r->{status}, 200, 'a named statement runs') or diag($r->{body});
my $b = $r->{json} || {};
is($b->{doubled}, q{x'%s:yx'%s:y}, 'the value reaches every use of its name, as it is (quote, %s, colon)');
is($b->{literal}, ':text::not_a_param', 'a literal that looks like a parameter stays a literal');
is($b->{percent}, '100%', "a literal '%' is one '%'");

my $from = -s $log || 0;
$r = http(GET => "$URL?case=unknown");
problem_ok($r, 500, undef, 'binding a name the statement does not have');
ok(wait_for(sub { log_since($from) =~ /SQL statement 'maplat_echo_named': unknown parameter 'txet'/ }),
   '... logged, naming the statement and the parameter');

$from = -s $log || 0;
$r = http(GET => "$URL?case=unbound");
is($r->{status}, 500, 'leaving a parameter unbound: 500');
ok(wait_for(sub { log_since($from) =~ /SQL statement 'maplat_echo_named': parameter 'text' is not bound/ }),
   '... logged, naming the statement and the parameter');

$from = -s $log || 0;
$r = http(GET => "$URL?case=column");
is($r->{status}, 200, 'reading an undeclared column: the answer goes on');
ok(($r->{json} || {})->{undeclared_is_null}, '... the value is NULL');
ok(wait_for(sub { log_since($from) =~ /SQL statement 'maplat_echo_named' has no column 'nope'/ }),
   '... and the mistake is logged, naming the statement and the column');

# ---------------------------------------------------------------- start-up
my $httpd    = Apache::Test::vars('httpd');
my $builddir = $ENV{MAPLAT_BUILDDIR} or die "MAPLAT_BUILDDIR not set\n";
my $mpm      = ($ENV{MAPLAT_MPM} || 'event');
my $dir      = tempdir('maplat-statements-t-XXXXXX', TMPDIR => 1, CLEANUP => 1);
mkdir "$dir/logs";
my $file = "$dir/httpd.conf";
open my $fh, '>', $file or die "$file: $!";
print $fh <<"CONF";
ServerRoot "$dir"
ServerName localhost
Listen 127.0.0.1:1
PidFile "$dir/logs/httpd.pid"
ErrorLog "$dir/logs/error_log"
DefaultRuntimeDir "$dir/logs"
LoadModule mpm_${mpm}_module /usr/lib/apache2/modules/mod_mpm_${mpm}.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule dbd_module /usr/lib/apache2/modules/mod_dbd.so
LoadModule maplat_module $builddir/modules/core/.libs/mod_maplat.so
LoadModule maplat_echo_module $builddir/t/modules/.libs/mod_maplat_echo.so
DBDriver pgsql
DBDParams "host=/nonexistent dbname=maplat user=maplat"
CONF
close $fh;

my $out = qx{'$httpd' -t -f '$file' 2>&1};
my $rc = $? >> 8;
t_debug("httpd -t: rc=$rc: $out");
is($rc, 0, 'the echo module\'s statements pass httpd -t') or diag($out);

$out = qx{'$httpd' -t -D MAPLAT_ECHO_BAD_STATEMENTS -f '$file' 2>&1};
$rc = $? >> 8;
t_debug("httpd -t -D MAPLAT_ECHO_BAD_STATEMENTS: rc=$rc: $out");
isnt($rc, 0, 'wrong statements stop httpd -t');
like($out, qr/SQL statement 'maplat_echo_bad_undeclared': the SQL uses :org, which is not declared/,
     'a parameter used but not declared') or diag($out);
like($out, qr/SQL statement 'maplat_echo_bad_unused': parameter 'org' is declared but the SQL does not use :org/,
     'a parameter declared but not used') or diag($out);
like($out, qr/SQL statement 'maplat_echo_bad_quote': unterminated string literal/, 'SQL that does not translate')
    or diag($out);
like($out, qr/SQL statement 'maplat_echo_bad_positional': apr_dbd placeholder %s/, 'a positional placeholder')
    or diag($out);
like($out, qr/SQL statement 'maplat_echo_db' is registered twice/, 'a label registered twice') or diag($out);
like($out, qr/SQL statement 'Maplat_Echo_Upper': a label is lower case/, 'a label that is not lower case')
    or diag($out);
unlike($out, qr/'maplat_echo_named'/, 'the good statements are not named') or diag($out);
