import Testing

@testable import SIPCore

/// `mediaType`'s byte path against the general one it must agree with: the part before the first
/// `;` (as `split` finds it, empty parts skipped) without white space, lowercased.
@Suite("Content-Type's media type on bytes")
struct MediaTypeTests {
  static func general(_ value: String) -> String {
    let type = value.split(separator: ";", maxSplits: 1).first ?? ""
    return String(type.filter { !$0.isWhitespace }).lowercased()
  }

  static let values: [String] = [
    "application/sdp", "Application/SDP", "application/sdp;charset=utf-8", "APPLICATION/SDP ; x=1",
    " application / sdp ", "\tapplication/dtmf-relay", "multipart/mixed;boundary=unique-boundary-1",
    "application/unknownformat", "", " ", ";", ";application/sdp", ";;", "a;", "a; b", "a;\u{301}b",
    "appl\u{0B}ication/sdp\u{0C}", "text/plain\u{1F}", "TEXT/Ü", "téxt/plain;x", "application/sdp;é",
    "a\u{00A0}b;c", "a\u{2028}b", "X-Y/Z_Q.1+2", "a\r\nb;c", "\u{0085}a/b",
  ]

  @Test("agrees with the general path", arguments: values)
  func agrees(value: String) {
    let fast = SIPMessage.asciiMediaType(value)
    if let fast { #expect(fast == Self.general(value)) }
    var message = SIPMessage(method: "MESSAGE", requestURI: "sip:bob@example.com")
    message.setHeader("Content-Type", value)
    #expect(message.contentType != nil)
    #expect(message.mediaType == message.contentType.map(Self.general))
  }

  @Test("reads the usual values on bytes")
  func usualValuesTakeTheBytePath() {
    #expect(SIPMessage.asciiMediaType("Application/SDP ; charset=x") == "application/sdp")
    #expect(SIPMessage.asciiMediaType("application/dtmf-relay") == "application/dtmf-relay")
    #expect(SIPMessage.asciiMediaType("TEXT/Ü") == nil)
    #expect(SIPMessage.asciiMediaType(";application/sdp") == nil)
    #expect(SIPMessage.asciiMediaType("a;\u{301}b") == nil)
  }
}
