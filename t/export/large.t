# A deals export of thousands of deals completes with every row.
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

plan tests => 9, need(need_pg(), need_mc());
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
         . " g * 1000.5, 'line one' || chr(10) || 'line two, with a comma', now() - g * interval '1 minute'"
         . " FROM generate_series(1, $N) g");
is(db_value("SELECT count(*) FROM deals WHERE organization_id = '$org'"), $N, "$N deals seeded");

my $tok = token($email);
ok($tok, 'the seeded admin logs in');

my $job = export_create($tok, { type => 'deals', format => 'csv', params => {} });
my $j = wait_job($tok, $job->{id}, qr/^(completed|failed)$/, timeout => 120);
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
