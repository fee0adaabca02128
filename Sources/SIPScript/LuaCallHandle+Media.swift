import NIOCore
import RTPMedia
import SIPCall

// Media words of `sip.call` on the call's first stream (docs/lua-api.md, "Calls"): they suspend
// only the calling task; after a hangup they return `nil, "hangup"`.
extension LuaCallHandle {
  /// Suspends the task until `future` completes: `true`, or `nil, "hangup"` / `nil, err`. With
  /// `callback` (the options' `cb_final`, DESIGN §3's waiting rule) returns `true` at once and
  /// runs `callback(result, err, call)` in a task of its own when the future completes.
  func suspend(
    until future: EventLoopFuture<Void>, _ call: LuaCall, callback: LuaReference? = nil,
    name: String = "cb_final"
  ) throws -> LuaResult {
    let suspension = callback == nil ? try call.suspension() : nil
    let bound = NIOLoopBound(self, eventLoop: self.call.eventLoop)
    future.hop(to: self.call.eventLoop).assumeIsolated().whenComplete { result in
      let handle = bound.value
      var values: [LuaValue]
      switch result {
      case .success:
        values = [.boolean(true)]
      case .failure(let error):
        if !handle.call.isAlive {
          values = [.nil, .string("hangup")]
        } else if case MediaError.stopped = error {
          values = [.nil, .string("stopped")]
        } else {
          values = [.nil, .string("\(error)")]
        }
      }
      if let suspension { suspension.resume(with: values) }
      if let callback {
        if values.count == 1 { values.append(.nil) }
        values.append(.reference(handle.reference()))
        handle.binding.run(callback, for: handle.call, values, name: name)
      }
    }
    return suspension == nil ? .value(.boolean(true)) : .suspend
  }

  /// The `cb_final` of a media word's options table at `argument`, if any.
  func finalCallback(_ call: LuaCall, argument: Int) throws -> LuaReference? {
    guard let table = TransportTableReader(call, argument: argument) else { return nil }
    return try table.function("cb_final")
  }

  /// `call:play_tone{freq = 440, seconds = 1 [, level = 8000]}` → `true` when played; without
  /// `seconds` the tone goes on until the next media word (and returns at once).
  func playTone(_ call: LuaCall) throws -> LuaResult {
    guard let table = TransportTableReader(call, argument: 2) else {
      throw LuaArgumentError(argument: 1, function: "play_tone", isMethod: true, "table expected")
    }
    let frequency = try table.number("freq") ?? 440
    guard frequency > 0, frequency < 4000 else { throw table.error("freq", "must be between 0 and 4000 Hz") }
    let seconds = try table.number("seconds")
    if let seconds, seconds <= 0 || seconds > 3600 { throw table.error("seconds", "must be 0 to 3600") }
    let level = try table.number("level") ?? 8000
    guard level >= 0, level <= 32767 else { throw table.error("level", "must be 0 to 32767") }
    guard self.call.isAlive else { return .failure("hangup") }
    let source = MediaSource.tone(
      frequency: frequency, amplitude: Int16(level), milliseconds: seconds.map { Int($0 * 1000) })
    let future = self.call.stream().flatMap { $0.play(source) }
    return try suspend(until: future, call, callback: try table.function("cb_final"))
  }

  /// `call:echo([delay_packets])`: sends back what arrives.
  func echo(_ call: LuaCall) throws -> LuaResult {
    let delay = Int(try call.optionalInteger(2) ?? 0)
    guard self.call.isAlive else { return .failure("hangup") }
    let future = self.call.stream().flatMap { $0.echo(.packets(max(delay, 0))) }
    return try suspend(until: future, call)
  }

  /// `call:stop_media()`: stops playing, echoing and recording (the recording file is closed).
  func stopMedia(_ call: LuaCall) throws -> LuaResult {
    guard self.call.isAlive else { return .failure("hangup") }
    let future = self.call.stream().flatMap { $0.stop() }
    return try suspend(until: future, call)
  }
}
