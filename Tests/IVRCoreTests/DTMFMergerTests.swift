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

/// Feeds every report in time order (stable), returns the presses emitted on the way.
private func run(_ reports: [Timed], merger: inout DTMFMerger) -> [DTMFPress] {
  let ordered = reports.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }
  return ordered.flatMap { merger.receive($0.element.report, at: $0.element.at) }
}

/// As above with a fresh merger, then lets 10 s pass (``DTMFMerger/expire(at:)``), so that presses
/// whose end never came are emitted too.
private func run(_ reports: [Timed]) -> [DTMFPress] {
  var merger = DTMFMerger()
  let presses = run(reports, merger: &merger)
  return presses + merger.expire(at: (reports.map(\.at).max() ?? 0) + ms(10_000))
}

/// An in-band tone as the call's tap reports it: the detection 40 ms after the tone starts, the
/// release 40 ms after it ends (the detector's hangover).
private func tone(_ key: Character, at start: Double, milliseconds: Int = 100) -> [Timed] {
  [
    (ms(start + 40), .inBand(key)),
    (ms(start + Double(milliseconds) + 40), .inBandEnded(key, milliseconds: milliseconds)),
  ]
}

@Suite struct DTMFMergerTests {
  @Test func oneRFC4733PressIsOneEventWithItsDuration() {
    var merger = DTMFMerger()
    let presses = run(rfcPress("5", at: 1000, timestamp: 8000), merger: &merger)
    // Emitted at the end packet, dated from the first, with the end packet's duration.
    #expect(presses == [DTMFPress(key: "5", method: .rfc4733, at: ms(1000), duration: 100)])
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
    let presses = run(packets, merger: &merger)
    #expect(presses.map(\.key) == ["0"])
    // Both segments count: 65 535 + 14 465 units at 8 kHz.
    #expect(presses.first?.duration == 10_000)
    // INFO sent on key-up, 10 s after the press started, confirms it (the press stayed active).
    #expect(merger.receive(.info("0"), at: ms(10_100)).isEmpty)
    #expect(merger.statistics.confirmations == 1)
  }

  @Test func genuineRepeatsByOneMethodStayApart() {
    let rfc = rfcPress("5", at: 0, timestamp: 0) + rfcPress("5", at: 200, timestamp: 1600)
    #expect(run(rfc).map(\.key) == ["5", "5"])
    // INFO only, 100 ms apart: two presses, whatever the window.
    #expect(run([(ms(0), .info("5")), (ms(100), .info("5"))]).count == 2)
    // In-band only.
    #expect(run(tone("5", at: 0) + tone("5", at: 200)).count == 2)
  }

