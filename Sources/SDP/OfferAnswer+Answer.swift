// Answering the peer's offer (RFC 3264 §6).

extension OfferAnswer {
  /// Answers an offer (initial or re-offer).
  ///
  /// - Each offered `m=` line gets one in the answer, in place (RFC 3264 §6).
  /// - Audio over a protocol we serve with a common codec is accepted on the next of `streams`;
  ///   everything else (video, SRTP, no common codec, no stream left, port 0 in the offer) is
  ///   rejected with port 0, keeping its media type and protocol.
  /// - Codecs come in the offerer's order, with the offerer's payload type numbers (RFC 3264 §6.1);
  ///   ``NegotiatedCodec/localPayloadType`` keeps ours.
  /// - telephone-event is answered with the offerer's number and the common events.
  /// - Direction is the offer's reversed, limited by ours; `c=0.0.0.0` counts as not receiving
  ///   (RFC 3264 §8.4).
  public mutating func answer(to offer: SessionDescription, streams: [LocalStream]) -> Answer {
    answer(to: offer, streams: streams, writingBytes: true)
  }

  /// ``answer(to:streams:)``. Our first description of a session (none sent before, none fixed)
  /// is written straight as the bytes of the body (`writingBytes`; off only to compare with the
  /// general path): no lines are built, nothing is serialized, and its `o=` line carries our
  /// version as it is written, as ``stamp(_:)`` would leave it. Later answers are built as lines
  /// and stamped against the previous description (RFC 3264 §8).
  mutating func answer(to offer: SessionDescription, streams: [LocalStream], writingBytes: Bool) -> Answer {
    let direct = writingBytes && fixedDescription == nil && storedLocal == nil
    var description = direct ? SessionDescription(lines: [], media: []) : header()
    var writer = SDPWriter(capacity: direct ? 160 + 160 * offer.media.count : 0)
    if direct { writeHeader(into: &writer) }
    var negotiated: [NegotiatedStream] = []
    var free = streams[...]
    for (index, media) in offer.media.enumerated() {
      guard media.port != 0, capabilities.serves(media), let local = free.first,
        let accepted = accept(offer: offer, media: index, local: local)
      else {
        if direct {
          Self.writeMediaLine(media.media, port: 0, proto: media.proto, formats: media.formats, into: &writer)
        } else {
          description.media.append(
            MediaDescription(
              MediaField(media: media.media, port: 0, proto: media.proto, formats: media.formats)))
        }
        negotiated.append(.rejected(index, media.media))
        continue
      }
      free = free.dropFirst()
      if direct {
        writeAudioSection(
          local, proto: media.proto, codecs: accepted.codecs, direction: accepted.direction, into: &writer)
      } else {
        description.media.append(
          audioSection(local, proto: media.proto, codecs: accepted.codecs, direction: accepted.direction))
      }
      negotiated.append(accepted.stream)
    }
    let answer: Answer
    if direct {
      // Kept for the whole call: in a buffer of its size, not the writer's estimate.
      let bytes = writer.exactBytes
      keepFirstLocal(bytes)
      answer = Answer(bytes: bytes, streams: negotiated)
    } else {
      let stamped = stampKeepingText(description)
      answer = Answer(description: stamped.description, streams: negotiated, bytes: stamped.bytes)
    }
    remoteDescription = offer
    pendingOffer = nil
    self.streams = negotiated
    return answer
  }

  /// What the answer lists for one servable stream (codecs with the offerer's numbers, our
  /// direction) and its outcome; nil without a common audio codec.
  func accept(
    offer: SessionDescription, media index: Int, local: LocalStream
  ) -> (codecs: [Codec], direction: MediaDirection, stream: NegotiatedStream)? {
    let media = offer.media[index]
    var common: [NegotiatedCodec] = []
    var telephoneEvent: NegotiatedCodec?
    var events: TelephoneEvents?
    for offered in media.codecs {
      if offered.isTelephoneEvent {
        guard telephoneEvent == nil, let ours = capabilities.telephoneEvent,
          ours.clockRate == offered.clockRate,
          let theirs = offered.formatParameters.map(TelephoneEvents.init(parsing:)) ?? .dtmf
        else { continue }
        // RFC 4733 §2.4.1: no fmtp means events 0-15; answer with what both support.
        let agreed = theirs.intersection(ours.events)
        guard !agreed.isEmpty else { continue }
        telephoneEvent = NegotiatedCodec(
          codec: ours.codec, sendPayloadType: offered.payloadType, receivePayloadType: offered.payloadType)
        events = agreed
      } else if let ours = capabilities.ourCodec(matching: offered) {
        if capabilities.answerWithSingleCodec && !common.isEmpty { continue }
        common.append(
          NegotiatedCodec(
            codec: ours, sendPayloadType: offered.payloadType, receivePayloadType: offered.payloadType))
      }
    }
    guard !common.isEmpty else { return nil }

    // The answer lists the offerer's numbers, with our fmtp for our codecs.
    var listed = common.map { negotiated in
      var codec = negotiated.codec
      codec.payloadType = negotiated.receivePayloadType
      return codec
    }
    if let telephoneEvent, let events {
      var codec = telephoneEvent.codec
      codec.payloadType = telephoneEvent.receivePayloadType
      // Our codec's fmtp lists our events: when the agreed ones are all of them, that text is theirs.
      if events != capabilities.telephoneEvent?.events { codec.formatParameters = events.description }
      listed.append(codec)
    }
    let direction = Self.effectiveDirection(of: offer, media: index).reversed.intersection(local.direction)
    let remote = Self.remoteTransport(of: offer, media: index)
    let stream = NegotiatedStream(
      index: index, media: media.media, isActive: true, codecs: common, telephoneEvent: telephoneEvent,
      telephoneEvents: events, direction: direction, localPort: local.port, remoteAddress: remote.address,
      remotePort: remote.port, remoteRTCPAddress: remote.rtcpAddress, remoteRTCPPort: remote.rtcpPort,
      remotePtime: media.ptime)
    return (listed, direction, stream)
  }
}
