// Parsing RFC 8866 text: line splitting, the grammar's order, and each known line's syntax.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

extension SessionDescription {
  /// Parses a session description.
  ///
  /// Liberal where real phones are: LF-only line ends, trailing spaces or tabs, blank lines at the
  /// end, a missing final line break, unknown line types and attributes (kept in place). Strict on
  /// structure: `v=0` first, required `o=`, `s=` and `t=`, RFC 8866 §9's line order, well-formed
  /// `o=`, `c=`, `b=`, `t=`, `m=` and known attributes, a connection address for every active stream.
  public init(parsing text: String) throws(SDPParseError) {
    try self.init(parsing: Array(text.utf8))
  }

  /// Parses a session description from a message body.
  public init(parsing bytes: some Collection<UInt8>) throws(SDPParseError) {
    var parser = SDPParser(bytes: Array(bytes))
    self = try parser.parse()
  }

  /// Parses with the general path only (every value read from its String), for comparing it with
  /// the byte path (``SDPBytes``) in tests and fuzzing.
  init(parsingGeneral bytes: [UInt8]) throws(SDPParseError) {
    var parser = SDPParser(bytes: bytes, bytePath: false)
    self = try parser.parse()
  }
}

/// The parser's state: lines split off the bytes, then a walk through RFC 8866 §9's order.
struct SDPParser {
  struct RawLine {
    var number: Int
    var content: ArraySlice<UInt8>
    /// The terminator as one byte (a String per line cost a comparison per line to store it in
    /// its ``SDPLine``; docs/benchmarks-calls.md, "callpath").
    var ending: SDPLine.LineEnding
    var terminator: String { ending.text ?? "" }
    var isBlank: Bool { content.allSatisfy { $0 == 0x20 || $0 == 0x09 } }
    var text: String { String(decoding: content, as: UTF8.self) }
  }

  let bytes: [UInt8]
  /// Whether ASCII values are read from their bytes (``SDPBytes``); off only to compare the paths.
  let bytePath: Bool

  init(bytes: [UInt8], bytePath: Bool = true) {
    self.bytes = bytes
    self.bytePath = bytePath
  }

  /// A checked line: the ``SDPLine``, its value's bytes (without trailing whitespace) and whether
  /// they are all ASCII.
  struct CheckedLine {
    var line: SDPLine
    var value: ArraySlice<UInt8>
    var isASCII: Bool

    /// The three, for taking apart in one binding.
    consuming func parts() -> (SDPLine, ArraySlice<UInt8>, Bool) { (line, value, isASCII) }
  }

  /// Splits on LF, taking a CR before it into the terminator. memchr finds each LF (counting
  /// them byte by byte and `firstIndex(of:)` on each rest cost ~3,600 instructions for a
  /// 250-byte offer; msgcost).
  func splitLines() -> [RawLine] {
    bytes.withUnsafeBufferPointer { buffer -> [RawLine] in
      guard let base = buffer.baseAddress else { return [] }
      let n = buffer.count
      func nextLineFeed(_ from: Int) -> Int? {
        guard from < n, let hit = memchr(base + from, 0x0A, n - from) else { return nil }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
      }
      var lineFeeds = 0
      var at = 0
      while let lf = nextLineFeed(at) {
        lineFeeds += 1
        at = lf + 1
      }
      var result: [RawLine] = []
      result.reserveCapacity(lineFeeds + 1)
      var start = 0
      var number = 1
      while start < n {
        guard let lf = nextLineFeed(start) else {
          result.append(RawLine(number: number, content: bytes[start...], ending: .missing))
          break
        }
        var end = lf
        var ending = SDPLine.LineEnding.lf
        if end > start && buffer[end - 1] == 0x0D {
          end -= 1
          ending = .crlf
        }
        result.append(RawLine(number: number, content: bytes[start..<end], ending: ending))
        start = lf + 1
        number += 1
      }
      return result
    }
  }

  func error(_ raw: RawLine, _ kind: SDPParseError.Kind, _ detail: String = "") -> SDPParseError {
    SDPParseError(line: raw.number, text: raw.text, kind, detail)
  }

