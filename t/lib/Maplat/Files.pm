package Maplat::Files;
# Helpers for the "documents as files" tests (t/files/*.t).
#
#   my $doc = new_doc($token);                      # a fresh document (the caller owns it)
#   my $r = upload($token, $doc->{id}, $bytes, filename => 'a.pdf', chunked => 1);
#   my $r = download($token, $doc->{id}, version => 2, headers => [Range => 'bytes=0-9']);
#   my $pdf = make_pdf(3, 'text');                  # a valid 3-page PDF
#   my @f = store_files();                          # files in the test store (t/filestore)
#   my $o = new_org();                              # a fresh organization: {id, token, user_id}
use strict;
use warnings;

use Exporter 'import';
use Maplat::Test;
use Maplat::Api;
use File::Find ();

our @EXPORT = qw(new_doc upload download make_pdf make_png make_docx store_dir store_files new_org
                 blob_path);

sub store_dir { server_root() . '/filestore' }

sub new_doc {
    my ($tok, %o) = @_;
    return create_ok($tok, '/api/v1/documents', { title => uniq($o{title} // 'File'), body => '' });
}

sub upload {
    my ($tok, $doc, $bytes, %o) = @_;
    my $name = exists $o{filename} ? $o{filename} : 'file.bin';
    my $path = "/api/v1/documents/$doc/versions" . (defined $name ? '?filename=' . enc($name) : '');
    return http(POST => $path, body => $bytes, content_type => $o{content_type} // 'application/octet-stream',
                headers => [Authorization => "Bearer $tok", @{ $o{headers} || [] }],
                ($o{chunked} ? (chunked => 1, chunk_size => $o{chunk_size} || 65536) : ()),
                ($o{port} ? (port => $o{port}) : ()), timeout => $o{timeout} || 60,
                ($o{no_schema_check} ? (no_schema_check => 1) : ()));
}

sub download {
    my ($tok, $doc, %o) = @_;
    my $path = "/api/v1/documents/$doc/" . (defined $o{version} ? "versions/$o{version}/file" : 'file');
    return http($o{method} // 'GET', $path, headers => [Authorization => "Bearer $tok", @{ $o{headers} || [] }],
                ($o{port} ? (port => $o{port}) : ()), timeout => $o{timeout} || 60);
}

# A small valid PDF of $n pages, page i showing "$text page i".
sub make_pdf {
    my ($n, $text) = @_;
    $text //= 'maplat test';
    my @obj;
    my $kids = join ' ', map { (3 + 2 * $_) . ' 0 R' } 0 .. $n - 1;
    $obj[1] = "<< /Type /Catalog /Pages 2 0 R >>";
    $obj[2] = "<< /Type /Pages /Kids [$kids] /Count $n >>";
    my $font = 3 + 2 * $n;
    for my $i (0 .. $n - 1) {
        my $content = "BT /F1 18 Tf 72 720 Td ($text page " . ($i + 1) . ") Tj ET";
        $obj[3 + 2 * $i] = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            . "/Resources << /Font << /F1 $font 0 R >> >> /Contents " . (4 + 2 * $i) . " 0 R >>";
        $obj[4 + 2 * $i] = "<< /Length " . length($content) . " >>\nstream\n$content\nendstream";
    }
    $obj[$font] = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>";
    my $pdf = "%PDF-1.4\n";
    my @off;
    for my $i (1 .. $#obj) {
        $off[$i] = length $pdf;
        $pdf .= "$i 0 obj\n$obj[$i]\nendobj\n";
    }
    my $xref = length $pdf;
    $pdf .= "xref\n0 " . scalar(@obj) . "\n0000000000 65535 f \n";
    $pdf .= sprintf("%010d 00000 n \n", $off[$_]) for 1 .. $#obj;
    $pdf .= "trailer\n<< /Size " . scalar(@obj) . " /Root 1 0 R >>\nstartxref\n$xref\n%%EOF\n";
    return $pdf;
}

# a 1x1 PNG
sub make_png {
    require MIME::Base64;
    return MIME::Base64::decode_base64(
        'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==');
}

# an OOXML word document's zip structure (what libmagic looks at)
sub make_docx {
    require IO::Compress::Zip;
    my $out;
    my $z = IO::Compress::Zip->new(\$out, Name => '[Content_Types].xml', Minimal => 1)
        or die "zip: $IO::Compress::Zip::ZipError\n";
    $z->print('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
              . '<Default Extension="xml" ContentType="application/xml"/></Types>');
    $z->newStream(Name => '_rels/.rels', Minimal => 1);
    $z->print('<?xml version="1.0"?><Relationships/>');
    $z->newStream(Name => 'word/document.xml', Minimal => 1);
    $z->print('<?xml version="1.0"?><w:document/>');
    $z->close;
    return $out;
}

sub blob_path {
    my ($org, $sha) = @_;
    return store_dir() . "/$org/" . substr($sha, 0, 2) . "/$sha";
}

# every file in the store (blobs and the O_TMPFILE fallback's temporary files)
sub store_files {
    my @f;
    my $dir = store_dir();
    File::Find::find({ wanted => sub { push @f, $File::Find::name if -f $_ && $_ ne '.gitignore' },
                       no_chdir => 0 }, $dir) if -d $dir;
    return sort @f;
}

# A fresh organization with an admin who is logged in (the quota tests need an
# organization of their own): {id, user_id, email, token}.
my $org_n = 0;
sub new_org {
    my $id = uuid_v4();
    my $uid = uuid_v4();
    $org_n++;
    my $email = lc(uniq('files-admin')) . '@files.example';
    my $pw = 'maplat-files-password';
    my $salt = join '', map { ('.', '/', 0 .. 9, 'A' .. 'Z', 'a' .. 'z')[rand 64] } 1 .. 22;
    my $hash = crypt($pw, '$2b$04$' . $salt);
    db_value("INSERT INTO organizations (id, name) VALUES ('$id', 'Files org $$ $org_n')");
    db_value("INSERT INTO users (id, organization_id, email, password_hash, first_name, last_name, role)"
             . " VALUES ('$uid', '$id', '$email', '$hash', 'Files', 'Admin', 'admin')");
    my $l = login($email, $pw);
    die "login $email: $l->{status} $l->{body}\n" unless $l->{status} == 200;
    return { id => $id, user_id => $uid, email => $email, token => $l->{json}{access_token} };
}

1;
