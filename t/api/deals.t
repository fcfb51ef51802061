# Deals (API.md "Deals, prospects, tasks, documents"; SECURITY.md 37-39):
#   POST/GET/PATCH/DELETE with the documented shape, 201 + Location, 204,
#   ETag / If-Match; list filters (stage, archived, q with literal % and _),
#   sort, pagination (defaults, limits, every bad value -> 422); every field
#   rule of the body, all errors of a request together; unknown fields ignored,
#   forbidden fields never taken from the body; SQL metacharacters and Unicode
#   stored verbatim; the audit entries each mutation writes.
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

my $D = '/api/v1/deals';
my $admin = token('admin@acme.example');
my $analyst = token('analyst@acme.example');

my @DEAL_KEYS = qw(archived created_at created_by currency description id name stage
                   target_company updated_at value);

sub deal_shape_ok {
    my ($d, $name) = @_;
    $d = {} unless ref $d eq 'HASH';
    my @missing = grep { !exists $d->{$_} } @DEAL_KEYS;
    ok(!@missing, "$name: has every deal field") or diag("missing: @missing");
    like($d->{id} // '', qr/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, "$name: id is a UUID");
    ok(ref $d->{created_by} eq 'HASH' && defined $d->{created_by}{id} && defined $d->{created_by}{name},
       "$name: created_by is {id, name}");
    rfc3339_ok($d->{created_at}, "$name: created_at");
    rfc3339_ok($d->{updated_at}, "$name: updated_at");
    ok(JSON::PP::is_bool($d->{archived}), "$name: archived is a JSON boolean");
}

# ------------------------------------------------------------ authentication
{
    my $r = api(GET => $D, undef, undef);
    is($r->{status}, 401, 'GET /deals without a token: 401');
    $r = api(POST => $D, { name => 'x' }, undef);
    is($r->{status}, 401, 'POST /deals without a token: 401');
}

# ------------------------------------------------------------ create: defaults
my $name1 = uniq('Deal min');
my $r = api(POST => $D, { name => $name1 }, $admin);
is($r->{status}, 201, 'POST {name}: 201') or diag($r->{body});
common_headers_ok($r, 'POST /deals');
like($r->{headers}{'content-type'} // '', qr{^application/json}, 'POST: application/json');
my $d1 = $r->{json} || {};
deal_shape_ok($d1, 'created deal');
is($r->{headers}{location}, "/api/v1/deals/$d1->{id}", 'Location: /api/v1/deals/{id}');
like($r->{headers}{etag}, qr/^"v1-[0-9a-f]{32}"$/, 'ETag "v1" on create');
is($d1->{name}, $name1, 'name as sent');
is($d1->{stage}, 'sourcing', 'stage defaults to sourcing');
is($d1->{currency}, 'GBP', 'currency defaults to GBP');
ok(defined $d1->{value} && $d1->{value} == 0, 'value defaults to 0');
ok(exists $d1->{target_company} && !defined $d1->{target_company}, 'target_company null when not given');
ok(exists $d1->{description} && !defined $d1->{description}, 'description null when not given');
ok(!$d1->{archived}, 'archived false');
is_deeply($d1->{created_by}, { id => $U{admin}, name => 'Amelia Hart' }, 'created_by = the caller {id, name}');
is(db_value("SELECT organization_id FROM deals WHERE id = '$d1->{id}'"), $ORG{acme}, 'stored in the caller\'s organization');

# ------------------------------------------------------------ create: every field
my $name2 = uniq('Deal full');
$r = api(POST => $D, qq({"name":"$name2","target_company":"Target Ltd","stage":"negotiation",
                         "value":12.34,"currency":"EUR","description":"Desc"}), $admin);
is($r->{status}, 201, 'POST with every field: 201') or diag($r->{body});
my $d2 = $r->{json} || {};
is_deeply({ map { $_ => $d2->{$_} } qw(name target_company stage currency description) },
          { name => $name2, target_company => 'Target Ltd', stage => 'negotiation', currency => 'EUR',
            description => 'Desc' }, 'fields as sent');
like($r->{body}, qr/"value"\s*:\s*12\.34[,}]/, 'value 12.34 returned exactly (JSON number 12.34)');
is(db_value("SELECT value::text FROM deals WHERE id = '$d2->{id}'"), '12.34', 'value stored as numeric 12.34');

# ------------------------------------------------------------ GET
$r = api(GET => "$D/$d2->{id}", undef, $admin);
is($r->{status}, 200, 'GET /deals/{id}: 200');
is_deeply($r->{json}, $d2, 'GET answers what POST answered');
like($r->{headers}{etag}, qr/^"v1-[0-9a-f]{32}"$/, 'GET: ETag "v1"');
like($r->{body}, qr/"value"\s*:\s*12\.34[,}]/, 'GET: value 12.34 exactly');
$r = api(GET => "$D/" . uuid_v4(), undef, $admin);
problem_ok($r, 404, 'not_found', 'GET unknown deal');
$r = api(GET => "$D/not-a-uuid", undef, $admin);
problem_ok($r, 422, 'invalid_id', 'GET malformed id');
$r = api(GET => "$D/30000000-0000-4000-8000-a0000000000", undef, $admin);
is($r->{status}, 422, 'GET 35-character id: 422');

