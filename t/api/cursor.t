# Keyset ("cursor") paging of the lists (issue 14): next_cursor / ?cursor=, for
# every sort of /deals, /prospects, /tasks, /documents and /audit-logs.
#   * following next_cursor visits exactly the rows page=1..N visits, in the same
#     order, without duplicates, and ends with next_cursor null;
#   * a cursor of another sort or filter, garbage, a forged cursor, and page>1 together
#     with a cursor answer 422 validation_failed naming "cursor";
#   * total / total_exact: exact from the counters, bounded for searches;
#   * rows inserted at the head of the list between two requests do not shift a
#     cursor walk (they would shift page=2).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use Maplat::Api;
use MIME::Base64 qw(encode_base64url decode_base64url);

plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
diag_to_stderr();

my $admin = token('admin@acme.example');
my $tag = uniq('cur');

# enough rows that a walk has several pages, with duplicate names and values (ties)
for my $i (1 .. 24) {
    create_ok($admin, '/api/v1/deals', { name => "Cursor $tag " . ($i % 4), target_company => "Tgt $tag $i",
                                         value => 1000 * ($i % 3), stage => $i % 2 ? 'sourcing' : 'won' });
    create_ok($admin, '/api/v1/tasks', { title => "Cursor task $tag $i", status => 'open',
                                         ($i % 3 ? (due_date => sprintf('2031-01-%02d', 1 + $i % 5)) : ()) });
    create_ok($admin, '/api/v1/prospects', { company_name => "Cursor $tag " . ($i % 5) });
    create_ok($admin, '/api/v1/documents', { title => "Cursor doc $tag " . ($i % 3), body => 'x' });
}

