extension RTCPPacket {
  /// Serializes packets into one compound packet (RFC 3550 §6.1). Putting an SR or RR first and
  /// an SDES with CNAME in every compound packet is the caller's business (§6.1).
  public static func serializeCompound(_ packets: [RTCPPacket]) throws(RTCPSerializeError) -> [UInt8] {
    var bytes: [UInt8] = []
    for packet in packets { try packet.append(to: &bytes) }
    return bytes
  }

  /// Appends this packet, without padding. On error `bytes` is left as it was.
  public func append(to bytes: inout [UInt8]) throws(RTCPSerializeError) {
    let start = bytes.count
    do {
      try appendUnchecked(to: &bytes, start: start)
    } catch {
      bytes.removeSubrange(start...)
      throw error
    }
  }

  private func appendUnchecked(to bytes: inout [UInt8], start: Int) throws(RTCPSerializeError) {
    let count: Int
    let type: UInt8
    // Header placeholder; count and length are filled in once the body is known.
    bytes.append(contentsOf: [0, 0, 0, 0])
    switch self {
    case .senderReport(let report):
      type = PacketType.senderReport
      count = report.reports.count
      bytes.appendUInt32(report.ssrc)
      bytes.appendUInt32(UInt32(truncatingIfNeeded: report.ntpTimestamp >> 32))
      bytes.appendUInt32(UInt32(truncatingIfNeeded: report.ntpTimestamp))
      bytes.appendUInt32(report.rtpTimestamp)
      bytes.appendUInt32(report.packetCount)
      bytes.appendUInt32(report.octetCount)
      for block in report.reports { Self.append(block, to: &bytes) }
      try Self.appendExtension(report.profileExtension, to: &bytes)
    case .receiverReport(let report):
      type = PacketType.receiverReport
      count = report.reports.count
      bytes.appendUInt32(report.ssrc)
      for block in report.reports { Self.append(block, to: &bytes) }
      try Self.appendExtension(report.profileExtension, to: &bytes)
    case .sourceDescription(let chunks):
      type = PacketType.sourceDescription
      count = chunks.count
      for chunk in chunks {
        let chunkStart = bytes.count
        bytes.appendUInt32(chunk.ssrc)
        for item in chunk.items {
          guard item.type != 0 else { throw .countOutOfRange(0) }
          guard item.value.count <= 255 else { throw .itemTooLong(item.value.count) }
          bytes.append(item.type)
          bytes.append(UInt8(item.value.count))
          bytes.append(contentsOf: item.value)
        }
        // RFC 3550 §6.5: at least one null octet ends the item list, then pad to 32 bits.
        bytes.append(0)
        while (bytes.count - chunkStart) % 4 != 0 { bytes.append(0) }
      }
    case .goodbye(let goodbye):
      type = PacketType.goodbye
      count = goodbye.ssrcs.count
      for ssrc in goodbye.ssrcs { bytes.appendUInt32(ssrc) }
      if let reason = goodbye.reason {
        guard reason.count <= 255 else { throw .itemTooLong(reason.count) }
        bytes.append(UInt8(reason.count))
        bytes.append(contentsOf: reason)
        while (bytes.count - start) % 4 != 0 { bytes.append(0) }
      }
    case .unknown(let packetType, let packetCount, let body):
      guard packetCount <= 31 else { throw .countOutOfRange(packetCount) }
      guard body.count % 4 == 0 else { throw .bodyNotMultipleOfFour(body.count) }
      type = packetType
      count = Int(packetCount)
      bytes.append(contentsOf: body)
    }
    guard count <= 31 else { throw .tooManyEntries(count) }
    let words = (bytes.count - start) / 4 - 1
    guard words <= Int(UInt16.max) else { throw .packetTooLong(bytes.count - start) }
    bytes[start] = 2 << 6 | UInt8(count)
    bytes[start + 1] = type
    bytes[start + 2] = UInt8(truncatingIfNeeded: words >> 8)
    bytes[start + 3] = UInt8(truncatingIfNeeded: words)
  }

  private static func append(_ block: RTCPReportBlock, to bytes: inout [UInt8]) {
    bytes.appendUInt32(block.ssrc)
    let lost = UInt32(bitPattern: block.cumulativeLost) & 0x00FF_FFFF
    bytes.appendUInt32(UInt32(block.fractionLost) << 24 | lost)
    bytes.appendUInt32(block.extendedHighestSequence)
    bytes.appendUInt32(block.jitter)
    bytes.appendUInt32(block.lastSenderReport)
    bytes.appendUInt32(block.delaySinceLastSenderReport)
  }

  private static func appendExtension(_ data: [UInt8], to bytes: inout [UInt8]) throws(RTCPSerializeError) {
    guard data.count % 4 == 0 else { throw .bodyNotMultipleOfFour(data.count) }
    bytes.append(contentsOf: data)
  }
}