  /// Turns one raw line into an ``SDPLine``, checking `<letter>=` and the text.
  func line(_ raw: RawLine) throws(SDPParseError) -> CheckedLine {
    let parts = try lineParts(raw)
    var line = SDPLine(asciiType: parts.type, value: parts.value, ending: raw.ending)
    if parts.valueEnd != raw.content.endIndex {
      line.trailingWhitespace = String(decoding: raw.content[parts.valueEnd...], as: UTF8.self)
    }
    return CheckedLine(line: line, value: parts.bytes, isASCII: parts.isASCII)
  }

  /// ``line(_:)`` appended to `lines` (the section's, as the parse goes), made in place: a line
  /// returned and then appended was copied into the array and destroyed after (the parse
  /// 34.4 k -> 33.4 k instructions for an 11-line offer; docs/benchmarks-calls.md, "callpath").
  /// Returns the value's bytes and whether they are ASCII; appends nothing when it throws.
  func appendLine(
    _ raw: RawLine, to lines: inout [SDPLine]
  ) throws(SDPParseError) -> (value: ArraySlice<UInt8>, isASCII: Bool) {
    let parts = try lineParts(raw)
    lines.append(SDPLine(asciiType: parts.type, value: parts.value, ending: raw.ending))
    if parts.valueEnd != raw.content.endIndex {
      lines[lines.count - 1].trailingWhitespace = String(
        decoding: raw.content[parts.valueEnd...], as: UTF8.self)
    }
    return (parts.bytes, parts.isASCII)
  }

  /// The checks of a line and what it is made of: its type letter, its value (as text and as
  /// bytes, without trailing whitespace, which starts at `valueEnd`) and whether that is ASCII.
  private func lineParts(
    _ raw: RawLine
  ) throws(SDPParseError) -> (
    type: UInt8, value: String, valueEnd: Int, bytes: ArraySlice<UInt8>, isASCII: Bool
  ) {
    var end = raw.content.endIndex
    while end > raw.content.startIndex, raw.content[end - 1] == 0x20 || raw.content[end - 1] == 0x09 {
      end -= 1
    }
    let content = raw.content[raw.content.startIndex..<end]
    guard content.count >= 2, let first = content.first,
      (0x41...0x5A).contains(first) || (0x61...0x7A).contains(first),
      content[content.startIndex + 1] == UInt8(ascii: "=")
    else {
      throw error(raw, .malformedLine, "expected <type letter>=<value>")
    }
    let valueBytes = content[(content.startIndex + 2)...]
    // RFC 8866 §9: text is any byte but NUL, CR and LF, in UTF-8 by default (§5.13 charset).
    // Read on the slice's memory: subscripting the slice byte by byte cost ~20 instructions a
    // byte (docs/benchmarks-calls.md, "callpath").
    var hasNUL = false
    var hasCR = false
    var isASCII = true
    valueBytes.withUnsafeBufferPointer { buffer in
      for byte in buffer where byte < 0x0E || byte >= 0x80 {
        if byte == 0x00 {
          hasNUL = true
        } else if byte == 0x0D {
          hasCR = true
        } else if byte >= 0x80 {
          isASCII = false
        }
      }
    }
    if hasNUL { throw error(raw, .invalidText, "NUL byte") }
    if hasCR { throw error(raw, .invalidText, "CR inside a line") }
    let value = String(decoding: valueBytes, as: UTF8.self)
    // Decoding replaces invalid sequences; ASCII has none.
    guard isASCII || value.utf8.elementsEqual(valueBytes) else { throw error(raw, .invalidText, "not UTF-8") }
    return (first, value, end, valueBytes, isASCII)
  }

