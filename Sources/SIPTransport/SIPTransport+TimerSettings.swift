public import SIPProtocol

// Changing T1, T2 and T4 of a running transport (sip.config{t1=, t2=, t4=}).
extension SIPTransport {
  /// The timers in force for new transactions (RFC 3261 §17.1.1.1).
  public var timers: TimerSettings { configuration.timers }

  /// Replaces T1, T2 and T4. The protocol core fixes its timers at creation, so the core is
  /// recreated like ``setValidator(_:)``: at once when no transaction or dialog is alive, else as
  /// soon as none is. Returns whether it applied at once.
  @discardableResult
  public func setTimers(_ timers: TimerSettings) -> Bool {
    configuration.timers = timers
    pendingValidator = pendingValidator ?? core.configuration.validator
    return applyPendingValidator()
  }
}
