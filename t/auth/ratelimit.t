# Login rate limiting (API.md; SECURITY.md 14, 15, 56, 62; MaplatRateLimit login 10 900):
#   10 failures for one e-mail (case / space variants counting together) ->
#     the 11th attempt 429 with Retry-After, even with the right password;
#     other accounts unaffected
#   10 failures from one client address (different e-mails) -> the same
#   failures on two httpd servers sharing memcached count together
#   memcached stopped -> the limit still holds (PostgreSQL's audit log)
#   a short window (a server with MaplatRateLimit login 3 10) -> allowed again
#     once Retry-After has passed
#
# Every "client" is its own loopback address (127.x.y.z) and every account a
# fresh one, so this file neither depends on nor disturbs the others.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Time::HiRes qw(time sleep);
use Maplat::Test;
use Maplat::Auth;

plan tests => 43, need(need_pg(), need_mc());
diag_to_stderr();

my $WINDOW = 900;

# The limiter weighs the previous fixed window by its overlap: a series of
# failures that straddles a window boundary counts a little less than its
# length (and then is not limited). Start each series well inside a window:
# $need seconds must be left, far more than the series takes on a loaded machine.
sub clear_of_window_edge {
    my ($need, $window) = @_;
    $window //= $WINDOW;
    my $left = $window - (time % $window);
    if ($left < $need) {
        diag(sprintf 'waiting %.0f s for the next rate-limit window', $left + 1);
        sleep $left + 1;
    }
}

sub limited_ok {
    my ($r, $name) = @_;
    return Test::More::subtest($name => sub {
        Test::More::plan(tests => 9);
        problem_ok($r, 429, 'rate_limited', $name);
        my $ra = $r->{headers}{'retry-after'} // '';
        like($ra, qr/^\d+$/, "$name: Retry-After in seconds");
        ok($ra =~ /^\d+$/ && $ra >= 1 && $ra <= 2 * $WINDOW, "$name: Retry-After $ra within 1..1800");
    });
}

# n failed logins; each 401 (one assertion)
sub fail_n {
    my ($n, $name, $make) = @_;
    my @st;
    for my $i (1 .. $n) {
        my $r = $make->($i);
        push @st, $r->{status};
    }
    my $bad = grep { $_ != 401 } @st;
    ok(!$bad, "$name: $n failures, each 401") or diag("statuses: @st");
}

# ---------------------------------------------------------------- per e-mail
clear_of_window_edge(60);
my $u = create_user(tag => 'rl-email');
my @variants = ($u->{email}, uc $u->{email}, "  $u->{email}", "$u->{email} ", ucfirst $u->{email});
fail_n(10, 'per e-mail (case and space variants)',
       sub { login($variants[$_[0] % @variants], "wrong-password-$_[0]") });
limited_ok(login($u->{email}, $u->{password}), 'per e-mail: 11th attempt, right password');
limited_ok(login(uc $u->{email}, $u->{password}), 'per e-mail: again, another spelling');
my $other = create_user(tag => 'rl-other');
is(login($other->{email}, $other->{password})->{status}, 200, 'per e-mail: another account is not limited');

# an unknown e-mail is limited the same way (no enumeration through 429s)
clear_of_window_edge(60);
my $ghost = unique_email('rl-ghost');
fail_n(10, 'unknown e-mail', sub { login($ghost, "pw-$_[0]") });
limited_ok(login($ghost, 'pw-11'), 'unknown e-mail: 11th attempt');

# ---------------------------------------------------------------- per address
clear_of_window_edge(60);
my $addr = fresh_addr();
fail_n(10, 'per address (10 e-mails)', sub { login(unique_email('rl-addr'), 'whatever-password', local_addr => $addr) });
my $ua = create_user(tag => 'rl-addr-ok');
limited_ok(login($ua->{email}, $ua->{password}, local_addr => $addr), 'per address: 11th attempt, right password');
is(login($ua->{email}, $ua->{password})->{status}, 200, 'per address: the same account from another address: 200');
my $ok_from_addr = http(GET => '/api/v1/health', local_addr => $addr);
is($ok_from_addr->{status}, 200, 'per address: the address can still use the rest of the API');

# successful logins do not count
my $addr2 = fresh_addr();
my $uok = create_user(tag => 'rl-success');
my @st = map { login($uok->{email}, $uok->{password}, local_addr => $addr2)->{status} } 1 .. 12;
ok(!grep({ $_ != 200 } @st), '12 successful logins from one address: all 200') or diag("@st");

