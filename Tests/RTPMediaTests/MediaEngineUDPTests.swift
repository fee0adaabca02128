import Foundation
import NIOCore
import NIOPosix
import RTPCore
import RTPMedia
import Synchronization
import Testing

/// Real UDP on 127.0.0.1 and ::1: two engines talking to each other.
@Suite(.serialized) struct MediaEngineUDPTests {
  static let hosts = ["127.0.0.1", "::1"]

  /// Two engines on two loops, and a loop standing for the script's.
  struct Pair {
    let group: MultiThreadedEventLoopGroup
    let a: MediaEngine
    let b: MediaEngine
    let log = EventLog()

    /// `polled`: both engines read RTP on the tick (``MediaEngineConfiguration/pollsOnTick``).
    init(base: Int, polled: Bool = false) {
      group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
      let loops = Array(group.makeIterator())
      a = MediaEngine(
        eventLoop: loops[0],
        configuration: MediaEngineConfiguration(portRange: base...(base + 99), pollsOnTick: polled))
      b = MediaEngine(
        eventLoop: loops[1],
        configuration: MediaEngineConfiguration(portRange: (base + 100)...(base + 199), pollsOnTick: polled))
    }

    var events: MediaEventHandler {
      let log = self.log
      return MediaEventHandler(eventLoop: group.next()) { log.append($0, $1) }
    }

    /// Opens a stream on each engine, each sending to the other.
    func connect(
      host: String, sourceA: MediaSource = .none, sourceB: MediaSource = .none,
      adjustA: (inout MediaStreamOptions) -> Void = { _ in },
      adjustB: (inout MediaStreamOptions) -> Void = { _ in }
    ) async throws -> (MediaStream, MediaStream) {
      var optionsA = MediaStreamOptions(
        parameters: MediaStreamParameters(initialSequence: 0), local: .allocate(host: host), source: sourceA,
        events: events)
      adjustA(&optionsA)
      let streamA = try await a.openStream(optionsA).get()
      var optionsB = MediaStreamOptions(
        local: .allocate(host: host), remote: streamA.localAddress, source: sourceB, events: events)
      adjustB(&optionsB)
      let streamB = try await b.openStream(optionsB).get()
      try await streamA.setRemote(streamB.localAddress).get()
      return (streamA, streamB)
    }

    func shutdown() async throws {
      try await a.shutdown().get()
      try await b.shutdown().get()
      try await group.shutdownGracefully()
    }
  }

  static let tone = Signal.sine(frequency: 1000, count: 8000)

  static func toneFile() throws -> String {
    let path = NSTemporaryDirectory() + "sipscript-tone-\(UUID().uuidString).wav"
    try Data(Signal.wav(tone)).write(to: URL(fileURLWithPath: path))
    return path
  }

  @Test(arguments: hosts)
  func toneWAVPlayedAndRecorded(host: String) async throws {
    let pair = Pair(base: 41000)
    let (streamA, streamB) = try await pair.connect(host: host)
    let recorder = InMemoryRecorder()
    try await streamB.record(.recorder { recorder }).get()
    let path = try Self.toneFile()
    defer { try? FileManager.default.removeItem(atPath: path) }
    try await streamA.play(files: [path]).get()  // returns after 50 frames, 1 s
    try await streamA.play(.none).get()
    try await Task.sleep(for: .milliseconds(150))
    try await streamB.stopRecording().get()
    #expect(recorder.finished)
    // Frames with sound: exactly the 50 of the tone (the rest is at most a trailing silence frame).
    let frames = stride(from: 0, to: recorder.samples.count, by: 160).map {
      recorder.samples[$0..<min($0 + 160, recorder.samples.count)]
    }
    let loud = frames.filter { frame in frame.contains { abs(Int($0)) > 1000 } }
    #expect(loud.count == 50)
    let audio = Array(loud.joined())
    #expect(audio.count == 8000)
    #expect(Signal.goertzel(audio[...], frequency: 1000) > 0.9)
    #expect(abs(Signal.zeroCrossings(audio[...]) - 2000) <= 4)
    let figures = try await streamB.statistics().get()
    #expect(figures.packetsReceived >= 50)
    #expect(figures.lost == 0)
    #expect(pair.log.count { $0 == .playbackDone } == 1)
    #expect(pair.log.count { $0 == .firstPacket } == 1)
    try await pair.shutdown()
  }

