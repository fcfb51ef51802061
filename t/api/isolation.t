# Tenant isolation matrix (SECURITY.md 22, 23, 26; API.md "Conventions"):
#   for every {id} route and method, Globex's token on Acme's ids -> 404 with
#   a body identical (apart from correlation_id) to the 404 for a random
#   nonexistent UUID, and the row unchanged (checked in the database); the
#   same the other way round; Acme reads each row first, so a cached answer
#   of Acme's can never be served to Globex; lists, totals, filters and
#   hierarchy never include another organization's rows; malformed ids ->
#   422 invalid_id on every {id} route.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use Maplat::Api;

plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
diag_to_stderr();

my $acme = token('admin@acme.example');
my $analyst = token('analyst@acme.example');
my $globex = token('admin@globex.example');

# rows of each organization: fresh ones and the demo ones
my %A = (
    deal     => [create_ok($acme, '/api/v1/deals', { name => uniq('Iso deal') })->{id}, '30000000-0000-4000-8000-a00000000001'],
    prospect => [create_ok($acme, '/api/v1/prospects', { company_name => uniq('Iso prospect') })->{id},
                 '40000000-0000-4000-8000-a00000000001'],
    task     => [create_ok($acme, '/api/v1/tasks', { title => uniq('Iso task') })->{id}, '50000000-0000-4000-8000-a00000000001'],
    document => [create_ok($acme, '/api/v1/documents', { title => uniq('Iso doc'), body => 'secret' })->{id},
                 '60000000-0000-4000-8000-a00000000001'],
    audit    => ['c0000000-0000-4000-8000-a00000000001', 'c0000000-0000-4000-8000-a00000000004'],
);
my %B = (
    deal     => [create_ok($globex, '/api/v1/deals', { name => uniq('Globex iso deal') })->{id}, '30000000-0000-4000-8000-b00000000001'],
    prospect => ['40000000-0000-4000-8000-b00000000001'],
    task     => ['50000000-0000-4000-8000-b00000000001'],
    document => ['60000000-0000-4000-8000-b00000000001'],
    audit    => ['c0000000-0000-4000-8000-b00000000001'],
);
my %TABLE = (deal => 'deals', prospect => 'prospects', task => 'tasks', document => 'documents', audit => 'audit_log');

sub row_state {
    my ($kind, $id) = @_;
    my $t = $TABLE{$kind};
    my $s = db_value("SELECT md5(row_to_json(x)::text) FROM $t x WHERE id = '$id'");
    if ($kind eq 'document') {
        $s .= db_value("SELECT coalesce(string_agg(user_id || level, ',' ORDER BY user_id), '')"
                       . " FROM document_permissions WHERE document_id = '$id'");
    }
    return $s;
}

# method, path template, body, kind
my @ROUTES = (
    [GET    => '/api/v1/deals/%s',                 undef,                                 'deal'],
    [PATCH  => '/api/v1/deals/%s',                 { stage => 'lost', name => 'pwned' },  'deal'],
    [DELETE => '/api/v1/deals/%s',                 undef,                                 'deal'],
    [GET    => '/api/v1/deals/%s/hierarchy',       undef,                                 'deal'],
    [GET    => '/api/v1/prospects/%s',             undef,                                 'prospect'],
    [PATCH  => '/api/v1/prospects/%s',             { stage => 'lost' },                   'prospect'],
    [DELETE => '/api/v1/prospects/%s',             undef,                                 'prospect'],
    [GET    => '/api/v1/tasks/%s',                 undef,                                 'task'],
    [PATCH  => '/api/v1/tasks/%s',                 { status => 'done', title => 'pwned' }, 'task'],
    [DELETE => '/api/v1/tasks/%s',                 undef,                                 'task'],
    [GET    => '/api/v1/documents/%s',             undef,                                 'document'],
    [PATCH  => '/api/v1/documents/%s',             { title => 'pwned', body => 'pwned' }, 'document'],
    [DELETE => '/api/v1/documents/%s',             undef,                                 'document'],
    [GET    => '/api/v1/documents/%s/permissions', undef,                                 'document'],
    [PATCH  => '/api/v1/documents/%s/permissions', { permissions => [{ user_id => $U{globex}, level => 'owner' }] }, 'document'],
    [GET    => '/api/v1/audit-logs/%s',            undef,                                 'audit'],
);

