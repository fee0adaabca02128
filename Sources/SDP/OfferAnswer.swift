// RFC 3264 offer/answer for one session, as a value: descriptions in, descriptions and outcomes out.

/// The offer/answer state of one call (RFC 3264): our capabilities, our `o=` line, the last
/// descriptions exchanged and what they negotiated. A value type without I/O; the SIP layer decides
/// which message carries what.
///
/// ```swift
/// var session = OfferAnswer(address: "192.0.2.10", sessionID: 4711)
/// // UAC: offer in the INVITE, answer in the 200 OK
/// let offer = session.makeOffer([LocalStream(port: 40000)])
/// let streams = try session.processAnswer(answerFromPeer)
/// // UAS: answer an INVITE's offer
/// let answer = session.answer(to: offerFromPeer, streams: [LocalStream(port: 40002)])
/// // Late offer: INVITE without SDP -> our offer in the 200 OK -> the answer in the ACK
/// let lateOffer = session.makeOffer([LocalStream(port: 40004)])
/// let lateStreams = try session.processAnswer(answerInAck)
/// ```
public struct OfferAnswer: Sendable {
  public var capabilities: MediaCapabilities
  /// Our media address, written in `o=` and `c=`.
  public var address: String
  /// RFC 8866 §5.2: stays the same for the whole session.
  public let sessionID: String
  public var username: String
  /// The `o=` version of our latest description; goes up with every changed one (RFC 3264 §8).
  public internal(set) var sessionVersion: String
  /// The description we sent last (offer or answer). An answer is kept as the bytes sent
  /// (``Answer/bytes``) and parsed again when read: at a re-offer, or by `call.sdp`.
  public internal(set) var localDescription: SessionDescription? {
    get { storedLocal?.description }
    set { storedLocal = newValue.map(StoredDescription.init) }
  }
  private(set) var storedLocal: StoredDescription?
  /// The description the peer sent last. Kept as the bytes it was parsed from when it is
  /// unchanged since (the usual case: the body of the peer's message) and parsed again when read,
  /// which a call does rarely if at all (`call.sdp_peer`); a description made otherwise is kept
  /// without the parser's caches. Either way what is read is equal to what was stored.
  public internal(set) var remoteDescription: SessionDescription? {
    get { storedRemote?.description }
    set { storedRemote = newValue.map(StoredDescription.init) }
  }
  /// Whether the peer has sent a description (without reading it).
  public var hasRemoteDescription: Bool { storedRemote != nil }
  private(set) var storedRemote: StoredDescription?
  /// Our offer waiting for its answer.
  public internal(set) var pendingOffer: SessionDescription?
  /// What the last completed exchange negotiated, one entry per `m=` line.
  public internal(set) var streams: [NegotiatedStream] = []
  /// Net::SIP's `sdp` parameter: a description of the caller's, sent as it is as every offer and
  /// answer. What is negotiated is still worked out from our capabilities and the ports of the
  /// `LocalStream`s, which must be the ones it describes.
  public var fixedDescription: SessionDescription?

  /// A description kept for reading later, as text (a few hundred bytes: what a held call keeps
  /// of each side's description) or as a value without the parser's caches.
  enum StoredDescription: Sendable {
    /// Bytes the parser read (parsing them again gives an equal description), or our own
    /// description as sent.
    case text([UInt8])
    case built(SessionDescription)

    init(_ description: SessionDescription) {
      if let source = description.source {
        self = .text(source)
      } else {
        self = .built(description.hasParseCaches ? description.droppingParseCaches() : description)
      }
    }

    var description: SessionDescription? {
      switch self {
      case .text(let bytes):
        // The parser is deterministic, so it does not fail on bytes it read before; our own
        // descriptions parse unless made of values the grammar refuses (a codec name with a
        // space, say), which are then split into the lines they were written from.
        (try? SessionDescription(parsing: bytes)) ?? SessionDescription(linesOf: bytes)
      case .built(let description): description
      }
    }
  }

