internal import CLua
internal import CLuaShim
import NIOCore
import SIPCall
import SIPCore
import SIPProtocol

// sip.register, sip.unregister and the account keys of sip.config — auth, outgoing_proxy,
// registrar (docs/lua-api.md, "Registration and authentication").
extension CallBinding {
  /// Registers `sip.register`, `sip.unregister` and the digest keys of `sip.listen`. Called by
  /// ``LuaRuntime/installCalls(_:)`` after the call functions.
  func installRegistration() {
    guard let runtime else { return }
    runtime.register("register", in: "sip") { [unowned self] call in try register(call) }
    runtime.register("unregister", in: "sip") { [unowned self] call in try unregister(call) }
    installListenAuthentication()
  }

  // MARK: - sip.config{ auth, outgoing_proxy, registrar }

  /// The account keys of `sip.config`, called by it: `from` (for calls and registrations too),
  /// `auth = {user=, password=, realm=}` answers
  /// challenges to every request of ours, `outgoing_proxy` receives every initial request
  /// (RFC 3261 §8.1.2), `registrar` is `sip.register`'s default.
  func configureAccount(_ table: TransportTableReader) throws(LuaArgumentError) {
    // Net::SIP's `from`: also the From of our calls and the address sip.register registers.
    if let text = try table.string("from"), let from = try? SIPNameAddress.parse(text) {
      agent.configuration.from = from
    }
    if let credentials = try table.credentials("auth") { agent.configuration.credentials = credentials }
    var proxy = try table.string("outgoing_proxy")
    if proxy == nil { proxy = try table.string("proxy") }
    if let text = proxy {
      agent.configuration.outgoingProxy = try table.sipURI(text, key: "outgoing_proxy")
    }
    if let text = try table.string("registrar") {
      agent.configuration.registrar = try table.sipURI(text, key: "registrar")
    }
  }

  // MARK: - sip.register{ registrar, expires, refresh, contact, from, auth, leg, cb_final }

  /// Without `cb_final` waits for the first outcome: `true, expires` or `nil, code, reason` (and
  /// a registration that failed at once stops there). With `cb_final` returns `true` at once and
  /// calls `cb_final(status, info)` after every REGISTER cycle. With `refresh` (the default) the
  /// binding is kept, and keeps the run alive, until `sip.unregister()` or the end of the script.
  func register(_ call: LuaCall) throws -> LuaResult {
    let options = TransportTableReader(call, argument: 1)
    guard options != nil || call.isNil(1) else {
      throw LuaArgumentError(argument: 1, function: "register", isMethod: false, "table expected")
    }
    guard
      let registrarURI = try options?.string("registrar").map({ text throws(LuaArgumentError) in
        try options!.sipURI(text, key: "registrar")
      }) ?? agent.configuration.registrar
    else {
      return .failure("register: no registrar (give 'registrar', or set it with sip.config)")
    }
    var parameters = Registration.Parameters(registrar: registrarURI)
    if let options {
      if let seconds = try options.number("expires") {
        guard seconds >= 1, seconds <= 2_147_483_647, seconds == seconds.rounded() else {
          throw options.error("expires", "must be a whole number of seconds, 1 to 2147483647")
        }
        parameters.expires = UInt32(seconds)
      }
      if let refresh = options.boolean("refresh") { parameters.refresh = refresh }
      if let text = try options.string("contact") {
        guard let contact = try? SIPNameAddress.parse(text) else {
          throw options.error("contact", "is not a SIP address")
        }
        parameters.contact = contact
      }
      if let text = try options.string("from") {
        guard let from = try? SIPNameAddress.parse(text) else {
          throw options.error("from", "is not a SIP address")
        }
        parameters.addressOfRecord = from
      }
      parameters.credentials = try options.credentials("auth")
      parameters.leg = try options.string("leg")
    }
    let callback = try options?.function("cb_final")
    guard callback != nil || call.canSuspend else {
      throw LuaArgumentError(
        "'register' must wait (or take cb_final), which is only possible directly in a task")
    }
    // No leg of the registrar's transport and address family: open one first (port 0, not
    // holding the run; docs/lua-api.md, "sip.register"), then register from it.
    if parameters.leg == nil, let transportBinding,
      transportBinding.pendingBinds > 0
        || !transportBinding.hasLeg(reaching: agent.configuration.outgoingProxy ?? registrarURI)
    {
      let suspension = callback == nil ? try call.suspension() : nil
      runtime?.retainPendingWork()
      let target = agent.configuration.outgoingProxy ?? registrarURI
      transportBinding.whenLegsReady { [weak self, weak transportBinding] in
        guard let transportBinding else { return }
        transportBinding.ensureLeg(for: target, preferringRoute: true) { [weak self] in
          defer { self?.runtime?.releasePendingWork() }
          // The task was stopped while the leg opened: nobody waits for this registration.
          guard let self, suspension?.isPending ?? true else { return }
          let failure = self.startRegistration(parameters, callback: callback, suspension: suspension)
          guard let failure else { return }
          if let suspension {
            suspension.resume(with: [.nil, .string(failure)])
          } else if let callback, let runtime = self.runtime {
            let info = LuaValue.table(LuaTable(fields: ["code": .integer(0), "reason": .string(failure)]))
            runtime.spawn(callback, arguments: [.string("FAIL"), info], name: "register cb_final")
          }
        }
      }
      return suspension == nil ? .value(.boolean(true)) : .suspend
    }
    // The token is taken once nothing can fail any more: one dropped unresumed would wake the
    // task with an error of its own.
    guard callback == nil else {
      if let failure = startRegistration(parameters, callback: callback, suspension: nil) {
        return .failure(failure)
      }
      return .value(.boolean(true))
    }
    let registration: Registration
    do {
      registration = try agent.register(parameters)
    } catch {
      return .failure(error.description)
    }
    guard let token = try? call.suspension() else {
      registration.close()
      return .failure("register: cannot wait here")
    }
    attach(registration, callback: nil, suspension: token)
    return .suspend
  }

