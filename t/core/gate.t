# MaplatConcurrency (modules/common/gate.c): the API reads of one httpd child run
# at most N at a time, the others wait their turn; writes never wait at the gate.
# A second httpd with one child of 4 threads and MaplatConcurrency 1 serves
# GET /api/v1/_test/sleep?seconds=N (a read that runs SELECT pg_sleep(N)).
# Under mpm_prefork a child has one thread: nothing can wait, the gate is off.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use POSIX ();
use Time::HiRes qw(time);

plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
plan skip_all => 'mpm_prefork: one thread per child, the gate is off'
    if ($ENV{MAPLAT_MPM} || 'event') eq 'prefork';
diag_to_stderr();

my $s2 = eval {
    second_httpd(name => 'gate', set => join('', map { "$_\n" } 'MaplatConcurrency 1',
        # after the suite's <IfModule mpm_event_module> block: one child of 4 threads
        'StartServers 1', 'ServerLimit 1', 'ThreadsPerChild 4', 'MaxRequestWorkers 4',
        'MinSpareThreads 1', 'MaxSpareThreads 4'))
};
ok($s2, 'a server with one child of 4 threads and MaplatConcurrency 1 started') or diag($@);

SKIP: {
    skip 'no second server', 5 unless $s2;
    my $port = $s2->port;
    my $SLEEP = 1.5;

    # three reads at once, each 1.5 s of database time: one at a time, so the
    # last one ends after three times that (at once they would all end at 1.5 s)
    my $t0 = time;
    my %kids;
    for my $i (1 .. 3) {
        pipe(my $rd, my $wr) or die "pipe: $!\n";
        my $pid = fork // die "fork: $!\n";
        if (!$pid) {
            close $rd;
            my $r = http(GET => "/api/v1/_test/sleep?seconds=$SLEEP", port => $port, timeout => 120);
            print $wr "$r->{status} " . time . "\n";
            close $wr;
            POSIX::_exit(0);    # no destructors: the server object is the parent's
        }
        close $wr;
        $kids{$pid} = $rd;
    }

    # a write meanwhile (POST: not held by the gate) is answered while the reads wait
    my $w = api(POST => '/api/v1/_test/echo', { a => 1 }, undef, port => $port, timeout => 120);
    my $write_done = time;
    is($w->{status}, 200, 'a write while the reads wait: 200') or diag($w->{body});

    my (@status, @ends);
    for my $pid (keys %kids) {
        my $rd = $kids{$pid};
        my $line = <$rd> // '0 0';
        close $rd;
        waitpid($pid, 0);
        my ($st, $end) = split ' ', $line;
        push @status, $st;
        push @ends, $end;
    }
    @ends = sort { $a <=> $b } @ends;
    is_deeply(\@status, [200, 200, 200], 'the three reads answered 200');
    my $last = $ends[-1] - $t0;
    # serialized: >= 3 x 1.5 s (minus a little for clocks); concurrent: about 1.5 s
    cmp_ok($last, '>=', 3 * $SLEEP - 0.3, sprintf('the reads ran one at a time (the last ended after %.1f s)', $last));
    cmp_ok($ends[1] - $ends[0], '>=', $SLEEP - 0.3, 'the second read ended a turn after the first');
    cmp_ok($write_done, '<', $ends[-1], 'the write did not wait for the reads');
}

done_testing();