# ------------------------------------------------------------ PATCH
$r = api(PATCH => "$D/$d2->{id}", { stage => 'closing' }, $analyst);
is($r->{status}, 200, 'PATCH {stage} by a member: 200') or diag($r->{body});
my $p = $r->{json} || {};
deal_shape_ok($p, 'patched deal');
is($p->{stage}, 'closing', 'stage changed');
is_deeply({ map { $_ => $p->{$_} } qw(id name target_company currency description created_at created_by) },
          { map { $_ => $d2->{$_} } qw(id name target_company currency description created_at created_by) },
          'other fields unchanged (PATCH is partial)');
like($r->{body}, qr/"value"\s*:\s*12\.34[,}]/, 'value untouched');
like($r->{headers}{etag}, qr/^"v2-[0-9a-f]{32}"$/, 'PATCH: ETag "v2"');
ok($p->{updated_at} ge $d2->{updated_at}, 'updated_at moved on (or stayed within the second)');

$r = api(PATCH => "$D/$d2->{id}", { target_company => undef, description => undef }, $admin);
is($r->{status}, 200, 'PATCH nullable fields to null: 200');
ok(!defined $r->{json}{target_company} && !defined $r->{json}{description}, 'target_company, description now null');

$r = api(PATCH => "$D/$d2->{id}", { name => undef }, $admin);
validation_ok($r, ['name'], 'PATCH name null');
$r = api(PATCH => "$D/$d2->{id}", { name => '' }, $admin);
validation_ok($r, ['name'], 'PATCH name ""');
is(db_value("SELECT name FROM deals WHERE id = '$d2->{id}'"), $name2, 'name unchanged after refused PATCHes');

$r = api(PATCH => "$D/" . uuid_v4(), { stage => 'won' }, $admin);
problem_ok($r, 404, 'not_found', 'PATCH unknown deal');
$r = api(PATCH => "$D/xyz", { stage => 'won' }, $admin);
problem_ok($r, 422, 'invalid_id', 'PATCH malformed id');
$r = api(PATCH => "$D/$d2->{id}", '{"stage":', $admin);
problem_ok($r, 400, 'invalid_json', 'PATCH with broken JSON');
$r = http(PATCH => "$D/$d2->{id}", body => '{"stage":"won"}', content_type => 'text/plain',
          headers => ['Authorization' => "Bearer $admin"]);
problem_ok($r, 415, 'unsupported_media_type', 'PATCH as text/plain');
is(db_value("SELECT stage FROM deals WHERE id = '$d2->{id}'"), 'closing', 'stage unchanged by refused requests');

