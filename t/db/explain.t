# The hot statements read what they return, not the organization (issue 14).
#
# A fresh organization gets tens of thousands of deals, tasks, documents and audit
# entries; after ANALYZE, every list (first page and a page after a cursor deep in the
# list, each sort, each filter), the deal search, the audit filters, GET
# /audit-logs/{id} and the dashboard run exactly as the API runs them (the SQL
# functions of sql/012_scale.sql), with auto_explain logging the plan of every
# statement they execute, with actual row counts (EXPLAIN ANALYZE, no timing). Each
# case must:
#   * use the index that serves it (its name is asserted),
#   * never Seq Scan a tenant table (deals, prospects, tasks, documents, their
#     permissions, audit_log and its partitions),
#   * read at most a small bound of rows in any plan node (rows returned plus rows
#     removed by filters, over all loops) — far below the organization's size, so no
#     Sort or aggregate over the organization.
# No timing is asserted (that is bench/'s job).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use JSON::PP ();

plan skip_all => 'needs PostgreSQL from scripts/dev' unless have_pg();
diag_to_stderr();

my $su = $ENV{MAPLAT_PGSUPERUSER} || 'postgres';
my ($N_DEALS, $N_TASKS, $N_DOCS, $N_PROSPECTS, $N_AUDIT) = (30000, 20000, 6000, 3000, 40000);
my $MAX_ROWS = 2500;    # per plan node; the organization has 10x more


my $org    = psql_value(q{SELECT gen_random_uuid()});
my $admin  = psql_value(q{SELECT gen_random_uuid()});
my $member = psql_value(q{SELECT gen_random_uuid()});
my $tag    = substr($org, 0, 8);

# ---------------------------------------------------------------- the organization
psql_value(<<"SQL");
SET synchronous_commit = off;
INSERT INTO organizations (id, name) VALUES ('$org', 'Explain $tag');
INSERT INTO users (id, organization_id, email, password_hash, first_name, last_name, role)
SELECT x.id, '$org', x.email, u.password_hash, 'Ex', x.last, x.role
  FROM (VALUES ('$admin'::uuid, 'explain-admin-$tag\@example.com', 'Admin', 'admin'),
               ('$member'::uuid, 'explain-member-$tag\@example.com', 'Member', 'member')) x(id, email, last, role),
       (SELECT password_hash FROM users ORDER BY created_at LIMIT 1) u;
INSERT INTO deals (organization_id, created_by, name, target_company, stage, value, archived, created_at)
SELECT '$org', '$admin', 'Deal ' || g || ' ' || md5(g::text), 'Company ' || (g % 997) || ' ' || md5((g * 7)::text),
       (ARRAY['sourcing','evaluation','due_diligence','negotiation','closing','won','lost'])[1 + g % 7],
       (g % 5000) * 10.5, g % 10 = 0, now() - g * interval '1 second'
  FROM generate_series(1, $N_DEALS) g;
INSERT INTO prospects (organization_id, created_by, company_name, stage, created_at)
SELECT '$org', '$admin', 'Prospect ' || md5(g::text),
       (ARRAY['new','contacted','qualified','engaged','converted','lost'])[1 + g % 6], now() - g * interval '1 second'
  FROM generate_series(1, $N_PROSPECTS) g;
INSERT INTO tasks (organization_id, created_by, title, assignee_id, deal_id, status, due_date, created_at)
SELECT '$org', '$admin', 'Task ' || g, CASE WHEN g % 2 = 0 THEN '$member'::uuid END,
       CASE WHEN g % 1000 = 0 THEN (SELECT id FROM deals WHERE organization_id = '$org' ORDER BY created_at DESC LIMIT 1) END,
       (ARRAY['open','in_progress','done'])[1 + g % 3], CASE WHEN g % 4 <> 0 THEN current_date + g % 400 END,
       now() - g * interval '1 second'
  FROM generate_series(1, $N_TASKS) g;
INSERT INTO documents (organization_id, created_by, title, body, created_at)
SELECT '$org', '$admin', 'Document ' || md5(g::text), 'body', now() - g * interval '1 second'
  FROM generate_series(1, $N_DOCS) g;
INSERT INTO document_permissions (organization_id, document_id, user_id, level)
SELECT '$org', id, '$admin', 'owner' FROM documents WHERE organization_id = '$org';
INSERT INTO document_permissions (organization_id, document_id, user_id, level)
SELECT '$org', id, '$member', 'viewer' FROM documents WHERE organization_id = '$org' AND title LIKE '%0';
INSERT INTO audit_log (organization_id, user_id, action, resource_type, resource_id, occurred_at)
SELECT '$org', CASE WHEN g % 3 = 0 THEN '$member'::uuid ELSE '$admin'::uuid END,
       (ARRAY['deal.create','deal.update','task.update','document.create','auth.login'])[1 + g % 5],
       (ARRAY['deal','deal','task','document','user'])[1 + g % 5], 'r' || (g % 5000),
       now() - g * interval '1 second'
  FROM generate_series(1, $N_AUDIT) g;
