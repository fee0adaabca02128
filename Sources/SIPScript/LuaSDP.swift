internal import CLua
internal import CLuaShim
import SDP

/// A session description as Lua sees it: the userdata `sip.sdp`, Net::SIP::SDP's object model
/// (DESIGN §4): `sdp:get_media()`, `sdp:as_string()` (and `tostring`),
/// `sdp:replace_media_listen(addr, media)`, `sdp:name2int(name [, index])`, `sdp.content_type`.
/// Made by `sip.sdp.parse(text)`, `sip.sdp.new{global, media}` and read from `call.sdp`,
/// `call.sdp_peer`.
final class LuaSDP {
  var description: SessionDescription

  init(_ description: SessionDescription) {
    self.description = description
  }

  static func luaClass() -> LuaClass<LuaSDP> {
    var c = LuaClass<LuaSDP>("sip.sdp")
    c.fields["content_type"] = { _ in .string(SessionDescription.contentType) }
    c.description = { String(decoding: $0.description.bytes, as: UTF8.self) }
    c.methods["as_string"] = { sdp, _ in .value(.bytes(sdp.description.bytes)) }
    c.methods["get_media"] = { sdp, _ in
      .value(
        .table(
          LuaTable(
            array: sdp.description.getMedia().map { info in
              .table(
                LuaTable(fields: [
                  "addr": .string(info.address), "port": .integer(Int64(info.port)),
                  "range": .integer(Int64(info.range)), "proto": .string(info.proto),
                  "media": .string(info.media),
                  "fmt": .table(LuaTable(array: info.formats.map { .string($0) })),
                  "lines": .table(LuaTable(array: info.lines.map { .string($0.description) })),
                ]))
            })))
    }
    c.methods["name2int"] = { sdp, call in
      let name = try call.string(2)
      // Net::SIP counts m= lines from 0.
      let index = Int(try call.optionalInteger(3) ?? 0)
      return .value(sdp.description.name2int(name, mediaIndex: index).map { .integer(Int64($0)) } ?? .nil)
    }
    c.methods["replace_media_listen"] = { sdp, call in try sdp.replaceMediaListen(call) }
    return c
  }

  /// `sdp:replace_media_listen([addr,] {port | {addr, port [, range]}, ...})`.
  func replaceMediaListen(_ call: LuaCall) throws -> LuaResult {
    var address: String?
    var listIndex = 2
    if call.type(2) == .string {
      address = try call.string(2)
      listIndex = 3
    }
    guard call.type(listIndex) == .table else {
      throw LuaArgumentError(
        argument: listIndex - 1, function: "replace_media_listen", isMethod: true,
        "a list of ports or {addr, port}")
    }
    let L = call.state
    let runtime = call.runtime
    let list = Int32(listIndex)
    let count = Int(lua_rawlen(L, list))
    guard count <= 1000 else { return .failure("too many media lines") }
    var listens: [MediaListen] = []
    lua_checkstack(L, 6)
    for i in stride(from: 1, through: count, by: 1) {
      lua_rawgeti(L, list, lua_Integer(i))
      defer { sipscript_lua_pop(L, 1) }
      var isInteger: Int32 = 0
      let port = sipscript_tointeger(L, -1, &isInteger)
      if isInteger != 0 {
        listens.append(MediaListen(address: address ?? "", port: Int(port)))
        continue
      }
      guard lua_type(L, -1) == LUA_TTABLE else {
        return .failure("media entry \(i) is neither a port nor {addr, port}")
      }
      let entry = lua_gettop(L)
      lua_rawgeti(L, entry, 1)
      let host = runtime.bytes(at: -1, in: L).map { String(decoding: $0, as: UTF8.self) }
      sipscript_lua_pop(L, 1)
      lua_rawgeti(L, entry, 2)
      let entryPort = sipscript_tointeger(L, -1, &isInteger)
      sipscript_lua_pop(L, 1)
      guard isInteger != 0 else { return .failure("media entry \(i) has no port") }
      lua_rawgeti(L, entry, 3)
      var rangeIsInteger: Int32 = 0
      let range = sipscript_tointeger(L, -1, &rangeIsInteger)
      sipscript_lua_pop(L, 1)
      listens.append(
        MediaListen(
          address: host ?? address ?? "", port: Int(entryPort), range: rangeIsInteger != 0 ? Int(range) : nil)
      )
    }
    let fallback = address ?? description.connection?.address ?? ""
    listens = listens.map { listen in
      var listen = listen
      if listen.address.isEmpty { listen.address = fallback }
      return listen
    }
    do throws(SDPUsageError) {
      try description.replaceMediaListen(address: address, listens)
    } catch {
      return .failure(error.description)
    }
    return .value(.boolean(true))
  }
}

@available(*, unavailable)
extension LuaSDP: Sendable {}

extension LuaRuntime {
  /// `sip.sdp.parse(text)` → `sip.sdp` or `nil, err`; `sip.sdp.content_type`. `sip.sdp.new` is
  /// written in Lua on top of `parse` (CallLuaPrelude).
  func installSDPBinding() {
    register(LuaSDP.luaClass())
    register("parse", in: "sip.sdp") { call in
      let bytes = try call.bytes(1)
      do {
        return .value(.object(LuaSDP(try SessionDescription(parsing: bytes))))
      } catch {
        return .failure("not a session description: \(error)")
      }
    }
  }
}