  mutating func parse() throws(SDPParseError) -> SessionDescription {
    let raws = splitLines()
    // Blank lines are tolerated only at the end (some stacks add a CRLF too many).
    guard let lastContent = raws.lastIndex(where: { !$0.isBlank }) else {
      throw SDPParseError(line: 1, text: "", .empty, "")
    }
    // Each section's lines in an array of exactly its size: a parsed description is kept for a
    // whole call (the peer's, in the call's offer/answer state), and an array grown by appending
    // keeps up to twice the room it needs.
    var sectionSizes = [0]
    for raw in raws[...lastContent] {
      if raw.content.first == UInt8(ascii: "m") {
        sectionSizes.append(0)
      } else {
        sectionSizes[sectionSizes.count - 1] += 1
      }
    }
    var session: [SDPLine] = []
    session.reserveCapacity(sectionSizes[0])
    var media: [MediaDescription] = []
    media.reserveCapacity(sectionSizes.count - 1)
    // What the lines say in typed form, kept with each section (offer/answer reads it).
    var sessionSummary = SectionSummary()
    var mediaSummaries: [SectionSummary] = []
    var resolvers: [CodecResolver] = []
    var sessionResolver = CodecResolver()  // session-level rtpmap/fmtp resolve nothing
    var rank = -1
    var sawTime = false
    var sessionHasConnection = false
    var mediaHasConnection = false
    var mediaRaw: RawLine?
    var lineEnding = "\r\n"

    for raw in raws[...lastContent] {
      if raw.isBlank { throw error(raw, .emptyLine, "blank line before the end") }
      // The type letter as a byte (``line(_:)`` checks it is one, before anything reads it):
      // cheaper to compare than a Character. Not blank, so not empty.
      let type = raw.content[raw.content.startIndex]
      if type == UInt8(ascii: "m") {
        let (line, value, isASCII) = try self.line(raw).parts()
        if raw.number == 1 { throw error(raw, .versionNotFirst) }
        if media.isEmpty {
          try checkSessionComplete(session, sawTime: sawTime, at: raw)
        } else if let mediaRaw {
          try checkConnection(
            media[media.count - 1], session: sessionHasConnection, media: mediaHasConnection, mediaRaw)
        }
        if bytePath && isASCII, let field = SDPBytes.mediaField(value) {
          var lines: [SDPLine] = []
          lines.reserveCapacity(sectionSizes[media.count + 1])
          media.append(MediaDescription(mediaLine: line, field: field, lines: lines))
        } else {
          switch MediaField.parse(line.value) {
          case .failure(let reason): throw error(raw, .invalidMedia, reason.text)
          case .success(let field):
            var lines: [SDPLine] = []
            lines.reserveCapacity(sectionSizes[media.count + 1])
            media.append(MediaDescription(mediaLine: line, field: field, lines: lines))
          }
        }
        mediaSummaries.append(SectionSummary())
        resolvers.append(CodecResolver())
        rank = 0
        mediaHasConnection = false
        mediaRaw = raw
        continue
      }
      // The line goes into its section first, made there; a failing check below ends the parse.
      if media.isEmpty {
        let (value, isASCII) = try appendLine(raw, to: &session)
        if raw.number == 1 {
          guard type == UInt8(ascii: "v") else { throw error(raw, .versionNotFirst) }
          guard session[0].value == "0" else { throw error(raw, .unsupportedVersion, "only v=0 exists") }
          if !raw.terminator.isEmpty { lineEnding = raw.terminator }
        }
        try checkOrder(type, raw, rank: &rank, mediaLevel: false)
        if type == UInt8(ascii: "t") { sawTime = true }
        if type == UInt8(ascii: "c") { sessionHasConnection = true }
        try checkSyntax(
          session[session.count - 1], value, isASCII, type, raw, summary: &sessionSummary,
          codecs: &sessionResolver)
      } else {
        let last = media.count - 1
        let (value, isASCII) = try appendLine(raw, to: &media[last].lines)
        try checkOrder(type, raw, rank: &rank, mediaLevel: true)
        if type == UInt8(ascii: "c") { mediaHasConnection = true }
        try checkSyntax(
          media[last].lines[media[last].lines.count - 1], value, isASCII, type, raw,
          summary: &mediaSummaries[last], codecs: &resolvers[last])
      }
    }
    if media.isEmpty {
      try checkSessionComplete(session, sawTime: sawTime, at: raws[lastContent])
    } else if let mediaRaw {
      try checkConnection(
        media[media.count - 1], session: sessionHasConnection, media: mediaHasConnection, mediaRaw)
    }
    for index in media.indices {
      media[index].keep(summary: mediaSummaries[index], resolver: resolvers[index])
    }
    var description = SessionDescription(lines: session, media: media)
    description.keep(summary: sessionSummary)
    description.lineEnding = lineEnding
    description.trailer = String(
      decoding: raws[(lastContent + 1)...].flatMap { Array($0.content) + Array($0.terminator.utf8) },
      as: UTF8.self)
    description.keep(source: bytes)
    return description
  }

