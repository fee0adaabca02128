public import RTPCore

// Bridging (`sip.bridge(a, b)`): audio received on one stream is sent on another, as that
// stream's own packets — its SSRC, sequence numbers and payload type, the sender's timing kept
// (like the echo), the G.711 law converted when the two calls negotiated different ones.
extension MediaStreamState {
  /// Sends the audio `payload` (G.711 of `law`, received on another stream) on this stream.
  /// Packets go to `emit`; nothing is sent while this stream has no peer address (the engine
  /// checks) or carries a DTMF key press.
  public mutating func relay(
    _ header: RTPHeader, payload: UnsafeRawBufferPointer, law: G711Law,
    emit: (RTPHeader, UnsafeRawBufferPointer) -> Void
  ) {
    if relayTimestampOffset == nil {
      let offset = nextTimestamp &- header.timestamp
      relayTimestampOffset = offset
    }
    let timestamp = header.timestamp &+ (relayTimestampOffset ?? 0)
    let out = RTPHeader(
      marker: header.marker, payloadType: parameters.codec.payloadType, sequenceNumber: nextSequence,
      timestamp: timestamp, ssrc: parameters.ssrc)
    let count = min(payload.count, Self.decodeCapacity)
    if law == parameters.codec.law {
      emit(out, UnsafeRawBufferPointer(rebasing: payload[0..<count]))
    } else {
      // μ-law ↔ A-law through linear PCM (ITU-T G.711).
      var converted = [UInt8](repeating: 0, count: count)
      makeDecodeBuffer()
      let ourLaw = parameters.codec.law
      decoded.withUnsafeMutableBufferPointer { samples in
        law.decode(
          payload.bindMemory(to: UInt8.self), into: UnsafeMutableBufferPointer(rebasing: samples[0..<count]))
        converted.withUnsafeMutableBufferPointer { codes in
          ourLaw.encode(UnsafeBufferPointer(rebasing: samples[0..<count]), into: codes)
        }
      }
      converted.withUnsafeBytes { emit(out, $0) }
    }
    nextSequence &+= 1
    statistics.packetsSent += 1
    statistics.bytesSent += UInt64(count)
  }

  /// The G.711 law of a received audio packet, nil for telephone-events and other formats.
  public func audioLaw(of header: RTPHeader) -> G711Law? {
    switch header.payloadType {
    case parameters.telephoneEventPayloadType, parameters.peerTelephoneEventPayloadType: nil
    case parameters.codec.payloadType: parameters.codec.law
    case G711Law.muLaw.rtpPayloadType: .muLaw
    case G711Law.aLaw.rtpPayloadType: .aLaw
    default: nil
    }
  }
}
