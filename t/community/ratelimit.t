# Moderation rate limit (API.md "Community": MaplatRateLimit moderation 30 60,
# per user): 30 moderation actions (pin/unpin toggles) within 60 s pass, the
# 31st answers 429 rate_limited with Retry-After and changes nothing; the
# limit is per user (another moderator of the same community still acts) and
# covers every moderation endpoint (pin, unpin, role change, removal); every
# action that passed is audited, the refused ones are not.
use strict;
use warnings FATAL => 'all';
use utf8;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use Maplat::Api;
use Maplat::Cache;
use Time::HiRes qw(time sleep);

plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
diag_to_stderr();

mc_start() unless mc_running();

my $C = '/api/v1/communities';
my $org_admin = token('admin@acme.example');
my $M = new_user($org_admin, role => 'member', first_name => 'Mod');      # community admin, rate limited
my $N = new_user($org_admin, role => 'member', first_name => 'Other');    # a moderator
my $P = new_user($org_admin, role => 'member', first_name => 'Plain');

my $comm = create_ok($M->{token}, $C, { name => uniq('rate limit community') });
my $cid = $comm->{id};
is(api(POST => "$C/$cid/members", {}, $_->{token})->{status}, 201, 'member joins') for $N, $P;

# The limiter counts per fixed minute, the previous minute weighted by how much of
# it the sliding window still covers: a series that straddles a minute boundary
# counts less than its length, and the 31st action (or the 32nd to 34th) then
# passes. Start the series (actions 1 to 34) with at least 30 s left in the
# minute: on a loaded machine it takes a few seconds.
my $WINDOW = 60;
my $left = $WINDOW - (time % $WINDOW);
if ($left < 30) {
    diag(sprintf 'waiting %.0f s for the next rate-limit window', $left + 1);
    sleep $left + 1;
}
my $t_first = time;
my $r = api(PATCH => "$C/$cid/members/$N->{id}", { role => 'moderator' }, $M->{token});
is($r->{status}, 200, 'moderator appointed (moderation action 1)');
my $post = create_ok($P->{token}, "$C/$cid/posts", { title => uniq('toggle me'), body => 'x' });
my $pin = "$C/$cid/posts/$post->{id}/pin";

# 29 more moderation actions (30 in all) within a few seconds: all pass
my $t0 = time;
my @st;
for my $i (2 .. 30) {
    my $x = api($i % 2 ? 'DELETE' : 'POST', $pin, undef, $M->{token});
    push @st, $x->{status};
}
my $elapsed = time - $t0;
is_deeply(\@st, [(200) x 29], 'actions 2..30 (pin/unpin toggles): 200 each');
my $pinned = db_value("SELECT pinned FROM posts WHERE id = '$post->{id}'");
is($pinned, 't', 'after 15 pins and 14 unpins the post is pinned');

# the 31st
$r = api(DELETE => $pin, undef, $M->{token});
problem_ok($r, 429, 'rate_limited', 'the 31st moderation action');
my $ra = $r->{headers}{'retry-after'};
# the sliding-window estimate can name up to two windows (docs/admin-guide.md,
# MaplatRateLimit); with 30 actions in a few seconds and none before, about one
ok(defined $ra && $ra =~ /^\d+$/ && $ra >= 1 && $ra <= 120, 'Retry-After: 1..120 seconds (two windows)')
    or diag('Retry-After: ' . ($ra // 'missing'));
is(db_value("SELECT pinned FROM posts WHERE id = '$post->{id}'"), 't', 'the refused unpin changed nothing');

# every moderation endpoint is limited for that user
problem_ok(api(POST => $pin, undef, $M->{token}), 429, 'rate_limited', '32nd: pin');
problem_ok(api(PATCH => "$C/$cid/members/$P->{id}", { role => 'moderator' }, $M->{token}), 429, 'rate_limited',
           '33rd: role change');
is(db_value("SELECT role FROM community_members WHERE community_id = '$cid' AND user_id = '$P->{id}'"), 'member',
   'the refused role change changed nothing');
$r = api(DELETE => "$C/$cid/members/$P->{id}", undef, $M->{token});
problem_ok($r, 429, 'rate_limited', '34th: removal');
# refused actions are not counted: retrying does not push the lockout further away
my $ra34 = $r->{headers}{'retry-after'} // '';
ok($ra =~ /^\d+$/ && $ra34 =~ /^\d+$/ && $ra34 <= $ra, "Retry-After after three refused retries ($ra34) not later than the first ($ra)");
is(db_value("SELECT count(*) FROM community_members WHERE community_id = '$cid' AND user_id = '$P->{id}'"), 1,
   'the refused removal removed nothing');
# what the assertions above rely on: one window from the 1st action to the 34th
is(int(time / $WINDOW), int($t_first / $WINDOW),
   sprintf('actions 1 to 34 in one %d-s rate-limit window (29 toggles in %.1f s, all in %.1f s)',
           $WINDOW, $elapsed, time - $t_first));

# not a moderation action: posting and reading still work
is(api(POST => "$C/$cid/posts", { title => 'still posting', body => 'y' }, $M->{token})->{status}, 201,
   'posting is not rate limited');
is(api(GET => "$C/$cid/posts", undef, $M->{token})->{status}, 200, 'reading is not rate limited');

# per user: the other moderator acts
$r = api(DELETE => $pin, undef, $N->{token});
is($r->{status}, 200, 'another moderator is not limited: unpin 200');
is(db_value("SELECT pinned FROM posts WHERE id = '$post->{id}'"), 'f', 'unpinned');

# audited: exactly the actions that passed
is(db_value("SELECT count(*) FROM audit_log WHERE user_id = '$M->{id}' AND action IN ('post.pin', 'post.unpin')"), 29,
   'audit: 29 pin/unpin entries by the limited user (none for refused ones)');
is(audit_count(action => 'post.pin', user_id => $M->{id}), 15, 'audit: 15 post.pin');
is(audit_count(action => 'post.unpin', user_id => $M->{id}), 14, 'audit: 14 post.unpin');
is(audit_count(action => 'community.member.role_update', user_id => $M->{id}), 1, 'audit: 1 role_update');

done_testing();
