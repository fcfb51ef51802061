# The caller's identity for other applications of the estate (issue 3):
#   a CGI behind AuthType maplat sees MAPLAT_USER_ID / MAPLAT_ORG_ID / MAPLAT_ROLE
#   a reverse-proxied backend with MaplatIdentityHeaders On receives
#     X-Maplat-User-Id / -Org-Id / -Role matching the token, and client-sent
#     copies never get through (replaced, or stripped where the headers are off)
#   without a token neither application is reached
# t/conf/extra.conf.in: /cgi-test (t/cgi-bin/env.pl), /proxy-test and
# /proxy-test-off (-> the unix socket t/logs/backend.sock this test serves).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use IO::Socket::UNIX ();
use JSON::PP ();
use POSIX ();
use Maplat::Test;
use Maplat::Auth;

# (mod_proxy, mod_proxy_http and mod_cgi/mod_cgid are loaded by extra.conf,
# which Apache::Test's need_module does not see)
my $sock_path = server_root() . '/logs/backend.sock';
plan tests => 28, need(need_pg(), need_mc(),
                       { 'a unix socket path under 108 bytes (t/logs/backend.sock)' => length($sock_path) < 108 });
diag_to_stderr();

# ---------------------------------------------------------------- the backend
unlink $sock_path;
my $listener = IO::Socket::UNIX->new(Type => IO::Socket::UNIX::SOCK_STREAM(), Local => $sock_path, Listen => 16)
    or die "listen on $sock_path: $!";
my $hits_file = server_root() . "/logs/backend-hits.$$";
my $backend = fork // die "fork: $!";
if (!$backend) {
    # answers each request with the headers it received, as JSON
    while (my $c = $listener->accept) {
        my $head = '';
        while (defined(my $l = <$c>)) {
            last if $l =~ /^\r?\n$/;
            $head .= $l;
        }
        my ($line, @lines) = split /\r?\n/, $head;
        my @h = map { /^([^:]+):\s*(.*)$/ ? [$1, $2] : () } @lines;
        my $body = JSON::PP->new->canonical->encode({ request => $line, headers => \@h });
        if (open my $f, '>>', $hits_file) { print $f "hit\n"; close $f }
        print $c "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            . length($body) . "\r\nConnection: close\r\n\r\n$body";
        close $c;
    }
    POSIX::_exit(0);
}
close $listener;
END { local $?; if ($backend) { kill 'TERM', $backend; waitpid $backend, 0; unlink $sock_path, $hits_file } }

sub hits { open my $f, '<', $hits_file or return 0; my @l = <$f>; scalar @l }
sub received {   # all values of a header the backend received (case-insensitive)
    my ($r, $name) = @_;
    return () unless ref $r->{json} eq 'HASH';
    return map { $_->[1] } grep { lc $_->[0] eq lc $name } @{ $r->{json}{headers} || [] };
}

my %who = (viewer => 'viewer@acme.example', globex => 'admin@globex.example');
my $spoof = ['X-Maplat-User-Id' => $DEMO{'admin@acme.example'}{id}, 'X-Maplat-Org-Id' => $ACME_ORG,
             'X-Maplat-Role' => 'admin', 'x-maplat-role' => 'admin'];

# ---------------------------------------------------------------- CGI
my $r = api(GET => '/cgi-test', undef, token($who{viewer}), headers => $spoof);
is($r->{status}, 200, 'CGI behind AuthType maplat: 200') or diag($r->{body});
my $env = decode_json_safe($r->{body}) || {};
is($env->{MAPLAT_USER_ID}, $DEMO{'viewer@acme.example'}{id}, 'CGI: MAPLAT_USER_ID');
is($env->{MAPLAT_ORG_ID}, $ACME_ORG, 'CGI: MAPLAT_ORG_ID');
is($env->{MAPLAT_ROLE}, 'viewer', 'CGI: MAPLAT_ROLE');
is($env->{REMOTE_USER}, $DEMO{'viewer@acme.example'}{id}, 'CGI: REMOTE_USER is the user id');
ok(!grep({ /^HTTP_X_MAPLAT/ } keys %$env), 'CGI: no client-sent X-Maplat-* header reached it')
    or diag(join ', ', grep { /^HTTP_X_MAPLAT/ } keys %$env);

