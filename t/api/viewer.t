# Role viewer (API.md "Authentication and roles": read-only, any mutation ->
# 403; SECURITY.md 28): every POST/PATCH/DELETE of the workspace API answers
# 403 and changes nothing, even on a document where the viewer holds an
# editor or owner grant; reads work.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use Maplat::Api;

plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
diag_to_stderr();

my $admin = token('admin@acme.example');
my $viewer = token('viewer@acme.example');

my $deal = create_ok($admin, '/api/v1/deals', { name => uniq('Viewer deal') });
my $prospect = create_ok($admin, '/api/v1/prospects', { company_name => uniq('Viewer prospect') });
my $task = create_ok($admin, '/api/v1/tasks', { title => uniq('Viewer task'), assignee_id => $U{viewer} });
my $doc = create_ok($admin, '/api/v1/documents', { title => uniq('Viewer doc'), body => 'b' });
my $owned = create_ok($admin, '/api/v1/documents', { title => uniq('Viewer-owned doc'), body => 'b' });
is(api(PATCH => "/api/v1/documents/$doc->{id}/permissions",
       { permissions => [{ user_id => $U{viewer}, level => 'editor' }] }, $admin)->{status}, 200,
   'the viewer holds an editor grant on one document');
is(api(PATCH => "/api/v1/documents/$owned->{id}/permissions",
       { permissions => [{ user_id => $U{viewer}, level => 'owner' }] }, $admin)->{status}, 200,
   'and an owner grant on another');

sub snapshot {
    my @parts;
    for my $t (qw(deals prospects tasks documents)) {
        push @parts, db_value("SELECT md5(coalesce(string_agg(row_to_json(x)::text, '' ORDER BY id), ''))"
                              . " FROM $t x WHERE organization_id = '$ORG{acme}'");
    }
    push @parts, db_value("SELECT md5(coalesce(string_agg(document_id::text || user_id::text || level, '' ORDER BY document_id, user_id), ''))"
                          . " FROM document_permissions WHERE organization_id = '$ORG{acme}'");
    push @parts, db_value("SELECT count(*) FROM audit_log WHERE user_id = '$U{viewer}' AND action NOT LIKE 'auth.%'");
    return join ' ', @parts;
}

my $before = snapshot();
my $uuid = uuid_v4();
my @calls = (
    [POST   => '/api/v1/deals',                                { name => 'v' }],
    [PATCH  => "/api/v1/deals/$deal->{id}",                    { stage => 'won' }],
    [DELETE => "/api/v1/deals/$deal->{id}",                    undef],
    [DELETE => '/api/v1/deals/30000000-0000-4000-8000-a00000000001', undef],
    [POST   => '/api/v1/prospects',                            { company_name => 'v' }],
    [PATCH  => "/api/v1/prospects/$prospect->{id}",            { stage => 'lost' }],
    [DELETE => "/api/v1/prospects/$prospect->{id}",            undef],
    [POST   => '/api/v1/tasks',                                { title => 'v' }],
    [PATCH  => "/api/v1/tasks/$task->{id}",                    { status => 'done' }],
    [DELETE => "/api/v1/tasks/$task->{id}",                    undef],
    [POST   => '/api/v1/documents',                            { title => 'v', body => 'v' }],
    [PATCH  => "/api/v1/documents/$doc->{id}",                 { title => 'by a viewer with an editor grant' }],
    [DELETE => "/api/v1/documents/$owned->{id}",               undef],
    [PATCH  => "/api/v1/documents/$owned->{id}",               { title => 'by a viewer with an owner grant' }],
    [PATCH  => "/api/v1/documents/$owned->{id}/permissions",   { permissions => [{ user_id => $U{analyst}, level => 'owner' }] }],
    [POST   => '/api/v1/bulk/archive',                         { resource_type => 'deal', ids => [$deal->{id}] }],
    [POST   => '/api/v1/bulk/unarchive',                       { resource_type => 'document', ids => [$doc->{id}] }],
    [POST   => '/api/v1/bulk/delete',                          { resource_type => 'document', ids => [$owned->{id}] }],
    [POST   => '/api/v1/bulk/delete',                          { resource_type => 'deal', ids => [$deal->{id}] }],
    [PATCH  => "/api/v1/deals/$uuid",                          { stage => 'won' }],
    [POST   => '/api/v1/deals',                                '{broken'],
);
for my $c (@calls) {
    my ($m, $path, $body) = @$c;
    my $r = api($m => $path, $body, $viewer);
    problem_ok($r, 403, 'forbidden', "viewer $m $path");
}
is(snapshot(), $before, 'nothing changed, and no audit entry written for the viewer');

# a viewer records their own client-side events (who viewed which document)
{
    my $r = api(POST => '/api/v1/audit-logs',
                { action => 'document.view', resource_type => 'document', resource_id => $doc->{id} }, $viewer);
    is($r->{status}, 201, 'viewer POST /api/v1/audit-logs (their own client-side event): 201');
    is($r->{json}{action}, 'document.view', 'the entry is the one sent');
    is($r->{json}{user}{id}, $U{viewer}, 'the entry is recorded for the viewer');
}

# reads work
for my $path ('/api/v1/deals', "/api/v1/deals/$deal->{id}", "/api/v1/deals/$deal->{id}/hierarchy", '/api/v1/prospects',
              "/api/v1/prospects/$prospect->{id}", '/api/v1/tasks', "/api/v1/tasks/$task->{id}", '/api/v1/documents',
              "/api/v1/documents/$doc->{id}", "/api/v1/documents/$doc->{id}/permissions", '/api/v1/audit-logs') {
    is(api(GET => $path, undef, $viewer)->{status}, 200, "viewer GET $path: 200");
}
is(api(GET => "/api/v1/documents/$doc->{id}", undef, $viewer)->{json}{permission}, 'editor',
   'the viewer\'s document level is reported as granted');

done_testing();
