/// The header fields SIPCore knows by name: their canonical spelling, compact form and whether
/// their value is a comma-separated list (RFC 3261 §7.3.1, §7.3.3, §20).
///
/// Unknown header names are kept as written; their values are never split at commas, because
/// nothing says a comma in them separates values (e.g. `Identity`, RFC 8224, or `Date`).
enum SIPHeaderName: UInt8, CaseIterable, Sendable {
  case unknown = 0
  case accept, acceptContact, acceptEncoding, acceptLanguage, alertInfo, allow, allowEvents
  case authenticationInfo, authorization, callID, callInfo, contact, contentDisposition
  case contentEncoding, contentLanguage, contentLength, contentType, cseq, date, errorInfo, event
  case expires, from, identity, identityInfo, inReplyTo, maxForwards, mimeVersion, minExpires
  case organization, path, priority, proxyAuthenticate, proxyAuthorization, proxyRequire, rack
  case reason, recordRoute, referTo, referredBy, rejectContact, replyTo, requestDisposition
  case require, retryAfter, route, rseq, server, serviceRoute, sessionExpires, subject, supported
  case timestamp, to, unsupported, userAgent, via, warning, wwwAuthenticate

  /// Canonical spelling, used when SIPCore writes a header.
  var canonical: String {
    switch self {
    case .unknown: ""
    case .accept: "Accept"
    case .acceptContact: "Accept-Contact"
    case .acceptEncoding: "Accept-Encoding"
    case .acceptLanguage: "Accept-Language"
    case .alertInfo: "Alert-Info"
    case .allow: "Allow"
    case .allowEvents: "Allow-Events"
    case .authenticationInfo: "Authentication-Info"
    case .authorization: "Authorization"
    case .callID: "Call-ID"
    case .callInfo: "Call-Info"
    case .contact: "Contact"
    case .contentDisposition: "Content-Disposition"
    case .contentEncoding: "Content-Encoding"
    case .contentLanguage: "Content-Language"
    case .contentLength: "Content-Length"
    case .contentType: "Content-Type"
    case .cseq: "CSeq"
    case .date: "Date"
    case .errorInfo: "Error-Info"
    case .event: "Event"
    case .expires: "Expires"
    case .from: "From"
    case .identity: "Identity"
    case .identityInfo: "Identity-Info"
    case .inReplyTo: "In-Reply-To"
    case .maxForwards: "Max-Forwards"
    case .mimeVersion: "MIME-Version"
    case .minExpires: "Min-Expires"
    case .organization: "Organization"
    case .path: "Path"
    case .priority: "Priority"
    case .proxyAuthenticate: "Proxy-Authenticate"
    case .proxyAuthorization: "Proxy-Authorization"
    case .proxyRequire: "Proxy-Require"
    case .rack: "RAck"
    case .reason: "Reason"
    case .recordRoute: "Record-Route"
    case .referTo: "Refer-To"
    case .referredBy: "Referred-By"
    case .rejectContact: "Reject-Contact"
    case .replyTo: "Reply-To"
    case .requestDisposition: "Request-Disposition"
    case .require: "Require"
    case .retryAfter: "Retry-After"
    case .route: "Route"
    case .rseq: "RSeq"
    case .server: "Server"
    case .serviceRoute: "Service-Route"
    case .sessionExpires: "Session-Expires"
    case .subject: "Subject"
    case .supported: "Supported"
    case .timestamp: "Timestamp"
    case .to: "To"
    case .unsupported: "Unsupported"
    case .userAgent: "User-Agent"
    case .via: "Via"
    case .warning: "Warning"
    case .wwwAuthenticate: "WWW-Authenticate"
    }
  }

  /// Compact forms: RFC 3261 §7.3.3 (i m e l c f s k t v), RFC 6665 (o u), RFC 3515 (r),
  /// RFC 3892 (b), RFC 4028 (x), RFC 8224 (y), RFC 3841 (a j d), RFC 4474 (n).
  static func fromCompact(_ byte: UInt8) -> SIPHeaderName {
    switch SIPGrammar.lowercased(byte) {
    case UInt8(ascii: "i"): .callID
    case UInt8(ascii: "m"): .contact
    case UInt8(ascii: "e"): .contentEncoding
    case UInt8(ascii: "l"): .contentLength
    case UInt8(ascii: "c"): .contentType
    case UInt8(ascii: "f"): .from
    case UInt8(ascii: "s"): .subject
    case UInt8(ascii: "k"): .supported
    case UInt8(ascii: "t"): .to
    case UInt8(ascii: "v"): .via
    case UInt8(ascii: "o"): .event
    case UInt8(ascii: "u"): .allowEvents
    case UInt8(ascii: "r"): .referTo
    case UInt8(ascii: "b"): .referredBy
    case UInt8(ascii: "x"): .sessionExpires
    case UInt8(ascii: "y"): .identity
    case UInt8(ascii: "a"): .acceptContact
    case UInt8(ascii: "j"): .rejectContact
    case UInt8(ascii: "d"): .requestDisposition
    case UInt8(ascii: "n"): .identityInfo
    default: .unknown
    }
  }

  /// Whether the grammar of this header is a comma-separated list, so that several values may
  /// share one line and several lines may be joined (RFC 3261 §7.3.1).
  var isList: Bool {
    switch self {
    case .accept, .acceptContact, .acceptEncoding, .acceptLanguage, .alertInfo, .allow, .allowEvents,
      .callInfo, .contact, .contentEncoding, .contentLanguage, .errorInfo, .inReplyTo, .path,
      .proxyRequire, .reason, .recordRoute, .rejectContact, .require, .route, .serviceRoute,
      .supported, .unsupported, .via, .warning, .requestDisposition:
      true
    default:
      false
    }
  }

  /// Names lowercased, grouped by length, for lookups that compare bytes without allocating.
  static let byLength: [[(name: [UInt8], id: SIPHeaderName)]] = {
    var table = [[(name: [UInt8], id: SIPHeaderName)]](repeating: [], count: 32)
    for id in allCases where id != .unknown {
      let bytes = Array(id.canonical.lowercased().utf8)
      table[bytes.count].append((bytes, id))
    }
    return table
  }()

  /// Identifies a header name given as bytes (full or compact form, any case).
  static func identify(_ name: UnsafeBufferPointer<UInt8>) -> SIPHeaderName {
    let count = name.count
    if count == 1 { return fromCompact(name[0]) }
    guard count < 32 else { return .unknown }
    let first = SIPGrammar.lowercased(name[0])
    for candidate in byLength[count] where candidate.name[0] == first {
      var equal = true
      for i in 1..<count where SIPGrammar.lowercased(name[i]) != candidate.name[i] {
        equal = false
        break
      }
      if equal { return candidate.id }
    }
    return .unknown
  }

  static func identify(_ name: String) -> SIPHeaderName {
    var name = name
    return name.withUTF8 { identify($0) }
  }
}
