// sipscript — the executable: command line, logging, signals, exit status (DESIGN §5).
import ArgumentParser
import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import SIPScript

// Keep freed memory in the event loop's malloc arena (the reason is at tuneProcessMemory()).
LuaRuntime.tuneProcessMemory()

/// Raises the soft limit of open descriptors to the hard one, as servers do: each call holds an RTP
/// and an RTCP socket, and the media engine keeps the sockets of ended calls for the next ones
/// (its pool is sized from this limit, docs/architecture-media.md). Linux only; a refusal leaves
/// the limit as it was.
func raiseDescriptorLimit() {
  #if os(Linux)
    var limit = rlimit()
    let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    guard getrlimit(resource, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
    limit.rlim_cur = limit.rlim_max
    _ = setrlimit(resource, &limit)
  #endif
}
raiseDescriptorLimit()

func fail(_ message: String, status: Int32) -> Never {
  FileHandle.standardError.write(Data((message.hasSuffix("\n") ? message : message + "\n").utf8))
  exit(status)
}

let command: SIPScriptCommand
do {
  command = try SIPScriptCommand.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
  // --help prints to stdout with status 0; every other parse error is a usage error: status 2.
  let message = SIPScriptCommand.fullMessage(for: error)
  if SIPScriptCommand.exitCode(for: error) == .success {
    print(message)
    exit(0)
  }
  fail(message, status: 2)
}

var isDirectory: ObjCBool = false
guard FileManager.default.fileExists(atPath: command.script, isDirectory: &isDirectory),
  !isDirectory.boolValue
else {
  fail("sipscript: cannot open script '\(command.script)': no such file", status: 2)
}

if command.check {
  if let error = LuaRuntime.checkSyntax(scriptAt: command.script) {
    fail("sipscript: \(error)", status: 1)
  }
  exit(0)
}

let level = command.level
LoggingSystem.bootstrap { label in
  var handler = StreamLogHandler.standardError(label: label)
  handler.logLevel = level
  return handler
}
let logger = {
  var logger = Logger(label: "sipscript")
  logger.logLevel = level
  return logger
}()

let configuration = LuaRuntime.Configuration(
  watchdogSeconds: command.watchdog,
  listenAddresses: command.listen,
  trace: command.trace
)
let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let loop = group.next()

// SIGINT ends the run at once, cleanly (tasks abandoned, <close> run, state closed), with the
// shell's status 128+2. SIGTERM is a graceful stop (issue 6): no new calls, the calls in progress
// end with BYE (their recordings are closed), then exit 0; a second SIGTERM, or calls that have
// not ended after 10 s, stop at once with 128+15.
signal(SIGINT, SIG_IGN)
signal(SIGTERM, SIG_IGN)
let signalQueue = DispatchQueue(label: "sipscript.signals")

let outcome: RunOutcome
do {
  outcome = try loop.submit { () throws -> EventLoopFuture<RunOutcome> in
    let runtime = try LuaRuntime(eventLoop: loop, configuration: configuration, logger: logger)
    let binding = runtime.installTransport()  // SIP legs (--listen), sip.config/request/listen, calls
    let bound = NIOLoopBound((runtime, binding), eventLoop: loop)
    let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: signalQueue)
    interrupt.setEventHandler { loop.execute { bound.value.0.stop(.exited(130)) } }
    let terminate = DispatchSource.makeSignalSource(signal: SIGTERM, queue: signalQueue)
    terminate.setEventHandler { loop.execute { bound.value.1.stopGracefully() } }
    // SIGHUP reloads the script: new calls use the new code, calls in progress keep theirs.
    signal(SIGHUP, SIG_IGN)
    let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: signalQueue)
    hangup.setEventHandler { loop.execute { bound.value.0.reload() } }
    let sources = [interrupt, terminate, hangup]
    if command.watch { runtime.watchScript() }
    for source in sources { source.resume() }
    let run = runtime.run(scriptAt: command.script, arguments: command.arguments)
    // After the script: calls end with BYE, registrations are removed, the legs close.
    let result = run.assumeIsolated().flatMap { outcome in binding.close().map { outcome } }.nonisolated()
    // The runtime and the signal sources live until the run has ended.
    result.assumeIsolated().whenComplete { _ in
      withExtendedLifetime(runtime) {}
      for source in sources {
        source.cancel()
      }
    }
    return result
  }.flatMap { $0 }.wait()
} catch {
  fail("sipscript: \(error)", status: 1)
}
try? group.syncShutdownGracefully()
fflush(nil)  // Lua's print writes through C stdio
if case .failed(let message) = outcome {
  FileHandle.standardError.write(Data("sipscript: \(message)\n".utf8))
}
exit(outcome.exitStatus)