sub matrix {
    my ($label, $owner_tok, $intruder_tok, $rows) = @_;
    for my $route (@ROUTES) {
        my ($m, $tpl, $body, $kind) = @$route;
        for my $id (@{ $rows->{$kind} }) {
            my $path = sprintf $tpl, $id;
            my $name = "$label: $m $tpl ($id)";
            # the owner reads first: whatever might be cached is the owner's answer
            api(GET => sprintf('/api/v1/%s/%s', $kind eq 'audit' ? 'audit-logs' : "${kind}s", $id), undef, $owner_tok);
            my $before = row_state($kind, $id);
            my $r = api($m => $path, $body, $intruder_tok);
            my $u = api($m => sprintf($tpl, uuid_v4()), $body, $intruder_tok);
            is($r->{status}, 404, "$name: 404") or diag($r->{body});
            same_body_ok($r, $u, "$name: the same answer as for a nonexistent id");
            unlike($r->{body} // '', qr/pwned|secret|Project|Falcon/i, "$name: nothing of the row in the answer");
            ok(!defined $r->{headers}{etag}, "$name: no ETag");
            if ($m eq 'PATCH') {
                my $ri = api($m => $path, $body, $intruder_tok, headers => ['If-Match' => '"v1"']);
                my $ui = api($m => sprintf($tpl, uuid_v4()), $body, $intruder_tok, headers => ['If-Match' => '"v1"']);
                same_body_ok($ri, $ui, "$name with If-Match: the same 404 (no 412 revealing a version)");
            }
            is(row_state($kind, $id), $before, "$name: the row is unchanged");
        }
    }
    # 405 on audit entries does not depend on the organization either
    for my $m (qw(PUT PATCH DELETE)) {
        my $r = api($m => "/api/v1/audit-logs/$rows->{audit}[0]", $m eq 'DELETE' ? undef : { action => 'x' }, $intruder_tok);
        my $u = api($m => '/api/v1/audit-logs/' . uuid_v4(), $m eq 'DELETE' ? undef : { action => 'x' }, $intruder_tok);
        same_body_ok($r, $u, "$label: $m /audit-logs/{id}: the same answer as for a nonexistent id");
    }
}

matrix('Globex on Acme', $acme, $globex, \%A);
matrix('Acme on Globex', $globex, $acme, \%B);
# a member of Acme (not an admin) on Globex's rows too
for my $kind (qw(deal document)) {
    my $r = api(GET => "/api/v1/${kind}s/$B{$kind}[0]", undef, $analyst);
    my $u = api(GET => "/api/v1/${kind}s/" . uuid_v4(), undef, $analyst);
    same_body_ok($r, $u, "Acme member on Globex's $kind: the same 404 as for a nonexistent id");
}

# Acme's rows still answer Acme as before
for my $kind (qw(deal prospect task document)) {
    for my $id (@{ $A{$kind} }) {
        is(api(GET => "/api/v1/${kind}s/$id", undef, $acme)->{status}, 200, "Acme still reads its $kind $id");
    }
}

# ------------------------------------------------------------ malformed ids
for my $route (@ROUTES) {
    my ($m, $tpl, $body) = @$route;
    for my $bad ('123', 'not-a-uuid', '30000000-0000-4000-8000-a0000000000g', '30000000000040008000a00000000001',
                 "30000000-0000-4000-8000-a00000000001'--") {
        my $path = sprintf $tpl, enc($bad);
        problem_ok(api($m => $path, $body, $globex), 422, 'invalid_id', "$m $tpl with id '$bad'") if $bad eq '123';
        is(api($m => $path, $body, $globex)->{status}, 422, "$m $tpl with id '$bad': 422") unless $bad eq '123';
    }
}

# ------------------------------------------------------------ lists and totals
my %LIST = (deals => 'deals', prospects => 'prospects', tasks => 'tasks', 'audit-logs' => 'audit_log');
for my $path (sort keys %LIST) {
    my $t = $LIST{$path};
    for my $c (['Acme', $acme, $ORG{acme}], ['Globex', $globex, $ORG{globex}]) {
        my ($who, $tok, $org) = @$c;
        my %ids;
        my $total;
        for my $page (1 .. 100) {
            my $r = api(GET => "/api/v1/$path?page_size=100&page=$page", undef, $tok);
            last unless $r->{status} == 200;
            $total = $r->{json}{total};
            $ids{ $_->{id} } = 1 for @{ $r->{json}{items} };
            last if @{ $r->{json}{items} } < 100;
        }
        my $cond = $t eq 'audit_log' ? '' : ' AND deleted_at IS NULL' . ($t eq 'tasks' ? '' : ' AND NOT archived');
        my %mine = map { $_ => 1 } split /\n/, db_value("SELECT id FROM $t WHERE organization_id = '$org'$cond");
        is($total, scalar keys %mine, "$who GET /$path: total counts only its own rows");
        is_deeply([sort keys %ids], [sort keys %mine], "$who GET /$path: exactly its own rows");
    }
}
{
    # documents: the admins see every live document of their own organization only
    for my $c (['Acme', $acme, $ORG{acme}], ['Globex', $globex, $ORG{globex}]) {
        my ($who, $tok, $org) = @$c;
        my $r = api(GET => '/api/v1/documents?page_size=100', undef, $tok);
        my %mine = map { $_ => 1 } split /\n/,
            db_value("SELECT id FROM documents WHERE organization_id = '$org' AND deleted_at IS NULL AND NOT archived");
        is($r->{json}{total}, scalar keys %mine, "$who GET /documents: total counts only its own");
        ok(!grep({ !$mine{ $_->{id} } } @{ $r->{json}{items} || [] }), "$who GET /documents: only its own");
    }
}
# foreign filters find nothing
for my $q ("/api/v1/tasks?deal_id=$A{deal}[1]", "/api/v1/tasks?assignee_id=$U{analyst}",
           "/api/v1/documents?deal_id=$A{deal}[1]", "/api/v1/audit-logs?resource_id=$A{deal}[1]",
           "/api/v1/audit-logs?user_id=$U{admin}", '/api/v1/deals?q=Falcon', '/api/v1/deals?q=Project%20Heron',
           '/api/v1/deals?organization_id=' . $ORG{acme} . '&q=Falcon') {
    my $r = api(GET => $q, undef, $globex);
    is($r->{status}, 200, "Globex GET $q: 200");
    is($r->{json}{total}, 0, "Globex GET $q: total 0");
}
{
    my $r = api(GET => "/api/v1/deals?organization_id=$ORG{acme}&page_size=100", undef, $globex);
    ok(!grep({ $_->{name} =~ /Falcon|Heron|Kestrel/ } @{ $r->{json}{items} || [] }),
       'organization_id in the query string is ignored (Globex still sees only its own)');
}

# ------------------------------------------------------------ hierarchy of each organization holds only its rows
for my $c (['Acme', $acme, $A{deal}[1], $ORG{acme}], ['Globex', $globex, '30000000-0000-4000-8000-b00000000003', $ORG{globex}]) {
    my ($who, $tok, $deal, $org) = @$c;
    my $h = api(GET => "/api/v1/deals/$deal/hierarchy", undef, $tok);
    is($h->{status}, 200, "$who hierarchy: 200");
    my @ids = ((map { $_->{id} } @{ $h->{json}{tasks} || [] }), (map { $_->{id} } @{ $h->{json}{documents} || [] }));
    ok(@ids, "$who hierarchy: has tasks or documents");
    my $in = join ',', map { "'$_'" } @ids, uuid_v4();
    is(db_value("SELECT count(*) FROM (SELECT organization_id FROM tasks WHERE id IN ($in)"
                . " UNION ALL SELECT organization_id FROM documents WHERE id IN ($in)) x WHERE organization_id <> '$org'"), 0,
       "$who hierarchy: every task and document is its own");
    if (ref $h->{json}{latest_ratios} eq 'HASH') {
        is($h->{json}{latest_ratios}{deal_id}, $deal, "$who hierarchy: latest_ratios of this deal");
    }
}

done_testing();
