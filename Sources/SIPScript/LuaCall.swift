internal import CLuaShim

/// The arguments of one call of a native function, and the means to suspend its caller.
///
/// Every reader returns a value or throws a `LuaArgumentError` whose text is Lua's usual one;
/// none of them raises a Lua error (the auxiliary library's check functions longjmp; these do not). Indices are 1-based, as in Lua.
///
/// ```swift
/// runtime.register("sleep", in: "sip") { call in
///   let seconds = try call.number(1)
///   let suspension = try call.suspension()
///   ...  // arm a timer that calls suspension.resume(with: [])
///   return .suspend
/// }
/// ```
/// Valid only during the call (on the event loop).
public struct LuaCall {
  // Not retained: a call lives only while the runtime runs it, and the runtime object has a side
  // table (it is weakly referenced), which makes every retain and release of it a slow path.
  unowned(unsafe) let runtime: LuaRuntime
  let state: OpaquePointer
  /// The name the function was registered under, used in error messages.
  public let name: String
  /// Whether the function is a method (argument 1 is the receiver).
  public let isMethod: Bool
  /// The number of arguments.
  public let count: Int

  init(runtime: LuaRuntime, state: OpaquePointer, name: String, isMethod: Bool) {
    self.runtime = runtime
    self.state = state
    self.name = name
    self.isMethod = isMethod
    self.count = Int(lua_gettop(state))
  }

  /// The type of argument `index` (`.none` past the end).
  public func type(_ index: Int) -> LuaType {
    guard index >= 1, index <= count else { return .none }
    return LuaType(rawValue: lua_type(state, Int32(index))) ?? .none
  }

  /// Whether argument `index` is absent or nil.
  public func isNil(_ index: Int) -> Bool {
    let t = type(index)
    return t == .none || t == .nil
  }

  func error(_ index: Int, _ detail: String) -> LuaArgumentError {
    LuaArgumentError(argument: index, function: name, isMethod: isMethod, detail)
  }

  func typeError(_ index: Int, expected: String) -> LuaArgumentError {
    error(index, "\(expected) expected, got \(type(index) == .none ? "no value" : type(index).name)")
  }

  /// A number (integers and numeric strings convert, as in Lua).
  public func number(_ index: Int) throws(LuaArgumentError) -> Double {
    var isNumber: Int32 = 0
    let value = type(index) == .none ? 0 : sipscript_tonumber(state, Int32(index), &isNumber)
    guard isNumber != 0 else { throw typeError(index, expected: "number") }
    return value
  }

  /// A number, or nil when the argument is absent or nil.
  public func optionalNumber(_ index: Int) throws(LuaArgumentError) -> Double? {
    isNil(index) ? nil : try number(index)
  }

  /// An integer (a float with an exact integer value converts).
  public func integer(_ index: Int) throws(LuaArgumentError) -> Int64 {
    var isInteger: Int32 = 0
    let value = type(index) == .none ? 0 : sipscript_tointeger(state, Int32(index), &isInteger)
    guard isInteger != 0 else {
      var isNumber: Int32 = 0
      if type(index) == .number || type(index) == .string {
        _ = sipscript_tonumber(state, Int32(index), &isNumber)
      }
      if isNumber != 0 {
        throw error(index, "number has no integer representation")
      }
      throw typeError(index, expected: "number")
    }
    return value
  }

  /// An integer, or nil when the argument is absent or nil.
  public func optionalInteger(_ index: Int) throws(LuaArgumentError) -> Int64? {
    isNil(index) ? nil : try integer(index)
  }

  /// The bytes of a string argument (numbers convert, as in Lua).
  public func bytes(_ index: Int) throws(LuaArgumentError) -> [UInt8] {
    try withBytes(index) { Array($0) }
  }

  /// Runs `body` on the bytes of a string argument without copying them (numbers convert, as in
  /// Lua). The buffer is Lua's own string: valid only inside `body`, which must not keep it.
  public func withBytes<Result>(
    _ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws(LuaArgumentError) -> Result
  ) throws(LuaArgumentError) -> Result {
    let t = type(index)
    guard t == .string || t == .number else { throw typeError(index, expected: "string") }
    var length = 0
    if t == .string {
      // A string slot is read in place: lua_tolstring converts only numbers.
      guard let pointer = sipscript_tolstring(state, Int32(index), &length) else {
        throw typeError(index, expected: "string")
      }
      return try body(Self.buffer(pointer, length))
    }
    // lua_tolstring converts a number in place; the copy pushed here keeps the argument's stack
    // slot untouched for later readers, and keeps the converted string alive while `body` runs (no
    // metamethod runs, and allocation cannot fail: see the shim).
    lua_pushvalue(state, Int32(index))
    defer { sipscript_lua_pop(state, 1) }
    guard let pointer = sipscript_tolstring(state, -1, &length) else {
      throw typeError(index, expected: "string")
    }
    return try body(Self.buffer(pointer, length))
  }

