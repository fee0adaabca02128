internal import CLua
internal import CLuaShim
import RTPMedia
import SDP
import SIPCall
import SIPCore
import SIPProtocol

// Net::SIP's connection parameters from a script's table (raw reads of known keys; DESIGN §3).
// Unknown keys stay in the table, which the call keeps (`call:get_param`) and hands to callbacks.
extension CallBinding {
  /// The keys a script may set, for `set_param` checks and docs.
  static let parameterKeys: Set<String> = [
    "leg", "sdp_on_ack", "init_media", "sdp", "sdp_peer", "media_lsocks", "media_ssocks", "asymetric_rtp",
    "recv_bye", "send_bye", "clear_sdp", "cb_final", "cb_established", "cb_preliminary", "cb_invite",
    "cb_dtmf",
    "ring_time", "cb_noanswer", "cb_cleanup", "call_on_hold", "sip_header", "rtp_param", "codecs",
    "dtmf_methods", "rtp_timeout", "cb_rtp_done", "cb_refer", "auth",
  ]

  func readParameters(_ table: TransportTableReader, paramsRef: LuaReference, headers: [String])
    throws(LuaArgumentError) -> (CallParameters, Set<String>)
  {
    var p = CallParameters()
    var setKeys: Set<String> = []
    p.leg = try table.string("leg")
    p.auth = try table.credentials("auth")  // digest for the call's requests (CallBinding+Registration.swift)
    for key in ["sdp_on_ack", "asymetric_rtp", "clear_sdp", "call_on_hold"] {
      guard let value = table.boolean(key) else { continue }
      setKeys.insert(key)
      switch key {
      case "sdp_on_ack": p.sdpOnAck = value
      case "asymetric_rtp": p.asymmetricRTP = value
      case "clear_sdp": p.clearSDP = value
      default: p.callOnHold = value
      }
    }
    if let given = try table.object("sdp", as: LuaSDP.self) {
      p.sdp = given.description
    } else if let text = try table.string("sdp") {
      guard let description = try? SessionDescription(parsing: Array(text.utf8)) else {
        throw table.error("sdp", "is not a session description")
      }
      p.sdp = description
    }
    p.mediaLocalSockets = try sockets(table, "media_lsocks")
    p.mediaSendSockets = try sockets(table, "media_ssocks")
    if let seconds = try table.number("ring_time") {
      guard seconds > 0, seconds <= 86_400 else {
        throw table.error("ring_time", "must be 0 to 86400 seconds")
      }
      p.ringTime = .milliseconds(Int64(seconds * 1000))
    }
    if let seconds = try table.number("rtp_timeout") {
      guard seconds > 0, seconds <= 86_400 else {
        throw table.error("rtp_timeout", "must be 0 to 86400 seconds")
      }
      p.rtpTimeout = .milliseconds(Int64(seconds * 1000))
    }
    var codecNames = try table.strings("codecs")
    if codecNames == nil { codecNames = try table.strings("rtp_param") }
    if let names = codecNames {
      let known = ["PCMU", "PCMA"]
      for name in names where !known.contains(name.uppercased()) {
        throw table.error("codecs", "names an unknown codec '\(name)' (PCMU, PCMA)")
      }
      p.codecs = names
    }
    if let methods = try table.strings("dtmf_methods") {
      p.dtmfMethods = try methods.map { name throws(LuaArgumentError) in
        switch name.lowercased() {
        case "rfc4733", "rfc2833", "rtp": return .rfc4733
        case "info": return .info
        default: throw table.error("dtmf_methods", "names an unknown method '\(name)' (rfc4733, info)")
        }
      }
      setKeys.insert("dtmf_methods")
    }
    var i = 0
    while i + 1 < headers.count {
      p.sipHeaders.append((name: headers[i], value: headers[i + 1]))
      i += 2
    }
    try readCallbacks(table, paramsRef: paramsRef, into: &p)
    return (p, setKeys)
  }

