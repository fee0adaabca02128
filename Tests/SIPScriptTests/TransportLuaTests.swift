import Foundation
import Logging
import NIOCore
import NIOPosix
import SIPTransport
import Testing

@testable import SIPScript

/// A Lua runtime with its transport on a real event loop, for tests over loopback. Everything
/// touching the runtime runs on `loop`.
final class NetworkScript: @unchecked Sendable {
  // @unchecked: runtime and binding are touched only on `loop`; `lines` is guarded by the lock.
  let loop: any EventLoop
  private var runtime: LuaRuntime?
  var binding: TransportBinding?
  private let lock = NSLock()
  private var _lines: [String] = []
  private var _outcome: RunOutcome?

  init(loop: any EventLoop, listen: [String] = [], watchdogSeconds: Double = 5) throws {
    self.loop = loop
    let addresses = try listen.map { try ListenAddress(parsing: $0) }
    try loop.submit {
      var logger = Logger(label: "test")
      logger.logLevel = .critical
      let runtime = try LuaRuntime(
        eventLoop: loop,
        configuration: .init(watchdogSeconds: watchdogSeconds, listenAddresses: addresses), logger: logger)
      runtime.register("record", in: "test") { [unowned self] call in
        var parts: [String] = []
        for i in stride(from: 1, through: call.count, by: 1) {
          switch call.type(i) {
          case .string, .number: parts.append(try call.string(i))
          case .nil: parts.append("nil")
          case .boolean: parts.append(call.boolean(i) ? "true" : "false")
          default: parts.append(call.type(i).name)
          }
        }
        self.lock.withLock { self._lines.append(parts.joined(separator: " ")) }
        return .none
      }
      self.binding = runtime.installTransport()
      self.runtime = runtime
    }.wait()
  }

  var lines: [String] { lock.withLock { _lines } }
  var outcome: RunOutcome? { lock.withLock { _outcome } }

  func start(_ code: String, _ arguments: [String] = []) throws {
    try loop.submit {
      self.runtime?.run(code: code, chunkName: "test.lua", arguments: arguments).assumeIsolated().whenComplete
      {
        result in
        let outcome: RunOutcome
        switch result {
        case .success(let value): outcome = value
        case .failure(let error): outcome = .failed("\(error)")
        }
        self.lock.withLock { self._outcome = outcome }
      }
    }.wait()
  }

  func close() {
    _ = try? loop.flatSubmit { () -> EventLoopFuture<Void> in
      self.runtime?.stop(.stopped)
      return self.binding?.close() ?? self.loop.makeSucceededVoidFuture()
    }.wait()
  }

  func waitForOutcome(_ seconds: Double = 10) -> RunOutcome? {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline, outcome == nil { Thread.sleep(forTimeInterval: 0.01) }
    return outcome
  }

  func waitForLines(_ count: Int, _ seconds: Double = 10) -> [String] {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline, lines.count < count { Thread.sleep(forTimeInterval: 0.01) }
    return lines
  }
}

/// sip.config, sip.legs, sip.request and sip.listen{cb_request} between two runtimes in one
/// process over loopback.
@Suite(.serialized) struct TransportLuaTests {
  static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
  var loop: any EventLoop { Self.group.next() }

  /// A UAS script: answers MESSAGE with the body reversed, sleeps first when asked (the
  /// callback runs in its own task), refuses INFO with 488 and a header.
  static let server = """
    sip.listen{ cb_request = function(req, info)
      test.record("got", req.method, req.body, info.transport, info.host)
      if req.method == "INFO" then return 488, "Not Here", {["X-Why"] = "test"} end
      if req.body == "slow" then sip.sleep(0.2) end
      if req.body == "boom" then error("script failed") end
      return 200, "Fine", {"X-Echo: " .. req.body, ["Content-Type"] = "text/plain"}, req.body:reverse()
    end }
    local legs = sip.legs()
    test.record("legs", #legs, legs[1].transport, legs[1].port > 0)
    """

