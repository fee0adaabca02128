// The received/rport stamp of a request's top Via (RFC 3261 §18.2.1, RFC 3581 §4) written as the
// received bytes with the parameters' values put in, rather than the whole Via serialized again.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

extension SIPMessage {
  /// Stamps the top Via: `rport=<rport>` when `rport` is given (the value of the first `rport`
  /// parameter set, the parameter added when absent) and `received=<received>` (likewise), as
  /// ``SIPVia/rport`` and ``SIPVia/received`` set them. Returns the new value as written, nil
  /// when there is no top Via that parses.
  ///
  /// When the first Via line is plain (one unfolded ASCII value without a comment, where
  /// ``replaceTopVia(with:)`` writes in place), the new value is the received text with the two
  /// values written into it: the parameters keep their order and spelling, so the parsed top
  /// Via is the one the parameter setters make, and the message's other headers keep their
  /// cached values. Otherwise the Via is serialized again (``replaceTopVia(with:)``).
  @discardableResult
  public mutating func stampTopVia(received: String, rport: Int?) -> String? {
    // The cache taken out of the message: when nothing else holds it (a message just received
    // and cached), its top Via is moved out, changed and put back, without a copy of the Via's
    // parameter list or a new cache object.
    var cached = parsedHeaders.take()
    let owned = cached != nil && isKnownUniquelyReferenced(&cached)
    let current = owned ? cached?.takeTopVia() : (cached.map { $0.topVia } ?? parseTopVia())
    guard var via = current else {
      parsedHeaders = cached
      return nil
    }
    if let rport { via.rport = .port(rport) }
    via.received = received
    guard let plan = viaStampPlan(), let index = fields.firstIndex(where: { $0.id == .via }) else {
      // Written again as a whole; replaceTopVia puts the new Via in a new cache object.
      parsedHeaders = cached
      return replaceTopVia(with: via)
    }
    // At most two edits, each an insertion or the replacement of a value, written in the order
    // of their offsets; two insertions at the end keep the setters' order (rport first).
    var first = (place: plan.received, isRport: false)
    var second: (place: ViaParameterPlace, isRport: Bool)? = nil
    if rport != nil {
      let rportEdit = (place: plan.rport, isRport: true)
      if offset(of: rportEdit.place, end: plan.end) <= offset(of: plan.received, end: plan.end) {
        second = first
        first = rportEdit
      } else {
        second = rportEdit
      }
    }
    var value: [UInt8] = []
    value.reserveCapacity(plan.end - plan.start + received.utf8.count + 24)
    var at = plan.start
    func write(_ edit: (place: ViaParameterPlace, isRport: Bool)) {
      let (lower, upper): (Int, Int)
      switch edit.place {
      case .value(let r): (lower, upper) = (r.lowerBound, r.upperBound)
      case .flag(let end): (lower, upper) = (end, end)
      case .absent: (lower, upper) = (plan.end, plan.end)
      }
      value.append(contentsOf: bytes[at..<lower])
      switch edit.place {
      case .value: break
      case .flag: value.append(UInt8(ascii: "="))
      case .absent: value.appendASCII(edit.isRport ? Self.rportPrefix : Self.receivedPrefix)
      }
      if edit.isRport, let rport {
        SIPGrammar.appendDecimal(rport, to: &value)
      } else {
        value.appendUTF8(received)
      }
      at = upper
    }
    write(first)
    if let second { write(second) }
    value.append(contentsOf: bytes[at..<plan.end])
    let start = bytes.count
    bytes.reserveCapacity(start + value.count + 8)
    bytes.appendASCII(Self.viaName)
    let nameEnd = bytes.count
    bytes.append(UInt8(ascii: ":"))
    bytes.append(0x20)
    let valueStart = bytes.count
    bytes.append(contentsOf: value)
    let valueEnd = bytes.count
    let text = string(valueStart..<valueEnd)
    fields[index] = Field(
      lineStart: start, nameEnd: nameEnd, valueStart: valueStart, valueEnd: valueEnd, lineEnd: bytes.count,
      id: .via, folded: false)
    if let cached {
      if owned {
        cached.setTopVia(via)
        parsedHeaders = cached
      } else {
        parsedHeaders = cached.replacingTopVia(via)
      }
    }
    return text
  }

  static let rportPrefix: StaticString = ";rport="
  static let receivedPrefix: StaticString = ";received="

  /// Where an edit of `place` starts.
  private func offset(of place: ViaParameterPlace, end: Int) -> Int {
    switch place {
    case .value(let r): r.lowerBound
    case .flag(let at): at
    case .absent: end
    }
  }

  /// Where a parameter's value lies in the top Via.
  enum ViaParameterPlace {
    case absent
    /// Present without a value; the offset just after its name.
    case flag(Int)
    /// Present with this value.
    case value(Range<Int>)
  }

