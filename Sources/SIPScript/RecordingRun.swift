import IVRCore
import NIOCore
import RTPCore
import RTPMedia

/// Drives one `call:record(file, {…})`, and is the `sip.recording` object the script holds:
/// IVRCore's ``IVRCore/RecordingController`` (silence, `max_seconds`, stop keys) fed with the
/// call's received audio and keys, its timers armed on the call's loop, its `write` actions put
/// into the file, which is closed on every way the recording ends — the limits, a key,
/// `rec:stop()`, `call:stop_media()`, the call's end, a write error.
///
/// Audio reaches it through the stream's recorder slot (``ForwardingRecorder``, one decoded
/// packet at a time, posted from the media loop). A peer that sends nothing (silence
/// suppression, hold) is heard as silence: when no packet has come for 300 ms, silent frames
/// fill the gap, so `silence_seconds` still ends the recording.
///
/// Not thread-safe: on the call's event loop.
final class RecordingRun {
  enum Output {
    case wav(WAVWriter<FileWAVSink>)
    /// Net::SIP's raw payload octets in the stream's G.711 law.
    case raw(FileWAVSink, law: G711Law, offset: UInt64)
  }

  /// Held strongly: the run may outlive the script's reference to the call; the cycle through
  /// `ivr.recordings` / `ivr.gather` ends when the run finishes.
  private let handle: LuaCallHandle
  private var ivr: LuaCallIVR { handle.ivr }
  let path: String
  private var controller: RecordingController
  private var output: Output?
  private var pending: [Int16] = []
  /// Samples the controller has written (flushed or pending).
  private(set) var samplesWritten = 0
  private(set) var result: RecordingResult?
  /// Why the file could not be written, or why the recording could not start.
  private(set) var failure: String?
  private var stream: MediaStream?
  private var attached = false
  private var timers: [IVRTimerID: Scheduled<Void>] = [:]
  private var gapTask: RepeatedTask?
  private var lastAudio: UInt64 = 0
  private var waiters: [(id: Int, suspension: LuaSuspension, timer: Scheduled<Void>?)] = []
  private var nextWaiterID = 0
  var callback: LuaReference?

  static let flushSamples = 8000
  static let frame = 160
  static let frameNanoseconds: UInt64 = 20_000_000
  /// No packet for this long: the gap is silence.
  static let gapNanoseconds: UInt64 = 300_000_000

  init(ivr: LuaCallIVR, path: String, controller: RecordingController, output: Output) {
    self.handle = ivr.handle
    self.path = path
    self.controller = controller
    self.output = output
  }

  var loop: any EventLoop { ivr.call.eventLoop }
  var isFinished: Bool { result != nil }

  /// Whether `key` ends this recording (`stop_on_dtmf`).
  func stops(on key: Character) -> Bool {
    !isFinished && controller.configuration.stopKeys.contains(Character(key.uppercased()))
  }

  // MARK: - Starting

  /// Plays the beep (if any), then takes the stream's audio and starts the controller.
  func begin(on stream: MediaStream, beep: MediaSource?) {
    guard !isFinished else { return }
    self.stream = stream
    if case .raw(let sink, _, let offset) = output {
      output = .raw(sink, law: stream.codec.law, offset: offset)
    }
    guard let beep else { return attach() }
    let bound = NIOLoopBound(self, eventLoop: loop)
    stream.play(beep).hop(to: loop).whenComplete { _ in bound.value.attach() }
  }

  /// The recording could not start (no media): it ends at once, with `message`.
  func fail(_ message: String) {
    failure = failure ?? message
    perform(controller.handle(.stop))
  }

  private func attach() {
    guard !isFinished, let stream, ivr.call.isAlive else {
      if !isFinished { perform(controller.handle(.hangup)) }
      return
    }
    let bound = NIOLoopBound(self, eventLoop: loop)
    let loop = self.loop
    ivr.streamRecorder = self
    attached = true
    _ = stream.record(
      .recorder {
        ForwardingRecorder(
          deliver: { frame in loop.execute { bound.value.audio(frame) } },
          ended: { loop.execute { bound.value.streamEnded() } })
      })
    lastAudio = loop.now.uptimeNanoseconds
    gapTask = loop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { _ in
      bound.value.fillGap()
    }
    perform(controller.handle(.start))
  }

