/// Why bytes are not a valid RTCP compound packet. `offset` is where the failing packet starts.
public enum RTCPParseError: Error, Hashable, Sendable {
  /// Fewer than 4 octets remain for a packet header.
  case truncatedHeader(offset: Int)
  /// The V field is not 2 (RFC 3550 §6.4.1).
  case unsupportedVersion(UInt8, offset: Int)
  /// The length field reaches past the end of the compound packet (RFC 3550 §A.2).
  case lengthBeyondPacket(offset: Int, declaredLength: Int, available: Int)
  /// The padding count is 0 or larger than the packet body.
  case invalidPadding(offset: Int, paddingLength: Int)
  /// The body is too short for what the header's count and type announce.
  case truncatedBody(packetType: UInt8, offset: Int)
  /// An SDES item runs past its chunk.
  case sourceDescriptionItemBeyondPacket(offset: Int)
  /// Zero octets: an empty compound packet.
  case empty
}

/// Why an RTCP packet cannot be serialized: a list longer than a 5-bit count or a text longer
/// than an 8-bit length.
public enum RTCPSerializeError: Error, Hashable, Sendable {
  case tooManyEntries(Int)
  case itemTooLong(Int)
  case bodyNotMultipleOfFour(Int)
  case countOutOfRange(UInt8)
  case packetTooLong(Int)
}
