import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import SIPScript

/// The Net::SIP names of the call object that other suites use only from Swift: `get_param`,
/// `set_param`, `get_peer`, `add_cleanup`, `add_rtp_cleanup`, `rtp_cleanup`, `progress`, and the
/// `sip.sdp` round trip through `as_string` (docs/lua-api.md, "Calls").
@Suite(.serialized) struct CallObjectLuaTests {
  static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
  var loop: any EventLoop { Self.group.next() }

  func waitForPort(_ script: NetworkScript) throws -> Int {
    let deadline = Date().addingTimeInterval(5)
    while Date() < deadline {
      if let port = try loop.submit({ () -> Int? in script.boundPort }).wait() { return port }
      Thread.sleep(forTimeInterval: 0.01)
    }
    Issue.record("the UAS did not open its leg")
    return 0
  }

  @Test func netSIPMethodsOfTheCallObject() throws {
    let bob = try NetworkScript(loop: loop, listen: ["udp:127.0.0.1:0"], watchdogSeconds: 5)
    try bob.start(
      """
      sip.listen{ handler = function(call)
        call:set_param("note", "n1")
        call:set_param("recv_bye", function(params, c) test.record("recv_bye", c.hangup_cause) end)
        test.record("param", call:get_param("note"), type(call:get_param("recv_bye")))
        test.record("peer", call:get_peer():find("sip:alice@127.0.0.1", 1, true) ~= nil)
        local rtp_runs = 0
        call:add_rtp_cleanup(function(c)
          rtp_runs = rtp_runs + 1
          test.record("rtp_cleanup", rtp_runs, c.id == call.id)
        end)
        call:add_cleanup(function(c) test.record("cleanup", c.id == call.id, rtp_runs) end)
        assert(call:progress())
        assert(call:answer())
        local text = call.sdp:as_string()
        test.record("sdp", text == tostring(call.sdp), sip.sdp.parse(text):as_string() == text,
          text:find("m=audio ", 1, true) ~= nil)
        call:rtp_cleanup()
        test.record("bye", call:wait_bye{ timeout = 5 })
      end }
      """)
    defer { bob.close() }
    let port = try waitForPort(bob)
    let alice = try NetworkScript(loop: loop)
    try alice.start(
      """
      assert(sip.config{ legs = {'udp:127.0.0.1:0'}, from = "sip:alice@127.0.0.1" })
      local codes = {}
      local call, code = sip.invite("sip:bob@127.0.0.1:\(port)", {
        cb_preliminary = function(c, code) codes[#codes + 1] = code end,
      })
      test.record("invite", code == nil and call.state, table.concat(codes, ","))
      test.record("peer", call:get_peer())
      sip.sleep(0.3)
      test.record("bye", call:bye())
      sip.stop()
      """)
    defer { alice.close() }
    #expect(alice.waitForOutcome() == .stopped)
    #expect(
      alice.lines == ["invite established 183", "peer <sip:bob@127.0.0.1:\(port)>", "bye true 200"]
        || alice.lines == ["invite established 183", "peer sip:bob@127.0.0.1:\(port)", "bye true 200"])
    let lines = bob.waitForLines(7)
    #expect(lines.prefix(2) == ["param n1 function", "peer true"])
    #expect(lines.contains("sdp true true true"))
    // rtp_cleanup runs its list once and empties it: the end of the call does not run it again.
    #expect(lines.filter { $0.hasPrefix("rtp_cleanup") } == ["rtp_cleanup 1 true"])
    #expect(lines.contains("recv_bye remote_bye"))
    #expect(lines.contains("bye true remote_bye"))
    #expect(lines.contains("cleanup true 1"))
  }

  /// `call:request("UPDATE", sdp)` is an offer (RFC 3311): its 2xx answer changes the session
  /// as a re-INVITE's does — here a hold, seen by both sides.
  @Test func updateFromLuaHoldsTheCall() throws {
    let bob = try NetworkScript(loop: loop, listen: ["udp:127.0.0.1:0"], watchdogSeconds: 5)
    try bob.start(
      """
      sip.listen{ handler = function(call)
        assert(call:answer())
        for _ = 1, 100 do
          if call.state == "held" then break end
          call:sleep(0.05)
        end
        test.record("uas", call.state, tostring(call.sdp_peer):find("a=sendonly", 1, true) ~= nil,
          tostring(call.sdp):find("a=recvonly", 1, true) ~= nil)
        test.record("bye", call:wait_bye{ timeout = 5 })
      end }
      """)
    defer { bob.close() }
    let port = try waitForPort(bob)
    let alice = try NetworkScript(loop: loop)
    try alice.start(
      """
      assert(sip.config{ legs = {'udp:127.0.0.1:0'} })
      local call = assert(sip.invite("sip:bob@127.0.0.1:\(port)"))
      -- Our SDP again, sendonly, with the next o= version: a new offer.
      local offer = tostring(call.sdp):gsub("a=sendrecv", "a=sendonly")
        :gsub("(o=%S+ %S+ )(%d+)", function(head, version) return head .. (tonumber(version) + 1) end)
      if not offer:find("a=sendonly", 1, true) then offer = offer .. "a=sendonly\\r\\n" end
      local r, err = call:request("UPDATE", offer, { content_type = "application/sdp" })
      test.record("update", r and r.code, err)
      test.record("uac", call.state, tostring(call.sdp_peer):find("a=recvonly", 1, true) ~= nil)
      sip.sleep(0.3)
      test.record("bye", call:bye())
      sip.stop()
      """)
    defer { alice.close() }
    #expect(alice.waitForOutcome() == .stopped)
    #expect(alice.lines == ["update 200 nil", "uac held true", "bye true 200"])
    #expect(bob.waitForLines(2) == ["uas held true true", "bye true remote_bye"])
  }
}
