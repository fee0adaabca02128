internal import CLua
internal import CLuaShim
import Logging
import NIOCore
import RTPMedia
import SDP
import SIPCall
import SIPCore
import SIPProtocol
import SIPTransport

// sip.invite, sip.listen for calls, sip.rtp (docs/lua-api.md, "Calls").
extension CallBinding {
  func installFunctions(flattener: LuaReference?) {
    guard let runtime, let state = runtime.state else { return }
    runtime.register(LuaCallHandle.luaClass())
    runtime.register(LuaMediaBehavior.luaClass())
    runtime.register(RecordingRun.luaClass())
    runtime.register("rtp", in: "sip") { call in try self.rtp(call) }
    installBridge()
    lua_checkstack(state, 7)
    var source = CallLuaPrelude.source
    let status = source.withUTF8 { buffer in
      buffer.withMemoryRebound(to: CChar.self) { chars in
        "=sip.call".withCString { sipscript_loadbuffer(state, chars.baseAddress, chars.count, $0) }
      }
    }
    guard status == LUA_OK else {
      runtime.logger.critical("call prelude does not compile: \(runtime.describe(at: -1, in: state))")
      sipscript_lua_pop(state, 1)
      return
    }
    sipscript_getref(state, runtime.sipTableRef)
    runtime.pushNative(name: "invite", isMethod: false, { call in try self.invite(call) }, on: state)
    runtime.pushNative(name: "listen", isMethod: false, { call in try self.listen(call) }, on: state)
    runtime.push(flattener.map { .reference($0) } ?? .nil, on: state)
    runtime.pushNative(name: "request", isMethod: false, { call in try self.initialRequest(call) }, on: state)
    if lua_pcallk(state, 5, 0, 0, 0, nil) != LUA_OK {
      runtime.logger.critical("call prelude failed: \(runtime.describe(at: -1, in: state))")
      sipscript_lua_pop(state, 1)
    }
  }

  // MARK: - sip.invite(to, params)

  /// Without `cb_final` waits for the final response: `call` on success, `nil, code, reason`
  /// otherwise; with `cb_final` returns the call at once.
  func invite(_ call: LuaCall) throws -> LuaResult {
    let to = try call.string(1)
    guard let options = TransportTableReader(call, argument: 2) else {
      throw LuaArgumentError(argument: 2, function: "invite", isMethod: false, "table expected")
    }
    let paramsRef = call.reference(2)
    let headers =
      call.type(3) == .table
      ? TransportTableReader.stringArray(runtime: call.runtime, state: call.state, at: 3) ?? [] : []
    var (parameters, setKeys) = try readParameters(options, paramsRef: paramsRef, headers: headers)
    _ = setKeys
    let waits = parameters.cbFinal == nil
    let suspension = waits ? try call.suspension() : nil
    if let suspension {
      parameters.cbFinal = { [weak self] status, placed, info in
        guard let self else { return }
        if status == .ok {
          suspension.resume(with: [.reference(self.handle(for: placed).reference())])
        } else {
          suspension.resume(with: [.nil, .integer(Int64(info.code)), info.reason.map { .string($0) } ?? .nil])
        }
      }
    }
    let placed: Call
    do {
      placed = try agent.invite(to, parameters: parameters)
    } catch {
      // The token taken for the wait is used up with the failure (no "dropped token" warning).
      if let suspension {
        suspension.resume(with: [.nil, .string(error.description)])
        return .suspend
      }
      return .failure(error.description)
    }
    let handle = handle(for: placed)
    handle.params = paramsRef
    if waits {
      suspension?.onAbandon { [weak placed] in _ = placed?.bye() }
      return .suspend
    }
    return .value(.reference(handle.reference()))
  }

  // MARK: - sip.listen{...} (calls)

  func listen(_ call: LuaCall) throws -> LuaResult {
    guard let options = TransportTableReader(call, argument: 1) else {
      throw LuaArgumentError(argument: 1, function: "listen", isMethod: false, "table expected")
    }
    let optionsRef = call.reference(1)
    let runner = try call.function(2)
    let headers =
      call.type(3) == .table
      ? TransportTableReader.stringArray(runtime: call.runtime, state: call.state, at: 3) ?? [] : []
    let (parameters, _) = try readParameters(options, paramsRef: optionsRef, headers: headers)
    if let limit = try options.number("max_calls") {
      guard limit >= 1, limit <= 1_000_000 else { throw options.error("max_calls", "must be 1 to 1000000") }
      agent.configuration.maxCalls = Int(limit)
    }
    listenOptions = optionsRef
    incomingRunner = runner
    var listener = UserAgent.Listener(parameters: parameters)
    // cb_established and cb_cleanup of the options are the calls' own (parameters).
    listener.handler = { [weak self] incoming in self?.incoming(incoming) }
    agent.listen(listener)
    if !listenHold, let runtime {
      listenHold = true
      runtime.retainPendingWork()
    }
    return .value(.boolean(true))
  }

  /// A new call for the listener: its handle, then the prelude's runner in the call's task.
  func incoming(_ call: Call) {
    let handle = handle(for: call)
    handle.params = listenOptions
    guard let runner = incomingRunner, let options = listenOptions, call.invite != nil else {
      _ = call.answer()
      return
    }
    let task = run(runner, for: call, [.reference(handle.reference()), .reference(options)], name: "call")
    if task == nil { _ = call.reject(code: 503) }
  }

  /// The prelude's `native_request(call)`: the call's INVITE as a `sip.message`, made only when
  /// `filter` or `cb_create` is there to read it.
  func initialRequest(_ call: LuaCall) throws -> LuaResult {
    let handle = try call.object(1, as: LuaCallHandle.self)
    guard let invite = handle.call.invite else { return .value(.nil) }
    return .value(.object(LuaSIPMessage(invite)))
  }

  // MARK: - sip.rtp(method, ...)

  /// Net::SIP::Simple's `rtp`: an `init_media` value for the canned media behaviours.
  func rtp(_ call: LuaCall) throws -> LuaResult {
    let method = try call.string(1)
    switch method {
    case "media_send_recv":
      let input = try call.string(2)
      let count = try call.optionalInteger(3).map(Int.init)
      let output = try call.optionalString(4)
      return .value(
        .object(
          LuaMediaBehavior(name: method, CallMedia.sendReceive(input: input, repeat: count, output: output))))
    case "media_recv_echo":
      let output = try call.optionalString(2)
      let delay = try call.optionalInteger(3).map(Int.init)
      return .value(
        .object(LuaMediaBehavior(name: method, CallMedia.receiveEcho(output: output, delay: delay))))
    default:
      throw LuaArgumentError(
        argument: 1, function: "rtp", isMethod: false,
        "unknown method '\(method)' (media_send_recv, media_recv_echo)")
    }
  }
}

/// What `sip.rtp(...)` returns: a ready-made `init_media`.
final class LuaMediaBehavior {
  let name: String
  let initMedia: (Call) -> Void

  init(name: String, _ initMedia: @escaping (Call) -> Void) {
    self.name = name
    self.initMedia = initMedia
  }

  static func luaClass() -> LuaClass<LuaMediaBehavior> {
    var luaClass = LuaClass<LuaMediaBehavior>("sip.media")
    luaClass.fields["method"] = { .string($0.name) }
    luaClass.description = { "sip.media: \($0.name)" }
    return luaClass
  }
}

@available(*, unavailable)
extension LuaMediaBehavior: Sendable {}
