// The parser's byte path: the values of ASCII lines read as ranges of the body's bytes.

/// Reads the typed values the parser checks (`o=`, `c=`, `m=`, `t=`, `b=`, `r=`, `z=`,
/// `a=rtpmap`, `a=fmtp`, `a=ptime`, `a=maxptime`, `a=rtcp`) straight from a line's bytes: fields
/// are ranges, numbers are read from digits, and a String is made only for what the result holds
/// (an address, a codec name, the formats of an `m=` line).
///
/// Only for values that are all ASCII, where every byte is a Character of its own, so a byte
/// split gives the pieces the general path's Character split gives. Each reader accepts a subset
/// of what the general path accepts and gives the same value for it; for anything else (an
/// error, IPv6, an address type of its own, a fractional ptime) it gives nil and the parser
/// takes the general path, which gives the value or the error text it always gave.
/// `SDPBytePathTests` and the fuzz harness compare both paths.
enum SDPBytes {
  /// The next field of a value split on runs of spaces, as ``SDPSyntax/fields(_:)`` splits.
  struct Fields {
    let bytes: ArraySlice<UInt8>
    var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
      self.bytes = bytes
      position = bytes.startIndex
    }

    mutating func next() -> Range<Int>? {
      let end = bytes.endIndex
      while position < end && bytes[position] == UInt8(ascii: " ") { position += 1 }
      guard position < end else { return nil }
      let start = position
      while position < end && bytes[position] != UInt8(ascii: " ") { position += 1 }
      return start..<position
    }

