public import RTPCore

/// Merges the key presses a call receives by RFC 4733, SIP INFO and in-band tones — all at once,
/// as phones mix them — into exactly one ``DTMFPress`` per press.
///
/// Each method first counts presses on its own, so that each press is one report per method:
/// - **RFC 4733**: packets are grouped by (SSRC, RTP timestamp) as RFC 4733 §2.5.2.2 says — every
///   packet of an event carries its start timestamp. The first packet of a new event is the
///   report (so a press counts as soon as it starts, whether or not its first packet or any end
///   packet arrives); the continuation packets, the three end packets (§2.5.1.4) and the next
///   segments of a long press (§2.5.1.3: same event, no marker, timestamp + 0xFFFF) are not new
///   presses, and a packet older than the event in progress is a leftover.
/// - **INFO**: one request is one press.
/// - **In-band**: one ``RTPCore/DTMFDetector`` detection is one press (the detector already holds
///   a key until its tone stops).
///
/// Then, across methods:
/// 1. A report *confirms* an earlier press when it names the same key, comes from a method that
///    has not yet reported that press, and arrives within ``Configuration/window`` of the press's
///    last activity (its first report, or its latest RFC 4733 packet — so INFO sent on key-up after
///    a long press still matches). The oldest such press is chosen, so two methods that each
///    report "5 5" pair up in order. A confirming report emits nothing.
/// 2. Anything else is a new press, emitted at once (the first method to report wins; that is
///    the lowest latency for barge-in).
/// 3. Precedence: signalled methods (RFC 4733, INFO) outrank in-band. Once a signalled report has
///    arrived on the call, an in-band detection that confirms nothing is dropped: it is talk-off
///    (speech or music that looks like a tone) or the tone of a phone that also signals, arriving
///    after its press was forgotten. Turn ``Configuration/inBandIsFallback`` off to keep them.
///
/// Genuine repeats stay apart because a method never confirms its own presses: "55" is two
/// presses whatever the window.
///
/// Times are the caller's monotonic nanoseconds (arrival times); they should not go backwards, and
/// if they do they are read as the latest time seen. Sans-I/O, no timers. Not thread-safe; one
/// per call.
public struct DTMFMerger: Sendable {
  public struct Configuration: Sendable, Hashable {
    /// How long after a press's last activity another method may still confirm it (500 ms by
    /// default: longer than any INFO or in-band lag seen, shorter than a caller's repeat of the
    /// same key after a refused entry).
    public var window: UInt64 = 500_000_000
    /// In-band detections count only while no signalled digit was received on the call.
    public var inBandIsFallback = true

    public init() {}
  }

  /// One report of one method.
  public enum Report: Sendable, Hashable {
    /// One RFC 4733 packet (any packet: start, continuation, end, retransmitted end), already
    /// filtered by payload type.
    case rfc4733(RTPHeader, TelephoneEvent)
    /// One INFO request's digit.
    case info(Character)
    /// One in-band detection.
    case inBand(Character)
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
  }

  private struct Press: Sendable {
    var id: UInt64
    var key: Character
    var reporters: Set<DTMFMethod>
    var last: UInt64
  }

  /// The RFC 4733 event in progress of one SSRC.
  private struct Track: Sendable {
    var segmentTimestamp: UInt32
    var event: UInt8
    var pressID: UInt64?
  }

  public let configuration: Configuration
  public private(set) var statistics = Statistics()
  /// Presses that may still be confirmed, oldest first.
  private var recent: [Press] = []
  private var tracks: [UInt32: Track] = [:]
  private var signalledSeen = false
  private var now: UInt64 = 0
  private var nextPressID: UInt64 = 1

  /// At most this many presses are kept for confirmation, and this many SSRCs tracked.
  static let memoryLimit = 32

  public init(configuration: Configuration = Configuration()) {
    self.configuration = configuration
  }

  /// Handles one report that arrived at `time`; returns the press it starts, or nil when it
  /// repeats, confirms or is dropped.
  public mutating func receive(_ report: Report, at time: UInt64) -> DTMFPress? {
    now = max(now, time)
    recent.removeAll { $0.last &+ configuration.window < now }
    switch report {
    case .rfc4733(let header, let event):
      return receiveRFC4733(header, event)
    case .info(let character):
      guard let key = Keypad.key(character) else {
        statistics.ignored += 1
        return nil
      }
      return merge(key, .info).press
    case .inBand(let character):
      guard let key = Keypad.key(character) else {
        statistics.ignored += 1
        return nil
      }
      return merge(key, .inBand).press
    }
  }

  private mutating func receiveRFC4733(_ header: RTPHeader, _ value: TelephoneEvent) -> DTMFPress? {
    let timestamp = header.timestamp
    if var track = tracks[header.ssrc] {
      let isContinuation =
        timestamp == track.segmentTimestamp
        || (value.event == track.event && !header.marker
          && timestamp == track.segmentTimestamp &+ UInt32(UInt16.max))
      if isContinuation {
        track.segmentTimestamp = timestamp
        tracks[header.ssrc] = track
        statistics.rfc4733Repeats += 1
        if let id = track.pressID, let index = recent.firstIndex(where: { $0.id == id }) {
          recent[index].last = now
        }
        return nil
      }
      guard RTPSerialArithmetic.isNewer(timestamp, than: track.segmentTimestamp) else {
        statistics.rfc4733Leftovers += 1
        return nil
      }
    }
    if tracks[header.ssrc] == nil && tracks.count >= Self.memoryLimit { tracks.removeAll() }
    guard let key = TelephoneEvent.key(forEvent: value.event) else {
      tracks[header.ssrc] = Track(segmentTimestamp: timestamp, event: value.event, pressID: nil)
      statistics.ignored += 1
      return nil
    }
    let (press, id) = merge(key, .rfc4733)
    tracks[header.ssrc] = Track(segmentTimestamp: timestamp, event: value.event, pressID: id)
    return press
  }

  /// Confirms an earlier press or starts a new one. Returns the new press, if any, and the id of
  /// the press the report now belongs to (nil when dropped).
  private mutating func merge(_ key: Character, _ method: DTMFMethod) -> (press: DTMFPress?, id: UInt64?) {
    if method.isOutOfBand { signalledSeen = true }
    if let index = recent.firstIndex(where: { $0.key == key && !$0.reporters.contains(method) }) {
      recent[index].reporters.insert(method)
      recent[index].last = max(recent[index].last, now)
      statistics.confirmations += 1
      return (nil, recent[index].id)
    }
    if method == .inBand && configuration.inBandIsFallback && signalledSeen {
      statistics.suppressedInBand += 1
      return (nil, nil)
    }
    let id = nextPressID
    nextPressID += 1
    if recent.count >= Self.memoryLimit { recent.removeFirst() }
    recent.append(Press(id: id, key: key, reporters: [method], last: now))
    statistics.presses += 1
    return (DTMFPress(key: key, method: method, at: now), id)
  }
}
