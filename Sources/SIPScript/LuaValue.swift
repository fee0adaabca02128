// A Lua value as the Swift side of the bridge sees it: what native functions return and what
// suspended coroutines are resumed with. Tables built here are fresh tables; values that must keep
// their identity (functions, tables from the script) travel as `LuaReference`.

/// A value to hand to Lua (results of native functions, resume values).
///
/// ```swift
/// return .values([.string("ok"), .integer(200)])
/// ```
public enum LuaValue {
  case `nil`
  case boolean(Bool)
  case integer(Int64)
  case number(Double)
  /// A Lua string from Swift text (UTF-8).
  case string(String)
  /// A Lua string from raw bytes (Lua strings are byte strings).
  case bytes([UInt8])
  /// A new table with these array and hash parts.
  case table(LuaTable)
  /// An instance of a class registered with `LuaRuntime.register(_:)`, as a userdata.
  case object(AnyObject)
  /// A value kept in the registry (a function or table that came from the script).
  case reference(LuaReference)
}

/// A table to build on the Lua side: `array` becomes `t[1..n]`, `fields` the string keys.
public struct LuaTable {
  public var array: [LuaValue]
  public var fields: [String: LuaValue]

  public init(array: [LuaValue] = [], fields: [String: LuaValue] = [:]) {
    self.array = array
    self.fields = fields
  }
}

/// The basic type of a Lua value (`type(v)` in Lua).
public enum LuaType: Int32, Sendable {
  case none = -1
  case `nil` = 0
  case boolean = 1
  case lightUserdata = 2
  case number = 3
  case string = 4
  case table = 5
  case function = 6
  case userdata = 7
  case thread = 8

  /// The name Lua's `type` returns.
  public var name: String {
    switch self {
    case .none: "no value"
    case .nil: "nil"
    case .boolean: "boolean"
    case .lightUserdata, .userdata: "userdata"
    case .number: "number"
    case .string: "string"
    case .table: "table"
    case .function: "function"
    case .thread: "thread"
    }
  }
}
