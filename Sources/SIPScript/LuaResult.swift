/// What a native function returns to the C trampoline, which then returns, raises or yields on its
/// behalf (DESIGN §3: Swift never longjmps).
public enum LuaResult {
  /// Return these values to the Lua caller.
  case values([LuaValue])
  /// Raise a Lua error with this message, prefixed with the caller's `chunk:line:` like
  /// Lua's own errors. A `pcall` around the call returns `false, message`.
  case error(String)
  /// Raise this value as the error object, as it is.
  case errorValue(LuaValue)
  /// Suspend the calling coroutine. Only valid after `LuaCall.suspension()` gave a token; the
  /// values of `LuaSuspension.resume(with:)` become the function's results.
  case suspend

  /// No results.
  public static var none: LuaResult { .values([]) }

  /// One result.
  public static func value(_ value: LuaValue) -> LuaResult { .values([value]) }

  /// The `nil, message` convention of the sip API for failures that are not bugs in the script.
  public static func failure(_ message: String) -> LuaResult { .values([.nil, .string(message)]) }
}

/// A Swift function callable from Lua. It runs on the runtime's event loop, inside a Lua call:
/// it must not resume coroutines itself (use `LuaSuspension`, which queues) and a thrown error
/// becomes a Lua error carrying the error's description.
public typealias LuaNativeFunction = (LuaCall) throws -> LuaResult
