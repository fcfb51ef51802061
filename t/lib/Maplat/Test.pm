package Maplat::Test;
# Helpers for maplat's Apache::Test suite.
#
#   my $r = http(GET => '/api/v1/health', headers => ['X-Correlation-ID' => 'abc']);
#   $r->{status}, $r->{headers}{'content-type'}, $r->{body}, $r->{json}
#   my $r = json_post('/api/v1/_test/echo', {a => 1});
#   problem_ok($r, 400, 'invalid_json', 'name');      # 7 assertions
#   my $m = metrics();  metric_sum($m, 'http_requests_total', route => '/api/v1/health')
#   pg_stop(); pg_start(); mc_stop(); mc_start(); psql($sql, user => 'postgres')
#   wait_for(sub { ... }, timeout => 20)
#
# Every answer to a request under /api/v1 is checked against docs/openapi.yaml
# (Maplat::OpenAPI): a mismatch fails the test that made the request;
# no_schema_check => 1 skips it for one request (MAPLAT_SCHEMA_CHECK=0: all).
#
# Options every request helper takes: timeout => seconds, port => another local
# httpd's port (a second server), local_addr => the source address to send from
# (any 127.x.y.z: loopback is a /8, so per-client-address limits can be tried
# with distinct "clients"); $Maplat::Test::LOCAL_ADDR sets a default for the latter.
#
# Requests are written by hand on a fresh TCP connection each (Connection: close):
# the tests need exact control over bytes (invalid UTF-8, chunked bodies, odd
# Content-Types) and separate connections (several httpd children).
#
# The servers come from the environment scripts/dev exports:
#   MAPLAT_PGHOST MAPLAT_PGPORT MAPLAT_PGDATA MAPLAT_PG_CTL MAPLAT_PG_BINDIR
#   MAPLAT_PG_LOG MAPLAT_PGSUPERUSER MAPLAT_MCPORT MAPLAT_MC_PIDFILE
#   MAPLAT_MEMCACHED MAPLAT_SRCDIR MAPLAT_BUILDDIR
use strict;
use warnings;

use Apache::Test ();
use Apache::TestRequest ();
use Apache::TestUtil qw(t_debug);
use IO::Socket::INET ();
use IO::Select ();
use JSON::PP ();
use Maplat::OpenAPI ();
use Time::HiRes qw(time sleep);
use POSIX qw(WNOHANG);
use Exporter 'import';

our @EXPORT = qw(
    http json_get json_post json_request raw_request decode_json_safe
    problem_ok common_headers_ok
    metrics metric_sum metric_value
    access_log_entries access_log_wait
    have_pg have_mc need_pg need_mc
    pg_stop pg_start mc_stop mc_start mc_running psql
    wait_for uuid_v4 server_root diag_to_stderr
);

my $JSON = JSON::PP->new->utf8->canonical->allow_nonref;

our $LOCAL_ADDR;   # default source address of requests (undef: the system's)

sub decode_json_safe {
    my ($text) = @_;
    return undef unless defined $text && length $text;
    my $v = eval { $JSON->decode($text) };
    return $v;
}

# Apache::Test's -withtestmore sends failure diagnostics to STDOUT, which the
# harness hides; call this right after plan() so failures are visible in CI logs.
sub diag_to_stderr {
    require Test::Builder;
    Test::Builder->new->failure_output(\*STDERR);
}

sub server_root { Apache::Test::vars('serverroot') }

sub _hostport {
    my $hp = Apache::TestRequest::hostport(Apache::Test::config());
    my ($host, $port) = split /:/, $hp;
    $host = '127.0.0.1' if !$host || $host eq 'localhost';
    return ($host, $port);
}

# raw_request($bytes) sends the bytes as they are on a new connection and parses
# the answer. Returns {status, reason, headers => {lc name => value}, body, json,
# raw}. On a connection error or timeout returns {status => 0, error => ...}.
sub raw_request {
    my ($request, %opt) = @_;
    my ($host, $port) = _hostport();
    $port = $opt{port} if $opt{port};
    my $timeout = $opt{timeout} || 30;
    my $local = exists $opt{local_addr} ? $opt{local_addr} : $LOCAL_ADDR;
    my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port,
                                     Proto => 'tcp', Timeout => $timeout,
                                     (defined $local ? (LocalAddr => $local) : ()))
        or return { status => 0, error => "connect $host:$port: $!" };
    binmode $sock;
    my $off = 0;
    while ($off < length $request) {
        my $n = syswrite($sock, $request, 65536, $off);
        # the server may answer (413, 400) and close before we've sent it all
        last unless defined $n && $n > 0;
        $off += $n;
    }
    my $sel = IO::Select->new($sock);
    my $raw = '';
    my $deadline = time + $timeout;
    while (1) {
        my $left = $deadline - time;
        return { status => 0, error => 'timeout', raw => $raw } if $left <= 0;
        last unless $sel->can_read($left);
        my $n = sysread($sock, my $buf, 65536);
        last unless $n;   # EOF (or reset after an early answer)
        $raw .= $buf;
    }
    close $sock;
    my $resp = _parse_response($raw);
    # every answer is checked against docs/openapi.yaml (Maplat::OpenAPI);
    # a mismatch fails the test that made the request
    Maplat::OpenAPI::check($1, $2, $resp)
        if !$opt{no_schema_check} && $request =~ m{^([A-Z]+) (/\S*) HTTP/1\.[01]\r?\n};
    return $resp;
}

