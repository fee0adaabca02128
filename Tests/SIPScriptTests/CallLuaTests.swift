import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import SIPScript

/// Calls between two Lua runtimes in one process over UDP loopback: both script styles, the
/// waiting rule, script faults ending one call only (DESIGN §3).
@Suite(.serialized) struct CallLuaTests {
  static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
  var loop: any EventLoop { Self.group.next() }

  /// Starts a UAS script on its own leg and returns it with the URI to call.
  func uas(_ code: String, watchdog: Double = 5) throws -> (NetworkScript, String) {
    let script = try NetworkScript(loop: loop, listen: ["udp:127.0.0.1:0"], watchdogSeconds: watchdog)
    try script.start(code)
    let deadline = Date().addingTimeInterval(5)
    var port: Int?
    while port == nil, Date() < deadline {
      port = try loop.submit { () -> Int? in script.boundPort }.wait()
      if port == nil { Thread.sleep(forTimeInterval: 0.01) }
    }
    return (script, "sip:bob@127.0.0.1:\(port ?? 0)")
  }

  func uac(_ code: String) throws -> NetworkScript {
    let script = try NetworkScript(loop: loop)
    try script.start("assert(sip.config{ legs = {'udp:127.0.0.1:0'} })\n" + code)
    return script
  }

  static func toneFile() throws -> String {
    let rate = 8000
    let count = rate / 2
    var data = Data()
    func le32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    func le16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    data.append(contentsOf: Array("RIFF".utf8))
    le32(UInt32(36 + count * 2))
    data.append(contentsOf: Array("WAVEfmt ".utf8))
    le32(16); le16(1); le16(1); le32(UInt32(rate)); le32(UInt32(rate * 2)); le16(2); le16(16)
    data.append(contentsOf: Array("data".utf8))
    le32(UInt32(count * 2))
    for i in 0..<count { le16(UInt16(bitPattern: Int16(6000 * sin(2 * Double.pi * 440 * Double(i) / 8000)))) }
    let path = FileManager.default.temporaryDirectory.appendingPathComponent(
      "calllua-\(UUID().uuidString).wav"
    ).path
    try data.write(to: URL(fileURLWithPath: path))
    return path
  }

