// Taking the peer's answer to our offer (RFC 3264 §7), validated.

extension OfferAnswer {
  /// Takes the answer to our pending offer and returns what it negotiated.
  ///
  /// Refused: no pending offer; another number of `m=` lines than the offer (RFC 3264 §6); a
  /// changed media type or protocol; a stream accepted that we offered with port 0; a codec we did
  /// not offer (matched by name, clock rate and channels, so a renumbered codec is fine: we then
  /// send with the answer's number and receive with ours, RFC 3264 §6.1); an accepted stream with
  /// no audio codec. On error the pending offer stays, so a correct answer can still follow.
  public mutating func processAnswer(_ answer: SessionDescription) throws(OfferAnswerError)
    -> [NegotiatedStream]
  {
    guard let offer = pendingOffer else { throw OfferAnswerError(.noPendingOffer) }
    guard answer.media.count == offer.media.count else {
      throw OfferAnswerError(.mediaCountMismatch, "offer \(offer.media.count), answer \(answer.media.count)")
    }
    var negotiated: [NegotiatedStream] = []
    for index in offer.media.indices {
      negotiated.append(try negotiate(offer: offer, answer: answer, media: index))
    }
    remoteDescription = answer
    pendingOffer = nil
    streams = negotiated
    return negotiated
  }

  func negotiate(
    offer: SessionDescription, answer: SessionDescription, media index: Int
  ) throws(OfferAnswerError) -> NegotiatedStream {
    let ours = offer.media[index]
    let theirs = answer.media[index]
    guard ours.media.lowercased() == theirs.media.lowercased() else {
      throw OfferAnswerError(
        .mediaTypeMismatch, media: index, "offered \(ours.media), answered \(theirs.media)")
    }
    if ours.port == 0 && theirs.port != 0 { throw OfferAnswerError(.acceptedDisabledStream, media: index) }
    guard ours.port != 0, theirs.port != 0 else { return .rejected(index, ours.media, localPort: ours.port) }
    guard ours.proto.uppercased() == theirs.proto.uppercased() else {
      throw OfferAnswerError(
        .protocolMismatch, media: index, "offered \(ours.proto), answered \(theirs.proto)")
    }

    var codecs: [NegotiatedCodec] = []
    var telephoneEvent: NegotiatedCodec?
    var events: TelephoneEvents?
    let offered = ours.codecs
    let oursByFormat = ours.codecTable()
    let theirsByFormat = theirs.codecTable()
    for format in theirs.formats {
      // A dynamic number without rtpmap in the answer can only mean the codec we offered under it.
      guard
        let answered = theirsByFormat[format] ?? oursByFormat[format],
        let match = offered.first(where: { $0.matches(answered) })
      else {
        throw OfferAnswerError(.codecNotOffered, media: index, "format \(format)")
      }
      let configured =
        match.isTelephoneEvent
        ? capabilities.telephoneEvent?.codec ?? match : capabilities.ourCodec(matching: match) ?? match
      let codec = NegotiatedCodec(
        codec: configured, sendPayloadType: answered.payloadType, receivePayloadType: match.payloadType)
      if match.isTelephoneEvent {
        guard telephoneEvent == nil else { continue }
        telephoneEvent = codec
        let answeredEvents = answered.formatParameters.flatMap(TelephoneEvents.init(parsing:)) ?? .dtmf
        events = answeredEvents.intersection(capabilities.telephoneEvent?.events ?? answeredEvents)
      } else {
        codecs.append(codec)
      }
    }
    guard !codecs.isEmpty else { throw OfferAnswerError(.noCommonCodec, media: index) }
    // Their direction is from their side: reverse it, and never exceed what we offered.
    let direction = Self.effectiveDirection(of: answer, media: index).reversed.intersection(
      offer.direction(forMedia: index))
    let remote = Self.remoteTransport(of: answer, media: index)
    return NegotiatedStream(
      index: index, media: ours.media, isActive: true, codecs: codecs, telephoneEvent: telephoneEvent,
      telephoneEvents: events, direction: direction, localPort: ours.port, remoteAddress: remote.address,
      remotePort: remote.port, remoteRTCPAddress: remote.rtcpAddress, remoteRTCPPort: remote.rtcpPort,
      remotePtime: theirs.ptime)
  }
}
