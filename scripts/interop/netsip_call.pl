#!/usr/bin/perl
# Perl Net::SIP::Simple as a call peer for sipscript's call interop cases (scripts/interop/calls/run).
#
#   uas --port P [--media echo|recv|sendrecv] [--play WAV] [--record FILE] [--answer-after S]
#       [--expect-dtmf DIGITS] [--hangup-after-dtmf] [--once] [--timeout S] [--ipv6]
#       Answers INVITEs (after S seconds of ringing; S < 0: rings until CANCEL).
#       echo: media_recv_echo (sends back what arrives); recv: receive only;
#       sendrecv: media_send_recv playing --play in a loop. --record writes the received audio
#       (PCMU only: telephone-event packets are left out) as WAV (name ends in .wav) or raw µ-law.
#       Accepts re-INVITEs and reports hold (c=0.0.0.0, a=sendonly or a=inactive) and unhold.
#       --hangup-after-dtmf: sends BYE once the --expect-dtmf digits have arrived.
#   uac --port P --uri URI [--media sendrecv|recv] [--play WAV] [--record FILE] [--digits D]
#       [--dtmf-delay S] [--hold] [--duration S] [--timeout S] [--ipv6]
#       Calls URI, plays/records, sends D as RFC 4733 events, optionally re-INVITEs to hold
#       (at 30 % of --duration) and back (at 60 %), then BYE after --duration seconds
#       (unless the peer hung up first).
#   cancel --port P --uri URI [--cancel-after S] [--timeout S]
#       Calls URI and sends CANCEL S seconds later (before an answer).
#
# Output, one event a line (the same words as pjsua2_call.py, baresip_call.py and the Lua
# scripts): READY host:port, INCOMING uri, RINGING, FINAL code, RESULT established,
# DTMF d, DTMF_SENT digits, HOLD sent|ok|received, UNHOLD sent|ok|received, REINVITE received,
# BYE sent|received, CANCEL sent|received, RESULT cancelled, TIMEOUT, and at the end
# SUMMARY role=R established=N dtmf=DIGITS|- ok=1|0. Exit 0 when ok: a call was established
# (cancel: cancelled with 487) and, with --expect-dtmf, exactly those digits arrived.
use strict;
use warnings;
use Getopt::Long;
use File::Temp qw(tempdir);
use Net::SIP;
use Net::SIP::Util ':all';

$| = 1;

# Net::SIP 0.835 labels telephone-event PT 101 in every SDP answer it writes, but its RFC 4733
# receiver listens on the payload type of the peer's offer (pjsua offers 120): digits from such a
# peer would be dropped. Listen on PT 101 as well (DESIGN §8 asks sipscript to do the same).
{
    no warnings 'redefine';
    my $original = \&Net::SIP::Simple::Call::dtmf_extractor;
    *Net::SIP::Simple::Call::dtmf_extractor = sub {
        my %args = @_;
        my $offered = $original->(%args);
        return $offered if !defined $args{rfc2833_type} || $args{rfc2833_type} == 101;
        my $answered = $original->(rfc2833_type => 101);
        return sub { my @event = $offered->(@_); @event ? @event : $answered->(@_) };
    };
}

my %o = (
    port => 0, media => 'sendrecv', play => undef, record => undef, 'answer-after' => 0,
    'expect-dtmf' => undef, 'hangup-after-dtmf' => 0, once => 0, timeout => 30, ipv6 => 0,
    uri => undef, digits => '', 'dtmf-delay' => 1, hold => 0, duration => 5, 'cancel-after' => 1,
    debug => 0,
);
my $role = shift @ARGV // '';
GetOptions(\%o, 'port=i', 'media=s', 'play=s', 'record=s', 'answer-after=f', 'expect-dtmf=s',
    'hangup-after-dtmf', 'once', 'timeout=f', 'ipv6', 'uri=s', 'digits=s', 'dtmf-delay=f', 'hold',
    'duration=f', 'cancel-after=f', 'debug=i')
    or die "bad options\n";
$role =~ /^(uas|uac|cancel)$/ or die "usage: $0 uas|uac|cancel [options]\n";
$o{media} =~ /^(echo|recv|sendrecv)$/ or die "--media must be echo, recv or sendrecv\n";
die "$role needs --uri\n" if $role ne 'uas' && !$o{uri};
Net::SIP::Debug->level($o{debug}) if $o{debug};

