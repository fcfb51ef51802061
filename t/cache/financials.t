# Financial statements, ratios and narratives (API.md "Dashboard and
# financials (cached)"):
#   POST /financial/statements computes the seven ratios exactly (hand-computed
#   here) to 4 decimals, null for a zero denominator, with negative figures and
#   figures with 2 decimals; validation names every bad field (missing, 3
#   decimals, a string, another organization's deal) and stores nothing;
#   GET /financial/ratios/latest per deal and at organization level (statements
#   without a deal), 404 when none, MISS then HIT, a new statement visible at
#   once; narratives POST / GET latest (404 when none); tenants never see each
#   other's figures.
use strict;
use warnings FATAL => 'all';
use utf8;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use Maplat::Api;
use Maplat::Cache;

plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
diag_to_stderr();
binmode Test::More->builder->$_, ':utf8' for qw(output failure_output todo_output);

mc_start() unless mc_running();

my $S = '/api/v1/financial/statements';
my $RL = '/api/v1/financial/ratios/latest';
my $N = '/api/v1/financial/narratives';
my $NL = '/api/v1/financial/narratives/latest';
my $admin = token('admin@acme.example');
my $analyst = token('analyst@acme.example');
my $viewer = token('viewer@acme.example');
my $globex = token('admin@globex.example');
my $GLOBEX_DEAL = '30000000-0000-4000-8000-b00000000001';
my @FIGURES = qw(revenue cost_of_goods_sold operating_expenses ebitda net_income current_assets
                 current_liabilities inventory total_debt total_equity interest_expense);
my @RATIOS = qw(current_ratio quick_ratio debt_to_equity gross_margin ebitda_margin net_margin interest_coverage);

# A JSON body with the figures written exactly as given (no binary floats on
# our side either): values are JSON texts; strings must be quoted by the caller.
sub body_text {
    my (@pairs) = @_;
    my @kv;
    while (my ($k, $v) = splice @pairs, 0, 2) {
        push @kv, qq{"$k":$v};
    }
    return '{' . join(',', @kv) . '}';
}
sub jstr { my ($s) = @_; return JSON::PP->new->allow_nonref->encode($s) }

# statement(%figures): the pairs of a full statement, figures as texts
sub statement {
    my (%o) = @_;
    my @p;
    push @p, deal_id => jstr($o{deal_id}) if defined $o{deal_id};
    push @p, period => jstr($o{period});
    push @p, map { ($_ => $o{$_}) } grep { exists $o{$_} } @FIGURES;
    return @p;
}

sub post_statement {
    my ($tok, @pairs) = @_;
    return api(POST => $S, body_text(@pairs), $tok);
}

sub ratios_ok {
    my ($body, $want, $name) = @_;
    for my $k (@RATIOS) {
        ratio_is($body, $k, $want->{$k}, $name);
    }
}

my $deal = create_ok($admin, '/api/v1/deals', { name => uniq('fin deal') });
my $deal2 = create_ok($admin, '/api/v1/deals', { name => uniq('fin deal 2') });

