/// How instances of a Swift class appear in Lua: a userdata with a locked metatable whose
/// `__index` serves `fields` (computed on each access) and `methods` (called as `obj:name(...)`),
/// `__tostring` from `description`, `__close` from `close`, and `__gc` releasing the Swift reference.
///
/// ```swift
/// final class Counter { var value = 0 }
/// var counter = LuaClass<Counter>("app.counter")
/// counter.fields["value"] = { .integer(Int64($0.value)) }
/// counter.methods["add"] = { counter, call in
///   counter.value += Int(try call.integer(2))
///   return .none
/// }
/// counter.description = { "counter \($0.value)" }
/// runtime.register(counter)
/// // later, from a native function:
/// return .value(.object(Counter()))
/// ```
/// (`sip.message` does not use this class: see `LuaRuntime+Messages.swift`.)
/// In methods, argument 1 is the receiver; errors in argument readers are numbered as Lua's
/// methods number them (`bad argument #1 to 'header'` is the first argument after the receiver).
/// A `deinit` of `Object` may run after any resume of the runtime: it must not call into Lua.
public struct LuaClass<Object: AnyObject> {
  /// The type name: `__name` of the metatable, used by `tostring` and in error messages.
  public let name: String
  public var methods: [String: (Object, LuaCall) throws -> LuaResult] = [:]
  public var fields: [String: (Object) -> LuaValue] = [:]
  /// `tostring(obj)`; without it, `name: 0x...`.
  public var description: ((Object) -> String)?
  /// Called by `__close` (for `local x <close> = ...`); afterwards the userdata is detached.
  public var close: ((Object) -> Void)?

  public init(_ name: String) {
    self.name = name
  }
}
