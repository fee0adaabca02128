import Foundation
import Logging
import NIOCore
import NIOPosix
import RTPMedia
import SIPCall
import SIPCore
import SIPProtocol
import SIPTransport
import Testing

/// A user agent on a real event loop, with one UDP leg on 127.0.0.1 (or ::1) and a media engine
/// on the same loop. Everything touching the agent runs on the loop through `on { ... }`; what
/// callbacks see is written to `log` (under a lock) and waited for with `waitFor`.
final class AgentPeer: @unchecked Sendable {
  // @unchecked: the agent is only touched on `loop`; `entries` is guarded by the lock.
  let loop: any EventLoop
  let bound: NIOLoopBound<UserAgent>
  let name: String
  private let lock = NSLock()
  private var entries: [String] = []
  private(set) var port = 0
  let host: String
  let transport: SIPLeg.Transport
  /// The in-memory network the agent's legs are bound on (nil: UDP/TCP sockets).
  let network: NIOLoopBound<SIPMemoryNetwork>?
  private let traceSink = TraceSink()

  /// Only on `loop`.
  var agent: UserAgent { bound.value }

  /// `mediaLoop`: where the media engine runs (default: `loop`, like sipscript).
  init(
    _ name: String, loop: any EventLoop, host: String = "127.0.0.1", transport: SIPLeg.Transport = .udp,
    mediaLoop: (any EventLoop)? = nil, configuration: UserAgent.Configuration = UserAgent.Configuration(),
    network: NIOLoopBound<SIPMemoryNetwork>? = nil, timers: TimerSettings? = nil, traceMessages: Bool = false
  ) throws {
    self.name = name
    self.loop = loop
    self.host = host
    self.transport = transport
    self.network = network
    let sink = traceSink
    let mediaLoop = mediaLoop ?? loop
    bound = try loop.submit {
      var logger = Logger(label: "test-\(name)")
      // SIPCALL_TEST_LOG=trace (or debug, info…) shows what the agents do.
      logger.logLevel =
        ProcessInfo.processInfo.environment["SIPCALL_TEST_LOG"].flatMap(Logger.Level.init(rawValue:))
        ?? .critical
      var settings = SIPTransportConfiguration()
      if ProcessInfo.processInfo.environment["SIPCALL_TEST_TRACE"] != nil {
        // SIPCALL_TEST_TRACE=1 prints every SIP message sent and received.
        settings.trace = { line in FileHandle.standardError.write(Data("[\(name)] \(line)".utf8)) }
      } else if traceMessages {
        // Kept for the test (``traceLines``): what left and arrived, with the addresses.
        settings.trace = { line in sink.append(line) }
      }
      if let timers { settings.timers = timers }
      let transport = SIPTransport(eventLoop: loop, configuration: settings, logger: logger)
      let media = MediaEngine(eventLoop: mediaLoop, configuration: .init(portRange: 42000...43999))
      return NIOLoopBound(
        UserAgent(transport: transport, media: media, configuration: configuration, logger: logger),
        eventLoop: loop)
    }.wait()
    let promise = loop.makePromise(of: Int.self)
    try on {
      let done: (Result<SIPLeg, any Error>) -> Void = { result in
        switch result {
        case .success(let leg): promise.succeed(leg.port)
        case .failure(let error): promise.fail(error)
        }
      }
      if let network {
        self.agent.transport.bind(transport, host: host, port: 0, on: network.value, completion: done)
      } else {
        self.agent.transport.bind(transport, host: host, port: 0, completion: done)
      }
    }
    port = try promise.futureResult.wait()
    try on {
      self.agent.observer = { [unowned self] call, event in
        switch event {
        case .stateChanged(let state): self.record("state \(state.rawValue)")
        case .dtmf(let dtmf): self.record("dtmf \(dtmf.key) \(dtmf.method.rawValue)")
        case .terminated(let cause): self.record("terminated \(cause)")
        case .mediaReady: self.record("mediaReady")
        default: break
        }
      }
    }
  }

  func record(_ entry: String) { lock.withLock { entries.append(entry) } }

  var log: [String] { lock.withLock { entries } }

  /// The SIP messages traced so far (with `traceMessages`): `--- recv UDP <leg> <- <source> …`.
  var traceLines: [String] { traceSink.lines }

  /// Runs `body` on the loop and waits for it.
  @discardableResult
  func on<T: Sendable>(_ body: @escaping @Sendable () throws -> T) throws -> T {
    try loop.submit(body).wait()
  }

  /// Waits (up to `seconds`) until the log holds `entry`; false on timeout.
  @discardableResult
  func waitFor(_ entry: String, seconds: Double = 10) -> Bool {
    waitUntil(seconds: seconds) { $0.contains(entry) }
  }

