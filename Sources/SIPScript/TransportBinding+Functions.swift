internal import CLua
internal import CLuaShim
import NIOCore
import SIPCore
import SIPProtocol
import SIPTransport

// sip.config, sip.legs, sip.request and sip.listen (docs/lua-api-transport.md).
extension TransportBinding {
  func installFunctions() {
    guard let runtime, let state = runtime.state else { return }
    runtime.register("config", in: "sip") { call in try self.config(call) }
    runtime.register("legs", in: "sip") { call in try self.legs(call) }
    runtime.register("stats", in: "sip") { _ in .value(self.statsValue()) }
    // The natives hold the binding strongly (the runtime keeps them; the binding holds the
    // runtime weakly). The prelude gets sip and the two natives as arguments and defines sip.request/sip.listen.
    lua_checkstack(state, 6)
    var source = TransportLuaPrelude.source
    let status = source.withUTF8 { buffer in
      buffer.withMemoryRebound(to: CChar.self) { chars in
        "=sip.transport".withCString { sipscript_loadbuffer(state, chars.baseAddress, chars.count, $0) }
      }
    }
    guard status == LUA_OK else {
      runtime.logger.critical("transport prelude does not compile: \(runtime.describe(at: -1, in: state))")
      sipscript_lua_pop(state, 1)
      return
    }
    sipscript_getref(state, runtime.sipTableRef)
    runtime.pushNative(
      name: "request", isMethod: false, { call in try self.request(call) }, on: state)
    runtime.pushNative(
      name: "listen", isMethod: false, { call in try self.listen(call) }, on: state)
    if lua_pcallk(state, 3, 1, 0, 0, nil) != LUA_OK {
      runtime.logger.critical("transport prelude failed: \(runtime.describe(at: -1, in: state))")
      sipscript_lua_pop(state, 1)
      return
    }
    headerFlattener = runtime.makeReference(at: -1, in: state)
    sipscript_lua_pop(state, 1)
  }

  // MARK: - sip.config{ legs = {...}, from = ..., domain = ... }

  func config(_ call: LuaCall) throws -> LuaResult {
    guard let table = TransportTableReader(call, argument: 1) else {
      throw LuaArgumentError(argument: 1, function: call.name, isMethod: false, "table expected")
    }
    if let from = try table.string("from") {
      guard (try? SIPNameAddress.parse(from)) != nil else {
        throw table.error("from", "is not a SIP address")
      }
      self.from = from
    }
    if let domain = try table.string("domain") { self.domain = domain }
    try calls?.configureAccount(table)  // auth, outgoing_proxy, registrar (CallBinding+Registration.swift)
    try calls?.configureSpeech(table)  // speech_cache_* (IVRServices.swift)
    if let limit = try table.number("max_transactions") {
      guard limit >= 1, limit <= 10_000_000 else {
        throw table.error("max_transactions", "must be 1 to 10000000")
      }
      transport.setMaxTransactions(Int(limit))
    }
    try configureTimers(table)
    if let loss = try table.number("simulated_loss") {
      guard loss >= 0, loss <= 1 else { throw table.error("simulated_loss", "must be between 0 and 1") }
      transport.simulatedLoss = loss
    }
    var addresses: [ListenAddress] = []
    for text in try table.strings("legs") ?? table.strings("leg") ?? [] {
      do throws(ListenAddressError) {
        addresses.append(try ListenAddress(parsing: text))
      } catch {
        return .failure(error.description)
      }
    }
    // A leg already open at that address is kept, not opened twice (hot reload runs the script
    // again); port 0 matches an open leg of the same transport and host.
    addresses.removeAll { address in
      transport.legs.contains { leg in
        leg.transport.rawValue == address.transport.rawValue && leg.host == address.host
          && (address.port == 0 || leg.port == Int(address.port))
      }
    }
    guard !addresses.isEmpty else { return .value(legsValue()) }
    guard call.canSuspend else {
      open(addresses, hold: true)
      return .none
    }
    let suspension = try call.suspension()
    open(addresses, hold: true) { [weak self] errors in
      guard let self else { return }
      if let first = errors.first {
        suspension.resume(with: [.nil, .string(first)])
      } else {
        suspension.resume(with: [legsValue()])
      }
    }
    return .suspend
  }

