// The typed values a section's lines stand for, read once by the parser.

/// What the lines of one section (session level or one `m=` section) say, in typed form: the
/// first `c=`, the direction attribute, `a=ptime`, `a=maxptime` and `a=rtcp`.
///
/// The parser fills it while it checks each line (it parses those values anyway), so that
/// offer/answer, which reads them several times per call, does not parse the lines again. A
/// section drops it as soon as its lines change; the accessors then read the lines, which is the
/// general path this summary must always agree with (`SectionSummaryTests`).
struct SectionSummary: Sendable {
  private(set) var connection: Connection?
  private(set) var direction: MediaDirection?
  private(set) var ptime: Double?
  private(set) var maxptime: Double?
  private(set) var rtcp: RTCPAttribute?
  private var sawPtime = false
  private var sawMaxptime = false
  private var sawRTCP = false

  /// A summary on the heap, shared by the copies of its description (it never changes).
  final class Box: Sendable {
    let value: SectionSummary
    init(_ value: SectionSummary) { self.value = value }
  }

  /// The first `c=` line wins (RFC 8866 §5.7 allows several only for multicast).
  mutating func note(connection: Connection) {
    if self.connection == nil { self.connection = connection }
  }

  /// A flag attribute (no value): the first one that names a direction wins.
  mutating func note(flag name: Substring) {
    if direction == nil, let value = MediaDirection(attributeName: name) { direction = value }
  }

  /// ``note(flag:)`` for an ASCII name's bytes.
  mutating func note(flag name: ArraySlice<UInt8>) {
    if direction == nil, let value = MediaDirection(asciiAttributeName: name) { direction = value }
  }

  /// The first `a=ptime` wins, as ``SDPSection/attribute(_:)`` reads it.
  mutating func note(ptime value: Double?) {
    if !sawPtime {
      sawPtime = true
      ptime = value
    }
  }

  mutating func note(maxptime value: Double?) {
    if !sawMaxptime {
      sawMaxptime = true
      maxptime = value
    }
  }

  mutating func note(rtcp value: RTCPAttribute?) {
    if !sawRTCP {
      sawRTCP = true
      rtcp = value
    }
  }
}

/// Resolves payload type numbers to codecs: each format's first `a=rtpmap`, else RFC 3551's
/// static table, with the format's first `a=fmtp` (RFC 8866 §6.6, §6.15). Fed line by line, by
/// the parser as it checks them or by ``MediaDescription/codecTable()`` from the lines.
struct CodecResolver {
  // Small arrays searched in order, not dictionaries: a section has a handful of formats, and
  // hashing each payload type and format String cost more than the comparisons
  // (docs/benchmarks-calls.md, "callpath"). The first entry of a format wins, as before.
  private var maps: [RTPMap] = []
  private var parameters: [(format: String, value: String)] = []

  mutating func add(rtpMap map: RTPMap) {
    // Room for a usual section's few at once, not grown one by one.
    if maps.isEmpty { maps.reserveCapacity(6) }
    if !maps.contains(where: { $0.payloadType == map.payloadType }) { maps.append(map) }
  }

  /// An `a=fmtp` value: `<format> <parameters>`.
  mutating func add(fmtp value: Substring) {
    let parts = SDPSyntax.split(value, at: UInt8(ascii: " "), maxSplits: 1, omittingEmptySubsequences: true)
    if let format = parts.first.map(String.init) {
      add(format: format, parameters: parts.count > 1 ? String(parts[1]) : "")
    }
  }

  /// An `a=fmtp` value already split: the first one of a format wins. Only a format that is a
  /// payload type number is kept: ``codec(for:)`` reads no other (and the array stays bounded,
  /// ~2,200 spellings of 0–127 at most, whatever a description holds).
  mutating func add(format: String, parameters value: String) {
    guard SDPSyntax.number(format.utf8, max: 127) != nil else { return }
    if parameters.isEmpty { parameters.reserveCapacity(3) }
    if !parameters.contains(where: { $0.format == format }) { parameters.append((format, value)) }
  }

  /// Any line: only `a=rtpmap` (that parses) and `a=fmtp` count.
  mutating func add(_ line: SDPLine) {
    guard let attribute = line.attribute, let value = attribute.value else { return }
    if SDPSyntax.equalLowercased(attribute.name, "rtpmap") {
      if let map = RTPMap(parsing: String(value)) { add(rtpMap: map) }
    } else if SDPSyntax.equalLowercased(attribute.name, "fmtp") {
      add(fmtp: value)
    }
  }

  /// The codec of one format, nil when it is not a payload type number or resolves to nothing.
  func codec(for format: String) -> Codec? {
    guard let payloadType = SDPSyntax.number(format.utf8, max: 127) else { return nil }
    var codec: Codec
    if let map = maps.first(where: { $0.payloadType == payloadType }) {
      codec = Codec(
        name: map.encodingName, clockRate: map.clockRate, channels: map.channels ?? 1,
        payloadType: payloadType)
    } else if let known = Codec.staticPayloadType(payloadType) {
      codec = known
    } else {
      return nil
    }
    codec.formatParameters = parameters.first(where: { $0.format == format })?.value
    return codec
  }

  /// The codecs of `formats` in order, skipping those that resolve to nothing.
  func codecs(for formats: [String]) -> [Codec] {
    // Sized once: `compactMap` grew the array for the second codec and again for the third.
    var codecs: [Codec] = []
    codecs.reserveCapacity(formats.count)
    for format in formats { if let codec = codec(for: format) { codecs.append(codec) } }
    return codecs
  }
}
