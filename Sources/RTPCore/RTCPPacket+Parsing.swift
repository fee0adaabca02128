extension RTCPPacket {
  /// Parses a compound RTCP packet (RFC 3550 §6.1) into its packets.
  ///
  /// Each packet's version and length are checked (§A.2); the padding bit is honoured on any
  /// packet (the RFC allows it on the last one only; accepting it elsewhere costs nothing). A
  /// packet of a type this module does not know is returned as ``unknown(packetType:count:body:)``.
  /// The rule that the first packet be SR or RR (§A.2) is not enforced, so reduced-size RTCP
  /// (RFC 5506) parses too.
  public static func parseCompound(_ bytes: [UInt8]) throws(RTCPParseError) -> [RTCPPacket] {
    let result: Result<[RTCPPacket], RTCPParseError> = bytes.withUnsafeBytes { raw in
      do throws(RTCPParseError) { return .success(try parseCompound(raw)) } catch {
        return .failure(error)
      }
    }
    return try result.get()
  }

  /// Parses a compound RTCP packet held in raw memory.
  public static func parseCompound(_ bytes: UnsafeRawBufferPointer) throws(RTCPParseError) -> [RTCPPacket] {
    guard !bytes.isEmpty else { throw .empty }
    var packets: [RTCPPacket] = []
    var offset = 0
    while offset < bytes.count {
      guard bytes.count - offset >= 4 else { throw .truncatedHeader(offset: offset) }
      let first = bytes[offset]
      let version = first >> 6
      guard version == 2 else { throw .unsupportedVersion(version, offset: offset) }
      let count = first & 0x1F
      let packetType = bytes[offset + 1]
      // RFC 3550 §6.4.1: length in 32-bit words minus one, header included.
      let length = (Int(bytes.readUInt16(at: offset + 2)) + 1) * 4
      guard length <= bytes.count - offset else {
        throw .lengthBeyondPacket(offset: offset, declaredLength: length, available: bytes.count - offset)
      }
      var bodyEnd = offset + length
      if first & 0x20 != 0 {
        let padding = Int(bytes[bodyEnd - 1])
        // Every RTCP body is made of 32-bit words (RFC 3550 §6.4–§6.7), so a count that is not a
        // multiple of 4 cannot be right.
        guard padding > 0, padding % 4 == 0, padding <= length - 4 else {
          throw .invalidPadding(offset: offset, paddingLength: padding)
        }
        bodyEnd -= padding
      }
      let body = UnsafeRawBufferPointer(rebasing: bytes[(offset + 4)..<bodyEnd])
      packets.append(try parseOne(type: packetType, count: count, body: body, offset: offset))
      offset += length
    }
    return packets
  }

  private static func parseOne(
    type: UInt8, count: UInt8, body: UnsafeRawBufferPointer, offset: Int
  ) throws(RTCPParseError) -> RTCPPacket {
    switch type {
    case PacketType.senderReport:
      let needed = 24 + 24 * Int(count)
      guard body.count >= needed else { throw .truncatedBody(packetType: type, offset: offset) }
      let reports = reportBlocks(body, from: 24, count: Int(count))
      return .senderReport(
        RTCPSenderReport(
          ssrc: body.readUInt32(at: 0),
          ntpTimestamp: UInt64(body.readUInt32(at: 4)) << 32 | UInt64(body.readUInt32(at: 8)),
          rtpTimestamp: body.readUInt32(at: 12), packetCount: body.readUInt32(at: 16),
          octetCount: body.readUInt32(at: 20), reports: reports,
          profileExtension: Array(body[needed...])))
    case PacketType.receiverReport:
      let needed = 4 + 24 * Int(count)
      guard body.count >= needed else { throw .truncatedBody(packetType: type, offset: offset) }
      return .receiverReport(
        RTCPReceiverReport(
          ssrc: body.readUInt32(at: 0), reports: reportBlocks(body, from: 4, count: Int(count)),
          profileExtension: Array(body[needed...])))
    case PacketType.sourceDescription:
      return .sourceDescription(try sourceDescriptionChunks(body, count: Int(count), offset: offset))
    case PacketType.goodbye:
      let listEnd = 4 * Int(count)
      guard body.count >= listEnd else { throw .truncatedBody(packetType: type, offset: offset) }
      let ssrcs = (0..<Int(count)).map { body.readUInt32(at: 4 * $0) }
      var reason: [UInt8]?
      if listEnd < body.count {
        let reasonLength = Int(body[listEnd])
        guard listEnd + 1 + reasonLength <= body.count else {
          throw .truncatedBody(packetType: type, offset: offset)
        }
        reason = Array(body[(listEnd + 1)..<(listEnd + 1 + reasonLength)])
      }
      return .goodbye(RTCPGoodbye(ssrcs: ssrcs, reasonBytes: reason))
    default:
      return .unknown(packetType: type, count: count, body: Array(body))
    }
  }

  private static func reportBlocks(_ body: UnsafeRawBufferPointer, from start: Int, count: Int)
    -> [RTCPReportBlock]
  {
    (0..<count).map { index in
      let at = start + 24 * index
      let lossWord = body.readUInt32(at: at + 4)
      // Sign-extend the 24-bit cumulative loss (RFC 3550 §6.4.1).
      let cumulative = Int32(bitPattern: lossWord << 8) >> 8
      return RTCPReportBlock(
        ssrc: body.readUInt32(at: at), fractionLost: UInt8(lossWord >> 24), cumulativeLost: cumulative,
        extendedHighestSequence: body.readUInt32(at: at + 8), jitter: body.readUInt32(at: at + 12),
        lastSenderReport: body.readUInt32(at: at + 16),
        delaySinceLastSenderReport: body.readUInt32(at: at + 20))
    }
  }

  private static func sourceDescriptionChunks(
    _ body: UnsafeRawBufferPointer, count: Int, offset: Int
  ) throws(RTCPParseError) -> [RTCPSourceDescriptionChunk] {
    var chunks: [RTCPSourceDescriptionChunk] = []
    var at = 0
    for _ in 0..<count {
      guard at + 4 <= body.count else {
        throw .truncatedBody(packetType: PacketType.sourceDescription, offset: offset)
      }
      let ssrc = body.readUInt32(at: at)
      at += 4
      var items: [RTCPSourceDescriptionChunk.Item] = []
      // RFC 3550 §6.5: items until a null type octet, then nulls up to the next 32-bit boundary.
      while true {
        guard at < body.count else { throw .sourceDescriptionItemBeyondPacket(offset: offset + 4 + at) }
        let itemType = body[at]
        if itemType == 0 { break }
        guard at + 2 <= body.count else { throw .sourceDescriptionItemBeyondPacket(offset: offset + 4 + at) }
        let itemLength = Int(body[at + 1])
        guard at + 2 + itemLength <= body.count else {
          throw .sourceDescriptionItemBeyondPacket(offset: offset + 4 + at)
        }
        items.append(.init(type: itemType, value: Array(body[(at + 2)..<(at + 2 + itemLength)])))
        at += 2 + itemLength
      }
      at = (at + 4) & ~3  // the terminating null plus padding to the boundary
      chunks.append(RTCPSourceDescriptionChunk(ssrc: ssrc, items: items))
    }
    return chunks
  }
}