SQL
psql_value(q{ANALYZE deals; ANALYZE prospects; ANALYZE tasks; ANALYZE documents; ANALYZE document_permissions;
         ANALYZE audit_log; ANALYZE organization_counters; ANALYZE users});
pass("seeded an organization: $N_DEALS deals, $N_TASKS tasks, $N_DOCS documents, $N_AUDIT audit entries");

# ---------------------------------------------------------------- plans
my $json = JSON::PP->new;
my $BIG = qr/^(deals|prospects|tasks|documents|document_permissions|audit_log(_\w+)?)$/;

# every node of every plan the statement ran (auto_explain, nested statements included)
sub plans_of {
    my ($sql) = @_;
    my ($rc, $out) = psql(<<"SQL", user => $su);
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_analyze = on;
SET auto_explain.log_timing = off;
SET auto_explain.log_format = json;
SET auto_explain.log_level = notice;
SET client_min_messages = notice;
$sql
SQL
    die "psql failed ($rc): $out\n$sql\n" if $rc;
    my @plans;
    while ($out =~ /plan:\s*\n?/g) {
        my ($data) = eval { $json->decode_prefix(substr($out, pos($out))) };
        push @plans, $data if $data;
    }
    return @plans;
}

sub walk {
    my ($node, $cb) = @_;
    $cb->($node);
    walk($_, $cb) for @{ $node->{Plans} || [] };
}

