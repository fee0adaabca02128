internal import CLua
internal import CLuaShim
import NIOCore
import RTPMedia
import SDP
import SIPCall
import SIPCore
import SIPProtocol

// The `sip.call` class: fields and methods (docs/lua-api.md, "Calls"). Methods that wait on the
// network suspend only the calling task and take `cb_final` to return at once instead
// (DESIGN §3's waiting rule); after a hangup they return `nil, "hangup"`.
extension LuaCallHandle {
  static func luaClass() -> LuaClass<LuaCallHandle> {
    var c = LuaClass<LuaCallHandle>("sip.call")
    c.fields["id"] = { .string($0.call.id) }
    c.fields["role"] = { .string($0.call.role.rawValue) }
    c.fields["state"] = { .string($0.call.state.rawValue) }
    c.fields["from"] = { handle in
      let address = handle.call.role == .uas ? handle.call.invite?.from : handle.call.localAddress
      return address.map { .string($0.description) } ?? .nil
    }
    c.fields["to"] = { handle in
      let address = handle.call.role == .uas ? handle.call.invite?.to : handle.call.peer
      return address.map { .string($0.description) } ?? .nil
    }
    c.fields["sdp"] = { $0.call.sdp.map { .object(LuaSDP($0)) } ?? .nil }
    c.fields["sdp_peer"] = { $0.call.sdpPeer.map { .object(LuaSDP($0)) } ?? .nil }
    c.fields["hangup_cause"] = { $0.call.hangupCause.map { .string(Self.name(of: $0)) } ?? .nil }
    c.fields["rtp_stats"] = { .table($0.statisticsTable()) }
    c.fields["params"] = { $0.params.map { .reference($0) } ?? .nil }
    c.fields["data"] = { $0.dataReference().map { .reference($0) } ?? .nil }
    c.description = { "sip.call \($0.call.role.rawValue) \($0.call.id) (\($0.call.state.rawValue))" }

    c.methods["ready"] = { handle, _ in .value(.boolean(handle.call.isAlive)) }
    c.methods["header"] = { handle, call in
      .value(handle.call.header(try call.string(2)).map { .string($0) } ?? .nil)
    }
    c.methods["get_peer"] = { handle, _ in .value(.string(handle.call.getPeer())) }
    c.methods["answer"] = { handle, call in try handle.answer(call) }
    c.methods["ringing"] = { handle, _ in handle.result(handle.call.ring(code: 180)) }
    c.methods["progress"] = { handle, _ in handle.result(handle.call.ring(code: 183)) }
    c.methods["reject"] = { handle, call in
      let code = try call.optionalInteger(2) ?? 603
      guard (300...699).contains(code) else {
        throw LuaArgumentError(argument: 2, function: "reject", isMethod: true, "status must be 300 to 699")
      }
      return handle.result(handle.call.reject(code: Int(code)))
    }
    c.methods["bye"] = { handle, call in try handle.bye(call) }
    c.methods["cancel"] = { handle, _ in handle.result(handle.call.cancel()) }
    c.methods["reinvite"] = { handle, call in try handle.reinvite(call) }
    c.methods["dtmf"] = { handle, call in try handle.dtmf(call) }
    c.methods["request"] = { handle, call in try handle.request(call) }
    c.methods["wait_bye"] = { handle, call in try handle.waitBye(call) }
    c.methods["wait_dtmf"] = { handle, call in try handle.waitDTMF(call) }
    c.methods["sleep"] = { handle, call in try handle.sleep(call) }
    c.methods["get_param"] = { handle, call in try handle.getParam(call) }
    c.methods["set_param"] = { handle, call in try handle.setParam(call) }
    c.methods["cleanup"] = { handle, _ in
      handle.call.cleanup()
      return .none
    }
    c.methods["rtp_cleanup"] = { handle, _ in
      handle.call.rtpCleanup()
      return .none
    }
    c.methods["add_cleanup"] = { handle, call in
      let function = try call.function(2)
      handle.call.cleanupCallbacks.append { [weak handle] in
        guard let handle else { return }
        handle.binding.run(function, for: handle.call, [.reference(handle.reference())], name: "call_cleanup")
      }
      return .none
    }
    c.methods["add_rtp_cleanup"] = { handle, call in
      let function = try call.function(2)
      handle.call.rtpCleanupCallbacks.append { [weak handle] in
        guard let handle else { return }
        handle.binding.run(function, for: handle.call, [.reference(handle.reference())], name: "rtp_cleanup")
      }
      return .none
    }
    c.methods["transfer"] = { handle, call in try handle.transfer(call) }
    c.methods["notify_refer"] = { handle, call in
      let code = try call.integer(2)
      guard (100...699).contains(code) else {
        throw LuaArgumentError(
          argument: 1, function: "notify_refer", isMethod: true, "status must be 100 to 699")
      }
      return handle.result(handle.call.notifyRefer(status: Int(code), reason: try call.optionalString(3)))
    }
    addIVRMethods(to: &c)
    c.methods["play_tone"] = { handle, call in try handle.playTone(call) }
    c.methods["echo"] = { handle, call in try handle.echo(call) }
    c.methods["stop_media"] = { handle, call in try handle.stopMedia(call) }
    return c
  }

