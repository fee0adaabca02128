public import SIPCore

extension RequestValidator {
  /// The answer to a request the parser refused (400 with the parser's reason, 505 for another SIP
  /// version, …), built from the header lines a response needs — Via, From, To, Call-ID, CSeq —
  /// salvaged from the raw bytes (RFC 3261 §8.2.6.2). nil when the bytes are not a request or have
  /// no Via to answer to; a refused response is never answered (RFC 3261 §18.1.2).
  ///
  /// Work is bounded: at most `maxScanned` bytes and 256 header lines are looked at.
  ///
  /// ```swift
  /// do { message = try SIPMessage.parse(datagram) } catch {
  ///   if let answer = RequestValidator.response(toUnparsable: datagram, error: error, toTag: tag) { send(answer) }
  /// }
  /// ```
  public static func response(
    toUnparsable bytes: [UInt8], error: SIPParseError, toTag: String, maxScanned: Int = 16_384
  ) -> SIPMessage? {
    var lines: [String] = []
    var start = 0
    let end = min(bytes.count, maxScanned)
    // Skip CRLFs before the start line (RFC 3261 §7.5).
    while start < end, bytes[start] == 0x0D || bytes[start] == 0x0A { start += 1 }
    var i = start
    while i < end, lines.count < 257 {
      guard bytes[i] == 0x0A else {
        i += 1
        continue
      }
      var lineEnd = i
      if lineEnd > start, bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
      if lineEnd == start { break }  // the empty line ends the header
      lines.append(String(decoding: bytes[start..<lineEnd], as: UTF8.self))
      i += 1
      start = i
    }
    guard let requestLine = lines.first, !requestLine.hasPrefix("SIP/") else { return nil }
    var kept: [(String, String)] = []
    for line in lines.dropFirst() {
      guard let colon = line.firstIndex(of: ":") else { continue }
      let name = line[..<colon].trimmingSpaces.lowercased()
      let value = String(line[line.index(after: colon)...]).trimmingSpaces
      switch name {
      case "via", "v": kept.append(("Via", value))
      case "from", "f": kept.append(("From", value))
      case "to", "t": kept.append(("To", value))
      case "call-id", "i": kept.append(("Call-ID", value))
      case "cseq": kept.append(("CSeq", value))
      default: continue
      }
    }
    guard kept.contains(where: { $0.0 == "Via" }) else { return nil }
    let code = (400..<700).contains(error.statusCode) ? error.statusCode : 400
    let reason = SIPMessage.defaultReasonPhrase(code) + " (" + error.reason + ")"
    var response = SIPMessage(statusCode: code, reasonPhrase: reason)
    for (name, value) in kept {
      if name == "To", !value.contains(";tag=") {
        response.addHeader(name, value + ";tag=" + toTag)
      } else {
        response.addHeader(name, value)
      }
    }
    response.setBody([])
    return response
  }
}