  /// RFC 8866 §9: each level's lines come in a fixed order; some may repeat. Unknown types are
  /// kept wherever they are.
  func checkOrder(_ type: UInt8, _ raw: RawLine, rank: inout Int, mediaLevel: Bool) throws(SDPParseError) {
    let order = mediaLevel ? SDPGrammar.mediaOrderBytes : SDPGrammar.sessionOrderBytes
    func name(_ byte: UInt8) -> Character { Character(Unicode.Scalar(byte)) }
    guard let position = order.firstIndex(of: type) else {
      // A session-only line (v, o, s, u, e, p, t, r, z) inside a media description is misplaced,
      // not unknown.
      if mediaLevel && SDPGrammar.sessionOrderBytes.contains(type) {
        throw error(raw, .outOfOrder, "\(name(type))= belongs to the session level, before the first m=")
      }
      return
    }
    if type == UInt8(ascii: "v") && raw.number != 1 {
      throw error(raw, .duplicate, "v= must appear once, first")
    }
    if type == UInt8(ascii: "r") && !(rank == position || order[max(rank, 0)] == UInt8(ascii: "t")) {
      throw error(raw, .outOfOrder, "r= must follow t=")
    }
    if type == UInt8(ascii: "t") && rank >= 0 && order[rank] == UInt8(ascii: "r") {
      rank = position  // a new time description after repeat times (RFC 8866 §9 time-fields)
      return
    }
    if position < rank {
      throw error(raw, .outOfOrder, "\(name(type))= cannot follow \(name(order[rank]))=")
    }
    let repeatable = mediaLevel ? SDPGrammar.mediaRepeatableBytes : SDPGrammar.sessionRepeatableBytes
    if position == rank && !repeatable.contains(type) {
      throw error(raw, .duplicate, "only one \(name(type))= line allowed here")
    }
    rank = position
  }

  func checkSessionComplete(_ session: [SDPLine], sawTime: Bool, at raw: RawLine) throws(SDPParseError) {
    // Parsed lines carry their type letter as an ASCII byte.
    for required in [UInt8(ascii: "o"), UInt8(ascii: "s")]
    where !session.contains(where: { $0.asciiType == required }) {
      throw error(raw, .missingLine, "no \(Character(Unicode.Scalar(required)))= line before this one")
    }
    if !sawTime { throw error(raw, .missingLine, "no t= line before this one") }
  }

  /// RFC 8866 §5.7: a c= line at session level or in every media description. A rejected stream
  /// (port 0) needs none.
  func checkConnection(
    _ media: MediaDescription, session: Bool, media hasOwn: Bool, _ raw: RawLine
  ) throws(SDPParseError) {
    if !session && !hasOwn && media.port != 0 {
      throw error(raw, .missingConnection, "neither this m= section nor the session has a c= line")
    }
  }

