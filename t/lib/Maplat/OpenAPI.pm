package Maplat::OpenAPI;
# Every JSON answer the suite receives through Maplat::Test's request helpers is
# checked against docs/openapi.yaml: the operation of its path template and
# method, the response of its status, the schema of its media type. A mismatch
# is a failed test in the test file that made the request (with the request,
# the status and what does not match), so the document and the server cannot
# drift apart unnoticed.
#
#   Maplat::OpenAPI::check($method, $path, $response)   # called by Maplat::Test
#   Maplat::OpenAPI::errors($method, $path, $status, $content_type, $body) -> list of messages
#
# What is checked (a small JSON Schema validator for the subset the document
# uses): type (one or a list, "integer" vs "number" vs "string" told apart by
# how JSON::PP decoded the value), properties, required, additionalProperties,
# items, enum, const, $ref, allOf, anyOf, oneOf, minimum, maximum, minLength,
# maxLength, minItems, maxItems, pattern. Formats are not checked.
# An undocumented status of a documented operation is a mismatch; requests to
# paths or methods the document does not describe (405s, 404s of unknown paths,
# the test-only /api/v1/_test routes), HEAD answers and bodies that are not JSON
# are not checked. MAPLAT_SCHEMA_CHECK=0 switches the check off.
use strict;
use warnings;

use B ();
use JSON::PP ();
use File::Spec::Functions qw(catfile);
use FindBin ();

my ($DOC, @OPS, $LOADED);
my %GENERIC = map { $_ => 1 } (400, 408, 413, 414, 431);
my $JSON = JSON::PP->new->utf8->allow_nonref;

sub _load {
    return $DOC if $LOADED;
    $LOADED = 1;
    my $file;
    for my $dir (grep { defined } "$FindBin::Bin/../..", $ENV{MAPLAT_SRCDIR}) {
        my $f = catfile($dir, 'docs', 'openapi.yaml');
        if (-f $f) { $file = $f; last }
    }
    return undef unless $file;
    if (eval { require YAML::XS; 1 }) {
        local $YAML::XS::Boolean = 'JSON::PP';
        $DOC = eval { YAML::XS::LoadFile($file) };
    }
    else {
        require CPAN::Meta::YAML;
        my $y = CPAN::Meta::YAML->read($file);
        $DOC = $y ? $y->[0] : undef;
    }
    return undef unless ref $DOC eq 'HASH' && ref $DOC->{paths} eq 'HASH';
    for my $path (keys %{ $DOC->{paths} }) {
        my $item = $DOC->{paths}{$path};
        next unless ref $item eq 'HASH';
        my $re = join '', map { /^\{.+\}$/ ? '[^/]+' : quotemeta } split m#(\{[^}]+\})#, $path;
        my $literal = () = $path =~ m#/[^/{]+#g;
        for my $m (keys %$item) {
            next unless $m =~ /^(get|put|post|delete|patch)$/ && ref $item->{$m} eq 'HASH';
            push @OPS, { method => uc $m, path => $path, re => qr/^$re$/, op => $item->{$m}, literal => $literal };
        }
    }
    # literal segments first (like the router): /deals/summary before /deals/{id}
    @OPS = sort { $b->{literal} <=> $a->{literal} } @OPS;
    return $DOC;
}

