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
}
