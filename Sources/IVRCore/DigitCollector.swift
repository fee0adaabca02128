/// The state machine behind `call:gather{…}`: digits, prompt endings and timer firings in, prompt
/// and timer commands and one final ``GatherResult`` out. It plays nothing and reads no clock.
///
/// The rules, one numbered sentence each with a test named after it, are in
/// docs/gather-semantics.md. In short: the `first_digit` timer starts when the prompt ends; with
/// `barge_in` a digit stops the prompt and counts, without it digits during the prompt are
/// discarded; each digit restarts `inter_digit`; `total` caps everything; a terminator ends the
/// entry and is not part of it; a refused entry plays `invalid_prompt` then `prompt` again while
/// tries remain.
///
/// ```swift
/// var gather = try DigitCollector(configuration)
/// for action in gather.handle(.start) { perform(action) }     // play, arm…
/// // later, on the call's loop:
/// for action in gather.handle(.digit("4")) { perform(action) }
/// ```
///
/// Not thread-safe: one per gather, driven on the call's event loop.
public struct DigitCollector {
  public enum Event {
    /// Begin: play the prompt (or start waiting), arm `total`.
    case start
    /// A key press, once per press (see ``DTMFMerger``).
    case digit(Character)
    /// The playback asked for by ``Action/play(_:_:)`` reached its end or was stopped.
    case promptFinished(PromptID)
    case timerFired(IVRTimerID)
    /// The call ended.
    case hangup
  }

  public enum Action: Sendable, Hashable {
    /// Play this prompt; report its end with ``Event/promptFinished(_:)`` and the same id.
    case play(PromptID, GatherPrompt)
    /// Stop this playback now.
    case stopPrompt(PromptID)
    /// Arm a one-shot timer; report it with ``Event/timerFired(_:)``.
    case arm(IVRTimerID, after: Duration)
    /// Forget this timer.
    case cancel(IVRTimerID)
    /// The gather is over; nothing follows.
    case finish(GatherResult)
  }

  private enum Phase {
    case idle
    /// Playing `current` (a `kind`); `rest` follows it.
    case prompting(current: PromptID, kind: GatherPrompt, rest: [GatherPrompt])
    case collecting
    case finished
  }

  public let configuration: Configuration
  private var phase = Phase.idle
  private var digits = ""
  private var attempt = 0
  private var waitTimer: IVRTimerID?
  private var totalTimer: IVRTimerID?
  private var nextID: UInt64 = 1

  /// Validates the options (``Configuration/validate()``) and reads terminators upper-cased.
  public init(_ configuration: Configuration) throws(GatherConfigurationError) {
    try configuration.validate()
    var normalized = configuration
    normalized.terminators = Set(configuration.terminators.compactMap(Keypad.key))
    self.configuration = normalized
  }

  /// True once ``Action/finish(_:)`` was returned.
  public var isFinished: Bool {
    if case .finished = phase { return true }
    return false
  }

  /// The digits of the attempt in progress.
  public var currentDigits: String { digits }

  public mutating func handle(_ event: Event) -> [Action] {
    var actions: [Action] = []
    switch (event, phase) {
    case (_, .finished):
      break
    case (.start, .idle):
      if let total = configuration.totalTimeout {
        let id = makeTimerID()
        totalTimer = id
        actions.append(.arm(id, after: total))
      }
      beginAttempt(afterRefusal: false, &actions)
    case (.start, _):
      break  // already started
    case (.hangup, _):
      finish(.hangup, &actions)
    case (.digit(let character), _):
      guard let key = Keypad.key(character) else { break }
      digitPressed(key, &actions)
    case (.promptFinished(let id), .prompting(let current, _, let rest)) where id == current:
      playNextOrWait(rest, &actions)
    case (.promptFinished, _):
      break  // a stopped or unknown playback
    case (.timerFired(let id), _) where id == totalTimer:
      totalTimer = nil
      endAttempt(.timeout, isLast: true, &actions)
    case (.timerFired(let id), .collecting) where id == waitTimer:
      waitTimer = nil
      endAttempt(.timeout, isLast: false, &actions)
    case (.timerFired, _):
      break  // stale
    }
    return actions
  }

