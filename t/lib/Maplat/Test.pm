package Maplat::Test;
# Helpers for maplat's Apache::Test suite.
#
#   my $r = http(GET => '/api/v1/health', headers => ['X-Correlation-ID' => 'abc']);
#   $r->{status}, $r->{headers}{'content-type'}, $r->{body}, $r->{json}
#   my $r = api(POST => '/api/v1/deals', {name => 'x'}, $token, headers => ['If-Match' => '"v1"']);
#   my $r = api(GET => '/api/v1/deals', undef, token('admin@acme.example'), port => $s2->port);
#   my $r = api(POST => '/api/v1/_test/echo', {a => 1}, undef);   # no token
#   my $r = login('admin@acme.example');    # from a fresh client address
#   problem_ok($r, 400, 'invalid_json', 'name');      # 7 assertions
#   my $m = metrics();  metric_sum($m, 'http_requests_total', route => '/api/v1/health')
#   pg_stop(); pg_start(); mc_stop(); mc_start(); psql($sql, user => 'postgres')
#   wait_for(sub { ... }, timeout => 60)      # polls; returns as soon as it holds
#   my $s2 = second_httpd(extra => "MaplatBcryptCost 12\n"); $s2->port; $s2->stop;
#   error_log_allow(qr/could not connect to PostgreSQL/);   # an error this file provokes
#
# The error log: every test file fails (exit status 1, the lines as diagnostics)
# when, while it ran, the server's error log (t/logs/error_log, and a second
# httpd's) gained a crash (exit signal, AH00052, segfault, a child that did not
# exit, a sanitizer report), a line at crit/alert/emerg, or an [error] line that
# neither @ERROR_LOG_ALLOW below nor the file's error_log_allow(...) expects.
#
# Every answer to a request under /api/v1 is checked against docs/openapi.yaml
# (Maplat::OpenAPI): a mismatch fails the test that made the request;
# no_schema_check => 1 skips it for one request (MAPLAT_SCHEMA_CHECK=0: all).
#
# api() is the one request helper; http() and raw_request() are the layers
# below it, for requests api() cannot express (odd bytes, no Host, ...).
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
use File::Temp ();
use Scalar::Util ();
use Exporter 'import';

our @EXPORT = qw(
    api http raw_request decode_json_safe
    login token fresh_addr $DEMO_PASSWORD
    problem_ok common_headers_ok
    metrics metric_sum metric_value
    access_log_entries access_log_wait
    have_pg have_mc need_pg need_mc
    pg_stop pg_start mc_stop mc_start mc_running psql psql_value
    wait_for uuid_v4 server_root diag_to_stderr
    second_httpd sanitize_mode error_log_allow
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

sub sanitize_mode { $ENV{MAPLAT_SANITIZE} ? 1 : 0 }

# ---------------------------------------------------------------- the error log

# [error] lines any test may cause: none yet. A file that provokes an error on
# purpose says so with error_log_allow(qr/.../) (a pattern of the line).
our @ERROR_LOG_ALLOW = ();
my @allow_file;
my @SERVERS;    # second_httpd's servers (weak references)
our $ERROR_LOG_FAILED = 0;

sub error_log_allow { push @allow_file, @_ }

# a crash or a sanitizer report: never allowed
sub is_crash {
    my ($l) = @_;
    return $l =~ /exit signal|AH00052|[Ss]egmentation fault|still did not exit|AddressSanitizer|LeakSanitizer|runtime error:/;
}

# The lines of $file after byte $from that no test expects.
sub error_log_problems {
    my ($file, $from) = @_;
    open my $fh, '<', $file or return ();
    seek $fh, $from, 0 if $from;
    my @bad;
    while (my $l = <$fh>) {
        chomp $l;
        my ($level) = $l =~ /^\[[^\]]*\] \[(?:[\w.-]+:)?(\w+)\]/;
        $level //= '';
        if (is_crash($l) || $level =~ /^(?:crit|alert|emerg)$/) {
            push @bad, $l;
        }
        elsif ($level eq 'error' && !grep { $l =~ $_ } @ERROR_LOG_ALLOW, @allow_file) {
            push @bad, $l;
        }
    }
    close $fh;
    return @bad;
}

# Where the main server's error log stood when this file started (the suite
# runs its files one after another against one server).
my ($log_pid, $log_file, $log_from) = ($$);
sub _error_log_start {
    my $dir = eval { Apache::Test::vars('t_logs') } or return;
    $log_file = "$dir/error_log";
    $log_from = -s $log_file || 0;
}
_error_log_start();

