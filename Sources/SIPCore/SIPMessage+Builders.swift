// Builders for new requests (RFC 3261 §8.1.1), responses (§8.2.6), ACK for a non-2xx final
// response (§17.1.1.3) and CANCEL (§9.1).

extension SIPMessage {
  /// An empty request: `METHOD uri SIP/2.0`, no headers, no body.
  public init(method: String, requestURI: String) {
    self.init(
      bytes: [], startLine: 0..<0, part1: 0..<0, part2: 0..<0, part3: 0..<0, status: 0, fields: [],
      bodyRange: 0..<0)
    setStartLine(method, requestURI, "SIP/2.0")
  }

  /// An empty response: `SIP/2.0 code reason`, no headers, no body. The reason defaults to the
  /// phrase RFC 3261 §21 gives the code. Codes outside 100–699 are clamped into that range.
  public init(statusCode: Int, reasonPhrase: String? = nil) {
    self.init(statusCode: statusCode, reasonPhrase: reasonPhrase, capacity: 0)
  }

  /// ``init(statusCode:reasonPhrase:)`` with room for `capacity` more bytes than the start line
  /// reserved before it is written (one allocation of the buffer instead of one per growth).
  init(statusCode: Int, reasonPhrase: String?, capacity: Int) {
    let code = min(max(statusCode, 100), 699)
    var buffer: [UInt8] = []
    if capacity > 0 { buffer.reserveCapacity(capacity + 32 + (reasonPhrase?.utf8.count ?? 32)) }
    if reasonPhrase == nil {
      // The line setStartLine writes for the code and its default phrase, laid out once per code,
      // written before the buffer moves into the message (appending after the move found the
      // buffer shared and copied it: ~600 instructions per response, round 7).
      let line = Self.defaultStatusLines[code - 100]
      buffer.append(contentsOf: line)
      self.init(
        bytes: buffer, startLine: 0..<line.count, part1: 0..<7, part2: 8..<11, part3: 12..<line.count,
        status: code, fields: [], bodyRange: 0..<0)
      return
    }
    self.init(
      bytes: buffer, startLine: 0..<0, part1: 0..<0, part2: 0..<0, part3: 0..<0, status: code, fields: [],
      bodyRange: 0..<0)
    setStartLine("SIP/2.0", String(code), reasonPhrase ?? Self.defaultReasonPhrase(code))
  }

  /// `SIP/2.0 code phrase` for every code from 100 to 699 with its default phrase, as
  /// setStartLine writes it (the version, three digits and the phrase, spaces between).
  static let defaultStatusLines: [[UInt8]] = (100...699).map { code in
    var message = SIPMessage(
      bytes: [], startLine: 0..<0, part1: 0..<0, part2: 0..<0, part3: 0..<0, status: code, fields: [],
      bodyRange: 0..<0)
    message.setStartLine("SIP/2.0", String(code), defaultReasonPhrase(code))
    return message.bytes
  }

  /// The reason phrase RFC 3261 §21 (and later RFCs) give a status code.
  public static func defaultReasonPhrase(_ code: Int) -> String {
    switch code {
    case 100: "Trying"
    case 180: "Ringing"
    case 181: "Call Is Being Forwarded"
    case 182: "Queued"
    case 183: "Session Progress"
    case 200: "OK"
    case 202: "Accepted"
    case 300: "Multiple Choices"
    case 301: "Moved Permanently"
    case 302: "Moved Temporarily"
    case 305: "Use Proxy"
    case 380: "Alternative Service"
    case 400: "Bad Request"
    case 401: "Unauthorized"
    case 402: "Payment Required"
    case 403: "Forbidden"
    case 404: "Not Found"
    case 405: "Method Not Allowed"
    case 406: "Not Acceptable"
    case 407: "Proxy Authentication Required"
    case 408: "Request Timeout"
    case 410: "Gone"
    case 413: "Request Entity Too Large"
    case 414: "Request-URI Too Long"
    case 415: "Unsupported Media Type"
    case 416: "Unsupported URI Scheme"
    case 420: "Bad Extension"
    case 421: "Extension Required"
    case 423: "Interval Too Brief"
    case 480: "Temporarily Unavailable"
    case 481: "Call/Transaction Does Not Exist"
    case 482: "Loop Detected"
    case 483: "Too Many Hops"
    case 484: "Address Incomplete"
    case 485: "Ambiguous"
    case 486: "Busy Here"
    case 487: "Request Terminated"
    case 488: "Not Acceptable Here"
    case 491: "Request Pending"
    case 493: "Undecipherable"
    case 500: "Server Internal Error"
    case 501: "Not Implemented"
    case 502: "Bad Gateway"
    case 503: "Service Unavailable"
    case 504: "Server Time-out"
    case 505: "Version Not Supported"
    case 513: "Message Too Large"
    case 600: "Busy Everywhere"
    case 603: "Decline"
    case 604: "Does Not Exist Anywhere"
    case 606: "Not Acceptable"
    default: "Unknown"
    }
  }

