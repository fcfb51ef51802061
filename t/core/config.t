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
my $API      = "LoadModule maplat_api_module $builddir/modules/api/.libs/mod_maplat_api.so";

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
    ['MaplatConcurrency -1',              'MaplatConcurrency'],
    ['MaplatConcurrency many',            'MaplatConcurrency'],
    ['MaplatConcurrency 100001',          'MaplatConcurrency'],
    ['MaplatBcryptCost 3',                'MaplatBcryptCost'],
    ['MaplatBcryptCost 32',               'MaplatBcryptCost'],
    ['MaplatBcryptConcurrency 0',         'MaplatBcryptConcurrency'],
    ['MaplatBcryptConcurrency 1025',      'MaplatBcryptConcurrency'],
    ['MaplatBcryptConcurrency many',      'MaplatBcryptConcurrency'],
    ['MaplatCache ""',                    'MaplatCache'],
    ['MaplatCache "--NO-SUCH-OPTION=1"',  'MaplatCache'],
    ['MaplatJSONMaxDepth 0',              'MaplatJSONMaxDepth'],
    ['MaplatJSONMaxDepth deep',           'MaplatJSONMaxDepth'],
    ['MaplatRateLimit login 0 60',        'MaplatRateLimit'],
    ['MaplatRateLimit login 10 86401',    'MaplatRateLimit'],
    ['MaplatRateLimit nosuch 10 60',      'MaplatRateLimit'],
    ['MaplatTokenTTL 59',                 'MaplatTokenTTL'],
    ['MaplatTokenTTL 15m',                'MaplatTokenTTL'],
    ['MaplatRefreshTTL 299',              'MaplatRefreshTTL'],
    ['MaplatTokenIssuer ""',              'MaplatTokenIssuer'],
    ['MaplatTokenAudience ""',            'MaplatTokenAudience'],
    ['MaplatCORSAllowOrigin "*"',         'MaplatCORSAllowOrigin'],
    ["<Location /x>\nMaplatIdentityHeaders maybe\n</Location>", 'MaplatIdentityHeaders'],
    ["$API\nMaplatCacheTTL dashboard 0", 'MaplatCacheTTL'],
    ["$API\nMaplatCacheTTL nosuch 60",   'MaplatCacheTTL'],
);

# One directive-parsing idiom in every module (modules/include/maplat_directive.h):
# a setting given twice is refused at start-up, naming the directive.
# [the directive line, given twice; the message expected]
my @twice = (
    ['MaplatCache "--SERVER=127.0.0.1:11212"', 'MaplatCache is duplicate'],
    ['MaplatCacheTimeout 250',                 'MaplatCacheTimeout is duplicate'],
    ['MaplatCacheRetry 2',                     'MaplatCacheRetry is duplicate'],
    ['MaplatMaxBody 1048576',                  'MaplatMaxBody is duplicate'],
    ['MaplatJSONMaxDepth 32',                  'MaplatJSONMaxDepth is duplicate'],
    ['MaplatStatementTimeout 0',               'MaplatStatementTimeout is duplicate'],
    ['MaplatConcurrency 4',                    'MaplatConcurrency is duplicate'],
    ['MaplatRateLimit login 10 900',           'MaplatRateLimit login is duplicate'],
    ['MaplatTokenTTL 900',                     'MaplatTokenTTL is duplicate'],
    ['MaplatRefreshTTL 3600',                  'MaplatRefreshTTL is duplicate'],
    ['MaplatTokenIssuer maplat',               'MaplatTokenIssuer is duplicate'],
    ['MaplatTokenAudience maplat-api',         'MaplatTokenAudience is duplicate'],
    ['MaplatBcryptCost 12',                    'MaplatBcryptCost is duplicate'],
    ['MaplatBcryptConcurrency 4',              'MaplatBcryptConcurrency is duplicate'],
    ['MaplatCacheTTL dashboard 60',            'MaplatCacheTTL dashboard is duplicate', $API],
);

plan tests => 2 + 2 * @bad + 2 * @twice + 4 + 13 + 7;
diag_to_stderr();

my $dir = tempdir('maplat-config-t-XXXXXX', TMPDIR => 1, CLEANUP => 1);
mkdir "$dir/logs";
{
    open my $kf, '>', "$dir/token.key" or die "$dir/token.key: $!";
    print $kf 'k' x 48, "\n";
    close $kf;
    chmod 0600, "$dir/token.key";
    open my $kf2, '>', "$dir/token2.key" or die "$dir/token2.key: $!";
    print $kf2 'q' x 48, "\n";
    close $kf2;
    chmod 0600, "$dir/token2.key";
}

