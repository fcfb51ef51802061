# Password hashes follow MaplatBcryptCost (4 in the test configuration): a
# stored hash made with another cost, or with an older bcrypt variant ($2y$,
# $2a$), is replaced at the next successful login by a $2b$ hash with the
# configured cost; a failed login changes nothing; a hash that already has the
# configured cost stays as it is.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;
use Maplat::Auth;

plan tests => 14, need(need_pg(), need_mc());
diag_to_stderr();

my $user = create_user(role => 'member', tag => 'rehash');
my $pw = $user->{password};
sub stored { psql_value("SELECT password_hash FROM users WHERE id = '$user->{id}'") }
sub set_hash {
    my ($h) = @_;
    my ($rc, $out) = psql("UPDATE users SET password_hash = '$h' WHERE id = '$user->{id}'");
    die "psql: $out\n" if $rc;
}

like(stored(), qr/^\$2b\$04\$/, 'a new user gets a $2b$ hash with MaplatBcryptCost 4');

# ---------------------------------------------------------------- another cost
my $cost5 = bcrypt_hash($pw, '$2b$', 5) // '';
like($cost5, qr/^\$2b\$05\$.{53}$/, 'a cost-5 hash of the password (libxcrypt through Perl)');
set_hash($cost5);

my $bad = login($user->{email}, $pw . '-wrong');
is($bad->{status}, 401, 'a wrong password: 401');
is(stored(), $cost5, '... and the stored hash is unchanged');

my $ok = login($user->{email}, $pw);
is($ok->{status}, 200, 'the right password against the cost-5 hash: 200') or diag($ok->{body});
my $new = stored();
like($new, qr/^\$2b\$04\$.{53}$/, 'the hash is redone with cost 4');
isnt($new, $cost5, '... a new hash');
is(login($user->{email}, $pw)->{status}, 200, 'the new hash verifies: login 200');
is(stored(), $new, 'a hash with the configured cost is left as it is');

# ---------------------------------------------------------------- older variants
for my $variant ('$2y$', '$2a$') {
    my $old = bcrypt_hash($pw, $variant, 4);
    SKIP: {
        skip "libxcrypt has no $variant", 2 unless defined $old && $old =~ /^\Q$variant\E04\$.{53}$/;
        set_hash($old);
        is(login($user->{email}, $pw)->{status}, 200, "login against a $variant hash: 200");
        like(stored(), qr/^\$2b\$04\$.{53}$/, "... replaced by a \$2b\$ hash");
    }
}
is(login($user->{email}, $pw)->{status}, 200, 'and the password still works');
