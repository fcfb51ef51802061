# Prospects, the kanban board (API.md "Deals, prospects, tasks, documents"):
#   CRUD with 201 + Location / 204, field rules, list with ?stage=, the
#   kanban drag-and-drop PATCH {stage}, and optimistic concurrency: GET gives
#   ETag "vN"; PATCH with the current If-Match -> 200 and a new ETag; a stale
#   one -> 412 and nothing changed; without If-Match the last write wins (two
#   users dragging the same card). Audit entries prospect.*.
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
binmode Test::More->builder->$_, ':utf8' for qw(output failure_output todo_output);

my $P = '/api/v1/prospects';
my $admin = token('admin@acme.example');
my $analyst = token('analyst@acme.example');
my @KEYS = qw(archived company_name contact_email contact_name created_at created_by id notes stage updated_at);

# ------------------------------------------------------------ create / get
my $co = uniq('Prospect Co');
my $r = api(POST => $P, { company_name => $co, contact_name => 'Jane Roe', contact_email => 'jane@roe.example',
                          notes => "Met at the 'dinner'; 50% keen" }, $analyst);
is($r->{status}, 201, 'POST /prospects: 201') or diag($r->{body});
my $p = $r->{json} || {};
my @missing = grep { !exists $p->{$_} } @KEYS;
ok(!@missing, 'prospect has every field') or diag("missing @missing");
is($r->{headers}{location}, "/api/v1/prospects/$p->{id}", 'Location header');
like($r->{headers}{etag}, qr/^"v1-[0-9a-f]{32}"$/, 'ETag "v1"');
is($p->{stage}, 'new', 'stage defaults to new');
is($p->{notes}, "Met at the 'dinner'; 50% keen", 'notes verbatim');
is_deeply($p->{created_by}, { id => $U{analyst}, name => 'Ravi Patel' }, 'created_by = caller');
rfc3339_ok($p->{created_at}, 'created_at');
rfc3339_ok($p->{updated_at}, 'updated_at');

$r = api(GET => "$P/$p->{id}", undef, $admin);
is($r->{status}, 200, 'GET /prospects/{id}: 200');
is_deeply($r->{json}, $p, 'GET answers what POST answered');
like($r->{headers}{etag}, qr/^"v1-[0-9a-f]{32}"$/, 'GET: ETag "v1"');
problem_ok(api(GET => "$P/" . uuid_v4(), undef, $admin), 404, 'not_found', 'unknown prospect');
problem_ok(api(GET => "$P/nope", undef, $admin), 422, 'invalid_id', 'malformed prospect id');

# ------------------------------------------------------------ validation
validation_ok(api(POST => $P, {}, $admin), ['company_name'], 'company_name required');
validation_ok(api(POST => $P, { company_name => '' }, $admin), ['company_name'], 'empty company_name');
validation_ok(api(POST => $P, { company_name => 'x' x 201 }, $admin), ['company_name'], '201-character company_name');
is(api(POST => $P, { company_name => 'ß' x 200 }, $admin)->{status}, 201, '200 two-byte characters: 201');
validation_ok(api(POST => $P, { company_name => 'x', stage => 'won' }, $admin), ['stage'], 'deal stage on a prospect');
validation_ok(api(POST => $P, { company_name => 'x', contact_email => 'not an email' }, $admin), ['contact_email'],
              'contact_email without @');
validation_ok(api(POST => $P, { company_name => '', stage => 'x', contact_email => 'x' }, $admin),
              [qw(company_name stage contact_email)], 'three errors together');
for my $s (qw(new contacted qualified engaged converted lost)) {
    my $x = api(POST => $P, { company_name => uniq("stage $s"), stage => $s }, $admin);
    is($x->{json}{stage}, $s, "stage $s accepted");
}

# ------------------------------------------------------------ list and ?stage=
{
    my $tag = uniq('Board');
    my %c;
    for my $s (qw(new contacted contacted qualified)) {
        my $x = create_ok($admin, $P, { company_name => "$tag $s " . uniq(''), stage => $s });
        push @{ $c{$s} }, $x->{id};
    }
    my $l = api(GET => "$P?stage=contacted&page_size=100", undef, $admin);
    is($l->{status}, 200, 'GET /prospects?stage=contacted: 200');
    is_deeply([sort keys %{ $l->{json} || {} }], [qw(items next_cursor page page_size total total_exact)], 'list shape');
    ok(!grep({ $_->{stage} ne 'contacted' } @{ $l->{json}{items} || [] }), 'only contacted prospects');
    my %ids = map { $_->{id} => 1 } @{ $l->{json}{items} || [] };
    ok($ids{ $c{contacted}[0] } && $ids{ $c{contacted}[1] }, 'both new contacted cards are listed');
    is($l->{json}{total},
       db_value("SELECT count(*) FROM prospects WHERE organization_id = '$ORG{acme}' AND stage = 'contacted'"
                . ' AND deleted_at IS NULL AND NOT archived'), 'total = Acme\'s contacted prospects');
    validation_ok(api(GET => "$P?stage=sourcing", undef, $admin), ['stage'], '?stage=sourcing (a deal stage)');
    validation_ok(api(GET => "$P?page_size=101", undef, $admin), ['page_size'], '?page_size=101');
    validation_ok(api(GET => "$P?sort=company_name;DROP", undef, $admin), ['sort'], '?sort with SQL');
}