# ------------------------------------------------------------ ETag / If-Match
{
    my $g = api(GET => "$D/$d2->{id}", undef, $admin);
    my $etag = $g->{headers}{etag} // '';
    like($etag, qr/^"v\d+-[0-9a-f]{32}"$/, "GET gives ETag \"vN-<digest>\" ($etag)");
    my ($n) = $etag =~ /(\d+)/;
    $n //= 0;
    my $ok = api(PATCH => "$D/$d2->{id}", { stage => 'won' }, $admin, headers => ['If-Match' => $etag]);
    is($ok->{status}, 200, 'PATCH with the current If-Match: 200') or diag($ok->{body});
    like($ok->{headers}{etag}, qr/^"v@{[$n + 1]}-[0-9a-f]{32}"$/, 'new ETag');
    my $stale = api(PATCH => "$D/$d2->{id}", { stage => 'lost' }, $admin, headers => ['If-Match' => $etag]);
    problem_ok($stale, 412, undef, 'PATCH with a stale If-Match');
    is(db_value("SELECT stage FROM deals WHERE id = '$d2->{id}'"), 'won', 'stale If-Match: nothing changed');
    my $junk = api(PATCH => "$D/$d2->{id}", { stage => 'lost' }, $admin, headers => ['If-Match' => 'garbage']);
    is($junk->{status}, 412, 'PATCH with an unparseable If-Match: 412');
    # If-Match uses the strong comparison (RFC 9110 13.1.1): a weak tag never matches
    my $cur = $ok->{headers}{etag} // '';
    my $weak = api(PATCH => "$D/$d2->{id}", { stage => 'evaluation' }, $admin, headers => ['If-Match' => "W/$cur"]);
    problem_ok($weak, 412, 'precondition_failed', 'weak form W/ of the current ETag: 412');
    $weak = api(PATCH => "$D/$d2->{id}", { stage => 'evaluation' }, $admin, headers => ['If-Match' => 'W/"v' . ($n + 1) . '"']);
    is($weak->{status}, 412, 'weak W/"vN" of the current version: 412');
    is(db_value("SELECT stage FROM deals WHERE id = '$d2->{id}'"), 'won', 'weak If-Match: nothing changed');
    my $short = api(PATCH => "$D/$d2->{id}", { stage => 'evaluation' }, $admin, headers => ['If-Match' => '"v' . ($n + 1) . '"']);
    is($short->{status}, 200, 'the version alone ("vN") still matches: the version is the stored state');
    my $nomatch = api(PATCH => "$D/$d2->{id}", { stage => 'negotiation' }, $admin);
    is($nomatch->{status}, 200, 'PATCH without If-Match: last write wins');
    is(db_value("SELECT stage FROM deals WHERE id = '$d2->{id}'"), 'negotiation', 'the last write is there');
}

# ------------------------------------------------------------ DELETE
{
    my $del = create_ok($admin, $D, { name => uniq('Deal to delete') });
    my $x = api(DELETE => "$D/$del->{id}", undef, $admin);
    is($x->{status}, 204, 'DELETE: 204');
    is($x->{body}, '', 'DELETE: no body');
    problem_ok(api(GET => "$D/$del->{id}", undef, $admin), 404, 'not_found', 'GET after DELETE');
    is(api(DELETE => "$D/$del->{id}", undef, $admin)->{status}, 404, 'DELETE again: 404');
    is(api(PATCH => "$D/$del->{id}", { stage => 'won' }, $admin)->{status}, 404, 'PATCH a deleted deal: 404');
    is(api(GET => "$D/$del->{id}/hierarchy", undef, $admin)->{status}, 404, 'hierarchy of a deleted deal: 404');
    is(api(DELETE => "$D/" . uuid_v4(), undef, $admin)->{status}, 404, 'DELETE unknown: 404');
    problem_ok(api(DELETE => "$D/1234", undef, $admin), 422, 'invalid_id', 'DELETE malformed id');
    my $l = api(GET => "$D?q=" . enc($del->{name}), undef, $admin);
    is($l->{json}{total}, 0, 'a deleted deal is not listed');
    my $audit = audit_entries(resource_id => $del->{id});
    is_deeply([map { $_->{action} } @$audit], ['deal.create', 'deal.delete'], 'audit: deal.create, deal.delete');
}

# ------------------------------------------------------------ audit entries of deal mutations
{
    my $a = create_ok($admin, $D, { name => uniq('Deal audited') });
    api(PATCH => "$D/$a->{id}", { name => uniq('Deal audited renamed'), value => 5 }, $analyst);
    api(PATCH => "$D/$a->{id}", { archived => JSON::PP::true }, $admin);
    api(PATCH => "$D/$a->{id}", { archived => JSON::PP::false }, $admin);
    api(PATCH => "$D/$a->{id}", { archived => JSON::PP::true, stage => 'won' }, $admin);
    my $e = audit_entries(resource_id => $a->{id});
    is_deeply([map { $_->{action} } @$e],
              [qw(deal.create deal.update deal.archive deal.unarchive deal.update)],
              'audit: create, update, archive (PATCH {archived:true} alone), unarchive, update (archived with other fields)');
    is_deeply([map { $_->{user_id} } @$e], [$U{admin}, $U{analyst}, $U{admin}, $U{admin}, $U{admin}],
              'audit: the acting user of each');
    ok(!grep({ $_->{organization_id} ne $ORG{acme} || $_->{source} ne 'server' } @$e),
       'audit: Acme\'s, written by the server');
    my $refused = api(PATCH => "$D/$a->{id}", { stage => 'nope' }, $admin);
    is($refused->{status}, 422, 'refused PATCH');
    is(scalar @{ audit_entries(resource_id => $a->{id}) }, 5, 'a refused PATCH writes no audit entry');
}

