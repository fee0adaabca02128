/// Why a datagram is not a valid RTP packet. Offsets and lengths are in octets.
public enum RTPParseError: Error, Hashable, Sendable {
  /// Fewer than the 12 octets of the fixed header (RFC 3550 §5.1).
  case tooShort(length: Int)
  /// The V field is not 2 (RFC 3550 §5.1).
  case unsupportedVersion(UInt8)
  /// The CC field announces more CSRCs than the datagram holds.
  case csrcListBeyondPacket(csrcCount: Int, length: Int)
  /// The X bit is set but the 4-octet extension header does not fit (RFC 3550 §5.3.1).
  case extensionHeaderBeyondPacket(offset: Int, length: Int)
  /// The extension's length field reaches past the end of the datagram (RFC 3550 §5.3.1).
  case extensionBeyondPacket(offset: Int, declaredLength: Int, length: Int)
  /// The P bit is set but the last octet (the padding count) is 0 (RFC 3550 §5.1: the count
  /// includes itself, so it is at least 1).
  case zeroPaddingLength
  /// The padding count is larger than what follows the header (RFC 3550 §A.1 validity check).
  case paddingLongerThanPayload(paddingLength: Int, available: Int)
}

/// Why an RTP header or packet cannot be serialized.
public enum RTPSerializeError: Error, Hashable, Sendable {
  case payloadTypeOutOfRange(UInt8)
  case tooManyCSRCs(Int)
  /// Extension bodies are counted in 32-bit words (RFC 3550 §5.3.1).
  case extensionLengthNotMultipleOfFour(Int)
  case extensionTooLong(Int)
  /// Padding is 1...255 octets including the count octet (RFC 3550 §5.1).
  case paddingOutOfRange(Int)
  /// The caller's buffer is smaller than the encoded size.
  case bufferTooSmall(needed: Int, available: Int)
}
