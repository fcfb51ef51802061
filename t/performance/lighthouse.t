# POST / GET /performance/lighthouse (API.md "Operations"): master_admin only
# (others 403, nothing stored); runs {date (YYYY-MM-DD), performance,
# accessibility, best_practices, seo} with scores 0..100 (anything else, or a
# bad date -> 422 naming the fields); GET ?days= lists the runs of the last
# days, newest first.
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

my $L = '/api/v1/performance/lighthouse';
my $ops = token('ops@maplat.example');
my $today = db_value('SELECT current_date');
my $d10 = db_value("SELECT current_date - 10");
my $d45 = db_value("SELECT current_date - 45");

my %run = (date => $today, performance => 91, accessibility => 100, best_practices => 0, seo => 77);

# ------------------------------------------------------------ who
{
    my $before = db_value('SELECT count(*) FROM lighthouse_runs');
    is(api(POST => $L, \%run, undef)->{status}, 401, 'POST without a token: 401');
    is(api(GET => $L, undef, undef)->{status}, 401, 'GET without a token: 401');
    for my $who ('admin@acme.example', 'analyst@acme.example', 'viewer@acme.example', 'admin@globex.example') {
        problem_ok(api(POST => $L, \%run, token($who)), 403, 'forbidden', "POST by $who");
        problem_ok(api(GET => $L, undef, token($who)), 403, 'forbidden', "GET by $who");
    }
    is(db_value('SELECT count(*) FROM lighthouse_runs'), $before, 'nothing stored by refused requests');
}

# ------------------------------------------------------------ store
my $r = api(POST => $L, \%run, $ops);
is($r->{status}, 201, 'master_admin stores a run: 201') or diag($r->{body});
common_headers_ok($r, 'lighthouse POST');
my $r1 = $r->{json} || {};
like($r1->{id} // '', qr/^[0-9a-f-]{36}$/, 'id');
is_deeply({ map { $_ => $r1->{$_} } keys %run }, \%run, 'the run as sent (scores 0 and 100 included)');
is(db_value("SELECT performance || ',' || accessibility || ',' || best_practices || ',' || seo || ',' || run_date"
            . " FROM lighthouse_runs WHERE id = '" . ($r1->{id} // uuid_v4()) . "'"), "91,100,0,77,$today", 'stored');

my $r10 = api(POST => $L, { %run, date => $d10, performance => 55 }, $ops)->{json} || {};
my $r45 = api(POST => $L, { %run, date => $d45, performance => 44 }, $ops)->{json} || {};
ok($r10->{id} && $r45->{id}, 'runs 10 and 45 days ago stored');

# ------------------------------------------------------------ list
sub ids_for {
    my ($q) = @_;
    my $x = api(GET => "$L$q", undef, $ops);
    return ($x, [map { $_->{id} } @{ ($x->{json} || {})->{items} || [] }]);
}
my ($x, $ids) = ids_for('?days=30');
is($x->{status}, 200, 'GET ?days=30: 200') or diag($x->{body});
my %in = map { $_ => 1 } @$ids;
ok($in{ $r1->{id} } && $in{ $r10->{id} }, "today's and the 10-days-old run within 30 days");
ok(!$in{ $r45->{id} }, 'the 45-days-old run is not');
{
    my @dates = map { $_->{date} // '' } @{ ($x->{json} || {})->{items} || [] };
    is_deeply(\@dates, [sort { $b cmp $a } @dates], 'newest first');
    my ($item) = grep { ($_->{id} // '') eq $r1->{id} } @{ ($x->{json} || {})->{items} || [] };
    is_deeply({ map { $_ => ($item || {})->{$_} } keys %run }, \%run, 'listed with every field');
}
($x, $ids) = ids_for('');
%in = map { $_ => 1 } @$ids;
ok($in{ $r10->{id} } && !$in{ $r45->{id} }, 'days defaults to 30');
($x, $ids) = ids_for('?days=60');
%in = map { $_ => 1 } @$ids;
ok($in{ $r45->{id} }, '?days=60 includes the 45-days-old run');
($x, $ids) = ids_for('?days=5');
%in = map { $_ => 1 } @$ids;
ok($in{ $r1->{id} } && !$in{ $r10->{id} }, "?days=5: today's run, not the 10-days-old one");
for my $bad (0, -3, 'abc', '1.5') {
    validation_ok(api(GET => "$L?days=$bad", undef, $ops), ['days'], "days=$bad");
}

# ------------------------------------------------------------ validation
{
    my $before = db_value('SELECT count(*) FROM lighthouse_runs');
    validation_ok(api(POST => $L, { %run, performance => 101 }, $ops), ['performance'], 'performance 101');
    validation_ok(api(POST => $L, { %run, accessibility => -1 }, $ops), ['accessibility'], 'accessibility -1');
    validation_ok(api(POST => $L, '{"date":"' . $today . '","performance":90.5,"accessibility":1,"best_practices":1,"seo":1}', $ops),
                  ['performance'], 'a fractional score');
    validation_ok(api(POST => $L, { %run, seo => '90' }, $ops), ['seo'], 'a score as a string');
    validation_ok(api(POST => $L, { %run, best_practices => undef }, $ops), ['best_practices'], 'a null score');
    my %missing = %run;
    delete $missing{seo};
    validation_ok(api(POST => $L, \%missing, $ops), ['seo'], 'a score missing');
    validation_ok(api(POST => $L, { %run, date => '2026-02-30' }, $ops), ['date'], 'date 2026-02-30');
    validation_ok(api(POST => $L, { %run, date => '2026-13-01' }, $ops), ['date'], 'date 2026-13-01');
    validation_ok(api(POST => $L, { %run, date => 'yesterday' }, $ops), ['date'], 'date yesterday');
    validation_ok(api(POST => $L, { %run, date => "${today}T10:00:00Z" }, $ops), ['date'], 'a timestamp for a date');
    validation_ok(api(POST => $L, { %run, date => 20261122 }, $ops), ['date'], 'a number for a date');
    my %nodate = %run;
    delete $nodate{date};
    validation_ok(api(POST => $L, \%nodate, $ops), ['date'], 'date missing');
    validation_ok(api(POST => $L, { date => 'x', performance => 200, accessibility => -5, best_practices => 'a' }, $ops),
                  [qw(date performance accessibility best_practices seo)], 'every bad field named at once');
    is(db_value('SELECT count(*) FROM lighthouse_runs'), $before, 'nothing stored by invalid runs');
}

done_testing();