  func result(_ outcome: Result<Void, CallError>) -> LuaResult {
    switch outcome {
    case .success: .value(.boolean(true))
    case .failure(let error): .failure(error.description)
    }
  }

  // MARK: - Call control

  /// `call:answer([{wait = false}])`: 200 with our SDP, then waits for the ACK (true) unless
  /// `wait` is false; `nil, err` when the call cannot be answered, `nil, "hangup"` if it ends.
  func answer(_ call: LuaCall) throws -> LuaResult {
    let options = TransportTableReader(call, argument: 2)
    let waits = options?.boolean("wait") ?? true
    if case .failure(let error) = self.call.answer() { return .failure(error.description) }
    guard waits, self.call.state == .answered else { return .value(.boolean(true)) }
    wait(.established, try call.suspension(), timeout: nil)
    return .suspend
  }

  /// `call:bye([params])`: ends the call; waits for the BYE's response unless `cb_final` is given.
  func bye(_ call: LuaCall) throws -> LuaResult {
    var callback: LuaReference?
    var changes: CallParameters?
    var keys: Set<String> = []
    if let table = TransportTableReader(call, argument: 2) {
      callback = try table.function("cb_final")
      let (read, setKeys) = try binding.readParameters(
        table, paramsRef: call.reference(2), headers: [])
      changes = read
      changes?.cbFinal = nil
      keys = setKeys
    }
    guard self.call.isAlive else { return .failure("hangup") }
    let confirmed = [.answered, .established, .held].contains(self.call.state)
    if let callback {
      let outcome = self.call.bye(changes, setKeys: keys) { [weak self] result in
        guard let self else { return }
        var fields: [String: LuaValue] = [:]
        switch result {
        case .success(let response): fields["code"] = .integer(Int64(response.statusCode ?? 0))
        case .failure(let error): fields["error"] = .string(error.description)
        }
        let status = (try? result.get()).map { (200..<300).contains($0.statusCode ?? 0) } ?? false
        binding.run(
          callback, for: self.call,
          [.string(status ? "OK" : "FAIL"), .reference(reference()), .table(LuaTable(fields: fields))],
          name: "cb_final")
      }
      return result(outcome)
    }
    guard confirmed, call.canSuspend else { return result(self.call.bye(changes, setKeys: keys)) }
    let suspension = try call.suspension()
    let outcome = self.call.bye(changes, setKeys: keys) { result in
      switch result {
      case .success(let response):
        suspension.resume(with: [.boolean(true), .integer(Int64(response.statusCode ?? 0))])
      case .failure(let error):
        suspension.resume(with: [.nil, .string(error.description)])
      }
    }
    if case .failure(let error) = outcome { return .failure(error.description) }
    return .suspend
  }

  /// `call:reinvite(params)`: merges `params`, sends a re-INVITE; waits for the final response
  /// (`true, code` or `nil, code, reason`) unless `cb_final` is given.
  func reinvite(_ call: LuaCall) throws -> LuaResult {
    var changes: CallParameters?
    var keys: Set<String> = []
    var callback: LuaReference?
    if let table = TransportTableReader(call, argument: 2) {
      let (read, setKeys) = try binding.readParameters(table, paramsRef: call.reference(2), headers: [])
      callback = try table.function("cb_final")
      changes = read
      changes?.cbFinal = nil
      keys = setKeys
    }
    if let callback {
      return result(
        self.call.reinvite(changes, setKeys: keys) { [weak self] status, info in
          guard let self else { return }
          binding.run(
            callback, for: self.call,
            [
              .string(status.rawValue), .reference(reference()),
              .table(LuaTable(fields: ["code": .integer(Int64(info.code))])),
            ],
            name: "cb_final")
        })
    }
    let suspension = try call.suspension()
    let outcome = self.call.reinvite(changes, setKeys: keys) { status, info in
      if status == .ok {
        suspension.resume(with: [.boolean(true), .integer(Int64(info.code))])
      } else {
        suspension.resume(with: [.nil, .integer(Int64(info.code)), info.reason.map { .string($0) } ?? .nil])
      }
    }
    if case .failure(let error) = outcome { return .failure(error.description) }
    return .suspend
  }

