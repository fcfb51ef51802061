# Documents as files, the store: an httpd child killed (SIGKILL) in the middle of an
# upload leaves no file and no row (the upload is an unnamed O_TMPFILE inode until
# its row commits); the background maintenance removes, after MaplatFileGrace (3 s
# in the test configuration), the files of deleted documents (not those another
# live document still uses), files without a blob row and stale temporary files,
# and keeps the versions' rows and the audit trail.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use Maplat::Api;
use Maplat::Auth qw(second_httpd);
use Maplat::Files;
use Digest::SHA qw(sha256_hex);
use IO::Socket::INET;

plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
diag_to_stderr();

my $org = new_org();
my $tok = $org->{token};
my $store = store_dir();

sub children_of {
    my ($ppid) = @_;
    my @c;
    opendir my $d, '/proc' or return;
    for my $p (grep { /^\d+$/ } readdir $d) {
        open my $fh, '<', "/proc/$p/stat" or next;
        my $st = <$fh> // '';
        push @c, $p if $st =~ /^\d+ \(.*\) \S (\d+)/ && $1 == $ppid;
    }
    return @c;
}

# the httpd child with an unnamed temporary file of the store open
sub uploading_child {
    my ($ppid) = @_;
    for my $c (children_of($ppid)) {
        opendir my $d, "/proc/$c/fd" or next;
        for my $fd (grep { /^\d+$/ } readdir $d) {
            my $t = readlink "/proc/$c/fd/$fd" // next;
            return $c if $t =~ m{^\Q$store\E/#\d+ \(deleted\)$};
        }
    }
    return;
}

# ------------------------------------------------------------ SIGKILL mid-upload
{
    my $two = second_httpd(name => 'files-kill');
    my $doc = new_doc($tok);
    my @before = store_files();
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $two->port) or die "connect: $!";
    print $s "POST /api/v1/documents/$doc->{id}/versions?filename=killed.txt HTTP/1.1\r\nHost: localhost\r\n"
        . "Authorization: Bearer $tok\r\nContent-Length: 900000\r\n\r\n" . ('k' x 300000);
    my $child = wait_for(sub { uploading_child($two->pid) }, timeout => 60);
    ok($child, 'an httpd child is writing the upload into an unnamed temporary file');
    ok(kill('KILL', $child), 'SIGKILL to that child') if $child;
    close $s;
    ok(wait_for(sub { !kill 0, $child }, timeout => 60), 'the child is gone') if $child;
    is(db_value("SELECT count(*) FROM document_versions WHERE document_id = '$doc->{id}'"), 0, 'killed: no row');
    # no new file (the maintenance may meanwhile remove earlier tests' files: only
    # files that were not there before count)
    my %was = map { $_ => 1 } @before;
    is_deeply([grep { !$was{$_} } store_files()], [], 'killed: no file in the store');
    my $r = upload($tok, $doc->{id}, "after the kill\n", filename => 'after.txt', port => $two->port);
    is($r->{status}, 201, 'the server uploads again');
    is($r->{json}{version}, 1, 'numbering starts at 1: the killed upload took no number');
    $two->stop;
}

# ------------------------------------------------------------ maintenance
{
    my ($x, $y) = ("bytes kept by another document\n" x 50, "bytes of a deleted document\n" x 50);
    my ($a, $b, $c) = (new_doc($tok), new_doc($tok), new_doc($tok));
    is(upload($tok, $a->{id}, $x, filename => 'x.txt')->{status}, 201, 'x uploaded to A');
    is(upload($tok, $b->{id}, $y, filename => 'y.txt')->{status}, 201, 'y uploaded to B');
    is(upload($tok, $c->{id}, $x, filename => 'x.txt')->{status}, 201, 'x uploaded to C');
    my ($px, $py) = (blob_path($org->{id}, sha256_hex($x)), blob_path($org->{id}, sha256_hex($y)));
    ok(-f $px && -f $py, 'both stored');
    is(api(DELETE => "/api/v1/documents/$b->{id}", undef, $tok)->{status}, 204, 'B deleted');
    is(api(DELETE => "/api/v1/documents/$a->{id}", undef, $tok)->{status}, 204, 'A deleted');
    ok(wait_for(sub { !-e $py }, timeout => 90), "the deleted document's file is removed after the grace period");
    is(db_value("SELECT count(*) FROM document_blobs WHERE organization_id = '$org->{id}' AND sha256 = '"
                . sha256_hex($y) . "'"), 0, 'and its blob row');
    # a run of the maintenance that started after A's grace period: it removes a planted orphan
    wait_for(sub { db_value("SELECT now() - deleted_at > interval '4 seconds' FROM documents WHERE id = '$a->{id}'")
                   eq 't' }, timeout => 60);
    my $osha = sha256_hex("orphan $$ " . rand);
    my $orphan = blob_path($org->{id}, $osha);
    (my $odir = $orphan) =~ s{/[^/]+$}{};
    mkdir "$store/$org->{id}";
    mkdir $odir;
    open my $o, '>', $orphan or die "$orphan: $!";
    print $o "no row refers to me\n";
    close $o;
    utime time - 3600, time - 3600, $orphan;
    mkdir "$store/.tmp";
    my $stale = "$store/.tmp/upload.1.1.stale-$$";
    open my $t, '>', $stale or die "$stale: $!";
    close $t;
    utime time - 3600, time - 3600, $stale;
    ok(wait_for(sub { !-e $orphan && !-e $stale }, timeout => 90),
       'a file without a blob row and a stale temporary file are removed');
    ok(-f $px, 'a file another live document uses is kept');
    is(download($tok, $c->{id})->{body}, $x, 'and downloads');
    is(db_value("SELECT count(*) FROM document_versions WHERE document_id IN ('$a->{id}', '$b->{id}')"), 2,
       "the deleted documents' version rows are kept");
    is(audit_count(resource_id => $b->{id}, action => 'document.version.create'), 1, 'and their audit trail');
}

done_testing;
