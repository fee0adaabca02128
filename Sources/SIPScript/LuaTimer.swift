internal import NIOCore

/// A timer of `sip.add_timer`: fires its callback in a new task after a delay, and again every
/// `interval` seconds if it repeats. Lua sees it as the userdata `sip.timer` with `:cancel()`.
/// The runtime keeps armed timers alive even when the script drops the object.
final class LuaTimer {
  let id: Int
  let callback: LuaReference
  let interval: Double?
  var scheduled: Scheduled<Void>?
  var fired = 0

  init(id: Int, callback: LuaReference, interval: Double?) {
    self.id = id
    self.callback = callback
    self.interval = interval
  }

  var isArmed: Bool { scheduled != nil }

  func disarm() {
    scheduled?.cancel()
    scheduled = nil
  }
}

@available(*, unavailable)
extension LuaTimer: Sendable {}

extension TimeAmount {
  /// Seconds from Lua as a time amount, clamped to about 31 years so no Int64 overflow can occur.
  static func seconds(lua seconds: Double) -> TimeAmount {
    .nanoseconds(Int64(min(max(seconds, 0), 1e9) * 1e9))
  }
}
