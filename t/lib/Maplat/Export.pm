package Maplat::Export;
# Helpers for the export tests (t/export/*.t).
#
#   my $job = export_create($tok, {type => 'deal_report', format => 'pdf', params => {deal_id => $id}});
#   my $j = wait_job($tok, $job->{id}, qr/^(completed|failed)$/, timeout => 30);
#   my $r = download($tok, $id);     # {status, headers, body}
#   my $dir = export_dir();          # MaplatExportDir of the test server
use strict;
use warnings;

use Exporter 'import';
use Time::HiRes ();
use Maplat::Test;
use Maplat::Api;

our @EXPORT = qw($DEAL export_create wait_job download export_dir job_get unzip_member);

our $DEAL = '30000000-0000-4000-8000-a00000000001';    # Acme's "Project Falcon"

sub export_dir { server_root() . '/exports' }

sub export_create {
    my ($tok, $body, @headers) = @_;
    my $r = api(POST => '/api/v1/export-jobs', $body, $tok, @headers);
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

1;
