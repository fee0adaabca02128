import Testing

@testable import SIPScript

/// Option tables read from Swift with raw gets, and their error wording.
@Suite struct FieldReaderTests {
  func harness() throws -> ScriptHarness {
    let h = try ScriptHarness()
    h.runtime.register("config", in: "test") { call in
      let from = try call.optionalStringField("from", in: 1) ?? "-"
      let expires = try call.optionalIntegerField("expires", in: 1).map(String.init) ?? "-"
      let user = try call.optionalStringField("auth.user", in: 1) ?? "-"
      let codecs = try call.optionalStringListField("codecs", in: 1)?.joined(separator: ",") ?? "-"
      let verbose = try call.optionalBooleanField("verbose", in: 1).map { "\($0)" } ?? "-"
      let callback = try call.optionalFunctionField("cb_final", in: 1) == nil ? "no cb" : "cb"
      return .value(.string([from, expires, user, codecs, verbose, callback].joined(separator: " ")))
    }
    return h
  }

  @Test func readsFieldsAndNestedPaths() throws {
    let h = try harness()
    h.run(
      """
      test.record(test.config{from = "sip:a@b", expires = 60, auth = {user = "alice"},
        codecs = {"PCMU", "PCMA"}, verbose = true, cb_final = function() end})
      test.record(test.config{codecs = "PCMU"})
      -- Metamethods are not consulted (raw reads).
      test.record(test.config(setmetatable({}, {__index = function() error("must not run") end})))
      """)
    #expect(
      h.records == [
        "sip:a@b 60 alice PCMU,PCMA true cb",
        "- - - PCMU - no cb",
        "- - - - - no cb",
      ])
  }

  @Test func badFieldsAreNamedInTheError() throws {
    let h = try harness()
    h.run(
      """
      test.record(select(2, pcall(function() return test.config{from = 5 .. ""} end)))
      test.record(select(2, pcall(function() return test.config{expires = "soon"} end)))
      test.record(select(2, pcall(function() return test.config{auth = "alice"} end)))
      test.record(select(2, pcall(function() return test.config{codecs = {"PCMU", 8}} end)))
      test.record(select(2, pcall(function() return test.config{verbose = 1} end)))
      test.record(select(2, pcall(function() return test.config("x") end)))
      """)
    #expect(
      h.records == [
        "5 - - - - no cb",
        "test.lua:2: bad field 'expires' in argument #1 to 'config' (number expected, got string)",
        "test.lua:3: bad field 'auth' in argument #1 to 'config' (table expected, got string)",
        "test.lua:4: bad field 'codecs' in argument #1 to 'config' (element 2 is not a string)",
        "test.lua:5: bad field 'verbose' in argument #1 to 'config' (boolean expected, got number)",
        "test.lua:6: bad argument #1 to 'config' (table expected, got string)",
      ])
  }
}
