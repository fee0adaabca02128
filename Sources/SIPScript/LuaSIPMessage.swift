public import SIPCore

/// A SIP message handed to Lua by another layer: `.object(LuaSIPMessage(message))` becomes the
/// userdata `sip.message`, the same object `sip.parse` returns.
///
/// Lua does not hold this class: the userdata stores the `SIPMessage` value itself (see
/// `LuaRuntime+Messages.swift`), so a message costs Lua one allocation besides what the value
/// owns. `LuaCall.message(_:)` (or `object(_:as: LuaSIPMessage.self)`) reads one back.
///
/// In Lua: fields `method`, `uri` (requests), `code`, `reason` (responses), `body` (bytes),
/// `is_request`, `call_id`; methods `msg:header(name [, n])` (n is 1-based) and
/// `msg:headers(name)`; `tostring(msg)` is the serialized message (its bytes, as `body` is).
public final class LuaSIPMessage {
  public let message: SIPMessage

  public init(_ message: SIPMessage) {
    self.message = message
  }
}

@available(*, unavailable)
extension LuaSIPMessage: Sendable {}

/// The computed fields of `sip.message`, by the number the metatable's keys table maps each name
/// to (the C `__index` hands Swift that number, not the name).
enum LuaMessageField: Int32, CaseIterable {
  case method = 1
  case uri
  case code
  case reason
  case body
  case isRequest
  case callID

  var name: String {
    switch self {
    case .method: "method"
    case .uri: "uri"
    case .code: "code"
    case .reason: "reason"
    case .body: "body"
    case .isRequest: "is_request"
    case .callID: "call_id"
    }
  }
}
