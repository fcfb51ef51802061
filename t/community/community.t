# Communities (API.md "Community"): create (the creator becomes community
# admin), list, join (201, then 200), members; every moderation permission
# rule: role changes by community admins only, removal by moderators and
# admins only (a plain member never removes another member, a moderator never
# an admin), the last admin can be neither removed nor demoted (409); posts
# pinned first, then newest; members only post; pin/unpin by moderators and
# admins only; audit entries for every moderation action; another
# organization gets 404 for every id; viewers cannot create, join or post.
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

my $C = '/api/v1/communities';
my $org_admin = token('admin@acme.example');
my $viewer = token('viewer@acme.example');
my $globex = token('admin@globex.example');

# Fresh users for every role of this run: the moderation rate limit counts per
# user, and nobody else's test may use them up.
my %u = map { $_ => new_user($org_admin, role => 'member', first_name => ucfirst $_) } qw(alice bob carol dave erin frank gina);
my ($A, $B, $Cc, $D, $E, $F, $G) = @u{qw(alice bob carol dave erin frank gina)};

# ------------------------------------------------------------ create
my $name = uniq('Community');
my $r = api(POST => $C, { name => $name, description => 'for the tests' }, $A->{token});
is($r->{status}, 201, 'POST /communities: 201') or diag($r->{body});
common_headers_ok($r, 'create');
my $comm = $r->{json} || {};
my $cid = $comm->{id} // 'none';
like($cid, qr/^[0-9a-f-]{36}$/, 'id');
is($r->{headers}{location}, "$C/$cid", 'Location');
is($comm->{name}, $name, 'name');
is($comm->{description}, 'for the tests', 'description');
is($comm->{my_role}, 'admin', 'the creator is community admin');
is($comm->{member_count}, 1, 'one member');
is(($comm->{created_by} || {})->{id}, $A->{id}, 'created_by');
is(db_value("SELECT role FROM community_members WHERE community_id = '$cid' AND user_id = '$A->{id}'"), 'admin',
   'stored: creator admin');
is(audit_count(action => 'community.create', resource_id => $cid), 1, 'audit: community.create');

validation_ok(api(POST => $C, { description => 'x' }, $A->{token}), ['name'], 'create without name');
validation_ok(api(POST => $C, { name => 'n' x 201 }, $A->{token}), ['name'], 'name of 201 characters');
validation_ok(api(POST => $C, { name => '' }, $A->{token}), ['name'], 'empty name');

