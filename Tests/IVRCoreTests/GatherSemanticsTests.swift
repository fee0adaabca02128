import IVRCore
import Testing

/// One test per sentence of docs/gather-semantics.md; each test's name is its sentence
/// (GatherSemanticsDocTests checks that they match). Times are virtual seconds.
@Suite struct GatherSemanticsTests {
  @Test(
    "1. A gather starts by playing the prompt; without a prompt it starts waiting for the first digit at once."
  )
  func startsWithPromptOrWaiting() throws {
    var withPrompt = try GatherHarness { $0.hasPrompt = true }
    let first = withPrompt.start()
    #expect(first.count == 1)
    guard case .play(_, .prompt) = first.first else {
      Issue.record("expected the prompt first, got \(first)")
      return
    }
    #expect(withPrompt.timers.isEmpty)

    var withoutPrompt = try GatherHarness { $0.hasPrompt = false }
    let actions = withoutPrompt.start()
    #expect(withoutPrompt.plays.isEmpty)
    #expect(actions.count == 1)
    guard case .arm(_, let after) = actions.first else {
      Issue.record("expected the first-digit timer, got \(actions)")
      return
    }
    #expect(after == .seconds(5))
    withoutPrompt.runToEnd()
    #expect(withoutPrompt.finishedAt == .seconds(5))
    #expect(withoutPrompt.result == GatherResult(digits: "", reason: .timeout, attempts: 1))
  }

  @Test("2. The first_digit timer starts when the prompt ends, not when it starts.")
  func firstDigitTimerStartsAtPromptEnd() throws {
    var silent = try GatherHarness {
      $0.hasPrompt = true
      $0.firstDigitTimeout = .seconds(4)
    }
    silent.promptLength = .seconds(3)
    silent.start()
    silent.runToEnd()
    #expect(silent.arms.map(\.at) == [.seconds(3)])
    #expect(silent.finishedAt == .seconds(7))
    #expect(silent.result?.reason == .timeout)

    // A digit 3.9 s after the prompt (6.9 s after the start) still counts.
    var late = try GatherHarness {
      $0.hasPrompt = true
      $0.firstDigitTimeout = .seconds(4)
      $0.maxDigits = 1
    }
    late.promptLength = .seconds(3)
    late.start()
    late.press([("6", 6.9)])
    #expect(late.result == GatherResult(digits: "6", reason: .max, attempts: 1))
  }

  @Test(
    "3. With barge_in, the default, a digit pressed during the prompt stops the prompt and counts as the first digit."
  )
  func bargeInStopsPromptAndKeepsDigit() throws {
    var gather = try GatherHarness {
      $0.hasPrompt = true
      $0.maxDigits = 3
    }
    #expect(gather.collector.configuration.bargeIn)
    gather.promptLength = .seconds(10)
    gather.start()
    gather.press([("4", 2)])
    #expect(gather.stops == [.seconds(2)])
    #expect(gather.playing == nil)
    #expect(gather.collector.currentDigits == "4")
    // The inter-digit timer runs from the barge-in digit; the prompt's original end (10 s) is gone.
    #expect(gather.arms.map(\.at) == [.seconds(2)])
    gather.press([("2", 3), ("#", 4)])
    #expect(gather.result == GatherResult(digits: "42", reason: .terminator, attempts: 1))
    #expect(gather.finishedAt == .seconds(4))
  }

  @Test("4. Without barge_in, the prompt plays to its end and digits pressed during it are discarded.")
  func noBargeInDiscardsDigitsDuringPrompt() throws {
    var gather = try GatherHarness {
      $0.hasPrompt = true
      $0.bargeIn = false
    }
    gather.promptLength = .seconds(3)
    gather.start()
    gather.press([("7", 1), ("#", 2)])
    #expect(gather.stops.isEmpty)
    #expect(gather.result == nil)
    #expect(gather.collector.currentDigits == "")
    gather.press([("8", 4), ("#", 4.5)])
    #expect(gather.plays.count == 1)
    #expect(gather.result == GatherResult(digits: "8", reason: .terminator, attempts: 1))
  }

