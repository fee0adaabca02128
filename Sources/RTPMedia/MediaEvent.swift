/// What a stream reports to its owner. Events are produced on the media loop and delivered on the
/// loop the owner chose (``MediaEventHandler``), never by calling into the script from the media
/// loop (DESIGN §2).
public enum MediaEvent: Hashable, Sendable {
  /// The first RTP packet arrived.
  case firstPacket
  /// A DTMF key arrived (RFC 4733), reported once per key press however many packets carried it.
  /// `duration` is in milliseconds; `endReceived` is false when all end packets were lost.
  case dtmf(key: Character, duration: Int, endReceived: Bool)
  /// The playback (file, list or tone) reached its end; the stream now sends silence.
  case playbackDone
  /// All queued DTMF keys have been sent.
  case dtmfSent
  /// No RTP arrived for the stream's ``MediaStreamOptions/rtpTimeout``. Reported once; the stream
  /// keeps running and the owner decides (Net::SIP hangs up).
  case rtpTimeout
}
