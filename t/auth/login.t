# POST /api/v1/auth/login and GET /api/v1/auth/me (API.md "Authentication and
# roles"; SECURITY.md 16, 17):
#   demo login -> 200 with the documented fields; the token's exp = iat + expires_in
#   /auth/me with the token -> the same user
#   e-mail variants (case, surrounding space, NFKC) log in
#   unknown e-mail and wrong password -> the same 401 (status, body, header) and
#     the same time: measured on a second httpd with MaplatBcryptCost 12 (the
#     production default) against a user whose hash has cost 12, so leaving out
#     the dummy bcrypt would show (at cost 4 it would drown in the noise)
#   password over 72 bytes -> 401, and two passwords sharing their first 72
#     bytes never both verify; 1 MB password -> 413 without bcrypt
#   missing fields -> 422; a JSON body that is not valid -> 400
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Time::HiRes qw(time);
use Maplat::Test;
use Maplat::Auth;

plan tests => 48, need(need_pg(), need_mc());
diag_to_stderr();

sub median {
    my @s = sort { $a <=> $b } @_;
    return @s % 2 ? $s[$#s / 2] : ($s[@s / 2 - 1] + $s[@s / 2]) / 2;
}

# ---------------------------------------------------------------- happy path
my $before = time;
my $r = login('admin@acme.example');
is($r->{status}, 200, 'demo admin logs in') or diag($r->{body} // $r->{error});
common_headers_ok($r, 'login');
like($r->{headers}{'content-type'} // '', qr{^application/json}, 'login: application/json');
like($r->{headers}{'cache-control'} // '', qr/no-store/, 'login: Cache-Control no-store');
my $j = ref $r->{json} eq 'HASH' ? $r->{json} : {};
is_deeply([sort keys %$j], [qw(access_token expires_in refresh_token token_type user)],
          'login: exactly access_token, token_type, expires_in, refresh_token, user');
is($j->{token_type}, 'Bearer', 'token_type Bearer');
is($j->{expires_in}, 900, 'expires_in 900 (MaplatTokenTTL)');
like($j->{access_token} // '', qr/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/, 'access token: a JWS compact token');
like($j->{refresh_token} // '', qr/^[A-Za-z0-9_-]{43}$/, 'refresh token: 256 bits of base64url');
my $user = ref $j->{user} eq 'HASH' ? $j->{user} : {};
is_deeply([sort keys %$user], [qw(email first_name id last_name master_admin organization_id role)],
          'user: id, email, first_name, last_name, organization_id, role, master_admin (nothing else)');
is_deeply({ map { $_ => $user->{$_} } qw(id email organization_id role) },
          { id => $DEMO{'admin@acme.example'}{id}, email => 'admin@acme.example',
            organization_id => $ACME_ORG, role => 'admin' }, 'user: the Acme admin');
ok(defined $user->{master_admin} && !$user->{master_admin}, 'user: master_admin false');
unlike($r->{body} // '', qr/password|\$2[aby]\$/, 'no password or hash in the answer');

my $claims = jwt_payload($j->{access_token} // '') || {};
is($claims->{exp} - $claims->{iat}, $j->{expires_in}, "token: exp = iat + expires_in");
ok($claims->{iat} >= int($before) - 1 && $claims->{iat} <= time + 1, 'token: iat is now');
is($claims->{sub}, $user->{id}, 'token: sub is the user id');

my $me = api(GET => '/api/v1/auth/me', undef, $j->{access_token});
is($me->{status}, 200, '/auth/me with the token: 200') or diag($me->{body});
is_deeply($me->{json}, $user, '/auth/me answers the user login returned');

# ---------------------------------------------------------------- e-mail variants
for my $variant ('ADMIN@Acme.Example', "  admin\@acme.example\t ", "\x{FF41}dmin\@acme.example") {
    my $v = login($variant);
    (my $shown = $variant) =~ s/([^\x20-\x7e])/sprintf '\\x{%x}', ord $1/ge;
    is($v->{status}, 200, "e-mail variant '$shown' logs in");
}

# ---------------------------------------------------------------- same answer
my $u = create_user(role => 'member', tag => 'login');
my $unknown = login(unique_email('nobody'), 'some-password-123');
my $wrong = login($u->{email}, 'wrong-password-123');
is($unknown->{status}, 401, 'unknown e-mail: 401');
is($wrong->{status}, 401, 'wrong password: 401');
is_deeply(strip_cid($unknown->{json}), strip_cid($wrong->{json}),
          'unknown e-mail and wrong password: the same body apart from correlation_id')
    or diag("$unknown->{body}\n$wrong->{body}");
is($unknown->{headers}{'www-authenticate'}, $wrong->{headers}{'www-authenticate'},
   'the same WWW-Authenticate');
is(($unknown->{json} || {})->{code}, 'unauthorized', 'code unauthorized');

# ---------------------------------------------------------------- 72 bytes
my $pw72 = 'p' x 60 . '-abcdefghij';          # 71 …
$pw72 .= 'z';                                  # … 72 bytes
my $u72 = create_user(password => $pw72, tag => 'pw72');
is(login($u72->{email}, $pw72)->{status}, 200, 'a 72-byte password logs in');
my $long = login($u72->{email}, $pw72 . 'EXTRA');
is($long->{status}, 401, 'the same password plus more bytes: 401 (no bcrypt truncation)')
    or diag($long->{body});
is(($long->{json} || {})->{code}, 'unauthorized', '73+ bytes: unauthorized, not an error');
my $huge = login($u72->{email}, 'x' x 100_000);
is($huge->{status}, 401, '100 kB password: 401');

my $t0 = time;
my $mb = login($u72->{email}, 'x' x (1024 * 1024));
my $mb_time = time - $t0;
problem_ok($mb, 413, 'payload_too_large', '1 MB password');
# a stall (the body read and parsed slowly, bcrypt on it) would take far longer; a
# loaded machine sending 1 MB to a -O0 coverage build can take a few seconds
ok($mb_time < 15, sprintf('1 MB password answered in %.2f s (< 15 s)', $mb_time));

# ---------------------------------------------------------------- malformed
my $missing = api(POST => '/api/v1/auth/login', { email => 'admin@acme.example' }, undef, local_addr => fresh_addr());
is($missing->{status}, 422, 'no password: 422');
my $bad = api(POST => '/api/v1/auth/login', '{"email":', undef, local_addr => fresh_addr());
is($bad->{status}, 400, 'broken JSON: 400');
my $typed = api(POST => '/api/v1/auth/login',
                      { email => 'admin@acme.example', password => ['x'] }, undef, local_addr => fresh_addr());
ok($typed->{status} == 422 || $typed->{status} == 401, "password not a string: $typed->{status} (422 or 401)");

# ---------------------------------------------------------------- timing
# A second server at the production bcrypt cost; the user gets a cost-12 hash
# (the demo admin's, i.e. the demo password) so a wrong password costs a real
# bcrypt. An unknown e-mail must cost the same (the dummy hash).
my $slow = create_user(tag => 'timing');
psql_value("UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE email = 'admin\@acme.example')"
           . " WHERE email = '$slow->{email}'");
my $s2 = eval { second_httpd(name => 'cost12', set => "MaplatBcryptCost 12\n") };
ok($s2, 'second httpd with MaplatBcryptCost 12 started') or diag($@);
SKIP: {
    skip 'no second httpd', 5 unless $s2;
    my $port = $s2->port;
    my $ok = login($slow->{email}, $DEMO_PASSWORD, port => $port);
    is($ok->{status}, 200, 'cost-12 user logs in on the second server') or diag($ok->{body});
    my (@t_unknown, @t_wrong);
    for my $i (1 .. 5) {
        for my $kind (qw(unknown wrong)) {
            my $s = time;
            my $x = $kind eq 'unknown'
                ? login(unique_email('nobody'), 'wrong-password-123', port => $port)
                : login($slow->{email}, "wrong-password-$i", port => $port);
            my $d = time - $s;
            die "timing login ($kind): $x->{status}\n" unless $x->{status} == 401;
            push @{ $kind eq 'unknown' ? \@t_unknown : \@t_wrong }, $d;
        }
    }
    my ($mu, $mw) = (median(@t_unknown), median(@t_wrong));
    diag(sprintf 'login timing (cost 12): unknown e-mail median %.1f ms, wrong password median %.1f ms',
         1000 * $mu, 1000 * $mw);
    ok($mu >= 0.3 * $mw, sprintf('unknown e-mail takes at least 30%% of a wrong password (%.1f vs %.1f ms)',
                                 1000 * $mu, 1000 * $mw));
    ok($mw >= 0.3 * $mu, 'and the other way round');
    # the right password still works after 5 failures (limit is 10)
    is(login($slow->{email}, $DEMO_PASSWORD, port => $port)->{status}, 200, 'right password still 200');
    ok($s2->stop, 'second httpd stopped, no child crashed');
}