  /// `t1`, `t2`, `t4` in seconds (RFC 3261 §17.1.1.1; 0.5, 4 and 5 by default): a short T1 for
  /// a loopback test, a longer one for a slow satellite link. Each must keep T1 ≤ T2.
  /// `trying_delay` in seconds (0.2 by default, 0–32): how long an INVITE waits for the script's
  /// first response before the 100 Trying goes out by itself (RFC 3261 §17.2.1); 0: at once.
  func configureTimers(_ table: TransportTableReader) throws {
    var timers = transport.timers
    func duration(_ key: String, _ range: ClosedRange<Double>) throws -> Duration? {
      guard let seconds = try table.number(key) else { return nil }
      guard range.contains(seconds) else {
        throw table.error(key, "must be \(range.lowerBound) to \(range.upperBound) seconds")
      }
      return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }
    let t1 = try duration("t1", 0.001...60)
    let t2 = try duration("t2", 0.001...600)
    let t4 = try duration("t4", 0...600)
    let tryingDelay = try duration("trying_delay", 0...32)
    guard t1 != nil || t2 != nil || t4 != nil || tryingDelay != nil else { return }
    timers.t1 = t1 ?? timers.t1
    timers.t2 = t2 ?? timers.t2
    timers.t4 = t4 ?? timers.t4
    timers.tryingDelay = tryingDelay ?? timers.tryingDelay
    guard timers.t1 <= timers.t2 else {
      throw table.error(t1 != nil ? "t1" : "t2", "T1 must not exceed T2 (now \(timers.t1) and \(timers.t2))")
    }
    transport.setTimers(timers)
  }

  // MARK: - sip.legs()

  func legs(_ call: LuaCall) throws -> LuaResult {
    guard pendingBinds > 0, call.canSuspend else { return .value(legsValue()) }
    let suspension = try call.suspension()
    whenLegsReady { [weak self] in
      suspension.resume(with: [self?.legsValue() ?? .nil])
    }
    return .suspend
  }

  // MARK: - sip.stats()

  /// The transport's counters: what a load test or a loss test checks.
  func statsValue() -> LuaValue {
    let s = transport.statistics
    var fields: [String: Int] = [
      "messages_received": s.messagesReceived, "messages_sent": s.messagesSent, "malformed": s.malformed,
      "simulated_drops": s.simulatedDrops, "overload_rejections": s.overloadRejections,
      "requests_delivered": s.requestsDelivered, "connections_refused": s.connectionsRefused,
      "transactions": transport.transactionCount, "connections": transport.connectionCount,
    ]
    if let calls {
      let c = calls.agent.statistics
      fields["calls"] = calls.agent.calls.count
      fields["calls_placed"] = c.callsPlaced
      fields["calls_received"] = c.callsReceived
      fields["calls_refused"] = c.callsRefused
      fields["calls_ended"] = c.callsEnded
      fields["call_overload_rejections"] = c.overloadRejections
      fields["script_errors"] = calls.scriptErrors
    }
    return .table(LuaTable(fields: fields.mapValues { .integer(Int64($0)) }))
  }

  // MARK: - sip.request(method, uri, opts)

