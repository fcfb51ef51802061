# Documents as files, uploads (docs/api.md "Documents as files"):
#   round trips of 0 and 1 bytes, just under, at and over MaplatFileMaxSize (1M in
#   the test configuration), with Content-Length and chunked; the quota (8M per
#   organization: 507); the content-type allowlist (415); the permission matrix
#   (viewer level and viewer role 403, no grant 403, another organization 404);
#   versions numbered without gaps under concurrent uploads; a client that goes
#   away mid-upload; the same bytes stored once; a refused upload changes nothing
#   (no row, no file, no audit entry).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use Maplat::Api;
use Maplat::Files;
use Digest::SHA qw(sha256_hex);
use IO::Socket::INET;
use POSIX ();

plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
diag_to_stderr();

my $LIMIT = 1024 * 1024;
my $org = new_org();
my $tok = $org->{token};

sub versions_of { db_value("SELECT count(*) FROM document_versions WHERE document_id = '$_[0]'") }
sub nothing_changed {
    my ($doc, $before_files, $before_rows, $name) = @_;
    is(versions_of($doc), $before_rows, "$name: no version row");
    # no file that was not there before (the background maintenance may meanwhile
    # remove files earlier test files left behind)
    my %was = map { $_ => 1 } @$before_files;
    is_deeply([grep { !$was{$_} } store_files()], [], "$name: no file in the store");
}

# ------------------------------------------------------------ round trips
my $doc = new_doc($tok);
is(api(GET => "/api/v1/documents/$doc->{id}", undef, $tok)->{json}{latest_version}, undef,
   'a document without a file: latest_version null');
my $n = 0;
for my $case ([0, 'empty'], [1, 'one byte'], [$LIMIT - 1, 'just under the limit'], [$LIMIT, 'at the limit']) {
    my ($size, $what) = @$case;
    for my $chunked (0, 1) {
        my $bytes = substr(('maplat data room ' x (1 + $size / 17)), 0, $size);
        $bytes = 'x' if $size == 1;
        substr($bytes, 0, 8, sprintf('%08d', $n)) if $size >= 8;   # distinct bytes each time
        my $name = "$what " . ($chunked ? 'chunked' : 'Content-Length');
        my $r = upload($tok, $doc->{id}, $bytes, filename => "f$n.txt", chunked => $chunked);
        $n++;
        is($r->{status}, 201, "$name: 201") or diag($r->{body});
        my $v = $r->{json} || {};
        is($v->{version}, $n, "$name: version $n");
        is($v->{size}, $size, "$name: size");
        is($v->{sha256}, sha256_hex($bytes), "$name: sha256");
        is($v->{content_type}, $size == 0 ? 'application/x-empty' : 'text/plain', "$name: content type");
        is($r->{headers}{location}, "/api/v1/documents/$doc->{id}/versions/$n/file", "$name: Location");
        my $d = download($tok, $doc->{id}, version => $n);
        is($d->{status}, 200, "$name: download 200");
        ok($d->{body} eq $bytes, "$name: the same bytes back");
        is($d->{headers}{'content-length'}, $size, "$name: Content-Length");
        ok(-f blob_path($org->{id}, $v->{sha256}), "$name: stored at <store>/<org>/<aa>/<sha256>");
    }
}
my $latest = api(GET => "/api/v1/documents/$doc->{id}", undef, $tok)->{json}{latest_version};
is($latest->{version}, $n, 'the document\'s latest_version is the newest');
my $l = api(GET => "/api/v1/documents/$doc->{id}/versions?page_size=3", undef, $tok);
is($l->{status}, 200, 'versions list');
is($l->{json}{total}, $n, 'versions list: total');
is_deeply([map { $_->{version} } @{ $l->{json}{items} }], [$n, $n - 1, $n - 2], 'versions list: newest first, paged');

# ------------------------------------------------------------ over the limit
{
    my @f = store_files();
    my $rows = versions_of($doc->{id});
    my $big = 'y' x ($LIMIT + 1);
    my $r = upload($tok, $doc->{id}, $big, filename => 'big.txt');
    problem_ok($r, 413, 'payload_too_large', 'one byte over the limit, Content-Length');
    $r = upload($tok, $doc->{id}, $big, filename => 'big.txt', chunked => 1);
    problem_ok($r, 413, 'payload_too_large', 'one byte over the limit, chunked');
    $r = http(POST => "/api/v1/documents/$doc->{id}/versions?filename=huge.txt",
              headers => [Authorization => "Bearer $tok", 'Content-Length' => 10 * $LIMIT]);
    problem_ok($r, 413, 'payload_too_large', 'Content-Length over the limit: refused before the body');
    nothing_changed($doc->{id}, \@f, $rows, 'over the limit');
    is(audit_count(resource_id => $doc->{id}, action => 'document.version.create'), $n,
       'one document.version.create per stored version, none for refused uploads');
}

