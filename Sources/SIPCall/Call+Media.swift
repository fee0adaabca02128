import Logging
public import NIOCore
import RTPCore
public import RTPMedia
import SDP
import SIPCore
import SIPProtocol

/// A socket of the call (Net::SIP's `media_lsocks` entry): bound before the SDP is written.
struct CallSocket {
  /// Opened by the call (a bare socket of the media engine, given back by `rtp_cleanup`), or the
  /// script's channel (left open).
  enum Origin {
    case opened(RawRTPSocket)
    case given(MediaSocket)
  }

  var origin: Origin
  var port: Int

  /// What a stream on this socket is opened with.
  var media: MediaSocket {
    switch origin {
    case .opened(let socket): .socket(socket)
    case .given(let socket): socket
    }
  }

  /// Gives a socket the call opened back to the engine (parked or closed); leaves the script's.
  func close(on engine: MediaEngine) {
    guard case .opened(let socket) = origin else { return }
    if engine.eventLoop.inEventLoop {
      engine.closeSocketOnLoop(socket)
    } else {
      _ = engine.closeSocket(socket)
    }
  }
}

/// The stream of one `m=` line.
struct CallStreamSlot {
  var index: Int
  var socket: CallSocket
  var negotiated: NegotiatedStream
  var stream: MediaStream?
  var opening: EventLoopFuture<MediaStream>?
  /// The open stream was told ``negotiated``'s peer address and RTP timeout.
  var pointed = false
}

extension Call {
  // MARK: - Sockets

  func openSockets(count: Int, completion: @escaping (Result<Void, any Error>) -> Void) {
    let host = agent.mediaHost(on: leg)
    let media = agent.media
    if count == 1, media.eventLoop === eventLoop, let (bindHost, port) = socketToOpen(default: host) {
      // The usual call: one socket the engine binds or hands from its pool, on the call's own
      // loop. Still a task of the loop, as with the future (the INVITE leaves, or the UAS's
      // listener runs, after the transport's delivery returned), but no promise, future, map or
      // callback list.
      let bound = NIOLoopBound(self, eventLoop: eventLoop)
      let completion = NIOLoopBound(completion, eventLoop: eventLoop)
      media.openSocket(host: bindHost, port: port) { result in
        switch result {
        case .success(let socket):
          // Port 0 asks the system for one: the SDP must name the one it gave.
          let socket = CallSocket(origin: .opened(socket), port: socket.localAddress?.port ?? port ?? 0)
          bound.value.sockets = [socket]
          completion.value(.success(()))
        case .failure(let error):
          completion.value(.failure(error))
        }
      }
      return
    }
    var futures: [EventLoopFuture<CallSocket>] = []
    for index in 0..<max(count, 0) {
      let given = parameters.mediaLocalSockets.flatMap { index < $0.count ? $0[index] : nil }
      switch given {
      case .channel(let channel)?:
        futures.append(
          eventLoop.makeSucceededFuture(
            CallSocket(origin: .given(.channel(channel)), port: channel.localAddress?.port ?? 0)))
      case .socket(let socket)?:
        // Already open (the caller's own socket of the engine): the call leaves it open.
        futures.append(
          eventLoop.makeSucceededFuture(
            CallSocket(origin: .given(.socket(socket)), port: socket.localAddress?.port ?? 0)))
      case .bind(let bindHost, let port)?:
        futures.append(
          media.openSocket(host: bindHost, port: port).map {
            // Port 0 asks the system for one: the SDP must name the one it gave.
            CallSocket(origin: .opened($0), port: $0.localAddress?.port ?? port)
          })
      case .allocate(let allocateHost)?:
        futures.append(
          media.openSocket(host: allocateHost).map {
            CallSocket(origin: .opened($0), port: $0.localAddress?.port ?? 0)
          })
      case nil:
        futures.append(
          media.openSocket(host: host).map {
            CallSocket(origin: .opened($0), port: $0.localAddress?.port ?? 0)
          })
      }
    }
    let bound = NIOLoopBound(self, eventLoop: eventLoop)
    if futures.count == 1 {
      // The usual call, one socket: its own future, without combining futures (a promise, an
      // array of results and a closure per call less).
      futures[0].hop(to: eventLoop).assumeIsolated().whenComplete { result in
        let call = bound.value
        switch result {
        case .success(let socket):
          call.sockets = [socket]
          completion(.success(()))
        case .failure(let error):
          completion(.failure(error))
        }
      }
      return
    }
    EventLoopFuture.whenAllComplete(futures, on: eventLoop).assumeIsolated().whenSuccess { results in
      let call = bound.value
      var opened: [CallSocket] = []
      var failure: (any Error)?
      for result in results {
        switch result {
        case .success(let socket): opened.append(socket)
        case .failure(let error): failure = failure ?? error
        }
      }
      if let failure {
        for socket in opened { socket.close(on: call.agent.media) }
        completion(.failure(failure))
        return
      }
      call.sockets = opened
      completion(.success(()))
    }
  }

