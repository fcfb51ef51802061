# Documents as files, downloads (docs/api.md "Documents as files"):
#   ETag = SHA-256 and 304; Range (single, multiple, If-Range matching and not,
#   unsatisfiable → 416); the headers that keep a browser from rendering a file
#   (attachment, nosniff, CSP sandbox); hostile file names in Content-Disposition;
#   HEAD; the document.download audit entry; watermarked PDF copies: pdftotext finds
#   the viewer's e-mail on every page, the stored file is unchanged.
use strict;
use warnings FATAL => 'all';
use utf8;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use Maplat::Api;
use Maplat::Files;
use Digest::SHA qw(sha256_hex);
use Encode qw(encode decode);
use File::Temp qw(tempdir);

plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
diag_to_stderr();
binmode Test::More->builder->$_, ':utf8' for qw(output failure_output todo_output);

my $org = new_org();
my $tok = $org->{token};
my $doc = new_doc($tok);
my $bytes = join '', map { sprintf "line %05d of the financial model\n", $_ } 1 .. 2000;
my $up = upload($tok, $doc->{id}, $bytes, filename => 'model.csv');
is($up->{status}, 201, 'uploaded') or diag($up->{body});
my $sha = sha256_hex($bytes);

# ------------------------------------------------------------ headers, ETag, 304
my $r = download($tok, $doc->{id});
is($r->{status}, 200, 'download 200');
is($r->{headers}{etag}, qq{"$sha"}, 'ETag is the quoted SHA-256');
is($r->{headers}{'accept-ranges'}, 'bytes', 'Accept-Ranges: bytes');
like($r->{headers}{'content-disposition'} // '', qr/^attachment; /, 'Content-Disposition: attachment');
is($r->{headers}{'x-content-type-options'}, 'nosniff', 'nosniff');
like($r->{headers}{'content-security-policy'} // '', qr/\bsandbox\b/, 'CSP sandbox');
like($r->{headers}{'cache-control'} // '', qr/private/, 'Cache-Control private');
ok($r->{headers}{'last-modified'}, 'Last-Modified');
is(length $r->{body}, length $bytes, 'the whole file');
my $etag = $r->{headers}{etag};
$r = download($tok, $doc->{id}, headers => ['Accept-Encoding' => 'gzip, br']);
ok(!$r->{headers}{'content-encoding'}, 'never compressed (a text file, Accept-Encoding: gzip, br)');
ok($r->{body} eq $bytes, '... the stored bytes');
$r = download($tok, $doc->{id}, headers => ['If-None-Match' => $etag]);
is($r->{status}, 304, 'If-None-Match with the ETag: 304');
is($r->{body}, '', '304: no body');
$r = download($tok, $doc->{id}, headers => ['If-None-Match' => '"0000"']);
is($r->{status}, 200, 'If-None-Match with another tag: 200');
$r = download($tok, $doc->{id}, method => 'HEAD');
is($r->{status}, 200, 'HEAD 200');
is($r->{headers}{'content-length'}, length $bytes, 'HEAD: Content-Length');

# ------------------------------------------------------------ Range
$r = download($tok, $doc->{id}, headers => [Range => 'bytes=0-9']);
is($r->{status}, 206, 'single range: 206');
is($r->{body}, substr($bytes, 0, 10), 'single range: those bytes');
is($r->{headers}{'content-range'}, 'bytes 0-9/' . length($bytes), 'single range: Content-Range');
$r = download($tok, $doc->{id}, headers => [Range => 'bytes=-5']);
is($r->{body}, substr($bytes, -5), 'suffix range');
$r = download($tok, $doc->{id}, headers => [Range => 'bytes=1000-']);
is($r->{body}, substr($bytes, 1000), 'open range (a resumed download)');
$r = download($tok, $doc->{id}, headers => [Range => 'bytes=0-1,100-101']);
is($r->{status}, 206, 'two ranges: 206');
like($r->{headers}{'content-type'} // '', qr{^multipart/byteranges; boundary=}, 'two ranges: multipart/byteranges');
ok(index($r->{body}, substr($bytes, 100, 2)) >= 0 && $r->{body} =~ m{^Content-Range: bytes 100-101/}mi,
   'two ranges: both parts');
$r = download($tok, $doc->{id}, headers => [Range => 'bytes=10-19', 'If-Range' => $etag]);
is($r->{status}, 206, 'If-Range with the current ETag: 206');
is($r->{body}, substr($bytes, 10, 10), 'If-Range: the range');
$r = download($tok, $doc->{id}, headers => [Range => 'bytes=10-19', 'If-Range' => '"an-older-version"']);
is($r->{status}, 200, 'If-Range with another ETag: 200, the whole file');
is(length $r->{body}, length $bytes, 'If-Range mismatch: the whole file');
$r = download($tok, $doc->{id}, headers => [Range => 'bytes=99999999-']);
problem_ok($r, 416, 'range_not_satisfiable', 'a range past the end');

# ------------------------------------------------------------ hostile names
sub cd_name {
    my ($cd) = @_;
    my ($star) = $cd =~ /filename\*=UTF-8''([^;\s]+)/;
    return undef unless defined $star;
    $star =~ s/%([0-9A-F]{2})/chr hex $1/ge;
    return decode('UTF-8', $star);
}
my @names = (
    ['quote"name".txt', 'quote"name".txt'],
    ['dir\\back\\slash.txt', 'slash.txt'],
    ["cr\r\nSet-Cookie: evil=1.txt", 'cr__Set-Cookie: evil=1.txt'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\me\\deal memo.txt', 'deal memo.txt'],
    ['Ünïcødé 文件 😀.txt', 'Ünïcødé 文件 😀.txt'],
    ['semi;colon=%41.txt', 'semi;colon=%41.txt'],
    [('n' x 1000) . '.txt', 'n' x 255],
);
for my $case (@names) {
    my ($sent, $kept) = @$case;
    my $d = new_doc($tok);
    my $u = upload($tok, $d->{id}, "named file\n", filename => $sent);
    is($u->{status}, 201, "name '" . substr($kept, 0, 40) . "': 201") or diag($u->{body});
    is($u->{json}{file_name}, $kept, 'file_name kept as documented');
    my $g = download($tok, $d->{id});
    my $cd = $g->{headers}{'content-disposition'} // '';
    unlike($g->{raw}, qr/^Set-Cookie: evil/mi, 'no header injected');
    ok(!exists $g->{headers}{'set-cookie'}, 'no Set-Cookie');
    like($cd, qr/^attachment; filename="[\x20-\x7e]*"; filename\*=UTF-8''[A-Za-z0-9!#\$&+\-.^_`|~%]+$/,
         'Content-Disposition is plain ASCII with a quoted fallback and filename*');
    my ($fallback) = $cd =~ /filename="([^"]*)"/;
    ok(defined $fallback && $fallback !~ /["\\%;]/, 'the ASCII fallback has no quote, backslash, % or ;');
    is(cd_name($cd), $kept, 'filename* decodes to the stored name');
}

# ------------------------------------------------------------ the audit trail
my $before = audit_count(resource_id => $doc->{id}, action => 'document.download');
download($tok, $doc->{id}, headers => [Range => 'bytes=0-0']);
download($tok, $doc->{id}, method => 'HEAD');
download($tok, $doc->{id}, headers => ['If-None-Match' => $etag]);
is(audit_count(resource_id => $doc->{id}, action => 'document.download'), $before + 1,
   'a ranged download is audited; HEAD and 304 are not');
my ($det, $addr, $uid) = db_row("SELECT details::text, host(client_address), user_id FROM audit_log"
    . " WHERE resource_id = '$doc->{id}' AND action = 'document.download' ORDER BY seq DESC LIMIT 1");
my $dj = decode_json_safe($det) || {};
is($dj->{version}, 1, 'document.download: version');
is($dj->{sha256}, $sha, 'document.download: sha256');
ok(defined $dj->{watermarked} && !$dj->{watermarked}, 'document.download: watermarked false for a CSV');
is($dj->{range}, 'bytes=0-0', 'document.download: the range');
ok($addr, 'document.download: client address');
is($uid, $org->{user_id}, 'document.download: who');
is(audit_count(resource_id => $doc->{id}, action => 'document.version.create'), 1, 'document.version.create');

# ------------------------------------------------------------ watermarked PDFs
SKIP: {
    skip 'pdftotext (poppler-utils) is not installed', 1 unless -x '/usr/bin/pdftotext';
    my $viewer = new_user($tok, role => 'member', domain => 'files.example');
    my $pd = new_doc($tok);
    my $pdf = make_pdf(3, 'Confidential CIM');
    my $u = upload($tok, $pd->{id}, $pdf, filename => 'CIM.pdf');
    is($u->{status}, 201, 'PDF uploaded');
    ok($u->{json}{watermark}, 'the version says downloads are watermarked');
    my $g = api(PATCH => "/api/v1/documents/$pd->{id}/permissions",
                { permissions => [{ user_id => $viewer->{id}, level => 'viewer' }] }, $tok);
    is($g->{status}, 200, 'viewer granted');
    my $w = download($viewer->{token}, $pd->{id}, headers => [Range => 'bytes=0-99']);
    is($w->{status}, 200, 'a watermarked copy is sent whole (Range ignored)');
    is($w->{headers}{'content-type'}, 'application/pdf', 'application/pdf');
    is($w->{headers}{etag}, qq{W/"} . sha256_hex($pdf) . '"', 'weak ETag of the stored hash');
    is($w->{headers}{'accept-ranges'}, 'none', 'Accept-Ranges: none');
    ok($w->{body} ne $pdf, 'the copy differs from the stored file');
    my $dir = tempdir(CLEANUP => 1);
    open my $fh, '>:raw', "$dir/w.pdf" or die;
    print $fh $w->{body};
    close $fh;
    for my $page (1 .. 3) {
        my $text = `pdftotext -f $page -l $page -layout '$dir/w.pdf' - 2>&1`;
        # the diagonal stamp crosses the page's own line: compare without blanks
        (my $flat = $text) =~ s/\s+//g;
        like($text, qr/\Q$viewer->{email}\E/i, "page $page stamped with the viewer's e-mail");
        like($flat, qr/ConfidentialCIMpage$page/, "page $page keeps its text");
    }
    my $pages = `pdfinfo '$dir/w.pdf' 2>&1`;
    like($pages, qr/^Pages:\s+3$/m, 'three pages');
    ok(-f blob_path($org->{id}, sha256_hex($pdf)), 'the stored PDF is unchanged');
    is(sha256_hex(do { local $/; open my $s, '<:raw', blob_path($org->{id}, sha256_hex($pdf)) or die; <$s> }),
       sha256_hex($pdf), 'the stored bytes are the uploaded ones');
    my ($wd) = db_row("SELECT details::text FROM audit_log WHERE resource_id = '$pd->{id}'"
                      . " AND action = 'document.download' ORDER BY seq DESC LIMIT 1");
    ok((decode_json_safe($wd) || {})->{watermarked}, 'document.download: watermarked true');
    my $c = download($viewer->{token}, $pd->{id}, headers => ['If-None-Match' => $w->{headers}{etag}]);
    is($c->{status}, 304, 'If-None-Match with the weak tag: 304');
}

done_testing;
