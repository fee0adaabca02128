import NIOCore
import NIOEmbedded
import RTPCore
import RTPMedia
import Testing

/// The engine on a virtual clock: an EmbeddedEventLoop, and EmbeddedChannels handed in as the
/// caller's sockets (Net::SIP's media_lsocks).
@Suite struct MediaEngineEmbeddedTests {
  final class Box<T>: @unchecked Sendable {
    var value: T?
  }

  func wait<T>(_ future: EventLoopFuture<T>, _ loop: EmbeddedEventLoop) throws -> T {
    let box = Box<Result<T, any Error>>()
    future.whenComplete { box.value = $0 }
    loop.run()
    guard let result = box.value else { throw MediaError.stopped }
    return try result.get()
  }

  func outbound(_ channel: EmbeddedChannel) throws -> [AddressedEnvelope<ByteBuffer>] {
    var result: [AddressedEnvelope<ByteBuffer>] = []
    while let envelope = try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self) {
      result.append(envelope)
    }
    return result
  }

  let peer = try! SocketAddress(ipAddress: "127.0.0.1", port: 40000)

  func options(_ channel: EmbeddedChannel, ssrc: UInt32, events: MediaEventHandler? = nil)
    -> MediaStreamOptions
  {
    MediaStreamOptions(
      parameters: MediaStreamParameters(ssrc: ssrc, initialSequence: 0, initialTimestamp: 0),
      local: .channel(channel), remote: peer, source: .silence, events: events)
  }

  @Test func oneTickSendsOneFramePerStreamOnAnAbsoluteSchedule() throws {
    let loop = EmbeddedEventLoop()
    let engine = MediaEngine(eventLoop: loop)
    let first = EmbeddedChannel(loop: loop)
    let second = EmbeddedChannel(loop: loop)
    let streamA = try wait(engine.openStream(options(first, ssrc: 1)), loop)
    _ = try wait(engine.openStream(options(second, ssrc: 2)), loop)
    // Tick 0 ran at once when the first stream opened (its schedule starts then); the second
    // stream joins at tick 1.
    #expect(try outbound(first).count == 1)
    #expect(try outbound(second).isEmpty)
    for _ in 0..<49 { loop.advanceTime(by: .milliseconds(20)) }
    let packetsA = try outbound(first)
    #expect(packetsA.count == 49)
    #expect(try outbound(second).count == 49)
    #expect(packetsA.allSatisfy { $0.remoteAddress == peer && $0.data.readableBytes == 172 })
    let timestamps = try packetsA.map { envelope in
      try RTPHeader.parse(Array(envelope.data.readableBytesView)).header.timestamp
    }
    #expect(timestamps == (1...49).map { UInt32($0 * 160) })
    // Half a tick: nothing due.
    loop.advanceTime(by: .milliseconds(10))
    #expect(try outbound(first).isEmpty)
    let histogram = try wait(engine.scheduleErrors(), loop)
    #expect(histogram.count == 50)
    #expect(histogram.maximumNanoseconds == 0)
    try wait(streamA.close(), loop)
    loop.advanceTime(by: .milliseconds(100))
    #expect(try outbound(first).isEmpty)
    #expect(try outbound(second).count == 5)
    #expect(try wait(engine.streamCount(), loop) == 1)
  }

  @Test func eventsReachTheHandlerOnItsLoopAndPlaybackCompletes() throws {
    let loop = EmbeddedEventLoop()
    let scriptLoop = EmbeddedEventLoop()
    let engine = MediaEngine(eventLoop: loop)
    let channel = EmbeddedChannel(loop: loop)
    let log = EventLog()
    let handler = MediaEventHandler(eventLoop: scriptLoop) { log.append($0, $1) }
    let stream = try wait(engine.openStream(options(channel, ssrc: 3, events: handler)), loop)
    let played = stream.play(
      .clips([MediaClip(samples: [Int16](repeating: 100, count: 320))], repeat: .times(1)))
    let done = Box<Bool>()
    played.whenSuccess { done.value = true }
    loop.run()
    loop.advanceTime(by: .milliseconds(20))
    #expect(done.value == nil)
    loop.advanceTime(by: .milliseconds(20))
    #expect(done.value == true)
    // Posted to the script loop, not run on the media loop.
    #expect(log.all.isEmpty)
    scriptLoop.run()
    #expect(log.all.map(\.1) == [.playbackDone])

    // A received key press becomes one event.
    var sender = MediaStreamState(parameters: MediaStreamParameters(ssrc: 77), source: .none, now: 0)
    _ = sender.queueDTMF("7")
    for packet in sender.run(ticks: 10) {
      try channel.writeInbound(AddressedEnvelope(remoteAddress: peer, data: ByteBuffer(bytes: packet.bytes)))
    }
    scriptLoop.run()
    #expect(log.all.map(\.1).contains(.dtmf(key: "7", duration: 100, endReceived: true)))
    #expect(log.count { if case .dtmf = $0 { true } else { false } } == 1)
  }

  @Test func heldStreamSendsNothingAndHasNoTimeout() throws {
    let loop = EmbeddedEventLoop()
    let engine = MediaEngine(eventLoop: loop)
    let channel = EmbeddedChannel(loop: loop)
    let log = EventLog()
    var opts = options(channel, ssrc: 5, events: MediaEventHandler(eventLoop: loop) { log.append($0, $1) })
    opts.parameters.rtpTimeout = 200_000_000
    let stream = try wait(engine.openStream(opts), loop)
    try wait(stream.setRemote(nil), loop)
    _ = try outbound(channel)  // tick 0, sent when the stream opened
    loop.advanceTime(by: .seconds(2))
    #expect(try outbound(channel).isEmpty)
    #expect(log.all.isEmpty)
    try wait(stream.setRemote(peer, rtpTimeout: .milliseconds(200)), loop)
    loop.advanceTime(by: .milliseconds(300))
    #expect(try outbound(channel).count == 15)
    #expect(log.all.map(\.1) == [.rtpTimeout])
  }
}
