# GET /deals/{id}/hierarchy (API.md): {deal, documents, tasks, latest_ratios}
# in one answer; documents only those the caller may view; latest_ratios null
# when the deal has none, else the newest; deleted rows and rows of other
# deals left out. Many rows (30 tasks, 12 documents) still come back whole:
# the answer must not depend on a per-row query budget (issue 4: no N+1;
# statement counting needs pg_stat_statements, which the suite does not
# have, so correctness with many rows is what is checked here).
use strict;
use warnings FATAL => 'all';
use utf8;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use Maplat::Api;

plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
diag_to_stderr();

my $admin = token('admin@acme.example');
my $analyst = token('analyst@acme.example');
my $FALCON = '30000000-0000-4000-8000-a00000000001';

my $deal = create_ok($admin, '/api/v1/deals', { name => uniq('Hierarchy deal'), value => 10 });
my $other = create_ok($admin, '/api/v1/deals', { name => uniq('Other deal') });
my $H = "/api/v1/deals/$deal->{id}/hierarchy";

# ------------------------------------------------------------ an empty deal
my $r = api(GET => $H, undef, $admin);
is($r->{status}, 200, 'hierarchy of a new deal: 200') or diag($r->{body});
like($r->{headers}{'content-type'} // '', qr{^application/json}, 'application/json');
is_deeply([sort keys %{ $r->{json} || {} }], [qw(deal documents latest_ratios tasks)],
          '{deal, documents, tasks, latest_ratios}');
is_deeply($r->{json}{deal}, api(GET => "/api/v1/deals/$deal->{id}", undef, $admin)->{json}, 'deal = GET /deals/{id}');
is_deeply($r->{json}{documents}, [], 'documents: []');
is_deeply($r->{json}{tasks}, [], 'tasks: []');
ok(exists $r->{json}{latest_ratios} && !defined $r->{json}{latest_ratios}, 'latest_ratios: null when none');

# ------------------------------------------------------------ many rows
my @tasks = map { create_ok($analyst, '/api/v1/tasks', { title => uniq("H task $_"), deal_id => $deal->{id} }) } 1 .. 30;
create_ok($analyst, '/api/v1/tasks', { title => uniq('task of another deal'), deal_id => $other->{id} });
create_ok($analyst, '/api/v1/tasks', { title => uniq('task of no deal') });
my $gone = create_ok($analyst, '/api/v1/tasks', { title => uniq('deleted task'), deal_id => $deal->{id} });
is(api(DELETE => "/api/v1/tasks/$gone->{id}", undef, $analyst)->{status}, 204, 'a deleted task');

my @mine = map { create_ok($analyst, '/api/v1/documents', { title => uniq("H doc $_"), body => "b$_", deal_id => $deal->{id} }) } 1 .. 8;
my @admins = map { create_ok($admin, '/api/v1/documents', { title => uniq("H admin doc $_"), body => 'x', deal_id => $deal->{id} }) } 1 .. 4;
is(api(PATCH => "/api/v1/documents/$admins[0]{id}/permissions",
       { permissions => [{ user_id => $U{analyst}, level => 'viewer' }] }, $admin)->{status}, 200,
   'one of the admin\'s documents shared with the analyst');
my $gdoc = create_ok($analyst, '/api/v1/documents', { title => uniq('deleted doc'), body => '', deal_id => $deal->{id} });
is(api(DELETE => "/api/v1/documents/$gdoc->{id}", undef, $analyst)->{status}, 204, 'a deleted document');
create_ok($analyst, '/api/v1/documents', { title => uniq('doc of another deal'), body => '', deal_id => $other->{id} });

$r = api(GET => $H, undef, $analyst);
is($r->{status}, 200, 'hierarchy with 30 tasks and 13 documents: 200') or diag($r->{body});
my $j = $r->{json} || {};
is(scalar @{ $j->{tasks} || [] }, 30, 'all 30 tasks of the deal');
is_deeply([map { $_->{id} } @{ $j->{tasks} || [] }], [map { $_->{id} } reverse @tasks],
          'tasks newest first, none deleted, none of other deals');
is_deeply($j->{tasks}[0], api(GET => "/api/v1/tasks/$tasks[-1]{id}", undef, $analyst)->{json},
          'a task in the hierarchy = GET /tasks/{id}');
is_deeply([sort map { $_->{id} } @{ $j->{documents} || [] }], [sort map { $_->{id} } @mine, $admins[0]],
          'documents: the analyst\'s 8 and the one shared with her; not the admin\'s private 3, not deleted, not other deals\'');
my ($shared) = grep { $_->{id} eq $admins[0]{id} } @{ $j->{documents} || [] };
is($shared->{permission}, 'viewer', 'the shared document shows the analyst\'s level: viewer');
ok(!grep({ ($_->{deal_id} // '') ne $deal->{id} } @{ $j->{documents} || [] }), 'every document belongs to the deal');

$r = api(GET => $H, undef, $admin);
is(scalar @{ $r->{json}{documents} || [] }, 12, 'the org admin sees all 12 live documents');
ok(!grep({ $_->{permission} ne 'owner' } @{ $r->{json}{documents} || [] }), 'with owner rights on each');

# ------------------------------------------------------------ latest ratios
$r = api(GET => "/api/v1/deals/$FALCON/hierarchy", undef, $admin);
is($r->{status}, 200, 'hierarchy of the demo deal Project Falcon: 200');
my $lr = $r->{json}{latest_ratios};
ok(ref $lr eq 'HASH', 'Falcon has latest_ratios');
my ($period, $current) = db_row("SELECT period, current_ratio FROM financial_ratios WHERE deal_id = '$FALCON'"
                                . ' ORDER BY created_at DESC, id DESC LIMIT 1');
is($lr->{period}, $period, "latest_ratios is the newest ($period)");
ok(defined $lr->{current_ratio} && abs($lr->{current_ratio} - $current) < 1e-9, 'with its current_ratio');
is($lr->{deal_id}, $FALCON, 'of this deal');
my @tasks_f = @{ $r->{json}{tasks} || [] };
is(scalar @tasks_f, db_value("SELECT count(*) FROM tasks WHERE deal_id = '$FALCON' AND deleted_at IS NULL"),
   'Falcon: all its tasks');

# ------------------------------------------------------------ errors
problem_ok(api(GET => '/api/v1/deals/' . uuid_v4() . '/hierarchy', undef, $admin), 404, 'not_found', 'unknown deal');
problem_ok(api(GET => '/api/v1/deals/x/hierarchy', undef, $admin), 422, 'invalid_id', 'malformed id');
is(api(POST => $H, {}, $admin)->{status}, 405, 'POST on the hierarchy: 405');
like(api(POST => $H, {}, $admin)->{headers}{allow} // '', qr/\bGET\b/, 'Allow names GET');
my $del = api(DELETE => "/api/v1/deals/$other->{id}", undef, $admin);
is(api(GET => "/api/v1/deals/$other->{id}/hierarchy", undef, $admin)->{status}, 404, 'deleted deal: 404');

done_testing();
