import Foundation
import Testing

@testable import SIPScript

/// The Lua/Swift bridge: errors as values become Lua errors, pcall, `<close>`, yields across
/// pcall, non-yieldable contexts, error objects, os.exit, require, arguments.
@Suite struct BridgeTests {
  @Test func nativeArgumentErrorIsALuaErrorWithFileAndLine() throws {
    let h = try ScriptHarness()
    h.run(
      """
      local ok, err = pcall(function()
        sip.sleep("soon")
      end)
      test.record(ok, err)
      """)
    #expect(h.records == ["false test.lua:2: bad argument #1 to 'sleep' (number expected, got string)"])
    #expect(h.outcome == .finished)
  }

  @Test func uncaughtNativeErrorFailsTheMainChunkWithTraceback() throws {
    let h = try ScriptHarness()
    h.run(
      """
      local x = 1
      sip.add_timer(1, "not a function")
      """)
    let message = try #require(h.failureMessage)
    #expect(message.hasPrefix("test.lua:2: bad argument #2 to 'add_timer' (function expected, got string)"))
    #expect(message.contains("stack traceback:"))
    #expect(message.contains("test.lua:2: in main chunk"))
    #expect(h.outcome?.exitStatus == 1)
  }

  @Test func scriptErrorCarriesTracebackOfTheFailingFunction() throws {
    let h = try ScriptHarness()
    h.run(
      """
      local function inner() error("boom") end
      local function outer() inner() end
      outer()
      """)
    let message = try #require(h.failureMessage)
    #expect(message.hasPrefix("test.lua:1: boom"))
    #expect(
      message.contains("in local 'inner'") || message.contains("in function 'inner'")
        || message.contains("inner"))
    #expect(message.contains("test.lua:3: in main chunk"))
  }

  @Test func nonStringErrorObjectsAreConvertedSafely() throws {
    let h = try ScriptHarness()
    h.run(#"error(setmetatable({}, {__tostring = function() return "custom error" end}))"#)
    #expect(h.failureMessage?.hasPrefix("custom error") == true)

    let h2 = try ScriptHarness()
    h2.run(#"error(setmetatable({}, {__tostring = function() error("nested") end}))"#)
    #expect(h2.failureMessage?.hasPrefix("(error object's __tostring failed: ") == true)

    let h3 = try ScriptHarness()
    h3.run("error({code = 1})")
    #expect(h3.failureMessage?.hasPrefix("table: ") == true)
  }

  @Test func closeVariablesRunWhenATaskFails() throws {
    let h = try ScriptHarness()
    h.run(
      """
      local t = sip.spawn(function()
        local guard <close> = setmetatable({}, {__close = function(_, err) test.record("closed", err ~= nil) end})
        sip.sleep(1)
        error("failing after sleep")
      end)
      local results = sip.wait_all({t})
      test.record(results[1][1], results[1][2]:match("^[^\\n]*"))
      """)
    #expect(h.records.isEmpty)
    h.advance(seconds: 1)
    #expect(h.records == ["closed true", "nil test.lua:4: failing after sleep"])
    #expect(h.outcome == .finished)
    // The failure is logged with the task's name.
    let logged = h.logs.entries.first { $0.0 == .error }
    #expect(logged?.1.contains("failing after sleep") == true)
    #expect(logged?.2["task"] == "spawn#2")
  }

  @Test func closeVariablesRunOnStop() throws {
    let h = try ScriptHarness()
    h.run(
      """
      sip.spawn(function()
        local guard <close> = setmetatable({}, {__close = function() test.record("spawned closed") end})
        sip.sleep(100)
        test.record("never")
      end)
      local guard <close> = setmetatable({}, {__close = function() test.record("main closed") end})
      sip.sleep(1)
      sip.stop()
      test.record("after stop")
      """)
    h.advance(seconds: 1)
    #expect(h.records == ["main closed", "spawned closed"])
    #expect(h.outcome == .stopped)
  }

  @Test func nativeSuspensionWorksAcrossPcall() throws {
    let h = try ScriptHarness()
    h.run(
      """
      local ok, value = pcall(function()
        sip.sleep(2)
        return 42
      end)
      test.record(ok, value)
      local ok2, err = pcall(function()
        sip.sleep(1)
        error("after the yield")
      end)
      test.record(ok2, err)
      """)
    #expect(h.records.isEmpty)
    h.advance(seconds: 2)
    #expect(h.records == ["true 42"])
    h.advance(seconds: 1)
    #expect(h.records == ["true 42", "false test.lua:8: after the yield"])
  }

  @Test func resumeWithAnErrorRaisesInTheSuspendedCall() throws {
    let h = try ScriptHarness()
    let tokens = TokenBox()
    h.runtime.register("wait", in: "test") { call in
      tokens.token = try call.suspension()
      return .suspend
    }
    h.run(
      """
      local ok, err = pcall(test.wait)
      test.record(ok, err)
      test.record(test.wait())
      """)
    #expect(h.records.isEmpty)
    #expect(tokens.token?.resume(throwing: "hangup") == true)
    #expect(tokens.token?.resume(with: []) == false)  // a token acts once
    h.loop.run()
    #expect(h.records == ["false hangup"])
    tokens.token?.resume(with: [.nil, .string("reason")])
    h.loop.run()
    #expect(h.records == ["false hangup", "nil reason"])
    #expect(h.outcome == .finished)
  }

  @Test func waitingWhereLuaCannotYieldIsAClearError() throws {
    let h = try ScriptHarness()
    h.run(
      """
      local ok, err = pcall(table.sort, {3, 2, 1}, function(a, b) sip.sleep(1) return a < b end)
      test.record(ok, err)
      local co = coroutine.wrap(function() sip.sleep(1) end)
      local ok2, err2 = pcall(co)
      test.record(ok2, err2)
      """)
    #expect(h.records.count == 2)
    #expect(h.records[0].hasPrefix("false test.lua:1: 'sleep' must wait"))
    #expect(h.records[1].hasPrefix("false test.lua:3: 'sleep' must wait"))
    #expect(h.outcome == .finished)
  }

  @Test func bareCoroutineYieldInATaskLetsOthersRun() throws {
    let h = try ScriptHarness()
    h.run(
      """
      sip.spawn(function() test.record("b1"); coroutine.yield(); test.record("b2") end)
      test.record("a1"); coroutine.yield(); test.record("a2"); coroutine.yield(); test.record("a3")
      """)
    #expect(h.records == ["a1", "b1", "a2", "b2", "a3"])
    #expect(h.outcome == .finished)
  }

  @Test func osExitEndsTheRunWithItsCodeAndRunsClose() throws {
    let h = try ScriptHarness()
    h.run(
      """
      local guard <close> = setmetatable({}, {__close = function() test.record("closed") end})
      pcall(os.exit, 3)
      test.record("not reached")
      """)
    #expect(h.records == ["closed"])
    #expect(h.outcome == .exited(3))
    #expect(h.outcome?.exitStatus == 3)

    let h2 = try ScriptHarness()
    h2.run("sip.spawn(function() os.exit(false) end) sip.sleep(5)")
    #expect(h2.outcome == .exited(1))

    let h3 = try ScriptHarness()
    h3.run("os.exit()")
    #expect(h3.outcome == .exited(0))
  }

  @Test func requireFindsModulesBesideTheScript() throws {
    let dir = try TemporaryDirectory()
    try dir.write("greeting.lua", "return { text = 'hello from module' }")
    try dir.write("pkg/init.lua", "return { name = 'pkg init' }")
    let main = try dir.write(
      "main.lua", "test.record(require('greeting').text, require('pkg').name, require('sip') == sip)")
    let h = try ScriptHarness()
    h.run(file: main)
    #expect(h.records == ["hello from module pkg init true"])
    #expect(h.outcome == .finished)
  }

  @Test func loadErrorsFailTheRun() throws {
    let dir = try TemporaryDirectory()
    let bad = try dir.write("bad.lua", "local x = \nif then")
    let h = try ScriptHarness()
    h.run(file: bad)
    #expect(h.failureMessage?.contains("bad.lua:2:") == true)
    let h2 = try ScriptHarness()
    h2.run(file: dir.url.appendingPathComponent("missing.lua").path)
    #expect(h2.failureMessage?.contains("cannot open") == true)
    #expect(LuaRuntime.checkSyntax(scriptAt: bad)?.contains("bad.lua:2:") == true)
    #expect(LuaRuntime.checkSyntax(scriptAt: try dir.write("ok.lua", "return 1")) == nil)
  }

  @Test func argumentsReachTheScriptAsArg() throws {
    let h = try ScriptHarness()
    h.run(
      "test.record(arg[0], #arg, arg[1], arg[2], arg.to, arg.count)",
      arguments: ["to=alice", "plain", "count=3"])
    #expect(h.records == ["test.lua 3 to=alice plain alice 3"])
  }

  @Test func listenAddressesAreReadableFromLua() throws {
    let h = try ScriptHarness(listen: [
      try ListenAddress(parsing: "udp:127.0.0.1:5060"), try ListenAddress(parsing: "tcp:[::1]:0"),
    ])
    h.run(
      """
      for _, a in ipairs(sip.listen_addresses()) do test.record(a.transport, a.host, a.port) end
      """)
    #expect(h.records == ["udp 127.0.0.1 5060", "tcp ::1 0"])
  }
}

final class TokenBox {
  var token: LuaSuspension?
}
