internal import CLua
internal import CLuaShim
import IVRCore

/// One piece of a prompt (`call:play`, `call:say`, `call:gather{prompt, invalid_prompt}`): an
/// audio file, or text spoken by espeak-ng.
enum PromptItem: Hashable, Sendable {
  case file(String)
  case speech(text: String, voice: String)

  /// Reads a prompt at absolute stack `index`: a file name, `{say = "text" [, voice = "en"]}`, or
  /// a list of those. Raw reads only (DESIGN §3). `describe` words the error, e.g.
  /// `{ "field 'prompt' \($0)" }`.
  static func read(
    runtime: LuaRuntime, state L: OpaquePointer, at index: Int32, describe: (String) -> LuaArgumentError
  ) throws(LuaArgumentError) -> [PromptItem] {
    switch lua_type(L, index) {
    case LUA_TSTRING:
      guard let bytes = runtime.bytes(at: index, in: L), !bytes.isEmpty else {
        throw describe("must not be an empty file name")
      }
      return [.file(String(decoding: bytes, as: UTF8.self))]
    case LUA_TTABLE:
      lua_checkstack(L, 4)
      if let speech = try speechItem(runtime: runtime, state: L, at: index, describe: describe) {
        return [speech]
      }
      let length = lua_rawlen(L, index)
      guard length > 0 else {
        throw describe("must be a file name, {say = text} or a non-empty list of them")
      }
      guard length <= 1000 else { throw describe("lists more than 1000 prompts") }
      var items: [PromptItem] = []
      for position in 1...Int(length) {
        lua_rawgeti(L, index, lua_Integer(position))
        defer { sipscript_lua_pop(L, 1) }
        let element = lua_gettop(L)
        switch lua_type(L, element) {
        case LUA_TSTRING:
          guard let bytes = runtime.bytes(at: element, in: L), !bytes.isEmpty else {
            throw describe("[\(position)] must not be an empty file name")
          }
          items.append(.file(String(decoding: bytes, as: UTF8.self)))
        case LUA_TTABLE:
          guard let speech = try speechItem(runtime: runtime, state: L, at: element, describe: describe)
          else {
            throw describe("[\(position)] must be a file name or {say = text}")
          }
          items.append(speech)
        default:
          throw describe("[\(position)] must be a file name or {say = text}")
        }
      }
      return items
    default:
      throw describe("must be a file name, {say = text} or a list of them")
    }
  }

  /// `{say = text, voice = name}` at `index`; nil when the table has no `say`.
  private static func speechItem(
    runtime: LuaRuntime, state L: OpaquePointer, at index: Int32, describe: (String) -> LuaArgumentError
  ) throws(LuaArgumentError) -> PromptItem? {
    runtime.pushString("say", on: L)
    lua_rawget(L, index)
    defer { sipscript_lua_pop(L, 1) }
    if lua_type(L, -1) == LUA_TNIL { return nil }
    guard lua_type(L, -1) == LUA_TSTRING, let text = runtime.bytes(at: -1, in: L) else {
      throw describe("'say' must be a string")
    }
    runtime.pushString("voice", on: L)
    lua_rawget(L, index)
    defer { sipscript_lua_pop(L, 1) }
    var voice = SpeechSynthesizer.defaultVoice
    if lua_type(L, -1) != LUA_TNIL {
      guard lua_type(L, -1) == LUA_TSTRING, let bytes = runtime.bytes(at: -1, in: L) else {
        throw describe("'voice' must be a string")
      }
      voice = String(decoding: bytes, as: UTF8.self)
    }
    return .speech(text: String(decoding: text, as: UTF8.self), voice: voice)
  }
}