  @Test("5. Each digit restarts the inter_digit timer, which is as long as first_digit unless set.")
  func interDigitRestartsPerDigit() throws {
    var set = try GatherHarness {
      $0.firstDigitTimeout = .seconds(5)
      $0.interDigitTimeout = .seconds(2)
    }
    set.start()
    set.press([("1", 1), ("2", 2.5), ("3", 4)])
    set.runToEnd()
    #expect(set.arms.map(\.after) == [.seconds(5), .seconds(2), .seconds(2), .seconds(2)])
    #expect(set.finishedAt == .seconds(6))
    #expect(set.result == GatherResult(digits: "123", reason: .timeout, attempts: 1))

    var unset = try GatherHarness { $0.firstDigitTimeout = .seconds(3) }
    unset.start()
    unset.press([("9", 1)])
    unset.runToEnd()
    #expect(unset.arms.map(\.after) == [.seconds(3), .seconds(3)])
    #expect(unset.finishedAt == .seconds(4))
  }

  @Test(
    "6. The total timer starts with the gather, covers every prompt and every try, and is never restarted.")
  func totalCoversEverything() throws {
    // Prompt 0–4 s, no input until 9 s, the prompt again from 9 s: total cuts it at 10 s.
    var gather = try GatherHarness {
      $0.hasPrompt = true
      $0.tries = 3
      $0.totalTimeout = .seconds(10)
    }
    gather.promptLength = .seconds(4)
    gather.start()
    #expect(gather.arms.map(\.after) == [.seconds(10)])
    gather.runToEnd()
    #expect(gather.plays.map(\.at) == [.zero, .seconds(9)])
    #expect(gather.finishedAt == .seconds(10))
    #expect(gather.stops == [.seconds(10)])
    #expect(gather.result == GatherResult(digits: "", reason: .timeout, attempts: 2))

    // Digits keep coming, each within inter_digit: total still ends the entry at 6 s.
    var typing = try GatherHarness {
      $0.totalTimeout = .seconds(6)
      $0.interDigitTimeout = .seconds(2)
    }
    typing.start()
    typing.press((1...7).map { (Character("\($0)"), Double($0)) })
    #expect(typing.finishedAt == .seconds(6))
    #expect(typing.result == GatherResult(digits: "12345", reason: .timeout, attempts: 1))
    #expect(typing.arms.filter { $0.after == .seconds(6) }.count == 1)
  }

  @Test("7. A terminator ends the entry and is not part of the digits.")
  func terminatorEndsEntry() throws {
    var gather = try GatherHarness { $0.terminators = ["*", "#"] }
    gather.start()
    gather.press([("1", 1), ("2", 2), ("*", 3)])
    #expect(gather.result == GatherResult(digits: "12", reason: .terminator, attempts: 1))
    #expect(gather.finishedAt == .seconds(3))

    var hash = try GatherHarness { _ in }
    hash.start()
    hash.press([("5", 1), ("#", 1.5)])
    #expect(hash.result?.digits == "5")
    #expect(hash.result?.digits.contains("#") == false)
  }

  @Test("8. The entry ends with reason max as soon as max digits are in, without waiting for a terminator.")
  func maxEndsEntry() throws {
    var gather = try GatherHarness { $0.maxDigits = 3 }
    gather.start()
    gather.press([("1", 1), ("2", 1.2), ("3", 1.4)])
    #expect(gather.result == GatherResult(digits: "123", reason: .max, attempts: 1))
    #expect(gather.finishedAt == .milliseconds(1400))
    #expect(gather.timers.isEmpty)
  }

