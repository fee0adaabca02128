import Testing

@testable import SIPScript

/// The count hook stops a resume that runs too long; the other tasks go on. These tests use real
/// time (the watchdog measures the CPU-bound resume itself), with a 0.2 s budget.
@Suite struct WatchdogTests {
  @Test func aBusyLoopIsStoppedAndOtherTasksContinue() throws {
    let h = try ScriptHarness(watchdog: 0.2)
    h.run(
      """
      local busy = sip.spawn(function()
        local guard <close> = setmetatable({}, {__close = function() test.record("busy closed") end})
        while true do end
      end)
      local other = sip.spawn(function() sip.sleep(1); return "other done" end)
      local r = sip.wait_all({busy, other})
      test.record(r[1][1], (r[1][2]:match("^[^\\n]*")), r[2][1])
      """)
    h.advance(seconds: 1)
    #expect(
      h.records == [
        "busy closed",
        "nil test.lua:3: watchdog: task ran for more than 0.2 s without yielding other done",
      ])
    #expect(h.outcome == .finished)
  }

  @Test func pcallCannotCatchTheWatchdog() throws {
    let h = try ScriptHarness(watchdog: 0.2)
    h.run(
      """
      local t = sip.spawn(function()
        while true do pcall(function() while true do end end) end
      end)
      test.record((sip.wait_all({t})[1][2]:match("^[^\\n]*")))
      """)
    #expect(h.records == ["test.lua:2: watchdog: task ran for more than 0.2 s without yielding"])
    #expect(h.outcome == .finished)
  }

  @Test func aBusyMainChunkFailsTheRunWithItsLocation() throws {
    let h = try ScriptHarness(watchdog: 0.2)
    h.run(
      """
      local n = 0
      while true do n = n + 1 end
      """)
    let message = try #require(h.failureMessage)
    #expect(message.hasPrefix("test.lua:2: watchdog: task ran for more than 0.2 s without yielding"))
    #expect(message.contains("stack traceback:"))
  }
}
