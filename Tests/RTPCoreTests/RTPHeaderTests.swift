import Testing

@testable import RTPCore

@Suite struct RTPHeaderTests {
  /// A PCMU packet: V=2, no padding/extension/CSRC, M=1, PT=0, seq 0x1234, ts 0xDEADBEEF,
  /// SSRC 0x01020304, payload 3 octets.
  let simple: [UInt8] = [0x80, 0x80, 0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF, 1, 2, 3, 4, 0xFF, 0x7F, 0x00]

  @Test func parsesFixedHeader() throws {
    let layout = try RTPHeader.parse(simple)
    #expect(layout.header.marker)
    #expect(layout.header.payloadType == 0)
    #expect(layout.header.sequenceNumber == 0x1234)
    #expect(layout.header.timestamp == 0xDEAD_BEEF)
    #expect(layout.header.ssrc == 0x0102_0304)
    #expect(layout.header.csrcs.isEmpty)
    #expect(layout.header.headerExtension == nil)
    #expect(layout.payloadRange == 12..<15)
    #expect(layout.paddingLength == 0)
  }

  @Test func serializesBackToTheSameBytes() throws {
    let packet = try RTPPacket(parsing: simple)
    #expect(try packet.serialized() == simple)
  }

  @Test func zeroLengthPayload() throws {
    let layout = try RTPHeader.parse(Array(simple[0..<12]))
    #expect(layout.payloadRange.isEmpty)
    let packet = RTPPacket(header: layout.header, payload: [])
    #expect(try packet.serialized() == Array(simple[0..<12]))
  }

  @Test func rejectsShortAndWrongVersion() {
    #expect(throws: RTPParseError.tooShort(length: 11)) { try RTPHeader.parse(Array(simple[0..<11])) }
    #expect(throws: RTPParseError.tooShort(length: 0)) { try RTPHeader.parse([]) }
    var v1 = simple
    v1[0] = 0x40
    #expect(throws: RTPParseError.unsupportedVersion(1)) { try RTPHeader.parse(v1) }
    v1[0] = 0xC0
    #expect(throws: RTPParseError.unsupportedVersion(3)) { try RTPHeader.parse(v1) }
  }

