import Testing

@testable import SIPCore

/// The character classes of ``SIPGrammar`` are constant bit masks; here each is checked against
/// its definition (RFC 3261 §25.1, RFC 3986), written out as the sets of characters it holds.
@Suite struct GrammarClassTests {
  /// The classes as the grammar defines them: byte → flags, built from the character lists.
  static let reference: [UInt16] = {
    var t = [UInt16](repeating: 0, count: 256)
    func mark(_ chars: String, _ flag: UInt16) {
      for b in chars.utf8 { t[Int(b)] |= flag }
    }
    let letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    let digits = "0123456789"
    mark(letters, SIPGrammar.alpha)
    mark(digits, SIPGrammar.digit)
    mark(digits + "abcdefABCDEF", SIPGrammar.hexDigit)
    mark(letters + digits + "-.!%*_+`'~", SIPGrammar.token)
    mark(letters + digits + "-_.!~*'()", SIPGrammar.unreserved)
    mark("&=+$,;?/", SIPGrammar.userUnreserved)
    mark("[]/:&+$", SIPGrammar.paramUnreserved)
    mark("[]/?:+$", SIPGrammar.headerUnreserved)
    mark("&=+$,", SIPGrammar.passwordExtra)
    mark(letters + digits + "+-.", SIPGrammar.schemeChar)
    mark(letters + digits + "-.!%*_+`'~()<>:\\\"/[]?{}", SIPGrammar.word)
    mark(";/?:@&=+$,", SIPGrammar.reserved)
    return t
  }()

  static let flags: [UInt16] = (0..<12).map { 1 << $0 }

  @Test func everyClassMatchesItsDefinition() {
    for flag in Self.flags {
      for byte in 0...255 {
        let expected = Self.reference[byte] & flag != 0
        #expect(SIPGrammar.is(UInt8(byte), flag) == expected, "byte \(byte), class \(flag)")
      }
    }
  }

  @Test func unionsOfClasses() {
    let unions: [UInt16] = [
      SIPGrammar.unreserved | SIPGrammar.userUnreserved, SIPGrammar.unreserved | SIPGrammar.passwordExtra,
      SIPGrammar.unreserved | SIPGrammar.paramUnreserved, SIPGrammar.unreserved | SIPGrammar.headerUnreserved,
      SIPGrammar.alpha | SIPGrammar.digit, 0, 0x0fff,
    ]
    for flags in unions {
      for byte in 0...255 {
        let expected = Self.reference[byte] & flags != 0
        #expect(SIPGrammar.is(UInt8(byte), flags) == expected, "byte \(byte), classes \(flags)")
      }
    }
  }

  @Test func tokenHelpersAgree() {
    for byte in 0...255 {
      let expected = Self.reference[byte] & SIPGrammar.token != 0
      #expect(SIPGrammar.isTokenByte(UInt8(byte)) == expected)
      #expect(SIPGrammar.isToken([UInt8(byte)]) == expected)
      #expect(SIPGrammar.isToken([0x61, 0x62, UInt8(byte)].lazy.map { $0 }) == expected)
    }
    for byte in 0...255 {
      let b = UInt8(byte)
      #expect(SIPGrammar.isDigitByte(b) == (Self.reference[byte] & SIPGrammar.digit != 0))
      #expect(SIPGrammar.isAlphaByte(b) == (Self.reference[byte] & SIPGrammar.alpha != 0))
      #expect(SIPGrammar.isHexDigitByte(b) == (Self.reference[byte] & SIPGrammar.hexDigit != 0))
    }
    #expect(!SIPGrammar.isToken([UInt8]()))
    #expect(SIPGrammar.isToken("z9hG4bK-abc.1"))
    #expect(!SIPGrammar.isToken("a b"))
  }