END {
    # only the test file's own process (not a child it forked)
    if (defined $log_file && $$ == $log_pid) {
        my $rc = $?;
        # second servers still running stop now, so that their logs count
        for my $s (grep { defined } @SERVERS) {
            $s->stop unless $s->{stopped};
        }
        my @bad = error_log_problems($log_file, $log_from);
        if (@bad || $ERROR_LOG_FAILED) {
            require Test::More;
            Test::More::diag("error_log: $_") for @bad;
            Test::More::diag("the error log gained a crash or an unexpected error while this file ran"
                . " (t/logs/error_log; an error the file provokes on purpose: error_log_allow(qr/.../))");
            $rc ||= 1;
        }
        $? = $rc;
    }
}

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

# api($method, $path, $body, $token, %opt): THE request helper of the suite.
#   $body: a reference (sent as JSON), a string (sent as is), or undef (no body);
#          with a body, Content-Type: application/json unless content_type => ...
#          or no_content_type => 1
#   $token: an access token (Authorization: Bearer), or undef
#   %opt: headers => [name => value, ...], and every option of http() (port,
#         timeout, local_addr, no_schema_check, chunked, ...)
sub api {
    my ($method, $path, $body, $tok, %opt) = @_;
    my @h = ((defined $tok ? ('Authorization' => "Bearer $tok") : ()), @{ delete $opt{headers} || [] });
    return http($method => $path, %opt, headers => \@h) unless defined $body;
    my %o = (%opt, headers => \@h, body => ref $body ? $JSON->encode($body) : $body);
    $o{content_type} = 'application/json'
        unless exists $opt{content_type} || $opt{no_content_type};
    delete $o{content_type} if $opt{no_content_type};
    return http($method => $path, %o);
}

# ---------------------------------------------------------------- logins

our $DEMO_PASSWORD = 'maplat-demo-password';

# A loopback address no other request of this run used: 127.<pid-derived>.<n>.
# Failed logins count per client address (10 per 15 min in the test config):
# logins from fresh addresses never lock another test out.
my $addr_n = 1;
sub fresh_addr {
    $addr_n++;
    my $hi = 1 + (($$ >> 8) % 250);
    my $lo = $$ & 255;
    my $n  = 2 + ($addr_n % 250);
    $hi = ($hi + int($addr_n / 250)) % 250 + 1 if $addr_n >= 250;
    return "127.$hi.$lo.$n";
}

# login($email, $password, %opt): POST /auth/login (the demo password by
# default), from a fresh client address unless local_addr is given.
sub login {
    my ($email, $password, %opt) = @_;
    $password //= $DEMO_PASSWORD;
    $opt{local_addr} = fresh_addr() unless exists $opt{local_addr};
    return api(POST => '/api/v1/auth/login', { email => $email, password => $password }, undef, %opt);
}

# token($email, $password): an access token, one login per e-mail and file
my %token_cache;
sub token {
    my ($email, $password) = @_;
    return $token_cache{$email} //= do {
        my $r = login($email, $password);
        die "login $email: $r->{status} " . ($r->{body} // $r->{error} // '') . "\n"
            unless $r->{status} == 200 && ref $r->{json} eq 'HASH' && $r->{json}{access_token};
        $r->{json}{access_token};
    };
}

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

# access_log_wait(sub { grep ... }, timeout => 30, count => 3): the log line is
# written after the answer went out, so poll until at least `count` (default 1)
# lines match; the deadline is generous (a loaded machine), the wait ends at once.
sub access_log_wait {
    my ($match, %opt) = @_;
    my @found;
    my $want = $opt{count} || 1;
    wait_for(sub { @found = grep { $match->($_) } access_log_entries(); @found >= $want },
             timeout => $opt{timeout} || 30);
    return @found;
}

