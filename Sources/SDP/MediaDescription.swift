// One m= section (RFC 8866 §5.14).

/// A media description: the `m=` line and the lines after it up to the next `m=`.
public struct MediaDescription: SDPSection, Sendable, Hashable {
  /// The `m=` line itself, kept as text so an unmodified description re-serializes exactly.
  private(set) var mediaLine: SDPLine
  /// ``mediaLine`` parsed, once: the typed accessors below are read many times per offer/answer.
  /// Always what parsing `mediaLine.value` gives (the empty field when it does not parse).
  private var parsedField: MediaField
  /// The lines after `m=` (`i=`, `c=`, `b=`, `k=`, `a=`, unknown types) in order.
  public var lines: [SDPLine] {
    didSet {
      cachedCodecs = nil
      summaryBox = nil
    }
  }
  /// ``codecs`` as the parser left them (offer/answer reads them several times per call); nil
  /// once the lines or the `m=` line change.
  private var cachedCodecs: [Codec]?
  /// `c=`, direction, ptime, maxptime and rtcp as the parser read them; nil once the lines change.
  /// Boxed: a description is stored and copied in every call's state; inline, the summary
  /// would make each copy several hundred bytes larger.
  private var summaryBox: SectionSummary.Box?
  var summary: SectionSummary? { summaryBox?.value }

  public init(_ field: MediaField, lines: [SDPLine] = []) {
    let line = SDPLine("m", field.description)
    // A field that reads back as itself needs no parse (offer/answer builds one per stream).
    self.init(
      mediaLine: line, field: field.roundTrips ? field : Self.parseField(line.value), lines: lines)
  }

  init(mediaLine: SDPLine, lines: [SDPLine]) {
    self.init(mediaLine: mediaLine, field: Self.parseField(mediaLine.value), lines: lines)
  }

  /// `field` must be what parsing `mediaLine.value` gives (the parser has it already).
  init(mediaLine: SDPLine, field: MediaField, lines: [SDPLine]) {
    self.mediaLine = mediaLine
    self.parsedField = field
    self.lines = lines
  }

  // The parsed field follows from the line: equality and hashing need only the text.
  public static func == (lhs: Self, rhs: Self) -> Bool {
    lhs.mediaLine == rhs.mediaLine && lhs.lines == rhs.lines
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(mediaLine)
    hasher.combine(lines)
  }

  /// The parser has validated the line it read; a hand-made line that does not parse reads as
  /// empty.
  static func parseField(_ value: String) -> MediaField {
    MediaField(parsing: value) ?? MediaField(media: "", port: 0, proto: "", formats: [])
  }

  /// The `m=` line's fields. Setting it rewrites the line in canonical form.
  public var field: MediaField {
    get { parsedField }
    set {
      mediaLine.value = newValue.description
      parsedField = newValue.roundTrips ? newValue : Self.parseField(mediaLine.value)
      cachedCodecs = nil
    }
  }

  public var media: String { field.media }
  public var port: Int {
    get { field.port }
    set { field.port = newValue }
  }
  public var proto: String { field.proto }
  public var formats: [String] {
    get { field.formats }
    set { field.formats = newValue }
  }

  /// The `a=rtpmap` attributes that parse.
  public var rtpMaps: [RTPMap] { attributeValues("rtpmap").compactMap { RTPMap(parsing: $0) } }

  /// The `a=fmtp` parameters of a format (RFC 8866 §6.15), nil if none.
  public func formatParameters(_ format: String) -> String? {
    for value in attributeValues("fmtp") {
      let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
      if parts.first.map(String.init) == format { return parts.count > 1 ? String(parts[1]) : "" }
    }
    return nil
  }

  /// `a=ptime` in milliseconds.
  public var ptime: Double? {
    if let summaryBox { return summaryBox.value.ptime }
    return attribute("ptime").flatMap { SDPSyntax.positiveDecimal(Substring($0)) }
  }
  /// `a=maxptime` in milliseconds.
  public var maxptime: Double? {
    if let summaryBox { return summaryBox.value.maxptime }
    return attribute("maxptime").flatMap { SDPSyntax.positiveDecimal(Substring($0)) }
  }
  /// `a=rtcp` (RFC 3605).
  public var rtcp: RTCPAttribute? {
    if let summaryBox { return summaryBox.value.rtcp }
    return attribute("rtcp").flatMap { RTCPAttribute(parsing: $0) }
  }

  /// The first `c=` line of this section (read from the parser's summary while the lines are
  /// unchanged).
  public var connection: Connection? {
    get {
      if let summaryBox { return summaryBox.value.connection }
      return scannedConnection
    }
    set { replaceLine(type: "c", with: newValue.map { SDPLine("c", $0.description) }) }
  }

  /// The direction attribute written in this section, nil if none (RFC 3264 §5.1: sendrecv then).
  public var direction: MediaDirection? {
    get {
      if let summaryBox { return summaryBox.value.direction }
      return scannedDirection
    }
    set { setDirection(newValue) }
  }

  /// The codec a payload type stands for: its `a=rtpmap`, else RFC 3551's static table.
  public func codec(forPayloadType format: String) -> Codec? {
    codecTable()[format]
  }

  /// The codecs of the `m=` line in its order, skipping formats that resolve to nothing.
  public var codecs: [Codec] {
    if let cachedCodecs { return cachedCodecs }
    return resolveCodecs()
  }

  private func resolveCodecs() -> [Codec] {
    guard field.isRTP else { return [] }
    return resolver().codecs(for: formats)
  }

  /// Drops what the parser kept for offer/answer (the summary, the resolved codecs); the
  /// accessors read the lines again, with the same results.
  var hasParseCaches: Bool { cachedCodecs != nil || summaryBox != nil }

  mutating func dropParseCaches() {
    cachedCodecs = nil
    summaryBox = nil
  }

  /// Keeps what the parser read from the lines, all of them in place, for the reads to come:
  /// the codecs (resolved with `resolver`, fed every line) and the summary.
  mutating func keep(summary: SectionSummary, resolver: CodecResolver) {
    cachedCodecs = field.isRTP ? resolver.codecs(for: formats) : []
    summaryBox = SectionSummary.Box(summary)
  }

  private func resolver() -> CodecResolver {
    var resolver = CodecResolver()
    for line in lines { resolver.add(line) }
    return resolver
  }

  /// Every payload type with an `a=rtpmap` or in the static table, resolved in one pass over the
  /// lines (the first rtpmap and fmtp of a number win), so that long format lists stay linear.
  func codecTable() -> [String: Codec] {
    let resolver = resolver()
    var table: [String: Codec] = [:]
    for format in formats where table[format] == nil {
      if let codec = resolver.codec(for: format) { table[format] = codec }
    }
    return table
  }
}
