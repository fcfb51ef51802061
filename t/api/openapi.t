# docs/openapi.yaml documents exactly the routes the server has.
#
# At start-up mod_maplat logs every route of its router at LogLevel info:
#   MAPLAT01002: route GET, HEAD, OPTIONS /api/v1/deals/{id}/hierarchy
# (Apache::Test's httpd.conf logs at debug, so the lines are in t/logs/error_log.)
# The set of (method, path) pairs from those lines must equal the set of
# operations in docs/openapi.yaml, both ways: a route nobody documented fails,
# and so does a documented operation the server does not have.
#
# Conventions of the comparison (docs/openapi.yaml says the same in info):
#   - OPTIONS is answered on every route and HEAD wherever GET is; the document
#     does not list them as operations (if it does, they must exist too).
#   - Routes under /api/v1/_test (the test-only mod_maplat_echo) are ignored.
#   - Only /api/v1 paths are compared: /metrics is a separate handler, not a route,
#     and /api/v1/openapi.yaml (this document) is a static file httpd serves.
#
# The document is served by the instance: GET /api/v1/openapi.yaml without a
# token answers it byte for byte (application/yaml, ETag, 304 on If-None-Match).
#
# The YAML is read with CPAN::Meta::YAML (a core module, the YAML::Tiny subset):
# keep docs/openapi.yaml in block style (no flow collections other than [] and {}).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use CPAN::Meta::YAML ();
use File::Spec::Functions qw(catfile);

plan tests => 20;
diag_to_stderr();

my @METHODS = qw(get put post delete options head patch trace);
my %PUBLIC  = map { $_ => 1 } ('GET /api/v1/health', 'GET /api/v1/health/ready',
                                'POST /api/v1/auth/login', 'POST /api/v1/auth/refresh',
                                'GET /api/v1/openapi.yaml', 'POST /api/v1/auth/password-reset');
my %STATIC  = map { $_ => 1 } ('GET /api/v1/openapi.yaml');   # served by httpd, not a route

# ------------------------------------------------------------ the document