  /// Where the call's first socket is bound (`media_lsocks`' first entry, else `host` from the
  /// range); nil when that entry is an open socket or channel.
  private func socketToOpen(default host: String) -> (host: String, port: Int?)? {
    switch parameters.mediaLocalSockets.flatMap({ $0.isEmpty ? nil : $0[0] }) {
    case .channel?, .socket?: nil
    case .bind(let bindHost, let port)?: (bindHost, port)
    case .allocate(let allocateHost)?: (allocateHost, nil)
    case nil: (host, nil)
    }
  }

  /// Net::SIP `clear_sdp`: forgets the given sockets, closes the streams and the sockets it
  /// opened (`rtp_cleanup`), binds new ones and gives their ports to the session; then `next`
  /// (false: no socket could be bound). `init_media` runs again on the new streams.
  func renewSockets(then next: @escaping (Bool) -> Void) {
    let count = max(sockets.count, 1)
    parameters.mediaLocalSockets = nil
    parameters.mediaSendSockets = nil
    if mediaStarted { mediaRestartWanted = true }
    rtpCleanup()
    openSockets(count: count) { [self] result in
      guard !finished else { return rtpCleanup() }
      if case .failure(let error) = result {
        agent.logger.error("call: no RTP socket: \(error)", metadata: ["call-id": "\(id)"])
        return next(false)
      }
      if var current = session {
        current.replaceLocalStreams(sockets.map { LocalStream(port: $0.port) })
        session = current
      }
      next(true)
    }
  }

  // MARK: - Streams

  /// After an offer/answer exchange: remembers what each `m=` line came to; when media is wanted,
  /// opens or updates the streams, then runs `init_media` the first time.
  func applyMedia(_ negotiated: [NegotiatedStream]) {
    for stream in negotiated {
      guard let socket = sockets.first(where: { $0.port == stream.localPort }) ?? sockets.first,
        stream.isActive
      else {
        if let stream = streams.removeValue(forKey: stream.index)?.stream { close(stream) }
        continue
      }
      if var slot = streams[stream.index] {
        let codecChanged = slot.negotiated.codec?.codec.name != stream.codec?.codec.name
        slot.negotiated = stream
        slot.pointed = false
        if codecChanged, slot.stream != nil || slot.opening != nil {
          // A stream has one codec: open a new one, and let init_media set it up again.
          if let old = slot.stream { close(old) }
          slot.stream = nil
          slot.opening = nil
          if mediaStarted { mediaRestartWanted = true }
        }
        streams[stream.index] = slot
      } else {
        streams[stream.index] = CallStreamSlot(index: stream.index, socket: socket, negotiated: stream)
      }
    }
    if parameters.initMedia != nil { mediaWanted = true }
    guard mediaWanted else { return }
    if mediaRestartWanted {
      // Net::SIP runs rtp_cleanup before init_media sets up the media again.
      let callbacks = rtpCleanupCallbacks
      rtpCleanupCallbacks.removeAll()
      for callback in callbacks { callback() }
    }
    let bound = NIOLoopBound(self, eventLoop: eventLoop)
    if streams.count == 1, let index = streams.keys.first {
      // One stream, the usual call: opened at once when it can be (its socket is the engine's,
      // on this loop), else its own future, without combining futures.
      if case .pending(let opening) = openStream(at: index) {
        opening.assumeIsolated().whenComplete { _ in bound.value.streamsOpened() }
      } else {
        streamsOpened()
      }
    } else {
      openAllStreams().assumeIsolated().whenComplete { _ in bound.value.streamsOpened() }
    }
  }

