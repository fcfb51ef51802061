# X-Correlation-ID: echoed when it matches [A-Za-z0-9._-]{1,64}, else a fresh
# UUID; present on every answer (success, maplat errors, httpd errors); the same
# id is in problem bodies.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;

plan tests => 25;
diag_to_stderr();

my $uuid_re = qr/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

sub cid { my ($r) = @_; $r->{headers}{'x-correlation-id'} }

# valid ids are echoed
for my $id ('abc', 'A.b_c-9', 'x' x 64, 'req-2024.01_01') {
    my $r = http(GET => '/api/v1/health', headers => ['X-Correlation-ID' => $id]);
    is(cid($r), $id, "valid id '" . substr($id, 0, 20) . "' echoed");
}

# invalid ids are replaced with a fresh UUID
my %seen;
for my $id ('x' x 65, 'has space', 'semi;colon', "caf\xc3\xa9", '<script>', 'a/b', '') {
    my $r = http(GET => '/api/v1/health', headers => ['X-Correlation-ID' => $id]);
    my $got = cid($r) // '';
    like($got, $uuid_re, "invalid id '" . substr($id, 0, 20) . "' replaced by a UUID");
    $seen{$got}++;
}

# no id: a fresh UUID each time
my @ids = map { cid(http(GET => '/api/v1/health')) // '' } 1 .. 3;
like($_, $uuid_re, 'generated id is a UUID') for @ids;
$seen{$_}++ for @ids;
is(scalar(grep { $seen{$_} > 1 } keys %seen), 0, 'generated ids are all different');

# errors carry the same id in header and body
my $r = http(GET => '/api/v1/_test/no-such-thing', headers => ['X-Correlation-ID' => 'err-test-1']);
is($r->{status}, 404, 'unknown route 404');
is(cid($r), 'err-test-1', 'id echoed on a 404');
is(ref $r->{json} eq 'HASH' ? $r->{json}{correlation_id} : undef, 'err-test-1',
   'problem body has the correlation_id');

# an error httpd itself produces (ErrorDocument -> maplat-error) also has it
$r = raw_request("GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Correlation-ID: httpd-err\r\n"
               . "Connection: close\r\nContent-Length: abc\r\n\r\n");
is($r->{status}, 400, 'bad Content-Length: httpd 400');
like($r->{headers}{'content-type'} // '', qr{^application/problem\+json}, 'httpd 400 is problem+json');
ok(defined cid($r), 'httpd 400 has X-Correlation-ID');

# first header wins if the client sends two? at least: one id in the answer
$r = http(GET => '/api/v1/health', headers => ['X-Correlation-ID' => 'one', 'X-Correlation-ID' => 'two']);
my $two = cid($r) // '';
ok($two eq 'one' || $two eq 'two' || $two =~ $uuid_re, 'two request ids: one id answered');
unlike($two, qr/,/, 'never a comma-joined id');

# X-API-Version everywhere
is(http(GET => '/api/v1/health')->{headers}{'x-api-version'}, '1', 'X-API-Version on 200');
is(http(GET => '/api/v1/_test/nope')->{headers}{'x-api-version'}, '1', 'X-API-Version on 404');
