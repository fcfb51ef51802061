# Two httpd servers work one queue (SECURITY.md "Export jobs" 45; DESIGN.md
# "Growing past one machine"): a second httpd from the suite's configuration
# shares PostgreSQL, memcached and MaplatExportDir; 200 jobs queued at once (one
# INSERT: the per-organization quota is t/export/jobs.t's business, and a
# single statement makes all 200 claimable in the same instant) are each
# claimed once, rendered once and completed once, by the workers of both
# servers. Every status change is recorded by a trigger in PostgreSQL (which
# worker claimed, which finished); the error logs' "claimed job" lines count the
# renders a second way; one file per job on disk.
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

my $N = 200;
my $admin = token('admin@acme.example');
my $doc = create_ok($admin, '/api/v1/documents', { title => 'Queue memo', body => "A short memo.\nTwo lines." });
my $tag = "q$N-$$-" . int(rand 1e6);

# nothing else in the queue: the two servers' workers only see our jobs
ok(wait_for(sub { db_value("SELECT count(*) FROM export_jobs WHERE status IN ('pending', 'processing')"
                           . " AND run_after <= now()") == 0 }, timeout => 120),
   'the queue is empty before the test');

my $s2 = eval { second_httpd(name => 'export-queue') };
ok($s2, 'a second httpd sharing PostgreSQL, memcached and the export directory started') or diag($@);
END { local $?; eval { job_log_stop() } if have_pg() }

