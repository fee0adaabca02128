/// Why a call operation could not be done: a small public error, like swift-argument-parser's.
public struct CallError: Error, Sendable, Hashable, CustomStringConvertible {
  public var description: String

  public init(_ description: String) { self.description = description }
}