sub conf_with {
    my ($lines, %o) = @_;
    my $dbd = $o{no_dbd} ? '' : "LoadModule dbd_module /usr/lib/apache2/modules/mod_dbd.so";
    my $dbd_conf = $o{no_dbd} ? '' : qq{DBDriver pgsql\nDBDParams "host=/nonexistent dbname=maplat user=maplat"};
    my $file = "$dir/httpd.conf";
    # the base configuration sets MaplatCache: not when the lines test it
    my $cache = $lines =~ /^MaplatCache\s/m ? '' : 'MaplatCache "--SERVER=127.0.0.1:11211"';
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
$dbd
LoadModule maplat_module $builddir/modules/core/.libs/mod_maplat.so
LoadModule maplat_auth_module $builddir/modules/auth/.libs/mod_maplat_auth.so
MaplatTokenKey "$dir/token.key"
$dbd_conf
$cache
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

for my $c (@twice) {
    my ($line, $msg, $pre) = @$c;
    my $lines = ($pre ? "$pre\n" : '') . "$line\n$line";
    ($rc, $out) = conf_with($lines);
    isnt($rc, 0, "refused at start-up: $line, twice");
    like($out, qr/\Q$msg\E/, "... '$msg'") or diag($out);
}
# MaplatIdentityHeaders is per directory: twice in one <Location> is refused, once
# in each of two is not
($rc, $out) = conf_with("<Location /a>\nMaplatIdentityHeaders On\nMaplatIdentityHeaders Off\n</Location>");
isnt($rc, 0, 'refused at start-up: MaplatIdentityHeaders twice in one <Location>');
like($out, qr/MaplatIdentityHeaders is duplicate/, "... 'MaplatIdentityHeaders is duplicate'") or diag($out);
($rc, $out) = conf_with("<Location /a>\nMaplatIdentityHeaders On\n</Location>\n<Location /a/b>\nMaplatIdentityHeaders Off\n</Location>\n"
                        . "$API\nMaplatCacheTTL dashboard 60\nMaplatCacheTTL financial 60\nMaplatRateLimit login 5 60\n"
                        . "MaplatRateLimit moderation 5 60\nMaplatTokenKey \"$dir/token2.key\"");
is($rc, 0, 'one per context, per answer, per limit (and a second MaplatTokenKey) pass') or diag($out);
like($out, qr/Syntax OK/, '... Syntax OK');

# ---------------------------------------------------------------- configtest sees what stops start-up
# `httpd -t` runs no post_config: what stops httpd must be checked before
# (check_config), so configtest fails with the same message.
($rc, $out) = conf_with('', no_dbd => 1);
isnt($rc, 0, 'without mod_dbd: httpd -t fails');
like($out, qr/mod_maplat needs mod_dbd/, '... saying so') or diag($out);

my $src = $ENV{MAPLAT_SRCDIR} or die "MAPLAT_SRCDIR not set\n";
sub export_conf {
    my ($export_dir, $templates) = @_;
    return "LoadModule maplat_export_module $builddir/modules/export/.libs/mod_maplat_export.so\n"
         . "MaplatExportDir \"$export_dir\"\nMaplatTemplateDir \"$templates\"\nMaplatExportWorkers 2";
}
mkdir "$dir/exports";
($rc, $out) = conf_with(export_conf("$dir/exports", "$src/templates"));
is($rc, 0, 'export module with a writable directory: httpd -t passes') or diag($out);
unlike($out, qr/MaplatExportDir/, '... without a word about it');

($rc, $out) = conf_with(export_conf("$dir/exports", "$dir/no-templates"));
isnt($rc, 0, 'a missing MaplatTemplateDir: httpd -t fails');
like($out, qr/MaplatTemplateDir \Q$dir\E\/no-templates: not an existing directory/, '... naming it') or diag($out);
mkdir "$dir/empty-templates";
($rc, $out) = conf_with(export_conf("$dir/exports", "$dir/empty-templates"));
isnt($rc, 0, 'a MaplatTemplateDir without the built-in templates: httpd -t fails');
like($out, qr/MaplatTemplateDir .*built-in template document\.xml is missing/, '... naming the template') or diag($out);

# A missing or read-only export directory does not stop httpd (a lost mount
# must not take a server down at a graceful restart): configtest passes but
# says what is wrong, as start-up does (t/export/dir.t: readiness, restarts).
($rc, $out) = conf_with(export_conf("$dir/no-exports", "$src/templates"));
is($rc, 0, 'a missing MaplatExportDir: httpd -t passes (httpd would run, without exports)') or diag($out);
like($out, qr/MaplatExportDir \Q$dir\E\/no-exports: not an existing directory.*no export is rendered/,
     '... and says the directory does not exist') or diag($out);
SKIP: {
    skip 'as root every directory is writable', 2 if $> == 0;
    chmod 0555, "$dir/exports";
    ($rc, $out) = conf_with(export_conf("$dir/exports", "$src/templates"));
    chmod 0755, "$dir/exports";
    is($rc, 0, 'a read-only MaplatExportDir: httpd -t passes');
    like($out, qr/MaplatExportDir \Q$dir\E\/exports: not writable by httpd's user \(creating a file: Permission denied\)/,
         '... and says it is not writable (a file was really tried)') or diag($out);
}
# MaplatExportMaxRows: rows of a deals PDF/DOCX (1..1000000)
for my $v ('0', 'many', '1000001') {
    ($rc, $out) = conf_with(export_conf("$dir/exports", "$src/templates") . "\nMaplatExportMaxRows $v");
    isnt($rc, 0, "MaplatExportMaxRows $v: refused");
    like($out, qr/MaplatExportMaxRows: '\Q$v\E' is not a number of rows/, '... naming the directive') or diag($out);
}
($rc, $out) = conf_with(export_conf("$dir/exports", "$src/templates") . "\nMaplatExportMaxRows 5");
is($rc, 0, 'MaplatExportMaxRows 5: accepted') or diag($out);

opendir my $dh, "$dir/exports" or die;
is(scalar(grep { !/^\.\.?$/ } readdir $dh), 0, 'the probe leaves no file behind');
