# A cap on concurrent bcrypt (SECURITY.md 62): with MaplatBcryptConcurrency 1,
# a child computes one bcrypt at a time and the other logins wait for the slot
# (logged) instead of all taking a CPU at once; every login still succeeds.
# A second httpd (2 children) gets six logins at once for a user whose hash has
# cost 12 (a quarter second each), so some child has several at the same time
# (under mpm_event; a prefork child has one request at a time, nothing waits).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use POSIX ();
use Maplat::Test;
use Maplat::Auth;

plan skip_all => 'needs PostgreSQL and memcached from scripts/dev' unless have_pg() && have_mc();
diag_to_stderr();

my $user = create_user(role => 'member', tag => 'slots');
my $cost12 = bcrypt_hash($user->{password}, '$2b$', 12) // die "no bcrypt in crypt()\n";
my ($rc, $out) = psql("UPDATE users SET password_hash = '$cost12' WHERE id = '$user->{id}'");
is($rc, 0, 'the user has a cost-12 hash') or diag($out);

my $s2 = eval {
    second_httpd(name => 'bcrypt-slots', set => "MaplatBcryptConcurrency 1\nMaplatBcryptCost 12\n")
};
ok($s2, 'a server with MaplatBcryptConcurrency 1 started') or diag($@);
SKIP: {
    skip 'no second server', 1 unless $s2;
    my $port = $s2->port;
    my @kids;
    for my $i (1 .. 6) {
        my $pid = fork // die "fork: $!\n";
        if (!$pid) {
            my $r = login($user->{email}, $user->{password}, port => $port, timeout => 60);
            POSIX::_exit($r->{status} == 200 ? 0 : 1);    # no destructors in the child
        }
        push @kids, $pid;
    }
    my @st = map { waitpid($_, 0); $? >> 8 } @kids;
    is_deeply(\@st, [(0) x 6], 'six logins at once: every one 200');
    my $log = do { local (@ARGV, $/) = ($s2->{errlog}); <> } // '';
    my @waited = $log =~ /MAPLAT02018: waited \d+ ms for a bcrypt slot \(MaplatBcryptConcurrency 1\)/g;
    if (($ENV{MAPLAT_MPM} || 'event') eq 'prefork') {
        # a prefork child serves one request at a time: its slot is never taken twice
        is(scalar @waited, 0, 'mpm_prefork: no login waited for a bcrypt slot');
    }
    else {
        cmp_ok(scalar @waited, '>=', 1, 'logins waited for the bcrypt slot (' . scalar(@waited) . ' of 6)');
    }
    unlike($log, qr/MAPLAT02017/, 'none gave up (503)');
    is(psql_value("SELECT password_hash FROM users WHERE id = '$user->{id}'"), $cost12,
       'the hash has the configured cost: not redone');
    ok($s2->stop, 'server stopped, no child crashed');
}

done_testing();
