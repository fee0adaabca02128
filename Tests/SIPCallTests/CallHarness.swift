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

  /// Only on `loop`.
  var agent: UserAgent { bound.value }

  init(_ name: String, loop: any EventLoop, host: String = "127.0.0.1", transport: SIPLeg.Transport = .udp)
    throws
  {
    self.name = name
    self.loop = loop
    bound = try loop.submit {
      var logger = Logger(label: "test-\(name)")
      logger.logLevel = .critical
      let transport = SIPTransport(eventLoop: loop, logger: logger)
      let media = MediaEngine(eventLoop: loop, configuration: .init(portRange: 42000...43999))
      return NIOLoopBound(UserAgent(transport: transport, media: media, logger: logger), eventLoop: loop)
    }.wait()
    let promise = loop.makePromise(of: Int.self)
    try on {
      self.agent.transport.bind(transport, host: host, port: 0) { result in
        switch result {
        case .success(let leg): promise.succeed(leg.port)
        case .failure(let error): promise.fail(error)
        }
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

  var uri: String { "sip:\(name)@127.0.0.1:\(port)" }

  func callCount() throws -> Int { try on { self.agent.calls.count } }

  func close() throws {
    try loop.flatSubmit {
      self.agent.cleanup()
      return self.agent.media.shutdown().flatMap { self.agent.transport.close() }
    }.wait()
  }
}

/// Two agents on one loop, closed and shut down afterwards.
func withAgents(
  host: String = "127.0.0.1", _ body: (AgentPeer, AgentPeer) throws -> Void
) throws {
  let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
  defer { try? group.syncShutdownGracefully() }
  let loop = group.next()
  let alice = try AgentPeer("alice", loop: loop, host: host)
  let bob = try AgentPeer("bob", loop: loop, host: host)
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