# ------------------------------------------------------------ the allowlist
{
    my $d2 = new_doc($tok);
    my %ok = (
        'a.pdf'  => [make_pdf(1), 'application/pdf'],
        'a.png'  => [make_png(), 'image/png'],
        'a.docx' => [make_docx(), 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
        'a.csv'  => ["name,value\nKestrel,100\nLark,200\n", 'text/csv'],
    );
    for my $f (sort keys %ok) {
        my $r = upload($tok, $d2->{id}, $ok{$f}[0], filename => $f);
        is($r->{status}, 201, "$f: 201") or diag($r->{body});
        is($r->{json}{content_type}, $ok{$f}[1], "$f: detected as $ok{$f}[1]");
    }
    my @f = store_files();
    my $rows = versions_of($d2->{id});
    my %bad = (
        'page.html' => "<!DOCTYPE html>\n<html><head><script>alert(1)</script></head><body>x</body></html>\n",
        'img.svg'   => qq{<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>\n},
        'tool.exe'  => "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" . ("\x00" x 200),
        'blob.bin'  => join('', map { chr(($_ * 7919 + 13) % 256) } 1 .. 4096),
        # a PNG name on HTML bytes: the bytes decide
        'fake.png'  => "<html><body><script>alert(1)</script></body></html>\n",
    );
    for my $f (sort keys %bad) {
        my $r = upload($tok, $d2->{id}, $bad{$f}, filename => $f, content_type => 'image/png');
        problem_ok($r, 415, 'unsupported_media_type', "$f refused");
    }
    nothing_changed($d2->{id}, \@f, $rows, 'refused types');
}

# ------------------------------------------------------------ the same bytes are stored once
{
    my $bytes = "same bytes in two documents\n" x 100;
    my ($a, $b) = (new_doc($tok), new_doc($tok));
    my @before = store_files();
    my $r1 = upload($tok, $a->{id}, $bytes, filename => 'one.txt');
    my $r2 = upload($tok, $b->{id}, $bytes, filename => 'two.txt');
    my $r3 = upload($tok, $a->{id}, $bytes, filename => 'one again.txt');
    is(join(',', map { $_->{status} } $r1, $r2, $r3), '201,201,201', 'same bytes: three uploads');
    is($r3->{json}{version}, 2, 'same bytes: a new version of the first document');
    my %was = map { $_ => 1 } @before;
    is(scalar(grep { !$was{$_} } store_files()), 1, 'same bytes: stored once');
    is(db_value("SELECT count(*) FROM document_blobs WHERE organization_id = '$org->{id}' AND sha256 = '"
                . sha256_hex($bytes) . "'"), 1, 'same bytes: one blob row');
}

# ------------------------------------------------------------ request errors
{
    my $r = upload($tok, $doc->{id}, 'abc', filename => undef);
    validation_ok($r, ['filename'], 'no filename');
    $r = upload($tok, $doc->{id}, 'abc', filename => '');
    validation_ok($r, ['filename'], 'empty filename');
    $r = upload($tok, $doc->{id}, 'abc', filename => '../..//');
    validation_ok($r, ['filename'], 'a filename that names no file');
    $r = upload($tok, uuid_v4(), 'abc', filename => 'a.txt');
    problem_ok($r, 404, 'not_found', 'upload to a document that does not exist');
    $r = download($tok, new_doc($tok)->{id});
    problem_ok($r, 404, 'not_found', 'download of a document without a file');
    for my $v (qw(0 99 abc -1 1.0)) {
        problem_ok(download($tok, $doc->{id}, version => $v), 404, 'not_found', "version '$v'");
    }
    $r = api(GET => "/api/v1/documents/$doc->{id}/versions?page_size=0", undef, $tok);
    validation_ok($r, ['page_size'], 'versions: bad page_size');
}

# ------------------------------------------------------------ the permission matrix
{
    my $editor = new_user($tok, role => 'member', domain => 'files.example');
    my $viewer = new_user($tok, role => 'member', domain => 'files.example');
    my $none = new_user($tok, role => 'member', domain => 'files.example');
    my $role_viewer = new_user($tok, role => 'viewer', domain => 'files.example');
    my $pd = new_doc($tok);
    my $r = api(PATCH => "/api/v1/documents/$pd->{id}/permissions", { permissions => [
        { user_id => $editor->{id}, level => 'editor' }, { user_id => $viewer->{id}, level => 'viewer' },
        { user_id => $role_viewer->{id}, level => 'editor' } ] }, $tok);
    is($r->{status}, 200, 'grants set') or diag($r->{body});
    my @f = store_files();
    $r = upload($editor->{token}, $pd->{id}, "editor's text\n", filename => 'e.txt');
    is($r->{status}, 201, 'an editor uploads') or diag($r->{body});
    is($r->{json}{uploaded_by}{id}, $editor->{id}, 'uploaded_by is the editor');
    my $rows = versions_of($pd->{id});
    @f = store_files();
    $r = upload($viewer->{token}, $pd->{id}, "viewer's text\n", filename => 'v.txt');
    problem_ok($r, 403, 'forbidden', 'a viewer-level user cannot upload');
    $r = upload($role_viewer->{token}, $pd->{id}, "viewer role\n", filename => 'v.txt');
    problem_ok($r, 403, 'forbidden', 'a user of the viewer role cannot upload (even with an editor grant)');
    $r = upload($none->{token}, $pd->{id}, "no grant\n", filename => 'n.txt');
    problem_ok($r, 403, 'forbidden', 'a user without a grant cannot upload');
    nothing_changed($pd->{id}, \@f, $rows, 'refused uploads');
    for my $u ([$editor, 'editor'], [$viewer, 'viewer'], [$role_viewer, 'viewer role']) {
        is(download($u->[0]{token}, $pd->{id})->{status}, 200, "$u->[1] downloads");
        is(api(GET => "/api/v1/documents/$pd->{id}/versions", undef, $u->[0]{token})->{status}, 200,
           "$u->[1] lists versions");
    }
    problem_ok(download($none->{token}, $pd->{id}), 403, 'forbidden', 'no grant: no download');
    problem_ok(api(GET => "/api/v1/documents/$pd->{id}/versions", undef, $none->{token}), 403, 'forbidden',
               'no grant: no versions');
    # other organizations: 404, nothing revealed
    for my $who ('admin@acme.example', 'admin@globex.example') {
        my $t = token($who);
        problem_ok(download($t, $pd->{id}), 404, 'not_found', "$who: download of another organization's file");
        problem_ok(download($t, $pd->{id}, version => 1), 404, 'not_found', "$who: version file");
        problem_ok(api(GET => "/api/v1/documents/$pd->{id}/versions", undef, $t), 404, 'not_found',
                   "$who: versions");
        problem_ok(upload($t, $pd->{id}, "intruder\n", filename => 'x.txt'), 404, 'not_found',
                   "$who: upload into another organization's document");
    }
    is(versions_of($pd->{id}), $rows, 'other organizations changed nothing');
}

# ------------------------------------------------------------ concurrent uploads: no gaps, no duplicates
{
    my $cd = new_doc($tok);
    my $N = 8;
    my @pids;
    for my $i (1 .. $N) {
        my $pid = fork;
        die "fork: $!" unless defined $pid;
        if (!$pid) {
            my $r = upload($tok, $cd->{id}, "concurrent upload $i\n" x 2000, filename => "c$i.txt",
                           no_schema_check => 1);
            POSIX::_exit($r->{status} == 201 ? 0 : 1);
        }
        push @pids, $pid;
    }
    my $fails = 0;
    for my $p (@pids) { waitpid $p, 0; $fails++ if $? }
    is($fails, 0, "$N concurrent uploads: all 201");
    is(db_value("SELECT string_agg(number::text, ',' ORDER BY number) FROM document_versions"
                . " WHERE document_id = '$cd->{id}'"), join(',', 1 .. $N), "$N concurrent uploads: versions 1..$N");
}

# ------------------------------------------------------------ the quota (8M per organization)
{
    my $q = new_org();
    my $qd = new_doc($q->{token});
    my $ok = 0;
    for my $i (1 .. 8) {
        my $bytes = sprintf("%08d", $i) . ('q' x ($LIMIT - 8));
        my $r = upload($q->{token}, $qd->{id}, $bytes, filename => "q$i.txt", no_schema_check => 0);
        $ok++ if $r->{status} == 201;
    }
    is($ok, 8, 'quota: 8 files of 1M fill the 8M quota');
    my @f = store_files();
    my $rows = versions_of($qd->{id});
    problem_ok(upload($q->{token}, $qd->{id}, "one more byte\n", filename => 'q9.txt'), 507, 'quota_exceeded',
               'quota: the next upload (Content-Length)');
    problem_ok(upload($q->{token}, $qd->{id}, "one more byte\n", filename => 'q9.txt', chunked => 1), 507,
               'quota_exceeded', 'quota: the next upload (chunked)');
    nothing_changed($qd->{id}, \@f, $rows, 'over quota');
    is(upload($tok, $doc->{id}, "another organization is not affected\n", filename => 'o.txt')->{status}, 201,
       'quota: per organization');
}

# ------------------------------------------------------------ a client that goes away mid-upload
{
    my $dd = new_doc($tok);
    my @f = store_files();
    my $log = server_root() . '/logs/error_log';
    my $mark = -s $log;
    my ($host, $port) = split /:/, Apache::TestRequest::hostport(Apache::Test::config());
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port) or die "connect: $!";
    print $s "POST /api/v1/documents/$dd->{id}/versions?filename=gone.txt HTTP/1.1\r\nHost: localhost\r\n"
        . "Authorization: Bearer $tok\r\nContent-Length: 900000\r\nContent-Type: text/plain\r\n\r\n"
        . ('z' x 400000);
    close $s;
    my $seen = wait_for(sub {
        open my $fh, '<', $log or return 0;
        seek $fh, $mark, 0;
        local $/;
        my $t = <$fh> // '';
        return $t =~ /MAPLAT03110/;
    }, timeout => 60);
    ok($seen, 'the server noticed the interrupted upload (MAPLAT03110 in the error log)');
    nothing_changed($dd->{id}, \@f, 0, 'client gone mid-upload');
}

done_testing;
