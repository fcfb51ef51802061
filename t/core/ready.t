# GET /api/v1/health/ready against real dependencies:
#   both up                      -> 200 ready
#   PostgreSQL stopped           -> 503 unavailable (database: unavailable)
#   PostgreSQL started again     -> 200 without restarting httpd
#   memcached stopped            -> 200 degraded (cache: unavailable), requests answered fast
#   memcached started again      -> 200 ready
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Time::HiRes qw(time);
use Maplat::Test;

plan tests => 28, need(need_pg(), need_mc());
diag_to_stderr();

sub ready { http(GET => '/api/v1/health/ready') }

# polls until the answer is there: the deadlines are generous (a loaded machine
# with a -O0 coverage build), the wait ends as soon as the state is reached
sub wait_ready_status {
    my ($status, $body_status, $timeout) = @_;
    my $last;
    wait_for(sub {
        $last = ready();
        $last->{status} == $status && ref $last->{json} eq 'HASH'
            && ($last->{json}{status} // '') eq $body_status;
    }, timeout => $timeout || 120, interval => 0.5);
    return $last;
}

# ---------------------------------------------------------------- all up
my $r = wait_ready_status(200, 'ready');
is($r->{status}, 200, 'ready: 200 with PostgreSQL and memcached up')
    or diag($r->{body} // $r->{error});
is($r->{json}{status}, 'ready', 'status ready');
is($r->{json}{checks}{database}, 'ok', 'database ok');
is($r->{json}{checks}{cache}, 'ok', 'cache ok');
common_headers_ok($r, 'ready');

# warm up the pooled database connections in every child, so that the restart
# below really exercises connections that died under httpd
http(GET => '/api/v1/_test/db') for 1 .. 8;

# ---------------------------------------------------------------- PostgreSQL down
my $pg_stopped = eval { pg_stop() };
ok($pg_stopped, 'PostgreSQL stopped') or diag($@);
{
    $r = wait_ready_status(503, 'unavailable');
    is($r->{status}, 503, 'ready: 503 while PostgreSQL is down')
        or diag($r->{body} // $r->{error});
    is($r->{json}{status}, 'unavailable', 'status unavailable');
    is($r->{json}{checks}{database}, 'unavailable', 'database unavailable');

    my $h = http(GET => '/api/v1/health');
    is($h->{status}, 200, '/health still 200 (no dependency checks)');

    my $d = http(GET => '/api/v1/_test/db');
    is($d->{status}, 503, 'a request needing the database: 503');
    is(ref $d->{json} eq 'HASH' ? $d->{json}{code} : undef, 'unavailable', '... code unavailable');
}

# ---------------------------------------------------------------- PostgreSQL back
my $pg_started = eval { pg_start() };
ok($pg_started, 'PostgreSQL started again') or diag($@);
{
    # a few retries: pooled connections are found dead and replaced
    $r = wait_ready_status(200, 'ready');
    is($r->{status}, 200, 'ready: 200 again without restarting httpd')
        or diag($r->{body} // $r->{error});
    is($r->{json}{checks}{database}, 'ok', 'database ok again');
    my @st = map { http(GET => '/api/v1/_test/db')->{status} } 1 .. 12;
    my $ok = grep { $_ == 200 } @st;
    diag("GET /api/v1/_test/db after the restart: @st") if $ok < 12;
    # the first request of a child may still meet a dead pooled connection;
    # after the ready check succeeded, nearly all must pass and the last must
    cmp_ok($ok, '>=', 10, "database requests succeed again ($ok/12)");
    is(http(GET => '/api/v1/_test/db')->{status}, 200, 'database request 200');
}

# ---------------------------------------------------------------- memcached down
my $mc_stopped = eval { mc_stop() };
ok($mc_stopped, 'memcached stopped') or diag($@);
{
    $r = wait_ready_status(200, 'degraded');
    is($r->{status}, 200, 'ready: still 200 with memcached down')
        or diag($r->{body} // $r->{error});
    is($r->{json}{status}, 'degraded', 'status degraded');
    is($r->{json}{checks}{cache}, 'unavailable', 'cache unavailable');
    is($r->{json}{checks}{database}, 'ok', 'database ok');

    my $t0 = time;
    my @st = map { http(GET => '/api/v1/health/ready')->{status} } 1 .. 10;
    my $elapsed = time - $t0;
    is(scalar(grep { $_ == 200 } @st), 10, 'requests still answered with memcached down')
        or diag("statuses: @st");
    # MaplatCacheTimeout + MaplatCacheRetry: a dead server must never stall. A stall
    # is seconds per request; a readiness check on a loaded machine is well under 1 s
    cmp_ok($elapsed, '<', 20, sprintf('10 requests in %.2fs (no stalls; < 20 s)', $elapsed));
}

# ---------------------------------------------------------------- memcached back
my $mc_started = eval { mc_start() };
ok($mc_started, 'memcached started again') or diag($@);
{
    # MaplatCacheRetry is 2 s in the test config
    $r = wait_ready_status(200, 'ready');
    is($r->{json}{status}, 'ready', 'ready again once memcached is back')
        or diag($r->{body} // $r->{error});
    is($r->{json}{checks}{cache}, 'ok', 'cache ok again');
}

# leave the servers running for the tests after this one, whatever happened
END {
    eval { pg_start() } if have_pg() && !$pg_started;
    eval { mc_start() } if have_mc() && !$mc_started;
}
