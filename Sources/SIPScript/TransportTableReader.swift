internal import CLua
internal import CLuaShim

/// Raw reads of Lua tables for the transport bindings: known string keys and array parts only,
/// with `lua_rawget`/`lua_rawgeti` (no metamethod runs, nothing can raise; DESIGN §3). Maps with
/// unknown keys (header tables) are flattened by the Lua prelude before they reach Swift.
struct TransportTableReader {
  let runtime: LuaRuntime
  let state: OpaquePointer
  /// Absolute stack index of the table.
  let index: Int32
  /// For error messages: `bad argument #n to 'f' (field 'x' ...)`.
  let argument: Int
  let function: String

  init?(_ call: LuaCall, argument: Int) {
    guard call.type(argument) == .table else { return nil }
    self.runtime = call.runtime
    self.state = call.state
    self.index = Int32(argument)
    self.argument = argument
    self.function = call.name
  }

  init(runtime: LuaRuntime, state: OpaquePointer, absoluteIndex: Int32, function: String) {
    self.runtime = runtime
    self.state = state
    self.index = absoluteIndex
    self.argument = 1
    self.function = function
  }

  func error(_ key: String, _ detail: String) -> LuaArgumentError {
    LuaArgumentError(argument: argument, function: function, isMethod: false, "field '\(key)' \(detail)")
  }

  /// Pushes t[key] and runs `body` with its type; pops it afterwards.
  func withField<T>(_ key: String, _ body: (Int32) throws -> T) rethrows -> T {
    lua_checkstack(state, 4)
    runtime.pushString(key, on: state)
    lua_rawget(state, index)
    defer { sipscript_lua_pop(state, 1) }
    return try body(lua_type(state, -1))
  }

  func isNil(_ key: String) -> Bool {
    withField(key) { $0 == LUA_TNIL }
  }

  func string(_ key: String) throws(LuaArgumentError) -> String? {
    let result: String?? = withField(key) { type in
      guard type != LUA_TNIL else { return .some(nil) }
      guard let bytes = runtime.bytes(at: -1, in: state) else { return nil }
      return .some(String(decoding: bytes, as: UTF8.self))
    }
    guard let result else { throw error(key, "must be a string") }
    return result
  }

  func bytes(_ key: String) throws(LuaArgumentError) -> [UInt8]? {
    let result: [UInt8]?? = withField(key) { type in
      guard type != LUA_TNIL else { return .some(nil) }
      guard let bytes = runtime.bytes(at: -1, in: state) else { return nil }
      return .some(bytes)
    }
    guard let result else { throw error(key, "must be a string") }
    return result
  }

  func number(_ key: String) throws(LuaArgumentError) -> Double? {
    let result: Double?? = withField(key) { type in
      guard type != LUA_TNIL else { return .some(nil) }
      var isNumber: Int32 = 0
      let value = sipscript_tonumber(state, -1, &isNumber)
      return isNumber != 0 ? .some(value) : nil
    }
    guard let result else { throw error(key, "must be a number") }
    return result
  }

  func boolean(_ key: String) -> Bool? {
    withField(key) { type in type == LUA_TNIL ? nil : lua_toboolean(state, -1) != 0 }
  }

  func function(_ key: String) throws(LuaArgumentError) -> LuaReference? {
    let result: LuaReference?? = withField(key) { type in
      guard type != LUA_TNIL else { return .some(nil) }
      guard type == LUA_TFUNCTION else { return nil }
      return .some(runtime.makeReference(at: -1, in: state))
    }
    guard let result else { throw error(key, "must be a function") }
    return result
  }

  /// t[key] as a list of strings: a string gives one element, a table its array part.
  func strings(_ key: String) throws(LuaArgumentError) -> [String]? {
    let result: [String]?? = withField(key) { type in
      if type == LUA_TNIL { return .some(nil) }
      if type == LUA_TSTRING, let bytes = runtime.bytes(at: -1, in: state) {
        return .some([String(decoding: bytes, as: UTF8.self)])
      }
      guard type == LUA_TTABLE else { return nil }
      return Self.stringArray(runtime: runtime, state: state, at: lua_gettop(state)).map { .some($0) }
    }
    guard let result else { throw error(key, "must be a string or a list of strings") }
    return result
  }

  /// The array part of the table at `index` as strings; nil when an element is not a string or
  /// number, or when it is unreasonably long.
  static func stringArray(runtime: LuaRuntime, state: OpaquePointer, at index: Int32) -> [String]? {
    let length = lua_rawlen(state, index)
    guard length <= 100_000 else { return nil }
    var out: [String] = []
    out.reserveCapacity(Int(length))
    lua_checkstack(state, 4)
    for i in 0..<Int(length) {
      lua_rawgeti(state, index, lua_Integer(i + 1))
      defer { sipscript_lua_pop(state, 1) }
      guard let bytes = runtime.bytes(at: -1, in: state) else { return nil }
      out.append(String(decoding: bytes, as: UTF8.self))
    }
    return out
  }
}
