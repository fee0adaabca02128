import NIOCore
import RTPMedia
import SIPCall

// sip.bridge(a, b): two calls' media connected until either ends (docs/lua-api.md, "Calls").
extension CallBinding {
  func installBridge() {
    runtime?.register("bridge", in: "sip") { call in try self.bridge(call) }
  }

  /// `sip.bridge(a, b [, {cb_final = fn}])`: what each caller says, the other hears, until one
  /// of them hangs up; returns `true, ended` (the call that ended first) — the other call stays
  /// up — or `nil, err` when a call has no media. With `cb_final(ended)` it returns at once.
  func bridge(_ call: LuaCall) throws -> LuaResult {
    let first = try call.object(1, as: LuaCallHandle.self)
    let second = try call.object(2, as: LuaCallHandle.self)
    guard first !== second else {
      throw LuaArgumentError(
        argument: 2, function: "bridge", isMethod: false, "a call cannot be bridged with itself")
    }
    var callback: LuaReference?
    if let table = TransportTableReader(call, argument: 3) { callback = try table.function("cb_final") }
    guard first.call.isAlive, second.call.isAlive else { return .failure("hangup") }
    let suspension = callback == nil ? try call.suspension() : nil
    let loop = agent.eventLoop
    let bound = NIOLoopBound((self, first, second), eventLoop: loop)
    let streams = first.call.stream().and(second.call.stream()).hop(to: loop)
    streams.assumeIsolated().whenComplete { result in
      let (binding, first, second) = bound.value
      switch result {
      case .failure(let error):
        let message = first.call.isAlive && second.call.isAlive ? "no media to bridge: \(error)" : "hangup"
        if let suspension { suspension.resume(with: [.nil, .string(message)]) }
        if let callback {
          binding.run(callback, for: first.call, [.nil, .string(message)], name: "cb_final")
        }
      case .success(let (streamA, streamB)):
        var finished = false
        let end: (LuaCallHandle) -> Void = { ended in
          guard !finished else { return }
          finished = true
          // The call still up gets its own stream back (silence until the script plays).
          _ = streamA.bridge(with: nil)
          let value = LuaValue.reference(ended.reference())
          if let suspension { suspension.resume(with: [.boolean(true), value]) }
          if let callback { binding.run(callback, for: ended.call, [value], name: "cb_final") }
        }
        guard first.call.isAlive, second.call.isAlive else {
          return end(first.call.isAlive ? second : first)
        }
        first.hangupObservers.append { [unowned first] in end(first) }
        second.hangupObservers.append { [unowned second] in end(second) }
        _ = streamA.bridge(with: streamB)
      }
    }
    return suspension == nil ? .value(.boolean(true)) : .suspend
  }
}
