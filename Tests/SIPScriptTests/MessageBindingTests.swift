import SIPCore
import Testing

@testable import SIPScript

/// `sip.parse` and the `sip.message` object, on top of SIPCore.
@Suite struct MessageBindingTests {
  static let invite = """
    local invite = table.concat({
      "INVITE sip:bob@example.com SIP/2.0",
      "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds",
      "Via: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bK11",
      "Max-Forwards: 70",
      "To: Bob <sip:bob@example.com>",
      "From: Alice <sip:alice@example.com>;tag=1928301774",
      "Call-ID: a84b4c76e66710@pc33.example.com",
      "CSeq: 314159 INVITE",
      "Contact: <sip:alice@192.0.2.1>",
      "Content-Length: 4",
      "",
      "v=0\\n",
    }, "\\r\\n")
    """

  @Test func parsesARequest() throws {
    let h = try ScriptHarness()
    h.run(
      Self.invite + """

        local msg = assert(sip.parse(invite))
        test.record(msg.method, msg.uri, msg.code, msg.reason, msg.is_request, msg.call_id)
        test.record(msg:header("call-id"), msg:header("Via", 2), msg:header("Via", 3), msg:header("X-Missing"))
        local vias = msg:headers("Via")
        test.record(#vias, vias[1])
        test.record(msg.body == "v=0\\n", tostring(msg):match("^INVITE sip:bob@example.com SIP/2.0\\r\\n") ~= nil)
        test.record(select(2, pcall(function() return msg:header("Via", 0) end)))
        """)
    #expect(
      h.records == [
        "INVITE sip:bob@example.com nil nil true a84b4c76e66710@pc33.example.com",
        "a84b4c76e66710@pc33.example.com SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bK11 nil nil",
        "2 SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds",
        "true true",
        "test.lua:21: bad argument #2 to 'header' (index must be 1 or more)",
      ])
  }

  @Test func parsesAResponseAndReportsErrorsAsValues() throws {
    let h = try ScriptHarness()
    h.run(
      """
      local r = sip.parse("SIP/2.0 486 Busy Here\\r\\nCall-ID: x1\\r\\nCSeq: 1 INVITE\\r\\nVia: SIP/2.0/UDP h;branch=z9hG4bKa\\r\\nFrom: <sip:a@b>;tag=1\\r\\nTo: <sip:c@d>\\r\\nContent-Length: 0\\r\\n\\r\\n")
      test.record(r and r.code, r and r.reason, r and r.method)
      local m, err = sip.parse("this is not SIP")
      test.record(m, type(err), #err > 0)
      test.record(select(2, pcall(sip.parse)))
      """)
    #expect(h.records.count == 3)
    #expect(h.records[0] == "486 Busy Here nil")
    #expect(h.records[1] == "nil string true")
    #expect(h.records[2] == "bad argument #1 to 'parse' (string expected, got no value)")
  }

  /// A message is one userdata holding the Swift value: the collector destroys the value (through
  /// the shim's list), whether the script drops messages in a loop or the state is closed.
  @Test func collectedMessagesAreDestroyed() throws {
    let h = try ScriptHarness()
    h.runtime.register("live", in: "test") { call in .value(.integer(Int64(call.host.liveMessageCount))) }
    h.run(
      Self.invite + """

        kept = assert(sip.parse(invite))
        for _ = 1, 5000 do
          local m = sip.parse(invite)
          assert(m.method == "INVITE")
        end
        test.record("made", test.live() > 1)
        collectgarbage("collect")
        collectgarbage("collect")
        sip.parse(invite)  -- a new message first destroys the values the collector gave back
        test.record("after collect", test.live() <= 2, kept:header("Call-ID"))
        """)
    #expect(h.failureMessage == nil)
    #expect(h.records == ["made true", "after collect true a84b4c76e66710@pc33.example.com"])
    // The run is over and the state closed: every value is gone, the kept one included.
    #expect(h.runtime.liveMessageCount == 0)
  }

  /// Thousands of messages in one resume do not pile up: the collector is paced by the Swift
  /// memory the messages hold, so values are destroyed while the loop runs.
  @Test func manyMessagesInOneResumeStayBounded() throws {
    let h = try ScriptHarness()
    h.runtime.register("live", in: "test") { call in .value(.integer(Int64(call.host.liveMessageCount))) }
    h.run(
      Self.invite + """

        local most = 0
        for _ = 1, 20000 do
          local m = sip.parse(invite)
          local live = test.live()
          if live > most then most = live end
        end
        test.record(most < 5000)
        """)
    #expect(h.failureMessage == nil)
    #expect(h.records == ["true"])
  }

  /// A message reached by another finalizer after its own `__gc` ran is dead: using it raises a
  /// clear error instead of touching the moved value.
  @Test func aResurrectedMessageIsReportedAsCollected() throws {
    let h = try ScriptHarness()
    h.run(
      Self.invite + """

        do
          local holder = setmetatable({}, {__gc = function(t) resurrected = t.message end})
          holder.message = sip.parse(invite)  -- newer than holder: finalized first
        end
        collectgarbage("collect")
        collectgarbage("collect")
        test.record(type(resurrected))
        test.record(select(2, pcall(function() return resurrected.method end)))
        test.record(select(2, pcall(function() return resurrected:header("Via") end)))
        test.record(select(2, pcall(tostring, resurrected)))
        """)
    #expect(h.failureMessage == nil)
    #expect(
      h.records == [
        "userdata",
        "test.lua:22: calling 'method' on bad self (sip.message was collected)",
        "test.lua:23: calling 'header' on bad self (sip.message was collected)",
        "calling '__tostring' on bad self (sip.message was collected)",
      ])
  }

  @Test func typeChecksAndMetatable() throws {
    let h = try ScriptHarness()
    h.run(
      Self.invite + """

        local msg = assert(sip.parse(invite))
        test.record(getmetatable(msg), msg.no_such_field, msg[1], type(msg.header))
        test.record(select(2, pcall(function() return msg.header({}, "Via") end)))
        test.record(select(2, pcall(function() return msg:header() end)))
        test.record(select(2, pcall(function() return msg:header("Via", 1.5) end)))
        test.record(select(2, pcall(function() return msg:headers(nil) end)))
        test.record(msg:header("Via", 10001), #msg:headers("X-None"), msg:header("via", "2"))
        local none, err = sip.parse(12345)  -- a number is a string to Lua, here not SIP
        test.record(none, type(err))
        """)
    #expect(h.failureMessage == nil)
    #expect(
      h.records == [
        "sip.message nil nil function",
        "test.lua:17: calling 'header' on bad self (sip.message expected, got table)",
        "test.lua:18: bad argument #1 to 'header' (string expected, got no value)",
        "test.lua:19: bad argument #2 to 'header' (number has no integer representation)",
        "test.lua:20: bad argument #1 to 'headers' (string expected, got nil)",
        "nil 0 SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bK11",
        "nil string",
      ])
  }

  /// `tostring` gives the message's bytes as they are (a binary body is not altered), and `body`
  /// the body's bytes.
  @Test func tostringAndBodyKeepBytes() throws {
    let h = try ScriptHarness()
    h.run(
      """
      local body = "\\0\\255\\254binary"
      local text = "MESSAGE sip:a@b SIP/2.0\\r\\nCall-ID: c\\r\\nContent-Length: " .. #body .. "\\r\\n\\r\\n" .. body
      local msg = assert(sip.parse(text))
      test.record(msg.body == body, tostring(msg) == text, #tostring(msg) == #text)
      """)
    #expect(h.failureMessage == nil)
    #expect(h.records == ["true true true"])
  }

  /// Messages handed over by Swift (`.object(LuaSIPMessage(...))`, as the transport does) are the
  /// same userdata, and native functions read them back.
  @Test func swiftHandsMessagesInAndReadsThemBack() throws {
    let h = try ScriptHarness()
    let response = try SIPMessage.parse(
      Array("SIP/2.0 200 OK\r\nCall-ID: from-swift\r\nContent-Length: 0\r\n\r\n".utf8))
    h.runtime.register("response", in: "test") { _ in .value(.object(LuaSIPMessage(response))) }
    h.runtime.register("call_id", in: "test") { call in
      .value(.string(try call.message(1).callID ?? "none"))
    }
    h.runtime.register("code", in: "test") { call in
      .value(.integer(Int64(try call.object(1, as: LuaSIPMessage.self).message.statusCode ?? 0)))
    }
    h.run(
      Self.invite + """

        local r = test.response()
        test.record(r.code, r.reason, r:header("i"), getmetatable(r), tostring(r) == tostring(test.response()))
        test.record(test.call_id(r), test.call_id(sip.parse(invite)), test.code(r))
        test.record(select(2, pcall(test.call_id, {})))
        """)
    #expect(h.failureMessage == nil)
    #expect(
      h.records == [
        "200 OK from-swift sip.message true",
        "from-swift a84b4c76e66710@pc33.example.com 200",
        "bad argument #1 to 'call_id' (sip.message expected, got table)",
      ])
  }

  /// A script that stops the collector keeps it stopped: sip.parse's pacing does not restart it.
  @Test func aStoppedCollectorStaysStopped() throws {
    let h = try ScriptHarness()
    h.run(
      Self.invite + """

        collectgarbage("stop")
        for _ = 1, 2000 do sip.parse(invite) end
        test.record(collectgarbage("isrunning"))
        collectgarbage("restart")
        """)
    #expect(h.failureMessage == nil)
    #expect(h.records == ["false"])
  }
}
