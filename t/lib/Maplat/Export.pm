package Maplat::Export;
# Helpers for the export tests (t/export/*.t).
#
#   my $job = export_create($tok, {type => 'deal_report', format => 'pdf', params => {deal_id => $id}});
#   my $j = wait_job($tok, $job->{id}, qr/^(completed|failed)$/, timeout => 30);
#   my $r = download($tok, $id);     # {status, headers, body}
#   my $dir = export_dir();          # MaplatExportDir of the test server
#
# Who did what to a job, recorded by PostgreSQL itself (tests only): a trigger
# logs every status change of export_jobs with the worker before and after.
#   job_log_start();                         # (re)creates the log table and trigger
#   my $rows = job_log(@ids);  # [{job, old_status, new_status, old_locked, new_locked, attempts}, ...]
#   job_log_stop();                          # drops both
#   my $pid = httpd_pid();                   # the test server's parent pid (t/logs/httpd.pid)
#   my $ppid = ppid_of($pid);                # from /proc
#   my $pid = worker_pid('host:123:w0');     # 123
#   alive($pid)                              # running (not gone, not a zombie)
use strict;
use warnings;

use Exporter 'import';
use JSON::PP ();
use Time::HiRes ();
use Maplat::Test;
use Maplat::Api;

our @EXPORT = qw($DEAL export_create wait_job wait_rendering download export_dir job_get unzip_member
                 job_log_start job_log job_log_stop httpd_pid ppid_of worker_pid alive);

our $DEAL = '30000000-0000-4000-8000-a00000000001';    # Acme's "Project Falcon"

sub export_dir { server_root() . '/exports' }

sub export_create {
    my ($tok, $body, @headers) = @_;
    my $r = api(POST => '/api/v1/export-jobs', $body, $tok, headers => [@headers]);
    die "POST /export-jobs: $r->{status} " . ($r->{body} // $r->{error} // '') . "\n"
        unless $r->{status} == 202 && ref $r->{json} eq 'HASH' && $r->{json}{id};
    return $r->{json};
}

sub job_get {
    my ($tok, $id) = @_;
    my $r = api(GET => "/api/v1/export-jobs/$id", undef, $tok);
    return $r->{status} == 200 ? $r->{json} : undef;
}

# Polls until the job's status matches $re; returns the last job seen.
sub wait_job {
    my ($tok, $id, $re, %o) = @_;
    my $deadline = time + ($o{timeout} // 30);
    my $j;
    while (time < $deadline) {
        $j = job_get($tok, $id);
        return $j if $j && $j->{status} =~ $re;
        Time::HiRes::sleep(0.1);
    }
    return $j;
}

# Polls the database until a worker renders the job (processing with progress
# > 0) or the job has ended; returns (status, locked_by), or ('timeout', '').
sub wait_rendering {
    my ($id, %o) = @_;
    my $deadline = time + ($o{timeout} // 30);
    while (time < $deadline) {
        my ($status, $progress, $locked) =
            db_row("SELECT status, progress, COALESCE(locked_by, '') FROM export_jobs WHERE id = '$id'");
        return ($status, $locked) if $status eq 'processing' && $progress > 0;
        return ($status, $locked) if $status ne 'pending' && $status ne 'processing';
        Time::HiRes::sleep(0.05);
    }
    return ('timeout', '');
}

sub download {
    my ($tok, $id) = @_;
    return http(GET => "/api/v1/export-jobs/$id/download", headers => ['Authorization' => "Bearer $tok"],
                timeout => 30);
}

# One member of a zip (DOCX), with unzip -p when there is one, else IO::Uncompress::Unzip.
sub unzip_member {
    my ($bytes, $name) = @_;
    require File::Temp;
    my ($fh, $file) = File::Temp::tempfile(SUFFIX => '.zip', UNLINK => 1);
    binmode $fh;
    print {$fh} $bytes;
    close $fh;
    require IO::Uncompress::Unzip;
    my $out;
    IO::Uncompress::Unzip::unzip($file => \$out, Name => $name) or return undef;
    return $out;
}

# ------------------------------------------------------------ job transitions

my $LOG = 'test_export_job_log';

sub _sql {
    my ($sql) = @_;
    my ($rc, $out) = psql($sql);
    die "psql failed ($rc): $out\n$sql\n" if $rc;
    chomp $out;
    return $out;
}

sub job_log_start {
    job_log_stop();
    _sql(<<"SQL");
CREATE TABLE $LOG (seq bigserial PRIMARY KEY, job uuid NOT NULL, old_status text, new_status text,
                   old_locked text, new_locked text, attempts int, at timestamptz NOT NULL DEFAULT clock_timestamp());
-- SECURITY DEFINER: httpd's runtime role (sql/grants.sql) has no rights on this test table
CREATE FUNCTION ${LOG}_fn() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS \$f\$
BEGIN
    INSERT INTO $LOG (job, old_status, new_status, old_locked, new_locked, attempts)
    VALUES (NEW.id, OLD.status, NEW.status, OLD.locked_by, NEW.locked_by, NEW.attempts);
    RETURN NEW;
END \$f\$;
CREATE TRIGGER ${LOG}_trg AFTER UPDATE ON export_jobs FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.locked_by IS DISTINCT FROM NEW.locked_by)
    EXECUTE FUNCTION ${LOG}_fn();
SQL
    return 1;
}

sub job_log_stop {
    _sql("DROP TRIGGER IF EXISTS ${LOG}_trg ON export_jobs; DROP FUNCTION IF EXISTS ${LOG}_fn(); DROP TABLE IF EXISTS $LOG");
    return 1;
}

# The logged changes of these jobs (all jobs without ids), in order.
sub job_log {
    my (@ids) = @_;
    my $where = @ids ? 'WHERE job IN (' . join(',', map { "'$_'" } grep { /^[0-9a-f-]{36}$/ } @ids) . ')' : '';
    my $out = _sql("SELECT COALESCE(json_agg(json_build_object('job', job, 'old_status', old_status,"
                   . " 'new_status', new_status, 'old_locked', old_locked, 'new_locked', new_locked,"
                   . " 'attempts', attempts) ORDER BY seq), '[]') FROM $LOG $where");
    return JSON::PP->new->utf8->decode($out);
}

sub httpd_pid {
    my $file = server_root() . '/logs/httpd.pid';
    open my $fh, '<', $file or return;
    my $pid = <$fh>;
    close $fh;
    return defined $pid && $pid =~ /^(\d+)/ ? $1 : undef;
}

sub ppid_of {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/stat" or return;
    my $stat = <$fh>;
    close $fh;
    # pid (comm) state ppid ...: comm may hold spaces and parentheses
    return $stat =~ /\)\s+\S+\s+(\d+)/ ? $1 : undef;
}

sub alive {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/stat" or return 0;
    my $stat = <$fh>;
    close $fh;
    return defined $stat && $stat =~ /\)\s+([A-Za-z])/ && $1 ne 'Z' && $1 ne 'X' ? 1 : 0;
}

sub worker_pid {
    my ($locked_by) = @_;
    return defined $locked_by && $locked_by =~ /:(\d+):w\d+$/ ? $1 : undef;
}

1;
