# Documents and their permissions (API.md "Deals, prospects, tasks,
# documents"; SECURITY.md 25):
#   the creator becomes owner; GET needs viewer+ (a same-org user without a
#   grant -> 403, and no metadata or ETag in that answer), PATCH editor+,
#   DELETE owner; an org admin has owner rights on every document;
#   GET/PATCH /documents/{id}/permissions: merge semantics, `none` removes,
#   users not listed keep theirs, users outside the org or unknown -> 422,
#   removing the last owner -> 409, non-owner -> 403, nothing changed by a
#   refused request; the list shows only the documents the caller may view;
#   audit entries document.* and document.permissions.update.
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

my $DOC = '/api/v1/documents';
my $admin = token('admin@acme.example');
my $analyst = token('analyst@acme.example');
my $bob = new_user($admin, role => 'member', first_name => 'Bob');
my $carol = new_user($admin, role => 'member', first_name => 'Carol');
my $deal = create_ok($admin, '/api/v1/deals', { name => uniq('Doc deal') });

sub perms_of {
    my ($doc_id) = @_;
    my $v = db_value("SELECT string_agg(user_id || '=' || level, ',' ORDER BY user_id) FROM document_permissions"
                     . " WHERE document_id = '$doc_id'");
    return $v;
}
sub grant {
    my ($tok, $doc_id, @pairs) = @_;
    my @p;
    while (my ($u, $l) = splice @pairs, 0, 2) { push @p, { user_id => $u, level => $l } }
    return api(PATCH => "$DOC/$doc_id/permissions", { permissions => \@p }, $tok);
}
sub list_ids {
    my ($tok, $q) = @_;
    my (@ids, $total);
    for my $page (1 .. 50) {
        my $r = api(GET => "$DOC?page_size=100&page=$page" . ($q // ''), undef, $tok);
        return undef unless $r->{status} == 200;
        $total = $r->{json}{total};
        push @ids, map { $_->{id} } @{ $r->{json}{items} };
        last if @{ $r->{json}{items} } < 100;
    }
    return { map { $_ => 1 } @ids }, $total;
}

# ------------------------------------------------------------ create: the creator owns it
my $title = uniq('Memo');
my $r = api(POST => $DOC, { title => $title, body => "Body with 'quotes' and 😀", deal_id => $deal->{id} }, $analyst);
is($r->{status}, 201, 'POST /documents: 201') or diag($r->{body});
my $d = $r->{json} || {};
is($r->{headers}{location}, "$DOC/$d->{id}", 'Location');
like($r->{headers}{etag}, qr/^"v1-[0-9a-f]{32}"$/, 'ETag "v1"');
is_deeply({ map { $_ => $d->{$_} } qw(title body deal_id archived) },
          { title => $title, body => "Body with 'quotes' and 😀", deal_id => $deal->{id}, archived => JSON::PP::false },
          'fields as sent');
is_deeply($d->{created_by}, { id => $U{analyst}, name => 'Ravi Patel' }, 'created_by = caller');
rfc3339_ok($d->{created_at}, 'created_at');
is($d->{permission}, 'owner', 'the answer tells the caller\'s level: owner');
is(perms_of($d->{id}), "$U{analyst}=owner", 'the creator is the only grant, as owner');

$r = api(GET => "$DOC/$d->{id}/permissions", undef, $analyst);
is($r->{status}, 200, 'GET permissions: 200');
is_deeply([map { [$_->{user_id}, $_->{level}] } @{ $r->{json}{permissions} || [] }], [[$U{analyst}, 'owner']],
          'permissions: [{user_id: creator, level: owner}]');

validation_ok(api(POST => $DOC, { body => '' }, $analyst), ['title'], 'title required');
validation_ok(api(POST => $DOC, { title => 'x' }, $analyst), ['body'], 'body required');
validation_ok(api(POST => $DOC, { title => '', body => 1, deal_id => 'x' }, $analyst), [qw(title body deal_id)],
              'three errors together');
validation_ok(api(POST => $DOC, { title => 'x', body => '', deal_id => '30000000-0000-4000-8000-b00000000001' }, $analyst),
              ['deal_id'], 'deal_id of Globex');
validation_ok(api(POST => $DOC, { title => 'x', body => '', deal_id => uuid_v4() }, $analyst), ['deal_id'], 'unknown deal_id');
validation_ok(api(PATCH => "$DOC/$d->{id}", { deal_id => '30000000-0000-4000-8000-b00000000001' }, $analyst),
              ['deal_id'], 'PATCH deal_id of Globex');
is(db_value("SELECT deal_id FROM documents WHERE id = '$d->{id}'"), $deal->{id}, 'deal_id unchanged');

# ------------------------------------------------------------ a same-org user without a grant
{
    my $g = api(GET => "$DOC/$d->{id}", undef, $bob->{token});
    problem_ok($g, 403, 'forbidden', 'GET by a same-org user without a grant');
    ok(!defined $g->{headers}{etag}, '403: no ETag');
    unlike($g->{body}, qr/\Q$title\E|Body with/, '403: no title or body in the answer');
    problem_ok(api(GET => "$DOC/$d->{id}/permissions", undef, $bob->{token}), 403, 'forbidden', 'GET permissions without a grant');
    problem_ok(api(PATCH => "$DOC/$d->{id}", { title => 'hijack' }, $bob->{token}), 403, 'forbidden', 'PATCH without a grant');
    problem_ok(api(DELETE => "$DOC/$d->{id}", undef, $bob->{token}), 403, 'forbidden', 'DELETE without a grant');
    problem_ok(grant($bob->{token}, $d->{id}, $bob->{id} => 'owner'), 403, 'forbidden', 'granting oneself owner');
    is(db_value("SELECT title || ' ' || (deleted_at IS NULL) FROM documents WHERE id = '$d->{id}'"), "$title true",
       'nothing changed');
    is(perms_of($d->{id}), "$U{analyst}=owner", 'grants unchanged');
    my ($ids, $total) = list_ids($bob->{token});
    ok($ids && !$ids->{ $d->{id} }, 'the list leaves the document out');
    is($total, db_value("SELECT count(*) FROM documents d JOIN document_permissions p ON p.document_id = d.id"
                        . " WHERE d.organization_id = '$ORG{acme}' AND p.user_id = '$bob->{id}'"
                        . ' AND d.deleted_at IS NULL AND NOT d.archived'),
       'total counts only the documents Bob may view');
    my $h = api(GET => "/api/v1/deals/$deal->{id}/hierarchy", undef, $bob->{token});
    is_deeply($h->{json}{documents}, [], 'the hierarchy leaves it out for Bob');
}

# ------------------------------------------------------------ viewer grant: read only
{
    my $x = grant($analyst, $d->{id}, $bob->{id} => 'viewer');
    is($x->{status}, 200, 'owner grants Bob viewer: 200') or diag($x->{body});
    my %got = map { $_->{user_id} => $_->{level} } @{ $x->{json}{permissions} || [] };
    is_deeply(\%got, { $U{analyst} => 'owner', $bob->{id} => 'viewer' }, 'answer: the merged grants');
    my $g = api(GET => "$DOC/$d->{id}", undef, $bob->{token});
    is($g->{status}, 200, 'Bob (viewer) GET: 200');
    is($g->{json}{permission}, 'viewer', 'Bob\'s level shown: viewer');
    is($g->{json}{title}, $title, 'Bob sees the document');
    problem_ok(api(PATCH => "$DOC/$d->{id}", { title => 'by viewer' }, $bob->{token}), 403, 'forbidden', 'viewer PATCH');
    problem_ok(api(DELETE => "$DOC/$d->{id}", undef, $bob->{token}), 403, 'forbidden', 'viewer DELETE');
    is(api(GET => "$DOC/$d->{id}/permissions", undef, $bob->{token})->{status}, 200, 'viewer may read the grants');
    problem_ok(grant($bob->{token}, $d->{id}, $carol->{id} => 'viewer'), 403, 'forbidden', 'viewer cannot grant');
    my ($ids) = list_ids($bob->{token});
    ok($ids->{ $d->{id} }, 'now listed for Bob');
    my ($ids2) = list_ids($bob->{token}, "&deal_id=$deal->{id}");
    is_deeply([keys %$ids2], [$d->{id}], '?deal_id= lists it for Bob');
    my $h = api(GET => "/api/v1/deals/$deal->{id}/hierarchy", undef, $bob->{token});
    is_deeply([map { $_->{id} } @{ $h->{json}{documents} || [] }], [$d->{id}], 'and the hierarchy shows it');
}

# ------------------------------------------------------------ editor grant: PATCH, not DELETE
{
    my $x = grant($analyst, $d->{id}, $bob->{id} => 'editor', $carol->{id} => 'viewer');
    is($x->{status}, 200, 'Bob editor, Carol viewer: 200');
    is(perms_of($d->{id}), join(',', sort("$U{analyst}=owner", "$bob->{id}=editor", "$carol->{id}=viewer")),
       'merged: three grants');
    my $p = api(PATCH => "$DOC/$d->{id}", { title => "$title (edited)" }, $bob->{token});
    is($p->{status}, 200, 'editor PATCH: 200') or diag($p->{body});
    is($p->{json}{title}, "$title (edited)", 'title changed');
    is($p->{json}{permission}, 'editor', 'level shown: editor');
    like($p->{headers}{etag}, qr/^"v2-[0-9a-f]{32}"$/, 'ETag "v2"');
    problem_ok(api(DELETE => "$DOC/$d->{id}", undef, $bob->{token}), 403, 'forbidden', 'editor DELETE');
    problem_ok(grant($bob->{token}, $d->{id}, $bob->{id} => 'owner'), 403, 'forbidden', 'editor cannot grant (not even himself)');
    is(perms_of($d->{id}), join(',', sort("$U{analyst}=owner", "$bob->{id}=editor", "$carol->{id}=viewer")),
       'grants unchanged');
    my $stale = api(PATCH => "$DOC/$d->{id}", { title => 'stale' }, $bob->{token}, headers => ['If-Match' => '"v1"']);
    is($stale->{status}, 412, 'editor PATCH with a stale If-Match: 412');
    validation_ok(api(PATCH => "$DOC/$d->{id}", { title => '' }, $bob->{token}), ['title'], 'editor PATCH empty title');
}

# ------------------------------------------------------------ permission rules
{
    my $before = perms_of($d->{id});
    my @bad = (
        ['user of Globex',         [{ user_id => $U{globex}, level => 'viewer' }], 422],
        ['unknown user',           [{ user_id => uuid_v4(), level => 'viewer' }], 422],
        ['Globex user among good', [{ user_id => $carol->{id}, level => 'editor' }, { user_id => $U{globex}, level => 'owner' }], 422],
        ['level admin',            [{ user_id => $carol->{id}, level => 'admin' }], 422],
        ['level missing',          [{ user_id => $carol->{id} }], 422],
        ['malformed user_id',      [{ user_id => 'carol', level => 'viewer' }], 422],
        ['user listed twice',      [{ user_id => $carol->{id}, level => 'viewer' }, { user_id => $carol->{id}, level => 'owner' }], 422],
        ['empty list',             [], 422],
        ['101 entries',            [map { { user_id => uuid_v4(), level => 'viewer' } } 1 .. 101], 422],
        ['remove the last owner',  [{ user_id => $U{analyst}, level => 'none' }], 409],
        ['demote the last owner',  [{ user_id => $U{analyst}, level => 'editor' }], 409],
        ['demote and remove',      [{ user_id => $U{analyst}, level => 'viewer' }, { user_id => $bob->{id}, level => 'none' }], 409],
    );
    for my $c (@bad) {
        my ($n, $list, $status) = @$c;
        my $x = api(PATCH => "$DOC/$d->{id}/permissions", { permissions => $list }, $analyst);
        problem_ok($x, $status, $status == 409 ? 'conflict' : 'validation_failed', "permissions: $n");
        if ($status == 422) {
            my @f = map { $_->{field} // '' } @{ $x->{json}{errors} || [] };
            ok(@f && !grep({ !/^permissions/ } @f), "permissions: $n: errors name the permissions field") or diag("@f");
        }
        is(perms_of($d->{id}), $before, "permissions: $n: nothing changed");
    }
    validation_ok(api(PATCH => "$DOC/$d->{id}/permissions", { permissions => 'all' }, $analyst), ['permissions'],
                  'permissions not an array');
    validation_ok(api(PATCH => "$DOC/$d->{id}/permissions", {}, $analyst), ['permissions'], 'permissions missing');
    is(api(PATCH => "$DOC/$d->{id}/permissions", '[1]', $analyst)->{status}, 400, 'body not an object: 400');

    # 'none' removes; users not listed keep theirs; 'none' for someone without a grant is harmless
    my $x = grant($analyst, $d->{id}, $carol->{id} => 'none', $U{admin} => 'none');
    is($x->{status}, 200, 'none for Carol (and for the admin, who has no grant): 200');
    is(perms_of($d->{id}), join(',', sort("$U{analyst}=owner", "$bob->{id}=editor")), 'Carol\'s grant gone, others kept');
    problem_ok(api(GET => "$DOC/$d->{id}", undef, $carol->{token}), 403, 'forbidden', 'Carol can no longer read it');

    # transfer ownership in one request: Bob becomes owner, the analyst leaves
    $x = grant($analyst, $d->{id}, $bob->{id} => 'owner', $U{analyst} => 'none');
    is($x->{status}, 200, 'transfer: Bob owner, creator none: 200') or diag($x->{body});
    is(perms_of($d->{id}), "$bob->{id}=owner", 'Bob is the only owner');
    is(api(GET => "$DOC/$d->{id}", undef, $analyst)->{status}, 403, 'the creator without a grant: 403');
    problem_ok(grant($analyst, $d->{id}, $U{analyst} => 'owner'), 403, 'forbidden', 'the former owner cannot take it back');
    is(grant($bob->{token}, $d->{id}, $U{analyst} => 'editor')->{status}, 200, 'the new owner grants');
}

# ------------------------------------------------------------ an org admin has owner rights
{
    my $doc = create_ok($bob->{token}, $DOC, { title => uniq('Bob private'), body => 'secret' });
    is(perms_of($doc->{id}), "$bob->{id}=owner", 'Bob owns his document');
    problem_ok(api(GET => "$DOC/$doc->{id}", undef, $analyst), 403, 'forbidden', 'another member: 403');
    my $g = api(GET => "$DOC/$doc->{id}", undef, $admin);
    is($g->{status}, 200, 'org admin without a grant: GET 200');
    is($g->{json}{permission}, 'owner', 'org admin\'s level: owner');
    my ($ids) = list_ids($admin);
    ok($ids->{ $doc->{id} }, 'org admin\'s list includes it');
    is(api(PATCH => "$DOC/$doc->{id}", { body => 'edited by admin' }, $admin)->{status}, 200, 'org admin PATCH: 200');
    is(api(GET => "$DOC/$doc->{id}/permissions", undef, $admin)->{status}, 200, 'org admin GET permissions: 200');
    my $x = grant($admin, $doc->{id}, $carol->{id} => 'viewer');
    is($x->{status}, 200, 'org admin grants: 200');
    is(api(GET => "$DOC/$doc->{id}", undef, $carol->{token})->{status}, 200, 'Carol now reads it');
    problem_ok(grant($admin, $doc->{id}, $bob->{id} => 'none'), 409, 'conflict',
               'even an org admin cannot leave a document without an owner');
    is(perms_of($doc->{id}), join(',', sort("$bob->{id}=owner", "$carol->{id}=viewer")), 'grants unchanged by the 409');
    my $del = api(DELETE => "$DOC/$doc->{id}", undef, $admin);
    is($del->{status}, 204, 'org admin DELETE: 204');
    is(api(GET => "$DOC/$doc->{id}", undef, $bob->{token})->{status}, 404, 'deleted: 404 for the owner');
    is(api(GET => "$DOC/$doc->{id}/permissions", undef, $admin)->{status}, 404, 'deleted: permissions 404');
    is(grant($admin, $doc->{id}, $carol->{id} => 'editor')->{status}, 404, 'deleted: PATCH permissions 404');
    my ($ids2) = list_ids($carol->{token});
    ok(!$ids2->{ $doc->{id} }, 'deleted: not listed');
}

# ------------------------------------------------------------ owner DELETE; archive; list filters
{
    my $doc = create_ok($carol->{token}, $DOC, { title => uniq('Carol doc'), body => '', deal_id => $deal->{id} });
    my $ar = api(PATCH => "$DOC/$doc->{id}", { archived => JSON::PP::true }, $carol->{token});
    is($ar->{status}, 200, 'owner archives: 200');
    my ($ids) = list_ids($carol->{token});
    ok(!$ids->{ $doc->{id} }, 'archived: out of the default list');
    my ($ids2) = list_ids($carol->{token}, '&archived=true');
    ok($ids2->{ $doc->{id} }, '?archived=true lists it');
    validation_ok(api(GET => "$DOC?archived=1", undef, $carol->{token}), ['archived'], '?archived=1');
    validation_ok(api(GET => "$DOC?deal_id=nope", undef, $carol->{token}), ['deal_id'], '?deal_id=nope');
    validation_ok(api(GET => "$DOC?sort=title;--", undef, $carol->{token}), ['sort'], '?sort=title;--');
    my $del = api(DELETE => "$DOC/$doc->{id}", undef, $carol->{token});
    is($del->{status}, 204, 'owner DELETE: 204');
    my $e = audit_entries(resource_id => $doc->{id});
    is_deeply([map { $_->{action} } @$e], [qw(document.create document.archive document.delete)],
              'audit: document.create, document.archive, document.delete');
    is_deeply([map { $_->{user_id} } @$e], [($carol->{id}) x 3], 'audit: by Carol');
}

# ------------------------------------------------------------ the admin's list = every live document
{
    my (undef, $total) = list_ids($admin);
    is($total, db_value("SELECT count(*) FROM documents WHERE organization_id = '$ORG{acme}'"
                        . ' AND deleted_at IS NULL AND NOT archived'), 'org admin: total = all of Acme\'s live documents');
    my (undef, $vt) = list_ids(token('viewer@acme.example'));
    is($vt, db_value("SELECT count(*) FROM documents d JOIN document_permissions p ON p.document_id = d.id"
                     . " WHERE d.organization_id = '$ORG{acme}' AND p.user_id = '$U{viewer}' AND d.deleted_at IS NULL"
                     . ' AND NOT d.archived'), 'viewer@acme: total = the documents granted to her');
    problem_ok(api(GET => "$DOC/60000000-0000-4000-8000-a00000000003", undef, token('viewer@acme.example')), 403,
               'forbidden', 'viewer@acme on the Kestrel scope (shared with nobody): 403');
}

# ------------------------------------------------------------ audit of the shared document
{
    my $e = audit_entries(resource_id => $d->{id});
    my @actions = map { $_->{action} } @$e;
    is_deeply(\@actions, [qw(document.create document.permissions.update document.permissions.update document.update
                             document.permissions.update document.permissions.update document.permissions.update)],
              'audit: create, each successful permissions change, the update; nothing for refused requests');
    my ($last) = grep { $_->{action} eq 'document.permissions.update' } reverse @$e;
    ok(ref $last->{details} eq 'HASH' && ref $last->{details}{permissions} eq 'ARRAY',
       'document.permissions.update details carry the requested grants');
}

done_testing();
