package Maplat::Auth;
# Helpers for the authentication tests (t/auth/*.t).
#
#   (api, login, token, fresh_addr, $DEMO_PASSWORD: Maplat::Test, re-exported here)
#   my $u = create_user(role => 'member');               # fresh user in Acme
#   my $t = jwt_encode(claims => jwt_claims(exp => time - 60));   # forged, real key
#   unauthorized_ok($r, 'name');                          # 401 + Bearer invalid_token
#   (second_httpd, sanitize_mode: Maplat::Test, re-exported here)
#
# Failed logins count against the e-mail and the client address (10 per 15 min
# in the test config), and every test of a run shares one memcached and one
# audit log. So login() sends each attempt from a fresh loopback address
# (127.x.y.z) unless told otherwise, and tests that fail logins on purpose use
# e-mails of their own (unique_email / create_user): no test can lock out
# another, whatever the order the files run in.
use strict;
use warnings;

use Apache::Test ();
use Apache::TestUtil qw(t_debug);
use Digest::SHA qw(hmac_sha256 sha256_hex);
use MIME::Base64 qw(encode_base64url decode_base64url);
use File::Temp ();
use IO::Socket::INET ();
use JSON::PP ();
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);
use Exporter 'import';

use Maplat::Test;

our @EXPORT = qw(
    $DEMO_PASSWORD %DEMO $ACME_ORG $GLOBEX_ORG
    fresh_addr unique_email
    login token bearer create_user
    b64u jwt_encode jwt_raw jwt_claims jwt_header jwt_payload key_bytes key_id
    $SIGNING_KEY $OLD_KEY
    unauthorized_ok strip_cid psql_value sanitize_mode
    second_httpd bcrypt_hash
);

our $ACME_ORG      = '10000000-0000-4000-8000-a00000000001';
our $GLOBEX_ORG    = '10000000-0000-4000-8000-b00000000001';
our %DEMO = (
    'admin@acme.example'   => { id => '20000000-0000-4000-8000-a00000000001', org => $ACME_ORG,   role => 'admin' },
    'analyst@acme.example' => { id => '20000000-0000-4000-8000-a00000000002', org => $ACME_ORG,   role => 'member' },
    'viewer@acme.example'  => { id => '20000000-0000-4000-8000-a00000000003', org => $ACME_ORG,   role => 'viewer' },
    'admin@globex.example' => { id => '20000000-0000-4000-8000-b00000000001', org => $GLOBEX_ORG, role => 'admin' },
    'ops@maplat.example'   => { id => '20000000-0000-4000-8000-c00000000001', org => undef,       role => undef,
                                master_admin => 1 },
);

my $JSON = JSON::PP->new->utf8->canonical;

# ---------------------------------------------------------------- clients

my $email_n = 0;
sub unique_email {
    my ($tag, $domain) = @_;
    $email_n++;
    $tag //= 'user';
    $domain //= 'acme.example';
    return sprintf '%s-%d-%d-%06d@%s', $tag, $$, $email_n, int rand 1e6, $domain;
}

sub bearer { my ($t) = @_; return ('Authorization' => "Bearer $t") }