  /// The streams of an exchange are open (or could not be): `init_media` the first time and
  /// after a restart, then the observer's `mediaReady`.
  private func streamsOpened() {
    guard !finished else { return }
    if !mediaStarted || mediaRestartWanted {
      mediaStarted = true
      mediaRestartWanted = false
      parameters.initMedia?(self)
    }
    agent.observer?(self, .mediaReady)
  }

  /// Opens (or re-points) the stream of every negotiated `m=` line.
  func openAllStreams() -> EventLoopFuture<[MediaStream]> {
    let indexes = streams.keys.sorted()
    let futures = indexes.map { stream(at: $0) }
    return EventLoopFuture.whenAllSucceed(futures, on: eventLoop)
  }

  /// The indexes of the call's active `m=` lines, in order.
  public var streamIndexes: [Int] { streams.keys.sorted() }

  /// The stream of `m=` line `index` (the first active one when nil), opened on first use with
  /// the negotiated codec and peer address. Fails when the line has no negotiated media yet.
  public func stream(at index: Int? = nil) -> EventLoopFuture<MediaStream> {
    switch openStream(at: index) {
    case .opened(let stream): eventLoop.makeSucceededFuture(stream)
    case .failed(let error): eventLoop.makeFailedFuture(error)
    case .pending(let future): future
    }
  }

  /// ``stream(at:)``'s work: the stream or the error at once when there is no wait (the stream
  /// is open and pointed, or opens at once on the engine's loop, which is the call's), else a
  /// future of the call's loop.
  func openStream(at index: Int? = nil) -> MediaStreamOpening {
    mediaWanted = true
    guard !finished else { return .failed(CallError("the call has ended")) }
    guard let index = index ?? streams.keys.min(), var slot = streams[index] else {
      return .failed(CallError("no media negotiated yet"))
    }
    let remote = Self.remoteAddress(of: slot.negotiated)
    let timeout = rtpTimeout(for: slot.negotiated)
    if let stream = slot.stream {
      guard !slot.pointed else { return .opened(stream) }
      // Only after an exchange changed it: setRemote restarts the RTP timeout's wait.
      slot.pointed = true
      streams[index] = slot
      return .pending(
        stream.setRemote(
          remote, rtcp: .some(Self.remoteRTCPAddress(of: slot.negotiated)), rtpTimeout: .some(timeout)
        ).hop(to: eventLoop).map { stream })
    }
    if let opening = slot.opening { return .pending(opening) }
    guard let codec = slot.negotiated.codec else {
      return .failed(CallError("no common codec on m= line \(index)"))
    }
    let law: G711LawName = codec.codec.name.uppercased() == "PCMA" ? .aLaw : .muLaw
    var mediaParameters = MediaStreamParameters(
      codec: MediaCodec(law: law.law, payloadType: UInt8(clamping: codec.sendPayloadType)),
      telephoneEventPayloadType: slot.negotiated.telephoneEvent.map { UInt8(clamping: $0.sendPayloadType) },
      peerTelephoneEventPayloadType: slot.negotiated.telephoneEvent.map {
        UInt8(clamping: $0.receivePayloadType)
      }, ssrc: BufferedRandomNumberGenerator.random(in: 0...UInt32.max),
      initialSequence: BufferedRandomNumberGenerator.random(in: 0...UInt16.max),
      initialTimestamp: BufferedRandomNumberGenerator.random(in: 0...UInt32.max))
    mediaParameters.rtpTimeout = timeout.map { UInt64(max($0.nanoseconds, 0)) }
    let bound = NIOLoopBound(self, eventLoop: eventLoop)
    var send: MediaSocket?
    if let given = parameters.mediaSendSockets, index < given.count { send = given[index] }
    var options = MediaStreamOptions(
      parameters: mediaParameters, local: slot.socket.media, send: send,
      asymmetric: parameters.asymmetricRTP, remote: remote, source: .none,
      events: MediaEventHandler(eventLoop: eventLoop) { streamID, event in
        bound.value.mediaEvent(index: index, streamID: streamID, event)
      })
    options.remoteRTCP = Self.remoteRTCPAddress(of: slot.negotiated)
    options.receiveTap = makeReceiveTap()
    let opening: EventLoopFuture<MediaStream>
    if agent.media.eventLoop === eventLoop {
      switch agent.media.openStreamOnLoop(options) {
      case .opened(let stream):
        // Opened with the peer address and timeout of the slot's `negotiated`: pointed.
        slot.stream = stream
        slot.pointed = true
        streams[index] = slot
        return .opened(stream)
      case .failed(let error):
        return .failed(error)
      case .pending(let future):
        opening = future
      }
    } else {
      opening = agent.media.openStream(options).hop(to: eventLoop)
    }
    let negotiated = slot.negotiated
    slot.opening = opening
    streams[index] = slot
    opening.assumeIsolated().whenComplete { result in
      let call = bound.value
      guard var slot = call.streams[index], slot.opening === opening else {
        if case .success(let stream) = result { call.close(stream) }
        return
      }
      slot.opening = nil
      if case .success(let stream) = result {
        if call.finished {
          call.close(stream)
        } else {
          slot.stream = stream
          // Opened with the peer address and timeout of `negotiated` as it was then.
          slot.pointed = slot.negotiated == negotiated
        }
      }
      call.streams[index] = slot
      // An exchange finished while the stream was opening: tell it the new peer address.
      if !slot.pointed, slot.stream != nil { _ = call.stream(at: index) }
    }
    return .pending(opening)
  }

