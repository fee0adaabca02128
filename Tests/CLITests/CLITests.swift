import Foundation
import Testing

/// Runs the built `sipscript` binary (it sits beside the test bundle in the build folder).
@Suite struct CLITests {
  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  static let binary: URL = {
    let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidates = [
      bundleDirectory.appendingPathComponent("sipscript"),
      Bundle.main.bundleURL.appendingPathComponent("sipscript"),
      // macOS: .build/debug/X.xctest/Contents/MacOS/X
      bundleDirectory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("sipscript"),
    ]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
  }()

  /// The repository root (for examples/), found from this file's path.
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent()
    .deletingLastPathComponent()

  func run(_ arguments: [String], in directory: URL? = nil) throws -> Result {
    let process = Process()
    process.executableURL = Self.binary
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes before waiting, so a chatty child cannot block on a full pipe.
    let errBox = DataBox()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) {
      errBox.data = err.fileHandleForReading.readDataToEndOfFile()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    let errBytes = errBox.data
    process.waitUntilExit()
    return Result(
      status: process.terminationStatus,
      stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errBytes, as: UTF8.self))
  }

  func script(_ contents: String, name: String = "script.lua") throws -> (URL, String) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sipscript-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let file = dir.appendingPathComponent(name)
    try contents.write(to: file, atomically: true, encoding: .utf8)
    return (dir, file.path)
  }

  @Test func normalEndIsStatusZero() throws {
    let (dir, path) = try script(
      "sip.add_timer(0.05, function() print('timer fired') end) print('main done')")
    defer { try? FileManager.default.removeItem(at: dir) }
    let result = try run([path])
    #expect(result.status == 0)
    #expect(result.stdout == "main done\ntimer fired\n")
    #expect(result.stderr == "")
  }

  @Test func osExitCodeIsTheStatus() throws {
    let (dir, path) = try script("print('before') os.exit(3) print('after')")
    defer { try? FileManager.default.removeItem(at: dir) }
    let result = try run([path])
    #expect(result.status == 3)
    #expect(result.stdout == "before\n")
  }

  @Test func uncaughtErrorIsStatusOneWithTraceback() throws {
    let (dir, path) = try script("local x = 1\nlocal function f() error('it broke') end\nf()\n")
    defer { try? FileManager.default.removeItem(at: dir) }
    _ = path
    // A relative path: Lua shortens long chunk names in messages (LUA_IDSIZE).
    let result = try run(["script.lua"], in: dir)
    #expect(result.status == 1)
    #expect(result.stderr.hasPrefix("sipscript: script.lua:2: it broke\n"))
    #expect(result.stderr.contains("stack traceback:"))
    #expect(result.stderr.contains("script.lua:2: in local 'f'"))
    #expect(result.stderr.contains("script.lua:3: in main chunk"))
  }

  @Test func checkCompilesOnly() throws {
    let (dir, good) = try script("print('must not run')")
    defer { try? FileManager.default.removeItem(at: dir) }
    let ok = try run(["--check", good])
    #expect(ok.status == 0)
    #expect(ok.stdout == "")
    let bad = dir.appendingPathComponent("bad.lua")
    try "local a = 1\nlocal = 2\n".write(to: bad, atomically: true, encoding: .utf8)
    let failed = try run(["--check", bad.path])
    #expect(failed.status == 1)
    #expect(failed.stderr.contains("bad.lua:2:"))
  }

  @Test func wordsAfterTheScriptBecomeArg() throws {
    let (dir, path) = try script("print(arg[0] ~= nil, #arg, arg[1], arg.to, arg.n, arg[3])")
    defer { try? FileManager.default.removeItem(at: dir) }
    let result = try run([path, "to=sip:bob@example.com", "n=3", "--plain"])
    #expect(result.status == 0)
    #expect(result.stdout == "true\t3\tto=sip:bob@example.com\tsip:bob@example.com\t3\t--plain\n")
  }

  @Test func listenIsValidatedAndReachesTheScript() throws {
    // The legs --listen opens keep the run alive, so the script ends it with sip.stop().
    let (dir, path) = try script(
      """
      for _, a in ipairs(sip.listen_addresses()) do print(a.transport, a.host, a.port) end
      for _, l in ipairs(sip.legs()) do print(l.transport, l.host, l.port > 0) end
      sip.stop()
      """)
    defer { try? FileManager.default.removeItem(at: dir) }
    let good = try run(["--listen", "udp:127.0.0.1:0", "--listen", "tcp:[::1]:0", path])
    #expect(good.status == 0)
    #expect(good.stdout == "udp\t127.0.0.1\t0\ntcp\t::1\t0\nudp\t127.0.0.1\ttrue\ntcp\t::1\ttrue\n")
    for (bad, reason) in [
      ("sctp:127.0.0.1:5060", "unknown transport 'sctp'"), ("udp:127.0.0.1:70000", "bad port '70000'"),
      ("tcp:[::1:5061", "without closing ']'"), ("tcp:::1:5061", "must be written in brackets"),
    ] {
      let result = try run(["--listen", bad, path])
      #expect(result.status == 2, "\(bad)")
      #expect(result.stderr.contains(reason), "\(bad): \(result.stderr)")
      #expect(result.stdout == "")
    }
  }

  @Test func usageErrors() throws {
    let none = try run([])
    #expect(none.status == 2)
    #expect(none.stderr.lowercased().contains("usage: sipscript"))
    let level = try run(["--log-level", "loud", "x.lua"])
    #expect(level.status == 2)
    #expect(level.stderr.contains("unknown log level 'loud'"))
    let missing = try run(["/nonexistent/script.lua"])
    #expect(missing.status == 2)
    #expect(missing.stderr.contains("cannot open script '/nonexistent/script.lua'"))
  }

  @Test func helpDescribesOptionsAndExitStatus() throws {
    let result = try run(["--help"])
    #expect(result.status == 0)
    for word in ["--check", "--log-level", "--listen", "--trace", "--watchdog", "Exit status", "key=value"] {
      #expect(result.stdout.contains(word), "\(word)")
    }
  }

  @Test func logLevelFiltersScriptLogs() throws {
    let (dir, path) = try script("sip.log('debug', 'quiet') sip.log('warning', 'loud')")
    defer { try? FileManager.default.removeItem(at: dir) }
    let info = try run([path])
    #expect(!info.stderr.contains("quiet"))
    #expect(info.stderr.contains("loud"))
    let debug = try run(["--log-level", "debug", path])
    #expect(debug.stderr.contains("quiet"))
    #expect(debug.stderr.contains("task=main"))
  }

  @Test func sigtermEndsCleanlyWithStatus0() throws {
    let (dir, path) = try script(
      "local g <close> = setmetatable({}, {__close = function() print('closed') end}) print('ready') io.stdout:flush() sip.sleep(60)"
    )
    defer { try? FileManager.default.removeItem(at: dir) }
    let process = Process()
    process.executableURL = Self.binary
    process.arguments = [path]
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    // Wait for the script to be running (its first line), then signal.
    let ready = out.fileHandleForReading.availableDataUntilNewline()
    #expect(ready == "ready\n")
    kill(process.processIdentifier, SIGTERM)
    let rest = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    #expect(String(decoding: rest, as: UTF8.self) == "closed\n")
  }

  /// Issue 6: SIGHUP reloads the script; new calls use the new code; a script that does not
  /// compile keeps the old one and says why.
  @Test func sighupReloadsTheScript() throws {
    let source = """
      local legs = sip.config{ legs = { "udp:127.0.0.1:0" } }
      VERSION = 1
      sip.listen{ handler = function(call) call:answer() print("answered by v1") io.stdout:flush() call:wait_bye() end }
      if not STARTED then
        STARTED = true
        sip.spawn(function()
          local uri = "sip:x@127.0.0.1:" .. sip.legs()[1].port
          sip.invite(uri, {}):bye()
          print("ready") io.stdout:flush()
          while VERSION ~= 2 do sip.sleep(0.02) end
          sip.invite(uri, {}):bye()
          print("done") io.stdout:flush()
        end)
      end
      """
    let (dir, path) = try script(source)
    defer { try? FileManager.default.removeItem(at: dir) }
    let process = Process()
    process.executableURL = Self.binary
    process.arguments = [path]
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let reader = out.fileHandleForReading
    #expect(reader.availableDataUntilNewline() == "answered by v1\n")
    #expect(reader.availableDataUntilNewline() == "ready\n")
    try source.replacingOccurrences(of: "v1", with: "v2").replacingOccurrences(
      of: "VERSION = 1", with: "VERSION = 2"
    )
    .write(toFile: path, atomically: true, encoding: .utf8)
    kill(process.processIdentifier, SIGHUP)
    #expect(reader.availableDataUntilNewline() == "answered by v2\n")
    #expect(reader.availableDataUntilNewline() == "done\n")
    try (source + "\nthis is not lua(\n").write(toFile: path, atomically: true, encoding: .utf8)
    kill(process.processIdentifier, SIGHUP)
    Thread.sleep(forTimeInterval: 0.5)
    kill(process.processIdentifier, SIGTERM)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(stderr.contains("reloaded"))
    #expect(stderr.contains("reload: keeping the running script:"))
    #expect(stderr.contains("syntax error"))
  }

  /// Issue 6: SIGTERM ends the calls in progress with BYE, closes their recordings, exits 0.
  @Test func sigtermEndsCallsAndRecordings() throws {
    let recording = FileManager.default.temporaryDirectory.appendingPathComponent(
      "term-\(UUID().uuidString).wav")
    defer { try? FileManager.default.removeItem(at: recording) }
    let (dir, path) = try script(
      """
      local legs = sip.config{ legs = { "udp:127.0.0.1:0" } }
      sip.listen{ handler = function(call)
        call:answer()
        call:record("\(recording.path)")
        print("uas", call:wait_bye()) io.stdout:flush()
      end }
      local call = sip.invite("sip:x@127.0.0.1:" .. legs[1].port, {})
      call:play_tone{ freq = 440 }
      sip.sleep(0.5)
      print("ready") io.stdout:flush()
      print("uac", call:wait_bye()) io.stdout:flush()
      """)
    defer { try? FileManager.default.removeItem(at: dir) }
    let process = Process()
    process.executableURL = Self.binary
    process.arguments = [path]
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    #expect(out.fileHandleForReading.availableDataUntilNewline() == "ready\n")
    kill(process.processIdentifier, SIGTERM)
    let rest = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    #expect(
      Set(rest.split(separator: "\n").map(String.init)) == ["uas\ttrue\tlocal_bye", "uac\ttrue\tlocal_bye"])
    // The WAV header was finished: its data size matches the file.
    let data = try Data(contentsOf: recording)
    #expect(data.count > 44 + 4_000)
    let dataSize = data[40..<44].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    #expect(dataSize == data.count - 44)
  }

  // MARK: - docs/lua-api.md and examples/

  /// Every ```lua block of docs/lua-api.md runs with status 0 and prints its `--> ` lines.
  @Test func docExamplesRun() throws {
    let doc = try String(
      contentsOf: Self.repository.appendingPathComponent("docs/lua-api.md"), encoding: .utf8)
    var blocks: [[String]] = []
    var current: [String]?
    for line in doc.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
      if line == "```lua" {
        current = []
      } else if line == "```", let block = current {
        blocks.append(block)
        current = nil
      } else {
        current?.append(line)
      }
    }
    #expect(blocks.count >= 12)
    for (index, block) in blocks.enumerated() {
      let (dir, path) = try script(block.joined(separator: "\n"), name: "example\(index).lua")
      defer { try? FileManager.default.removeItem(at: dir) }
      let expected = block.filter { $0.hasPrefix("--> ") }.map { $0.dropFirst(4) + "\n" }.joined()
      let result = try run([path])
      #expect(result.status == 0, "block \(index): \(result.stderr)")
      #expect(result.stdout == expected, "block \(index)")
    }
  }

  @Test func helloExample() throws {
    let result = try run([Self.repository.appendingPathComponent("examples/hello.lua").path, "name=world"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stdout == """
        hello, world
        tick 1
        tick 2
        tick 3
        tasks finished: slow, fast
        INVITE to sip:bob@example.com
        Call-ID: a84b4c76e66710@pc33.example.com

        """)
  }

  /// The README's demo: OPTIONS and MESSAGE round trips to itself over UDP and TCP on loopback.
  @Test func loopbackExample() throws {
    let result = try run([Self.repository.appendingPathComponent("examples/loopback.lua").path, "count=2"])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == 9, "\(result.stdout)")
    #expect(lines.first?.hasPrefix("listening on udp:127.0.0.1:") == true)
    #expect(lines.dropFirst().first?.hasPrefix("listening on tcp:127.0.0.1:") == true)
    for transport in ["udp", "tcp"] {
      #expect(
        lines.contains {
          $0.hasPrefix("\(transport)\tOPTIONS\t200\tOK\tAllow: INVITE,ACK,BYE,CANCEL,OPTIONS")
        })
      #expect(lines.contains("\(transport)\tMESSAGE\t200\tping 1\tgot ping 1"))
      #expect(lines.contains("\(transport)\tMESSAGE\t200\tping 2\tgot ping 2"))
    }
    #expect(lines.last == "the UAS answered 4 MESSAGE requests")
  }

  /// The README's call demo: a call to itself with echo, DTMF both ways, hold and resume.
  @Test func callLoopbackExample() throws {
    let result = try run([
      Self.repository.appendingPathComponent("examples/call_loopback.lua").path, "seconds=0.5",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    // The two ends print from their own tasks: the last two lines may come in either order.
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(
      lines.prefix(7) == [
        "caller: established", "echo: key 1 by rfc4733", "echo: key 2 by rfc4733", "echo: key # by info",
        "caller: hold\ttrue\t200", "caller: resume\ttrue\t200",
        "caller: sent some RTP packets, received some",
      ])
    #expect(Set(lines.dropFirst(7)) == ["echo: call ended, remote_bye", "caller: bye\ttrue\t200"])
  }
}

extension FileHandle {
  /// Reads byte by byte up to and including the first newline (or end of file).
  func availableDataUntilNewline() -> String {
    var bytes: [UInt8] = []
    while true {
      let chunk = readData(ofLength: 1)
      guard let byte = chunk.first else { break }
      bytes.append(byte)
      if byte == UInt8(ascii: "\n") { break }
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}

/// The stderr bytes read on another thread; the DispatchGroup wait orders the accesses.
final class DataBox: @unchecked Sendable {
  var data = Data()
}
