# GET /api/v1/health: liveness, no dependency checks.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;

plan tests => 8;
diag_to_stderr();

my $r = http(GET => '/api/v1/health');
is($r->{status}, 200, 'GET /api/v1/health is 200') or diag($r->{body} // $r->{error});
like($r->{headers}{'content-type'} // '', qr{^application/json\b}, 'application/json');
is_deeply($r->{json}, { status => 'healthy' }, 'body is {"status":"healthy"}');
common_headers_ok($r, 'health');

# HEAD answers like GET without a body
$r = http(HEAD => '/api/v1/health');
is($r->{status}, 200, 'HEAD /api/v1/health is 200');
is($r->{body}, '', 'HEAD has no body');

# trailing slash / query string don't break it
$r = http(GET => '/api/v1/health?x=1');
is($r->{status}, 200, 'query string ignored');
