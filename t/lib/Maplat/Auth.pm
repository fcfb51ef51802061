package Maplat::Auth;
# Helpers for the authentication tests (t/auth/*.t).
#
#   my $r = login('admin@acme.example');                 # demo password by default
#   my $at = token_for('viewer@acme.example');           # cached access token
#   my $r = auth_get('/api/v1/auth/me', $at);
#   my $r = auth_json(POST => '/api/v1/users', $at, {...});
#   my $u = create_user(role => 'member');               # fresh user in Acme
#   my $t = jwt_encode(claims => jwt_claims(exp => time - 60));   # forged, real key
#   unauthorized_ok($r, 'name');                          # 401 + Bearer invalid_token
#   my $s2 = second_httpd(set => "MaplatBcryptCost 12\n"); $s2->{port}; $s2->stop;
#
# Failed logins count against the e-mail and the client address (10 per 15 min
# in the test config), and every test of a run shares one memcached and one
# audit log. So login() sends each attempt from a fresh loopback address
# (127.x.y.z) unless told otherwise, and tests that fail logins on purpose use
# e-mails of their own (unique_email / create_user): no test can lock out
# another, whatever the order the files run in.
use strict;
use warnings;

use Apache::Test ();
use Apache::TestUtil qw(t_debug);
use Digest::SHA qw(hmac_sha256 sha256_hex);
use MIME::Base64 qw(encode_base64url decode_base64url);
use File::Temp ();
use IO::Socket::INET ();
use JSON::PP ();
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);
use Exporter 'import';

use Maplat::Test;

our @EXPORT = qw(
    $DEMO_PASSWORD %DEMO $ACME_ORG $GLOBEX_ORG
    fresh_addr unique_email
    login token_for bearer auth_get auth_json create_user
    b64u jwt_encode jwt_raw jwt_claims jwt_header jwt_payload key_bytes key_id
    $SIGNING_KEY $OLD_KEY
    unauthorized_ok strip_cid psql_value sanitize_mode
    second_httpd bcrypt_hash
);

our $DEMO_PASSWORD = 'maplat-demo-password';
our $ACME_ORG      = '10000000-0000-4000-8000-a00000000001';
our $GLOBEX_ORG    = '10000000-0000-4000-8000-b00000000001';
our %DEMO = (
    'admin@acme.example'   => { id => '20000000-0000-4000-8000-a00000000001', org => $ACME_ORG,   role => 'admin' },
    'analyst@acme.example' => { id => '20000000-0000-4000-8000-a00000000002', org => $ACME_ORG,   role => 'member' },
    'viewer@acme.example'  => { id => '20000000-0000-4000-8000-a00000000003', org => $ACME_ORG,   role => 'viewer' },
    'admin@globex.example' => { id => '20000000-0000-4000-8000-b00000000001', org => $GLOBEX_ORG, role => 'admin' },
    'ops@maplat.example'   => { id => '20000000-0000-4000-8000-c00000000001', org => undef,       role => undef,
                                master_admin => 1 },
);

my $JSON = JSON::PP->new->utf8->canonical;

sub sanitize_mode { $ENV{MAPLAT_SANITIZE} ? 1 : 0 }

# ---------------------------------------------------------------- clients

# A loopback address no other test file uses: 127.<pid-derived>.<n>.
my $addr_n = 1;
sub fresh_addr {
    $addr_n++;
    my $hi = 1 + (($$ >> 8) % 250);
    my $lo = $$ & 255;
    my $n  = 2 + ($addr_n % 250);
    $hi = ($hi + int($addr_n / 250)) % 250 + 1 if $addr_n >= 250;
    return "127.$hi.$lo.$n";
}

my $email_n = 0;
sub unique_email {
    my ($tag, $domain) = @_;
    $email_n++;
    $tag //= 'user';
    $domain //= 'acme.example';
    return sprintf '%s-%d-%d-%06d@%s', $tag, $$, $email_n, int rand 1e6, $domain;
}

