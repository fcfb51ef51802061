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
    is(call(POST => $L, undef, \%run)->{status}, 401, 'POST without a token: 401');
    is(call(GET => $L, undef)->{status}, 401, 'GET without a token: 401');
    for my $who ('admin@acme.example', 'analyst@acme.example', 'viewer@acme.example', 'admin@globex.example') {
        problem_ok(call(POST => $L, token($who), \%run), 403, 'forbidden', "POST by $who");
        problem_ok(call(GET => $L, token($who)), 403, 'forbidden', "GET by $who");
    }
    is(db_value('SELECT count(*) FROM lighthouse_runs'), $before, 'nothing stored by refused requests');
}

# ------------------------------------------------------------ store
my $r = call(POST => $L, $ops, \%run);
is($r->{status}, 201, 'master_admin stores a run: 201') or diag($r->{body});
common_headers_ok($r, 'lighthouse POST');
my $r1 = $r->{json} || {};
like($r1->{id} // '', qr/^[0-9a-f-]{36}$/, 'id');
is_deeply({ map { $_ => $r1->{$_} } keys %run }, \%run, 'the run as sent (scores 0 and 100 included)');
is(db_value("SELECT performance || ',' || accessibility || ',' || best_practices || ',' || seo || ',' || run_date"
            . " FROM lighthouse_runs WHERE id = '" . ($r1->{id} // uuid_v4()) . "'"), "91,100,0,77,$today", 'stored');

my $r10 = call(POST => $L, $ops, { %run, date => $d10, performance => 55 })->{json} || {};
my $r45 = call(POST => $L, $ops, { %run, date => $d45, performance => 44 })->{json} || {};
ok($r10->{id} && $r45->{id}, 'runs 10 and 45 days ago stored');

# ------------------------------------------------------------ list
sub ids_for {
    my ($q) = @_;
    my $x = call(GET => "$L$q", $ops);
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
    validation_ok(call(GET => "$L?days=$bad", $ops), ['days'], "days=$bad");
}

# ------------------------------------------------------------ validation
{
    my $before = db_value('SELECT count(*) FROM lighthouse_runs');
    validation_ok(call(POST => $L, $ops, { %run, performance => 101 }), ['performance'], 'performance 101');
    validation_ok(call(POST => $L, $ops, { %run, accessibility => -1 }), ['accessibility'], 'accessibility -1');
    validation_ok(call(POST => $L, $ops, '{"date":"' . $today . '","performance":90.5,"accessibility":1,"best_practices":1,"seo":1}'),
                  ['performance'], 'a fractional score');
    validation_ok(call(POST => $L, $ops, { %run, seo => '90' }), ['seo'], 'a score as a string');
    validation_ok(call(POST => $L, $ops, { %run, best_practices => undef }), ['best_practices'], 'a null score');
    my %missing = %run;
    delete $missing{seo};
    validation_ok(call(POST => $L, $ops, \%missing), ['seo'], 'a score missing');
    validation_ok(call(POST => $L, $ops, { %run, date => '2026-02-30' }), ['date'], 'date 2026-02-30');
    validation_ok(call(POST => $L, $ops, { %run, date => '2026-13-01' }), ['date'], 'date 2026-13-01');
    validation_ok(call(POST => $L, $ops, { %run, date => 'yesterday' }), ['date'], 'date yesterday');
    validation_ok(call(POST => $L, $ops, { %run, date => "${today}T10:00:00Z" }), ['date'], 'a timestamp for a date');
    validation_ok(call(POST => $L, $ops, { %run, date => 20261122 }), ['date'], 'a number for a date');
    my %nodate = %run;
    delete $nodate{date};
    validation_ok(call(POST => $L, $ops, \%nodate), ['date'], 'date missing');
    validation_ok(call(POST => $L, $ops, { date => 'x', performance => 200, accessibility => -5, best_practices => 'a' }),
                  [qw(date performance accessibility best_practices seo)], 'every bad field named at once');
    is(db_value('SELECT count(*) FROM lighthouse_runs'), $before, 'nothing stored by invalid runs');
}

done_testing();
