public import RTPCore

/// Sees what a stream receives, on the media loop, as it arrives: every RFC 4733 telephone-event
/// packet (before the stream groups them into one ``MediaEvent/dtmf(key:duration:endReceived:)``)
/// and every audio packet decoded to 8 kHz linear samples. The call layer uses it to feed one
/// DTMF merger per call with RFC 4733 packets and with the in-band detector's findings.
///
/// A stream without a tap does no extra work (one nil check per packet); with a tap, each audio
/// packet is decoded once, shared with the recorder when both are present. Duplicates are not
/// passed on (RFC 3550 §A.3); packets that are not G.711 are not decoded.
///
/// Implementations must be quick (they run inside the media loop's receive path) and post what
/// they find to their owner's loop rather than call into it. Not required to be thread-safe: a
/// tap belongs to one stream and is called on the media loop only.
public protocol MediaReceiveTap: AnyObject {
  /// One received audio packet, decoded (valid during the call only). `now` is the media loop's
  /// monotonic time in nanoseconds.
  func receivedAudio(_ samples: UnsafeBufferPointer<Int16>, header: RTPHeader, now: UInt64)
  /// One received telephone-event packet of our or the peer's payload type: start, continuation,
  /// end and retransmitted end packets alike.
  func receivedTelephoneEvent(_ event: TelephoneEvent, header: RTPHeader, now: UInt64)
}