  /// Closes one of the call's streams, at once when the engine shares the call's loop.
  func close(_ stream: MediaStream) {
    if stream.engine.eventLoop === eventLoop {
      stream.closeOnLoop()
    } else {
      _ = stream.close()
    }
  }

  /// `rtp_timeout` for a stream: only while media flows both ways (DESIGN §8: a held call, by
  /// either side, is silent on purpose).
  func rtpTimeout(for stream: NegotiatedStream) -> TimeAmount? {
    guard stream.direction == .sendrecv, let timeout = parameters.rtpTimeout else { return nil }
    return timeout.timeAmount
  }

  /// Where to send for a negotiated stream; nil while it does not send (hold, RFC 3264 §8.4).
  static func remoteAddress(of stream: NegotiatedStream) -> SocketAddress? {
    guard stream.direction == .sendrecv || stream.direction == .sendonly,
      var host = stream.remoteAddress, stream.remotePort > 0
    else { return nil }
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    guard host != "0.0.0.0", host != "::" else { return nil }
    return try? SocketAddress(ipAddress: host, port: stream.remotePort)
  }

  /// Where to send RTCP for a negotiated stream: the peer's `a=rtcp` (RFC 3605), else its RTP
  /// address and port + 1. Unlike RTP it does not stop on hold (RFC 3264 §5.1: RTCP still flows
  /// for sendonly, recvonly and inactive streams); nil for a `0.0.0.0` address or a port of 0.
  static func remoteRTCPAddress(of stream: NegotiatedStream) -> SocketAddress? {
    guard var host = stream.remoteRTCPAddress, let port = stream.remoteRTCPPort, port > 0, port <= 65535,
      stream.remotePort > 0
    else { return nil }
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    guard host != "0.0.0.0", host != "::" else { return nil }
    return try? SocketAddress(ipAddress: host, port: port)
  }

  /// Every open stream's statistics (`call.rtp_stats`), by `m=` line.
  public func mediaStatistics() -> EventLoopFuture<[Int: MediaStreamStatistics]> {
    let open = streams.values.compactMap { slot in slot.stream.map { (slot.index, $0) } }
    let futures = open.map { index, stream in stream.statistics().map { (index, $0) } }
    return EventLoopFuture.whenAllSucceed(futures, on: eventLoop).map {
      Dictionary($0, uniquingKeysWith: { a, _ in a })
    }
  }

