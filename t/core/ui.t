# The web UI as conf/maplat-site.conf serves it (the same file operators
# include): security headers everywhere, client routes answered with
# index.html, never under /api/ or /assets/, hashed assets immutable, index.html
# revalidated, compression, content types, and no inline script anywhere the CSP
# would have to allow one.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use Maplat::Auth;
use IO::Uncompress::Gunzip qw(gunzip $GunzipError);

my $htdocs = $ENV{MAPLAT_HTDOCS} // '';
my $built  = -f "$htdocs/index.html" && -d "$htdocs/assets";
my $brotli = -f '/usr/lib/apache2/modules/mod_brotli.so';

my @html;
if (opendir my $dh, $htdocs) {
    @html = grep { /\.html$/ } readdir $dh;
    closedir $dh;
}

plan tests => 93 + 3 * @html, need(need_pg(), need_mc(),
    { "the built web UI in MAPLAT_HTDOCS ($htdocs; make builds it with npm)" => $built ? 1 : 0 });
diag_to_stderr();

my $CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    . "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    . "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

sub slurp {
    my ($f) = @_;
    open my $fh, '<:raw', $f or die "$f: $!\n";
    local $/;
    return scalar <$fh>;
}

# 6 assertions: the headers every answer carries, errors included
sub security_headers_ok {
    my ($r, $name) = @_;
    my $h = $r->{headers};
    is($h->{'content-security-policy'}, $CSP, "$name: Content-Security-Policy");
    is($h->{'x-frame-options'}, 'DENY', "$name: X-Frame-Options DENY");
    is($h->{'x-content-type-options'}, 'nosniff', "$name: X-Content-Type-Options nosniff");
    is($h->{'referrer-policy'}, 'no-referrer', "$name: Referrer-Policy");
    like($h->{'permissions-policy'} // '', qr/camera=\(\).*geolocation=\(\).*microphone=\(\)/,
        "$name: Permissions-Policy");
    is($h->{'cross-origin-opener-policy'}, 'same-origin', "$name: Cross-Origin-Opener-Policy");
}

my $index = slurp("$htdocs/index.html");
my ($js)  = $index =~ m{<script[^>]*\bsrc="(/assets/[^"]+\.js)"};
my ($css) = $index =~ m{<link[^>]*\bhref="(/assets/[^"]+\.css)"};

