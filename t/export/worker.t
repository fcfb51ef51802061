# The export workers (SECURITY.md "Export jobs"; issue 6): a job whose httpd
# child is killed (-9) mid-render completes exactly once after its lease
# (MaplatExportLease 15 in the test config); a job canceled mid-render stops
# and leaves no file; a template that fails every time ends "failed" after
# MaplatExportMaxAttempts with a readable error while other jobs complete.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Time::HiRes ();
use Maplat::Test;
use Maplat::Api;
use Maplat::Export;

plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
diag_to_stderr();

my $J = '/api/v1/export-jobs';
my $admin = token('admin@acme.example');

# a long document: ~100 pages at MaplatExportTestDelay 40 ms per page
my $para = join(' ', ('Due diligence finding with enough words to wrap over several lines.') x 12);
my $long = create_ok($admin, '/api/v1/documents', { title => 'Long memo', body => join("\n", ($para) x 450) });

# ------------------------------------------------------------ progress rises
{
    my $job = export_create($admin, { type => 'document', format => 'pdf', params => { document_id => $long->{id} } });
    my ($status) = wait_rendering($job->{id}, timeout => 120);
    is($status, 'processing', 'picked up');
    my (@seen, %leases);
    for (1 .. 30) {
        my $j = job_get($admin, $job->{id});
        push @seen, $j->{progress};
        last if $j->{status} ne 'processing';
        # the lease's end while the job renders (MaplatExportLease 15 in the test config)
        my ($st, $lease) = db_row("SELECT status, extract(epoch FROM lease_expires_at) FROM export_jobs"
                                  . " WHERE id = '$job->{id}'");
        $leases{$lease} = 1 if $st eq 'processing' && defined $lease && length $lease;
        Time::HiRes::sleep(0.2);
    }
    my $rising = 1;
    $rising &&= $seen[$_] >= $seen[$_ - 1] for 1 .. $#seen;
    ok($rising && (grep { $_ > 0 && $_ < 100 } @seen), 'progress rises while rendering') or diag("@seen");
    cmp_ok(scalar keys %leases, '>=', 2, 'the lease is renewed while rendering (its end moves on)')
        or diag(join ' ', sort keys %leases);
    is(wait_job($admin, $job->{id}, qr/^(completed|failed)$/, timeout => 180)->{status}, 'completed', 'completed');
}

# ------------------------------------------------------------ cancellation mid-render
{
    my $job = export_create($admin, { type => 'document', format => 'pdf', params => { document_id => $long->{id} } });
    my ($status) = wait_rendering($job->{id}, timeout => 120);
    is($status, 'processing', 'rendering');
    my $r = api(DELETE => "$J/$job->{id}", undef, $admin);
    is($r->{status}, 200, 'canceled while processing');
    # the worker notices at its next page and removes its temporary file: wait for
    # that (a loaded machine may take a while), then for a moment more
    my $tmp = sub {
        opendir(my $dh, export_dir()) or return ['?'];
        my @t = grep { /^\.\Q$job->{id}\E\./ } readdir $dh;
        closedir $dh;
        return \@t;
    };
    wait_for(sub { !@{ $tmp->() } }, timeout => 60, interval => 0.2);
    sleep 2;
    my $j = job_get($admin, $job->{id});
    is($j->{status}, 'canceled', 'stays canceled (the worker does not complete it)');
    ok($j->{progress} < 100, 'not finished');
    ok(!-e export_dir() . "/$job->{id}.pdf", 'no file');
    is_deeply($tmp->(), [], 'the temporary file was removed: the worker stopped between pages');
}

