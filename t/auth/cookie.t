# Browser sessions (docs/auth.md "Browser sessions"):
#   login {"session":"cookie"} -> the usual answer without refresh_token; the
#     refresh token in Set-Cookie: maplat_refresh=…; Max-Age=<MaplatRefreshTTL>;
#     Path=/api/v1/auth; HttpOnly; SameSite=Strict (Secure over https)
#   refresh with the cookie (empty body or {}) -> the login-like body, a new cookie
#   a rotated cookie value presented after the grace period revokes the family
#   missing, foreign, CORS-listed or "null" Origin -> 403 and nothing rotated or revoked
#   logout with the cookie (bearer, expired bearer or none) -> 204, cookie cleared
#     (Max-Age=0), family revoked; body-based clients unchanged
#   Secure when httpd serves the request as https (a second httpd with
#     ServerName https://…, as behind a TLS-terminating proxy)
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Time::HiRes qw(time sleep);
use Maplat::Test;
use Maplat::Auth;

plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
diag_to_stderr();

my ($HOST, $PORT) = split /:/, Apache::TestRequest::hostport(Apache::Test::config());
$HOST = '127.0.0.1' if !$HOST || $HOST eq 'localhost';
my $OWN = "http://$HOST:$PORT";    # the Host header the test client sends, with http
my $TTL = 1209600;                 # MaplatRefreshTTL of t/conf/extra.conf.in

