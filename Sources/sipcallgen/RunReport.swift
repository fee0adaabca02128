#if canImport(Glibc)
  import Glibc
#endif

/// What a run did, printed as one line of `key=value` words (no spaces inside a value).
struct RunReport {
  var offered = 0.0
  var window = 0
  var hold = 0.0
  var attempted = 0
  var completed = 0
  var failed = 0
  /// Failed calls by reason: `invite/CODE`, `invite/timeout`, `invite/no-final`, `bye/CODE`,
  /// `bye/timeout`, `invite/2xx-without-to-tag`, `unfinished` (still in flight at the time bound).
  var failures: [String: Int] = [:]
  var seconds = 0.0
  var retransmits = 0
  var ackResent = 0
  var datagramsSent = 0
  /// Datagrams that were not a response to one of this run's calls.
  var unexpected = 0
  var peakCalls = 0
  var peakHeld = 0
  /// The generator's own CPU time (user + system), to show it is not the bottleneck.
  var cpuSeconds = 0.0
  /// INVITE sent → 2xx received, and BYE sent → 2xx received, in milliseconds.
  var setupMilliseconds: [Float] = []
  var byeMilliseconds: [Float] = []

  mutating func fail(_ reason: String, count: Int = 1) {
    failed += count
    failures[reason, default: 0] += count
  }

  var line: String {
    let reasons =
      failures.isEmpty
      ? "none" : failures.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
    let setup = Self.percentiles(setupMilliseconds)
    let bye = Self.percentiles(byeMilliseconds)
    let words: [(String, String)] = [
      ("attempted", "\(attempted)"), ("completed", "\(completed)"), ("failed", "\(failed)"),
      ("failures", reasons), ("seconds", Self.fixed(seconds, 3)),
      ("rate", Self.fixed(Double(completed) / max(seconds, 1e-9), 1)),
      ("offered", Self.fixed(offered, 1)), ("window", "\(window)"), ("hold", Self.fixed(hold, 3)),
      ("setup_p50_ms", setup.p50), ("setup_p90_ms", setup.p90), ("setup_p99_ms", setup.p99),
      ("setup_max_ms", setup.max), ("bye_p50_ms", bye.p50), ("bye_p99_ms", bye.p99),
      ("bye_max_ms", bye.max), ("retransmits", "\(retransmits)"), ("ack_resent", "\(ackResent)"),
      ("sent", "\(datagramsSent)"), ("unexpected", "\(unexpected)"), ("peak_calls", "\(peakCalls)"),
      ("peak_held", "\(peakHeld)"), ("cpu_s", Self.fixed(cpuSeconds, 3)),
    ]
    return words.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
  }

  /// Nearest-rank percentiles, "-" when there are no samples.
  private static func percentiles(_ samples: [Float]) -> (p50: String, p90: String, p99: String, max: String)
  {
    guard !samples.isEmpty else { return ("-", "-", "-", "-") }
    let sorted = samples.sorted()
    func rank(_ fraction: Double) -> String {
      let index = min(sorted.count - 1, max(0, Int((fraction * Double(sorted.count)).rounded(.up)) - 1))
      return fixed(Double(sorted[index]), 2)
    }
    return (rank(0.5), rank(0.9), rank(0.99), fixed(Double(sorted[sorted.count - 1]), 2))
  }

  /// `value` with `digits` decimals, without Foundation.
  static func fixed(_ value: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = Int((value * scale).rounded())
    let magnitude = scaled.magnitude
    let whole = magnitude / UInt(scale)
    var fraction = String(magnitude % UInt(scale))
    fraction = String(repeating: "0", count: max(0, digits - fraction.count)) + fraction
    return (scaled < 0 ? "-" : "") + "\(whole)" + (digits > 0 ? "." + fraction : "")
  }
}

/// User plus system CPU seconds of this process so far.
func processCPUSeconds() -> Double {
  var usage = rusage()
  getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
  let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
  return user + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

func printToStandardError(_ text: String) {
  let line = Array((text + "\n").utf8)
  line.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
}
