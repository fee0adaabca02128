import RTPCore
import RTPMedia
import Testing

@Suite struct MediaStreamStateTests {
  func parameters(_ codec: MediaCodec = .pcmu, timeout: UInt64? = nil) -> MediaStreamParameters {
    MediaStreamParameters(
      codec: codec, telephoneEventPayloadType: 101, ssrc: 0x1234_5678, initialSequence: 65534,
      initialTimestamp: 0xFFFF_FF00, rtpTimeout: timeout)
  }

  @Test(arguments: [MediaCodec.pcmu, MediaCodec.pcma])
  func silenceFramesOnTheWire(codec: MediaCodec) {
    var state = MediaStreamState(parameters: parameters(codec), source: .silence, now: 0)
    let packets = state.run(ticks: 5)
    #expect(packets.count == 5)
    let first = packets[0].bytes
    // V=2, no padding/extension/CSRC; marker set on the first packet only; PT 0 or 8.
    #expect(first[0] == 0x80)
    #expect(first[1] == 0x80 | codec.payloadType)
    #expect(Array(first[2...3]) == [0xFF, 0xFE])  // sequence 65534
    #expect(Array(first[4...7]) == [0xFF, 0xFF, 0xFF, 0x00])
    #expect(Array(first[8...11]) == [0x12, 0x34, 0x56, 0x78])
    #expect(first.count == 12 + 160)
    #expect(first[12...].allSatisfy { $0 == codec.law.silence })
    for (index, packet) in packets.enumerated() {
      #expect(packet.header.sequenceNumber == UInt16(truncatingIfNeeded: 65534 + index))  // wraps
      #expect(packet.header.timestamp == 0xFFFF_FF00 &+ UInt32(160 * index))  // wraps too
      #expect(packet.header.ssrc == 0x1234_5678)
      #expect(packet.header.marker == (index == 0))
      #expect(packet.header.payloadType == codec.payloadType)
    }
  }

  @Test func negotiatedDynamicPayloadTypeIsUsed() {
    var state = MediaStreamState(parameters: parameters(MediaCodec(law: .muLaw, payloadType: 96)), now: 0)
    #expect(state.run(ticks: 1).first?.header.payloadType == 96)
  }

  @Test func skippedFramesAdvanceTheTimestampButNotTheSequence() {
    var state = MediaStreamState(parameters: parameters(), source: .silence, now: 0)
    _ = state.run(ticks: 1)
    var packets: [CapturedPacket] = []
    state.tick(frames: 2, skipped: 5, now: 0) { packets.append(CapturedPacket($0, $1)) }
    #expect(packets.map(\.header.sequenceNumber) == [65535, 0])
    let base: UInt32 = 0xFFFF_FF00
    let expected: [UInt32] = [base &+ 960, base &+ 1120]
    #expect(packets.map(\.header.timestamp) == expected)
    #expect(state.statistics.skippedFrames == 5)
  }

  @Test func playbackListRepeatsThenReportsDoneAndFallsSilent() {
    // Two clips of 1.5 and 1 frames: 400 samples a run, 2.5 frames; two runs = 800 samples = 5 frames.
    let first = MediaClip(samples: [Int16](repeating: 1000, count: 240))
    let second = MediaClip(samples: [Int16](repeating: -1000, count: 160))
    var state = MediaStreamState(
      parameters: parameters(), source: .clips([first, second], repeat: .times(2)), now: 0)
    let packets = state.run(ticks: 7)
    let law = G711Law.muLaw
    let decoded = packets.map { law.decode($0.payload) }
    #expect(decoded[0].allSatisfy { $0 > 900 })
    #expect(decoded[1][0..<80].allSatisfy { $0 > 900 })
    #expect(decoded[1][80...].allSatisfy { $0 < -900 })
    #expect(decoded[2][0..<80].allSatisfy { $0 < -900 })
    #expect(decoded[2][80...].allSatisfy { $0 > 900 })  // second run starts mid-frame
    #expect(decoded[4][80...].allSatisfy { $0 < -900 })
    #expect(decoded[5].allSatisfy { $0 == 0 })  // silence after the end
    #expect(state.takeEvents() == [.playbackDone])
    #expect(packets.count == 7)
  }

