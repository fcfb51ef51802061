# The audit log (API.md "Audit log"): the server writes an entry for every
# mutation, in the statement that makes it; POST /audit-logs records a
# client-side event (201, source client, the caller as user, forbidden fields
# ignored); GET filters resource_type / resource_id / user_id / action, newest
# first; GET /audit-logs/{id}; PUT/PATCH/DELETE on an entry -> 405 with Allow
# and the entry unchanged; Globex never sees Acme's entries.
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

my $A = '/api/v1/audit-logs';
my $admin = token('admin@acme.example');
my $analyst = token('analyst@acme.example');
my $globex = token('admin@globex.example');
my @ENTRY_KEYS = qw(action details id occurred_at resource_id resource_type user);

sub entry_shape_ok {
    my ($e, $name) = @_;
    $e = {} unless ref $e eq 'HASH';
    my @missing = grep { !exists $e->{$_} } @ENTRY_KEYS;
    ok(!@missing, "$name: {id, action, resource_type, resource_id, user, occurred_at, details}") or diag("missing @missing");
    ok(ref $e->{user} eq 'HASH' && exists $e->{user}{id} && exists $e->{user}{name}, "$name: user is {id, name}");
    rfc3339_ok($e->{occurred_at}, "$name: occurred_at");
    ok(ref $e->{details} eq 'HASH', "$name: details is an object");
}
sub items { my ($r) = @_; ref $r->{json} eq 'HASH' && ref $r->{json}{items} eq 'ARRAY' ? $r->{json}{items} : [] }

# ------------------------------------------------------------ server entries through the API
my $deal = create_ok($admin, '/api/v1/deals', { name => uniq('Audited') });
is(api(PATCH => "/api/v1/deals/$deal->{id}", { stage => 'evaluation' }, $analyst)->{status}, 200, 'deal.update by the analyst');
is(api(PATCH => "/api/v1/deals/$deal->{id}", { archived => JSON::PP::true }, $admin)->{status}, 200, 'deal.archive');
is(api(DELETE => "/api/v1/deals/$deal->{id}", undef, $admin)->{status}, 204, 'deal.delete');

my $r = api(GET => "$A?resource_id=$deal->{id}", undef, $admin);
is($r->{status}, 200, 'GET /audit-logs?resource_id=: 200');
is_deeply([sort keys %{ $r->{json} || {} }], [qw(items next_cursor page page_size total total_exact)], 'list shape');
is_deeply([map { $_->{action} } @{ items($r) }], [qw(deal.delete deal.archive deal.update deal.create)],
          'the deal\'s entries, newest first');
is($r->{json}{total}, 4, 'total 4');
entry_shape_ok(items($r)->[0], 'server entry');
is_deeply(items($r)->[2]{user}, { id => $U{analyst}, name => 'Ravi Patel' }, 'user of the update: the analyst {id, name}');
is(items($r)->[0]{resource_type}, 'deal', 'resource_type deal');
is(items($r)->[0]{resource_id}, $deal->{id}, 'resource_id = the deal');
is(items($r)->[0]{source}, 'server', 'source server');
is_deeply(items($r)->[2]{details}, { fields => ['stage'] }, 'deal.update details name the changed fields');

is_deeply([map { $_->{action} } @{ items(api(GET => "$A?resource_id=$deal->{id}&action=deal.create", undef, $admin)) }],
          ['deal.create'], '?action=');
is_deeply([map { $_->{action} } @{ items(api(GET => "$A?resource_id=$deal->{id}&user_id=$U{analyst}", undef, $admin)) }],
          ['deal.update'], '?user_id=');
is(api(GET => "$A?resource_id=$deal->{id}&resource_type=deal", undef, $admin)->{json}{total}, 4, '?resource_type=deal');
is(api(GET => "$A?resource_id=$deal->{id}&resource_type=task", undef, $admin)->{json}{total}, 0, '?resource_type=task: none');
is(api(GET => "$A?resource_id=$deal->{id}&page_size=1&page=2", undef, $admin)->{json}{items}[0]{action}, 'deal.archive',
   'pagination');
