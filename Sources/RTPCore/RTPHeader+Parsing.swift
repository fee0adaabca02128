extension RTPHeader {
  /// Parses an RTP datagram without copying its payload.
  ///
  /// Checks, in wire order: length, version (RFC 3550 §5.1), CSRC list, extension header and body
  /// (§5.3.1), and the padding count (§5.1, §A.1). The marker and payload type are not interpreted.
  public static func parse(_ bytes: UnsafeRawBufferPointer) throws(RTPParseError) -> RTPPacketLayout {
    let length = bytes.count
    guard length >= fixedLength else { throw .tooShort(length: length) }
    let first = bytes[0]
    let version = first >> 6
    guard version == Self.version else { throw .unsupportedVersion(version) }
    let hasPadding = first & 0x20 != 0
    let hasExtension = first & 0x10 != 0
    let csrcCount = Int(first & 0x0F)
    let second = bytes[1]

    var offset = fixedLength
    guard offset + 4 * csrcCount <= length else {
      throw .csrcListBeyondPacket(csrcCount: csrcCount, length: length)
    }
    var csrcs: [UInt32] = []
    if csrcCount > 0 {
      csrcs.reserveCapacity(csrcCount)
      for _ in 0..<csrcCount {
        csrcs.append(bytes.readUInt32(at: offset))
        offset += 4
      }
    }

    var headerExtension: RTPHeaderExtension?
    if hasExtension {
      guard offset + 4 <= length else { throw .extensionHeaderBeyondPacket(offset: offset, length: length) }
      let profile = bytes.readUInt16(at: offset)
      // RFC 3550 §5.3.1: the length counts 32-bit words, excluding the 4-octet extension header.
      let bodyLength = Int(bytes.readUInt16(at: offset + 2)) * 4
      guard offset + 4 + bodyLength <= length else {
        throw .extensionBeyondPacket(offset: offset, declaredLength: bodyLength, length: length)
      }
      let body = Array(bytes[(offset + 4)..<(offset + 4 + bodyLength)])
      headerExtension = RTPHeaderExtension(profile: profile, data: body)
      offset += 4 + bodyLength
    }

    var paddingLength = 0
    if hasPadding {
      // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
      paddingLength = Int(bytes[length - 1])
      guard paddingLength > 0 else { throw .zeroPaddingLength }
      guard paddingLength <= length - offset else {
        throw .paddingLongerThanPayload(paddingLength: paddingLength, available: length - offset)
      }
    }

    let header = RTPHeader(
      marker: second & 0x80 != 0,
      payloadType: second & 0x7F,
      sequenceNumber: bytes.readUInt16(at: 2),
      timestamp: bytes.readUInt32(at: 4),
      ssrc: bytes.readUInt32(at: 8),
      csrcs: csrcs,
      headerExtension: headerExtension
    )
    return RTPPacketLayout(
      header: header, payloadRange: offset..<(length - paddingLength), paddingLength: paddingLength)
  }

  /// Parses an RTP datagram held in an array.
  public static func parse(_ bytes: [UInt8]) throws(RTPParseError) -> RTPPacketLayout {
    // withUnsafeBytes cannot carry a typed error out, so the result travels as a value.
    let result: Result<RTPPacketLayout, RTPParseError> = bytes.withUnsafeBytes { raw in
      do throws(RTPParseError) { return .success(try parse(raw)) } catch { return .failure(error) }
    }
    return try result.get()
  }
}
