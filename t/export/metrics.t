# The export queue in /metrics, with two httpd servers sharing one queue:
#   maplat_export_render_duration_seconds{format}  renders of each server's workers
#     (all its children): summed over both servers, exactly the jobs rendered;
#   maplat_export_failures_total{format}           failed render attempts, likewise;
#   maplat_export_jobs{status}                     the cluster's queue from PostgreSQL:
#     both servers show the same counts, those of the database (at most 5 s old).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use Maplat::Api;
use Maplat::Export;

plan tests => 14, need(need_pg(), need_mc());
diag_to_stderr();

my $admin = token('admin@acme.example');

sub metrics_of {
    my ($port) = @_;
    my $r = http(GET => '/metrics', ($port ? (port => $port) : ()));
    my @series;
    for my $line (split /\n/, $r->{body} // '') {
        next if $line =~ /^\s*(#|$)/;
        my ($name, $labels, $value) = $line =~ /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/ or next;
        my %l;
        $l{$1} = $2 while ($labels // '') =~ /([a-zA-Z_]+)="([^"]*)"/g;
        push @series, [$name, \%l, $value];
    }
    return { _series => \@series, _body => $r->{body} };
}

sub renders {
    my ($m, $format) = @_;
    return metric_sum($m, 'maplat_export_render_duration_seconds_count', format => $format);
}

my $s2 = eval { second_httpd(name => 'export-metrics') };
ok($s2, 'a second server shares the queue') or diag($@);
SKIP: {
    skip 'no second server', 13 unless $s2;
    my @servers = (undef, $s2->port);
    # the counters are the cluster's: jobs that earlier test files left pending (a
    # retry after its backoff) would be counted here too. Cancel them, and let a
    # render in flight end, before the first reading.
    db_value("WITH c AS (UPDATE export_jobs SET status = 'canceled' WHERE status = 'pending' RETURNING 1)"
             . " SELECT count(*) FROM c");
    wait_for(sub { db_value("SELECT count(*) FROM export_jobs WHERE status = 'processing'") == 0 }, timeout => 180);
    my @before = map { metrics_of($_) } @servers;
    like($before[0]{_body}, qr/^# TYPE maplat_export_render_duration_seconds histogram$/m, 'the histogram is there');
    like($before[0]{_body}, qr/^maplat_export_failures_total\{format="pdf"\} \d+$/m, 'the failure counter is there');

    # six renders, two of each format, spread over both servers' workers
    my @jobs;
    for my $format (qw(pdf docx)) {
        push @jobs, export_create($admin, { type => 'deal_report', format => $format, params => { deal_id => $DEAL } })
            for 1 .. 2;
    }
    push @jobs, export_create($admin, { type => 'deals', format => 'csv', params => { stage => $_ } })
        for qw(sourcing won);
    my @done = map { wait_job($admin, $_->{id}, qr/^(completed|failed)$/, timeout => 180) } @jobs;
    is(scalar(grep { ($_->{status} // '') eq 'completed' } @done), 6, 'six exports completed');

    # one failure: a job (inserted here, one attempt allowed) whose deal does not exist
    my $bad = uuid_v4();
    db_value("INSERT INTO export_jobs (id, organization_id, created_by, type, format, params, max_attempts)"
             . " VALUES ('$bad', '$ORG{acme}', '$U{admin}', 'deal_report', 'docx',"
             . " '{\"deal_id\":\"" . uuid_v4() . "\"}', 1)");
    my $failed = wait_job($admin, $bad, qr/^(completed|failed)$/, timeout => 120);
    is($failed->{status} // '', 'failed', 'the job of a missing deal failed');

    # the histogram is updated before the job is marked completed: no wait needed, but allow a moment
    my @after;
    wait_for(sub {
        @after = map { metrics_of($_) } @servers;
        my $n = 0;
        $n += renders($after[$_], 'pdf') - renders($before[$_], 'pdf') for 0, 1;
        $n >= 2;
    }, timeout => 60);
    for my $format (qw(pdf docx csv)) {
        my ($n, @per) = (0);
        for my $i (0, 1) {
            my $d = renders($after[$i], $format) - renders($before[$i], $format);
            push @per, $d;
            $n += $d;
        }
        is($n, 2, "$format: two renders counted over both servers (@per)");
    }
    my $fails = 0;
    $fails += metric_sum($after[$_], 'maplat_export_failures_total', format => 'docx')
            - metric_sum($before[$_], 'maplat_export_failures_total', format => 'docx') for 0, 1;
    is($fails, 1, 'one failed attempt counted over both servers');
    my $sum_ok = 1;
    for my $i (0, 1) {
        my $count = renders($after[$i], 'pdf');
        my $inf = metric_sum($after[$i], 'maplat_export_render_duration_seconds_bucket', format => 'pdf', le => '+Inf');
        $sum_ok &&= $count == $inf;
    }
    ok($sum_ok, 'the +Inf bucket equals _count on each server');

    # the queue by status: the database's numbers on both servers
    my ($db, @shown);
    my $same = wait_for(sub {
        $db = { map { split /=/ } split / /, db_value("SELECT string_agg(s || '=' || (SELECT count(*) FROM export_jobs"
                                                      . " WHERE status = s), ' ') FROM unnest(ARRAY['pending',"
                                                      . "'processing','completed','failed','canceled']) s") };
        @shown = map { my $m = metrics_of($_); +{ map { $_ => metric_sum($m, 'maplat_export_jobs', status => $_) } keys %$db } }
                 @servers;
        join(',', map { "$_=$shown[0]{$_}" } sort keys %$db) eq join(',', map { "$_=$db->{$_}" } sort keys %$db)
            && join(',', map { "$_=$shown[1]{$_}" } sort keys %$db) eq join(',', map { "$_=$db->{$_}" } sort keys %$db);
    }, timeout => 60, interval => 1);
    ok($same, 'maplat_export_jobs{status} equals the database\'s counts on both servers')
        or diag(explain { db => $db, shown => \@shown });
    cmp_ok($shown[0]{completed} // 0, '>=', 6, 'completed jobs are counted');
    cmp_ok($shown[0]{failed} // 0, '>=', 1, 'failed jobs are counted');
    ok($s2->stop, 'the second server stops cleanly');
}
