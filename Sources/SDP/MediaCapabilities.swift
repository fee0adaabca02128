// What we can send and receive, in order of preference.

/// Our media capabilities for offer/answer: the audio codecs in order of preference, RFC 4733
/// telephone events, packetization.
///
/// ```swift
/// var capabilities = MediaCapabilities.standard        // PCMU 0, PCMA 8, telephone-event 101 0-16
/// capabilities.telephoneEvent?.payloadType = 96
/// ```
public struct MediaCapabilities: Sendable, Hashable {
  /// Audio codecs, most preferred first; each `payloadType` is the number we offer.
  public var codecs: [Codec]
  /// telephone-event, nil to neither offer nor accept it.
  public var telephoneEvent: TelephoneEventCapability?
  /// `a=ptime` we write (ms), nil for none.
  public var ptime: Int?
  /// `a=maxptime` we write (ms), nil for none.
  public var maxptime: Int?
  /// Transport protocols we serve. Only plain RTP: we have no SRTP or DTLS.
  public var protocols: [String]
  /// Answer with the first common codec only. PJSUA re-offers whenever an answer lists several
  /// (DESIGN §8); RFC 3264 §6.1 allows a subset.
  public var answerWithSingleCodec: Bool

  public init(
    codecs: [Codec] = [.pcmu, .pcma], telephoneEvent: TelephoneEventCapability? = TelephoneEventCapability(),
    ptime: Int? = 20, maxptime: Int? = nil, protocols: [String] = ["RTP/AVP"],
    answerWithSingleCodec: Bool = true
  ) {
    self.codecs = codecs
    self.telephoneEvent = telephoneEvent
    self.ptime = ptime
    self.maxptime = maxptime
    self.protocols = protocols
    self.answerWithSingleCodec = answerWithSingleCodec
  }

  /// PCMU/8000 (0), PCMA/8000 (8), telephone-event/8000 (101, events 0-16), ptime 20.
  public static let standard = MediaCapabilities()

  func serves(_ media: MediaDescription) -> Bool {
    SDPSyntax.equalLowercased(media.media, "audio")
      && protocols.contains { SDPSyntax.equalUppercased($0, media.proto) }
  }

  /// Whether an offer's stream is one ``OfferAnswer/servableStreams(in:)`` lists: active, a
  /// medium and transport we serve, and a codec we share besides telephone-event.
  func canServe(_ media: MediaDescription) -> Bool {
    media.port != 0 && serves(media)
      && media.codecs.contains { !$0.isTelephoneEvent && ourCodec(matching: $0) != nil }
  }

  /// How many of an offer's streams ``OfferAnswer/servableStreams(in:)`` lists, without an
  /// offer/answer state made for asking (a UAS binds that many sockets before it answers).
  public func servableStreamCount(in offer: SessionDescription) -> Int {
    var count = 0
    for media in offer.media where canServe(media) { count += 1 }
    return count
  }

  /// Our codec matching one of the peer's, if any.
  func ourCodec(matching codec: Codec) -> Codec? { codecs.first { $0.matches(codec) } }
}

/// RFC 4733 telephone-event as we offer and accept it.
public struct TelephoneEventCapability: Sendable, Hashable {
  /// The (dynamic) payload type we offer.
  public var payloadType: Int
  public var clockRate: Int
  public var events: TelephoneEvents

  public init(payloadType: Int = 101, clockRate: Int = 8000, events: TelephoneEvents = .dtmfAndFlash) {
    self.payloadType = payloadType
    self.clockRate = clockRate
    self.events = events
  }

  var codec: Codec {
    Codec(
      name: "telephone-event", clockRate: clockRate, payloadType: payloadType,
      formatParameters: events.description)
  }
}

/// One stream we can put in a description: our RTP port and what we want to do with it.
public struct LocalStream: Sendable, Hashable {
  public var port: Int
  /// Our direction: `.sendonly` to hold the peer (RFC 3264 §8.4), `.inactive` to stop media.
  public var direction: MediaDirection
  /// Written as `a=rtcp` (RFC 3605) when RTCP is not on port + 1.
  public var rtcpPort: Int?

  public init(port: Int, direction: MediaDirection = .sendrecv, rtcpPort: Int? = nil) {
    self.port = port
    self.direction = direction
    self.rtcpPort = rtcpPort
  }
}
