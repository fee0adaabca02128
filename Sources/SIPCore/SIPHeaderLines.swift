/// Header lines prepared once and added to many messages as bytes: the Allow, Accept and
/// Supported lines of every answer to OPTIONS (RFC 3261 §11.2) are the same until the UAS changes
/// what it supports, so they are laid out once instead of once per response.
///
/// ```swift
/// let capabilities = SIPHeaderLines([("Allow", "INVITE, ACK, BYE"), ("Accept", "application/sdp")])
/// var response = options.makeResponse(statusCode: 200, toTag: tag)
/// response.addHeaders(capabilities)   // the same message as addHeader for each line
/// ```
public struct SIPHeaderLines: Sendable, Hashable {
  /// The lines as ``SIPMessage/addHeader(_:_:)`` writes them, one after the other.
  let bytes: [UInt8]
  /// Each line's offsets in ``bytes``.
  let fields: [SIPMessage.Field]
  /// The lines as given, for names that are not known headers (added through the String path).
  let lines: [(name: String, value: String)]

  public init(_ lines: [(name: String, value: String)]) {
    var scratch = SIPMessage(statusCode: 200)
    let start = scratch.bytes.count
    var fields: [SIPMessage.Field] = []
    for (name, value) in lines {
      var field = scratch.makeField(name, value)
      field.lineStart -= start
      field.nameEnd -= start
      field.valueStart -= start
      field.valueEnd -= start
      field.lineEnd -= start
      fields.append(field)
    }
    self.bytes = Array(scratch.bytes[start...])
    self.fields = fields
    self.lines = lines
  }

  /// The number of lines.
  public var count: Int { fields.count }

  public static func == (a: SIPHeaderLines, b: SIPHeaderLines) -> Bool { a.bytes == b.bytes }
  public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }
}

extension SIPMessage {
  /// Adds each of `lines` in order, as ``addHeader(_:_:)`` adds one line: after the last line of
  /// the same header, or at the end. The bytes are copied as they were laid out once.
  public mutating func addHeaders(_ lines: SIPHeaderLines) {
    // The cache stays when no line is one of the transaction headers (as addHeader keeps it).
    let kept = lines.fields.contains { $0.id.isTransactionHeader } ? nil : parsedHeaders
    defer { if let kept { parsedHeaders = kept } }
    let base = bytes.count
    bytes.append(contentsOf: lines.bytes)
    fields.reserveCapacity(fields.count + lines.fields.count)
    for (n, f) in lines.fields.enumerated() {
      guard f.id != .unknown else {
        // Unknown names match by their lowercased text: the String path knows how.
        addHeader(lines.lines[n].name, lines.lines[n].value)
        continue
      }
      let field = Field(
        lineStart: f.lineStart + base, nameEnd: f.nameEnd + base, valueStart: f.valueStart + base,
        valueEnd: f.valueEnd + base, lineEnd: f.lineEnd + base, id: f.id, folded: false)
      if let last = fields.lastIndex(where: { $0.id == f.id }) {
        fields.insert(field, at: last + 1)
      } else {
        fields.append(field)
      }
    }
  }
}