# ------------------------------------------------------------ kanban drag-and-drop with If-Match
{
    my $card = create_ok($admin, $P, { company_name => uniq('Card') });
    my $g = api(GET => "$P/$card->{id}", undef, $admin);
    my $etag = $g->{headers}{etag};
    like($etag, qr/^"v1-[0-9a-f]{32}"$/, 'fresh card: ETag "v1"');

    # user A and user B both loaded the board (ETag "v1"); A drags first
    my $a = api(PATCH => "$P/$card->{id}", { stage => 'contacted' }, $admin, headers => ['If-Match' => $etag]);
    is($a->{status}, 200, 'A: PATCH {stage} with the current If-Match: 200') or diag($a->{body});
    is($a->{json}{stage}, 'contacted', 'A: stage contacted');
    like($a->{headers}{etag}, qr/^"v2-[0-9a-f]{32}"$/, 'A: new ETag "v2"');
    is($a->{json}{company_name}, $card->{company_name}, 'A: the rest of the card unchanged');

    my $b = api(PATCH => "$P/$card->{id}", { stage => 'lost' }, $analyst, headers => ['If-Match' => $etag]);
    problem_ok($b, 412, undef, 'B: PATCH with the stale If-Match');
    my ($stage, $version) = db_row("SELECT stage, version FROM prospects WHERE id = '$card->{id}'");
    is("$stage $version", 'contacted 2', 'B\'s stale write changed nothing');
    is(api(GET => "$P/$card->{id}", undef, $analyst)->{json}{stage}, 'contacted', 'GET shows A\'s move');

    # B reloads and retries with the new ETag
    my $g2 = api(GET => "$P/$card->{id}", undef, $analyst);
    like($g2->{headers}{etag}, qr/^"v2-[0-9a-f]{32}"$/, 'B reloads: ETag "v2"');
    my $b2 = api(PATCH => "$P/$card->{id}", { stage => 'qualified' }, $analyst, headers => ['If-Match' => $g2->{headers}{etag}]);
    is($b2->{status}, 200, 'B: retry with the fresh ETag: 200');
    like($b2->{headers}{etag}, qr/^"v3-[0-9a-f]{32}"$/, 'ETag "v3"');

    # without If-Match: the last write wins
    my $x = api(PATCH => "$P/$card->{id}", { stage => 'engaged' }, $admin);
    my $y = api(PATCH => "$P/$card->{id}", { stage => 'converted' }, $analyst);
    is("$x->{status} $y->{status}", '200 200', 'two PATCHes without If-Match: both 200');
    is(db_value("SELECT stage FROM prospects WHERE id = '$card->{id}'"), 'converted', 'the last write wins');
    like($y->{headers}{etag}, qr/^"v5-[0-9a-f]{32}"$/, 'ETag "v5" after five versions');

    is(api(PATCH => "$P/$card->{id}", { stage => 'lost' }, $admin, headers => ['If-Match' => '"v999"'])->{status}, 412,
       'If-Match of a future version: 412');
    is(api(PATCH => "$P/$card->{id}", { stage => 'lost' }, $admin, headers => ['If-Match' => '"abc"'])->{status}, 412,
       'If-Match that is no version of ours: 412');
    is(api(PATCH => "$P/$card->{id}", { stage => 'lost' }, $admin, headers => ['If-Match' => '*'])->{status}, 200,
       'If-Match: * matches an existing card');
    validation_ok(api(PATCH => "$P/$card->{id}", { stage => 'sourcing' }, $admin, headers => ['If-Match' => '"v6"']), ['stage'],
                  'PATCH a bad stage (even with the current If-Match)');
    is(db_value("SELECT stage || ' ' || version FROM prospects WHERE id = '$card->{id}'"), 'lost 6',
       'refused PATCHes changed nothing');
    is(api(PATCH => "$P/" . uuid_v4(), { stage => 'lost' }, $admin, headers => ['If-Match' => '"v1"'])->{status}, 404,
       'PATCH an unknown card with If-Match: 404, not 412');

    my $e = audit_entries(resource_id => $card->{id});
    is_deeply([map { $_->{action} } @$e], ['prospect.create', ('prospect.update') x 5],
              'audit: prospect.create and one prospect.update per successful PATCH (none for 412/422)');

    my $ar = api(PATCH => "$P/$card->{id}", { archived => JSON::PP::true }, $admin);
    is($ar->{status}, 200, 'PATCH {archived:true}: 200');
    is(api(GET => "$P?page_size=100&stage=lost", undef, $admin)->{body} =~ /\Q$card->{id}\E/ ? 1 : 0, 0,
       'an archived card leaves the default list');
    my $del = api(DELETE => "$P/$card->{id}", undef, $analyst);
    is($del->{status}, 204, 'DELETE: 204');
    is(api(GET => "$P/$card->{id}", undef, $admin)->{status}, 404, 'GET after DELETE: 404');
    is(api(DELETE => "$P/$card->{id}", undef, $admin)->{status}, 404, 'DELETE again: 404');
    $e = audit_entries(resource_id => $card->{id});
    is_deeply([map { $_->{action} } @$e[-2, -1]], ['prospect.archive', 'prospect.delete'],
              'audit: prospect.archive, prospect.delete');
}

done_testing();
