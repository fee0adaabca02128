// RTPCore — RTP/RTCP packets (RFC 3550), G.711, RFC 4733 telephone-events, WAV, tones, the Goertzel
// detector, the jitter buffer and stream statistics. Sans-I/O: byte strings and sample counts in,
// values out.