my $all = api(GET => "$A?action=deal.create&page_size=100", undef, $admin);
ok(!grep({ $_->{action} ne 'deal.create' } @{ items($all) }), '?action=deal.create alone');
is($all->{json}{total}, db_value("SELECT count(*) FROM audit_log WHERE organization_id = '$ORG{acme}' AND action = 'deal.create'"),
   'total = Acme\'s deal.create entries');
validation_ok(api(GET => "$A?user_id=me", undef, $admin), ['user_id'], '?user_id=me');
validation_ok(api(GET => "$A?page_size=0", undef, $admin), ['page_size'], '?page_size=0');
is(api(GET => "$A?action=" . enc("x' OR '1'='1"), undef, $admin)->{json}{total}, 0, '?action with SQL matches nothing');

# every kind of mutation leaves its entry
{
    my $p = create_ok($analyst, '/api/v1/prospects', { company_name => uniq('Audit prospect') });
    api(PATCH => "/api/v1/prospects/$p->{id}", { stage => 'contacted' }, $analyst);
    api(DELETE => "/api/v1/prospects/$p->{id}", undef, $analyst);
    my $t = create_ok($analyst, '/api/v1/tasks', { title => uniq('Audit task') });
    api(PATCH => "/api/v1/tasks/$t->{id}", { status => 'done' }, $analyst);
    api(DELETE => "/api/v1/tasks/$t->{id}", undef, $analyst);
    my $d = create_ok($analyst, '/api/v1/documents', { title => uniq('Audit doc'), body => '' });
    api(PATCH => "/api/v1/documents/$d->{id}", { body => 'x' }, $analyst);
    api(PATCH => "/api/v1/documents/$d->{id}/permissions", { permissions => [{ user_id => $U{admin}, level => 'editor' }] },
        $analyst);
    api(DELETE => "/api/v1/documents/$d->{id}", undef, $analyst);
    for my $c ([prospect => $p->{id}], [task => $t->{id}], [document => $d->{id}]) {
        my ($type, $id) = @$c;
        my $x = api(GET => "$A?resource_id=$id", undef, $admin);
        my @want = $type eq 'document'
            ? qw(document.delete document.permissions.update document.update document.create)
            : map { "$type.$_" } qw(delete update create);
        is_deeply([map { $_->{action} } @{ items($x) }], \@want, "$type: " . join(', ', reverse @want));
        ok(!grep({ $_->{resource_type} ne $type || $_->{user}{id} ne $U{analyst} } @{ items($x) }),
           "$type: resource_type $type, user the analyst");
    }
}

# ------------------------------------------------------------ client entries
my $ts = '2026-01-02T03:04:05Z';
$r = api(POST => $A, { action => 'document.view', resource_type => 'document', resource_id => 'screen:doc/1 ü',
                       timestamp => $ts, user_id => $U{admin}, source => 'server', occurred_at => '2001-01-01T00:00:00Z',
                       organization_id => $ORG{globex}, id => uuid_v4(), details => { forged => 1 } }, $analyst);