  @Test(arguments: ["udp:127.0.0.1:0", "tcp:127.0.0.1:0", "udp:[::1]:0", "tcp:[::1]:0"])
  func requestAndListenBetweenTwoRuntimes(leg: String) throws {
    let uas = try NetworkScript(loop: loop, listen: [leg])
    defer { uas.close() }
    try uas.start(Self.server)
    let legLine = uas.waitForLines(1).first ?? ""
    #expect(legLine.hasPrefix("legs 1 \(leg.prefix(3)) true"))
    let uasPort = try #require(try uasPort(uas))
    let address = try ListenAddress(parsing: leg)
    let host = address.isIPv6 ? "[\(address.host)]" : address.host
    let uri = "sip:bob@\(host):\(uasPort)" + (address.transport == .tcp ? ";transport=tcp" : "")
    let uac = try NetworkScript(loop: loop)
    defer { uac.close() }
    try uac.start(
      """
      local legs = assert(sip.config{ legs = {"\(address.transport.rawValue):\(host):0"}, from = "<sip:alice@example.com>" })
      test.record("uac legs", #legs)
      local r, err = sip.request("MESSAGE", "\(uri)", { body = "hello", headers = { Subject = "t" } })
      test.record("final", r and r.code, r and r.reason, r and r.body, r and r:header("X-Echo"), err)
      r = sip.request("OPTIONS", "\(uri)")
      test.record("options", r.code, r:header("Allow") ~= nil)
      r = sip.request("INFO", "\(uri)", { body = "x", headers = { ["Content-Type"] = "application/dtmf-relay" } })
      test.record("info", r.code, r.reason, r:header("X-Why"))
      r = sip.request("MESSAGE", "\(uri)", { body = "boom" })
      test.record("boom", r.code)
      local done = false
      sip.request("MESSAGE", "\(uri)", { body = "slow", cb_final = function(resp, e)
        test.record("cb_final", resp and resp.code, resp and resp.body, e)
        done = true
      end })
      test.record("returned at once")
      while not done do sip.sleep(0.01) end
      sip.stop()
      """)
    let outcome = uac.waitForOutcome()
    #expect(outcome == .stopped)
    #expect(
      uac.lines == [
        "uac legs 1",
        "final 200 Fine olleh hello nil",
        "options 200 true",
        "info 488 Not Here test",
        "boom 500",
        "returned at once",
        "cb_final 200 wols nil",
      ])
    let got = uas.lines.filter { $0.hasPrefix("got") }
    #expect(got.count == 4)  // OPTIONS is answered by the UA core, below the script
    #expect(got.first == "got MESSAGE hello \(address.transport.rawValue) \(address.host)")
  }

  func uasPort(_ script: NetworkScript) throws -> Int? {
    // The UAS recorded its legs; ask the transport for the bound port.
    try loop.submit { () -> Int? in script.boundPort }.wait()
  }

  @Test func withoutAListenerOptionsIsAnsweredAndTheRestRefused() throws {
    let uas = try NetworkScript(loop: loop, listen: ["udp:127.0.0.1:0"])
    defer { uas.close() }
    try uas.start("test.record('up')")
    _ = uas.waitForLines(1)
    let uasPort = try #require(try uasPort(uas))
    let uac = try NetworkScript(loop: loop)
    defer { uac.close() }
    try uac.start(
      """
      local uri = "sip:x@127.0.0.1:\(uasPort)"
      local r = sip.request("OPTIONS", uri)
      test.record("options", r.code, table.concat(r:headers("Allow"), ", "))
      r = sip.request("MESSAGE", uri, { body = "hi" })
      test.record("message", r.code, table.concat(r:headers("Allow"), ", "))
      test.record("legs", #sip.legs())
      """)
    #expect(uac.waitForOutcome() == .finished)  // the implicit leg does not hold the run
    #expect(
      uac.lines == [
        "options 200 INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO, REFER, NOTIFY",
        "message 405 INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO, REFER, NOTIFY",
        "legs 1",
      ])
  }

  /// `sip.listen{options = true}` (or "OPTIONS" in `methods`) hands OPTIONS to cb_request; a 2xx
  /// the script returns gets Allow/Accept/Supported unless it set them (RFC 3261 §11.2).
  @Test(arguments: ["options = true", "methods = {\"MESSAGE\", \"OPTIONS\"}"])
  func optionsReachesTheScriptWhenAsked(setting: String) throws {
    let uas = try NetworkScript(loop: loop, listen: ["udp:127.0.0.1:0"])
    defer { uas.close() }
    try uas.start(
      """
      local busy = false
      sip.listen{ \(setting), cb_request = function(req)
        test.record("got", req.method)
        if req.method == "OPTIONS" then
          if busy then return 486, "Busy Here" end
          busy = true
          return 200, "OK", {["X-Load"] = "0.5"}
        end
        return 200
      end }
      test.record("up")
      """)
    _ = uas.waitForLines(1)
    let uasPort = try #require(try uasPort(uas))
    let uac = try NetworkScript(loop: loop)
    defer { uac.close() }
    try uac.start(
      """
      local uri = "sip:x@127.0.0.1:\(uasPort)"
      local r = sip.request("OPTIONS", uri)
      local allow = "," .. table.concat(r:headers("Allow"), ",") .. ","
      test.record("first", r.code, r:header("X-Load"), allow:find(",OPTIONS,") ~= nil, allow:find(",MESSAGE,") ~= nil, r:header("Accept") ~= nil)
      r = sip.request("OPTIONS", uri)
      test.record("second", r.code, r.reason, #r:headers("Allow"))
      r = sip.request("MESSAGE", uri, { body = "hi" })
      test.record("message", r.code)
      """)
    #expect(uac.waitForOutcome() == .finished)
    #expect(
      uac.lines == [
        "first 200 0.5 true true true",
        "second 486 Busy Here 0",
        "message 200",
      ])
    #expect(uas.lines == ["up", "got OPTIONS", "got OPTIONS", "got MESSAGE"])
  }

  /// A 2xx to OPTIONS without headers of the script's gets the validator's prepared
  /// Allow/Accept/Supported lines; with headers, the same values added one by one.
  @Test func optionsCapabilitiesSameOnBothPaths() throws {
    let uas = try NetworkScript(loop: loop, listen: ["udp:127.0.0.1:0"])
    defer { uas.close() }
    try uas.start(
      """
      local plain = true
      sip.listen{ options = true, cb_request = function(req)
        if plain then plain = false return 200 end
        return 200, "OK", {["X-Load"] = "1"}
      end }
      test.record("up")
      """)
    _ = uas.waitForLines(1)
    let uasPort = try #require(try uasPort(uas))
    let uac = try NetworkScript(loop: loop)
    defer { uac.close() }
    try uac.start(
      """
      local uri = "sip:x@127.0.0.1:\(uasPort)"
      for _, name in ipairs{"plain", "headers"} do
        local r = sip.request("OPTIONS", uri)
        test.record(name, r.code, table.concat(r:headers("Allow"), ","), r:header("Accept"), #r:headers("Supported"))
        test.record(name, "X-Load", r:header("X-Load") or "none")
      end
      """)
    #expect(uac.waitForOutcome() == .finished)
    #expect(uac.lines.count == 4)
    guard uac.lines.count == 4 else { return }
    let plain = uac.lines[0]
    #expect(plain.hasPrefix("plain 200 INVITE,ACK,"))
    #expect(plain.contains(",OPTIONS,"))
    // The same capability lines on both paths; only the script's X-Load differs.
    #expect(uac.lines[2] == "headers" + plain.dropFirst("plain".count))
    #expect(uac.lines[1] == "plain X-Load none")
    #expect(uac.lines[3] == "headers X-Load 1")
  }

  @Test func optionsStaysWithTheCoreByDefault() throws {
    let uas = try NetworkScript(loop: loop, listen: ["udp:127.0.0.1:0"])
    defer { uas.close() }
    try uas.start(
      """
      sip.listen{ cb_request = function(req) test.record("got", req.method) return 200 end }
      test.record("up")
      """)
    _ = uas.waitForLines(1)
    let uasPort = try #require(try uasPort(uas))
    let uac = try NetworkScript(loop: loop)
    defer { uac.close() }
    try uac.start(
      """
      local r = sip.request("OPTIONS", "sip:x@127.0.0.1:\(uasPort)")
      test.record("options", r.code, r:header("Allow") ~= nil)
      """)
    #expect(uac.waitForOutcome() == .finished)
    #expect(uac.lines == ["options 200 true"])
    #expect(uas.lines == ["up"])
  }

  @Test func unreachableAndBadArguments() throws {
    let uac = try NetworkScript(loop: loop)
    defer { uac.close() }
    try uac.start(
      """
      assert(sip.config{ legs = {"tcp:127.0.0.1:0"} })
      local r, err = sip.request("OPTIONS", "sip:x@127.0.0.1:9;transport=tcp")
      test.record(r, err)
      test.record(pcall(sip.request, "OPTIONS", "sip:x@127.0.0.1", 5))
      test.record(sip.request("OPTIONS", "not a uri") == nil)
      local ok, e = pcall(sip.request, "OPTIONS", "sip:x@127.0.0.1", { headers = { 42 } })
      test.record(ok, e)
      local l, lerr = sip.config{ legs = {"sctp:1.2.3.4:5"} }
      test.record(l, lerr)
      sip.stop()
      """)
    #expect(uac.waitForOutcome() == .stopped)
    let lines = uac.lines
    #expect(lines.count == 5)
    #expect(lines.first?.hasPrefix("nil transport error") == true)
    #expect(
      lines.dropFirst().first?.contains("bad argument #3 to 'request' (table expected, got number)") == true)
    #expect(lines.dropFirst(2).first == "true")
    #expect(lines.dropFirst(3).first?.contains("bad header '42'") == true)
    #expect(lines.last?.contains("unknown transport 'sctp'") == true)
  }
}

