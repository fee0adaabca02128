#!/usr/bin/perl
# The Perl Net::SIP side of `scripts/bench parse`: the same three measurements as sipbench, on
# the same bytes. Usage: perl bench/parse.pl MESSAGE_DIR REPETITIONS
# Prints one line per measurement: NAME MESSAGES_PER_SECOND (best of REPETITIONS, CPU time).
use strict;
use warnings;
use Net::SIP::Packet;
use Net::SIP::Request;
use Net::SIP::Response;
# CPU time of this process, as sipbench and parse.lua measure: the machine may be shared.
use Time::HiRes qw(clock_gettime CLOCK_PROCESS_CPUTIME_ID);
sub cpu_time { clock_gettime(CLOCK_PROCESS_CPUTIME_ID) }

my ($dir, $repetitions) = @ARGV;
$dir ||= 'bench/messages';
$repetitions ||= 5;

sub slurp {
    my ($path) = @_;
    open(my $fh, '<:raw', $path) or die "$path: $!";
    local $/;
    return scalar <$fh>;
}

my $invite = slurp("$dir/invite.sip");
my $ok = slurp("$dir/ok200.sip");

# Runs $code $count times per batch, batches sized to take about 0.2 s, best of $repetitions.
sub best_rate {
    my ($code) = @_;
    my $count = 100;
    while (1) {
        my $start = cpu_time();
        $code->() for 1 .. $count;
        my $elapsed = cpu_time() - $start;
        last if $elapsed > 0.2;
        $count *= 2;
    }
    my $best = 0;
    for (1 .. $repetitions) {
        my $start = cpu_time();
        $code->() for 1 .. $count;
        my $rate = $count / (cpu_time() - $start);
        $best = $rate if $rate > $best;
    }
    return $best;
}

my $sink = 0;
my $invite_parse = best_rate(sub {
    my $packet = Net::SIP::Packet->new($invite);
    $sink += length($packet->callid);
});
my $ok_parse = best_rate(sub {
    my $packet = Net::SIP::Packet->new($ok);
    $sink += length($packet->callid);
});
# A packet parsed from a string keeps that string; drop it so as_string really rebuilds it
# (the same thing Net::SIP's own header setters do).
my $parsed = Net::SIP::Packet->new($invite);
my $invite_serialize = best_rate(sub {
    $parsed->_update_string;
    $sink += length($parsed->as_string);
});
die "nothing measured" unless $sink;
printf "invite_parse %.1f\n", $invite_parse;
printf "ok_parse %.1f\n", $ok_parse;
printf "invite_serialize %.1f\n", $invite_serialize;
