// Parsing RFC 8866 text: line splitting, the grammar's order, and each known line's syntax.

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
}

/// The parser's state: lines split off the bytes, then a walk through RFC 8866 §9's order.
struct SDPParser {
  struct RawLine {
    var number: Int
    var content: ArraySlice<UInt8>
    var terminator: String
    var isBlank: Bool { content.allSatisfy { $0 == 0x20 || $0 == 0x09 } }
    var text: String { String(decoding: content, as: UTF8.self) }
  }

  let bytes: [UInt8]

  init(bytes: [UInt8]) { self.bytes = bytes }

  /// Splits on LF, taking a CR before it into the terminator.
  func splitLines() -> [RawLine] {
    var result: [RawLine] = []
    var start = bytes.startIndex
    var number = 1
    while start < bytes.endIndex {
      guard let lf = bytes[start...].firstIndex(of: 0x0A) else {
        result.append(RawLine(number: number, content: bytes[start...], terminator: ""))
        break
      }
      var end = lf
      var terminator = "\n"
      if end > start && bytes[end - 1] == 0x0D {
        end -= 1
        terminator = "\r\n"
      }
      result.append(RawLine(number: number, content: bytes[start..<end], terminator: terminator))
      start = lf + 1
      number += 1
    }
    return result
  }

  func error(_ raw: RawLine, _ kind: SDPParseError.Kind, _ detail: String = "") -> SDPParseError {
    SDPParseError(line: raw.number, text: raw.text, kind, detail)
  }

  /// Turns one raw line into an ``SDPLine``, checking `<letter>=` and the text.
  func line(_ raw: RawLine) throws(SDPParseError) -> SDPLine {
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
    if valueBytes.contains(0x00) { throw error(raw, .invalidText, "NUL byte") }
    if valueBytes.contains(0x0D) { throw error(raw, .invalidText, "CR inside a line") }
    let value = String(decoding: valueBytes, as: UTF8.self)
    guard value.utf8.elementsEqual(valueBytes) else { throw error(raw, .invalidText, "not UTF-8") }
    var line = SDPLine(Character(Unicode.Scalar(first)), value)
    line.trailingWhitespace = String(decoding: raw.content[end...], as: UTF8.self)
    line.terminator = raw.terminator
    return line
  }

  mutating func parse() throws(SDPParseError) -> SessionDescription {
    let raws = splitLines()
    // Blank lines are tolerated only at the end (some stacks add a CRLF too many).
    guard let lastContent = raws.lastIndex(where: { !$0.isBlank }) else {
      throw SDPParseError(line: 1, text: "", .empty, "")
    }
    var session: [SDPLine] = []
    var media: [MediaDescription] = []
    var rank = -1
    var sawTime = false
    var sessionHasConnection = false
    var mediaHasConnection = false
    var mediaRaw: RawLine?
    var lineEnding = "\r\n"

    for raw in raws[...lastContent] {
      if raw.isBlank { throw error(raw, .emptyLine, "blank line before the end") }
      let line = try line(raw)
      if raw.number == 1 {
        guard line.type == "v" else { throw error(raw, .versionNotFirst) }
        guard line.value == "0" else { throw error(raw, .unsupportedVersion, "only v=0 exists") }
        if !raw.terminator.isEmpty { lineEnding = raw.terminator }
      }
      if line.type == "m" {
        if media.isEmpty {
          try checkSessionComplete(session, sawTime: sawTime, at: raw)
        } else if let mediaRaw {
          try checkConnection(
            media[media.count - 1], session: sessionHasConnection, media: mediaHasConnection, mediaRaw)
        }
        switch MediaField.parse(line.value) {
        case .failure(let reason): throw error(raw, .invalidMedia, reason.text)
        case .success(let field): media.append(MediaDescription(mediaLine: line, field: field, lines: []))
        }
        rank = 0
        mediaHasConnection = false
        mediaRaw = raw
        continue
      }
      if media.isEmpty {
        try checkOrder(
          line, raw, rank: &rank, order: SDPGrammar.sessionOrder, repeatable: SDPGrammar.sessionRepeatable)
        if line.type == "t" { sawTime = true }
        if line.type == "c" { sessionHasConnection = true }
        try checkSyntax(line, raw)
        session.append(line)
      } else {
        try checkOrder(
          line, raw, rank: &rank, order: SDPGrammar.mediaOrder, repeatable: SDPGrammar.mediaRepeatable)
        if line.type == "c" { mediaHasConnection = true }
        try checkSyntax(line, raw)
        media[media.count - 1].lines.append(line)
      }
    }
    if media.isEmpty {
      try checkSessionComplete(session, sawTime: sawTime, at: raws[lastContent])
    } else if let mediaRaw {
      try checkConnection(
        media[media.count - 1], session: sessionHasConnection, media: mediaHasConnection, mediaRaw)
    }
    for index in media.indices { media[index].cacheCodecs() }
    var description = SessionDescription(lines: session, media: media)
    description.lineEnding = lineEnding
    description.trailer = String(
      decoding: raws[(lastContent + 1)...].flatMap { Array($0.content) + Array($0.terminator.utf8) },
      as: UTF8.self)
    return description
  }