# ------------------------------------------------------------ kill -9 of the rendering child
{
    my $job = export_create($admin, { type => 'document', format => 'pdf', params => { document_id => $long->{id} } });
    my ($status, $locked) = wait_rendering($job->{id}, timeout => 120);
    is($status, 'processing', 'rendering before the kill');
    my ($pid) = $locked =~ /:(\d+):w\d+$/;
    ok($pid && kill(0, $pid), "locked_by names the child ($locked)");
    kill 'KILL', $pid if $pid;
    my $t0 = time;
    my $j = wait_job($admin, $job->{id}, qr/^(completed|failed)$/, timeout => 180);
    is($j->{status}, 'completed', 'the job completes after its lease ran out') or diag(explain $j);
    ok(time - $t0 >= 3, 'not before the lease expired');
    is($j->{attempts}, 2, 'two attempts (the killed one and the rescue)');
    unlike(db_value("SELECT locked_by IS NULL FROM export_jobs WHERE id = '$job->{id}'"), qr/f/, 'lease released');
    is(db_value("SELECT count(*) FROM audit_log WHERE resource_id = '$job->{id}' AND action = 'export.create'"), 1, 'created once');
    sleep 2;
    my $again = job_get($admin, $job->{id});
    is($again->{completed_at}, $j->{completed_at}, 'completed exactly once (completed_at unchanged)');
    my $r = download($admin, $job->{id});
    is($r->{status}, 200, 'downloadable');
    like($r->{body}, qr/%%EOF\s*$/, 'a complete PDF');
    # the killed child's partial file (.<id>.<pid>.w<n>.tmp) is removed by the maintenance
    my $leftovers = sub {
        opendir(my $dh, export_dir()) or return ['?'];
        my @t = grep { /^\.\Q$job->{id}\E\..*\.tmp$/ } readdir $dh;
        closedir $dh;
        return \@t;
    };
    ok(wait_for(sub { !@{ $leftovers->() } }, timeout => 60, interval => 0.5),
       'the killed render\'s temporary file is removed') or diag("left: @{ $leftovers->() }");
    ok(-e export_dir() . "/$job->{id}.pdf", '... and the completed file stays');
}

# ------------------------------------------------------------ a template that fails every time
SKIP: {
    my $dir = "$ENV{MAPLAT_SRCDIR}/templates";
    skip 'template directory not writable', 7 unless -w $dir;
    my $tpl = "$dir/t_broken_$$.xml";
    open my $fh, '>', $tpl or die "$tpl: $!";
    print {$fh} "<template><heading>unclosed";
    close $fh;
    my $small = create_ok($admin, '/api/v1/documents', { title => 'Small', body => 'short' });
    my $bad = export_create($admin, { type => 'document', format => 'pdf',
                                      params => { document_id => $small->{id}, template => "t_broken_$$" } });
    my $good = export_create($admin, { type => 'document', format => 'docx', params => { document_id => $small->{id} } });
    # the bad job waits 2 s, then 4 s between its attempts: look for a waiting
    # state first (it is there before the good job ends on a loaded machine), and
    # for one after a failure (status pending with an error), not the initial one
    my ($mid, $seen) = ({}, 0);
    wait_for(sub {
        $mid = job_get($admin, $bad->{id}) || {};
        $seen = 1 if ($mid->{status} // '') eq 'pending' && defined $mid->{error};
        $seen || ($mid->{status} // '') eq 'failed';
    }, timeout => 120, interval => 0.1);
    ok($seen, 'after a failure: pending again') or diag(explain $mid);
    like($mid->{error} // '', qr/will retry/, 'after a failure: pending again with the error and a retry note');
    is(wait_job($admin, $good->{id}, qr/^(completed|failed)$/, timeout => 120)->{status}, 'completed', 'other jobs complete');
    my $j = wait_job($admin, $bad->{id}, qr/^failed$/, timeout => 120);
    is($j->{status}, 'failed', 'failed after the maximum attempts');
    is($j->{attempts}, 3, 'MaplatExportMaxAttempts 3');
    like($j->{error} // '', qr/^template error: /, 'a readable error');
    unlike($j->{error} // '', qr{/}, 'no server paths in the error');
    unlink $tpl;
}

done_testing();
