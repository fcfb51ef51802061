package Maplat::Cache;
# Helpers for the cache, community and performance tests (t/cache, t/community,
# t/performance).
#
#   (requests: api() of Maplat::Test, re-exported here)
#   my $want = expected_dashboard($ORG{acme});   # the dashboard computed by psql, independently
#   dashboard_ok($r, $want, 'name');             # every field equal (one assertion)
#   xcache_is($r, 'HIT', 'name');
use strict;
use warnings;

use JSON::PP ();
use Test::More ();
use Exporter 'import';

use Maplat::Test;
use Maplat::Api ();

our @EXPORT = qw(
    api xcache_is expected_dashboard dashboard_ok dashboard_core money2 @STAGES
    sql_quote raw_value ratio_is
);

our @STAGES = qw(sourcing evaluation due_diligence negotiation closing won lost);

my $JSON = JSON::PP->new->utf8->canonical;

sub xcache_is {
    my ($r, $want, $name) = @_;
    return Test::More::is($r->{headers}{'x-cache'} // '(none)', $want, "$name: X-Cache: $want");
}

sub money2 {
    my ($v) = @_;
    return 'undef' unless defined $v;
    return sprintf '%.2f', $v;
}

# The text of a field's value in a JSON body (numbers as written: "3.0000"),
# 'null' for null, undef when absent. The first occurrence of "name":.
sub raw_value {
    my ($body, $name) = @_;
    return undef unless defined $body;
    return $1 if $body =~ /"\Q$name\E"\s*:\s*(null|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|"(?:[^"\\]|\\.)*")/;
    return undef;
}

# ratio_is($body_or_hash_text, 'current_ratio', '1.2345' | undef, $name): the
# value is that number to 4 decimals exactly (never more decimals), or null.
sub ratio_is {
    my ($body, $field, $want, $name) = @_;
    my $got = raw_value($body, $field);
    if (!defined $want) {
        return Test::More::is($got, 'null', "$name: $field is null");
    }
    # compare the digits as text (no binary floats): "-0.5" and "-0.5000" are
    # both -0.5000; more than 4 decimals never match
    my $ok = 0;
    if (defined $got && $got =~ /^(-?\d+)(?:\.(\d{1,4}))?$/) {
        my ($i, $f) = ($1, $2 // '');
        $f .= '0' x (4 - length $f);
        $ok = "$i.$f" eq $want;
    }
    return Test::More::ok($ok, "$name: $field = $want") || Test::More::diag("got " . ($got // 'absent'));
}

sub sql_quote { my ($s) = @_; $s =~ s/'/''/g; "'$s'" }

# The dashboard of an organization as API.md defines it, computed here with
# plain SQL (not the server's statement): counts without archived and
# soft-deleted rows, pipeline_value without won, lost and archived deals,
# deals_by_stage for every stage, the ids of the last 10 audit entries.
sub expected_dashboard {
    my ($org) = @_;
    my $o = sql_quote($org) . '::uuid';
    my $sql = <<"SQL";
SELECT json_build_object(
  'deals_count', (SELECT count(*) FROM deals WHERE organization_id = $o AND deleted_at IS NULL AND archived = false),
  'documents_count', (SELECT count(*) FROM documents WHERE organization_id = $o AND deleted_at IS NULL AND archived = false),
  'tasks_count', (SELECT count(*) FROM tasks WHERE organization_id = $o AND deleted_at IS NULL),
  'open_tasks_count', (SELECT count(*) FROM tasks WHERE organization_id = $o AND deleted_at IS NULL AND status IN ('open', 'in_progress')),
  'pipeline_value', (SELECT to_char(coalesce(sum(value), 0), 'FM99999999999999999990.00') FROM deals
                      WHERE organization_id = $o AND deleted_at IS NULL AND archived = false
                        AND stage NOT IN ('won', 'lost')),
  'by_stage', (SELECT json_object_agg(stage, n) FROM (SELECT stage, count(*) AS n FROM deals
                 WHERE organization_id = $o AND deleted_at IS NULL AND archived = false GROUP BY stage) s),
  'recent_ids', (SELECT json_agg(id) FROM (SELECT id FROM audit_log WHERE organization_id = $o
                 ORDER BY occurred_at DESC, seq DESC LIMIT 10) x))
SQL
    $sql =~ s/\n/ /g;
    my $out = Maplat::Api::db_value($sql);
    my $j = $JSON->decode($out);
    my %by = map { $_ => 0 } @STAGES;
    %by = (%by, %{ $j->{by_stage} || {} });
    return {
        deals_count      => $j->{deals_count},
        documents_count  => $j->{documents_count},
        tasks_count      => $j->{tasks_count},
        open_tasks_count => $j->{open_tasks_count},
        pipeline_value   => $j->{pipeline_value},
        deals_by_stage   => \%by,
        recent_ids       => $j->{recent_ids} || [],
    };
}

# The comparable part of a dashboard answer (numbers normalized).
sub dashboard_core {
    my ($j) = @_;
    $j = {} unless ref $j eq 'HASH';
    my $by = ref $j->{deals_by_stage} eq 'HASH' ? $j->{deals_by_stage} : {};
    return {
        deals_count      => $j->{deals_count},
        documents_count  => $j->{documents_count},
        tasks_count      => $j->{tasks_count},
        open_tasks_count => $j->{open_tasks_count},
        pipeline_value   => defined $j->{pipeline_value} ? money2($j->{pipeline_value}) : undef,
        deals_by_stage   => { map { $_ => $by->{$_} } keys %$by },
        recent_ids       => [ map { ref $_ eq 'HASH' ? $_->{id} : undef }
                              @{ ref $j->{recent_activity} eq 'ARRAY' ? $j->{recent_activity} : [] } ],
    };
}

sub dashboard_ok {
    my ($r, $want, $name) = @_;
    my $got = dashboard_core($r->{json});
    my %w = %$want;
    $w{pipeline_value} = money2($w{pipeline_value});
    # numbers from JSON vs numbers from psql: compare as numbers
    for my $k (qw(deals_count documents_count tasks_count open_tasks_count)) {
        $got->{$k} += 0 if defined $got->{$k} && $got->{$k} =~ /^\d+$/;
        $w{$k} += 0;
    }
    $w{deals_by_stage} = { map { $_ => $want->{deals_by_stage}{$_} + 0 } keys %{ $want->{deals_by_stage} } };
    return Test::More::is_deeply($got, \%w, "$name: dashboard as computed from the database")
        || Test::More::diag("body: " . substr($r->{body} // '', 0, 1500));
}

1;