  // MARK: - Events

  func audio(_ frame: [Int16]) {
    guard !isFinished else { return }
    lastAudio = loop.now.uptimeNanoseconds
    perform(controller.handle(.audio(frame)))
  }

  private func fillGap() {
    guard !isFinished else { return }
    let now = loop.now.uptimeNanoseconds
    guard now > lastAudio, now - lastAudio >= Self.gapNanoseconds else { return }
    let frames = (now - lastAudio) / Self.frameNanoseconds
    lastAudio += frames * Self.frameNanoseconds
    let silence = [Int16](repeating: 0, count: Self.frame)
    for _ in 0..<frames where !isFinished {
      perform(controller.handle(.audio(silence)))
    }
  }

  func digit(_ key: Character) {
    perform(controller.handle(.digit(key)))
  }

  /// `rec:stop()`.
  func stop() {
    perform(controller.handle(.stop))
  }

  func hangup() {
    perform(controller.handle(.hangup))
  }

  /// The stream dropped our recorder: closed (the call ended) or replaced (`stop_media`, another
  /// recording).
  private func streamEnded() {
    guard !isFinished else { return }
    attached = false
    if ivr.streamRecorder === self { ivr.streamRecorder = nil }
    perform(controller.handle(ivr.call.isAlive ? .stop : .hangup))
  }

  // MARK: - Actions

  private func perform(_ actions: [RecordingController.Action]) {
    for action in actions {
      switch action {
      case .write(let samples):
        samplesWritten += samples.count
        pending.append(contentsOf: samples)
        if pending.count >= Self.flushSamples { flush() }
      case .arm(let id, let after):
        let bound = NIOLoopBound(self, eventLoop: loop)
        timers[id] = loop.scheduleTask(in: after.nanosecondAmount) {
          let run = bound.value
          guard run.timers.removeValue(forKey: id) != nil else { return }
          run.perform(run.controller.handle(.timerFired(id)))
        }
      case .cancel(let id):
        timers.removeValue(forKey: id)?.cancel()
      case .finish(let outcome):
        finished(outcome)
      }
    }
  }

  private func flush() {
    guard !pending.isEmpty, let current = output else { return }
    let samples = pending
    pending.removeAll(keepingCapacity: true)
    do {
      switch current {
      case .wav(var writer):
        output = nil  // the writer is a value: take it out while it changes
        defer { output = .wav(writer) }
        try writer.append(samples)
      case .raw(let sink, let law, let offset):
        let bytes = law.encode(samples)
        try sink.write(bytes, at: offset)
        output = .raw(sink, law: law, offset: offset + UInt64(bytes.count))
      }
    } catch {
      failure = failure ?? "record: cannot write \(path): \(error)"
      ivr.call.agent.logger.warning("\(failure ?? "")", metadata: ["call-id": "\(ivr.call.id)"])
      // Ends the recording; what could not be written is not counted.
      samplesWritten -= samples.count
      perform(controller.handle(.stop))
    }
  }

  private func finished(_ outcome: RecordingResult) {
    flush()
    switch output {
    case .wav(let writer): writer.sink.close()
    case .raw(let sink, _, _): sink.close()
    case nil: break
    }
    output = nil
    for timer in timers.values { timer.cancel() }
    timers.removeAll()
    gapTask?.cancel()
    gapTask = nil
    var final = outcome
    final.samples = samplesWritten
    result = final
    if attached, ivr.streamRecorder === self, let stream {
      _ = stream.stopRecording()
    }
    attached = false
    if ivr.streamRecorder === self { ivr.streamRecorder = nil }
    ivr.recordings.removeAll { $0 === self }
    let values = resultValues()
    let waiting = waiters
    waiters.removeAll()
    for waiter in waiting {
      waiter.timer?.cancel()
      waiter.suspension.resume(with: values)
    }
    if let callback {
      self.callback = nil
      handle.binding.run(
        callback, for: handle.call, Array(values.prefix(2)) + [.reference(handle.reference())],
        name: "cb_final")
    }
  }