  @Test(arguments: hosts, [false, true])
  func echoReturnsTheSamePayloadsAfterTheDelay(host: String, polled: Bool) async throws {
    let pair = Pair(base: 41200, polled: polled)
    let (streamA, streamB) = try await pair.connect(host: host)
    try await NetSIPMedia.receiveEcho(on: streamB, delay: 5).get()
    let recorder = InMemoryRecorder()
    try await streamA.record(.recorder { recorder }).get()
    let clip = MediaClip(samples: Self.tone)
    try await streamA.play(.clips([clip], repeat: .times(1))).get()
    // Silence follows the tone and pushes the last 5 held packets out of the echo.
    try await Task.sleep(for: .milliseconds(300))
    try await streamA.stopRecording().get()
    let sent = stride(from: 0, to: Self.tone.count, by: 160).map {
      G711Law.muLaw.encode(Array(Self.tone[$0..<($0 + 160)]))
    }
    #expect(recorder.payloads.count >= 55)
    #expect(Array(recorder.payloads.prefix(50)) == sent)
    let echo = try await streamB.statistics().get()
    #expect(echo.packetsEchoed >= 55)
    #expect(echo.packetsEchoed + 5 == echo.packetsReceived)
    try await pair.shutdown()
  }

  @Test(arguments: hosts, [false, true])
  func dtmfIsReceivedExactlyOncePerKey(host: String, polled: Bool) async throws {
    let pair = Pair(base: 41400, polled: polled)
    let (streamA, streamB) = try await pair.connect(host: host, sourceA: .silence)
    try await streamA.sendDTMF("159#").get()
    _ = await pair.log.wait { events in
      events.filter { if case .dtmf = $0 { true } else { false } }.count >= 4
    }
    try await Task.sleep(for: .milliseconds(100))
    let keys = pair.log.all.filter { $0.0 == streamB.id }.compactMap { entry -> Character? in
      if case .dtmf(let key, _, _) = entry.1 { key } else { nil }
    }
    #expect(keys == ["1", "5", "9", "#"])
    try await pair.shutdown()
  }

  @Test func rtpTimeoutFiresWhenNothingArrives() async throws {
    let pair = Pair(base: 41600)
    let (_, streamB) = try await pair.connect(
      host: "127.0.0.1", adjustB: { $0.parameters.rtpTimeout = 300_000_000 })
    let fired = await pair.log.wait(seconds: 3) { $0.contains(.rtpTimeout) }
    #expect(fired)
    #expect(pair.log.all.filter { $0.1 == .rtpTimeout }.map(\.0) == [streamB.id])
    try await pair.shutdown()
  }

