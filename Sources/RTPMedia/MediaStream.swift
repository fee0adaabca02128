public import NIOCore
import RTPCore

/// A handle on one stream of a ``MediaEngine``. Thread-safe: every method hops to the media loop
/// and returns a future of that loop (hop it to your own loop before touching script state).
///
/// ```swift
/// try await stream.record(.wav(path: "in.wav")).get()
/// try await stream.play(.clips([prompt], repeat: .times(1))).get()   // after the prompt
/// try await stream.sendDTMF("123#").get()                           // after the last key
/// let figures = try await stream.statistics().get()
/// ```
public final class MediaStream: Sendable {
  /// Unique within its engine; events name the stream by it.
  public let id: Int
  public let engine: MediaEngine
  public let codec: MediaCodec
  /// Where the stream receives (the address to put in SDP).
  public let localAddress: SocketAddress?
  /// Where it sends from: the same as ``localAddress`` with symmetric RTP.
  public let sendAddress: SocketAddress?

  init(
    id: Int, engine: MediaEngine, codec: MediaCodec, localAddress: SocketAddress?, sendAddress: SocketAddress?
  ) {
    self.id = id
    self.engine = engine
    self.codec = codec
    self.localAddress = localAddress
    self.sendAddress = sendAddress
  }

  /// Replaces what the stream sends. The future succeeds when a playback or tone ends
  /// (``MediaEvent/playbackDone`` is also posted), at once for ``MediaSource/silence`` and
  /// ``MediaSource/none``; it fails with ``MediaError/stopped`` if replaced or closed first.
  /// Starting a playback ends an echo.
  public func play(_ source: MediaSource) -> EventLoopFuture<Void> {
    engine.flatWithSlot(id) { slot in
      slot.playbackPromise?.fail(MediaError.stopped)
      slot.playbackPromise = nil
      slot.state.setSource(source)
      switch source {
      case .none, .silence, .tone(_, _, nil):
        return self.engine.eventLoop.makeSucceededVoidFuture()
      case .clips, .tone:
        slot.state.setEcho(nil)
        let promise = self.engine.eventLoop.makePromise(of: Void.self)
        slot.playbackPromise = promise
        return promise.futureResult
      }
    }
  }

  /// Plays files (WAV, or Net::SIP's raw G.711 payload files in the stream's codec) in order.
  public func play(files: [String], repeat repeatMode: PlaybackRepeat = .times(1)) -> EventLoopFuture<Void> {
    let law = codec.law
    do {
      let clips = try files.map { try MediaClip.load(path: $0, law: law) }
      return play(.clips(clips, repeat: repeatMode))
    } catch {
      return engine.eventLoop.makeFailedFuture(error)
    }
  }

  /// Records what arrives from now on, replacing a previous recording (which is finished).
  public func record(_ recording: MediaRecording) -> EventLoopFuture<Void> {
    engine.withSlot(id) { slot in slot.state.setRecorder(try recording.makeRecorder()) }
  }

  /// Shows what arrives from now on to the tap `make` returns (made on the media loop; nil: no
  /// tap), replacing the previous one.
  public func setTap(_ make: @escaping @Sendable () -> (any MediaReceiveTap)?) -> EventLoopFuture<Void> {
    engine.withSlot(id) { slot in slot.state.setTap(make()) }
  }

  /// Finishes the recording (flushes and closes the file).
  public func stopRecording() -> EventLoopFuture<Void> {
    engine.withSlot(id) { slot in slot.state.setRecorder(nil) }
  }

  /// Sends back what arrives after `delay` (Net::SIP `media_recv_echo`); the stream stops its own
  /// sending while echoing. nil stops the echo.
  public func echo(_ delay: EchoDelay?) -> EventLoopFuture<Void> {
    engine.withSlot(id) { slot in
      if delay != nil {
        slot.playbackPromise?.fail(MediaError.stopped)
        slot.playbackPromise = nil
        slot.state.setSource(.none)
      }
      slot.state.setEcho(delay)
    }
  }