sub get_ok {
    my ($path, $tok) = @_;
    my $r = api(GET => $path, undef, $tok // $admin);
    is($r->{status}, 200, "GET $path: 200") or diag($r->{body});
    return ref $r->{json} eq 'HASH' ? $r->{json} : { items => [] };
}

sub walk_pages {
    my ($path) = @_;
    my @ids;
    for my $page (1 .. 1000) {
        my $j = get_ok("$path&page_size=10&page=$page");
        push @ids, map { $_->{id} } @{ $j->{items} };
        last if @{ $j->{items} } < 10;
    }
    return @ids;
}

sub walk_cursor {
    my ($path) = @_;
    my (@ids, $cursor, $ends);
    for (1 .. 1000) {
        my $j = get_ok("$path&page_size=10" . (defined $cursor ? '&cursor=' . enc($cursor) : ''));
        push @ids, map { $_->{id} } @{ $j->{items} };
        $cursor = $j->{next_cursor};
        if (!defined $cursor) { $ends = 1; last }
        like($cursor, qr/^[A-Za-z0-9_-]+$/, "$path: next_cursor is opaque base64url") unless $_ > 1;
    }
    ok($ends, "$path: the cursor walk ends with next_cursor null");
    return @ids;
}

my @lists = (
    (map { ["/api/v1/deals?sort=$_", $_] } qw(-created_at created_at name -name value -value)),
    ["/api/v1/deals?stage=won&sort=-value", 'stage'],
    ["/api/v1/deals?q=" . enc("Cursor $tag") . "&sort=name", 'q'],
    (map { ["/api/v1/prospects?sort=$_", $_] } qw(-created_at created_at name -name)),
    (map { ["/api/v1/tasks?sort=$_", $_] } qw(-created_at created_at due_date -due_date)),
    ["/api/v1/tasks?status=open&sort=due_date", 'status'],
    (map { ["/api/v1/documents?sort=$_", $_] } qw(-created_at created_at name -name)),
    ["/api/v1/audit-logs?sort=-occurred_at&resource_type=prospect", '-occurred_at'],
    ["/api/v1/audit-logs?sort=occurred_at&resource_type=task", 'occurred_at'],
);
for my $l (@lists) {
    my ($path) = @$l;
    my @by_page = walk_pages($path);
    my @by_cursor = walk_cursor($path);
    ok(@by_page > 10, "$path: more than one page");
    is_deeply(\@by_cursor, \@by_page, "$path: the cursor walk visits the rows of page=1..N, in order");
    my %seen;
    is(scalar(grep { $seen{$_}++ } @by_cursor), 0, "$path: no row twice");
}

# the list's order is the sort's, ties broken by id
{
    my @names = map { lc $_->{name} } @{ get_ok("/api/v1/deals?sort=name&page_size=100&q=" . enc("Cursor $tag"))->{items} };
    is_deeply(\@names, [sort @names], 'deals sort=name: by name (any case)');
    my @vals = map { $_->{value} } @{ get_ok("/api/v1/deals?sort=-value&page_size=100&q=" . enc("Cursor $tag"))->{items} };
    is_deeply(\@vals, [sort { $b <=> $a } @vals], 'deals sort=-value: largest first');
    my @due = map { $_->{due_date} // '~' } @{ get_ok('/api/v1/tasks?sort=due_date&page_size=100&status=open')->{items} };
    is_deeply(\@due, [sort @due], 'tasks sort=due_date: soonest first, no date last');
    my @desc = map { $_->{due_date} // '' } @{ get_ok('/api/v1/tasks?sort=-due_date&page_size=100&status=open')->{items} };
    my @dated = grep { length } @desc;
    is_deeply([@desc[0 .. $#dated]], [sort { $b cmp $a } @dated], 'tasks sort=-due_date: latest first, no date last');
}

# ---------------------------------------------------------------- inserts do not shift a cursor walk
{
    my $path = '/api/v1/deals?sort=-created_at&q=' . enc("Cursor $tag");
    my $first = get_ok("$path&page_size=5");
    my @page2 = map { $_->{id} } @{ get_ok("$path&page_size=5&page=2")->{items} };
    create_ok($admin, '/api/v1/deals', { name => "Cursor $tag new $_" }) for 1 .. 2;
    my @after = map { $_->{id} } @{ get_ok("$path&page_size=5&cursor=" . enc($first->{next_cursor}))->{items} };
    is_deeply(\@after, \@page2, 'rows added at the head: the page after the cursor is unchanged');
}

# ---------------------------------------------------------------- bad cursors
{
    my $j = get_ok('/api/v1/deals?sort=name&page_size=2');
    my $c = $j->{next_cursor};
    ok(defined $c, 'a next_cursor to misuse');
    validation_ok(api(GET => '/api/v1/deals?sort=-name&page_size=2&cursor=' . enc($c), undef, $admin), ['cursor'],
                  'cursor of sort=name used with sort=-name');
    validation_ok(api(GET => '/api/v1/deals?sort=name&stage=won&page_size=2&cursor=' . enc($c), undef, $admin),
                  ['cursor'], 'cursor used with another filter');
    validation_ok(api(GET => '/api/v1/prospects?sort=name&cursor=' . enc($c), undef, $admin), ['cursor'],
                  'a deals cursor used on /prospects');
    validation_ok(api(GET => '/api/v1/deals?sort=name&page=2&cursor=' . enc($c), undef, $admin), ['cursor'],
                  'page=2 together with a cursor');
    is(api(GET => '/api/v1/deals?sort=name&page=1&page_size=2&cursor=' . enc($c), undef, $admin)->{status}, 200,
       'page=1 with a cursor is fine');
    for my $bad ('', 'garbage', '!!!!!!!!', 'x' x 3000, encode_base64url("1\nnot-a-digest\nid\nkey"),
                 substr($c, 0, 12), encode_base64url("\0\0\0\0\0\0")) {
        validation_ok(api(GET => '/api/v1/deals?sort=name&cursor=' . enc($bad), undef, $admin), ['cursor'],
                      'cursor ' . substr($bad, 0, 20));
    }
    # a well-formed cursor whose position is not of the sort's type (forged)
    my ($v, $fp) = split /\n/, decode_base64url($c);
    for my $forged (["$v\n$fp\nnot-a-uuid\nkestrel", 'a tie-break that is no id'],
                    ["$v\n$fp\n" . nil_uuid() . "\nzzz", 'any text is a valid name key']) {
        my $r = api(GET => '/api/v1/deals?sort=name&page_size=2&cursor=' . encode_base64url($forged->[0]), undef, $admin);
        if ($forged->[1] =~ /valid/) {
            is($r->{status}, 200, "forged cursor: $forged->[1]") or diag($r->{body});
        }
        else {
            validation_ok($r, ['cursor'], "forged cursor: $forged->[1]");
        }
    }
    my $t = get_ok('/api/v1/tasks?sort=due_date&page_size=2');
    my (undef, $tfp) = split /\n/, decode_base64url($t->{next_cursor});
    validation_ok(api(GET => '/api/v1/tasks?sort=due_date&cursor=' . encode_base64url("1\n$tfp\n" . nil_uuid() . "\nnot-a-date"),
                      undef, $admin), ['cursor'], 'forged cursor: a due date that is no date');
}

# ---------------------------------------------------------------- total / total_exact
{
    my $j = get_ok('/api/v1/deals?page_size=1');
    is($j->{total_exact}, JSON::PP::true, 'unfiltered deals: total_exact');
    is($j->{total}, db_value("SELECT count(*) FROM deals WHERE organization_id = '$ORG{acme}' AND deleted_at IS NULL"
                             . " AND NOT archived"), 'unfiltered deals: the exact count (counters)');
    my $s = get_ok('/api/v1/deals?page_size=1&stage=won');
    is($s->{total}, db_value("SELECT count(*) FROM deals WHERE organization_id = '$ORG{acme}' AND deleted_at IS NULL"
                             . " AND NOT archived AND stage = 'won'"), 'deals stage=won: exact');
    my $q = get_ok('/api/v1/deals?page_size=1&q=' . enc("Cursor $tag"));
    is_deeply([$q->{total}, $q->{total_exact}], [26, JSON::PP::true], 'a search with few matches: exact');
    my $a = get_ok('/api/v1/audit-logs?page_size=1');
    ok(defined $a->{total_exact}, 'audit-logs: total_exact present');
    my $n = db_value("SELECT count(*) FROM audit_log WHERE organization_id = '$ORG{acme}'");
    is($a->{total}, $n > 1000 ? 1000 : $n, 'audit-logs: total exact up to 1,000');
    is($a->{total_exact} ? 1 : 0, $n > 1000 ? 0 : 1, 'audit-logs: total_exact says which');
}

# ---------------------------------------------------------------- the counters stay exact
{
    my $d = create_ok($admin, '/api/v1/deals', { name => "Counter $tag", stage => 'closing', value => 7 });
    api(PATCH => "/api/v1/deals/$d->{id}", { stage => 'won' }, $admin);
    api(POST => '/api/v1/bulk/archive', { resource_type => 'deal', ids => [$d->{id}] }, $admin);
    api(DELETE => "/api/v1/deals/$d->{id}", undef, $admin);
    for my $arch ('false', 'true') {
        for my $stage (qw(sourcing evaluation due_diligence negotiation closing won lost)) {
            my $want = db_value("SELECT count(*) FROM deals WHERE organization_id = '$ORG{acme}' AND deleted_at IS NULL"
                                . " AND archived = $arch AND stage = '$stage'");
            my $got = db_value("SELECT maplat_counter('$ORG{acme}', ARRAY['deals/$arch/$stage'])");
            is($got, $want, "counter deals/$arch/$stage exact after create, move, archive, delete");
        }
    }
}

done_testing();
