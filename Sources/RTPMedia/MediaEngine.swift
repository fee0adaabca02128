public import NIOCore
import NIOPosix
import RTPCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Runs RTP streams on one SwiftNIO event loop: binds their sockets from a port range, drives
/// every stream's sending from ONE absolute 20 ms schedule (``RTPPacer``), hands received
/// datagrams to each stream's ``MediaStreamState`` and posts events to the loop each stream chose.
///
/// Threading: every piece of state lives on ``eventLoop`` (the media loop). Public methods may be
/// called from any thread; they hop to the media loop and return futures of that loop. The media
/// loop may be the script's own loop or a dedicated one (DESIGN §2: decided by measurement).
///
/// ```swift
/// let engine = MediaEngine(eventLoop: group.next(), configuration: .init(portRange: 40000...40999))
/// let stream = try await engine.openStream(MediaStreamOptions(remote: peer)).get()
/// try await stream.play(.clips([clip], repeat: .times(2))).get()   // returns when played
/// try await stream.close().get()
/// ```
public final class MediaEngine: @unchecked Sendable {
  // @unchecked: all mutable state below is touched only on `eventLoop` (checked in debug builds).
  public let eventLoop: any EventLoop
  public let configuration: MediaEngineConfiguration

  var allocator: MediaPortAllocator
  /// Range sockets of ended calls kept bound for the next ones (MediaSocketPool.swift).
  var socketPool = MediaSocketPool()
  private var streams: [Int: MediaStreamSlot] = [:]
  /// Tick order; a slot knows its index here so removal is O(1).
  private var order: [MediaStreamSlot] = []
  private var pacer: RTPPacer?
  private var scheduledTick: Scheduled<Void>?
  private var nextStreamID = 1
  private var isShutDown = false
  private var histogram = ScheduleErrorHistogram()
  private var ticksWithWork: UInt64 = 0
  /// Receive buffers of the polled reads (``MediaEngineConfiguration/pollsOnTick``).
  private lazy var batch = DatagramBatch(capacity: max(configuration.vectorReadCount, 1))
  /// Which polled sockets have datagrams waiting (one `epoll_wait` per tick); nil: not polling,
  /// or no epoll here (then the tick reads every polled stream).
  private lazy var readiness: ReadinessSet? = pollsOnTick ? ReadinessSet.make() : nil
  /// Sockets (stream tokens, ``readStream(_:now:)``) that the engine reads but that could not join
  /// ``readiness`` or the waiter's set: read on every tick.
  private var unwatchedPolled: Set<Int> = []
  /// Which stream reads each descriptor of ``readiness`` or the waiter's set now (its stream token,
  /// ``token(stream:sendSocket:)``): the set's own token is the descriptor. A bare socket
  /// (``RawRTPSocket``) stays in the set while it rests in the socket pool or with its caller, with
  /// no entry here: what it receives then is read and dropped, and the next stream that adopts it
  /// needs no `epoll_ctl` (two system calls per call less).
  private var rtpReaders: [CInt: Int] = [:]
  /// The same for ``rtcpReadiness``: descriptor → stream id; a resting RTCP socket stays in the set.
  private var rtcpReaders: [CInt: Int] = [:]
  /// The thread that waits for the engine's own RTP sockets to become readable (not polling);
  /// started with the first such socket, stopped by ``shutdown()``.
  private var waiter: ReadinessWaiter?
  /// No waiter could be started here (no epoll, eventfd or threads): NIO channels instead.
  private var waiterFailed = false
  /// The streams' RTCP sockets (``RTCPSocket``: no NIO channel), read on the tick: the kernel says
  /// which have datagrams waiting. Nil where epoll is missing: then ``unwatchedRTCP`` has them all.
  private lazy var rtcpReadiness: ReadinessSet? = ReadinessSet.make(capacity: 64)
  /// Streams whose RTCP socket could not join ``rtcpReadiness``: read on every tick.
  private var unwatchedRTCP: Set<Int> = []
  /// One received RTCP datagram (a compound packet of ours is well under 2 KiB).
  private var rtcpBuffer: [UInt8] = []