SKIP: {
    skip 'no second httpd', 22 unless $s2;
    my $p1 = httpd_pid();
    my $p2 = $s2->pid;
    ok($p1 && $p2 && $p1 != $p2, "two parent processes ($p1, $p2)");
    # both servers' workers are polling before the jobs appear
    ok(wait_for(sub {
        my $r = http(GET => '/api/v1/health/ready', port => $s2->port);
        ($r->{json}{checks}{export_workers} // '') eq 'ok';
    }, timeout => 120), "server 2's export workers run");

    job_log_start();
    my $t0 = time;
    my $ids = db_value(<<"SQL");
WITH ins AS (INSERT INTO export_jobs (organization_id, created_by, type, format, params)
  SELECT '$ORG{acme}', '$U{admin}',
         CASE WHEN g % 3 = 0 THEN 'deals' ELSE 'document' END,
         CASE g % 3 WHEN 0 THEN 'csv' WHEN 1 THEN 'pdf' ELSE 'docx' END,
         CASE WHEN g % 3 = 0 THEN jsonb_build_object('title', '$tag ' || g)
              ELSE jsonb_build_object('document_id', '$doc->{id}', 'title', '$tag ' || g) END
  FROM generate_series(1, $N) g
  RETURNING id)
SELECT string_agg(id::text, ' ') FROM ins
SQL
    my @ids = split ' ', $ids;
    is(scalar @ids, $N, "$N jobs queued in one statement");
    my $in = join(',', map { "'$_'" } @ids);

    my $done = wait_for(sub {
        db_value("SELECT count(*) FROM export_jobs WHERE id IN ($in) AND status IN ('pending', 'processing')") == 0
    }, timeout => 900, interval => 0.5);
    ok($done, 'the queue drained') or diag(db_value("SELECT status || ' ' || count(*) FROM export_jobs"
                                                    . " WHERE id IN ($in) GROUP BY status"));
    diag(sprintf '%d jobs in %d s', $N, time - $t0);

    # ---------------------------------------------------------------- the rows
    is(db_value("SELECT count(*) FROM export_jobs WHERE id IN ($in) AND status = 'completed'"), $N,
       "all $N completed");
    is(db_value("SELECT count(*) FROM export_jobs WHERE id IN ($in) AND attempts <> 1"), 0, 'each in one attempt');
    is(db_value("SELECT count(*) FROM export_jobs WHERE id IN ($in) AND (locked_by IS NOT NULL"
                . " OR lease_expires_at IS NOT NULL OR error IS NOT NULL OR progress <> 100)"), 0,
       'no lease, error or partial progress left');

    # ---------------------------------------------------------------- the transitions
    my $log = job_log(@ids);
    my (%claims, %finishes, @other);
    for my $e (@$log) {
        if ($e->{old_status} eq 'pending' && $e->{new_status} eq 'processing') {
            push @{ $claims{$e->{job}} }, $e->{new_locked};
        }
        elsif ($e->{old_status} eq 'processing' && $e->{new_status} eq 'completed') {
            push @{ $finishes{$e->{job}} }, $e->{old_locked};
        }
        else {
            push @other, $e;
        }
    }
    is(scalar(grep { @{ $claims{$_} || [] } == 1 } @ids), $N, 'each job claimed exactly once (rendered once)')
        or diag(join "\n", map { "$_: " . join(', ', @{ $claims{$_} || [] }) } grep { @{ $claims{$_} || [] } != 1 } @ids);
    is(scalar(grep { @{ $finishes{$_} || [] } == 1 } @ids), $N, 'each job completed exactly once');
    is(scalar(grep { ($claims{$_}[0] // 'a') ne ($finishes{$_}[0] // 'b') } @ids), 0,
       'completed by the worker that claimed it');
    is_deeply(\@other, [], 'no other change (no release, rescue, retry or failure)');

    # which server each worker belongs to (while both servers still run)
    my (%server, %by);
    for my $w (map { $finishes{$_}[0] // () } @ids) {
        my $pid = worker_pid($w);
        my $pp = $pid ? ppid_of($pid) // 0 : 0;
        my $who = $pp == $p1 ? 1 : $pp == $p2 ? 2 : 0;
        $server{$w} = $who;
        $by{$who}++;
    }
    ok($by{1}, "server 1's workers completed jobs (" . ($by{1} // 0) . ')');
    ok($by{2}, "server 2's workers completed jobs (" . ($by{2} // 0) . ')');
    is($by{0} // 0, 0, 'every finishing worker is a child of one of the two servers');
    cmp_ok(scalar(keys %server), '>=', 3, 'several workers took part (' . scalar(keys %server) . ')');

    # ---------------------------------------------------------------- the error logs
    # (LogLevel debug or more: every claim logs "export worker W claimed job ID")
    my %logged;
    for my $f (server_root() . '/logs/error_log', $s2->{errlog}) {
        open my $fh, '<', $f or next;
        while (<$fh>) {
            $logged{$2}{$1}++ if /export worker (\S+) claimed job ([0-9a-f-]{36})/;
        }
        close $fh;
    }
    my @twice = grep { my $l = $logged{$_} || {}; keys(%$l) != 1 || (values %$l)[0] != 1 } @ids;
    is(scalar @twice, 0, "the error logs show one claim per job, by one worker");
    is(scalar(grep { ($claims{$_}[0] // '') ne ((keys %{ $logged{$_} || {} })[0] // '') } @ids), 0,
       'the worker the log names is the one PostgreSQL recorded');

    # ---------------------------------------------------------------- the files
    my $dir = export_dir();
    opendir(my $dh, $dir) or die "$dir: $!";
    my @names = readdir $dh;
    closedir $dh;
    my %mine = map { $_ => 0 } @ids;
    my @tmp;
    for my $n (@names) {
        next unless $n =~ /^(\.?)([0-9a-f-]{36})\./ && exists $mine{$2};
        if ($1) { push @tmp, $n } else { $mine{$2}++ }
    }
    is(scalar(grep { $mine{$_} == 1 } @ids), $N, 'one file per job in MaplatExportDir');
    is_deeply(\@tmp, [], 'no temporary file left');
    my %file = map { my ($i, $p, $s) = split /\|/; ($i => [$p, $s]) }
               split /\n/, db_value("SELECT id || '|' || file_path || '|' || file_size FROM export_jobs WHERE id IN ($in)");
    my @bad = grep {
        my ($p, $s) = @{ $file{$_} || [] };
        !$p || $p !~ /^\Q$_\E\.(pdf|docx|csv)$/ || !-f "$dir/$p" || -s "$dir/$p" != $s;
    } @ids;
    is_deeply(\@bad, [], "each job's file_path names its file, whose size is file_size");
    my %kinds;
    for my $i (@ids) {
        my ($p) = @{ $file{$i} || [''] };
        open my $fh, '<:raw', "$dir/$p" or next;
        read $fh, my $head, 8;
        close $fh;
        my $k = $p =~ /\.pdf$/ ? ($head =~ /^%PDF-/ ? 'pdf' : 'bad') : $p =~ /\.docx$/ ? ($head =~ /^PK\x03\x04/ ? 'docx' : 'bad')
              : ($head =~ /^id,/ ? 'csv' : 'bad');
        $kinds{$k}++;
    }
    is_deeply(\%kinds, { pdf => 67, docx => 67, csv => 66 }, 'real PDF, DOCX and CSV files');

    ok($s2->stop, 'server 2 stopped without a crash');
}
job_log_stop();

done_testing();