  @Test func scannerTakeStopsAtTheFirstByteOutsideTheClass() {
    var scanner = SIPScanner("12345abc")
    #expect(Array(scanner.take(SIPGrammar.digit)) == Array("12345".utf8))
    #expect(Array(scanner.take(SIPGrammar.alpha | SIPGrammar.digit)) == Array("abc".utf8))
    #expect(scanner.isAtEnd)
    #expect(scanner.take(SIPGrammar.token).isEmpty)
    var high = SIPScanner([0x61, 0xC3, 0xA9])
    #expect(Array(high.take(SIPGrammar.token)) == [0x61])
    #expect(high.index == 1)
  }

  @Test func classesWithSingleCharactersAdded() {
    let host = SIPGrammar.hostMasks
    let param = SIPGrammar.adding(
      UInt8(ascii: "%"), to: SIPGrammar.masks(SIPGrammar.unreserved | SIPGrammar.paramUnreserved))
    for byte in 0...255 {
      let b = UInt8(byte)
      let isHost =
        Self.reference[byte] & (SIPGrammar.alpha | SIPGrammar.digit) != 0 || b == UInt8(ascii: "-")
        || b == UInt8(ascii: ".") || b == UInt8(ascii: "_")
      #expect(SIPGrammar.is(b, in: host) == isHost, "byte \(byte)")
      let isParam =
        Self.reference[byte] & (SIPGrammar.unreserved | SIPGrammar.paramUnreserved) != 0
        || b == UInt8(ascii: "%")
      #expect(SIPGrammar.is(b, in: param) == isParam, "byte \(byte)")
      for extra in [0, 1, 37, 63, 64, 95, 127] as [UInt8] {
        let added = SIPGrammar.adding(extra, to: SIPGrammar.masks(SIPGrammar.digit))
        #expect(SIPGrammar.is(b, in: added) == (Self.reference[byte] & SIPGrammar.digit != 0 || b == extra))
      }
    }
    var scanner = SIPScanner("a-b.c_9:5060")
    #expect(Array(scanner.take(in: host)) == Array("a-b.c_9".utf8))
    #expect(scanner.peek == UInt8(ascii: ":"))
  }

  @Test func escapeKeepsOnlyTheAllowedBytes() {
    #expect(SIPGrammar.escape("a b;c@d", allowing: SIPGrammar.userUnreserved) == "a%20b;c%40d")
    #expect(SIPGrammar.escape("é", allowing: 0) == "%C3%A9")
  }
}

/// `isMethod` (a byte comparison) against `method ==` on every RFC 4475 message and odd layouts.
@Suite struct MethodComparisonTests {
  static func check(_ m: SIPMessage, _ label: String) {
    #expect(m.isMethod("ACK") == (m.method == "ACK"), "\(label)")
    #expect(m.isMethod("INVITE") == (m.method == "INVITE"), "\(label)")
    #expect(m.isMethod("OPTIONS") == (m.method == "OPTIONS"), "\(label)")
    #expect(m.isMethod("REGISTER") == (m.method == "REGISTER"), "\(label)")
    #expect(m.bodyCount == m.body.count, "\(label)")
    if let method = m.method, method.utf8.count <= 3 {
      #expect(m.isMethod("ACK") == (method == "ACK"))
    }
  }

  @Test(arguments: ParsedHeaderCacheTests.fixtures)
  func tortureMessages(_ name: String) throws {
    guard let m = try? Fixture.message(name) else { return }
    Self.check(m, name)
  }

  @Test(arguments: ["ACK", "ack", "AC", "ACKS", "INVITE", "INVITEX", "OPTIONS", "NEWMETHOD", "REGISTER"])
  func methods(_ method: String) throws {
    let text =
      "\(method) sip:a@b.example SIP/2.0\r\nVia: SIP/2.0/UDP h.example;branch=z9hG4bKm\r\n"
      + "To: <sip:a@b.example>\r\nFrom: <sip:c@d.example>;tag=1\r\nCall-ID: m1\r\nCSeq: 1 \(method)\r\n\r\n"
    let m = try SIPMessage.parse(Array(text.utf8))
    Self.check(m, method)
    let response = m.makeResponse(statusCode: 200)
    #expect(!response.isMethod("ACK") && !response.isMethod("INVITE"))
  }
}
