// SDP — session descriptions (RFC 8866) and the offer/answer model (RFC 3264). Sans-I/O.

/// A session description (RFC 8866): the session-level lines, then one ``MediaDescription`` per
/// `m=` line.
///
/// It is stored as lines, so unknown line types and attributes keep their place and an unmodified
/// description re-serializes to the bytes it was parsed from (line endings, trailing whitespace
/// included). Typed accessors (``origin``, ``connection``, ``MediaDescription/field``, ...) read and
/// write those lines.
///
/// ```swift
/// let sdp = try SessionDescription(parsing: body)
/// for media in sdp.getMedia() { print(media.address, media.port, media.formats) }
/// let pt = sdp.name2int("telephone-event/8000", mediaIndex: 0)  // 101
/// ```
public struct SessionDescription: SDPSection, Sendable, Hashable, CustomStringConvertible {
  /// Session-level lines, from `v=` to the last line before the first `m=`.
  public var lines: [SDPLine] {
    didSet {
      summaryBox = nil
      source = nil
    }
  }
  /// One entry per `m=` line.
  public var media: [MediaDescription] {
    didSet { source = nil }
  }
  /// The terminator lines built in code get: that of the first parsed line, else CRLF (RFC 8866 §5).
  public var lineEnding: String = "\r\n" {
    didSet { source = nil }
  }
  /// Blank lines after the last line, kept for exact re-serialization.
  var trailer: String = "" {
    didSet { source = nil }
  }
  /// The bytes the parser read this description from, until anything in it changes: parsing them
  /// again gives an equal description. A call keeps the peer's description as these bytes
  /// (``OfferAnswer/remoteDescription``), a few hundred bytes instead of lines, sections and
  /// their parsed values.
  private(set) var source: [UInt8]?
  /// The session's `c=` and direction as the parser read them; nil once the lines change.
  /// Boxed, as in ``MediaDescription``: kept small inline.
  private var summaryBox: SectionSummary.Box?
  var summary: SectionSummary? { summaryBox?.value }

  /// `application/sdp` (RFC 8866 §8.1), Net::SIP's `content_type`.
  public static let contentType = "application/sdp"

  /// Whether a Content-Type value is ``contentType`` with any parameters, read on its bytes:
  /// spaces and tabs before `;` left out, ASCII letters in any case (`Application/SDP;
  /// charset=x`). True only where taking the part before the first `;`, dropping whitespace and
  /// lowercasing gives ``contentType``; false for anything else, including text with other
  /// whitespace or non-ASCII bytes, which the caller then reads the general way.
  public static func isContentType(_ value: String) -> Bool {
    // On the value's buffer against the bytes of the name: iterating both UTF-8 views cost ~60
    // instructions a byte (docs/benchmarks-calls.md, "callpath").
    var value = value
    return value.withUTF8 { bytes in
      var matched = 0
      for byte in bytes {
        if byte == UInt8(ascii: ";") { break }
        if byte == UInt8(ascii: " ") || byte == 0x09 { continue }
        guard byte < 0x80, byte > 0x20, matched < contentTypeBytes.count,
          SDPSyntax.asciiLower(byte) == contentTypeBytes[matched]
        else { return false }
        matched += 1
      }
      return matched == contentTypeBytes.count
    }
  }

  /// ``contentType``'s bytes.
  private static let contentTypeBytes: [UInt8] = Array(contentType.utf8)

  public init(lines: [SDPLine], media: [MediaDescription]) {
    self.lines = lines
    self.media = media
  }

  // The summary follows from the lines: equality and hashing leave it out.
  public static func == (lhs: Self, rhs: Self) -> Bool {
    lhs.lines == rhs.lines && lhs.media == rhs.media && lhs.lineEnding == rhs.lineEnding
      && lhs.trailer == rhs.trailer
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(lines)
    hasher.combine(media)
    hasher.combine(lineEnding)
    hasher.combine(trailer)
  }

  /// Keeps what the parser read from the session-level lines, all of them in place.
  mutating func keep(summary: SectionSummary) { summaryBox = SectionSummary.Box(summary) }

  /// Remembers the bytes the parser read: the last step of a parse, after every line is in place.
  mutating func keep(source bytes: [UInt8]) { source = bytes }

  /// The same description without what the parser kept for offer/answer (section summaries,
  /// resolved codecs), which the accessors then read from the lines, with the same results. For a
  /// description stored once its exchange is over, as each call stores the peer's: the caches are
  /// a few hundred bytes a call, and a stored description is read rarely, if at all
  /// (`call.sdp_peer`).
  var hasParseCaches: Bool { summaryBox != nil || media.contains(where: \.hasParseCaches) }

  func droppingParseCaches() -> SessionDescription {
    var copy = self
    copy.summaryBox = nil
    for index in copy.media.indices { copy.media[index].dropParseCaches() }
    return copy
  }

  /// The session-level `c=` line.
  public var connection: Connection? {
    get {
      if let summaryBox { return summaryBox.value.connection }
      return scannedConnection
    }
    set { replaceLine(type: "c", with: newValue.map { SDPLine("c", $0.description) }) }
  }

  /// The session-level direction attribute, nil if none.
  public var direction: MediaDirection? {
    get {
      if let summaryBox { return summaryBox.value.direction }
      return scannedDirection
    }
    set { setDirection(newValue) }
  }

  /// The `o=` line.
  public var origin: Origin? {
    get { lines.first { $0.asciiType == UInt8(ascii: "o") }.flatMap { Origin(parsing: $0.value) } }
    set { replaceLine(type: "o", with: newValue.map { SDPLine("o", $0.description) }) }
  }

  /// The `s=` line.
  public var sessionName: String? {
    get { lines.first { $0.asciiType == UInt8(ascii: "s") }?.value }
    set { replaceLine(type: "s", with: newValue.map { SDPLine("s", $0) }) }
  }

  /// Where the media of stream `index` goes: its own `c=`, else the session's (RFC 8866 §5.7).
  public func connection(forMedia index: Int) -> Connection? {
    guard media.indices.contains(index) else { return nil }
    return media[index].connection ?? connection
  }

  /// The direction of stream `index`: media level overrides session level, default sendrecv
  /// (RFC 3264 §5.1).
  public func direction(forMedia index: Int) -> MediaDirection {
    guard media.indices.contains(index) else { return .sendrecv }
    return media[index].direction ?? direction ?? .sendrecv
  }

  /// The same description with another `o=` version, for comparing descriptions by content.
  func withVersion(_ version: String) -> SessionDescription {
    guard let index = lines.firstIndex(where: { $0.asciiType == UInt8(ascii: "o") }),
      var origin = Origin(parsing: lines[index].value)
    else { return self }
    origin.sessionVersion = version
    // Setting ``origin`` writes the canonical line: when it is that already, nothing changes.
    let value = origin.description
    if lines[index].value == value && lines[index].trailingWhitespace.isEmpty { return self }
    var copy = self
    copy.lines[index].value = value
    copy.lines[index].trailingWhitespace = ""
    return copy
  }
}
