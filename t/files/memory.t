# Documents as files, memory: a 500 MB file streams in (upload) and out (download)
# through one httpd child whose memory stays flat — VmRSS and VmHWM (/proc) grow by
# far less than the file. A second httpd of the suite's configuration with
# MaplatFileMaxSize 600M and no quota. Skipped under MAPLAT_SANITIZE=1 (ASan's
# allocator keeps freed memory in quarantine) and with MAPLAT_FILES_MEMORY=0.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use Maplat::Api;
use Maplat::Auth qw(second_httpd sanitize_mode);
use Maplat::Files;
use Digest::SHA;
use IO::Socket::INET;
use IO::Select;
use File::Temp ();

plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
plan skip_all => 'memory is not measurable under AddressSanitizer' if sanitize_mode();
plan skip_all => 'MAPLAT_FILES_MEMORY=0' if defined $ENV{MAPLAT_FILES_MEMORY} && !$ENV{MAPLAT_FILES_MEMORY};
diag_to_stderr();

my $SIZE = 500 * 1024 * 1024;
my $MARGIN = 48 * 1024 * 1024;   # the child may grow by this much, not by the file's size
my $store = store_dir();

# the suite's extra.conf (included by httpd.conf) with a 600M limit and no quota
my $tmp = File::Temp::tempdir('maplat-files-memory-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $two = second_httpd(name => 'files-memory', conf_edit => sub {
    $_[0] =~ s{^(\s*Include\s+)"?([^"\s]*/extra\.conf)"?\s*$}{
        my ($inc, $file) = ($1, $2);
        open my $in, '<', $file or die "$file: $!\n";
        my $c = do { local $/; <$in> };
        $c =~ s/^MaplatFileMaxSize .*$/MaplatFileMaxSize 600M/m or die "no MaplatFileMaxSize\n";
        $c =~ s/^MaplatFileQuota .*$/MaplatFileQuota 0/m or die "no MaplatFileQuota\n";
        open my $out, '>', "$tmp/extra.conf" or die "$tmp/extra.conf: $!\n";
        print $out $c;
        close $out;
        qq{$inc"$tmp/extra.conf"\n};
    }me or die "no Include of extra.conf\n";
});
my $org = new_org();
my $tok = $org->{token};
my $doc = new_doc($tok);

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
sub child_with_fd {
    my ($re) = @_;
    for my $c (children_of($two->pid)) {
        opendir my $d, "/proc/$c/fd" or next;
        for my $fd (grep { /^\d+$/ } readdir $d) {
            my $t = readlink("/proc/$c/fd/$fd") // next;
            return $c if $t =~ $re;
        }
    }
    return;
}
sub mem {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/status" or return {};
    my %m;
    while (<$fh>) { $m{$1} = $2 * 1024 if /^(VmRSS|VmHWM):\s+(\d+) kB/ }
    return \%m;
}
sub read_head {
    my ($s) = @_;
    my $buf = '';
    while ($buf !~ /\r\n\r\n/) {
        my $n = sysread($s, $buf, 65536, length $buf);
        last unless $n;
    }
    my ($head, $rest) = split /\r\n\r\n/, $buf, 2;
    return ($head // '', $rest // '');
}

# ------------------------------------------------------------ upload
my $block = join '', map { sprintf "%09d,maplat,memory,test,row\n", $_ } 1 .. 32768;   # 1 MiB of CSV-ish text
$block = substr($block . ('x' x 1048576), 0, 1048576);
my $sha = Digest::SHA->new(256);
my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $two->port) or die "connect: $!";
binmode $s;
print $s "POST /api/v1/documents/$doc->{id}/versions?filename=big.csv HTTP/1.1\r\nHost: localhost\r\n"
    . "Authorization: Bearer $tok\r\nContent-Length: $SIZE\r\n\r\n";