# ---------------------------------------------------------------- two servers
my $s2 = eval { second_httpd(name => 'rl') };
ok($s2, 'second httpd started (same PostgreSQL and memcached)') or diag($@);
SKIP: {
    skip 'no second httpd', 12 unless $s2;
    my $p2 = $s2->port;
    clear_of_window_edge(60);
    my $v = create_user(tag => 'rl-two');
    fail_n(5, 'two servers: on server 1', sub { login($v->{email}, "wrong-$_[0]") });
    fail_n(5, 'two servers: on server 2', sub { login(uc $v->{email}, "wrong-$_[0]", port => $p2) });
    limited_ok(login($v->{email}, $v->{password}), 'two servers: 11th attempt on server 1');
    limited_ok(login($v->{email}, $v->{password}, port => $p2), 'two servers: 11th attempt on server 2');

    clear_of_window_edge(60);
    my $b = fresh_addr();
    fail_n(5, 'two servers, one address: on server 1', sub { login(unique_email('rl-2a'), 'x-password', local_addr => $b) });
    fail_n(5, 'two servers, one address: on server 2',
           sub { login(unique_email('rl-2a'), 'x-password', local_addr => $b, port => $p2) });
    my $w = create_user(tag => 'rl-two-ok');
    limited_ok(login($w->{email}, $w->{password}, local_addr => $b, port => $p2), 'two servers, one address: limited on server 2');
    limited_ok(login($w->{email}, $w->{password}, local_addr => $b), 'two servers, one address: limited on server 1');
    is(login($w->{email}, $w->{password}, port => $p2)->{status}, 200, 'two servers: that account elsewhere: 200');
    ok($s2->stop, 'second httpd stopped, no child crashed');
    ok(!$s2->pid || !kill(0, $s2->pid), 'second httpd is gone');
    is(http(GET => '/api/v1/health')->{status}, 200, 'the main server is unaffected');
}

# ---------------------------------------------------------------- the window passes
# A server with a 10-second window: limited, then allowed once Retry-After passed.
# (The three failures and the fourth attempt must fall in one window, or the
# fourth is not limited: 8 s left for them, where a 5-second window left 4 s.)
my $s3 = eval { second_httpd(name => 'rl-short', set => "MaplatRateLimit login 3 10\n") };
ok($s3, 'a server with MaplatRateLimit login 3 10 started') or diag($@);
SKIP: {
    skip 'no short-window server', 5 unless $s3;
    my $p3 = $s3->port;
    my $x = create_user(tag => 'rl-short');
    clear_of_window_edge(8, 10);
    fail_n(3, 'short window', sub { login($x->{email}, "wrong-$_[0]", port => $p3) });
    sleep 1.02 - (time - int time);   # ask just after a whole second (the hardest case)
    my $lim = login($x->{email}, $x->{password}, port => $p3);
    my $answered = time;
    is($lim->{status}, 429, 'short window: the 4th attempt is limited');
    my $ra = $lim->{headers}{'retry-after'} // 0;
    ok($ra >= 1 && $ra <= 20, "short window: Retry-After $ra within two windows");
    # Retry-After seconds after the answer the client may try again
    my $wait = $answered + $ra + 0.05 - time;
    sleep $wait if $wait > 0;
    my $again = login($x->{email}, $x->{password}, port => $p3);
    # Retry-After is rounded up and one second added (modules/core/ratelimit.c): the
    # moment it names is never early
    is($again->{status}, 200, "short window: allowed again exactly Retry-After ($ra s) later")
        or diag($again->{body});
    ok($s3->stop, 'short-window server stopped, no child crashed');
}

# ---------------------------------------------------------------- memcached down
SKIP: {
    skip 'memcached is not ours to stop', 13 unless have_mc();
    ok(mc_stop(), 'memcached stopped');
    my $cache_down = wait_for(sub {
        my $r = http(GET => '/api/v1/health/ready');
        ref $r->{json} eq 'HASH' && ($r->{json}{checks}{cache} // '') ne 'ok';
    }, timeout => 60, interval => 0.5);
    ok($cache_down, 'the server sees the cache down');

    my $m = create_user(tag => 'rl-nomc');
    my $first = login($m->{email}, $m->{password});
    ok($first->{status} == 200 || $first->{status} == 429 || $first->{status} == 503,
       "memcached down: a right password gets $first->{status} (200 from the PostgreSQL fallback, or fail closed)");
    my $t0 = time;
    fail_n(10, 'memcached down, per e-mail', sub { login($m->{email}, "wrong-$_[0]") });
    my $dt = time - $t0;
    # each login normally takes well under a second even on a loaded machine; a
    # stall on the dead cache (a connect or poll timeout per operation) takes more
    ok($dt < 30, sprintf('memcached down: 10 failed logins took %.1f s (no long cache timeouts)', $dt));
    limited_ok(login($m->{email}, $m->{password}), 'memcached down, per e-mail: 11th attempt, right password');

    my $c = fresh_addr();
    fail_n(10, 'memcached down, per address', sub { login(unique_email('rl-nomc-a'), 'x-password', local_addr => $c) });
    my $n = create_user(tag => 'rl-nomc-ok');
    limited_ok(login($n->{email}, $n->{password}, local_addr => $c), 'memcached down, per address: 11th attempt');
    is(login($n->{email}, $n->{password})->{status}, 200, 'memcached down: that account from another address: 200');

    # (mc_start returns once no httpd child skips memcached any more: a failure
    # counted only in PostgreSQL would leave the memcached count short below)
    ok(eval { mc_start() }, 'memcached started again') or diag($@);
    my $back = wait_for(sub {
        my $r = http(GET => '/api/v1/health/ready');
        ref $r->{json} eq 'HASH' && ($r->{json}{checks}{cache} // '') eq 'ok';
    }, timeout => 60, interval => 0.5);
    ok($back, 'the server sees the cache again');
    # with memcached back and empty, its counters start afresh (documented):
    # a fresh series is limited through memcached again
    clear_of_window_edge(60);
    my $z = create_user(tag => 'rl-back');
    fail_n(10, 'memcached back', sub { login($z->{email}, "wrong-$_[0]") });
    limited_ok(login($z->{email}, $z->{password}), 'memcached back: 11th attempt limited');
}
END { mc_start() if have_mc() && !mc_running() }