  @Test(
    "9. An entry is accepted when it has at least min digits and valid, if given, accepts it; valid is called once per entry and never for an entry shorter than min."
  )
  func validJudgesEntries() throws {
    final class Calls { var entries: [String] = [] }
    let calls = Calls()
    var gather = try GatherHarness {
      $0.minDigits = 2
      $0.tries = 3
      $0.valid = { entry in
        calls.entries.append(entry)
        return entry.hasPrefix("4")
      }
    }
    gather.start()
    gather.press([("1", 1), ("#", 2)])  // shorter than min: valid not asked
    gather.press([("1", 3), ("3", 4), ("#", 5)])  // refused by valid
    gather.press([("4", 6), ("2", 7), ("#", 8)])  // accepted
    #expect(calls.entries == ["13", "42"])
    #expect(gather.result == GatherResult(digits: "42", reason: .terminator, attempts: 3))
  }

  @Test(
    "10. When inter_digit expires, the digits so far are judged as at a terminator, and an accepted entry ends the gather with reason timeout."
  )
  func interDigitTimeoutJudgesEntry() throws {
    var accepted = try GatherHarness {
      $0.minDigits = 2
      $0.interDigitTimeout = .seconds(2)
    }
    accepted.start()
    accepted.press([("1", 1), ("2", 2)])
    accepted.runToEnd()
    #expect(accepted.finishedAt == .seconds(4))
    #expect(accepted.result == GatherResult(digits: "12", reason: .timeout, attempts: 1))

    var tooShort = try GatherHarness {
      $0.minDigits = 3
      $0.interDigitTimeout = .seconds(2)
    }
    tooShort.start()
    tooShort.press([("1", 1), ("2", 2)])
    tooShort.runToEnd()
    #expect(tooShort.result == GatherResult(digits: "12", reason: .invalid, attempts: 1))
  }

  @Test("11. A lone terminator is an empty entry, accepted when min is 0 and refused otherwise.")
  func loneTerminator() throws {
    var minZero = try GatherHarness { $0.minDigits = 0 }
    minZero.start()
    minZero.press([("#", 1)])
    #expect(minZero.result == GatherResult(digits: "", reason: .terminator, attempts: 1))

    var minOne = try GatherHarness { $0.minDigits = 1 }
    minOne.start()
    minOne.press([("#", 1)])
    #expect(minOne.result == GatherResult(digits: "", reason: .invalid, attempts: 1))
  }

  @Test(
    "12. An attempt whose first_digit timer expires had no input, which is never an answer, even when min is 0."
  )
  func noInputIsNeverAnAnswer() throws {
    var gather = try GatherHarness {
      $0.minDigits = 0
      $0.hasPrompt = true
      $0.tries = 2
    }
    gather.start()
    gather.advance(to: .seconds(8))  // prompt 0–3, first_digit 3–8
    #expect(gather.result == nil)
    #expect(gather.plays.count == 2)
    gather.runToEnd()
    #expect(gather.result == GatherResult(digits: "", reason: .timeout, attempts: 2))
  }

  @Test(
    "13. After an attempt without input, while tries remain, the prompt plays again without invalid_prompt.")
  func noInputReplaysPromptOnly() throws {
    var gather = try GatherHarness {
      $0.hasPrompt = true
      $0.hasInvalidPrompt = true
      $0.tries = 2
    }
    gather.start()
    gather.advance(to: .seconds(9))
    #expect(gather.plays.map(\.kind) == [.prompt, .prompt])
    #expect(gather.plays.map(\.at) == [.zero, .seconds(8)])
  }

