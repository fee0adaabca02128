// Writing our own descriptions straight as bytes.

/// Appends SDP lines to one byte buffer: a type letter, `=`, the value's pieces (text, numbers
/// written as decimal digits), CRLF. What ``OfferAnswer`` writes this way is byte for byte what
/// building the description's lines and serializing them gives (`AnswerBytesTests`).
struct SDPWriter {
  private(set) var bytes: [UInt8] = []

  init(capacity: Int) { bytes.reserveCapacity(capacity) }

  /// The bytes in a new buffer of their size (the writer's has room to spare), for keeping.
  var exactBytes: [UInt8] {
    [UInt8](unsafeUninitializedCapacity: bytes.count) { buffer, count in
      _ = buffer.initialize(from: bytes)
      count = bytes.count
    }
  }

  /// Starts a line: `<type>=`.
  mutating func start(_ type: UInt8) {
    bytes.append(type)
    bytes.append(UInt8(ascii: "="))
  }

  /// Ends a line with CRLF (RFC 8866 §5: what lines built in code get).
  mutating func end() {
    bytes.append(0x0D)
    bytes.append(0x0A)
  }

  /// The text's UTF-8 bytes, copied from its buffer: appending the `utf8` view went byte by byte
  /// (~170 instructions for a short piece, ~20 pieces an answer; docs/benchmarks-calls.md,
  /// "callpath").
  mutating func append(_ text: String) {
    var text = text
    text.withUTF8 { bytes.append(contentsOf: $0) }
  }

  mutating func append(byte: UInt8) { bytes.append(byte) }

  /// `String(number)`'s digits.
  mutating func append(_ number: Int) {
    var magnitude = number.magnitude
    if number < 0 { bytes.append(UInt8(ascii: "-")) }
    var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    )
    var count = 0
    // Up to 20 digits: the first ten go through the tuple, the rest (never for ports and payload
    // types) through the standard library.
    guard magnitude < 10_000_000_000 else {
      bytes.append(contentsOf: String(magnitude).utf8)
      return
    }
    repeat {
      let digit = UInt8(magnitude % 10) + 0x30
      withUnsafeMutableBytes(of: &digits) { $0[count] = digit }
      count += 1
      magnitude /= 10
    } while magnitude > 0
    withUnsafeBytes(of: &digits) { buffer in
      var index = count - 1
      while index >= 0 {
        bytes.append(buffer[index])
        index -= 1
      }
    }
  }
}
