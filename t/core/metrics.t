# GET /metrics: Prometheus text, counts summed over all httpd children, route
# templates (never raw ids), access restricted by httpd config.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use POSIX ();
use Maplat::Test;

plan tests => 20;
diag_to_stderr();

my $N_WORKERS = 4;
my $PER_WORKER = 10;
my $N = $N_WORKERS * $PER_WORKER;    # requests made

sub health_count {
    my ($m) = @_;
    return metric_sum($m, 'http_requests_total', route => '/api/v1/health',
                      method => 'GET', status => '200');
}

# ---------------------------------------------------------------- format
my $r = http(GET => '/metrics');
is($r->{status}, 200, 'GET /metrics 200');
like($r->{headers}{'content-type'} // '', qr{^text/plain\b}, 'text/plain (Prometheus text format)');
like($r->{body}, qr/^# TYPE http_requests_total counter$/m, 'http_requests_total is a counter');
like($r->{body}, qr/^# TYPE http_request_duration_seconds histogram$/m, 'duration is a histogram');

http(GET => '/api/v1/health');    # at least one
my $m = metrics();
cmp_ok(health_count($m), '>=', 1, 'http_requests_total{route="/api/v1/health",method="GET",status="200"}');
ok((grep { $_->[0] eq 'http_request_duration_seconds_bucket' && ($_->[1]{le} // '') eq '+Inf'
           && ($_->[1]{route} // '') eq '/api/v1/health' } @{ $m->{_series} }),
   'histogram has an le="+Inf" bucket for /api/v1/health');
ok(defined $m->{_body} && $m->{_body} =~ /^http_request_duration_seconds_sum\{[^}]*route="\/api\/v1\/health"/m,
   'histogram _sum');
ok($m->{_body} =~ /^http_request_duration_seconds_count\{[^}]*route="\/api\/v1\/health"/m,
   'histogram _count');
ok($m->{_body} =~ /^maplat_cache_requests_total\{result="(hit|miss|error)"\}/m,
   'maplat_cache_requests_total{result=...}');
ok($m->{_body} =~ /^maplat_db_errors_total(\{[^}]*\})? \d/m, 'maplat_db_errors_total');
ok($m->{_body} =~ /^# TYPE maplat_cache_breaker_open_total counter\n^maplat_cache_breaker_open_total \d+$/m,
   'maplat_cache_breaker_open_total');

# ---------------------------------------------------------------- templates, not ids
my $id = uuid_v4();
http(GET => "/api/v1/_test/items/$id");
http(GET => '/api/v1/_test/items/not-a-uuid-' . $$);
http(GET => "/api/v1/_test/unknown-$$-route/$id");
$m = metrics();
unlike($m->{_body}, qr/\Q$id\E/, 'no raw id in /metrics');
unlike($m->{_body}, qr/not-a-uuid-$$|unknown-$$/, 'no raw path in /metrics');
ok((grep { $_->[0] eq 'http_requests_total' && ($_->[1]{route} // '') eq '/api/v1/_test/items/{id}' }
    @{ $m->{_series} }), 'route template /api/v1/_test/items/{id}');
ok((grep { $_->[0] eq 'http_requests_total' && ($_->[1]{route} // '') eq 'unmatched'
           && ($_->[1]{status} // '') eq '404' } @{ $m->{_series} }),
   'unknown paths counted under route="unmatched"');

# ---------------------------------------------------------------- summed over children
my $before = health_count(metrics());
my $marker = "metrics-$$-" . int(rand 1e9);
my @kids;
for my $w (1 .. $N_WORKERS) {
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if (!$pid) {
        my $bad = 0;
        for my $i (1 .. $PER_WORKER) {
            my $x = http(GET => '/api/v1/health',
                             headers => ['X-Correlation-ID' => "$marker-$w-$i"]);
            $bad++ unless $x->{status} == 200;
        }
        POSIX::_exit($bad ? 1 : 0);
    }
    push @kids, $pid;
}
my $failed = 0;
for (@kids) { waitpid($_, 0); $failed++ if $? }
is($failed, 0, "$N requests over $N separate connections answered 200");

# counters are updated after the answer went out: allow a moment
my $after;
wait_for(sub { $after = health_count(metrics()); $after - $before >= $N }, timeout => 60);
is($after - $before, $N, "http_requests_total grew by exactly $N (summed over children)");

# which children answered? the access log's pid field tells
# (each line is written after its answer went out: wait for all of them)
my @lines = access_log_wait(sub { ($_[0]{correlation_id} // '') =~ /^\Q$marker\E-/ }, count => $N, timeout => 60);
my %pids = map { ($_->{pid} // 'none') => 1 } @lines;
is(scalar @lines, $N, "$N access-log lines for those requests");
SKIP: {
    skip 'only one httpd child answered; cannot show summing across children here', 1
        if keys %pids < 2;
    cmp_ok(scalar(keys %pids), '>=', 2,
           'requests were answered by ' . scalar(keys %pids) . ' children, and all were counted');
}

# ---------------------------------------------------------------- access control
# /metrics is "Require ip 127.0.0.1 ::1": the suite connects from 127.0.0.1, so
# here we only check that the restriction does not break local scraping.
is(http(GET => '/metrics')->{status}, 200, '/metrics reachable from 127.0.0.1');
