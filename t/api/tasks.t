# Tasks (API.md "Deals, prospects, tasks, documents"; "An id of another
# resource in a body ... that does not exist in the caller's organization ->
# 422 naming the field"): CRUD, deal_id / assignee_id of another organization
# (or unknown, or deleted) -> 422 naming the field and nothing written,
# due_date validity, status enum, filters status / assignee_id / deal_id.
use strict;
use warnings FATAL => 'all';
use utf8;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use Maplat::Api;

plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
diag_to_stderr();
binmode Test::More->builder->$_, ':utf8' for qw(output failure_output todo_output);

my $T = '/api/v1/tasks';
my $admin = token('admin@acme.example');
my $analyst = token('analyst@acme.example');
my $GLOBEX_DEAL = '30000000-0000-4000-8000-b00000000001';

my $deal = create_ok($admin, '/api/v1/deals', { name => uniq('Task deal') });
my $deal2 = create_ok($admin, '/api/v1/deals', { name => uniq('Task deal 2') });

# ------------------------------------------------------------ create / get / patch / delete
my $title = uniq('Task');
my $r = api(POST => $T, { title => $title, deal_id => $deal->{id}, assignee_id => $U{analyst},
                          due_date => '2027-02-28', status => 'in_progress' }, $admin);
is($r->{status}, 201, 'POST /tasks: 201') or diag($r->{body});
my $t = $r->{json} || {};
is($r->{headers}{location}, "/api/v1/tasks/$t->{id}", 'Location');
like($r->{headers}{etag}, qr/^"v1-[0-9a-f]{32}"$/, 'ETag "v1"');
is_deeply({ map { $_ => $t->{$_} } qw(title deal_id assignee_id due_date status) },
          { title => $title, deal_id => $deal->{id}, assignee_id => $U{analyst}, due_date => '2027-02-28',
            status => 'in_progress' }, 'fields as sent');
is_deeply($t->{created_by}, { id => $U{admin}, name => 'Amelia Hart' }, 'created_by = caller');
rfc3339_ok($t->{created_at}, 'created_at');
rfc3339_ok($t->{updated_at}, 'updated_at');

my $m = api(POST => $T, { title => uniq('Minimal task') }, $analyst);
is($m->{status}, 201, 'POST {title} only: 201');
is($m->{json}{status}, 'open', 'status defaults to open');
ok(!defined $m->{json}{deal_id} && !defined $m->{json}{assignee_id} && !defined $m->{json}{due_date},
   'deal_id, assignee_id, due_date null');

$r = api(GET => "$T/$t->{id}", undef, $analyst);
is($r->{status}, 200, 'GET /tasks/{id}: 200');
is_deeply($r->{json}, $t, 'GET answers what POST answered');

$r = api(PATCH => "$T/$t->{id}", { status => 'done', deal_id => undef }, $analyst);
is($r->{status}, 200, 'PATCH {status, deal_id:null}: 200') or diag($r->{body});
is($r->{json}{status}, 'done', 'status done');
ok(!defined $r->{json}{deal_id}, 'deal_id cleared');
is($r->{json}{assignee_id}, $U{analyst}, 'assignee kept');
like($r->{headers}{etag}, qr/^"v2-[0-9a-f]{32}"$/, 'ETag "v2"');
$r = api(PATCH => "$T/$t->{id}", { deal_id => $deal->{id} }, $analyst, headers => ['If-Match' => '"v1"']);
problem_ok($r, 412, undef, 'PATCH with a stale If-Match');
is(db_value("SELECT coalesce(deal_id::text, 'null') FROM tasks WHERE id = '$t->{id}'"), 'null', '412: nothing changed');
$r = api(PATCH => "$T/$t->{id}", { deal_id => $deal->{id} }, $analyst, headers => ['If-Match' => '"v2"']);
is($r->{status}, 200, 'PATCH with the current If-Match: 200');