  func readCallbacks(_ table: TransportTableReader, paramsRef: LuaReference, into p: inout CallParameters)
    throws(LuaArgumentError)
  {
    if let behavior = try table.object("init_media", as: LuaMediaBehavior.self) {
      p.initMedia = behavior.initMedia
    } else if let function = try table.function("init_media") {
      p.initMedia = { [weak self] call in
        guard let self else { return }
        run(function, for: call, [callValue(call), .reference(paramsRef)], name: "init_media")
      }
    }
    if let function = try table.function("cb_final") {
      p.cbFinal = { [weak self] status, call, info in
        guard let self else { return }
        var fields: [String: LuaValue] = ["code": .integer(Int64(info.code))]
        if let reason = info.reason { fields["reason"] = .string(reason) }
        if let response = info.response { fields["response"] = .object(LuaSIPMessage(response)) }
        run(
          function, for: call, [.string(status.rawValue), callValue(call), .table(LuaTable(fields: fields))],
          name: "cb_final")
      }
    }
    if let function = try table.function("cb_established") {
      p.cbEstablished = { [weak self] call in
        guard let self else { return }
        run(function, for: call, [.string("OK"), callValue(call)], name: "cb_established")
      }
    }
    if let function = try table.function("cb_preliminary") {
      p.cbPreliminary = { [weak self] call, code, message in
        guard let self else { return }
        run(
          function, for: call, [callValue(call), .integer(Int64(code)), .object(LuaSIPMessage(message))],
          name: "cb_preliminary")
      }
    }
    if let function = try table.function("cb_invite") {
      p.cbInvite = { [weak self] call, message in
        guard let self else { return }
        run(function, for: call, [callValue(call), .object(LuaSIPMessage(message))], name: "cb_invite")
      }
    }
    if let function = try table.function("cb_dtmf") {
      p.cbDTMF = { [weak self] call, event in
        guard let self else { return }
        run(
          function, for: call,
          [
            .string(String(event.key)), event.duration.map { .integer(Int64($0)) } ?? .nil, callValue(call),
            .string(event.method.rawValue),
          ],
          name: "cb_dtmf")
      }
    }
    for key in ["recv_bye", "send_bye"] {
      guard let function = try table.function(key) else { continue }
      let callback: (Call) -> Void = { [weak self] call in
        guard let self else { return }
        run(function, for: call, [.reference(paramsRef), callValue(call)], name: key)
      }
      if key == "recv_bye" { p.recvBye = callback } else { p.sendBye = callback }
    }
    if let function = try table.function("cb_refer") {
      // Answered with what the function returns: a status (nil accepts with 202).
      p.cbRefer = { [weak self] call, target, request, respond in
        guard let self else { return respond(603) }
        let task = run(
          function, for: call,
          [callValue(call), .string(target.uri.description), .object(LuaSIPMessage(request))],
          name: "cb_refer")
        guard let task else { return respond(503) }
        task.onDone { [weak self] task in
          switch task.outcome {
          case .returned(let results)?: respond(self?.firstInteger(of: results) ?? 202)
          default: respond(500)
          }
        }
      }
    }
    for key in ["cb_noanswer", "cb_cleanup", "cb_rtp_done"] {
      guard let function = try table.function(key) else { continue }
      let callback: (Call) -> Void = { [weak self] call in
        guard let self else { return }
        run(function, for: call, [callValue(call)], name: key)
      }
      switch key {
      case "cb_noanswer": p.cbNoAnswer = callback
      case "cb_cleanup": p.cbCleanup = callback
      default: p.cbRTPDone = callback
      }
    }
  }

  /// The first of a task's packed results as an integer.
  func firstInteger(of results: LuaReference) -> Int? {
    guard let runtime, let state = runtime.state else { return nil }
    lua_checkstack(state, 3)
    sipscript_getref(state, results.ref)
    lua_rawgeti(state, -1, 1)
    var isInteger: Int32 = 0
    let value = sipscript_tointeger(state, -1, &isInteger)
    sipscript_lua_pop(state, 2)
    return isInteger != 0 ? Int(value) : nil
  }

  func callValue(_ call: Call) -> LuaValue { .reference(handle(for: call).reference()) }

  /// `media_lsocks`/`media_ssocks`: a list with one entry per `m=` line, each a port number
  /// (on the media host) or `"host:port"` / `"[v6]:port"`.
  func sockets(_ table: TransportTableReader, _ key: String) throws(LuaArgumentError) -> [MediaSocket]? {
    guard let entries = try table.strings(key) else { return nil }
    let host =
      agent.configuration.mediaHost ?? agent.transport.legs.first.map {
        $0.isWildcard ? "127.0.0.1" : $0.host
      } ?? "127.0.0.1"
    return try entries.map { entry throws(LuaArgumentError) in
      if let port = Int(entry), (1...65535).contains(port) { return .bind(host: host, port: port) }
      guard let colon = entry.lastIndex(of: ":"), let port = Int(entry[entry.index(after: colon)...]),
        (1...65535).contains(port)
      else { throw table.error(key, "has '\(entry)', not a port or host:port") }
      var address = String(entry[..<colon])
      if address.hasPrefix("["), address.hasSuffix("]") { address = String(address.dropFirst().dropLast()) }
      return .bind(host: address, port: port)
    }
  }
}

extension TransportTableReader {
  /// t[key] as an object of a registered class; nil when absent or of another type.
  func object<Object: AnyObject>(_ key: String, as type: Object.Type) throws(LuaArgumentError) -> Object? {
    guard let entry = runtime.classEntry(for: type) else { return nil }
    return withField(key) { luaType -> Object? in
      guard luaType == LUA_TUSERDATA else { return nil }
      var isInstance: Int32 = 0
      let pointer = sipscript_toobject(state, -1, entry.metatableRef, &isInstance)
      guard isInstance != 0, let pointer else { return nil }
      return Unmanaged<AnyObject>.fromOpaque(pointer).takeUnretainedValue() as? Object
    }
  }
}