# ------------------------------------------------------------ validation: name
{
    my @cases = (
        ['missing name',            {},                                ['name']],
        ['empty name',              { name => '' },                    ['name']],
        ['null name',               { name => undef },                 ['name']],
        ['numeric name',            { name => 123 },                   ['name']],
        ['201 ASCII characters',    { name => 'a' x 201 },             ['name']],
        ['201 two-byte characters', { name => 'é' x 201 },             ['name']],
        ['201 emoji',               { name => '😀' x 201 },            ['name']],
        ['bad stage',               { name => 'x', stage => 'bogus' }, ['stage']],
        ['upper-case stage',        { name => 'x', stage => 'WON' },   ['stage']],
        ['stage null',              { name => 'x', stage => undef },   ['stage']],
        ['target_company 201',      { name => 'x', target_company => 'b' x 201 }, ['target_company']],
        ['archived "yes"',          { name => 'x', archived => 'yes' }, ['archived']],
    );
    for my $c (@cases) {
        my ($n, $body, $fields) = @$c;
        validation_ok(api(POST => $D, $body, $admin), $fields, "POST $n");
    }
    for my $c (['200 ASCII characters', 'a'], ['200 two-byte characters', 'é'], ['200 emoji (800 bytes)', '😀'],
               ['1 character', undef]) {
        my ($n, $ch) = @$c;
        my $name = defined $ch ? $ch x 200 : 'Z';
        my $x = api(POST => $D, { name => $name }, $admin);
        is($x->{status}, 201, "POST name of $n: 201") or diag($x->{body});
        is($x->{json}{name}, $name, "name of $n returned as sent");
        api(DELETE => "$D/$x->{json}{id}", undef, $admin) if $x->{json}{id};
    }
}

# ------------------------------------------------------------ validation: money and currency
{
    my @bad = (
        ['-1',                      '-1'],
        ['1e400',                   '1e400'],
        ['2^63',                    '9223372036854775808'],
        ['1.234 (3 decimals)',      '1.234'],
        ['"12" (a string)',         '"12"'],
        ['10^16 (17 digits)',       '10000000000000000'],
        ['-0.01',                   '-0.01'],
        ['true',                    'true'],
        ['null',                    'null'],
        ['an object',               '{"amount":1}'],
    );
    for my $c (@bad) {
        my ($n, $json) = @$c;
        my $x = api(POST => $D, qq({"name":"money","value":$json}), $admin);
        validation_ok($x, ['value'], "value $n");
    }
    for my $c (['12.34', '12.34'], ['0', '0.00'], ['7', '7.00'], ['0.5', '0.50'],
               ['9999999999999999.99', '9999999999999999.99']) {
        my ($json, $stored) = @$c;
        my $x = api(POST => $D, qq({"name":"money ok","value":$json}), $admin);
        is($x->{status}, 201, "value $json: 201") or diag($x->{body});
        my $id = $x->{json}{id} // uuid_v4();
        is(db_value("SELECT value::text FROM deals WHERE id = '$id'"), $stored, "value $json stored as $stored");
        api(DELETE => "$D/$id", undef, $admin);
    }
    like(api(GET => "$D/$d2->{id}", undef, $admin)->{body} // '', qr/"value"\s*:\s*12\.34[,}]/,
         'value 12.34 still exact after PATCHes');
    for my $cur ('gbp', 'GB', 'GBPX', 'G1P', 'ÉUR', '') {
        validation_ok(api(POST => $D, { name => 'cur', currency => $cur }, $admin), ['currency'], "currency '$cur'");
    }
    validation_ok(api(POST => $D, { name => 'cur', currency => 826 }, $admin), ['currency'], 'currency 826 (number)');
    my $x = api(POST => $D, { name => uniq('cur'), currency => 'CHF' }, $admin);
    is($x->{json}{currency}, 'CHF', 'currency CHF accepted');
    validation_ok(api(PATCH => "$D/$d2->{id}", qq({"value":1.001}), $admin), ['value'], 'PATCH value 1.001');
    validation_ok(api(PATCH => "$D/$d2->{id}", { currency => 'eur' }, $admin), ['currency'], 'PATCH currency eur');
}