# ------------------------------------------------------------ references outside the organization
{
    my $before = db_value("SELECT count(*) FROM tasks");
    my @cases = (
        ['deal of Globex',             { deal_id => $GLOBEX_DEAL },          ['deal_id']],
        ['unknown deal',               { deal_id => uuid_v4() },             ['deal_id']],
        ['assignee of Globex',         { assignee_id => $U{globex} },        ['assignee_id']],
        ['unknown assignee',           { assignee_id => uuid_v4() },         ['assignee_id']],
        ['both of Globex',             { deal_id => $GLOBEX_DEAL, assignee_id => $U{globex} }, [qw(deal_id assignee_id)]],
        ['organization id as deal',    { deal_id => $ORG{acme} },            ['deal_id']],
        ['malformed deal_id',          { deal_id => 'deal-1' },              ['deal_id']],
        ['numeric assignee_id',        { assignee_id => 5 },                 ['assignee_id']],
    );
    for my $c (@cases) {
        my ($n, $extra, $fields) = @$c;
        validation_ok(api(POST => $T, { title => uniq('ref'), %$extra }, $admin), $fields, "POST $n");
        validation_ok(api(PATCH => "$T/$t->{id}", $extra, $admin), $fields, "PATCH $n");
    }
    is(db_value("SELECT count(*) FROM tasks"), $before, 'no task written by the refused POSTs');
    is(db_value("SELECT deal_id || ' ' || assignee_id FROM tasks WHERE id = '$t->{id}'"), "$deal->{id} $U{analyst}",
       'the task is unchanged by the refused PATCHes');
    my $gone = create_ok($admin, '/api/v1/deals', { name => uniq('Deleted deal') });
    api(DELETE => "/api/v1/deals/$gone->{id}", undef, $admin);
    validation_ok(api(POST => $T, { title => 'x', deal_id => $gone->{id} }, $admin), ['deal_id'], 'deleted deal');
    # the answer never tells whether the id exists elsewhere
    my $a1 = api(POST => $T, { title => 'x', deal_id => $GLOBEX_DEAL }, $admin);
    my $a2 = api(POST => $T, { title => 'x', deal_id => uuid_v4() }, $admin);
    same_body_ok($a1, $a2, 'Globex deal_id and unknown deal_id: the same 422');
}

# ------------------------------------------------------------ due_date and status
{
    for my $bad ('2027-02-29', '2027-13-01', '2027-00-10', '2027-04-31', '27-01-01', '2027/01/01', '2027-1-1',
                 '2027-01-01T00:00:00Z', 'tomorrow', '', '１２３４-01-01') {
        validation_ok(api(POST => $T, { title => 'd', due_date => $bad }, $admin), ['due_date'], "due_date '$bad'");
    }
    validation_ok(api(POST => $T, { title => 'd', due_date => 20270101 }, $admin), ['due_date'], 'due_date as a number');
    for my $good ('2028-02-29', '2027-12-31', '2026-01-01') {
        my $x = api(POST => $T, { title => uniq('date'), due_date => $good }, $admin);
        is($x->{json}{due_date}, $good, "due_date $good accepted and returned as sent");
    }
    validation_ok(api(POST => $T, { title => 'd', status => 'closed' }, $admin), ['status'], 'status closed');
    validation_ok(api(POST => $T, { title => 'd', status => undef }, $admin), ['status'], 'status null');
    validation_ok(api(POST => $T, {}, $admin), ['title'], 'title required');
    validation_ok(api(POST => $T, { title => 'x' x 201, status => 'x', due_date => 'x', deal_id => 'x' }, $admin),
                  [qw(title status due_date deal_id)], 'four errors together');
    my $x = api(PATCH => "$T/$t->{id}", { due_date => undef }, $admin);
    ok($x->{status} == 200 && !defined $x->{json}{due_date}, 'PATCH due_date null clears it');
}