  @Test func sequentialStyleBothSides() throws {
    let tone = try Self.toneFile()
    defer { try? FileManager.default.removeItem(atPath: tone) }
    let (bob, uri) = try uas(
      """
      sip.listen{ handler = function(call)
        test.record("incoming", call.state, call.role, call:header("Subject"))
        call.data.seen = true
        assert(call:ringing())
        test.record("answer", call:answer())
        test.record("state", call.state, call.data.seen)
        test.record("played", call:play("\(tone)"))
        test.record("dtmf", call:wait_dtmf{ timeout = 5 })
        test.record("dtmf", call:wait_dtmf{ timeout = 5 })
        test.record("bye", call:wait_bye{ timeout = 5 })
        test.record("after", call:ready(), call:wait_dtmf{ timeout = 1 })
        test.record("sleep after", call:sleep(0.1))
      end }
      """)
    defer { bob.close() }
    let alice = try uac(
      """
      local call, code = sip.invite("\(uri)", { sip_header = { Subject = "hello" } })
      test.record("invite", call ~= nil, code, call.state, call.role)
      test.record("dtmf info", call:dtmf("7", { method = "info" }))
      test.record("dtmf rtp", call:dtmf("#", { method = "rfc4733" }))
      sip.sleep(0.8)  -- the UAS's prompt (0.5 s) ends first
      test.record("bye", call:bye())
      test.record("ended", call:ready(), call.hangup_cause, call:bye())
      sip.stop()
      """)
    defer { alice.close() }
    #expect(alice.waitForOutcome() == .stopped)
    #expect(
      alice.lines == [
        "invite true nil established uac", "dtmf info true", "dtmf rtp true", "bye true 200",
        "ended false local_bye nil hangup",
      ])
    let bobLines = bob.waitForLines(9)
    #expect(
      bobLines == [
        "incoming incoming uas hello", "answer true", "state established true", "played true",
        "dtmf 7 info 160",
        "dtmf # rfc4733 100", "bye true remote_bye", "after false nil hangup", "sleep after nil hangup",
      ])
  }

  @Test func callbackStyleNetSIPNames() throws {
    let tone = try Self.toneFile()
    let recording = FileManager.default.temporaryDirectory.appendingPathComponent(
      "calllua-\(UUID().uuidString).wav"
    )
    .path
    defer {
      try? FileManager.default.removeItem(atPath: tone)
      try? FileManager.default.removeItem(atPath: recording)
    }
    let (bob, uri) = try uas(
      """
      sip.listen{
        init_media = sip.rtp("media_recv_echo", "\(recording)"),
        cb_established = function(status, call) test.record("established", status) end,
        recv_bye = function(params, call) test.record("recv_bye", params.custom, call.hangup_cause) end,
        cb_cleanup = function(call) test.record("cleanup", call.rtp_stats.packets_received > 10) end,
        custom = "kept",
      }
      """)
    defer { bob.close() }
    let alice = try uac(
      """
      local done = false
      local call = sip.invite("\(uri)", {
        init_media = sip.rtp("media_send_recv", "\(tone)", 1),
        cb_final = function(status, call, info) test.record("cb_final", status, info.code) end,
        cb_preliminary = function(call, code) test.record("preliminary", code) end,
        send_bye = function(params, call) test.record("send_bye", params.note) end,
        cb_cleanup = function(call) done = true end,
        note = "extra",
      })
      test.record("returned", call.state)
      while not done do sip.sleep(0.05) end
      sip.stop()
      """)
    defer { alice.close() }
    #expect(alice.waitForOutcome() == .stopped)
    #expect(alice.lines.first == "returned idle")
    #expect(alice.lines.contains("cb_final OK 200"))
    #expect(alice.lines.contains("send_bye extra"))
    let bobLines = bob.waitForLines(3)
    #expect(bobLines.contains("established OK"))
    #expect(bobLines.contains("recv_bye kept remote_bye"))
    #expect(bob.waitForLines(3).contains("cleanup true"))
    // cb_cleanup runs as the streams close; the recorder finishes the file a moment later.
    func recordedSize() -> Int {
      (try? FileManager.default.attributesOfItem(atPath: recording)[.size] as? Int) ?? 0
    }
    let deadline = Date().addingTimeInterval(5)
    while recordedSize() <= 44 + 4_000, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
    let size = recordedSize()
    #expect(size > 44 + 4_000)
  }

  @Test func refusalsGetFinalResponses() throws {
    let (bob, uri) = try uas(
      """
      sip.listen{
        filter = function(from, request) return not request:header("X-Block") end,
        cb_create = function(call, request) return request:header("X-Decline") == nil end,
      }
      """)
    defer { bob.close() }
    let alice = try uac(
      """
      test.record("blocked", sip.invite("\(uri)", { sip_header = { ["X-Block"] = "1" } }))
      test.record("declined", sip.invite("\(uri)", { sip_header = { ["X-Decline"] = "1" } }))
      local call = sip.invite("\(uri)", {})
      test.record("accepted", call.state)
      call:bye()
      test.record("bad", pcall(sip.invite, "\(uri)", { ring_time = -1 }))
      test.record("bad uri", sip.invite("mailto:x", {}))
      sip.stop()
      """)
    defer { alice.close() }
    #expect(alice.waitForOutcome() == .stopped)
    let lines = alice.lines
    #expect(lines.count == 5)
    #expect(lines.first == "blocked nil 403 Forbidden")
    #expect(lines.dropFirst().first == "declined nil 603 Decline")
    #expect(lines.dropFirst(2).first == "accepted established")
    #expect(lines.dropFirst(3).first?.contains("field 'ring_time' must be 0 to 86400 seconds") == true)
    #expect(lines.last?.hasPrefix("bad uri nil invite:") == true)
  }

  @Test func scriptErrorsEndTheirCallOnly() throws {
    let (bob, uri) = try uas(
      """
      sip.listen{
        handler = function(call)
          local guard <close> = setmetatable({}, { __close = function() test.record("closed", call.id ~= nil) end })
          local mode = call:header("X-Mode")
          if mode == "before" then error("failed before the answer") end
          call:answer()
          if mode == "after" then error("failed after the answer") end
          if mode == "loop" then while true do end end
          call:wait_bye{ timeout = 5 }
          test.record("healthy call ended", call.hangup_cause)
        end,
        cb_cleanup = function(call) test.record("cleanup", call:header("X-Mode")) end,
      }
      """, watchdog: 0.3)
    defer { bob.close() }
    let alice = try uac(
      """
      local healthy = sip.invite("\(uri)", {})
      test.record("before", sip.invite("\(uri)", { sip_header = { ["X-Mode"] = "before" } }))
      local after = sip.invite("\(uri)", { sip_header = { ["X-Mode"] = "after" } })
      test.record("after", after:wait_bye{ timeout = 5 })
      local looping = sip.invite("\(uri)", { sip_header = { ["X-Mode"] = "loop" } })
      test.record("loop", looping:wait_bye{ timeout = 5 })
      test.record("healthy", healthy:ready(), healthy:bye())
      sip.sleep(0.2)
      sip.stop()
      """)
    defer { alice.close() }
    #expect(alice.waitForOutcome(20) == .stopped)
    #expect(
      alice.lines == [
        "before nil 500 Server Internal Error", "after true remote_bye", "loop true remote_bye",
        "healthy true true 200",
      ])
    let bobLines = bob.waitForLines(7)
    #expect(bobLines.filter { $0 == "closed true" }.count == 4)
    #expect(bobLines.contains("cleanup before"))
    #expect(bobLines.contains("cleanup after"))
    #expect(bobLines.contains("cleanup loop"))
    #expect(bobLines.contains("healthy call ended remote_bye"))
    let errors = try loop.submit { () -> Int in bob.binding?.calls?.scriptErrors ?? -1 }.wait()
    #expect(errors == 3)
  }

  @Test func reinviteHoldCancelAndRingTime() throws {
    let (bob, uri) = try uas(
      """
      sip.listen{ handler = function(call)
        if call:header("X-Mode") == "ring" then
          call:ringing()
          test.record("ringing ended", call:wait_bye{ timeout = 5 })
          return
        end
        call:answer()
        while call:ready() do
          if call.state == "held" then test.record("held") end
          call:sleep(0.05)
        end
      end }
      """)
    defer { bob.close() }
    let alice = try uac(
      """
      local call = sip.invite("\(uri)", {})
      test.record("hold", call:reinvite{ call_on_hold = true })
      sip.sleep(0.2)
      test.record("resume", call:reinvite{ call_on_hold = false })
      test.record("bye", call:bye())
      local finished = false
      local ringing = sip.invite("\(uri)", {
        sip_header = { ["X-Mode"] = "ring" },
        cb_preliminary = function(c, code) test.record("preliminary", code); c:cancel() end,
        cb_final = function(status, c, info) test.record("cancelled", status, info.code); finished = true end,
      })
      while not finished do sip.sleep(0.02) end
      test.record("no answer", sip.invite("\(uri)", { sip_header = { ["X-Mode"] = "ring" }, ring_time = 0.3,
        cb_noanswer = function() test.record("cb_noanswer") end }))
      sip.sleep(0.1)
      sip.stop()
      """)
    defer { alice.close() }
    #expect(alice.waitForOutcome(20) == .stopped)
    let lines = alice.lines
    #expect(lines.prefix(3) == ["hold true 200", "resume true 200", "bye true 200"])
    #expect(lines.contains("preliminary 180"))
    #expect(lines.contains("cancelled FAIL 487"))
    #expect(lines.contains("no answer nil 487 Request Terminated"))
    #expect(lines.contains("cb_noanswer"))
    #expect(bob.waitForLines(1).contains("held"))
    #expect(bob.waitForLines(3).filter { $0.hasPrefix("ringing ended true") }.count == 2)
  }

  @Test func bridgeConnectsTwoCallsUntilOneEnds() throws {
    let recording = FileManager.default.temporaryDirectory.appendingPathComponent(
      "bridge-\(UUID().uuidString).wav"
    )
    .path
    defer { try? FileManager.default.removeItem(atPath: recording) }
    let (bob, uri) = try uas(
      """
      local me
      sip.listen{ handler = function(call)
        if call:header("X-Role") == "agent" then
          call:answer()
          call:record("\(recording)")
          test.record("agent", call:wait_bye{ timeout = 10 })
        else
          me = me or ("sip:agent@127.0.0.1:" .. sip.legs()[1].port)
          call:answer()
          local leg = sip.invite(me, { sip_header = { ["X-Role"] = "agent" } })
          local ok, ended = sip.bridge(call, leg)
          test.record("bridge ended", ok, ended == call, leg:ready())
          test.record("leg bye", leg:bye())
        end
      end }
      """)
    defer { bob.close() }
    let alice = try uac(
      """
      local call = sip.invite("\(uri)", {})
      sip.sleep(0.3)
      call:play_tone{ freq = 440, seconds = 1 }
      test.record("caller bye", call:bye())
      sip.stop()
      """)
    defer { alice.close() }
    #expect(alice.waitForOutcome(20) == .stopped)
    #expect(alice.lines == ["caller bye true 200"])
    let lines = bob.waitForLines(3)
    #expect(Set(lines) == ["bridge ended true true true", "leg bye true 200", "agent true remote_bye"])
    // The agent heard the caller's tone through the bridge.
    let data = try Data(contentsOf: URL(fileURLWithPath: recording))
    #expect(data.count > 44 + 8_000)
    var energy = 0.0
    let samples = (data.count - 44) / 2
    data.withUnsafeBytes { raw in
      for i in 0..<samples {
        let value = Double(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 44 + 2 * i, as: Int16.self)))
        energy += value * value
      }
    }
    #expect((energy / Double(max(samples, 1))).squareRoot() > 2_000)
  }

  @Test func transferFollowsNotifyToTheFinalStatus() throws {
    let (bob, uri) = try uas(
      """
      sip.listen{
        cb_refer = function(call, target, request)
          test.record("refer", request:header("Referred-By") ~= nil)
          if target:find("nowhere") then return 603 end
          sip.spawn(function()
            local new, code = sip.invite(target, { sip_header = { ["X-Role"] = "target" } })
            test.record("notify", call:notify_refer(new and 200 or code))
            if new then new:bye() end
          end)
        end,
        handler = function(call)
          if call:header("X-Role") == "busy" then return call:reject(486) end
          call:answer()
          call:wait_bye{ timeout = 5 }
        end,
      }
      """)
    defer { bob.close() }
    let alice = try uac(
      """
      local call = sip.invite("\(uri)", {})
      test.record("transfer", call:transfer("\(uri)"))
      test.record("refused", call:transfer("sip:nowhere@127.0.0.1:1"))
      test.record("no refer of ours", call:notify_refer(200))
      call:bye()
      sip.stop()
      """)
    defer { alice.close() }
    #expect(alice.waitForOutcome(20) == .stopped)
    #expect(
      alice.lines == [
        "transfer true 200", "refused nil 603",
        "no refer of ours nil notify_refer: no REFER of the peer was accepted",
      ])
    #expect(bob.waitForLines(3) == ["refer true", "notify true", "refer true"])
  }

  @Test func playWithCbFinalReturnsAtOnce() throws {
    let tone = try Self.toneFile()
    defer { try? FileManager.default.removeItem(atPath: tone) }
    let (bob, uri) = try uas(
      """
      sip.listen{ handler = function(call)
        call:answer()
        test.record("play", call:play("\(tone)", { cb_final = function(ok, err, c) test.record("played", ok, err, c == call) end }))
        test.record("dtmf during the prompt", call:wait_dtmf{ timeout = 5 })
        call:wait_bye{ timeout = 5 }
      end }
      """)
    defer { bob.close() }
    let alice = try uac(
      """
      local call = sip.invite("\(uri)", {})
      call:dtmf("5", { method = "info" })
      sip.sleep(1)
      call:bye()
      sip.stop()
      """)
    defer { alice.close() }
    #expect(alice.waitForOutcome(20) == .stopped)
    #expect(
      bob.waitForLines(3) == ["play true", "dtmf during the prompt 5 info 160", "played true nil true"])
  }
}
