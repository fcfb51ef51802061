# Audit entries of the auth module (issue 3: auth.login, auth.login_failed,
# auth.logout; refresh reuse and user.create are checked in refresh.t / users.t):
#   auth.login: the user, the organization, the client address
#   auth.login_failed for a known e-mail: user_id and organization set
#   auth.login_failed for an unknown e-mail: no user, no organization, the
#     (normalised) e-mail in details
#   auth.logout: the user
# and never a password in the log.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use Maplat::Auth;

plan tests => 17, need(need_pg(), need_mc());
diag_to_stderr();

sub entries {
    my ($where) = @_;
    my ($rc, $out) = psql("SELECT json_build_object('org', organization_id, 'user', user_id, 'rtype', resource_type,"
                          . " 'rid', resource_id, 'details', details, 'addr', host(client_address), 'source', source)"
                          . " FROM audit_log WHERE $where ORDER BY seq");
    die "psql: $out" if $rc;
    return map { decode_json_safe($_) } grep { length } split /\n/, $out;
}

my $u = create_user(role => 'member', tag => 'audit');

# ---------------------------------------------------------------- login
my $addr = fresh_addr();
my $r = login($u->{email}, $u->{password}, local_addr => $addr);
is($r->{status}, 200, 'login');
my @e = entries("action = 'auth.login' AND user_id = '$u->{id}'");
is(scalar @e, 1, 'one auth.login entry');
is($e[0]{org}, $ACME_ORG, 'auth.login: the organization');
is($e[0]{addr}, $addr, 'auth.login: the client address');
is($e[0]{source}, 'server', 'auth.login: source server');

# ---------------------------------------------------------------- failed, known e-mail
my $wrong_pw = 'wrong-password-' . int(rand 1e6);
$addr = fresh_addr();
$r = login(uc $u->{email}, $wrong_pw, local_addr => $addr);
is($r->{status}, 401, 'wrong password');
@e = entries("action = 'auth.login_failed' AND user_id = '$u->{id}'");
is(scalar @e, 1, 'one auth.login_failed entry with the user');
is($e[0]{org}, $ACME_ORG, 'auth.login_failed (known): the organization');
is($e[0]{addr}, $addr, 'auth.login_failed (known): the client address');
is(($e[0]{details} || {})->{email}, $u->{email}, 'auth.login_failed (known): the normalised e-mail');

# ---------------------------------------------------------------- failed, unknown e-mail
my $nobody = unique_email('nobody');
$addr = fresh_addr();
$r = login("  \U$nobody\E ", $wrong_pw, local_addr => $addr);
is($r->{status}, 401, 'unknown e-mail');
@e = entries("action = 'auth.login_failed' AND details ->> 'email' = '$nobody'");
is(scalar @e, 1, 'one auth.login_failed entry for the unknown e-mail (normalised)');
ok(!defined $e[0]{user} && !defined $e[0]{org}, 'auth.login_failed (unknown): no user, no organization');
is($e[0]{addr}, $addr, 'auth.login_failed (unknown): the client address');

# ---------------------------------------------------------------- logout
my $l = login($u->{email}, $u->{password});
is(api(POST => '/api/v1/auth/logout', { refresh_token => $l->{json}{refresh_token} }, $l->{json}{access_token})->{status},
   204, 'logout');
@e = entries("action = 'auth.logout' AND user_id = '$u->{id}'");
is(scalar(@e) == 1 && $e[0]{org}, $ACME_ORG, 'one auth.logout entry with the organization');

# ---------------------------------------------------------------- no secrets
is(psql_value("SELECT count(*) FROM audit_log WHERE details::text LIKE '%$wrong_pw%'"
              . " OR details::text LIKE '%$u->{password}%' OR details::text LIKE '%\$2b\$%'"),
   0, 'no password (right or wrong) and no hash in any audit entry');
