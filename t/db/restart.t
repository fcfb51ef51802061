# An ordinary PostgreSQL restart is not a schema problem.
#
# With DBDMin above 0 (conf/maplat.conf has DBDMin 1) mod_dbd opens
# connections when a child starts, before any request prepared statements on
# them. After a PostgreSQL restart such a connection is dead: preparing the
# statements on it used to fail and be logged at crit as "could not prepare
# SQL statement … (is the schema migrated?)", and the request got a 503.
# Now a lost connection is told apart from a statement that cannot be
# prepared: it is logged at info with an accurate message, and the request is
# served on a reconnected connection.
#
# A second httpd with DBDMin 4 (and no traffic before the restart, so its
# connections are the unprepared ones the children opened at start).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;

plan tests => 6, need(need_pg(), need_mc());
diag_to_stderr();

my $s2 = eval { second_httpd(name => 'dbdmin', extra => "DBDMin 4\nDBDKeep 4\n") };
ok($s2, 'a server with DBDMin 4 started') or diag($@);
SKIP: {
    skip 'no second server', 5 unless $s2;
    my $port = $s2->port;
    my $log = $s2->{errlog};
    my $before = -s $log;

    ok(eval { pg_stop() && pg_start() }, 'PostgreSQL restarted') or diag($@);
    # give the export workers (they poll the queue) a moment to meet the dead connections too
    sleep 2;
    my @st = map { http(GET => '/api/v1/_test/db', port => $port)->{status} } 1 .. 16;
    my $ok = grep { $_ == 200 } @st;
    is($ok, 16, 'every database request after the restart: 200') or diag("statuses: @st");

    my $text = '';
    if (open my $fh, '<', $log) {
        seek $fh, $before, 0;
        local $/;
        $text = <$fh> // '';
        close $fh;
    }
    my @crit = grep { /\[maplat[a-z_]*:crit\]/ } split /\n/, $text;
    is_deeply(\@crit, [], 'maplat logged nothing at crit') or diag(join "\n", @crit[0 .. ($#crit > 4 ? 4 : $#crit)]);
    unlike($text, qr/could not prepare SQL statement|is the schema migrated/,
           'no "could not prepare ... (is the schema migrated?)"');
    ok($s2->stop, 'the second server stops cleanly');
}
