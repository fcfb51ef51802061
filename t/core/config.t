# A bad directive value stops httpd at start-up with a message naming the
# directive. Runs `httpd -t` on small configurations that load mod_maplat.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil qw(t_debug);
use File::Temp qw(tempdir);
use Maplat::Test;

my $httpd    = Apache::Test::vars('httpd');
my $builddir = $ENV{MAPLAT_BUILDDIR} or die "MAPLAT_BUILDDIR not set\n";
my $mpm      = ($ENV{MAPLAT_MPM} || 'event');

# [directive line(s), directive name expected in the message]
my @bad = (
    ['MaplatMaxBody abc',                 'MaplatMaxBody'],
    ['MaplatMaxBody 0',                   'MaplatMaxBody'],
    ['MaplatMaxBody -1',                  'MaplatMaxBody'],
    ['MaplatMaxBody 12abc',               'MaplatMaxBody'],
    ['MaplatMaxBody 99999999999999999999999', 'MaplatMaxBody'],
    ['MaplatMaxBody',                     'MaplatMaxBody'],
    ['MaplatCacheTimeout -5',             'MaplatCacheTimeout'],
    ['MaplatCacheTimeout -1',             'MaplatCacheTimeout'],
    ['MaplatCacheTimeout soon',           'MaplatCacheTimeout'],
    ['MaplatCacheRetry -1',               'MaplatCacheRetry'],
    ['MaplatCacheRetry x',                'MaplatCacheRetry'],
    ['MaplatStatementTimeout -1',         'MaplatStatementTimeout'],
    ['MaplatStatementTimeout 5s',         'MaplatStatementTimeout'],
    ['MaplatStatementTimeout 3600001',    'MaplatStatementTimeout'],
    ['MaplatBcryptCost 3',                'MaplatBcryptCost'],
    ['MaplatBcryptCost 32',               'MaplatBcryptCost'],
    ['MaplatBcryptConcurrency 0',         'MaplatBcryptConcurrency'],
    ['MaplatBcryptConcurrency 1025',      'MaplatBcryptConcurrency'],
    ['MaplatBcryptConcurrency many',      'MaplatBcryptConcurrency'],
    ['MaplatCache ""',                    'MaplatCache'],
    ['MaplatCache "--NO-SUCH-OPTION=1"',  'MaplatCache'],
);

plan tests => 2 + 2 * @bad;
diag_to_stderr();

my $dir = tempdir('maplat-config-t-XXXXXX', TMPDIR => 1, CLEANUP => 1);
mkdir "$dir/logs";
{
    open my $kf, '>', "$dir/token.key" or die "$dir/token.key: $!";
    print $kf 'k' x 48, "\n";
    close $kf;
    chmod 0600, "$dir/token.key";
}

sub conf_with {
    my ($lines) = @_;
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
LoadModule maplat_auth_module $builddir/modules/auth/.libs/mod_maplat_auth.so
MaplatTokenKey "$dir/token.key"
DBDriver pgsql
DBDParams "host=/nonexistent dbname=maplat user=maplat"
MaplatCache "--SERVER=127.0.0.1:11211"
$lines
CONF
    close $fh;
    my $out = qx{'$httpd' -t -f '$file' 2>&1};
    my $rc = $? >> 8;
    t_debug("httpd -t ($lines): rc=$rc: $out");
    return ($rc, $out);
}

# the harness itself: a good configuration passes, so a failure below is the directive's
my ($rc, $out) = conf_with("MaplatMaxBody 1048576\nMaplatCacheTimeout 250\nMaplatCacheRetry 2\nMaplatStatementTimeout 0\n"
                           . "MaplatBcryptCost 12\nMaplatBcryptConcurrency 4");
is($rc, 0, 'a valid configuration passes httpd -t') or diag($out);
like($out, qr/Syntax OK/, 'Syntax OK');

for my $c (@bad) {
    my ($line, $name) = @$c;
    ($rc, $out) = conf_with($line);
    isnt($rc, 0, "refused at start-up: $line");
    like($out, qr/\Q$name\E/, "message names $name") or diag($out);
}
