/// The sans-I/O settings of one stream: what ``MediaStreamState`` needs to build and read packets.
public struct MediaStreamParameters: Hashable, Sendable {
  public var codec: MediaCodec
  /// The telephone-event payload type we announced and send DTMF with (RFC 4733 §7.1.1 dynamic
  /// type); nil: DTMF is neither sent nor recognized by our number.
  public var telephoneEventPayloadType: UInt8?
  /// The telephone-event type the peer offered, also accepted on receipt (DESIGN §8: listen on
  /// ours and the peer's, since some peers send with theirs).
  public var peerTelephoneEventPayloadType: UInt8?
  /// Our SSRC, first sequence number and first timestamp. RFC 3550 §5.1 wants the latter two
  /// random, §8 the SSRC; ``MediaStreamParameters/init(codec:)`` draws them.
  public var ssrc: UInt32
  public var initialSequence: UInt16
  public var initialTimestamp: UInt32
  /// Report ``MediaEvent/rtpTimeout`` after this many nanoseconds without RTP; nil: never (held
  /// streams, DESIGN §8).
  public var rtpTimeout: UInt64?
  /// Length of each DTMF key press and the pause after it, in milliseconds (rounded to 20 ms).
  public var dtmfDuration: Int
  public var dtmfPause: Int
  /// Mean RTCP reporting interval in nanoseconds (RFC 3550 §6.2: 5 s minimum); nil: no RTCP.
  public var rtcpInterval: UInt64?

  public init(
    codec: MediaCodec = .pcmu, telephoneEventPayloadType: UInt8? = 101,
    peerTelephoneEventPayloadType: UInt8? = nil, ssrc: UInt32 = .random(in: 0...UInt32.max),
    initialSequence: UInt16 = .random(in: 0...UInt16.max),
    initialTimestamp: UInt32 = .random(in: 0...UInt32.max), rtpTimeout: UInt64? = nil,
    dtmfDuration: Int = 100, dtmfPause: Int = 60, rtcpInterval: UInt64? = 5_000_000_000
  ) {
    self.codec = codec
    self.telephoneEventPayloadType = telephoneEventPayloadType
    self.peerTelephoneEventPayloadType = peerTelephoneEventPayloadType
    self.ssrc = ssrc
    self.initialSequence = initialSequence
    self.initialTimestamp = initialTimestamp
    self.rtpTimeout = rtpTimeout
    self.dtmfDuration = dtmfDuration
    self.dtmfPause = dtmfPause
    self.rtcpInterval = rtcpInterval
  }
}
