/// The base timer values of RFC 3261 §17.1.1.1 and Table 4, from which every transaction timer
/// is derived. T1 is the RTT estimate, T2 the cap for non-INVITE and response retransmissions,
/// T4 how long a message may stay in the network.
///
/// ```swift
/// var timers = TimerSettings()        // 500 ms, 4 s, 5 s
/// timers.t1 = .milliseconds(100)      // a LAN where RTT is known to be small
/// timers.timeout                      // 64*T1: Timers B, F, H, J, L, M
/// timers.tryingDelay = .zero          // 100 Trying at once (default: after 200 ms without an answer)
/// ```
public struct TimerSettings: Sendable, Hashable {
  public var t1: Duration
  public var t2: Duration
  public var t4: Duration
  /// How late a driver may fire the timers that only end a transaction's wait for
  /// retransmissions (D, I, J, K: ``TransactionTimer/isAbsorbing``), never early: their deadlines
  /// are rounded up to a multiple of it, so one wake-up expires every transaction whose wait ends
  /// in the same slot (``TimerDeadline``). Zero: every timer fires at its exact deadline.
  public var absorbGranularity: Duration
  /// How long an INVITE server transaction waits for the TU's first response before it sends
  /// 100 Trying itself (RFC 3261 §17.2.1: it must, unless the TU answers within 200 ms). A TU
  /// that answers sooner saves the datagram. Zero: the 100 goes out at once, with the INVITE.
  public var tryingDelay: Duration

  public init(
    t1: Duration = .milliseconds(500), t2: Duration = .seconds(4), t4: Duration = .seconds(5),
    absorbGranularity: Duration = .milliseconds(100), tryingDelay: Duration = .milliseconds(200)
  ) {
    self.t1 = t1
    self.t2 = t2
    self.t4 = t4
    self.absorbGranularity = absorbGranularity
    self.tryingDelay = tryingDelay
  }

  /// The leeway a driver is given for `timer` armed for `duration`: ``absorbGranularity`` for an
  /// absorbing timer with a wait, zero otherwise (a zero Timer J on TCP ends the transaction at
  /// once, and the retransmission and timeout timers keep their RFC 3261 values).
  public func leeway(for timer: TransactionTimer, duration: Duration) -> Duration {
    timer.isAbsorbing && duration > .zero ? max(absorbGranularity, .zero) : .zero
  }

  /// 64*T1: Timers B, F, H, J (unreliable), L, M and the UAS's wait for an ACK (§13.3.1.4).
  public var timeout: Duration { t1 * 64 }

  /// Timer D: at least 32 s on unreliable transports, zero on reliable ones (§17.1.1.2).
  public func timerD(reliable: Bool) -> Duration {
    reliable ? .zero : max(.seconds(32), timeout)
  }

  /// The next retransmission interval: doubled, capped at T2 (§17.1.2.2, §17.2.1, §13.3.1.4).
  func doubledCapped(_ interval: Duration) -> Duration { min(interval * 2, t2) }
}
