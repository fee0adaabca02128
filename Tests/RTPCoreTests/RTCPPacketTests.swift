import Testing

@testable import RTPCore

@Suite struct RTCPPacketTests {
  let block = RTCPReportBlock(
    ssrc: 0x1111_1111, fractionLost: 64, cumulativeLost: -3, extendedHighestSequence: 0x0001_0005,
    jitter: 42, lastSenderReport: 0xAABB_CCDD, delaySinceLastSenderReport: 65536)

  @Test func compoundRoundTrip() throws {
    let packets: [RTCPPacket] = [
      .senderReport(
        RTCPSenderReport(
          ssrc: 1, ntpTimestamp: 0x0123_4567_89AB_CDEF, rtpTimestamp: 160, packetCount: 10, octetCount: 1600,
          reports: [block])),
      .sourceDescription([.cname(ssrc: 1, "alice@example.com"), .cname(ssrc: 2, "bob")]),
      .goodbye(RTCPGoodbye(ssrcs: [1, 2], reason: "done")),
    ]
    let bytes = try RTCPPacket.serializeCompound(packets)
    #expect(bytes.count % 4 == 0)
    #expect(try RTCPPacket.parseCompound(bytes) == packets)
  }

  @Test func senderReportWireLayout() throws {
    let sr = RTCPPacket.senderReport(
      RTCPSenderReport(
        ssrc: 0xA, ntpTimestamp: 0x1_0000_0002, rtpTimestamp: 3, packetCount: 4, octetCount: 5,
        reports: [block]))
    let bytes = try RTCPPacket.serializeCompound([sr])
    #expect(bytes.count == 52)
    #expect(Array(bytes[0..<4]) == [0x81, 200, 0, 12])
    // Fraction 64, cumulative −3 as 24-bit two's complement.
    #expect(Array(bytes[32..<36]) == [64, 0xFF, 0xFF, 0xFD])
  }

  @Test func receiverReportAndCNAME() throws {
    let rr = RTCPPacket.receiverReport(RTCPReceiverReport(ssrc: 9, reports: [block, block]))
    let bytes = try RTCPPacket.serializeCompound([rr, .sourceDescription([.cname(ssrc: 9, "x")])])
    let parsed = try RTCPPacket.parseCompound(bytes)
    #expect(parsed.count == 2)
    guard case .sourceDescription(let chunks) = parsed[1] else {
      Issue.record("expected SDES")
      return
    }
    #expect(chunks.first?.cname == "x")
    // SSRC (4) + type, length, "x" (3) + null → 8 octets exactly.
    #expect(bytes.count == 4 + 4 + 48 + 4 + 8)
  }

  @Test func unknownTypesAreKeptAndSkipped() throws {
    // An APP packet (204) between RR and SDES.
    let app: [UInt8] = [0x80, 204, 0, 2, 0, 0, 0, 1, 0x61, 0x62, 0x63, 0x64]
    var bytes = try RTCPPacket.serializeCompound([.receiverReport(RTCPReceiverReport(ssrc: 1))])
    bytes += app
    bytes += try RTCPPacket.serializeCompound([.goodbye(RTCPGoodbye(ssrcs: [1]))])
    let parsed = try RTCPPacket.parseCompound(bytes)
    #expect(parsed.count == 3)
    #expect(parsed[1] == .unknown(packetType: 204, count: 0, body: [0, 0, 0, 1, 0x61, 0x62, 0x63, 0x64]))
    #expect(try RTCPPacket.serializeCompound(parsed) == bytes)
  }

