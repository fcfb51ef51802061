# GET /performance/endpoints (API.md "Operations"): master_admin only (every
# other role 403, no token 401); per route template {route, count,
# error_rate, p50_ms, p95_ms, p99_ms} as numbers; routes are templates, never
# raw paths or ids; counts grow by exactly the requests made, and agree with
# /metrics.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use Maplat::Api;
use Maplat::Cache;

plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
diag_to_stderr();

my $E = '/api/v1/performance/endpoints';
my $ops = token('ops@maplat.example');
my $admin = token('admin@acme.example');
my $DEAL = '30000000-0000-4000-8000-a00000000001';
my $ROUTE = '/api/v1/deals/{id}';

# ------------------------------------------------------------ who
is(api(GET => $E, undef, undef)->{status}, 401, 'no token: 401');
for my $who ('admin@acme.example', 'analyst@acme.example', 'viewer@acme.example', 'admin@globex.example') {
    problem_ok(api(GET => $E, undef, token($who)), 403, 'forbidden', "$who");
}
my $r = api(GET => $E, undef, $ops);
is($r->{status}, 200, 'master_admin: 200') or diag($r->{body});
common_headers_ok($r, 'endpoints');
like($r->{headers}{'content-type'} // '', qr{^application/json}, 'application/json');
ok(ref(($r->{json} || {})->{items}) eq 'ARRAY', 'items array');

# ------------------------------------------------------------ requests of our own
sub items {
    my $x = api(GET => $E, undef, $ops);
    return { map { ($_->{route} // '') => $_ } @{ ($x->{json} || {})->{items} || [] } }, $x;
}
my ($before) = items();
my $n0 = ($before->{$ROUTE} || {})->{count} // 0;
my $unknown = uuid_v4();
my @ids_used = ($DEAL, $unknown);
for (1 .. 5) {
    is(api(GET => "/api/v1/deals/$DEAL", undef, $admin)->{status}, 200, 'GET the demo deal') if $_ == 1;
    api(GET => "/api/v1/deals/$DEAL", undef, $admin) if $_ > 1;
}
is(api(GET => "/api/v1/deals/$unknown", undef, $admin)->{status}, 404, 'GET an unknown deal: 404');
api(GET => "/api/v1/deals/$unknown", undef, $admin);
my $raw = uuid_v4();
push @ids_used, $raw;
is(api(GET => "/api/v1/deals/$raw/no-such-thing", undef, $admin)->{status}, 404, 'a path no route matches: 404');
is(api(GET => "/api/v1/deals/42", undef, $admin)->{status}, 422, 'a malformed id: 422');

my ($after, $ar);
wait_for(sub { ($after, $ar) = items(); (($after->{$ROUTE} || {})->{count} // 0) >= $n0 + 8 }, timeout => 60);
is(($after->{$ROUTE} || {})->{count}, $n0 + 8, "$ROUTE: count grew by exactly the 8 requests made (5 x 200, 2 x 404, 1 x 422)");

my @items = @{ ($ar->{json} || {})->{items} || [] };
ok(@items >= 2, 'several routes listed');
my @bad_shape = grep {
    my $i = $_;
    !defined $i->{route} || grep({ !defined $i->{$_} || ref $i->{$_} || $i->{$_} !~ /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/ }
                                 qw(count error_rate p50_ms p95_ms p99_ms))
} @items;
ok(!@bad_shape, 'every item: route, and count, error_rate, p50_ms, p95_ms, p99_ms as numbers')
    or diag(explain($bad_shape[0]));
ok(!grep({ $_->{count} !~ /^\d+$/ || $_->{count} < 1 } @items), 'counts are whole numbers >= 1');
ok(!grep({ $_->{error_rate} < 0 || $_->{error_rate} > 1 } @items), 'error_rate within 0..1');
ok(!grep({ $_->{p50_ms} < 0 || $_->{p50_ms} > $_->{p95_ms} || $_->{p95_ms} > $_->{p99_ms} } @items),
   '0 <= p50 <= p95 <= p99');
my %routes = map { $_->{route} => 1 } @items;
is(scalar(keys %routes), scalar(@items), 'each route listed once');
my @raw = grep {
    my $rt = $_;
    $rt ne 'unmatched' && ($rt !~ m{^/api/v1(/|$)} || $rt =~ /[0-9a-f]{8}-[0-9a-f]{4}-/i || grep({ /^\d+$/ } split m{/}, $rt))
} keys %routes;
ok(!@raw, 'routes are templates: no raw ids, no query strings') or diag("raw: @raw");
ok(!grep({ my $rt = $_; grep { index($rt, $_) >= 0 } @ids_used } keys %routes), 'none of the ids we used appears');
ok($routes{$ROUTE}, "$ROUTE is listed");
ok($routes{'/api/v1/auth/login'}, '/api/v1/auth/login is listed (logins of this test)');
my $d = $after->{$ROUTE} || {};
cmp_ok($d->{p99_ms}, '>', 0, "$ROUTE: p99 > 0");
cmp_ok($d->{p50_ms}, '<', 10_000, "$ROUTE: p50 plausible (< 10 s)");
if (exists $d->{errors}) {
    cmp_ok(abs($d->{error_rate} - $d->{errors} / $d->{count}), '<', 1e-6, 'error_rate = errors / count');
}

# the same numbers as /metrics (both since start)
{
    my $m = metrics();
    my $total = metric_sum($m, 'http_requests_total', route => $ROUTE);
    my ($now) = items();
    is(($now->{$ROUTE} || {})->{count}, $total, "$ROUTE: count = http_requests_total of /metrics");
}

# the endpoint counts itself too
{
    my ($x) = items();
    my $c1 = ($x->{'/api/v1/performance/endpoints'} || {})->{count} // 0;
    my ($y);
    wait_for(sub { ($y) = items(); (($y->{'/api/v1/performance/endpoints'} || {})->{count} // 0) > $c1 }, timeout => 60);
    cmp_ok(($y->{'/api/v1/performance/endpoints'} || {})->{count} // 0, '>', $c1, 'its own route grows as well');
}

done_testing();
