# Exports follow the per-document permissions (SECURITY.md 25): a member of
# the same organization without a grant on a document cannot export it (422,
# the same answer as for a document that does not exist) nor download another
# user's export of it (404); once granted viewer, both work; when the grant is
# withdrawn, the download stops again.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use JSON::PP ();
use Maplat::Test;
use Maplat::Api;
use Maplat::Export;

plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
diag_to_stderr();

my $J = '/api/v1/export-jobs';
my $admin = token('admin@acme.example');
my $owner = new_user($admin, role => 'member', first_name => 'Olive');
my $other = new_user($admin, role => 'member', first_name => 'Otto');

my $doc = create_ok($owner->{token}, '/api/v1/documents', { title => 'Restricted memo ' . $$, body => 'Only for Olive.' });

# ------------------------------------------------------------ no grant
my $unknown = api(POST => $J, { type => 'document', format => 'pdf', params => { document_id => nil_uuid() } },
                  $other->{token});
my $denied = api(POST => $J, { type => 'document', format => 'pdf', params => { document_id => $doc->{id} } },
                 $other->{token});
validation_ok($denied, ['params.document_id'], 'a member without a grant cannot export the document: 422');
my $canon = JSON::PP->new->canonical;
is($canon->encode([($denied->{json} || {})->{errors} // 'none']),
   $canon->encode([($unknown->{json} || {})->{errors} // 'none']),
   '... the same errors as for a document that does not exist');
is(($denied->{json} || {})->{detail}, ($unknown->{json} || {})->{detail}, '... and the same detail');
is(db_value("SELECT count(*) FROM export_jobs WHERE params->>'document_id' = '$doc->{id}'"), 0, '... and no job');

# the owner's export of it
my $job = export_create($owner->{token}, { type => 'document', format => 'pdf', params => { document_id => $doc->{id} } });
is(wait_job($owner->{token}, $job->{id}, qr/^(completed|failed)$/, timeout => 120)->{status}, 'completed',
   "the owner's export completes");
is(download($owner->{token}, $job->{id})->{status}, 200, 'the owner downloads it');
is(download($other->{token}, $job->{id})->{status}, 404, 'a member without a grant: 404 on the download');

# ------------------------------------------------------------ granted, then withdrawn
my $g = api(PATCH => "/api/v1/documents/$doc->{id}/permissions",
            { permissions => [{ user_id => $other->{id}, level => 'viewer' }] }, $owner->{token});
is($g->{status}, 200, 'the owner grants viewer') or diag($g->{body});
my $r = download($other->{token}, $job->{id});
is($r->{status}, 200, 'with viewer: the download works');
like($r->{body} // '', qr/^%PDF-/, '... a PDF');
my $mine = api(POST => $J, { type => 'document', format => 'docx', params => { document_id => $doc->{id} } },
               $other->{token});
is($mine->{status}, 202, 'with viewer: an export of their own is accepted') or diag($mine->{body});

$g = api(PATCH => "/api/v1/documents/$doc->{id}/permissions",
         { permissions => [{ user_id => $other->{id}, level => 'none' }] }, $owner->{token});
is($g->{status}, 200, 'the grant is withdrawn') or diag($g->{body});
is(download($other->{token}, $job->{id})->{status}, 404, 'withdrawn: 404 on the download again');

done_testing();
