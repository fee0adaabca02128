// SIPCore — the SIP message (RFC 3261 §7, §20, §25) and nothing that touches a socket or a clock.
// See docs/architecture-sipcore.md for what it owns, the parse/validate split and its laziness.

/// A SIP request or response (RFC 3261 §7), parsed from bytes or built with the builders.
///
/// The message is one byte buffer plus a small array of offset ranges: the start line's parts,
/// each header line's name and value, and the body. Parsing checks the framing (start line,
/// header-name tokens, line structure, Content-Length) and nothing more; Strings, URIs and typed
/// header values are made only when an accessor asks for them. Header order and raw text are kept,
/// so an unmodified message serializes to the bytes it was parsed from (see ``serialize()``).
///
/// ```swift
/// let message = try SIPMessage.parse(datagram)
/// if message.isRequest {
///   try message.validateAsRequest()         // UAS-level checks, status code in the error
///   print(message.method!, message.callID!, message.from?.tag ?? "-")
/// }
/// ```
///
/// Header lookups are case-insensitive and know the compact forms (`i`, `m`, `v`, …); `index`
/// counts values across header lines and, for headers whose grammar is a comma-separated list
/// (Via, Contact, Route, Require, …), across the values of one line.
public struct SIPMessage: Sendable {
  /// Offsets of one header line (several physical lines when folded) in ``bytes``.
  ///
  /// Stored as 32-bit numbers, read and written as `Int` (a message's buffer stays far below
  /// 4 GiB: the parser's limits bound a parsed one; a larger offset would trap): 24 bytes a field
  /// instead of 48. A message keeps one per header line,
  /// and transactions keep messages for up to 32 s after they end (Timer J, RFC 3261 §17.2.2):
  /// the fields were the largest single part of what a finished transaction kept
  /// (docs/benchmarks-transactions.md, txstate).
  struct Field: Sendable {
    private var storedLineStart: UInt32
    private var storedNameEnd: UInt32
    private var storedValueStart: UInt32
    private var storedValueEnd: UInt32
    private var storedLineEnd: UInt32
    var id: SIPHeaderName
    var folded: Bool

    init(
      lineStart: Int, nameEnd: Int, valueStart: Int, valueEnd: Int, lineEnd: Int, id: SIPHeaderName,
      folded: Bool
    ) {
      storedLineStart = UInt32(lineStart)
      storedNameEnd = UInt32(nameEnd)
      storedValueStart = UInt32(valueStart)
      storedValueEnd = UInt32(valueEnd)
      storedLineEnd = UInt32(lineEnd)
      self.id = id
      self.folded = folded
    }

    var lineStart: Int {
      get { Int(storedLineStart) }
      set { storedLineStart = UInt32(newValue) }
    }
    var nameEnd: Int {
      get { Int(storedNameEnd) }
      set { storedNameEnd = UInt32(newValue) }
    }
    var valueStart: Int {
      get { Int(storedValueStart) }
      set { storedValueStart = UInt32(newValue) }
    }
    var valueEnd: Int {
      get { Int(storedValueEnd) }
      set { storedValueEnd = UInt32(newValue) }
    }
    var lineEnd: Int {
      get { Int(storedLineEnd) }
      set { storedLineEnd = UInt32(newValue) }
    }
  }

  /// Everything the offsets point into. Mutations append to it (old bytes stay as garbage).
  var bytes: [UInt8]
  /// The start line without its CRLF.
  var startLine: Range<Int>
  /// Method (request) or SIP-Version (response).
  var part1: Range<Int>
  /// Request-URI (request) or Status-Code (response).
  var part2: Range<Int> {
    didSet { parsedHeaders = nil }
  }
  /// SIP-Version (request) or Reason-Phrase (response).
  var part3: Range<Int>
  /// 0 for requests.
  var status: Int
  /// The header lines. Any change drops ``parsedHeaders`` (a didSet that does not read the old
  /// value, so appends and removals still happen in place).
  var fields: [Field] {
    didSet { parsedHeaders = nil }
  }
  var bodyRange: Range<Int>
  /// The transaction headers parsed once (``cacheTransactionHeaders()``), nil when not cached.
  var parsedHeaders: SIPParsedHeaders? = nil

