import IVRCore
import RTPCore
import Testing

/// Reports at times, fed in time order.
private typealias Timed = (at: UInt64, report: DTMFMerger.Report)

private func ms(_ value: Double) -> UInt64 { UInt64(value * 1_000_000) }

/// The RFC 4733 packets of one press as TelephoneEventSender sends them (20 ms apart, three end
/// packets), arriving from `start` on.
private func rfcPress(
  _ key: Character, at start: Double, milliseconds: Int = 100, timestamp: UInt32, ssrc: UInt32 = 0x1234
) -> [Timed] {
  let sender = TelephoneEventSender(ssrc: ssrc)
  let packets = sender.packets(
    event: TelephoneEvent.event(forKey: key)!, duration: UInt32(milliseconds * 8), timestamp: timestamp,
    sequenceNumber: 100)
  return packets.map { scheduled in
    let event = TelephoneEvent(parsing: scheduled.packet.payload)!
    return (ms(start) + UInt64(scheduled.offset) * 125_000, .rfc4733(scheduled.packet.header, event))
  }
}

/// Feeds every report in time order (stable), returns the presses.
private func run(_ reports: [Timed], merger: inout DTMFMerger) -> [DTMFPress] {
  let ordered = reports.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }
  return ordered.compactMap { merger.receive($0.element.report, at: $0.element.at) }
}

private func run(_ reports: [Timed]) -> [DTMFPress] {
  var merger = DTMFMerger()
  return run(reports, merger: &merger)
}

@Suite struct DTMFMergerTests {
  @Test func oneRFC4733PressIsOneEventAtItsFirstPacket() {
    var merger = DTMFMerger()
    let presses = run(rfcPress("5", at: 1000, timestamp: 8000), merger: &merger)
    #expect(presses == [DTMFPress(key: "5", method: .rfc4733, at: ms(1000))])
    // 100 ms at 20 ms: 4 progress packets and 3 end packets; all but the first are repeats.
    #expect(merger.statistics.rfc4733Repeats == 6)
    #expect(merger.statistics.presses == 1)
  }

  @Test func endPacketTripleRedundancyGivesOnePress() {
    // A 40 ms press: only the three end packets, 20 ms apart.
    let packets = rfcPress("9", at: 0, milliseconds: 15, timestamp: 160)
    #expect(packets.count == 3)
    #expect(run(packets).map(\.key) == ["9"])
    // Each end packet twice (duplicated by the network), out of order: still one.
    let doubled = packets + packets.reversed()
    #expect(run(doubled).map(\.key) == ["9"])
  }

  @Test func lostFirstPacketsStillGiveOnePress() {
    let packets = rfcPress("3", at: 500, milliseconds: 200, timestamp: 9999)
    let withoutFirstThree = Array(packets.dropFirst(3))
    let presses = run(withoutFirstThree)
    #expect(presses.map(\.key) == ["3"])
    #expect(presses.first?.at == withoutFirstThree.first?.at)
    // Only the last end packet arrives.
    #expect(run([packets.last!]).map(\.key) == ["3"])
  }

  @Test func longPressAcrossSegmentsIsOnePress() {
    // 10 s: longer than the 16-bit duration field (8.19 s), so the sender starts a second segment.
    let packets = rfcPress("0", at: 0, milliseconds: 10_000, timestamp: 1000)
    let timestamps = Set(
      packets.map { packet -> UInt32 in
        if case .rfc4733(let header, _) = packet.report { return header.timestamp }
        return 0
      })
    #expect(timestamps.sorted() == [1000, 1000 + 65535])
    var merger = DTMFMerger()
    #expect(run(packets, merger: &merger).map(\.key) == ["0"])
    // INFO sent on key-up, 10 s after the press started, confirms it (the press stayed active).
    #expect(merger.receive(.info("0"), at: ms(10_100)) == nil)
    #expect(merger.statistics.confirmations == 1)
  }

  @Test func genuineRepeatsByOneMethodStayApart() {
    let rfc = rfcPress("5", at: 0, timestamp: 0) + rfcPress("5", at: 200, timestamp: 1600)
    #expect(run(rfc).map(\.key) == ["5", "5"])
    // INFO only, 100 ms apart: two presses, whatever the window.
    #expect(run([(ms(0), .info("5")), (ms(100), .info("5"))]).count == 2)
    // In-band only.
    #expect(run([(ms(0), .inBand("5")), (ms(120), .inBand("5"))]).count == 2)
  }

