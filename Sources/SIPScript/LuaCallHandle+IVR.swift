import Foundation
import IVRCore
import NIOCore
import RTPCore
import RTPMedia
import SIPCall

// The IVR words of `sip.call` (docs/lua-api.md, "IVR"): play with barge-in, say, gather, record,
// flush_dtmf. They wait in the calling task only, or take `cb_final` (DESIGN §3); after a hangup
// they return `nil, "hangup"`.
extension LuaCallHandle {
  static func addIVRMethods(to c: inout LuaClass<LuaCallHandle>) {
    c.methods["play"] = { handle, call in try handle.playPrompt(call) }
    c.methods["say"] = { handle, call in try handle.say(call) }
    c.methods["gather"] = { handle, call in try handle.gather(call) }
    c.methods["record"] = { handle, call in try handle.record(call) }
    c.methods["flush_dtmf"] = { handle, _ in
      let count = handle.digits.count
      handle.digits.removeAll()
      return .value(.integer(Int64(count)))
    }
  }

  /// Where a waiting word's results go: the suspended task, or `callback(values…, call)` (padded
  /// to `arity` values) in a task of its own.
  func respond(_ call: LuaCall, callback: LuaReference?, arity: Int) throws -> (
    LuaResult, ([LuaValue]) -> Void
  ) {
    if let callback {
      let deliver: ([LuaValue]) -> Void = { [weak self] values in
        guard let self else { return }
        var arguments = Array(values.prefix(arity))
        while arguments.count < arity { arguments.append(.nil) }
        arguments.append(.reference(reference()))
        binding.run(callback, for: self.call, arguments, name: "cb_final")
      }
      return (.value(.boolean(true)), deliver)
    }
    let suspension = try call.suspension()
    return (.suspend, { values in suspension.resume(with: values) })
  }

  // MARK: - play and say

  /// `call:play(file | {say = text} | {…} [, {loop = n, barge_in = false, cb_final = fn}])` →
  /// `true`, or `nil, "dtmf" | "hangup" | "stopped" | err`.
  func playPrompt(_ call: LuaCall) throws -> LuaResult {
    let items = try PromptItem.read(runtime: call.runtime, state: call.state, at: 2) { detail in
      LuaArgumentError(argument: 2, function: "play", isMethod: true, detail)
    }
    let options = try IVROptions(call, argument: 3)
    var mode = PlaybackRepeat.times(1)
    if let loops = try options?.integer("loop") {
      guard loops <= 1_000_000 else { throw options!.error("loop", "must be at most 1000000") }
      mode = loops <= 0 ? .forever : .times(loops)
    }
    let bargeIn = try options?.boolean("barge_in") ?? false
    return try play(items, mode: mode, bargeIn: bargeIn, call, callback: try options?.function("cb_final"))
  }

  /// `call:say(text [, {voice = "en", barge_in = false, cb_final = fn}])`: espeak-ng's speech,
  /// played like a file.
  func say(_ call: LuaCall) throws -> LuaResult {
    let text = try call.string(2)
    let options = try IVROptions(call, argument: 3)
    let voice = try options?.string("voice") ?? SpeechSynthesizer.defaultVoice
    let bargeIn = try options?.boolean("barge_in") ?? false
    return try play(
      [.speech(text: text, voice: voice)], mode: .times(1), bargeIn: bargeIn, call,
      callback: try options?.function("cb_final"))
  }

  private func play(
    _ items: [PromptItem], mode: PlaybackRepeat, bargeIn: Bool, _ call: LuaCall, callback: LuaReference?
  ) throws -> LuaResult {
    let (result, deliver) = try respond(call, callback: callback, arity: 2)
    guard self.call.isAlive else {
      deliver(PlayOutcome.hangup.values)
      return result
    }
    if bargeIn {
      self.call.listenForDTMF()
      // A key pressed before the prompt (queued) answers it already: it is not played.
      if !digits.isEmpty {
        deliver(PlayOutcome.dtmf.values)
        return result
      }
    }
    ivr.play(items, repeat: mode, bargeIn: bargeIn) { outcome in deliver(outcome.values) }
    return result
  }

  // MARK: - gather

