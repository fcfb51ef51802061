# The audit log's newest-first reads go window by window (sql/014_audit_windows.sql):
# the month before the cursor, the year before it, then everything; oldest first and
# the totals have static statements of their own. Whatever the
# windows, a list must be the same as one ordered read of every entry: pages that
# cross the windows' bounds, cursors deep in the past, every filter shape, the
# total (exact up to the bound), and the dashboard's ten newest entries.
#
# An organization gets entries from a few minutes to five years old (the older ones
# land in partitions or in the DEFAULT partition; either way they must be found);
# each list is compared with a plain ORDER BY over the organization's entries.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;

plan skip_all => 'needs PostgreSQL from scripts/dev' unless have_pg();
diag_to_stderr();

my $su = $ENV{MAPLAT_PGSUPERUSER} || 'postgres';
sub su_sql { return psql_value($_[0], user => $su) }


my $org   = su_sql(q{SELECT gen_random_uuid()});
my $admin = su_sql(q{SELECT gen_random_uuid()});
my $other = su_sql(q{SELECT gen_random_uuid()});
my $tag   = substr($org, 0, 8);

# monthly partitions for the five years (the DEFAULT partition would take the older
# entries otherwise, and maplat_audit_partitions_ensure() would then skip those months)
psql_value(q{SELECT maplat_audit_partitions_ensure(12, now() - interval '6 years')});    # as the owner

# ages (before now): 7 in the last hour, 9 between 2 and 20 days, 11 between 2 and 10
# months, 13 between 2 and 5 years; every third by the other user, actions and types
# alternate, resource r1 has entries in every age group
su_sql(<<"SQL");
INSERT INTO organizations (id, name) VALUES ('$org', 'Windows $tag');
INSERT INTO users (id, organization_id, email, password_hash, first_name, last_name, role)
SELECT x.id, '$org', x.email, u.password_hash, 'Win', x.last, x.role
  FROM (VALUES ('$admin'::uuid, 'windows-admin-$tag\@example.com', 'Admin', 'admin'),
               ('$other'::uuid, 'windows-other-$tag\@example.com', 'Other', 'member')) x(id, email, last, role),
       (SELECT password_hash FROM users ORDER BY created_at LIMIT 1) u;
INSERT INTO audit_log (organization_id, user_id, action, resource_type, resource_id, occurred_at)
SELECT '$org', CASE WHEN g % 3 = 0 THEN '$other'::uuid ELSE '$admin'::uuid END,
       (ARRAY['deal.update', 'task.update'])[1 + g % 2], (ARRAY['deal', 'task'])[1 + g % 2],
       'r' || (g % 4), now() - age
  FROM (SELECT g, CASE WHEN g <= 7 THEN g * interval '5 minutes'
                       WHEN g <= 16 THEN (g - 6) * interval '2 days'
                       WHEN g <= 27 THEN (g - 15) * interval '28 days'
                       ELSE (g - 26) * interval '100 days' + interval '2 years' END AS age
          FROM generate_series(1, 40) g) s;
-- two entries of one transaction: the same occurred_at, told apart by seq
INSERT INTO audit_log (organization_id, user_id, action, resource_type, resource_id, occurred_at)
VALUES ('$org', '$admin', 'deal.update', 'deal', 'r1', now() - interval '40 days'),
       ('$org', '$admin', 'deal.update', 'deal', 'r1', now() - interval '40 days');
SQL

my $B = 1000;

# the expected order: every entry of the filter, newest first (seq breaks ties)
sub expected {
    my ($where) = @_;
    my $ids = su_sql("SELECT string_agg(id::text, ',' ORDER BY occurred_at DESC, seq DESC) FROM audit_log a"
                     . " WHERE a.organization_id = '$org'$where");
    return [split /,/, $ids];
}

