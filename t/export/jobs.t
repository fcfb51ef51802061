# The export-jobs API and its state machine (API.md "Document generation and
# the export queue"; SECURITY.md "Export jobs"): create 202 (validation 422,
# idempotency key, quota 429), list (mine, status), get (created_by, file_url),
# every transition and every 409 of retry/cancel, download 409/410, tenant
# isolation (404 byte-identical to an unknown id), audit entries (the
# download's shows at once on the cached dashboard).
use strict;
use warnings FATAL => 'all';
use utf8;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use Maplat::Api;
use Maplat::Export;

plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
diag_to_stderr();

my $J = '/api/v1/export-jobs';
my $admin = token('admin@acme.example');
my $analyst = token('analyst@acme.example');
my $globex = token('admin@globex.example');

# ------------------------------------------------------------ create
my $r = api(POST => $J, { type => 'deal_report', format => 'pdf', params => { deal_id => $DEAL } }, $admin);
is($r->{status}, 202, 'POST /export-jobs -> 202');
my $job = $r->{json} // {};
ok($job->{id}, 'the job has an id');
like($r->{headers}{location} // '', qr{^/api/v1/export-jobs/\Q$job->{id}\E$}, 'Location of the job');
is($job->{type}, 'deal_report', 'type');
is($job->{format}, 'pdf', 'format');
like($job->{status}, qr/^(pending|processing|completed)$/, 'a new job is pending (or already picked up)');
is(ref $job->{created_by}, 'HASH', 'created_by is an object');
is($job->{created_by}{id}, $U{admin}, 'created_by.id is the caller');
ok(length($job->{created_by}{name} // ''), 'created_by.name is resolved');
for my $k (qw(id type format status progress error attempts file_size file_url created_by created_at
              updated_at completed_at expires_at)) {
    ok(exists $job->{$k}, "job has $k");
}
rfc3339_ok($job->{created_at}, 'created_at');
is(audit_count(action => 'export.create', resource_id => $job->{id}), 1, 'export.create audit entry');

# the worker picks it up within a second or so, progress rises, it completes
my $done = wait_job($admin, $job->{id}, qr/^(completed|failed)$/, timeout => 120);
is($done->{status}, 'completed', 'the worker completed the job') or diag(explain $done);
is($done->{progress}, 100, 'progress 100');
is($done->{file_url}, "/api/v1/export-jobs/$job->{id}/download", 'file_url');
ok($done->{file_size} > 1000, 'file_size');
rfc3339_ok($done->{completed_at}, 'completed_at');
rfc3339_ok($done->{expires_at}, 'expires_at');
is($done->{attempts}, 1, 'one attempt');
ok(db_value("SELECT locked_by IS NULL FROM export_jobs WHERE id = '$job->{id}'") eq 't', 'lease released');

# ------------------------------------------------------------ validation
validation_ok(api(POST => $J, { type => 'nope', format => 'pdf' }, $admin), ['type'], 'unknown type');
validation_ok(api(POST => $J, { type => 'deals', format => 'xls' }, $admin), ['format'], 'unknown format');
validation_ok(api(POST => $J, { type => 'deal_report', format => 'csv', params => { deal_id => $DEAL } }, $admin),
              ['format'], 'csv only for deals');
validation_ok(api(POST => $J, { type => 'deal_report', format => 'pdf' }, $admin), ['params.deal_id'], 'deal_id required');
validation_ok(api(POST => $J, { type => 'deal_report', format => 'pdf', params => { deal_id => 'x' } }, $admin),
              ['params.deal_id'], 'deal_id must be a uuid');
validation_ok(api(POST => $J, { type => 'deal_report', format => 'pdf', params => { deal_id => nil_uuid() } }, $admin),
              ['params.deal_id'], 'unknown deal -> 422');
validation_ok(api(POST => $J, { type => 'deal_report', format => 'pdf', params => { deal_id => $DEAL } }, $globex),
              ['params.deal_id'], "another organization's deal -> 422 (as unknown)");
validation_ok(api(POST => $J, { type => 'document', format => 'docx', params => { document_id => nil_uuid() } }, $admin),
              ['params.document_id'], 'unknown document -> 422');
validation_ok(api(POST => $J, { type => 'document', format => 'pdf', params => { document_id => nil_uuid(), template => '../x' } }, $admin),
              ['params.template'], 'template name validated');
validation_ok(api(POST => $J, { type => 'deals', format => 'csv', params => { stage => 'nope' } }, $admin),
              ['params.stage'], 'deals filter validated');
validation_ok(api(POST => $J, { type => 'deals', format => 'csv', params => [] }, $admin), ['params'], 'params must be an object');
is(api(POST => $J, '{"type":"deals","format":"csv","format":"pdf"}', $admin)->{status}, 400, 'duplicate key -> 400');

# no mass assignment: status / organization_id / created_by from the body are ignored
$r = api(POST => $J, { type => 'deals', format => 'csv', status => 'completed', organization_id => $ORG{globex},
                       created_by => $U{globex}, progress => 100 }, $admin);
is($r->{status}, 202, 'forbidden fields ignored');
isnt(($r->{json} // {})->{status}, 'completed', '... status not taken from the body');
is(db_value("SELECT organization_id || ' ' || created_by FROM export_jobs WHERE id = '$r->{json}{id}'"),
   "$ORG{acme} $U{admin}", '... organization and creator from the token');

# ------------------------------------------------------------ idempotency
my $key = uniq('idem');
my $i1 = api(POST => $J, { type => 'deals', format => 'csv' }, $admin, headers => ['Idempotency-Key' => $key]);
my $i2 = api(POST => $J, { type => 'deals', format => 'csv' }, $admin, headers => ['Idempotency-Key' => $key]);
is($i1->{status}, 202, 'first submit with a key');
is($i2->{status}, 202, 'second submit with the same key');
is($i2->{json}{id}, $i1->{json}{id}, 'same key -> same job');
is(db_value("SELECT count(*) FROM export_jobs WHERE idempotency_key = '$key'"), 1, 'one row');
my $i3 = api(POST => $J, { type => 'deals', format => 'csv' }, $globex, headers => ['Idempotency-Key' => $key]);
isnt($i3->{json}{id}, $i1->{json}{id}, 'keys are per organization');

# ------------------------------------------------------------ list
$r = api(GET => "$J?page_size=100", undef, $admin);
is($r->{status}, 200, 'GET /export-jobs');
my @items = @{ $r->{json}{items} // [] };
ok(scalar(grep { $_->{id} eq $job->{id} } @items), 'the job is listed');
ok(!grep({ $_->{id} eq $i3->{json}{id} } @items), "Globex's job is not");
my @times = map { $_->{created_at} } @items;
is_deeply(\@times, [sort { $b cmp $a } @times], 'newest first');
ok($r->{json}{total} >= @items, 'total');
my $an = export_create($analyst, { type => 'deals', format => 'pdf' });
$r = api(GET => "$J?mine=true&page_size=100", undef, $analyst);
ok(!grep({ $_->{created_by}{id} ne $U{analyst} } @{ $r->{json}{items} }), 'mine=true: only my jobs');
ok(scalar(grep { $_->{id} eq $an->{id} } @{ $r->{json}{items} }), "... including the analyst's");
$r = api(GET => "$J?mine=false&page_size=100", undef, $analyst);
ok(scalar(grep { $_->{id} eq $job->{id} } @{ $r->{json}{items} }), "mine=false: the organization's jobs");
$r = api(GET => "$J?status=completed&page_size=100", undef, $admin);
ok(!grep({ $_->{status} ne 'completed' } @{ $r->{json}{items} }), 'status=completed filters');
validation_ok(api(GET => "$J?status=done", undef, $admin), ['status'], 'bad status filter');
validation_ok(api(GET => "$J?mine=yes", undef, $admin), ['mine'], 'bad mine');
validation_ok(api(GET => "$J?page=0", undef, $admin), ['page'], 'bad page');

# ------------------------------------------------------------ transitions
# pending -> canceled (a job that cannot be claimed yet: run_after in the future)
my $p = export_create($admin, { type => 'deals', format => 'csv' });
db_value("UPDATE export_jobs SET run_after = now() + interval '1 hour', status = 'pending', locked_by = NULL WHERE id = '$p->{id}'");
$r = api(DELETE => "$J/$p->{id}", undef, $admin);
is($r->{status}, 200, 'DELETE pending -> 200');
is($r->{json}{status}, 'canceled', '... canceled');
is(audit_count(action => 'export.cancel', resource_id => $p->{id}), 1, 'export.cancel audit entry');
$r = api(DELETE => "$J/$p->{id}", undef, $admin);
problem_ok($r, 409, 'conflict', 'DELETE canceled -> 409');
$r = api(GET => "$J/$p->{id}/download", undef, $admin);
problem_ok($r, 409, 'conflict', 'download of a canceled job -> 409');
# canceled -> pending (retry)
$r = api(POST => "$J/$p->{id}/retry", undef, $admin);
is($r->{status}, 202, 'retry canceled -> 202');
is($r->{json}{status}, 'pending', '... pending');
is($r->{json}{attempts}, 0, '... attempts reset');
my $rj = wait_job($admin, $p->{id}, qr/^(completed|failed)$/);
is($rj->{status}, 'completed', 'the retried job completes');
# completed: retry 409, cancel 409
problem_ok(api(POST => "$J/$p->{id}/retry", undef, $admin), 409, 'conflict', 'retry completed -> 409');
problem_ok(api(DELETE => "$J/$p->{id}", undef, $admin), 409, 'conflict', 'DELETE completed -> 409');
# pending: retry 409, download 409
my $q = export_create($admin, { type => 'deals', format => 'pdf' });
db_value("UPDATE export_jobs SET run_after = now() + interval '1 hour', status = 'pending', locked_by = NULL WHERE id = '$q->{id}'");
problem_ok(api(POST => "$J/$q->{id}/retry", undef, $admin), 409, 'conflict', 'retry pending -> 409');
problem_ok(api(GET => "$J/$q->{id}/download", undef, $admin), 409, 'conflict', 'download pending -> 409');
# processing: retry 409, download 409, cancel 200
db_value("UPDATE export_jobs SET status = 'processing', locked_by = 'elsewhere:1:w0', lease_expires_at = now() + interval '1 hour' WHERE id = '$q->{id}'");
problem_ok(api(POST => "$J/$q->{id}/retry", undef, $admin), 409, 'conflict', 'retry processing -> 409');
problem_ok(api(GET => "$J/$q->{id}/download", undef, $admin), 409, 'conflict', 'download processing -> 409');
$r = api(DELETE => "$J/$q->{id}", undef, $admin);
is($r->{status}, 200, 'DELETE processing -> 200');
is($r->{json}{status}, 'canceled', '... canceled');
is(db_value("SELECT locked_by IS NULL FROM export_jobs WHERE id = '$q->{id}'"), 't', '... the lease is gone (the worker stops)');
# failed: retry 202, cancel 409
db_value("UPDATE export_jobs SET status = 'failed', error = 'x', attempts = 3, run_after = now() + interval '1 hour' WHERE id = '$q->{id}'");
problem_ok(api(DELETE => "$J/$q->{id}", undef, $admin), 409, 'conflict', 'DELETE failed -> 409');
problem_ok(api(GET => "$J/$q->{id}/download", undef, $admin), 409, 'conflict', 'download failed -> 409');
$r = api(POST => "$J/$q->{id}/retry", undef, $admin);
is($r->{status}, 202, 'retry failed -> 202');
is($r->{json}{status}, 'pending', '... pending');
is($r->{json}{error}, undef, '... error cleared');
is(audit_count(action => 'export.retry', resource_id => $q->{id}), 1, 'export.retry audit entry');
api(DELETE => "$J/$q->{id}", undef, $admin);

# ------------------------------------------------------------ download, expiry
# the dashboard's recent activity (cached per organization) lists audit
# entries: the download's export.download entry shows at once, although the
# download is a GET (the core invalidates after mutations only)
my $DASH = '/api/v1/dashboard/metrics';
mc_start() unless mc_running();    # a previous test may have left it stopped
api(GET => $DASH, undef, $admin);
my $d1 = api(GET => $DASH, undef, $admin);
is($d1->{headers}{'x-cache'} // '', 'HIT', 'the dashboard is cached before the download');
$r = download($admin, $job->{id});
is($r->{status}, 200, 'download -> 200');
{
    my $d2 = api(GET => $DASH, undef, $admin);
    is($d2->{headers}{'x-cache'} // '', 'MISS', 'the dashboard read after the download is computed afresh');
    my $first = (($d2->{json} || {})->{recent_activity} || [])->[0] || {};
    is(($first->{action} // '') . ' ' . ($first->{resource_id} // ''), "export.download $job->{id}",
       "... and its newest activity is the download's export.download entry");
}
is($r->{headers}{'content-type'}, 'application/pdf', 'Content-Type');
is($r->{headers}{'content-length'}, length($r->{body}), 'Content-Length');
is(length($r->{body}), $done->{file_size}, 'file_size matches');
like($r->{headers}{'content-disposition'} // '', qr/^attachment; filename="[^"\/\\]+\.pdf"; filename\*=UTF-8''[A-Za-z0-9%!#\$&+\-.^_`|~]+\.pdf$/,
     'Content-Disposition attachment with filename and filename*');
like($r->{body}, qr/^%PDF-1\.\d/, 'a PDF');
my $n = audit_count(action => 'export.download', resource_id => $job->{id});
is($n, 1, 'export.download audit entry');
is(db_value("SELECT host(client_address) FROM audit_log WHERE action = 'export.download' AND resource_id = '$job->{id}'"),
   '127.0.0.1', '... with the client address') ;
# expired: 410 (the retention clean-up then removes the file)
db_value("UPDATE export_jobs SET expires_at = now() - interval '1 second' WHERE id = '$job->{id}'");
$r = download($admin, $job->{id});
problem_ok($r, 410, 'gone', 'download after expiry -> 410');
is(audit_count(action => 'export.download', resource_id => $job->{id}), 1, 'no audit entry for a 410');
my $file = export_dir() . "/$job->{id}.pdf";
my $t0 = time;
sleep 1 while -e $file && time - $t0 < 60;    # the maintenance runs every 2 s
ok(!-e $file, 'the expired file was deleted from disk');
is(db_value("SELECT file_path IS NULL FROM export_jobs WHERE id = '$job->{id}'"), 't', '... and the job marked');
is(job_get($admin, $job->{id})->{file_url}, undef, '... no file_url');
problem_ok(download($admin, $job->{id}), 410, 'gone', 'still 410');

# ------------------------------------------------------------ tenant isolation
my $unknown = nil_uuid();
for my $case ([GET => ''], [DELETE => ''], [POST => '/retry'], [GET => '/download']) {
    my ($m, $suffix) = @$case;
    my $theirs = api($m => "$J/$job->{id}$suffix", undef, $globex);
    my $none = api($m => "$J/$unknown$suffix", undef, $globex);
    problem_ok($theirs, 404, 'not_found', "$m $suffix of another organization's job -> 404");
    same_body_ok($theirs, $none, "$m $suffix: byte-identical to an unknown id");
}
is(db_value("SELECT status FROM export_jobs WHERE id = '$job->{id}'"), 'completed', 'the row is unchanged');
problem_ok(api(GET => "$J/not-a-uuid", undef, $admin), 422, 'invalid_id', 'malformed id -> 422');
is(api(GET => $J, undef, undef)->{status}, 401, 'no token -> 401');

# ------------------------------------------------------------ quota
db_value("INSERT INTO export_jobs (organization_id, created_by, type, format, run_after, params)"
         . " SELECT '$ORG{globex}', '$U{globex}', 'deals', 'csv', now() + interval '1 hour', '{\"quota\":true}'"
         . " FROM generate_series(1, 20)");
$r = api(POST => $J, { type => 'deals', format => 'csv' }, $globex);
problem_ok($r, 429, 'rate_limited', '20 pending jobs (MaplatExportQuota 20) -> 429');
like($r->{headers}{'retry-after'} // '', qr/^\d+$/, 'Retry-After');
is(api(POST => $J, { type => 'deals', format => 'csv' }, $admin)->{status}, 202, 'the quota is per organization');
db_value("DELETE FROM export_jobs WHERE organization_id = '$ORG{globex}' AND params ? 'quota'");
is(api(POST => $J, { type => 'deals', format => 'csv' }, $globex)->{status}, 202, 'under the quota again -> 202');

done_testing();
