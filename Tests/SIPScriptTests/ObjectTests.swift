import Testing

@testable import SIPScript

final class Greeter {
  let name: String
  var closed = false
  init(name: String) { self.name = name }
}

/// Swift objects as userdata: fields, methods, tostring, __close, type checks, and __gc
/// releasing the Swift reference.
@Suite struct ObjectTests {
  final class Weak {
    weak var object: Greeter?
  }

  func harnessWithGreeter(_ weak: Weak) throws -> ScriptHarness {
    let h = try ScriptHarness()
    var greeter = LuaClass<Greeter>("test.greeter")
    greeter.fields["name"] = { .string($0.name) }
    greeter.methods["greet"] = { object, call in
      .value(.string("hello \(try call.string(2)) from \(object.name)"))
    }
    greeter.description = { "greeter \($0.name)" }
    greeter.close = { $0.closed = true }
    h.runtime.register(greeter)
    h.runtime.register("make", in: "test") { call in
      let object = Greeter(name: try call.string(1))
      weak.object = object
      return .value(.object(object))
    }
    h.runtime.register("alive", in: "test") { _ in .value(.boolean(weak.object != nil)) }
    return h
  }

  @Test func fieldsMethodsAndTostring() throws {
    let weak = Weak()
    let h = try harnessWithGreeter(weak)
    h.run(
      """
      local g = test.make("bob")
      test.record(g.name, g:greet("ann"), tostring(g), g.missing, getmetatable(g))
      test.record(select(2, pcall(function() return g:greet() end)))
      test.record(select(2, pcall(function() return g.greet({}, "x") end)))
      """)
    #expect(
      h.records
        == [
          "hello ann from bob",
          "test.lua:3: bad argument #1 to 'greet' (string expected, got no value)",
          "test.lua:4: calling 'greet' on bad self (test.greeter expected, got table)",
        ].enumerated().map {
          $0.offset == 0 ? "bob " + $0.element + " greeter bob nil test.greeter" : $0.element
        })
  }

  /// `__index` finds methods in a Lua table and hands other keys to the native lookup: a field
  /// still hides a method of the same name, keys that are not strings give nil, the same method
  /// is the same function each time, and a field read on a foreign object still raises.
  @Test func methodsFromTheTableFieldsFromTheLookup() throws {
    let weak = Weak()
    let h = try ScriptHarness()
    var greeter = LuaClass<Greeter>("test.greeter")
    greeter.fields["name"] = { .string($0.name) }
    greeter.fields["both"] = { _ in .string("field") }
    greeter.methods["both"] = { _, _ in .value(.string("method")) }
    greeter.methods["greet"] = { object, _ in .value(.string("hi from \(object.name)")) }
    h.runtime.register(greeter)
    h.runtime.register("make", in: "test") { call in
      let object = Greeter(name: try call.string(1))
      weak.object = object
      return .value(.object(object))
    }
    h.run(
      """
      local g = test.make("bob")
      local other = test.make("ann")
      test.record(g:greet(), other:greet(), g.name, g.both, g.greet == other.greet)
      test.record(g[1], g[true], g.nothing, g[""], type(g.greet))
      local index = getmetatable(g)
      test.record(tostring(index), rawequal(g.greet, g.greet))
      test.record(select(2, pcall(function() return g.greet({}) end)))
      """)
    #expect(
      h.records == [
        "hi from bob hi from ann bob field true",
        "nil nil nil nil function",
        "test.greeter true",
        "test.lua:7: calling 'greet' on bad self (test.greeter expected, got table)",
      ])
  }

  @Test func garbageCollectionReleasesTheSwiftObject() throws {
    let weak = Weak()
    let h = try harnessWithGreeter(weak)
    h.run(
      """
      do
        local g = test.make("temp")
        collectgarbage()
        test.record("alive while referenced", test.alive())
      end
      collectgarbage()
      collectgarbage()
      sip.sleep(0)
      test.record("alive after collection", test.alive())
      """)
    #expect(h.records == ["alive while referenced true", "alive after collection false"])
    #expect(weak.object == nil)
  }

  @Test func closeVariableDetachesTheObject() throws {
    let weak = Weak()
    let h = try harnessWithGreeter(weak)
    var kept: Greeter?
    h.run(
      """
      local outside
      do
        local g <close> = test.make("scoped")
        outside = g
      end
      test.record(select(2, pcall(function() return outside:greet("x") end)))
      """)
    kept = weak.object
    #expect(h.records == ["test.lua:6: calling 'greet' on bad self (test.greeter is closed)"])
    #expect(kept == nil)  // detached and released right after the close
  }

  @Test func objectsAreReleasedWhenTheStateCloses() throws {
    let weak = Weak()
    let h = try harnessWithGreeter(weak)
    h.run("keep = test.make('global')")
    #expect(h.outcome == .finished)
    #expect(weak.object == nil)
  }
}
