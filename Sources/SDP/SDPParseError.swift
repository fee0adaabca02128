// Parse errors: which line, what it said, and why.

/// A session description that could not be parsed: the line (1-based number and text) and the reason.
///
/// ```swift
/// do { _ = try SessionDescription(parsing: text) } catch {
///   print(error)  // line 3 "c=IN IP4": invalid connection (c=): expected <nettype> <addrtype> <address>
/// }
/// ```
public struct SDPParseError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The category of the error, comparable in tests and code (`error.kind == .outOfOrder`).
  public struct Kind: Hashable, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }

    public static let empty = Kind("empty session description")
    public static let malformedLine = Kind("malformed line")
    public static let invalidText = Kind("invalid text")
    public static let emptyLine = Kind("empty line")
    public static let versionNotFirst = Kind("first line must be v=")
    public static let unsupportedVersion = Kind("unsupported version")
    public static let outOfOrder = Kind("line out of order")
    public static let duplicate = Kind("duplicate line")
    public static let missingLine = Kind("required line missing")
    public static let invalidOrigin = Kind("invalid origin (o=)")
    public static let invalidConnection = Kind("invalid connection (c=)")
    public static let missingConnection = Kind("no connection address (c=)")
    public static let invalidBandwidth = Kind("invalid bandwidth (b=)")
    public static let invalidTiming = Kind("invalid timing (t=/r=/z=)")
    public static let invalidMedia = Kind("invalid media (m=)")
    public static let invalidAttribute = Kind("invalid attribute (a=)")
  }

  /// 1-based number of the offending line.
  public let lineNumber: Int
  /// The text of that line (at most 200 characters).
  public let line: String
  public let kind: Kind
  /// What exactly is wrong.
  public let detail: String

  init(line number: Int, text: String, _ kind: Kind, _ detail: String) {
    self.lineNumber = number
    self.line = text.count > 200 ? String(text.prefix(200)) + "..." : text
    self.kind = kind
    self.detail = detail
  }

  public var description: String {
    "line \(lineNumber) \"\(line)\": \(kind)" + (detail.isEmpty ? "" : ": \(detail)")
  }
}
