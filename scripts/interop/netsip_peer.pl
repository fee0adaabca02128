#!/usr/bin/perl
# A small Perl Net::SIP peer for sipscript's interop tests (scripts/interop/run).
#
#   uas --port P [--tcp] [--ipv6] [--count N] [--timeout S]
#       answers every OPTIONS and MESSAGE with 200 (header X-Peer: netsip), prints
#       "GOT METHOD body" for each, exits 0 after N requests (default 1), 1 on timeout.
#   uac --uri URI --method M [--body TEXT] [--port P] [--tcp] [--ipv6] [--timeout S]
#       sends one request, prints "FINAL code reason" and exits 0 on 2xx, 1 otherwise.
#
# It prints "READY host:port" once it listens.
use strict;
use warnings;
use Getopt::Long;
use Net::SIP;
use Net::SIP::Util ':all';

$| = 1;
Net::SIP::Debug->level($ENV{NETSIP_DEBUG}) if $ENV{NETSIP_DEBUG};
my ($port, $tcp, $ipv6, $count, $timeout, $uri, $method, $body) = (0, 0, 0, 1, 20, undef, 'OPTIONS', '');
my $role = shift @ARGV or die "usage: $0 uas|uac [options]\n";
GetOptions(
    'port=i' => \$port, 'tcp' => \$tcp, 'ipv6' => \$ipv6, 'count=i' => \$count,
    'timeout=f' => \$timeout, 'uri=s' => \$uri, 'method=s' => \$method, 'body=s' => \$body,
) or die "bad options\n";

my $host = $ipv6 ? '::1' : '127.0.0.1';
my $leg = Net::SIP::Leg->new(addr => $host, port => $port, proto => ($tcp ? 'tcp' : 'udp'));
my $lport = $leg->{src}{port};
my $hp = $ipv6 ? "[::1]:$lport" : "127.0.0.1:$lport";
my $ua = Net::SIP::Simple->new(leg => $leg, from => "sip:netsip\@$hp");
print "READY $hp\n";

my $done = 0;
my $status = 1;
if ($role eq 'uas') {
    my $got = 0;
    $ua->{endpoint}->set_application(sub {
        my ($endpoint, $ctx, $request, $rleg, $from) = @_;
        my $m = $request->method;
        return if $m eq 'ACK';
        print "GOT $m ", (($request->as_parts)[3] // ""), "\n";
        my $response = $request->create_response('200', 'OK', { 'x-peer' => 'netsip' });
        $endpoint->new_response($ctx, $response, $rleg, $from);
        $endpoint->close_context($ctx);
        if (++$got >= $count) { $status = 0; $done = 1 }
    });
} elsif ($role eq 'uac') {
    defined $uri or die "--uri is required\n";
    my %headers = length($body) ? ('content-type' => 'text/plain') : ();
    $ua->{endpoint}->new_request(
        $method,
        { from => "<sip:netsip\@$hp>;tag=" . sprintf("%08x", int(rand(2**32))), to => "<$uri>" },
        sub {
            my ($endpoint, $ctx, $errno, $code, $packet) = @_;
            if ($errno) { print "ERROR $errno\n"; $done = 1; return }
            return if !$code || $code < 200;
            print "FINAL $code ", $packet->msg, "\n";
            $status = ($code >= 200 && $code < 300) ? 0 : 1;
            $done = 1;
        },
        (length($body) ? $body : undef),
        uri => $uri, %headers,
    );
} else {
    die "role must be uas or uac\n";
}
$ua->loop($timeout, \$done);
print "TIMEOUT\n" if !$done;
exit $status;
