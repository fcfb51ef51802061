# Graceful restart and graceful stop while a job renders (SECURITY.md "Export
# jobs" 51; docs/export.md "Graceful restart / stop"): the render stops at its
# next page and the job is released (pending again, the attempt not counted),
# then a worker of the new generation (restart) or of the other server (stop)
# renders it once more and completes it exactly once; no row stays
# "processing" with the lease of a worker that is gone; httpd keeps answering
# throughout. Every status change is recorded by a trigger in PostgreSQL.
#
# The graceful stop is tried on a second httpd (sharing PostgreSQL and the
# export directory), the graceful restart (SIGUSR1, what `apachectl -k
# graceful` sends) on the test server itself, which keeps running for the
# test files after this one.
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
plan skip_all => 'needs /proc (which server a worker pid belongs to)' unless -r "/proc/$$/stat";
diag_to_stderr();

my $J = '/api/v1/export-jobs';
my $admin = token('admin@acme.example');

# a long document: ~100 pages at MaplatExportTestDelay 40 ms per page (as in worker.t)
my $para = join(' ', ('Due diligence finding with enough words to wrap over several lines.') x 12);
my $long = create_ok($admin, '/api/v1/documents', { title => 'Restart memo', body => join("\n", ($para) x 450) });
my $LONG = { type => 'document', format => 'pdf', params => { document_id => $long->{id} } };

