/// Turns received RFC 4733 packets into key presses: one ``Event`` per event, however many
/// packets carried it, whatever was lost, repeated or reordered.
///
/// An event is identified by its SSRC and RTP timestamp (RFC 4733 §2.5.2.2): every packet of
/// one event carries the timestamp of its start. Rules:
/// - the first packet seen with a new (SSRC, timestamp) starts the event, marker bit or not, so a
///   lost first packet loses nothing;
/// - the first packet with the E bit reports the event with its duration; later packets of that
///   event (the end retransmissions, late continuations) are dropped;
/// - a packet whose timestamp is older than that of the last finished event of its source is
///   dropped (a reordered leftover);
/// - a new event arriving while the previous one had no end packet reports the previous one with
///   the duration last seen and `endReceived == false` (all its end packets were lost);
/// - a segment of a long event (§2.5.1.3: same event, no marker, timestamp = previous segment's
///   + its 0xFFFF duration) extends the event instead of starting a new one.
///
/// The payload type is the caller's filter: pass only packets of the telephone-event type(s) the
/// session accepts (ours and the peer's, DESIGN §8).
public struct TelephoneEventReceiver: Hashable, Sendable {
  /// One key press (or other event).
  public struct Event: Hashable, Sendable {
    public var event: UInt8
    /// The DTMF key for events 0...15.
    public var key: Character? { TelephoneEvent.key(forEvent: event) }
    /// Total duration in timestamp units (all segments).
    public var duration: UInt32
    /// RTP timestamp of the event start.
    public var timestamp: UInt32
    public var ssrc: UInt32
    /// False when the event was reported without any end packet.
    public var endReceived: Bool
  }

  private struct Current: Hashable, Sendable {
    var ssrc: UInt32
    var startTimestamp: UInt32
    var segmentTimestamp: UInt32
    var event: UInt8
    var previousSegments: UInt32
    var segmentDuration: UInt16
  }

  private var current: Current?
  /// Last finished event per source, to drop its leftovers. Bounded: sources are few per stream.
  private var finished: [UInt32: UInt32] = [:]

  public init() {}

  /// Handles one packet; returns the events it completes (none, one, or two when it also ends an
  /// event whose end packets were lost).
  public mutating func receive(_ header: RTPHeader, payload: [UInt8]) -> [Event] {
    guard let value = TelephoneEvent(parsing: payload) else { return [] }
    return receive(header, event: value)
  }

  /// Handles one parsed packet.
  public mutating func receive(_ header: RTPHeader, event value: TelephoneEvent) -> [Event] {
    let ssrc = header.ssrc
    let timestamp = header.timestamp
    if let last = finished[ssrc], !RTPSerialArithmetic.isNewer(timestamp, than: last) {
      return []
    }
    var reports: [Event] = []
    if var event = current {
      if event.ssrc == ssrc && event.segmentTimestamp == timestamp {
        event.segmentDuration = max(event.segmentDuration, value.duration)
        current = event
        if value.isEnd { reports.append(finish(event, endReceived: true)) }
        return reports
      }
      if event.ssrc == ssrc, event.event == value.event, !header.marker,
        timestamp == event.segmentTimestamp &+ UInt32(UInt16.max)
      {
        // The next segment of a long event (§2.5.1.3).
        event.previousSegments &+= UInt32(UInt16.max)
        event.segmentTimestamp = timestamp
        event.segmentDuration = value.duration
        current = event
        if value.isEnd { reports.append(finish(event, endReceived: true)) }
        return reports
      }
      if event.ssrc == ssrc && !RTPSerialArithmetic.isNewer(timestamp, than: event.segmentTimestamp) {
        return []  // a leftover of an older event
      }
      reports.append(finish(event, endReceived: false))
    }
    let started = Current(
      ssrc: ssrc, startTimestamp: timestamp, segmentTimestamp: timestamp, event: value.event,
      previousSegments: 0, segmentDuration: value.duration)
    current = started
    if value.isEnd { reports.append(finish(started, endReceived: true)) }
    return reports
  }

  /// Reports the event in progress, if any, as ended without an end packet (call it when the
  /// stream stops, or after a timeout the caller chooses).
  public mutating func flush() -> Event? {
    guard let event = current else { return nil }
    return finish(event, endReceived: false)
  }

  private mutating func finish(_ event: Current, endReceived: Bool) -> Event {
    current = nil
    if finished.count > 16 { finished.removeAll() }
    finished[event.ssrc] = event.segmentTimestamp
    return Event(
      event: event.event, duration: event.previousSegments &+ UInt32(event.segmentDuration),
      timestamp: event.startTimestamp, ssrc: event.ssrc, endReceived: endReceived)
  }
}
