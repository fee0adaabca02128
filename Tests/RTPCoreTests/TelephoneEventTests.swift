import Testing

@testable import RTPCore

@Suite struct TelephoneEventTests {
  @Test func payloadCodec() throws {
    let event = TelephoneEvent(event: 11, isEnd: true, volume: 63, duration: 0x1234)
    #expect(event.payload == [11, 0xBF, 0x12, 0x34])
    #expect(TelephoneEvent(parsing: event.payload) == event)
    // The reserved R bit is ignored.
    #expect(
      TelephoneEvent(parsing: [5, 0x4A, 0, 160])
        == TelephoneEvent(event: 5, isEnd: false, volume: 10, duration: 160))
    #expect(TelephoneEvent(parsing: [1, 2, 3]) == nil)
  }

  @Test func keyMapping() {
    #expect(TelephoneEvent.dtmfKeys == Array("0123456789*#ABCD"))
    for (index, key) in "0123456789*#ABCD".enumerated() {
      #expect(TelephoneEvent.event(forKey: key) == UInt8(index))
      #expect(TelephoneEvent.key(forEvent: UInt8(index)) == key)
    }
    #expect(TelephoneEvent.event(forKey: "d") == 15)
    #expect(TelephoneEvent.event(forKey: "x") == nil)
    #expect(TelephoneEvent.key(forEvent: 16) == nil)
  }

  @Test func senderSequence() throws {
    let sender = TelephoneEventSender(payloadType: 101, ssrc: 0xABC)
    let packets = try #require(
      sender.packets(key: "5", duration: 800, timestamp: 65000 * 1000, sequenceNumber: 65534))
    // 100 ms at 20 ms: continuation packets at 160, 320, 480, 640, then 3 end packets with 800.
    #expect(packets.count == 4 + 3)
    #expect(packets.map(\.offset) == [0, 160, 320, 480, 640, 800, 960])
    #expect(packets.map(\.packet.header.sequenceNumber) == [65534, 65535, 0, 1, 2, 3, 4])
    #expect(packets.allSatisfy { $0.packet.header.timestamp == 65_000_000 })
    #expect(packets.map(\.packet.header.marker) == [true, false, false, false, false, false, false])
    let events = packets.compactMap { TelephoneEvent(parsing: $0.packet.payload) }
    #expect(events.map(\.duration) == [160, 320, 480, 640, 800, 800, 800])
    #expect(events.map(\.isEnd) == [false, false, false, false, true, true, true])
    #expect(events.allSatisfy { $0.event == 5 && $0.volume == 10 })
    #expect(packets.allSatisfy { $0.packet.header.payloadType == 101 && $0.packet.header.ssrc == 0xABC })
  }

  @Test func senderFiftyMillisecondInterval() {
    let sender = TelephoneEventSender(ssrc: 1, packetInterval: 400)
    let packets = sender.packets(event: 1, duration: 1000, timestamp: 0, sequenceNumber: 0)
    let durations = packets.compactMap { TelephoneEvent(parsing: $0.packet.payload)?.duration }
    #expect(durations == [400, 800, 1000, 1000, 1000])
  }

  @Test func shortEventIsOnlyEndPackets() {
    let packets = TelephoneEventSender(ssrc: 1).packets(
      event: 0, duration: 100, timestamp: 0, sequenceNumber: 0)
    #expect(packets.count == 3)
    #expect(packets.first?.packet.header.marker == true)
    #expect(packets.allSatisfy { TelephoneEvent(parsing: $0.packet.payload)?.isEnd == true })
  }

  @Test func longEventIsSegmented() {
    // 10 s at 8 kHz = 80000 units > 65535 (RFC 4733 §2.5.1.3).
    let packets = TelephoneEventSender(ssrc: 1).packets(
      event: 9, duration: 80000, timestamp: 1000, sequenceNumber: 0)
    let events = packets.compactMap { TelephoneEvent(parsing: $0.packet.payload) }
    let firstSegment = packets.filter { $0.packet.header.timestamp == 1000 }
    let secondSegment = packets.filter { $0.packet.header.timestamp == 1000 + 65535 }
    #expect(firstSegment.count + secondSegment.count == packets.count)
    #expect(TelephoneEvent(parsing: firstSegment.last!.packet.payload)?.duration == 65535)
    #expect(secondSegment.first?.packet.header.marker == false)
    #expect(events.last?.duration == UInt16(80000 - 65535))
    #expect(events.filter(\.isEnd).count == 3)

    var receiver = TelephoneEventReceiver()
    let reported = packets.flatMap { receiver.receive($0.packet.header, payload: $0.packet.payload) }
    #expect(reported.count == 1)
    #expect(reported.first?.duration == 80000)
    #expect(reported.first?.timestamp == 1000)
  }

  func packets(_ key: Character, at timestamp: UInt32, sequence: UInt16, duration: UInt32 = 800)
    -> [RTPPacket]
  {
    TelephoneEventSender(ssrc: 7).packets(
      key: key, duration: duration, timestamp: timestamp, sequenceNumber: sequence)!.map(\.packet)
  }

  func receive(_ packets: [RTPPacket], into receiver: inout TelephoneEventReceiver) -> [TelephoneEventReceiver
    .Event]
  {
    packets.flatMap { receiver.receive($0.header, payload: $0.payload) }
  }

  @Test func receiverReportsOncePerPress() {
    var receiver = TelephoneEventReceiver()
    let events = receive(
      packets("1", at: 1000, sequence: 10) + packets("2", at: 5000, sequence: 17), into: &receiver)
    #expect(events.map(\.key) == ["1", "2"])
    #expect(events.map(\.duration) == [800, 800])
    #expect(events.allSatisfy { $0.endReceived })
    #expect(receiver.flush() == nil)
  }

  @Test func receiverSurvivesLostFirstPackets() {
    var receiver = TelephoneEventReceiver()
    let events = receive(Array(packets("#", at: 1000, sequence: 10).dropFirst(2)), into: &receiver)
    #expect(events.map(\.key) == ["#"])
    #expect(events.first?.duration == 800)
  }

  @Test func receiverWithReorderingAndRepeatedEnds() {
    var receiver = TelephoneEventReceiver()
    var stream = packets("7", at: 1000, sequence: 10)
    stream.swapAt(1, 5)  // an end packet before a continuation
    stream += stream.suffix(3)  // the end packets again
    let events = receive(stream, into: &receiver)
    #expect(events.map(\.key) == ["7"])
    #expect(events.first?.duration == 800)
  }

  @Test func receiverWithAllEndPacketsLost() {
    var receiver = TelephoneEventReceiver()
    let first = Array(packets("3", at: 1000, sequence: 10).prefix(4))
    let events = receive(first + packets("4", at: 9000, sequence: 17), into: &receiver)
    #expect(events.map(\.key) == ["3", "4"])
    #expect(events.first?.endReceived == false)
    #expect(events.first?.duration == 640)
    // And at the end of the stream.
    var other = TelephoneEventReceiver()
    #expect(receive(first, into: &other).isEmpty)
    #expect(other.flush()?.key == "3")
    #expect(other.flush() == nil)
  }

  @Test func leftoverOfOlderEventIsDropped() {
    var receiver = TelephoneEventReceiver()
    let one = packets("1", at: 1000, sequence: 10)
    let two = packets("2", at: 5000, sequence: 17)
    let events = receive(one + two + [one[2]], into: &receiver)
    #expect(events.map(\.key) == ["1", "2"])
  }

  @Test func sameTimestampDifferentSourcesAreDistinct() {
    var receiver = TelephoneEventReceiver()
    let a = packets("1", at: 1000, sequence: 10)
    var b = packets("2", at: 1000, sequence: 10)
    for index in b.indices { b[index].header.ssrc = 99 }
    let events = receive(a + b, into: &receiver)
    #expect(events.map(\.key) == ["1", "2"])
  }

  @Test func timestampWrapBetweenEvents() {
    var receiver = TelephoneEventReceiver()
    let events = receive(
      packets("5", at: UInt32.max - 100, sequence: 1) + packets("6", at: 2000, sequence: 8), into: &receiver)
    #expect(events.map(\.key) == ["5", "6"])
  }
}