  public init(eventLoop: any EventLoop, configuration: MediaEngineConfiguration = MediaEngineConfiguration())
  {
    self.eventLoop = eventLoop
    self.configuration = configuration
    allocator = MediaPortAllocator(range: configuration.portRange)
  }

  deinit {
    // An engine dropped without shutdown(): its thread must not outlive it.
    waiter?.stop()
  }

  // MARK: Public API

  /// Opens a stream; fails with ``MediaError/portRangeExhausted(lower:upper:)`` when no port of
  /// the range can be bound.
  public func openStream(_ options: MediaStreamOptions) -> EventLoopFuture<MediaStream> {
    onLoop { self.open(options) }
  }

  /// ``openStream(_:)`` for a caller on the engine's loop (a call whose media shares its loop):
  /// the stream or the error at once when no socket needs a NIO channel made first — the usual
  /// stream on one socket the engine reads itself — with no future; else the future.
  public func openStreamOnLoop(_ options: MediaStreamOptions) -> MediaStreamOpening {
    eventLoop.preconditionInEventLoop()
    return openOnLoop(options)
  }

  /// Closes every stream and stops the tick.
  public func shutdown() -> EventLoopFuture<Void> {
    eventLoop.flatSubmit {
      self.isShutDown = true
      self.closeParkedSockets()
      let closing = self.order.map { self.close($0) }
      // Every bare socket is closed by now (close(_:) closes them at once): end the thread.
      self.waiter?.stop()
      return EventLoopFuture.andAllComplete(closing, on: self.eventLoop)
    }
  }

  /// Lateness of the pacer's wake-ups so far.
  public func scheduleErrors() -> EventLoopFuture<ScheduleErrorHistogram> {
    eventLoop.submit { self.histogram }
  }

  /// Forgets the lateness recorded so far (a benchmark's warm-up).
  public func resetScheduleErrors() -> EventLoopFuture<Void> {
    eventLoop.submit { self.histogram.reset() }
  }

  /// Streams open now.
  public func streamCount() -> EventLoopFuture<Int> {
    eventLoop.submit { self.order.count }
  }

  /// Ports of the range reserved now.
  public func reservedPortCount() -> EventLoopFuture<Int> {
    eventLoop.submit { self.allocator.reservedCount }
  }

  // MARK: Ports (on the loop)

  func reservePort() -> Int? { allocator.reserve() }
  func releasePort(_ port: Int) { allocator.release(port) }
  /// Every even port of the range once.
  func reserveAttempts() -> Int { allocator.capacity }

  // MARK: Stream operations (on the loop)

  func slot(_ id: Int) -> MediaStreamSlot? { streams[id] }

  func withSlot<T: Sendable>(
    _ id: Int, _ body: @escaping @Sendable (MediaStreamSlot) throws -> T
  ) -> EventLoopFuture<T> {
    eventLoop.submit {
      guard let slot = self.streams[id] else { throw MediaError.streamClosed }
      return try body(slot)
    }.flatMapThrowing { $0 }
  }

  func flatWithSlot<T: Sendable>(
    _ id: Int, _ body: @escaping @Sendable (MediaStreamSlot) -> EventLoopFuture<T>
  ) -> EventLoopFuture<T> {
    eventLoop.flatSubmit {
      guard let slot = self.streams[id] else {
        return self.eventLoop.makeFailedFuture(MediaError.streamClosed)
      }
      return body(slot)
    }
  }

  /// ``closeStream(_:)`` on the loop, for a caller that does not wait for the sockets' release.
  func closeStreamOnLoop(_ id: Int) {
    if let slot = streams[id] { _ = close(slot) }
  }

