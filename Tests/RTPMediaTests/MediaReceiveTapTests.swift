import RTPCore
import RTPMedia
import Testing

/// The receive tap of a stream (the call layer's source of RFC 4733 packets and of decoded audio
/// for in-band DTMF detection).
@Suite struct MediaReceiveTapTests {
  final class Tap: MediaReceiveTap {
    var audio: [[Int16]] = []
    var events: [(TelephoneEvent, RTPHeader, UInt64)] = []

    func receivedAudio(_ samples: UnsafeBufferPointer<Int16>, header: RTPHeader, now: UInt64) {
      audio.append(Array(samples))
    }

    func receivedTelephoneEvent(_ event: TelephoneEvent, header: RTPHeader, now: UInt64) {
      events.append((event, header, now))
    }
  }

  func parameters() -> MediaStreamParameters {
    MediaStreamParameters(
      codec: .pcmu, telephoneEventPayloadType: 101, ssrc: 1, initialSequence: 1, initialTimestamp: 0)
  }

  func packet(type: UInt8, sequence: UInt16, timestamp: UInt32, payload: [UInt8]) -> [UInt8] {
    (try? RTPPacket(
      header: RTPHeader(payloadType: type, sequenceNumber: sequence, timestamp: timestamp, ssrc: 42),
      payload: payload
    ).serialized()) ?? []
  }

  @Test func audioIsDecodedOnceForTapAndRecorderAndDuplicatesAreNotPassedOn() {
    var state = MediaStreamState(parameters: parameters(), source: .none, now: 0)
    let tap = Tap()
    let recorder = InMemoryRecorder()
    state.setTap(tap)
    state.setRecorder(recorder)
    let code = G711Law.muLaw.encode(-3000)
    for sequence in [UInt16(1), 2, 2, 3] {
      _ = state.deliver(
        packet(
          type: 0, sequence: sequence, timestamp: UInt32(sequence) * 160,
          payload: .init(repeating: code, count: 160)),
        now: 0)
    }
    #expect(tap.audio.count == 3)
    #expect(tap.audio.allSatisfy { $0.count == 160 && $0.allSatisfy { abs(Int($0) + 3000) < 200 } })
    #expect(recorder.samples == tap.audio.flatMap { $0 })
  }

  @Test func everyTelephoneEventPacketReachesTheTapAndOtherPayloadsAreNotDecoded() {
    var state = MediaStreamState(parameters: parameters(), source: .none, now: 0)
    let tap = Tap()
    state.setTap(tap)
    let start = TelephoneEvent(event: 5, isEnd: false, duration: 160)
    let end = TelephoneEvent(event: 5, isEnd: true, duration: 800)
    for (index, event) in [start, end, end, end].enumerated() {
      _ = state.deliver(
        packet(type: 101, sequence: UInt16(10 + index), timestamp: 8000, payload: event.payload),
        now: UInt64(index) * 20_000_000)
    }
    // G.722 (payload type 9) is not G.711: nothing to decode.
    _ = state.deliver(
      packet(type: 9, sequence: 20, timestamp: 9000, payload: .init(repeating: 0, count: 160)), now: 0)
    #expect(tap.events.map(\.0) == [start, end, end, end])
    #expect(tap.events.map(\.2) == [0, 20_000_000, 40_000_000, 60_000_000])
    #expect(tap.events.allSatisfy { $0.1.timestamp == 8000 })
    #expect(tap.audio.isEmpty)
    // The stream still reports the key once, as before.
    let keys = state.takeEvents().filter { if case .dtmf = $0 { true } else { false } }
    #expect(keys == [.dtmf(key: "5", duration: 100, endReceived: true)])
  }

  @Test func withoutATapNothingIsDecodedForIt() {
    var state = MediaStreamState(parameters: parameters(), source: .none, now: 0)
    let tap = Tap()
    state.setTap(tap)
    state.setTap(nil)
    _ = state.deliver(
      packet(type: 0, sequence: 1, timestamp: 160, payload: .init(repeating: 0xFF, count: 160)), now: 0)
    #expect(tap.audio.isEmpty)
  }
}
