# People management and passwords (docs/auth.md "People and passwords"):
#   GET /users/{id} (any member; 404 across organizations), PATCH /users/{id}
#   (org admin: first_name, last_name, role, active; nothing else taken from the
#   body); a role change or a deactivation stops the user's access tokens at once
#   on every server (checked on a SECOND httpd that had already accepted the token);
#   deactivation revokes the refresh families; the last active admin cannot be
#   demoted or deactivated (409), also by two concurrent demotions; audit entries.
#   POST /auth/password: wrong current -> 401 (rate limited like login), other
#   sessions revoked, this one kept. Reset tokens: issued by an org admin (201),
#   stored hashed, single use, superseded by a newer one, expire, refused for
#   another organization's user; POST /auth/password-reset ends every session.
#   With memcached stopped the version check falls back to PostgreSQL.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Time::HiRes qw(time sleep);
use POSIX ();
use Maplat::Test;
use Maplat::Auth;

plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
diag_to_stderr();

# whatever happens, leave memcached running for the next test file
END { eval { mc_start() unless mc_running(); 1 } or print STDERR "# could not restart memcached: $@"; }

my $PW = 'people-test-password-1';

# ---------------------------------------------------------------- an organization of our own
# (the last-admin rule needs an organization whose admins this test controls)
my $tag = "people-$$-" . int(rand 1e6);
my $ORG = psql_value("INSERT INTO organizations (name) VALUES ('People $tag') RETURNING id");
sub sql_user {
    my ($name, $role) = @_;
    my $email = lc "$name-$tag\@people.example";
    my $hash = bcrypt_hash($PW, '$2b$', 4) or die "no bcrypt\n";
    my $id = psql_value("INSERT INTO users (organization_id, email, password_hash, first_name, last_name, role)"
                        . " VALUES ('$ORG', '$email', '$hash', '\u$name', 'Tester', '$role') RETURNING id");
    return { id => $id, email => $email, password => $PW, role => $role };
}
my $A1 = sql_user('adaone', 'admin');
my $A2 = sql_user('adatwo', 'admin');
my $M  = sql_user('member', 'member');
my $V  = sql_user('viewer', 'viewer');
sub tok {
    my ($u) = @_;
    my $r = login($u->{email}, $u->{password});
    die "login $u->{email}: $r->{status} $r->{body}\n" unless $r->{status} == 200;
    return $r->{json};
}
my ($a1, $a2, $m, $v) = map { tok($_)->{access_token} } $A1, $A2, $M, $V;
my $acme = token('admin@acme.example');
sub patch { my ($tok, $id, $body, %o) = @_; api(PATCH => "/api/v1/users/$id", $body, $tok, %o) }
sub audit_count {
    my ($action, $id) = @_;
    return psql_value("SELECT count(*) FROM audit_log WHERE action = '$action' AND resource_id = '$id'");
}
sub families { my ($id) = @_; psql_value("SELECT string_agg(coalesce(revoked_reason, 'live'), ',' ORDER BY created_at) FROM refresh_token_families WHERE user_id = '$id'") // '' }

# ---------------------------------------------------------------- GET /users/{id}
{
    my $r = api(GET => "/api/v1/users/$M->{id}", undef, $v);
    is($r->{status}, 200, 'a viewer reads a user of the organization');
    my $u = $r->{json} || {};
    is_deeply([sort keys %$u], [sort qw(id email first_name last_name organization_id role master_admin active
                                        last_login_at created_at)], 'the user has active and last_login_at');
    ok(JSON::PP::is_bool($u->{active}) && $u->{active}, 'active: true');
    like($u->{last_login_at} // '', qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'last_login_at set by the login');
    problem_ok(api(GET => "/api/v1/users/$M->{id}", undef, $acme), 404, 'not_found', "another organization's user");
    problem_ok(api(GET => "/api/v1/users/$DEMO{'admin@acme.example'}{id}", undef, $a1), 404, 'not_found', 'and the other way round');
    problem_ok(api(GET => '/api/v1/users/not-a-uuid', undef, $a1), 422, 'invalid_id', 'a malformed id');
    my $l = api(GET => '/api/v1/users?page_size=100', undef, $a1);
    my ($item) = grep { $_->{id} eq $M->{id} } @{ ($l->{json} || {})->{items} || [] };
    ok($item && exists $item->{active} && exists $item->{last_login_at}, 'GET /users items have active and last_login_at');
    is(scalar @{ ($l->{json} || {})->{items} || [] }, 4, 'GET /users lists exactly the organization\'s four users');
}

# ---------------------------------------------------------------- PATCH: who and what
{
    problem_ok(patch($m, $V->{id}, { first_name => 'No' }), 403, 'forbidden', 'a member cannot change users');
    problem_ok(patch($v, $V->{id}, { first_name => 'No' }), 403, 'forbidden', 'a viewer cannot change users');
    problem_ok(patch($v, $V->{id}, { role => 'admin' }), 403, 'forbidden', 'a viewer cannot promote themselves');
    problem_ok(patch($acme, $M->{id}, { role => 'viewer', active => JSON::PP::false }), 404, 'not_found',
               "an admin of another organization: 404");
    problem_ok(patch($a1, uuid_v4(), { role => 'viewer' }), 404, 'not_found', 'an unknown user: 404');
    problem_ok(patch($a1, 'xyz', { role => 'viewer' }), 422, 'invalid_id', 'a malformed id');
    is(psql_value("SELECT role || active FROM users WHERE id = '$M->{id}'"), 'membertrue', 'nothing changed');
    my $r = patch($a1, $M->{id}, { role => 'owner', active => 'no', first_name => 5, last_name => 'x' x 101 });
    is($r->{status}, 422, 'invalid values: 422');
    is_deeply([sort map { $_->{field} } @{ ($r->{json} || {})->{errors} || [] }], [qw(active first_name last_name role)],
              '... naming every bad field');
    problem_ok(patch($a1, $M->{id}, { role => undef }), 422, 'validation_failed', 'role null');
    problem_ok(patch($a1, $M->{id}, '[1]'), 400, 'invalid_json', 'not an object');

    # mass assignment: only first_name, last_name, role and active are taken
    my $before_version = psql_value("SELECT token_version FROM users WHERE id = '$M->{id}'");
    $r = patch($a1, $M->{id}, { first_name => 'Renamed', email => 'evil@people.example', organization_id => $ACME_ORG,
                                master_admin => JSON::PP::true, password => 'sneaky-password-123', token_version => 99,
                                id => uuid_v4(), created_at => '2000-01-01T00:00:00Z' });
    is($r->{status}, 200, 'PATCH with forbidden fields: 200') or diag($r->{body});
    is(($r->{json} || {})->{first_name}, 'Renamed', 'first_name changed');
    is(psql_value("SELECT email || '|' || organization_id || '|' || master_admin || '|' || token_version FROM users WHERE id = '$M->{id}'"),
       "$M->{email}|$ORG|false|$before_version", 'email, organization, master_admin, token_version untouched');
    ok(login($M->{email}, $M->{password})->{status} == 200, 'the password is untouched');
    is(api(GET => '/api/v1/auth/me', undef, $m)->{status}, 200, 'a name change does not end the access token');
    my $d = psql_value("SELECT details::text FROM audit_log WHERE action = 'user.update' AND resource_id = '$M->{id}' ORDER BY seq DESC LIMIT 1");
    like($d // '', qr/"first_name": \{"to": "Renamed", "from": "Member"\}/, 'user.update details say what changed')
        or diag($d);
    $r = patch($a1, $M->{id}, { first_name => 'Renamed' });
    is($r->{status}, 200, 'PATCH with no change: 200');
    is(audit_count('user.update', $M->{id}), 1, '... and no audit entry');
}

# ---------------------------------------------------------------- at once, on every server
my $s2 = eval { second_httpd(name => 'people') };
ok($s2, 'a second httpd (same PostgreSQL and memcached)') or diag($@);
my $P2 = $s2 ? $s2->{port} : undef;
SKIP: {
    skip('no second httpd', 14) unless $s2;
    # role change: M's token was accepted by the second server (its version is cached now)
    my $ml = tok($M);
    my ($mat, $mrt) = @$ml{qw(access_token refresh_token)};
    is(api(GET => '/api/v1/auth/me', undef, $mat, port => $P2)->{status}, 200, 'second server: the member token works');
    is(api(POST => '/api/v1/deals', { name => "people $tag" }, $mat, port => $P2)->{status}, 201,
       'second server: the member creates a deal');
    my $r = patch($a1, $M->{id}, { role => 'viewer' });
    is(($r->{json} || {})->{role}, 'viewer', 'first server: the member is made a viewer');
    unauthorized_ok(api(GET => '/api/v1/auth/me', undef, $mat, port => $P2), 'second server, at once: the old token is refused');
    unauthorized_ok(api(POST => '/api/v1/deals', { name => "people2 $tag" }, $mat, port => $P2),
                    'second server, at once: no mutation with the old role');
    my $x = api(POST => '/api/v1/auth/refresh', { refresh_token => $mrt }, undef, port => $P2);
    is($x->{status}, 200, 'the session survives a role change: refresh on the second server') or diag($x->{body});
    my $nat = ($x->{json} || {})->{access_token} // '';
    is(jwt_payload($nat)->{role}, 'viewer', 'the new token carries the new role');
    problem_ok(api(POST => '/api/v1/deals', { name => "people3 $tag" }, $nat, port => $P2), 403, 'forbidden',
               'and the viewer rule applies');
    like(psql_value("SELECT details::text FROM audit_log WHERE action = 'user.update' AND resource_id = '$M->{id}' ORDER BY seq DESC LIMIT 1"),
         qr/"role": \{"to": "viewer", "from": "member"\}/, 'user.update: role from member to viewer');

    # deactivation
    my $dl = tok($M);
    is(api(GET => '/api/v1/auth/me', undef, $dl->{access_token}, port => $P2)->{status}, 200, 'second server accepts the token');
    $r = patch($a1, $M->{id}, { active => JSON::PP::false });
    ok($r->{status} == 200 && JSON::PP::is_bool($r->{json}{active}) && !$r->{json}{active}, 'deactivated: 200, active false');
    unauthorized_ok(api(GET => '/api/v1/deals', undef, $dl->{access_token}, port => $P2), 'second server, at once: token refused');
    unauthorized_ok(api(POST => '/api/v1/auth/refresh', { refresh_token => $dl->{refresh_token} }, undef, port => $P2),
                    'its refresh token is refused');
    unlike(families($M->{id}), qr/live/, 'every refresh family of the user is revoked');
}
{
    like(families($M->{id}), qr/user_disabled/, 'revoked_reason user_disabled');
    my $l = login($M->{email}, $M->{password});
    unauthorized_ok($l, 'a deactivated user cannot log in', error => undef);
    is(($l->{json} || {})->{detail}, 'the email or password is wrong', '... with the wrong-password answer');
    is(audit_count('user.deactivate', $M->{id}), 1, 'user.deactivate audited');
    my $r = patch($a1, $M->{id}, { active => JSON::PP::true, role => 'member' });
    ok($r->{status} == 200 && $r->{json}{active}, 'reactivated');
    is(audit_count('user.activate', $M->{id}), 1, 'user.activate audited');
    is(login($M->{email}, $M->{password})->{status}, 200, 'the reactivated user logs in');
    unauthorized_ok(api(GET => '/api/v1/auth/me', undef, $m), 'a token from before the deactivation stays dead');
    $m = tok($M)->{access_token};
}

# ---------------------------------------------------------------- memcached down: PostgreSQL decides
{
    my $l = tok($V);
    is(api(GET => '/api/v1/auth/me', undef, $l->{access_token})->{status}, 200, 'the viewer token works (version cached)');
    mc_stop();
    ok(!mc_running(), 'memcached stopped');
    is(api(GET => '/api/v1/auth/me', undef, $l->{access_token}, timeout => 10)->{status}, 200, 'memcached down: tokens still work');
    my $r = patch($a1, $V->{id}, { active => JSON::PP::false }, timeout => 10);
    is($r->{status}, 200, 'memcached down: deactivate the viewer');
    unauthorized_ok(api(GET => '/api/v1/auth/me', undef, $l->{access_token}, timeout => 10), 'memcached down: the token is refused at once');
    if ($s2) {
        unauthorized_ok(api(GET => '/api/v1/deals', undef, $l->{access_token}, port => $P2, timeout => 10),
                        'memcached down: ... on the second server too');
    }
    mc_start();
    ok(mc_running(), 'memcached back');
    $r = patch($a1, $V->{id}, { active => JSON::PP::true }, timeout => 10);
    is($r->{status}, 200, 'the viewer reactivated');
    # memcached came back empty: a miss reads PostgreSQL again
    unauthorized_ok(api(GET => '/api/v1/auth/me', undef, $l->{access_token}), 'memcached back: the old token stays refused');
    $v = tok($V)->{access_token};
    is(api(GET => '/api/v1/auth/me', undef, $v)->{status}, 200, 'a new login works');
}

# ---------------------------------------------------------------- the last active admin
{
    my $r = patch($a1, $A2->{id}, { role => 'member' });
    is($r->{status}, 200, 'A1 demotes A2 (two admins): 200') or diag($r->{body});
    $r = patch($a1, $A1->{id}, { role => 'member' });
    problem_ok($r, 409, 'conflict', 'A1, now the last admin, cannot demote themselves');
    problem_ok(patch($a1, $A1->{id}, { active => JSON::PP::false }), 409, 'conflict', '... nor deactivate themselves');
    problem_ok(patch($a1, $A1->{id}, { role => 'viewer', first_name => 'Changed' }), 409, 'conflict',
               '... also together with another field');
    is(psql_value("SELECT role || active || first_name FROM users WHERE id = '$A1->{id}'"), 'admintrueAdaone',
       'nothing changed by the refused requests');
    $r = patch($a1, $A1->{id}, { first_name => 'Ada' });
    is($r->{status}, 200, 'the last admin may still change their name');
    # a deactivated admin does not count
    $r = patch($a1, $A2->{id}, { role => 'admin', active => JSON::PP::false });
    is($r->{status}, 200, 'A2 made admin but deactivated');
    problem_ok(patch($a1, $A1->{id}, { role => 'member' }), 409, 'conflict', 'an inactive admin does not count');
    $r = patch($a1, $A2->{id}, { active => JSON::PP::true });
    is($r->{status}, 200, 'A2 active again: two active admins');
    $a2 = tok($A2)->{access_token};
    $a1 = tok($A1)->{access_token} if api(GET => '/api/v1/auth/me', undef, $a1)->{status} != 200;
}
# two concurrent demotions: the organization lock is held by a transaction of
# the test, so both requests are queued behind it and then run one after the other
{
    my $hold = fork();
    die "fork: $!" unless defined $hold;
    if (!$hold) {
        psql("BEGIN; SELECT id FROM organizations WHERE id = '$ORG' FOR NO KEY UPDATE; SELECT pg_sleep(5); COMMIT;");
        POSIX::_exit(0);
    }
    # the lock is taken once the holder sleeps (psql may take a while to start on
    # a loaded machine; a fixed pause could end before it holds the lock)
    wait_for(sub {
        my ($rc, $n) = psql("SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
                            . " AND wait_event = 'PgSleep' AND query LIKE '%FOR NO KEY UPDATE%'");
        !$rc && $n =~ /^\s*[1-9]/;
    }, timeout => 60, interval => 0.1) or diag('the lock holder was not seen sleeping with the lock');
    my @kids;
    for my $job ([$a1, $A2->{id}], [$a2, $A1->{id}]) {
        my ($tok, $target) = @$job;
        my $file = "/tmp/maplat-people-$$-$target";
        my $pid = fork();
        die "fork: $!" unless defined $pid;
        if (!$pid) {
            my $r = patch($tok, $target, { role => 'member' }, timeout => 30);
            open my $fh, '>', $file or POSIX::_exit(1);
            print $fh "$r->{status}\n";
            close $fh;
            POSIX::_exit(0);
        }
        push @kids, [$pid, $file];
    }
    waitpid($_->[0], 0) for @kids;
    waitpid($hold, 0);
    my @status = sort map { open my $fh, '<', $_->[1] or die; my $s = <$fh>; close $fh; unlink $_->[1]; chomp $s; $s } @kids;
    ok($status[0] == 200 && ($status[1] == 409 || $status[1] == 401), "two concurrent demotions: one succeeds, one is refused (@status)");
    is(psql_value("SELECT count(*) FROM users WHERE organization_id = '$ORG' AND role = 'admin' AND active"), 1,
       'the organization keeps exactly one active admin');
    # which demotion won depends on the order the two requests took the lock:
    # from here on $a1 is a fresh token of the admin that remains
    my $left = psql_value("SELECT id FROM users WHERE organization_id = '$ORG' AND role = 'admin' AND active");
    $a1 = tok($left eq $A2->{id} ? $A2 : $A1)->{access_token};
}

# ---------------------------------------------------------------- POST /auth/password
{
    my $u = create_user(role => 'member', tag => 'pwchange');
    my $s1 = tok($u);
    my $s2l = tok($u);
    my $addr = fresh_addr();
    my $CH = '/api/v1/auth/password';
    problem_ok(api(POST => $CH, { current_password => $u->{password}, new_password => 'x' x 20 }, undef), 401,
               'unauthorized', 'without a token');
    my $r = api(POST => $CH, { current_password => 'wrong-password-000', new_password => 'a-new-password-123' }, $s1->{access_token},
                      local_addr => $addr);
    problem_ok($r, 401, 'unauthorized', 'a wrong current password');
    unlike($r->{headers}{'www-authenticate'} // '', qr/invalid_token/, '... without error="invalid_token" (the token is fine)');
    is(api(GET => '/api/v1/auth/me', undef, $s1->{access_token})->{status}, 200, '... and the token still works');
    is(audit_count('auth.password_change_failed', $u->{id}), 1, 'auth.password_change_failed audited');
    $r = api(POST => $CH, { current_password => $u->{password}, new_password => 'short' }, $s1->{access_token});
    is($r->{status}, 422, 'a new password under 12 characters: 422');
    is_deeply([map { $_->{field} } @{ ($r->{json} || {})->{errors} || [] }], ['new_password'], '... naming new_password');
    problem_ok(api(POST => $CH, { current_password => $u->{password}, new_password => 'é' x 37 }, $s1->{access_token}),
               422, 'validation_failed', 'a new password over 72 bytes');
    problem_ok(api(POST => $CH, { new_password => 'a-new-password-123' }, $s1->{access_token}), 422, 'validation_failed',
               'no current_password');
    $r = api(POST => $CH, { current_password => $u->{password}, new_password => 'a-new-password-123' }, $s1->{access_token});
    is($r->{status}, 204, 'password changed: 204') or diag($r->{body});
    is(audit_count('auth.password_change', $u->{id}), 1, 'auth.password_change audited');
    unauthorized_ok(api(POST => '/api/v1/auth/refresh', { refresh_token => $s2l->{refresh_token} }, undef), 'the other session is revoked');
    my $x = api(POST => '/api/v1/auth/refresh', { refresh_token => $s1->{refresh_token} }, undef);
    is($x->{status}, 200, 'this session is kept (it refreshes)') or diag($x->{body});
    unauthorized_ok(api(GET => '/api/v1/auth/me', undef, $s2l->{access_token}), "the other session's access token stops at once");
    is(api(GET => '/api/v1/auth/me', undef, ($x->{json} || {})->{access_token} // '')->{status}, 200, 'the refreshed token works');
    like(families($u->{id}), qr/password_change/, 'revoked_reason password_change');
    unauthorized_ok(login($u->{email}, $u->{password}), 'the old password no longer logs in', error => undef);
    is(login($u->{email}, 'a-new-password-123')->{status}, 200, 'the new one does');
    my $vr = api(POST => $CH, { current_password => $PW, new_password => 'viewer-new-password' }, $v);
    is($vr->{status}, 204, 'a viewer may change their own password') or diag($vr->{body});
    $V->{password} = 'viewer-new-password';
    $v = tok($V)->{access_token};

    # rate limited like login: 10 failures of this address in the window
    my $w = create_user(role => 'member', tag => 'pwlimit');
    my $wt = tok($w)->{access_token};
    my $addr2 = fresh_addr();
    my @s = map { api(POST => $CH, { current_password => "wrong-$_-password", new_password => 'another-new-pass-1' }, $wt,
                            local_addr => $addr2)->{status} } 1 .. 10;
    is_deeply(\@s, [(401) x 10], 'ten wrong current passwords: 401 each');
    $r = api(POST => $CH, { current_password => $w->{password}, new_password => 'another-new-pass-1' }, $wt,
                   local_addr => $addr2);
    problem_ok($r, 429, 'rate_limited', 'the eleventh, even right: 429');
    like($r->{headers}{'retry-after'} // '', qr/^\d+$/, '... with Retry-After');
    problem_ok(login($w->{email}, $w->{password}), 429, 'rate_limited', 'and logins of that e-mail are limited too');
}

# ---------------------------------------------------------------- password reset tokens
{
    my $u = sql_user('resetme', 'member');
    my $s = tok($u);
    my $RS = "/api/v1/users/$u->{id}/password-reset";
    my $USE = '/api/v1/auth/password-reset';
    problem_ok(api(POST => $RS, {}, $m), 403, 'forbidden', 'a member cannot issue reset tokens');
    problem_ok(api(POST => $RS, {}, $v), 403, 'forbidden', 'a viewer cannot issue reset tokens');
    problem_ok(api(POST => $RS, {}, $acme), 404, 'not_found', "an admin of another organization: 404");
    problem_ok(api(POST => "/api/v1/users/$DEMO{'analyst@acme.example'}{id}/password-reset", {}, $a1), 404, 'not_found',
               "for another organization's user: 404");
    problem_ok(api(POST => '/api/v1/users/' . uuid_v4() . '/password-reset', {}, $a1), 404, 'not_found', 'an unknown user');
    is(psql_value("SELECT count(*) FROM password_reset_tokens WHERE user_id = '$u->{id}' OR user_id = '$DEMO{'analyst@acme.example'}{id}'"),
       0, 'no token was issued by the refused requests');

    my $r = api(POST => $RS, {}, $a1);
    is($r->{status}, 201, 'an org admin issues a reset token: 201') or diag($r->{body});
    my $t1 = ($r->{json} || {})->{token} // '';
    like($t1, qr/^[A-Za-z0-9_-]{43}$/, 'token: 43 base64url characters');
    like($r->{headers}{'cache-control'} // '', qr/no-store/, 'Cache-Control: no-store');
    my $exp = ($r->{json} || {})->{expires_at} // '';
    like($exp, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'expires_at is RFC 3339');
    is(psql_value("SELECT round(extract(epoch FROM expires_at - now()) / 3600) FROM password_reset_tokens WHERE user_id = '$u->{id}'"),
       24, 'it expires in 24 h');
    is(psql_value("SELECT count(*) FROM password_reset_tokens WHERE token_hash = sha256(convert_to('$t1', 'UTF8'))"), 1,
       'stored as its SHA-256');
    is(psql_value("SELECT count(*) FROM password_reset_tokens WHERE encode(token_hash, 'escape') LIKE '%$t1%'"), 0,
       'the token itself is not stored');
    is(audit_count('user.password_reset_issue', $u->{id}), 1, 'user.password_reset_issue audited');

    # superseded by a newer token
    my $t2 = api(POST => $RS, {}, $a1)->{json}{token};
    problem_ok(api(POST => $USE, { token => $t1, new_password => 'reset-password-0001' }, undef), 401, 'unauthorized',
               'an older token, superseded by a newer one: 401');
    # validation before the token is spent
    my $bad = api(POST => $USE, { token => $t2, new_password => 'short' }, undef);
    is($bad->{status}, 422, 'a weak new password: 422');
    problem_ok(api(POST => $USE, { new_password => 'reset-password-0001' }, undef), 422, 'validation_failed', 'no token: 422');
    $r = api(POST => $USE, { token => $t2, new_password => 'reset-password-0001' }, undef);
    is($r->{status}, 204, 'the reset with the newest token: 204 (no access token needed)') or diag($r->{body});
    is(audit_count('auth.password_reset', $u->{id}), 1, 'auth.password_reset audited');
    problem_ok(api(POST => $USE, { token => $t2, new_password => 'reset-password-0002' }, undef), 401, 'unauthorized',
               'the same token again: 401 (single use)');
    unauthorized_ok(api(POST => '/api/v1/auth/refresh', { refresh_token => $s->{refresh_token} }, undef), 'the old session is revoked');
    unauthorized_ok(api(GET => '/api/v1/auth/me', undef, $s->{access_token}), '... and its access token stops at once');
    like(families($u->{id}), qr/password_reset/, 'revoked_reason password_reset');
    unauthorized_ok(login($u->{email}, $PW), 'the old password no longer logs in', error => undef);
    is(login($u->{email}, 'reset-password-0001')->{status}, 200, 'the new one does');

    # expired
    my $t3 = api(POST => $RS, {}, $a1)->{json}{token};
    psql_value("UPDATE password_reset_tokens SET expires_at = now() - interval '1 minute' WHERE token_hash = sha256(convert_to('$t3', 'UTF8'))");
    problem_ok(api(POST => $USE, { token => $t3, new_password => 'reset-password-0003' }, undef), 401, 'unauthorized', 'an expired token: 401');
    problem_ok(api(POST => $USE, { token => 'x' x 43, new_password => 'reset-password-0003' }, undef), 401, 'unauthorized', 'an unknown token: 401');
    problem_ok(api(POST => $USE, { token => 'short', new_password => 'reset-password-0003' }, undef), 401, 'unauthorized', 'a malformed token: 401');
    is(login($u->{email}, 'reset-password-0001')->{status}, 200, 'the refused resets changed nothing');

    # rate limited per client address
    my $addr = fresh_addr();
    my @s = map { api(POST => $USE,
                            { token => "unknown-token-$_" . ('y' x 30), new_password => 'reset-password-0004' }, undef, local_addr => $addr)->{status} } 1 .. 10;
    is_deeply(\@s, [(401) x 10], 'ten unusable tokens from one address: 401 each');
    my $t4 = api(POST => $RS, {}, $a1)->{json}{token};
    $r = api(POST => $USE, { token => $t4, new_password => 'reset-password-0004' }, undef, local_addr => $addr);
    problem_ok($r, 429, 'rate_limited', 'the eleventh, even with a good token: 429');
    is(api(POST => $USE, { token => $t4, new_password => 'reset-password-0004' }, undef, local_addr => fresh_addr())->{status}, 204,
       'from another address the good token works (it was not spent by the refused request)');
}

ok(!$s2 || $s2->stop, 'the second httpd stopped cleanly');
done_testing();