# create_user(role => 'member', password => ..., as => 'admin@acme.example',
#             email => ..., tag => ...): a fresh user via POST /users.
# Returns {id, email, password, role, r => response}; dies when not created.
sub create_user {
    my (%o) = @_;
    my $as = $o{as} // 'admin@acme.example';
    my $pw = $o{password} // 'fresh-user-password-' . int(rand 1e6);
    my $email = $o{email} // unique_email($o{tag} // 'fresh', $DEMO{$as} && $DEMO{$as}{org}
                                             && $DEMO{$as}{org} eq $GLOBEX_ORG ? 'globex.example' : 'acme.example');
    my $r = api(POST => '/api/v1/users', { email => $email, password => $pw, first_name => 'Fresh', last_name => 'User',
                        role => $o{role} // 'member' },
                      token($as));
    die "create_user $email: $r->{status} " . ($r->{body} // $r->{error} // '') . "\n"
        unless $r->{status} == 201 && ref $r->{json} eq 'HASH';
    return { id => $r->{json}{id}, email => $email, password => $pw, role => $o{role} // 'member', r => $r };
}

# ---------------------------------------------------------------- JWT

sub b64u { my ($b) = @_; return encode_base64url($b) }

# The key bytes as mod_maplat_auth reads them: trailing CR/LF stripped.
sub key_bytes {
    my ($name) = @_;
    my $file = server_root() . "/conf/$name";
    open my $fh, '<:raw', $file or die "$file: $!\n";
    local $/;
    my $k = <$fh>;
    close $fh;
    $k =~ s/[\r\n]+\z//;
    return $k;
}

sub key_id { my ($k) = @_; return substr(sha256_hex($k), 0, 16) }

our $SIGNING_KEY = key_bytes('token.key');
our $OLD_KEY     = key_bytes('token-old.key');

sub jwt_header {
    my (%over) = @_;
    my %h = (alg => 'HS256', typ => 'at+jwt', kid => key_id($SIGNING_KEY));
    while (my ($k, $v) = each %over) {
        if (defined $v) { $h{$k} = $v } else { delete $h{$k} }
    }
    return \%h;
}

# Claims of a valid token for a demo user (default admin@acme.example);
# name => undef removes a claim.
sub jwt_claims {
    my (%over) = @_;
    my $who = delete $over{user} // 'admin@acme.example';
    my $u = $DEMO{$who} or die "no demo user $who";
    my $now = int time;
    my %c = (iss => 'maplat', aud => 'maplat-api', sub => $u->{id}, org => $u->{org},
             role => $u->{role}, email => $who, master_admin => JSON::PP::false,
             iat => $now, nbf => $now, exp => $now + 900, jti => 'forged-' . int(rand 1e9));
    while (my ($k, $v) = each %over) {
        if (defined $v) { $c{$k} = $v } else { delete $c{$k} }
    }
    return \%c;
}

# jwt_raw($header_text, $payload_text, $key): the token for these exact JSON
# texts; $key undef → empty signature ("alg none" style).
sub jwt_raw {
    my ($h, $p, $key) = @_;
    my $signing = b64u($h) . '.' . b64u($p);
    return "$signing." . (defined $key ? b64u(hmac_sha256($signing, $key)) : '');
}

# jwt_encode(header => {...}, claims => {...}, key => $bytes|undef)
sub jwt_encode {
    my (%o) = @_;
    my $h = $o{header} || jwt_header();
    my $c = $o{claims} || jwt_claims();
    my $key = exists $o{key} ? $o{key} : $SIGNING_KEY;
    return jwt_raw($JSON->encode($h), $JSON->encode($c), $key);
}

sub jwt_payload {
    my ($t) = @_;
    my (undef, $p) = split /\./, $t;
    return decode_json_safe(decode_base64url($p // ''));
}

# ---------------------------------------------------------------- assertions

# A 401 for a bad access token: WWW-Authenticate Bearer with error="invalid_token"
# and a problem document with code unauthorized. One assertion (a subtest).
sub unauthorized_ok {
    my ($r, $name, %o) = @_;
    my $error = exists $o{error} ? $o{error} : 'invalid_token';
    return Test::More::subtest($name => sub {
        Test::More::plan(tests => 8);
        problem_ok($r, 401, 'unauthorized', $name);
        my $wa = $r->{headers}{'www-authenticate'} // '';
        if (defined $error) {
            Test::More::like($wa, qr/^Bearer\b.*\berror="\Q$error\E"/, "$name: WWW-Authenticate Bearer error=\"$error\"");
        }
        else {
            Test::More::ok($wa =~ /^Bearer\b/ && $wa !~ /error=/, "$name: WWW-Authenticate Bearer without error")
                or Test::More::diag("WWW-Authenticate: $wa");
        }
    });
}

# The body without the per-request correlation_id (to compare two answers).
sub strip_cid {
    my ($j) = @_;
    return $j unless ref $j eq 'HASH';
    my %c = %$j;
    delete $c{correlation_id};
    return \%c;
}

# bcrypt_hash($password, '$2b$', 12): a bcrypt hash of that variant and cost
# with a random salt, made by the system's crypt (libxcrypt); undef when the
# variant is not supported.
sub bcrypt_hash {
    my ($password, $variant, $cost) = @_;
    my $salt = join '', map { ('.', '/', 0 .. 9, 'A' .. 'Z', 'a' .. 'z')[rand 64] } 1 .. 22;
    my $h = crypt($password, sprintf('%s%02d$%s', $variant, $cost, $salt));
    return defined $h && $h =~ /^\Q$variant\E\d\d\$.{53}$/ ? $h : undef;
}

1;
