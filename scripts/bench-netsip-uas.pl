#!/usr/bin/perl
# The Perl Net::SIP reference UAS of scripts/bench-calls: Net::SIP::Simple's listen answers every
# INVITE 200 with an SDP answer (PCMU), takes the ACK and the caller's BYE; no RTP is sent.
#
#   bench-netsip-uas.pl [--port P] [--seconds S] [--sdp shared|per-call]
#
# --sdp shared (default, the lightest way Net::SIP answers with SDP): one SDP and one RTP/RTCP
#   socket pair made at start and handed to every call (`sdp` + `media_lsocks`), so a call costs
#   only SIP work. --sdp per-call: Net::SIP's default, an RTP/RTCP socket pair and an SDP per call.
# init_media is a no-op either way (Net::SIP's default, media_recv_echo, would echo RTP and hang up
# calls after ~10 s without media).
# Prints "READY 127.0.0.1:PORT", and at exit "calls=N established=N byes=N". Exits after --seconds
# (default 600) or on SIGTERM/SIGINT.
use strict;
use warnings;
use Getopt::Long;
use IO::Socket::INET;
use Socket qw(SOL_SOCKET SO_RCVBUF SO_SNDBUF);
use Net::SIP;
use Net::SIP::Util qw(create_rtp_sockets);

$| = 1;
my ($port, $seconds, $sdp_mode) = (0, 600, 'shared');
GetOptions('port=i' => \$port, 'seconds=f' => \$seconds, 'sdp=s' => \$sdp_mode) or die "bad options\n";
$sdp_mode =~ /^(shared|per-call)$/ or die "--sdp must be shared or per-call\n";

# Our own socket: Net::SIP::Leg given port 0 tries 5060..5100 before an ephemeral port.
my $sock = IO::Socket::INET->new(Proto => 'udp', LocalAddr => '127.0.0.1', LocalPort => $port)
    or die "cannot bind 127.0.0.1:$port: $!\n";
# Large buffers (DESIGN §8): a burst of INVITEs must not overflow the kernel default.
setsockopt($sock, SOL_SOCKET, SO_RCVBUF, 8 << 20);
setsockopt($sock, SOL_SOCKET, SO_SNDBUF, 8 << 20);
my $leg = Net::SIP::Leg->new(sock => $sock);
my $lport = $sock->sockport;
my $ua = Net::SIP::Simple->new(leg => $leg, from => "sip:netsip\@127.0.0.1:$lport");

my ($calls, $established, $byes) = (0, 0, 0);
my %params = (
    init_media => sub { },
    cb_create => sub { $calls++; return 1 },
    cb_established => sub { $established++ },
    recv_bye => sub { $byes++ },
);
if ($sdp_mode eq 'shared') {
    my ($media_port, @socks) = create_rtp_sockets('127.0.0.1') or die "no RTP sockets: $!\n";
    $params{media_lsocks} = [ \@socks ];
    $params{sdp} = Net::SIP::SDP->new(
        { addr => '127.0.0.1' },
        {
            port => $media_port, proto => 'RTP/AVP', media => 'audio', fmt => [ 0, 101 ],
            a => [ 'rtpmap:0 PCMU/8000', 'ptime:20', 'rtpmap:101 telephone-event/8000', 'fmtp:101 0-16' ],
        },
    );
}
$ua->listen(%params);

my $stop = 0;
$SIG{TERM} = $SIG{INT} = sub { $stop = 1 };
print "READY 127.0.0.1:$lport\n";
$ua->loop($seconds, \$stop);
print "calls=$calls established=$established byes=$byes\n";
exit 0;
