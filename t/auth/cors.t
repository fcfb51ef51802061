# CORS (MaplatCORSAllowOrigin https://app.example.com in the test config):
#   preflight from the allowed origin -> 204 with Access-Control-Allow-Origin
#     (that origin, never *), -Methods and -Headers, and no token needed
#   preflight from any other origin -> no Access-Control-Allow-Origin (the
#     request then needs a token like any other: 401)
#   actual requests from the allowed origin carry Access-Control-Allow-Origin and
#     Vary: Origin, errors (401) included so the browser app can read them
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use Maplat::Auth;

plan tests => 37, need(need_pg(), need_mc());
diag_to_stderr();

my $APP = 'https://app.example.com';

sub preflight {
    my ($origin, $path, %o) = @_;
    return http(OPTIONS => $path // '/api/v1/users',
                headers => [Origin => $origin, 'Access-Control-Request-Method' => $o{method} // 'POST',
                            'Access-Control-Request-Headers' => 'authorization, content-type']);
}

sub vary_has_origin { my ($r) = @_; return ($r->{headers}{vary} // '') =~ /(?:^|,\s*)Origin\b/i }

# ---------------------------------------------------------------- preflight
my $r = preflight($APP);
is($r->{status}, 204, 'preflight from the allowed origin: 204 without a token') or diag($r->{body});
is($r->{headers}{'access-control-allow-origin'}, $APP, 'Access-Control-Allow-Origin: the origin itself');
like($r->{headers}{'access-control-allow-methods'} // '', qr/\bPOST\b/, 'Allow-Methods names POST');
like($r->{headers}{'access-control-allow-methods'} // '', qr/\bDELETE\b/, 'Allow-Methods names DELETE');
like($r->{headers}{'access-control-allow-headers'} // '', qr/\bAuthorization\b/i, 'Allow-Headers names Authorization');
like($r->{headers}{'access-control-allow-headers'} // '', qr/\bContent-Type\b/i, 'Allow-Headers names Content-Type');
ok(vary_has_origin($r), 'Vary: Origin');
like($r->{headers}{'access-control-max-age'} // '', qr/^\d+$/, 'Access-Control-Max-Age');
is($r->{body}, '', 'no body');

$r = preflight($APP, '/api/v1/auth/me', method => 'GET');
is($r->{status}, 204, 'preflight of GET /auth/me: 204');
is($r->{headers}{'access-control-allow-origin'}, $APP, '… with the origin');
$r = preflight($APP, '/api/v1/auth/login');
is($r->{status}, 204, 'preflight of the public /auth/login: 204');
is($r->{headers}{'access-control-allow-origin'}, $APP, '… with the origin');

for my $origin ('https://evil.example', 'null', 'https://app.example.com.evil.example',
                'http://app.example.com', 'https://app.example.co', '*') {
    my $x = preflight($origin);
    ok(!exists $x->{headers}{'access-control-allow-origin'}, "preflight from '$origin': no Access-Control-Allow-Origin")
        or diag("got $x->{headers}{'access-control-allow-origin'}");
    is($x->{status}, 401, "preflight from '$origin': not let through without a token");
}

# a plain OPTIONS (not a preflight) is no way around authentication
$r = http(OPTIONS => '/api/v1/users', headers => [Origin => $APP]);
is($r->{status}, 401, 'OPTIONS without Access-Control-Request-Method: needs a token');

# ---------------------------------------------------------------- actual requests
my $at = token('analyst@acme.example');
$r = api(GET => '/api/v1/auth/me', undef, $at, headers => [Origin => $APP]);
is($r->{status}, 200, 'GET /auth/me from the app: 200');
is($r->{headers}{'access-control-allow-origin'}, $APP, 'Access-Control-Allow-Origin on the answer');
ok(vary_has_origin($r), 'Vary: Origin on the answer');
like($r->{headers}{'access-control-expose-headers'} // '', qr/X-Correlation-ID/i, 'Expose-Headers names X-Correlation-ID');

$r = api(GET => '/api/v1/auth/me', undef, $at, headers => [Origin => 'https://evil.example']);
is($r->{status}, 200, 'GET /auth/me with another Origin: still answered (CORS is the browser\'s business)');
ok(!exists $r->{headers}{'access-control-allow-origin'}, '… without Access-Control-Allow-Origin');

$r = http(GET => '/api/v1/auth/me', headers => [Origin => $APP]);
is($r->{status}, 401, 'GET /auth/me from the app without a token: 401');
is($r->{headers}{'access-control-allow-origin'}, $APP,
   '… with Access-Control-Allow-Origin, so the app can read the 401 and refresh');

$r = api(POST => '/api/v1/auth/login',
               { email => 'analyst@acme.example', password => $DEMO_PASSWORD }, undef, headers => [Origin => $APP], local_addr => fresh_addr());
is($r->{status}, 200, 'login from the app: 200');
is($r->{headers}{'access-control-allow-origin'}, $APP, 'login answer carries Access-Control-Allow-Origin');

my @all = grep { defined } map { $_->{headers}{'access-control-allow-origin'} }
    (preflight($APP), api(GET => '/api/v1/auth/me', undef, $at, headers => [Origin => $APP]));
ok(!grep({ $_ eq '*' } @all), 'never Access-Control-Allow-Origin: *');