  /// `call:dtmf(digits [, {method = "rfc4733"|"info", cb_final = fn}])`: waits until sent.
  func dtmf(_ call: LuaCall) throws -> LuaResult {
    let keys = try call.string(2)
    var method: DTMFMethod?
    var callback: LuaReference?
    if let table = TransportTableReader(call, argument: 3) {
      if let name = try table.string("method") {
        switch name.lowercased() {
        case "rfc4733", "rfc2833", "rtp": method = .rfc4733
        case "info": method = .info
        default: throw table.error("method", "must be rfc4733 or info")
        }
      }
      callback = try table.function("cb_final")
    }
    let future = self.call.dtmf(keys, method: method)
    if let callback {
      future.assumeIsolated().whenComplete { [weak self] result in
        guard let self else { return }
        let ok: Bool
        if case .success = result { ok = true } else { ok = false }
        binding.run(
          callback, for: self.call, [.string(ok ? "OK" : "FAIL"), .reference(reference())], name: "cb_final")
      }
      return .value(.boolean(true))
    }
    let suspension = try call.suspension()
    future.assumeIsolated().whenComplete { [weak self] result in
      switch result {
      case .success: suspension.resume(with: [.boolean(true)])
      case .failure(let error):
        let ended = self.map { !$0.call.isAlive } ?? true
        suspension.resume(with: [.nil, .string(ended ? "hangup" : "\(error)")])
      }
    }
    return .suspend
  }

  /// `call:request(method [, body [, {content_type, cb_final}]])`: a request inside the dialog;
  /// the response (a `sip.message`) or `nil, err`.
  func request(_ call: LuaCall) throws -> LuaResult {
    let method = try call.string(2).uppercased()
    let body = call.isNil(3) ? [] : try call.bytes(3)
    var contentType: String? = body.isEmpty ? nil : "text/plain"
    var callback: LuaReference?
    if let table = TransportTableReader(call, argument: 4) {
      contentType = try table.string("content_type") ?? contentType
      callback = try table.function("cb_final")
    }
    if let callback {
      return result(
        self.call.request(method, body: body, contentType: contentType) { [weak self] outcome in
          guard let self else { return }
          let value: LuaValue = (try? outcome.get()).map { .object(LuaSIPMessage($0)) } ?? .nil
          binding.run(callback, for: self.call, [value, .reference(reference())], name: "cb_final")
        })
    }
    let suspension = try call.suspension()
    let outcome = self.call.request(method, body: body, contentType: contentType) { outcome in
      switch outcome {
      case .success(let response): suspension.resume(with: [.object(LuaSIPMessage(response))])
      case .failure(let error): suspension.resume(with: [.nil, .string(error.description)])
      }
    }
    if case .failure(let error) = outcome { return .failure(error.description) }
    return .suspend
  }

  /// `call:transfer(uri [, {cb_final = fn, timeout = s}])`: REFER, then the transferred call's
  /// final status from the peer's NOTIFYs → `true, code` for 2xx, `nil, code` (or `nil, err`).
  func transfer(_ call: LuaCall) throws -> LuaResult {
    let target = try call.string(2)
    var callback: LuaReference?
    var timeout = 64.0
    if let table = TransportTableReader(call, argument: 3) {
      callback = try table.function("cb_final")
      timeout = try table.number("timeout") ?? timeout
    }
    guard self.call.isAlive else { return .failure("hangup") }
    let future = self.call.transfer(to: target, timeout: .milliseconds(Int64(timeout * 1000)))
    let values: (Result<Int, any Error>, Call) -> [LuaValue] = { result, call in
      switch result {
      case .success(let code) where (200..<300).contains(code): [.boolean(true), .integer(Int64(code))]
      case .success(let code): [.nil, .integer(Int64(code))]
      case .failure(let error):
        if let code = call.lastTransferStatus {
          [.nil, .integer(Int64(code))]
        } else {
          [.nil, .string("\(error)")]
        }
      }
    }
    if let callback {
      future.assumeIsolated().whenComplete { [weak self] result in
        guard let self else { return }
        binding.run(callback, for: self.call, values(result, self.call), name: "cb_final")
      }
      return .value(.boolean(true))
    }
    let suspension = try call.suspension()
    future.assumeIsolated().whenComplete { [weak self] result in
      guard let self else { return }
      suspension.resume(with: values(result, self.call))
    }
    return .suspend
  }

  // MARK: - Waiting

  func timeout(_ call: LuaCall, argument: Int) throws -> Double? {
    if call.type(argument) == .number { return try call.number(argument) }
    guard let table = TransportTableReader(call, argument: argument) else { return nil }
    return try table.number("timeout")
  }

  /// `call:wait_bye([{timeout = s}])` → `true, cause` once the call has ended, `nil, "timeout"`.
  func waitBye(_ call: LuaCall) throws -> LuaResult {
    guard self.call.isAlive else {
      return .values([.boolean(true), self.call.hangupCause.map { .string(Self.name(of: $0)) } ?? .nil])
    }
    wait(.hangup, try call.suspension(), timeout: try timeout(call, argument: 2))
    return .suspend
  }

