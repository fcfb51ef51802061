# The sort parameter of /communities, /users and /audit-logs (they used to
# ignore it, answering 200 to any value): the documented sorts are honoured,
# anything else -> 422 validation_failed naming "sort", like every other list.
#   /communities  created_at, -created_at (default), name, -name
#   /audit-logs   -occurred_at (default), occurred_at
#   /users        -created_at (its one order)
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use Maplat::Api;

plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
diag_to_stderr();

my $admin = token('admin@acme.example');

for my $bad ('garbage', 'name;drop', 'created_at,name', '', 'value', '-') {
    for my $path ('/api/v1/communities', '/api/v1/users', '/api/v1/audit-logs') {
        validation_ok(api(GET => "$path?sort=" . enc($bad), undef, $admin), ['sort'], "$path sort='$bad'");
    }
}
validation_ok(api(GET => '/api/v1/users?sort=created_at', undef, $admin), ['sort'], '/users sort=created_at');
validation_ok(api(GET => '/api/v1/audit-logs?sort=-created_at', undef, $admin), ['sort'],
              '/audit-logs sort=-created_at (entries have occurred_at)');
validation_ok(api(GET => '/api/v1/communities?sort=bad&page=0', undef, $admin), [qw(sort page)],
              '/communities: sort and page errors together');

sub items {
    my ($path) = @_;
    my $r = api(GET => $path, undef, $admin);
    is($r->{status}, 200, "$path: 200") or diag($r->{body});
    return ref $r->{json} eq 'HASH' && ref $r->{json}{items} eq 'ARRAY' ? $r->{json}{items} : [];
}

# ---------------------------------------------------------------- communities
create_ok($admin, '/api/v1/communities', { name => "a sort $_ " . uniq('c') }) for 1 .. 2;
create_ok($admin, '/api/v1/communities', { name => "Z sort " . uniq('c') });
{
    my @names = map { $_->{name} } @{ items('/api/v1/communities?sort=name&page_size=100') };
    is_deeply(\@names, [sort { lc $a cmp lc $b } @names], 'communities sort=name: by name, case-insensitive');
    my @desc = map { $_->{name} } @{ items('/api/v1/communities?sort=-name&page_size=100') };
    is_deeply(\@desc, [reverse @names], 'communities sort=-name: the reverse');
    my @new = map { $_->{created_at} } @{ items('/api/v1/communities?page_size=100') };
    is_deeply(\@new, [sort { $b cmp $a } @new], 'communities default: newest first');
    my @old = map { $_->{created_at} } @{ items('/api/v1/communities?sort=created_at&page_size=100') };
    is_deeply(\@old, [sort { $a cmp $b } @old], 'communities sort=created_at: oldest first');
    is_deeply([map { $_->{id} } @{ items('/api/v1/communities?sort=-created_at&page_size=100') }],
              [map { $_->{id} } @{ items('/api/v1/communities?page_size=100') }], 'sort=-created_at is the default');
}

# ---------------------------------------------------------------- audit logs
{
    my @new = map { $_->{occurred_at} } @{ items('/api/v1/audit-logs?page_size=100') };
    is_deeply(\@new, [sort { $b cmp $a } @new], 'audit-logs default: newest first');
    my @old = map { $_->{occurred_at} } @{ items('/api/v1/audit-logs?sort=occurred_at&page_size=100') };
    is_deeply(\@old, [sort { $a cmp $b } @old], 'audit-logs sort=occurred_at: oldest first');
    my $first = db_value("SELECT id FROM audit_log WHERE organization_id = '$ORG{acme}'"
                         . " ORDER BY occurred_at, seq LIMIT 1");
    is(items('/api/v1/audit-logs?sort=occurred_at&page_size=1')->[0]{id}, $first, 'the oldest entry comes first');
    is_deeply([map { $_->{id} } @{ items('/api/v1/audit-logs?sort=-occurred_at') }],
              [map { $_->{id} } @{ items('/api/v1/audit-logs') }], 'sort=-occurred_at is the default');
}

# ---------------------------------------------------------------- users
is_deeply([map { $_->{id} } @{ items('/api/v1/users?sort=-created_at') }],
          [map { $_->{id} } @{ items('/api/v1/users') }], 'users sort=-created_at: the default order');

done_testing();
