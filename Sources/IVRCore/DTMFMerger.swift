public import RTPCore

/// Merges the key presses a call receives by RFC 4733, SIP INFO and in-band tones — all at once,
/// as phones mix them — into exactly one ``DTMFPress`` per press, with its duration.
///
/// Each method first counts presses on its own, so that each press is one report per method:
/// - **RFC 4733**: packets are grouped by (SSRC, RTP timestamp) as RFC 4733 §2.5.2.2 says — every
///   packet of an event carries its start timestamp. The first packet of a new event starts the
///   press; the continuation packets, the three end packets (§2.5.1.4) and the next segments of a
///   long press (§2.5.1.3: same event, no marker, timestamp + 0xFFFF) belong to it, and a packet
///   older than the event in progress is a leftover. The press ends at its first end packet; its
///   duration is the packet's (plus 0xFFFF per earlier segment), in timestamp units converted to
///   milliseconds at ``Configuration/telephoneEventClockRate``.
/// - **INFO**: one request is one press, complete at once; its duration is the body's
///   `Duration=` when it has one.
/// - **In-band**: a ``RTPCore/DTMFDetector`` detection starts a press, its release
///   (``Report/inBandEnded(_:milliseconds:)``) ends it with the detected tone length.
///
/// Then, across methods:
/// 1. A report *confirms* an earlier press when it names the same key and comes from a method
///    that has not yet reported that press, and the press is still *open* for that method: within
///    ``Configuration/window`` of the later of the press's last activity and the method's own
///    previous report. The oldest such press is chosen, so two methods that each report "5 5"
///    pair up in order. A confirming report emits nothing. The second clause keeps a burst open
///    while the slower method is still delivering it: PJSUA2 sends all of a string's INFOs at
///    once and its RFC 4733 events one by one ~120 ms apart, so the seventh key's events come
///    750 ms after its INFO (docs/gather-semantics.md, "DTMF from three methods").
/// 2. Anything else is a new press (the first method to report it starts it).
/// 3. Precedence: signalled methods (RFC 4733, INFO) outrank in-band. Once a signalled report has
///    arrived on the call, an in-band detection that confirms nothing is dropped: it is talk-off
///    (speech or music that looks like a tone) or the tone of a phone that also signals, arriving
///    after its press was forgotten. Turn ``Configuration/inBandIsFallback`` off to keep them.
///
/// A press is **emitted** when the method that started it ends it: at once for INFO, at the end
/// packet for RFC 4733, at the tone's release for in-band — so that its duration is known, as
/// FreeSWITCH and Asterisk report digits at their end. When that end never comes (the three end
/// packets lost, the stream stopped mid-tone) the press is emitted ``Configuration/endTimeout``
/// after the starter's last report, with the duration seen so far; ``nextDeadline`` tells the
/// driver when to call ``expire(at:)``. A later RFC 4733 event of the same SSRC ends the previous
/// one too.
///
/// Genuine repeats stay apart because a method never confirms its own presses: "55" is two
/// presses whatever the window.
///
/// Times are the caller's monotonic nanoseconds (arrival times); they should not go backwards, and
/// if they do they are read as the latest time seen. Sans-I/O, no timers. Not thread-safe; one
/// per call.
public struct DTMFMerger: Sendable {
  public struct Configuration: Sendable, Hashable {
    /// How long a press stays open for confirmation by another method, counted from the later of
    /// its last activity and that method's previous report (500 ms by default: longer than any
    /// INFO or in-band lag seen alone, shorter than a caller's repeat of the same key after a
    /// refused entry).
    public var window: UInt64 = 500_000_000
    /// In-band detections count only while no signalled digit was received on the call.
    public var inBandIsFallback = true
    /// The clock rate of the telephone-event payload (RFC 4733 §2.3.1: the rate of the audio
    /// codec, 8000 for G.711).
    public var telephoneEventClockRate: UInt32 = 8000
    /// A press whose starting method has said nothing for this long is emitted without its end
    /// (300 ms: RFC 4733 §2.5.1.2 senders update every 50 ms; PJSUA2 every 20–40 ms).
    public var endTimeout: UInt64 = 300_000_000

    public init() {}
  }

  /// One report of one method.
  public enum Report: Sendable, Hashable {
    /// One RFC 4733 packet (any packet: start, continuation, end, retransmitted end), already
    /// filtered by payload type.
    case rfc4733(RTPHeader, TelephoneEvent)
    /// One INFO request's digit, with the body's `Duration=` in milliseconds when it has one.
    case info(Character, milliseconds: Int? = nil)
    /// One in-band detection (the start of a tone).
    case inBand(Character)
    /// The end of an in-band tone, with its detected length.
    case inBandEnded(Character, milliseconds: Int)
  }