  @Test(
    "14. After a refused entry, while tries remain, invalid_prompt plays, then the prompt, and the new entry starts empty."
  )
  func refusedEntryPlaysInvalidPromptThenPrompt() throws {
    var gather = try GatherHarness {
      $0.hasPrompt = true
      $0.hasInvalidPrompt = true
      $0.minDigits = 2
      $0.tries = 2
    }
    gather.promptLength = .seconds(3)
    gather.invalidPromptLength = .seconds(2)
    gather.start()
    gather.press([("1", 3.5), ("#", 4)])
    #expect(gather.collector.currentDigits == "")
    gather.advance(to: .seconds(9.5))
    #expect(gather.plays.map(\.kind) == [.prompt, .invalidPrompt, .prompt])
    #expect(gather.plays.map(\.at) == [.zero, .seconds(4), .seconds(6)])
    gather.press([("3", 9.5), ("4", 10), ("#", 10.5)])
    #expect(gather.result == GatherResult(digits: "34", reason: .terminator, attempts: 2))

    // Without invalid_prompt, only the prompt plays again.
    var plain = try GatherHarness {
      $0.hasPrompt = true
      $0.minDigits = 2
      $0.tries = 2
    }
    plain.start()
    plain.press([("1", 3.5), ("#", 4)])
    #expect(plain.plays.map(\.kind) == [.prompt, .prompt])
    #expect(plain.plays.map(\.at) == [.zero, .seconds(4)])
  }

  @Test("15. Digits pressed while invalid_prompt plays are discarded, with or without barge_in.")
  func invalidPromptDiscardsDigits() throws {
    for bargeIn in [true, false] {
      var gather = try GatherHarness {
        $0.hasPrompt = true
        $0.hasInvalidPrompt = true
        $0.bargeIn = bargeIn
        $0.minDigits = 2
        $0.tries = 2
      }
      gather.promptLength = .seconds(3)
      gather.invalidPromptLength = .seconds(2)
      gather.start()
      gather.press([("1", 3.5), ("#", 4)])  // refused; invalid_prompt 4–6
      gather.press([("9", 4.5), ("9", 5), ("#", 5.5)])
      #expect(gather.stops.isEmpty)
      #expect(gather.result == nil)
      #expect(gather.playing?.kind == .invalidPrompt)
      // The prompt (6–9) follows; with barge-in a digit now stops it.
      gather.press([("5", 7), ("6", 7.5), ("#", 8)])
      #expect(gather.result?.digits == (bargeIn ? "56" : nil))
      if !bargeIn {
        gather.press([("5", 9.5), ("6", 10), ("#", 10.5)])
        #expect(gather.result?.digits == "56")
      }
    }
  }

  @Test("16. Tries counts the attempts in all, the first one included.")
  func triesCountsAllAttempts() throws {
    var three = try GatherHarness {
      $0.hasPrompt = true
      $0.tries = 3
    }
    three.start()
    three.runToEnd()
    #expect(three.plays.count == 3)
    #expect(three.result == GatherResult(digits: "", reason: .timeout, attempts: 3))
    #expect(three.finishedAt == .seconds(24))

    var one = try GatherHarness { $0.hasPrompt = true }
    #expect(one.collector.configuration.tries == 1)
    one.start()
    one.runToEnd()
    #expect(one.plays.count == 1)
    #expect(one.result?.attempts == 1)
  }

  @Test(
    "17. When the last try fails, the gather ends with reason invalid and the refused digits, or with reason timeout and no digits when that try had no input."
  )
  func lastTryFailure() throws {
    var refused = try GatherHarness {
      $0.tries = 2
      $0.valid = { $0 == "7" }
    }
    refused.start()
    refused.press([("1", 1), ("#", 2), ("2", 3), ("3", 4), ("#", 5)])
    #expect(refused.result == GatherResult(digits: "23", reason: .invalid, attempts: 2))

    // A refused entry, then silence: the last try had no input.
    var silent = try GatherHarness {
      $0.tries = 2
      $0.valid = { $0 == "7" }
    }
    silent.start()
    silent.press([("1", 1), ("#", 2)])
    silent.runToEnd()
    #expect(silent.result == GatherResult(digits: "", reason: .timeout, attempts: 2))
    #expect(silent.finishedAt == .seconds(7))
  }

