import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// docs/gather-semantics.md numbers its rules; GatherSemanticsTests names one test after each.
/// This test reads both files from the source tree and fails when they differ.
@Suite struct GatherSemanticsDocTests {
  static let testsDirectory = String(#filePath).split(separator: "/").dropLast().joined(separator: "/")

  static func read(_ path: String) throws -> String {
    guard let file = fopen(path, "r") else { throw ReadError(path: path) }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    for _ in 0..<64 {
      let count = fread(&buffer, 1, buffer.count, file)
      if count == 0 { break }
      bytes += buffer[..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  struct ReadError: Error { var path: String }

  @Test func everyRuleHasATestNamedAfterIt() throws {
    let root = "/" + Self.testsDirectory + "/../.."
    let doc = try Self.read(root + "/docs/gather-semantics.md")
    let tests = try Self.read("/" + Self.testsDirectory + "/GatherSemanticsTests.swift")
    let rules = doc.split(separator: "\n").filter { line in
      guard let dot = line.firstIndex(of: ".") else { return false }
      return !line[..<dot].isEmpty && line[..<dot].allSatisfy(\.isNumber) && line[dot...].hasPrefix(". ")
    }.map(String.init)
    // Test names: the string literal after @Test(, possibly on the next line.
    var names: [String] = []
    var rest = Substring(tests)
    while let range = rest.range(of: "@Test(") {
      rest = rest[range.upperBound...]
      guard let open = rest.firstIndex(of: "\"") else { break }
      let afterOpen = rest.index(after: open)
      guard let close = rest[afterOpen...].firstIndex(of: "\"") else { break }
      names.append(String(rest[afterOpen..<close]))
      rest = rest[close...]
    }
    #expect(rules.count == 23)
    #expect(rules == names)
    for (index, rule) in rules.enumerated() {
      #expect(rule.hasPrefix("\(index + 1). "), "rules are numbered in order")
    }
  }
}