    /// Whether no field follows.
    mutating func atEnd() -> Bool {
      let end = bytes.endIndex
      while position < end && bytes[position] == UInt8(ascii: " ") { position += 1 }
      return position == end
    }
  }

  static func isDigits(_ bytes: ArraySlice<UInt8>) -> Bool {
    !bytes.isEmpty && bytes.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
  }

  static func isToken(_ bytes: ArraySlice<UInt8>) -> Bool {
    !bytes.isEmpty && bytes.allSatisfy(SDPSyntax.isTokenByte)
  }

  static func string(_ bytes: ArraySlice<UInt8>) -> String {
    String(decoding: bytes, as: UTF8.self)
  }

  /// The position of the first `byte` in `bytes`, else the end.
  static func firstIndex(of byte: UInt8, in bytes: ArraySlice<UInt8>) -> Int {
    var index = bytes.startIndex
    while index < bytes.endIndex && bytes[index] != byte { index += 1 }
    return index
  }

  /// `o=`: whether ``Origin/parse(_:)`` accepts the value (the parser only checks it).
  static func isOrigin(_ value: ArraySlice<UInt8>) -> Bool {
    var fields = Fields(value)
    guard fields.next() != nil, let id = fields.next(), let version = fields.next(),
      let network = fields.next(), let addressType = fields.next(), fields.next() != nil, fields.atEnd()
    else { return false }
    return isDigits(value[id]) && isDigits(value[version]) && isToken(value[network])
      && isToken(value[addressType])
  }

  /// `c=` with an `IP4` address type (in any case): the general path's value; nil otherwise.
  static func connection(_ value: ArraySlice<UInt8>) -> Connection? {
    var fields = Fields(value)
    guard let network = fields.next(), let type = fields.next(), let address = fields.next(), fields.atEnd(),
      isToken(value[network]), isToken(value[type]),
      SDPSyntax.asciiCaseInsensitiveEqual(value[type], "IP4".utf8) == true
    else { return nil }
    // <host>[/<ttl>[/<count>]]
    let hostEnd = firstIndex(of: UInt8(ascii: "/"), in: value[address])
    let host = value[address.lowerBound..<hostEnd]
    guard !host.isEmpty,
      isIPv4(host) || (isHostName(host) && !(host[host.startIndex] >= 0x30 && host[host.startIndex] <= 0x39))
    else { return nil }
    var connection = Connection(
      networkType: string(value[network]), addressType: string(value[type]), address: string(host))
    if hostEnd < address.upperBound {
      let ttlStart = hostEnd + 1
      let ttlEnd = firstIndex(of: UInt8(ascii: "/"), in: value[ttlStart..<address.upperBound])
      guard let ttl = SDPSyntax.number(value[ttlStart..<ttlEnd], max: 255) else { return nil }
      connection.ttl = ttl
      if ttlEnd < address.upperBound {
        let countStart = ttlEnd + 1
        let countBytes = value[countStart..<address.upperBound]
        guard !countBytes.contains(UInt8(ascii: "/")),
          let count = SDPSyntax.number(countBytes, max: 65535), count > 0
        else { return nil }
        connection.count = count
      }
    }
    return connection
  }

  /// ``SDPSyntax/isIPv4(_:)`` on bytes.
  static func isIPv4(_ bytes: ArraySlice<UInt8>) -> Bool { SDPSyntax.isIPv4(bytes: bytes) }

  /// ``SDPSyntax/isHostName(_:)`` on bytes.
  static func isHostName(_ bytes: ArraySlice<UInt8>) -> Bool {
    !bytes.isEmpty
      && bytes.allSatisfy {
        switch $0 {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "-"), UInt8(ascii: "."): true
        default: false
        }
      }
  }

  /// `m=`: the general path's ``MediaField``, nil when it would refuse the value.
  static func mediaField(_ value: ArraySlice<UInt8>) -> MediaField? {
    var fields = Fields(value)
    guard let media = fields.next(), let portField = fields.next(), let proto = fields.next(),
      isToken(value[media])
    else { return nil }
    let portEnd = firstIndex(of: UInt8(ascii: "/"), in: value[portField])
    guard let port = SDPSyntax.number(value[portField.lowerBound..<portEnd], max: 65535) else { return nil }
    guard let portCount = optionalCount(value[portEnd..<portField.upperBound], max: 65535) else { return nil }
    // Every '/'-separated part of the proto is a token (no empty part).
    var partStart = proto.lowerBound
    for index in proto where value[index] == UInt8(ascii: "/") {
      guard isToken(value[partStart..<index]) else { return nil }
      partStart = index + 1
    }
    guard isToken(value[partStart..<proto.upperBound]) else { return nil }
    var formatRanges: [Range<Int>] = []
    // Room for a usual offer's formats at once (growing one by one cost ~700 instructions).
    formatRanges.reserveCapacity(8)
    while let format = fields.next() { formatRanges.append(format) }
    guard !formatRanges.isEmpty || port == 0 else { return nil }
    var formats: [String] = []
    formats.reserveCapacity(formatRanges.count)
    for range in formatRanges { formats.append(string(value[range])) }
    let field = MediaField(
      media: string(value[media]), port: port, portCount: portCount, proto: string(value[proto]),
      formats: formats)
    if field.isRTP {
      for range in formatRanges where SDPSyntax.number(value[range], max: 127) == nil { return nil }
    }
    return field
  }

  /// The optional `/count` after a number (an `m=` port's count, an rtpmap's channels): `tail`
  /// is empty or starts with the `/`. `.some(nil)`: no count; `.some(n)`: a count from 1 to
  /// `limit`; nil: the general path would refuse it (empty, zero, too large, another `/`).
  static func optionalCount(_ tail: ArraySlice<UInt8>, max limit: Int) -> Int?? {
    guard let slash = tail.first else { return .some(nil) }
    let countBytes = tail.dropFirst()
    guard slash == UInt8(ascii: "/"), !countBytes.contains(UInt8(ascii: "/")),
      let count = SDPSyntax.number(countBytes, max: limit), count > 0
    else { return nil }
    return .some(count)
  }

  /// `a=rtpmap` value: the general path's ``RTPMap``, nil when it would refuse it.
  static func rtpMap(_ value: ArraySlice<UInt8>) -> RTPMap? {
    var fields = Fields(value)
    guard let type = fields.next(), let encoding = fields.next(), fields.atEnd(),
      let payloadType = SDPSyntax.number(value[type], max: 127)
    else { return nil }
    let nameEnd = firstIndex(of: UInt8(ascii: "/"), in: value[encoding])
    guard nameEnd < encoding.upperBound, isToken(value[encoding.lowerBound..<nameEnd]) else { return nil }
    let rateStart = nameEnd + 1
    let rateEnd = firstIndex(of: UInt8(ascii: "/"), in: value[rateStart..<encoding.upperBound])
    guard let clockRate = SDPSyntax.number(value[rateStart..<rateEnd], max: 100_000_000), clockRate > 0 else {
      return nil
    }
    guard let channels = optionalCount(value[rateEnd..<encoding.upperBound], max: 255) else { return nil }
    return RTPMap(
      payloadType: payloadType, encodingName: string(value[encoding.lowerBound..<nameEnd]),
      clockRate: clockRate, channels: channels)
  }

  /// `a=ptime`/`a=maxptime` written as whole milliseconds (the usual form): the general path's
  /// value; nil for anything else (a fraction takes the general path).
  static func wholeMilliseconds(_ value: ArraySlice<UInt8>) -> Double? {
    guard value.count <= 9, let number = SDPSyntax.number(value), number > 0 else { return nil }
    return Double(number)
  }

  /// `a=rtcp:<port>` without an address: the general path's value; nil otherwise.
  static func rtcpPort(_ value: ArraySlice<UInt8>) -> RTCPAttribute? {
    var fields = Fields(value)
    guard let port = fields.next(), fields.atEnd(), let number = SDPSyntax.number(value[port], max: 65535)
    else { return nil }
    return RTCPAttribute(port: number)
  }

  /// `t=`: two fields of digits.
  static func isTiming(_ value: ArraySlice<UInt8>) -> Bool {
    var fields = Fields(value)
    guard let start = fields.next(), let stop = fields.next(), fields.atEnd() else { return false }
    return isDigits(value[start]) && isDigits(value[stop])
  }

  /// `b=<bwtype>:<bandwidth>`.
  static func isBandwidth(_ value: ArraySlice<UInt8>) -> Bool {
    let colon = firstIndex(of: UInt8(ascii: ":"), in: value)
    guard colon < value.endIndex else { return false }
    return isToken(value[value.startIndex..<colon]) && isDigits(value[(colon + 1)...])
  }

  /// `r=`/`z=`: at least one field.
  static func hasField(_ value: ArraySlice<UInt8>) -> Bool {
    value.contains { $0 != UInt8(ascii: " ") }
  }
}

extension SessionDescription {
  /// What differs between two parses of the same bytes (the byte path and the general path), nil
  /// when nothing does: the lines, and what the parser kept of them (each section's `c=`,
  /// direction, ptime, maxptime, rtcp; each `m=` line's field and codecs). For the tests and the
  /// fuzz harness, which compare both paths on every input.
  func parseDifference(from other: SessionDescription) -> String? {
    guard self == other, source == other.source else { return "lines differ" }
    func differs(_ a: SectionSummary?, _ b: SectionSummary?) -> Bool {
      a?.connection != b?.connection || a?.direction != b?.direction || a?.ptime != b?.ptime
        || a?.maxptime != b?.maxptime || a?.rtcp != b?.rtcp
    }
    if differs(summary, other.summary) { return "session summary differs" }
    for index in media.indices {
      let (mine, theirs) = (media[index], other.media[index])
      if differs(mine.summary, theirs.summary) { return "summary of m= \(index) differs" }
      if mine.field != theirs.field { return "field of m= \(index) differs" }
      if mine.codecs != theirs.codecs { return "codecs of m= \(index) differ" }
    }
    return nil
  }
}