sub _parse_response {
    my ($raw) = @_;
    my ($head, $body) = split /\r?\n\r?\n/, $raw, 2;
    $body = '' unless defined $body;
    my @lines = split /\r?\n/, $head // '';
    my $statusline = shift @lines // '';
    my ($status, $reason) = $statusline =~ m{^HTTP/\d\.\d\s+(\d{3})\s*(.*)$};
    return { status => 0, error => "bad response: " . substr($raw, 0, 200), raw => $raw }
        unless $status;
    my (%h, @order);
    for my $l (@lines) {
        my ($k, $v) = $l =~ /^([^:]+):\s*(.*)$/ or next;
        $k = lc $k;
        push @order, [$k, $v];
        $h{$k} = exists $h{$k} ? "$h{$k}, $v" : $v;
    }
    if (($h{'transfer-encoding'} || '') =~ /chunked/i) {
        my $out = '';
        while ($body =~ s/^([0-9a-fA-F]+)[^\r\n]*\r\n//) {
            my $len = hex $1;
            last if $len == 0;
            $out .= substr($body, 0, $len, '');
            $body =~ s/^\r\n//;
        }
        $body = $out;
    }
    my $r = { status => $status + 0, reason => $reason, headers => \%h,
              header_list => \@order, body => $body, raw => $raw };
    $r->{json} = decode_json_safe($body) if ($h{'content-type'} || '') =~ /json/;
    return $r;
}

# http(METHOD => $path, headers => [name => value, ...], body => $bytes,
#      chunked => 1, content_type => 'application/json', timeout => 30)
sub http {
    my ($method, $path, %opt) = @_;
    my ($host, $port) = _hostport();
    $port = $opt{port} if $opt{port};
    my @h = @{ $opt{headers} || [] };
    my $req = "$method $path HTTP/1.1\r\nHost: $host:$port\r\nConnection: close\r\n";
    $req .= "User-Agent: maplat-test\r\n";
    $req .= "Content-Type: $opt{content_type}\r\n" if defined $opt{content_type};
    while (my ($k, $v) = splice @h, 0, 2) {
        $req .= "$k: $v\r\n";
    }
    my $body = $opt{body};
    if (defined $body) {
        if ($opt{chunked}) {
            $req .= "Transfer-Encoding: chunked\r\n\r\n";
            my $size = $opt{chunk_size} || 8192;
            for (my $i = 0; $i < length $body; $i += $size) {
                my $c = substr($body, $i, $size);
                $req .= sprintf("%x\r\n%s\r\n", length $c, $c);
            }
            $req .= "0\r\n\r\n";
        }
        else {
            $req .= "Content-Length: " . length($body) . "\r\n\r\n" . $body;
        }
    }
    else {
        $req .= "\r\n";
    }
    return raw_request($req, %opt);
}

sub json_get {
    my ($path, %opt) = @_;
    return http(GET => $path, %opt);
}

# json_post($path, $perl_data_or_raw_bytes, %opt): a reference is encoded as
# JSON, a plain string is sent as is. Content-Type application/json unless
# content_type is given (use content_type => undef... pass no_content_type => 1).
sub json_request {
    my ($method, $path, $data, %opt) = @_;
    my $body = ref $data ? $JSON->encode($data) : $data;
    my %o = (%opt, body => $body);
    $o{content_type} = 'application/json'
        unless exists $opt{content_type} || $opt{no_content_type};
    delete $o{content_type} if $opt{no_content_type};
    return http($method => $path, %o);
}

sub json_post { my ($path, $data, %opt) = @_; json_request(POST => $path, $data, %opt) }

