# The core's error handling, through the test-only echo module
# (t/modules/mod_maplat_echo.c): JSON body reader (400/413/415), router
# (404/405 + Allow, 422 invalid_id) and the problem+json shape of every error,
# including the ones httpd itself produces (ErrorDocument -> maplat-error).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;

my $ECHO  = '/api/v1/_test/echo';
my $ITEMS = '/api/v1/_test/items';
my $MAX   = 1048576;    # MaplatMaxBody in t/conf/extra.conf.in

# Bodies the reader must refuse with 400 invalid_json: [name, bytes]
my @bad_json = (
    ['invalid UTF-8 byte 0xff',          qq({"a":"\xff"})],
    ['invalid UTF-8 continuation',       qq({"a":"\xc3\x28"})],
    ['truncated UTF-8 sequence',         qq({"a":"\xe2\x82"})],
    ['overlong 2-byte "/"',              qq({"a":"\xc0\xaf"})],
    ['overlong 3-byte "/"',              qq({"a":"\xe0\x80\xaf"})],
    ['overlong NUL',                     qq({"a":"\xc0\x80"})],
    ['UTF-8 encoded surrogate (CESU)',   qq({"a":"\xed\xa0\x80"})],
    ['code point above U+10FFFF',        qq({"a":"\xf4\x90\x80\x80"})],
    ['invalid UTF-8 in a key',           qq({"\xff":1})],
    ['lone high surrogate escape',       q({"a":"\ud800"})],
    ['lone low surrogate escape',        q({"a":"\udc00"})],
    ['duplicate keys',                   q({"a":1,"a":2})],
    ['nested duplicate keys',            q({"x":{"b":true,"b":false}})],
    ['duplicate keys, different escapes', q({"a":1,"\u0061":2})],
    ['trailing comma in object',         q({"a":1,})],
    ['trailing comma in array',          q({"a":[1,2,]})],
    ['NaN',                              q({"a":NaN})],
    ['Infinity',                         q({"a":Infinity})],
    ['-Infinity',                        q({"a":-Infinity})],
    ['block comment',                    q({"a":1 /* c */})],
    ['line comment',                     qq({"a":1} // c\n)],
    ['single quotes',                    q({'a':1})],
    ['unquoted key',                     q({a:1})],
    ['byte order mark',                  qq(\xef\xbb\xbf{"a":1})],
    ['raw control character in string',  qq({"a":"x\x01y"})],
    ['raw NUL in string',                qq({"a":"x\x00y"})],
    ['truncated document',               q({"a":)],
    ['two documents',                    q({"a":1}{"b":2})],
    ['trailing garbage',                 q({"a":1} x)],
    ['hex number',                       q({"a":0x10})],
    ['leading zero',                     q({"a":01})],
    ['empty body',                       ''],
    ['whitespace only',                  "  \n"],
    ['top-level array',                  q([1,2,3])],
    ['top-level string',                 q("x")],
    ['top-level number',                 q(42)],
    ['top-level null',                   q(null)],
    ['top-level true',                   q(true)],
    ['100k-deep [[[[ (unclosed)',        '[' x 100_000],
    ['100k-deep arrays in an object',    '{"a":' . ('[' x 100_000) . (']' x 100_000) . '}'],
    ['100k-deep objects',                ('{"a":' x 100_000) . '1' . ('}' x 100_000)],
    ['depth 40 (limit is 32)',           '{"a":' . ('[' x 39) . (']' x 39) . '}'],
    # more than 5000 values in all (SECURITY.md 40), within the size limit
    ['10k keys',                         '{' . join(',', map { qq("k$_":0) } 1 .. 10_000) . '}'],
    ['500k-element array',               '{"a":[' . join(',', (1) x 500_000) . ']}'],
);

my @good_json = (
    ['simple object',           q({"a":1})],
    ['empty object',            q({})],
    ['nested, unicode',         qq({"name":"D\xc3\xa9j\xc3\xa0 vu \xe2\x82\xac \xf0\x9f\x98\x80","list":[1,2.5,-3e2,true,false,null],"o":{"k":"v"}})],
    ['escaped surrogate pair',  q({"e":"\ud83d\ude00"})],
    ['escapes',                 '{"s":"a\\"b\\\\c\\/d\\n\\t\\u00e9"}'],
    ['depth 20',                '{"a":' . ('[' x 19) . (']' x 19) . '}'],
    ['whitespace around',       qq( \n\t{"a" : 1 } \n)],
);

my $padded_max = do {
    my $head = '{"a":"';
    my $tail = '"}';
    $head . ('x' x ($MAX - length($head) - length($tail))) . $tail;
};
my $over_max = do {
    my $head = '{"a":"';
    my $tail = '"}';
    $head . ('x' x ($MAX + 1 - length($head) - length($tail))) . $tail;
};

my $P = 7;    # assertions per problem_ok
plan tests => @bad_json * $P
            + @good_json * 2
            + 3 * 2                       # PUT/PATCH/POST echo
            + 4 * $P + 2                  # 413s + exactly-max ok
            + 5 * $P + 3                  # 415s, media type params
            + 2 * $P                      # 404s
            + 2 * ($P + 2)                # 405s
            + 4 * $P + 2                  # 422s + valid id
            + 2 * $P;                     # httpd-generated errors
diag_to_stderr();

# ------------------------------------------------------------------ 400
for my $c (@bad_json) {
    my ($name, $body) = @$c;
    my $r = api(POST => $ECHO, $body, undef);
    problem_ok($r, 400, 'invalid_json', "400 $name");
}

# ------------------------------------------------------------------ 200
for my $c (@good_json) {
    my ($name, $body) = @$c;
    my $r = api(POST => $ECHO, $body, undef);
    is($r->{status}, 200, "200 $name") or diag(substr($r->{body} // $r->{error} // '', 0, 300));
    my $want = decode_json_safe($body);
    is_deeply(ref $r->{json} eq 'HASH' ? $r->{json}{echo} : undef, $want, "echo $name");
}
for my $m (qw(POST PUT PATCH)) {
    my $r = api($m => $ECHO, { method => $m }, undef);
    is($r->{status}, 200, "$m echo 200");
    is_deeply($r->{json}, { echo => { method => $m } }, "$m echo body");
}

# ------------------------------------------------------------------ 413
{
    my $r = api(POST => $ECHO, $over_max, undef);
    problem_ok($r, 413, 'payload_too_large', '413 Content-Length one byte over');
    $r = api(POST => $ECHO, $over_max, undef, chunked => 1);
    problem_ok($r, 413, 'payload_too_large', '413 chunked one byte over');
    $r = api(POST => $ECHO, ('{"a":"' . ('y' x (4 * $MAX)) . '"}'), undef, chunked => 1, chunk_size => 100_000);
    problem_ok($r, 413, 'payload_too_large', '413 chunked 4 MiB');
    # a huge announced length is refused up front, without waiting for the body
    my ($host) = 'localhost';
    $r = raw_request("POST $ECHO HTTP/1.1\r\nHost: $host\r\nConnection: close\r\n"
                   . "Content-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n{",
                     timeout => 15);
    problem_ok($r, 413, 'payload_too_large', '413 announced 10 GB, body not sent');

    $r = api(POST => $ECHO, $padded_max, undef);
    is($r->{status}, 200, 'exactly MaplatMaxBody bytes accepted (Content-Length)');
    $r = api(POST => $ECHO, $padded_max, undef, chunked => 1);
    is($r->{status}, 200, 'exactly MaplatMaxBody bytes accepted (chunked)');
}

# ------------------------------------------------------------------ 415
{
    my $body = q({"a":1});
    problem_ok(api(POST => $ECHO, $body, undef, no_content_type => 1), 415, 'unsupported_media_type',
               '415 no Content-Type');
    problem_ok(api(POST => $ECHO, $body, undef, content_type => 'text/plain'), 415,
               'unsupported_media_type', '415 text/plain');
    problem_ok(api(POST => $ECHO, $body, undef, content_type => 'application/x-www-form-urlencoded'),
               415, 'unsupported_media_type', '415 form');
    problem_ok(api(POST => $ECHO, $body, undef, content_type => 'application/jsonx'), 415,
               'unsupported_media_type', '415 application/jsonx');
    problem_ok(api(PUT => $ECHO, $body, undef, content_type => 'text/json-ish'), 415,
               'unsupported_media_type', '415 on PUT');
    is(api(POST => $ECHO, $body, undef, content_type => 'application/json; charset=utf-8')->{status},
       200, 'application/json; charset=utf-8 accepted');
    is(api(POST => $ECHO, $body, undef, content_type => 'application/json;charset=UTF-8')->{status},
       200, 'application/json;charset=UTF-8 accepted');
    is(api(POST => $ECHO, $body, undef, content_type => 'Application/JSON')->{status},
       200, 'media type is case-insensitive');
}

# ------------------------------------------------------------------ 404
problem_ok(http(GET => '/api/v1/_test/no/such/route'), 404, 'not_found', '404 unknown route');
problem_ok(http(GET => '/api/v1/_test/items/' . uuid_v4() . '/extra'), 404, 'not_found',
           '404 extra path segment');

# ------------------------------------------------------------------ 405
{
    my $r = api(PUT => "$ITEMS/" . uuid_v4(), { a => 1 }, undef);
    problem_ok($r, 405, 'method_not_allowed', '405 PUT on items/{id}');
    my $allow = $r->{headers}{allow} // '';
    like($allow, qr/\bGET\b/, "Allow lists GET ($allow)");
    like($allow, qr/\bDELETE\b/, "Allow lists DELETE ($allow)");

    $r = http(POST => '/api/v1/health', content_type => 'application/json', body => '{}');
    problem_ok($r, 405, 'method_not_allowed', '405 POST on /health');
    $allow = $r->{headers}{allow} // '';
    like($allow, qr/\bGET\b/, "Allow on /health lists GET ($allow)");
    unlike($allow, qr/\bPOST\b/, 'Allow on /health does not list POST');
}

# ------------------------------------------------------------------ 422
for my $id ('abc', '123e4567-e89b-12d3-a456-42661417400',
            'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz', "123e4567-e89b-12d3-a456-426614174000'") {
    (my $path_id = $id) =~ s/([^A-Za-z0-9._~-])/sprintf '%%%02X', ord $1/ge;
    problem_ok(http(GET => "$ITEMS/$path_id"), 422, 'invalid_id', "422 invalid_id '$id'");
}
{
    my $id = uuid_v4();
    my $r = http(GET => "$ITEMS/$id");
    is($r->{status}, 200, 'well-formed UUID accepted');
    is(ref $r->{json} eq 'HASH' ? $r->{json}{id} : undef, $id, 'items/{id} answers the id');
}

# ------------------------------------------------------- httpd-generated errors
{
    # 414: request line over LimitRequestLine
    my $r = http(GET => '/api/v1/' . ('a' x 20_000));
    problem_ok($r, 414, undef, '414 from httpd is problem+json');
    # 400: malformed request (httpd's own parser)
    $r = raw_request("GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                   . "Content-Length: -1\r\n\r\n");
    problem_ok($r, 400, undef, '400 from httpd is problem+json');
}
