/// A bad argument to a native function, worded like Lua's own argument errors:
/// `bad argument #1 to 'sleep' (number expected, got string)`.
public struct LuaArgumentError: Error, CustomStringConvertible, Sendable {
  public let description: String
  /// The part in parentheses (`number expected, got string`), or the whole text.
  public let detail: String

  public init(_ description: String) {
    self.description = description
    self.detail = description
  }

  /// `bad argument #index to 'function' (detail)`, or `calling 'm' on bad self (detail)` for the
  /// receiver of a method.
  public init(argument index: Int, function: String, isMethod: Bool, _ detail: String) {
    self.detail = detail
    if isMethod && index == 1 {
      self.description = "calling '\(function)' on bad self (\(detail))"
    } else {
      let shown = isMethod ? index - 1 : index
      self.description = "bad argument #\(shown) to '\(function)' (\(detail))"
    }
  }

  /// `bad field 'auth.user' in argument #index to 'function' (detail)`.
  public init(field: String, argument index: Int, function: String, isMethod: Bool, _ detail: String) {
    self.detail = detail
    let shown = isMethod ? index - 1 : index
    self.description = "bad field '\(field)' in argument #\(shown) to '\(function)' (\(detail))"
  }
}