  /// Starts the registration and attaches the script's callback or waiting task to it; returns
  /// the error message when the agent refused it.
  private func startRegistration(
    _ parameters: Registration.Parameters, callback: LuaReference?, suspension: LuaSuspension?
  ) -> String? {
    let registration: Registration
    do {
      registration = try agent.register(parameters)
    } catch {
      return error.description
    }
    attach(registration, callback: callback, suspension: suspension)
    return nil
  }

  /// Routes the outcomes of `registration` to the waiting task (`true, expires` or
  /// `nil, code, reason`) or to `cb_final`, and makes a kept binding hold the run.
  private func attach(_ registration: Registration, callback: LuaReference?, suspension: LuaSuspension?) {
    if registration.parameters.refresh, let runtime {
      // A kept binding is pending work: the script runs until it is removed.
      runtime.retainPendingWork()
      registration.onStop = { [weak runtime] _ in runtime?.releasePendingWork() }
    }
    registration.onOutcome = { [weak self] registration, outcome in
      guard let self, let runtime else { return }
      let (status, info) = Self.outcomeValues(outcome)
      if let suspension, suspension.isPending {
        switch outcome {
        case .registered(let expires, _):
          suspension.resume(with: [.boolean(true), .integer(Int64(expires))])
        case .failed(let code, let reason, _):
          // The script has its answer; retrying behind its back would keep the run alive.
          registration.close()
          suspension.resume(with: [.nil, .integer(Int64(code)), .string(reason)])
        case .unregistered:
          suspension.resume(with: [.nil, .integer(0), .string("unregistered before the registrar answered")])
        }
      } else if let callback, status != nil {
        runtime.spawn(callback, arguments: [.string(status ?? ""), info], name: "register cb_final")
      }
    }
    suspension?.onAbandon { [weak registration] in registration?.close() }
  }

  /// `cb_final`'s arguments: `"OK"` or `"FAIL"` and `{code, reason, expires, response}`; nil
  /// status for the end of the registration, which is not a REGISTER outcome.
  static func outcomeValues(_ outcome: Registration.Outcome) -> (String?, LuaValue) {
    var fields: [String: LuaValue] = [:]
    let status: String?
    switch outcome {
    case .registered(let expires, let response):
      status = "OK"
      fields["code"] = .integer(Int64(response?.statusCode ?? 200))
      fields["expires"] = .integer(Int64(expires))
      if let response { fields["response"] = .object(LuaSIPMessage(response)) }
    case .failed(let code, let reason, let response):
      status = "FAIL"
      fields["code"] = .integer(Int64(code))
      fields["reason"] = .string(reason)
      if let response { fields["response"] = .object(LuaSIPMessage(response)) }
    case .unregistered:
      status = nil
    }
    return (status, .table(LuaTable(fields: fields)))
  }