# The Set-Cookie headers of a response, as a list.
sub set_cookies { my ($r) = @_; return map { $_->[1] } grep { $_->[0] eq 'set-cookie' } @{ $r->{header_list} || [] } }
# The one maplat_refresh Set-Cookie: (value, {attribute => value}), or ().
sub session_cookie {
    my ($r) = @_;
    my @c = grep { /^maplat_refresh=/ } set_cookies($r);
    return () unless @c == 1;
    my ($pair, @attrs) = split /;\s*/, $c[0];
    my (undef, $value) = split /=/, $pair, 2;
    my %a = map { my ($k, $v) = split /=/, $_, 2; (lc $k => $v // 1) } @attrs;
    return ($value, \%a);
}
sub cookie_login {
    my ($u, %o) = @_;
    my $origin = exists $o{origin} ? $o{origin} : $OWN;
    return api(POST => '/api/v1/auth/login',
                     { email => $u->{email}, password => $u->{password}, session => $o{session} }, undef, local_addr =>
                     fresh_addr(), (defined $origin ? (headers => ['Origin' => $origin]) : ()), ($o{port} ? (port => $o{port}) : ()));
}
# POST with the cookie; body: undef (empty, no Content-Type) or a Perl structure.
sub with_cookie {
    my ($path, $value, %o) = @_;
    my $origin = exists $o{origin} ? $o{origin} : $OWN;
    my @h = ('Cookie' => "theme=dark; maplat_refresh=$value; other=1",
             (defined $origin ? ('Origin' => $origin) : ()), @{ $o{headers} || [] });
    return defined $o{body} ? api(POST => $path, $o{body}, undef, headers => \@h, ($o{port} ? (port => $o{port}) : ()))
                            : http(POST => $path, headers => \@h, ($o{port} ? (port => $o{port}) : ()));
}
sub family_state {
    my ($value) = @_;
    return psql_value("SELECT coalesce(f.revoked_reason, 'live') FROM refresh_tokens t JOIN refresh_token_families f"
                      . " ON f.id = t.family_id WHERE t.token_hash = sha256(convert_to('$value', 'UTF8'))");
}
sub rotated {
    my ($value) = @_;
    return psql_value("SELECT rotated_at IS NOT NULL FROM refresh_tokens WHERE token_hash = sha256(convert_to('$value', 'UTF8'))");
}

my $u = create_user(role => 'member', tag => 'cookie');

# ---------------------------------------------------------------- login
my $l = cookie_login($u, session => 'cookie');
is($l->{status}, 200, 'login {"session":"cookie"} from our own origin: 200') or diag($l->{body});
my $j = $l->{json} || {};
is_deeply([sort keys %$j], [qw(access_token expires_in token_type user)], 'the body has no refresh_token');
is(($j->{user} || {})->{id}, $u->{id}, 'the body has the user');
like($l->{headers}{'cache-control'} // '', qr/no-store/, 'Cache-Control: no-store');
my ($c1, $a) = session_cookie($l);
like($c1 // '', qr/^[A-Za-z0-9_-]{43}$/, 'Set-Cookie maplat_refresh=<43 base64url characters>');
is($a->{path}, '/api/v1/auth', 'Path=/api/v1/auth');
is($a->{'max-age'}, $TTL, "Max-Age = MaplatRefreshTTL ($TTL)");
ok($a->{httponly}, 'HttpOnly');
is($a->{samesite}, 'Strict', 'SameSite=Strict');
ok(!$a->{secure}, 'no Secure over plain http');
is(family_state($c1), 'live', 'the cookie holds a live refresh token of a new family');
is(api(GET => '/api/v1/auth/me', undef, $j->{access_token})->{status}, 200, 'the access token works');

{
    my $b = login($u->{email}, $u->{password});
    is($b->{status}, 200, 'a login without "session" still works');
    ok(defined(($b->{json} || {})->{refresh_token}) && !set_cookies($b), '... with refresh_token in the body and no cookie');
    my $bs = api(POST => '/api/v1/auth/login',
                       { email => $u->{email}, password => $u->{password}, session => 'body' }, undef, local_addr => fresh_addr());
    ok($bs->{status} == 200 && defined(($bs->{json} || {})->{refresh_token}) && !set_cookies($bs),
       '"session":"body" is the same as no session');
    validation_ok_fields(api(POST => '/api/v1/auth/login',
                                   { email => $u->{email}, password => $u->{password}, session => 'jar' }, undef, local_addr => fresh_addr(), headers => ['Origin' => $OWN]),
                         ['session'], '"session":"jar"');
    validation_ok_fields(api(POST => '/api/v1/auth/login',
                                   { email => $u->{email}, password => $u->{password}, session => 1 }, undef, local_addr => fresh_addr(), headers => ['Origin' => $OWN]),
                         ['session'], '"session":1');
}
for my $bad ([undef, 'no Origin'], ['https://evil.example', 'a foreign Origin'], ['null', 'Origin: null'],
             ["http://$HOST:" . ($PORT + 1), 'another port'], ["https://$HOST:$PORT", 'https for an http server'],
             ['https://app.example.com', 'a MaplatCORSAllowOrigin origin']) {
    my ($origin, $name) = @$bad;
    my $x = cookie_login($u, session => 'cookie', origin => $origin);
    problem_ok($x, 403, 'forbidden', "cookie login with $name");
    ok(!set_cookies($x), "$name: no cookie set");
}
my $logins = psql_value("SELECT count(*) FROM refresh_token_families WHERE user_id = '$u->{id}'");
is($logins, 3, 'the refused cookie logins started no session');

# ---------------------------------------------------------------- refresh
my $x = with_cookie('/api/v1/auth/refresh', $c1);
is($x->{status}, 200, 'refresh with the cookie and an empty body: 200') or diag($x->{body});
$j = $x->{json} || {};
is_deeply([sort keys %$j], [qw(access_token expires_in token_type user)], 'login-like body without refresh_token');
is(($j->{user} || {})->{id}, $u->{id}, 'refresh answers the user');
my ($c2, $a2) = session_cookie($x);
like($c2 // '', qr/^[A-Za-z0-9_-]{43}$/, 'a new cookie is set');
isnt($c2, $c1, '... with a new value (rotation)');
ok($a2->{httponly} && ($a2->{samesite} // '') eq 'Strict' && ($a2->{path} // '') eq '/api/v1/auth'
   && ($a2->{'max-age'} // '') eq $TTL, '... with the same attributes');
is(api(GET => '/api/v1/auth/me', undef, $j->{access_token})->{status}, 200, 'the new access token works');
is(rotated($c1), 't', 'the old cookie value is spent');

$x = with_cookie('/api/v1/auth/refresh', $c2, body => {});
is($x->{status}, 200, 'refresh with the cookie and {}: 200') or diag($x->{body});
my ($c3) = session_cookie($x);
ok($c3 && $c3 ne $c2, 'rotated again');

for my $bad ([undef, 'no Origin'], ['https://evil.example', 'a foreign Origin'], ['null', 'Origin: null'],
             ['https://app.example.com', 'a MaplatCORSAllowOrigin origin']) {
    my ($origin, $name) = @$bad;
    my $y = with_cookie('/api/v1/auth/refresh', $c3, origin => $origin);
    problem_ok($y, 403, 'forbidden', "refresh with the cookie and $name");
    ok(!set_cookies($y), "$name: no cookie set");
}
is(rotated($c3), 'f', 'the refused refreshes rotated nothing');
is(family_state($c3), 'live', '... and revoked nothing');
{
    my $y = with_cookie('/api/v1/auth/refresh', $c3, origin => "http://" . uc($HOST) . ":$PORT");
    is($y->{status}, 200, 'the origin compares case-insensitively') or diag($y->{body});
    ($c3) = session_cookie($y);
}

# a body-based refresh is unchanged when a cookie is present: the body's token wins
{
    my $b = login($u->{email}, $u->{password});
    my $y = with_cookie('/api/v1/auth/refresh', $c3, origin => undef, body => { refresh_token => $b->{json}{refresh_token} });
    is($y->{status}, 200, 'body refresh_token with a cookie and no Origin: 200 (the body wins)');
    ok(defined(($y->{json} || {})->{refresh_token}) && !set_cookies($y), '... refresh_token in the body, no cookie');
    is(rotated($c3), 'f', '... and the cookie was not touched');
}
# no cookie and no body token: as before
problem_ok(api(POST => '/api/v1/auth/refresh', {}, undef, headers => ['Origin' => $OWN]), 422, 'validation_failed',
           'refresh without cookie or refresh_token');
is(http(POST => '/api/v1/auth/refresh', headers => ['Origin' => $OWN])->{status}, 415,
   'refresh without cookie and without a body: 415 as before');
unauthorized_ok(with_cookie('/api/v1/auth/refresh', 'not-a-token'), 'a malformed cookie value');
unauthorized_ok(with_cookie('/api/v1/auth/refresh', ''), 'an empty cookie value');

# ---------------------------------------------------------------- reuse
# within the grace period a spent value is refused without revoking (parallel tabs)
$x = with_cookie('/api/v1/auth/refresh', $c3);
my ($c4) = session_cookie($x);
ok($x->{status} == 200 && $c4, 'one more rotation');
unauthorized_ok(with_cookie('/api/v1/auth/refresh', $c3), 'the just-rotated cookie value again (within the grace period)');
is(family_state($c4), 'live', '... revokes nothing');
sleep 3.2;
unauthorized_ok(with_cookie('/api/v1/auth/refresh', $c1), 'a rotated cookie value after the grace period');
is(family_state($c4), 'reuse', 'the family is revoked for reuse');
unauthorized_ok(with_cookie('/api/v1/auth/refresh', $c4), 'the live cookie of that family fails too');
is(psql_value("SELECT count(*) FROM audit_log WHERE action = 'auth.refresh_reuse_detected' AND user_id = '$u->{id}'"), 1,
   'auth.refresh_reuse_detected audited');

# ---------------------------------------------------------------- logout
{
    my $s = cookie_login($u, session => 'cookie');
    my ($v) = session_cookie($s);
    my $at = $s->{json}{access_token};
    my $y = with_cookie('/api/v1/auth/logout', $v, origin => 'https://evil.example', headers => [bearer($at)]);
    problem_ok($y, 403, 'forbidden', 'logout with the cookie from a foreign origin');
    is(family_state($v), 'live', '... revokes nothing');
    $y = with_cookie('/api/v1/auth/logout', $v, headers => [bearer($at)]);
    is($y->{status}, 204, 'logout with the cookie and the access token: 204') or diag($y->{body});
    my ($cleared, $ca) = session_cookie($y);
    ok(defined $cleared && $cleared eq '' && ($ca->{'max-age'} // '') eq '0' && ($ca->{path} // '') eq '/api/v1/auth'
       && $ca->{httponly} && ($ca->{samesite} // '') eq 'Strict', 'Set-Cookie clears it: maplat_refresh=; Max-Age=0; Path=/api/v1/auth')
        or diag(join ' | ', set_cookies($y));
    is(family_state($v), 'logout', 'the family is revoked');
    unauthorized_ok(with_cookie('/api/v1/auth/refresh', $v), 'refresh after logout');
    is(psql_value("SELECT count(*) FROM audit_log WHERE action = 'auth.logout' AND user_id = '$u->{id}'"), 1,
       'auth.logout audited');
}
{
    # the access token has expired: the cookie alone ends the session
    my $s = cookie_login($u, session => 'cookie');
    my ($v) = session_cookie($s);
    my $expired = jwt_encode(claims => jwt_claims(sub => $u->{id}, org => $ACME_ORG, role => 'member', email => $u->{email},
                                                  iat => int(time) - 2000, nbf => int(time) - 2000, exp => int(time) - 1000));
    unauthorized_ok(api(GET => '/api/v1/auth/me', undef, $expired), 'the expired access token is refused elsewhere');
    my $y = with_cookie('/api/v1/auth/logout', $v, headers => [bearer($expired)]);
    is($y->{status}, 204, 'logout with the cookie and an expired access token: 204') or diag($y->{body});
    my ($cleared) = session_cookie($y);
    is($cleared, '', '... clears the cookie');
    is(family_state($v), 'logout', '... and revokes the family');
    is(psql_value("SELECT count(*) FROM audit_log WHERE action = 'auth.logout' AND user_id = '$u->{id}'"
                  . " AND organization_id = '$ACME_ORG'"), 2, '... audited for the user');

    $s = cookie_login($u, session => 'cookie');
    ($v) = session_cookie($s);
    problem_ok(with_cookie('/api/v1/auth/logout', $v, origin => undef), 403, 'forbidden', 'logout with only the cookie, no Origin');
    $y = with_cookie('/api/v1/auth/logout', $v);
    is($y->{status}, 204, 'logout with only the cookie (no Authorization): 204');
    is(family_state($v), 'logout', '... revokes the family');
    $y = with_cookie('/api/v1/auth/logout', $v);
    is($y->{status}, 204, 'logout again with the spent cookie: 204, and cleared again');
    is(psql_value("SELECT count(*) FROM audit_log WHERE action = 'auth.logout' AND user_id = '$u->{id}'"), 3,
       '... without another audit entry');
}
{
    # body-based logout as before: needs a valid access token
    my $b = login($u->{email}, $u->{password});
    unauthorized_ok(api(POST => '/api/v1/auth/logout', { refresh_token => $b->{json}{refresh_token} }, undef),
                    'body logout without an access token', error => undef);
    unauthorized_ok(api(POST => '/api/v1/auth/logout',
                              { refresh_token => $b->{json}{refresh_token} }, undef, headers => [bearer('garbage')]), 'body logout with a bad access token');
    is(family_state($b->{json}{refresh_token}), 'live', '... revoke nothing');
    my $y = api(POST => '/api/v1/auth/logout', { refresh_token => $b->{json}{refresh_token} }, $b->{json}{access_token});
    ok($y->{status} == 204 && !set_cookies($y), 'body logout with the access token: 204, no cookie');
    is(family_state($b->{json}{refresh_token}), 'logout', '... revokes the family');
}

# ---------------------------------------------------------------- https: Secure
SKIP: {
    my $s2 = eval { second_httpd(name => 'cookie-https', extra => "ServerName https://localhost\n") };
    skip("second httpd: $@", 7) unless $s2;
    my $p = $s2->{port};
    my $own = "https://$HOST:$p";
    my $s = cookie_login($u, session => 'cookie', origin => $own, port => $p);
    is($s->{status}, 200, 'served as https (ServerName https://…): cookie login from https://host:port') or diag($s->{body});
    my ($v, $sa) = session_cookie($s);
    ok($sa->{secure} && $sa->{httponly}, 'Set-Cookie has Secure (and HttpOnly)');
    problem_ok(cookie_login($u, session => 'cookie', origin => "http://$HOST:$p", port => $p), 403, 'forbidden',
               'served as https: the http origin is foreign');
    my $y = with_cookie('/api/v1/auth/refresh', $v, origin => $own, port => $p);
    my ($v2, $ya) = session_cookie($y);
    ok($y->{status} == 200 && $ya->{secure}, 'refresh: the new cookie has Secure');
    $y = with_cookie('/api/v1/auth/logout', $v2, origin => $own, port => $p);
    my (undef, $za) = session_cookie($y);
    ok($y->{status} == 204 && $za->{secure} && ($za->{'max-age'} // '') eq '0', 'logout: the clearing cookie has Secure');
    is(family_state($v2), 'logout', 'logout revoked the family');
    ok($s2->stop, 'the second httpd stopped cleanly');
}

done_testing();

sub validation_ok_fields {
    my ($r, $fields, $name) = @_;
    is($r->{status}, 422, "$name: 422") or diag($r->{body});
    is_deeply([sort map { $_->{field} } @{ ($r->{json} || {})->{errors} || [] }], [sort @$fields], "$name: names @$fields");
}