  @Test func foreverPlaybackNeverEndsAndEmptyListEndsAtOnce() {
    var forever = MediaStreamState(
      parameters: parameters(), source: .clips([MediaClip(samples: [5000, 5000])], repeat: .forever), now: 0)
    _ = forever.run(ticks: 500)
    #expect(forever.takeEvents().isEmpty)
    var empty = MediaStreamState(parameters: parameters(), source: .clips([], repeat: .forever), now: 0)
    _ = empty.run(ticks: 1)
    #expect(empty.takeEvents() == [.playbackDone])
  }

  @Test func toneHasItsFrequencyAndEnds() {
    var state = MediaStreamState(
      parameters: parameters(), source: .tone(frequency: 1000, amplitude: 8000, milliseconds: 200), now: 0)
    let packets = state.run(ticks: 10)
    let samples = packets.flatMap { G711Law.muLaw.decode($0.payload) }
    #expect(Signal.goertzel(samples[...], frequency: 1000) > 0.9)
    #expect(Signal.goertzel(samples[...], frequency: 700) < 0.05)
    #expect(state.takeEvents() == [.playbackDone])
  }

  @Test func dtmfPacketsFollowRFC4733() {
    var state = MediaStreamState(parameters: parameters(), source: .silence, now: 0)
    _ = state.run(ticks: 2)
    let queued = state.queueDTMF("5")
    #expect(queued)
    let packets = state.run(ticks: 12, ticksDone: 2)
    let events = packets.prefix { $0.header.payloadType == 101 }
    // 100 ms: durations 160, 320, 480, 640 then three end packets of 800 (RFC 4733 §2.5.1.4).
    #expect(events.count == 7)
    let firstTimestamp = 0xFFFF_FF00 &+ UInt32(2 * 160)
    for (index, packet) in events.enumerated() {
      #expect(packet.header.timestamp == firstTimestamp)  // all carry the event start (§2.5.1.2)
      #expect(packet.header.marker == (index == 0))
      #expect(packet.header.ssrc == 0x1234_5678)
      #expect(packet.header.sequenceNumber == UInt16(truncatingIfNeeded: 65534 + 2 + index))
      #expect(packet.payload[0] == 5)
    }
    #expect(events.map { $0.payload[1] & 0x80 != 0 } == [false, false, false, false, true, true, true])
    #expect(
      events.map { UInt16($0.payload[2]) << 8 | UInt16($0.payload[3]) } == [
        160, 320, 480, 640, 800, 800, 800,
      ])
    // Audio resumes with the next sequence number and a timestamp that kept running.
    let audio = packets[7]
    #expect(audio.header.payloadType == 0)
    #expect(audio.header.sequenceNumber == UInt16(truncatingIfNeeded: 65534 + 9))
    #expect(audio.header.timestamp == firstTimestamp &+ 7 * 160)
    #expect(state.takeEvents() == [.dtmfSent])
    let refused = !state.queueDTMF("X")
    #expect(refused)
  }

  /// The playback, DTMF and buffer state lives in a box made on first use; a copy of a state
  /// still goes its own way (copy on write), like any value.
  @Test func aCopiedStateKeepsItsOwnDTMFAndPlayback() {
    var original = MediaStreamState(parameters: parameters(), source: .silence, now: 0)
    _ = original.run(ticks: 1)
    let queuedOriginal = original.queueDTMF("12")
    #expect(queuedOriginal)
    var copy = original
    let queuedCopy = copy.queueDTMF("3")
    #expect(queuedCopy)
    #expect(original.pendingDTMF == 2)
    #expect(copy.pendingDTMF == 3)
    let sent = copy.run(ticks: 3, ticksDone: 1)
    #expect(sent.allSatisfy { $0.header.payloadType == 101 })
    #expect(original.pendingDTMF == 2)
    let originalNext = original.run(ticks: 1, ticksDone: 1)
    #expect(originalNext.first?.header.sequenceNumber == sent.first?.header.sequenceNumber)
    #expect(original.pendingDTMF == 2)  // key 1 in progress, key 2 queued
  }

  /// A stream without a telephone-event payload type refuses keys (and makes no sender).
  @Test func noTelephoneEventTypeNoDTMF() {
    var without = parameters()
    without.telephoneEventPayloadType = nil
    var state = MediaStreamState(parameters: without, source: .silence, now: 0)
    let queued = state.queueDTMF("1")
    #expect(!queued)
    #expect(state.pendingDTMF == 0)
    #expect(state.run(ticks: 2).allSatisfy { $0.header.payloadType == 0 })
  }

  @Test func dtmfIsReceivedOncePerKeyDespiteRetransmissionsAndDuplicates() {
    var sender = MediaStreamState(parameters: parameters(), source: .silence, now: 0)
    var receiverParameters = parameters()
    receiverParameters.ssrc = 99
    var receiver = MediaStreamState(parameters: receiverParameters, source: .none, now: 0)
    let queued = sender.queueDTMF("1#1")
    #expect(queued)
    let packets = sender.run(ticks: 40)
    var now: UInt64 = 0
    for packet in packets {
      now += 20_000_000
      _ = receiver.deliver(packet.bytes, now: now)
      _ = receiver.deliver(packet.bytes, now: now)  // every packet twice
    }
    let keys = receiver.takeEvents().compactMap { event -> Character? in
      if case .dtmf(let key, let duration, let ended) = event {
        #expect(duration == 100)
        #expect(ended)
        return key
      }
      return nil
    }
    #expect(keys == ["1", "#", "1"])
  }

  @Test func peersTelephoneEventTypeIsAcceptedToo() {
    var parameters = parameters()
    parameters.peerTelephoneEventPayloadType = 96
    var receiver = MediaStreamState(parameters: parameters, source: .none, now: 0)
    let end = TelephoneEvent(event: 9, isEnd: true, duration: 800)
    let packet = RTPPacket(
      header: RTPHeader(marker: true, payloadType: 96, sequenceNumber: 1, timestamp: 1, ssrc: 7),
      payload: end.payload)
    _ = receiver.deliver(try! packet.serialized(), now: 0)
    #expect(receiver.takeEvents() == [.firstPacket, .dtmf(key: "9", duration: 100, endReceived: true)])
  }

  func audioPacket(sequence: UInt16, timestamp: UInt32, fill: UInt8) -> [UInt8] {
    let packet = RTPPacket(
      header: RTPHeader(payloadType: 0, sequenceNumber: sequence, timestamp: timestamp, ssrc: 42),
      payload: [UInt8](repeating: fill, count: 160))
    return try! packet.serialized()
  }

  @Test func echoSendsTheSamePayloadBackAfterTheDelay() {
    var state = MediaStreamState(parameters: parameters(), source: .none, now: 0)
    state.setEcho(.packets(2))
    var echoed: [CapturedPacket] = []
    for index in 0..<5 {
      echoed += state.deliver(
        audioPacket(sequence: UInt16(100 + index), timestamp: UInt32(1000 + 160 * index), fill: UInt8(index)),
        now: UInt64(index) * 20_000_000)
    }
    // Delay 2: the first packet goes back when the third arrives.
    #expect(echoed.map { $0.payload[0] } == [0, 1, 2])
    #expect(echoed.allSatisfy { $0.payload.count == 160 && $0.header.ssrc == 0x1234_5678 })
    #expect(echoed.map(\.header.sequenceNumber) == [65534, 65535, 0])
    // The peer's 160-unit spacing is kept.
    #expect(echoed[1].header.timestamp &- echoed[0].header.timestamp == 160)
    #expect(state.run(ticks: 3).isEmpty)  // an echoing stream sends nothing of its own
    #expect(state.statistics.packetsEchoed == 3)
  }

  @Test func echoDelayInMillisecondsAndImmediateEcho() {
    #expect(EchoDelay.milliseconds(200).packetCount == 10)
    #expect(EchoDelay.packets(10_000).packetCount == EchoDelay.maximumPackets)
    var state = MediaStreamState(parameters: parameters(), source: .none, now: 0)
    state.setEcho(.packets(0))
    let echoed = state.deliver(audioPacket(sequence: 1, timestamp: 1, fill: 0x55), now: 0)
    #expect(echoed.count == 1)
    #expect(echoed.first?.payload == [UInt8](repeating: 0x55, count: 160))
    // A duplicate is not echoed twice.
    #expect(state.deliver(audioPacket(sequence: 2, timestamp: 161, fill: 1), now: 1).count == 1)
    #expect(state.deliver(audioPacket(sequence: 3, timestamp: 321, fill: 1), now: 2).count == 1)
    #expect(state.deliver(audioPacket(sequence: 3, timestamp: 321, fill: 1), now: 3).isEmpty)
  }

  @Test func recordingDecodesReceivedAudio() {
    var state = MediaStreamState(parameters: parameters(), source: .none, now: 0)
    let recorder = InMemoryRecorder()
    state.setRecorder(recorder)
    let code = G711Law.muLaw.encode(4000)
    for index in 0..<3 {
      _ = state.deliver(
        audioPacket(sequence: UInt16(index), timestamp: UInt32(index * 160), fill: code), now: 0)
    }
    state.finish()
    #expect(recorder.finished)
    #expect(recorder.samples.count == 480)
    #expect(recorder.samples.allSatisfy { abs(Int($0) - 4000) < 200 })
  }

  @Test func rtpTimeoutFiresOnceAndRearmsOnTraffic() {
    let second: UInt64 = 1_000_000_000
    var state = MediaStreamState(parameters: parameters(timeout: 2 * second), source: .none, now: 0)
    state.tick(frames: 1, now: 1 * second) { _, _ in }
    #expect(state.takeEvents().isEmpty)
    state.tick(frames: 1, now: 2 * second) { _, _ in }
    #expect(state.takeEvents() == [.rtpTimeout])
    state.tick(frames: 1, now: 3 * second) { _, _ in }
    #expect(state.takeEvents().isEmpty)
    _ = state.deliver(audioPacket(sequence: 1, timestamp: 1, fill: 0xFF), now: 3 * second)
    #expect(state.takeEvents() == [.firstPacket])
    state.tick(frames: 1, now: 5 * second) { _, _ in }
    #expect(state.takeEvents() == [.rtpTimeout])
    // Held: off.
    state.setRTPTimeout(nil, now: 5 * second)
    state.tick(frames: 1, now: 60 * second) { _, _ in }
    #expect(state.takeEvents().isEmpty)
  }

  @Test func malformedDatagramsAreCountedNotFatal() {
    var state = MediaStreamState(parameters: parameters(), source: .none, now: 0)
    _ = state.deliver([0x80, 0x00, 0x01], now: 0)
    _ = state.deliver([0x40] + [UInt8](repeating: 0, count: 20), now: 0)
    _ = state.deliver([], now: 0)
    #expect(state.statistics.malformed == 3)
    #expect(state.statistics.packetsReceived == 0)
    #expect(state.takeEvents().isEmpty)
  }

  @Test func lossPatternShowsInStatistics() {
    var sender = MediaStreamState(parameters: parameters(), source: .silence, now: 0)
    var receiver = MediaStreamState(parameters: MediaStreamParameters(ssrc: 1), source: .none, now: 0)
    let packets = sender.run(ticks: 100)
    for (index, packet) in packets.enumerated() where index % 10 != 5 {
      _ = receiver.deliver(packet.bytes, now: UInt64(index) * 20_000_000)
    }
    let figures = receiver.currentStatistics
    #expect(figures.packetsReceived == 90)
    #expect(figures.lost == 10)
    #expect(figures.jitterMilliseconds < 0.01)
  }
}
