/// Where the parts of a parsed RTP datagram lie. The payload is a range into the parsed bytes so
/// the hot path copies nothing.
public struct RTPPacketLayout: Hashable, Sendable {
  public var header: RTPHeader
  /// The payload octets, between the header and the padding.
  public var payloadRange: Range<Int>
  /// Padding octets at the end including the count octet; 0 when the P bit is clear.
  public var paddingLength: Int
}