  /// Counters, for logs and tests.
  public struct Statistics: Sendable, Hashable {
    /// Presses emitted.
    public var presses = 0
    /// Reports that confirmed an earlier press.
    public var confirmations = 0
    /// In-band detections dropped by the precedence rule.
    public var suppressedInBand = 0
    /// RFC 4733 packets that belonged to an event already counted (continuations, ends, segments).
    public var rfc4733Repeats = 0
    /// RFC 4733 packets older than the event in progress.
    public var rfc4733Leftovers = 0
    /// Reports whose character is not a DTMF key, and RFC 4733 events other than 0...15.
    public var ignored = 0
    /// Presses emitted without their end (``Configuration/endTimeout``, or a newer event).
    public var endsMissed = 0
  }

  private struct Press: Sendable {
    var id: UInt64
    var key: Character
    /// The method that started it; its end emits the press.
    var starter: DTMFMethod
    var reporters: Set<DTMFMethod>
    /// First report.
    var start: UInt64
    /// Latest report of any method.
    var last: UInt64
    /// Latest report of the starter.
    var starterLast: UInt64
    /// Milliseconds, as far as the starter told.
    var duration: Int?
    var emitted = false
  }

  /// The RFC 4733 event in progress of one SSRC.
  private struct Track: Sendable {
    var segmentTimestamp: UInt32
    var event: UInt8
    var pressID: UInt64?
    /// Timestamp units of the segments before the current one (0xFFFF each).
    var earlierSegments: UInt64 = 0
  }

  public let configuration: Configuration
  public private(set) var statistics = Statistics()
  /// Presses that may still be confirmed or emitted, oldest first.
  private var recent: [Press] = []
  private var tracks: [UInt32: Track] = [:]
  /// Each method's latest report.
  private var lastReport: [DTMFMethod: UInt64] = [:]
  private var signalledSeen = false
  private var now: UInt64 = 0
  private var nextPressID: UInt64 = 1

  /// At most this many presses are kept for confirmation, and this many SSRCs tracked.
  static let memoryLimit = 32

  public init(configuration: Configuration = Configuration()) {
    self.configuration = configuration
  }

  /// When ``expire(at:)`` should be called to emit a press whose end did not come; nil when no
  /// press is waiting for its end.
  public var nextDeadline: UInt64? {
    recent.lazy.filter { !$0.emitted }.map { $0.starterLast &+ self.configuration.endTimeout }.min()
  }

  /// Handles one report that arrived at `time`; returns the presses it ends (usually none or
  /// one; also those whose end timed out before it).
  public mutating func receive(_ report: Report, at time: UInt64) -> [DTMFPress] {
    var emitted = expire(at: time)
    switch report {
    case .rfc4733(let header, let event):
      receiveRFC4733(header, event, into: &emitted)
    case .info(let character, let milliseconds):
      guard let key = Keypad.key(character) else {
        statistics.ignored += 1
        return emitted
      }
      // An INFO press is over at once; an INFO confirming another method's press emits nothing.
      if let index = merge(key, .info, duration: milliseconds, into: &emitted), recent[index].starter == .info
      {
        emit(index, into: &emitted)
      }
    case .inBand(let character):
      guard let key = Keypad.key(character) else {
        statistics.ignored += 1
        return emitted
      }
      _ = merge(key, .inBand, duration: nil, into: &emitted)
    case .inBandEnded(let character, let milliseconds):
      guard let key = Keypad.key(character) else {
        statistics.ignored += 1
        return emitted
      }
      if let index = recent.lastIndex(where: { $0.key == key && $0.reporters.contains(.inBand) }) {
        recent[index].last = now
        if recent[index].starter == .inBand, !recent[index].emitted {
          recent[index].duration = max(milliseconds, 0)
          emit(index, into: &emitted)
        }
      }
    }
    return emitted
  }

  /// Emits the presses whose starter has been silent for ``Configuration/endTimeout`` by `time`,
  /// with the duration seen so far, and forgets the presses no method can confirm any more.
  public mutating func expire(at time: UInt64) -> [DTMFPress] {
    now = max(now, time)
    var emitted: [DTMFPress] = []
    for index in recent.indices
    where !recent[index].emitted && recent[index].starterLast &+ configuration.endTimeout <= now {
      statistics.endsMissed += 1
      emit(index, into: &emitted)
    }
    // A press no method may still confirm: emitted, and past the window of its own activity and
    // of every method's latest report.
    let latestReport = lastReport.values.max() ?? 0
    recent.removeAll { $0.emitted && max($0.last, latestReport) &+ configuration.window < now }
    return emitted
  }

