internal import CLua
internal import CLuaShim

/// Runs Lua's own `string.match(subject, pattern)` from Swift, for `call:gather{valid = pattern}`
/// (the DigitCollector asks its `valid` check synchronously, from the event loop).
///
/// The call runs under `lua_pcall` on a thread of its own (a fresh `lua_newthread`, never resumed
/// as a task), so a malformed pattern is an error value and nothing longjmps over Swift frames
/// (DESIGN §3). The function is taken from the `string` library table in `package.loaded` when the
/// matcher is made, so a script that reassigns the global `string` does not change it.
final class LuaPatternMatcher {
  /// Weak, as ``LuaReference``'s: the runtime owns the call binding that owns this matcher, so a
  /// strong reference would keep the whole runtime (transport, media engine, Lua state) alive
  /// after it stops.
  private weak var runtime: LuaRuntime?
  private let thread: LuaReference
  private let state: OpaquePointer
  private let match: LuaReference

  /// Nil when `string.match` is not there (a script removed it from the library table).
  init?(runtime: LuaRuntime, state L: OpaquePointer) {
    lua_checkstack(L, 4)
    runtime.pushString("_LOADED", on: L)
    lua_rawget(L, sipscript_registryindex())
    guard lua_type(L, -1) == LUA_TTABLE else {
      sipscript_lua_pop(L, 1)
      return nil
    }
    runtime.pushString("string", on: L)
    lua_rawget(L, -2)
    guard lua_type(L, -1) == LUA_TTABLE else {
      sipscript_lua_pop(L, 2)
      return nil
    }
    runtime.pushString("match", on: L)
    lua_rawget(L, -2)
    guard lua_type(L, -1) == LUA_TFUNCTION else {
      sipscript_lua_pop(L, 3)
      return nil
    }
    match = runtime.makeReference(at: -1, in: L)
    sipscript_lua_pop(L, 3)
    guard let thread = lua_newthread(L) else { return nil }
    self.thread = runtime.makeReference(at: -1, in: L)
    sipscript_lua_pop(L, 1)
    state = thread
    self.runtime = runtime
  }

  /// Whether `pattern` matches somewhere in `subject` (`string.match(subject, pattern) ~= nil`);
  /// a malformed pattern is `.failure` with Lua's message.
  func matches(_ subject: String, _ pattern: String) -> Result<Bool, LuaPatternError> {
    guard let runtime, runtime.state != nil else {
      return .failure(LuaPatternError(message: "the Lua state is closed"))
    }
    let L = state
    let top = lua_gettop(L)
    defer { lua_settop(L, top) }
    lua_checkstack(L, 4)
    sipscript_getref(L, match.ref)
    runtime.pushString(subject, on: L)
    runtime.pushString(pattern, on: L)
    let status = lua_pcallk(L, 2, 1, 0, 0, nil)
    guard status == LUA_OK else {
      let message = runtime.bytes(at: -1, in: L).map { String(decoding: $0, as: UTF8.self) } ?? "error"
      return .failure(LuaPatternError(message: message))
    }
    return .success(lua_type(L, -1) != LUA_TNIL)
  }
}

/// A pattern Lua refuses (`malformed pattern ...`).
struct LuaPatternError: Error, CustomStringConvertible {
  var message: String
  var description: String { message }
}

@available(*, unavailable)
extension LuaPatternMatcher: Sendable {}