  /// Whether this is a request (else a response).
  public var isRequest: Bool { status == 0 }

  /// The method of a request, as written (methods are case-sensitive, RFC 3261 §7.1); nil for responses.
  /// The usual methods are String literals (``SIPCommonWords``), not decoded again on each read.
  public var method: String? { isRequest ? SIPCommonWords.string(bytes, part1) : nil }

  /// Whether this is a request whose method is `name` (case-sensitive, RFC 3261 §7.1): the
  /// answer of `method == name`, from the bytes without making the String.
  public func isMethod(_ name: StaticString) -> Bool {
    guard isRequest, part1.count == name.utf8CodeUnitCount else { return false }
    let expected = name.bytes
    var i = part1.lowerBound
    for b in expected {
      guard bytes[i] == b else { return false }
      i += 1
    }
    return true
  }

  /// The Request-URI as written; nil for responses. ``requestURIValue`` parses it.
  public var requestURI: String? { isRequest ? string(part2) : nil }

  /// The Request-URI parsed, or nil for responses and URIs that do not parse
  /// (``validateAsRequest(_:)`` reports why).
  public var requestURIValue: SIPURI? {
    if let parsedHeaders { return parsedHeaders.requestURI { parseRequestURI() } }
    return parseRequestURI()
  }

  /// The SIP-Version of the start line as written (`SIP/2.0`).
  public var sipVersion: String { string(isRequest ? part3 : part1) }

  /// Whether the SIP-Version is `SIP/2.0` in any case: the answer of
  /// `sipVersion.uppercased() == "SIP/2.0"`, read from the bytes when they are ASCII (where
  /// uppercasing changes letters only), else through that String.
  public var isSIPVersion2: Bool {
    let range = isRequest ? part3 : part1
    guard isASCII(range) else { return sipVersion.uppercased() == "SIP/2.0" }
    guard range.count == Self.version2.utf8CodeUnitCount else { return false }
    var i = range.lowerBound
    for expected in Self.version2.bytes {
      let b = bytes[i]
      guard (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z") ? b - 0x20 : b) == expected else {
        return false
      }
      i += 1
    }
    return true
  }

  static let version2: StaticString = "SIP/2.0"

  /// The status code of a response; nil for requests.
  public var statusCode: Int? { isRequest ? nil : status }

  /// The reason phrase of a response (possibly empty, RFC 4475 §3.1.1.13); nil for requests.
  public var reasonPhrase: String? { isRequest ? nil : string(part3) }

  /// The body bytes (exactly Content-Length bytes when the header is present).
  public var body: [UInt8] { Array(bytes[bodyRange]) }

  /// How many bytes the body holds (`body.count`, without copying the body out).
  public var bodyCount: Int { bodyRange.count }

  /// About how many bytes of heap memory the message holds (its buffer and its header offsets):
  /// for hosts whose garbage collector does not see that memory (the Lua runtime paces its
  /// collector with it).
  public var storageBytes: Int {
    bytes.capacity + fields.capacity * MemoryLayout<Field>.stride
  }

  /// The start line as written, without CRLF.
  public var startLineText: String { string(startLine) }

  @inline(__always) func string(_ range: Range<Int>) -> String {
    String(decoding: bytes[range], as: UTF8.self)
  }

  /// The 1-based line number of byte `offset`, for error reports.
  func lineNumber(of offset: Int) -> Int {
    var line = 1
    var i = 0
    let limit = min(offset, bytes.count)
    while i < limit {
      if bytes[i] == 0x0A { line += 1 }
      i += 1
    }
    return line
  }
}
