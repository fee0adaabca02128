internal import CLua
internal import CLuaShim
import SIPCore
import SIPProtocol
import SIPTransport

// Incoming requests for the script: each runs `cb_request(request, info)` in its own task; what
// the callback returns becomes the response (docs/lua-api-transport.md).
extension TransportBinding {
  func handle(_ incoming: SIPIncomingRequest) {
    let message = incoming.message
    guard message.method != "INVITE" else {
      // No call listener (sip.listen without call keys): refuse clearly instead of leaving the
      // caller ringing.
      respond(incoming, code: 480, reason: "Temporarily Unavailable (not taking calls)")
      return
    }
    guard let runtime, let runner = requestRunner, let callback = requestCallback else {
      respond(incoming, code: 501, reason: nil)
      return
    }
    let info = LuaTable(fields: [
      "transport": .string(incoming.source.transport.lowercased()),
      "host": .string(Self.unbracketed(incoming.source.host)),
      "port": .integer(Int64(incoming.source.port)),
      "leg": .string(incoming.leg),
    ])
    guard
      let task = runtime.spawn(
        runner, arguments: [.reference(callback), .object(LuaSIPMessage(message)), .table(info)],
        name: "cb_request")
    else {
      respond(incoming, code: 503, reason: nil)
      return
    }
    task.onDone { [weak self] task in
      guard let self else { return }
      switch task.outcome {
      case .returned(let results)?:
        respond(incoming, with: results)
      case .failed?:
        // The failure is logged by the runtime with its traceback.
        respond(incoming, code: 500, reason: "Server Internal Error (script error)")
      case .abandoned?, nil:
        respond(incoming, code: 503, reason: "Service Unavailable (stopping)")
      }
    }
  }

  /// The callback returned `code, reason, flat_headers, body` (packed). Nothing (or nil) is 200;
  /// a code outside 200–699 is a script error answered 500.
  func respond(_ incoming: SIPIncomingRequest, with results: LuaReference) {
    guard let runtime, let state = runtime.state else { return }
    lua_checkstack(state, 8)
    runtime.push(.reference(results), on: state)
    let table = lua_gettop(state)
    defer { sipscript_lua_pop(state, 1) }
    func slot(_ i: lua_Integer) -> Int32 {
      lua_rawgeti(state, table, i)
      return lua_type(state, -1)
    }
    var code = 200
    if slot(1) != LUA_TNIL {
      var isInteger: Int32 = 0
      let value = sipscript_tointeger(state, -1, &isInteger)
      guard isInteger != 0, (200...699).contains(value) else {
        let shown = runtime.describe(at: -1, in: state)
        sipscript_lua_pop(state, 1)
        runtime.logger.error("cb_request returned \(shown), not a final status code")
        respond(incoming, code: 500, reason: "Server Internal Error (bad status from script)")
        return
      }
      code = Int(value)
    }
    sipscript_lua_pop(state, 1)
    var reason: String?
    if slot(2) != LUA_TNIL {
      reason = runtime.bytes(at: -1, in: state).map { String(decoding: $0, as: UTF8.self) }
    }
    sipscript_lua_pop(state, 1)
    var headers: [(String, String)] = []
    if slot(3) == LUA_TTABLE,
      let flat = TransportTableReader.stringArray(runtime: runtime, state: state, at: lua_gettop(state))
    {
      var i = 0
      while i + 1 < flat.count {
        headers.append((flat[i], flat[i + 1]))
        i += 2
      }
    }
    sipscript_lua_pop(state, 1)
    var body: [UInt8] = []
    if slot(4) != LUA_TNIL { body = runtime.bytes(at: -1, in: state) ?? [] }
    sipscript_lua_pop(state, 1)
    respond(incoming, code: code, reason: reason, headers: headers, body: body)
  }

  func respond(
    _ incoming: SIPIncomingRequest, code: Int, reason: String?, headers: [(String, String)] = [],
    body: [UInt8] = []
  ) {
    var contentType = headers.first { ["content-type", "c"].contains($0.0.lowercased()) }?.1
    if contentType == nil, !body.isEmpty { contentType = "text/plain" }
    var response = incoming.message.makeResponse(
      statusCode: code, reasonPhrase: reason, toTag: SIPIdentifiers.tag(using: &rng), body: body,
      contentType: contentType)
    for (name, value) in headers {
      switch name.lowercased() {
      case "content-type", "c", "content-length", "l", "via", "v", "call-id", "i", "cseq", "from", "f", "to",
        "t":
        continue  // fixed by the request (RFC 3261 §8.2.6.2) and the body
      default:
        response.addHeader(name, value)
      }
    }
    if incoming.message.isMethod("OPTIONS"), (200..<300).contains(code) {
      // RFC 3261 §11.2: a 2xx to OPTIONS lists what we can do; the script's own headers win.
      if headers.isEmpty {
        // None of the script's: the validator's prepared lines, copied as bytes.
        response.addHeaders(transport.capabilityHeaderLines)
      } else {
        for (name, value) in transport.validator.capabilityHeaders where !response.hasHeader(name) {
          response.addHeader(name, value)
        }
      }
    }
    transport.respond(response, to: incoming)
  }

  static func unbracketed(_ host: String) -> String {
    host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
  }
}