# ---------------------------------------------------------------- index.html
my $r = http(GET => '/');
is($r->{status}, 200, '/: 200');
like($r->{headers}{'content-type'} // '', qr{^text/html; charset=utf-8$}i, '/: text/html; charset=utf-8');
is($r->{body}, $index, '/: the built index.html');
is($r->{headers}{'cache-control'}, 'no-cache', '/: Cache-Control no-cache (revalidated every time)');
ok($r->{headers}{'etag'} && $r->{headers}{'last-modified'}, '/: ETag and Last-Modified for revalidation');
security_headers_ok($r, '/');

# revalidation: a 304 with the ETag the client got, plain and gzip-compressed
my $etag = $r->{headers}{'etag'} // '"none"';
my $c = http(GET => '/', headers => ['If-None-Match' => $etag]);
is($c->{status}, 304, '/: If-None-Match with its ETag -> 304');
my $gz = http(GET => '/', headers => ['Accept-Encoding' => 'gzip']);
$c = http(GET => '/', headers => ['Accept-Encoding' => 'gzip',
                                  'If-None-Match' => $gz->{headers}{'etag'} // '"none"']);
is($c->{status}, 304, '/: If-None-Match with the ETag of the gzip answer -> 304');
$c = http(GET => '/', headers => ['If-Modified-Since' => $r->{headers}{'last-modified'} // 'x']);
is($c->{status}, 304, '/: If-Modified-Since -> 304');

# ---------------------------------------------------------------- client routes
for my $route ('/deals/123', '/prospects', '/documents/9f3c/versions?tab=2', '/no/such/page') {
    $r = http(GET => $route);
    is($r->{status}, 200, "$route: 200 (the app's router decides)");
    like($r->{headers}{'content-type'} // '', qr{^text/html}, "$route: text/html");
    is($r->{body}, $index, "$route: index.html");
    is($r->{headers}{'cache-control'}, 'no-cache', "$route: Cache-Control no-cache");
}
security_headers_ok(http(GET => '/deals/123'), '/deals/123');

# ---------------------------------------------------------------- assets
ok($js && $css, 'index.html names a script and a stylesheet under /assets/')
    or diag($index);
$js  //= '/assets/missing.js';
$css //= '/assets/missing.css';
like($js, qr{/assets/[\w.-]+-[\w-]{6,}\.js$}, 'the script name carries a content hash');
$r = http(GET => $js);
is($r->{status}, 200, "$js: 200");
like($r->{headers}{'content-type'} // '', qr{^text/javascript\b}, "$js: text/javascript");
is($r->{headers}{'cache-control'}, 'public, max-age=31536000, immutable', "$js: cached for a year, immutable");
is($r->{body}, slurp("$htdocs$js"), "$js: the file");
security_headers_ok($r, $js);
$r = http(GET => $css);
like($r->{headers}{'content-type'} // '', qr{^text/css\b}, "$css: text/css");
is($r->{headers}{'cache-control'}, 'public, max-age=31536000, immutable', "$css: immutable");
$r = http(GET => '/favicon.svg');
like($r->{headers}{'content-type'} // '', qr{^image/svg\+xml\b}, 'favicon.svg: image/svg+xml');
is($r->{headers}{'cache-control'}, 'no-cache', 'favicon.svg: no-cache (its name does not change)');

# a stale or mistyped asset is a real 404, never the app's HTML
$r = http(GET => '/assets/index-00000000.js');
problem_ok($r, 404, 'not_found', 'missing asset');
isnt($r->{headers}{'cache-control'} // '', 'public, max-age=31536000, immutable', 'missing asset: not cached as immutable');

# ---------------------------------------------------------------- the API never falls back
my $token = token('admin@acme.example');
$r = api(GET => '/api/v1/nope', undef, $token);
problem_ok($r, 404, 'not_found', '/api/v1/nope');
security_headers_ok($r, '/api/v1/nope');
$r = http(GET => '/api/v1/nope');
is($r->{status}, 401, '/api/v1/nope without a token: 401');
like($r->{headers}{'content-type'} // '', qr{^application/problem\+json}, '/api/v1/nope without a token: problem+json');
for my $p ('/api/v2/deals', '/api', '/api/') {
    $r = http(GET => $p);
    is($r->{status}, 404, "$p: 404");
    like($r->{headers}{'content-type'} // '', qr{^application/problem\+json}, "$p: problem+json, not the app");
}
$r = http(GET => '/metrics');
like($r->{headers}{'content-type'} // '', qr{^text/plain}, '/metrics: still the metrics');

# ---------------------------------------------------------------- compression
$r = http(GET => $js, headers => ['Accept-Encoding' => 'gzip']);
is($r->{headers}{'content-encoding'}, 'gzip', "$js: gzip");
like($r->{headers}{'vary'} // '', qr/Accept-Encoding/i, "$js: Vary: Accept-Encoding");
my $plain;
gunzip(\$r->{body} => \$plain) or diag("gunzip: $GunzipError");
is($plain // '', slurp("$htdocs$js"), "$js: gzip decodes to the file");
cmp_ok(length $r->{body}, '<', length($plain // '') / 2, "$js: gzip at least halves it");
$r = http(GET => '/deals/123', headers => ['Accept-Encoding' => 'gzip']);
is($r->{headers}{'content-encoding'}, 'gzip', 'index.html: gzip');
$r = api(GET => '/api/v1/deals', undef, $token, headers => ['Accept-Encoding' => 'gzip']);
is($r->{headers}{'content-encoding'}, 'gzip', 'API JSON: gzip');
$r = login('admin@acme.example', undef, headers => ['Accept-Encoding' => 'gzip, br']);
ok(!$r->{headers}{'content-encoding'}, 'login answer (tokens): not compressed');
SKIP: {
    skip 'mod_brotli is not installed', 3 unless $brotli;
    $r = http(GET => $js, headers => ['Accept-Encoding' => 'br, gzip']);
    is($r->{headers}{'content-encoding'}, 'br', "$js: brotli when the client accepts it");
    cmp_ok(length $r->{body}, '<', length(slurp("$htdocs$js")) / 2, "$js: brotli at least halves it");
    $c = http(GET => '/', headers => ['Accept-Encoding' => 'br',
                                      'If-None-Match' => http(GET => '/', headers => ['Accept-Encoding' => 'br'])->{headers}{'etag'} // '"none"']);
    is($c->{status}, 304, '/: If-None-Match with the ETag of the brotli answer -> 304');
}

# ---------------------------------------------------------------- no inline script
# script-src 'self' without 'unsafe-inline': every script must be a file.
ok(scalar @html, 'HTML files found: ' . join(' ', @html));
for my $f (@html) {
    my $h = slurp("$htdocs/$f");
    my @scripts = $h =~ m{<script\b([^>]*)>(.*?)</script>}gis;
    my @inline;
    while (my ($attr, $body) = splice @scripts, 0, 2) {
        push @inline, $attr if $attr !~ /\bsrc=/i || $body =~ /\S/;
    }
    is(scalar @inline, 0, "$f: no inline <script>") or diag("inline: @inline");
    unlike($h, qr{\son[a-z]+\s*=}i, "$f: no inline event handler attributes");
    unlike($h, qr{javascript:}i, "$f: no javascript: URLs");
}
