import NIOCore
import NIOPosix
import RTPCore
import Testing

@testable import RTPMedia

/// The entries for a caller on the engine's own loop (a call whose media shares its loop):
/// `openSocket(host:port:completion:)` is still a task of the loop (never inline, so a caller in
/// the middle of a delivery is not re-entered), `openStreamOnLoop` and `closeOnLoop` act at once.
/// Real UDP on 127.0.0.1; every wait bounded.
@Suite(.serialized) struct MediaEngineOnLoopTests {
  /// What the loop's closures saw, written and read on the loop only.
  final class Log: @unchecked Sendable {
    var lines: [String] = []
    var sockets: [RawRTPSocket] = []
  }

  @Test func openSocketWithACompletionRunsItInALaterTaskOfTheLoopInOrder() async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let loop = group.next()
    let engine = MediaEngine(
      eventLoop: loop, configuration: MediaEngineConfiguration(portRange: 42750...42759))
    let log = Log()
    let done = loop.makePromise(of: Void.self)
    try await loop.submit {
      engine.openSocket(host: "127.0.0.1") { result in
        log.lines.append("socket \(result.map { _ in "ok" })")
        if case .success(let socket) = result { log.sockets.append(socket) }
      }
      // Tasks queued after the open run after its completion, as with the future's task.
      loop.execute { log.lines.append("next task") }
      log.lines.append("caller returned")
      // A port asked for by number that cannot be had: the error comes the same way.
      engine.openSocket(host: "192.0.2.1", port: 42752) { result in
        if case .failure(let error) = result, case MediaError.bindFailed = error {
          log.lines.append("bind failed")
        }
        done.succeed()
      }
    }.get()
    try await done.futureResult.get()
    let (lines, first) = try await loop.submit { (log.lines, log.sockets.first) }.get()
    #expect(lines == ["caller returned", "socket success(\"ok\")", "next task", "bind failed"])
    let socket = try #require(first)
    let port = try #require(socket.localAddress?.port)
    #expect((42750...42759).contains(port))
    #expect(try await engine.reservedPortCount().get() == 1)
    try await loop.submit { engine.closeSocketOnLoop(socket) }.get()
    // Given back: it rests in the pool (still open), its port no longer reserved.
    #expect(socket.isOpen)
    #expect(try await engine.reservedPortCount().get() == 0)
    try await engine.shutdown().get()
    #expect(!socket.isOpen)
    try await group.shutdownGracefully()
  }

  @Test func aStreamOnTheEnginesOwnSocketOpensAndClosesAtOnceOnTheLoop() async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let loop = group.next()
    let engine = MediaEngine(
      eventLoop: loop, configuration: MediaEngineConfiguration(portRange: 42760...42769))
    let socket = try await engine.openSocket(host: "127.0.0.1").get()
    let peer = try SocketAddress(ipAddress: "127.0.0.1", port: 9)
    let outcome = try await loop.submit { () -> String in
      let opening = engine.openStreamOnLoop(MediaStreamOptions(local: .socket(socket), remote: peer))
      guard case .opened(let stream) = opening else { return "not at once: \(opening)" }
      // Open now: the engine counts it before the loop turns.
      guard engine.slot(stream.id) != nil, stream.localAddress?.port == socket.localAddress?.port else {
        return "not registered"
      }
      stream.closeOnLoop()
      guard engine.slot(stream.id) == nil else { return "still open after closeOnLoop" }
      // The caller's socket stays open (it gives it back itself).
      guard socket.isOpen, !socket.adopted else { return "socket not given back to its caller" }
      return "ok"
    }.get()
    #expect(outcome == "ok")
    #expect(try await engine.streamCount().get() == 0)
    // A socket already given back cannot carry a stream: the error at once, no future.
    try await engine.closeSocket(socket).get()
    let refused = try await loop.submit { () -> Bool in
      if case .failed(let error) = engine.openStreamOnLoop(
        MediaStreamOptions(local: .socket(socket), remote: peer)),
        case MediaError.streamClosed = error
      {
        return true
      }
      return false
    }.get()
    #expect(refused)
    #expect(try await engine.streamCount().get() == 0)
    try await engine.shutdown().get()
    try await group.shutdownGracefully()
  }
}