sub children_of {
    my ($ppid) = @_;
    opendir(my $dh, '/proc') or return ();
    my @kids = grep { /^\d+$/ && (ppid_of($_) // 0) == $ppid } readdir $dh;
    closedir $dh;
    return @kids;
}

sub log_size { my ($f) = @_; return -s $f // 0 }

# the lines of a log file written after $offset
sub log_since {
    my ($file, $offset) = @_;
    open my $fh, '<', $file or return ();
    seek $fh, $offset, 0;
    my @l = <$fh>;
    close $fh;
    return @l;
}

# "old>new" for each logged change of the job, and the workers involved
sub transitions {
    my ($id) = @_;
    my $log = job_log($id);
    return ([map { "$_->{old_status}>$_->{new_status}" } @$log], $log);
}

sub processing_expired {
    return db_value("SELECT count(*) FROM export_jobs WHERE status = 'processing' AND lease_expires_at < now()");
}

ok(wait_for(sub { db_value("SELECT count(*) FROM export_jobs WHERE status IN ('pending', 'processing')"
                           . " AND run_after <= now()") == 0 }, timeout => 120),
   'the queue is empty before the test');
job_log_start();
END { local $?; eval { job_log_stop() } if have_pg() }

# ------------------------------------------------------------ graceful stop of a second server
{
    my $s2 = eval { second_httpd(name => 'export-stop') };
    ok($s2, 'a second httpd sharing PostgreSQL and the export directory started') or diag($@);
    SKIP: {
        skip 'no second httpd', 16 unless $s2;
        my $p2 = $s2->pid;
        ok(wait_for(sub {
            my $r = http(GET => '/api/v1/health/ready', port => $s2->port);
            ($r->{json}{checks}{export_workers} // '') eq 'ok';
        }, timeout => 120), "server 2's export workers run");
        # long jobs one after the other until one renders on server 2 (a worker
        # renders one job at a time: once the test server's are all busy, the
        # next job can only go to server 2)
        my (@jobs, $held, $locked);
        for (1 .. 24) {
            my $j = export_create($admin, $LONG);
            push @jobs, $j->{id};
            my ($st, $lk) = wait_rendering($j->{id}, timeout => 120);
            my $pid = worker_pid($lk);
            if ($st eq 'processing' && $pid && (ppid_of($pid) // 0) == $p2) {
                ($held, $locked) = ($j->{id}, $lk);
                last;
            }
        }
        ok($held, 'a job renders on server 2 (' . scalar(@jobs) . ' job(s) queued)');
        skip 'no job rendered on server 2', 14 unless $held;
        my @kids = children_of($p2);
        my $errlog_at = log_size($s2->{errlog});

        kill 'WINCH', $p2;    # graceful-stop
        ok(wait_for(sub { !alive($p2) }, timeout => 180, interval => 0.1), 'server 2 stopped gracefully');
        ok(!alive(worker_pid($locked)), "server 2's child that rendered exited");
        # what server 2's workers held is not left behind with their lease
        my $theirs = join '|', map { ":$_:" } @kids;
        is(db_value("SELECT count(*) FROM export_jobs WHERE status = 'processing' AND locked_by ~ '($theirs)'"), 0,
           "no job stays processing with the lease of server 2's workers");
        my ($t) = transitions($held);
        is_deeply([@$t[0 .. 1]], ['pending>processing', 'processing>pending'], 'the job was released');
        my (undef, $log) = transitions($held);
        is($log->[1]{old_locked}, $locked, '... by the worker that rendered it');
        is($log->[1]{attempts}, 0, '... and the attempt is not counted');
        ok(scalar(grep { /export worker \Q$locked\E released 1 job/ } log_since($s2->{errlog}, $errlog_at)),
           "server 2's log says so");

        # the test server takes over
        my $end = wait_for(sub {
            db_value("SELECT count(*) FROM export_jobs WHERE id IN (" . join(',', map { "'$_'" } @jobs)
                     . ") AND status IN ('pending', 'processing')") == 0;
        }, timeout => 600, interval => 0.5);
        ok($end, 'every job ended');
        my $j = job_get($admin, $held);
        is($j->{status}, 'completed', 'the released job completed');
        is($j->{attempts}, 1, '... in one counted attempt');
        ($t, $log) = transitions($held);
        is_deeply($t, ['pending>processing', 'processing>pending', 'pending>processing', 'processing>completed'],
                  '... claimed again once and completed once');
        my $by = worker_pid($log->[3]{old_locked});
        is(ppid_of($by // 0) // 0, httpd_pid(), '... by a worker of the test server');
        my @bad = grep {
            my ($tt) = transitions($_);
            my $jj = job_get($admin, $_);
            $_ ne $held && !($jj && $jj->{status} eq 'completed' && $jj->{attempts} == 1
                             && join(' ', @$tt) eq 'pending>processing processing>completed');
        } @jobs;
        is_deeply(\@bad, [], 'the other jobs completed once each, in one attempt');
        ok($s2->stop, 'no crash in the log of server 2');
    }
}

# ------------------------------------------------------------ graceful restart of the test server
{
    my $parent = httpd_pid();
    ok($parent && alive($parent), "the test server's parent ($parent)");
    my $errlog = server_root() . '/logs/error_log';
    my $job = export_create($admin, $LONG);
    my ($st, $locked) = wait_rendering($job->{id}, timeout => 120);
    is($st, 'processing', 'the job renders');
    my $old = worker_pid($locked);
    is(ppid_of($old // 0) // 0, $parent, "... in a child of the test server ($locked)");
    my $errlog_at = log_size($errlog);

    my $t0 = Time::HiRes::time();
    kill 'USR1', $parent;    # graceful restart (apachectl -k graceful)

    # ask the server all along; stop once the restart is logged and the job ended
    my ($asked, @bad, $restarted, $released_after) = (0);
    my $deadline = time + 300;
    while (time < $deadline) {
        my $r = http(GET => '/api/v1/health', timeout => 30);
        $asked++;
        push @bad, $r->{status} || $r->{error} unless $r->{status} == 200;
        $restarted ||= grep { /resuming normal operations/ } log_since($errlog, $errlog_at);
        if (!defined $released_after) {
            my ($t) = transitions($job->{id});
            $released_after = Time::HiRes::time() - $t0 if @$t > 1;
        }
        last if $restarted && $asked >= 20
            && db_value("SELECT status FROM export_jobs WHERE id = '$job->{id}'") !~ /^(pending|processing)$/;
        Time::HiRes::sleep(0.1);
    }
    ok($restarted, 'httpd logged the graceful restart ("resuming normal operations")');
    is(httpd_pid(), $parent, 'the same parent process (a restart, not a new server)');
    is_deeply(\@bad, [], "the server answered every one of $asked requests during the restart");
    diag(sprintf 'released %.1f s after the signal', $released_after) if defined $released_after;

    my $j = job_get($admin, $job->{id});
    is($j->{status}, 'completed', 'the job completed after the restart') or diag(explain $j);
    is($j->{attempts}, 1, '... in one counted attempt');
    is($j->{error}, undef, '... without an error (it was not rescued after its lease)');
    my ($t, $log) = transitions($job->{id});
    is_deeply($t, ['pending>processing', 'processing>pending', 'pending>processing', 'processing>completed'],
              'rendering, released, claimed again once, completed once');
    is($log->[1]{old_locked} // '', $locked, '... released by the worker of the old generation');
    is($log->[1]{attempts}, 0, '... the released attempt not counted');
    my $new = worker_pid($log->[3]{old_locked} // '');
    ok($new && $new != $old, 'completed by another process (' . ($log->[3]{old_locked} // 'none') . ')');
    ok(!alive($old), 'the child of the old generation that rendered exited');
    is(processing_expired(), 0, 'no job stays processing past its lease');
    my @since = log_since($errlog, $errlog_at);
    ok(scalar(grep { /export worker \Q$locked\E released 1 job/ } @since), 'the error log shows the release');
    is_deeply([grep { /exit signal|still did not exit|could not record/ } @since], [], 'no crash, no lost update');

    # exactly one file, complete, and no temporary file
    opendir(my $dh, export_dir());
    my @files = grep { /^\.?\Q$job->{id}\E\./ } readdir $dh;
    closedir $dh;
    is_deeply(\@files, ["$job->{id}.pdf"], 'one file and no temporary file left');
    my $r = download($admin, $job->{id});
    is($r->{status}, 200, 'downloadable');
    is(length($r->{body}), $j->{file_size}, 'file_size');
    like($r->{body}, qr/%%EOF\s*$/, 'a complete PDF');

    # the new generation works the queue and answers as before
    my $ready = http(GET => '/api/v1/health/ready');
    is($ready->{json}{checks}{export_workers} // '', 'ok', 'export workers run after the restart');
    my $small = export_create($admin, { type => 'deals', format => 'csv' });
    is(wait_job($admin, $small->{id}, qr/^(completed|failed)$/, timeout => 120)->{status}, 'completed',
       'a new job completes after the restart');
}

job_log_stop();
done_testing();