  /// A new request outside a dialog, as RFC 3261 §8.1.1 builds it: Request-URI, To, From with a
  /// new tag when it has none, a new Call-ID unless given, CSeq, Max-Forwards 70, a Via with a new
  /// `z9hG4bK` branch unless it already has an RFC 3261 one, Contact, Route, body and
  /// Content-Length.
  ///
  /// ```swift
  /// var rng = BufferedRandomNumberGenerator()
  /// let invite = SIPMessage.request(
  ///   method: "INVITE", uri: try SIPURI.parse("sip:bob@example.com"),
  ///   from: SIPNameAddress(displayName: "Alice", uri: try SIPURI.parse("sip:alice@example.org")),
  ///   to: SIPNameAddress(uri: try SIPURI.parse("sip:bob@example.com")),
  ///   via: SIPVia(transport: "UDP", host: "192.0.2.1", port: 5060),
  ///   contact: SIPNameAddress(uri: try SIPURI.parse("sip:alice@192.0.2.1:5060")),
  ///   using: &rng)
  /// ```
  public static func request(
    method: String, uri: SIPURI, from: SIPNameAddress, to: SIPNameAddress, via: SIPVia, callID: String? = nil,
    cseq: UInt32 = 1, contact: SIPNameAddress? = nil, maxForwards: Int = 70, routes: [SIPNameAddress] = [],
    body: [UInt8] = [], contentType: String? = nil, using rng: inout some RandomNumberGenerator
  ) -> SIPMessage {
    var message = SIPMessage(method: method, requestURI: uri.description)
    var via = via
    if !via.isRFC3261Branch { via.branch = SIPIdentifiers.branch(using: &rng) }
    var from = from
    if from.tag == nil { from.tag = SIPIdentifiers.tag(using: &rng) }
    message.addHeader("Via", via.description)
    message.addHeader("Max-Forwards", String(maxForwards))
    for route in routes { message.addHeader("Route", route.description) }
    message.addHeader("From", from.description)
    message.addHeader("To", to.description)
    message.addHeader("Call-ID", callID ?? SIPIdentifiers.callID(host: via.host, using: &rng))
    message.addHeader("CSeq", SIPCSeq(cseq, method).description)
    if let contact { message.addHeader("Contact", contact.description) }
    if let contentType, !body.isEmpty { message.addHeader("Content-Type", contentType) }
    message.setBody(body)
    return message
  }

  /// ``request(method:uri:from:to:via:callID:cseq:contact:maxForwards:routes:body:contentType:using:)``
  /// with the system's random generator.
  public static func request(
    method: String, uri: SIPURI, from: SIPNameAddress, to: SIPNameAddress, via: SIPVia, callID: String? = nil,
    cseq: UInt32 = 1, contact: SIPNameAddress? = nil, maxForwards: Int = 70, routes: [SIPNameAddress] = [],
    body: [UInt8] = [], contentType: String? = nil
  ) -> SIPMessage {
    var rng = BufferedRandomNumberGenerator()
    return request(
      method: method, uri: uri, from: from, to: to, via: via, callID: callID, cseq: cseq, contact: contact,
      maxForwards: maxForwards, routes: routes, body: body, contentType: contentType, using: &rng)
  }

