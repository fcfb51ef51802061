# GET /performance/history (API.md "Operations"): master_admin only; per-minute
# buckets {minute, count, errors, p50_ms, p95_ms, p99_ms} for one route template
# or all routes; ?minutes=5 gives the 5 last minutes, one bucket each, with the
# counts of the requests we made; an unknown route (or a raw path) and minutes
# outside 1..1440 are 422.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use Maplat::Api;
use Maplat::Cache;
use POSIX qw(strftime);

plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
diag_to_stderr();

my $H = '/api/v1/performance/history';
my $ops = token('ops@maplat.example');
my $admin = token('admin@acme.example');
my $DEAL = '30000000-0000-4000-8000-a00000000001';
my $ROUTE = '/api/v1/deals/{id}';
my $Q = "$H?minutes=5&route=" . enc($ROUTE);

# ------------------------------------------------------------ who
is(api(GET => $Q, undef, undef)->{status}, 401, 'no token: 401');
for my $who ('admin@acme.example', 'analyst@acme.example', 'viewer@acme.example', 'admin@globex.example') {
    problem_ok(api(GET => $Q, undef, token($who)), 403, 'forbidden', $who);
}

# ------------------------------------------------------------ shape
sub minute_of { my ($t) = @_; strftime('%Y-%m-%dT%H:%M:00Z', gmtime($t)) }

my $t_before = time;
my $r = api(GET => $Q, undef, $ops);
my $t_after = time;
is($r->{status}, 200, 'minutes=5, one route: 200') or diag($r->{body});
common_headers_ok($r, 'history');
my $items = ($r->{json} || {})->{items};
ok(ref $items eq 'ARRAY', 'items array');
$items = [] unless ref $items eq 'ARRAY';
is(scalar @$items, 5, '5 buckets');
my @bad = grep {
    my $i = $_;
    ref $i ne 'HASH' || ($i->{minute} // '') !~ /^\d{4}-\d\d-\d\dT\d\d:\d\d:00Z$/
        || grep({ !defined $i->{$_} || ref $i->{$_} || $i->{$_} !~ /^\d+(\.\d+)?([eE][-+]?\d+)?$/ } qw(count errors p50_ms p95_ms p99_ms))
} @$items;
ok(!@bad, 'each bucket: {minute (RFC 3339, whole minute), count, errors, p50_ms, p95_ms, p99_ms}') or diag(explain($bad[0]));
{
    my @m = sort map { $_->{minute} // '' } @$items;
    my @want_now = map { minute_of($_) } ($t_before, $t_after);
    ok(grep({ $m[-1] eq $_ } @want_now), 'the newest bucket is the current minute') or diag("@m / @want_now");
    my $consecutive = 1;
    for my $i (1 .. $#m) {
        my $prev = _parse($m[$i - 1]);
        my $cur = _parse($m[$i]);
        $consecutive = 0 unless defined $prev && defined $cur && $cur - $prev == 60;
    }
    ok($consecutive, '5 consecutive minutes');
    my %seen;
    ok(!grep({ $seen{$_}++ } @m), 'no minute twice');
}
ok(!grep({ $_->{p50_ms} > $_->{p95_ms} || $_->{p95_ms} > $_->{p99_ms} } @$items), 'p50 <= p95 <= p99 in each bucket');
ok(!grep({ $_->{errors} > $_->{count} } @$items), 'errors <= count in each bucket');
is(($r->{json} || {})->{route}, $ROUTE, 'the answer names the route') if exists(($r->{json} || {})->{route});

# ------------------------------------------------------------ our requests are counted
sub by_minute {
    my ($q) = @_;
    my $x = api(GET => $q, undef, $ops);
    return { map { ($_->{minute} // '') => $_ } @{ ($x->{json} || {})->{items} || [] } };
}
my $before = by_minute($Q);
my $N = 7;
my $t_first = time;
api(GET => "/api/v1/deals/$DEAL", undef, $admin) for 1 .. $N - 2;
api(GET => "/api/v1/deals/" . uuid_v4(), undef, $admin) for 1 .. 2;     # 404s count as requests, not as errors
my $t_last = time;
my $grown = sub {
    my $after = by_minute($Q);
    my $d = 0;
    for my $m (keys %$after) {
        $d += ($after->{$m}{count} // 0) - (($before->{$m} || {})->{count} // 0);
    }
    return ($d, $after);
};
my ($delta, $after);
wait_for(sub { ($delta, $after) = $grown->(); $delta >= $N }, timeout => 60);
is($delta, $N, "the buckets grew by exactly our $N requests");
{
    my $err = 0;
    for my $m (keys %$after) {
        $err += ($after->{$m}{errors} // 0) - (($before->{$m} || {})->{errors} // 0);
    }
    is($err, 0, '404s are not counted as errors (5xx)');
    # the minute(s) the requests were made in: a minute may have begun since then
    # (the newest bucket is then a fresh, empty one)
    my ($now) = grep { $after->{$_} && ($after->{$_}{count} // 0) > 0 } minute_of($t_last), minute_of($t_first);
    $now //= minute_of($t_last);
    cmp_ok(($after->{$now} || {})->{count} // 0, '>=', 1, "the current minute has our requests ($now)");
    cmp_ok(($after->{$now} || {})->{p99_ms} // 0, '>', 0, 'the current minute has latencies');
}

# all routes: every minute counts at least what the one route does
{
    my $all = by_minute("$H?minutes=5");
    my $ok = 1;
    for my $m (keys %$after) {
        next unless $all->{$m};
        $ok = 0 if $all->{$m}{count} < $after->{$m}{count};
    }
    ok($ok, 'all routes >= one route, minute by minute');
    is(scalar keys %$all, 5, 'all routes: 5 buckets');
}

# defaults and limits
{
    my $x = api(GET => $H, undef, $ops);
    is($x->{status}, 200, 'no parameters: 200');
    is(scalar @{ ($x->{json} || {})->{items} || [] }, 60, 'minutes defaults to 60');
    $x = api(GET => "$H?minutes=1440", undef, $ops);
    is(scalar @{ ($x->{json} || {})->{items} || [] }, 1440, 'minutes=1440 (24 h): 1440 buckets');
    $x = api(GET => "$H?minutes=1&route=" . enc('/api/v1/health'), undef, $ops);
    is(scalar @{ ($x->{json} || {})->{items} || [] }, 1, 'minutes=1: 1 bucket');
}
for my $bad (0, 2000, 1441, -1, 'abc', '5x', '') {
    my $x = api(GET => "$H?minutes=$bad", undef, $ops);
    validation_ok($x, ['minutes'], "minutes=$bad");
}
for my $bad ('/api/v1/nothing/{id}', "/api/v1/deals/$DEAL", '/api/v1/deals/{deal_id}', 'deals', '/api/v1/deals/{id}/') {
    my $x = api(GET => "$H?minutes=5&route=" . enc($bad), undef, $ops);
    validation_ok($x, ['route'], "route=$bad");
}
problem_ok(api(GET => "$H?minutes=5&route=" . enc('/nope'), undef, $ops), 422, 'validation_failed', 'unknown route');

sub _parse {
    my ($s) = @_;
    my ($y, $mo, $d, $h, $mi) = $s =~ /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):00Z$/ or return undef;
    require Time::Local;
    return Time::Local::timegm(0, $mi, $h, $d, $mo - 1, $y);
}

done_testing();
