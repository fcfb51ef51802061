# Access-token verification against forged and damaged tokens (SECURITY.md
# "Token / JWT" 1-12; RFC 8725). The tokens are made here with the test key
# (t/conf/token.key, kid = first 16 hex digits of its SHA-256), so a case that
# only differs from a valid token in the attacked detail shows that detail is
# what the server refuses. Every refusal: 401, problem+json code unauthorized,
# WWW-Authenticate: Bearer … error="invalid_token"; the server stays up.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Time::HiRes qw(time);
use IO::Select ();
use IO::Socket::INET ();
use JSON::PP ();
use MIME::Base64 qw(encode_base64);
use Digest::SHA qw(hmac_sha256 hmac_sha384);
use Maplat::Test;
use Maplat::Auth;

my $ME = '/api/v1/auth/me';
my $now = int time;
my $kid = key_id($SIGNING_KEY);
my $J = JSON::PP->new->canonical;

# a listener that must never hear from the server (jku / x5u / jwk / x5c)
my $canary = IO::Socket::INET->new(Listen => 5, LocalAddr => '127.0.0.1', LocalPort => 0,
                                   Proto => 'tcp', ReuseAddr => 1) or die "canary: $!";
my $canary_url = 'http://127.0.0.1:' . $canary->sockport;

my $attacker_key = join '', map { chr int rand 256 } 1 .. 32;
my $fake_pem = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n"
    . "4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u\n-----END PUBLIC KEY-----\n";
my $fake_jwk = '{"kty":"RSA","e":"AQAB","n":"u1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0_IzW7yWR7QkrmBL7jTKEn5u"}';
my $fake_der = join '', map { chr int rand 256 } 1 .. 294;

sub tok { jwt_encode(@_) }
sub hdr { jwt_header(@_) }
sub clm { jwt_claims(@_) }
sub enc { $J->encode($_[0]) }

my $valid = tok();
my ($vh, $vp, $vs) = split /\./, $valid;

# a valid token whose segments contain '-' or '_' (to turn into '+' / '/')
my $dashy;
for (1 .. 200) {
    my $t = tok(claims => clm(jti => "dash-$_"));
    if ($t =~ /[-_]/) { $dashy = $t; last }
}

# non-canonical base64url: set the unused low bits of the last character
sub noncanonical {
    my ($seg) = @_;
    my $alpha = join '', 'A' .. 'Z', 'a' .. 'z', '0' .. '9', '-', '_';
    my $last = substr($seg, -1);
    my $i = index($alpha, $last);
    return substr($seg, 0, -1) . substr($alpha, $i ^ 1, 1);
}

sub pad4 {   # append '=' padding (to a multiple of 4, or one more block's worth)
    my ($s) = @_;
    return $s . ('=' x ((4 - length($s) % 4) % 4 || 4));
}

sub to_4n1 {  # lengthen a segment to 4n+1 characters
    my ($s) = @_;
    return $s . ('A' x ((1 - length($s)) % 4 || 4));
}

# the viewer's real token with the payload changed to admin
my $viewer_token = token('viewer@acme.example');
my $tampered = do {
    my ($h, $p, $s) = split /\./, $viewer_token;
    my $c = jwt_payload($viewer_token);
    $c->{role} = 'admin';
    join '.', $h, b64u(enc($c)), $s;
};

my $dup_sub = jwt_raw(enc(hdr()),
    sprintf('{"iss":"maplat","aud":"maplat-api","sub":"%s","sub":"%s","org":"%s","role":"viewer",'
            . '"iat":%d,"nbf":%d,"exp":%d,"jti":"dup"}',
            $DEMO{'viewer@acme.example'}{id}, $DEMO{'admin@acme.example'}{id}, $ACME_ORG, $now, $now, $now + 900),
    $SIGNING_KEY);
my $dup_exp = jwt_raw(enc(hdr()),
    sprintf('{"iss":"maplat","aud":"maplat-api","sub":"%s","org":"%s","role":"admin",'
            . '"iat":%d,"nbf":%d,"exp":%d,"exp":%d,"jti":"dup"}',
            $DEMO{'admin@acme.example'}{id}, $ACME_ORG, $now, $now, $now - 3600, $now + 900),
    $SIGNING_KEY);
