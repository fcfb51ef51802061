# The suite's own check of answers against docs/openapi.yaml (Maplat::OpenAPI,
# run by Maplat::Test on every answer) catches what it must: wrong types, a
# missing required field, a value outside an enum, an undocumented status or
# content type; and lets correct answers and unknown paths pass.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::OpenAPI;
use JSON::PP ();

plan tests => 10;

my $J = JSON::PP->new->canonical;
my $deal = {
    id => '30000000-0000-4000-8000-a00000000001', name => 'Project Falcon', target_company => 'Falcon Ltd',
    stage => 'negotiation', value => 1500000, currency => 'GBP', description => undef,
    archived => JSON::PP::false, created_by => { id => '20000000-0000-4000-8000-a00000000001', name => 'Ada Admin' },
    created_at => '2026-11-22T10:00:00Z', updated_at => '2026-11-22T10:00:00Z', version => 1,
};
my $D = '/api/v1/deals/30000000-0000-4000-8000-a00000000001';
sub errs { Maplat::OpenAPI::errors(@_) }

is_deeply([errs(GET => $D, 200, 'application/json', $J->encode($deal))], [], 'a correct deal passes');
ok(scalar(errs(GET => $D, 200, 'application/json', $J->encode({ %$deal, name => 5 }))), 'a number for a string fails');
ok(scalar(errs(GET => $D, 200, 'application/json', $J->encode({ %$deal, version => '1' }))), 'a string for an integer fails');
my %nostage = %$deal;
delete $nostage{stage};
ok(scalar(errs(GET => $D, 200, 'application/json', $J->encode(\%nostage))), 'a missing required field fails');
ok(scalar(errs(GET => $D, 200, 'application/json', $J->encode({ %$deal, stage => 'dreaming' }))), 'a value outside the enum fails');
ok(scalar(errs(GET => $D, 418, 'application/json', '{}')), 'an undocumented status fails');
ok(scalar(errs(GET => $D, 200, 'text/html', '<p>')), 'an undocumented content type fails');
my $problem = '{"type":"about:blank","title":"Not Found","status":404,"code":"not_found","detail":"x","correlation_id":"c"}';
is_deeply([errs(GET => $D, 404, 'application/problem+json', $problem)], [], 'a problem document passes');
ok(scalar(errs(GET => $D, 404, 'application/problem+json', '{"status":"404"}')), 'a broken problem document fails');
is_deeply([errs(GET => '/api/v1/_test/echo', 200, 'application/json', '[]'),
           errs(PUT => $D, 405, 'application/problem+json', $problem)], [],
          'test-only routes and undocumented methods are not checked');