  /// The result of ``answer(to:streams:)``: the description to send and what it agrees to.
  public struct Answer: Sendable, Hashable {
    /// The answer as a description. One written straight as bytes (``OfferAnswer/answer(to:streams:)``'s
    /// usual case) is parsed from them when read, giving the description its lines would have
    /// built; the message body needs only ``bytes``.
    public var description: SessionDescription {
      get {
        if let built { return built }
        return StoredDescription.text(text ?? []).description ?? SessionDescription(lines: [], media: [])
      }
      set {
        built = newValue
        text = nil
      }
    }
    public var streams: [NegotiatedStream]
    /// The description when it was built as lines (or set); nil when only ``text`` holds it.
    private var built: SessionDescription?
    /// ``description`` serialized once by ``OfferAnswer/answer(to:streams:)``; nil once changed.
    private var text: [UInt8]?

    public init(description: SessionDescription, streams: [NegotiatedStream]) {
      self.built = description
      self.streams = streams
    }

    init(description: SessionDescription, streams: [NegotiatedStream], bytes: [UInt8]) {
      self.init(description: description, streams: streams)
      text = bytes
    }

    /// An answer written as bytes: its description is what parsing them gives.
    init(bytes: [UInt8], streams: [NegotiatedStream]) {
      self.streams = streams
      text = bytes
    }

    /// ``description`` as bytes, for the message body.
    public var bytes: [UInt8] { text ?? description.bytes }

    // The text follows from the description: equality and hashing leave it out.
    public static func == (lhs: Self, rhs: Self) -> Bool {
      lhs.description == rhs.description && lhs.streams == rhs.streams
    }

    public func hash(into hasher: inout Hasher) {
      hasher.combine(description)
      hasher.combine(streams)
    }
  }

  public init(
    capabilities: MediaCapabilities = .standard, address: String, sessionID: UInt64,
    sessionVersion: UInt64 = 0,
    username: String = "-"
  ) {
    self.capabilities = capabilities
    self.address = address
    self.sessionID = String(sessionID)
    self.sessionVersion = String(sessionVersion)
    self.username = username
  }

  /// Builds an offer with one audio stream per `LocalStream`: our codecs in preference order,
  /// telephone-event, ptime, `a=rtcp` when asked, the direction (`.sendonly` holds the peer).
  /// A re-offer that changes nothing keeps the `o=` version; any change increments it (RFC 3264 §8).
  public mutating func makeOffer(_ streams: [LocalStream]) -> SessionDescription {
    var description = header()
    for stream in streams {
      var codecs = capabilities.codecs
      if let telephoneEvent = capabilities.telephoneEvent { codecs.append(telephoneEvent.codec) }
      description.media.append(
        audioSection(stream, proto: capabilities.protocols.first ?? "RTP/AVP", codecs: codecs))
    }
    let offer = stamp(description)
    pendingOffer = offer
    return offer
  }

  /// Records a description made elsewhere (a script's own `sdp`, Net::SIP's `sdp` parameter) as our
  /// pending offer, so that ``processAnswer(_:)`` checks the answer against it. Sent as given:
  /// its `o=` line is the caller's.
  public mutating func useOffer(_ description: SessionDescription) {
    localDescription = description
    pendingOffer = description
  }

  /// Which `m=` lines of an offer we would accept, given free streams: audio over a protocol we
  /// serve, not disabled, with a common codec. Lets the caller allocate that many ports first.
  public func servableStreams(in offer: SessionDescription) -> [Int] {
    offer.media.indices.filter { capabilities.canServe(offer.media[$0]) }
  }

  /// v=, o=, s=, c=, t= of our descriptions.
  func header() -> SessionDescription {
    let origin = Origin(
      username: username, sessionID: sessionID, sessionVersion: sessionVersion, address: address)
    return SessionDescription(
      lines: [
        SDPLine("v", "0"), SDPLine("o", origin.description), SDPLine("s", "sipscript"),
        SDPLine("c", Connection(address: address).description), SDPLine("t", "0 0"),
      ], media: [])
  }

