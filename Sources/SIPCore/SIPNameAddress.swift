/// A `name-addr` or `addr-spec` with header parameters: the value of From, To, Contact, Route,
/// Record-Route, Reply-To, Refer-To… (RFC 3261 §20.10, §20.20, §20.39, §25.1).
///
/// ```swift
/// let to = try SIPNameAddress.parse("\"Bob \\\"B\\\"\" <sip:bob@example.com>;tag=a6c85cf")
/// to.displayName    // "Bob \"B\""
/// to.uri.user       // "bob"
/// to.tag            // "a6c85cf"
/// to.description    // "\"Bob \\\"B\\\"\" <sip:bob@example.com>;tag=a6c85cf"
/// ```
///
/// In the addr-spec form (no `<>`), parameters after the URI belong to the header, not to the
/// URI (RFC 3261 §20.10), and a URI with headers (`?`) is refused there (RFC 4475 §3.1.2.13).
public struct SIPNameAddress: Sendable, Hashable, CustomStringConvertible {
  /// The display name, unquoted and unescaped; nil when absent.
  public var displayName: String?
  public var uri: SIPURI
  /// Header parameters (`tag`, `expires`, `q`, …), values as written.
  public var parameters: SIPParameters

  public init(displayName: String? = nil, uri: SIPURI, parameters: SIPParameters = SIPParameters()) {
    self.displayName = displayName
    self.uri = uri
    self.parameters = parameters
  }

  /// The `tag` parameter (RFC 3261 §19.3).
  public var tag: String? {
    get { parameters.value("tag") }
    set { parameters["tag"] = newValue.map { .some($0) } }
  }

  /// The `expires` parameter of a Contact (RFC 3261 §20.10), in seconds; values beyond 2³²−1 are
  /// clamped (RFC 4475 §3.1.2.4 lets an element treat them as the default instead).
  public var expires: UInt32? {
    guard let text = parameters.value("expires"), SIPGrammar.isToken(text),
      text.utf8.allSatisfy({ SIPGrammar.isDigitByte($0) })
    else { return nil }
    return UInt32(clamping: SIPGrammar.decimal(text.utf8, limit: UInt64(UInt32.max)) ?? UInt64(UInt32.max))
  }

  /// The `q` parameter of a Contact (RFC 3261 §20.10): 0 to 1 with up to three decimals.
  public var q: Double? {
    guard let text = parameters.value("q"), let value = Double(text), value >= 0, value <= 1 else {
      return nil
    }
    return value
  }

  /// Always the name-addr form (`<uri>`), the display name quoted.
  public var description: String {
    var out = ""
    if let displayName { out += SIPGrammar.quote(displayName) + " " }
    out += "<" + uri.description + ">"
    out += parameters.description
    return out
  }

  /// Parses one value (one element of a comma list).
  public static func parse(_ text: String) throws(SIPParseError) -> SIPNameAddress {
    var scanner = SIPScanner(text)
    return try parse(&scanner)
  }

  static func parse(_ scanner: inout SIPScanner) throws(SIPParseError) -> SIPNameAddress {
    var displayName: String?
    let address = try scanAddress(&scanner, build: true, displayName: &displayName)
    let uri: SIPURI
    do {
      uri = try SIPURI.parse(bytes: scanner.bytes, from: address.uri.lowerBound, to: address.uri.upperBound)
    } catch {
      throw address.bracketed ? SIPParseError(reason: "inside <>: " + error.reason) : error
    }
    let parameters = try SIPParameters.parseHeaderParameters(&scanner)
    try checkEnd(&scanner)
    return SIPNameAddress(displayName: displayName, uri: uri, parameters: parameters)
  }

  /// Checks one value as ``parse(_:)`` does (the same errors for the same bytes) without making
  /// its Strings, URI and parameter list, and returns the `tag` as ``tag`` would read it: the
  /// transaction path reads only the tags of To and From (docs/benchmarks-transactions.md,
  /// round 6).
  static func checkTag(_ scanner: inout SIPScanner) throws(SIPParseError) -> String? {
    var displayName: String?
    let address = try scanAddress(&scanner, build: false, displayName: &displayName)
    do {
      try SIPURI.check(bytes: scanner.bytes, from: address.uri.lowerBound, to: address.uri.upperBound)
    } catch {
      throw address.bracketed ? SIPParseError(reason: "inside <>: " + error.reason) : error
    }
    let tag = try SIPParameters.checkHeaderParameters(&scanner, finding: "tag")
    try checkEnd(&scanner)
    guard let range = tag ?? nil else { return nil }
    return SIPParameters.unquoted(String(decoding: scanner.bytes[range], as: UTF8.self))
  }

  private static func checkEnd(_ scanner: inout SIPScanner) throws(SIPParseError) {
    scanner.skipLWS()
    guard scanner.isAtEnd else {
      throw SIPParseError(reason: "unexpected text after the address (RFC 3261 §25.1)")
    }
  }

  /// The display name of a name-addr or addr-spec and where its URI lies (inside `<>` or not),
  /// the scanner left before its header parameters; the caller parses or checks the URI next,
  /// so its errors come in the grammar's order. With `build` false the display name is checked
  /// the same way and `displayName` stays nil.
  private static func scanAddress(_ scanner: inout SIPScanner, build: Bool, displayName: inout String?)
    throws(SIPParseError) -> (uri: Range<Int>, bracketed: Bool)
  {
    scanner.skipLWS()
    var bracketed = false
    if scanner.peek == UInt8(ascii: "\"") {
      let name = try scanner.quotedString()
      if build { displayName = name }
      scanner.skipLWS()
      guard scanner.peek == UInt8(ascii: "<") else {
        throw SIPParseError(
          reason: "quoted display name must be followed by <URI> (RFC 3261 §25.1 name-addr)")
      }
      bracketed = true
    } else if scanner.peek == UInt8(ascii: "<") {
      bracketed = true
    } else {
      // display-name = *(token LWS): look ahead for '<' after tokens; otherwise an addr-spec.
      let saved = scanner.index
      var words: [String] = []
      var wordCount = 0
      while true {
        let word = scanner.take(SIPGrammar.token)
        if word.isEmpty { break }
        if build { words.append(String(decoding: word, as: UTF8.self)) }
        wordCount += 1
        scanner.skipLWS()
      }
      if wordCount > 0, scanner.peek == UInt8(ascii: "<") {
        if build { displayName = words.joined(separator: " ") }
        bracketed = true
      } else {
        scanner.index = saved
      }
    }
    if bracketed {
      _ = scanner.consume(UInt8(ascii: "<"))
      let start = scanner.index
      while let b = scanner.peek, b != UInt8(ascii: ">") { scanner.index += 1 }
      guard scanner.peek == UInt8(ascii: ">") else {
        throw SIPParseError(reason: "missing '>' after URI (RFC 3261 §25.1 name-addr)")
      }
      let uri = start..<scanner.index
      scanner.index += 1
      return (uri, true)
    }
    let run = scanner.take { !SIPGrammar.isLWS($0) && $0 != UInt8(ascii: ";") && $0 != UInt8(ascii: ",") }
    guard !run.isEmpty else { throw SIPParseError(reason: "missing URI (RFC 3261 §25.1 addr-spec)") }
    if run.contains(UInt8(ascii: "?")) {
      throw SIPParseError(
        reason: "a URI with headers must be enclosed in <> (RFC 3261 §20.10, RFC 4475 §3.1.2.13)")
    }
    return (run.startIndex..<run.endIndex, false)
  }
}
