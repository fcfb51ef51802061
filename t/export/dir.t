# MaplatExportDir that is, or becomes, unusable (docs/export.md "The export
# directory"): httpd keeps running, readiness reports export_workers
# "unavailable" (status degraded, still 200), the error log says why, and no
# job is claimed (they stay pending instead of failing); once the directory is
# usable again readiness is "ok" and the jobs complete.
#   1. the directory turns read-only under the running server (a remount,
#      a wrong owner): the probe really creates a file as httpd's user;
#   2. a graceful restart while the directory is gone (a lost mount) leaves
#      the server up — the same parent, answering throughout.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Time::HiRes ();
use Maplat::Test;
# bad export folders on purpose
error_log_allow(qr/MAPLAT040(?:03|32): MaplatExportDir /);
use Maplat::Api;
use Maplat::Export;

plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
plan skip_all => 'as root every directory is writable' if $> == 0;
plan tests => 23;
diag_to_stderr();

my $admin  = token('admin@acme.example');
my $dir    = export_dir();
my $errlog = server_root() . '/logs/error_log';

sub ready { my $r = http(GET => '/api/v1/health/ready'); return ($r->{status}, $r->{json} || {}) }
sub export_state { my (undef, $j) = ready(); return $j->{checks}{export_workers} // '' }
# the test server's children that run export workers: mod_watchdog's threads
# make them multi-threaded (mod_cgid's daemon, also a child, has one thread)
sub worker_children {
    my ($parent) = @_;
    return () unless $parent;
    opendir(my $dh, '/proc') or return ();
    my @kids;
    for my $p (grep { /^\d+$/ } readdir $dh) {
        next unless (ppid_of($p) // 0) == $parent && alive($p);
        open my $fh, '<', "/proc/$p/status" or next;
        my ($threads) = map { /^Threads:\s+(\d+)/ ? $1 : () } <$fh>;
        close $fh;
        push @kids, $p if ($threads // 0) > 1;
    }
    closedir $dh;
    return @kids;
}

sub log_since {
    my ($offset) = @_;
    open my $fh, '<', $errlog or return '';
    seek $fh, $offset, 0;
    local $/;
    my $l = <$fh> // '';
    close $fh;
    return $l;
}

ok(wait_for(sub { db_value("SELECT count(*) FROM export_jobs WHERE status IN ('pending', 'processing')"
                           . " AND run_after <= now()") == 0 }, timeout => 120),
   'the queue is empty before the test');
is(export_state(), 'ok', 'export_workers: ok to begin with');

# ------------------------------------------------------------ 1. read-only under a running server
my $at = -s $errlog // 0;
chmod 0555, $dir or die "chmod $dir: $!";
my $restore = 1;
END { chmod 0755, $dir if $restore }

my ($status, $ready) = ready();
is($status, 200, 'readiness still answers 200 with a read-only directory');
is($ready->{checks}{export_workers}, 'unavailable', '... export_workers "unavailable"');
is($ready->{status}, 'degraded', '... status degraded');
ok(wait_for(sub { log_since($at) =~ /MaplatExportDir \Q$dir\E: not writable by httpd's user/ }, timeout => 60),
   'the error log says the directory is not writable');
my $job = export_create($admin, { type => 'deals', format => 'csv' });
# Every child runs export workers and logs MAPLAT04032 when it first finds the
# directory unusable (probed every 2 s, and at child start); from then on it
# claims nothing. Wait until every child has (on a loaded machine a watchdog
# thread may run late), and two probe periods at least: a worker that claimed
# the job regardless would have failed it by then.
my $created = Time::HiRes::time();
my $all_saw = wait_for(sub {
    my %saw = map { $_ => 1 } log_since($at) =~ /\[pid (\d+)[^\]]*\][^\n]*MAPLAT04032: MaplatExportDir \Q$dir\E/g;
    my @kids = worker_children(httpd_pid());
    @kids && !grep { !$saw{$_} } @kids;
}, timeout => 60, interval => 0.5);
diag('not every httpd child reported the read-only directory within 60 s') unless $all_saw;
my $rest = $created + 4 - Time::HiRes::time();
Time::HiRes::sleep($rest) if $rest > 0;
my $j = job_get($admin, $job->{id});
is($j->{status}, 'pending', 'a job created meanwhile waits (pending, not failed)') or diag(explain $j);
is($j->{attempts}, 0, '... no attempt spent');
opendir my $dh, $dir or die "$dir: $!";
is(scalar(grep { /\Q$job->{id}\E/ } readdir $dh), 0, 'nothing of it was written');
closedir $dh;

chmod 0755, $dir or die "chmod $dir: $!";
ok(wait_for(sub { export_state() eq 'ok' }, timeout => 60), 'writable again: export_workers ok');
$j = wait_job($admin, $job->{id}, qr/^(completed|failed)$/, timeout => 120);
is($j->{status}, 'completed', 'the waiting job completes') or diag(explain $j);
is($j->{attempts}, 1, '... in one attempt');
ok(wait_for(sub { log_since($at) =~ /MaplatExportDir \Q$dir\E is writable again/ }, timeout => 60),
   'the error log says exports resume');

# ------------------------------------------------------------ 2. graceful restart without the directory
my $parent = httpd_pid();
ok($parent && alive($parent), "the test server's parent ($parent)");
my $away = "$dir.away-$$";
rename $dir, $away or die "rename $dir: $!";
END { rename $away, $dir if $away && -d $away && !-e $dir }
$at = -s $errlog // 0;
kill 'USR1', $parent;    # apachectl -k graceful

my ($asked, @bad, $restarted) = (0);
my $deadline = time + 120;
while (time < $deadline) {
    my $r = http(GET => '/api/v1/health', timeout => 30);
    $asked++;
    push @bad, $r->{status} || $r->{error} unless $r->{status} == 200;
    $restarted ||= log_since($at) =~ /resuming normal operations/;
    last if $restarted && $asked >= 10;
    Time::HiRes::sleep(0.2);
}
ok($restarted, 'the graceful restart happened ("resuming normal operations")');
is(httpd_pid(), $parent, 'the same parent: the missing directory did not stop httpd');
ok(alive($parent), '... which is alive');
is_deeply(\@bad, [], "the server answered every one of $asked requests");
like(log_since($at), qr/MaplatExportDir \Q$dir\E: not an existing directory/,
     'the error log names the missing directory');
($status, $ready) = ready();
is($status, 200, 'readiness answers 200');
is($ready->{checks}{export_workers}, 'unavailable', '... with export_workers "unavailable"');

$job = export_create($admin, { type => 'deals', format => 'csv' });
rename $away, $dir or die "rename $away: $!";
ok(wait_for(sub { export_state() eq 'ok' }, timeout => 60), 'the directory is back: export_workers ok');
$j = wait_job($admin, $job->{id}, qr/^(completed|failed)$/, timeout => 120);
is($j->{status}, 'completed', 'and exports complete') or diag(explain $j);