  func closeStream(_ id: Int) -> EventLoopFuture<Void> {
    onLoop {
      guard let slot = self.streams[id] else { return self.eventLoop.makeSucceededVoidFuture() }
      return self.close(slot)
    }
  }

  /// Delivers a slot's pending events: completes its promises, posts to its handler.
  func deliverEvents(_ slot: MediaStreamSlot) {
    guard !slot.state.events.isEmpty else { return }
    let events = slot.state.takeEvents()
    for event in events {
      switch event {
      case .playbackDone:
        slot.playbackPromise?.succeed()
        slot.playbackPromise = nil
      case .dtmfSent:
        slot.dtmfPromise?.succeed()
        slot.dtmfPromise = nil
      default:
        break
      }
      if let handler = slot.events {
        let id = slot.id
        let callback = handler.handler
        handler.eventLoop.execute { callback(id, event) }
      }
    }
  }

  // MARK: Receiving

  func received(_ envelope: AddressedEnvelope<ByteBuffer>, slot: MediaStreamSlot) {
    let now = eventLoop.now.uptimeNanoseconds
    envelope.data.withUnsafeReadableBytes { bytes in
      if slot.latches, let current = slot.remote, current != envelope.remoteAddress,
        (try? RTPHeader.parse(bytes)) != nil
      {
        // Symmetric RTP (RFC 4961) behind NAT: the peer's packets come from another address than
        // its SDP said; answer where they come from.
        slot.latch(to: envelope.remoteAddress)
      }
      process(bytes, slot: slot, now: now)
    }
    deliverEvents(slot)
  }

  private func pollIfOpen(_ slot: MediaStreamSlot, now: UInt64) {
    // A caller may have closed an adopted socket: its descriptor number is no longer ours.
    if let descriptor = slot.polledDescriptor, slot.receive.isOpen {
      poll(slot, descriptor: descriptor, now: now)
    }
    if let descriptor = slot.sendReadDescriptor, slot.send?.isOpen == true {
      poll(slot, descriptor: descriptor, now: now)
    }
  }

  /// The token of a socket the engine reads in its epoll sets: the stream, and which socket.
  static func token(stream id: Int, sendSocket: Bool) -> Int { id << 1 | (sendSocket ? 1 : 0) }

  /// Reads a ready descriptor of ``readiness`` or the waiter's set for the stream that uses it now;
  /// one that rests (no stream) is emptied and what it held dropped (late packets of an old call).
  private func readDescriptor(_ token: Int, now: UInt64) {
    let descriptor = CInt(truncatingIfNeeded: token)
    if let stream = rtpReaders[descriptor] {
      readStream(stream, now: now)
    } else if socketPool.resting.contains(descriptor) {
      // Resting: late packets of an old call. Level-triggered: it must be emptied.
      MediaSocketPool.drain(descriptor)
    } else if let set = ownSocketReadiness(), set.contains(descriptor) {
      // With its caller between streams (taken from the pool, or its stream closed): what
      // arrives is the call's and waits in the kernel for the next stream, and the socket
      // leaves the set until then (``watch(_:token:raw:)`` adds it again). A stale token (the
      // descriptor left the set) is ignored.
      set.remove(descriptor)
    }
  }

  /// Reads the socket `token` names, if its stream is still open.
  private func readStream(_ token: Int, now: UInt64) {
    guard token >= 0, let slot = streams[token >> 1] else { return }
    if token & 1 == 0 {
      if let descriptor = slot.polledDescriptor, slot.receive.isOpen {
        poll(slot, descriptor: descriptor, now: now)
      }
    } else if let descriptor = slot.sendReadDescriptor, slot.send?.isOpen == true {
      poll(slot, descriptor: descriptor, now: now)
    }
  }