# ------------------------------------------------------------ list
{
    my $l = api(GET => "$C?page_size=100", undef, $B->{token});
    is($l->{status}, 200, 'GET /communities: 200');
    my ($mine) = grep { ($_->{id} // '') eq $cid } @{ ($l->{json} || {})->{items} || [] };
    ok($mine, 'the new community is listed');
    ok($mine && !defined $mine->{my_role}, 'my_role null for a non-member');
    is(($l->{json} || {})->{items}[0]{id}, $cid, 'newest first');
    ok(($l->{json}{total} // 0) >= 3, 'total counts the organization\'s communities');
    my $g = api(GET => "$C?page_size=100", undef, $globex);
    ok(!grep({ ($_->{id} // '') eq $cid } @{ ($g->{json} || {})->{items} || [] }), 'Globex does not list it');
}

# ------------------------------------------------------------ join
$r = api(POST => "$C/$cid/members", {}, $B->{token});
is($r->{status}, 201, 'join: 201') or diag($r->{body});
is(($r->{json} || {})->{role}, 'member', 'joins as member');
is(($r->{json} || {})->{user_id}, $B->{id}, 'user_id = caller');
my $again = api(POST => "$C/$cid/members", {}, $B->{token});
is($again->{status}, 200, 'second join: 200');
is(($again->{json} || {})->{role}, 'member', 'second join: same membership');
is(db_value("SELECT count(*) FROM community_members WHERE community_id = '$cid' AND user_id = '$B->{id}'"), 1,
   'one membership row');
for my $x ($Cc, $D, $E, $F) {
    my $j = api(POST => "$C/$cid/members", {}, $x->{token});
    is($j->{status}, 201, "$x->{name} joins: 201");
}
# joining never changes a role: the admin "joining" stays admin
$r = api(POST => "$C/$cid/members", {}, $A->{token});
is($r->{status}, 200, 'the admin joining again: 200');
is(($r->{json} || {})->{role}, 'admin', '... still admin');

$r = api(GET => "$C/$cid/members", undef, $G->{token});
is($r->{status}, 200, 'members list (non-member reader): 200');
is(($r->{json} || {})->{total}, 6, 'six members');
{
    my %roles = map { ($_->{user_id} // '') => $_->{role} } @{ ($r->{json} || {})->{items} || [] };
    is_deeply(\%roles, { $A->{id} => 'admin', map { $_->{id} => 'member' } $B, $Cc, $D, $E, $F },
              'members and roles');
    my ($m) = @{ ($r->{json} || {})->{items} || [] };
    ok($m && ref $m->{user} eq 'HASH' && defined $m->{joined_at}, 'member = {user_id, user, role, joined_at}');
}

# ------------------------------------------------------------ roles (PATCH)
sub role { my ($tok, $uid, $role) = @_; api(PATCH => "$C/$cid/members/$uid", { role => $role }, $tok) }

$r = role($A->{token}, $B->{id}, 'moderator');
is($r->{status}, 200, 'admin appoints a moderator: 200') or diag($r->{body});
is(($r->{json} || {})->{role}, 'moderator', 'role moderator');
is(audit_count(action => 'community.member.role_update', resource_id => $cid), 1, 'audit: role_update');
$r = role($A->{token}, $D->{id}, 'moderator');
is($r->{status}, 200, 'second moderator: 200');

problem_ok(role($Cc->{token}, $E->{id}, 'moderator'), 403, 'forbidden', 'a member changes a role');
problem_ok(role($B->{token}, $E->{id}, 'moderator'), 403, 'forbidden', 'a moderator changes a role');
problem_ok(role($B->{token}, $B->{id}, 'admin'), 403, 'forbidden', 'a moderator promotes itself');
problem_ok(role($G->{token}, $E->{id}, 'admin'), 403, 'forbidden', 'a non-member changes a role');
is(db_value("SELECT role FROM community_members WHERE community_id = '$cid' AND user_id = '$E->{id}'"), 'member',
   'refused role changes changed nothing');
validation_ok(role($A->{token}, $E->{id}, 'owner'), ['role'], 'unknown role');
is(role($A->{token}, $G->{id}, 'moderator')->{status}, 404, 'role of a non-member: 404');
is(role($A->{token}, uuid_v4(), 'moderator')->{status}, 404, 'role of an unknown user: 404');
problem_ok(role($A->{token}, 'nope', 'moderator'), 422, 'invalid_id', 'malformed user id');

# the last admin can be neither demoted nor removed
problem_ok(role($A->{token}, $A->{id}, 'member'), 409, 'conflict', 'the last admin demotes itself');
problem_ok(api(DELETE => "$C/$cid/members/$A->{id}", undef, $A->{token}), 409, 'conflict', 'the last admin leaves');
is(db_value("SELECT role FROM community_members WHERE community_id = '$cid' AND user_id = '$A->{id}'"), 'admin',
   'still admin');

# a moderator cannot remove an admin, even the only one
problem_ok(api(DELETE => "$C/$cid/members/$A->{id}", undef, $B->{token}), 403, 'forbidden',
           'a moderator removes the (only) admin');

# a second admin: now the first can step down, and be removed, but a moderator still cannot remove either
$r = role($A->{token}, $F->{id}, 'admin');
is($r->{status}, 200, 'admin appoints a second admin');
problem_ok(api(DELETE => "$C/$cid/members/$F->{id}", undef, $B->{token}), 403, 'forbidden', 'a moderator removes an admin');
problem_ok(api(DELETE => "$C/$cid/members/$A->{id}", undef, $D->{token}), 403, 'forbidden', 'another moderator removes an admin');
is(db_value("SELECT count(*) FROM community_members WHERE community_id = '$cid' AND role = 'admin'"), 2, 'two admins kept');
$r = role($F->{token}, $A->{id}, 'member');
is($r->{status}, 200, 'an admin demotes the other admin: 200');
problem_ok(role($F->{token}, $F->{id}, 'moderator'), 409, 'conflict', 'the (new) last admin demotes itself');
$r = role($F->{token}, $A->{id}, 'admin');
is($r->{status}, 200, 'and appoints it again');

# ------------------------------------------------------------ removal (DELETE)
problem_ok(api(DELETE => "$C/$cid/members/$E->{id}", undef, $Cc->{token}), 403, 'forbidden', 'a member removes another member');
problem_ok(api(DELETE => "$C/$cid/members/$E->{id}", undef, $G->{token}), 403, 'forbidden', 'a non-member removes a member');
is(db_value("SELECT count(*) FROM community_members WHERE community_id = '$cid' AND user_id = '$E->{id}'"), 1,
   'refused removals removed nothing');
$r = api(DELETE => "$C/$cid/members/$E->{id}", undef, $B->{token});
is($r->{status}, 204, 'a moderator removes a member: 204') or diag($r->{body});
is($r->{body}, '', '204 without a body');
is(db_value("SELECT count(*) FROM community_members WHERE community_id = '$cid' AND user_id = '$E->{id}'"), 0,
   'the member is gone');
{
    my $e = audit_entries(action => 'community.member.remove', resource_id => $cid);
    is(scalar @$e, 1, 'audit: community.member.remove');
    is(($e->[0] || {})->{user_id}, $B->{id}, 'audit: by the moderator');
    is(((($e->[0] || {})->{details}) || {})->{user_id}, $E->{id}, 'audit: names the removed user');
}
is(api(DELETE => "$C/$cid/members/$E->{id}", undef, $B->{token})->{status}, 404, 'removing a non-member: 404');
$r = api(DELETE => "$C/$cid/members/$D->{id}", undef, $A->{token});
is($r->{status}, 204, 'an admin removes a moderator: 204');
$r = api(DELETE => "$C/$cid/members/$F->{id}", undef, $A->{token});
is($r->{status}, 204, 'an admin removes another admin (not the last): 204');
problem_ok(api(DELETE => "$C/$cid/members/$A->{id}", undef, $A->{token}), 409, 'conflict', 'the last admin (again) cannot leave');
is(api(POST => "$C/$cid/members", {}, $E->{token})->{status}, 201, 'a removed member can join again: 201');

# ------------------------------------------------------------ posts
sub post { my ($tok, $title) = @_; api(POST => "$C/$cid/posts", { title => $title, body => "body of $title" }, $tok) }
my @posts;
for my $i (1 .. 4) {
    my $who = ($B, $Cc, $A, $E)[$i - 1];
    my $p = post($who->{token}, uniq("post $i"));
    is($p->{status}, 201, "post $i by a member: 201") or diag($p->{body});
    push @posts, $p->{json} || {};
    select undef, undef, undef, 0.02;
}
is($posts[0]{pinned}, JSON::PP::false, 'a new post is not pinned');
is(($posts[0]{author} || {})->{id}, $B->{id}, 'author = caller');
like(api(POST => "$C/$cid/posts", { title => 'x', body => 'y' }, $B->{token})->{headers}{location} // '',
     qr{^/api/v1/communities/\Q$cid\E/posts/[0-9a-f-]{36}$}, 'Location of a post');
# the extra post above is the newest; read the list as it is now
sub post_ids {
    my $l = api(GET => "$C/$cid/posts?page_size=100", undef, $G->{token});
    return ($l, [map { $_->{id} } @{ ($l->{json} || {})->{items} || [] }]);
}
my ($l, $ids) = post_ids();
is($l->{status}, 200, 'GET posts: 200 (any member of the organization reads)');
my $newest = $ids->[0];
is_deeply([@$ids[1 .. 4]], [reverse map { $_->{id} } @posts], 'no pin: newest first');

problem_ok(post($G->{token}, 'outsider'), 403, 'forbidden', 'a non-member posts');
validation_ok(api(POST => "$C/$cid/posts", { body => 'x' }, $B->{token}), ['title'], 'post without title');

sub pin { my ($tok, $pid, $m) = @_; api($m // 'POST', "$C/$cid/posts/$pid/pin", undef, $tok) }
# B is moderator, A admin, Cc/E members, G outsider
problem_ok(pin($Cc->{token}, $posts[0]{id}), 403, 'forbidden', 'a member pins');
problem_ok(pin($E->{token}, $posts[3]{id}), 403, 'forbidden', 'a member pins its own post');
problem_ok(pin($G->{token}, $posts[0]{id}), 403, 'forbidden', 'a non-member pins');
is(db_value("SELECT count(*) FROM posts WHERE community_id = '$cid' AND pinned"), 0, 'refused pins pinned nothing');

$r = pin($B->{token}, $posts[0]{id});
is($r->{status}, 200, 'a moderator pins the oldest post: 200') or diag($r->{body});
is(($r->{json} || {})->{pinned}, JSON::PP::true, 'pinned true');
rfc3339_ok(($r->{json} || {})->{pinned_at}, 'pinned_at');
($l, $ids) = post_ids();
is($ids->[0], $posts[0]{id}, 'the pinned post comes first');
is_deeply([@$ids[1 .. 4]], [$newest, reverse map { $_->{id} } @posts[1 .. 3]], 'then the others, newest first');

$r = pin($A->{token}, $posts[1]{id});
is($r->{status}, 200, 'an admin pins: 200');
($l, $ids) = post_ids();
is_deeply([sort @$ids[0 .. 1]], [sort map { $_->{id} } @posts[0, 1]], 'both pinned posts first');
is_deeply([@$ids[2 .. 4]], [$newest, $posts[3]{id}, $posts[2]{id}], 'then newest first');

problem_ok(pin($Cc->{token}, $posts[0]{id}, 'DELETE'), 403, 'forbidden', 'a member unpins');
problem_ok(pin($G->{token}, $posts[0]{id}, 'DELETE'), 403, 'forbidden', 'a non-member unpins');
$r = pin($B->{token}, $posts[0]{id}, 'DELETE');
is($r->{status}, 200, 'a moderator unpins: 200');
is(($r->{json} || {})->{pinned}, JSON::PP::false, 'pinned false');
ok(!defined(($r->{json} || {})->{pinned_at}), 'pinned_at null');
$r = pin($A->{token}, $posts[1]{id}, 'DELETE');
is($r->{status}, 200, 'an admin unpins: 200');
($l, $ids) = post_ids();
is_deeply([@$ids[1 .. 4]], [reverse map { $_->{id} } @posts], 'nothing pinned: newest first again');
is(pin($B->{token}, uuid_v4())->{status}, 404, 'pin of an unknown post: 404');
problem_ok(pin($B->{token}, 'x'), 422, 'invalid_id', 'pin of a malformed post id');

# audit entries of the moderation actions
is(audit_count(action => 'post.pin', resource_id => $posts[0]{id}), 1, 'audit: post.pin (moderator)');
is(audit_count(action => 'post.unpin', resource_id => $posts[0]{id}), 1, 'audit: post.unpin');
is(audit_count(action => 'post.pin', resource_id => $posts[1]{id}), 1, 'audit: post.pin (admin)');
{
    my $a = api(GET => "/api/v1/audit-logs?action=post.pin&resource_id=$posts[0]{id}", undef, $org_admin);
    is($a->{status}, 200, 'GET /audit-logs?action=post.pin: 200');
    my $e = (($a->{json} || {})->{items} || [])->[0] || {};
    is($e->{action}, 'post.pin', 'audit API: action post.pin');
    is($e->{resource_type}, 'post', 'audit API: resource_type post');
    is(($e->{user} || {})->{id}, $B->{id}, 'audit API: by the moderator');
    is(audit_count(action => 'post.pin', user_id => $Cc->{id}), 0, 'refused pins are not audited as pins');
}

# ------------------------------------------------------------ another organization
{
    my $pid = $posts[0]{id};
    problem_ok(api(GET => "$C/$cid/members", undef, $globex), 404, 'not_found', 'Globex: members');
    problem_ok(api(POST => "$C/$cid/members", {}, $globex), 404, 'not_found', 'Globex: join');
    problem_ok(api(GET => "$C/$cid/posts", undef, $globex), 404, 'not_found', 'Globex: posts');
    problem_ok(api(POST => "$C/$cid/posts", { title => 't', body => 'b' }, $globex), 404, 'not_found', 'Globex: post');
    problem_ok(api(POST => "$C/$cid/posts/$pid/pin", undef, $globex), 404, 'not_found', 'Globex: pin');
    problem_ok(api(DELETE => "$C/$cid/posts/$pid/pin", undef, $globex), 404, 'not_found', 'Globex: unpin');
    problem_ok(api(PATCH => "$C/$cid/members/$B->{id}", { role => 'admin' }, $globex), 404, 'not_found', 'Globex: role');
    problem_ok(api(DELETE => "$C/$cid/members/$B->{id}", undef, $globex), 404, 'not_found', 'Globex: remove');
    is(db_value("SELECT count(*) FROM community_members WHERE community_id = '$cid' AND user_id = '"
                . $U{globex} . "'"), 0, 'Globex never became a member');
    # and Acme for Globex's community
    my $gc = '70000000-0000-4000-8000-b00000000001';
    is(api(GET => "$C/$gc/posts", undef, $A->{token})->{status}, 404, "Acme: Globex's community posts 404");
    is(api(POST => "$C/$gc/members", {}, $A->{token})->{status}, 404, "Acme: joining Globex's community 404");
    is(api(GET => "$C/" . uuid_v4() . "/members", undef, $A->{token})->{status}, 404, 'unknown community: 404');
    problem_ok(api(GET => "$C/nope/posts", undef, $A->{token}), 422, 'invalid_id', 'malformed community id');
}

# ------------------------------------------------------------ viewers
{
    problem_ok(api(POST => $C, { name => uniq('viewer community') }, $viewer), 403, 'forbidden', 'a viewer creates');
    problem_ok(api(POST => "$C/$cid/members", {}, $viewer), 403, 'forbidden', 'a viewer joins');
    problem_ok(api(POST => "$C/$cid/posts", { title => 't', body => 'b' }, $viewer), 403, 'forbidden', 'a viewer posts');
    is(db_value("SELECT count(*) FROM community_members WHERE community_id = '$cid' AND user_id = '$U{viewer}'"), 0,
       'the viewer is no member');
    is(api(GET => "$C/$cid/posts", undef, $viewer)->{status}, 200, 'a viewer reads posts');
    is(api(GET => $C, undef, $viewer)->{status}, 200, 'a viewer lists communities');
}

done_testing();
