# ETag and 304 Not Modified on every GET of a resource or a list.
#
# Every 200 answer to GET (and HEAD) carries a strong ETag computed over the
# bytes of its body (resources with a version keep it in front: "v3-<digest>").
# If-None-Match with that tag, with a list holding it, with its weak form
# W/"…" (If-None-Match uses the weak comparison) or with * answers 304 with
# no body and the same ETag and Cache-Control; any other tag gets the full
# answer. Authenticated answers carry Cache-Control: private, no-cache (a
# browser keeps them but revalidates; no shared cache stores them).
# One family after another: deals, prospects, tasks, documents, audit logs,
# dashboard, financials, communities, export jobs, users, performance.
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
my $ops = token('ops@maplat.example');
my $DEAL = '30000000-0000-4000-8000-a00000000001';

sub first_id {
    my ($path) = @_;
    my $r = api(GET => $path, undef, $admin);
    my $items = ref $r->{json} eq 'HASH' ? $r->{json}{items} : undef;
    die "GET $path: $r->{status}\n" unless ref $items eq 'ARRAY' && @$items;
    return $items->[0]{id};
}

my $task = first_id('/api/v1/tasks');
my $prospect = first_id('/api/v1/prospects');
my $doc = first_id('/api/v1/documents');
my $audit = first_id('/api/v1/audit-logs');
my $community = first_id('/api/v1/communities');
my $job = do {
    my $r = api(POST => '/api/v1/export-jobs', { type => 'deal_report', format => 'pdf', params => { deal_id => $DEAL } },
                $admin);
    die "POST /export-jobs: $r->{status}\n" unless $r->{status} == 202;
    my $id = $r->{json}{id};
    # a job changes while a worker renders it: revalidate it once it has ended
    wait_for(sub { (api(GET => "/api/v1/export-jobs/$id", undef, $admin)->{json}{status} // '') =~ /^(completed|failed)$/ },
             timeout => 180);
    $id;
};

my @paths = (
    '/api/v1/deals', "/api/v1/deals/$DEAL", "/api/v1/deals/$DEAL/hierarchy", '/api/v1/deals?sort=name&page_size=5',
    '/api/v1/prospects', "/api/v1/prospects/$prospect",
    '/api/v1/tasks', "/api/v1/tasks/$task",
    '/api/v1/documents', "/api/v1/documents/$doc", "/api/v1/documents/$doc/permissions",
    '/api/v1/audit-logs?resource_type=deal', "/api/v1/audit-logs/$audit",
    '/api/v1/dashboard/metrics',
    "/api/v1/financial/ratios/latest?deal_id=$DEAL", "/api/v1/financial/narratives/latest?deal_id=$DEAL",
    '/api/v1/communities', "/api/v1/communities/$community/members", "/api/v1/communities/$community/posts",
    '/api/v1/export-jobs', "/api/v1/export-jobs/$job",
    '/api/v1/users', '/api/v1/auth/me',
);

sub revalidates_ok {
    my ($path, $tok) = @_;
    my $r = api(GET => $path, undef, $tok);
    is($r->{status}, 200, "$path: 200") or return diag($r->{body});
    my $etag = $r->{headers}{etag} // '';
    like($etag, qr/^"[^"\s]+"$/, "$path: a strong ETag ($etag)");
    like($r->{headers}{'cache-control'} // '', qr/\bprivate\b/, "$path: Cache-Control private");
    like($r->{headers}{'cache-control'} // '', qr/\bno-cache\b|\bno-store\b/, "$path: revalidated");
    my $again = api(GET => $path, undef, $tok);
    is($again->{headers}{etag} // '', $etag, "$path: the same body gives the same ETag")
        if ($again->{body} // '') eq ($r->{body} // '');
    for my $inm ($etag, qq{"nothing", $etag}, "W/$etag", '*') {
        my $nm = api(GET => $path, undef, $tok, headers => ['If-None-Match' => $inm]);
        is($nm->{status}, 304, "$path: If-None-Match: $inm -> 304") or diag($nm->{raw} && substr($nm->{raw}, 0, 300));
        is($nm->{body}, '', "$path: 304 without a body");
        is($nm->{headers}{etag} // '', $etag, "$path: 304 with the same ETag");
        is($nm->{headers}{'cache-control'} // '', $r->{headers}{'cache-control'} // '',
           "$path: 304 with the same Cache-Control");
        last unless $nm->{status} == 304;
    }
    my $other = api(GET => $path, undef, $tok, headers => ['If-None-Match' => '"something-else"']);
    is($other->{status}, 200, "$path: another tag -> 200");
    ok(length($other->{body} // ''), "$path: with the body");
    return $etag;
}

revalidates_ok($_, $admin) for @paths;
revalidates_ok('/api/v1/performance/lighthouse', $ops);

# HEAD revalidates too
{
    my $g = api(GET => '/api/v1/deals', undef, $admin);
    my $h = http(HEAD => '/api/v1/deals', headers => ['Authorization' => "Bearer $admin",
                                                      'If-None-Match' => $g->{headers}{etag}]);
    is($h->{status}, 304, 'HEAD with the current ETag: 304');
}

# a change gives a new ETag: the old one no longer matches
{
    my $d = create_ok($admin, '/api/v1/deals', { name => uniq('etag deal') });
    my $g = api(GET => "/api/v1/deals/$d->{id}", undef, $admin);
    my $old = $g->{headers}{etag};
    like($old, qr/^"v1-[0-9a-f]{32}"$/, 'a new deal: ETag "v1-<digest>"');
    my $list = api(GET => '/api/v1/deals', undef, $admin)->{headers}{etag};
    my $p = api(PATCH => "/api/v1/deals/$d->{id}", { stage => 'won' }, $admin, headers => ['If-Match' => $old]);
    is($p->{status}, 200, 'PATCH with If-Match of the GET: 200');
    like($p->{headers}{etag} // '', qr/^"v2-[0-9a-f]{32}"$/, 'PATCH answers the new ETag "v2-<digest>"');
    my $g2 = api(GET => "/api/v1/deals/$d->{id}", undef, $admin, headers => ['If-None-Match' => $old]);
    is($g2->{status}, 200, 'GET with the old ETag after the change: 200');
    is($g2->{headers}{etag}, $p->{headers}{etag}, 'GET answers the ETag the PATCH answered');
    is(api(GET => "/api/v1/deals/$d->{id}", undef, $admin, headers => ['If-None-Match' => $p->{headers}{etag}])->{status}, 304,
       'GET with the PATCH\'s ETag: 304');
    my $l2 = api(GET => '/api/v1/deals', undef, $admin, headers => ['If-None-Match' => $list]);
    is($l2->{status}, 200, 'the list with its old ETag after the change: 200');
    # what a browser sends back after a compressed answer: mod_deflate/mod_brotli
    # appended -gzip / -br to the ETag; the same representation, so it matches
    (my $gz = $p->{headers}{etag}) =~ s/"$/-gzip"/;
    (my $br = $p->{headers}{etag}) =~ s/"$/-br"/;
    is(api(GET => "/api/v1/deals/$d->{id}", undef, $admin, headers => ['If-None-Match' => $gz])->{status}, 304,
       'GET with the ETag of the gzip answer: 304');
    is(api(GET => "/api/v1/deals/$d->{id}", undef, $admin, headers => ['If-None-Match' => $br])->{status}, 304,
       'GET with the ETag of the brotli answer: 304');
    is(api(PATCH => "/api/v1/deals/$d->{id}", { stage => 'lost' }, $admin, headers => ['If-Match' => $gz])->{status}, 200,
       'PATCH with If-Match of the gzip answer\'s ETag: 200');
    (my $xz = $gz) =~ s/-gzip"$/-xz"/;
    is(api(PATCH => "/api/v1/deals/$d->{id}", { stage => 'won' }, $admin, headers => ['If-Match' => $gz])->{status}, 412,
       'PATCH with that ETag once the deal changed again: 412');
    is(api(PATCH => "/api/v1/deals/$d->{id}", { stage => 'won' }, $admin, headers => ['If-Match' => $xz])->{status}, 412,
       'an unknown suffix never matches: 412');
    # a grant changes a document's representation (its "permission") without a new version
    my $analyst = token('analyst@acme.example');
    my $nd = create_ok($admin, '/api/v1/documents', { title => uniq('etag doc'), body => 'b' });
    api(PATCH => "/api/v1/documents/$nd->{id}/permissions",
        { permissions => [{ user_id => $U{analyst}, level => 'viewer' }] }, $admin);
    my $v = api(GET => "/api/v1/documents/$nd->{id}", undef, $analyst);
    api(PATCH => "/api/v1/documents/$nd->{id}/permissions",
        { permissions => [{ user_id => $U{analyst}, level => 'editor' }] }, $admin);
    my $e = api(GET => "/api/v1/documents/$nd->{id}", undef, $analyst, headers => ['If-None-Match' => $v->{headers}{etag}]);
    is($e->{status}, 200, 'a new grant: the document\'s old ETag no longer matches');
    is($e->{json}{permission}, 'editor', '... and the answer shows the new level');
}

# errors and mutations carry no ETag and are not revalidated
{
    my $nf = api(GET => '/api/v1/deals/' . uuid_v4(), undef, $admin, headers => ['If-None-Match' => '*']);
    is($nf->{status}, 404, 'If-None-Match: * on a missing resource: 404');
    ok(!defined $nf->{headers}{etag}, '404: no ETag');
    my $post = api(POST => '/api/v1/audit-logs', { action => 'ui.view', resource_type => 'page', resource_id => 'etag' },
                   $admin);
    is($post->{status}, 201, 'POST: 201');
    like($post->{headers}{'cache-control'} // '', qr/no-store/, 'a mutation\'s answer: no-store');
}

done_testing();