  /// Sends DTMF keys as RFC 4733 events; succeeds once the last key's end packets went out.
  public func sendDTMF(_ keys: String) -> EventLoopFuture<Void> {
    if let bad = keys.first(where: { TelephoneEvent.event(forKey: $0) == nil }) {
      return engine.eventLoop.makeFailedFuture(MediaError.invalidDTMFKey(bad))
    }
    return engine.flatWithSlot(id) { slot in
      let loop = self.engine.eventLoop
      guard !keys.isEmpty else { return loop.makeSucceededVoidFuture() }
      guard slot.state.queueDTMF(keys) else {
        return loop.makeFailedFuture(MediaError.invalidDTMFKey(keys.first ?? " "))
      }
      let promise = slot.dtmfPromise ?? loop.makePromise(of: Void.self)
      slot.dtmfPromise = promise
      return promise.futureResult
    }
  }

  /// Sets where to send; nil puts the stream on hold (nothing is sent) and turns the RTP timeout
  /// off (DESIGN §8). `rtpTimeout` (when given) replaces the timeout. `rtcp` (when given) says
  /// where RTCP now goes (SDP `a=rtcp`, RFC 3605; `.some(nil)`: the RTP address's port + 1);
  /// RTCP keeps flowing while RTP is on hold (RFC 3264 §5.1) when an address is given.
  public func setRemote(
    _ address: SocketAddress?, rtcp: SocketAddress?? = .none, rtpTimeout: TimeAmount?? = .none
  ) -> EventLoopFuture<Void> {
    engine.withSlot(id) { slot in
      if let rtcp {
        slot.rtcpRemoteGiven = rtcp != nil
        slot.remote = address
        if let rtcp { slot.rtcpRemote = rtcp }
      } else {
        slot.remote = address
      }
      let now = self.engine.eventLoop.now.uptimeNanoseconds
      if address == nil {
        slot.state.setRTPTimeout(nil, now: now)
      } else if let timeout = rtpTimeout {
        slot.state.setRTPTimeout(timeout.map { UInt64(max($0.nanoseconds, 0)) }, now: now)
      }
    }
  }

  /// Stops sending, echoing and recording; the stream stays open and keeps receiving.
  public func stop() -> EventLoopFuture<Void> {
    engine.withSlot(id) { slot in
      slot.playbackPromise?.fail(MediaError.stopped)
      slot.playbackPromise = nil
      slot.state.setSource(.none)
      slot.state.setEcho(nil)
      slot.state.setRecorder(nil)
    }
  }

  public func statistics() -> EventLoopFuture<MediaStreamStatistics> {
    engine.withSlot(id) { slot in slot.state.currentStatistics }
  }

  /// Connects this stream with `other` both ways (`sip.bridge`): the audio each receives is sent
  /// on the other, as its own packets (G.711 laws converted); their own playback, tones and echo
  /// stop. `nil` disconnects. Both streams must belong to the same engine.
  public func bridge(with other: MediaStream?) -> EventLoopFuture<Void> {
    let otherID = other?.id
    return engine.eventLoop.submit { try self.engine.bridge(self.id, with: otherID) }
  }

  /// The statistics now, for a caller already on the media loop (the call layer when media and
  /// script share a loop); nil once the stream is closed.
  public func statisticsOnLoop() -> MediaStreamStatistics? {
    engine.eventLoop.preconditionInEventLoop()
    return engine.slot(id)?.state.currentStatistics
  }

  public func remoteAddress() -> EventLoopFuture<SocketAddress?> {
    engine.withSlot(id) { slot in slot.remote }
  }

  /// Closes the stream: finishes the recording, releases the ports (closing the sockets the
  /// engine opened). Pending play/DTMF futures fail with ``MediaError/stopped``.
  public func close() -> EventLoopFuture<Void> {
    engine.closeStream(id)
  }

  /// ``close()`` at once, for a caller on the engine's loop that does not wait for it (no task,
  /// closure or future); a NIO channel's release, if the stream has one, still ends later.
  public func closeOnLoop() {
    engine.eventLoop.preconditionInEventLoop()
    engine.closeStreamOnLoop(id)
  }
}
