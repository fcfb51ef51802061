# What the workers render (API.md; SECURITY.md "Export jobs"): the PDF's text
# (pdftotext) shows the title, the body, the ratio values and the watermark;
# the DOCX unzips, its XML is well-formed and holds the same text; the CSV
# parses (RFC 4180, header row, formula injection neutralised); hostile
# titles give a safe Content-Disposition and nothing outside MaplatExportDir.
use strict;
use warnings FATAL => 'all';
use utf8;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Encode ();
use File::Temp ();
use Maplat::Test;
use Maplat::Api;
use Maplat::Export;

plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
plan skip_all => 'needs pdftotext (poppler-utils)' unless `pdftotext -v 2>&1` =~ /pdftotext/;
diag_to_stderr();

my $admin = token('admin@acme.example');

sub render_ok {
    my ($body, $name) = @_;
    my $job = export_create($admin, $body);
    my $j = wait_job($admin, $job->{id}, qr/^(completed|failed)$/, timeout => 120);
    is($j->{status}, 'completed', "$name: completed") or diag(explain $j);
    my $r = download($admin, $job->{id});
    is($r->{status}, 200, "$name: downloaded");
    return ($r, $job->{id});
}

sub pdf_text {
    my ($bytes) = @_;
    my ($fh, $file) = File::Temp::tempfile(SUFFIX => '.pdf', UNLINK => 1);
    binmode $fh;
    print {$fh} $bytes;
    close $fh;
    my $text = `pdftotext -enc UTF-8 '$file' - 2>/dev/null`;
    return Encode::decode('UTF-8', $text);
}

sub well_formed_ok {
    my ($xml, $name) = @_;
    if (`xmllint --version 2>&1` =~ /libxml/) {
        my ($fh, $file) = File::Temp::tempfile(SUFFIX => '.xml', UNLINK => 1);
        binmode $fh;
        print {$fh} $xml;
        close $fh;
        is(system("xmllint --noout '$file' 2>/dev/null"), 0, "$name: well-formed (xmllint)");
    }
    else {
        # no xmllint (package libxml2-utils): at least a declaration and a closing root tag
        ok($xml =~ /^<\?xml/ && $xml =~ m{</[\w:]+>\s*$}, "$name: looks complete");
    }
}

sub docx_text {
    my ($xml) = @_;
    my $t = join ' ', $xml =~ m{<w:t[^>]*>([^<]*)</w:t>}g;
    $t =~ s/&amp;/&/g; $t =~ s/&lt;/</g; $t =~ s/&gt;/>/g; $t =~ s/&quot;/"/g; $t =~ s/&#39;|&apos;/'/g;
    return Encode::decode('UTF-8', $t);
}

# ------------------------------------------------------------ deal_report
my $ratios = db_value("SELECT string_agg(to_char(current_ratio, 'FM999990.00') || ' ' || to_char(quick_ratio, 'FM999990.00'), ';' ORDER BY period)"
                      . " FROM financial_ratios WHERE deal_id = '$DEAL'");
# margins as percentages with one decimal (|percent, C's printf rounding as Perl's)
my @margins = map { sprintf('%.1f%%', $_ * 100) }
    split /;/, db_value("SELECT string_agg(gross_margin::text, ';' ORDER BY period)"
                        . " FROM financial_ratios WHERE deal_id = '$DEAL' AND gross_margin IS NOT NULL") // '';
my $stage_label = ucfirst(db_value("SELECT replace(stage::text, '_', ' ') FROM deals WHERE id = '$DEAL'"));
my $deal_name = db_value("SELECT name FROM deals WHERE id = '$DEAL'");
my ($r, $id) = render_ok({ type => 'deal_report', format => 'pdf', params => { deal_id => $DEAL } }, 'deal_report PDF');
like($r->{body}, qr/^%PDF-/, 'a PDF');
my $text = pdf_text($r->{body});
like($text, qr/\Q$deal_name\E/, 'PDF shows the deal name');
like($text, qr/Financial ratios/, 'PDF shows the ratios heading');
for my $pair (split /;/, $ratios // '') {
    my ($cur, $quick) = split / /, $pair;
    like($text, qr/\Q$cur\E/, "PDF shows current ratio $cur");
    like($text, qr/\Q$quick\E/, "PDF shows quick ratio $quick");
}
ok(@margins, 'the deal has margins to show');
like($text, qr/\Q$_\E/, "PDF shows gross margin $_") for @margins;
like($text, qr/Stage: \Q$stage_label\E/, "PDF shows the stage as a label ($stage_label)");
like($text, qr/Confidential/, 'PDF watermark: Confidential');
like($text, qr/admin\@acme\.example/, "PDF watermark: the requester's email");
like($text, qr/\d{2} \w{3} \d{4} \d\d:\d\d:\d\d GMT/, 'PDF watermark: the time');
like($text, qr/Page 1/, 'PDF page numbers');

