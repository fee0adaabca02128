extension [UInt8] {
  /// Appends the UTF-8 of `text` with one copy of its contiguous bytes. The generic
  /// `append(contentsOf: text.utf8)` went through the view element by element and was ~5,000
  /// instructions per transaction in the OPTIONS benchmark (docs/benchmarks-transactions.md).
  @inline(__always) mutating func appendUTF8(_ text: String) {
    var text = text
    text.withUTF8 { append(contentsOf: $0) }
  }
}