# ------------------------------------------------------------ nothing yet
{
    my $r = api(GET => "$RL?deal_id=$deal->{id}", undef, $admin);
    problem_ok($r, 404, 'not_found', 'ratios of a deal without statements');
    like($r->{headers}{'x-cache'} // '', qr/^(HIT|MISS)$/, 'the 404 carries X-Cache');
    is(scalar(grep { $_->[0] eq 'x-cache' } @{ $r->{header_list} || [] }), 1, 'the 404 carries exactly one X-Cache header');
    $r = api(GET => "$RL?deal_id=$deal->{id}", undef, $admin);
    is($r->{status}, 404, 'still 404 when read again');
    $r = api(GET => "$NL?deal_id=$deal->{id}", undef, $admin);
    problem_ok($r, 404, 'not_found', 'narrative of a deal without narratives');
    $r = api(GET => "$RL?deal_id=" . uuid_v4(), undef, $admin);
    is($r->{status}, 404, 'ratios of an unknown deal: 404');
    $r = api(GET => "$RL?deal_id=$GLOBEX_DEAL", undef, $admin);
    is($r->{status}, 404, "ratios of another organization's deal: 404");
    $r = api(GET => "$RL?deal_id=not-a-uuid", undef, $admin);
    is($r->{status}, 422, 'deal_id not a UUID: 422');
    validation_ok($r, ['deal_id'], 'deal_id not a UUID');
}

# ------------------------------------------------------------ S1: plain figures
my $p1 = uniq('FY1');
my %S1 = (deal_id => $deal->{id}, period => $p1, revenue => '1000.00', cost_of_goods_sold => '600.00',
          operating_expenses => '150.00', ebitda => '250.00', net_income => '120.50', current_assets => '500.00',
          current_liabilities => '300.00', inventory => '100.00', total_debt => '400.00', total_equity => '800.00',
          interest_expense => '30.00');
# 500/300, (500-100)/300, 400/800, (1000-600)/1000, 250/1000, 120.5/1000, 250/30
my %R1 = (current_ratio => '1.6667', quick_ratio => '1.3333', debt_to_equity => '0.5000', gross_margin => '0.4000',
          ebitda_margin => '0.2500', net_margin => '0.1205', interest_coverage => '8.3333');
my $r = post_statement($admin, statement(%S1));
is($r->{status}, 201, 'POST statement S1: 201') or diag($r->{body});
common_headers_ok($r, 'POST statement');
my $s1 = ref $r->{json} eq 'HASH' ? $r->{json} : {};
like($s1->{id} // '', qr/^[0-9a-f-]{36}$/, 'id');
is($s1->{deal_id}, $deal->{id}, 'deal_id');
is($s1->{period}, $p1, 'period');
like($r->{headers}{location} // '', qr{^/api/v1/financial/statements/\Q$s1->{id}\E$}, 'Location');
rfc3339_ok($s1->{created_at}, 'created_at');
for my $f (@FIGURES) {
    is(money2($s1->{$f}), $S1{$f}, "figure $f as sent");
}
ok(ref $s1->{ratios} eq 'HASH', 'ratios object');
is_deeply([sort grep { exists $s1->{ratios}{$_} } @RATIOS], [sort @RATIOS], 'ratios has all seven');
ratios_ok($r->{body}, \%R1, 'S1 (POST answer)');
is(db_value("SELECT current_ratio || ' ' || interest_coverage FROM financial_ratios WHERE statement_id = '$s1->{id}'"),
   '1.6667 8.3333', 'S1 ratios stored');

$r = api(GET => "$RL?deal_id=$deal->{id}", undef, $admin);
is($r->{status}, 200, 'ratios latest after S1: 200') or diag($r->{body});
is(scalar(grep { $_->[0] eq 'x-cache' } @{ $r->{header_list} || [] }), 1, 'exactly one X-Cache header');
xcache_is($r, 'MISS', 'ratios latest right after the statement');
is(($r->{json} || {})->{period}, $p1, 'latest = S1');
ratios_ok($r->{body}, \%R1, 'S1 (GET latest)');
rfc3339_ok(($r->{json} || {})->{created_at}, 'latest created_at');
my $again = api(GET => "$RL?deal_id=$deal->{id}", undef, $analyst);
xcache_is($again, 'HIT', 'ratios latest read again');
same_body_ok($r, $again, 'HIT = MISS');

# ------------------------------------------------------------ S3: negative figures (same deal: becomes latest)
my $p3 = uniq('FY3');
my %S3 = (deal_id => $deal->{id}, period => $p3, revenue => '2000.00', cost_of_goods_sold => '2500.00',
          operating_expenses => '-12.5', ebitda => '-300.00', net_income => '-450.75', current_assets => '100',
          current_liabilities => '300', inventory => '250', total_debt => '1000', total_equity => '-400',
          interest_expense => '70');
# 100/300, (100-250)/300, 1000/-400, (2000-2500)/2000, -300/2000, -450.75/2000 = -0.225375, -300/70
my %R3 = (current_ratio => '0.3333', quick_ratio => '-0.5000', debt_to_equity => '-2.5000', gross_margin => '-0.2500',
          ebitda_margin => '-0.1500', net_margin => '-0.2254', interest_coverage => '-4.2857');
$r = post_statement($analyst, statement(%S3));
is($r->{status}, 201, 'POST statement S3 (negative figures) by a member: 201') or diag($r->{body});
is(money2(($r->{json} || {})->{net_income}), '-450.75', 'negative figure stored as sent');
ratios_ok($r->{body}, \%R3, 'S3 (POST answer)');
$r = api(GET => "$RL?deal_id=$deal->{id}", undef, $admin);
xcache_is($r, 'MISS', 'a new statement: read at once');
is(($r->{json} || {})->{period}, $p3, 'latest = S3 at once');
ratios_ok($r->{body}, \%R3, 'S3 (GET latest)');
$r = api(GET => "$RL?deal_id=$deal->{id}", undef, $admin);
xcache_is($r, 'HIT', 'S3 cached');

# ------------------------------------------------------------ S4: figures with 2 decimals (deal 2)
my $p4 = uniq('Q4');
my %S4 = (deal_id => $deal2->{id}, period => $p4, revenue => '333.33', cost_of_goods_sold => '111.11',
          operating_expenses => '0.10', ebitda => '99.99', net_income => '0.01', current_assets => '1.23',
          current_liabilities => '0.07', inventory => '0.05', total_debt => '12345.67', total_equity => '0.03',
          interest_expense => '0.99');
# 1.23/0.07 = 17.571428.., 1.18/0.07 = 16.857142.., 12345.67/0.03 = 411522.3333.., 222.22/333.33 = 0.666666..,
# 99.99/333.33 = 0.299973.., 0.01/333.33 = 0.00003, 99.99/0.99 = 101
my %R4 = (current_ratio => '17.5714', quick_ratio => '16.8571', debt_to_equity => '411522.3333',
          gross_margin => '0.6667', ebitda_margin => '0.3000', net_margin => '0.0000', interest_coverage => '101.0000');
$r = post_statement($admin, statement(%S4));
is($r->{status}, 201, 'POST statement S4 (2 decimals): 201') or diag($r->{body});
is(money2(($r->{json} || {})->{revenue}), '333.33', 'figure with 2 decimals stored exactly');
ratios_ok($r->{body}, \%R4, 'S4 (POST answer)');
$r = api(GET => "$RL?deal_id=$deal2->{id}", undef, $admin);
is(($r->{json} || {})->{period}, $p4, 'deal 2 latest = S4');
ratios_ok($r->{body}, \%R4, 'S4 (GET latest)');
$r = api(GET => "$RL?deal_id=$deal->{id}", undef, $admin);
is(($r->{json} || {})->{period}, $p3, "deal 1's latest is still S3 (per deal)");

# ------------------------------------------------------------ S5: halves and 16-digit figures (deal 2)
my $p5 = uniq('H1');
my %S5 = (deal_id => $deal2->{id}, period => $p5, revenue => '20000', cost_of_goods_sold => '0',
          operating_expenses => '0', ebitda => '1.00', net_income => '-1.00', current_assets => '9999999999999999.99',
          current_liabilities => '0.01', inventory => '-0.01', total_debt => '-7', total_equity => '3',
          interest_expense => '-0.03');
# 1/20000 = 0.00005 and -0.00005: half away from zero; 9999999999999999.99/0.01; 10^16/0.01
my %R5 = (current_ratio => '999999999999999999.0000', quick_ratio => '1000000000000000000.0000',
          debt_to_equity => '-2.3333', gross_margin => '1.0000', ebitda_margin => '0.0001', net_margin => '-0.0001',
          interest_coverage => '-33.3333');
$r = post_statement($admin, statement(%S5));
is($r->{status}, 201, 'POST statement S5 (halves, 16 integer digits): 201') or diag($r->{body});
ratios_ok($r->{body}, \%R5, 'S5 (POST answer)');
$r = api(GET => "$RL?deal_id=$deal2->{id}", undef, $admin);
is(($r->{json} || {})->{period}, $p5, 'deal 2 latest = S5');
ratios_ok($r->{body}, \%R5, 'S5 (GET latest)');

# ------------------------------------------------------------ S2: zero denominators, organization level
my $p2 = uniq('FY0');
my %S2 = (period => $p2, revenue => '0', cost_of_goods_sold => '10.00', operating_expenses => '5.00',
          ebitda => '7.00', net_income => '-3.00', current_assets => '100.00', current_liabilities => '0.00',
          inventory => '20.00', total_debt => '50.00', total_equity => '0', interest_expense => '0.00');
my %R2 = map { $_ => undef } @RATIOS;
$r = post_statement($admin, statement(%S2));
is($r->{status}, 201, 'POST statement S2 (zero denominators, no deal): 201') or diag($r->{body});
ok(exists(($r->{json} || {})->{deal_id}) && !defined $r->{json}{deal_id}, 'deal_id null');
ratios_ok($r->{body}, \%R2, 'S2: every denominator 0 (POST answer)');
$r = api(GET => $RL, undef, $admin);
is($r->{status}, 200, 'organization-level ratios: 200') or diag($r->{body});
xcache_is($r, 'MISS', 'organization-level ratios after the statement');
is(($r->{json} || {})->{period}, $p2, 'organization level = S2 (the latest statement without a deal)');
ratios_ok($r->{body}, \%R2, 'S2 (GET latest)');
$r = api(GET => $RL, undef, $analyst);
xcache_is($r, 'HIT', 'organization level read again');

# one zero denominator at a time: only that ratio is null
{
    my %zero = (current_liabilities => [qw(current_ratio quick_ratio)], total_equity => ['debt_to_equity'],
                revenue => [qw(gross_margin ebitda_margin net_margin)], interest_expense => ['interest_coverage']);
    for my $den (sort keys %zero) {
        my %s = (%S1, period => uniq("zero-$den"), $den => '0.00');
        delete $s{deal_id};
        my $w = post_statement($admin, statement(%s));
        is($w->{status}, 201, "only $den = 0: 201");
        my %nulls = map { $_ => 1 } @{ $zero{$den} };
        my %want = map { $_ => ($nulls{$_} ? undef : $R1{$_}) } @RATIOS;
        ratios_ok($w->{body}, \%want, "only $den = 0");
        my $l = api(GET => $RL, undef, $admin);
        is(($l->{json} || {})->{period}, $s{period}, "only $den = 0: organization latest at once");
        ratios_ok($l->{body}, \%want, "only $den = 0 (GET latest)");
    }
}

# the organization level never shows a deal's statement, and a deal never the organization's
{
    my $org_latest = api(GET => $RL, undef, $admin);
    my $w = post_statement($admin, statement(%S1, period => uniq('deal-only')));
    is($w->{status}, 201, 'another statement for deal 1');
    my $l = api(GET => $RL, undef, $admin);
    is(($l->{json} || {})->{period}, ($org_latest->{json} || {})->{period}, "organization level ignores deals' statements");
    xcache_is($l, 'MISS', '(the write started a new generation)');
    $l = api(GET => "$RL?deal_id=$deal->{id}", undef, $admin);
    like(($l->{json} || {})->{period} // '', qr/^deal-only/, "deal 1's latest is its newest statement");
}

# ------------------------------------------------------------ validation
{
    my $before = db_value("SELECT count(*) FROM financial_statements");
    my %ok = (%S1, period => uniq('bad'));
    my %s = %ok;
    delete $s{ebitda};
    $r = post_statement($admin, statement(%s));
    validation_ok($r, ['ebitda'], 'a figure missing');
    problem_ok($r, 422, 'validation_failed', 'a figure missing');

    delete $s{interest_expense};
    $r = post_statement($admin, statement(%s));
    validation_ok($r, [qw(ebitda interest_expense)], 'two figures missing (the 13th included)');

    $r = post_statement($admin, statement(%ok, revenue => '1000.001'));
    validation_ok($r, ['revenue'], 'a figure with 3 decimals');
    $r = post_statement($admin, statement(%ok, inventory => '0.125'));
    validation_ok($r, ['inventory'], 'a small figure with 3 decimals');
    $r = post_statement($admin, statement(%ok, net_income => '"120.50"'));
    validation_ok($r, ['net_income'], 'a figure as a string');
    $r = post_statement($admin, statement(%ok, total_debt => 'null'));
    validation_ok($r, ['total_debt'], 'a figure null');
    $r = post_statement($admin, statement(%ok, total_equity => 'true'));
    validation_ok($r, ['total_equity'], 'a figure true');
    $r = post_statement($admin, statement(%ok, current_assets => '12345678901234567'));
    validation_ok($r, ['current_assets'], 'a figure with 17 integer digits');
    $r = post_statement($admin, statement(%ok, interest_expense => '1e3'));
    validation_ok($r, ['interest_expense'], 'a figure in exponent notation');
    $r = post_statement($admin, statement(%ok, revenue => '"x"', cost_of_goods_sold => '1.999', ebitda => '"250"',
                                          period => undef));
    validation_ok($r, [qw(revenue cost_of_goods_sold ebitda period)], 'every bad field named at once');
    $r = post_statement($admin, statement(%ok, period => ''));
    validation_ok($r, ['period'], 'an empty period');
    $r = post_statement($admin, statement(%ok, period => 'p' x 51));
    validation_ok($r, ['period'], 'a period of 51 characters');
    $r = post_statement($admin, statement(%ok, deal_id => $GLOBEX_DEAL));
    validation_ok($r, ['deal_id'], "deal_id of another organization's deal");
    $r = post_statement($admin, statement(%ok, deal_id => uuid_v4()));
    validation_ok($r, ['deal_id'], 'deal_id unknown');
    $r = post_statement($admin, statement(%ok, deal_id => 'nope'));
    validation_ok($r, ['deal_id'], 'deal_id not a UUID');
    $r = api(POST => $S, '[1,2]', $admin);
    is($r->{status}, 400, 'a body that is not an object: 400');
    is(db_value("SELECT count(*) FROM financial_statements"), $before, 'nothing stored by refused statements');
    is(db_value("SELECT count(*) FROM financial_statements WHERE period LIKE 'bad-%'"), 0, 'no statement of a bad request');

    $r = post_statement($viewer, statement(%ok));
    is($r->{status}, 403, 'a viewer cannot post a statement');
    $r = api(GET => "$RL?deal_id=$deal->{id}", undef, $viewer);
    is($r->{status}, 200, 'a viewer reads ratios');
}

# ------------------------------------------------------------ tenants
{
    my $g = api(GET => "$RL?deal_id=$deal->{id}", undef, $globex);
    is($g->{status}, 404, "Globex: ratios of Acme's deal: 404");
    ok(index($g->{body} // '', $p3) < 0 && index($g->{body} // '', 'deal-only') < 0, "... and no trace of Acme's figures");
    my $ga = api(GET => $RL, undef, $globex);
    ok($ga->{status} == 200 || $ga->{status} == 404, "Globex's organization level answers");
    my $aa = api(GET => $RL, undef, $admin);
    isnt(strip_cid($ga->{body}), strip_cid($aa->{body}), "Globex's organization-level ratios are not Acme's");
    ok(index($ga->{body} // '', $p2) < 0 && index($ga->{body} // '', 'zero-') < 0, "no Acme period in Globex's answer");
    my $gp = uniq('GX');
    my $w = post_statement($globex, statement(%S1, deal_id => $GLOBEX_DEAL, period => $gp));
    is($w->{status}, 201, 'Globex posts a statement for its deal');
    $w = post_statement($globex, statement(%S1, deal_id => $deal->{id}, period => $gp));
    validation_ok($w, ['deal_id'], "Globex cannot post for Acme's deal");
    my $l = api(GET => "$RL?deal_id=$deal->{id}", undef, $admin);
    like(($l->{json} || {})->{period} // '', qr/^deal-only/, "Acme's latest unchanged by Globex");
    $l = api(GET => "$RL?deal_id=$GLOBEX_DEAL", undef, $admin);
    is($l->{status}, 404, "Acme: ratios of Globex's deal: 404");
    $l = api(GET => "$RL?deal_id=$GLOBEX_DEAL", undef, $globex);
    is(($l->{json} || {})->{period}, $gp, "Globex reads its own latest");
}

# ------------------------------------------------------------ narratives
{
    my $r = api(GET => "$NL?deal_id=$deal2->{id}", undef, $admin);
    problem_ok($r, 404, 'not_found', 'no narrative for deal 2 yet');
    my $text = "Revenue grew; margins — “thin”. " . uniq('n1');
    my $np = uniq('NP');
    $r = api(POST => $N, { deal_id => $deal2->{id}, period => $np, text => $text }, $admin);
    is($r->{status}, 201, 'POST narrative: 201') or diag($r->{body});
    my $n1 = $r->{json} || {};
    is($n1->{text}, $text, 'text as sent');
    is($n1->{period}, $np, 'period as sent');
    is($n1->{deal_id}, $deal2->{id}, 'deal_id as sent');
    like($n1->{id} // '', qr/^[0-9a-f-]{36}$/, 'id');
    rfc3339_ok($n1->{created_at}, 'created_at');
    $r = api(GET => "$NL?deal_id=$deal2->{id}", undef, $admin);
    is($r->{status}, 200, 'narrative latest: 200');
    xcache_is($r, 'MISS', 'narrative latest right after the POST');
    is(($r->{json} || {})->{text}, $text, 'latest narrative = the one posted');
    my $h = api(GET => "$NL?deal_id=$deal2->{id}", undef, $viewer);
    xcache_is($h, 'HIT', 'narrative latest read again');
    same_body_ok($r, $h, 'HIT = MISS');

    my $text2 = uniq('second narrative');
    $r = api(POST => $N, { deal_id => $deal2->{id}, period => $np, text => $text2 }, $analyst);
    is($r->{status}, 201, 'second narrative: 201');
    $r = api(GET => "$NL?deal_id=$deal2->{id}", undef, $admin);
    xcache_is($r, 'MISS', 'new narrative: read at once');
    is(($r->{json} || {})->{text}, $text2, 'the newest narrative at once');

    $r = api(GET => "$NL?deal_id=$deal->{id}", undef, $admin);
    is($r->{status}, 404, "deal 1 still has no narrative (per deal)");

    my $otext = uniq('org narrative');
    $r = api(POST => $N, { period => uniq('ORG'), text => $otext }, $admin);
    is($r->{status}, 201, 'organization-level narrative: 201');
    ok(exists(($r->{json} || {})->{deal_id}) && !defined $r->{json}{deal_id}, 'deal_id null');
    $r = api(GET => $NL, undef, $admin);
    is(($r->{json} || {})->{text}, $otext, 'organization-level latest narrative');
    $r = api(GET => "$NL?deal_id=$deal2->{id}", undef, $admin);
    is(($r->{json} || {})->{text}, $text2, "deal 2's narrative unaffected");

    # validation
    my $before = db_value('SELECT count(*) FROM financial_narratives');
    $r = api(POST => $N, { deal_id => $deal2->{id}, period => 'x' }, $admin);
    validation_ok($r, ['text'], 'narrative without text');
    $r = api(POST => $N, { deal_id => $deal2->{id}, period => '', text => '' }, $admin);
    validation_ok($r, [qw(period text)], 'empty period and text');
    $r = api(POST => $N, { deal_id => $GLOBEX_DEAL, period => 'x', text => 'y' }, $admin);
    validation_ok($r, ['deal_id'], "narrative for another organization's deal");
    $r = api(POST => $N, { period => 'x', text => 7 }, $admin);
    validation_ok($r, ['text'], 'text not a string');
    is(db_value('SELECT count(*) FROM financial_narratives'), $before, 'nothing stored by refused narratives');
    $r = api(POST => $N, { period => 'x', text => 'y' }, $viewer);
    is($r->{status}, 403, 'a viewer cannot post a narrative');

    # tenants
    my $g = api(GET => "$NL?deal_id=$deal2->{id}", undef, $globex);
    is($g->{status}, 404, "Globex: narrative of Acme's deal: 404");
    $g = api(GET => $NL, undef, $globex);
    ok(index($g->{body} // '', $otext) < 0, "Globex's organization-level narrative is not Acme's");
}

done_testing();