  /// Checks a line's value against its grammar, noting the typed values it gives (`c=`,
  /// direction, ptime, maxptime, rtcp, rtpmap, fmtp) for the section.
  func checkSyntax(
    _ line: SDPLine, _ value: ArraySlice<UInt8>, _ isASCII: Bool, _ type: UInt8, _ raw: RawLine,
    summary: inout SectionSummary,
    codecs: inout CodecResolver
  ) throws(SDPParseError) {
    if bytePath && isASCII && checkBytes(value, type, summary: &summary, codecs: &codecs) {
      return
    }
    switch type {
    case UInt8(ascii: "o"):
      if case .failure(let reason) = Origin.parse(line.value) {
        throw error(raw, .invalidOrigin, reason.text)
      }
    case UInt8(ascii: "c"):
      switch Connection.parse(line.value) {
      case .success(let connection): summary.note(connection: connection)
      case .failure(let reason): throw error(raw, .invalidConnection, reason.text)
      }
    case UInt8(ascii: "b"):
      // RFC 8866 §5.8: <bwtype>:<bandwidth>
      let parts = SDPSyntax.split(
        Substring(line.value), at: UInt8(ascii: ":"), maxSplits: 1, omittingEmptySubsequences: false)
      guard parts.count == 2, SDPSyntax.isToken(parts[0]), SDPSyntax.isDigits(parts[1]) else {
        throw error(raw, .invalidBandwidth, "expected <bwtype>:<bandwidth>")
      }
    case UInt8(ascii: "t"):
      let fields = SDPSyntax.fields(line.value)
      guard fields.count == 2, fields.allSatisfy(SDPSyntax.isDigits) else {
        throw error(raw, .invalidTiming, "expected <start-time> <stop-time>")
      }
    case UInt8(ascii: "r"), UInt8(ascii: "z"):
      guard !SDPSyntax.fields(line.value).isEmpty else { throw error(raw, .invalidTiming, "empty") }
    case UInt8(ascii: "a"):
      try checkAttribute(line, raw, summary: &summary, codecs: &codecs)
    default:
      break
    }
  }

  /// The byte path of ``checkSyntax(_:_:_:summary:codecs:)`` for an ASCII value: true when the
  /// value is valid and what it says is noted; false leaves everything to the general path
  /// (which then gives the value or the error), having noted nothing.
  func checkBytes(
    _ value: ArraySlice<UInt8>, _ type: UInt8, summary: inout SectionSummary, codecs: inout CodecResolver
  ) -> Bool {
    switch type {
    case UInt8(ascii: "o"):
      return SDPBytes.isOrigin(value)
    case UInt8(ascii: "c"):
      guard let connection = SDPBytes.connection(value) else { return false }
      summary.note(connection: connection)
      return true
    case UInt8(ascii: "b"):
      return SDPBytes.isBandwidth(value)
    case UInt8(ascii: "t"):
      return SDPBytes.isTiming(value)
    case UInt8(ascii: "r"), UInt8(ascii: "z"):
      return SDPBytes.hasField(value)
    case UInt8(ascii: "a"):
      // <name>[:<value>]: ASCII, so the first ':' byte is the first ':' Character.
      let colon = SDPBytes.firstIndex(of: UInt8(ascii: ":"), in: value)
      let name = value[value.startIndex..<colon]
      guard SDPBytes.isToken(name) else { return false }
      let packed = SDPSyntax.packedLowercase(name)
      guard colon < value.endIndex else {
        switch packed {
        case AttributeName.rtpmap, AttributeName.fmtp, AttributeName.ptime, AttributeName.maxptime,
          AttributeName.rtcp:
          return false  // these need a value: the general path says so
        default:
          summary.note(flag: name)
          return true
        }
      }
      let text = value[(colon + 1)...]
      switch packed {
      case AttributeName.rtpmap:
        guard let map = SDPBytes.rtpMap(text) else { return false }
        codecs.add(rtpMap: map)
      case AttributeName.fmtp:
        // <format> <parameters>, split as CodecResolver.add(fmtp:) splits: at the first space
        // after the format, the rest as it is.
        var start = text.startIndex
        while start < text.endIndex && text[start] == UInt8(ascii: " ") { start += 1 }
        guard start < text.endIndex else { return false }
        let formatEnd = SDPBytes.firstIndex(of: UInt8(ascii: " "), in: text[start...])
        let parameters = formatEnd < text.endIndex ? SDPBytes.string(text[(formatEnd + 1)...]) : ""
        codecs.add(format: SDPBytes.string(text[start..<formatEnd]), parameters: parameters)
      case AttributeName.ptime:
        guard let milliseconds = SDPBytes.wholeMilliseconds(text) else { return false }
        summary.note(ptime: milliseconds)
      case AttributeName.maxptime:
        guard let milliseconds = SDPBytes.wholeMilliseconds(text) else { return false }
        summary.note(maxptime: milliseconds)
      case AttributeName.rtcp:
        guard let rtcp = SDPBytes.rtcpPort(text) else { return false }
        summary.note(rtcp: rtcp)
      default:
        break
      }
      return true
    default:
      return true
    }
  }