  @Test func samePressByRFC4733AndINFOIsOneEvent() {
    let rfcFirst = rfcPress("7", at: 0, timestamp: 0) + [(ms(15), .info("7"))]
    #expect(run(rfcFirst) == [DTMFPress(key: "7", method: .rfc4733, at: 0)])
    // INFO can arrive first; the first method to report wins.
    let infoFirst = [(ms(0), DTMFMerger.Report.info("7"))] + rfcPress("7", at: 30, timestamp: 0)
    #expect(run(infoFirst) == [DTMFPress(key: "7", method: .info, at: 0)])
  }

  @Test func samePressByAllThreeMethodsIsOneEvent() {
    var merger = DTMFMerger()
    let reports = rfcPress("#", at: 0, timestamp: 0) + [(ms(10), .info("#")), (ms(60), .inBand("#"))]
    #expect(run(reports, merger: &merger).map(\.key) == ["#"])
    #expect(merger.statistics.confirmations == 2)
    #expect(merger.statistics.suppressedInBand == 0)
  }

  @Test func repeatsReportedByThreeMethodsPairUpInOrder() {
    // "55": each press by RFC 4733 at once, in-band 40–60 ms later, INFO lagging 300 ms (after the
    // second press has already started).
    var merger = DTMFMerger()
    let reports: [Timed] =
      rfcPress("5", at: 0, timestamp: 0) + rfcPress("5", at: 200, timestamp: 1600)
      + [(ms(45), .inBand("5")), (ms(250), .inBand("5")), (ms(300), .info("5")), (ms(500), .info("5"))]
    let presses = run(reports, merger: &merger)
    #expect(
      presses == [
        DTMFPress(key: "5", method: .rfc4733, at: 0), DTMFPress(key: "5", method: .rfc4733, at: ms(200)),
      ])
    #expect(merger.statistics.confirmations == 4)
    // A third INFO has no press left to confirm: it is a new press.
    #expect(merger.receive(.info("5"), at: ms(520))?.method == .info)
  }

  @Test func reportsOutsideTheWindowAreNewPresses() {
    // The last packet of a 100 ms press (the third end packet) arrives at 120 ms; the window runs
    // 500 ms from there.
    var within = DTMFMerger()
    _ = run(rfcPress("2", at: 0, timestamp: 0), merger: &within)
    #expect(within.receive(.info("2"), at: ms(619)) == nil)
    var past = DTMFMerger()
    _ = run(rfcPress("2", at: 0, timestamp: 0), merger: &past)
    #expect(past.receive(.info("2"), at: ms(621)) == DTMFPress(key: "2", method: .info, at: ms(621)))
    // Within the window of that INFO press, a shorter window would have split them.
    var narrow = DTMFMerger(
      configuration: {
        var configuration = DTMFMerger.Configuration()
        configuration.window = ms(50)
        return configuration
      }())
    #expect(narrow.receive(.info("4"), at: 0) != nil)
    #expect(narrow.receive(.inBand("4"), at: ms(40)) == nil)
    #expect(narrow.receive(.inBand("4"), at: ms(200)) == nil)  // signalled seen: dropped
    #expect(narrow.statistics.suppressedInBand == 1)
  }

  @Test func inBandIsAFallbackOnceSignalledDigitsArrive() {
    // A call with only in-band DTMF: every detection counts.
    #expect(run([(ms(0), .inBand("1")), (ms(300), .inBand("2"))]).map(\.key) == ["1", "2"])

    // After an RFC 4733 press, an in-band "8" that confirms nothing is talk-off: dropped.
    var merger = DTMFMerger()
    _ = run(rfcPress("5", at: 0, timestamp: 0), merger: &merger)
    #expect(merger.receive(.inBand("8"), at: ms(30)) == nil)
    // The in-band tone of the RFC 4733 press still confirms it.
    #expect(merger.receive(.inBand("5"), at: ms(40)) == nil)
    #expect(merger.statistics.confirmations == 1)
    #expect(merger.receive(.inBand("8"), at: ms(5000)) == nil)
    #expect(merger.statistics.suppressedInBand == 2)

    var keepAll = DTMFMerger(
      configuration: {
        var configuration = DTMFMerger.Configuration()
        configuration.inBandIsFallback = false
        return configuration
      }())
    _ = run(rfcPress("5", at: 0, timestamp: 0), merger: &keepAll)
    #expect(keepAll.receive(.inBand("8"), at: ms(30))?.key == "8")
  }

  @Test func differentKeysAtOnceAreDifferentPresses() {
    let reports: [Timed] = rfcPress("5", at: 0, timestamp: 0) + [(ms(10), .info("6"))]
    #expect(run(reports).map(\.key) == ["5", "6"])
  }

  @Test func reorderedLeftoversAreDropped() {
    var merger = DTMFMerger()
    let first = rfcPress("1", at: 0, timestamp: 8000)
    let second = rfcPress("2", at: 200, timestamp: 9600)
    // An end packet of the first press arrives after the second press started.
    let late = first.last!
    let presses = run(Array(first.dropLast()) + second, merger: &merger)
    #expect(presses.map(\.key) == ["1", "2"])
    #expect(merger.receive(late.report, at: ms(300)) == nil)
    #expect(merger.statistics.rfc4733Leftovers == 1)
  }

  @Test func timestampWrapIsNotALeftover() {
    let presses = run(
      rfcPress("4", at: 0, timestamp: UInt32.max - 100) + rfcPress("4", at: 200, timestamp: 1500))
    #expect(presses.map(\.key) == ["4", "4"])
  }

  @Test func anotherSSRCStartsItsOwnEvents() {
    // The peer restarts its stream (re-INVITE): new SSRC, timestamps from elsewhere.
    let presses = run(
      rfcPress("6", at: 0, timestamp: 50_000, ssrc: 1) + rfcPress("6", at: 300, timestamp: 10, ssrc: 2))
    #expect(presses.map(\.key) == ["6", "6"])
  }

  @Test func nonKeysAreIgnored() {
    var merger = DTMFMerger()
    let flash = RTPHeader(marker: true, payloadType: 101, sequenceNumber: 1, timestamp: 0, ssrc: 9)
    #expect(merger.receive(.rfc4733(flash, TelephoneEvent(event: 16, duration: 160)), at: 0) == nil)
    #expect(merger.receive(.info("x"), at: 1) == nil)
    #expect(merger.receive(.inBand("?"), at: 2) == nil)
    #expect(merger.statistics.ignored == 3)
    #expect(merger.receive(.info("a"), at: 3)?.key == "A")
  }

  @Test func timeGoingBackwardsIsReadAsTheLatestTime() {
    var merger = DTMFMerger()
    #expect(merger.receive(.info("1"), at: ms(1000))?.at == ms(1000))
    let back = merger.receive(.info("2"), at: ms(10))
    #expect(back == DTMFPress(key: "2", method: .info, at: ms(1000)))
    #expect(merger.receive(.inBand("2"), at: 0) == nil)
    #expect(merger.statistics.confirmations == 1)
  }

  @Test func memoryStaysBounded() {
    var merger = DTMFMerger()
    var count = 0
    for index in 0..<500 {
      let key = TelephoneEvent.dtmfKeys[index % 16]
      let header = RTPHeader(
        marker: true, payloadType: 101, sequenceNumber: UInt16(index), timestamp: UInt32(index) * 1600,
        ssrc: UInt32(index % 40))
      if merger.receive(
        .rfc4733(header, TelephoneEvent(event: UInt8(index % 16), duration: 160)), at: ms(Double(index)))
        != nil
      {
        count += 1
      }
      if merger.receive(.info(key), at: ms(Double(index))) != nil { count += 1 }
    }
    #expect(count == 500)
  }

  @Test func inBandToneAndRFC4733FromTheSameKeypadGiveOnePressPerKey() {
    // "1 2 5 5": tones of 100 ms with 100 ms gaps in the audio, and the same presses as RFC 4733
    // packets; the Goertzel detector's detections are converted to arrival times.
    let keys: [Character] = ["1", "2", "5", "5"]
    var audio: [Int16] = []
    var reports: [Timed] = []
    for (index, key) in keys.enumerated() {
      let start = Double(index) * 200
      var tone = ToneGenerator.dtmf(key: key)!
      audio += tone.nextFrame(count: 800) + [Int16](repeating: 0, count: 800)
      reports += rfcPress(key, at: start, timestamp: UInt32(index) * 1600)
    }
    var detector = DTMFDetector()
    var position = 0
    for frameStart in stride(from: 0, to: audio.count, by: 160) {
      let frame = Array(audio[frameStart..<min(frameStart + 160, audio.count)])
      position += frame.count
      for detection in detector.process(frame) {
        // Reported when the frame that completed it arrived.
        reports.append((UInt64(position) * 125_000, .inBand(detection.key)))
      }
    }
    #expect(reports.filter { if case .inBand = $0.report { true } else { false } }.count == 4)
    var merger = DTMFMerger()
    let presses = run(reports, merger: &merger)
    #expect(presses.map(\.key) == keys)
    #expect(presses.allSatisfy { $0.method == .rfc4733 })
    #expect(merger.statistics.confirmations == 4)
  }
}
