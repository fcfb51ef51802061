# Dashboard (API.md "Dashboard and financials (cached)"):
#   GET /dashboard/metrics has every field, with the values the database
#   holds (counts without archived and deleted rows, pipeline_value without
#   won / lost / archived deals, every stage, the last 10 audit entries);
#   MISS then HIT; every kind of write (POST, PATCH, DELETE, bulk) read at once
#   afterwards shows the write (MISS, new values) with the exact deltas of the
#   write, on this server and on a second httpd sharing PostgreSQL and
#   memcached; tenant separation of the cached bodies.
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

my $DASH = '/api/v1/dashboard/metrics';
my $admin = token('admin@acme.example');
my $analyst = token('analyst@acme.example');
my $viewer = token('viewer@acme.example');
my $globex = token('admin@globex.example');

mc_start() unless mc_running();    # a previous test may have left it stopped

# ------------------------------------------------------------ authentication
{
    my $r = api(GET => $DASH, undef, undef);
    is($r->{status}, 401, 'no token: 401');
}

# ------------------------------------------------------------ shape and values
my $r = api(GET => $DASH, undef, $admin);
is($r->{status}, 200, 'GET /dashboard/metrics: 200') or diag($r->{body});
common_headers_ok($r, 'dashboard');
like($r->{headers}{'content-type'} // '', qr{^application/json}, 'application/json');
like($r->{headers}{'x-cache'} // '', qr/^(HIT|MISS)$/, 'X-Cache is HIT or MISS');
my $j = ref $r->{json} eq 'HASH' ? $r->{json} : {};
for my $k (qw(deals_count documents_count tasks_count open_tasks_count)) {
    ok(defined $j->{$k} && !ref $j->{$k} && $j->{$k} =~ /^\d+$/, "$k is a whole number")
        or diag("$k: " . ($j->{$k} // 'missing'));
}
ok(defined $j->{pipeline_value} && !ref $j->{pipeline_value} && $j->{pipeline_value} =~ /^\d+(\.\d{1,2})?$/,
   'pipeline_value is a number with at most 2 decimals');
ok(ref $j->{deals_by_stage} eq 'HASH', 'deals_by_stage is an object');
is_deeply([sort keys %{ $j->{deals_by_stage} || {} }], [sort @STAGES], 'deals_by_stage names every stage');
ok(!grep({ !defined $_ || $_ !~ /^\d+$/ } values %{ $j->{deals_by_stage} || {} }), 'stage counts are whole numbers');
ok(ref $j->{recent_activity} eq 'ARRAY', 'recent_activity is an array');
cmp_ok(scalar @{ $j->{recent_activity} || [] }, '==', 10, 'recent_activity: the last 10 entries (the demo has more)');
{
    my @bad = grep {
        ref $_ ne 'HASH' || !defined $_->{id} || !defined $_->{action} || !exists $_->{resource_type}
            || !exists $_->{resource_id} || ref $_->{user} ne 'HASH' || !defined $_->{occurred_at}
    } @{ $j->{recent_activity} || [] };
    ok(!@bad, 'each recent_activity entry is an audit entry {id, action, resource_type, resource_id, user, occurred_at}');
    my @times = map { $_->{occurred_at} // '' } @{ $j->{recent_activity} || [] };
    is_deeply(\@times, [sort { $b cmp $a } @times], 'recent_activity newest first');
}
dashboard_ok($r, expected_dashboard($ORG{acme}), 'first read');

# the same entries the audit log API lists first
{
    my $a = api(GET => '/api/v1/audit-logs?page_size=10', undef, $admin);
    is($a->{status}, 200, 'GET /audit-logs?page_size=10: 200');
    is_deeply([map { $_->{id} } @{ $j->{recent_activity} || [] }],
              [map { $_->{id} } @{ ($a->{json} || {})->{items} || [] }],
              'recent_activity = the first page of /audit-logs (10 newest)');
}

# ------------------------------------------------------------ MISS then HIT
# a write of our own starts a new generation: the next read computes
my $seed = create_ok($admin, '/api/v1/deals', { name => uniq('dash seed'), stage => 'sourcing', value => 10 });
my $m1 = api(GET => $DASH, undef, $admin);
is($m1->{status}, 200, 'read after a write: 200');
xcache_is($m1, 'MISS', 'read after a write');
is($m1->{headers}{'cache-control'} // '', 'private, no-cache', 'Cache-Control: private, no-cache')
    if defined $m1->{headers}{'cache-control'};
my $h1 = api(GET => $DASH, undef, $admin);
xcache_is($h1, 'HIT', 'second read');
same_body_ok($m1, $h1, 'HIT body = MISS body');
my $h2 = api(GET => $DASH, undef, $analyst);
xcache_is($h2, 'HIT', 'another user of the organization');
same_body_ok($m1, $h2, 'the organization shares one entry');
my $hv = api(GET => $DASH, undef, $viewer);
is($hv->{status}, 200, 'a viewer reads the dashboard');
same_body_ok($m1, $hv, 'the viewer sees the same dashboard');
is(($m1->{json}{recent_activity}[0] || {})->{resource_id}, $seed->{id}, 'the newest activity is our deal.create');
is(($m1->{json}{recent_activity}[0] || {})->{action}, 'deal.create', '... action deal.create');

# ------------------------------------------------------------ writes, read at once
my $prev = dashboard_core($h1->{json});

# step($name, $write_sub, \%delta, port => p): runs the write, reads at once
# (on port p when given): MISS, the values the database holds, exactly the
# expected change against the previous answer; then a HIT with the same body.
sub step {
    my ($name, $write, $delta, %o) = @_;
    my $w = $write->();
    ok($w->{status} >= 200 && $w->{status} < 300, "$name: write succeeds ($w->{status})")
        or diag(substr($w->{body} // $w->{error} // '', 0, 400));
    my $r = api(GET => $DASH, undef, $admin, ($o{port} ? (port => $o{port}) : ()));
    is($r->{status}, 200, "$name: read at once: 200");
    xcache_is($r, 'MISS', "$name: read at once");
    dashboard_ok($r, expected_dashboard($ORG{acme}), "$name: read at once");
    my $got = dashboard_core($r->{json});
    my %want = (%$prev, deals_by_stage => { %{ $prev->{deals_by_stage} } });
    for my $k (keys %$delta) {
        if ($k eq 'pipeline_value') {
            $want{$k} = money2($prev->{$k} + $delta->{$k});
        }
        elsif (exists $want{deals_by_stage}{$k}) {
            $want{deals_by_stage}{$k} += $delta->{$k};
        }
        else {
            $want{$k} += $delta->{$k};
        }
    }
    delete $want{recent_ids};
    my %g = %$got;
    delete $g{recent_ids};
    is_deeply(\%g, \%want, "$name: exactly the change the write made");
    if ($o{audit}) {
        my $first = ($r->{json}{recent_activity} || [])->[0] || {};
        is("$first->{action} " . ($first->{resource_id} // ''), $o{audit}, "$name: newest activity is $o{audit}");
    }
    my $again = api(GET => $DASH, undef, $admin, ($o{port} ? (port => $o{port}) : ()));
    xcache_is($again, 'HIT', "$name: read again");
    same_body_ok($r, $again, "$name: HIT = MISS");
    $prev = $got;
    return $w;
}

my ($dealA, $dealB, $dealC);
step('POST /deals (negotiation, 1000.50)', sub {
    my $w = api(POST => '/api/v1/deals', { name => uniq('dash A'), stage => 'negotiation', value => 1000.50 }, $admin);
    $dealA = $w->{json} || {};
    $w;
}, { deals_count => 1, negotiation => 1, pipeline_value => 1000.50 });
is($prev->{recent_ids}[0], db_value("SELECT id FROM audit_log WHERE resource_id = '$dealA->{id}' AND action = 'deal.create'"),
   'recent_activity starts with the deal.create entry of deal A');

step('POST /deals (won, 777)', sub {
    my $w = api(POST => '/api/v1/deals', { name => uniq('dash B'), stage => 'won', value => 777 }, $admin);
    $dealB = $w->{json} || {};
    $w;
}, { deals_count => 1, won => 1 });

step('POST /deals (closing, 250.25) by a member', sub {
    my $w = api(POST => '/api/v1/deals', { name => uniq('dash C'), stage => 'closing', value => 250.25 }, $analyst);
    $dealC = $w->{json} || {};
    $w;
}, { deals_count => 1, closing => 1, pipeline_value => 250.25 });

step('PATCH stage closing -> lost', sub { api(PATCH => "/api/v1/deals/$dealC->{id}", { stage => 'lost' }, $admin) },
     { closing => -1, lost => 1, pipeline_value => -250.25 }, audit => "deal.update $dealC->{id}");

step('PATCH value 1000.50 -> 2000.75', sub { api(PATCH => "/api/v1/deals/$dealA->{id}", { value => 2000.75 }, $admin) },
     { pipeline_value => 1000.25 });

step('POST /bulk/archive deal A', sub {
    api(POST => '/api/v1/bulk/archive', { resource_type => 'deal', ids => [$dealA->{id}] }, $admin);
}, { deals_count => -1, negotiation => -1, pipeline_value => -2000.75 });

step('POST /bulk/unarchive deal A', sub {
    api(POST => '/api/v1/bulk/unarchive', { resource_type => 'deal', ids => [$dealA->{id}] }, $admin);
}, { deals_count => 1, negotiation => 1, pipeline_value => 2000.75 });

step('PATCH archived true (deal A)', sub { api(PATCH => "/api/v1/deals/$dealA->{id}", { archived => JSON::PP::true }, $admin) },
     { deals_count => -1, negotiation => -1, pipeline_value => -2000.75 });

step('PATCH on an archived deal: value changes nothing', sub {
    api(PATCH => "/api/v1/deals/$dealA->{id}", { value => 5 }, $admin);
}, {});

step('DELETE /deals/{id} (won deal B)', sub { api(DELETE => "/api/v1/deals/$dealB->{id}", undef, $admin) },
     { deals_count => -1, won => -1 });

step('POST /bulk/delete (lost deal C)', sub {
    api(POST => '/api/v1/bulk/delete', { resource_type => 'deal', ids => [$dealC->{id}] }, $admin);
}, { deals_count => -1, lost => -1 });

my ($task, $task2, $doc, $doc2);
step('POST /tasks (open)', sub {
    my $w = api(POST => '/api/v1/tasks', { title => uniq('dash task') }, $analyst);
    $task = $w->{json} || {};
    $w;
}, { tasks_count => 1, open_tasks_count => 1 });
step('POST /tasks (done)', sub {
    my $w = api(POST => '/api/v1/tasks', { title => uniq('dash task done'), status => 'done' }, $analyst);
    $task2 = $w->{json} || {};
    $w;
}, { tasks_count => 1 });
step('PATCH task -> in_progress', sub { api(PATCH => "/api/v1/tasks/$task->{id}", { status => 'in_progress' }, $analyst) }, {});
step('PATCH task -> done', sub { api(PATCH => "/api/v1/tasks/$task->{id}", { status => 'done' }, $analyst) },
     { open_tasks_count => -1 });
step('PATCH done task -> open', sub { api(PATCH => "/api/v1/tasks/$task2->{id}", { status => 'open' }, $analyst) },
     { open_tasks_count => 1 });
step('DELETE /tasks/{id} (open task)', sub { api(DELETE => "/api/v1/tasks/$task2->{id}", undef, $analyst) },
     { tasks_count => -1, open_tasks_count => -1 });

step('POST /documents', sub {
    my $w = api(POST => '/api/v1/documents', { title => uniq('dash doc'), body => 'x' }, $analyst);
    $doc = $w->{json} || {};
    $w;
}, { documents_count => 1 });
step('POST /documents (2)', sub {
    my $w = api(POST => '/api/v1/documents', { title => uniq('dash doc 2'), body => 'y' }, $admin);
    $doc2 = $w->{json} || {};
    $w;
}, { documents_count => 1 });
step('POST /bulk/archive document', sub {
    api(POST => '/api/v1/bulk/archive', { resource_type => 'document', ids => [$doc->{id}] }, $admin);
}, { documents_count => -1 });
step('DELETE /documents/{id}', sub { api(DELETE => "/api/v1/documents/$doc2->{id}", undef, $admin) },
     { documents_count => -1 });
step('POST /audit-logs (a client event)', sub {
    api(POST => '/api/v1/audit-logs', { action => 'dashboard.viewed', resource_type => 'dashboard',
                                                 resource_id => 'acme' }, $admin);
}, {}, audit => 'dashboard.viewed acme');

# A refused write (403, 422) changes nothing; the cache may keep its entry.
{
    my $w = api(POST => '/api/v1/deals', { name => uniq('viewer deal') }, $viewer);
    is($w->{status}, 403, 'a viewer cannot create a deal');
    my $r2 = api(GET => $DASH, undef, $admin);
    my %g = %{ dashboard_core($r2->{json}) };
    is_deeply([@g{qw(deals_count pipeline_value)}], [@$prev{qw(deals_count pipeline_value)}], 'a refused write changes nothing');
    dashboard_ok($r2, expected_dashboard($ORG{acme}), 'after a refused write');
}

# ------------------------------------------------------------ audit entries written by logins
# recent_activity lists the last 10 audit entries: a login (auth.login) and a
# failed login of an existing account (auth.login_failed) write entries of the
# organization, so the next dashboard read must show them like any other write.
{
    my $fresh = new_user($admin, role => 'member', first_name => 'Dash');
    api(GET => $DASH, undef, $admin);
    my $h = api(GET => $DASH, undef, $admin);
    xcache_is($h, 'HIT', 'before the logins: cached');
    my $l = login($fresh->{email}, 'maplat-test-password-1');
    is($l->{status}, 200, 'a user of the organization logs in');
    # (new_user logged in once already: the entry of *this* login is the newest one)
    my $login_id = db_value("SELECT id FROM audit_log WHERE action = 'auth.login' AND resource_id = '$fresh->{id}'"
                            . ' ORDER BY seq DESC LIMIT 1');
    ok($login_id, 'auth.login audited');
    my $r1 = api(GET => $DASH, undef, $admin);
    my $first = (($r1->{json} || {})->{recent_activity} || [])->[0] || {};
    is($first->{id} // '', $login_id, 'read at once after a login: its auth.login entry is the newest activity');
    dashboard_ok($r1, expected_dashboard($ORG{acme}), 'read at once after a login');
    $l = login($fresh->{email}, 'wrong-password-for-the-test');
    is($l->{status}, 401, 'a failed login of that user');
    my $r2 = api(GET => $DASH, undef, $admin);
    $first = (($r2->{json} || {})->{recent_activity} || [])->[0] || {};
    my $failed_id = db_value("SELECT id FROM audit_log WHERE action = 'auth.login_failed' AND user_id = '$fresh->{id}'"
                             . ' ORDER BY seq DESC LIMIT 1');
    ok($failed_id, 'auth.login_failed audited for the organization');
    is($first->{id} // '', $failed_id, 'read at once after a failed login: auth.login_failed is the newest activity');
    dashboard_ok($r2, expected_dashboard($ORG{acme}), 'read at once after a failed login');
    # a real write afterwards brings everything back in line
    create_ok($admin, '/api/v1/deals', { name => uniq('dash after logins') });
    $prev->{deals_count}++;
    $prev->{deals_by_stage}{sourcing}++;
    dashboard_ok(api(GET => $DASH, undef, $admin), expected_dashboard($ORG{acme}), 'after the next write');
}

# ------------------------------------------------------------ tenant separation
{
    my $a1 = api(GET => $DASH, undef, $admin);
    is($a1->{status}, 200, 'Acme has a cached dashboard');
    my $g1 = api(GET => $DASH, undef, $globex);
    is($g1->{status}, 200, 'Globex: 200');
    dashboard_ok($g1, expected_dashboard($ORG{globex}), 'Globex');
    isnt(strip_cid($g1->{body}), strip_cid($a1->{body}), "Globex's body is not Acme's");
    my @acme_ids = grep { defined } map { $_->{id} } @{ $a1->{json}{recent_activity} || [] };
    my %g_ids = map { ($_->{id} // '') => 1 } @{ $g1->{json}{recent_activity} || [] };
    ok(!grep({ $g_ids{$_} } @acme_ids), "none of Acme's audit entries in Globex's recent_activity");
    my $leak = grep { index($g1->{body}, $_) >= 0 } grep { defined } ($dealA->{id}, $dealB->{id}, $dealC->{id}, $seed->{id},
                                                                      $task->{id}, $doc->{id});
    is($leak, 0, "no id of Acme's objects in Globex's dashboard");
    my $g2 = api(GET => $DASH, undef, $globex);
    xcache_is($g2, 'HIT', 'Globex read again');
    same_body_ok($g1, $g2, "Globex's HIT is Globex's body");
    # a Globex write leaves Acme's answer correct, and Acme's write Globex's
    my $gd = create_ok($globex, '/api/v1/deals', { name => uniq('globex dash'), stage => 'evaluation', value => 31 });
    my $g3 = api(GET => $DASH, undef, $globex);
    xcache_is($g3, 'MISS', 'Globex after its own write');
    dashboard_ok($g3, expected_dashboard($ORG{globex}), 'Globex after its own write');
    is($g3->{json}{deals_count}, $g1->{json}{deals_count} + 1, 'Globex deals_count +1');
    my $a2 = api(GET => $DASH, undef, $admin);
    dashboard_ok($a2, expected_dashboard($ORG{acme}), "Acme after Globex's write");
    is($a2->{json}{deals_count}, $a1->{json}{deals_count}, "Globex's write does not change Acme's count");
    ok(index($a2->{body}, $gd->{id}) < 0, "Globex's new deal is nowhere in Acme's dashboard");
    # the keys carry the organization (maplat:c:<org>:...): look in memcached
    my $keys = mc_keys();
    if (defined $keys) {
        my @dash = grep { /:dashboard$/ } @$keys;
        ok(scalar(grep { /\Q$ORG{acme}\E/ } @dash) && scalar(grep { /\Q$ORG{globex}\E/ } @dash),
           'memcached holds a dashboard entry per organization, keyed by organization')
            or diag("keys: @dash");
    }
    else {
        pass('memcached key listing not available (lru_crawler metadump)');
    }
}

# ------------------------------------------------------------ a second server
{
    my $s2 = eval { second_httpd(name => 'cache-dash') };
    ok($s2, 'a second httpd sharing PostgreSQL and memcached started') or diag($@);
    SKIP: {
        skip 'no second httpd', 30 unless $s2;
        my $p2 = $s2->{port};
        my $a1 = api(GET => $DASH, undef, $admin);
        my $b1 = api(GET => $DASH, undef, $admin, port => $p2);
        is($b1->{status}, 200, 'server 2: 200');
        xcache_is($b1, 'HIT', 'server 2 reads the entry server 1 stored');
        same_body_ok($a1, $b1, 'both servers answer the same');

        # written on server 1, read at once on server 2
        my $x;
        step('server 1 POST /deals, read on server 2', sub {
            my $w = api(POST => '/api/v1/deals', { name => uniq('dash 2srv'), stage => 'due_diligence', value => 12.34 }, $admin);
            $x = $w->{json} || {};
            $w;
        }, { deals_count => 1, due_diligence => 1, pipeline_value => 12.34 }, port => $p2);
        my $c1 = api(GET => $DASH, undef, $admin);
        xcache_is($c1, 'HIT', 'server 1 reads the entry server 2 stored');
        step('server 1 PATCH, read on server 2', sub { api(PATCH => "/api/v1/deals/$x->{id}", { stage => 'won' }, $admin) },
             { due_diligence => -1, won => 1, pipeline_value => -12.34 }, port => $p2);
        # written on server 2, read at once on server 1
        step('server 2 PATCH, read on server 1', sub {
            api(PATCH => "/api/v1/deals/$x->{id}", { stage => 'evaluation' }, $admin, port => $p2);
        }, { won => -1, evaluation => 1, pipeline_value => 12.34 });
        step('server 2 bulk archive, read on server 1', sub {
            api(POST => '/api/v1/bulk/archive', { resource_type => 'deal', ids => [$x->{id}] }, $admin, port => $p2);
        }, { deals_count => -1, evaluation => -1, pipeline_value => -12.34 });
        step('server 2 DELETE, read on server 2', sub {
            api(DELETE => "/api/v1/deals/$seed->{id}", undef, $admin, port => $p2);
        }, { deals_count => -1, sourcing => -1, pipeline_value => -10 }, port => $p2);
        my $t;
        step('server 2 POST /tasks, read on server 1', sub {
            my $w = api(POST => '/api/v1/tasks', { title => uniq('2srv task') }, $analyst, port => $p2);
            $t = $w->{json} || {};
            $w;
        }, { tasks_count => 1, open_tasks_count => 1 });
        # many alternating rounds: never stale on either server
        my $stale = 0;
        for my $i (1 .. 10) {
            my ($wp, $rp) = $i % 2 ? (undef, $p2) : ($p2, undef);
            my $w = api(POST => '/api/v1/deals', { name => uniq("2srv round $i"), value => $i }, $admin,
                         ($wp ? (port => $wp) : ()));
            my $rr = api(GET => $DASH, undef, $admin, ($rp ? (port => $rp) : ()));
            my $want = expected_dashboard($ORG{acme});
            $stale++ unless ($rr->{headers}{'x-cache'} // '') eq 'MISS'
                && ($rr->{json}{deals_count} // -1) == $want->{deals_count}
                && money2($rr->{json}{pipeline_value}) eq money2($want->{pipeline_value});
        }
        is($stale, 0, '10 alternating write/read rounds across the servers: never stale');
        ok($s2->stop, 'server 2 stopped without a crash');
    }
}

# ------------------------------------------------------------ helpers

# The keys memcached holds (memcached >= 1.4.31: lru_crawler metadump all), or undef.
sub mc_keys {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $ENV{MAPLAT_MCPORT}, Proto => 'tcp',
                                  Timeout => 3) or return undef;
    print $s "lru_crawler metadump all\r\n";
    my @keys;
    my $sel = IO::Select->new($s);
    my $buf = '';
    while ($sel->can_read(3)) {
        my $n = sysread($s, my $chunk, 65536);
        last unless $n;
        $buf .= $chunk;
        last if $buf =~ /(?:^|\n)(END|ERROR[^\n]*|BUSY[^\n]*)\r?\n\z/;
    }
    close $s;
    return undef if $buf =~ /(?:^|\n)(ERROR|BUSY)/;
    while ($buf =~ /^key=(\S+)/mg) {
        (my $k = $1) =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
        push @keys, $k;
    }
    return \@keys;
}

done_testing();
