import Foundation
import IVRCore
import Testing

@testable import SIPScript

/// The IVR words of the call object (docs/lua-api.md, "IVR"), between two runtimes over UDP
/// loopback. The UAS tells the UAC it is ready for the next step by sending it the key "A" by SIP
/// INFO; the UAC waits for it, so keys are never sent before the step that expects them.
@Suite(.serialized) struct IVRLuaTests {
  let peers = IVRPeers()

  /// Lua for the UAS: `ready()` signals the UAC.
  static let ready = """
    local function ready(call) assert(call:dtmf("A", { method = "info" })) end

    """
  /// Lua for the UAC: `await(call)` waits for the UAS's signal.
  static let await = """
    local function await(call)
      local key, how = call:wait_dtmf{ timeout = 15 }
      assert(key == "A", "expected the ready signal, got " .. tostring(key) .. " " .. tostring(how))
    end

    """

  @Test func gatherEndsOnTerminatorMaxInvalidTimeoutAndHangup() throws {
    let fixtures = AudioFixtures()
    let beep = try fixtures.tone("invalid.wav", frequency: 800, seconds: 0.2)
    let (bob, uri) = try peers.uas(
      Self.ready + """
        sip.listen{ handler = function(call)
          call:answer()
          ready(call)
          test.record("terminator", call:gather{ max = 5 })
          ready(call)
          test.record("max", call:gather{ max = 2 })
          ready(call)
          test.record("valid", call:gather{ max = 1, valid = "^[1-3]$", tries = 2, invalid_prompt = "\(beep)" })
          ready(call)
          test.record("refused", call:gather{ max = 1, valid = "^[1-3]$", first_digit = 3 })
          ready(call)
          test.record("timeout", call:gather{ first_digit = 0.3 })
          ready(call)
          test.record("lone terminator", call:gather{ min = 0, terminators = "*" })
          local ok, err = pcall(call.gather, call, { min = 3, max = 2 })
          test.record("min > max", ok, err:match("bad field 'min' in argument #1 to 'gather'") ~= nil)
          ok, err = pcall(call.gather, call, { valid = "[" })
          test.record("bad pattern", ok, err:match("field 'valid'.*not a Lua pattern") ~= nil)
          ok, err = pcall(call.gather, call, { first_digit = "soon" })
          test.record("bad type", ok, err:match("number expected, got string") ~= nil)
          ready(call)
          test.record("hangup", call:gather{ first_digit = 10 })
        end }
        """)
    defer { bob.close() }
    let alice = try peers.uac(
      Self.await + """
        local call = sip.invite("\(uri)", {})
        await(call); call:dtmf("123#", { method = "info" })
        await(call); call:dtmf("45", { method = "rfc4733" })
        await(call); call:dtmf("9", { method = "info" }); sip.sleep(1.2); call:dtmf("2", { method = "info" })
        await(call); call:dtmf("7", { method = "info" })
        await(call)
        await(call); call:dtmf("*", { method = "info" })
        await(call); sip.sleep(0.3); call:bye()
        sip.stop()
        """)
    defer { alice.close() }
    #expect(alice.waitForOutcome(40) == .stopped)
    #expect(
      bob.waitForLines(10, 20) == [
        "terminator 123 terminator", "max 45 max", "valid 2 max", "refused 7 invalid", "timeout  timeout",
        "lone terminator  terminator", "min > max false true", "bad pattern false true",
        "bad type false true",
        "hangup nil hangup",
      ])
  }

  @Test func bargeInStopsThePromptAndKeepsTheKey() throws {
    let fixtures = AudioFixtures()
    let long = try fixtures.tone("long.wav", frequency: 500, seconds: 6)
    let short = try fixtures.tone("short.wav", frequency: 500, seconds: 1)
    let (bob, uri) = try peers.uas(
      Self.ready + """
        sip.listen{ handler = function(call)
          call:answer()
          ready(call)
          test.record("barge", call:play("\(long)", { barge_in = true }))
          test.record("kept", call:wait_dtmf{ timeout = 1 })
          ready(call)
          test.record("no barge", call:play("\(short)"))
          test.record("queued key answers at once", call:play("\(long)", { barge_in = true }))
          test.record("typed ahead", call:gather{ max = 1 })
          ready(call)
          test.record("gather barge", call:gather{ prompt = "\(long)", max = 2 })
          ready(call)
          test.record("no barge gather",
            call:gather{ prompt = "\(short)", barge_in = false, max = 1, first_digit = 5 })
          test.record("flushed", call:flush_dtmf())
          ready(call)
          test.record("cb_final", call:play("\(long)", { barge_in = true, cb_final = function(ok, why, c)
            test.record("cb_final called", ok, why, c == call)
          end }))
          call:wait_bye{ timeout = 10 }
        end }
        """)
    defer { bob.close() }
    let alice = try peers.uac(
      Self.await + """
        local call = sip.invite("\(uri)", {})
        await(call); sip.sleep(0.5); call:dtmf("7", { method = "info" })
        await(call); call:dtmf("8", { method = "info" })
        await(call); sip.sleep(0.5); call:dtmf("12", { method = "info" })
        await(call); call:dtmf("3", { method = "info" }); sip.sleep(2.5); call:dtmf("4", { method = "info" })
        await(call); sip.sleep(0.5); call:dtmf("5", { method = "info" }); sip.sleep(0.5)
        call:bye()
        sip.stop()
        """)
    defer { alice.close() }
    #expect(alice.waitForOutcome(40) == .stopped)
    #expect(
      bob.waitForLines(10, 20) == [
        "barge nil dtmf", "kept 7 info 160", "no barge true", "queued key answers at once nil dtmf",
        "typed ahead 8 max",
        "gather barge 12 max", "no barge gather 4 max", "flushed 0", "cb_final true",
        "cb_final called nil dtmf true",
      ])
  }

  @Test func inBandTonesAreKeysAndOnePressSentThreeWaysIsOneEvent() throws {
    let fixtures = AudioFixtures()
    let keys = try fixtures.dtmf("159.wav", keys: "159")
    let five = try fixtures.dtmf("5.wav", keys: "5", on: 0.2, off: 0.1)
    let (bob, uri) = try peers.uas(
      Self.ready + """
        sip.listen{
          cb_dtmf = function(key, duration, call, method) test.record("cb_dtmf", call:header("Subject"), key, method) end,
          handler = function(call)
            call:answer()
            ready(call)
            if call:header("Subject") == "inband" then
              for _ = 1, 3 do test.record("inband", call:wait_dtmf{ timeout = 5 }) end
            else
              test.record("merged", call:wait_dtmf{ timeout = 5 })
              test.record("nothing more", call:wait_dtmf{ timeout = 1.5 })
            end
            call:bye()
          end,
        }
        """)
    defer { bob.close() }
    let alice = try peers.uac(
      Self.await + """
        local call = sip.invite("\(uri)", { sip_header = { Subject = "inband" } })
        await(call)
        call:play("\(keys)")
        call:wait_bye{ timeout = 10 }
        call = sip.invite("\(uri)", { sip_header = { Subject = "three" } })
        await(call)
        call:play("\(five)", { cb_final = function() end })
        call:dtmf("5", { method = "rfc4733", cb_final = function() end })
        call:dtmf("5", { method = "info" })
        call:wait_bye{ timeout = 10 }
        sip.stop()
        """)
    defer { alice.close() }
    #expect(alice.waitForOutcome(40) == .stopped)
    let lines = bob.waitForLines(9, 20)
    #expect(lines.count == 9)
    #expect(
      lines.filter { $0.hasPrefix("inband") } == [
        "inband 1 inband 120", "inband 5 inband 120", "inband 9 inband 120",
      ])
    #expect(
      lines.filter { $0.hasPrefix("cb_dtmf inband") } == [
        "cb_dtmf inband 1 inband", "cb_dtmf inband 5 inband", "cb_dtmf inband 9 inband",
      ])
    // One press, whichever method was first; its other two reports only confirmed it.
    let merged = lines.filter { $0.hasPrefix("merged") }
    #expect(merged.count == 1 && merged[0].hasPrefix("merged 5 "))
    #expect(lines.filter { $0.hasPrefix("cb_dtmf three") }.count == 1)
    #expect(lines.contains("nothing more nil timeout"))
  }

  @Test func eachMethodReportsTheKeyDuration() throws {
    // In-band: the detected tone length (a 200 ms tone; first, as the first signalled key turns
    // the call's tone detection off); RFC 4733: the end packet's duration (sipscript sends 100 ms
    // keys); INFO: its Duration= (sipscript sends 160).
    let fixtures = AudioFixtures()
    let three = try fixtures.dtmf("3.wav", keys: "3", on: 0.2, off: 0.2)
    let (bob, uri) = try peers.uas(
      Self.ready + """
        sip.listen{
          cb_dtmf = function(key, duration, call, method) test.record("cb_dtmf", key, method, duration) end,
          handler = function(call)
            call:answer()
            ready(call)
            for _ = 1, 3 do test.record("key", call:wait_dtmf{ timeout = 5 }) end
            call:bye()
          end,
        }
        """)
    defer { bob.close() }
    let alice = try peers.uac(
      Self.await + """
        local call = sip.invite("\(uri)", {})
        await(call)
        call:play("\(three)")
        call:dtmf("1", { method = "rfc4733" })
        sip.sleep(0.5)
        call:dtmf("2", { method = "info" })
        call:wait_bye{ timeout = 10 }
        sip.stop()
        """)
    defer { alice.close() }
    #expect(alice.waitForOutcome(30) == .stopped)
    let lines = bob.waitForLines(6, 20)
    #expect(
      lines.filter { $0.hasPrefix("key") } == ["key 3 inband 200", "key 1 rfc4733 100", "key 2 info 160"])
    #expect(
      lines.filter { $0.hasPrefix("cb_dtmf") } == [
        "cb_dtmf 3 inband 200", "cb_dtmf 1 rfc4733 100", "cb_dtmf 2 info 160",
      ])
  }

  @Test func recordEndsOnSilenceKeyMaxStopAndHangupAndClosesTheFile() throws {
    let fixtures = AudioFixtures()
    let tone = try fixtures.tone("speech.wav", frequency: 440, seconds: 2.5)
    let files = (1...6).map { fixtures.path("rec\($0).wav") }
    let heard = fixtures.path("heard.wav")
    let (bob, uri) = try peers.uas(
      Self.ready + """
        sip.listen{ handler = function(call)
          call:answer()
          ready(call)
          assert(call:wait_dtmf{ timeout = 10 } == "B")   -- the caller's tone has started
          local rec = call:record("\(files[0])", { silence_seconds = 1, max_seconds = 20 })
          local seconds, reason = rec:wait()
          test.record("silence", reason, seconds >= 1.5 and seconds <= 3.1, rec.seconds == seconds, rec.heard_sound)
          ready(call)
          rec = call:record("\(files[1])", { stop_on_dtmf = "#" })
          test.record("dtmf", select(2, rec:wait{ timeout = 10 }))
          test.record("consumed", call:wait_dtmf{ timeout = 0.5 })
          rec = call:record("\(files[2])", { max_seconds = 0.5 })
          test.record("max", rec:wait())
          do
            local scoped <close> = call:record("\(files[3])", { beep = true })
            sip.sleep(0.6)
          end
          rec = call:record("\(files[4])")
          sip.sleep(0.3)
          test.record("stop", select(2, rec:stop()))
          test.record("after stop", rec.recording, rec.reason, select(2, rec:wait()))
          local ok, err = pcall(call.record, call, "\(files[5])", { silence_seconds = -1 })
          test.record("bad option", ok, err:match("bad field 'silence_seconds' in argument #2 to 'record'") ~= nil)
          test.record("bad file", call:record("/nonexistent/dir/x.wav"))
          ready(call)
          rec = call:record("\(files[5])")
          test.record("hangup", select(2, rec:wait()))
          test.record("fields", rec.reason, rec.recording, rec.file == "\(files[5])")
        end }
        """)
    defer { bob.close() }
    let alice = try peers.uac(
      Self.await + """
        local call = sip.invite("\(uri)", {})
        local heard = call:record("\(heard)")
        await(call)
        call:play("\(tone)", { cb_final = function() end })   -- then the stream sends silence
        call:dtmf("B", { method = "info" })
        await(call); sip.sleep(0.3); call:dtmf("#", { method = "info" })
        await(call); sip.sleep(0.5); call:bye()
        test.record("heard", select(2, heard:wait()))
        sip.stop()
        """)
    defer { alice.close() }
    #expect(alice.waitForOutcome(40) == .stopped)
    #expect(alice.lines == ["heard hangup"])
    #expect(
      bob.waitForLines(10, 20) == [
        "silence silence true true true", "dtmf dtmf #", "consumed nil timeout", "max 0.5 max",
        "stop stopped",
        "after stop false stopped stopped", "bad option false true",
        "bad file nil record: cannot open /nonexistent/dir/x.wav: No such file or directory", "hangup hangup",
        "fields hangup false true",
      ])
    // Every file was closed with a header that matches its data, whatever ended it.
    for file in files {
      #expect(try RecordedWAV(path: file).headerMatches, "\(file)")
    }
    let silence = try RecordedWAV(path: files[0])
    #expect(silence.secondsWith(440) >= 1.0)
    // Silence ended it: of the final silent run 0.5 s is kept (the tone's last block included).
    let tail = Array(silence.samples.suffix(4000))
    #expect(AudioLevel.dBFS(tail) < -40)
    #expect(try RecordedWAV(path: files[2]).samples.count == 4000)
    // The caller heard the beep (1 kHz) of the recording made with `beep = true`.
    #expect(try RecordedWAV(path: heard).secondsWith(1000) >= 0.2)
  }

  @Test func playConvertsWAVAtAnyRate() throws {
    let fixtures = AudioFixtures()
    let cd = try fixtures.tone("cd.wav", frequency: 1000, seconds: 1, rate: 44_100, channels: 2)
    let wide = try fixtures.tone("wide.wav", frequency: 600, seconds: 1, rate: 22_050)
    let heard = fixtures.path("heard.wav")
    let (bob, uri) = try peers.uas(
      Self.ready + """
        sip.listen{ handler = function(call)
          call:answer()
          ready(call)
          test.record("played", call:play({ "\(cd)", "\(wide)" }))
          test.record("missing", call:play("\(fixtures.path("missing.wav"))"))
          ready(call)
          call:wait_bye{ timeout = 10 }
        end }
        """)
    defer { bob.close() }
    let alice = try peers.uac(
      Self.await + """
        local call = sip.invite("\(uri)", {})
        local rec = call:record("\(heard)")
        await(call)
        await(call)
        call:bye()
        rec:wait()
        sip.stop()
        """)
    defer { alice.close() }
    #expect(alice.waitForOutcome(30) == .stopped)
    let lines = bob.waitForLines(2, 10)
    #expect(lines.first == "played true")
    #expect(
      lines.last?.hasPrefix("missing nil \(fixtures.path("missing.wav")): cannot open: No such file") == true)
    let wav = try RecordedWAV(path: heard)
    #expect(wav.secondsWith(1000) >= 0.7)
    #expect(wav.secondsWith(600) >= 0.7)
  }

  @Test(.enabled(if: espeakInstalled, "espeak-ng is not installed (apt-get install espeak-ng)"))
  func saySpeaksCachedAndFailsClearly() throws {
    let fixtures = AudioFixtures()
    let cache = fixtures.path("speech")
    let heard = fixtures.path("heard.wav")
    let (bob, uri) = try peers.uas(
      Self.ready + """
        sip.listen{ handler = function(call)
          call:answer()
          ready(call)
          test.record("say", call:say("Hello from sipscript."))
          test.record("again", call:say("Hello from sipscript."))
          local ok, err = call:say("x", { voice = "zz-nonexistent" })
          test.record("voice", ok, err:match("^say: espeak%-ng failed") ~= nil)
          test.record("prompt list", call:play({ { say = "One." }, { say = "Two.", voice = "en-us" } }))
          ready(call)
          call:wait_bye{ timeout = 10 }
        end }
        """,
      configure: { calls in calls.ivr.loader.speech = SpeechSynthesizer(cacheDirectory: cache) })
    defer { bob.close() }
    let alice = try peers.uac(
      Self.await + """
        local call = sip.invite("\(uri)", {})
        local rec = call:record("\(heard)")
        await(call)
        await(call)
        call:bye()
        rec:wait()
        sip.stop()
        """)
    defer { alice.close() }
    #expect(alice.waitForOutcome(60) == .stopped)
    #expect(bob.waitForLines(4, 10) == ["say true", "again true", "voice nil true", "prompt list true"])
    // One file per (voice, text): the repeated sentence was synthesized once.
    let cached = try FileManager.default.contentsOfDirectory(atPath: cache).filter { $0.hasSuffix(".wav") }
    #expect(cached.count == 3)
    #expect(try RecordedWAV(path: heard).voicedSeconds >= 1.5)
  }

  @Test func sayWithoutEspeakIsAClearError() throws {
    let fixtures = AudioFixtures()
    let (bob, uri) = try peers.uas(
      """
      sip.listen{ handler = function(call)
        call:answer()
        test.record("say", call:say("Hello"))
        test.record("gather", call:gather{ prompt = { say = "Press a key" } })
        call:bye()
      end }
      """,
      configure: { [cache = fixtures.path("speech"), empty = fixtures.path("empty")] calls in
        calls.ivr.loader.speech = SpeechSynthesizer(cacheDirectory: cache, searchPath: empty)
      })
    defer { bob.close() }
    let alice = try peers.uac(
      """
      local call = sip.invite("\(uri)", {})
      call:wait_bye{ timeout = 10 }
      sip.stop()
      """)
    defer { alice.close() }
    #expect(alice.waitForOutcome(20) == .stopped)
    let message =
      "say: espeak-ng is not installed (not found on PATH); install the Debian package espeak-ng (scripts/setup does)"
    #expect(bob.waitForLines(2, 10) == ["say nil \(message)", "gather nil \(message)"])
  }

  @Test func speechCacheBoundsAreSetBySipConfig() throws {
    // Three cached speeches used at 1, 2 and 3 s: bounded to two files, the oldest goes.
    let fixtures = AudioFixtures()
    let cache = fixtures.path("speech")
    try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
    let names = ["a", "b", "c"].map { String(repeating: $0, count: 64) + ".wav" }
    for (index, name) in names.enumerated() {
      let path = cache + "/" + name
      try Data(repeating: 1, count: 1000).write(to: URL(fileURLWithPath: path))
      var times = (timespec(tv_sec: index + 1, tv_nsec: 0), timespec(tv_sec: index + 1, tv_nsec: 0))
      _ = withUnsafePointer(to: &times) {
        $0.withMemoryRebound(to: timespec.self, capacity: 2) { utimensat(AT_FDCWD, path, $0, 0) }
      }
    }
    let script = try NetworkScript(loop: peers.loop)
    defer { script.close() }
    try script.start(
      """
      test.record(sip.config{ speech_cache_dir = "\(cache)", speech_cache_entries = 2 } ~= nil)
      test.record(pcall(sip.config, { speech_cache_entries = 0 }))
      test.record(pcall(sip.config, { speech_cache_bytes = 1.5 }))
      """)
    #expect(script.waitForOutcome() == .finished)
    let lines = script.lines
    #expect(lines.first == "true")
    #expect(lines.dropFirst().first?.contains("field 'speech_cache_entries' must be a whole number") == true)
    #expect(lines.last?.contains("field 'speech_cache_bytes' must be a whole number") == true)
    // Pruned off the loop: wait for it (bounded).
    var left: Set<String> = []
    for _ in 0..<200 {
      left = Set(try FileManager.default.contentsOfDirectory(atPath: cache))
      if left.count <= 2 { break }
      Thread.sleep(forTimeInterval: 0.01)
    }
    #expect(left == Set(names.dropFirst()))
  }
}