  /// A response to this request, as RFC 3261 §8.2.6.2 builds it: every Via in order, From, To
  /// (with `toTag` added when To has no tag and the code is above 100), Call-ID and CSeq copied as
  /// written; Record-Route copied for 101–299 (RFC 3261 §12.1.1); Timestamp copied into 100
  /// (§8.2.6.1); then the body with Content-Type and Content-Length.
  public func makeResponse(
    statusCode: Int, reasonPhrase: String? = nil, toTag: String? = nil, body: [UInt8] = [],
    contentType: String? = nil
  ) -> SIPMessage {
    // The buffer sized once: the start line, the copied lines, Content-Length and a few the
    // caller adds (OPTIONS: Allow, Accept, Supported).
    // The copied lines are measured where they are (a stamped Via lies after the header
    // section); 160 more hold Content-Length and OPTIONS' Allow/Accept/Supported, so that the
    // response never grows by doubling (a transaction keeps it 32 s, Timer J).
    var copied = 0
    for f in fields {
      switch f.id {
      case .via, .from, .to, .callID, .cseq, .recordRoute, .timestamp: copied += f.lineEnd - f.lineStart
      default: break
      }
    }
    var response = SIPMessage(
      statusCode: statusCode, reasonPhrase: reasonPhrase,
      capacity: copied + (toTag?.utf8.count ?? 0) + 160 + body.count)
    // Room for the copied lines, Content-Length and a few the caller adds (OPTIONS: Allow, Accept,
    // Supported) without growing the array line by line.
    response.fields.reserveCapacity(fields.count + 4)
    for f in fields where f.id == .via { response.copyField(f, from: self) }
    for f in fields where f.id == .from { response.copyField(f, from: self) }
    var firstTo = true
    // Whether the response's first To line differs from the request's (a tag added, or the
    // line rebuilt from its String): its check is then made on the response, unless it follows
    // from the request's (`derivedTo`).
    var toChanged = false
    var derivedTo: (valid: Bool, tag: String?)? = nil
    // Whether the response starts cached (see the end): only then is its To check worked out.
    let cachesResponse = parsedHeaders != nil && isMethod("INVITE")
    for f in fields where f.id == .to {
      var tag: String? = nil
      if let toTag, statusCode > 100 {
        // The first To is the one `to` answers, parsed once when the message caches it.
        let hasTag =
          firstTo && parsedHeaders != nil
          ? self.toTag != nil
          : (try? SIPNameAddress.parse(valueString(f.valueStart..<f.valueEnd, folded: f.folded)))?.tag != nil
        if !hasTag { tag = toTag }
      }
      let plain = !f.folded && isASCII(f.valueStart..<f.valueEnd)
      if plain, tag?.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) != true {
        if firstTo, let tag, cachesResponse {
          toChanged = true
          // A valid name-addr that ends with its '>' (so without parameters: no parameter
          // value holds a '>', nor a URI outside <>) followed by `;tag=<token>` is valid and has
          // that tag: the response's check follows without running it (~2,600 instructions;
          // msgcost).
          if parsedHeaders?.hasTo == true, f.valueEnd > f.valueStart,
            bytes[f.valueEnd - 1] == UInt8(ascii: ">"), SIPGrammar.isToken(tag)
          {
            derivedTo = (true, tag)
          }
        }
        // The line `addHeader("To", value + ";tag=" + tag)` makes, built from the bytes.
        bytes.withUnsafeBufferPointer { source in
          response.appendField(
            name: Self.toName.bytes, id: .to,
            value: UnsafeBufferPointer(rebasing: source[f.valueStart..<f.valueEnd]),
            suffix: tag)
        }
      } else {
        if firstTo { toChanged = true }
        var value = valueString(f.valueStart..<f.valueEnd, folded: f.folded)
        if let tag { value += ";tag=" + tag }
        response.addHeader("To", value)
      }
      firstTo = false
    }
    for f in fields where f.id == .callID || f.id == .cseq { response.copyField(f, from: self) }
    if (101..<300).contains(statusCode) {
      for f in fields where f.id == .recordRoute { response.copyField(f, from: self) }
    }
    if statusCode == 100 {
      for f in fields where f.id == .timestamp { response.copyField(f, from: self) }
    }
    if let contentType, !body.isEmpty { response.addHeader("Content-Type", contentType) }
    if body.isEmpty, !response.fields.contains(where: { $0.id == .contentLength }) {
      // What setBody([]) does here — an empty body at the end, Content-Length: 0 added as the
      // last line — with the line's bytes laid out once.
      response.bodyRange = response.bytes.count..<response.bytes.count
      response.addHeaders(Self.contentLengthZero)
    } else {
      response.setBody(body)
    }
    if cachesResponse, let parsedHeaders {
      // The responses to an INVITE live on in its dialog: the 2xx is retransmitted by the core
      // (RFC 3261 §13.3.1.4) and sent outside the server transaction, where the transport reads
      // its top Via again (a parse of ~10,000 instructions per call; msgcost). Their copied
      // lines answer as the request's do, so they start cached; other responses are sent once
      // in reply, and a cache would only be one more object to free.
      response.parsedHeaders = SIPParsedHeaders(
        response: parsedHeaders, to: toChanged ? derivedTo ?? response.checkNameAddress(.to) : nil)
    }
    return response
  }

  static let contentLengthZero = SIPHeaderLines([("Content-Length", "0")])

  /// The ACK for a non-2xx final response to this INVITE, sent by the client transaction
  /// (RFC 3261 §17.1.1.3): same Request-URI, Call-ID, From and CSeq number; To from the response
  /// (with its tag); one Via, this request's top one; this request's Route headers.
  public func makeACK(for response: SIPMessage) -> SIPMessage {
    var ack = SIPMessage(method: "ACK", requestURI: requestURI ?? "")
    copyTopVia(into: &ack)
    ack.addHeader("Max-Forwards", maxForwards.map(String.init) ?? "70")
    for f in fields where f.id == .route { ack.copyField(f, from: self) }
    for f in fields where f.id == .from { ack.copyField(f, from: self) }
    for f in response.fields where f.id == .to { ack.copyField(f, from: response) }
    for f in fields where f.id == .callID { ack.copyField(f, from: self) }
    ack.addHeader("CSeq", SIPCSeq(cseq?.sequence ?? 1, "ACK").description)
    ack.setBody([])
    return ack
  }

  /// A CANCEL for this request (RFC 3261 §9.1): same Request-URI, Call-ID, To, From and CSeq
  /// number with method CANCEL; one Via, this request's top one (same branch); Route copied.
  public func makeCANCEL() -> SIPMessage {
    var cancel = SIPMessage(method: "CANCEL", requestURI: requestURI ?? "")
    copyTopVia(into: &cancel)
    cancel.addHeader("Max-Forwards", "70")
    for f in fields where f.id == .route { cancel.copyField(f, from: self) }
    for f in fields where f.id == .from || f.id == .to || f.id == .callID { cancel.copyField(f, from: self) }
    cancel.addHeader("CSeq", SIPCSeq(cseq?.sequence ?? 1, "CANCEL").description)
    cancel.setBody([])
    return cancel
  }

  func copyTopVia(into message: inout SIPMessage) {
    guard let f = fields.first(where: { $0.id == .via }), let top = valueRanges(f, split: true).first else {
      return
    }
    message.addHeader("Via", valueString(top, folded: f.folded))
  }

  /// Appends a header line of `other` as written (name spelling and value).
  mutating func copyField(_ f: Field, from other: SIPMessage) {
    if !f.folded, other.isASCII(f.lineStart..<f.nameEnd), other.isASCII(f.valueStart..<f.valueEnd) {
      // A parsed line's name is a token and an unfolded value holds no CR or LF: the bytes are
      // what makeField would make of their Strings (for ASCII, where decoding changes nothing).
      // Copied from the other buffer's memory: appending array slices cost ~100 instructions
      // each (round 7).
      other.bytes.withUnsafeBufferPointer { source in
        appendField(
          name: UnsafeBufferPointer(rebasing: source[f.lineStart..<f.nameEnd]), id: f.id,
          value: UnsafeBufferPointer(rebasing: source[f.valueStart..<f.valueEnd]), suffix: nil)
      }
      return
    }
    let name = other.string(f.lineStart..<f.nameEnd)
    let value = other.valueString(f.valueStart..<f.valueEnd, folded: f.folded)
    let field = makeField(name, value)
    fields.append(field)
  }

  static let toName: StaticString = "To"

  /// Appends the line `name: value[;tag=suffix]` from bytes, as ``makeField(_:_:)`` lays it out
  /// (trailing white space of the value trimmed). `name` must be a token whose id is `id` and
  /// the value free of CR and LF: the callers copy them from parsed, unfolded lines.
  mutating func appendField(
    name: some Collection<UInt8>, id: SIPHeaderName, value: some Collection<UInt8>, suffix: String?
  ) {
    let start = bytes.count
    bytes.append(contentsOf: name)
    let nameEnd = bytes.count
    bytes.append(UInt8(ascii: ":"))
    bytes.append(0x20)
    let valueStart = bytes.count
    bytes.append(contentsOf: value)
    if let suffix {
      bytes.appendASCII(Self.tagPrefix)
      bytes.appendUTF8(suffix)
    }
    var valueEnd = bytes.count
    while valueEnd > valueStart, SIPGrammar.isWSP(bytes[valueEnd - 1]) { valueEnd -= 1 }
    fields.append(
      Field(
        lineStart: start, nameEnd: nameEnd, valueStart: valueStart, valueEnd: valueEnd, lineEnd: bytes.count,
        id: id, folded: false))
  }

  static let tagPrefix: StaticString = ";tag="

  /// Whether the bytes in `range` are all ASCII (so that decoding them as UTF-8 changes nothing).
  /// Eight bytes are tested at a time (a response copies ~250 bytes of lines, each checked
  /// first; byte by byte that was ~1,000 instructions per transaction).
  func isASCII(_ range: Range<Int>) -> Bool {
    precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count)
    return bytes.withUnsafeBytes { raw in
      var i = range.lowerBound
      let end = range.upperBound
      var high: UInt64 = 0
      while end - i >= 8 {
        high |= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        i += 8
      }
      while i < end {
        high |= UInt64(raw[i])
        i += 1
      }
      return high & 0x8080_8080_8080_8080 == 0
    }
  }
}
