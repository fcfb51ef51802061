# Slow clients (SECURITY.md 59-61) against the configuration conf/maplat.conf
# ships: mod_reqtimeout's RequestReadTimeout, here with short limits on a
# second httpd (header=2-4,MinRate=500 body=2,MinRate=500). A client that
# trickles its headers is answered 408 or disconnected; a body trickled below
# MinRate gets maplat's 408 problem+json (the body reader maps the timeout);
# meanwhile, and with every worker thread busy with slow clients, other
# clients are still served once the timeouts free the threads.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use IO::Socket::INET;
use IO::Select;
use POSIX ();
use Time::HiRes qw(time sleep);
use Maplat::Test;
# slow clients take every worker on purpose (AH00161: prefork, AH00484: event)
error_log_allow(qr/AH00(?:161|484): server reached MaxRequestWorkers/);
# ... and, on the way there, mpm_event's warning that it is close to it
error_log_allow(qr/AH10159: server is within MinSpareThreads of MaxRequestWorkers/);

my ($so) = grep { -f } map { "$_/mod_reqtimeout.so" }
    grep { defined && length } (Apache::Test::vars('libexecdir'), Apache::Test::vars('src_dir'),
                                '/usr/lib/apache2/modules', '/usr/lib64/httpd/modules');
plan skip_all => 'mod_reqtimeout.so not found' unless $so;
plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
diag_to_stderr();

my $s2 = eval {
    second_httpd(name => 'slow-clients', extra => "<IfModule !reqtimeout_module>\nLoadModule reqtimeout_module $so\n"
                 . "</IfModule>\nRequestReadTimeout header=2-4,MinRate=500 body=2,MinRate=500\n")
};
ok($s2, 'a server with RequestReadTimeout header=2-4 body=2 started') or diag($@);
SKIP: {
    skip 'no second server', 1 unless $s2;
    my $port = $s2->port;

    my $connect_to = sub {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp', Timeout => 5)
            or die "connect: $!\n";
        binmode $s;
        $s->autoflush(1);
        return $s;
    };

    # sends $head, then one byte of $drip a second until the server answers or
    # closes (or 60 s pass: the timeouts are 2-4 s, the rest is for a loaded
    # machine); returns what the server sent
    my $trickle = sub {
        my ($head, $drip) = @_;
        my $s = $connect_to->();
        local $SIG{PIPE} = 'IGNORE';
        print $s $head;
        my $sel = IO::Select->new($s);
        my ($got, $i) = ('', 0);
        my $deadline = time + 60;
        while (time < $deadline) {
            if ($sel->can_read(1)) {
                my $n = sysread($s, my $buf, 65536);
                last unless $n;    # closed
                $got .= $buf;
                next;
            }
            last unless print $s substr($drip, $i++ % length($drip), 1);
        }
        close $s;
        return $got;
    };

    # ---------------------------------------------------------------- slowloris
    my $got = $trickle->("GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n", 'X-Slow: aaaaaaaa');
    ok($got eq '' || $got =~ m{^HTTP/1\.[01] 408 }, 'headers trickled: 408 or closed')
        or diag(substr($got, 0, 300));
    unlike($got, qr{^HTTP/1\.[01] 200 }, '... never served');

    # ---------------------------------------------------------------- slow POST body
    $got = $trickle->("POST /api/v1/_test/echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                   . "Content-Length: 4000\r\n\r\n{\"a\":\"", 'b');
    like($got, qr{^HTTP/1\.[01] 408 }, 'a body below MinRate: 408');
    like($got, qr{\r\n\r\n\{.*"status":\s*408}s, '... as problem+json from maplat');

    # ---------------------------------------------------------------- every thread busy
    # 16 worker threads (2 children x 4 threads in the test configuration; MaxRequestWorkers 16):
    # 24 connections that send half a request line each, then a normal client
    my @slow = map { my $s = $connect_to->(); print $s "GET /api/v1/hea"; $s } 1 .. 24;
    # served once header timeouts free the workers (2 s each, two rounds of slow
    # connections ahead of it): seconds, more on a loaded machine
    my $r = http(GET => '/api/v1/health', port => $port, timeout => 90);
    is($r->{status}, 200, 'a normal request is served while slow clients hold the threads');
    my $closed = 0;
    for my $s (@slow) {
        my $sel = IO::Select->new($s);
        if ($sel->can_read(60)) {
            my $n = sysread($s, my $buf, 4096);
            $closed++ if !$n || $buf =~ m{^HTTP/1\.[01] 408 };
        }
        close $s;
    }
    is($closed, scalar @slow, 'every slow connection was answered 408 or closed');
    is(http(GET => '/api/v1/health', port => $port)->{status}, 200, 'served normally afterwards');
    ok($s2->stop, 'server stopped, no child crashed');
}

done_testing();
