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
      text.utf8.allSatisfy({ SIPGrammar.is($0, SIPGrammar.digit) })
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
    scanner.skipLWS()
    var displayName: String?
    var bracketed = false
    if scanner.peek == UInt8(ascii: "\"") {
      displayName = try scanner.quotedString()
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
      while let word = scanner.token() {
        words.append(word)
        scanner.skipLWS()
      }
      if !words.isEmpty, scanner.peek == UInt8(ascii: "<") {
        displayName = words.joined(separator: " ")
        bracketed = true
      } else {
        scanner.index = saved
      }
    }
    let uri: SIPURI
    if bracketed {
      _ = scanner.consume(UInt8(ascii: "<"))
      let start = scanner.index
      while let b = scanner.peek, b != UInt8(ascii: ">") { scanner.index += 1 }
      guard scanner.peek == UInt8(ascii: ">") else {
        throw SIPParseError(reason: "missing '>' after URI (RFC 3261 §25.1 name-addr)")
      }
      do {
        uri = try SIPURI.parse(bytes: scanner.bytes, from: start, to: scanner.index)
      } catch {
        throw SIPParseError(reason: "inside <>: " + error.reason)
      }
      scanner.index += 1
    } else {
      let run = scanner.take { !SIPGrammar.isLWS($0) && $0 != UInt8(ascii: ";") && $0 != UInt8(ascii: ",") }
      guard !run.isEmpty else { throw SIPParseError(reason: "missing URI (RFC 3261 §25.1 addr-spec)") }
      if run.contains(UInt8(ascii: "?")) {
        throw SIPParseError(
          reason: "a URI with headers must be enclosed in <> (RFC 3261 §20.10, RFC 4475 §3.1.2.13)")
      }
      uri = try SIPURI.parse(bytes: scanner.bytes, from: run.startIndex, to: run.endIndex)
    }
    let parameters = try SIPParameters.parseHeaderParameters(&scanner)
    scanner.skipLWS()
    guard scanner.isAtEnd else {
      throw SIPParseError(reason: "unexpected text after the address (RFC 3261 §25.1)")
    }
    return SIPNameAddress(displayName: displayName, uri: uri, parameters: parameters)
  }
}