  @Test func fifteenCSRCs() throws {
    let csrcs = (1...15).map { UInt32($0) * 0x0101_0101 }
    let header = RTPHeader(payloadType: 8, sequenceNumber: 65535, timestamp: .max, ssrc: 7, csrcs: csrcs)
    let bytes = try RTPPacket(header: header, payload: [1, 2]).serialized()
    #expect(bytes.count == 12 + 60 + 2)
    #expect(bytes[0] == 0x8F)
    let layout = try RTPHeader.parse(bytes)
    #expect(layout.header.csrcs == csrcs)
    #expect(layout.payloadRange == 72..<74)
    // Cut inside the CSRC list.
    #expect(throws: RTPParseError.csrcListBeyondPacket(csrcCount: 15, length: 70)) {
      try RTPHeader.parse(Array(bytes[0..<70]))
    }
  }

  @Test func sixteenCSRCsCannotBeSerialized() {
    let header = RTPHeader(
      payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, csrcs: Array(repeating: 1, count: 16))
    #expect(throws: RTPSerializeError.tooManyCSRCs(16)) {
      try RTPPacket(header: header, payload: []).serialized()
    }
    let badType = RTPHeader(payloadType: 128, sequenceNumber: 0, timestamp: 0, ssrc: 0)
    #expect(throws: RTPSerializeError.payloadTypeOutOfRange(128)) {
      try RTPPacket(header: badType, payload: []).serialized()
    }
  }

  @Test func headerExtension() throws {
    let ext = RTPHeaderExtension(profile: 0xBEDE, data: [1, 2, 3, 4, 5, 6, 7, 8])
    let header = RTPHeader(
      payloadType: 0, sequenceNumber: 1, timestamp: 2, ssrc: 3, csrcs: [9], headerExtension: ext)
    let bytes = try RTPPacket(header: header, payload: [0xAA]).serialized()
    #expect(bytes[0] == 0x91)
    #expect(Array(bytes[16..<20]) == [0xBE, 0xDE, 0x00, 0x02])
    let layout = try RTPHeader.parse(bytes)
    #expect(layout.header.headerExtension == ext)
    #expect(layout.payloadRange == 28..<29)
    // The extension header itself cut off.
    #expect(throws: RTPParseError.extensionHeaderBeyondPacket(offset: 16, length: 18)) {
      try RTPHeader.parse(Array(bytes[0..<18]))
    }
    // The length field promising more words than present.
    var long = bytes
    long[19] = 3
    #expect(throws: RTPParseError.extensionBeyondPacket(offset: 16, declaredLength: 12, length: 29)) {
      try RTPHeader.parse(long)
    }
    let odd = RTPHeader(
      payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, headerExtension: .init(profile: 1, data: [1]))
    #expect(throws: RTPSerializeError.extensionLengthNotMultipleOfFour(1)) {
      try RTPPacket(header: odd, payload: []).serialized()
    }
  }

  @Test func emptyExtensionBody() throws {
    let header = RTPHeader(
      payloadType: 0, sequenceNumber: 1, timestamp: 2, ssrc: 3, headerExtension: .init(profile: 5, data: []))
    let bytes = try RTPPacket(header: header, payload: []).serialized()
    #expect(bytes.count == 16)
    #expect(try RTPHeader.parse(bytes).header == header)
  }

  @Test func padding() throws {
    let header = RTPHeader(payloadType: 0, sequenceNumber: 1, timestamp: 2, ssrc: 3)
    let packet = RTPPacket(header: header, payload: [1, 2, 3], paddingLength: 5)
    let bytes = try packet.serialized()
    #expect(bytes.count == 12 + 3 + 5)
    #expect(bytes[0] & 0x20 != 0)
    #expect(bytes.last == 5)
    let layout = try RTPHeader.parse(bytes)
    #expect(layout.paddingLength == 5)
    #expect(layout.payloadRange == 12..<15)
    #expect(try RTPPacket(parsing: bytes) == packet)

    // Padding that eats the whole payload is valid; one more octet is not.
    var all = bytes
    all[all.count - 1] = 8
    #expect(try RTPHeader.parse(all).payloadRange == 12..<12)
    all[all.count - 1] = 9
    #expect(throws: RTPParseError.paddingLongerThanPayload(paddingLength: 9, available: 8)) {
      try RTPHeader.parse(all)
    }
    all[all.count - 1] = 0
    #expect(throws: RTPParseError.zeroPaddingLength) { try RTPHeader.parse(all) }
    // P bit on a bare header: the count octet would be inside the header.
    var bare = Array(bytes[0..<12])
    bare[11] = 1
    #expect(throws: RTPParseError.paddingLongerThanPayload(paddingLength: 1, available: 0)) {
      try RTPHeader.parse(bare)
    }
    #expect(throws: RTPSerializeError.paddingOutOfRange(256)) {
      try RTPPacket(header: header, payload: [], paddingLength: 256).serialized()
    }
  }

  @Test func writeIntoBufferMatchesAppend() throws {
    let header = RTPHeader(
      marker: true, payloadType: 101, sequenceNumber: 9, timestamp: 10, ssrc: 11, csrcs: [1, 2])
    var appended: [UInt8] = []
    try header.append(to: &appended)
    var buffer = [UInt8](repeating: 0xEE, count: 40)
    let written = try buffer.withUnsafeMutableBytes { try header.write(to: $0) }
    #expect(written == header.encodedLength)
    #expect(Array(buffer[0..<written]) == appended)
    var small = [UInt8](repeating: 0, count: 19)
    #expect(throws: RTPSerializeError.bufferTooSmall(needed: 20, available: 19)) {
      try small.withUnsafeMutableBytes { try header.write(to: $0) }
    }
  }
}
