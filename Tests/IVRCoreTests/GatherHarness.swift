import IVRCore
import Testing

/// Drives a ``DigitCollector`` on a virtual clock: keeps the timers it arms, plays each prompt for
/// a set length, reports prompt endings (also, late, for prompts it was told to stop, as a media
/// layer may), and records every action with its time.
struct GatherHarness {
  var collector: DigitCollector
  private(set) var now: Duration = .zero
  private(set) var timers: [IVRTimerID: Duration] = [:]
  private(set) var everArmed: Set<IVRTimerID> = []
  private(set) var playing: (id: PromptID, kind: GatherPrompt, ends: Duration)?
  private(set) var log: [(at: Duration, action: DigitCollector.Action)] = []
  private(set) var result: GatherResult?
  private(set) var finishedAt: Duration?
  /// Prompt lengths.
  var promptLength: Duration = .seconds(3)
  var invalidPromptLength: Duration = .seconds(2)
  /// Report `promptFinished` for a stopped prompt right after stopping it (a stale ending).
  var reportStoppedPrompts = true

  init(_ configure: (inout DigitCollector.Configuration) -> Void) throws {
    var configuration = DigitCollector.Configuration()
    configure(&configuration)
    collector = try DigitCollector(configuration)
  }

  @discardableResult
  mutating func start() -> [DigitCollector.Action] { send(.start) }

  @discardableResult
  mutating func send(_ event: DigitCollector.Event) -> [DigitCollector.Action] {
    let actions = collector.handle(event)
    var stale: [PromptID] = []
    for action in actions {
      log.append((now, action))
      switch action {
      case .play(let id, let kind):
        #expect(playing == nil, "a second prompt while one plays")
        playing = (id, kind, now + (kind == .prompt ? promptLength : invalidPromptLength))
      case .stopPrompt(let id):
        #expect(playing?.id == id, "stop of a prompt that is not playing")
        playing = nil
        if reportStoppedPrompts { stale.append(id) }
      case .arm(let id, let after):
        #expect(!everArmed.contains(id), "timer id reused")
        #expect(after > .zero)
        everArmed.insert(id)
        timers[id] = now + after
      case .cancel(let id):
        #expect(timers[id] != nil, "cancel of a timer that is not armed")
        timers[id] = nil
      case .finish(let outcome):
        #expect(result == nil, "finished twice")
        result = outcome
        finishedAt = now
      }
    }
    for id in stale { #expect(collector.handle(.promptFinished(id)).isEmpty) }
    return actions
  }

  /// Fires prompt endings and timers due up to `time`, in time order (a prompt ending before a
  /// timer due at the same moment).
  mutating func advance(to time: Duration) {
    for _ in 0..<10_000 {
      let nextTimer = timers.min { ($0.value, $0.key) < ($1.value, $1.key) }
      let promptEnd = playing?.ends
      if let promptEnd, promptEnd <= time, nextTimer.map({ promptEnd <= $0.value }) ?? true {
        now = promptEnd
        let id = playing!.id
        playing = nil
        send(.promptFinished(id))
      } else if let nextTimer, nextTimer.value <= time {
        now = nextTimer.value
        timers[nextTimer.key] = nil
        send(.timerFired(nextTimer.key))
      } else {
        break
      }
    }
    now = max(now, time)
  }

  /// Presses keys at the given times (seconds), in order.
  mutating func press(_ keys: [(Character, Double)]) {
    for (key, seconds) in keys {
      advance(to: .milliseconds(Int64(seconds * 1000)))
      send(.digit(key))
    }
  }

  /// Runs until the gather ends (10 minutes of virtual time at most).
  mutating func runToEnd() {
    advance(to: now + .seconds(600))
  }

  /// The actions of one kind, with their times.
  var plays: [(at: Duration, kind: GatherPrompt)] {
    log.compactMap { entry in
      if case .play(_, let kind) = entry.action { return (entry.at, kind) }
      return nil
    }
  }

  var stops: [Duration] {
    log.compactMap { entry in
      if case .stopPrompt = entry.action { return entry.at }
      return nil
    }
  }

  var arms: [(at: Duration, after: Duration)] {
    log.compactMap { entry in
      if case .arm(_, let after) = entry.action { return (entry.at, after) }
      return nil
    }
  }
}

func seconds(_ value: Double) -> Duration { .milliseconds(Int64(value * 1000)) }
