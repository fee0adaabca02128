extension [UInt8] {
  /// Appends the UTF-8 of `text` with one copy of its contiguous bytes. The generic
  /// `append(contentsOf: text.utf8)` went through the view element by element and was ~5,000
  /// instructions per transaction in the OPTIONS benchmark (docs/benchmarks-transactions.md).
  @inline(__always) mutating func appendUTF8(_ text: String) {
    var text = text
    text.withUTF8 { append(contentsOf: $0) }
  }

  /// Appends the bytes of a literal. The builders' fixed pieces (`Via`, `;tag=`, …) are
  /// StaticStrings rather than `static let` arrays: a static array is made on first use and
  /// every read of it went through `swift_once` and a retain (docs/benchmarks-transactions.md,
  /// round 7).
  @inline(__always) mutating func appendASCII(_ text: StaticString) {
    append(contentsOf: text.bytes)
  }
}

extension StaticString {
  /// The literal's bytes (ASCII literals only: no scalar literals).
  @inline(__always) var bytes: UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: utf8Start, count: utf8CodeUnitCount)
  }
}