# The headers every maplat response carries.
sub common_headers_ok {
    my ($r, $name) = @_;
    $name //= '';
    my $ok = Test::More::ok(defined $r->{headers}{'x-correlation-id'}
        && $r->{headers}{'x-correlation-id'} =~ /^[A-Za-z0-9._-]{1,64}$/,
        "$name: X-Correlation-ID present");
    my $ok2 = Test::More::is($r->{headers}{'x-api-version'}, '1', "$name: X-API-Version: 1");
    return $ok && $ok2;
}

# problem_ok($r, $status, $code, $name): 7 assertions on an RFC 9457 body.
sub problem_ok {
    my ($r, $status, $code, $name) = @_;
    $name //= "$status $code";
    my $j = $r->{json};
    Test::More::is($r->{status}, $status, "$name: status $status")
        or Test::More::diag("body: " . substr($r->{body} // $r->{error} // '', 0, 500));
    Test::More::like($r->{headers}{'content-type'} // '', qr{^application/problem\+json\b},
        "$name: application/problem+json");
    Test::More::ok(ref $j eq 'HASH', "$name: JSON object body");
    $j = {} unless ref $j eq 'HASH';
    Test::More::is($j->{status}, $status, "$name: body status");
    Test::More::is($j->{code}, $code, "$name: code $code") if defined $code;
    Test::More::ok(!defined $code, "$name: (no code checked)") unless defined $code;
    Test::More::ok(defined $j->{type} && defined $j->{title} && length $j->{title}
        && exists $j->{detail}, "$name: type, title and detail");
    Test::More::ok(defined $j->{correlation_id}
        && defined $r->{headers}{'x-correlation-id'}
        && $j->{correlation_id} eq $r->{headers}{'x-correlation-id'},
        "$name: correlation_id matches X-Correlation-ID");
    return $j;
}

# metrics() -> { 'name{label="v",...}' => value, ... } plus a parsed form in
# {_series} => [ [name, {labels}, value], ... ].
sub metrics {
    my $r = http(GET => '/metrics');
    die "GET /metrics: $r->{status} " . ($r->{error} // '') . "\n" unless $r->{status} == 200;
    my %m;
    my @series;
    for my $line (split /\n/, $r->{body}) {
        next if $line =~ /^\s*(#|$)/;
        my ($name, $labels, $value) =
            $line =~ /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/ or next;
        my %l;
        while (($labels // '') =~ /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g) {
            $l{$1} = $2;
        }
        my $key = $name . (defined $labels ? "{$labels}" : '');
        $m{$key} = $value;
        push @series, [$name, \%l, $value];
    }
    $m{_series} = \@series;
    $m{_body} = $r->{body};
    return \%m;
}

# metric_sum($m, $name, label => value, ...): sum over the series of $name whose
# labels include the given ones.
sub metric_sum {
    my ($m, $name, %want) = @_;
    my $sum = 0;
    SERIES: for my $s (@{ $m->{_series} }) {
        next unless $s->[0] eq $name;
        for my $k (keys %want) {
            next SERIES unless defined $s->[1]{$k} && $s->[1]{$k} eq $want{$k};
        }
        $sum += $s->[2];
    }
    return $sum;
}

sub metric_value { my ($m, $name) = @_; metric_sum($m, $name) }

sub access_log_path { server_root() . '/logs/maplat_access.log' }

# All access-log lines, decoded (lines that aren't JSON come back as {_raw=>..}).
sub access_log_entries {
    my $file = access_log_path();
    open my $fh, '<', $file or return ();
    my @e;
    while (my $l = <$fh>) {
        chomp $l;
        my $j = decode_json_safe($l);
        push @e, $j && ref $j eq 'HASH' ? { %$j, _raw => $l } : { _raw => $l };
    }
    return @e;
}

# access_log_wait(sub { grep ... }, timeout => 5): the log line is written after
# the answer went out, so poll a little.
sub access_log_wait {
    my ($match, %opt) = @_;
    my @found;
    wait_for(sub { @found = grep { $match->($_) } access_log_entries(); scalar @found },
             timeout => $opt{timeout} || 10);
    return @found;
}

sub wait_for {
    my ($cond, %opt) = @_;
    my $deadline = time + ($opt{timeout} || 20);
    my $interval = $opt{interval} || 0.2;
    while (1) {
        my $v = $cond->();
        return $v if $v;
        return $v if time >= $deadline;
        sleep $interval;
    }
}

sub uuid_v4 {
    my @b = map { int rand 256 } 1 .. 16;
    $b[6] = ($b[6] & 0x0f) | 0x40;
    $b[8] = ($b[8] & 0x3f) | 0x80;
    my $h = join '', map { sprintf '%02x', $_ } @b;
    return join '-', substr($h, 0, 8), substr($h, 8, 4), substr($h, 12, 4),
        substr($h, 16, 4), substr($h, 20, 12);
}

# ---------------------------------------------------------------- PostgreSQL
sub have_pg { $ENV{MAPLAT_PGDATA} && -d $ENV{MAPLAT_PGDATA} && $ENV{MAPLAT_PG_CTL} }
sub have_mc { $ENV{MAPLAT_MC_PIDFILE} && $ENV{MAPLAT_MEMCACHED} && $ENV{MAPLAT_MCPORT} }
sub need_pg { { 'a PostgreSQL cluster from scripts/dev (MAPLAT_PGDATA)' => have_pg() ? 1 : 0 } }
sub need_mc { { 'a memcached from scripts/dev (MAPLAT_MC_PIDFILE)' => have_mc() ? 1 : 0 } }

sub _run {
    my (@cmd) = @_;
    t_debug("run: @cmd");
    my $out = qx{@{[ join ' ', map { _sh_quote($_) } @cmd ]} 2>&1};
    return ($? >> 8, $out);
}

sub _sh_quote {
    my ($s) = @_;
    return $s if $s =~ /^[A-Za-z0-9_.,:\/=+\-@%]+$/;
    $s =~ s/'/'\\''/g;
    return "'$s'";
}

sub pg_stop {
    my ($rc, $out) = _run($ENV{MAPLAT_PG_CTL}, '-D', $ENV{MAPLAT_PGDATA}, '-m', 'fast',
                          '-w', '-t', '60', 'stop');
    die "pg_ctl stop failed ($rc): $out" if $rc;
    return 1;
}

sub pg_start {
    my $log = $ENV{MAPLAT_PG_LOG} || "$ENV{MAPLAT_PGDATA}/../postgresql.log";
    my ($rc, $out) = _run($ENV{MAPLAT_PG_CTL}, '-D', $ENV{MAPLAT_PGDATA}, '-l', $log,
                          '-w', '-t', '60', 'start');
    die "pg_ctl start failed ($rc): $out" if $rc;
    return 1;
}

# psql($sql, user => 'maplat', db => 'maplat') -> ($exit_code, $output)
# Runs with ON_ERROR_STOP, unaligned tuples only (-XAt).
sub psql {
    my ($sql, %opt) = @_;
    my $bin = $ENV{MAPLAT_PG_BINDIR} ? "$ENV{MAPLAT_PG_BINDIR}/psql" : 'psql';
    local $ENV{PGHOST} = $ENV{MAPLAT_PGHOST};
    local $ENV{PGPORT} = $ENV{MAPLAT_PGPORT};
    local $ENV{PGUSER} = $opt{user} || 'maplat';
    local $ENV{PGDATABASE} = $opt{db} || 'maplat';
    local $ENV{PGCONNECT_TIMEOUT} = 10;
    return _run($bin, '-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-c', $sql);
}

# ---------------------------------------------------------------- memcached
sub _mc_pid {
    open my $fh, '<', $ENV{MAPLAT_MC_PIDFILE} or return;
    my $pid = <$fh>;
    close $fh;
    return unless defined $pid;
    chomp $pid;
    return $pid =~ /^\d+$/ ? $pid : undef;
}

sub mc_running {
    my $pid = _mc_pid();
    return $pid && kill(0, $pid) ? $pid : 0;
}

sub mc_stop {
    my $pid = mc_running() or return 1;
    kill 'TERM', $pid;
    wait_for(sub { !kill(0, $pid) }, timeout => 10)
        or do { kill 'KILL', $pid; sleep 0.5 };
    unlink $ENV{MAPLAT_MC_PIDFILE};
    # memcached might be our child when the test restarted it: reap it
    1 while waitpid(-1, WNOHANG) > 0;
    return 1;
}

sub mc_start {
    return 1 if mc_running();
    my ($rc, $out) = _run($ENV{MAPLAT_MEMCACHED}, '-d', '-l', '127.0.0.1',
                          '-p', $ENV{MAPLAT_MCPORT}, '-U', '0', '-m', '64',
                          '-P', $ENV{MAPLAT_MC_PIDFILE});
    die "memcached failed to start ($rc): $out" if $rc;
    wait_for(sub {
        IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $ENV{MAPLAT_MCPORT},
                              Proto => 'tcp', Timeout => 1)
    }, timeout => 10) or die "memcached not listening on $ENV{MAPLAT_MCPORT}\n";
    # memcached may listen before it has written its pid file
    wait_for(sub { mc_running() }, timeout => 10) or die "memcached wrote no pid file\n";
    return 1;
}

1;