  /// `call:wait_dtmf([{timeout = s}])` → `key, method, duration_ms`, or `nil, "timeout"|"hangup"`.
  func waitDTMF(_ call: LuaCall) throws -> LuaResult {
    if !digits.isEmpty {
      return .values(Self.values(of: digits.removeFirst()))
    }
    guard self.call.isAlive else { return .failure("hangup") }
    self.call.listenForDTMF()
    wait(.dtmf, try call.suspension(), timeout: try timeout(call, argument: 2))
    return .suspend
  }

  /// `call:sleep(s)` → `true` after `s` seconds, `nil, "hangup"` if the call ends first.
  func sleep(_ call: LuaCall) throws -> LuaResult {
    let seconds = try call.number(2)
    guard seconds >= 0, seconds <= 86_400 else {
      throw LuaArgumentError(argument: 1, function: "sleep", isMethod: true, "seconds must be 0 to 86400")
    }
    guard self.call.isAlive else { return .failure("hangup") }
    let suspension = try call.suspension()
    // A hangup wait that ends with true at its timeout: the waiter list resumes it with
    // nil, "hangup" if the call ends first.
    let waiter = Waiter(id: nextWaiterID, wanted: .final, suspension: suspension)
    nextWaiterID += 1
    waiters.append(waiter)
    let bound = NIOLoopBound(self, eventLoop: self.call.eventLoop)
    let id = waiter.id
    waiter.timer = self.call.eventLoop.scheduleTask(in: .nanoseconds(Int64(seconds * 1e9))) {
      bound.value.finish(waiterID: id, with: [.boolean(true)])
    }
    suspension.onAbandon { [weak self] in self?.waiters.removeAll { $0 === waiter } }
    return .suspend
  }

  // MARK: - Parameters and data

  func getParam(_ call: LuaCall) throws -> LuaResult {
    let key = try call.string(2)
    guard let params, let runtime, let state = runtime.state else { return .value(.nil) }
    let L = call.state
    lua_checkstack(L, 4)
    sipscript_getref(L, params.ref)
    runtime.pushString(key, on: L)
    lua_rawget(L, -2)
    let value = runtime.makeReference(at: -1, in: L)
    sipscript_lua_pop(L, 2)
    _ = state
    return .value(.reference(value))
  }

  func setParam(_ call: LuaCall) throws -> LuaResult {
    let key = try call.string(2)
    guard let runtime else { return .none }
    let L = call.state
    if params == nil {
      lua_checkstack(L, 2)
      lua_createtable(L, 0, 4)
      params = runtime.makeReference(at: -1, in: L)
      sipscript_lua_pop(L, 1)
    }
    guard let params else { return .none }
    lua_checkstack(L, 4)
    sipscript_getref(L, params.ref)
    let table = lua_gettop(L)
    runtime.pushString(key, on: L)
    lua_pushvalue(L, 3)
    lua_rawset(L, table)
    if CallBinding.parameterKeys.contains(key) {
      // A Net::SIP key changes the call's behaviour too: read the table again.
      let reader = TransportTableReader(
        runtime: runtime, state: L, absoluteIndex: table, function: "set_param")
      do {
        let (read, keys) = try binding.readParameters(reader, paramsRef: params, headers: [])
        self.call.parameters = self.call.parameters.merging(read, setKeys: keys)
      } catch {
        sipscript_lua_pop(L, 1)
        throw error
      }
    }
    sipscript_lua_pop(L, 1)
    return .none
  }

  func dataReference() -> LuaReference? {
    if let data { return data }
    guard let runtime, let state = runtime.state else { return nil }
    lua_checkstack(state, 2)
    lua_createtable(state, 0, 4)
    data = runtime.makeReference(at: -1, in: state)
    sipscript_lua_pop(state, 1)
    return data
  }

  func statisticsTable() -> LuaTable {
    var total = MediaStreamStatistics()
    var jitter = 0.0
    let now = call.mediaStatisticsNow()
    for figures in (now.isEmpty ? call.lastStatistics : now).values {
      total.packetsSent += figures.packetsSent
      total.bytesSent += figures.bytesSent
      total.packetsReceived += figures.packetsReceived
      total.bytesReceived += figures.bytesReceived
      total.lost += figures.lost
      jitter = max(jitter, figures.jitterMilliseconds)
    }
    return LuaTable(fields: [
      "packets_sent": .integer(Int64(total.packetsSent)), "bytes_sent": .integer(Int64(total.bytesSent)),
      "packets_received": .integer(Int64(total.packetsReceived)),
      "bytes_received": .integer(Int64(total.bytesReceived)), "lost": .integer(Int64(total.lost)),
      "jitter_ms": .number(jitter),
    ])
  }
}