extension TransportLuaTests {
  @Test func configuredTimersTimeARequestOut() throws {
    // Nobody answers on `silent`: with T1 = 20 ms, Timer F ends the MESSAGE after 64 × T1 =
    // 1.28 s; with the default T1 it would take 32 s, past the wait below.
    let silent = try DatagramBootstrap(group: loop).bind(host: "127.0.0.1", port: 0).wait()
    defer { try? silent.close().wait() }
    let port = try #require(silent.localAddress?.port)
    let uac = try NetworkScript(loop: loop)
    defer { uac.close() }
    try uac.start(
      """
      assert(sip.config{ legs = {"udp:127.0.0.1:0"}, t1 = 0.02, t2 = 0.5 })
      test.record(pcall(sip.config, { t1 = 0 }))
      test.record(pcall(sip.config, { t1 = 2, t2 = 1 }))
      test.record(pcall(sip.config, { t4 = "soon" }))
      test.record(sip.request("MESSAGE", "sip:x@127.0.0.1:\(port)", { body = "hello" }))
      sip.stop()
      """)
    #expect(uac.waitForOutcome(10) == .stopped)
    let lines = uac.lines
    #expect(lines.count == 4)
    #expect(lines.first?.contains("field 't1' must be 0.001 to 60.0 seconds") == true)
    #expect(lines.dropFirst().first?.contains("T1 must not exceed T2") == true)
    #expect(lines.dropFirst(2).first?.contains("field 't4' must be a number") == true)
    #expect(lines.last?.hasPrefix("nil timeout") == true)
  }
}

extension TransportLuaTests {
  @Test func tryingDelayIsConfiguredInSecondsWithinItsRange() throws {
    let script = try NetworkScript(loop: loop)
    defer { script.close() }
    try script.start(
      """
      assert(sip.config{ legs = {"udp:127.0.0.1:0"} })
      test.record(pcall(sip.config, { trying_delay = -0.1 }))
      test.record(pcall(sip.config, { trying_delay = 33 }))
      test.record(pcall(sip.config, { trying_delay = 0.05 }))
      sip.stop()
      """)
    #expect(script.waitForOutcome(10) == .stopped)
    let lines = script.lines
    #expect(lines.count == 3)
    #expect(lines.first?.contains("field 'trying_delay' must be 0.0 to 32.0 seconds") == true)
    #expect(lines.dropFirst().first?.contains("field 'trying_delay' must be 0.0 to 32.0 seconds") == true)
    let delay = try loop.submit { () -> Duration? in script.binding?.transport.timers.tryingDelay }.wait()
    #expect(delay == .milliseconds(50))
  }
}

extension NetworkScript {
  /// The first leg's port (call on the loop).
  var boundPort: Int? { binding?.transport.legs.first?.port }
}