  /// Reads on readability: the waiter's batch of ready sockets, then lets it wait again. One
  /// hop to the loop per batch, however many sockets and datagrams it holds.
  private func readReady() {
    guard let waiter, !waiter.isStopped else { return }
    let now = eventLoop.now.uptimeNanoseconds
    for index in 0..<waiter.readyCount { readDescriptor(waiter.set.token(at: index), now: now) }
    waiter.resume()
  }

  /// The thread reading the engine's own sockets on readability, if one started (tests). On the loop.
  var ownSocketWaiter: ReadinessWaiter? { waiter }

  /// Whether `.bind`/`.allocate` sockets are bare descriptors the engine reads itself (Linux:
  /// `recvmmsg`, and epoll with a waiter thread unless it polls on the tick), else NIO channels.
  var readsOwnSockets: Bool {
    guard DatagramBatch.isAvailable else { return false }
    return pollsOnTick || ownSocketReadiness() != nil
  }

  /// The set the engine's own sockets join: the tick's (polling) or the waiter's, started here.
  private func ownSocketReadiness() -> ReadinessSet? {
    if pollsOnTick { return readiness }
    if waiter == nil, !waiterFailed, !isShutDown {
      let loop = eventLoop
      // Weak, and made strong on the loop only: the thread must neither keep a dropped engine
      // alive (deinit stops it) nor be the one that drops it.
      let weakEngine = WeakEngine(self)
      waiter = ReadinessWaiter.start { loop.execute { weakEngine.engine?.readReady() } }
      waiterFailed = waiter == nil
    }
    return waiter?.set
  }

  /// Watches a socket the engine reads for stream token `token`; one the kernel would not add is
  /// read on every tick. A bare socket already in the set (it rested in the pool or with its
  /// caller) only changes reader.
  private func watch(_ descriptor: CInt, token: Int, raw: RawRTPSocket?) {
    guard let set = ownSocketReadiness() else {
      unwatchedPolled.insert(token)
      return
    }
    if let raw, raw.watchedBy === set, set.contains(descriptor) {
      rtpReaders[descriptor] = token
      return
    }
    guard set.add(descriptor, token: Int(descriptor)) else {
      unwatchedPolled.insert(token)
      return
    }
    rtpReaders[descriptor] = token
    // It leaves the set when it closes (RawRTPSocket.close()).
    raw?.watchedBy = set
  }

  /// Undoes ``watch(_:token:raw:)`` (before the socket closes); `isOpen` false: the socket was
  /// closed already (its number may be another socket's now). A bare socket stays in the set (it
  /// leaves it when it closes).
  private func unwatch(_ descriptor: CInt, isOpen: Bool, token: Int, raw: RawRTPSocket?) {
    guard unwatchedPolled.remove(token) == nil else { return }
    // Only this stream's reader goes: another stream may read a descriptor of that number now.
    if rtpReaders[descriptor] == token { rtpReaders[descriptor] = nil }
    if raw == nil, isOpen { ownSocketReadiness()?.remove(descriptor) }
  }

  /// Reads what waits on a polled stream's socket (a few `recvmmsg`, bounded) and handles it.
  private func poll(_ slot: MediaStreamSlot, descriptor: CInt, now: UInt64) {
    // A socket of the pool, read for the first time since it was handed out: what the kernel
    // received before that is an old call's and is dropped (RawRTPSocket.handOut).
    let pooled =
      slot.receive.raw?.descriptor == descriptor
      ? slot.receive.raw : slot.send?.raw?.descriptor == descriptor ? slot.send?.raw : nil
    var handedOut = pooled?.staleBefore
    var rounds = 0
    while rounds < 8 {
      rounds += 1
      let count = batch.receive(from: descriptor, stamped: handedOut != nil)
      for index in 0..<count {
        if let before = handedOut {
          if DatagramArrival.isStale(batch.arrival(index), handedOut: before) { continue }
          // The queue is in arrival order: the rest came later too.
          handedOut = nil
        }
        let bytes = batch.datagram(index)
        if slot.latches, let packed = slot.packedRemote, !batch.source(index, equals: packed),
          (try? RTPHeader.parse(bytes)) != nil, let source = batch.sourceAddress(index)
        {
          slot.latch(to: source)
        }
        process(bytes, slot: slot, now: now)
      }
      if count < batch.capacity {
        // Emptied: whatever comes next arrives after the hand-out.
        handedOut = nil
        break
      }
    }
    if let pooled, pooled.staleBefore != nil { pooled.staleBefore = handedOut }
    slot.flush()
    deliverEvents(slot)
  }