# ------------------------------------------------------------ all errors of a request together
{
    my $x = api(POST => $D, qq({"name":"","stage":"nope","value":-1,"currency":"x","archived":1}), $admin);
    validation_ok($x, [qw(name stage value currency archived)], 'POST with five bad fields');
    $x = api(PATCH => "$D/$d2->{id}", qq({"name":"","stage":"nope","value":1.234,"currency":"usd"}), $admin);
    validation_ok($x, [qw(name stage value currency)], 'PATCH with four bad fields');
    is(db_value("SELECT stage FROM deals WHERE id = '$d2->{id}'"), 'negotiation', 'nothing changed');
}

# ------------------------------------------------------------ unknown and forbidden fields
{
    my $fake = uuid_v4();
    my $x = api(POST => $D, { name => uniq('mass'), foo => 'bar', nested => { a => [1] },
                              id => $fake, organization_id => $ORG{globex},
                              created_by => $U{globex}, created_at => '2001-01-01T00:00:00Z',
                              updated_at => '2001-01-01T00:00:00Z', version => 99, deleted_at => '2001-01-01T00:00:00Z' },
                $admin);
    is($x->{status}, 201, 'POST with unknown and forbidden fields: 201 (ignored)') or diag($x->{body});
    my $m = $x->{json} || {};
    isnt($m->{id}, $fake, 'id not taken from the body');
    is($m->{created_by}{id}, $U{admin}, 'created_by not taken from the body');
    unlike($m->{created_at} // '', qr/^2001/, 'created_at not taken from the body');
    unlike($m->{updated_at} // '', qr/^2001/, 'updated_at not taken from the body');
    ok(!exists $m->{foo}, 'unknown field not echoed');
    is(db_value("SELECT organization_id || ' ' || version || ' ' || (deleted_at IS NULL) FROM deals WHERE id = '$m->{id}'"),
       "$ORG{acme} 1 true", 'organization_id, version, deleted_at not taken from the body');
    is(db_value("SELECT count(*) FROM deals WHERE id = '$fake'"), 0, 'no row with the id from the body');

    my $y = api(PATCH => "$D/$m->{id}", { id => $fake, organization_id => $ORG{globex}, created_by => $U{globex},
                                          created_at => '2001-01-01T00:00:00Z', stage => 'won' }, $admin);
    is($y->{status}, 200, 'PATCH with forbidden fields: 200') or diag($y->{body});
    is(db_value("SELECT id || ' ' || organization_id || ' ' || created_by || ' ' || (created_at > '2002-01-01') || ' ' || stage"
                . " FROM deals WHERE id = '$m->{id}'"),
       "$m->{id} $ORG{acme} $U{admin} true won", 'PATCH: only stage changed; id, organization, creator, created_at kept');
    is(api(GET => "$D/$m->{id}", undef, token('admin@globex.example'))->{status}, 404, 'and Globex still cannot see it');
}

# ------------------------------------------------------------ verbatim storage
{
    my @values = (
        q{Robert'); DROP TABLE deals;--},
        q{" OR 1=1 -- ; /* */ \\ \\' %s %d $1},
        q{100% _under_score_ \\% \\_ [a-z]* ^$},
        "Emoji 😀🚀 ünïcödé 日本語 עברית \x{202E}RTL-override\x{202C} العربية",
        "tab\tnew\nline \"quoted\" back\\slash",
    );
    for my $i (0 .. $#values) {
        my $v = $values[$i];
        my $x = api(POST => $D, { name => $v, target_company => $v, description => $v }, $admin);
        is($x->{status}, 201, "metacharacters #$i: 201") or diag($x->{body});
        my $id = $x->{json}{id} // uuid_v4();
        is_deeply([map { $x->{json}{$_} } qw(name target_company description)], [$v, $v, $v],
                  "metacharacters #$i: returned verbatim");
        my $g = api(GET => "$D/$id", undef, $admin);
        is($g->{json}{name}, $v, "metacharacters #$i: GET returns it verbatim");
        my $hex = unpack 'H*', do { my $b = $v; utf8::encode($b); $b };
        is(db_value("SELECT count(*) FROM deals WHERE id = '$id' AND name = convert_from('\\x$hex'::bytea, 'UTF8')"
                    . " AND target_company = name AND description = name"), 1,
           "metacharacters #$i: stored byte for byte");
        api(DELETE => "$D/$id", undef, $admin);
    }
    ok(db_value("SELECT count(*) FROM deals") > 0, 'the deals table is still there');
    # \u0000 is refused or kept intact, never truncated
    my $x = api(POST => $D, '{"name":"nul\u0000byte"}', $admin);
    ok($x->{status} == 400 || $x->{status} == 422 || ($x->{status} == 201 && $x->{json}{name} eq "nul\0byte"),
       "name with \\u0000: refused (400/422) or stored intact (got $x->{status})") or diag($x->{body});
}

# ------------------------------------------------------------ list: shape, filters, search
my $P = uniq('Flt');
my %L;
{
    my @rows = (
        [alpha   => { name => "$P Alpha",        stage => 'sourcing',   value => 300 }],
        [beta    => { name => "$P beta",         stage => 'evaluation', value => 100, target_company => "$P-TC Beta Holdings" }],
        [gamma   => { name => "$P Gamma",        stage => 'sourcing',   value => 200, archived => JSON::PP::true }],
        [pct     => { name => "$P 100% sure",    stage => 'won',        value => 400 }],
        [pctx    => { name => "$P 100x sure",    stage => 'won',        value => 500 }],
        [under   => { name => "$P under_score",  stage => 'lost',       value => 600 }],
        [underx  => { name => "$P underXscore",  stage => 'lost',       value => 700 }],
        [delta   => { name => "$P DELTA",        stage => 'closing',    value => 50 }],
    );
    for my $row (@rows) {
        $L{ $row->[0] } = create_ok($analyst, $D, $row->[1]);
    }
}
sub names_of { my ($r) = @_; [map { $_->{name} } @{ ref $r->{json} eq 'HASH' && ref $r->{json}{items} eq 'ARRAY' ? $r->{json}{items} : [] }] }
{
    my $x = api(GET => $D, undef, $admin);
    is($x->{status}, 200, 'GET /deals: 200');
    my $j = $x->{json} || {};
    is_deeply([sort keys %$j], [qw(items next_cursor page page_size total total_exact)],
              'list: {items, page, page_size, total, total_exact, next_cursor}');
    is($j->{page}, 1, 'page defaults to 1');
    is($j->{page_size}, 20, 'page_size defaults to 20');
    my $live = db_value("SELECT count(*) FROM deals WHERE organization_id = '$ORG{acme}' AND deleted_at IS NULL AND NOT archived");
    is($j->{total}, $live, "total = Acme's live, unarchived deals ($live)");
    is(scalar @{ $j->{items} || [] }, $live < 20 ? $live : 20, 'a page of at most 20');
    deal_shape_ok($j->{items}[0], 'list item');
    ok(!grep({ $_->{archived} } @{ $j->{items} || [] }), 'archived defaults to false');

    $x = api(GET => "$D?q=" . enc($P), undef, $admin);
    is($x->{json}{total}, 7, "q=$P: the 7 unarchived deals of this run");
    is_deeply(names_of($x), [map { $L{$_}{name} } qw(delta underx under pctx pct beta alpha)],
              'newest first by default');
    $x = api(GET => "$D?q=" . enc(uc $P), undef, $admin);
    is($x->{json}{total}, 7, 'q is case-insensitive (upper-cased)');
    $x = api(GET => "$D?q=" . enc(lc "$P delta"), undef, $admin);
    is_deeply(names_of($x), ["$P DELTA"], 'q lower-case finds an upper-case name');
    $x = api(GET => "$D?q=" . enc(lc "$P-tc beta hold"), undef, $admin);
    is_deeply(names_of($x), ["$P beta"], 'q matches target_company');
    $x = api(GET => "$D?q=" . enc("$P 100%"), undef, $admin);
    is_deeply(names_of($x), ["$P 100% sure"], 'q: % is a literal percent sign');
    $x = api(GET => "$D?q=" . enc("$P under_"), undef, $admin);
    is_deeply(names_of($x), ["$P under_score"], 'q: _ is a literal underscore');
    $x = api(GET => "$D?q=" . enc('%'), undef, $admin);
    ok(!grep({ index($_->{name}, '%') < 0 && index($_->{target_company} // '', '%') < 0 } @{ $x->{json}{items} || [] }),
       'q=%: only deals containing %');
    $x = api(GET => "$D?q=" . enc('_'), undef, $admin);
    ok(!grep({ index($_->{name}, '_') < 0 && index($_->{target_company} // '', '_') < 0 } @{ $x->{json}{items} || [] }),
       'q=_: only deals containing _');
    $x = api(GET => "$D?q=" . enc(q{' OR 1=1 --}), undef, $admin);
    is($x->{status}, 200, 'q with SQL metacharacters: 200');
    is($x->{json}{total}, 0, 'q with SQL metacharacters matches nothing');
    $x = api(GET => "$D?q=" . enc("$P") . '&stage=sourcing', undef, $admin);
    is_deeply(names_of($x), ["$P Alpha"], 'stage=sourcing (and archived Gamma left out)');
    $x = api(GET => "$D?q=" . enc("$P") . '&stage=won', undef, $admin);
    is($x->{json}{total}, 2, 'stage=won: 2');
    $x = api(GET => "$D?q=" . enc("$P") . '&archived=true', undef, $admin);
    is_deeply(names_of($x), ["$P Gamma"], 'archived=true: only the archived deal');
    $x = api(GET => "$D?archived=true", undef, $admin);
    ok(!grep({ !$_->{archived} } @{ $x->{json}{items} || [] }), 'archived=true lists only archived deals');
    $x = api(GET => "$D?q=" . enc("$P") . '&archived=false', undef, $admin);
    is($x->{json}{total}, 7, 'archived=false: 7');
    validation_ok(api(GET => "$D?stage=bogus", undef, $admin), ['stage'], 'stage=bogus');
    validation_ok(api(GET => "$D?archived=maybe", undef, $admin), ['archived'], 'archived=maybe');
    # case-insensitive beyond ASCII (the pattern is lower-cased in C, the column in SQL)
    my $U8 = uniq('Ü8');
    my $acc = create_ok($admin, $D, { name => "$U8 Élan Ñandú" });
    for my $q ("$U8 Élan Ñandú", lc("$U8 élan ñandú"), uc("$U8 élan ñandú")) {
        $x = api(GET => "$D?q=" . enc($q), undef, $admin);
        is_deeply([map { $_->{id} } @{ $x->{json}{items} || [] }], [$acc->{id}], "q='$q' finds '$U8 Élan Ñandú'");
    }
    api(DELETE => "$D/$acc->{id}", undef, $admin);
    # q is limited to 200 characters, like a name: a deal named with 200
    # two-byte characters must be findable by its whole name
    my $long = create_ok($admin, $D, { name => 'é' x 200 });
    $x = api(GET => "$D?q=" . enc('é' x 200), undef, $admin);
    is($x->{status}, 200, 'q of 200 two-byte characters (400 bytes): 200') or diag($x->{body});
    ok(grep({ $_ eq $long->{id} } map { $_->{id} } @{ $x->{json}{items} || [] }),
       'q = the whole 200-character name finds the deal');
    api(DELETE => "$D/$long->{id}", undef, $admin);
    validation_ok(api(GET => "$D?q=" . ('a' x 201), undef, $admin), ['q'], 'q of 201 characters');
}

# ------------------------------------------------------------ sort
{
    my $base = "$D?q=" . enc($P) . '&archived=false&sort=';
    my @all = map { $L{$_} } qw(alpha beta pct pctx under underx delta);
    my %sorts = (
        'name'        => [map { $_->{name} } sort { lc $a->{name} cmp lc $b->{name} } @all],
        '-name'       => [map { $_->{name} } sort { lc $b->{name} cmp lc $a->{name} } @all],
        'value'       => [map { $_->{name} } sort { $a->{value} <=> $b->{value} } @all],
        '-value'      => [map { $_->{name} } sort { $b->{value} <=> $a->{value} } @all],
        'created_at'  => [map { $_->{name} } @all],
        '-created_at' => [map { $_->{name} } reverse @all],
    );
    for my $s (sort keys %sorts) {
        my $x = api(GET => $base . $s, undef, $admin);
        is($x->{status}, 200, "sort=$s: 200");
        is_deeply(names_of($x), $sorts{$s}, "sort=$s: order");
    }
    for my $bad ('bogus', 'name;DELETE', 'name%3BDELETE%20FROM%20deals', 'NAME', 'name,value', '', 'due_date',
                 'lower(name)', '-') {
        validation_ok(api(GET => $base . $bad, undef, $admin), ['sort'], "sort=$bad");
    }
    ok(db_value("SELECT count(*) FROM deals WHERE name LIKE '$P%'") == 8, 'sort=name;DELETE deleted nothing');
}

# ------------------------------------------------------------ pagination
{
    my $base = "$D?q=" . enc($P) . '&sort=value';
    my @order = map { $_->{name} } sort { $a->{value} <=> $b->{value} } map { $L{$_} } qw(alpha beta pct pctx under underx delta);
    my $x = api(GET => "$base&page_size=3", undef, $admin);
    is_deeply([@{ $x->{json} }{qw(page page_size total)}], [1, 3, 7], 'page_size=3: page 1, page_size 3, total 7');
    is_deeply(names_of($x), [@order[0 .. 2]], 'page 1 of 3');
    $x = api(GET => "$base&page_size=3&page=2", undef, $admin);
    is_deeply(names_of($x), [@order[3 .. 5]], 'page 2 of 3');
    $x = api(GET => "$base&page_size=3&page=3", undef, $admin);
    is_deeply(names_of($x), [$order[6]], 'page 3: the last one');
    $x = api(GET => "$base&page_size=3&page=4", undef, $admin);
    is($x->{status}, 200, 'page past the end: 200');
    is_deeply([$x->{json}{items}, $x->{json}{total}], [[], 7], 'page past the end: no items, total still 7');
    $x = api(GET => "$base&page_size=100", undef, $admin);
    is($x->{json}{page_size}, 100, 'page_size=100 allowed');
    $x = api(GET => "$base&page_size=1", undef, $admin);
    is(scalar @{ $x->{json}{items} || [] }, 1, 'page_size=1 allowed');
    $x = api(GET => "$base&page=1000000", undef, $admin);
    is($x->{status}, 200, 'page=1000000: 200 (empty)');
    for my $bad (qw(0 -1 1000000000 abc 9223372036854775808 18446744073709551617 101 1.5 1e2), '', '%20', '+5', '0x10') {
        validation_ok(api(GET => "$D?page_size=$bad", undef, $admin), ['page_size'], "page_size=$bad");
    }
    for my $bad (qw(0 -1 abc 9223372036854775808 1.5), '') {
        validation_ok(api(GET => "$D?page=$bad", undef, $admin), ['page'], "page=$bad");
    }
    validation_ok(api(GET => "$D?page=0&page_size=0&sort=x&stage=y", undef, $admin), [qw(page page_size sort stage)],
                  'four bad query parameters reported together');
}

# ------------------------------------------------------------ query strings as browsers encode them
# (application/x-www-form-urlencoded: '+' is a space, %XX a byte; for every parameter)
{
    my $falcon = '30000000-0000-4000-8000-a00000000001';    # the demo data's "Project Falcon"
    for my $q ('project+falcon', 'project%20falcon', 'Project+Falcon', 'project+%66alcon') {
        my $x = api(GET => "$D?q=$q", undef, $admin);
        is($x->{status}, 200, "q=$q: 200");
        ok(grep({ $_->{id} eq $falcon } @{ $x->{json}{items} || [] }), "q=$q finds \"Project Falcon\"")
            or diag($x->{body});
    }
    my $plus = create_ok($admin, $D, { name => uniq('C++ roll-up') . ' a+b' });
    my ($tag) = $plus->{name} =~ /^(.*) a\+b$/;
    my $x = api(GET => "$D?q=" . enc($tag) . '+a%2Bb', undef, $admin);
    is_deeply([map { $_->{id} } @{ $x->{json}{items} || [] }], [$plus->{id}], '%2B stays a literal plus');
    $x = api(GET => "$D?q=" . enc($tag) . '+a+b', undef, $admin);
    is($x->{json}{total}, 0, "'+' is a space: 'a b' does not match 'a+b'");
    $x = api(GET => "$D?q=" . enc("$P") . '&stage=due%5Fdiligence&archived=fals%65', undef, $admin);
    is($x->{status}, 200, 'every parameter is decoded: stage=due%5Fdiligence, archived=fals%65') or diag($x->{body});
    $x = api(GET => "$D?page_size=%32&page=%31", undef, $admin);
    is($x->{json}{page_size}, 2, 'page_size=%32 is 2');
    for my $bad (['q=%', 'q'], ['q=%4', 'q'], ['q=%zz', 'q'], ['q=%00', 'q'], ['q=a%00b', 'q'],
                 ['q=%FF', 'q'], ['q=%C3', 'q'], ['q=%C0%AF', 'q'], ['q=%ED%A0%80', 'q'],
                 ['stage=%G1', 'stage'], ['page=1&q=ok&sort=%', 'sort'], ['%zz=1', 'query']) {
        my ($qs, $field) = @$bad;
        my $r = api(GET => "$D?$qs", undef, $admin);
        validation_ok($r, [$field], "?$qs refused naming '$field'");
        is($r->{json}{detail}, 'the query string cannot be decoded', "?$qs: detail");
    }
    # the same rule on another module's route
    validation_ok(api(GET => "/api/v1/users?page=%", undef, $admin), ['page'], 'GET /users?page=% refused too');
}

done_testing();