is($r->{status}, 201, 'POST /audit-logs: 201') or diag($r->{body});
my $c = $r->{json} || {};
entry_shape_ok($c, 'client entry');
is($r->{headers}{location}, "$A/$c->{id}", 'Location: /audit-logs/{id}');
is($c->{source}, 'client', 'source client (not taken from the body)');
is_deeply($c->{user}, { id => $U{analyst}, name => 'Ravi Patel' }, 'user = the caller (not taken from the body)');
unlike($c->{occurred_at} // '', qr/^2001/, 'occurred_at is the server\'s time');
is($c->{client_time}, $ts, 'the client\'s timestamp kept apart as client_time');
is($c->{resource_id}, 'screen:doc/1 ü', 'resource_id text verbatim');
is_deeply([db_row("SELECT organization_id, user_id, source FROM audit_log WHERE id = '$c->{id}'")],
          [$ORG{acme}, $U{analyst}, 'client'], 'stored in Acme, for the analyst, as client');
$r = api(GET => "$A/$c->{id}", undef, $admin);
is($r->{status}, 200, 'GET /audit-logs/{id}: 200');
is_deeply($r->{json}, $c, 'GET answers what POST answered');
is(api(POST => $A, { action => 'x.view', resource_type => 'x', resource_id => '1' }, $admin)->{status}, 201,
   'timestamp is optional');
validation_ok(api(POST => $A, {}, $admin), [qw(action resource_type resource_id)], 'three required fields');
validation_ok(api(POST => $A, { action => 'a', resource_type => 'b', resource_id => 'c', timestamp => 'yesterday' }, $admin),
              ['timestamp'], 'timestamp not RFC 3339');
validation_ok(api(POST => $A, { action => 'a' x 101, resource_type => 'b', resource_id => 'c' }, $admin),
              ['action'], 'action of 101 characters');

# ------------------------------------------------------------ entries cannot be changed or removed
{
    my $before = db_value("SELECT md5(row_to_json(a)::text) FROM audit_log a WHERE id = '$c->{id}'");
    for my $m (qw(PUT PATCH DELETE)) {
        my $x = api($m => "$A/$c->{id}", $m eq 'DELETE' ? undef : { action => 'tampered' }, $admin);
        problem_ok($x, 405, 'method_not_allowed', "$m /audit-logs/{id}");
        my $allow = $x->{headers}{allow} // '';
        like($allow, qr/\bGET\b/, "$m: Allow names GET");
        unlike($allow, qr/\b(PUT|PATCH|DELETE|POST)\b/, "$m: Allow names no PUT, PATCH, DELETE or POST");
    }
    is(api(POST => "$A/$c->{id}", { action => 'x' }, $admin)->{status}, 405, 'POST /audit-logs/{id}: 405');
    for my $m (qw(PUT DELETE PATCH)) {
        is(api($m => $A, $m eq 'DELETE' ? undef : { action => 'x' }, $admin)->{status}, 405, "$m /audit-logs: 405");
    }
    is(db_value("SELECT md5(row_to_json(a)::text) FROM audit_log a WHERE id = '$c->{id}'"), $before, 'the entry is unchanged');
    my ($rc, $out) = psql("UPDATE audit_log SET action = 'tampered' WHERE id = '$c->{id}'");
    ok($rc != 0, 'the database refuses UPDATE of an entry too');
    ($rc, $out) = psql("DELETE FROM audit_log WHERE id = '$c->{id}'");
    ok($rc != 0, 'and DELETE');
}

# ------------------------------------------------------------ another organization
{
    my $g = api(GET => "$A/$c->{id}", undef, $globex);
    my $u = api(GET => "$A/" . uuid_v4(), undef, $globex);
    problem_ok($g, 404, 'not_found', 'Globex GET of an Acme entry');
    same_body_ok($g, $u, 'Globex on an Acme entry: the same 404 as for an unknown id');
    is(api(GET => "$A/c0000000-0000-4000-8000-a00000000001", undef, $globex)->{status}, 404, 'Globex: demo Acme entry 404');
    is(api(GET => "$A/c0000000-0000-4000-8000-b00000000001", undef, $globex)->{status}, 200, 'Globex: its own demo entry 200');
    is(api(GET => "$A/c0000000-0000-4000-8000-b00000000001", undef, $admin)->{status}, 404, 'Acme: Globex\'s entry 404');
    is(api(GET => "$A?resource_id=$deal->{id}", undef, $globex)->{json}{total}, 0, 'Globex: filter on an Acme deal: 0');
    is(api(GET => "$A?user_id=$U{analyst}", undef, $globex)->{json}{total}, 0, 'Globex: filter on an Acme user: 0');
    my $gl = api(GET => "$A?page_size=100", undef, $globex);
    is($gl->{json}{total}, db_value("SELECT count(*) FROM audit_log WHERE organization_id = '$ORG{globex}'"),
       'Globex: total counts only Globex\'s entries');
    my %gu = map { $_ => 1 } split /\n/, db_value("SELECT id FROM users WHERE organization_id = '$ORG{globex}'");
    ok(!grep({ !defined $_->{user} || !$gu{ $_->{user}{id} // '' } } @{ items($gl) }),
       'Globex\'s list holds only entries of Globex users');
    problem_ok(api(GET => "$A/not-an-id", undef, $globex), 422, 'invalid_id', 'malformed entry id');
}

done_testing();
