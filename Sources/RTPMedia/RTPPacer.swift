/// The 20 ms schedule that drives the sending of every stream of a ``MediaEngine``. Sans-I/O: the
/// caller says when it woke up, the pacer says how many frames are due.
///
/// **The rule.** Tick *k* is due at `start + k × interval`, an absolute schedule: how late the
/// previous wake-up was never moves the next deadline, so the schedule does not drift. When a
/// wake-up comes late, every tick whose due time has passed is due now, and the lateness of the
/// oldest of them is the schedule error of this wake-up. After a stall longer than
/// ``maximumBurst`` ticks the pacer does not burst the whole backlog: it sends the newest
/// `maximumBurst` frames and skips the older ones (their RTP timestamps are still consumed, so a
/// receiver sees a gap in time, not a compressed burst; RFC 3550 §5.1: the timestamp reflects the
/// sampling instant).
///
/// ```swift
/// var pacer = RTPPacer(start: now)
/// let wake = pacer.wake(at: now)                // tick 0 is due at once
/// schedule(at: pacer.nextDeadline)              // start + 20 ms
/// ```
public struct RTPPacer: Hashable, Sendable {
  /// What one wake-up must do.
  public struct Wake: Hashable, Sendable {
    /// Frames to send now, per stream (0 for an early wake-up).
    public var frames: Int
    /// Older due frames left out because the backlog exceeded ``RTPPacer/maximumBurst``.
    public var skipped: Int
    /// How late the oldest due tick was, in nanoseconds (0 when nothing was due).
    public var lateness: UInt64

    public init(frames: Int, skipped: Int, lateness: UInt64) {
      self.frames = frames
      self.skipped = skipped
      self.lateness = lateness
    }
  }

  /// Monotonic nanoseconds of tick 0.
  public let start: UInt64
  /// Nanoseconds between ticks: 20 ms by default.
  public let interval: UInt64
  /// The most frames one wake-up sends per stream; older due frames are skipped.
  public let maximumBurst: Int
  /// The index of the next tick that is not yet done.
  public private(set) var nextTick: UInt64 = 0
  /// Wake-ups that found something due, and those that skipped frames.
  public private(set) var wakeCount: UInt64 = 0
  public private(set) var skippedFrames: UInt64 = 0
  /// The largest lateness seen, in nanoseconds.
  public private(set) var maximumLateness: UInt64 = 0

  public init(start: UInt64, interval: UInt64 = 20_000_000, maximumBurst: Int = 3) {
    self.start = start
    self.interval = max(interval, 1)
    self.maximumBurst = max(maximumBurst, 1)
  }

  /// When the next tick is due.
  public var nextDeadline: UInt64 { start &+ nextTick &* interval }

  /// Records a wake-up at `now` and returns what is due.
  public mutating func wake(at now: UInt64) -> Wake {
    let deadline = nextDeadline
    guard now >= deadline else { return Wake(frames: 0, skipped: 0, lateness: 0) }
    let lastDue = (now - start) / interval
    let due = lastDue - nextTick + 1
    let frames = Int(min(due, UInt64(maximumBurst)))
    let skipped = Int(min(due - UInt64(frames), UInt64(Int.max)))
    let lateness = now - deadline
    nextTick = lastDue + 1
    wakeCount += 1
    skippedFrames += UInt64(skipped)
    maximumLateness = max(maximumLateness, lateness)
    return Wake(frames: frames, skipped: skipped, lateness: lateness)
  }
}
