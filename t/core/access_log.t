# One JSON access-log line per request (httpd's CustomLog with maplat's notes):
# correlation id, user, method, route template, status, duration in µs, pid.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use Maplat::Api qw(token %ORG %U);

plan tests => 28;
diag_to_stderr();

my $tag = "alog-$$-" . int(rand 1e9);

sub line_for {
    my ($cid) = @_;
    my @l = access_log_wait(sub { ($_[0]{correlation_id} // '') eq $cid });
    return $l[0];
}

# a success
my $r = http(GET => '/api/v1/health', headers => ['X-Correlation-ID' => "$tag-ok"]);
is($r->{status}, 200, 'request answered');
my $l = line_for("$tag-ok");
ok($l && defined $l->{correlation_id}, 'line found and is JSON')
    or diag($l ? $l->{_raw} : 'no line');
$l ||= {};
is($l->{correlation_id}, "$tag-ok", 'correlation_id');
is($l->{method}, 'GET', 'method');
is($l->{route}, '/api/v1/health', 'route');
is($l->{status}, 200, 'status');
like($l->{duration_us} // '', qr/^\d+$/, 'duration_us is an integer');
cmp_ok($l->{duration_us} // -1, '<', 10_000_000, 'duration_us plausible (< 10 s)');
like($l->{pid} // '', qr/^\d+$/, 'pid');
like($l->{time} // '', qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/, 'time');
ok(exists $l->{user}, 'user field present (empty or "-" without a login)');

# the client's address and, for an authenticated caller, the organization
is($l->{client}, '127.0.0.1', 'client: the address the request came from');
is($l->{organization_id}, '-', 'organization_id "-" without a login');
{
    my $tok = token('analyst@acme.example');
    my $me = http(GET => '/api/v1/auth/me', headers => ['Authorization' => "Bearer $tok", 'X-Correlation-ID' => "$tag-me"],
                      local_addr => '127.0.0.9');
    is($me->{status}, 200, 'an authenticated request');
    my $m = line_for("$tag-me") || {};
    is($m->{organization_id}, $ORG{acme}, 'organization_id: the caller\'s organization');
    is($m->{user}, $U{analyst}, 'user: the caller');
    is($m->{client}, '127.0.0.9', 'client: that request\'s own address');
}

# a route with an id: the template is logged, never the id
my $id = uuid_v4();
$r = http(GET => "/api/v1/_test/items/$id", headers => ['X-Correlation-ID' => "$tag-id"]);
$l = line_for("$tag-id") || {};
is($l->{route}, '/api/v1/_test/items/{id}', 'route template logged');
unlike($l->{_raw} // '', qr/\Q$id\E/, 'raw id not in the log line');
is($l->{status}, 200, 'status 200');

# an error
$r = http(GET => "/api/v1/_test/nope-$$", headers => ['X-Correlation-ID' => "$tag-404"]);
$l = line_for("$tag-404") || {};
is($l->{status}, 404, '404 logged');
is($l->{route}, 'unmatched', 'unknown path logged as route "unmatched"');
is($l->{correlation_id}, $r->{headers}{'x-correlation-id'}, 'same id as the answer header');

# a generated correlation id is logged too (the same one the client got)
$r = http(GET => '/api/v1/health');
my $gen = $r->{headers}{'x-correlation-id'} // 'none';
$l = line_for($gen) || {};
is($l->{correlation_id}, $gen, 'generated correlation id logged');

# a body error from the reader
$r = api(POST => '/api/v1/_test/echo', '{"a":', undef, headers => ['X-Correlation-ID' => "$tag-400"]);
$l = line_for("$tag-400") || {};
is($l->{status}, 400, '400 logged');
is($l->{method}, 'POST', 'POST logged');
is($l->{route}, '/api/v1/_test/echo', 'echo route logged');

# requests httpd itself refuses (before any maplat hook ran) are logged too, and
# every line of the log is valid JSON (no "-" where a number belongs)
my $lines_before = () = access_log_entries();
raw_request("GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
          . "Content-Length: -1\r\n\r\n");
http(GET => '/api/v1/' . ('a' x 20_000));
# their lines are written after the answers went out: wait until both are there
wait_for(sub { my $n = () = access_log_entries(); $n >= $lines_before + 2 }, timeout => 60)
    or diag('the access log did not gain two lines for the refused requests');
my @bad = grep { !defined $_->{correlation_id} } access_log_entries();
is(scalar @bad, 0, 'every access-log line is valid JSON')
    or diag(join "\n", map { $_->{_raw} } @bad[0 .. ($#bad < 4 ? $#bad : 4)]);
