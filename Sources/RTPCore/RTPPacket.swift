/// An RTP packet that owns its payload: convenient for building and for tests. The echo hot path
/// uses ``RTPHeader/parse(_:)-(UnsafeRawBufferPointer)`` and ``RTPHeader/write(to:hasPadding:)``
/// directly.
public struct RTPPacket: Hashable, Sendable {
  public var header: RTPHeader
  public var payload: [UInt8]
  /// Padding octets including the final count octet, 0...255 (RFC 3550 §5.1). Padding octets other
  /// than the count are written as zero.
  public var paddingLength: Int

  public init(header: RTPHeader, payload: [UInt8], paddingLength: Int = 0) {
    self.header = header
    self.payload = payload
    self.paddingLength = paddingLength
  }

  /// Parses a datagram and copies its payload.
  public init(parsing bytes: [UInt8]) throws(RTPParseError) {
    let layout = try RTPHeader.parse(bytes)
    self.init(
      header: layout.header, payload: Array(bytes[layout.payloadRange]),
      paddingLength: layout.paddingLength)
  }

  /// The datagram.
  public func serialized() throws(RTPSerializeError) -> [UInt8] {
    var bytes: [UInt8] = []
    try append(to: &bytes)
    return bytes
  }

  /// Appends the datagram to `bytes`.
  public func append(to bytes: inout [UInt8]) throws(RTPSerializeError) {
    try header.validate(paddingLength: paddingLength)
    bytes.reserveCapacity(bytes.count + header.encodedLength + payload.count + paddingLength)
    try header.append(to: &bytes, hasPadding: paddingLength > 0)
    bytes.append(contentsOf: payload)
    if paddingLength > 0 {
      bytes.append(contentsOf: repeatElement(0, count: paddingLength - 1))
      bytes.append(UInt8(paddingLength))
    }
  }
}
