import Testing

@testable import SIPScript

/// sleep, timers, spawn, wait_all and the end of a run, on the embedded loop's virtual clock.
@Suite struct SchedulerTests {
  @Test func sleepingTasksWakeInDeadlineOrder() throws {
    let h = try ScriptHarness()
    h.run(
      """
      sip.spawn(function() sip.sleep(2); test.record("A") end)
      sip.spawn(function(name) sip.sleep(1); test.record(name) end, "B")
      test.record("main")
      """)
    #expect(h.records == ["main"])
    #expect(h.outcome == nil)
    h.advance(seconds: 0.999)
    #expect(h.records == ["main"])
    h.advance(seconds: 0.001)
    #expect(h.records == ["main", "B"])
    #expect(h.outcome == nil)
    h.advance(seconds: 1)
    #expect(h.records == ["main", "B", "A"])
    #expect(h.outcome == .finished)
  }

  @Test func nowFollowsTheLoopClock() throws {
    let h = try ScriptHarness()
    h.run(
      """
      local t0 = sip.now()
      sip.sleep(1.5)
      test.record(string.format("%.3f", sip.now() - t0), math.type(sip.now()))
      """)
    h.advance(seconds: 1.5)
    #expect(h.records == ["1.500 float"])
  }

  @Test func sleepZeroYieldsToOtherReadyTasks() throws {
    let h = try ScriptHarness()
    h.run(
      """
      sip.spawn(function() test.record("spawned") end)
      sip.sleep(0)
      test.record("main after sleep(0)")
      """)
    #expect(h.records == ["spawned", "main after sleep(0)"])
  }

  @Test func timersFireOnceOrRepeatAndCancel() throws {
    let h = try ScriptHarness()
    h.run(
      """
      local t0 = sip.now()
      local function at() return string.format("%.1f", sip.now() - t0) end
      sip.add_timer(0.5, function() test.record("once", at()) end)
      local n = 0
      local every = sip.add_timer(1, function(timer)
        n = n + 1
        test.record("tick", n, at())
        if n == 3 then test.record("cancel", timer:cancel(), timer.armed) end
      end, 2)
      local never = sip.add_timer(10, function() test.record("never") end)
      test.record(tostring(never):match("^sip.timer"), never:cancel(), never:cancel())
      """)
    #expect(h.records == ["sip.timer true false"])
    h.advance(seconds: 10)
    #expect(
      h.records == [
        "sip.timer true false", "once 0.5", "tick 1 1.0", "tick 2 3.0", "tick 3 5.0", "cancel true false",
      ])
    #expect(h.outcome == .finished)
  }

  @Test func anArmedTimerKeepsTheRunAlive() throws {
    let h = try ScriptHarness()
    h.run("sip.add_timer(3, function() test.record('fired') end)")
    h.advance(seconds: 2.9)
    #expect(h.outcome == nil)
    h.advance(seconds: 0.1)
    #expect(h.records == ["fired"])
    #expect(h.outcome == .finished)
  }

  @Test func waitAllReturnsResultsInOrderWithErrorsInTheirSlot() throws {
    let h = try ScriptHarness()
    h.run(
      """
      local a = sip.spawn(function() sip.sleep(3); return "a", 1 end)
      local b = sip.spawn(function() sip.sleep(1); error("b failed", 0) end)
      local c = sip.spawn(function() return end)
      local r = sip.wait_all({a, b, c})
      test.record(#r, r[1][1], r[1][2], r[1].n, r[2][1], r[2][2]:match("^[^\\n]*"), r[2].n, r[3].n)
      test.record(a:status(), tostring(a):match("^sip.task spawn#2"))
      local again = sip.wait_all({a})
      test.record(again[1][1])
      """)
    #expect(h.records.isEmpty)
    h.advance(seconds: 3)
    #expect(h.records == ["3 a 1 2 nil b failed 2 0", "done sip.task spawn#2", "a"])
    #expect(h.outcome == .finished)
  }

  @Test func aTaskThatReturnedNothingHasOneEmptyPackOnEveryRead() throws {
    // The pack of no results is made when first read (LuaReference.emptyPack): still `{n = 0}`,
    // and the same table every time, so what a script stores in it stays.
    let h = try ScriptHarness()
    h.run(
      """
      local t = sip.spawn(function() end)
      local first = sip.wait_all({t})[1]
      local keys = 0
      for _ in pairs(first) do keys = keys + 1 end
      first.note = "kept"
      local second = sip.wait_all({t})[1]
      test.record(first.n, #first, keys, rawequal(first, second), second.note)
      """)
    h.advance(seconds: 0.1)
    #expect(h.records == ["0 0 1 true kept"])
    #expect(h.outcome == .finished)
  }

  @Test func waitAllRejectsBadArguments() throws {
    let h = try ScriptHarness()
    h.run(
      """
      test.record(select(2, pcall(function() sip.wait_all({1}) end)))
      test.record(select(2, pcall(function() sip.wait_all() end)))
      """)
    #expect(
      h.records == [
        "test.lua:1: bad argument #1 to 'wait_all' (element 1 is not a task (number))",
        "test.lua:2: bad argument #1 to 'wait_all' (table of tasks expected, got no value)",
      ])
  }

  @Test func aThousandConcurrentSleepingTasks() throws {
    let h = try ScriptHarness()
    h.run(
      """
      local tasks, woke = {}, 0
      for i = 1, 1000 do
        tasks[i] = sip.spawn(function() sip.sleep(1 + i % 10); woke = woke + 1; return i end)
      end
      local r = sip.wait_all(tasks)
      local sum = 0
      for i = 1, #r do sum = sum + r[i][1] end
      test.record(woke, #r, sum, string.format("%.0f", sip.now()))
      """)
    #expect(h.records.isEmpty)
    h.advance(seconds: 9.9)
    #expect(h.records.isEmpty)
    h.advance(seconds: 1.1)
    #expect(h.records.count == 1)
    #expect(h.records.first?.hasPrefix("1000 1000 500500") == true)
    #expect(h.outcome == .finished)
  }

  @Test func pendingWorkHoldsKeepTheRunOpen() throws {
    let h = try ScriptHarness()
    h.runtime.retainPendingWork()
    h.run("test.record('main done')")
    #expect(h.records == ["main done"])
    #expect(h.outcome == nil)
    h.runtime.releasePendingWork()
    h.loop.run()
    #expect(h.outcome == .finished)
  }

  @Test func hostStopAbandonsSleepingTasks() throws {
    let h = try ScriptHarness()
    h.run(
      """
      local guard <close> = setmetatable({}, {__close = function() test.record("closed") end})
      sip.sleep(60)
      """)
    h.runtime.stop(.exited(143))
    h.loop.run()
    #expect(h.records == ["closed"])
    #expect(h.outcome == .exited(143))
    // The sleep's timer fires into a closed runtime without effect.
    h.advance(seconds: 60)
    #expect(h.records == ["closed"])
  }

  @Test func logUsesTheLevelAndTaskMetadata() throws {
    let h = try ScriptHarness()
    h.run(
      """
      sip.log("hello", 1, true)
      sip.log("warning", "careful", setmetatable({}, {__tostring = function() return "obj" end}))
      sip.spawn(function() sip.log("debug", "from spawn") end)
      """)
    let entries = h.logs.entries.map { ($0.0, $0.1, $0.2["task"]?.description ?? "") }
    #expect(entries.count == 3)
    #expect(entries[0] == (.info, "hello 1 true", "main"))
    #expect(entries[1] == (.warning, "careful obj", "main"))
    #expect(entries[2] == (.debug, "from spawn", "spawn#2"))
  }
}
