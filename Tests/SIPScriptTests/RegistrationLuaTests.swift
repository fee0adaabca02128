import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import SIPScript

/// sip.register / sip.unregister, digest both ways (auth, auth_user2pass) and outgoing_proxy
/// between Lua runtimes over UDP loopback (docs/lua-api.md, "Registration and authentication").
@Suite(.serialized) struct RegistrationLuaTests {
  static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
  var loop: any EventLoop { Self.group.next() }

  /// A registrar in Lua: REGISTERs are authenticated (alice/secret in realm reg.test) before
  /// cb_request sees them; each one seen is recorded; the binding is granted 60 s.
  static let registrar = """
    sip.listen{
      realm = "reg.test", auth_user2pass = { alice = "secret" }, methods = { "REGISTER" },
      cb_request = function(req)
        test.record("REGISTER", req:header("Expires"), req:header("To"), req:header("Authorization") ~= nil)
        if req:header("Expires") == "0" then return 200 end
        return 200, "OK", { Contact = req:header("Contact") .. ";expires=60" }
      end }
    """

  /// Starts a script on its own leg and returns it with its address.
  func server(_ code: String) throws -> (NetworkScript, String) {
    let script = try NetworkScript(loop: loop, listen: ["udp:127.0.0.1:0"])
    try script.start(code)
    let deadline = Date().addingTimeInterval(5)
    var port: Int?
    while port == nil, Date() < deadline {
      port = try loop.submit { () -> Int? in script.boundPort }.wait()
      if port == nil { Thread.sleep(forTimeInterval: 0.01) }
    }
    return (script, "127.0.0.1:\(port ?? 0)")
  }

  /// A script on its own leg that stops when `code` has run (the leg would keep it alive).
  func client(_ code: String, stop: Bool = true) throws -> NetworkScript {
    let script = try NetworkScript(loop: loop)
    try script.start(
      "assert(sip.config{ legs = {'udp:127.0.0.1:0'} })\n" + code + (stop ? "\nsip.stop()" : ""))
    return script
  }

  @Test func registerWaitsThenUnregisters() throws {
    let (registrar, address) = try server(Self.registrar)
    defer { registrar.close() }
    let alice = try client(
      """
      test.record("register", sip.register{ registrar = "sip:\(address)", expires = 300,
        auth = { user = "alice", password = "secret" } })
      test.record("unregister", sip.unregister())
      test.record("again", sip.unregister())
      """)
    defer { alice.close() }
    #expect(alice.waitForOutcome() == .stopped)
    #expect(alice.lines == ["register true 60", "unregister true", "again true"])
    let seen = registrar.waitForLines(2)
    #expect(seen.first == "REGISTER 300 <sip:alice@127.0.0.1> true")
    #expect(seen.count == 2 && seen[1].hasPrefix("REGISTER 0 <sip:alice@127.0.0.1> true"))
  }

  @Test func wrongPasswordAndNoRegistrar() throws {
    let (registrar, address) = try server(Self.registrar)
    defer { registrar.close() }
    let alice = try client(
      """
      test.record("wrong", sip.register{ registrar = "\(address)", auth = { "alice", "nope" } })
      test.record("none", sip.register{ auth = { user = "alice", password = "secret" } })
      test.record("bad", pcall(sip.register, { registrar = "\(address)", auth = { password = "x" } }))
      test.record("bad", pcall(sip.register, { registrar = "\(address)", expires = 1.5 }))
      test.record("bad", pcall(sip.register, { registrar = "sip:" }))
      """)
    defer { alice.close() }
    #expect(alice.waitForOutcome() == .stopped)
    let lines = alice.lines
    #expect(lines.count == 5)
    #expect(lines.first?.hasPrefix("wrong nil 401 credentials") == true)
    #expect(lines.dropFirst().first?.hasPrefix("none nil register: no registrar") == true)
    #expect(lines.dropFirst(2).first?.contains("field 'auth.user' is missing") == true)
    #expect(lines.dropFirst(3).first?.contains("field 'expires' must be a whole number") == true)
    #expect(lines.dropFirst(4).first?.contains("field 'registrar' is not a SIP URI") == true)
    #expect(registrar.lines.isEmpty)  // nothing got past the authentication
  }

