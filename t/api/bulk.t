# Bulk actions (API.md): POST /bulk/archive, /bulk/unarchive, /bulk/delete
# {resource_type: deal|document, ids} -> 200 {updated, not_found}; one
# transaction; 1..500 ids (0 and 501 -> 422); a malformed id -> 422 and
# NOTHING changes; ids of other organizations (and unknown ids) reported in
# not_found and left unchanged; audit entries per changed row.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use Maplat::Api;
use POSIX ();

plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
diag_to_stderr();

my $admin = token('admin@acme.example');
my $analyst = token('analyst@acme.example');
my $globex = token('admin@globex.example');
my @GLOBEX_DEALS = map { sprintf '30000000-0000-4000-8000-b%011d', $_ } 1 .. 3;
my @GLOBEX_DOCS = map { sprintf '60000000-0000-4000-8000-b%011d', $_ } 1 .. 2;

sub state_of {
    my ($table, @ids) = @_;
    my $in = join ',', map { "'$_'" } @ids;
    return db_value("SELECT string_agg(id || ':' || archived || ':' || (deleted_at IS NULL) || ':' || version, ','"
                    . " ORDER BY id) FROM $table WHERE id IN ($in)");
}
sub bulk { my ($op, $body, $tok) = @_; api(POST => "/api/v1/bulk/$op", $body, $tok // $admin) }

for my $type (qw(deal document)) {
    my $table = "${type}s";
    my $path = "/api/v1/${type}s";
    my @globex_ids = $type eq 'deal' ? @GLOBEX_DEALS : @GLOBEX_DOCS;
    my @ids = map {
        create_ok($admin, $path, $type eq 'deal' ? { name => uniq("bulk $_") } : { title => uniq("bulk $_"), body => '' })->{id}
    } 1 .. 4;
    my $globex_before = state_of($table, @globex_ids);

    # ---------------------------------------------------------- archive
    my $unknown = uuid_v4();
    my $r = bulk(archive => { resource_type => $type, ids => [@ids[0 .. 2], @globex_ids, $unknown] });
    is($r->{status}, 200, "$type archive: 200") or diag($r->{body});
    like($r->{headers}{'content-type'} // '', qr{^application/json}, "$type archive: application/json");
    is_deeply([sort keys %{ $r->{json} || {} }], [qw(not_found updated)], "$type archive: {updated, not_found}");
    is($r->{json}{updated}, 3, "$type archive: updated 3");
    is_deeply([sort @{ $r->{json}{not_found} || [] }], [sort @globex_ids, $unknown],
              "$type archive: Globex's ids and the unknown one reported not_found");
    is(db_value("SELECT count(*) FROM $table WHERE id IN ('" . join("','", @ids[0 .. 2]) . "') AND archived"), 3,
       "$type archive: the three are archived");
    is(db_value("SELECT archived::text FROM $table WHERE id = '$ids[3]'"), 'false', "$type archive: the fourth untouched");
    is(state_of($table, @globex_ids), $globex_before, "$type archive: Globex's rows unchanged");
    my $l = api(GET => "$path?page_size=100", undef, $admin);
    ok(!grep({ my $i = $_; grep { $_->{id} eq $i } @{ $l->{json}{items} || [] } } @ids[0 .. 2]),
       "$type archive: gone from the default list");

    # ---------------------------------------------------------- unarchive
    $r = bulk(unarchive => { resource_type => $type, ids => [$ids[0], $ids[1], $ids[0]] });
    is($r->{status}, 200, "$type unarchive: 200");
    is_deeply($r->{json}, { updated => 2, not_found => [] }, "$type unarchive: duplicates count once");
    is(db_value("SELECT count(*) FROM $table WHERE id IN ('$ids[0]','$ids[1]') AND NOT archived"), 2,
       "$type unarchive: unarchived");

    # ---------------------------------------------------------- malformed id: nothing changes
    my $before = state_of($table, @ids);
    for my $c (['a malformed id', [$ids[2], 'not-a-uuid']], ['a number', [$ids[2], 42]], ['null', [$ids[2], undef]],
               ['an id with SQL', [$ids[2], "'); DELETE FROM $table; --"]],
               ['a uuid with a trailing character', [$ids[2], "$ids[3]x"]], ['a nested array', [$ids[2], [$ids[3]]]]) {
        my ($n, $list) = @$c;
        for my $op (qw(archive unarchive delete)) {
            my $x = bulk($op => { resource_type => $type, ids => $list });
            problem_ok($x, 422, 'validation_failed', "$type $op with $n") if $op eq 'delete';
            is($x->{status}, 422, "$type $op with $n: 422") unless $op eq 'delete';
        }
    }
    is(state_of($table, @ids), $before, "$type: the requests with a malformed id changed NOTHING (not even the valid ids)");
    ok(db_value("SELECT count(*) FROM $table") > 4, "$type: the table is still there");

    # ---------------------------------------------------------- count limits
    validation_ok(bulk(archive => { resource_type => $type, ids => [] }), ['ids'], "$type: 0 ids");
    my @many = map { uuid_v4() } 1 .. 501;
    validation_ok(bulk(archive => { resource_type => $type, ids => \@many }), ['ids'], "$type: 501 ids");
    is(state_of($table, @ids), $before, "$type: nothing changed by the refused counts");
    $r = bulk(archive => { resource_type => $type, ids => [@many[0 .. 498], $ids[3]] });
    is($r->{status}, 200, "$type: 500 ids: 200") or diag(substr($r->{body} // '', 0, 300));
    is($r->{json}{updated}, 1, "$type: 500 ids: updated 1");
    is(scalar @{ $r->{json}{not_found} || [] }, 499, "$type: 500 ids: 499 not_found");
    validation_ok(bulk(archive => { resource_type => $type, ids => $ids[0] }), ['ids'], "$type: ids not an array");
    validation_ok(bulk(archive => { resource_type => $type }), ['ids'], "$type: ids missing");

    # ---------------------------------------------------------- Globex's own bulk on Acme ids
    my $acme_before = state_of($table, @ids);
    for my $op (qw(archive unarchive delete)) {
        my $x = bulk($op => { resource_type => $type, ids => [@ids] }, $globex);
        is($x->{status}, 200, "Globex $op of Acme's ${type}s: 200");
        is_deeply([$x->{json}{updated}, [sort @{ $x->{json}{not_found} || [] }]], [0, [sort @ids]],
                  "Globex $op of Acme's ${type}s: updated 0, all not_found");
    }
    is(state_of($table, @ids), $acme_before, "Acme's ${type}s unchanged by Globex's bulk requests");

    # ---------------------------------------------------------- delete
    my $audit_before = db_value("SELECT count(*) FROM audit_log WHERE action = '$type.delete'"
                                . " AND resource_id IN ('" . join("','", @ids) . "')");
    $r = bulk(delete => { resource_type => $type, ids => [$ids[0], $ids[1], $globex_ids[0]] });
    is($r->{status}, 200, "$type delete: 200");
    is_deeply($r->{json}, { updated => 2, not_found => [$globex_ids[0]] }, "$type delete: updated 2, Globex's id not_found");
    is(api(GET => "$path/$ids[0]", undef, $admin)->{status}, 404, "$type delete: GET deleted -> 404");
    $r = bulk(delete => { resource_type => $type, ids => [$ids[0]] });
    is_deeply($r->{json}, { updated => 0, not_found => [$ids[0]] }, "$type delete again: not_found");
    $r = bulk(unarchive => { resource_type => $type, ids => [$ids[1]] });
    is_deeply($r->{json}, { updated => 0, not_found => [$ids[1]] }, "$type unarchive of a deleted one: not_found");
    is(state_of($table, @globex_ids), $globex_before, "Globex's ${type}s unchanged after everything");

    # ---------------------------------------------------------- audit
    my $e0 = audit_entries(resource_id => $ids[0]);
    is_deeply([map { $_->{action} } @$e0], ["$type.create", "$type.archive", "$type.unarchive", "$type.delete"],
              "$type audit: create, archive, unarchive, delete (one entry each, duplicates once)");
    ok(!grep({ $_->{user_id} ne $U{admin} || $_->{organization_id} ne $ORG{acme} } @$e0), "$type audit: by Acme's admin");
    ok(ref $e0->[1]{details} eq 'HASH' && $e0->[1]{details}{bulk}, "$type audit: details say bulk");
    is(db_value("SELECT count(*) FROM audit_log WHERE resource_id IN ('" . join("','", @globex_ids, $unknown)
                . "') AND user_id = '$U{admin}'"), 0, "$type audit: nothing written for ids that were not found");
}

# ---------------------------------------------------------- resource types and permissions
validation_ok(bulk(archive => { resource_type => 'task', ids => [uuid_v4()] }), ['resource_type'], 'resource_type task');
validation_ok(bulk(archive => { ids => [uuid_v4()] }), ['resource_type'], 'resource_type missing');
validation_ok(bulk(archive => { resource_type => 'deals', ids => [] }), [qw(resource_type ids)], 'two errors together');
is(bulk(archive => '[]')->{status}, 400, 'body not an object: 400');
is(api(GET => '/api/v1/bulk/archive', undef, $admin)->{status}, 405, 'GET /bulk/archive: 405');

{
    # documents: archive needs editor, delete needs owner (the rest is not_found)
    my $doc = create_ok($admin, '/api/v1/documents', { title => uniq('bulk perms'), body => '' });
    my $hidden = create_ok($admin, '/api/v1/documents', { title => uniq('bulk hidden'), body => '' });
    api(PATCH => "/api/v1/documents/$doc->{id}/permissions",
        { permissions => [{ user_id => $U{analyst}, level => 'viewer' }] }, $admin);
    my $r = bulk(archive => { resource_type => 'document', ids => [$doc->{id}, $hidden->{id}] }, $analyst);
    is_deeply([$r->{status}, $r->{json}{updated}, [sort @{ $r->{json}{not_found} || [] }]],
              [200, 0, [sort $doc->{id}, $hidden->{id}]], 'a viewer-level grant cannot bulk archive');
    api(PATCH => "/api/v1/documents/$doc->{id}/permissions",
        { permissions => [{ user_id => $U{analyst}, level => 'editor' }] }, $admin);
    $r = bulk(archive => { resource_type => 'document', ids => [$doc->{id}] }, $analyst);
    is_deeply($r->{json}, { updated => 1, not_found => [] }, 'an editor may bulk archive');
    $r = bulk(delete => { resource_type => 'document', ids => [$doc->{id}] }, $analyst);
    is_deeply($r->{json}, { updated => 0, not_found => [$doc->{id}] }, 'an editor may not bulk delete');
    is(db_value("SELECT (deleted_at IS NULL)::text FROM documents WHERE id = '$doc->{id}'"), 'true', 'still there');
    is(db_value("SELECT archived::text FROM documents WHERE id = '$hidden->{id}'"), 'false', 'the hidden one untouched');
}

# ---------------------------------------------------------- no-ops are neither counted nor audited
for my $type (qw(deal document)) {
    my $path = "/api/v1/${type}s";
    my @ids = map {
        create_ok($admin, $path, $type eq 'deal' ? { name => uniq("noop $_") } : { title => uniq("noop $_"), body => '' })->{id}
    } 1 .. 3;
    my $in = join "','", @ids;
    my $audits = sub { db_value("SELECT count(*) FROM audit_log WHERE action = '$type.$_[0]' AND resource_id IN ('$in')") };
    my $r = bulk(archive => { resource_type => $type, ids => [@ids[0, 1]] });
    is_deeply($r->{json}, { updated => 2, not_found => [] }, "$type no-op: two archived");
    $r = bulk(archive => { resource_type => $type, ids => \@ids });
    is_deeply($r->{json}, { updated => 1, not_found => [] },
              "$type no-op: archiving two archived and one live counts only the live one");
    is($audits->('archive'), 3, "$type no-op: one deal.archive entry per real change (3, not 5)");
    $r = bulk(unarchive => { resource_type => $type, ids => [$ids[0]] });
    is_deeply($r->{json}, { updated => 1, not_found => [] }, "$type no-op: one unarchived");
    $r = bulk(unarchive => { resource_type => $type, ids => \@ids });
    is_deeply($r->{json}, { updated => 2, not_found => [] }, "$type no-op: unarchiving counts only the archived ones");
    $r = bulk(unarchive => { resource_type => $type, ids => \@ids });
    is_deeply($r->{json}, { updated => 0, not_found => [] }, "$type no-op: nothing left to unarchive: 0, none not_found");
    is($audits->('unarchive'), 3, "$type no-op: unarchive entries only for real changes");
}

{
    # 20 parallel calls on the same 50 ids: together they archive each id once
    my @ids = map { create_ok($admin, '/api/v1/deals', { name => uniq("parallel $_") })->{id} } 1 .. 50;
    my $in = join "','", @ids;
    my (@pids, @readers);
    for my $n (1 .. 20) {
        pipe(my $rd, my $wr) or die "pipe: $!";
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            close $rd;
            my $r = bulk(archive => { resource_type => 'deal', ids => \@ids });
            print {$wr} ($r->{status} == 200 && ref $r->{json} eq 'HASH'
                ? "$r->{status} $r->{json}{updated} " . scalar(@{ $r->{json}{not_found} })
                : "$r->{status} - -");
            close $wr;
            POSIX::_exit(0);
        }
        close $wr;
        push @pids, $pid;
        push @readers, $rd;
    }
    my @res = map { local $/; my $l = readline($_) // ''; close $_; $l } @readers;
    waitpid $_, 0 for @pids;
    my @ok = grep { /^200 / } @res;
    is(scalar @ok, 20, 'parallel archive: 20 answers 200') or diag("@res");
    my $sum = 0;
    $sum += (split / /)[1] for @ok;
    is($sum, 50, 'parallel archive: the updated counts add up to 50, not 1,000');
    is(scalar(grep { (split / /)[2] ne '0' } @ok), 0, 'parallel archive: no id reported not_found');
    is(db_value("SELECT count(*) FROM audit_log WHERE action = 'deal.archive' AND resource_id IN ('$in')"), 50,
       'parallel archive: 50 deal.archive entries, one per deal');
    is(db_value("SELECT count(*) FROM deals WHERE id IN ('$in') AND archived"), 50, 'parallel archive: all archived');
}

done_testing();
