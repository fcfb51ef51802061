# /api/v1/users and roles (API.md; SECURITY.md 13, 22, 23, 28, 29, 38):
#   GET /users: only the caller's organization; pagination and its 422s
#   POST /users as org admin: 201 + Location, no password hash; 409 for a
#     duplicate e-mail in any case; 422 for short / over-72-byte passwords and
#     unknown roles; organization_id and master_admin in the body are ignored;
#     member and viewer -> 403; audited as user.create
#   GET /users/{id}: another organization's user -> 404 like a missing one
#   viewer: every mutating method -> 403 with nothing changed, but /auth/me and
#     logout work
#   a deactivated user: login 401, the old access token 401 on /auth/me and the
#     refresh token refused
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use Maplat::Auth;

plan tests => 276, need(need_pg(), need_mc());
diag_to_stderr();

my $admin  = token('admin@acme.example');
my $member = token('analyst@acme.example');
my $viewer = token('viewer@acme.example');
my $gadmin = token('admin@globex.example');

sub users_count { psql_value("SELECT count(*) FROM users") }

# ---------------------------------------------------------------- list
my $r = api(GET => '/api/v1/users?page_size=100', undef, $admin);
is($r->{status}, 200, 'GET /users as Acme admin: 200') or diag($r->{body});
my $items = ref $r->{json} eq 'HASH' && ref $r->{json}{items} eq 'ARRAY' ? $r->{json}{items} : [];
ok(@$items >= 3, 'lists the Acme users');
ok(!grep({ ($_->{organization_id} // '') ne $ACME_ORG } @$items), 'only Acme users');
ok(!grep({ exists $_->{password_hash} || exists $_->{password} } @$items), 'no password hashes');
unlike($r->{body}, qr/\$2[aby]\$/, 'no bcrypt string anywhere in the list');
is($r->{json}{total}, psql_value("SELECT count(*) FROM users WHERE organization_id = '$ACME_ORG'"),
   'total counts only Acme');

$r = api(GET => '/api/v1/users?page_size=100', undef, $gadmin);
is($r->{status}, 200, 'GET /users as Globex admin: 200');
my $gitems = ref $r->{json} eq 'HASH' && ref $r->{json}{items} eq 'ARRAY' ? $r->{json}{items} : [];
ok(@$gitems >= 1, 'lists the Globex users');
ok(!grep({ ($_->{email} // '') =~ /acme\.example$/ || ($_->{organization_id} // '') ne $GLOBEX_ORG } @$gitems),
   'Globex admin sees no Acme user');
is(api(GET => '/api/v1/users?organization_id=' . $ACME_ORG . '&org_id=' . $ACME_ORG, undef, $gadmin)->{json}{total},
   $r->{json}{total}, 'an organization filter in the query changes nothing');

$r = api(GET => '/api/v1/users', undef, $member);
is($r->{status}, 200, 'a member may list the users');
$r = api(GET => '/api/v1/users', undef, $viewer);
is($r->{status}, 200, 'a viewer may list the users');

$r = api(GET => '/api/v1/users?page_size=1', undef, $admin);
is($r->{status}, 200, 'page_size=1: 200');
is(scalar @{ $r->{json}{items} || [] }, 1, 'page_size=1: one item');
is($r->{json}{page_size}, 1, 'page_size echoed');
is($r->{json}{page}, 1, 'page 1');
ok($r->{json}{total} >= 3, 'total counts all of them');
my $first = $r->{json}{items}[0]{id};
$r = api(GET => '/api/v1/users?page_size=1&page=2', undef, $admin);
is(scalar @{ $r->{json}{items} || [] }, 1, 'page 2 has one item');
isnt($r->{json}{items}[0]{id}, $first, 'and another user');
$r = api(GET => '/api/v1/users?page_size=100&page=1000', undef, $admin);
is_deeply($r->{json}{items}, [], 'a page past the end: no items');

for my $q ('page_size=0', 'page_size=-1', 'page_size=abc', 'page_size=101', 'page_size=1000000000',
           'page_size=9223372036854775808', 'page=0', 'page=-1', 'page=x') {
    problem_ok(api(GET => "/api/v1/users?$q", undef, $admin), 422, 'validation_failed', "GET /users?$q");
}

# ---------------------------------------------------------------- create
my $before = users_count();
my $email = unique_email('created');
$r = api(POST => '/api/v1/users', { email => uc($email), password => 'a-good-long-password', first_name => 'Ada', last_name => 'Lovelace',
                 role => 'member', organization_id => $GLOBEX_ORG, master_admin => JSON::PP::true,
                 id => '30000000-0000-4000-8000-000000000001', active => JSON::PP::false,
                 password_hash => '$2b$04$abcdefghijklmnopqrstuuJ3m6W4M1N3DX7mOGY1w2Yu8qMGsgp6m' },
               $admin);
is($r->{status}, 201, 'POST /users as admin: 201') or diag($r->{body});
my $new = ref $r->{json} eq 'HASH' ? $r->{json} : {};
like($r->{headers}{location} // '', qr{^/api/v1/users/[0-9a-f-]{36}$}, 'Location header');
is($r->{headers}{location}, "/api/v1/users/$new->{id}", 'Location names the new user');
is($new->{email}, $email, 'e-mail stored lower-cased');
is($new->{organization_id}, $ACME_ORG, "organization_id from the body ignored: the caller's organization");
ok(defined $new->{master_admin} && !$new->{master_admin}, 'master_admin from the body ignored');
isnt($new->{id}, '30000000-0000-4000-8000-000000000001', 'id from the body ignored');
ok(!exists $new->{password_hash} && !exists $new->{password}, 'no password or hash in the answer');
unlike($r->{body}, qr/\$2[aby]\$|a-good-long-password/, 'nothing of the password in the body');
is($new->{role}, 'member', 'role member');
is(psql_value("SELECT organization_id || ' ' || master_admin || ' ' || active FROM users WHERE id = '$new->{id}'"),
   "$ACME_ORG false true", 'in the database: Acme, not master_admin, active');
is(users_count(), $before + 1, 'exactly one user more');
is(psql_value("SELECT count(*) FROM audit_log WHERE action = 'user.create' AND resource_id = '$new->{id}'"
              . " AND organization_id = '$ACME_ORG' AND user_id = '$DEMO{'admin@acme.example'}{id}'"),
   1, 'user.create audited with the admin as actor');
is(login($email, 'a-good-long-password')->{status}, 200, 'the new user can log in');

$r = api(GET => "/api/v1/users/$new->{id}", undef, $admin);
is($r->{status}, 200, 'GET /users/{id}: 200');
is($r->{json}{email}, $email, 'the created user');
ok(!exists $r->{json}{password_hash}, 'no hash');

for my $dup ($email, uc($email), "  $email ", ucfirst($email)) {
    problem_ok(api(POST => '/api/v1/users', { email => $dup, password => 'another-long-password' }, $admin),
               409, 'conflict', "duplicate e-mail '$dup'");
}
problem_ok(api(POST => '/api/v1/users', { email => $email, password => 'another-long-password' }, $gadmin),
           409, 'conflict', 'the same e-mail in another organization');
is(users_count(), $before + 1, 'no user added by the conflicts');

my %bad = (
    'password of 11 characters'   => { password => 'x' x 11 },
    'password of 73 bytes'        => { password => 'y' x 73 },
    'password of 37 two-byte characters (74 bytes)' => { password => "\x{e9}" x 37 },
    'no password'                 => { password => undef },
    'role owner'                  => { role => 'owner' },
    'role master_admin'           => { role => 'master_admin' },
    'role as a number'            => { role => 1 },
    'e-mail without @'            => { email => 'not-an-email' },
);
for my $name (sort keys %bad) {
    my %body = (email => unique_email('bad'), password => 'a-good-long-password', role => 'member', %{ $bad{$name} });
    delete $body{$_} for grep { !defined $body{$_} } keys %body;
    my $x = api(POST => '/api/v1/users', \%body, $admin);
    problem_ok($x, 422, 'validation_failed', "POST /users with $name");
}
is(users_count(), $before + 1, 'no user added by the invalid requests');
my $twelve = api(POST => '/api/v1/users', { email => unique_email('twelve'), password => "\x{e9}" x 12 },
                       $admin);
is($twelve->{status}, 201, 'a 12-character password (24 bytes) is fine');

problem_ok(api(POST => '/api/v1/users', { email => unique_email('m'), password => 'a-good-long-password' }, $member),
           403, 'forbidden', 'POST /users as a member');
problem_ok(api(POST => '/api/v1/users', { email => unique_email('v'), password => 'a-good-long-password' }, $viewer),
           403, 'forbidden', 'POST /users as a viewer');

# ---------------------------------------------------------------- other tenants' ids
my $globex_user = $DEMO{'admin@globex.example'}{id};
my $foreign = api(GET => "/api/v1/users/$globex_user", undef, $admin);
my $missing = api(GET => '/api/v1/users/' . uuid_v4(), undef, $admin);
problem_ok($foreign, 404, 'not_found', "another organization's user");
is_deeply(strip_cid($foreign->{json}), strip_cid($missing->{json}), '… the same answer as a user that does not exist');
problem_ok(api(GET => '/api/v1/users/not-a-uuid', undef, $admin), 422, 'invalid_id', 'GET /users/not-a-uuid');

# ---------------------------------------------------------------- viewer is read-only
my $n_users = users_count();
my $n_audit = psql_value('SELECT count(*) FROM audit_log');
for my $req (['POST', '/api/v1/users', { email => unique_email('viewer'), password => 'a-good-long-password' }],
             ['PUT', '/api/v1/users', {}],
             ['PATCH', "/api/v1/users/$DEMO{'viewer@acme.example'}{id}", { role => 'admin' }],
             ['DELETE', "/api/v1/users/$DEMO{'admin@acme.example'}{id}", undef],
             ['POST', '/api/v1/auth/me', {}],
             ['PATCH', '/api/v1/no-such-thing', {}]) {
    my ($m, $path, $body) = @$req;
    my $x = defined $body ? api($m => $path, $body, $viewer) : http($m => $path, headers => [bearer($viewer)]);
    problem_ok($x, 403, 'forbidden', "viewer $m $path");
}
is(users_count(), $n_users, 'nothing created by the viewer');
is(psql_value("SELECT role FROM users WHERE id = '$DEMO{'viewer@acme.example'}{id}'"), 'viewer', 'the viewer is still a viewer');
is(psql_value('SELECT count(*) FROM audit_log'), $n_audit, 'no audit entry written');
is(api(GET => '/api/v1/auth/me', undef, $viewer)->{status}, 200, 'viewer: GET /auth/me works');
{
    my $vl = login('viewer@acme.example');
    my $x = api(POST => '/api/v1/auth/logout', { refresh_token => $vl->{json}{refresh_token} }, $vl->{json}{access_token});
    is($x->{status}, 204, 'viewer: POST /auth/logout works');
}

# ---------------------------------------------------------------- deactivated user
my $d = create_user(role => 'member', tag => 'deactivated');
my $dl = login($d->{email}, $d->{password});
is($dl->{status}, 200, 'the user logs in while active');
my ($dat, $drt) = ($dl->{json}{access_token}, $dl->{json}{refresh_token});
is(api(GET => '/api/v1/auth/me', undef, $dat)->{status}, 200, 'and /auth/me answers');
psql_value("UPDATE users SET active = false WHERE id = '$d->{id}'");
unauthorized_ok(login($d->{email}, $d->{password}), 'login of a deactivated user', error => undef);
unauthorized_ok(api(GET => '/api/v1/auth/me', undef, $dat), '/auth/me with the token issued before the deactivation');
unauthorized_ok(api(POST => '/api/v1/auth/refresh', { refresh_token => $drt }, undef), 'refresh of a deactivated user');
psql_value("UPDATE users SET active = true WHERE id = '$d->{id}'");
is(login($d->{email}, $d->{password})->{status}, 200, 'reactivated: logs in again');
