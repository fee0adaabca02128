#!/usr/bin/perl
# The Perl Net::SIP reference of scripts/bench-media: N echo streams run by Net::SIP::Simple::RTP's
# own media_recv_echo (DELAY 0) on Net::SIP's Dispatcher event loop, the way a Net::SIP call's
# init_media runs it, without the SIP around it.
#
#   bench-media-netsip.pl --streams N --seconds S --base P --generator-base G
#
# Stream i receives on 127.0.0.1:P+2i and echoes to 127.0.0.1:G+2i (to G with
# --single-peer-port 1: the one-socket C generator, scripts/bench-reference/media-peer.c). The call object handed to
# media_recv_echo holds what that function uses of a Net::SIP::Simple::Call: the event loop
# (`loop`), `dispatcher->add_timer` for its 10 s inactivity timer, `rtp_cleanup` and `bye`.
#
# Speaks mediabench's echo protocol: prints "ready" once every socket is bound, stops when its
# standard input closes (or after S + 30 s), then prints
# "echo received=-1 echoed=-1 cpu=SECONDS" (user + system CPU from "ready" on; Net::SIP keeps no
# packet counts, so the generator counts what came back).
use strict;
use warnings;
use Getopt::Long;
use IO::Socket::INET;
use Socket qw(SOL_SOCKET SO_RCVBUF pack_sockaddr_in inet_aton);
use Net::SIP::Dispatcher::Eventloop;
use Net::SIP::Simple::RTP;
use Net::SIP::Util qw(invoke_callback);

$| = 1;
my ($streams, $seconds, $base, $generator_base, $single) = (100, 10, 20000, 40000, 0);
GetOptions(
    'streams=i' => \$streams, 'seconds=f' => \$seconds,
    'base=i' => \$base, 'generator-base=i' => \$generator_base, 'single-peer-port=i' => \$single,
) or die "bad options\n";

# The part of Net::SIP::Simple::Call that media_recv_echo's init_media touches.
package BenchCall {
    sub new { my ($class, $loop) = @_; bless { loop => $loop, dispatcher => BenchDispatcher->new($loop), rtp_cleanup => [] }, $class }
    sub bye { }    # the inactivity timer's hang-up: nothing to hang up here
}
package BenchDispatcher {
    sub new { my ($class, $loop) = @_; bless { loop => $loop }, $class }
    sub add_timer { my $self = shift; return $self->{loop}->add_timer(@_) }
}
package main;

my $loop = Net::SIP::Dispatcher::Eventloop->new;
my $init_media = Net::SIP::Simple::RTP::media_recv_echo(undef, 0);
my @sockets;
for my $i (0 .. $streams - 1) {
    my $sock = IO::Socket::INET->new(Proto => 'udp', LocalAddr => '127.0.0.1', LocalPort => $base + 2 * $i)
        or die "cannot bind 127.0.0.1:" . ($base + 2 * $i) . ": $!\n";
    setsockopt($sock, SOL_SOCKET, SO_RCVBUF, 4 << 20);    # as the Swift side (DESIGN §8)
    push @sockets, $sock;
    my $call = BenchCall->new($loop);
    invoke_callback($init_media, $call, {
        media_lsocks => [ [ $sock ] ],
        media_raddr  => [ pack_sockaddr_in($generator_base + ($single ? 0 : 2 * $i), inet_aton('127.0.0.1')) ],
    });
}

my $stop = 0;
$loop->addFD(\*STDIN, EV_READ, sub {
    my $n = sysread(STDIN, my $buf, 4096);
    $stop = 1 if !$n;
}, 'stdin');
my @start = times;
print "ready\n";
$loop->loop($seconds + 30, \$stop);
my @end = times;
my $cpu = ($end[0] - $start[0]) + ($end[1] - $start[1]);
print "echo received=-1 echoed=-1 cpu=$cpu\n";
