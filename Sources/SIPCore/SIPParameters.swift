/// An ordered list of `;name=value` parameters: URI parameters, or the header parameters of
/// name-addr, Via and Contact values (RFC 3261 §19.1.1, §20.42, §25.1).
///
/// Names compare case-insensitively; order and the spelling of names are kept. In a ``SIPURI``
/// values are held unescaped (the URI escapes them again when written); in header values they are
/// held as written, so a quoted value keeps its quotes (``value(_:)`` removes them).
///
/// ```swift
/// var params = SIPParameters()
/// params["tag"] = "1928301774"
/// params["lr"] = .some(nil)          // a flag without value
/// params.description                 // ";tag=1928301774;lr"
/// ```
public struct SIPParameters: Sendable, Hashable, CustomStringConvertible, RandomAccessCollection {
  /// One parameter; `value` is nil for a flag such as `;lr`.
  public struct Parameter: Sendable, Hashable {
    public var name: String
    public var value: String?
    public init(name: String, value: String? = nil) {
      self.name = name
      self.value = value
    }
  }

  public private(set) var elements: [Parameter] = []

  public init() {}

  public init(_ elements: [Parameter]) { self.elements = elements }

  public var startIndex: Int { elements.startIndex }
  public var endIndex: Int { elements.endIndex }
  public subscript(position: Int) -> Parameter { elements[position] }

  /// The index of the first parameter named `name` (ASCII case-insensitive).
  public func firstIndex(of name: String) -> Int? {
    // Lengths first (a native String's count is stored): the names that differ in length, most
    // of them, are passed over without handing both Strings to the comparison, whose arguments
    // were retained and released for each parameter.
    let count = name.utf8.count
    for i in elements.indices where elements[i].name.utf8.count == count {
      if SIPGrammar.equalsIgnoringCase(elements[i].name.utf8, name.utf8) { return i }
    }
    return nil
  }

  /// Whether a parameter named `name` is present, with or without a value.
  public func contains(_ name: String) -> Bool { firstIndex(of: name) != nil }

  /// Gets or sets a parameter. Reading gives `nil` when absent and `.some(nil)` for a flag;
  /// setting `nil` removes it, setting `.some(nil)` makes it a flag.
  public subscript(name: String) -> String?? {
    get { firstIndex(of: name).map { elements[$0].value } }
    set {
      if let newValue {
        if let i = firstIndex(of: name) {
          elements[i].value = newValue
        } else {
          elements.append(Parameter(name: name, value: newValue))
        }
      } else {
        elements.removeAll { SIPGrammar.equalsIgnoringCase($0.name.utf8, name.utf8) }
      }
    }
  }

  /// The value of `name` with surrounding quotes and quoted-pair escapes removed; nil when the
  /// parameter is absent or has no value.
  public func value(_ name: String) -> String? {
    guard let raw = self[name] ?? nil else { return nil }
    return Self.unquoted(raw)
  }

  /// A value as ``value(_:)`` gives it: quotes and quoted-pair escapes removed from a quoted
  /// one, any other as written.
  static func unquoted(_ raw: String) -> String {
    guard raw.utf8.first == UInt8(ascii: "\""), raw.utf8.count >= 2 else { return raw }
    var scanner = SIPScanner(raw)
    return (try? scanner.quotedString()) ?? raw
  }

  /// Makes room for `count` parameters (a parser that found the first of a list).
  mutating func reserveCapacity(_ count: Int) { elements.reserveCapacity(count) }

  public mutating func append(name: String, value: String?) {
    elements.append(Parameter(name: name, value: value))
  }

  public mutating func remove(_ name: String) { self[name] = nil }

  /// `;name=value` for each parameter, values as held.
  public var description: String {
    var out = ""
    for p in elements {
      out += ";" + p.name
      if let v = p.value { out += "=" + v }
    }
    return out
  }
}

extension SIPParameters {
  /// Parses `*( SEMI generic-param )` of a header value (RFC 3261 §25.1), stopping before the
  /// first byte that is not part of one (a comma, or the end). LWS is allowed around `;` and `=`.
  static func parseHeaderParameters(_ scanner: inout SIPScanner) throws(SIPParseError) -> SIPParameters {
    var params = SIPParameters()
    let bytes = scanner.bytes
    try scanHeaderParameters(&scanner) { name, value in
      // Room for a few at once (a Via's branch, rport and the received stamp): growing the
      // array from one element reallocated it for each.
      if params.elements.isEmpty { params.reserveCapacity(4) }
      params.append(
        name: SIPCommonWords.string(bytes, name),
        value: value.map { String(decoding: bytes[$0], as: UTF8.self) })
    }
    return params
  }

  /// Checks `*( SEMI generic-param )` as ``parseHeaderParameters(_:)`` does (same errors, same
  /// stopping point) without making Strings, and returns where the value of the first parameter
  /// named `name` (ASCII case-insensitive) lies, as ``subscript(_:)`` would read it: nil when
  /// absent, `.some(nil)` for a flag.
  static func checkHeaderParameters(_ scanner: inout SIPScanner, finding name: StaticString)
    throws(SIPParseError)
    -> Range<Int>??
  {
    var found: Range<Int>?? = nil
    let bytes = scanner.bytes
    try scanHeaderParameters(&scanner) { n, value in
      guard found == nil, n.count == name.utf8CodeUnitCount else { return }
      var i = 0
      for b in bytes[n] {
        guard SIPGrammar.lowercased(b) == name.utf8Start[i] else { return }
        i += 1
      }
      found = .some(value)
    }
    return found
  }

  /// The one grammar of the two: `each` gets the name's and the value's byte ranges (the value
  /// as written, a quoted one with its quotes).
  static func scanHeaderParameters(
    _ scanner: inout SIPScanner, _ each: (Range<Int>, Range<Int>?) -> Void
  ) throws(SIPParseError) {
    while scanner.consume(UInt8(ascii: ";"), lws: true) {
      let name = scanner.take(SIPGrammar.token)
      guard !name.isEmpty else {
        throw SIPParseError(
          reason: "empty or invalid parameter name after ';' (RFC 3261 §25.1 generic-param)")
      }
      var value: Range<Int>?
      if scanner.consume(UInt8(ascii: "="), lws: true) {
        if scanner.peek == UInt8(ascii: "\"") {
          let start = scanner.index
          _ = try scanner.quotedString()
          value = start..<scanner.index
        } else {
          // token / host (an IPv6 reference): one mask test per byte (round 7).
          let run = scanner.take(
            in: SIPGrammar.adding(
              UInt8(ascii: "]"),
              to: SIPGrammar.adding(
                UInt8(ascii: "["),
                to: SIPGrammar.adding(UInt8(ascii: ":"), to: SIPGrammar.masks(SIPGrammar.token)))))
          guard !run.isEmpty else {
            let text = String(decoding: name, as: UTF8.self)
            throw SIPParseError(reason: "parameter '\(text)' has '=' but no value (RFC 3261 §25.1 gen-value)")
          }
          value = run.startIndex..<run.endIndex
        }
      }
      each(name.startIndex..<name.endIndex, value)
      scanner.skipLWS()
    }
  }
}
