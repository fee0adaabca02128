extension RTPHeader {
  /// Checks the fields the wire format cannot hold.
  func validate(paddingLength: Int) throws(RTPSerializeError) {
    guard payloadType <= 0x7F else { throw .payloadTypeOutOfRange(payloadType) }
    guard csrcs.count <= Self.maximumCSRCCount else { throw .tooManyCSRCs(csrcs.count) }
    if let headerExtension {
      let count = headerExtension.data.count
      guard count % 4 == 0 else { throw .extensionLengthNotMultipleOfFour(count) }
      guard count / 4 <= Int(UInt16.max) else { throw .extensionTooLong(count) }
    }
    guard (0...255).contains(paddingLength) else { throw .paddingOutOfRange(paddingLength) }
  }

  @inline(__always)
  func firstOctets(hasPadding: Bool) -> (UInt8, UInt8) {
    var first = Self.version << 6 | UInt8(truncatingIfNeeded: csrcs.count)
    if hasPadding { first |= 0x20 }
    if headerExtension != nil { first |= 0x10 }
    return (first, (marker ? 0x80 : 0) | payloadType)
  }

  /// Writes the header at the start of `buffer` and returns the octets written.
  ///
  /// `hasPadding` sets the P bit; the caller then ends the packet with the padding
  /// (``RTPPacket`` does this).
  @discardableResult
  public func write(
    to buffer: UnsafeMutableRawBufferPointer, hasPadding: Bool = false
  ) throws(RTPSerializeError) -> Int {
    try validate(paddingLength: 0)
    let needed = encodedLength
    guard buffer.count >= needed else { throw .bufferTooSmall(needed: needed, available: buffer.count) }
    let (first, second) = firstOctets(hasPadding: hasPadding)
    buffer[0] = first
    buffer[1] = second
    buffer.writeUInt16(sequenceNumber, at: 2)
    buffer.writeUInt32(timestamp, at: 4)
    buffer.writeUInt32(ssrc, at: 8)
    var offset = Self.fixedLength
    for csrc in csrcs {
      buffer.writeUInt32(csrc, at: offset)
      offset += 4
    }
    if let headerExtension {
      buffer.writeUInt16(headerExtension.profile, at: offset)
      buffer.writeUInt16(UInt16(headerExtension.data.count / 4), at: offset + 2)
      offset += 4
      for byte in headerExtension.data {
        buffer[offset] = byte
        offset += 1
      }
    }
    return offset
  }

  /// Appends the header to `bytes`.
  public func append(to bytes: inout [UInt8], hasPadding: Bool = false) throws(RTPSerializeError) {
    try validate(paddingLength: 0)
    let (first, second) = firstOctets(hasPadding: hasPadding)
    bytes.reserveCapacity(bytes.count + encodedLength)
    bytes.append(first)
    bytes.append(second)
    bytes.appendUInt16(sequenceNumber)
    bytes.appendUInt32(timestamp)
    bytes.appendUInt32(ssrc)
    for csrc in csrcs { bytes.appendUInt32(csrc) }
    if let headerExtension {
      bytes.appendUInt16(headerExtension.profile)
      bytes.appendUInt16(UInt16(headerExtension.data.count / 4))
      bytes.append(contentsOf: headerExtension.data)
    }
  }
}