my ($child, $base, $peak) = (undef, undef, 0);
for my $i (1 .. $SIZE / 1048576) {
    my $b = $block;
    substr($b, 0, 9, sprintf '%09d', $i);
    $sha->add($b);
    my $off = 0;
    while ($off < length $b) {
        my $n = syswrite($s, $b, length($b) - $off, $off);
        die "write: $!" unless defined $n;
        $off += $n;
    }
    if ($i == 16) {
        $child = wait_for(sub { child_with_fd(qr{^\Q$store\E/#\d+ \(deleted\)$}) }, timeout => 60);
        $base = mem($child) if $child;
    }
    if ($child && $i % 32 == 0) {
        my $m = mem($child);
        $peak = $m->{VmRSS} if ($m->{VmRSS} // 0) > $peak;
    }
}
my ($head) = read_head($s);
close $s;
like($head, qr{^HTTP/1\.1 201}, '500 MB uploaded: 201') or diag($head);
ok($child, 'the uploading child was found');
my $hex = $sha->hexdigest;
is(db_value("SELECT sha256 FROM document_versions WHERE document_id = '$doc->{id}'"), $hex, 'SHA-256 as sent');
my $after = $child ? mem($child) : {};
diag(sprintf 'upload: child RSS at 16 MB %.1f MB, peak %.1f MB, VmHWM %.1f -> %.1f MB',
     ($base->{VmRSS} // 0) / 2**20, $peak / 2**20, ($base->{VmHWM} // 0) / 2**20, ($after->{VmHWM} // 0) / 2**20);
ok($base && $peak - $base->{VmRSS} < $MARGIN, 'upload: VmRSS stays flat');
ok($base && ($after->{VmHWM} // 0) - $base->{VmHWM} < $MARGIN, 'upload: VmHWM stays flat');

# ------------------------------------------------------------ download
my $blob = blob_path($org->{id}, $hex);
$s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $two->port) or die "connect: $!";
binmode $s;
print $s "GET /api/v1/documents/$doc->{id}/file HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer $tok\r\n"
    . "Connection: close\r\n\r\n";
my ($dhead, $rest) = read_head($s);
like($dhead, qr{^HTTP/1\.1 200}, 'download: 200') or diag($dhead);
my $dsha = Digest::SHA->new(256);
$dsha->add($rest);
my $got = length $rest;
my ($dchild, $dbase, $dpeak) = (undef, undef, 0);
my $buf;
while (my $n = sysread($s, $buf, 1 << 20)) {
    $dsha->add($buf);
    $got += $n;
    if (!$dchild && $got > 16 * 1048576) {
        $dchild = child_with_fd(qr{^\Q$blob\E$});
        $dbase = mem($dchild) if $dchild;
    }
    if ($dchild && int($got / (32 << 20)) != int(($got - $n) / (32 << 20))) {
        my $m = mem($dchild);
        $dpeak = $m->{VmRSS} if ($m->{VmRSS} // 0) > $dpeak;
    }
}
close $s;
is($got, $SIZE, 'download: every byte');
is($dsha->hexdigest, $hex, 'download: the same bytes');
ok($dchild, 'the sending child was found');
my $dafter = $dchild ? mem($dchild) : {};
diag(sprintf 'download: child RSS at 16 MB %.1f MB, peak %.1f MB, VmHWM %.1f -> %.1f MB',
     ($dbase->{VmRSS} // 0) / 2**20, $dpeak / 2**20, ($dbase->{VmHWM} // 0) / 2**20, ($dafter->{VmHWM} // 0) / 2**20);
ok($dbase && $dpeak - $dbase->{VmRSS} < $MARGIN, 'download: VmRSS stays flat');
ok($dbase && ($dafter->{VmHWM} // 0) - $dbase->{VmHWM} < $MARGIN, 'download: VmHWM stays flat');

# the 500 MB file goes with its document (the maintenance removes it after the grace period)
is(api(DELETE => "/api/v1/documents/$doc->{id}", undef, $tok)->{status}, 204, 'document deleted');
ok($two->stop, 'the second httpd stopped cleanly');

done_testing;
