/// One packet of an RTCP compound packet (RFC 3550 §6.4–§6.6). Types this module does not model
/// (APP, feedback, XR…) are kept as ``unknown(packetType:count:body:)`` so that they can be skipped
/// or forwarded unchanged.
public enum RTCPPacket: Hashable, Sendable {
  case senderReport(RTCPSenderReport)
  case receiverReport(RTCPReceiverReport)
  case sourceDescription([RTCPSourceDescriptionChunk])
  case goodbye(RTCPGoodbye)
  /// `count` is the 5-bit field after the P bit; `body` follows the 4-octet header (its length is
  /// a multiple of 4).
  case unknown(packetType: UInt8, count: UInt8, body: [UInt8])

  /// RTCP packet types (RFC 3550 §12.1).
  public enum PacketType {
    public static let senderReport: UInt8 = 200
    public static let receiverReport: UInt8 = 201
    public static let sourceDescription: UInt8 = 202
    public static let goodbye: UInt8 = 203
    public static let application: UInt8 = 204
  }
}
