// Loads the real-world SDPs in Fixtures/ (also the fuzz corpus, Fuzz/SDP/corpus).

import Foundation
import SDP

enum Fixture {
  static let all = [
    "pjsua-offer.sdp", "baresip-offer.sdp", "linphone-ipv6-offer.sdp", "asterisk-hold-reinvite.sdp",
    "legacy-hold.sdp", "rtcp-attribute.sdp", "rfc8866-multicast.sdp", "lf-only.sdp",
  ]

  static func bytes(_ name: String) throws -> [UInt8] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Fixtures").appendingPathComponent(name)
    return Array(try Data(contentsOf: url))
  }

  static func sdp(_ name: String) throws -> SessionDescription {
    try SessionDescription(parsing: try bytes(name))
  }
}

/// Builds CRLF text from lines, the way SIP bodies carry it.
func crlf(_ lines: String...) -> String {
  lines.map { $0 + "\r\n" }.joined()
}