  // MARK: - sip.unregister([{cb_final = fn}])

  /// Removes every binding of `sip.register` (`Expires: 0`) and stops refreshing. Waits for the
  /// registrars' answers and returns `true`, or with `cb_final` returns at once and calls it
  /// (no arguments) when done.
  func unregister(_ call: LuaCall) throws -> LuaResult {
    let options = TransportTableReader(call, argument: 1)
    guard options != nil || call.isNil(1) else {
      throw LuaArgumentError(argument: 1, function: "unregister", isMethod: false, "table expected")
    }
    let callback = try options?.function("cb_final")
    let suspension = callback == nil ? try call.suspension() : nil
    if callback != nil { runtime?.retainPendingWork() }
    // Bounded by Timer F: a registrar that never answers still lets the script go on.
    agent.unregisterAll(timeout: .seconds(32)).assumeIsolated().whenComplete { [weak self] _ in
      if let suspension {
        suspension.resume(with: [.boolean(true)])
      } else if let callback, let runtime = self?.runtime {
        runtime.spawn(callback, name: "unregister cb_final")
        runtime.releasePendingWork()
      }
    }
    return suspension == nil ? .value(.boolean(true)) : .suspend
  }
}

extension TransportTableReader {
  /// `t[key]` as an account: `{user = "alice", password = "secret", realm = "example.com"}`
  /// (realm optional), or Net::SIP's `{"alice", "secret"}`; nil when absent.
  func credentials(_ key: String) throws(LuaArgumentError) -> SIPCredentials? {
    let result: Result<SIPCredentials?, LuaArgumentError> = withField(key) { type in
      guard type != LUA_TNIL else { return .success(nil) }
      guard type == LUA_TTABLE else { return .failure(error(key, "must be a table {user=, password=}")) }
      let inner = TransportTableReader(
        runtime: runtime, state: state, absoluteIndex: lua_gettop(state), function: function)
      func text(_ name: String, _ position: lua_Integer) -> Result<String?, LuaArgumentError> {
        var value = inner.withField(name) { t in t == LUA_TNIL ? nil : runtime.bytes(at: -1, in: state) }
        if value == nil, position > 0 {
          lua_rawgeti(state, inner.index, position)
          value = runtime.bytes(at: -1, in: state)
          sipscript_lua_pop(state, 1)
        }
        if value == nil, !inner.isNil(name) {
          return .failure(error("\(key).\(name)", "must be a string"))
        }
        return .success(value.map { String(decoding: $0, as: UTF8.self) })
      }
      let user: String?
      let password: String?
      let realm: String?
      switch (text("user", 1), text("password", 2), text("realm", 0)) {
      case (.success(let u), .success(let p), .success(let r)):
        (user, password, realm) = (u, p, r)
      case (.failure(let failure), _, _), (_, .failure(let failure), _), (_, _, .failure(let failure)):
        return .failure(failure)
      }
      guard let user, !user.isEmpty else { return .failure(error("\(key).user", "is missing")) }
      guard let password else { return .failure(error("\(key).password", "is missing")) }
      return .success(SIPCredentials(user: user, password: password, realm: realm))
    }
    return try result.get()
  }

  /// A SIP URI from `sip:host[:port]`, `sips:...` or Net::SIP's `host:port`.
  func sipURI(_ text: String, key: String) throws(LuaArgumentError) -> SIPURI {
    let lowered = text.lowercased()
    let written = lowered.hasPrefix("sip:") || lowered.hasPrefix("sips:") ? text : "sip:" + text
    guard let uri = try? SIPURI.parse(written), uri.isSIP, !uri.host.isEmpty else {
      throw error(key, "is not a SIP URI or host:port ('\(text)')")
    }
    return uri
  }
}
