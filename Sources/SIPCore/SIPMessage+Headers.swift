// Header access by name (case-insensitive, compact forms, comma lists), mutation and serialization.

extension SIPMessage {
  /// A header name resolved once: a known header, or the lowercased bytes of an unknown one.
  enum HeaderKey {
    case known(SIPHeaderName)
    case unknown([UInt8])

    init(_ name: String) {
      let id = SIPHeaderName.identify(name)
      self = id == .unknown ? .unknown(Array(name.lowercased().utf8)) : .known(id)
    }

    var isList: Bool {
      if case .known(let id) = self { return id.isList }
      return false
    }
  }

  @inline(__always) func matches(_ field: Field, _ key: HeaderKey) -> Bool {
    switch key {
    case .known(let id): return field.id == id
    case .unknown(let lower):
      guard field.id == .unknown, field.nameEnd - field.lineStart == lower.count else { return false }
      var k = 0
      for i in field.lineStart..<field.nameEnd {
        guard SIPGrammar.lowercased(bytes[i]) == lower[k] else { return false }
        k += 1
      }
      return true
    }
  }

  /// The value of a byte range, with folding (CRLF and the white space around it) turned into one
  /// SP as RFC 3261 §7.3.1 allows.
  func valueString(_ range: Range<Int>, folded: Bool) -> String {
    guard folded else { return string(range) }
    var out: [UInt8] = []
    out.reserveCapacity(range.count)
    var i = range.lowerBound
    while i < range.upperBound {
      let b = bytes[i]
      if b == 0x0D || b == 0x0A {
        while let last = out.last, last == 0x20 || last == 0x09 { out.removeLast() }
        while i < range.upperBound, SIPGrammar.isLWS(bytes[i]) { i += 1 }
        out.append(0x20)
        continue
      }
      out.append(b)
      i += 1
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// The ranges of the values in one header line: one range (possibly empty, `Subject:`), or one
  /// per comma-separated element for list headers (commas inside quotes or `<>` do not separate;
  /// empty elements are dropped, RFC 7230 §7 style).
  func valueRanges(_ field: Field, split: Bool) -> [Range<Int>] {
    let whole = field.valueStart..<field.valueEnd
    guard split else { return [whole] }
    var result: [Range<Int>] = []
    var start = whole.lowerBound
    var inQuotes = false
    var angle = false
    // Via may end with a comment (RFC 2543 §6.40; RFC 3261 peers still send them), whose commas
    // do not separate values. Elsewhere '(' may be a plain URI character, so it is not special.
    let commentsAllowed = field.id == .via
    var commentDepth = 0
    var i = whole.lowerBound
    func add(_ s: Int, _ e: Int) {
      var s = s
      var e = e
      while s < e, SIPGrammar.isLWS(bytes[s]) { s += 1 }
      while e > s, SIPGrammar.isLWS(bytes[e - 1]) { e -= 1 }
      if s < e { result.append(s..<e) }
    }
    while i < whole.upperBound {
      let b = bytes[i]
      if inQuotes {
        if b == UInt8(ascii: "\\") {
          i += 1
        } else if b == UInt8(ascii: "\"") {
          inQuotes = false
        }
      } else {
        switch b {
        case UInt8(ascii: "\""): inQuotes = true
        case UInt8(ascii: "<"): angle = true
        case UInt8(ascii: ">"): angle = false
        case UInt8(ascii: "(") where commentsAllowed: commentDepth += 1
        case UInt8(ascii: ")") where commentsAllowed: commentDepth = max(0, commentDepth - 1)
        case UInt8(ascii: "\\") where commentDepth > 0: i += 1
        case UInt8(ascii: ","):
          if !angle && commentDepth == 0 {
            add(start, i)
            start = i + 1
          }
        default: break
        }
      }
      i += 1
    }
    add(start, whole.upperBound)
    return result
  }

  /// Every value of a header as (range, folded) pairs, in message order.
  func valueRanges(_ key: HeaderKey) -> [(range: Range<Int>, folded: Bool, field: Int)] {
    var out: [(range: Range<Int>, folded: Bool, field: Int)] = []
    let split = key.isList
    for (n, f) in fields.enumerated() where matches(f, key) {
      for r in valueRanges(f, split: split) { out.append((r, f.folded, n)) }
    }
    return out
  }

  /// The first value of a known header, made into a String without any other allocation.
  func firstValue(_ id: SIPHeaderName) -> String? {
    for f in fields where f.id == id {
      if id.isList {
        guard let r = valueRanges(f, split: true).first else { continue }
        return valueString(r, folded: f.folded)
      }
      return valueString(f.valueStart..<f.valueEnd, folded: f.folded)
    }
    return nil
  }

  /// The `index`-th value of a header (case-insensitive name, compact forms understood).
  ///
  /// `index` counts values across header lines and, for list headers (Via, Contact, Route,
  /// Record-Route, Require, Supported, Allow, Accept, …), across the comma-separated values of
  /// one line. Other headers, unknown ones included, have one value per line.
  /// Folding is shown as a single space.
  public func header(_ name: String, _ index: Int = 0) -> String? {
    guard index >= 0 else { return nil }
    let key = HeaderKey(name)
    var remaining = index
    for f in fields where matches(f, key) {
      let ranges = valueRanges(f, split: key.isList)
      if remaining < ranges.count { return valueString(ranges[remaining], folded: f.folded) }
      remaining -= ranges.count
    }
    return nil
  }

  /// All values of a header, in order (see ``header(_:_:)`` for what counts as a value).
  public func headerValues(_ name: String) -> [String] {
    valueRanges(HeaderKey(name)).map { valueString($0.range, folded: $0.folded) }
  }

  /// The whole value of each line of a header, commas not split, in order.
  public func headerLines(_ name: String) -> [String] {
    let key = HeaderKey(name)
    return fields.filter { matches($0, key) }.map {
      valueString($0.valueStart..<$0.valueEnd, folded: $0.folded)
    }
  }

  /// Whether at least one line of the header is present.
  public func hasHeader(_ name: String) -> Bool {
    let key = HeaderKey(name)
    return fields.contains { matches($0, key) }
  }

  /// Every header line in order: the name as written and the whole value (folding as one SP).
  public var headers: [(name: String, value: String)] {
    fields.map {
      (string($0.lineStart..<$0.nameEnd), valueString($0.valueStart..<$0.valueEnd, folded: $0.folded))
    }
  }

  // MARK: - Mutation

  /// Bytes of a header line `Name: value` appended to the buffer; returns its field.
  mutating func makeField(_ name: String, _ value: String) -> Field {
    // Written straight into `bytes` and fixed in place (no Array per name and value).
    let start = bytes.count
    if name.isEmpty {
      bytes.append(UInt8(ascii: "X"))
    } else {
      bytes.appendUTF8(name)
      for i in start..<bytes.count where !SIPGrammar.isTokenByte(bytes[i]) {
        bytes[i] = UInt8(ascii: "-")
      }
    }
    let nameEnd = bytes.count
    bytes.append(UInt8(ascii: ":"))
    bytes.append(0x20)
    let valueStart = bytes.count
    // A value never carries CR or LF: that would inject header lines.
    appendLineSafe(value)
    var valueEnd = bytes.count
    while valueEnd > valueStart, SIPGrammar.isWSP(bytes[valueEnd - 1]) { valueEnd -= 1 }
    let id = bytes.withUnsafeBufferPointer {
      SIPHeaderName.identify(UnsafeBufferPointer(rebasing: $0[start..<nameEnd]))
    }
    return Field(
      lineStart: start, nameEnd: nameEnd, valueStart: valueStart, valueEnd: valueEnd, lineEnd: bytes.count,
      id: id,
      folded: false)
  }

  /// Appends the UTF-8 of `text` to ``bytes`` with CR and LF made spaces, fixed in place (a
  /// byte-by-byte `map` over a UTF8View, then an Array per value, were the largest single costs
  /// of building a response: docs/benchmarks-transactions.md).
  mutating func appendLineSafe(_ text: String) {
    let start = bytes.count
    bytes.appendUTF8(text)
    for i in start..<bytes.count where bytes[i] == 0x0D || bytes[i] == 0x0A { bytes[i] = 0x20 }
  }

  /// Adds a header line after the last line of the same header, or at the end.
  ///
  /// The name should be a token (other characters become `-`); CR and LF in the value become
  /// spaces so that a value can never start a new header line.
  public mutating func addHeader(_ name: String, _ value: String) {
    let key = HeaderKey(name)
    let kept = cacheKept(by: key)
    let field = makeField(name, value)
    if let last = fields.lastIndex(where: { matches($0, key) }) {
      fields.insert(field, at: last + 1)
    } else {
      fields.append(field)
    }
    if let kept { parsedHeaders = kept }
  }

  /// The cached transaction headers when a change of the lines `key` names leaves them as they
  /// are (none of To, From, Via, CSeq, Call-ID: a Contact or Content-Length added to a
  /// response), so that the change puts them back; nil when the change must drop them.
  func cacheKept(by key: HeaderKey) -> SIPParsedHeaders? {
    guard let parsedHeaders else { return nil }
    if case .known(let id) = key, id.isTransactionHeader { return nil }
    return parsedHeaders
  }

  /// Adds a header line before the first line of the same header, or before all headers
  /// (a proxy's new Via, RFC 3261 §16.6 step 8).
  public mutating func prependHeader(_ name: String, _ value: String) {
    let key = HeaderKey(name)
    let kept = cacheKept(by: key)
    let field = makeField(name, value)
    fields.insert(field, at: fields.firstIndex(where: { matches($0, key) }) ?? 0)
    if let kept { parsedHeaders = kept }
  }

  /// Replaces every line of a header by one line holding `value`, where the first one was (or at
  /// the end when there was none).
  public mutating func setHeader(_ name: String, _ value: String) {
    let key = HeaderKey(name)
    let kept = cacheKept(by: key)
    defer { if let kept { parsedHeaders = kept } }
    let field = makeField(name, value)
    if let first = fields.firstIndex(where: { matches($0, key) }) {
      fields[first] = field
      var i = fields.count - 1
      while i > first {
        if matches(fields[i], key) { fields.remove(at: i) }
        i -= 1
      }
    } else {
      fields.append(field)
    }
  }

  /// Removes every line of a header.
  public mutating func removeHeader(_ name: String) {
    let key = HeaderKey(name)
    let cached = cacheKept(by: key)
    let kept = fields.filter { !matches($0, key) }
    fields = kept
    if let cached { parsedHeaders = cached }
  }

  /// Removes the first value of a header: the first element of a comma list, or the first line
  /// (a proxy removing its own Via from a response, RFC 3261 §16.7 step 3).
  public mutating func removeFirstValue(_ name: String) {
    let key = HeaderKey(name)
    guard let index = fields.firstIndex(where: { matches($0, key) }) else { return }
    let f = fields[index]
    let ranges = valueRanges(f, split: key.isList)
    if ranges.count <= 1 {
      fields.remove(at: index)
      return
    }
    let rest = valueString(ranges[1].lowerBound..<f.valueEnd, folded: f.folded)
    fields[index] = makeField(string(f.lineStart..<f.nameEnd), rest)
  }

  /// Replaces the body and sets Content-Length to its size; sets Content-Type when given.
  public mutating func setBody(_ body: [UInt8], contentType: String? = nil) {
    let start = bytes.count
    bytes.append(contentsOf: body)
    bodyRange = start..<bytes.count
    if let contentType { setHeader("Content-Type", contentType) }
    setHeader("Content-Length", String(body.count))
  }

  /// Replaces the Request-URI of a request (no effect on a response).
  public mutating func setRequestURI(_ uri: String) {
    guard isRequest else { return }
    let method = string(part1)
    let version = string(part3)
    setStartLine(method, uri, version)
  }

  mutating func setStartLine(_ a: String, _ b: String, _ c: String) {
    let s = bytes.count
    appendLineSafe(a)
    let e1 = bytes.count
    bytes.append(0x20)
    appendLineSafe(b)
    let e2 = bytes.count
    bytes.append(0x20)
    appendLineSafe(c)
    part1 = s..<e1
    part2 = (e1 + 1)..<e2
    part3 = (e2 + 1)..<bytes.count
    startLine = s..<bytes.count
  }

  // MARK: - Serialization

  /// The message as bytes: start line, header lines in order, an empty line and the body, lines
  /// ended by CRLF.
  ///
  /// A parsed and unmodified message reproduces its input exactly when the input used CRLF:
  /// header lines keep their spelling, order, spacing and folding. What is not reproduced: CRLFs
  /// before the start line (RFC 3261 §7.5), bytes after Content-Length in a datagram (RFC 3261
  /// §18.3), and bare-LF line ends, which are written as CRLF.
  public func serialize() -> [UInt8] {
    var size = startLine.count + bodyRange.count + 4
    for f in fields { size += f.lineEnd - f.lineStart + 2 }
    var out: [UInt8] = []
    out.reserveCapacity(size)
    out.append(contentsOf: bytes[startLine])
    out.append(0x0D)
    out.append(0x0A)
    for f in fields {
      out.append(contentsOf: bytes[f.lineStart..<f.lineEnd])
      out.append(0x0D)
      out.append(0x0A)
    }
    out.append(0x0D)
    out.append(0x0A)
    out.append(contentsOf: bytes[bodyRange])
    return out
  }

  /// How many bytes ``serialize()`` gives.
  public var serializedCount: Int {
    var size = startLine.count + bodyRange.count + 4
    for f in fields { size += f.lineEnd - f.lineStart + 2 }
    return size
  }

  /// Writes the bytes of ``serialize()`` at the start of `buffer` and returns how many: a
  /// transport serializes straight into the buffer it sends from, without an Array between.
  /// Writes nothing and returns nil when `buffer` is shorter than ``serializedCount``.
  public func serialize(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
    guard buffer.count >= serializedCount else { return nil }
    return bytes.withUnsafeBytes { source in
      var at = 0
      func copy(_ range: Range<Int>) {
        UnsafeMutableRawBufferPointer(rebasing: buffer[at..<(at + range.count)])
          .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[range]))
        at += range.count
      }
      func crlf() {
        buffer[at] = 0x0D
        buffer[at + 1] = 0x0A
        at += 2
      }
      copy(startLine)
      crlf()
      for f in fields {
        copy(f.lineStart..<f.lineEnd)
        crlf()
      }
      crlf()
      copy(bodyRange)
      return at
    }
  }
}

extension SIPMessage: CustomStringConvertible {
  /// The serialized message as text (invalid UTF-8 shown as U+FFFD).
  public var description: String { String(decoding: serialize(), as: UTF8.self) }
}
