# memcached stopped in the middle of a run (API.md: "With memcached unreachable
# everything still works, uncached"): the dashboard and the financial answers
# stay correct (X-Cache: MISS, values from the database, writes visible at
# once); once memcached is back (MaplatCacheRetry 2 in the test config) caching
# resumes (MISS then HIT) and is never stale.
use strict;
use warnings FATAL => 'all';
use utf8;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use Maplat::Api;
use Maplat::Cache;
use Time::HiRes qw(time sleep);

plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
diag_to_stderr();

my $DASH = '/api/v1/dashboard/metrics';
my $admin = token('admin@acme.example');
my $globex = token('admin@globex.example');

# whatever happens, leave memcached running for the next test file
END { eval { mc_start() unless mc_running(); 1 } or print STDERR "# could not restart memcached: $@"; }

mc_start() unless mc_running();
ok(mc_running(), 'memcached runs at the start');

# a state we know: cached, with a deal of our own
my $deal = create_ok($admin, '/api/v1/deals', { name => uniq('mc down'), stage => 'evaluation', value => 40 });
my $r = api(GET => $DASH, undef, $admin);
xcache_is($r, 'MISS', 'memcached up: first read');
$r = api(GET => $DASH, undef, $admin);
xcache_is($r, 'HIT', 'memcached up: second read');
dashboard_ok($r, expected_dashboard($ORG{acme}), 'memcached up');
my $before = $r->{json};

# statement for the ratios endpoints of our deal
my $st = api(POST => '/api/v1/financial/statements', {
    deal_id => $deal->{id}, period => 'FY-mc', revenue => 200, cost_of_goods_sold => 50, operating_expenses => 10,
    ebitda => 40, net_income => 20, current_assets => 90, current_liabilities => 30, inventory => 15,
    total_debt => 60, total_equity => 120, interest_expense => 8 }, $admin);
is($st->{status}, 201, 'statement stored') or diag($st->{body});
$r = api(GET => "/api/v1/financial/ratios/latest?deal_id=$deal->{id}", undef, $admin);
xcache_is($r, 'MISS', 'ratios: first read');
$r = api(GET => "/api/v1/financial/ratios/latest?deal_id=$deal->{id}", undef, $admin);
xcache_is($r, 'HIT', 'ratios: second read');

# ------------------------------------------------------------ memcached stops
my $opened = metrics()->{maplat_cache_breaker_open_total};
ok(defined $opened, 'maplat_cache_breaker_open_total is exported');
mc_stop();
ok(!mc_running(), 'memcached stopped');

