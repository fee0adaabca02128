// The outcome of one offer/answer exchange for one m= line.

/// A codec both sides agreed on, with the payload type numbers in both directions (RFC 3264 §6.1:
/// each side receives with the numbers of its own description).
public struct NegotiatedCodec: Sendable, Hashable {
  /// The format, with the payload type we configured in ``MediaCapabilities``.
  public var codec: Codec
  /// The number to put in RTP packets we send: the one in the peer's description.
  public var sendPayloadType: Int
  /// The number RTP we receive carries: the one in our description.
  public var receivePayloadType: Int

  public init(codec: Codec, sendPayloadType: Int, receivePayloadType: Int) {
    self.codec = codec
    self.sendPayloadType = sendPayloadType
    self.receivePayloadType = receivePayloadType
  }

  /// The number we configured: also accepted on receive, since some peers send it (DESIGN §8).
  public var localPayloadType: Int { codec.payloadType }

  /// Whether a received RTP payload type means this codec.
  public func accepts(payloadType: Int) -> Bool {
    payloadType == receivePayloadType || payloadType == localPayloadType || payloadType == sendPayloadType
  }
}

/// What one `m=` line came to after offer and answer, from our point of view.
public struct NegotiatedStream: Sendable, Hashable {
  /// Position of the `m=` line.
  public var index: Int
  public var media: String
  /// False when either side set port 0 (rejected or disabled, RFC 3264 §6, §8.2).
  public var isActive: Bool
  /// Common audio codecs in the answer's order; the first is the one to send.
  public var codecs: [NegotiatedCodec]
  /// telephone-event with its own payload types, nil if not agreed.
  public var telephoneEvent: NegotiatedCodec?
  /// Event codes both sides support (RFC 4733 §2.4.1).
  public var telephoneEvents: TelephoneEvents?
  /// Our direction: `.recvonly` when the peer holds us, `.sendonly` when we hold it.
  public var direction: MediaDirection
  public var localPort: Int
  /// Where RTP goes; a `0.0.0.0` hold address is kept here but ``direction`` then does not send.
  public var remoteAddress: String?
  public var remotePort: Int
  /// RFC 3605 `a=rtcp`, else the RTP address and port + 1 (RFC 3550 §11).
  public var remoteRTCPAddress: String?
  public var remoteRTCPPort: Int?
  /// The peer's `a=ptime`: how it wants to receive (RFC 8866 §6.4).
  public var remotePtime: Double?

  /// The codec to send, nil for an inactive stream.
  public var codec: NegotiatedCodec? { codecs.first }

  /// The codec a received payload type stands for (ours or the peer's number).
  public func codec(receivedPayloadType payloadType: Int) -> NegotiatedCodec? {
    codecs.first { $0.receivePayloadType == payloadType }
      ?? codecs.first { $0.accepts(payloadType: payloadType) }
  }

  static func rejected(_ index: Int, _ media: String, localPort: Int = 0) -> NegotiatedStream {
    NegotiatedStream(
      index: index, media: media, isActive: false, codecs: [], telephoneEvent: nil, telephoneEvents: nil,
      direction: .inactive, localPort: localPort, remoteAddress: nil, remotePort: 0, remoteRTCPAddress: nil,
      remoteRTCPPort: nil, remotePtime: nil)
  }
}