  /// One received RTP datagram of `slot`: statistics, events, echo, recording, bridging.
  private func process(_ bytes: UnsafeRawBufferPointer, slot: MediaStreamSlot, now: UInt64) {
    slot.state.receive(bytes, now: now) { header, payload in slot.write(header, payload) }
    if let targetID = slot.bridgeTarget, let target = streams[targetID] {
      relay(bytes, from: slot, to: target)
    }
  }

  /// Reads what waits on a stream's RTCP socket (bounded) and hands it to its state.
  private func readRTCP(_ slot: MediaStreamSlot, now: UInt64) {
    guard let socket = slot.rtcp else { return }
    if rtcpBuffer.isEmpty { rtcpBuffer = [UInt8](repeating: 0, count: 2048) }
    for _ in 0..<8 {
      let received = rtcpBuffer.withUnsafeMutableBytes { buffer -> Bool in
        guard let datagram = socket.receive(into: buffer) else {
          // Emptied: whatever comes next arrives after the hand-out (RTCPSocket.handOut).
          socket.staleBefore = nil
          return false
        }
        if let handedOut = socket.staleBefore {
          // A socket of the pool: what the kernel received before it was handed out is an old
          // call's. The queue is in arrival order: after a newer one, the rest came later too.
          if DatagramArrival.isStale(datagram.arrival, handedOut: handedOut) { return true }
          socket.staleBefore = nil
        }
        var arrival = now
        var ntp = Self.ntpNow()
        if let stamp = datagram.arrival {
          // Read on the tick: move the times back to when the kernel received it.
          let wall = Self.wallClockNanoseconds()
          let waited = wall > stamp ? min(wall - stamp, 1_000_000_000) : 0
          let current = eventLoop.now.uptimeNanoseconds
          arrival = current > waited ? current - waited : 0
          ntp = Self.ntp(wallClockNanoseconds: stamp)
        }
        receivedRTCP(
          UnsafeRawBufferPointer(rebasing: buffer[0..<datagram.count]), from: datagram.source, slot: slot,
          now: arrival, ntp: ntp)
        return true
      }
      if !received { return }
    }
  }

  func receivedRTCP(
    _ bytes: UnsafeRawBufferPointer, from source: SocketAddress?, slot: MediaStreamSlot, now: UInt64,
    ntp: UInt64
  ) {
    let before = slot.state.rtcp?.reportsReceived ?? 0
    slot.state.receiveRTCP(bytes, now: now, ntp: ntp)
    // Latching, as for RTP: RTCP from a NATed peer comes from its mapped port.
    if slot.latches, let source, slot.rtcpRemote != nil, slot.rtcpRemote != source,
      (slot.state.rtcp?.reportsReceived ?? 0) > before
    {
      slot.rtcpRemote = source
    }
  }

  /// The wall clock as a 64-bit NTP timestamp (seconds since 1900, RFC 3550 §4).
  static func ntpNow() -> UInt64 { ntp(wallClockNanoseconds: wallClockNanoseconds()) }