# login($email, $password, %http_options): POST /auth/login. From a fresh
# client address unless local_addr is given.
sub login {
    my ($email, $password, %opt) = @_;
    $password //= $DEMO_PASSWORD;
    $opt{local_addr} = fresh_addr() unless exists $opt{local_addr};
    return json_post('/api/v1/auth/login', { email => $email, password => $password }, %opt);
}

my %token_cache;
sub token_for {
    my ($email, $password) = @_;
    return $token_cache{$email} if $token_cache{$email};
    my $r = login($email, $password);
    die "login $email: $r->{status} " . ($r->{body} // $r->{error} // '') . "\n"
        unless $r->{status} == 200 && ref $r->{json} eq 'HASH';
    return $token_cache{$email} = $r->{json}{access_token};
}

sub bearer { my ($t) = @_; return ('Authorization' => "Bearer $t") }

sub auth_get {
    my ($path, $token, %opt) = @_;
    my @h = @{ delete $opt{headers} || [] };
    return http(GET => $path, headers => [(defined $token ? bearer($token) : ()), @h], %opt);
}

sub auth_json {
    my ($method, $path, $token, $data, %opt) = @_;
    my @h = @{ delete $opt{headers} || [] };
    return json_request($method, $path, $data,
                        headers => [(defined $token ? bearer($token) : ()), @h], %opt);
}

# create_user(role => 'member', password => ..., as => 'admin@acme.example',
#             email => ..., tag => ...): a fresh user via POST /users.
# Returns {id, email, password, role, r => response}; dies when not created.
sub create_user {
    my (%o) = @_;
    my $as = $o{as} // 'admin@acme.example';
    my $pw = $o{password} // 'fresh-user-password-' . int(rand 1e6);
    my $email = $o{email} // unique_email($o{tag} // 'fresh', $DEMO{$as} && $DEMO{$as}{org}
                                             && $DEMO{$as}{org} eq $GLOBEX_ORG ? 'globex.example' : 'acme.example');
    my $r = auth_json(POST => '/api/v1/users', token_for($as),
                      { email => $email, password => $pw, first_name => 'Fresh', last_name => 'User',
                        role => $o{role} // 'member' });
    die "create_user $email: $r->{status} " . ($r->{body} // $r->{error} // '') . "\n"
        unless $r->{status} == 201 && ref $r->{json} eq 'HASH';
    return { id => $r->{json}{id}, email => $email, password => $pw, role => $o{role} // 'member', r => $r };
}

# ---------------------------------------------------------------- JWT

sub b64u { my ($b) = @_; return encode_base64url($b) }

# The key bytes as mod_maplat_auth reads them: trailing CR/LF stripped.
sub key_bytes {
    my ($name) = @_;
    my $file = server_root() . "/conf/$name";
    open my $fh, '<:raw', $file or die "$file: $!\n";
    local $/;
    my $k = <$fh>;
    close $fh;
    $k =~ s/[\r\n]+\z//;
    return $k;
}

sub key_id { my ($k) = @_; return substr(sha256_hex($k), 0, 16) }

our $SIGNING_KEY = key_bytes('token.key');
our $OLD_KEY     = key_bytes('token-old.key');

sub jwt_header {
    my (%over) = @_;
    my %h = (alg => 'HS256', typ => 'at+jwt', kid => key_id($SIGNING_KEY));
    while (my ($k, $v) = each %over) {
        if (defined $v) { $h{$k} = $v } else { delete $h{$k} }
    }
    return \%h;
}

# Claims of a valid token for a demo user (default admin@acme.example);
# name => undef removes a claim.
sub jwt_claims {
    my (%over) = @_;
    my $who = delete $over{user} // 'admin@acme.example';
    my $u = $DEMO{$who} or die "no demo user $who";
    my $now = int time;
    my %c = (iss => 'maplat', aud => 'maplat-api', sub => $u->{id}, org => $u->{org},
             role => $u->{role}, email => $who, master_admin => JSON::PP::false,
             iat => $now, nbf => $now, exp => $now + 900, jti => 'forged-' . int(rand 1e9));
    while (my ($k, $v) = each %over) {
        if (defined $v) { $c{$k} = $v } else { delete $c{$k} }
    }
    return \%c;
}

# jwt_raw($header_text, $payload_text, $key): the token for these exact JSON
# texts; $key undef → empty signature ("alg none" style).
sub jwt_raw {
    my ($h, $p, $key) = @_;
    my $signing = b64u($h) . '.' . b64u($p);
    return "$signing." . (defined $key ? b64u(hmac_sha256($signing, $key)) : '');
}

# jwt_encode(header => {...}, claims => {...}, key => $bytes|undef)
sub jwt_encode {
    my (%o) = @_;
    my $h = $o{header} || jwt_header();
    my $c = $o{claims} || jwt_claims();
    my $key = exists $o{key} ? $o{key} : $SIGNING_KEY;
    return jwt_raw($JSON->encode($h), $JSON->encode($c), $key);
}

sub jwt_payload {
    my ($t) = @_;
    my (undef, $p) = split /\./, $t;
    return decode_json_safe(decode_base64url($p // ''));
}

# ---------------------------------------------------------------- assertions

# A 401 for a bad access token: WWW-Authenticate Bearer with error="invalid_token"
# and a problem document with code unauthorized. One assertion (a subtest).
sub unauthorized_ok {
    my ($r, $name, %o) = @_;
    my $error = exists $o{error} ? $o{error} : 'invalid_token';
    return Test::More::subtest($name => sub {
        Test::More::plan(tests => 8);
        problem_ok($r, 401, 'unauthorized', $name);
        my $wa = $r->{headers}{'www-authenticate'} // '';
        if (defined $error) {
            Test::More::like($wa, qr/^Bearer\b.*\berror="\Q$error\E"/, "$name: WWW-Authenticate Bearer error=\"$error\"");
        }
        else {
            Test::More::ok($wa =~ /^Bearer\b/ && $wa !~ /error=/, "$name: WWW-Authenticate Bearer without error")
                or Test::More::diag("WWW-Authenticate: $wa");
        }
    });
}

# The body without the per-request correlation_id (to compare two answers).
sub strip_cid {
    my ($j) = @_;
    return $j unless ref $j eq 'HASH';
    my %c = %$j;
    delete $c{correlation_id};
    return \%c;
}

# bcrypt_hash($password, '$2b$', 12): a bcrypt hash of that variant and cost
# with a random salt, made by the system's crypt (libxcrypt); undef when the
# variant is not supported.
sub bcrypt_hash {
    my ($password, $variant, $cost) = @_;
    my $salt = join '', map { ('.', '/', 0 .. 9, 'A' .. 'Z', 'a' .. 'z')[rand 64] } 1 .. 22;
    my $h = crypt($password, sprintf('%s%02d$%s', $variant, $cost, $salt));
    return defined $h && $h =~ /^\Q$variant\E\d\d\$.{53}$/ ? $h : undef;
}

# psql_value($sql): the single value a query returns (dies on error).
sub psql_value {
    my ($sql) = @_;
    my ($rc, $out) = psql($sql);
    die "psql failed ($rc): $out\n$sql\n" if $rc;
    chomp $out;
    return $out;
}

# ---------------------------------------------------------------- a second httpd

# second_httpd(extra => "directives\n", set => "directives\n", name => 'two'): another httpd from the
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
                       conf => $file, root => $root, errlog => $errlog, cores => $cores }, __PACKAGE__ . '::Server';
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
    return $self;
}

package Maplat::Auth::Server;
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
    my $crash = 0;
    if (open my $fh, '<', $self->{errlog}) {
        while (<$fh>) {
            if (/exit signal|still did not exit|AddressSanitizer|runtime error:/) {
                $crash = 1;
                Test::More::diag("$self->{errlog}: $_");
            }
        }
        close $fh;
    }
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