  func request(_ call: LuaCall) throws -> LuaResult {
    let method = try call.string(1)
    guard !method.isEmpty, method.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") })
    else {
      throw LuaArgumentError(argument: 1, function: "request", isMethod: false, "not a SIP method")
    }
    guard method != "INVITE", method != "ACK", method != "CANCEL" else {
      throw LuaArgumentError(
        argument: 1, function: "request", isMethod: false,
        "\(method) is not sent with sip.request (see sip.invite)")
    }
    let uriText = try call.string(2)
    let uri: SIPURI
    do throws(SIPParseError) {
      uri = try SIPURI.parse(uriText)
    } catch {
      return .failure("bad URI '\(uriText)': \(error)")
    }
    guard let options = TransportTableReader(call, argument: 3) else {
      throw LuaArgumentError(argument: 3, function: "request", isMethod: false, "table expected")
    }
    var headers: [(String, String)] = []
    if call.type(4) == .table {
      guard let flat = TransportTableReader.stringArray(runtime: call.runtime, state: call.state, at: 4)
      else {
        throw LuaArgumentError(argument: 3, function: "request", isMethod: false, "bad headers")
      }
      var i = 0
      while i + 1 < flat.count {
        headers.append((flat[i], flat[i + 1]))
        i += 2
      }
    }
    let body = try options.bytes("body") ?? []
    let credentials = try options.credentials("auth") ?? calls?.agent.configuration.credentials
    let callback = try options.function("cb_final")
    let fromText = try options.string("from") ?? from ?? "sip:sipscript@\(domain ?? uri.host)"
    let toText = try options.string("to") ?? "<\(uri.description)>"
    let fromAddress: SIPNameAddress
    let toAddress: SIPNameAddress
    do throws(SIPParseError) {
      fromAddress = try SIPNameAddress.parse(fromText)
      toAddress = try SIPNameAddress.parse(toText)
    } catch {
      return .failure("bad From or To: \(error)")
    }
    var contentType = headers.first { $0.0.lowercased() == "content-type" || $0.0.lowercased() == "c" }?.1
    if contentType == nil, !body.isEmpty { contentType = "text/plain" }
    var message = SIPMessage.request(
      method: method, uri: uri, from: fromAddress, to: toAddress,
      via: SIPVia(transport: "UDP", host: "0.0.0.0"), body: body, contentType: contentType, using: &rng)
    for (name, value) in headers {
      switch name.lowercased() {
      case "content-type", "c", "content-length", "l", "via", "v":
        continue  // set by the body and the transport
      case "call-id", "i", "cseq", "from", "f", "to", "t", "max-forwards":
        message.setHeader(name, value)
      default:
        message.addHeader(name, value)
      }
    }
    let suspension = callback == nil ? try call.suspension() : nil
    if callback != nil { call.runtime.retainPendingWork() }
    let finish: (Result<SIPMessage, SIPTransportError>) -> Void = { [weak self] result in
      let values: [LuaValue]
      switch result {
      case .success(let response): values = [.object(LuaSIPMessage(response)), .nil]
      case .failure(let error): values = [.nil, .string(error.description)]
      }
      if let suspension {
        suspension.resume(with: values)
      } else if let callback, let runtime = self?.runtime {
        runtime.spawn(callback, arguments: values, name: "cb_final")
        runtime.releasePendingWork()
      }
    }
    whenLegsReady { [weak self] in
      guard let self else { return finish(.failure(SIPTransportError(.closed, ""))) }
      ensureLeg(for: calls?.agent.configuration.outgoingProxy ?? uri) { [weak self] in
        guard let self else { return finish(.failure(SIPTransportError(.closed, ""))) }
        // A 401/407 is answered with the credentials (TransportBinding+Authentication.swift);
        // an outgoing proxy gets the request first.
        sendAuthenticated(
          message, target: calls?.agent.configuration.outgoingProxy, credentials: credentials,
          completion: finish)
      }
    }
    return callback == nil ? .suspend : .none
  }