for my $i (1 .. 3) {
    my $d = api(GET => $DASH, undef, $admin, timeout => 10);
    is($d->{status}, 200, "down, read $i: 200") or diag($d->{body} // $d->{error});
    xcache_is($d, 'MISS', "down, read $i");
    dashboard_ok($d, expected_dashboard($ORG{acme}), "down, read $i") if $i == 1;
}
{
    # a hang on the dead server is seconds to the client's timeout; one uncached
    # dashboard read on a loaded machine with a -O0 coverage build takes up to ~1 s
    my $t0 = time;
    my $d = api(GET => $DASH, undef, $admin, timeout => 30);
    cmp_ok(time - $t0, '<', 5, 'down: a read does not hang on memcached');
}
cmp_ok(metrics()->{maplat_cache_breaker_open_total}, '>', $opened // 0,
       'down: the breaker opening is counted in /metrics');

# writes work and are seen at once
my $w = api(POST => '/api/v1/deals', { name => uniq('mc down write'), stage => 'sourcing', value => 5.5 }, $admin,
             timeout => 10);
is($w->{status}, 201, 'down: POST /deals 201');
my $d = api(GET => $DASH, undef, $admin, timeout => 10);
xcache_is($d, 'MISS', 'down: read after the write');
dashboard_ok($d, expected_dashboard($ORG{acme}), 'down: read after the write');
is($d->{json}{deals_count}, $before->{deals_count} + 1, 'down: deals_count +1');
is(money2($d->{json}{pipeline_value}), money2($before->{pipeline_value} + 5.5), 'down: pipeline_value +5.50');

$w = api(PATCH => "/api/v1/deals/$w->{json}{id}", { stage => 'lost' }, $admin, timeout => 10);
is($w->{status}, 200, 'down: PATCH 200');
$d = api(GET => $DASH, undef, $admin, timeout => 10);
dashboard_ok($d, expected_dashboard($ORG{acme}), 'down: read after the PATCH');
is(money2($d->{json}{pipeline_value}), money2($before->{pipeline_value}), 'down: pipeline back (lost deal)');

my $g = api(GET => $DASH, undef, $globex, timeout => 10);
is($g->{status}, 200, 'down: Globex 200');
dashboard_ok($g, expected_dashboard($ORG{globex}), 'down: Globex');

# financials
$r = api(GET => "/api/v1/financial/ratios/latest?deal_id=$deal->{id}", undef, $admin, timeout => 10);
is($r->{status}, 200, 'down: ratios 200');
xcache_is($r, 'MISS', 'down: ratios');
ratio_is($r->{body}, 'current_ratio', '3.0000', 'down: ratios correct');
my $st2 = api(POST => '/api/v1/financial/statements', {
    deal_id => $deal->{id}, period => 'FY-mc2', revenue => 100, cost_of_goods_sold => 25, operating_expenses => 10,
    ebitda => 30, net_income => 10, current_assets => 50, current_liabilities => 40, inventory => 10,
    total_debt => 10, total_equity => 40, interest_expense => 0 }, $admin, timeout => 10);
is($st2->{status}, 201, 'down: statement stored');
$r = api(GET => "/api/v1/financial/ratios/latest?deal_id=$deal->{id}", undef, $admin, timeout => 10);
is(($r->{json} || {})->{period}, 'FY-mc2', 'down: the new statement is the latest at once');
ratio_is($r->{body}, 'current_ratio', '1.2500', 'down: its ratios');
ratio_is($r->{body}, 'interest_coverage', undef, 'down: its ratios');
my $n = api(GET => "/api/v1/financial/narratives/latest?deal_id=$deal->{id}", undef, $admin, timeout => 10);
is($n->{status}, 404, 'down: no narrative -> 404');
xcache_is($n, 'MISS', 'down: the 404');

# ------------------------------------------------------------ memcached is back
# (mc_start returns once no httpd child skips memcached any more: MaplatCacheRetry
# after memcached listens again; every child's circuit breaker is per process, and
# a child still skipping it would answer MISS after another child's HIT)
my $t0 = time;
mc_start();
ok(mc_running(), 'memcached started again');
my $resumed = wait_for(sub {
    my $a = api(GET => $DASH, undef, $admin);
    my $b = api(GET => $DASH, undef, $admin);
    ($b->{headers}{'x-cache'} // '') eq 'HIT';
}, timeout => 60, interval => 0.5);
ok($resumed, 'caching resumes (HIT) after memcached is back');
# a breaker stuck open (the default MaplatCacheRetry is 30 s) would take longer
cmp_ok(time - $t0, '<', 20, sprintf('... within a few seconds (MaplatCacheRetry 2): %.1f s', time - $t0));

$d = api(GET => $DASH, undef, $admin);
xcache_is($d, 'HIT', 'back: cached');
dashboard_ok($d, expected_dashboard($ORG{acme}), 'back: the cached answer is correct');

my $w2 = create_ok($admin, '/api/v1/deals', { name => uniq('mc back'), stage => 'closing', value => 1.01 });
$d = api(GET => $DASH, undef, $admin);
xcache_is($d, 'MISS', 'back: read after a write');
dashboard_ok($d, expected_dashboard($ORG{acme}), 'back: read after a write');
$d = api(GET => $DASH, undef, $admin);
xcache_is($d, 'HIT', 'back: read again');

$r = api(GET => "/api/v1/financial/ratios/latest?deal_id=$deal->{id}", undef, $admin);
$r = api(GET => "/api/v1/financial/ratios/latest?deal_id=$deal->{id}", undef, $admin);
xcache_is($r, 'HIT', 'back: ratios cached again');
is(($r->{json} || {})->{period}, 'FY-mc2', 'back: ratios are the latest');

done_testing();