  @Test func portRangeExhaustionIsAClearErrorAndPortsComeBack() async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let engine = MediaEngine(
      eventLoop: group.next(), configuration: MediaEngineConfiguration(portRange: 41800...41805))
    // Someone else holds 41802: the engine skips it.
    let squatter = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 41802).get()
    let first = try await engine.openStream(MediaStreamOptions()).get()
    let second = try await engine.openStream(MediaStreamOptions()).get()
    #expect(first.localAddress?.port == 41800)
    #expect(second.localAddress?.port == 41804)
    await #expect(throws: MediaError.portRangeExhausted(lower: 41800, upper: 41805)) {
      try await engine.openStream(MediaStreamOptions()).get()
    }
    try await first.close().get()
    #expect(try await engine.reservedPortCount().get() == 1)
    let again = try await engine.openStream(MediaStreamOptions()).get()
    #expect(again.localAddress?.port == 41800)
    try await squatter.close()
    try await engine.shutdown().get()
    try await group.shutdownGracefully()
  }

  @Test func statisticsAfterAKnownLossPattern() async throws {
    let pair = Pair(base: 42000)
    let (streamA, streamB) = try await pair.connect(
      host: "127.0.0.1",
      adjustA: { options in
        // Test hook: every tenth packet (sequence 5, 15, …) and everything from 100 on is dropped.
        options.dropOutgoing = { $0.sequenceNumber % 10 == 5 || $0.sequenceNumber >= 100 }
      })
    try await streamA.play(.silence).get()
    // 100 packets take 2 s; wait for them (bounded) and a little more.
    var figures = try await streamB.statistics().get()
    for _ in 0..<100 where figures.packetsReceived < 90 {
      try await Task.sleep(for: .milliseconds(50))
      figures = try await streamB.statistics().get()
    }
    try await Task.sleep(for: .milliseconds(200))
    figures = try await streamB.statistics().get()
    #expect(figures.packetsReceived == 90)
    // Sequence 0...99 with 10 holes; the 2-packet probation of RFC 3550 §A.1 does not hide any.
    #expect(figures.lost == 10)
    #expect(figures.duplicates == 0)
    let sent = try await streamA.statistics().get()
    #expect(sent.packetsSent > 100)
    try await pair.shutdown()
  }

  @Test func symmetricByDefaultAsymmetricOnRequest() async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let sources = Mutex<[Int]>([])
    let peer = try await DatagramBootstrap(group: group)
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(
            SourceCollector { port in sources.withLock { $0.append(port) } })
        }
      }
      .bind(host: "127.0.0.1", port: 0).get()
    let engine = MediaEngine(
      eventLoop: group.next(), configuration: MediaEngineConfiguration(portRange: 42200...42299))
    let symmetric = try await engine.openStream(MediaStreamOptions(remote: peer.localAddress)).get()
    #expect(symmetric.sendAddress == symmetric.localAddress)
    try await Task.sleep(for: .milliseconds(100))
    try await symmetric.close().get()
    let symmetricSources = Set(sources.withLock { $0 })
    #expect(symmetricSources == [symmetric.localAddress?.port ?? -1])

    sources.withLock { $0.removeAll() }
    let asymmetric = try await engine.openStream(
      MediaStreamOptions(asymmetric: true, remote: peer.localAddress)
    ).get()
    #expect(asymmetric.sendAddress?.port != asymmetric.localAddress?.port)
    try await Task.sleep(for: .milliseconds(100))
    try await asymmetric.close().get()
    // Late datagrams of the first stream may still arrive: check only this stream's two ports.
    let asymmetricSources = Set(sources.withLock { $0 })
    #expect(asymmetricSources.contains(asymmetric.sendAddress?.port ?? -1))
    #expect(!asymmetricSources.contains(asymmetric.localAddress?.port ?? -1))
    #expect(try await engine.reservedPortCount().get() == 0)
    try await peer.close()
    try await engine.shutdown().get()
    try await group.shutdownGracefully()
  }

  @Test func callerSuppliedChannelIsUsedAndLeftOpen() async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let loop = group.next()
    let engine = MediaEngine(eventLoop: loop)
    let mine = try await DatagramBootstrap(group: loop).bind(host: "::1", port: 0).get()
    let stream = try await engine.openStream(MediaStreamOptions(local: .channel(mine))).get()
    #expect(stream.localAddress == mine.localAddress)
    try await stream.close().get()
    #expect(mine.isActive)
    try await mine.close()
    try await engine.shutdown().get()
    try await group.shutdownGracefully()
  }
}

/// Collects the source port of each datagram.
final class SourceCollector: ChannelInboundHandler, Sendable {
  typealias InboundIn = AddressedEnvelope<ByteBuffer>
  let record: @Sendable (Int) -> Void

  init(_ record: @escaping @Sendable (Int) -> Void) {
    self.record = record
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    record(unwrapInboundIn(data).remoteAddress.port ?? -1)
  }
}