  // MARK: - For Lua

  var seconds: Double {
    Double(result?.samples ?? samplesWritten) / Double(controller.configuration.sampleRate)
  }

  /// `seconds, reason [, key]` once ended; `nil, err` when nothing could be recorded.
  func resultValues() -> [LuaValue] {
    guard let result else { return [.nil, .string("recording")] }
    if let failure, result.samples == 0 { return [.nil, .string(failure)] }
    var values: [LuaValue] = [.number(seconds), .string(result.reason.name)]
    if case .dtmf(let key) = result.reason { values.append(.string(String(key))) }
    return values
  }

  /// `rec:wait([{timeout = s}])`.
  func wait(_ suspension: LuaSuspension, timeout: Double?) {
    let id = nextWaiterID
    nextWaiterID += 1
    var timer: Scheduled<Void>?
    if let timeout {
      let bound = NIOLoopBound(self, eventLoop: loop)
      timer = loop.scheduleTask(in: .nanoseconds(Int64(timeout * 1e9))) {
        let run = bound.value
        guard let index = run.waiters.firstIndex(where: { $0.id == id }) else { return }
        run.waiters.remove(at: index).suspension.resume(with: [.nil, .string("timeout")])
      }
    }
    waiters.append((id, suspension, timer))
    suspension.onAbandon { [weak self] in
      guard let self, let index = waiters.firstIndex(where: { $0.id == id }) else { return }
      waiters.remove(at: index).timer?.cancel()
    }
  }
}

/// The stream's recorder of a ``RecordingRun``: each decoded packet is copied and posted to the
/// call's loop; the end of the recorder (stream closed or recorder replaced) is posted too.
final class ForwardingRecorder: MediaRecorder {
  private let deliver: @Sendable ([Int16]) -> Void
  private let ended: @Sendable () -> Void

  init(deliver: @escaping @Sendable ([Int16]) -> Void, ended: @escaping @Sendable () -> Void) {
    self.deliver = deliver
    self.ended = ended
  }

  func record(samples: UnsafeBufferPointer<Int16>, payload: UnsafeRawBufferPointer) throws {
    deliver(Array(samples))
  }

  func finish() throws {
    ended()
  }
}

@available(*, unavailable)
extension RecordingRun: Sendable {}

extension RecordingRun {
  /// The `sip.recording` class (docs/lua-api.md, `call:record`).
  static func luaClass() -> LuaClass<RecordingRun> {
    var c = LuaClass<RecordingRun>("sip.recording")
    c.fields["file"] = { .string($0.path) }
    c.fields["seconds"] = { .number($0.seconds) }
    c.fields["recording"] = { .boolean(!$0.isFinished) }
    c.fields["reason"] = { run in run.result.map { .string($0.reason.name) } ?? .nil }
    c.fields["key"] = { run in
      if case .dtmf(let key)? = run.result?.reason { return .string(String(key)) }
      return .nil
    }
    c.fields["heard_sound"] = { run in run.result.map { .boolean($0.heardSound) } ?? .nil }
    c.fields["error"] = { run in run.failure.map { .string($0) } ?? .nil }
    c.description = { run in
      "sip.recording \(run.path) (\(run.result.map { $0.reason.name } ?? "recording"))"
    }
    c.methods["wait"] = { run, call in
      if run.isFinished { return .values(run.resultValues()) }
      var timeout: Double?
      if call.type(2) == .number {
        timeout = try call.number(2)
      } else if let options = try IVROptions(call, argument: 2) {
        timeout = try options.number("timeout")
      }
      if let timeout, !(timeout >= 0 && timeout <= 86_400) {
        throw LuaArgumentError(
          argument: 2, function: "wait", isMethod: true, "timeout must be 0 to 86400 seconds")
      }
      run.wait(try call.suspension(), timeout: timeout)
      return .suspend
    }
    c.methods["stop"] = { run, _ in
      run.stop()
      return .values(run.resultValues())
    }
    c.close = { run in run.stop() }
    return c
  }
}
