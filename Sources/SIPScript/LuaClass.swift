/// How instances of a Swift class appear in Lua: a userdata with a locked metatable whose
/// `__index` serves `fields` (computed on each access) and `methods` (called as `obj:name(...)`),
/// `__tostring` from `description`, `__close` from `close`, and `__gc` releasing the Swift reference.
///
/// ```swift
/// var message = LuaClass<MessageBox>("sip.message")
/// message.fields["method"] = { .string($0.message.method ?? "") }
/// message.methods["header"] = { box, call in
///   .value(box.header(try call.string(2)).map { .string($0) } ?? .nil)
/// }
/// message.description = { String(decoding: $0.message.serialize(), as: UTF8.self) }
/// runtime.register(message)
/// // later, from a native function:
/// return .value(.object(MessageBox(parsed)))
/// ```
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