# ------------------------------------------------------------ filters
{
    my %k;
    $k{a} = create_ok($admin, $T, { title => uniq('F a'), deal_id => $deal2->{id}, assignee_id => $U{analyst}, status => 'open' });
    $k{b} = create_ok($admin, $T, { title => uniq('F b'), deal_id => $deal2->{id}, assignee_id => $U{admin}, status => 'done' });
    $k{c} = create_ok($admin, $T, { title => uniq('F c'), deal_id => $deal2->{id}, status => 'in_progress' });
    $k{d} = create_ok($admin, $T, { title => uniq('F d'), deal_id => $deal2->{id}, assignee_id => $U{analyst}, status => 'done' });
    my $ids = sub { my ($x) = @_; [sort map { $_->{id} } @{ ref $x->{json} eq 'HASH' ? $x->{json}{items} : [] }] };
    my $want = sub { [sort map { $k{$_}{id} } @_] };
    my $x = api(GET => "$T?deal_id=$deal2->{id}", undef, $admin);
    is($x->{status}, 200, 'GET /tasks?deal_id=: 200');
    is_deeply($ids->($x), $want->(qw(a b c d)), 'deal_id filter');
    is($x->{json}{total}, 4, 'total 4');
    is_deeply([map { $_->{id} } @{ $x->{json}{items} }], [map { $k{$_}{id} } qw(d c b a)], 'newest first');
    is_deeply($ids->(api(GET => "$T?deal_id=$deal2->{id}&status=done", undef, $admin)), $want->(qw(b d)),
              'deal_id + status=done');
    is_deeply($ids->(api(GET => "$T?deal_id=$deal2->{id}&assignee_id=$U{analyst}", undef, $admin)), $want->(qw(a d)),
              'deal_id + assignee_id');
    is_deeply($ids->(api(GET => "$T?deal_id=$deal2->{id}&assignee_id=$U{analyst}&status=open", undef, $admin)),
              $want->('a'), 'all three filters');
    $x = api(GET => "$T?assignee_id=$U{analyst}&page_size=100", undef, $admin);
    ok(!grep({ ($_->{assignee_id} // '') ne $U{analyst} } @{ $x->{json}{items} || [] }), 'assignee_id filter alone');
    is($x->{json}{total}, db_value("SELECT count(*) FROM tasks WHERE organization_id = '$ORG{acme}'"
                                   . " AND assignee_id = '$U{analyst}' AND deleted_at IS NULL"), 'assignee_id: total');
    $x = api(GET => "$T?status=in_progress&page_size=100", undef, $admin);
    ok(!grep({ $_->{status} ne 'in_progress' } @{ $x->{json}{items} || [] }), 'status filter alone');
    $x = api(GET => "$T?deal_id=$GLOBEX_DEAL", undef, $admin);
    is_deeply([$x->{status}, $x->{json}{total}, $x->{json}{items}], [200, 0, []], 'deal_id of Globex: nothing');
    $x = api(GET => "$T?assignee_id=$U{globex}", undef, $admin);
    is_deeply([$x->{status}, $x->{json}{total}], [200, 0], 'assignee_id of Globex: nothing');
    validation_ok(api(GET => "$T?status=closed", undef, $admin), ['status'], '?status=closed');
    validation_ok(api(GET => "$T?deal_id=1", undef, $admin), ['deal_id'], '?deal_id=1');
    validation_ok(api(GET => "$T?assignee_id=x';--", undef, $admin), ['assignee_id'], '?assignee_id with SQL');
    validation_ok(api(GET => "$T?page=0", undef, $admin), ['page'], '?page=0');

    my $del = api(DELETE => "$T/$k{c}{id}", undef, $analyst);
    is($del->{status}, 204, 'DELETE /tasks/{id}: 204');
    is_deeply($ids->(api(GET => "$T?deal_id=$deal2->{id}", undef, $admin)), $want->(qw(a b d)), 'deleted task not listed');
    is(api(GET => "$T/$k{c}{id}", undef, $admin)->{status}, 404, 'GET deleted task: 404');
    is(api(PATCH => "$T/$k{c}{id}", { status => 'open' }, $admin)->{status}, 404, 'PATCH deleted task: 404');
    is_deeply([map { $_->{action} } @{ audit_entries(resource_id => $k{c}{id}) }], ['task.create', 'task.delete'],
              'audit: task.create, task.delete');
}

my $e = audit_entries(resource_id => $t->{id});
is_deeply([map { $_->{action} } @$e], ['task.create', 'task.update', 'task.update', 'task.update'],
          'audit: create and one update per successful PATCH (none for refused ones)');

done_testing();