  /// `call:gather{prompt, min, max, first_digit, inter_digit, total, terminators, valid, tries,
  /// invalid_prompt, barge_in, cb_final}` → `digits, reason` (docs/gather-semantics.md), or
  /// `nil, "hangup"`, or `nil, err` when a prompt cannot be played.
  func gather(_ call: LuaCall) throws -> LuaResult {
    let options = try IVROptions(call, argument: 2)
    var configuration = DigitCollector.Configuration()
    var prompts: [GatherPrompt: [PromptItem]] = [:]
    var callback: LuaReference?
    if let options {
      prompts[.prompt] = try options.prompt("prompt")
      prompts[.invalidPrompt] = try options.prompt("invalid_prompt")
      configuration.minDigits = try options.integer("min") ?? configuration.minDigits
      configuration.maxDigits = try options.integer("max") ?? configuration.maxDigits
      configuration.tries = try options.integer("tries") ?? configuration.tries
      let limit = 86_400.0
      configuration.firstDigitTimeout =
        try options.seconds("first_digit", in: 0.001...limit) ?? configuration.firstDigitTimeout
      configuration.interDigitTimeout = try options.seconds("inter_digit", in: 0.001...limit)
      configuration.totalTimeout = try options.seconds("total", in: 0.001...limit)
      if let keys = try options.string("terminators") {
        if let bad = keys.first(where: { !"0123456789*#ABCDabcd".contains($0) }) {
          throw options.error("terminators", "'\(bad)' is not a DTMF key (0-9 * # A-D)")
        }
        configuration.terminators = Set(keys)
      }
      configuration.bargeIn = try options.boolean("barge_in") ?? true
      if let pattern = try options.string("valid") {
        configuration.valid = try validCheck(pattern, call, options)
      }
      callback = try options.function("cb_final")
    }
    configuration.hasPrompt = prompts[.prompt] != nil
    configuration.hasInvalidPrompt = prompts[.invalidPrompt] != nil
    let collector: DigitCollector
    do {
      collector = try DigitCollector(configuration)
    } catch {
      throw options?.error(error.option, error.message) ?? LuaArgumentError(error.description)
    }
    let (result, deliver) = try respond(call, callback: callback, arity: 2)
    guard self.call.isAlive else {
      deliver([.nil, .string("hangup")])
      return result
    }
    guard ivr.gather == nil else {
      deliver([.nil, .string("gather: another gather is in progress on this call")])
      return result
    }
    self.call.listenForDTMF()
    let run = GatherRun(ivr: ivr, collector: collector, prompts: prompts) { outcome in
      if outcome.reason == .hangup {
        deliver([.nil, .string("hangup")])
      } else {
        deliver([.string(outcome.digits), .string(outcome.reason.rawValue)])
      }
    }
    ivr.gather = run
    // Load the prompts first (a missing file is an error, not a silent prompt), then start in a
    // later turn of the loop: keys arriving meanwhile go to the run.
    let items = prompts.values.flatMap { $0 }
    let loop = self.call.eventLoop
    let loader = binding.ivr.loader
    let loaded: EventLoopFuture<Void> =
      items.isEmpty
      ? loop.makeSucceededVoidFuture()
      : self.call.stream().assumeIsolated().flatMap { stream in
        loader.clips(for: items, law: stream.codec.law).map { _ in }
      }.nonisolated()
    loaded.hop(to: loop).assumeIsolated().whenComplete { [weak self] outcome in
      loop.assumeIsolated().execute {
        guard let handle = self, handle.ivr.gather === run, !run.isFinished else { return }
        switch outcome {
        case .success:
          var typed = handle.digits
          handle.digits.removeAll()
          run.start(typedAhead: &typed)
          // Keys the gather did not need stay queued, in order.
          handle.digits.insert(contentsOf: typed, at: 0)
        case .failure(let error):
          run.abandon()
          deliver([.nil, .string(LuaCallIVR.message(error))])
        }
      }
    }
    return result
  }

  /// `valid`: the entry must match the Lua pattern (`string.match(entry, valid) ~= nil`).
  private func validCheck(_ pattern: String, _ call: LuaCall, _ options: IVROptions) throws -> (String) ->
    Bool
  {
    if binding.ivr.matcher == nil {
      binding.ivr.matcher = LuaPatternMatcher(runtime: call.runtime, state: call.state)
    }
    guard let matcher = binding.ivr.matcher else {
      throw options.error("valid", "cannot be checked: string.match is missing")
    }
    if case .failure(let error) = matcher.matches("", pattern) {
      throw options.error("valid", "is not a Lua pattern: \(error.message)")
    }
    return { entry in (try? matcher.matches(entry, pattern).get()) ?? false }
  }