  /// ``header()`` written as bytes.
  func writeHeader(into writer: inout SDPWriter) {
    let addressType = SDPSyntax.addressType(of: address)
    writer.start(UInt8(ascii: "v"))
    writer.append(byte: UInt8(ascii: "0"))
    writer.end()
    writer.start(UInt8(ascii: "o"))
    writer.append(username)
    writer.append(byte: UInt8(ascii: " "))
    writer.append(sessionID)
    writer.append(byte: UInt8(ascii: " "))
    writer.append(sessionVersion)
    writer.append(byte: UInt8(ascii: " "))
    writeAddress(addressType, into: &writer)
    writer.end()
    writer.start(UInt8(ascii: "s"))
    writer.append("sipscript")
    writer.end()
    writer.start(UInt8(ascii: "c"))
    writeAddress(addressType, into: &writer)
    writer.end()
    writer.start(UInt8(ascii: "t"))
    writer.append("0 0")
    writer.end()
  }

  /// `IN <addrtype> <address>`, the tail of our `o=` line and the whole of our `c=` value.
  private func writeAddress(_ addressType: String, into writer: inout SDPWriter) {
    writer.append("IN ")
    writer.append(addressType)
    writer.append(byte: UInt8(ascii: " "))
    writer.append(address)
  }

  /// An `m=` line as ``MediaField/description`` writes it (no port count).
  static func writeMediaLine(
    _ media: String, port: Int, proto: String, formats: [String], into writer: inout SDPWriter
  ) {
    writer.start(UInt8(ascii: "m"))
    writer.append(media)
    writer.append(byte: UInt8(ascii: " "))
    writer.append(port)
    writer.append(byte: UInt8(ascii: " "))
    writer.append(proto)
    for format in formats {
      writer.append(byte: UInt8(ascii: " "))
      writer.append(format)
    }
    writer.end()
  }

  /// ``audioSection(_:proto:codecs:direction:)`` written as bytes.
  func writeAudioSection(
    _ stream: LocalStream, proto: String, codecs: [Codec], direction: MediaDirection? = nil,
    into writer: inout SDPWriter
  ) {
    writer.start(UInt8(ascii: "m"))
    writer.append("audio ")
    writer.append(stream.port)
    writer.append(byte: UInt8(ascii: " "))
    writer.append(proto)
    for codec in codecs {
      writer.append(byte: UInt8(ascii: " "))
      writer.append(codec.payloadType)
    }
    writer.end()
    for codec in codecs {
      writer.start(UInt8(ascii: "a"))
      writer.append("rtpmap:")
      writer.append(codec.payloadType)
      writer.append(byte: UInt8(ascii: " "))
      writer.append(codec.name)
      writer.append(byte: UInt8(ascii: "/"))
      writer.append(codec.clockRate)
      if codec.channels != 1 {
        writer.append(byte: UInt8(ascii: "/"))
        writer.append(codec.channels)
      }
      writer.end()
      if let parameters = codec.formatParameters {
        writer.start(UInt8(ascii: "a"))
        writer.append("fmtp:")
        writer.append(codec.payloadType)
        writer.append(byte: UInt8(ascii: " "))
        writer.append(parameters)
        writer.end()
      }
    }
    func attribute(_ name: String, _ value: Int) {
      writer.start(UInt8(ascii: "a"))
      writer.append(name)
      writer.append(byte: UInt8(ascii: ":"))
      writer.append(value)
      writer.end()
    }
    if let ptime = capabilities.ptime { attribute("ptime", ptime) }
    if let maxptime = capabilities.maxptime { attribute("maxptime", maxptime) }
    if let rtcpPort = stream.rtcpPort { attribute("rtcp", rtcpPort) }
    writer.start(UInt8(ascii: "a"))
    writer.append((direction ?? stream.direction).rawValue)
    writer.end()
  }

