public import SIPCore

/// A parsed SIP message as Lua sees it (`sip.parse`): the userdata `sip.message`.
///
/// Fields: `method`, `uri` (requests), `code`, `reason` (responses), `body` (bytes),
/// `is_request`, `call_id`; methods `msg:header(name [, n])` (n is 1-based) and
/// `msg:headers(name)`; `tostring(msg)` is the serialized message.
public final class LuaSIPMessage {
  public let message: SIPMessage

  public init(_ message: SIPMessage) {
    self.message = message
  }

  static func luaClass() -> LuaClass<LuaSIPMessage> {
    var luaClass = LuaClass<LuaSIPMessage>("sip.message")
    luaClass.fields["method"] = { $0.message.method.map { .string($0) } ?? .nil }
    luaClass.fields["uri"] = { $0.message.requestURI.map { .string($0) } ?? .nil }
    luaClass.fields["code"] = { $0.message.statusCode.map { .integer(Int64($0)) } ?? .nil }
    luaClass.fields["reason"] = { $0.message.reasonPhrase.map { .string($0) } ?? .nil }
    luaClass.fields["body"] = { .bytes($0.message.body) }
    luaClass.fields["is_request"] = { .boolean($0.message.isRequest) }
    luaClass.fields["call_id"] = { $0.message.callID.map { .string($0) } ?? .nil }
    luaClass.methods["header"] = { object, call in
      let name = try call.string(2)
      let index = try call.optionalInteger(3) ?? 1
      guard index >= 1 else {
        throw LuaArgumentError(argument: 3, function: call.name, isMethod: true, "index must be 1 or more")
      }
      guard index <= 10_000 else { return .value(.nil) }
      return .value(object.message.header(name, Int(index - 1)).map { .string($0) } ?? .nil)
    }
    luaClass.methods["headers"] = { object, call in
      let values = object.message.headerValues(try call.string(2))
      return .value(.table(LuaTable(array: values.map { .string($0) })))
    }
    luaClass.description = { String(decoding: $0.message.serialize(), as: UTF8.self) }
    return luaClass
  }
}

@available(*, unavailable)
extension LuaSIPMessage: Sendable {}

extension LuaRuntime {
  /// `sip.parse(bytes)` → message, or `nil, err` for bytes that are not a SIP message.
  func installMessageBinding() {
    register(LuaSIPMessage.luaClass())
    register("parse", in: "sip") { call in
      let bytes = try call.bytes(1)
      do throws(SIPParseError) {
        return .value(.object(LuaSIPMessage(try SIPMessage.parse(bytes))))
      } catch {
        return .failure(error.description)
      }
    }
  }
}