  /// Nanoseconds since 1970 by the wall clock.
  static func wallClockNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    return UInt64(max(time.tv_sec, 0)) &* 1_000_000_000 &+ UInt64(max(time.tv_nsec, 0))
  }

  /// A wall-clock time (nanoseconds since 1970) as a 64-bit NTP timestamp.
  static func ntp(wallClockNanoseconds nanoseconds: UInt64) -> UInt64 {
    let seconds = nanoseconds / 1_000_000_000 &+ 2_208_988_800
    let fraction = ((nanoseconds % 1_000_000_000) << 32) / 1_000_000_000
    return seconds << 32 | fraction
  }

  /// Bridging: one received datagram of `source` sent on `target` (audio only; DTMF events are
  /// reported on the source and not relayed).
  func relay(_ datagram: UnsafeRawBufferPointer, from source: MediaStreamSlot, to target: MediaStreamSlot) {
    guard let layout = try? RTPHeader.parse(datagram), let law = source.state.audioLaw(of: layout.header)
    else {
      return
    }
    let payload = UnsafeRawBufferPointer(rebasing: datagram[layout.payloadRange])
    target.state.relay(layout.header, payload: payload, law: law) { header, bytes in
      target.write(header, bytes)
    }
    target.flush()
  }

  /// Connects two streams both ways: what each receives, the other sends (their own sending
  /// stops). Nil `other` disconnects `id` and its partner.
  func bridge(_ id: Int, with other: Int?) throws {
    guard let slot = streams[id] else { throw MediaError.streamClosed }
    if let previous = slot.bridgeTarget, let partner = streams[previous] { partner.bridgeTarget = nil }
    slot.bridgeTarget = nil
    guard let other else { return }
    guard let partner = streams[other], other != id else { throw MediaError.streamClosed }
    for (a, b) in [(slot, partner), (partner, slot)] {
      a.playbackPromise?.fail(MediaError.stopped)
      a.playbackPromise = nil
      a.state.setSource(.none)
      a.state.setEcho(nil)
      a.bridgeTarget = b.id
    }
  }

  // MARK: Pacing

  private func startPacing() {
    guard pacer == nil else { return }
    pacer = RTPPacer(
      start: eventLoop.now.uptimeNanoseconds,
      interval: UInt64(max(configuration.tickInterval.nanoseconds, 1)),
      maximumBurst: configuration.maximumBurst)
    scheduleTick()
  }

  private func scheduleTick() {
    guard let pacer else { return }
    let deadline = NIODeadline.uptimeNanoseconds(pacer.nextDeadline)
    scheduledTick = eventLoop.scheduleTask(deadline: deadline) { self.tick() }
  }

  /// One wake-up: every stream sends its due frames, then the next absolute deadline is armed.
  private func tick() {
    guard var pacer else { return }
    let now = eventLoop.now.uptimeNanoseconds
    let wake = pacer.wake(at: now)
    self.pacer = pacer
    if wake.frames > 0 || wake.skipped > 0 {
      histogram.record(nanoseconds: wake.lateness)
      ticksWithWork += 1
      for slot in order {
        slot.state.tick(frames: wake.frames, skipped: wake.skipped, now: now) { header, payload in
          slot.write(header, payload)
        }
        slot.flush()
        if slot.rtcp != nil, let report = slot.state.rtcpReportIfDue(now: now, ntp: Self.ntpNow) {
          slot.sendRTCP(report)
        }
        deliverEvents(slot)
      }
    }
    // Reads after every stream sent: the sends keep their schedule whatever arrived.
    if let readiness {
      // Only the sockets that received: the kernel says which, in one call.
      readiness.forEachReady(rounds: order.count / readiness.capacity + 2) { token in
        readDescriptor(token, now: now)
      }
      for token in unwatchedPolled { readStream(token, now: now) }
    } else if pollsOnTick {
      // No epoll: every stream, every tick.
      for slot in order { pollIfOpen(slot, now: now) }
    } else {
      for token in unwatchedPolled { readStream(token, now: now) }
    }
    if let rtcpReadiness {
      rtcpReadiness.forEachReady(rounds: order.count / rtcpReadiness.capacity + 2) { token in
        let descriptor = CInt(truncatingIfNeeded: token)
        if let id = rtcpReaders[descriptor], let slot = streams[id] {
          readRTCP(slot, now: now)
        } else if rtcpReadiness.contains(descriptor) {
          // A resting RTCP socket: what it received belongs to an ended call.
          MediaSocketPool.drain(descriptor)
        }
      }
    }
    for id in unwatchedRTCP {
      if let slot = streams[id] { readRTCP(slot, now: now) }
    }
    if order.isEmpty {
      // Idle engines do not wake up every 20 ms; the next stream starts a new schedule.
      self.pacer = nil
      scheduledTick = nil
      return
    }
    scheduleTick()
  }

  // MARK: Opening and closing

  private func open(_ options: MediaStreamOptions) -> EventLoopFuture<MediaStream> {
    switch openOnLoop(options) {
    case .opened(let stream): eventLoop.makeSucceededFuture(stream)
    case .failed(let error): eventLoop.makeFailedFuture(error)
    case .pending(let future): future
    }
  }

  /// Opens a stream on the loop: its result at once when no socket needs a NIO channel made
  /// first (the usual stream: one socket the engine reads itself), else a future.
  private func openOnLoop(_ options: MediaStreamOptions) -> MediaStreamOpening {
    guard !isShutDown else { return .failed(MediaError.streamClosed) }
    let id = nextStreamID
    nextStreamID += 1
    if options.send == nil, !options.asymmetric, let receive = acquireNow(options.local, streamID: id) {
      // The usual stream, one socket, acquired at once: no future, map or callback per call.
      switch receive {
      case .success(let local): return .opened(start(id, options, local: local, send: nil))
      case .failure(let error): return .failed(error)
      }
    }
    let receive = acquire(options.local, streamID: id, polled: true)
    let sockets: EventLoopFuture<(AcquiredSocket, AcquiredSocket?)>
    if options.send == nil, !options.asymmetric {
      sockets = receive.map { ($0, nil) }
    } else {
      sockets = receive.flatMap { local in
        let sendSocket: MediaSocket? =
          options.send ?? (options.asymmetric ? .allocate(host: Self.host(of: local)) : nil)
        guard let sendSocket else { return self.eventLoop.makeSucceededFuture((local, nil)) }
        // The send socket also receives (a peer doing symmetric RTP answers to it), into the same stream.
        return self.acquire(sendSocket, streamID: id, polled: false)
          .map { (local, $0) }
          .flatMapError { error in self.release(local).flatMapThrowing { throw error } }
      }
    }
    return .pending(
      sockets.map { (local: AcquiredSocket, send: AcquiredSocket?) -> MediaStream in
        self.start(id, options, local: local, send: send)
      })
  }

  /// Makes stream `id` on its acquired sockets and starts reading and pacing it.
  private func start(
    _ id: Int, _ options: MediaStreamOptions, local: AcquiredSocket, send: AcquiredSocket?
  ) -> MediaStream {
    let rtcp = acquireRTCP(options, beside: local)
    let now = eventLoop.now.uptimeNanoseconds
    let slot = MediaStreamSlot(
      id: id, state: MediaStreamState(parameters: options.parameters, source: options.source, now: now),
      receive: local, send: send, remote: options.remote, events: options.events,
      dropOutgoing: options.dropOutgoing, latches: options.latching ?? (send == nil), rtcp: rtcp,
      rtcpRemote: options.remoteRTCP, polled: pollsOnTick)
    if rtcp == nil { slot.state.rtcp = nil }
    if let makeTap = options.receiveTap { slot.state.setTap(makeTap()) }
    local.handler?.attach(slot)
    send?.handler?.attach(slot)
    if let descriptor = slot.polledDescriptor {
      watch(descriptor, token: Self.token(stream: id, sendSocket: false), raw: local.raw)
    }
    if let descriptor = slot.sendReadDescriptor {
      watch(descriptor, token: Self.token(stream: id, sendSocket: true), raw: send?.raw)
    }
    if let rtcp { watchRTCP(rtcp, stream: id) }
    slot.orderIndex = order.count
    order.append(slot)
    streams[id] = slot
    startPacing()
    return MediaStream(
      id: id, engine: self, codec: options.parameters.codec,
      localAddress: local.localAddress, sendAddress: (send ?? local).localAddress)
  }

  /// Reads `rtcp` for stream `id` on the tick; it joins ``rtcpReadiness`` unless it is there
  /// already (it rested in the pool), and leaves it when it closes.
  private func watchRTCP(_ rtcp: RTCPSocket, stream id: Int) {
    guard let set = rtcpReadiness else {
      unwatchedRTCP.insert(id)
      return
    }
    if rtcp.watchedBy !== set {
      guard set.add(rtcp.descriptor, token: Int(rtcp.descriptor)) else {
        unwatchedRTCP.insert(id)
        return
      }
      rtcp.watchedBy = set
    }
    rtcpReaders[rtcp.descriptor] = id
  }

  private func close(_ slot: MediaStreamSlot) -> EventLoopFuture<Void> {
    guard streams.removeValue(forKey: slot.id) != nil else { return eventLoop.makeSucceededVoidFuture() }
    if let partner = slot.bridgeTarget.flatMap({ streams[$0] }), partner.bridgeTarget == slot.id {
      partner.bridgeTarget = nil
    }
    let index = slot.orderIndex
    if index < order.count, order[index] === slot {
      let last = order.removeLast()
      if index < order.count {
        order[index] = last
        last.orderIndex = index
      }
    }
    if let descriptor = slot.polledDescriptor {
      unwatch(
        descriptor, isOpen: slot.receive.isOpen, token: Self.token(stream: slot.id, sendSocket: false),
        raw: slot.receive.raw)
    }
    if let descriptor = slot.sendReadDescriptor {
      unwatch(
        descriptor, isOpen: slot.send?.isOpen == true, token: Self.token(stream: slot.id, sendSocket: true),
        raw: slot.send?.raw)
    }
    if let rtcp = slot.rtcp, unwatchedRTCP.remove(slot.id) == nil, rtcpReaders[rtcp.descriptor] == slot.id {
      rtcpReaders[rtcp.descriptor] = nil
    }
    slot.receive.handler?.attach(nil)
    slot.send?.handler?.attach(nil)
    // RFC 3550 §6.6: a participant leaving sends BYE.
    if slot.rtcp != nil, let goodbye = slot.state.rtcpGoodbye() { slot.sendRTCP(goodbye) }
    slot.state.finish()
    deliverEvents(slot)
    slot.playbackPromise?.fail(MediaError.stopped)
    slot.playbackPromise = nil
    slot.dtmfPromise?.fail(MediaError.stopped)
    slot.dtmfPromise = nil
    if let rtcp = slot.rtcp { releaseRTCP(rtcp) }
    let receiving = release(slot.receive)
    // One socket, the usual stream: its own future, without combining.
    guard let send = slot.send else { return receiving.hop(to: eventLoop) }
    return EventLoopFuture.andAllComplete([receiving, release(send)], on: eventLoop)
  }
}

/// What ``MediaEngine/openStreamOnLoop(_:)`` gives: the stream or the error at once, or a future
/// of them when a socket needs a NIO channel made first.
public enum MediaStreamOpening: Sendable {
  case opened(MediaStream)
  case failed(any Error)
  case pending(EventLoopFuture<MediaStream>)
}

/// The waiter's way back to its engine (ReadinessWaiter.swift): read on the loop only.
private final class WeakEngine: @unchecked Sendable {
  // @unchecked: `engine` is set once at creation; reading a weak reference is thread-safe.
  weak var engine: MediaEngine?
  init(_ engine: MediaEngine) { self.engine = engine }
}