  private mutating func emit(_ index: Int, into emitted: inout [DTMFPress]) {
    guard !recent[index].emitted else { return }
    recent[index].emitted = true
    statistics.presses += 1
    let press = recent[index]
    emitted.append(
      DTMFPress(key: press.key, method: press.starter, at: press.start, duration: press.duration))
  }

  private func milliseconds(_ units: UInt64) -> Int {
    Int(units * 1000 / UInt64(max(configuration.telephoneEventClockRate, 1)))
  }

  private mutating func receiveRFC4733(
    _ header: RTPHeader, _ value: TelephoneEvent, into emitted: inout [DTMFPress]
  ) {
    let timestamp = header.timestamp
    if var track = tracks[header.ssrc] {
      let nextSegment =
        value.event == track.event && !header.marker
        && timestamp == track.segmentTimestamp &+ UInt32(UInt16.max)
      if timestamp == track.segmentTimestamp || nextSegment {
        if nextSegment {
          track.earlierSegments += UInt64(UInt16.max)
          track.segmentTimestamp = timestamp
        }
        tracks[header.ssrc] = track
        statistics.rfc4733Repeats += 1
        lastReport[.rfc4733] = now
        if let id = track.pressID, let index = recent.firstIndex(where: { $0.id == id }) {
          recent[index].last = now
          if recent[index].starter == .rfc4733, !recent[index].emitted {
            recent[index].starterLast = now
            recent[index].duration = milliseconds(track.earlierSegments + UInt64(value.duration))
            if value.isEnd { emit(index, into: &emitted) }
          }
        }
        return
      }
      guard RTPSerialArithmetic.isNewer(timestamp, than: track.segmentTimestamp) else {
        statistics.rfc4733Leftovers += 1
        return
      }
      // A new event: the previous one of this SSRC is over even if its end packets were lost.
      if let id = track.pressID, let index = recent.firstIndex(where: { $0.id == id }),
        recent[index].starter == .rfc4733, !recent[index].emitted
      {
        statistics.endsMissed += 1
        emit(index, into: &emitted)
      }
    }
    if tracks[header.ssrc] == nil && tracks.count >= Self.memoryLimit { tracks.removeAll() }
    guard let key = TelephoneEvent.key(forEvent: value.event) else {
      tracks[header.ssrc] = Track(segmentTimestamp: timestamp, event: value.event, pressID: nil)
      statistics.ignored += 1
      return
    }
    let index = merge(key, .rfc4733, duration: milliseconds(UInt64(value.duration)), into: &emitted)
    tracks[header.ssrc] = Track(
      segmentTimestamp: timestamp, event: value.event, pressID: index.map { recent[$0].id })
    // Only the end packets arrived: the press is over at once.
    if let index, value.isEnd, recent[index].starter == .rfc4733 { emit(index, into: &emitted) }
  }

  /// Confirms an earlier press or starts a new one. Returns the index in ``recent`` of the press
  /// the report now belongs to (nil when dropped).
  private mutating func merge(
    _ key: Character, _ method: DTMFMethod, duration: Int?, into emitted: inout [DTMFPress]
  ) -> Int? {
    if method.isOutOfBand { signalledSeen = true }
    let previous = lastReport[method] ?? 0
    lastReport[method] = now
    if let index = recent.firstIndex(where: {
      $0.key == key && !$0.reporters.contains(method)
        && max($0.last, previous) &+ configuration.window >= now
    }) {
      recent[index].reporters.insert(method)
      recent[index].last = max(recent[index].last, now)
      statistics.confirmations += 1
      return index
    }
    if method == .inBand && configuration.inBandIsFallback && signalledSeen {
      statistics.suppressedInBand += 1
      return nil
    }
    let id = nextPressID
    nextPressID += 1
    if recent.count >= Self.memoryLimit {
      // Forgetting a press still waiting for its end emits it first: no press is lost.
      if !recent[0].emitted {
        statistics.endsMissed += 1
        emit(0, into: &emitted)
      }
      recent.removeFirst()
    }
    recent.append(
      Press(
        id: id, key: key, starter: method, reporters: [method], start: now, last: now, starterLast: now,
        duration: duration))
    return recent.count - 1
  }
}