# every page through maplat_audit_list, as GET /audit-logs runs it (cursor paging)
sub pages {
    my ($args, $size, $sort) = @_;
    $sort //= '-occurred_at';
    my (@ids, $key, $tie, @totals, $n);
    while (1) {
        my $k = defined $key ? "'$key'" : 'NULL';
        my $t = defined $tie ? "'$tie'" : 'NULL';
        my $row = su_sql("SELECT total || '|' || total_exact || '|' || COALESCE(next_key, '') || '|'"
                         . " || COALESCE(next_tie, '') || '|' || COALESCE((SELECT string_agg(e->>'id', ',')"
                         . " FROM json_array_elements(items) e), '')"
                         . " FROM maplat_audit_list('$org', $args, '$sort', $size, 0, $k, $t, $B)");
        my ($total, $exact, $nk, $nt, $list) = split /\|/, $row, 5;
        push @totals, "$total/$exact";
        push @ids, grep { length } split /,/, ($list // '');
        last if $nk eq '' || ++$n > 100;
        ($key, $tie) = ($nk, $nt);
    }
    return (\@ids, \@totals);
}

my @shapes = (
    ['every entry', 'NULL, NULL, NULL, NULL', ''],
    ['resource_type', "'task', NULL, NULL, NULL", " AND a.resource_type = 'task'"],
    ['resource_id', "NULL, 'r1', NULL, NULL", " AND a.resource_id = 'r1'"],
    ['resource_type + resource_id', "'task', 'r1', NULL, NULL", " AND a.resource_type = 'task' AND a.resource_id = 'r1'"],
    ['user_id', "NULL, NULL, '$other', NULL", " AND a.user_id = '$other'"],
    ['action', "NULL, NULL, NULL, 'deal.update'", " AND a.action = 'deal.update'"],
    ['user_id + action', "NULL, NULL, '$admin', 'task.update'", " AND a.user_id = '$admin' AND a.action = 'task.update'"],
);
for my $s (@shapes) {
    my ($name, $args, $where) = @$s;
    my $want = expected($where);
    ok(@$want >= 5, "$name: the organization has " . scalar(@$want) . ' such entries');
    for my $size (1, 3, 8, 100) {
        my ($got, $totals) = pages($args, $size);
        is_deeply($got, $want, "$name, pages of $size: every entry once, newest first, across the windows");
        my %t = map { $_ => 1 } @$totals;
        is_deeply([keys %t], [scalar(@$want) . '/true'], "$name, pages of $size: total exact on every page");
        ($got, $totals) = pages($args, $size, 'occurred_at');
        is_deeply($got, [reverse @$want], "$name, oldest first, pages of $size: every entry once");
        %t = map { $_ => 1 } @$totals;
        is_deeply([keys %t], [scalar(@$want) . '/true'], "$name, oldest first, pages of $size: total exact");
    }
}

# a cursor deep in the past: the rest of the list, from there
{
    my $want = expected('');
    my $at = 30;    # an entry about three years old
    my ($key, $tie) = split /\|/, su_sql("SELECT occurred_at::text || '|' || seq FROM audit_log a"
                                         . " WHERE a.organization_id = '$org' ORDER BY occurred_at DESC, seq DESC"
                                         . " OFFSET $at LIMIT 1");
    my $list = su_sql("SELECT string_agg(e->>'id', ',') FROM maplat_audit_list('$org', NULL, NULL, NULL, NULL,"
                      . " '-occurred_at', 100, 0, '$key', '$tie', $B), json_array_elements(items) e");
    is_deeply([split /,/, $list], [@$want[$at + 1 .. $#$want]], 'a cursor three years back: the older entries');
}

# the dashboard: the ten newest, also when the last month has fewer than ten
sub recent {
    my ($o) = @_;
    my $want = su_sql("SELECT string_agg(id::text, ',' ORDER BY occurred_at DESC, seq DESC) FROM"
                      . " (SELECT * FROM audit_log WHERE organization_id = '$o' ORDER BY occurred_at DESC, seq DESC"
                      . " LIMIT 10) a");
    my $got = su_sql("SELECT string_agg(e->>'id', ',') FROM"
                     . " json_array_elements(maplat_dashboard_json('$o')->'recent_activity') e");
    return ([split /,/, $got], [split /,/, $want]);
}
is_deeply(recent($org), 'dashboard: the ten newest entries (the last month has 16)');


# more than the bound in the last year, none in the last month: the total is the bound
{
    my $big = su_sql(q{SELECT gen_random_uuid()});
    su_sql(<<"SQL");
INSERT INTO organizations (id, name) VALUES ('$big', 'Windows big $tag');
INSERT INTO audit_log (organization_id, action, resource_type, resource_id, occurred_at)
SELECT '$big', 'deal.update', 'deal', 'r' || g, now() - interval '40 days' - g * interval '1 minute'
  FROM generate_series(1, 1200) g;
SQL
    my $row = su_sql("SELECT total || '|' || total_exact || '|' || json_array_length(items) FROM"
                     . " maplat_audit_list('$big', NULL, NULL, NULL, NULL, '-occurred_at', 20, 0, NULL, NULL, $B)");
    is($row, "$B|false|20", '1,200 entries 40 days old: total is the bound (not exact), a full page');
    $row = su_sql("SELECT total || '|' || total_exact FROM"
                  . " maplat_audit_list('$big', NULL, NULL, NULL, NULL, '-occurred_at', 20, 0, NULL, NULL, 5000)");
    is($row, "1200|true", 'with a larger bound: 1,200, exact');
    is_deeply(recent($big), 'dashboard: the ten newest entries (none in the last month)');
}

done_testing();
