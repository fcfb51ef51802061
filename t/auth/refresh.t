# Refresh tokens and logout (API.md; SECURITY.md 9, 18-21):
#   refresh R1 -> 200, new pair R2; R1 then refused (rotation)
#   R1 presented again after the 2 s grace -> 401, the whole family revoked
#     (R2's successor fails too) and auth.refresh_reuse_detected audited
#   an access token sent to /auth/refresh -> 401; a refresh token as Bearer -> 401
#   logout -> 204, the family stops working; logging out with another user's
#     refresh token changes nothing for that user
#   two parallel refreshes of one token -> at most one 200, never two live tokens
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Time::HiRes qw(time sleep);
use JSON::PP ();
use POSIX ();
use Maplat::Test;
use Maplat::Auth;

plan tests => 43, need(need_pg(), need_mc());
diag_to_stderr();

sub refresh { my ($rt, %o) = @_; api(POST => '/api/v1/auth/refresh', { refresh_token => $rt }, undef, %o) }
sub pair {
    my ($r) = @_;
    return ref $r->{json} eq 'HASH' ? ($r->{json}{access_token}, $r->{json}{refresh_token}) : ();
}

my $user = create_user(role => 'member', tag => 'refresh');

# ---------------------------------------------------------------- rotation
my $l = login($user->{email}, $user->{password});
is($l->{status}, 200, 'login') or diag($l->{body});
my ($a1, $r1) = pair($l);