  // MARK: Attempts

  private mutating func makeTimerID() -> IVRTimerID {
    defer { nextID += 1 }
    return IVRTimerID(rawValue: nextID)
  }

  private mutating func makePromptID() -> PromptID {
    defer { nextID += 1 }
    return PromptID(rawValue: nextID)
  }

  private mutating func beginAttempt(afterRefusal: Bool, _ actions: inout [Action]) {
    attempt += 1
    digits = ""
    var sequence: [GatherPrompt] = []
    if afterRefusal && configuration.hasInvalidPrompt { sequence.append(.invalidPrompt) }
    if configuration.hasPrompt { sequence.append(.prompt) }
    playNextOrWait(sequence, &actions)
  }

  /// Plays the first prompt of `sequence`, or, when none is left, starts the first-digit wait.
  private mutating func playNextOrWait(_ sequence: [GatherPrompt], _ actions: inout [Action]) {
    if let kind = sequence.first {
      let id = makePromptID()
      phase = .prompting(current: id, kind: kind, rest: Array(sequence.dropFirst()))
      actions.append(.play(id, kind))
    } else {
      phase = .collecting
      armWait(configuration.firstDigitTimeout, &actions)
    }
  }

  private mutating func armWait(_ duration: Duration, _ actions: inout [Action]) {
    if let old = waitTimer { actions.append(.cancel(old)) }
    let id = makeTimerID()
    waitTimer = id
    actions.append(.arm(id, after: duration))
  }

  private mutating func digitPressed(_ key: Character, _ actions: inout [Action]) {
    switch phase {
    case .prompting(let current, let kind, _):
      // FreeSWITCH discards digits while its invalid-input file plays; VoiceXML discards input
      // during a prompt with bargein="false".
      guard configuration.bargeIn, kind == .prompt else { return }
      actions.append(.stopPrompt(current))
      phase = .collecting
    case .collecting:
      break
    case .idle, .finished:
      return
    }
    if configuration.terminators.contains(key) {
      endAttempt(.terminator, isLast: false, &actions)
      return
    }
    digits.append(key)
    if digits.count >= configuration.maxDigits {
      endAttempt(.max, isLast: false, &actions)
    } else {
      armWait(configuration.effectiveInterDigitTimeout, &actions)
    }
  }

  /// Judges the entry. `isLast` forces this attempt to be the final one (the total timer).
  private mutating func endAttempt(_ reason: GatherReason, isLast: Bool, _ actions: inout [Action]) {
    let noInput = reason == .timeout && digits.isEmpty
    if !noInput && accepts(digits) {
      finish(reason, &actions)
      return
    }
    if isLast || attempt >= configuration.tries {
      finish(noInput ? .timeout : .invalid, &actions)
      return
    }
    if let old = waitTimer {
      actions.append(.cancel(old))
      waitTimer = nil
    }
    beginAttempt(afterRefusal: !noInput, &actions)
  }

  private func accepts(_ entry: String) -> Bool {
    guard entry.count >= configuration.minDigits else { return false }
    return configuration.valid?(entry) ?? true
  }

  /// Cancels every timer, stops a prompt still playing, then reports.
  private mutating func finish(_ reason: GatherReason, _ actions: inout [Action]) {
    if let id = waitTimer { actions.append(.cancel(id)) }
    if let id = totalTimer { actions.append(.cancel(id)) }
    waitTimer = nil
    totalTimer = nil
    if case .prompting(let current, _, _) = phase { actions.append(.stopPrompt(current)) }
    phase = .finished
    actions.append(.finish(GatherResult(digits: digits, reason: reason, attempts: max(attempt, 1))))
  }
}

@available(*, unavailable)
extension DigitCollector: Sendable {}