  /// The top Via's value and its first `rport` and `received` parameters, when the first Via
  /// line is where ``replaceTopVia(with:)`` writes in place and its value is plain enough to edit
  /// as bytes (ASCII, unfolded, one value, no comment, parameters that parse); nil otherwise.
  func viaStampPlan() -> (start: Int, end: Int, rport: ViaParameterPlace, received: ViaParameterPlace)? {
    guard let index = fields.firstIndex(where: { $0.id == .via }),
      index + 1 < fields.count && fields[index + 1].id == .via
        || index == 0 && !fields.dropFirst().contains(where: { $0.id == .via }),
      !fields[index].folded
    else { return nil }
    // What inPlaceValue checks, the first ';', and whether the parameters hold a quote or white
    // space: ~2,600 instructions went to separate passes and the general parameter scanner
    // (docs/benchmarks-transactions.md, round 6), ~970 to one pass byte by byte; now eight bytes
    // at a time for ASCII and `memchr` for each byte looked for (~300).
    let field = fields[index]
    let trimmed: (start: Int, end: Int)? = bytes.withUnsafeBufferPointer { buffer in
      var start = field.valueStart
      var end = field.valueEnd
      while start < end, SIPGrammar.isLWS(buffer[start]) { start += 1 }
      while end > start, SIPGrammar.isLWS(buffer[end - 1]) { end -= 1 }
      return start < end ? (start, end) : nil
    }
    // Not ASCII: not edited as bytes.
    guard let trimmed, isASCII(trimmed.start..<trimmed.end) else { return nil }
    let pass: (start: Int, end: Int, semicolon: Int?, plain: Bool)? = bytes.withUnsafeBufferPointer {
      buffer in
      let (start, end) = trimmed
      guard let base = buffer.baseAddress, end <= buffer.count else { return nil }
      func has(_ byte: UInt8, from: Int) -> Bool {
        from < end && memchr(base + from, Int32(byte), end - from) != nil
      }
      // Several values or a comment: not edited as bytes.
      if has(UInt8(ascii: ","), from: start) || has(UInt8(ascii: "("), from: start) { return nil }
      guard let hit = memchr(base + start, Int32(UInt8(ascii: ";")), end - start) else {
        return (start, end, nil, true)
      }
      let semicolon = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
      let after = semicolon + 1
      let plain =
        !has(UInt8(ascii: "\""), from: after) && !has(0x20, from: after) && !has(0x09, from: after)
        && !has(0x0D, from: after) && !has(0x0A, from: after)
      return (start, end, semicolon, plain)
    }
    guard let pass else { return nil }
    guard let first = pass.semicolon else { return (pass.start, pass.end, .absent, .absent) }
    if pass.plain { return plainParameters(from: first, to: pass.end, valueStart: pass.start) }
    let range = pass.start..<pass.end
    // The parameters start at the first ';': none can come earlier (sent-protocol and sent-by
    // hold none, an IPv6 reference neither), and quoted values come after it.
    var scanner = SIPScanner(bytes, from: first, to: range.upperBound)
    var rport = ViaParameterPlace.absent
    var received = ViaParameterPlace.absent
    var seenRport = false
    var seenReceived = false
    let bytes = self.bytes
    func named(_ name: Range<Int>, _ lower: StaticString) -> Bool {
      guard name.count == lower.utf8CodeUnitCount else { return false }
      var i = 0
      for b in bytes[name] {
        guard SIPGrammar.lowercased(b) == lower.utf8Start[i] else { return false }
        i += 1
      }
      return true
    }
    do {
      try SIPParameters.scanHeaderParameters(&scanner) { name, value in
        let place = value.map { ViaParameterPlace.value($0) } ?? .flag(name.upperBound)
        if !seenRport, named(name, "rport") {
          seenRport = true
          rport = place
        } else if !seenReceived, named(name, "received") {
          seenReceived = true
          received = place
        }
      }
    } catch {
      return nil
    }
    guard scanner.isAtEnd else { return nil }
    return (range.lowerBound, range.upperBound, rport, received)
  }

  /// The parameters of a top Via without quotes or white space after its first ';' (the usual
  /// case): `;name` or `;name=value` up to the next ';', read in one pass. The caller parsed this
  /// Via, so each is a valid generic-param.
  private func plainParameters(from first: Int, to end: Int, valueStart: Int) -> (
    start: Int, end: Int, rport: ViaParameterPlace, received: ViaParameterPlace
  ) {
    bytes.withUnsafeBufferPointer { buffer in
      func named(_ start: Int, _ stop: Int, _ lower: StaticString) -> Bool {
        guard stop - start == lower.utf8CodeUnitCount else { return false }
        for k in 0..<(stop - start) where SIPGrammar.lowercased(buffer[start + k]) != lower.utf8Start[k] {
          return false
        }
        return true
      }
      var rport = ViaParameterPlace.absent
      var received = ViaParameterPlace.absent
      var seenRport = false
      var seenReceived = false
      var i = first
      while i < end {
        // buffer[i] is ';'.
        let nameStart = i + 1
        var j = nameStart
        while j < end, buffer[j] != UInt8(ascii: "="), buffer[j] != UInt8(ascii: ";") { j += 1 }
        let nameEnd = j
        var place = ViaParameterPlace.flag(nameEnd)
        if j < end, buffer[j] == UInt8(ascii: "=") {
          var k = j + 1
          while k < end, buffer[k] != UInt8(ascii: ";") { k += 1 }
          place = .value((j + 1)..<k)
          j = k
        }
        if !seenRport, named(nameStart, nameEnd, "rport") {
          seenRport = true
          rport = place
        } else if !seenReceived, named(nameStart, nameEnd, "received") {
          seenReceived = true
          received = place
        }
        i = j
      }
      return (valueStart, end, rport, received)
    }
  }
}