  func checkAttribute(
    _ line: SDPLine, _ raw: RawLine, summary: inout SectionSummary, codecs: inout CodecResolver
  ) throws(SDPParseError) {
    guard let attribute = line.attribute, SDPSyntax.isToken(attribute.name) else {
      throw error(raw, .invalidAttribute, "attribute name is not a token")
    }
    // A token is ASCII: comparing it without case is what lowercasing it and comparing does.
    let name = attribute.name
    func value() throws(SDPParseError) -> Substring {
      guard let value = attribute.value else { throw error(raw, .invalidAttribute, "\(name) needs a value") }
      return value
    }
    func invalid(_ reason: String) -> SDPParseError {
      error(raw, .invalidAttribute, "\(name): \(reason)")
    }
    switch SDPSyntax.packedLowercase(name.utf8) {
    case AttributeName.rtpmap:
      switch RTPMap.parse(String(try value())) {
      case .success(let map): codecs.add(rtpMap: map)
      case .failure(let reason): throw invalid(reason.text)
      }
    case AttributeName.fmtp:
      let text = try value()
      guard text.utf8.contains(where: { $0 != UInt8(ascii: " ") }) else {
        throw invalid("expected <format> <parameters>")
      }
      codecs.add(fmtp: text)
    case AttributeName.ptime, AttributeName.maxptime:
      guard let milliseconds = SDPSyntax.positiveDecimal(try value()) else {
        throw invalid("not a positive number of milliseconds")
      }
      if name.utf8.count == 5 {
        summary.note(ptime: milliseconds)
      } else {
        summary.note(maxptime: milliseconds)
      }
    case AttributeName.rtcp:
      switch RTCPAttribute.parse(String(try value())) {
      case .success(let rtcp): summary.note(rtcp: rtcp)
      case .failure(let reason): throw invalid(reason.text)
      }
    default:
      if attribute.value == nil { summary.note(flag: name) }
    }
  }
}

/// The attribute names the parser checks, packed (``SDPSyntax/packedLowercase(_:)``): a name
/// matches without case by one integer comparison.
enum AttributeName {
  static let rtpmap = SDPSyntax.packedLowercase("rtpmap".utf8)
  static let fmtp = SDPSyntax.packedLowercase("fmtp".utf8)
  static let ptime = SDPSyntax.packedLowercase("ptime".utf8)
  static let maxptime = SDPSyntax.packedLowercase("maxptime".utf8)
  static let rtcp = SDPSyntax.packedLowercase("rtcp".utf8)
}

extension SessionDescription {
  /// The lines of text written by ``bytes``, split without checking the grammar: `<type>=<value>`
  /// per line, a media description from each `m=` line on. For our own descriptions kept as text
  /// whose values the parser refuses (``OfferAnswer``): it gives back the lines they were written
  /// from.
  init(linesOf bytes: [UInt8]) {
    var session: [SDPLine] = []
    var media: [MediaDescription] = []
    var lineEnding = "\r\n"
    var start = bytes.startIndex
    var first = true
    while start < bytes.endIndex {
      let lf = bytes[start...].firstIndex(of: 0x0A) ?? bytes.endIndex
      var end = lf
      if end > start && bytes[end - 1] == 0x0D { end -= 1 }
      if first && lf < bytes.endIndex { lineEnding = end == lf ? "\n" : "\r\n" }
      first = false
      let content = bytes[start..<end]
      start = lf < bytes.endIndex ? lf + 1 : lf
      guard let equals = content.firstIndex(of: UInt8(ascii: "=")), equals > content.startIndex else {
        continue
      }
      let type = String(decoding: content[..<equals], as: UTF8.self)
      let line = SDPLine(
        type.count == 1 ? type.first! : "?", String(decoding: content[(equals + 1)...], as: UTF8.self))
      if line.asciiType == UInt8(ascii: "m") {
        media.append(MediaDescription(mediaLine: line, lines: []))
      } else if media.isEmpty {
        session.append(line)
      } else {
        media[media.count - 1].lines.append(line)
      }
    }
    self.init(lines: session, media: media)
    self.lineEnding = lineEnding
  }
}
