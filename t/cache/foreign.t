# A foreign or garbage value under a cached answer's key is a miss
# (SECURITY.md): another application's JSON, bytes that are not JSON, our tag
# with a broken body, a value with a NUL. The answer is computed afresh, is
# correct, and replaces the value (the next read is a HIT again).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use IO::Socket::INET;
use Maplat::Test;
use Maplat::Api;
use Maplat::Cache;

plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
diag_to_stderr();

my $DASH = '/api/v1/dashboard/metrics';
my $admin = token('admin@acme.example');
mc_start() unless mc_running();

# one memcached command over the text protocol; returns the reply
sub mc {
    my ($cmd, $data) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $ENV{MAPLAT_MCPORT}, Proto => 'tcp',
                                  Timeout => 3) or die "memcached: $!\n";
    binmode $s;
    print $s $cmd . "\r\n" . (defined $data ? $data . "\r\n" : '');
    my $reply = '';
    while (my $line = <$s>) {
        $reply .= $line;
        last if $line =~ /^(STORED|NOT_STORED|END|ERROR|CLIENT_ERROR|SERVER_ERROR)/;
    }
    close $s;
    return $reply;
}

sub mc_get {
    my ($key) = @_;
    my $r = mc("get $key");
    return $r =~ /^VALUE \S+ \d+ (\d+)\r\n/ ? substr($r, length($&), $1) : undef;
}

sub mc_set {
    my ($key, $value) = @_;
    return mc("set $key 0 60 " . length($value), $value) =~ /^STORED/;
}

# the dashboard's key as the server builds it: organization, generation, what
sub dash_key {
    my $gen = mc_get("maplat:gen:$ORG{acme}");
    return defined $gen ? "maplat:c:$ORG{acme}:$gen:dashboard" : undef;
}

api(GET => $DASH, undef, $admin);
xcache_is(api(GET => $DASH, undef, $admin), 'HIT', 'the dashboard is cached');
my $key = dash_key();
ok(defined $key && defined mc_get($key), 'its entry is in memcached under the organization and generation');
my $want = expected_dashboard($ORG{acme});

my @foreign = (
    ['another application\'s JSON', '{"deals_count":999999,"pipeline_value":1}'],
    ['an HTML page',                '<html><body>hello</body></html>'],
    ['our tag, a broken body',      'maplat1:{"deals_count":999999'],
    ['our tag, nothing after it',   'maplat1:'],
    ['bytes that are not text',     "\x00\xff\xfe garbage \x01"],
    ['our tag with a NUL inside',   "maplat1:{\"deals_count\":1\x00}"],
);
for my $f (@foreign) {
    my ($what, $value) = @$f;
    ok(mc_set($key, $value), "$what stored under the key");
    my $r = api(GET => $DASH, undef, $admin);
    is($r->{status}, 200, "$what: 200");
    xcache_is($r, 'MISS', "$what: a miss");
    dashboard_ok($r, $want, "$what: the real dashboard");
    isnt(($r->{json} || {})->{deals_count} // '', 999999, "$what: not the foreign value");
    xcache_is(api(GET => $DASH, undef, $admin), 'HIT', "$what: replaced, the next read hits");
}

done_testing();
