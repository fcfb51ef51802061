# A deals export of thousands of deals completes with every row.
#
# The CSV streams: the worker reads the deals in keyset batches of 1,000 in the
# order created_at DESC, id DESC, so the deals here share created_at in
# threes, across the batches' boundaries (rows 999 to 1001), and the file must
# hold each deal once, in that order, with its values. A PDF or DOCX of the
# same list is refused at creation: the test configuration sets
# MaplatExportMaxRows 1000 (t/conf/extra.conf.in).
#
# The worker reads the job's data (built by PostgreSQL, one JSON document with
# every deal) itself. It used to read it with the request-body parser and its
# 5,000-value limit for clients, so an export of a few hundred deals failed
# "internal error: the job's data could not be read" after 3 attempts.
#
# The deals live in an organization of their own (created here by SQL), so
# that the other tests' counts of Acme's deals are not disturbed.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use Maplat::Api;
use Maplat::Export;

plan tests => 17, need(need_pg(), need_mc());
diag_to_stderr();

my $N = 3000;
my $org = uuid_v4();
my $user = uuid_v4();
my $email = lc(uniq('bulkexport')) . '@bulk.example';

# the admin's password hash is the demo password's
db_value("INSERT INTO organizations (id, name) VALUES ('$org', 'Bulk Export Ltd')");
db_value("INSERT INTO users (id, organization_id, email, password_hash, first_name, last_name, role)"
         . " SELECT '$user', '$org', '$email', password_hash, 'Bulk', 'Exporter', 'admin'"
         . " FROM users WHERE email = 'admin\@acme.example'");
db_value("INSERT INTO deals (organization_id, created_by, name, target_company, stage, value, description,"
         . " created_at)"
         . " SELECT '$org', '$user', 'Deal ' || g, 'Target \"' || g || '\", Ltd', "
         . " (ARRAY['sourcing','evaluation','due_diligence','negotiation','closing','won','lost'])[1 + g % 7],"
         . " g * 1000.5, 'line one' || chr(10) || 'line two, with a comma', date_trunc('second', now()) - (g / 3) * interval '1 minute'"
         . " FROM generate_series(1, $N) g");
is(db_value("SELECT count(*) FROM deals WHERE organization_id = '$org'"), $N, "$N deals seeded");

my $tok = token($email);
ok($tok, 'the seeded admin logs in');

my $job = export_create($tok, { type => 'deals', format => 'csv', params => {} });
my $j = wait_job($tok, $job->{id}, qr/^(completed|failed)$/, timeout => 300);
is($j->{status}, 'completed', "export of $N deals: completed")
    or diag(explain $j);
is($j->{attempts}, 1, '... at the first attempt');
ok(!defined $j->{error}, '... without an error');

my $r = download($tok, $job->{id});
is($r->{status}, 200, 'the CSV downloads');
# records end in CRLF; the descriptions hold a quoted LF of their own
my @records = split /\r\n/, $r->{body};
is(scalar @records, $N + 1, "a header row and $N records");
like($records[0], qr/^id,name,target_company,stage,value,currency/, 'the header row names the columns');
my %names = map { /^[0-9a-f-]{36},(Deal \d+),/ ? ($1 => 1) : () } @records[1 .. $#records];
is(scalar keys %names, $N, 'every deal is in the file once');

# the list's order, every value as the database has it
my @want = split /\n/, db_value("SELECT string_agg(id || ',' || name || ',' || round(value, 2) || ',' || currency, chr(10)"
    . " ORDER BY created_at DESC, id DESC) FROM deals WHERE organization_id = '$org'");
my @got = map { /^([0-9a-f-]{36}),(Deal \d+),"Target ""\d+"", Ltd",[a-z_]+,([\d.]+),([A-Z]{3}),/
                    ? sprintf('%s,%s,%.2f,%s', $1, $2, $3, $4) : "?$_" }
    grep { /^[0-9a-f-]{36},/ } @records;
is(scalar @got, $N, 'every record starts a line with its id');
is_deeply(\@got, \@want, 'the records are the deals in the list order (created_at DESC, id DESC), values as stored')
    or diag("first difference at " . (grep { $got[$_] ne ($want[$_] // '') } 0 .. $#got)[0]);

# PDF and DOCX: over MaplatExportMaxRows (1000 in the tests) → 422 at creation, no job
my $jobs0 = db_value("SELECT count(*) FROM export_jobs WHERE organization_id = '$org'");
for my $format (qw(pdf docx)) {
    my $r2 = api(POST => '/api/v1/export-jobs', { type => 'deals', format => $format, params => {} }, $tok);
    validation_ok($r2, ['format'], "a $format of $N deals");
    like($r2->{json}{detail} // '', qr/at most 1000 deals \(MaplatExportMaxRows\).*csv/,
         "... the answer names the limit and the way out") or diag($r2->{body});
}
is(db_value("SELECT count(*) FROM export_jobs WHERE organization_id = '$org'"), $jobs0, '... and created no job');

# narrowed under the limit by the /deals filters: accepted and rendered
# ("Deal 29" is in Deal 29, 290..299 and 2900..2999: 111 deals)
my $small = export_create($tok, { type => 'deals', format => 'docx', params => { q => 'deal 29' } });
my $sj = wait_job($tok, $small->{id}, qr/^(completed|failed)$/, timeout => 300);
is($sj->{status}, 'completed', 'a docx of 111 of them (params.q) is accepted and completes') or diag(explain $sj);