my $file;
for my $dir (grep { defined } "$FindBin::Bin/../..", $ENV{MAPLAT_SRCDIR}, $ENV{MAPLAT_BUILDDIR}) {
    my $f = catfile($dir, 'docs', 'openapi.yaml');
    if (-f $f) { $file = $f; last }
}
my $yaml = $file ? CPAN::Meta::YAML->read($file) : undef;
my $doc = $yaml ? $yaml->[0] : undef;
ok(ref $doc eq 'HASH' && ref $doc->{paths} eq 'HASH', 'docs/openapi.yaml parses and has paths')
    or diag($file ? "cannot parse $file: " . (CPAN::Meta::YAML->errstr // '') : 'docs/openapi.yaml not found');
$doc = { paths => {} } unless ref $doc eq 'HASH' && ref $doc->{paths} eq 'HASH';
like($doc->{openapi} // '', qr/^3\.1\.\d+$/, 'OpenAPI 3.1');

my (%documented, @ops);
for my $path (sort keys %{ $doc->{paths} }) {
    my $item = $doc->{paths}{$path};
    next unless ref $item eq 'HASH';
    for my $m (@METHODS) {
        next unless ref $item->{$m} eq 'HASH';
        push @ops, { path => $path, method => uc $m, op => $item->{$m}, item => $item };
        next unless $path =~ m{^/api/v1/};
        next if $m eq 'options' || $m eq 'head';
        next if $STATIC{ uc($m) . " $path" };
        $documented{ uc($m) . " $path" } = 1;
    }
}

# ------------------------------------------------------------ the server's routes

my $log = catfile(Apache::Test::vars('t_logs'), 'error_log');
my (@block, @last);
if (open my $fh, '<', $log) {
    while (my $line = <$fh>) {
        if ($line =~ /MAPLAT01002: route (.+?) (\/\S*)\s*$/) {
            push @block, [$1, $2];
        }
        elsif ($line =~ /MAPLAT01001: maplat core ready/) {
            # the end of one start's list: keep the latest complete one
            @last = @block if @block;
            @block = ();
        }
    }
    close $fh;
}
@last = @block if !@last;    # no "ready" line (yet): take what there is

my (%served, @bad_allow);
for my $r (@last) {
    my ($allow, $path) = @$r;
    next if $path =~ m{^/api/v1/_test(?:/|$)};
    my @m = split /,\s*/, $allow;
    my %m = map { $_ => 1 } @m;
    push @bad_allow, "$allow $path"
        unless @m && $m[-1] eq 'OPTIONS' && (!!$m{GET} == !!$m{HEAD});
    for my $meth (@m) {
        next if $meth eq 'OPTIONS' || $meth eq 'HEAD';
        $served{"$meth $path"} = 1;
    }
}
ok(scalar(keys %served) > 0, "the server logged its routes (MAPLAT01002 in $log)")
    or diag('no route lines: the core must log at LogLevel info or lower');
is_deeply(\@bad_allow, [], 'every route answers OPTIONS, and HEAD exactly where GET');

# ------------------------------------------------------------ both directions

my @undocumented = sort grep { !$documented{$_} } keys %served;
my @missing      = sort grep { !$served{$_} } keys %documented;
is_deeply(\@undocumented, [], 'every route of the server is documented in docs/openapi.yaml')
    or diag("undocumented: @undocumented");
is_deeply(\@missing, [], 'every documented operation exists on the server')
    or diag("documented but not served: @missing");

# ------------------------------------------------------------ the document's own consistency

# every $ref points into the document
my @dangling;
my $walk;
$walk = sub {
    my ($node) = @_;
    if (ref $node eq 'HASH') {
        if (defined $node->{'$ref'} && !ref $node->{'$ref'}) {
            push @dangling, $node->{'$ref'} unless defined resolve($node->{'$ref'});
        }
        $walk->($_) for values %$node;
    }
    elsif (ref $node eq 'ARRAY') {
        $walk->($_) for @$node;
    }
};
$walk->($doc);
is_deeply([sort @dangling], [], 'every $ref resolves');

# every {param} of a path is declared as a path parameter, and nothing else is
my @param_errors;
for my $o (@ops) {
    my %want = map { $_ => 1 } $o->{path} =~ /\{([^}]+)\}/g;
    my %have;
    for my $p (@{ $o->{item}{parameters} || [] }, @{ $o->{op}{parameters} || [] }) {
        my $q = ref $p eq 'HASH' && $p->{'$ref'} ? resolve($p->{'$ref'}) : $p;
        next unless ref $q eq 'HASH' && ($q->{in} // '') eq 'path';
        $have{ $q->{name} } = 1;
        push @param_errors, "$o->{method} $o->{path}: path parameter $q->{name} not required"
            unless ($q->{required} // '') =~ /^(?:true|1)$/;
    }
    for my $n (sort keys %want) {
        push @param_errors, "$o->{method} $o->{path}: {$n} not declared" unless $have{$n};
    }
    for my $n (sort keys %have) {
        push @param_errors, "$o->{method} $o->{path}: $n is not in the path" unless $want{$n};
    }
}
is_deeply(\@param_errors, [], 'path parameters match the templates');

# security: the bearer token everywhere except the public endpoints (and /metrics)
my $global_bearer = ref $doc->{security} eq 'ARRAY'
    && grep { ref $_ eq 'HASH' && exists $_->{bearerAuth} } @{ $doc->{security} };
ok($global_bearer && ref $doc->{components}{securitySchemes}{bearerAuth} eq 'HASH'
       && ($doc->{components}{securitySchemes}{bearerAuth}{scheme} // '') eq 'bearer',
   'bearer JWT is the default security scheme');
my @security_errors;
for my $o (@ops) {
    next unless $o->{path} =~ m{^/api/v1/};
    my $key = "$o->{method} $o->{path}";
    my $sec = $o->{op}{security};
    my $public = ref $sec eq 'ARRAY' && !@$sec;
    push @security_errors, "$key is public in the document" if $public && !$PUBLIC{$key};
    push @security_errors, "$key must be public (security: [])" if !$public && $PUBLIC{$key};
    push @security_errors, "$key needs a bearer token but documents no 401"
        if !$public && !exists $o->{op}{responses}{401};
}
is_deeply(\@security_errors, [], 'public operations are exactly login, refresh, password-reset, health, health/ready');

# operation ids are unique, every operation has a success answer
my (%ids, @op_errors);
for my $o (@ops) {
    my $key = "$o->{method} $o->{path}";
    my $id = $o->{op}{operationId};
    push @op_errors, "$key has no operationId" unless defined $id;
    push @op_errors, "$key: operationId $id used twice" if defined $id && $ids{$id}++;
    my @ok = grep { /^2\d\d$/ } keys %{ $o->{op}{responses} || {} };
    push @op_errors, "$key has no 2xx response" unless @ok;
}
is_deeply(\@op_errors, [], 'unique operationIds; every operation documents its success');

# creating answers 201 with Location (API.md conventions)
my @created;
for my $o (@ops) {
    my $resp = $o->{op}{responses}{201} or next;
    $resp = resolve($resp->{'$ref'}) if ref $resp eq 'HASH' && $resp->{'$ref'};
    push @created, "$o->{method} $o->{path}"
        unless ref $resp eq 'HASH' && ref $resp->{headers} eq 'HASH' && $resp->{headers}{Location};
}
is_deeply(\@created, [], 'every 201 documents its Location header');

# ------------------------------------------------------------ served by the instance
{
    my $r = http(GET => '/api/v1/openapi.yaml');
    is($r->{status}, 200, 'GET /api/v1/openapi.yaml without a token: 200');
    like($r->{headers}{'content-type'} // '', qr{^application/yaml\b}, 'application/yaml');
    my $bytes = '';
    if ($file && open my $fh, '<:raw', $file) { local $/; $bytes = <$fh>; close $fh }
    ok(length $bytes && $r->{body} eq $bytes, 'the body is docs/openapi.yaml byte for byte');
    my $etag = $r->{headers}{etag} // '';
    like($etag, qr/^"[^"]+"$/, "a strong ETag ($etag)");
    like($r->{headers}{'cache-control'} // '', qr/max-age=\d+/, 'cacheable (Cache-Control max-age)');
    my $nm = http(GET => '/api/v1/openapi.yaml', headers => ['If-None-Match' => $etag]);
    is($nm->{status}, 304, 'If-None-Match with its ETag: 304');
    is($nm->{body}, '', '304 without a body');
    is(http(GET => '/api/v1/openapi.yaml', headers => ['Authorization' => 'Bearer nonsense'])->{status}, 200,
       'a bad token does not matter (public)');
}

sub resolve {
    my ($ref) = @_;
    return undef unless $ref =~ m{^#/(.*)$};
    my $node = $doc;
    for my $part (split m{/}, $1) {
        $part =~ s/~1/\//g;
        $part =~ s/~0/~/g;
        return undef unless ref $node eq 'HASH' && exists $node->{$part};
        $node = $node->{$part};
    }
    return $node;
}
