# The file store's directives (docs/admin-guide.md "Documents as files"): a bad value or
# a duplicate stops httpd at start-up naming the directive; a missing or read-only
# store does not stop it (a lost mount must not take a server down at a graceful
# restart) but `httpd -t` says what is wrong. Runs `httpd -t` on small configurations.
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

my @bad = (
    ['MaplatFileMaxSize abc',       'MaplatFileMaxSize'],
    ['MaplatFileMaxSize 0',         'MaplatFileMaxSize'],
    ['MaplatFileMaxSize -1',        'MaplatFileMaxSize'],
    ['MaplatFileMaxSize 10X',       'MaplatFileMaxSize'],
    ['MaplatFileMaxSize 2048G',     'MaplatFileMaxSize'],
    ['MaplatFileMaxSize 1MB',       'MaplatFileMaxSize'],
    ['MaplatFileQuota -1',          'MaplatFileQuota'],
    ['MaplatFileQuota lots',        'MaplatFileQuota'],
    ['MaplatFileGrace 0',           'MaplatFileGrace'],
    ['MaplatFileGrace 1h',          'MaplatFileGrace'],
    ['MaplatFileWatermark maybe',   'MaplatFileWatermark'],
    ['MaplatFileStore ""',          'MaplatFileStore'],
    ["MaplatFileMaxSize 1M\nMaplatFileMaxSize 2M", 'MaplatFileMaxSize is duplicate'],
    ["MaplatFileQuota 1G\nMaplatFileQuota 2G",     'MaplatFileQuota is duplicate'],
    ["MaplatFileWatermark On\nMaplatFileWatermark Off", 'MaplatFileWatermark is duplicate'],
    ["MaplatFileGrace 60\nMaplatFileGrace 60",     'MaplatFileGrace is duplicate'],
    ["MaplatFileStore /tmp\nMaplatFileStore /tmp", 'MaplatFileStore is duplicate'],
);

plan tests => 2 + 2 * @bad + 5;
diag_to_stderr();

my $dir = tempdir('maplat-files-config-t-XXXXXX', TMPDIR => 1, CLEANUP => 1);
mkdir "$dir/logs";
mkdir "$dir/store";
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
LoadModule maplat_api_module $builddir/modules/api/.libs/mod_maplat_api.so
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

my ($rc, $out) = conf_with("MaplatFileStore \"$dir/store\"\nMaplatFileMaxSize 100M\nMaplatFileQuota 10G\n"
                           . "MaplatFileWatermark Off\nMaplatFileGrace 86400");
is($rc, 0, 'a valid configuration passes httpd -t') or diag($out);
unlike($out, qr/MaplatFileStore/, '... without a word about the store');

for my $c (@bad) {
    my ($line, $name) = @$c;
    ($rc, $out) = conf_with($line);
    isnt($rc, 0, "refused at start-up: $line");
    like($out, qr/\Q$name\E/, "message names $name") or diag($out);
}

($rc, $out) = conf_with("MaplatFileStore \"$dir/no-store\"");
is($rc, 0, 'a missing MaplatFileStore: httpd -t passes (httpd would run, uploads answer 503)') or diag($out);
like($out, qr/MaplatFileStore \Q$dir\E\/no-store: not an existing directory/, '... and says so') or diag($out);
SKIP: {
    skip 'as root every directory is writable', 2 if $> == 0;
    chmod 0555, "$dir/store";
    ($rc, $out) = conf_with("MaplatFileStore \"$dir/store\"");
    chmod 0755, "$dir/store";
    is($rc, 0, 'a read-only MaplatFileStore: httpd -t passes');
    like($out, qr/MaplatFileStore \Q$dir\E\/store: not writable by httpd's user/, '... and says it is not writable')
        or diag($out);
}
opendir my $dh, "$dir/store" or die;
is(scalar(grep { !/^\.\.?$/ } readdir $dh), 0, 'the probe leaves no file behind');