  /// Opens an implicit leg (any address, any port, not holding the run) when no leg of the
  /// URI's transport exists for a literal address's family, or for IPv4 with a name.
  ///
  /// With `preferringRoute` (`sip.register`, whose Contact must reach us) the leg is bound to the
  /// loopback address for a registrar on loopback, and to the local address the system routes
  /// from for any other literal address (``LocalRoute``), so that the Contact names an address
  /// the peer can reach; a host name (not resolved on the loop) still gets the wildcard.
  func ensureLeg(for uri: SIPURI, preferringRoute: Bool = false, _ body: @escaping () -> Void) {
    let endpoint = SIPEndpoint(uri: uri)
    guard !hasLeg(reaching: uri), endpoint.transport == "UDP" || endpoint.transport == "TCP" else {
      return body()
    }
    let kind: ListenAddress.Transport = endpoint.transport == "TCP" ? .tcp : .udp
    let ipv6 = endpoint.host.hasPrefix("[")
    var host = ipv6 ? "::" : "0.0.0.0"
    if preferringRoute {
      let literal = ipv6 ? String(endpoint.host.dropFirst().dropLast()) : endpoint.host
      host = LocalRoute.sourceAddress(towards: literal, port: endpoint.port) ?? host
    }
    open([ListenAddress(transport: kind, host: host, port: 0)], hold: false) { _ in body() }
  }

  /// Whether a leg of the URI's transport and address family (IPv4 for a name) is open.
  func hasLeg(reaching uri: SIPURI) -> Bool {
    let endpoint = SIPEndpoint(uri: uri)
    let kind: ListenAddress.Transport = endpoint.transport == "TCP" ? .tcp : .udp
    let ipv6 = endpoint.host.hasPrefix("[")
    return transport.legs.contains { $0.transport.rawValue == kind.rawValue && $0.isIPv6 == ipv6 }
  }

  // MARK: - sip.listen{ cb_request = fn, methods = {...}, accept = {...} }

  func listen(_ call: LuaCall) throws -> LuaResult {
    guard let options = TransportTableReader(call, argument: 1) else {
      throw LuaArgumentError(argument: 1, function: "listen", isMethod: false, "table expected")
    }
    let runner = try call.function(2)
    guard let callback = try options.function("cb_request") else {
      // Calls (cb_create, handler, ...) are a later layer; without cb_request the UA's default
      // answers stay in force.
      return .value(.boolean(true))
    }
    let methods = try options.strings("methods") ?? Self.scriptMethods
    let accept = try options.strings("accept") ?? Self.scriptBodyTypes
    var validator = transport.validator
    for method in methods where !validator.allowedMethods.contains(method) {
      validator.allowedMethods.append(method)
    }
    // OPTIONS reaches cb_request with `options = true`, or when the script lists it in
    // `methods`; otherwise the core answers it (RFC 3261 §11.2).
    validator.answersOptions = !(options.boolean("options") ?? methods.contains("OPTIONS"))
    for type in accept where !validator.acceptedBodyTypes.contains(type.lowercased()) {
      validator.acceptedBodyTypes.append(type.lowercased())
    }
    requestCallback = callback
    requestRunner = runner
    transport.setValidator(validator)
    if let agent = calls?.agent {
      agent.fallbackHandler = { [weak self] request in self?.handle(request) }
    } else {
      transport.requestHandler = { [weak self] request in self?.handle(request) }
    }
    return .value(.boolean(true))
  }

  /// Methods a `cb_request` gets by default besides INVITE/BYE/CANCEL/ACK/OPTIONS.
  static let scriptMethods = ["MESSAGE", "INFO", "NOTIFY", "SUBSCRIBE", "PUBLISH", "REFER", "UPDATE"]
  /// Body types a `cb_request` accepts by default; others get 415 (RFC 3261 §8.2.3).
  static let scriptBodyTypes = [
    "application/sdp", "text/plain", "text/html", "application/json", "application/xml", "text/xml",
    "application/dtmf-relay", "application/dtmf", "message/sipfrag", "message/cpim", "application/pidf+xml",
    "application/simple-message-summary", "application/octet-stream",
  ]
}
