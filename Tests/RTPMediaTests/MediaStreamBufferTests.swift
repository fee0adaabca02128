import RTPCore
import Testing

@testable import RTPMedia

/// A stream's working buffers are made by the first packet that needs them, not when the stream
/// opens: a held call that sends and decodes nothing carries none (docs/benchmarks-calls.md,
/// "callmem").
@Suite struct MediaStreamBufferTests {
  static let parameters = MediaStreamParameters(
    codec: .pcmu, telephoneEventPayloadType: 101, ssrc: 0x0BAD_CAFE)

  static func audioPacket(payloadType: UInt8 = 0, sequence: UInt16, fill: UInt8, count: Int = 160) -> [UInt8]
  {
    let header = RTPHeader(
      payloadType: payloadType, sequenceNumber: sequence, timestamp: UInt32(sequence) * 160, ssrc: 7)
    return (try? RTPPacket(header: header, payload: [UInt8](repeating: fill, count: count)).serialized())
      ?? []
  }

  @Test func theDecodeBufferComesWithTheFirstPacketToDecode() throws {
    var state = MediaStreamState(parameters: Self.parameters, source: .none, now: 0)
    #expect(state.decoded.isEmpty)
    // Received audio with nobody to hand it to is counted, not decoded.
    Self.audioPacket(sequence: 1, fill: 0xFF).withUnsafeBytes { state.receive($0, now: 1) { _, _ in } }
    #expect(state.statistics.packetsReceived == 1)
    #expect(state.decoded.isEmpty)
    let recorder = InMemoryRecorder()
    state.setRecorder(recorder)
    let code = G711Law.muLaw.encode(-3000)
    Self.audioPacket(sequence: 2, fill: code).withUnsafeBytes { state.receive($0, now: 2) { _, _ in } }
    #expect(state.decoded.count == MediaStreamState.decodeCapacity)
    #expect(recorder.samples.count == 160)
    #expect(recorder.samples.allSatisfy { $0 == G711Law.muLaw.decode(code) })
  }

  @Test func aPayloadLongerThanTheBufferIsCutNotOverrun() throws {
    var state = MediaStreamState(parameters: Self.parameters, source: .none, now: 0)
    let recorder = InMemoryRecorder()
    state.setRecorder(recorder)
    let long = Self.audioPacket(sequence: 1, fill: 0x55, count: MediaStreamState.decodeCapacity + 100)
    long.withUnsafeBytes { state.receive($0, now: 1) { _, _ in } }
    #expect(recorder.samples.count == MediaStreamState.decodeCapacity)
  }

  @Test(arguments: [false, true])
  func aFreshStreamRelaysWithAndWithoutLawConversion(convert: Bool) throws {
    var state = MediaStreamState(parameters: Self.parameters, source: .none, now: 0)
    let incomingLaw: G711Law = convert ? .aLaw : .muLaw
    let payload: [UInt8] = (0..<160).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    let header = RTPHeader(
      payloadType: incomingLaw.rtpPayloadType, sequenceNumber: 9, timestamp: 1440, ssrc: 7)
    var sent: [[UInt8]] = []
    payload.withUnsafeBytes { bytes in
      state.relay(header, payload: bytes, law: incomingLaw) { _, out in sent.append(Array(out)) }
    }
    let expected = convert ? payload.map { G711Law.muLaw.encode(G711Law.aLaw.decode($0)) } : payload
    #expect(sent == [expected])
    #expect(state.decoded.isEmpty != convert)
  }
}