$r = api(GET => '/cgi-test', undef, token($who{globex}));
$env = decode_json_safe($r->{body}) || {};
is_deeply([@$env{qw(MAPLAT_USER_ID MAPLAT_ORG_ID MAPLAT_ROLE)}],
          [$DEMO{'admin@globex.example'}{id}, $GLOBEX_ORG, 'admin'], 'CGI: the Globex admin identity');

unauthorized_ok(http(GET => '/cgi-test', headers => $spoof), 'CGI without a token (spoofed headers only)', error => undef);
unauthorized_ok(api(GET => '/cgi-test', undef, jwt_encode(key => 'not-the-key-not-the-key-not-the-key')),
                'CGI with a forged token');

# ---------------------------------------------------------------- reverse proxy
my $hits0 = hits();
$r = api(GET => '/proxy-test', undef, token($who{viewer}), headers => $spoof);
is($r->{status}, 200, 'proxied backend: 200') or diag($r->{body} // $r->{error});
is_deeply([received($r, 'X-Maplat-User-Id')], [$DEMO{'viewer@acme.example'}{id}], 'backend: X-Maplat-User-Id once, the caller');
is_deeply([received($r, 'X-Maplat-Org-Id')], [$ACME_ORG], 'backend: X-Maplat-Org-Id once');
is_deeply([received($r, 'X-Maplat-Role')], ['viewer'], 'backend: X-Maplat-Role once, viewer (not the spoofed admin)');
like(($r->{json} || {})->{request} // '', qr{^GET /with-headers\b}, 'backend: the request line');

$r = api(GET => '/proxy-test', undef, token($who{globex}));
is_deeply([map { [received($r, $_)] } qw(X-Maplat-User-Id X-Maplat-Org-Id X-Maplat-Role)],
          [[$DEMO{'admin@globex.example'}{id}], [$GLOBEX_ORG], ['admin']], 'backend: the Globex admin identity');

# a forged token is refused before the backend
my $before = hits();
unauthorized_ok(http(GET => '/proxy-test', headers => $spoof), 'proxy without a token (spoofed headers only)', error => undef);
unauthorized_ok(api(GET => '/proxy-test', undef, jwt_encode(header => jwt_header(alg => 'none'), key => undef), headers => $spoof),
                'proxy with an alg-none token');
unauthorized_ok(api(GET => '/proxy-test', undef, jwt_encode(claims => jwt_claims(exp => time - 3600))), 'proxy with an expired token');
is(hits(), $before, 'the backend never saw the refused requests');

# MaplatIdentityHeaders off: no identity headers, and client copies still stripped
$r = api(GET => '/proxy-test-off', undef, token($who{viewer}), headers => $spoof);
is($r->{status}, 200, 'proxied backend without identity headers: 200');
is_deeply([map { received($r, $_) } qw(X-Maplat-User-Id X-Maplat-Org-Id X-Maplat-Role)], [],
          'headers off: no X-Maplat-* at all, client-sent ones stripped');
like(($r->{json} || {})->{request} // '', qr{^GET /without-headers\b}, 'headers off: the other backend path');

# a master admin (ops) has no organization role of the usual kind: whatever the
# module passes, the spoofed values never get through
my $ops = login('ops@maplat.example');
SKIP: {
    skip 'ops@maplat.example cannot log in', 2 unless $ops->{status} == 200;
    $r = api(GET => '/proxy-test', undef, $ops->{json}{access_token}, headers => $spoof);
    is($r->{status}, 200, 'master admin through the proxy: 200');
    is_deeply([received($r, 'X-Maplat-User-Id')], [$DEMO{'ops@maplat.example'}{id}], 'master admin: its own id');
}

# the maplat API itself never trusts the headers either
$r = api(GET => '/api/v1/auth/me', undef, token($who{viewer}), headers => $spoof);
is(($r->{json} || {})->{role}, 'viewer', '/auth/me ignores X-Maplat-* request headers');
unauthorized_ok(http(GET => '/api/v1/auth/me', headers => $spoof), '/auth/me with only X-Maplat-* headers', error => undef);
ok(hits() > $hits0, 'the backend served requests');
is(kill(0, $backend), 1, 'the backend is still up');