  // MARK: - record

  /// `call:record(file [, {max_seconds = 3600, silence_seconds, stop_on_dtmf, beep, cb_final}])`
  /// → a `sip.recording` (`rec:wait()` → `seconds, reason`), or `nil, err`.
  func record(_ call: LuaCall) throws -> LuaResult {
    let path = try call.string(2)
    let options = try IVROptions(call, argument: 3)
    var configuration = RecordingController.Configuration()
    var beep: MediaSource?
    var callback: LuaReference?
    if let options {
      if let max = try options.number("max_seconds") {
        guard max.isFinite, max > 0, max <= 86_400 else {
          throw options.error("max_seconds", "must be more than 0 and at most 86400")
        }
        configuration.maxDuration = .nanoseconds(Int64(max * 1e9))
      }
      configuration.silenceDuration = try options.seconds("silence_seconds", in: 0.02...3600)
      configuration.stopKeys = try stopKeys(options)
      beep = try beepSource(options)
      callback = try options.function("cb_final")
    }
    let controller: RecordingController
    do {
      controller = try RecordingController(configuration)
    } catch {
      throw options?.error(error.option, error.message) ?? LuaArgumentError(error.description)
    }
    guard self.call.isAlive else { return .failure("hangup") }
    guard !self.call.streamIndexes.isEmpty else { return .failure("record: no media negotiated yet") }
    let output: RecordingRun.Output
    do {
      let sink = try FileWAVSink(path: path)
      if path.lowercased().hasSuffix(".wav") {
        output = .wav(try WAVWriter(sink: sink, sampleRate: UInt32(configuration.sampleRate)))
      } else {
        output = .raw(sink, law: .muLaw, offset: 0)
      }
    } catch let error as FileWAVSink.SystemError {
      return .failure("record: cannot \(error.operation): \(String(cString: strerror(error.errno)))")
    } catch {
      return .failure("record: cannot write \(path): \(error)")
    }
    let run = RecordingRun(ivr: ivr, path: path, controller: controller, output: output)
    run.callback = callback
    ivr.recordings.append(run)
    self.call.listenForDTMF()
    self.call.stream().hop(to: self.call.eventLoop).assumeIsolated().whenComplete { [beep] outcome in
      switch outcome {
      case .success(let stream): run.begin(on: stream, beep: beep)
      case .failure(let error): run.fail("record: \(LuaCallIVR.message(error))")
      }
    }
    return .value(.object(run))
  }

  private func stopKeys(_ options: IVROptions) throws -> Set<Character> {
    let all = Set("0123456789*#ABCD")
    switch try options.field("stop_on_dtmf", { type, _ in type }) {
    case .nil:
      return []
    case .boolean:
      return try options.boolean("stop_on_dtmf") == true ? all : []
    case .string:
      let keys = Set((try options.string("stop_on_dtmf") ?? "").uppercased())
      if let bad = keys.first(where: { !all.contains($0) }) {
        throw options.error("stop_on_dtmf", "'\(bad)' is not a DTMF key (0-9 * # A-D)")
      }
      return keys
    default:
      throw options.error("stop_on_dtmf", "must be true, false or a string of keys")
    }
  }

  /// `beep = true` (1 kHz, 0.25 s) or `{freq = Hz, seconds = s}`.
  private func beepSource(_ options: IVROptions) throws -> MediaSource? {
    switch try options.field("beep", { type, _ in type }) {
    case .nil: return nil
    case .boolean:
      guard try options.boolean("beep") == true else { return nil }
      return .tone(frequency: 1000, amplitude: 8000, milliseconds: 250)
    case .table:
      var frequency = 1000.0
      var seconds = 0.25
      try options.field("beep") { _, at throws(LuaArgumentError) in
        let nested = IVROptions(nested: options.call, index: at, name: "beep")
        frequency = try nested.number("freq") ?? frequency
        seconds = try nested.number("seconds") ?? seconds
      }
      guard frequency > 0, frequency < 4000 else {
        throw options.error("beep", "freq must be between 0 and 4000 Hz")
      }
      guard seconds > 0, seconds <= 10 else {
        throw options.error("beep", "seconds must be more than 0 and at most 10")
      }
      return .tone(frequency: frequency, amplitude: 8000, milliseconds: Int(seconds * 1000))
    default:
      throw options.error("beep", "must be true or {freq = Hz, seconds = s}")
    }
  }
}