sub _resolve {
    my ($node) = @_;
    my $seen = 0;
    while (ref $node eq 'HASH' && defined $node->{'$ref'} && $seen++ < 20) {
        my ($ptr) = $node->{'$ref'} =~ m{^#/(.*)$} or return undef;
        my $n = $DOC;
        for my $part (split m{/}, $ptr) {
            $part =~ s/~1/\//g;
            $part =~ s/~0/~/g;
            return undef unless ref $n eq 'HASH' && exists $n->{$part};
            $n = $n->{$part};
        }
        $node = $n;
    }
    return $node;
}

sub _kind {
    my ($v) = @_;
    return 'null' unless defined $v;
    if (ref $v) {
        return 'boolean' if JSON::PP::is_bool($v);
        return 'object' if ref $v eq 'HASH';
        return 'array' if ref $v eq 'ARRAY';
        return 'unknown';
    }
    my $f = B::svref_2object(\$v)->FLAGS;
    return 'string' if $f & B::SVp_POK;
    return 'integer' if ($f & B::SVp_IOK) && !($f & B::SVp_NOK);
    return $v == int($v) ? 'integer' : 'number' if $f & B::SVp_NOK;
    return 'string';
}

sub _type_ok {
    my ($kind, $type) = @_;
    return 1 if $kind eq $type;
    return 1 if $type eq 'number' && $kind eq 'integer';
    return 0;
}

sub _truthy { my ($v) = @_; defined $v && (ref $v ? !!$v : $v ne '' && $v ne '0' && $v ne 'false') }

# validate($value, $schema, $where) -> list of messages
sub validate {
    my ($v, $s, $at, $depth) = @_;
    $depth //= 0;
    return ("$at: schema nesting too deep") if $depth > 60;
    $s = _resolve($s);
    return () unless ref $s eq 'HASH';
    my @e;
    my $kind = _kind($v);
    if (defined $s->{type}) {
        my @types = ref $s->{type} eq 'ARRAY' ? @{ $s->{type} } : ($s->{type});
        push @types, 'null' if _truthy($s->{nullable});
        return ("$at: is $kind, the document says " . join('|', @types))
            unless grep { _type_ok($kind, $_) } @types;
    }
    if (exists $s->{const}) {
        my $c = $s->{const};
        push @e, "$at: must be " . ($c // 'null')
            unless (!defined $c && !defined $v) || (defined $c && defined $v && !ref $v && "$v" eq "$c")
                || (JSON::PP::is_bool($c) && JSON::PP::is_bool($v) && !!$c == !!$v);
    }
    if (ref $s->{enum} eq 'ARRAY') {
        my $ok = grep { (!defined $_ && !defined $v) || (defined $_ && defined $v && !ref $v && "$_" eq "$v")
                        || (JSON::PP::is_bool($_) && JSON::PP::is_bool($v) && !!$_ == !!$v) } @{ $s->{enum} };
        push @e, "$at: '" . ($v // 'null') . "' is not one of " . join(', ', map { $_ // 'null' } @{ $s->{enum} })
            unless $ok;
    }
    for my $k (qw(allOf)) {
        next unless ref $s->{$k} eq 'ARRAY';
        push @e, validate($v, $_, $at, $depth + 1) for @{ $s->{$k} };
    }
    for my $k (qw(anyOf oneOf)) {
        next unless ref $s->{$k} eq 'ARRAY';
        my @sub = map { [validate($v, $_, $at, $depth + 1)] } @{ $s->{$k} };
        my $n = grep { !@$_ } @sub;
        if ($k eq 'anyOf' ? $n < 1 : $n != 1) {
            my @why = map { @$_ ? $_->[0] : () } @sub;
            push @e, "$at: matches $n of the $k alternatives" . (@why ? " (@{[ join '; ', @why[0 .. ($#why > 2 ? 2 : $#why)] ]})" : '');
        }
    }
    if ($kind eq 'object') {
        my $props = ref $s->{properties} eq 'HASH' ? $s->{properties} : {};
        for my $r (ref $s->{required} eq 'ARRAY' ? @{ $s->{required} } : ()) {
            push @e, "$at: '$r' is missing" unless exists $v->{$r};
        }
        for my $k (sort keys %$v) {
            if (exists $props->{$k}) {
                push @e, validate($v->{$k}, $props->{$k}, "$at.$k", $depth + 1);
            }
            elsif (exists $s->{additionalProperties}) {
                my $ap = $s->{additionalProperties};
                if (ref $ap eq 'HASH') {
                    push @e, validate($v->{$k}, $ap, "$at.$k", $depth + 1);
                }
                elsif (!_truthy($ap)) {
                    push @e, "$at: '$k' is not in the document";
                }
            }
        }
    }
    elsif ($kind eq 'array') {
        if (defined $s->{items}) {
            my $i = 0;
            for my $x (@$v) {
                push @e, validate($x, $s->{items}, "$at\[$i]", $depth + 1);
                $i++;
                last if @e > 20;
            }
        }
        push @e, "$at: fewer than $s->{minItems} items" if defined $s->{minItems} && @$v < $s->{minItems};
        push @e, "$at: more than $s->{maxItems} items" if defined $s->{maxItems} && @$v > $s->{maxItems};
    }
    elsif ($kind eq 'string') {
        my $len = length $v;
        push @e, "$at: shorter than $s->{minLength}" if defined $s->{minLength} && $len < $s->{minLength};
        push @e, "$at: longer than $s->{maxLength}" if defined $s->{maxLength} && $len > $s->{maxLength};
        push @e, "$at: '$v' does not match /$s->{pattern}/" if defined $s->{pattern} && $v !~ /$s->{pattern}/;
    }
    elsif ($kind eq 'integer' || $kind eq 'number') {
        push @e, "$at: $v < $s->{minimum}" if defined $s->{minimum} && $v < $s->{minimum};
        push @e, "$at: $v > $s->{maximum}" if defined $s->{maximum} && $v > $s->{maximum};
    }
    return @e;
}

sub _operation {
    my ($method, $path) = @_;
    for my $o (@OPS) {
        return $o if $o->{method} eq $method && $path =~ $o->{re};
    }
    return undef;
}

sub errors {
    my ($method, $path, $status, $ctype, $body) = @_;
    _load() or return ();
    $path =~ s/[?#].*//s;
    return () unless $path =~ m{^/api/v1/} && $path !~ m{^/api/v1/_test(?:/|$)};
    my $o = _operation($method eq 'HEAD' ? 'GET' : $method, $path) or return ();
    my $responses = $o->{op}{responses} || {};
    my $resp = $responses->{$status} // $responses->{"${\ substr($status, 0, 1)}XX"} // $responses->{default};
    my $name = "$o->{method} $o->{path}";
    # errors httpd raises itself for any request (a malformed or oversized request
    # line or header, a slow client): documented once, in info, as problem documents
    $resp = { content => { 'application/problem+json' => { schema => { '$ref' => '#/components/schemas/Problem' } } } }
        if !$resp && $GENERIC{$status};
    return ("$name: status $status is not documented (documented: "
            . join(', ', sort keys %$responses) . ')') unless $resp;
    return () if $method eq 'HEAD' || $status == 304 || $status == 204;
    $resp = _resolve($resp);
    my $content = ref $resp eq 'HASH' ? $resp->{content} : undef;
    return () unless length($body // '');
    my ($media) = ($ctype // '') =~ m{^\s*([^;\s]+)};
    $media = lc($media // '');
    return ("$name $status: a body ($media) where the document has none") unless ref $content eq 'HASH';
    my $mt = $content->{$media};
    return ("$name $status: content type $media is not documented (documented: "
            . join(', ', sort keys %$content) . ')') unless $mt;
    return () unless $media =~ m{[/+]json$};
    my $schema = ref $mt eq 'HASH' ? $mt->{schema} : undef;
    return () unless $schema;
    my $data = eval { $JSON->decode($body) };
    return ("$name $status: the body is not JSON") if $@;
    return map { "$name $status: $_" } validate($data, $schema, 'body');
}

sub check {
    my ($method, $path, $r) = @_;
    return if defined $ENV{MAPLAT_SCHEMA_CHECK} && !$ENV{MAPLAT_SCHEMA_CHECK};
    return unless $r && $r->{status};
    my $body = $r->{body};
    # a compressed answer (a test asking for gzip/br on purpose): checked as sent
    # to the client once decoded; brotli has no decoder in core Perl, so only its
    # status and content type are checked
    my $enc = lc($r->{headers}{'content-encoding'} // '');
    if ($enc eq 'gzip' && length($body // '')) {
        require IO::Uncompress::Gunzip;
        my $plain;
        IO::Uncompress::Gunzip::gunzip(\$body => \$plain) or $plain = undef;
        $body = $plain;
    } elsif ($enc ne '' && $enc ne 'identity') {
        $body = undef;
    }
    my @e = errors($method, $path, $r->{status}, $r->{headers}{'content-type'}, $body);
    return unless @e;
    require Test::More;
    local $Test::Builder::Level = $Test::Builder::Level + 3;
    my $more = @e > 8 ? ' (and ' . (@e - 8) . ' more)' : '';
    Test::More::ok(0, "the answer to $method $path matches docs/openapi.yaml");
    Test::More::diag(join("\n", @e[0 .. ($#e > 7 ? 7 : $#e)]) . $more
                     . "\nbody: " . substr($r->{body} // '', 0, 400));
    return;
}

1;