# a partition's index by the name of the partitioned table's index it belongs to
my %parent;
sub parent_index {
    my ($i) = @_;
    return $parent{$i} //= psql_value("SELECT COALESCE((SELECT p.relname FROM pg_inherits h"
                                    . " JOIN pg_class p ON p.oid = h.inhparent"
                                    . " WHERE h.inhrelid = to_regclass('$i')), '$i')");
}
sub plan_ok {
    my ($name, $sql, @indexes) = @_;
    my @plans = plans_of($sql);
    my (@bad, %used, $statements);
    for my $p (@plans) {
        next unless ref $p eq 'HASH' && $p->{Plan};
        $statements++;
        my $text = $p->{'Query Text'} // '';
        walk($p->{Plan}, sub {
            my ($n) = @_;
            my $rel = $n->{'Relation Name'} // '';
            $used{ parent_index($n->{'Index Name'}) } = 1 if $n->{'Index Name'};
            my $loops = $n->{'Actual Loops'} || 1;
            my $rows = ($n->{'Actual Rows'} // 0) + ($n->{'Rows Removed by Filter'} // 0)
                     + ($n->{'Rows Removed by Index Recheck'} // 0);
            # (the DEFAULT partition holds the demo data's few old entries)
            push @bad, "Seq Scan on $rel" if $n->{'Node Type'} eq 'Seq Scan' && $rel =~ $BIG && $rows * $loops > 200;
            push @bad, sprintf('%s%s handles %d rows', $n->{'Node Type'}, $rel ? " on $rel" : '', $rows * $loops)
                if $rows * $loops > $MAX_ROWS;
        });
    }
    ok($statements, "$name: plans logged") or diag($sql);
    ok(!@bad, "$name: no Seq Scan of a tenant table, no node over $MAX_ROWS rows")
        or diag(join("\n", @bad));
    for my $i (@indexes) {
        ok((grep { /^$i$/ } keys %used), "$name: uses $i") or diag('indexes used: ' . join(', ', sort keys %used));
    }
}

my $B = 1000;    # the total bound (API_TOTAL_BOUND)
sub list_call {
    my ($fn, $args, $lim, $key, $tie) = @_;
    my $k = defined $key ? "'" . ($key =~ s/'/''/gr) . "'" : 'NULL';
    my $t = defined $tie ? "'$tie'" : 'NULL';
    return "SELECT total, total_exact, next_key IS NOT NULL FROM $fn($args, $lim, 0, $k, $t, $B)";
}

# a cursor deep in the list: the key and tie of the row at position $at in that order
sub cursor_at {
    my ($fn, $args, $at) = @_;
    my ($key, $tie);
    # page through with page_size 100 using OFFSET once (not explained)
    my $row = psql_value("SELECT next_key || '|' || next_tie FROM $fn($args, 100, $at, NULL, NULL, $B)");
    ($key, $tie) = split /\|/, $row, 2;
    return ($key, $tie);
}

# ---------------------------------------------------------------- deals
my %deal_index = ('created_at' => 'deals_list_created_idx', 'name' => 'deals_list_name_idx',
                  'value' => 'deals_list_value_idx');
for my $sort (qw(-created_at created_at name -name value -value)) {
    (my $base = $sort) =~ s/^-//;
    my $args = "'$org', false, NULL, NULL, '$sort'";
    plan_ok("deals sort=$sort, first page", list_call('maplat_deal_list', $args, 20), $deal_index{$base});
    my ($k, $t) = cursor_at('maplat_deal_list', $args, 15000);
    ok(defined $t && length $t, "deals sort=$sort: a cursor 15,000 rows deep");
    plan_ok("deals sort=$sort, page after the cursor", list_call('maplat_deal_list', $args, 20, $k, $t),
            $deal_index{$base});
    my $sargs = "'$org', false, 'negotiation', NULL, '$sort'";
    plan_ok("deals stage=negotiation sort=$sort", list_call('maplat_deal_list', $sargs, 20),
            'deals_list_stage_' . ($base eq 'created_at' ? 'created' : $base) . '_idx');
}
plan_ok('deals archived=true', list_call('maplat_deal_list', "'$org', true, NULL, NULL, '-created_at'", 20),
        'deals_list_created_idx');
{
    my $hash = psql_value("SELECT substr(md5('12345'), 5, 6)");
    plan_ok('deals q= (selective: a name fragment)',
            list_call('maplat_deal_list', "'$org', false, NULL, '%$hash%', '-created_at'", 20), 'deals_name_trgm_idx');
    my $co = psql_value("SELECT substr(md5((777 * 7)::text), 3, 7)");
    plan_ok('deals q= (selective: a target company fragment)',
            list_call('maplat_deal_list', "'$org', false, NULL, '%$co%', 'name'", 20), 'deals_company_trgm_idx');
    plan_ok('deals q= (matches every deal)',
            list_call('maplat_deal_list', "'$org', false, NULL, '%deal%', '-created_at'", 20));
}

# ---------------------------------------------------------------- prospects
for my $sort (qw(-created_at name)) {
    (my $base = $sort) =~ s/^-//;
    my $idx = $base eq 'name' ? 'prospects_list_name_idx' : 'prospects_list_created_idx';
    plan_ok("prospects sort=$sort", list_call('maplat_prospect_list', "'$org', false, NULL, '$sort'", 20), $idx);
    plan_ok("prospects stage=qualified sort=$sort",
            list_call('maplat_prospect_list', "'$org', false, 'qualified', '$sort'", 20),
            'prospects_list_stage_' . ($base eq 'created_at' ? 'created' : $base) . '_idx');
}

# ---------------------------------------------------------------- tasks
my %task_index = ('-created_at' => 'created', 'created_at' => 'created', 'due_date' => 'due', '-due_date' => 'due_desc');
for my $sort (qw(-created_at created_at due_date -due_date)) {
    my $s = $task_index{$sort};
    my $args = "'$org', NULL, NULL, NULL, '$sort'";
    plan_ok("tasks sort=$sort", list_call('maplat_task_list', $args, 20), "tasks_list_${s}_idx");
    my ($k, $t) = cursor_at('maplat_task_list', $args, 10000);
    plan_ok("tasks sort=$sort, page after a deep cursor", list_call('maplat_task_list', $args, 20, $k, $t),
            "tasks_list_${s}_idx");
    plan_ok("tasks status=open sort=$sort", list_call('maplat_task_list', "'$org', 'open', NULL, NULL, '$sort'", 20),
            "tasks_list_status_${s}_idx");
    plan_ok("tasks assignee_id sort=$sort",
            list_call('maplat_task_list', "'$org', NULL, '$member', NULL, '$sort'", 20),
            "tasks_list_assignee_${s}_idx");
}
{
    my $deal = psql_value("SELECT deal_id FROM tasks WHERE organization_id = '$org' AND deal_id IS NOT NULL LIMIT 1");
    plan_ok('tasks deal_id', list_call('maplat_task_list', "'$org', NULL, NULL, '$deal', '-created_at'", 20),
            'tasks_list_deal_created_idx');
}

# ---------------------------------------------------------------- documents
for my $sort (qw(-created_at name)) {
    (my $base = $sort) =~ s/^-//;
    my $idx = $base eq 'name' ? 'documents_list_name_idx' : 'documents_list_created_idx';
    plan_ok("documents (admin) sort=$sort",
            list_call('maplat_document_list', "'$admin', 'admin', '$org', false, NULL, '$sort'", 20), $idx);
    plan_ok("documents (member: granted ones only) sort=$sort",
            list_call('maplat_document_list', "'$member', 'member', '$org', false, NULL, '$sort'", 20));
}

# ---------------------------------------------------------------- audit log
{
    my $args = "'$org', NULL, NULL, NULL, NULL, '-occurred_at'";
    plan_ok('audit-logs newest first', list_call('maplat_audit_list', $args, 20), 'audit_log_org_occurred_idx');
    # the newest entries come from the last month's partitions (sql/014): with three years
    # of monthly partitions, the older ones are pruned when each plan starts, not scanned
    psql_value(q{SELECT maplat_audit_partitions_ensure(12, now() - interval '3 years')});
    # the monthly partitions that end before the first window (the last month) starts
    my $old = psql_value(q{SELECT count(*) FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
                          WHERE h.inhparent = 'audit_log'::regclass AND c.relname ~ '^audit_log_\d{4}_\d{2}$'
                            AND to_date(substr(c.relname, 11), 'YYYY_MM') + interval '1 month'
                                <= now() - interval '1 month'});
    ok($old >= 24, "$old monthly partitions end before the last month");
    for my $f (['newest first', $args], ['action', "'$org', NULL, NULL, NULL, 'task.update', '-occurred_at'"],
               ['user_id', "'$org', NULL, NULL, '$member', NULL, '-occurred_at'"]) {
        my ($pruned, $scans) = (0, 0);
        for my $p (plans_of(list_call('maplat_audit_list', $f->[1], 20))) {
            next unless ref $p eq 'HASH' && $p->{Plan};
            walk($p->{Plan}, sub {
                my ($n) = @_;
                $pruned += $n->{'Subplans Removed'} // 0;
                $scans++ if ($n->{'Relation Name'} // '') =~ /^audit_log_/;
            });
        }
        ok($pruned >= 2 * $old, "audit-logs $f->[0], page and total: $pruned old partitions pruned when the plans"
                                . " start (each of the two statements prunes the $old)");
        ok($scans <= 2 * 16, "audit-logs $f->[0], page and total: $scans partition scans (the last month's, those ahead,"
                             . ' DEFAULT)');
    }
    my ($k, $t) = cursor_at('maplat_audit_list', $args, 30000);
    plan_ok('audit-logs, page after a deep cursor', list_call('maplat_audit_list', $args, 20, $k, $t),
            'audit_log_org_occurred_idx');
    plan_ok('audit-logs oldest first',
            list_call('maplat_audit_list', "'$org', NULL, NULL, NULL, NULL, 'occurred_at'", 20),
            'audit_log_org_occurred_idx');
    plan_ok('audit-logs resource_type + resource_id',
            list_call('maplat_audit_list', "'$org', 'deal', 'r1234', NULL, NULL, '-occurred_at'", 20),
            'audit_log_org_resource_idx');
    plan_ok('audit-logs resource_type',
            list_call('maplat_audit_list', "'$org', 'task', NULL, NULL, NULL, '-occurred_at'", 20),
            'audit_log_org_type_idx');
    plan_ok('audit-logs user_id', list_call('maplat_audit_list', "'$org', NULL, NULL, '$member', NULL, '-occurred_at'", 20),
            'audit_log_org_user_idx');
    plan_ok('audit-logs action', list_call('maplat_audit_list', "'$org', NULL, NULL, NULL, 'task.update', '-occurred_at'", 20),
            'audit_log_org_action_idx');
    my $id = psql_value("SELECT id FROM audit_log WHERE organization_id = '$org' ORDER BY occurred_at LIMIT 1 OFFSET 100");
    plan_ok('GET /audit-logs/{id}',
            "SELECT maplat_audit_json(a) FROM audit_log a WHERE a.id = '$id' AND a.organization_id = '$org'",
            'audit_log_pkey');
}

# ---------------------------------------------------------------- dashboard
plan_ok('dashboard metrics (cache miss)', "SELECT maplat_dashboard_json('$org')", 'audit_log_org_occurred_idx');
is(psql_value("SELECT (maplat_dashboard_json('$org') ->> 'deals_count')"),
   psql_value("SELECT count(*) FROM deals WHERE organization_id = '$org' AND deleted_at IS NULL AND NOT archived"),
   'dashboard deals_count: the counters are exact');
is(psql_value("SELECT (maplat_dashboard_json('$org') ->> 'pipeline_value')::numeric"),
   psql_value("SELECT sum(value) FROM deals WHERE organization_id = '$org' AND deleted_at IS NULL AND NOT archived"
            . " AND stage NOT IN ('won', 'lost')"),
   'dashboard pipeline_value: exact');

done_testing();
