# Each enumeration is declared once in C (modules/include/maplat_enums.h,
# modules/common/enums.c) and checked here against the database: every list that
# names a column has exactly the values, in the same order, of that column's
# CHECK (col IN (…)) constraint, and its error message is generated from the list.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Maplat::Test;

plan tests => 23, need(need_pg());
diag_to_stderr();

my $r = http(GET => '/api/v1/_test/enums');
is($r->{status}, 200, 'GET /api/v1/_test/enums (mod_maplat_echo)') or diag($r->{body});
my @enums = @{ ($r->{json} || {})->{enums} || [] };
my %by = map { $_->{name} => $_ } @enums;
is(join(',', sort keys %by),
   join(',', sort 'user role', 'deal stage', 'prospect stage', 'task status', 'document level',
        'document grant', 'community role', 'export type', 'export format', 'export status'),
   'the enumerations of the data model are all declared');

my $checked = 0;
for my $e (@enums) {
    my $msg = 'must be one of ' . join(', ', @{ $e->{values} });
    next unless defined $e->{db_check};
    my ($table, $column) = split /\./, $e->{db_check};
    # the one CHECK constraint of the table that is "column IN (…)" alone
    my ($rc, $out) = psql(qq{
        SELECT string_agg(pg_get_constraintdef(c.oid), E'\\n')
          FROM pg_constraint c
         WHERE c.conrelid = '$table'::regclass AND c.contype = 'c'
           AND pg_get_constraintdef(c.oid) ~ '^CHECK \\(\\(?$column = ANY \\(ARRAY\\['});
    is($rc, 0, "$e->{name}: the CHECK constraint of $e->{db_check} is found") or diag($out);
    chomp $out;
    my @db = $out =~ /'([^']*)'::text/g;
    is(join(',', @db), join(',', @{ $e->{values} }), "$e->{name}: C and $e->{db_check} list the same values in the same order")
        or diag($out);
    $checked++;
}
is($checked, 9, 'every enumeration but the API-only document grant names its column');

# the API's document grant is the document levels plus "none" (no permission row)
is(join(',', @{ $by{'document grant'}{values} || [] }),
   join(',', @{ $by{'document level'}{values} || [] }, 'none'), 'document grant = document levels + none');
is($by{'deal stage'}{message}, 'must be one of sourcing, evaluation, due_diligence, negotiation, closing, won, lost',
   'the message is generated from the list');
