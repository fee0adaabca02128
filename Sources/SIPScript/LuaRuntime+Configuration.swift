extension LuaRuntime {
  /// Settings of a runtime, fixed at creation.
  public struct Configuration: Sendable {
    /// Longest a single resume of a task may run without yielding, in wall-clock seconds; 0
    /// turns the watchdog off. The task that exceeds it fails with
    /// `watchdog: task ran for more than N s without yielding`; other tasks go on.
    public var watchdogSeconds: Double
    /// Lua VM instructions between two clock readings of the watchdog's count hook.
    public var watchdogCheckInterval: Int
    /// The `--listen` addresses (opened by the transport layer; readable with
    /// `sip.listen_addresses()`).
    public var listenAddresses: [ListenAddress]
    /// Whether the SIP message trace (`--trace`) is on.
    public var trace: Bool

    public init(
      watchdogSeconds: Double = 5,
      watchdogCheckInterval: Int = 10_000,
      listenAddresses: [ListenAddress] = [],
      trace: Bool = false
    ) {
      self.watchdogSeconds = watchdogSeconds
      self.watchdogCheckInterval = watchdogCheckInterval
      self.listenAddresses = listenAddresses
      self.trace = trace
    }
  }
}