# wait_for($cond, timeout => s, interval => s): polls until $cond is true and
# returns its value (the last false one at the deadline). The default deadline
# (60 s) is for a loaded 2-core CI machine with a -O0 coverage build: waiting
# costs nothing when things work.
sub wait_for {
    my ($cond, %opt) = @_;
    my $deadline = time + ($opt{timeout} || 60);
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

# What httpd logs while PostgreSQL is down (mod_dbd's connection errors, and
# maplat's "no database connection" / "database error" on the dead connections):
# a file that stops it expects them from then on.
our @PG_DOWN_ERRORS = (qr/\[dbd:error\]/, qr/MAPLAT0102[1236]: /);

sub pg_stop {
    error_log_allow(@PG_DOWN_ERRORS);
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

# psql_value($sql, %opt): what the query prints (one value, or rows joined by newlines),
# without the last newline; dies when psql fails. %opt as for psql().
sub psql_value {
    my ($sql, %opt) = @_;
    my ($rc, $out) = psql($sql, %opt);
    die "psql failed ($rc): $out\n$sql\n" if $rc;
    chomp $out;
    return $out;
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
    wait_for(sub { !kill(0, $pid) }, timeout => 30)
        or do { kill 'KILL', $pid; sleep 0.5 };
    unlink $ENV{MAPLAT_MC_PIDFILE};
    # memcached might be our child when the test restarted it: reap it
    1 while waitpid(-1, WNOHANG) > 0;
    return 1;
}

# MaplatCacheRetry of t/conf/extra.conf.in: how long an httpd child that met
# memcached down skips it (its own circuit breaker, per child process)
our $CACHE_RETRY = 2;

# mc_start(): starts memcached (when it is not running) and returns once every
# httpd child uses it again. Each child that met memcached down skips it for
# MaplatCacheRetry from its own last failure, and those failures all happened
# before memcached listened again: MaplatCacheRetry (+1 s) after that, no child
# skips it any more. Without the wait, children still skipping it disagree with
# the others (a failed login not counted in memcached, a MISS where the child
# before had a HIT) for up to 2 s after a down phase that lasted more than 2 s,
# which on a loaded machine it does.
sub mc_start {
    return 1 if mc_running();
    my ($rc, $out) = _run($ENV{MAPLAT_MEMCACHED}, '-d', '-l', '127.0.0.1',
                          '-p', $ENV{MAPLAT_MCPORT}, '-U', '0', '-m', '64',
                          '-P', $ENV{MAPLAT_MC_PIDFILE});
    die "memcached failed to start ($rc): $out" if $rc;
    wait_for(sub {
        IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $ENV{MAPLAT_MCPORT},
                              Proto => 'tcp', Timeout => 1)
    }, timeout => 60) or die "memcached not listening on $ENV{MAPLAT_MCPORT}\n";
    my $listening = time;
    # memcached may listen before it has written its pid file
    wait_for(sub { mc_running() }, timeout => 60) or die "memcached wrote no pid file\n";
    my $left = $listening + $CACHE_RETRY + 1 - time;
    sleep $left if $left > 0;
    return 1;
}

# ---------------------------------------------------------------- a second httpd

# second_httpd(extra => "directives\n", name => 'two'): another httpd from the
# suite's generated configuration (so the same modules, PostgreSQL and
# memcached) on its own port, pid file, error log and runtime folder. Started
# with the binary Apache::Test uses (under MAPLAT_SANITIZE=1 scripts/dev's
# wrapper that preloads ASan). Returns an object with {port}; ->stop (also on
# destruction) stops it and returns true when its error log shows no crash.
sub second_httpd {
    my (%o) = @_;
    my $name = $o{name} || 'second';
    my $vars = Apache::Test::config()->{vars};
    my $conf_in = $vars->{t_conf_file};
    my $httpd = $vars->{httpd} or die "no httpd in Apache::Test's configuration\n";
    my $root = $vars->{serverroot};
    my $dir = File::Temp::tempdir("maplat-httpd-$name-XXXXXX", TMPDIR => 1, CLEANUP => 1);
    my $errlog = "$vars->{t_logs}/error_log.$name";

    my $port = do {
        my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0,
                                      Proto => 'tcp') or die "free port: $!\n";
        my $p = $s->sockport;
        close $s;
        $p;
    };
    open my $in, '<', $conf_in or die "$conf_in: $!\n";
    my $conf = do { local $/; <$in> };
    close $in;
    $conf =~ s/^(\s*)Listen\s+.*$/${1}Listen 127.0.0.1:$port/mg;
    $conf =~ s/^(\s*)ServerName\s+.*$/${1}ServerName localhost:$port/mg;
    $conf =~ s/^(\s*)PidFile\s+.*$/${1}PidFile $dir\/httpd.pid/mg;
    $conf =~ s/^(\s*)ErrorLog\s+.*$/${1}ErrorLog $errlog/mg;
    $conf =~ s/^(\s*)ScriptSock\s+.*$/${1}ScriptSock $dir\/cgisock/mg;
    $conf =~ s/^(\s*)DefaultRunTimeDir\s+.*$/${1}DefaultRunTimeDir "$dir"/mig;
    $conf =~ s/^(\s*)DefaultStateDir\s+.*$/${1}DefaultStateDir "$dir"/mig;
    $conf =~ s/^(\s*)TransferLog\s+.*$/${1}TransferLog $dir\/access_log/mg;
    $conf =~ s/^(\s*)LogLevel\s+trace8\s*$/${1}LogLevel debug/mg;
    # conf_edit => sub { $_[0] =~ s/^MaplatFileMaxSize .*$/MaplatFileMaxSize 600M/m }: change a
    # directive of the suite's configuration (appending a duplicate would be refused)
    $o{conf_edit}->($conf) if $o{conf_edit};
    # set => "MaplatBcryptCost 12\n…": each line replaces the suite's line of the same
    # directive (for MaplatRateLimit/MaplatCacheTTL: of the same limit/answer) in the
    # included extra.conf, or is added there (a second one would be refused as duplicate)
    if (defined $o{set}) {
        my @set = grep { /\S/ } split /\n/, $o{set};
        $conf =~ s{^(\s*Include\s+)"?([^"\s]*/extra\.conf)"?\s*$}{
            my ($inc, $file) = ($1, $2);
            open my $xin, '<', $file or die "$file: $!\n";
            my $c = do { local $/; <$xin> };
            close $xin;
            for my $line (@set) {
                my ($key) = $line =~ /^\s*((?:MaplatRateLimit|MaplatCacheTTL)\s+\S+|\S+)/;
                $c .= "\n$line\n" unless $c =~ s/^\Q$key\E\s.*$/$line/m;
            }
            open my $xout, '>', "$dir/extra.conf" or die "$dir/extra.conf: $!\n";
            print $xout $c;
            close $xout;
            qq{$inc"$dir/extra.conf"\n};
        }me or die "second_httpd: no Include of extra.conf\n";
    }
    # a child that crashes leaves its core here (the logs folder, kept on failure);
    # ->stop prints its backtrace
    my $cores = "$vars->{t_logs}/cores.$name";
    mkdir $cores;
    $conf .= "\n# second_httpd\nCoreDumpDirectory $cores\n" . ($o{extra} // '') . "\n";
    my $file = "$dir/httpd.conf";
    open my $out, '>', $file or die "$file: $!\n";
    print $out $conf;
    close $out;

    my $self = bless { port => $port, dir => $dir, pidfile => "$dir/httpd.pid", httpd => $httpd,
                       conf => $file, root => $root, errlog => $errlog, cores => $cores }, 'Maplat::Test::Server';
    my @cmd = ($httpd, '-d', $root, '-f', $file, '-D', 'APACHE2', '-D', 'APACHE2_4', '-k', 'start');
    t_debug("second httpd: @cmd");
    my $rc = system @cmd;
    die "second httpd did not start (exit $rc); see $errlog\n" if $rc;
    my $ok = wait_for(sub {
        my $r = http(GET => '/api/v1/health', port => $port, timeout => 5);
        $r->{status} == 200;
    }, timeout => sanitize_mode() ? 180 : 60, interval => 0.3);
    unless ($ok) {
        $self->stop;
        die "second httpd on port $port is not answering; see $errlog\n";
    }
    $self->{started} = 1;
    push @SERVERS, $self;
    Scalar::Util::weaken($SERVERS[-1]);
    return $self;
}

