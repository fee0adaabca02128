// TelephoneEvents.description writes into a stack buffer: every list, the longest included,
// must be the same text as ranges joined by commas, and parse back to the same events.

import Testing

@testable import SDP

@Suite struct TelephoneEventsTextTests {
  /// The list as RFC 4733 §2.4.1 writes it, made the slow way.
  static func reference(_ codes: [Int]) -> String {
    var parts: [String] = []
    var index = 0
    let sorted = codes.sorted()
    while index < sorted.count {
      var end = index
      while end + 1 < sorted.count && sorted[end + 1] == sorted[end] + 1 { end += 1 }
      parts.append(index == end ? "\(sorted[index])" : "\(sorted[index])-\(sorted[end])")
      index = end + 1
    }
    return parts.joined(separator: ",")
  }

  @Test func everyShapeOfListIsWrittenAsRanges() {
    var sets: [[Int]] = [[], [0], [255], Array(0...255), Array(0...15), Array(0...16), [0, 1, 2, 3, 11, 16]]
    // Runs and gaps of every small length, at every phase: the longest text (609 bytes) is among them.
    for period in 2...5 {
      for run in 1..<period {
        for phase in 0..<period { sets.append((0...255).filter { ($0 + phase) % period < run }) }
      }
    }
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<50 { sets.append((0...255).filter { _ in Bool.random(using: &generator) }) }
    var longest = 0
    for codes in sets {
      let events = TelephoneEvents(codes)
      let text = events.description
      #expect(text == Self.reference(codes))
      longest = max(longest, text.utf8.count)
      if !codes.isEmpty { #expect(TelephoneEvents(parsing: text) == events) }
    }
    #expect(longest == 609)
  }
}