  /// Waits (up to `seconds`) until `condition` holds for the log.
  @discardableResult
  func waitUntil(seconds: Double = 10, _ condition: ([String]) -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if condition(log) { return true }
      Thread.sleep(forTimeInterval: 0.01)
    }
    return condition(log)
  }

  /// Our address with the leg's host, port and transport.
  var uri: String {
    let address = host.contains(":") ? "[\(host)]" : host
    return "sip:\(name)@\(address):\(port)" + (transport == .tcp ? ";transport=tcp" : "")
  }

  /// Opens one more leg and returns its name (``SIPLeg/description``) and port.
  func addLeg(_ transport: SIPLeg.Transport = .udp, host: String = "127.0.0.1") throws -> (String, Int) {
    let promise = loop.makePromise(of: Int.self)
    try on {
      if let network = self.network {
        self.agent.transport.bind(transport, host: host, port: 0, on: network.value) { result in
          promise.completeWith(result.map(\.port))
        }
      } else {
        self.agent.transport.bind(transport, host: host, port: 0) { result in
          promise.completeWith(result.map(\.port))
        }
      }
    }
    let port = try promise.futureResult.wait()
    let name = try on {
      self.agent.transport.legs.first { $0.port == port && $0.host == host }?.description ?? ""
    }
    return (name, port)
  }

  /// The only call of the agent.
  func onlyCall() throws -> Call {
    guard agent.calls.count == 1, let call = agent.calls.values.first else {
      throw HarnessError("\(name) has \(agent.calls.count) calls, not one")
    }
    return call
  }

  func callCount() throws -> Int { try on { self.agent.calls.count } }

  func close() throws {
    try loop.flatSubmit {
      self.agent.cleanup()
      // Handlers a test set capture this peer, which holds the agent: let go of them, or the
      // agent, its transport and the event loop stay in a cycle (LeakSanitizer reports it).
      self.agent.fallbackHandler = nil
      self.agent.authenticator = nil
      // The engine may run on another loop: come back before touching the agent.
      return self.agent.media.shutdown().hop(to: self.loop).flatMap { self.agent.transport.close() }
    }.wait()
  }
}

/// Trace lines of a transport, written on its loop and read by the test.
final class TraceSink: @unchecked Sendable {
  // @unchecked: `stored` is only touched under the lock.
  private let lock = NSLock()
  private var stored: [String] = []

  func append(_ line: String) { lock.withLock { stored.append(line) } }

  var lines: [String] { lock.withLock { stored } }
}

struct HarnessError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// Two agents on one loop, closed and shut down afterwards.
func withAgents(
  host: String = "127.0.0.1", transport: SIPLeg.Transport = .udp,
  bobConfiguration: UserAgent.Configuration = UserAgent.Configuration(),
  _ body: (AgentPeer, AgentPeer) throws -> Void
) throws {
  let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
  defer { try? group.syncShutdownGracefully() }
  let loop = group.next()
  let alice = try AgentPeer("alice", loop: loop, host: host, transport: transport)
  let bob = try AgentPeer(
    "bob", loop: loop, host: host, transport: transport, configuration: bobConfiguration)
  defer {
    try? alice.close()
    try? bob.close()
  }
  try body(alice, bob)
}

/// A short WAV of a 1 kHz tone (8 kHz, 16-bit mono) in a temporary directory.
func makeToneWAV(seconds: Double = 0.4, frequency: Double = 1000) throws -> URL {
  let rate = 8000
  let count = Int(Double(rate) * seconds)
  var samples = [Int16](repeating: 0, count: count)
  for i in 0..<count {
    samples[i] = Int16(8000 * sin(2 * Double.pi * frequency * Double(i) / Double(rate)))
  }
  var data = Data()
  func le32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
  func le16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
  data.append(contentsOf: Array("RIFF".utf8)); le32(UInt32(36 + count * 2));
  data.append(contentsOf: Array("WAVE".utf8))
  data.append(contentsOf: Array("fmt ".utf8)); le32(16); le16(1); le16(1); le32(UInt32(rate));
  le32(UInt32(rate * 2))
  le16(2); le16(16)
  data.append(contentsOf: Array("data".utf8)); le32(UInt32(count * 2))
  for s in samples { le16(UInt16(bitPattern: s)) }
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("sipcall-\(UUID().uuidString).wav")
  try data.write(to: url)
  return url
}

func temporaryPath(_ suffix: String) -> String {
  FileManager.default.temporaryDirectory.appendingPathComponent("sipcall-\(UUID().uuidString)\(suffix)").path
}

extension AgentPeer {
  /// The statistics of the only call's first open stream (nil without one).
  func firstStreamStatistics() throws -> MediaStreamStatistics? {
    try loop.flatSubmit { () -> EventLoopFuture<[Int: MediaStreamStatistics]> in
      guard let call = self.agent.calls.values.first else { return self.loop.makeSucceededFuture([:]) }
      return call.mediaStatistics()
    }.wait().min { $0.key < $1.key }?.value
  }

  /// The only call's first stream (opened when media was not wanted yet).
  func firstStream() throws -> MediaStream {
    try loop.flatSubmit { () -> EventLoopFuture<MediaStream> in
      do {
        return try self.onlyCall().stream()
      } catch {
        return self.loop.makeFailedFuture(error)
      }
    }.wait()
  }

  /// The `m=` ports of the only call's SDP and of its peer's.
  func sdpPorts() throws -> (local: Int?, peer: Int?) {
    try on {
      let call = try self.onlyCall()
      return (call.sdp?.media.first?.port, call.sdpPeer?.media.first?.port)
    }
  }
}

/// Polls `condition` (up to `seconds`) until it holds.
func eventually(seconds: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
  let deadline = Date().addingTimeInterval(seconds)
  while Date() < deadline {
    if try condition() { return true }
    Thread.sleep(forTimeInterval: 0.02)
  }
  return try condition()
}

/// An `init_media` that sends silence on every stream (RTP the peer can see) and notes `entry`.
func sendSilence(_ peer: AgentPeer, note entry: String) -> (Call) -> Void {
  { call in
    peer.record(entry)
    for index in call.streamIndexes {
      call.stream(at: index).whenSuccess { stream in _ = stream.play(.silence) }
    }
  }
}