my $workdir = tempdir('netsip-call-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $host = $o{ipv6} ? '::1' : '127.0.0.1';

# Audio to send: raw 8 kHz µ-law, what Net::SIP::Simple::RTP reads (160 octets a packet).
my $source = "$workdir/source.ul";
my @sox_source = $o{play}
    ? ('sox', $o{play}, '-r', '8000', '-c', '1', '-t', 'ul', $source)
    : ('sox', '-n', '-r', '8000', '-c', '1', '-t', 'ul', $source, 'synth', '10', 'sine', '440', 'vol', '0.5');
system(@sox_source) == 0 or die "sox could not make $source\n";

# Received audio: a callback instead of a file name, so that a re-INVITE (which restarts the
# media) appends instead of truncating, and telephone-event payloads stay out of the audio.
my $received = "$workdir/received.ul";
open(my $received_fh, '>', $received) or die "$received: $!\n";
binmode $received_fh;
my $record_cb = sub {
    my ($payload, $seq, $timestamp, $channel, $pt) = @_;
    syswrite($received_fh, $payload) if $pt == 0;
};

my $leg = Net::SIP::Leg->new(addr => $host, port => $o{port});
my $lport = $leg->{src}{port};
my $hostport = $o{ipv6} ? "[::1]:$lport" : "127.0.0.1:$lport";
my $ua = Net::SIP::Simple->new(leg => $leg, from => "sip:netsip\@$hostport");

my %state = (established => 0, dtmf => '', cancelled => 0, done => 0, invites => 0, held => 0);
my $call;    # strong reference: Net::SIP keeps calls weakly (DESIGN §8)

sub say_line { print join(' ', @_), "\n" }

sub summary_and_exit {
    # A UAS that never answers (--answer-after < 0) is there to be cancelled.
    my $expect_cancel = $role eq 'cancel' || ($role eq 'uas' && $o{'answer-after'} < 0);
    my $ok = $expect_cancel ? $state{cancelled} : $state{established} > 0;
    $ok = 0 if defined $o{'expect-dtmf'} && $state{dtmf} ne $o{'expect-dtmf'};
    close $received_fh;
    if ($o{record}) {
        if ($o{record} =~ /\.wav$/i) {
            system('sox', '-t', 'ul', '-r', '8000', '-c', '1', $received, '-b', '16', '-e', 'signed-integer',
                $o{record}) == 0 or say_line('ERROR sox could not write', $o{record});
        } else {
            system('cp', $received, $o{record});
        }
    }
    say_line("SUMMARY role=$role established=$state{established} dtmf=" . ($state{dtmf} || '-')
        . " ok=" . ($ok ? 1 : 0));
    exit($ok ? 0 : 1);
}
$SIG{TERM} = $SIG{INT} = sub { say_line('TIMEOUT'); summary_and_exit() };
alarm(int($o{timeout}) + 5);    # a last resort if the loop itself never returns
$SIG{ALRM} = sub { say_line('TIMEOUT'); summary_and_exit() };

sub media_init {
    my ($media) = @_;
    return $ua->rtp('media_recv_echo', $record_cb, 0) if $media eq 'echo';
    return $ua->rtp('media_recv_echo', $record_cb, -1) if $media eq 'recv';
    # -1: loop the source until the call ends; cb_rtp_done is never reached.
    return $ua->rtp('media_send_recv', $source, -1, $record_cb);
}

sub sdp_is_hold {
    my ($body) = @_;
    return 0 unless defined $body;
    return $body =~ /^c=IN IP[46] (0\.0\.0\.0|::)\s*$/m || $body =~ /^a=(sendonly|inactive)\s*$/m ? 1 : 0;
}

my $cb_dtmf = sub {
    my ($event, $duration) = @_;
    $state{dtmf} .= $event;
    say_line("DTMF $event");
    if ($o{'hangup-after-dtmf'} && defined $o{'expect-dtmf'} && length($state{dtmf}) >= length($o{'expect-dtmf'})
        && $call && !$state{bye_sent}) {
        $state{bye_sent} = 1;
        say_line('BYE sent');
        $call->bye(cb_final => sub { $state{done} = 1 if $o{once} });
    }
};

my $deadline_hit = 0;
$ua->add_timer($o{timeout}, sub { $deadline_hit = 1 });
say_line("READY $hostport");

if ($role eq 'uas') {
    $ua->listen(
        init_media => media_init($o{media}),
        dtmf_methods => 'rfc2833',    # no in-band detection: digits are checked exactly
        cb_dtmf => $cb_dtmf,
        cb_create => sub {
            my ($new_call, $request, $in_leg, $from) = @_;
            $call = $new_call;
            @state{qw(leg from)} = ($in_leg, $from);
            say_line('INCOMING ' . (sip_hdrval2parts(from => scalar $request->get_header('from')))[0]);
            return 1;
        },
        cb_invite => sub {
            my ($c, $request) = @_;
            if ($state{invites}++ == 0) {
                # The first INVITE: ring, then answer after --answer-after seconds (never if < 0).
                return undef if $o{'answer-after'} == 0;
                my $ringing = $request->create_response('180', 'Ringing');
                say_line('RINGING');
                if ($o{'answer-after'} > 0) {
                    my $ctx = $c->{ctx};
                    $ua->add_timer($o{'answer-after'}, sub {
                        return if $state{cancelled};
                        my $ok = $request->create_response('200', 'OK', {}, $c->{param}{sdp});
                        $ua->{endpoint}->new_response($ctx, $ok, $state{leg}, $state{from});
                    });
                }
                return $ringing;
            }
            say_line('REINVITE received');
            my $hold = sdp_is_hold(($request->as_parts)[3]);
            if ($hold && !$state{held}) { say_line('HOLD received') }
            elsif (!$hold && $state{held}) { say_line('UNHOLD received') }
            $state{held} = $hold;
            return undef;    # the default: 200 with our SDP
        },
        cb_established => sub {
            my ($status, $c) = @_;
            return if $state{established} && $state{invites} > 1;    # ACK of a re-INVITE
            $state{established}++;
            say_line('RESULT established');
        },
        recv_bye => sub {
            if ($state{established}) { say_line('BYE received') }
            else { $state{cancelled} = 1; say_line('CANCEL received') }
            $state{done} = 1 if $o{once};
        },
    );
    $ua->loop(\$state{done}, \$deadline_hit);
    say_line('TIMEOUT') if $deadline_hit && !$state{done};
    # Let the last response (200 to BYE, 487) leave.
    my $grace = 0;
    $ua->add_timer(0.3, \$grace);
    $ua->loop(\$grace);
    summary_and_exit();
}

# uac and cancel
my ($final, $bye_received) = (0, 0);
$call = $ua->invite(
    $o{uri},
    init_media => media_init($role eq 'cancel' ? 'recv' : $o{media}),
    dtmf_methods => 'rfc2833',
    cb_dtmf => $cb_dtmf,
    cb_preliminary => sub {
        my ($c, $code) = @_;
        say_line('RINGING') if $code == 180 || $code == 183;
    },
    cb_final => sub {
        my ($status, $c, %info) = @_;
        my $code = $info{code} // ($status eq 'OK' ? 200 : 0);
        say_line("FINAL $code");
        if ($status eq 'OK') {
            $state{established}++;
            say_line('RESULT established');
        } elsif ($code == 487) {
            $state{cancelled} = 1;
            say_line('RESULT cancelled');
        } else {
            say_line("RESULT failed $code" . ($info{errno} ? " errno=$info{errno}" : ''));
        }
        $final = 1;
    },
    recv_bye => sub { $bye_received = 1; say_line('BYE received') },
) or do { say_line('ERROR invite: ' . ($ua->error // '?')); summary_and_exit() };

if ($role eq 'cancel') {
    my $fire = 0;
    $ua->add_timer($o{'cancel-after'}, \$fire);
    $ua->loop(\$fire, \$final, \$deadline_hit);
    if (!$final && !$deadline_hit) {
        say_line('CANCEL sent');
        $call->cancel(cb_final => sub { });
        $ua->loop(\$final, \$deadline_hit);
    }
    summary_and_exit();
}

$ua->loop(\$final, \$deadline_hit);
summary_and_exit() unless $state{established};
my $start = time();
my @steps;    # [seconds after answer, action]
push @steps, [$o{'dtmf-delay'}, 'dtmf'] if length $o{digits};
push @steps, [0.3 * $o{duration}, 'hold'], [0.6 * $o{duration}, 'unhold'] if $o{hold};
push @steps, [$o{duration}, 'bye'];
for my $step (sort { $a->[0] <=> $b->[0] } @steps) {
    my ($at, $action) = @$step;
    my $wait = 0;
    my $left = $at - (time() - $start);
    if ($left > 0) {
        $ua->add_timer($left, \$wait);
        $ua->loop(\$wait, \$bye_received, \$deadline_hit);
    }
    last if $bye_received || $deadline_hit;
    if ($action eq 'dtmf') {
        my $sent = 0;
        $call->dtmf($o{digits}, methods => 'rfc2833', duration => 100, cb_final => \$sent);
        $ua->loop(\$sent, \$bye_received, \$deadline_hit);
        say_line("DTMF_SENT $o{digits} rfc4733") if $sent;
    } elsif ($action eq 'hold' || $action eq 'unhold') {
        my ($done, $status) = (0, '');
        say_line(uc($action) . ' sent');
        # Net::SIP 0.835 keeps the held SDP (c=0.0.0.0) as the call's SDP after a hold, so a
        # plain reinvite would hold again: unhold offers the saved original SDP.
        $call->reinvite(
            ($action eq 'hold' ? (call_on_hold => 1) : (sdp => $call->{param}{_sdp_saved})),
            cb_final => sub { $status = shift; $done = 1 },
        );
        $ua->loop(\$done, \$bye_received, \$deadline_hit);
        say_line(uc($action) . ($status eq 'OK' ? ' ok' : " failed $status")) if $done;
    } elsif ($action eq 'bye') {
        my $done = 0;
        say_line('BYE sent');
        $call->bye(cb_final => \$done);
        my $limit = 0;
        $ua->add_timer(3, \$limit);
        $ua->loop(\$done, \$limit);
    }
}
if ($bye_received) {
    my $grace = 0;
    $ua->add_timer(0.3, \$grace);
    $ua->loop(\$grace);
}
say_line('TIMEOUT') if $deadline_hit;
summary_and_exit();
