#!/usr/bin/perl
# t/auth/identity.t: a CGI "application" protected by AuthType maplat. Prints
# the identity variables (and any client header that tried to pose as one) as
# JSON.
use strict;
use warnings;
use JSON::PP ();

my %out = map { $_ => $ENV{$_} }
    grep { /^(?:MAPLAT_|HTTP_X_MAPLAT|REMOTE_USER$|AUTH_TYPE$)/ } keys %ENV;
print "Content-Type: application/json\r\n\r\n";
print JSON::PP->new->canonical->encode(\%out);
