import Testing

@testable import SIPScript

/// The Swift-side API later layers build on: running Lua callbacks as tasks, suspension cleanup,
/// and failure isolation between tasks.
@Suite struct HostAPITests {
  @Test func swiftSpawnsAStoredCallbackAsATask() throws {
    let h = try ScriptHarness()
    let stored = CallbackBox()
    h.runtime.register("on_event", in: "test") { call in
      stored.callback = try call.function(1)
      return .none
    }
    h.runtime.retainPendingWork()  // like a listener
    h.run("test.on_event(function(kind, n) sip.sleep(1); test.record('event', kind, n) end)")
    let callback = try #require(stored.callback)
    let task = h.runtime.spawn(callback, arguments: [.string("ring"), .integer(2)], name: "event")
    #expect(task?.name == "event#2")
    h.loop.run()
    #expect(h.records.isEmpty)
    #expect(task?.state == .suspended)
    h.advance(seconds: 1)
    #expect(h.records == ["event ring 2"])
    #expect(task?.state == .done)
    h.runtime.releasePendingWork()
    h.loop.run()
    #expect(h.outcome == .finished)
  }

  @Test func abandonCleanupRunsOnStopButNotAfterResume() throws {
    let h = try ScriptHarness()
    let box = TokenBox()
    let cleanups = Counter(0)
    h.runtime.register("wait", in: "test") { call in
      let token = try call.suspension()
      token.onAbandon { cleanups.value += 1 }
      box.token = token
      return .suspend
    }
    h.run("test.record(test.wait()) test.wait()")
    box.token?.resume(with: [.string("first")])
    h.loop.run()
    #expect(h.records == ["first"])
    #expect(cleanups.value == 0)
    h.runtime.stop(.stopped)
    h.loop.run()
    #expect(cleanups.value == 1)
    #expect(h.outcome == .stopped)
  }

  @Test func aFailingTimerCallbackDoesNotStopTheTimerOrOtherTasks() throws {
    let h = try ScriptHarness()
    h.run(
      """
      local n = 0
      sip.add_timer(1, function(t)
        n = n + 1
        if n == 3 then t:cancel() end
        error("callback " .. n)
      end, 1)
      sip.spawn(function() sip.sleep(2.5) test.record("other task", n) end)
      """)
    h.advance(seconds: 5)
    #expect(h.records == ["other task 2"])
    let errors = h.logs.entries.filter { $0.0 == .error }.map { $0.1 }
    #expect(errors.count == 3)
    #expect(errors.first?.contains("test.lua:5: callback 1") == true)
    #expect(h.outcome == .finished)
  }

  @Test func errorsInCloseDuringShutdownAreLogged() throws {
    let h = try ScriptHarness()
    h.run(
      """
      sip.spawn(function()
        local bad <close> = setmetatable({}, {__close = function() error("close failed") end})
        sip.sleep(10)
      end)
      sip.sleep(1)
      os.exit(4)
      """)
    h.advance(seconds: 1)
    #expect(h.outcome == .exited(4))
    let errors = h.logs.entries.filter { $0.0 == .error }
    #expect(errors.count == 1)
    #expect(errors.first?.1.contains("close failed") == true)
    #expect(errors.first?.2["task"] == "spawn#2")
  }

  @Test func mainChunkResultsAndDrainOrder() throws {
    // Ready tasks run in FIFO order, one resume each per turn.
    let h = try ScriptHarness()
    h.run(
      """
      for i = 1, 3 do sip.spawn(function() test.record("start " .. i); sip.sleep(0); test.record("end " .. i) end) end
      """)
    #expect(h.records == ["start 1", "start 2", "start 3", "end 1", "end 2", "end 3"])
  }
}

final class CallbackBox {
  var callback: LuaReference?
}

@Suite struct DroppedTokenTests {
  @Test func aDroppedTokenResumesTheTaskWithAnError() throws {
    let h = try ScriptHarness()
    h.runtime.register("wait_forever", in: "test") { call in
      _ = try call.suspension()  // a buggy layer: takes a token and loses it
      return .suspend
    }
    h.run("test.record(test.wait_forever())")
    #expect(h.records == ["nil abandoned: the awaited operation was dropped"])
    #expect(h.outcome == .finished)
    #expect(h.logs.entries.contains { $0.0 == .warning && $0.1.contains("dropped without being resumed") })
  }
}