  /// An `m=audio` section listing `codecs` with our attributes.
  func audioSection(
    _ stream: LocalStream, proto: String, codecs: [Codec], direction: MediaDirection? = nil
  ) -> MediaDescription {
    // The lines in an array of their exact size: our description is kept for the whole call.
    var count = 1 + codecs.count
    for codec in codecs where codec.formatParameters != nil { count += 1 }
    if capabilities.ptime != nil { count += 1 }
    if capabilities.maxptime != nil { count += 1 }
    if stream.rtcpPort != nil { count += 1 }
    var lines: [SDPLine] = []
    lines.reserveCapacity(count)
    for codec in codecs {
      lines.append(.attribute("rtpmap", codec.rtpMap.description))
      if let parameters = codec.formatParameters {
        lines.append(.attribute("fmtp", "\(codec.payloadType) \(parameters)"))
      }
    }
    if let ptime = capabilities.ptime { lines.append(.attribute("ptime", String(ptime))) }
    if let maxptime = capabilities.maxptime { lines.append(.attribute("maxptime", String(maxptime))) }
    if let rtcpPort = stream.rtcpPort { lines.append(.attribute("rtcp", String(rtcpPort))) }
    lines.append(.attribute((direction ?? stream.direction).rawValue))
    return MediaDescription(
      MediaField(
        media: "audio", port: stream.port, proto: proto, formats: codecs.map { String($0.payloadType) }),
      lines: lines)
  }

  /// Gives a new description our `o=` version: the previous one if nothing else changed, else the
  /// next (RFC 3264 §8: "the version ... MUST be incremented" for a changed description, and only then).
  mutating func stamp(_ description: SessionDescription) -> SessionDescription {
    if let fixedDescription {
      localDescription = fixedDescription
      return fixedDescription
    }
    if let previous = localDescription {
      if previous.withVersion("0") == description.withVersion("0") { return previous }
      sessionVersion = Origin.increment(sessionVersion)
    }
    let stamped = description.withVersion(sessionVersion)
    localDescription = stamped
    return stamped
  }

  /// Keeps our first description of the session as the bytes written for it (its version is
  /// ``sessionVersion``, as ``stamp(_:)`` leaves a first description).
  mutating func keepFirstLocal(_ bytes: [UInt8]) { storedLocal = .text(bytes) }

  /// ``stamp(_:)`` for an answer, which also serializes it (for the message body) and keeps our
  /// description as those bytes.
  mutating func stampKeepingText(_ description: SessionDescription) -> (
    description: SessionDescription, bytes: [UInt8]
  ) {
    let stamped = stamp(description)
    let bytes = stamped.bytes
    storedLocal = .text(bytes)
    return (stamped, bytes)
  }

  /// The peer's direction for a stream, with RFC 2543 hold folded in: RFC 3264 §8.4, a `c=0.0.0.0`
  /// means nothing is sent to that side, so it cannot receive.
  static func effectiveDirection(of description: SessionDescription, media index: Int) -> MediaDirection {
    let direction = description.direction(forMedia: index)
    guard description.connection(forMedia: index)?.isNullAddress == true else { return direction }
    return MediaDirection(sends: direction.sends, receives: false)
  }

  /// Where to send RTP and RTCP for a stream of `description`.
  static func remoteTransport(
    of description: SessionDescription, media index: Int
  ) -> (address: String?, port: Int, rtcpAddress: String?, rtcpPort: Int?) {
    let media = description.media[index]
    let address = description.connection(forMedia: index)?.address
    // RFC 3605 §2.1: a=rtcp's port, with its address or else the RTP one; default port + 1.
    if let rtcp = media.rtcp { return (address, media.port, rtcp.connection?.address ?? address, rtcp.port) }
    return (address, media.port, address, media.port == 0 ? nil : media.port + 1)
  }
}