  /// Lua's string bytes as UInt8 (CChar and UInt8 may alias each other).
  @inline(__always) static func buffer(_ pointer: UnsafePointer<CChar>, _ length: Int) -> UnsafeBufferPointer<
    UInt8
  > {
    UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: length)
  }

  /// A string argument as text (invalid UTF-8 is repaired with U+FFFD).
  public func string(_ index: Int) throws(LuaArgumentError) -> String {
    try withBytes(index) { String(decoding: $0, as: UTF8.self) }
  }

  /// A string, or nil when the argument is absent or nil.
  public func optionalString(_ index: Int) throws(LuaArgumentError) -> String? {
    isNil(index) ? nil : try string(index)
  }

  /// Lua truthiness: false only for nil and false.
  public func boolean(_ index: Int) -> Bool {
    index >= 1 && index <= count && lua_toboolean(state, Int32(index)) != 0
  }

  /// A function argument, kept in the registry for as long as the reference lives.
  public func function(_ index: Int) throws(LuaArgumentError) -> LuaReference {
    guard type(index) == .function else { throw typeError(index, expected: "function") }
    return reference(index)
  }

  /// A function, or nil when the argument is absent or nil.
  public func optionalFunction(_ index: Int) throws(LuaArgumentError) -> LuaReference? {
    isNil(index) ? nil : try function(index)
  }

  /// Any argument, kept in the registry for as long as the reference lives.
  public func reference(_ index: Int) -> LuaReference {
    runtime.makeReference(at: Int32(index), in: state)
  }

  /// The array part `t[1..n]` of a table argument, read raw (no metamethods, DESIGN §3), as
  /// references to each element.
  public func array(_ index: Int) throws(LuaArgumentError) -> [LuaReference] {
    guard type(index) == .table else { throw typeError(index, expected: "table") }
    let length = lua_rawlen(state, Int32(index))
    guard length <= 1_000_000 else { throw error(index, "table too long") }
    var result: [LuaReference] = []
    result.reserveCapacity(Int(length))
    for i in 0..<Int(length) {
      lua_rawgeti(state, Int32(index), lua_Integer(i + 1))
      result.append(runtime.makeReference(at: -1, in: state))
      sipscript_lua_pop(state, 1)
    }
    return result
  }

  /// The Swift object behind a userdata argument of a registered class.
  public func object<Object: AnyObject>(_ index: Int, as type: Object.Type) throws(LuaArgumentError) -> Object
  {
    if Object.self == LuaSIPMessage.self, let message = LuaSIPMessage(try message(index)) as? Object {
      return message
    }
    guard let entry = runtime.classEntry(for: type) else {
      throw error(index, "\(Object.self) is not registered with the runtime")
    }
    var isInstance: Int32 = 0
    let pointer = sipscript_toobject(state, Int32(index), entry.metatableRef, &isInstance)
    guard isInstance != 0 else { throw typeError(index, expected: entry.name) }
    guard let pointer,
      let object = Unmanaged<AnyObject>.fromOpaque(pointer).takeUnretainedValue() as? Object
    else { throw error(index, "\(entry.name) is closed") }
    return object
  }

  /// Whether the caller may be suspended here: it must be a task's own coroutine (not the main
  /// thread, not a nested coroutine of the script, not inside a metamethod called from C).
  public var canSuspend: Bool {
    runtime.canSuspend(state)
  }

  /// Suspends the calling task once the function returns `.suspend`. The token resumes it later,
  /// from event handlers on the loop. Throws (a Lua error for the script) where suspending is
  /// impossible, before the caller arms anything.
  public func suspension() throws(LuaArgumentError) -> LuaSuspension {
    guard let suspension = runtime.makeSuspension(for: state) else {
      throw LuaArgumentError(
        "'\(name)' must wait, which is only possible directly in a task "
          + "(not inside a metamethod, a C callback or a nested coroutine)")
    }
    return suspension
  }

  /// The runtime that runs the call (to register objects, log, or keep the loop open).
  public var host: LuaRuntime { runtime }
}