  @Test(
    "18. When the total timer expires, the attempt in progress is judged as at a timeout and no further try starts."
  )
  func totalJudgesAttemptInProgress() throws {
    var accepted = try GatherHarness {
      $0.totalTimeout = .seconds(3)
      $0.tries = 5
    }
    accepted.start()
    accepted.press([("1", 1), ("2", 2)])
    accepted.runToEnd()
    #expect(accepted.finishedAt == .seconds(3))
    #expect(accepted.result == GatherResult(digits: "12", reason: .timeout, attempts: 1))

    var refused = try GatherHarness {
      $0.totalTimeout = .seconds(3)
      $0.hasInvalidPrompt = true
      $0.tries = 5
      $0.minDigits = 4
    }
    refused.start()
    refused.press([("1", 1), ("2", 2)])
    refused.runToEnd()
    #expect(refused.result == GatherResult(digits: "12", reason: .invalid, attempts: 1))
    #expect(refused.plays.isEmpty)
  }

  @Test("19. A hangup ends the gather at once with reason hangup, and the Lua layer returns nil and hangup.")
  func hangupEndsAtOnce() throws {
    var gather = try GatherHarness {
      $0.hasPrompt = true
      $0.totalTimeout = .seconds(30)
    }
    gather.start()
    gather.press([("1", 4), ("2", 5)])
    gather.advance(to: .seconds(5.5))
    gather.send(.hangup)
    #expect(gather.finishedAt == .seconds(5.5))
    #expect(gather.result == GatherResult(digits: "12", reason: .hangup, attempts: 1))
    #expect(GatherReason.hangup.rawValue == "hangup")
    #expect(gather.timers.isEmpty)

    // Before the start and during the prompt, too.
    var early = try GatherHarness { $0.hasPrompt = true }
    early.send(.hangup)
    #expect(early.result?.reason == .hangup)
    var prompting = try GatherHarness { $0.hasPrompt = true }
    prompting.start()
    prompting.advance(to: .seconds(1))
    prompting.send(.hangup)
    #expect(prompting.result?.reason == .hangup)
    #expect(prompting.stops == [.seconds(1)])
  }

  @Test(
    "20. When the gather ends, every timer it armed is cancelled and a prompt still playing is stopped, before the result is reported."
  )
  func endCleansUpFirst() throws {
    // The total timer fires during the second prompt, with the first-digit timer cancelled already.
    var gather = try GatherHarness {
      $0.hasPrompt = true
      $0.tries = 2
      $0.totalTimeout = .seconds(9)
    }
    gather.start()
    gather.press([("1", 4)])  // min 1 met; waits for more
    gather.send(.hangup)
    let last = gather.log.suffix(3).map(\.action)
    guard last.count == 3, case .cancel = last[0], case .cancel = last[1], case .finish = last[2] else {
      Issue.record("expected two cancels then finish, got \(last)")
      return
    }
    #expect(gather.timers.isEmpty)

    var prompting = try GatherHarness {
      $0.hasPrompt = true
      $0.totalTimeout = .seconds(2)
    }
    prompting.start()
    prompting.runToEnd()
    let tail = prompting.log.suffix(2).map(\.action)
    guard tail.count == 2, case .stopPrompt = tail[0], case .finish = tail[1] else {
      Issue.record("expected stopPrompt then finish, got \(tail)")
      return
    }
    #expect(prompting.timers.isEmpty)
    #expect(prompting.playing == nil)
    // Every ending path leaves nothing behind.
    for (index, presses) in [[("1", 1.0)], [("#", 1.0)], [("1", 1.0), ("#", 1.5)], []].enumerated() {
      var each = try GatherHarness {
        $0.hasPrompt = index % 2 == 0
        $0.totalTimeout = .seconds(20)
        $0.tries = 2
      }
      each.start()
      each.press(presses.map { (Character($0.0), $0.1) })
      each.runToEnd()
      #expect(each.result != nil)
      #expect(each.timers.isEmpty)
      #expect(each.playing == nil)
    }
  }

