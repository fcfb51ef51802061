# maplat-admin (tools/maplat-admin.c), the first-run command, against the
# suite's database as the runtime role httpd uses: it creates an organization
# with its admin and a platform master admin, resets a password and lists the
# organizations; the people it creates log in through the API with the
# password it was given on standard input, with the hash format and cost the
# server uses; every change has its audit entries; a refused change (a short
# password, an e-mail already taken) changes nothing; a password is never
# taken from the command line.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use Maplat::Auth;
use File::Temp ();
use POSIX ();

plan tests => 42, need(need_pg(), need_mc());
diag_to_stderr();

my $bin = ($ENV{MAPLAT_BUILDDIR} // "$FindBin::Bin/../..") . '/tools/maplat-admin';
my $role = $ENV{MAPLAT_PGAPPUSER} || 'maplat';

# run_admin([args], stdin => $text): (exit code, stdout, stderr)
sub run_admin {
    my ($args, %o) = @_;
    my $in  = File::Temp->new;
    my $out = File::Temp->new;
    my $err = File::Temp->new;
    print {$in} $o{stdin} // '';
    close $in;
    local $ENV{PGHOST} = $ENV{MAPLAT_PGHOST};
    local $ENV{PGPORT} = $ENV{MAPLAT_PGPORT};
    local $ENV{PGUSER} = $role;
    local $ENV{PGDATABASE} = 'maplat';
    # no terminal: the prompt must not be reachable (setsid detaches /dev/tty)
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        POSIX::setsid();
        open STDIN, '<', $in->filename or die;
        open STDOUT, '>', $out->filename or die;
        open STDERR, '>', $err->filename or die;
        exec $bin, @$args or POSIX::_exit(127);
    }
    waitpid $pid, 0;
    my $rc = $? >> 8;
    local $/;
    open my $fo, '<', $out->filename or die;
    open my $fe, '<', $err->filename or die;
    return ($rc, scalar <$fo> // '', scalar <$fe> // '');
}
sub q_ { my ($s) = @_; $s =~ s/'/''/g; "'$s'" }

ok(-x $bin, "maplat-admin is built ($bin)");

# ---------------------------------------------------------------- create-org
my $tag = "$$-" . int(rand 1e6);
my $org_name = "First Bank $tag";
my $admin = "Admin-$tag\@First-Bank.Example";            # stored lower-cased
my $pw = "first admin password $tag";
my ($rc, $out, $err) = run_admin(['create-org', '--name', $org_name, '--admin-email', "  $admin ",
                                  '--first-name', 'Ada', '--last-name', 'Admin',
                                  '--password-stdin', '--bcrypt-cost', '4'], stdin => "$pw\n");
is($rc, 0, 'create-org: exit 0') or diag($err);
my ($org_id) = $out =~ /^organization ([0-9a-f-]{36})/m;
my ($user_id) = $out =~ /^admin ([0-9a-f-]{36})/m;
ok($org_id && $user_id, 'it prints the organization and admin ids') or diag($out);
is(psql_value("SELECT name FROM organizations WHERE id = '$org_id'"), $org_name, 'the organization exists');
is(psql_value("SELECT email || ' ' || role || ' ' || master_admin || ' ' || active FROM users WHERE id = '$user_id'"),
   lc($admin) . ' admin false true', 'its admin: lower-cased e-mail, role admin, active, not master admin');
like(psql_value("SELECT password_hash FROM users WHERE id = '$user_id'"), qr/^\$2b\$04\$.{53}$/,
     'the hash is bcrypt $2b$ with the cost given (--bcrypt-cost 4, the suite\'s MaplatBcryptCost)');
is(psql_value("SELECT string_agg(action || ':' || resource_type || ':' || (resource_id = '$org_id' OR resource_id = '$user_id')"
              . " || ':' || (user_id IS NULL) || ':' || (details->>'tool'), ',' ORDER BY seq)"
              . " FROM audit_log WHERE organization_id = '$org_id'"),
   'organization.create:organization:true:true:maplat-admin,user.create:user:true:true:maplat-admin',
   'audit entries organization.create and user.create, marked as made by maplat-admin');

# ---------------------------------------------------------------- the admin logs in
my $r = login(lc $admin, $pw);
is($r->{status}, 200, 'the new admin logs in through the API') or diag($r->{body});
my $at = $r->{json} && $r->{json}{access_token};
my $rt = $r->{json} && $r->{json}{refresh_token};
$r = api(GET => '/api/v1/auth/me', undef, $at);
is($r->{status}, 200, 'GET /auth/me: 200');
is($r->{json} && $r->{json}{organization_id}, $org_id, '... in the new organization');
is($r->{json} && $r->{json}{role}, 'admin', '... as its admin');
is(login(uc $admin, $pw)->{status}, 200, 'the e-mail is found in any case');
is(login(lc $admin, "$pw-wrong")->{status}, 401, 'a wrong password: 401');
$r = api(POST => '/api/v1/users', { email => "member-$tag\@first-bank.example", password => 'member password 12345',
                 role => 'member' },
               $at);
is($r->{status}, 201, 'the admin creates a member through the API') or diag($r->{body});
$r = api(POST => '/api/v1/deals', { name => "First deal $tag", stage => 'sourcing' }, $at);
is($r->{status}, 201, 'and a deal') or diag($r->{body});
$r = api(GET => '/api/v1/deals', undef, $at);
is($r->{json} && scalar @{ $r->{json}{items} || [] }, 1, 'the organization sees its own deal only');

# ---------------------------------------------------------------- default cost
my $admin2 = "cost-$tag\@first-bank.example";
($rc, $out, $err) = run_admin(['create-org', '--name', "Cost $tag", '--admin-email', $admin2,
                               '--password-stdin'], stdin => "$pw\n");
is($rc, 0, 'create-org without --bcrypt-cost: exit 0') or diag($err);
like(psql_value("SELECT password_hash FROM users WHERE email = " . q_($admin2)), qr/^\$2b\$12\$.{53}$/,
     'the hash has cost 12, MaplatBcryptCost\'s default');
is(login($admin2, $pw)->{status}, 200, 'that admin logs in too');
like(psql_value("SELECT password_hash FROM users WHERE email = " . q_($admin2)), qr/^\$2b\$04\$/,
     '... and the server redoes the hash with its configured cost');

# ---------------------------------------------------------------- master admin
my $ops = "ops-$tag\@platform.example";
($rc, $out, $err) = run_admin(['create-master-admin', '--email', $ops, '--org-name', "Operations $tag",
                               '--password-stdin', '--bcrypt-cost', '4'], stdin => "$pw\n");
is($rc, 0, 'create-master-admin: exit 0') or diag($err);
my ($ops_org) = $out =~ /^organization ([0-9a-f-]{36})/m;
is(psql_value("SELECT role || ' ' || master_admin FROM users WHERE email = " . q_($ops)), 'admin true',
   'a master admin (and admin of its own organization)');
isnt($ops_org, $org_id, 'in an organization of its own');
my $ops_at = token($ops, $pw);
is(api(GET => '/api/v1/performance/endpoints', undef, $ops_at)->{status}, 200,
   'the master admin reaches the platform endpoints');
is(api(GET => '/api/v1/performance/endpoints', undef, $at)->{status}, 403, 'the organization admin does not');
is(psql_value("SELECT count(*) FROM audit_log WHERE organization_id = '$ops_org' AND action = 'user.create'"
              . " AND (details->>'master_admin')::bool"), 1, 'audit: user.create with master_admin true');

# ---------------------------------------------------------------- reset-password
my $new_pw = "reset password $tag";
($rc, $out, $err) = run_admin(['reset-password', '--email', uc($admin), '--password-stdin',
                               '--bcrypt-cost', '4'], stdin => "$new_pw\r\n");
is($rc, 0, 'reset-password: exit 0') or diag($err);
is(login(lc $admin, $pw)->{status}, 401, 'the old password no longer works');
is(login(lc $admin, $new_pw)->{status}, 200, 'the new one does (a CRLF line end is not part of it)');
is(api(POST => '/api/v1/auth/refresh', { refresh_token => $rt }, undef)->{status}, 401,
   'refresh tokens issued before the reset are revoked');
is(psql_value("SELECT count(*) FROM refresh_token_families WHERE user_id = '$user_id' AND revoked_at IS NULL"),
   1, '... only the new login\'s family is left');
is(psql_value("SELECT count(*) FROM audit_log WHERE organization_id = '$org_id' AND action = 'user.password_reset'"
              . " AND resource_id = '$user_id'"), 1, 'audit: user.password_reset');
($rc, undef, $err) = run_admin(['reset-password', '--email', "nobody-$tag\@first-bank.example", '--password-stdin'],
                               stdin => "$new_pw\n");
is($rc, 1, 'reset-password of an unknown e-mail: exit 1');
like($err, qr/no user/, '... saying so');

# ---------------------------------------------------------------- refusals change nothing
($rc, undef, $err) = run_admin(['create-org', '--name', "Short $tag", '--admin-email', "short-$tag\@x.example",
                                '--password-stdin'], stdin => "short\n");
is($rc, 1, 'a password under 12 characters: exit 1');
like($err, qr/at least 12 characters/, '... with the API\'s rule');
($rc, undef, $err) = run_admin(['create-org', '--name', "Dup $tag", '--admin-email', uc($admin),
                                '--password-stdin'], stdin => "$pw\n");
is($rc, 1, 'an e-mail address already taken: exit 1');
is(psql_value("SELECT count(*) FROM organizations WHERE name IN (" . q_("Short $tag") . ', ' . q_("Dup $tag") . ')'),
   0, '... and no organization was left behind');
($rc, undef, $err) = run_admin(['create-org', '--name', "Cli $tag", '--admin-email', "cli-$tag\@x.example",
                                '--password', $pw]);
is($rc, 2, '--password on the command line is refused (exit 2)');
($rc, undef, $err) = run_admin(['create-org', '--name', "Tty $tag", '--admin-email', "tty-$tag\@x.example"]);
is($rc, 1, 'without a terminal and without --password-stdin: exit 1');
like($err, qr/--password-stdin/, '... pointing at --password-stdin');

# ---------------------------------------------------------------- list-orgs
($rc, $out, $err) = run_admin(['list-orgs']);
like($out, qr/^\Q$org_id\E\s+2\s+1\s+\Q$org_name\E$/m, 'list-orgs: the organization with 2 users, 1 admin');
