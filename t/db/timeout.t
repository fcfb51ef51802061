# A slow database (SECURITY.md 55): a statement that runs past
# MaplatStatementTimeout is canceled by PostgreSQL, the request gets 503 with
# Retry-After (not a 500), the thread and the connection are free again at
# once, and other requests are served meanwhile. A second httpd with
# MaplatStatementTimeout 500 runs the slow statements (the test-only route
# /api/v1/_test/sleep?seconds=N runs SELECT pg_sleep(N)).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
# statements cancelled by MaplatStatementTimeout on purpose
error_log_allow(qr/MAPLAT01022: database error in maplat_echo_sleep: ERROR:  57014/);
use POSIX ();

plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
diag_to_stderr();

my $s2 = eval { second_httpd(name => 'stmt-timeout', set => "MaplatStatementTimeout 500\n") };
ok($s2, 'a server with MaplatStatementTimeout 500 started') or diag($@);
SKIP: {
    skip 'no second server', 1 unless $s2;
    my $port = $s2->port;

    # a slow request in the background, health checks while it runs
    my $pid = fork // die "fork: $!\n";
    if (!$pid) {
        my $r = http(GET => '/api/v1/_test/sleep?seconds=5', port => $port, timeout => 30);
        POSIX::_exit($r->{status} == 503 ? 0 : 1); # no destructors: the server object is the parent's
    }
    my $slow = http(GET => '/api/v1/_test/sleep?seconds=5', port => $port, timeout => 30);
    is($slow->{status}, 503, 'a statement past the timeout: 503') or diag($slow->{body});
    problem_ok($slow, 503, 'unavailable', 'the 503');
    ok(($slow->{headers}{'retry-after'} // '') =~ /^\d+$/, 'with Retry-After');
    unlike($slow->{body} // '', qr/57014|canceling|statement timeout/i, 'no database detail in the answer');
    is(http(GET => '/api/v1/health', port => $port)->{status}, 200, 'health answers meanwhile');
    waitpid($pid, 0);
    is($? >> 8, 0, 'the concurrent slow request got 503 too');

    # the connections are usable again at once
    my @ok = map { http(GET => '/api/v1/_test/sleep?seconds=0', port => $port)->{status} } 1 .. 4;
    is_deeply(\@ok, [200, 200, 200, 200], 'quick statements right after: 200');
    is(http(GET => '/api/v1/_test/db', port => $port)->{status}, 200, 'and the other statements work');

    # the default limit (15 s) lets a 1-second statement through on the main server
    is(http(GET => '/api/v1/_test/sleep?seconds=1', timeout => 30)->{status}, 200,
       'the main server (default MaplatStatementTimeout): a 1 s statement is fine');

    my $log = do { local (@ARGV, $/) = ($s2->{errlog}); <> } // '';
    like($log, qr/57014/, 'the error log names the SQLSTATE (57014, query canceled)');
    ok($s2->stop, 'server stopped, no child crashed');
}

done_testing();