  @Test(
    "21. Every DTMF key that is not a terminator is a digit, lower-case a to d read as upper-case, and any other character is ignored."
  )
  func keysAndNonKeys() throws {
    var gather = try GatherHarness { $0.terminators = ["#"] }
    gather.start()
    gather.press([("*", 1), ("a", 1.1), ("D", 1.2), ("x", 1.3), ("5", 1.4), (" ", 1.5), ("0", 1.6), ("#", 2)])
    #expect(gather.result == GatherResult(digits: "*AD50", reason: .terminator, attempts: 1))

    var lowerTerminator = try GatherHarness { $0.terminators = ["d"] }
    lowerTerminator.start()
    lowerTerminator.press([("#", 1), ("D", 2)])
    #expect(lowerTerminator.result == GatherResult(digits: "#", reason: .terminator, attempts: 1))

    var none = try GatherHarness {
      $0.terminators = []
      $0.maxDigits = 2
    }
    none.start()
    none.press([("#", 1), ("*", 2)])
    #expect(none.result == GatherResult(digits: "#*", reason: .max, attempts: 1))
  }

  @Test(
    "22. Events after the end, timers already cancelled and the end of a prompt that was stopped are ignored."
  )
  func staleEventsIgnored() throws {
    var gather = try GatherHarness {
      $0.hasPrompt = true
      $0.interDigitTimeout = .seconds(2)
    }
    gather.reportStoppedPrompts = false
    gather.start()
    guard case .play(let promptID, _) = gather.log.first?.action else {
      Issue.record("no prompt")
      return
    }
    gather.press([("1", 1)])  // barge-in stops the prompt
    let firstWait = gather.arms.count
    gather.press([("2", 1.5)])  // cancels the timer armed at 1 s
    let cancelled = gather.log.compactMap { entry -> IVRTimerID? in
      if case .cancel(let id) = entry.action { return id }
      return nil
    }
    #expect(firstWait == 1 && cancelled.count == 1)
    #expect(gather.send(.timerFired(cancelled[0])).isEmpty)
    #expect(gather.send(.promptFinished(promptID)).isEmpty)
    #expect(gather.send(.timerFired(IVRTimerID(rawValue: 999))).isEmpty)
    #expect(gather.send(.start).isEmpty)
    #expect(gather.collector.currentDigits == "12")
    gather.press([("#", 2)])
    #expect(gather.result == GatherResult(digits: "12", reason: .terminator, attempts: 1))
    #expect(gather.collector.isFinished)
    for event: DigitCollector.Event in [
      .digit("3"), .hangup, .start, .promptFinished(promptID), .timerFired(cancelled[0]),
    ] {
      #expect(gather.send(event).isEmpty)
    }
  }

  @Test("23. Options that cannot work are refused with an error that names the option.")
  func impossibleOptionsRefused() {
    func error(_ configure: (inout DigitCollector.Configuration) -> Void) -> String? {
      var configuration = DigitCollector.Configuration()
      configure(&configuration)
      do {
        _ = try DigitCollector(configuration)
        return nil
      } catch {
        return error.option
      }
    }
    #expect(
      error {
        $0.minDigits = 5; $0.maxDigits = 3
      } == "min")
    #expect(error { $0.minDigits = -1 } == "min")
    #expect(error { $0.maxDigits = 0 } == "max")
    #expect(error { $0.maxDigits = 129 } == "max")
    #expect(error { $0.tries = 0 } == "tries")
    #expect(error { $0.tries = 101 } == "tries")
    #expect(error { $0.firstDigitTimeout = .zero } == "first_digit")
    #expect(error { $0.interDigitTimeout = .seconds(-1) } == "inter_digit")
    #expect(error { $0.totalTimeout = .seconds(100_000) } == "total")
    #expect(error { $0.terminators = ["x"] } == "terminators")
    #expect(error { _ in } == nil)
    #expect(
      error {
        $0.minDigits = 0; $0.maxDigits = 128; $0.terminators = []
      } == nil)
    let message = GatherConfigurationError(option: "min", "(5) is greater than max (3)").description
    #expect(message == "gather: min (5) is greater than max (3)")
  }
}