  @Test func paddingOnLastPacket() throws {
    var bytes = try RTCPPacket.serializeCompound([.goodbye(RTCPGoodbye(ssrcs: [7]))])
    bytes[0] |= 0x20
    bytes += [0, 0, 0, 4]
    bytes[3] = 2
    #expect(try RTCPPacket.parseCompound(bytes) == [.goodbye(RTCPGoodbye(ssrcs: [7]))])
    bytes[bytes.count - 1] = 3
    #expect(throws: RTCPParseError.invalidPadding(offset: 0, paddingLength: 3)) {
      try RTCPPacket.parseCompound(bytes)
    }
    bytes[bytes.count - 1] = 12
    #expect(throws: RTCPParseError.invalidPadding(offset: 0, paddingLength: 12)) {
      try RTCPPacket.parseCompound(bytes)
    }
  }

  @Test func malformedInputsAreErrors() throws {
    #expect(throws: RTCPParseError.empty) { try RTCPPacket.parseCompound([]) }
    #expect(throws: RTCPParseError.truncatedHeader(offset: 0)) { try RTCPPacket.parseCompound([0x80, 201]) }
    #expect(throws: RTCPParseError.unsupportedVersion(1, offset: 0)) {
      try RTCPPacket.parseCompound([0x40, 201, 0, 0])
    }
    #expect(throws: RTCPParseError.lengthBeyondPacket(offset: 0, declaredLength: 12, available: 8)) {
      try RTCPPacket.parseCompound([0x80, 201, 0, 2, 0, 0, 0, 1])
    }
    // RR announcing one report block but carrying none.
    #expect(throws: RTCPParseError.truncatedBody(packetType: 201, offset: 0)) {
      try RTCPPacket.parseCompound([0x81, 201, 0, 1, 0, 0, 0, 1])
    }
    // SDES item whose length runs past the chunk.
    #expect(throws: RTCPParseError.sourceDescriptionItemBeyondPacket(offset: 8)) {
      try RTCPPacket.parseCompound([0x81, 202, 0, 2, 0, 0, 0, 1, 1, 9, 0x61, 0x62])
    }
    // BYE reason longer than the packet.
    #expect(throws: RTCPParseError.truncatedBody(packetType: 203, offset: 0)) {
      try RTCPPacket.parseCompound([0x81, 203, 0, 2, 0, 0, 0, 1, 10, 0x61, 0x62, 0x63])
    }
    // A second packet truncated after a valid first one.
    let rr = try RTCPPacket.serializeCompound([.receiverReport(RTCPReceiverReport(ssrc: 1))])
    #expect(throws: RTCPParseError.truncatedHeader(offset: 8)) { try RTCPPacket.parseCompound(rr + [0x80]) }
  }

  @Test func serializationLimits() {
    let many = Array(repeating: block, count: 32)
    #expect(throws: RTCPSerializeError.tooManyEntries(32)) {
      try RTCPPacket.serializeCompound([.receiverReport(RTCPReceiverReport(ssrc: 1, reports: many))])
    }
    let longItem = RTCPSourceDescriptionChunk(
      ssrc: 1, items: [.init(type: 1, value: Array(repeating: 0x61, count: 256))])
    #expect(throws: RTCPSerializeError.itemTooLong(256)) {
      try RTCPPacket.serializeCompound([.sourceDescription([longItem])])
    }
  }

  @Test func reportBlockClampsCumulativeLoss() {
    let high = RTCPReportBlock(
      ssrc: 1, fractionLost: 0, cumulativeLost: .max, extendedHighestSequence: 0, jitter: 0,
      lastSenderReport: 0, delaySinceLastSenderReport: 0)
    #expect(high.cumulativeLost == 0x7F_FFFF)
    let low = RTCPReportBlock(
      ssrc: 1, fractionLost: 0, cumulativeLost: .min, extendedHighestSequence: 0, jitter: 0,
      lastSenderReport: 0, delaySinceLastSenderReport: 0)
    #expect(low.cumulativeLost == -0x80_0000)
  }

  @Test func emptyChunksAndReasonlessBye() throws {
    let packets: [RTCPPacket] = [
      .sourceDescription([RTCPSourceDescriptionChunk(ssrc: 5, items: [])]),
      .goodbye(RTCPGoodbye(ssrcs: [])),
      .goodbye(RTCPGoodbye(ssrcs: [3], reason: "")),
    ]
    let bytes = try RTCPPacket.serializeCompound(packets)
    #expect(try RTCPPacket.parseCompound(bytes) == packets)
  }
}
