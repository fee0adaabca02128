import SIPCore
import SIPProtocol
import Testing

/// What the virtual clock needs to know about a machine: how to feed it a timer, and which of its
/// actions arm or cancel timers and send messages.
protocol ClockDriven {
  associatedtype Event
  associatedtype Action
  mutating func handle(_ event: Event) -> [Action]
  static func timerFired(_ id: TimerID) -> Event
  static func timerChange(_ action: Action) -> TimerChange?
  static func sent(_ action: Action) -> (SIPMessage, SIPEndpoint)?
}

enum TimerChange {
  /// A timer armed for a duration, with the leeway the driver may take (see `coalesces`).
  case arm(TimerID, Duration, leeway: Duration)
  case cancel(TimerID)
}

/// Microseconds of test time.
typealias Micros = Int64

func micros(_ duration: Duration) -> Micros {
  let (seconds, attoseconds) = duration.components
  return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
}

func ms(_ value: Int64) -> Micros { value * 1000 }

/// The test driver: keeps the timers a machine arms, fires them in time order while advancing a
/// fake "now", and logs every action with the time it happened.
struct VirtualClock<Machine: ClockDriven> {
  var machine: Machine
  private(set) var now: Micros = 0
  private(set) var deadlines: [TimerID: Micros] = [:]
  private(set) var log: [(at: Micros, action: Machine.Action)] = []
  /// Whether timers armed with a leeway get the transport's coalesced deadline
  /// (`TimerDeadline.coalesced`, rounded up to a multiple of the leeway) instead of the exact one.
  /// Off by default: firing at the exact deadline is also within what the core allows.
  var coalesces = false

  init(_ machine: Machine, coalesces: Bool = false) {
    self.machine = machine
    self.coalesces = coalesces
  }

  @discardableResult
  mutating func handle(_ event: Machine.Event) -> [Machine.Action] {
    let actions = machine.handle(event)
    for action in actions {
      log.append((now, action))
      switch Machine.timerChange(action) {
      case .arm(let id, let duration, let leeway)?:
        deadlines[id] = TimerDeadline.coalesced(
          now: now, after: micros(duration), leeway: coalesces ? micros(leeway) : 0)
      case .cancel(let id)?: deadlines[id] = nil
      case nil: break
      }
    }
    return actions
  }

  /// Fires every timer due up to `now + span`, earliest first, and returns what they did.
  @discardableResult
  mutating func advance(by span: Micros) -> [Machine.Action] {
    let end = now + span
    var out: [Machine.Action] = []
    while let next = deadlines.filter({ $0.value <= end }).min(by: { ($0.value, $0.key) < ($1.value, $1.key) }
    ) {
      deadlines[next.key] = nil
      now = next.value
      out += handle(Machine.timerFired(next.key))
    }
    now = end
    return out
  }

  /// Every message sent, with its time.
  var sent: [(at: Micros, message: SIPMessage, to: SIPEndpoint)] {
    log.compactMap { entry in Machine.sent(entry.action).map { (entry.at, $0.0, $0.1) } }
  }

  /// Times at which messages whose start line begins with `prefix` were sent.
  func sendTimes(_ prefix: String) -> [Micros] {
    sent.filter { $0.message.startLineText.hasPrefix(prefix) }.map(\.at)
  }

  var pendingTimers: Int { deadlines.count }
}

extension TransactionLayer: ClockDriven {
  static func timerFired(_ id: TimerID) -> Event { .timerFired(id) }
  static func timerChange(_ action: Action) -> TimerChange? {
    switch action {
    case .armTimer(let id, let after, let leeway): .arm(id, after, leeway: leeway)
    case .cancelTimer(let id): .cancel(id)
    default: nil
    }
  }
  static func sent(_ action: Action) -> (SIPMessage, SIPEndpoint)? {
    if case .send(let message, let to, _) = action { return (message, to) }
    return nil
  }
}

extension UserAgentCore: ClockDriven {
  static func timerFired(_ id: TimerID) -> Event { .timerFired(id) }
  static func timerChange(_ action: Action) -> TimerChange? {
    switch action {
    case .armTimer(let id, let after, let leeway): .arm(id, after, leeway: leeway)
    case .cancelTimer(let id): .cancel(id)
    default: nil
    }
  }
  static func sent(_ action: Action) -> (SIPMessage, SIPEndpoint)? {
    if case .send(let message, let to, _) = action { return (message, to) }
    return nil
  }
}

/// Parses a SIP message written in a test with `\n` line ends.
func sip(_ text: String) throws -> SIPMessage {
  var bytes: [UInt8] = []
  for byte in text.utf8 where byte != 0x0D {
    if byte == 0x0A { bytes.append(0x0D) }
    bytes.append(byte)
  }
  // A trace written without its closing empty line gets one.
  if !text.contains("\n\n") {
    if bytes.last != 0x0A { bytes += [0x0D, 0x0A] }
    bytes += [0x0D, 0x0A]
  }
  return try SIPMessage.parse(bytes)
}

let udpPeer = SIPEndpoint(transport: "UDP", host: "192.0.2.10", port: 5060)
let tcpPeer = SIPEndpoint(transport: "TCP", host: "192.0.2.10", port: 5060)
