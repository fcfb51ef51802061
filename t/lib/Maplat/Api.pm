package Maplat::Api;
# Helpers for the REST resource tests (t/api/*.t).
#
#   (api, login, token: Maplat::Test, re-exported here)
#   my $d = create_ok($tok, '/api/v1/deals', {name => uniq('deal')});   # 201 or dies
#   my $v = db_value("SELECT count(*) FROM deals WHERE ...");           # psql as maplat
#   same_body_ok($r1, $r2, 'name');   # bodies equal apart from correlation_id
#   validation_ok($r, [qw(name value)], 'name');  # 422 validation_failed naming exactly those fields
#
use strict;
use warnings;

use Apache::Test ();
use JSON::PP ();
use Test::More ();
use Exporter 'import';

use Maplat::Test;

our @EXPORT = qw(
    %U %ORG $PASSWORD
    token login api uniq create_ok new_user db_value db_row audit_count audit_entries
    same_body_ok validation_ok strip_cid rfc3339_ok nil_uuid enc
);

our $PASSWORD = $DEMO_PASSWORD;
our %ORG = (
    acme   => '10000000-0000-4000-8000-a00000000001',
    globex => '10000000-0000-4000-8000-b00000000001',
);
our %U = (
    admin   => '20000000-0000-4000-8000-a00000000001',    # admin@acme.example
    analyst => '20000000-0000-4000-8000-a00000000002',    # analyst@acme.example (member)
    viewer  => '20000000-0000-4000-8000-a00000000003',    # viewer@acme.example
    globex  => '20000000-0000-4000-8000-b00000000001',    # admin@globex.example
);

my $JSON = JSON::PP->new->utf8->canonical;

# new_user($admin_token, role => 'member', first_name => ...): a fresh user of
# the admin's organization, logged in: {id, email, token, name}.
sub new_user {
    my ($admin_tok, %o) = @_;
    my $email = lc(uniq($o{role} // 'member')) . '@' . ($o{domain} // 'acme.example');
    my $first = $o{first_name} // 'Test';
    my $last = $o{last_name} // ucfirst($o{role} // 'member');
    my $pw = 'maplat-test-password-1';
    my $r = api(POST => '/api/v1/users', { email => $email, password => $pw, first_name => $first,
                                           last_name => $last, role => $o{role} // 'member' }, $admin_tok);
    die "POST /users: $r->{status} " . ($r->{body} // $r->{error} // '') . "\n"
        unless $r->{status} == 201 && ref $r->{json} eq 'HASH' && $r->{json}{id};
    my $l = login($email, $pw);
    die "login $email: $l->{status} " . ($l->{body} // '') . "\n" unless $l->{status} == 200;
    return { id => $r->{json}{id}, email => $email, token => $l->{json}{access_token}, name => "$first $last" };
}

my $uniq_n = 0;
sub uniq {
    my ($tag) = @_;
    $uniq_n++;
    return sprintf '%s-%d-%d-%05d', $tag // 't', $$, $uniq_n, int rand 1e5;
}

# POST and expect 201; returns the decoded body (dies otherwise: later tests
# depend on it).
sub create_ok {
    my ($tok, $path, $data) = @_;
    my $r = api(POST => $path, $data, $tok);
    die "POST $path: $r->{status} " . ($r->{body} // $r->{error} // '') . "\n"
        unless $r->{status} == 201 && ref $r->{json} eq 'HASH' && $r->{json}{id};
    return $r->{json};
}

sub db_value {
    my ($sql) = @_;
    my ($rc, $out) = psql($sql);
    die "psql failed ($rc): $out\n$sql\n" if $rc;
    chomp $out;
    return $out;
}

# one row as a list of columns ('|'-separated by psql -A)
sub db_row {
    my ($sql) = @_;
    my $v = db_value($sql);
    return split /\|/, $v, -1;
}

sub _q { my ($s) = @_; $s =~ s/'/''/g; "'$s'" }

sub audit_count {
    my (%w) = @_;
    my @c = map { "$_ = " . _q($w{$_}) } sort keys %w;
    return db_value('SELECT count(*) FROM audit_log WHERE ' . join(' AND ', @c));
}

# [ {action, user_id, details(json text), source}, ... ] oldest first
sub audit_entries {
    my (%w) = @_;
    my @c = map { "$_ = " . _q($w{$_}) } sort keys %w;
    my $out = db_value("SELECT json_agg(json_build_object('action', action, 'user_id', user_id,"
        . " 'organization_id', organization_id, 'details', details, 'source', source) ORDER BY seq)"
        . ' FROM audit_log WHERE ' . join(' AND ', @c));
    return $out eq '' ? [] : $JSON->decode($out);
}

sub strip_cid {
    my ($body) = @_;
    my $j = decode_json_safe($body // '');
    return $body unless ref $j eq 'HASH';
    delete $j->{correlation_id};
    return $JSON->encode($j);
}

# The two answers are the same apart from the correlation id: status, content
# type and body.
sub same_body_ok {
    my ($a, $b, $name) = @_;
    my $ok = $a->{status} == $b->{status}
        && ($a->{headers}{'content-type'} // '') eq ($b->{headers}{'content-type'} // '');
    # byte-identical once the correlation id (which differs per request) is cut out
    my ($x, $y) = ($a->{body} // '', $b->{body} // '');
    my ($cx, $cy) = ($a->{headers}{'x-correlation-id'} // "\0", $b->{headers}{'x-correlation-id'} // "\0");
    $x =~ s/\Q$cx\E/CID/g;
    $y =~ s/\Q$cy\E/CID/g;
    $ok &&= $x eq $y;
    Test::More::ok($ok, $name)
        or Test::More::diag("got $a->{status} $x\nvs  $b->{status} $y");
    return $ok;
}

# 422 validation_failed whose errors[] names exactly these fields (any order,
# each at least once).
sub validation_ok {
    my ($r, $fields, $name) = @_;
    my $j = ref $r->{json} eq 'HASH' ? $r->{json} : {};
    my %got = map { (ref $_ eq 'HASH' ? $_->{field} // '' : '') => 1 } @{ ref $j->{errors} eq 'ARRAY' ? $j->{errors} : [] };
    my $ok = $r->{status} == 422 && ($j->{code} // '') eq 'validation_failed'
        && ($r->{headers}{'content-type'} // '') =~ m{^application/problem\+json}
        && join(',', sort keys %got) eq join(',', sort @$fields)
        && !grep { !defined $_->{message} || !length $_->{message} } @{ $j->{errors} || [] };
    Test::More::ok($ok, "$name: 422 validation_failed naming " . join(', ', @$fields))
        or Test::More::diag("status $r->{status}: " . substr($r->{body} // $r->{error} // '', 0, 600));
    return $ok;
}

sub rfc3339_ok {
    my ($v, $name) = @_;
    return Test::More::like($v // '', qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$/, "$name: RFC 3339 UTC");
}

sub nil_uuid { uuid_v4() }

# percent-encodes a query value (characters, UTF-8)
sub enc {
    my ($s) = @_;
    utf8::encode($s);    # characters -> UTF-8 bytes
    $s =~ s/([^A-Za-z0-9\-._~])/sprintf '%%%02X', ord $1/ge;
    return $s;
}

1;