  /// RFC 8866 §9: each level's lines come in a fixed order; some may repeat. Unknown types are
  /// kept wherever they are.
  func checkOrder(
    _ line: SDPLine, _ raw: RawLine, rank: inout Int, order: [Character], repeatable: Set<Character>
  ) throws(SDPParseError) {
    guard let position = order.firstIndex(of: line.type) else {
      // A session-only line (v, o, s, u, e, p, t, r, z) inside a media description is misplaced,
      // not unknown.
      if order == SDPGrammar.mediaOrder && SDPGrammar.sessionOrder.contains(line.type) {
        throw error(raw, .outOfOrder, "\(line.type)= belongs to the session level, before the first m=")
      }
      return
    }
    if line.type == "v" && raw.number != 1 { throw error(raw, .duplicate, "v= must appear once, first") }
    if line.type == "r" && !(rank == position || order[max(rank, 0)] == "t") {
      throw error(raw, .outOfOrder, "r= must follow t=")
    }
    if line.type == "t" && rank >= 0 && order[rank] == "r" {
      rank = position  // a new time description after repeat times (RFC 8866 §9 time-fields)
      return
    }
    if position < rank {
      throw error(raw, .outOfOrder, "\(line.type)= cannot follow \(order[rank])=")
    }
    if position == rank && !repeatable.contains(line.type) {
      throw error(raw, .duplicate, "only one \(line.type)= line allowed here")
    }
    rank = position
  }

  func checkSessionComplete(_ session: [SDPLine], sawTime: Bool, at raw: RawLine) throws(SDPParseError) {
    for required: Character in ["o", "s"] where !session.contains(where: { $0.type == required }) {
      throw error(raw, .missingLine, "no \(required)= line before this one")
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

  func checkSyntax(_ line: SDPLine, _ raw: RawLine) throws(SDPParseError) {
    switch line.type {
    case "o":
      if case .failure(let reason) = Origin.parse(line.value) {
        throw error(raw, .invalidOrigin, reason.text)
      }
    case "c":
      if case .failure(let reason) = Connection.parse(line.value) {
        throw error(raw, .invalidConnection, reason.text)
      }
    case "b":
      // RFC 8866 §5.8: <bwtype>:<bandwidth>
      let parts = line.value.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
      guard parts.count == 2, SDPSyntax.isToken(parts[0]), SDPSyntax.isDigits(parts[1]) else {
        throw error(raw, .invalidBandwidth, "expected <bwtype>:<bandwidth>")
      }
    case "t":
      let fields = SDPSyntax.fields(line.value)
      guard fields.count == 2, fields.allSatisfy(SDPSyntax.isDigits) else {
        throw error(raw, .invalidTiming, "expected <start-time> <stop-time>")
      }
    case "r", "z":
      guard !SDPSyntax.fields(line.value).isEmpty else { throw error(raw, .invalidTiming, "empty") }
    case "a":
      try checkAttribute(line, raw)
    default:
      break
    }
  }

  func checkAttribute(_ line: SDPLine, _ raw: RawLine) throws(SDPParseError) {
    guard let attribute = line.attribute, SDPSyntax.isToken(attribute.name) else {
      throw error(raw, .invalidAttribute, "attribute name is not a token")
    }
    let value = attribute.value.map(String.init)
    func need(_ check: (String) -> String?) throws(SDPParseError) {
      guard let value else { throw error(raw, .invalidAttribute, "\(attribute.name) needs a value") }
      if let reason = check(value) { throw error(raw, .invalidAttribute, "\(attribute.name): \(reason)") }
    }
    switch attribute.name.lowercased() {
    case "rtpmap":
      try need {
        if case .failure(let reason) = RTPMap.parse($0) { return reason.text }
        return nil
      }
    case "fmtp":
      try need { SDPSyntax.fields($0).first.map { _ in nil } ?? "expected <format> <parameters>" }
    case "ptime", "maxptime":
      try need {
        SDPSyntax.positiveDecimal(Substring($0)) == nil ? "not a positive number of milliseconds" : nil
      }
    case "rtcp":
      try need {
        if case .failure(let reason) = RTCPAttribute.parse($0) { return reason.text }
        return nil
      }
    default:
      break
    }
  }
}