  /// The statistics of the open streams now (media on the agent's own loop), by `m=` line.
  public func mediaStatisticsNow() -> [Int: MediaStreamStatistics] {
    var result: [Int: MediaStreamStatistics] = [:]
    guard agent.media.eventLoop === eventLoop else { return result }
    for slot in streams.values {
      if let stream = slot.stream, let figures = stream.statisticsOnLoop() { result[slot.index] = figures }
    }
    return result
  }

  func mediaEvent(index: Int, streamID: Int, _ event: MediaEvent) {
    guard !finished else { return }
    switch event {
    case .dtmf:
      break  // the stream's receive tap gives every RFC 4733 packet to the merger (Call+DTMF)
    case .playbackDone:
      agent.observer?(self, .playbackDone(stream: index))
    case .rtpTimeout:
      agent.logger.info("call: no RTP for rtp_timeout: hanging up", metadata: ["call-id": "\(id)"])
      agent.observer?(self, .rtpTimeout)
      _ = bye()
    case .firstPacket, .dtmfSent:
      break
    }
  }

  func dtmfReceived(_ event: DTMFEvent) {
    parameters.cbDTMF?(self, event)
    agent.observer?(self, .dtmf(event))
  }

  // MARK: - Sending DTMF

  /// Net::SIP `dtmf`: sends the keys (0–9, *, #, A–D) with `method`, else the first of
  /// `dtmf_methods` the call can use (RFC 4733 needs telephone-event in the SDP). Completes when
  /// the last key has gone out.
  public func dtmf(_ keys: String, method: DTMFMethod? = nil) -> EventLoopFuture<Void> {
    guard !finished else { return eventLoop.makeFailedFuture(CallError("dtmf: the call has ended")) }
    let valid = Set("0123456789*#ABCDabcd")
    if let bad = keys.first(where: { !valid.contains($0) }) {
      return eventLoop.makeFailedFuture(CallError("dtmf: '\(bad)' is not a DTMF key"))
    }
    let canRFC4733 = streams.values.contains { $0.negotiated.telephoneEvent != nil }
    let chosen =
      method
      ?? parameters.dtmfMethods.first { $0 == .info || ($0 == .rfc4733 && canRFC4733) }
    switch chosen {
    case .rfc4733?:
      guard canRFC4733 else {
        return eventLoop.makeFailedFuture(CallError("dtmf: the peer did not agree to telephone-event"))
      }
      let index = streams.values.filter { $0.negotiated.telephoneEvent != nil }.map(\.index).min()
      return stream(at: index).flatMap { $0.sendDTMF(keys.uppercased()) }.hop(to: eventLoop)
    case .info?:
      return sendInfoDTMF(Array(keys.uppercased()))
    case .inband?, nil:
      return eventLoop.makeFailedFuture(CallError("dtmf: no usable method in dtmf_methods"))
    }
  }

  /// One INFO per key (`application/dtmf-relay`), each after the previous one's response.
  func sendInfoDTMF(_ keys: [Character]) -> EventLoopFuture<Void> {
    guard let key = keys.first else { return eventLoop.makeSucceededVoidFuture() }
    let promise = eventLoop.makePromise(of: Void.self)
    let body = Array("Signal=\(key)\r\nDuration=160\r\n".utf8)
    let bound = NIOLoopBound(self, eventLoop: eventLoop)
    let rest = Array(keys.dropFirst())
    let result = request("INFO", body: body, contentType: "application/dtmf-relay") { result in
      switch result {
      case .success(let response) where (200..<300).contains(response.statusCode ?? 0):
        promise.completeWith(bound.value.sendInfoDTMF(rest))
      case .success(let response):
        promise.fail(CallError("dtmf: INFO answered \(response.statusCode ?? 0)"))
      case .failure(let error):
        promise.fail(error)
      }
    }
    if case .failure(let error) = result { promise.fail(error) }
    return promise.futureResult
  }
}

/// G.711 law by SDP name.
enum G711LawName {
  case muLaw, aLaw

  var law: G711Law { self == .aLaw ? .aLaw : .muLaw }
}
