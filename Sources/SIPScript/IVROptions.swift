internal import CLua
internal import CLuaShim

/// The options table of an IVR method (`call:gather{…}`, `call:record(file, {…})`), read raw
/// (DESIGN §3). Errors name the field and the argument as Lua numbers a method's arguments:
/// `bad field 'min' in argument #1 to 'gather' (integer expected, got string)`.
struct IVROptions {
  let call: LuaCall
  /// Stack index of the table (2 is the first argument after the receiver).
  let index: Int32
  /// For a table inside the options (`beep = {…}`): its field name, used in errors.
  var prefix = ""

  /// Nil when the argument is absent or nil; an error when it is something else than a table.
  init?(_ call: LuaCall, argument: Int) throws(LuaArgumentError) {
    if call.isNil(argument) { return nil }
    guard call.type(argument) == .table else {
      throw LuaArgumentError(
        argument: argument, function: call.name, isMethod: true,
        "table expected, got \(call.type(argument).name)")
    }
    self.call = call
    self.index = Int32(argument)
  }

  /// A table inside another: `index` is absolute; errors name `name.key` in argument #1.
  init(nested call: LuaCall, index: Int32, name: String) {
    self.call = call
    self.index = index
    prefix = name + "."
  }

  func error(_ key: String, _ detail: String) -> LuaArgumentError {
    LuaArgumentError(
      field: prefix + key, argument: prefix.isEmpty ? Int(index) : 2, function: call.name, isMethod: true,
      detail)
  }

  /// Pushes t[key], runs `body` with its type and stack index, pops it.
  func field<T>(_ key: String, _ body: (LuaType, Int32) throws(LuaArgumentError) -> T)
    throws(LuaArgumentError)
    -> T
  {
    let L = call.state
    lua_checkstack(L, 4)
    call.runtime.pushString(key, on: L)
    lua_rawget(L, index)
    defer { sipscript_lua_pop(L, 1) }
    return try body(LuaType(rawValue: lua_type(L, -1)) ?? .none, lua_gettop(L))
  }

  private func typeError(_ key: String, _ expected: String, _ type: LuaType) -> LuaArgumentError {
    error(key, "\(expected) expected, got \(type.name)")
  }

  func number(_ key: String) throws(LuaArgumentError) -> Double? {
    try field(key) { type, at throws(LuaArgumentError) in
      if type == .nil { return nil }
      guard type == .number else { throw typeError(key, "number", type) }
      var isNumber: Int32 = 0
      return sipscript_tonumber(call.state, at, &isNumber)
    }
  }

  /// A number of seconds in `range` (a Duration).
  func seconds(_ key: String, in range: ClosedRange<Double>) throws(LuaArgumentError) -> Duration? {
    guard let value = try number(key) else { return nil }
    guard value.isFinite, range.contains(value) else {
      throw error(key, "must be \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound)) seconds")
    }
    return .nanoseconds(Int64(value * 1e9))
  }

  func integer(_ key: String) throws(LuaArgumentError) -> Int? {
    try field(key) { type, at throws(LuaArgumentError) in
      if type == .nil { return nil }
      var isInteger: Int32 = 0
      let value = sipscript_tointeger(call.state, at, &isInteger)
      guard type == .number, isInteger != 0, let result = Int(exactly: value) else {
        throw typeError(key, "integer", type)
      }
      return result
    }
  }

  func boolean(_ key: String) throws(LuaArgumentError) -> Bool? {
    try field(key) { type, at throws(LuaArgumentError) in
      if type == .nil { return nil }
      guard type == .boolean else { throw typeError(key, "boolean", type) }
      return lua_toboolean(call.state, at) != 0
    }
  }

  func string(_ key: String) throws(LuaArgumentError) -> String? {
    try field(key) { type, at throws(LuaArgumentError) in
      if type == .nil { return nil }
      guard type == .string, let bytes = call.runtime.bytes(at: at, in: call.state) else {
        throw typeError(key, "string", type)
      }
      return String(decoding: bytes, as: UTF8.self)
    }
  }

  func function(_ key: String) throws(LuaArgumentError) -> LuaReference? {
    try field(key) { type, at throws(LuaArgumentError) in
      if type == .nil { return nil }
      guard type == .function else { throw typeError(key, "function", type) }
      return call.runtime.makeReference(at: at, in: call.state)
    }
  }

  /// A prompt (a file, `{say = text}`, or a list of them); nil when absent.
  func prompt(_ key: String) throws(LuaArgumentError) -> [PromptItem]? {
    try field(key) { type, at throws(LuaArgumentError) in
      if type == .nil { return nil }
      return try PromptItem.read(runtime: call.runtime, state: call.state, at: at) { detail in
        error(key, detail)
      }
    }
  }

  static func format(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(value)
  }
}
