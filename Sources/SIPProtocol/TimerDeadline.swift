/// Where a driver puts a timer's deadline, given the leeway the core allows it
/// (``TransactionLayer/Action/armTimer(_:after:leeway:)``).
///
/// With a leeway the deadline is rounded **up** to the next multiple of it on the driver's clock,
/// so timers armed within the same slot share one deadline and one wake-up expires them all: the
/// timer fires at or after its exact deadline, and less than one leeway after it.
///
/// ```swift
/// TimerDeadline.coalesced(now: 1_234, after: 32_000, leeway: 100)   // 33_300 (exact: 33_234)
/// TimerDeadline.coalesced(now: 1_200, after: 32_000, leeway: 100)   // 33_200 (on a slot edge)
/// TimerDeadline.coalesced(now: 1_234, after: 500, leeway: 0)        // 1_734
/// ```
///
/// Units are the caller's (the transport uses nanoseconds of uptime, tests microseconds of
/// virtual time); `now` and `after` are not negative.
public enum TimerDeadline {
  public static func coalesced(now: Int64, after: Int64, leeway: Int64) -> Int64 {
    let (exact, overflow) = now.addingReportingOverflow(max(after, 0))
    guard !overflow else { return .max }
    guard leeway > 0 else { return exact }
    let remainder = exact % leeway
    guard remainder != 0 else { return exact }
    let (rounded, roundingOverflow) = (exact - remainder).addingReportingOverflow(leeway)
    return roundingOverflow ? .max : rounded
  }
}