my $claims_text = enc(clm());

# [name, token, expected status (default 401), {header => raw Authorization value}]
my @cases = (
    ['valid token made with the test key (the forger is right)', $valid, 200],
    ['old key with its kid (rotation: the second MaplatTokenKey verifies)',
     tok(header => hdr(kid => key_id($OLD_KEY)), key => $OLD_KEY), 200],
    ['signed with the old key but the current kid', tok(key => $OLD_KEY)],
    ['signed with the current key but the old kid', tok(header => hdr(kid => key_id($OLD_KEY)))],
    ['lower-case "bearer" scheme', undef, 200, { header => "bearer $valid" }],

    # 1. alg none
    (map { ["alg \"$_\", empty signature", tok(header => hdr(alg => $_), key => undef)] } qw(none None NONE nOnE)),
    ['alg left out, empty signature', tok(header => hdr(alg => undef), key => undef)],
    ['alg left out, valid HMAC', tok(header => hdr(alg => undef))],
    ['alg none with a valid HMAC', tok(header => hdr(alg => 'none'))],
    ['alg empty string', tok(header => hdr(alg => ''))],
    ['alg "hs256" (case matters)', tok(header => hdr(alg => 'hs256'))],
    ['alg as an array', tok(header => hdr(alg => ['HS256']))],
    # 2. wrong key / key confusion
    ['HS256 with another random key', tok(key => $attacker_key)],
    ['HS256 with an RSA public key (PEM) as the secret', tok(key => $fake_pem)],
    ['HS256 with an RSA public key (JWK) as the secret', tok(key => $fake_jwk)],
    ['HS256 with an RSA public key (DER) as the secret', tok(key => $fake_der)],
    ['HS256 with an empty key', tok(key => '')],
    # 3. algorithms that do not match the key
    ['RS256 header, HMAC signature', tok(header => hdr(alg => 'RS256'))],
    ['ES256 header, all-zero signature (r=s=0)',
     jwt_raw(enc(hdr(alg => 'ES256')), $claims_text) . b64u("\0" x 64)],
    ['EdDSA header, HMAC signature', tok(header => hdr(alg => 'EdDSA'))],
    ['PS256 header, HMAC signature', tok(header => hdr(alg => 'PS256'))],
    ['HS512 header, HS512 signature',
     do { my $s = b64u(enc(hdr(alg => 'HS512'))) . '.' . b64u($claims_text);
          "$s." . b64u(Digest::SHA::hmac_sha512($s, $SIGNING_KEY)) }],
    ['HS384 header, HS384 signature',
     do { my $s = b64u(enc(hdr(alg => 'HS384'))) . '.' . b64u($claims_text);
          "$s." . b64u(hmac_sha384($s, $SIGNING_KEY)) }],
    # 4. kid
    ["kid '../../dev/null', signed with an empty key", tok(header => hdr(kid => '../../dev/null'), key => '')],
    ["kid '../../dev/null', signed with the real key", tok(header => hdr(kid => '../../dev/null'))],
    ["kid \"' OR 1=1--\"", tok(header => hdr(kid => "' OR 1=1--"))],
    ["kid \"x' UNION SELECT password_hash FROM users--\"",
     tok(header => hdr(kid => "x' UNION SELECT password_hash FROM users--"))],
    ['kid of 2 kB', tok(header => hdr(kid => 'k' x 2048))],
    ['kid containing NUL (\\u0000)', jwt_raw(enc(hdr(kid => 'KIDPLACEHOLDER')) =~ s/KIDPLACEHOLDER/$kid\\u0000..\/..\/etc\/passwd/r,
                                              $claims_text, $SIGNING_KEY)],
    ['kid as a number', tok(header => hdr(kid => 12345))],
    ['kid left out', tok(header => hdr(kid => undef))],
    # 5. key-carrying headers (an attacker's key or where to fetch one)
    ['jku pointing at a listener, attacker key', tok(header => hdr(jku => "$canary_url/jwks.json"), key => $attacker_key)],
    ['jku pointing at a listener, real key', tok(header => hdr(jku => "$canary_url/jwks.json"))],
    ['x5u pointing at a listener', tok(header => hdr(x5u => "$canary_url/cert.pem"), key => $attacker_key)],
    ['jwk embedding the attacker key',
     tok(header => hdr(jwk => { kty => 'oct', k => b64u($attacker_key) }), key => $attacker_key)],
    ['jwk embedding the attacker key, no kid',
     tok(header => hdr(kid => undef, jwk => { kty => 'oct', k => b64u($attacker_key) }), key => $attacker_key)],
    ['x5c with a certificate', tok(header => hdr(x5c => [encode_base64($fake_der, '')]), key => $attacker_key)],
    ['x5c, real key', tok(header => hdr(x5c => [encode_base64($fake_der, '')]))],
    # 6. crit
    ['crit naming an unknown parameter', tok(header => hdr(crit => ['x-maplat-unknown'], 'x-maplat-unknown' => 1))],
    ['crit naming exp', tok(header => hdr(crit => ['exp']))],
    ['b64 false (unencoded payload)', tok(header => hdr(b64 => JSON::PP::false, crit => ['b64']))],
    # typ (RFC 8725 3.11: explicit typing)
    ['typ JWT', tok(header => hdr(typ => 'JWT'))],
    ['typ left out', tok(header => hdr(typ => undef))],
    # 7. time claims: made when the case is sent (a code reference), not when the
    # file starts, so that a loaded machine (the cases before take a while) does
    # not move "10 s ago" beyond the 30 s leeway or "2 minutes ahead" within it
    ['exp left out', tok(claims => clm(exp => undef))],
    ['exp 60 s ago (beyond the 30 s leeway)',
     sub { my $t = int time; tok(claims => clm(iat => $t - 900, nbf => $t - 900, exp => $t - 60)) }],
    ['exp 10 s ago (within the leeway)',
     sub { my $t = int time; tok(claims => clm(iat => $t - 900, nbf => $t - 900, exp => $t - 10)) }, 200],
    ['exp a day ago', tok(claims => clm(iat => $now - 87300, nbf => $now - 87300, exp => $now - 86400))],
    ['nbf 2 minutes ahead', sub { tok(claims => clm(nbf => int(time) + 120)) }],
    ['nbf 10 s ahead (within the leeway)', sub { tok(claims => clm(nbf => int(time) + 10)) }, 200],
    ['iat an hour ahead', tok(claims => clm(iat => $now + 3600, nbf => undef, exp => $now + 4500))],
    ['exp as a string', tok(claims => clm(exp => '' . ($now + 900)))],
    ['exp as a boolean', tok(claims => clm(exp => JSON::PP::true))],
    ['exp as an object', tok(claims => clm(exp => { v => $now + 900 }))],
    ['exp 1e300', jwt_raw(enc(hdr()), enc(clm(exp => 12345)) =~ s/"exp":12345/"exp":1e300/r, $SIGNING_KEY)],
    ['exp negative', tok(claims => clm(exp => -1))],
    ['fractional exp is accepted', jwt_raw(enc(hdr()), enc(clm(exp => 12345)) =~ s/"exp":12345/'"exp":' . ($now + 600) . '.5'/er,
                                          $SIGNING_KEY), 200],
    ['nbf as a string', tok(claims => clm(nbf => "$now"))],
    ['iat as a string', tok(claims => clm(iat => "$now"))],
    # 8. iss / aud
    ['iss of a staging server', tok(claims => clm(iss => 'maplat-staging'))],
    ['iss of an external IdP', tok(claims => clm(iss => 'https://accounts.example.com'))],
    ['iss left out', tok(claims => clm(iss => undef))],
    ['aud of another API', tok(claims => clm(aud => 'other-api'))],
    ['aud as an array without us', tok(claims => clm(aud => ['other-api', 'maplat']))],
    ['aud left out', tok(claims => clm(aud => undef))],
    ['aud as a number', tok(claims => clm(aud => 1))],
    ['aud as an array that names us', tok(claims => clm(aud => ['other-api', 'maplat-api'])), 200],
    # claims a forger would want
    ['role superadmin', tok(claims => clm(role => 'superadmin'))],
    ['sub not a UUID', tok(claims => clm(sub => "' OR 1=1--"))],
    ['org not a UUID', tok(claims => clm(org => '../../'))],
    ['master_admin as a string', tok(claims => clm(master_admin => 'true'))],
    # 10. duplicate names
    ['duplicate sub in the claims', $dup_sub],
    ['duplicate exp in the claims', $dup_exp],
    ['duplicate alg in the header (none, then HS256)',
     jwt_raw(qq({"alg":"none","alg":"HS256","typ":"at+jwt","kid":"$kid"}), $claims_text, $SIGNING_KEY)],
    ['duplicate alg in the header (HS256, then none)',
     jwt_raw(qq({"alg":"HS256","alg":"none","typ":"at+jwt","kid":"$kid"}), $claims_text, $SIGNING_KEY)],
    ['duplicate kid in the header',
     jwt_raw(qq({"alg":"HS256","typ":"at+jwt","kid":"$kid","kid":"../../dev/null"}), $claims_text, $SIGNING_KEY)],
    # 11. base64url damage
    ['"=" padding on the signature', "$vh.$vp." . pad4($vs)],
    ['"=" padding on the payload', "$vh." . pad4($vp) . ".$vs"],
    ['standard base64 alphabet (+ and /)', ($dashy // $valid) =~ tr/-_/+\//r],
    ['a space inside the payload', "$vh." . substr($vp, 0, 10) . ' ' . substr($vp, 10) . ".$vs"],
    ['a tab inside the payload', undef, 401, { header => "Bearer $vh." . substr($vp, 0, 10) . "\t" . substr($vp, 10) . ".$vs" }],
    ['payload of length 4n+1', "$vh." . to_4n1($vp) . ".$vs"],
    ['signature of length 4n+1', "$vh.$vp." . to_4n1($vs)],
    ['non-canonical base64url (unused bits set)', "$vh.$vp." . noncanonical($vs)],
    ['two segments', "$vh.$vp"],
    ['one segment', $vp],
    ['four segments', "$valid.$vs"],
    ['five segments', "$valid.$vs.$vs"],
    ['empty header segment', ".$vp.$vs"],
    ['empty payload segment', "$vh..$vs"],
    ['empty signature segment', "$vh.$vp."],
    ['only dots', '..'],
    ['trailing bytes after the signature', $valid . 'AAAA'],
    ['trailing dot', "$valid."],
    ['header that is a JSON string', b64u('"HS256"') . ".$vp.$vs"],
    ['header that is not JSON', b64u('alg=HS256') . ".$vp.$vs"],
    ['payload that is a JSON array (signed)', jwt_raw(enc(hdr()), '[1,2,3]', $SIGNING_KEY)],
    ['payload with invalid UTF-8 (signed)', jwt_raw(enc(hdr()), $claims_text =~ s/"jti":"/"jti":"\xff\xfe/r, $SIGNING_KEY)],
    # tampering
    ['tampered payload (viewer made admin, signature kept)', $tampered],
    ['signature of another token', "$vh.$vp." . (split /\./, $viewer_token)[2]],
    ['truncated by one character', substr($valid, 0, -1)],
    ['truncated to half', substr($valid, 0, int(length($valid) / 2))],
    # 12. sizes
    ['4097 bytes (over the token limit)', $valid . ('A' x (4097 - length $valid))],
    ['just under LimitRequestFieldSize (8 000 bytes)', 'A' x 8000],
    ['payload nested 1 000 deep (signed, within the size limit)',
     jwt_raw(enc(hdr()), '{"a":' . ('[' x 1000) . (']' x 1000) . '}', $SIGNING_KEY)],
    # Authorization forms
    ['no Authorization header', undef, 401, { header => undef, error => undef }],
    ['Basic credentials', undef, 401, { header => 'Basic YWRtaW5AYWNtZS5leGFtcGxlOm1hcGxhdA==', error => 'invalid_request' }],
    ['"Bearer" without a token', undef, 401, { header => 'Bearer', error => 'invalid_request' }],
    ['"Bearer " and spaces (httpd trims them)', undef, 401, { header => 'Bearer    ', error => 'invalid_request' }],
    ['two tokens', undef, 401, { header => "Bearer $valid Bearer $valid" }],
    ['a refresh token as the access token', login('analyst@acme.example')->{json}{refresh_token}],
);

plan tests => scalar(@cases) + 9, need(need_pg(), need_mc());
diag_to_stderr();

for my $c (@cases) {
    my ($name, $token, $want, $o) = @$c;
    $token = $token->() if ref $token eq 'CODE';
    $want //= 401;
    $o //= {};
    my @h;
    if (exists $o->{header}) {
        @h = defined $o->{header} ? (Authorization => $o->{header}) : ();
    }
    else {
        @h = (Authorization => "Bearer $token");
    }
    my $t0 = time;
    my $r = http(GET => $ME, headers => \@h);
    my $dt = time - $t0;
    if ($want == 401) {
        unauthorized_ok($r, $name, exists $o->{error} ? (error => $o->{error}) : ());
    }
    else {
        is($r->{status}, $want, "$name: $want") or diag(substr($r->{body} // $r->{error} // '', 0, 300));
    }
    diag(sprintf '%s took %.2f s', $name, $dt) if $dt > 2;
}

# ---------------------------------------------------------------- sizes httpd refuses
my $kid10k = tok(header => hdr(kid => 'k' x 10240));
my $r = api(GET => $ME, undef, $kid10k);
ok($r->{status} == 400 || $r->{status} == 401 || $r->{status} == 431,
   "kid of 10 kB: $r->{status} (400/431 from httpd, or 401)");

$r = http(GET => $ME, headers => [Authorization => 'Bearer ' . ('A' x 16384)]);
ok($r->{status} == 400 || $r->{status} == 431, "16 kB Authorization header: $r->{status} from httpd (400/431)");

my $deep = jwt_raw(enc(hdr()), '{"a":' . ('[' x 10000) . (']' x 10000) . '}', $SIGNING_KEY);
$r = api(GET => $ME, undef, $deep);
ok($r->{status} == 401 || $r->{status} == 400 || $r->{status} == 431,
   "payload nested 10 000 deep: $r->{status} (401, or 400/431 for its size)");

my $t0 = time;
$r = http(GET => $ME, headers => [Authorization => 'Bearer ' . ('A' x 8100)]);
my $dt = time - $t0;
is($r->{status}, 401, 'Authorization of 8 100 bytes: 401');
# a stall (waiting for more input, runaway parsing) takes seconds to minutes; a
# single request on a loaded machine with a -O0 coverage build can take over 1 s
ok($dt < 5, sprintf('… answered without a stall (%.3f s, < 5 s)', $dt));

# exp so far ahead that adding the leeway would overflow a 64-bit integer
$r = api(GET => $ME, undef, jwt_raw(enc(hdr()), enc(clm(exp => 12345)) =~ s/"exp":12345/"exp":9223372036854775807/r,
                           $SIGNING_KEY));
ok($r->{status} == 401 || $r->{status} == 200, "exp = 2^63-1: $r->{status}, not a server error");
$r = api(GET => $ME, undef, jwt_raw(enc(hdr()), enc(clm(exp => 12345)) =~ s/"exp":12345/"exp":-9223372036854775808/r,
                           $SIGNING_KEY));
is($r->{status}, 401, 'exp = -2^63: 401');

# ---------------------------------------------------------------- nothing was fetched
my $sel = IO::Select->new($canary);
my $heard = $sel->can_read(1.0);
ok(!$heard, 'the jku/x5u canary received no connection')
    or diag('connection from ' . (eval { $canary->accept->peerhost } // '?'));

# ---------------------------------------------------------------- still alive
is(api(GET => $ME, undef, $valid)->{status}, 200, 'the server still answers a valid token');