  @Test func samePressByRFC4733AndINFOIsOneEvent() {
    let rfcFirst = rfcPress("7", at: 0, timestamp: 0) + [(ms(15), .info("7"))]
    #expect(run(rfcFirst) == [DTMFPress(key: "7", method: .rfc4733, at: 0, duration: 100)])
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
        DTMFPress(key: "5", method: .rfc4733, at: 0, duration: 100),
        DTMFPress(key: "5", method: .rfc4733, at: ms(200), duration: 100),
      ])
    #expect(merger.statistics.confirmations == 4)
    // A third INFO has no press left to confirm: it is a new press.
    #expect(merger.receive(.info("5"), at: ms(520)).first?.method == .info)
  }

  @Test func reportsOutsideTheWindowAreNewPresses() {
    // The last packet of a 100 ms press (the third end packet) arrives at 120 ms; the window runs
    // 500 ms from there.
    var within = DTMFMerger()
    _ = run(rfcPress("2", at: 0, timestamp: 0), merger: &within)
    #expect(within.receive(.info("2"), at: ms(619)).isEmpty)
    var past = DTMFMerger()
    _ = run(rfcPress("2", at: 0, timestamp: 0), merger: &past)
    #expect(past.receive(.info("2"), at: ms(621)) == [DTMFPress(key: "2", method: .info, at: ms(621))])
    // Within the window of that INFO press, a shorter window would have split them.
    var narrow = DTMFMerger(
      configuration: {
        var configuration = DTMFMerger.Configuration()
        configuration.window = ms(50)
        return configuration
      }())
    #expect(!narrow.receive(.info("4"), at: 0).isEmpty)
    #expect(narrow.receive(.inBand("4"), at: ms(40)).isEmpty)
    #expect(narrow.receive(.inBand("4"), at: ms(200)).isEmpty)  // signalled seen: dropped
    #expect(narrow.statistics.suppressedInBand == 1)
  }

  @Test func inBandIsAFallbackOnceSignalledDigitsArrive() {
    // A call with only in-band DTMF: every detection counts.
    #expect(run(tone("1", at: 0) + tone("2", at: 300)).map(\.key) == ["1", "2"])

    // After an RFC 4733 press, an in-band "8" that confirms nothing is talk-off: dropped.
    var merger = DTMFMerger()
    _ = run(rfcPress("5", at: 0, timestamp: 0), merger: &merger)
    #expect(merger.receive(.inBand("8"), at: ms(30)).isEmpty)
    // The in-band tone of the RFC 4733 press still confirms it.
    #expect(merger.receive(.inBand("5"), at: ms(40)).isEmpty)
    #expect(merger.statistics.confirmations == 1)
    #expect(merger.receive(.inBand("8"), at: ms(5000)).isEmpty)
    #expect(merger.statistics.suppressedInBand == 2)

    var keepAll = DTMFMerger(
      configuration: {
        var configuration = DTMFMerger.Configuration()
        configuration.inBandIsFallback = false
        return configuration
      }())
    _ = run(rfcPress("5", at: 0, timestamp: 0), merger: &keepAll)
    // (The RFC 4733 press's last end packet came at 120 ms.)
    #expect(keepAll.receive(.inBand("8"), at: ms(130)).isEmpty)  // emitted at the tone's end
    #expect(
      keepAll.receive(.inBandEnded("8", milliseconds: 60), at: ms(190))
        == [DTMFPress(key: "8", method: .inBand, at: ms(130), duration: 60)])
  }

  @Test func differentKeysAtOnceAreDifferentPresses() {
    let reports: [Timed] = rfcPress("5", at: 0, timestamp: 0) + [(ms(10), .info("6"))]
    // Each is emitted at its end: the INFO at once, the RFC 4733 press at its end packet.
    #expect(run(reports).map(\.key) == ["6", "5"])
  }

  @Test func reorderedLeftoversAreDropped() {
    var merger = DTMFMerger()
    let first = rfcPress("1", at: 0, timestamp: 8000)
    let second = rfcPress("2", at: 200, timestamp: 9600)
    // An end packet of the first press arrives after the second press started.
    let late = first.last!
    let presses = run(Array(first.dropLast()) + second, merger: &merger)
    #expect(presses.map(\.key) == ["1", "2"])
    #expect(merger.receive(late.report, at: ms(300)).isEmpty)
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
    #expect(merger.receive(.rfc4733(flash, TelephoneEvent(event: 16, duration: 160)), at: 0).isEmpty)
    #expect(merger.receive(.info("x"), at: 1).isEmpty)
    #expect(merger.receive(.inBand("?"), at: 2).isEmpty)
    #expect(merger.receive(.inBandEnded("?", milliseconds: 50), at: 2).isEmpty)
    #expect(merger.statistics.ignored == 4)
    #expect(merger.receive(.info("a"), at: 3).first?.key == "A")
  }

  @Test func timeGoingBackwardsIsReadAsTheLatestTime() {
    var merger = DTMFMerger()
    #expect(merger.receive(.info("1"), at: ms(1000)).first?.at == ms(1000))
    let back = merger.receive(.info("2"), at: ms(10))
    #expect(back == [DTMFPress(key: "2", method: .info, at: ms(1000))])
    #expect(merger.receive(.inBand("2"), at: 0).isEmpty)
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
      count +=
        merger.receive(
          .rfc4733(header, TelephoneEvent(event: UInt8(index % 16), duration: 160)), at: ms(Double(index))
        ).count
      count += merger.receive(.info(key), at: ms(Double(index))).count
    }
    // Presses still waiting for their end are emitted when forgotten or when their time is up:
    // none is lost, none doubled.
    count += merger.expire(at: ms(20_000)).count
    #expect(count == 500)
    #expect(merger.nextDeadline == nil)
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
      for release in detector.takeReleases() {
        reports.append(
          (UInt64(position) * 125_000, .inBandEnded(release.key, milliseconds: release.length / 8)))
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

/// Durations, presses whose end never comes, and fast dialing (docs/gather-semantics.md, "DTMF
/// from three methods": the evidence behind the merge rule).
@Suite struct DTMFMergerTimingTests {
  private static func events(_ reports: [Timed]) -> [Timed] {
    reports.filter { if case .rfc4733(_, let event) = $0.report { !event.isEnd } else { true } }
  }

  @Test func eachMethodReportsItsDuration() {
    // RFC 4733: the end packet's duration in timestamp units at the event's clock rate.
    #expect(run(rfcPress("1", at: 0, milliseconds: 120, timestamp: 0)).map(\.duration) == [120])
    var wideband = DTMFMerger(
      configuration: {
        var configuration = DTMFMerger.Configuration()
        configuration.telephoneEventClockRate = 16_000
        return configuration
      }())
    // 800 units (100 ms at 8 kHz) are 50 ms at 16 kHz.
    #expect(run(rfcPress("1", at: 0, timestamp: 0), merger: &wideband).map(\.duration) == [50])
    // INFO: the body's Duration=, or nothing when it has none.
    #expect(
      run([(0, .info("2", milliseconds: 250))]) == [DTMFPress(key: "2", method: .info, at: 0, duration: 250)])
    #expect(run([(0, .info("2"))]).map(\.duration) == [nil])
    // In-band: the detected tone length.
    #expect(
      run(tone("3", at: 0, milliseconds: 140)) == [
        DTMFPress(key: "3", method: .inBand, at: ms(40), duration: 140)
      ])
  }

  @Test func inBandDurationIsTheDetectedToneLength() {
    // 160 ms of "7" through the Goertzel detector: 8 blocks of 20 ms.
    var generator = ToneGenerator.dtmf(key: "7")!
    let audio = generator.nextFrame(count: 1280) + [Int16](repeating: 0, count: 800)
    var detector = DTMFDetector()
    var reports: [Timed] = []
    for start in stride(from: 0, to: audio.count, by: 160) {
      let at = UInt64(start + 160) * 125_000
      for detection in detector.process(Array(audio[start..<start + 160])) {
        reports.append((at, .inBand(detection.key)))
      }
      for release in detector.takeReleases() {
        reports.append((at, .inBandEnded(release.key, milliseconds: release.length / 8)))
      }
    }
    #expect(run(reports).map(\.duration) == [160])
  }

  @Test func lostEndPacketsAreEmittedAfterTheTimeout() {
    let packets = Self.events(rfcPress("4", at: 0, timestamp: 0))
    var merger = DTMFMerger()
    #expect(run(packets, merger: &merger).isEmpty)
    let last = packets.last!.at
    #expect(merger.nextDeadline == last + merger.configuration.endTimeout)
    #expect(merger.expire(at: last + merger.configuration.endTimeout - 1).isEmpty)
    let presses = merger.expire(at: last + merger.configuration.endTimeout)
    // The duration as far as the last packet told (its running duration).
    guard case .rfc4733(_, let event) = packets.last!.report else { return }
    #expect(presses == [DTMFPress(key: "4", method: .rfc4733, at: 0, duration: Int(event.duration) / 8)])
    #expect(merger.statistics.endsMissed == 1)
    #expect(merger.nextDeadline == nil)
    #expect(merger.expire(at: ms(60_000)).isEmpty)
  }

  @Test func aNewEventEndsThePreviousOneWithoutItsEnd() {
    var merger = DTMFMerger()
    let first = Self.events(rfcPress("5", at: 0, timestamp: 0))
    #expect(run(first, merger: &merger).isEmpty)
    let second = rfcPress("6", at: 150, timestamp: 1200)
    let presses = run(second, merger: &merger)
    #expect(presses.map(\.key) == ["5", "6"])
    #expect(presses.first?.at == 0)
  }

  @Test func anInBandToneCutOffIsEmittedAfterTheTimeout() {
    var merger = DTMFMerger()
    #expect(merger.receive(.inBand("9"), at: ms(40)).isEmpty)
    #expect(merger.nextDeadline == ms(340))
    #expect(merger.expire(at: ms(340)) == [DTMFPress(key: "9", method: .inBand, at: ms(40))])
  }

  // MARK: Fast dialing and repeated keys

  /// `keys` pressed `period` ms apart, each `length` ms, by RFC 4733 with successive timestamps.
  private static func dialed(_ keys: String, period: Double, length: Int, from start: Double = 0) -> [Timed] {
    keys.enumerated().flatMap { index, key in
      rfcPress(
        key, at: start + Double(index) * period, milliseconds: length,
        timestamp: UInt32(1000 + Double(index) * period * 8))
    }
  }

  @Test func fastDialingByRFC4733AloneIsOneEventPerPress() {
    for period in [80.0, 90, 100] {
      let presses = run(Self.dialed("1111", period: period, length: 50))
      #expect(presses.map(\.key) == ["1", "1", "1", "1"], "\(period) ms")
      #expect(presses.allSatisfy { $0.duration == 50 })
    }
    #expect(run(Self.dialed("1121", period: 80, length: 60)).map(\.key) == ["1", "1", "2", "1"])
  }

  @Test func fastDialingByRFC4733AndINFOIsOneEventPerPress() {
    // Each press also by INFO, lagging 0 to 30 ms behind its first packet, or 5 ms ahead of it.
    for lag in [-5.0, 0, 15, 30] {
      let keys = "1111"
      var reports = Self.dialed(keys, period: 80, length: 50)
      for index in 0..<keys.count { reports.append((ms(max(0, Double(index) * 80 + lag)), .info("1"))) }
      var merger = DTMFMerger()
      let presses = run(reports, merger: &merger) + merger.expire(at: ms(10_000))
      #expect(presses.map(\.key) == ["1", "1", "1", "1"], "lag \(lag) ms")
      #expect(merger.statistics.confirmations == 4)
    }
  }

  @Test func repeatedKeyByThreeMethodsNeverMerges() {
    // "11" 90 ms apart: RFC 4733, the leaked tone (detected 40 ms in), and INFO 20 ms late.
    var reports = Self.dialed("11", period: 90, length: 60)
    for index in 0..<2 {
      let start = Double(index) * 90
      reports += tone("1", at: start, milliseconds: 60)
      reports.append((ms(start + 20), .info("1", milliseconds: 60)))
    }
    var merger = DTMFMerger()
    let presses = run(reports, merger: &merger) + merger.expire(at: ms(10_000))
    #expect(presses.count == 2)
    #expect(merger.statistics.confirmations == 4)
  }

  @Test func pjsua2SendingRFC4733AndINFOForAStringIsOneEventPerKey() {
    // Measured (scripts/interop/pjsua2_call.py --dtmf-method both --dtmf-duration 80 --dtmf-timing,
    // PJSUA2 2.15.1 to PJSUA2 on loopback): the seven INFOs of "1123455" arrive within 2 ms; the
    // RFC 4733 events follow one by one, 80 ms each, starting 44 to 744 ms after the first INFO.
    // A window counted from each INFO alone (the earlier rule) lets the last two events of "5"
    // start new presses: nine events for seven keys.
    let keys = Array("1123455")
    let infoArrivals = [0.0, 0.6, 0.9, 1.1, 1.3, 1.6, 1.7]
    let rfcStarts = [44.0, 140, 244, 364, 492, 612, 744]
    func string(from offset: Double) -> [Timed] {
      keys.indices.flatMap { index -> [Timed] in
        [(ms(offset + infoArrivals[index]), .info(keys[index], milliseconds: 80))]
          + rfcPress(
            keys[index], at: offset + rfcStarts[index], milliseconds: 80,
            timestamp: UInt32((offset + rfcStarts[index]) * 8))
      }
    }
    var merger = DTMFMerger()
    let presses = run(string(from: 0), merger: &merger)
    #expect(String(presses.map(\.key)) == "1123455")
    #expect(presses.allSatisfy { $0.method == .info && $0.duration == 80 })
    #expect(merger.statistics.confirmations == 7)
    // The same string dialed again 2 s later is seven more.
    #expect(String(run(string(from: 2000), merger: &merger).map(\.key)) == "1123455")
    #expect(merger.expire(at: ms(10_000)).isEmpty)
  }

  @Test func inBandFastDialingThroughTheDetector() {
    // "11" and "1212" as tones of 60 ms with 40 ms pauses (100 ms apart; Q.24's minimum is a
    // 40 ms tone and a 40 ms pause), through the Goertzel detector.
    for keys in ["11", "1212"] {
      var audio: [Int16] = []
      for key in keys {
        var generator = ToneGenerator.dtmf(key: key)!
        audio += generator.nextFrame(count: 480) + [Int16](repeating: 0, count: 320)
      }
      audio += [Int16](repeating: 0, count: 800)
      var detector = DTMFDetector()
      var reports: [Timed] = []
      for start in stride(from: 0, to: audio.count, by: 160) {
        let at = UInt64(start + 160) * 125_000
        for detection in detector.process(Array(audio[start..<start + 160])) {
          reports.append((at, .inBand(detection.key)))
        }
        for release in detector.takeReleases() {
          reports.append((at, .inBandEnded(release.key, milliseconds: release.length / 8)))
        }
      }
      let presses = run(reports)
      #expect(String(presses.map(\.key)) == keys)
      #expect(presses.allSatisfy { $0.duration == 60 }, "\(presses)")
    }
  }
}
