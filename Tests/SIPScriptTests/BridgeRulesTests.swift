import Foundation
import Testing

/// DESIGN §3: no Swift file may name the Lua functions that longjmp; only the C shim raises/yields.
@Suite struct BridgeRulesTests {
  @Test func noSwiftFileNamesALongjmpingLuaFunction() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    // Spelled in pieces so that this file passes the same check.
    let names = ["_error", "L_error", "_yield", "L_argerror", "L_typeerror", "L_check"].map { "lua" + $0 }
    let pattern = try Regex(names.joined(separator: "|"))
    var checked = 0
    for directory in ["Sources", "Tests"] {
      let enumerator = FileManager.default.enumerator(
        at: root.appendingPathComponent(directory), includingPropertiesForKeys: nil)
      while let url = enumerator?.nextObject() as? URL {
        guard url.pathExtension == "swift" else { continue }
        let text = try String(contentsOf: url, encoding: .utf8)
        checked += 1
        #expect(text.firstMatch(of: pattern) == nil, "\(url.path)")
      }
    }
    #expect(checked > 10)
  }
}