# the same report as DOCX
($r) = render_ok({ type => 'deal_report', format => 'docx', params => { deal_id => $DEAL } }, 'deal_report DOCX');
is($r->{headers}{'content-type'}, 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'DOCX Content-Type');
like($r->{headers}{'content-disposition'} // '', qr/\.docx"; filename\*=UTF-8''.*\.docx$/, 'DOCX file name');
like(substr($r->{body}, 0, 2), qr/^PK/, 'a zip');
my $docxml = unzip_member($r->{body}, 'word/document.xml');
ok(defined $docxml, 'word/document.xml in the DOCX');
well_formed_ok($docxml // '', 'word/document.xml');
for my $part ('[Content_Types].xml', '_rels/.rels', 'word/styles.xml', 'word/_rels/document.xml.rels') {
    my $x = unzip_member($r->{body}, $part);
    ok(defined $x, "$part present");
    well_formed_ok($x // '', $part) if defined $x;
}
ok(defined unzip_member($r->{body}, 'word/media/chart1.png'), 'the chart as a PNG image');
my $dtext = docx_text($docxml // '');
like($dtext, qr/\Q$deal_name\E/, 'DOCX holds the deal name');
for my $pair (split /;/, $ratios // '') {
    my ($cur) = split / /, $pair;
    like($dtext, qr/\Q$cur\E/, "DOCX holds current ratio $cur");
}
like($docxml // '', qr/w:val="Heading1"/, 'Heading1 style used');
like($docxml // '', qr/w:val="TableGrid"/, 'Table Grid style used');
like($docxml // '', qr/<w:cantSplit\/>/, 'DOCX table rows do not break across pages');
like($docxml // '', qr/<wp:docPr [^>]*descr="Financial ratios by period"/, 'the chart title is the image\'s alt text');
unlike($dtext, qr/Financial ratios by period/, 'no caption paragraph repeating the title drawn in the chart');

# ------------------------------------------------------------ document (body), hostile title
my $body = "First paragraph of the memo.\nSecond paragraph with ümlauts and € signs.\n" . ("Filler text. " x 40);
my $doc = create_ok($admin, '/api/v1/documents', { title => '../../etc/passwd', body => $body });
($r, $id) = render_ok({ type => 'document', format => 'pdf', params => { document_id => $doc->{id} } }, 'document PDF');
$text = pdf_text($r->{body});
like($text, qr{\.\./\.\./etc/passwd}, 'PDF shows the title');
like($text, qr/Second paragraph with ümlauts and € signs/, 'PDF shows the body (UTF-8)');
my $cd = $r->{headers}{'content-disposition'} // '';
unlike($cd, qr{filename="[^"]*[/\\]}, 'no slash in filename=');
unlike($cd, qr{filename\*=[^;]*%2F}i, 'no slash in filename*');
unlike($cd, qr/[\r\n]/, 'no CR/LF in the header');
ok(-e export_dir() . "/$id.pdf", 'the file is <job id>.pdf inside MaplatExportDir');
ok(!-e export_dir() . '/../../etc/passwd.pdf' && !-e '/etc/passwd.pdf', 'nothing written outside');

# hostile titles through params.title: CRLF, quotes, 300 characters, RTL override
for my $case (["CR\r\nSet-Cookie: x=1", 'CRLF'], ['a"b\\c;d%e', 'quotes'], ['x' x 300, '300 characters'],
              ["evil\x{202E}fdp.exe", 'bidi override'], ['....', 'dots only'], ['a/b', 'slash'],
              ['..\\..\\boot.ini', 'backslashes'], ['CON', 'a reserved Windows name']) {
    my ($title, $name) = @$case;
    my ($rr, $jid) = render_ok({ type => 'document', format => 'pdf',
                                 params => { document_id => $doc->{id}, title => $title } }, "title $name");
    my $h = $rr->{headers}{'content-disposition'} // '';
    like($h, qr/^attachment; filename="[\x20-\x7e]{1,110}"; filename\*=UTF-8''[A-Za-z0-9%!#\$&+\-.^_`|~]+$/, "$name: safe Content-Disposition");
    my ($ascii) = $h =~ /filename="([^"]*)"/;
    unlike($ascii // '', qr{[/\\"\r\n]}, "$name: ASCII name without separators");
    ok(length($ascii // '') <= 110, "$name: bounded length");
    ok(!exists $rr->{headers}{'set-cookie'}, "$name: no injected header");
    ok(-e export_dir() . "/$jid.pdf", "$name: stored under the job id");
}
# a NUL in a title never reaches the renderer or the file system: the JSON is refused
{
    my $before = db_value("SELECT count(*) FROM export_jobs");
    my $raw = qq({"type":"document","format":"pdf","params":{"document_id":"$doc->{id}","title":"a\\u0000b"}});
    my $nul = api(POST => '/api/v1/export-jobs', $raw, $admin);
    problem_ok($nul, 400, 'invalid_json', 'title with NUL');
    is(db_value("SELECT count(*) FROM export_jobs"), $before, 'title with NUL: no job created');
}
opendir(my $dh, export_dir()) or die;
my @odd = grep { !/^\.\.?$/ && !/^\.gitignore$/ && !/^[0-9a-f-]{36}\.(pdf|docx|csv)$/ && !/^\.[0-9a-f-]{36}\..*\.tmp$/ } readdir $dh;
closedir $dh;
is_deeply(\@odd, [], 'MaplatExportDir holds only server-generated names');

# ------------------------------------------------------------ deals CSV
my $evil = create_ok($admin, '/api/v1/deals', { name => '=HYPERLINK("http://x","y")', target_company => "+cmd|' /C calc'!A0, \"quoted\"" });
($r) = render_ok({ type => 'deals', format => 'csv' }, 'deals CSV');
like($r->{headers}{'content-type'} // '', qr{^text/csv}, 'CSV Content-Type');
my $csv = Encode::decode('UTF-8', $r->{body});
my @rows = parse_csv($csv);
ok(@rows > 1, 'CSV parses into rows');
is_deeply([@{ $rows[0] }[0 .. 5]], [qw(id name target_company stage value currency)], 'header row');
my ($row) = grep { $_->[0] eq $evil->{id} } @rows;
ok($row, 'the new deal is a row');
is($row->[1], q{'=HYPERLINK("http://x","y")}, 'formula in name neutralised with a leading quote');
is($row->[2], q{'+cmd|' /C calc'!A0, "quoted"}, 'formula in target_company neutralised, comma and quotes kept');
my %width = map { scalar(@$_) => 1 } @rows;
is(scalar(keys %width), 1, 'every row has the same number of fields');
like($r->{body}, qr/\r\n/, 'CRLF line ends');
validation_ok(api(POST => '/api/v1/export-jobs', { type => 'document', format => 'csv', params => { document_id => $doc->{id} } }, $admin),
              ['format'], 'CSV only for deals');

# deals as PDF too
($r) = render_ok({ type => 'deals', format => 'pdf' }, 'deals PDF');
$text = pdf_text($r->{body});
like($text, qr/generated \d{4}-\d\d-\d\d \d\d:\d\d UTC/, 'deals PDF: the deals template rendered (|datetime)');
like($text, qr/42,500,000\.00/, 'deals PDF: values formatted as money');
unlike($text, qr/target_company|30000000-0000-4000-8000-a00000000001/, 'deals PDF: not the raw CSV columns');

# a strict RFC 4180 reader
sub parse_csv {
    my ($s) = @_;
    my (@rows, @f, $cur);
    my $i = 0;
    my $n = length $s;
    $cur = '';
    while ($i < $n) {
        my $c = substr($s, $i, 1);
        if ($c eq '"' && $cur eq '') {
            my $j = $i + 1;
            my $v = '';
            while (1) {
                die "unterminated quote" if $j >= $n;
                my $d = substr($s, $j, 1);
                if ($d eq '"') {
                    if (substr($s, $j + 1, 1) eq '"') { $v .= '"'; $j += 2; next }
                    last;
                }
                $v .= $d;
                $j++;
            }
            $cur = $v;
            $i = $j + 1;
            next;
        }
        if ($c eq ',') { push @f, $cur; $cur = ''; $i++; next }
        if ($c eq "\r" && substr($s, $i + 1, 1) eq "\n") { push @f, $cur; push @rows, [@f]; @f = (); $cur = ''; $i += 2; next }
        $cur .= $c;
        $i++;
    }
    push @rows, [@f, $cur] if @f || length $cur;
    return @rows;
}

done_testing();