  @Test func refreshingRegistrationHoldsTheRunAndIsRemovedAtTheEnd() throws {
    let (registrar, address) = try server(Self.registrar)
    defer { registrar.close() }
    let alice = try client(
      """
      sip.config{ registrar = "\(address)", auth = { user = "alice", password = "secret", realm = "reg.test" } }
      assert(sip.register{ expires = 120, cb_final = function(status, info)
        test.record("cb_final", status, info.code, info.expires)
      end })
      test.record("returned at once")
      """, stop: false)
    #expect(alice.waitForLines(2) == ["returned at once", "cb_final OK 200 60"])
    Thread.sleep(forTimeInterval: 0.2)
    #expect(alice.outcome == nil)  // the kept binding keeps the script running
    #expect(registrar.lines.count == 1)
    alice.close()  // the end of the script removes the binding
    let seen = registrar.waitForLines(2)
    #expect(seen.count == 2 && seen[1].hasPrefix("REGISTER 0 "))
  }

  @Test func callsAndRequestsAnswerChallenges() throws {
    let (bob, address) = try server(
      """
      local asked = {}
      sip.listen{
        auth_realm = "bob.test",
        auth_user2pass = function(user) test.record("lookup", user); if user == "alice" then return "secret" end end,
        cb_request = function(req) return 200, "Fine", nil, req.body end,
        handler = function(call) test.record("call", call:header("Authorization") ~= nil); call:answer() end,
      }
      """)
    defer { bob.close() }
    let alice = try client(
      """
      local call, code, reason = sip.invite("sip:bob@\(address)", { auth = { user = "alice", password = "wrong" } })
      test.record("wrong", call, code, reason)
      call, code = sip.invite("sip:bob@\(address)")
      test.record("none", call, code)
      sip.config{ auth = { user = "alice", password = "secret" } }
      call = assert(sip.invite("sip:bob@\(address)"))
      test.record("invite", call.state)
      test.record("bye", call:bye())
      local r = sip.request("MESSAGE", "sip:bob@\(address)", { body = "hi" })
      test.record("message", r.code, r.body)
      r = sip.request("MESSAGE", "sip:bob@\(address)", { body = "hi", auth = { user = "mallory", password = "x" } })
      test.record("mallory", r.code, r:header("WWW-Authenticate") ~= nil)
      """)
    defer { alice.close() }
    #expect(alice.waitForOutcome() == .stopped)
    #expect(
      alice.lines == [
        "wrong nil 401 Unauthorized", "none nil 401", "invite established", "bye true 200", "message 200 hi",
        "mallory 401 true",
      ])
    let seen = bob.lines
    #expect(seen.filter { $0 == "call true" }.count == 1)
    #expect(seen.filter { $0 == "lookup alice" }.count == 3)  // wrong, right (INVITE), right (MESSAGE)
    #expect(seen.contains("lookup mallory"))
  }

  @Test func outgoingProxyReceivesInitialRequests() throws {
    let (proxy, address) = try server(
      """
      sip.listen{
        cb_request = function(req) test.record("request", req.method, req.uri); return 200 end,
        handler = function(call) test.record("call", call:header("To")); call:answer() end,
      }
      """)
    defer { proxy.close() }
    let alice = try client(
      """
      sip.config{ outgoing_proxy = "\(address)" }
      local r = sip.request("MESSAGE", "sip:carol@192.0.2.9:5999", { body = "x" })
      test.record("message", r.code)
      local call = assert(sip.invite("sip:carol@192.0.2.9:5999"))
      test.record("invite", call.state)
      call:bye()
      test.record("bad", pcall(sip.config, { outgoing_proxy = "sip:" }))
      """)
    defer { alice.close() }
    #expect(alice.waitForOutcome() == .stopped)
    let lines = alice.lines
    #expect(lines.prefix(2) == ["message 200", "invite established"])
    #expect(lines.last?.contains("field 'outgoing_proxy' is not a SIP URI") == true)
    #expect(
      proxy.waitForLines(2) == [
        "request MESSAGE sip:carol@192.0.2.9:5999", "call <sip:carol@192.0.2.9:5999>",
      ])
  }

  @Test func authenticationCanBeTurnedOff() throws {
    let (server, address) = try server(
      """
      local function answer(req) return 200, "OK", nil, "seen" end
      sip.listen{ auth_user2pass = { alice = "secret" }, cb_request = answer }
      sip.listen{ auth_user2pass = false, cb_request = answer }
      """)
    defer { server.close() }
    let client = try client(
      """
      local r = sip.request("MESSAGE", "sip:bob@\(address)", { body = "x" })
      test.record("message", r.code, r.body)
      """)
    defer { client.close() }
    #expect(client.waitForOutcome() == .stopped)
    #expect(client.lines == ["message 200 seen"])
  }

  @Test func listenAuthenticationRefusesBadOptions() throws {
    let script = try client(
      """
      test.record(pcall(sip.listen, { auth_user2pass = 5 }))
      test.record(pcall(sip.listen, { auth_user2pass = { alice = {} } }))
      test.record(pcall(sip.listen, { auth_user2pass = {}, realm = true }))
      """)
    defer { script.close() }
    #expect(script.waitForOutcome() == .stopped)
    let lines = script.lines
    #expect(lines.count == 3)
    #expect(
      lines.first?.contains(
        "'auth_user2pass' in argument #1 to 'listen' (function or table expected, got number)") == true)
    #expect(lines.dropFirst().first?.contains("user = password strings expected, got string = table") == true)
    #expect(lines.last?.contains("bad field 'realm'") == true)
  }

  /// A registrar that challenges (401, then 200 with the right password) and records the
  /// Contact of each REGISTER that gets through.
  static let contactRecorder = """
    sip.listen{
      realm = "reg.test", auth_user2pass = { alice = "secret" }, methods = { "REGISTER" },
      cb_request = function(req)
        test.record("REGISTER", req:header("Expires"), req:header("Contact"))
        if req:header("Expires") == "0" then return 200 end
        return 200, "OK", { Contact = req:header("Contact") .. ";expires=60" }
      end }
    """

  @Test func registerWithoutALegOpensOne() throws {
    let (registrar, address) = try server(Self.contactRecorder)
    defer { registrar.close() }
    // No --listen, no sip.config{legs}: sip.register opens a leg towards the registrar itself.
    let alice = try NetworkScript(loop: loop)
    try alice.start(
      """
      test.record("before", #sip.legs())
      test.record("register", sip.register{ registrar = "sip:\(address)", expires = 300,
        auth = { user = "alice", password = "secret" } })
      local legs = sip.legs()
      test.record("legs", #legs, legs[1].transport, legs[1].host, legs[1].port > 0)
      test.record("unregister", sip.unregister())
      """)
    defer { alice.close() }
    #expect(alice.waitForOutcome() == .finished)
    #expect(
      alice.lines == ["before 0", "register true 60", "legs 1 udp 127.0.0.1 true", "unregister true"])
    let seen = registrar.waitForLines(2)
    #expect(seen.count == 2)
    // The Contact names the opened leg: loopback (the registrar is there) and its bound port.
    let contact = seen.first?.split(separator: " ").last.map(String.init) ?? ""
    #expect(seen.first?.hasPrefix("REGISTER 300 <sip:sipscript@127.0.0.1:") == true, "\(seen)")
    #expect(!contact.hasSuffix(":0>"))
    #expect(seen.last?.hasPrefix("REGISTER 0 ") == true)
  }

  @Test func registerOpensALegOfTheRegistrarsFamilyWithCallback() throws {
    let (registrar, address) = try server(Self.contactRecorder)
    defer { registrar.close() }
    // Only an IPv6 leg is open; the registrar is on IPv4: an IPv4 leg is opened for it.
    let alice = try NetworkScript(loop: loop, listen: ["udp:[::1]:0"])
    try alice.start(
      """
      assert(sip.register{ registrar = "\(address)", expires = 300, auth = { "alice", "secret" },
        cb_final = function(status, info)
          local hosts = {}
          for _, leg in ipairs(sip.legs()) do hosts[#hosts + 1] = leg.host end
          table.sort(hosts)
          test.record("cb_final", status, info.code, info.expires, table.concat(hosts, ","))
          sip.unregister()
          sip.stop()
        end })
      test.record("returned at once")
      """)
    defer { alice.close() }
    #expect(alice.waitForOutcome() == .stopped)
    #expect(alice.lines == ["returned at once", "cb_final OK 200 60 127.0.0.1,::1"])
    #expect(registrar.waitForLines(1).first?.hasPrefix("REGISTER 300 <sip:sipscript@127.0.0.1:") == true)
  }
}