package Maplat::Test::Server;
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);

sub port { $_[0]{port} }

sub pid {
    my ($self) = @_;
    open my $fh, '<', $self->{pidfile} or return;
    my $pid = <$fh>;
    close $fh;
    return unless defined $pid && $pid =~ /^(\d+)/;
    return $1;
}

# Stops the server; true when it stopped and its log shows no crashed child.
sub stop {
    my ($self) = @_;
    return $self->{stopped_ok} if $self->{stopped};
    $self->{stopped} = 1;
    my $pid = $self->pid;
    if ($pid && kill 0, $pid) {
        kill 'TERM', $pid;
        my $deadline = time + 30;
        while (kill(0, $pid) && time < $deadline) {
            1 while waitpid(-1, WNOHANG) > 0;
            sleep 0.1;
        }
        kill 'KILL', $pid if kill 0, $pid;
    }
    # a crash, a sanitizer report or an error no test allowed (error_log_allow)
    my @bad = Maplat::Test::error_log_problems($self->{errlog}, 0);
    Test::More::diag("$self->{errlog}: $_") for @bad;
    my $crash = grep { Maplat::Test::is_crash($_) } @bad;
    # fails the test file at its end, whether or not it checks ->stop's answer
    # (error_log_allow names what is expected)
    $Maplat::Test::ERROR_LOG_FAILED = 1 if @bad;
    if ($crash && opendir(my $dh, $self->{cores})) {
        for my $core (grep { /^core/ } readdir $dh) {
            # under MAPLAT_SANITIZE=1 the httpd is a wrapper script: gdb wants the binary
            my $bin = -T $self->{httpd} ? (grep { -x } '/usr/sbin/apache2', '/usr/sbin/httpd')[0] // $self->{httpd}
                                        : $self->{httpd};
            my $bt = `gdb -batch -nx -ex 'thread apply all bt 25' '$bin' '$self->{cores}/$core' 2>&1`;
            Test::More::diag("backtrace of $self->{cores}/$core (gdb):\n$bt");
        }
        closedir $dh;
    }
    return $self->{stopped_ok} = !$crash;
}

sub DESTROY {
    my ($self) = @_;
    local ($?, $@);
    $self->stop unless $self->{stopped};
}

1;