my $x = refresh($r1);
is($x->{status}, 200, 'refresh R1: 200') or diag($x->{body});
my ($a2, $r2) = pair($x);
my $j = $x->{json} || {};
is_deeply([sort keys %$j], [qw(access_token expires_in refresh_token token_type user)], 'refresh: a new pair and the user');
isnt($r2, $r1, 'a new refresh token');
isnt($a2, $a1, 'a new access token');
is(($j->{user} || {})->{id}, $user->{id}, 'for the same user');
like($x->{headers}{'cache-control'} // '', qr/no-store/, 'Cache-Control: no-store');

# at once (the next request): within the 2 s grace period even when the machine is slow
my $again = refresh($r1);
unauthorized_ok($again, 'R1 again at once (rotated out)');
like(($again->{json} || {})->{detail} // '', qr/invalid_grant/, 'detail names invalid_grant');
is(api(GET => '/api/v1/auth/me', undef, $a2)->{status}, 200, 'the new access token works');

# within the grace window that was not treated as reuse: R2 still works
$x = refresh($r2);
is($x->{status}, 200, 'R2 still refreshes (a retry inside the grace window revokes nothing)') or diag($x->{body});
my ($a3, $r3) = pair($x);

# ---------------------------------------------------------------- reuse after the grace
# the organization's dashboard (cached) lists recent audit entries: the reuse
# entry, written by a request that answers 401, must show at once
my $DASH = '/api/v1/dashboard/metrics';
api(GET => $DASH, undef, $a3);
is(api(GET => $DASH, undef, $a3)->{headers}{'x-cache'} // '', 'HIT', 'the dashboard is cached before the reuse');
sleep 3.2;
my $reuse = refresh($r1);
unauthorized_ok($reuse, 'R1 reused after the grace window');
{
    my $d = api(GET => $DASH, undef, $a3);
    is($d->{headers}{'x-cache'} // '', 'MISS', 'the dashboard read after the reuse is computed afresh');
    my $first = (($d->{json} || {})->{recent_activity} || [])->[0] || {};
    is($first->{action} // '', 'auth.refresh_reuse_detected', '... and its newest activity is the reuse entry');
}
my $family_dead = refresh($r3);
unauthorized_ok($family_dead, 'R3 (the live token of that family) now fails too');
my $audit = psql_value("SELECT count(*) FROM audit_log WHERE action = 'auth.refresh_reuse_detected'"
                       . " AND user_id = '$user->{id}' AND organization_id = '$ACME_ORG'");
is($audit, 1, 'one auth.refresh_reuse_detected audit entry for the user');
my $revoked = psql_value("SELECT string_agg(DISTINCT coalesce(revoked_reason, 'live'), ',') FROM refresh_token_families"
                         . " WHERE user_id = '$user->{id}'");
is($revoked, 'reuse', 'the family is revoked for reuse');
is(api(GET => '/api/v1/auth/me', undef, $a3)->{status}, 200,
   'the access token already issued stays valid until it expires (stateless, 900 s)');
my $other = login($user->{email}, $user->{password});
is($other->{status}, 200, 'a new login still works (a new family)');
my ($a4, $r4) = pair($other);

# ---------------------------------------------------------------- crossed tokens
unauthorized_ok(refresh($a4), 'an access token sent to /auth/refresh');
unauthorized_ok(api(GET => '/api/v1/auth/me', undef, $r4), 'a refresh token used as the access token');
unauthorized_ok(refresh('A' x 43), 'an unknown 43-character refresh token');
unauthorized_ok(refresh("' OR 1=1--"), 'SQL in the refresh token');
is(refresh('')->{status}, 422, 'an empty refresh_token: 422');
is(api(POST => '/api/v1/auth/refresh', {}, undef)->{status}, 422, 'no refresh_token: 422');
is(api(POST => '/api/v1/auth/refresh', { refresh_token => [$r4] }, undef)->{status}, 422, 'refresh_token not a string: 422');
is(refresh($r4)->{status}, 200, 'and the genuine one still refreshes') or diag('');

# ---------------------------------------------------------------- logout
my $lo_user = login($user->{email}, $user->{password});
my ($la, $lr) = pair($lo_user);
my $out = api(POST => '/api/v1/auth/logout', { refresh_token => $lr }, $la);
is($out->{status}, 204, 'logout: 204') or diag($out->{body});
is($out->{body}, '', 'logout: no body');
unauthorized_ok(refresh($lr), 'the logged-out refresh token');
is(psql_value("SELECT count(*) FROM audit_log WHERE action = 'auth.logout' AND user_id = '$user->{id}'"), 1,
   'auth.logout audited for the user');

# the family of a token that was already rotated: logging out with the new one
# ends the family, so the rotated one cannot resurrect anything either
my $f = login($user->{email}, $user->{password});
my ($fa, $fr1) = pair($f);
my ($fa2, $fr2) = pair(refresh($fr1));
is(api(POST => '/api/v1/auth/logout', { refresh_token => $fr2 }, $fa2)->{status}, 204, 'logout with R2');
unauthorized_ok(refresh($fr2), 'R2 after logout');
sleep 2.5;
unauthorized_ok(refresh($fr1), 'R1 of the logged-out family');

# another user's refresh token: nothing happens to it
my $victim = login('analyst@acme.example');
my ($va, $vr) = pair($victim);
my $cross = api(POST => '/api/v1/auth/logout', { refresh_token => $vr }, $a4);
ok($cross->{status} == 204 || $cross->{status} == 404 || $cross->{status} == 403,
   "logout with another user's refresh token: $cross->{status}");
my $still = refresh($vr);
is($still->{status}, 200, "the other user's refresh token still works") or diag($still->{body});
my $globex = login('admin@globex.example');
my ($ga, $gr) = pair($globex);
api(POST => '/api/v1/auth/logout', { refresh_token => $gr }, $a4);
is(refresh($gr)->{status}, 200, "another tenant's refresh token survives a logout by Acme");
unauthorized_ok(api(POST => '/api/v1/auth/logout', { refresh_token => $gr }, undef),
                'logout without an access token', error => undef);

# ---------------------------------------------------------------- parallel refresh
my $p = login($user->{email}, $user->{password});
my (undef, $pr) = pair($p);
my @kids;
for my $i (1 .. 2) {
    pipe(my $rd, my $wr) or die "pipe: $!";
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        close $rd;
        my $res = refresh($pr);
        print $wr JSON::PP::encode_json({ status => $res->{status},
                                          rt => ($res->{json} && ref $res->{json} eq 'HASH' ? $res->{json}{refresh_token} : undef) });
        close $wr;
        POSIX::_exit(0);
    }
    close $wr;
    push @kids, [$pid, $rd];
}
my @res;
for my $k (@kids) {
    my $fh = $k->[1];
    local $/;
    my $txt = <$fh>;
    waitpid $k->[0], 0;
    push @res, (eval { JSON::PP::decode_json($txt) } || { status => 0 });
}
my @ok = grep { $_->{status} == 200 } @res;
diag('parallel refresh: ' . join(', ', map { $_->{status} } @res));
ok(@ok <= 1, 'two parallel refreshes of one token: at most one 200');
ok(!grep({ $_->{status} != 200 && $_->{status} != 401 } @res), 'the other one is a 401');
my $usable = grep { defined $_->{rt} && refresh($_->{rt})->{status} == 200 } @ok;
ok($usable <= 1, 'never two usable refresh tokens');
is(scalar(@ok), 1, 'exactly one of them succeeded (the row lock serialises them)');
