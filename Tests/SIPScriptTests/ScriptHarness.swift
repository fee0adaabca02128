import Foundation
import Logging
import NIOCore
import NIOEmbedded
import SIPScript

/// Runs scripts on an `EmbeddedEventLoop` (virtual clock) with a `test` table of helpers:
/// `test.record(...)` appends its arguments (tostring'd, space-joined) to `records`.
final class ScriptHarness {
  let loop = EmbeddedEventLoop()
  let runtime: LuaRuntime
  let recorder = Recorder()
  let logs = LogStore()
  var outcome: RunOutcome?

  final class Recorder {
    var lines: [String] = []
  }

  init(watchdog: Double = 5, listen: [ListenAddress] = []) throws {
    let logs = self.logs
    var logger = Logger(label: "test") { _ in CapturingLogHandler(store: logs) }
    logger.logLevel = .trace
    runtime = try LuaRuntime(
      eventLoop: loop,
      configuration: .init(watchdogSeconds: watchdog, watchdogCheckInterval: 1000, listenAddresses: listen),
      logger: logger)
    let recorder = self.recorder
    runtime.register("record", in: "test") { call in
      var parts: [String] = []
      for i in stride(from: 1, through: call.count, by: 1) {
        switch call.type(i) {
        case .string, .number: parts.append(try call.string(i))
        case .nil: parts.append("nil")
        case .boolean: parts.append(call.boolean(i) ? "true" : "false")
        default: parts.append(call.type(i).name)
        }
      }
      recorder.lines.append(parts.joined(separator: " "))
      return .none
    }
  }

  var records: [String] { recorder.lines }

  /// Runs `code` as chunk `test.lua` and lets the loop process everything due now.
  func run(_ code: String, arguments: [String] = []) {
    runtime.run(code: code, chunkName: "test.lua", arguments: arguments).assumeIsolated().whenSuccess {
      self.outcome = $0
    }
    loop.run()
  }

  func run(file: String, arguments: [String] = []) {
    runtime.run(scriptAt: file, arguments: arguments).assumeIsolated().whenSuccess { self.outcome = $0 }
    loop.run()
  }

  func advance(seconds: Double) {
    loop.advanceTime(by: .nanoseconds(Int64(seconds * 1e9)))
  }

  var failureMessage: String? {
    if case .failed(let message) = outcome { return message }
    return nil
  }
}

final class LogStore: @unchecked Sendable {
  // @unchecked: swift-log requires Sendable handlers; the tests only log from their own thread
  // (the embedded loop runs on the test's thread), and the lock makes that safe regardless.
  private let lock = NSLock()
  private var _entries: [(Logger.Level, String, Logger.Metadata)] = []

  func append(_ entry: (Logger.Level, String, Logger.Metadata)) {
    lock.withLock { _entries.append(entry) }
  }

  var entries: [(Logger.Level, String, Logger.Metadata)] { lock.withLock { _entries } }
}

struct CapturingLogHandler: LogHandler {
  let store: LogStore
  var logLevel: Logger.Level = .trace
  var metadata: Logger.Metadata = [:]

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  func log(event: LogEvent) {
    store.append((event.level, event.message.description, metadata.merging(event.metadata ?? [:]) { $1 }))
  }
}

/// A temporary directory with files, removed at deinit.
final class TemporaryDirectory {
  let url: URL

  init() throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent("sipscript-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  @discardableResult
  func write(_ name: String, _ contents: String) throws -> String {
    let file = url.appendingPathComponent(name)
    try FileManager.default.createDirectory(
      at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
    try contents.write(to: file, atomically: true, encoding: .utf8)
    return file.path
  }

  deinit {
    try? FileManager.default.removeItem(at: url)
  }
}
