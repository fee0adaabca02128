public import RTPCore

extension MediaStreamState {
  /// Handles one received datagram at `now`. Echoed packets go to `emit` like the tick's.
  public mutating func receive(
    _ datagram: UnsafeRawBufferPointer, now: UInt64,
    emit: (RTPHeader, UnsafeRawBufferPointer) -> Void
  ) {
    let layout: RTPPacketLayout
    do { layout = try RTPHeader.parse(datagram) } catch {
      statistics.malformed += 1
      return
    }
    lastActivity = now
    timedOut = false
    if !receivedFirst {
      receivedFirst = true
      events.append(.firstPacket)
    }
    let header = layout.header
    let payload = UnsafeRawBufferPointer(rebasing: datagram[layout.payloadRange])
    statistics.packetsReceived += 1
    statistics.bytesReceived += UInt64(payload.count)
    let verdict = reception.record(header, payloadLength: payload.count, arrival: now)

    let type = header.payloadType
    if type == parameters.telephoneEventPayloadType || type == parameters.peerTelephoneEventPayloadType {
      if let value = TelephoneEvent(parsing: payload) {
        tap?.receivedTelephoneEvent(value, header: header, now: now)
        for event in dtmfReceiver.receive(header, event: value) { report(event) }
      }
      return
    }
    // RFC 3550 §A.3 counts duplicates as received; they are not recorded or echoed twice.
    guard verdict != .duplicate else { return }
    if recorder != nil || tap != nil { decodeAudio(header: header, payload: payload, now: now) }
    if echo != nil { echoBack(header: header, payload: payload, emit: emit) }
  }

  /// The figures now, with the reception side taken from ``reception``.
  public var currentStatistics: MediaStreamStatistics {
    var figures = statistics
    figures.lost = reception.lostForDisplay
    figures.duplicates = reception.duplicates
    figures.reordered = reception.reordered
    figures.jitterMilliseconds = reception.jitterMilliseconds
    if let rtcp {
      figures.rtcpSent = rtcp.reportsSent
      figures.rtcpReceived = rtcp.reportsReceived
      if let block = rtcp.peerReport {
        figures.peerFractionLost = Double(block.fractionLost) / 256
        figures.peerCumulativeLost = Int(block.cumulativeLost)
        figures.peerJitterMilliseconds = Double(block.jitter) * 1000 / Double(MediaCodec.clockRate)
      }
      figures.roundTripMilliseconds = rtcp.roundTripNanoseconds.map { Double($0) / 1e6 }
    }
    return figures
  }

  mutating func report(_ event: TelephoneEventReceiver.Event) {
    guard let key = event.key else { return }
    let milliseconds = Int(event.duration) * 1000 / Int(MediaCodec.clockRate)
    events.append(.dtmf(key: key, duration: milliseconds, endReceived: event.endReceived))
  }

  /// Decodes one audio packet once, for the recorder and the tap.
  private mutating func decodeAudio(header: RTPHeader, payload: UnsafeRawBufferPointer, now: UInt64) {
    let law: G711Law
    switch header.payloadType {
    case parameters.codec.payloadType: law = parameters.codec.law
    case G711Law.muLaw.rtpPayloadType: law = .muLaw
    case G711Law.aLaw.rtpPayloadType: law = .aLaw
    default: return  // not G.711: nothing to decode
    }
    makeDecodeBuffer()
    let count = min(payload.count, decoded.count)
    let recorder = self.recorder
    let tap = self.tap
    let failure: String? = decoded.withUnsafeMutableBufferPointer { samples in
      let bytes = UnsafeRawBufferPointer(rebasing: payload[0..<count])
      law.decode(
        bytes.bindMemory(to: UInt8.self), into: UnsafeMutableBufferPointer(rebasing: samples[0..<count]))
      let frame = UnsafeBufferPointer(rebasing: samples[0..<count])
      tap?.receivedAudio(frame, header: header, now: now)
      guard let recorder else { return nil }
      do {
        try recorder.record(samples: frame, payload: bytes)
        return nil
      } catch {
        return "\(error)"
      }
    }
    if let failure {
      // A full disk must not stop the media: recording ends, the call goes on.
      recorderError = failure
      self.recorder = nil
    }
  }

  private mutating func echoBack(
    header: RTPHeader, payload: UnsafeRawBufferPointer, emit: (RTPHeader, UnsafeRawBufferPointer) -> Void
  ) {
    guard let delay = echo?.delay else { return }
    // Our SSRC and sequence numbers; the peer's timestamps shifted onto our timeline keep its
    // spacing (RFC 3550 §5.1).
    if echo?.timestampOffset == nil {
      let offset = nextTimestamp &- header.timestamp
      echo?.timestampOffset = offset
    }
    let timestamp = header.timestamp &+ (echo?.timestampOffset ?? 0)
    if delay == 0 {
      // Every packet of a Net::SIP-style echo: no copy of the buffer (its array) in and out.
      let out = RTPHeader(
        marker: header.marker, payloadType: header.payloadType, sequenceNumber: nextSequence,
        timestamp: timestamp, ssrc: parameters.ssrc)
      emitEcho(out, payload, emit: emit)
      return
    }
    guard var buffer = echo else { return }
    buffer.push(
      EchoBuffer.Entry(
        marker: header.marker, payloadType: header.payloadType, timestamp: timestamp, payload: Array(payload))
    )
    // Net::SIP: with DELAY n the first packet goes back once n newer ones are held.
    while buffer.count > buffer.delay, let entry = buffer.pop() {
      let out = RTPHeader(
        marker: entry.marker, payloadType: entry.payloadType, sequenceNumber: nextSequence,
        timestamp: entry.timestamp, ssrc: parameters.ssrc)
      entry.payload.withUnsafeBytes { emitEcho(out, $0, emit: emit) }
    }
    echo = buffer
  }

  private mutating func emitEcho(
    _ header: RTPHeader, _ payload: UnsafeRawBufferPointer, emit: (RTPHeader, UnsafeRawBufferPointer) -> Void
  ) {
    emit(header, payload)
    nextSequence &+= 1
    statistics.packetsSent += 1
    statistics.packetsEchoed += 1
    statistics.bytesSent += UInt64(payload.count)
  }
}
