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

  /// Whether ``SIPParsedHeaders`` holds a value read from this header's lines (To, From, Via,
  /// CSeq, Call-ID): a change of any other header keeps the cache.
  var isTransactionHeader: Bool {
    switch self {
    case .to, .from, .via, .cseq, .callID: true
    default: false
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

  /// Identifies a header name given as bytes (full or compact form, any case), comparing
  /// bytes against static strings: no allocation, no table lookups (the parser calls it per line).
  static func identify(_ name: UnsafeBufferPointer<UInt8>) -> SIPHeaderName {
    let count = name.count
    guard count > 0 else { return .unknown }
    let first = SIPGrammar.lowercased(name[0])
    switch count {
    case 1: return fromCompact(name[0])
    case 2:
      switch first {
      case UInt8(ascii: "t"):
        if equalsLowercase(name, "to") { return .to }
      default: break
      }
    case 3:
      switch first {
      case UInt8(ascii: "v"):
        if equalsLowercase(name, "via") { return .via }
      default: break
      }
    case 4:
      switch first {
      case UInt8(ascii: "c"):
        if equalsLowercase(name, "cseq") { return .cseq }
      case UInt8(ascii: "d"):
        if equalsLowercase(name, "date") { return .date }
      case UInt8(ascii: "f"):
        if equalsLowercase(name, "from") { return .from }
      case UInt8(ascii: "p"):
        if equalsLowercase(name, "path") { return .path }
      case UInt8(ascii: "r"):
        if equalsLowercase(name, "rack") { return .rack }
        if equalsLowercase(name, "rseq") { return .rseq }
      default: break
      }
    case 5:
      switch first {
      case UInt8(ascii: "a"):
        if equalsLowercase(name, "allow") { return .allow }
      case UInt8(ascii: "e"):
        if equalsLowercase(name, "event") { return .event }
      case UInt8(ascii: "r"):
        if equalsLowercase(name, "route") { return .route }
      default: break
      }
    case 6:
      switch first {
      case UInt8(ascii: "a"):
        if equalsLowercase(name, "accept") { return .accept }
      case UInt8(ascii: "r"):
        if equalsLowercase(name, "reason") { return .reason }
      case UInt8(ascii: "s"):
        if equalsLowercase(name, "server") { return .server }
      default: break
      }
    case 7:
      switch first {
      case UInt8(ascii: "c"):
        if equalsLowercase(name, "call-id") { return .callID }
        if equalsLowercase(name, "contact") { return .contact }
      case UInt8(ascii: "e"):
        if equalsLowercase(name, "expires") { return .expires }
      case UInt8(ascii: "r"):
        if equalsLowercase(name, "require") { return .require }
      case UInt8(ascii: "s"):
        if equalsLowercase(name, "subject") { return .subject }
      case UInt8(ascii: "w"):
        if equalsLowercase(name, "warning") { return .warning }
      default: break
      }
    case 8:
      switch first {
      case UInt8(ascii: "i"):
        if equalsLowercase(name, "identity") { return .identity }
      case UInt8(ascii: "p"):
        if equalsLowercase(name, "priority") { return .priority }
      case UInt8(ascii: "r"):
        if equalsLowercase(name, "refer-to") { return .referTo }
        if equalsLowercase(name, "reply-to") { return .replyTo }
      default: break
      }
    case 9:
      switch first {
      case UInt8(ascii: "c"):
        if equalsLowercase(name, "call-info") { return .callInfo }
      case UInt8(ascii: "s"):
        if equalsLowercase(name, "supported") { return .supported }
      case UInt8(ascii: "t"):
        if equalsLowercase(name, "timestamp") { return .timestamp }
      default: break
      }
    case 10:
      switch first {
      case UInt8(ascii: "a"):
        if equalsLowercase(name, "alert-info") { return .alertInfo }
      case UInt8(ascii: "e"):
        if equalsLowercase(name, "error-info") { return .errorInfo }
      case UInt8(ascii: "u"):
        if equalsLowercase(name, "user-agent") { return .userAgent }
      default: break
      }
    case 11:
      switch first {
      case UInt8(ascii: "i"):
        if equalsLowercase(name, "in-reply-to") { return .inReplyTo }
      case UInt8(ascii: "m"):
        if equalsLowercase(name, "min-expires") { return .minExpires }
      case UInt8(ascii: "r"):
        if equalsLowercase(name, "referred-by") { return .referredBy }
        if equalsLowercase(name, "retry-after") { return .retryAfter }
      case UInt8(ascii: "u"):
        if equalsLowercase(name, "unsupported") { return .unsupported }
      default: break
      }
    case 12:
      switch first {
      case UInt8(ascii: "a"):
        if equalsLowercase(name, "allow-events") { return .allowEvents }
      case UInt8(ascii: "c"):
        if equalsLowercase(name, "content-type") { return .contentType }
      case UInt8(ascii: "m"):
        if equalsLowercase(name, "max-forwards") { return .maxForwards }
        if equalsLowercase(name, "mime-version") { return .mimeVersion }
      case UInt8(ascii: "o"):
        if equalsLowercase(name, "organization") { return .organization }
      case UInt8(ascii: "r"):
        if equalsLowercase(name, "record-route") { return .recordRoute }
      default: break
      }
    case 13:
      switch first {
      case UInt8(ascii: "a"):
        if equalsLowercase(name, "authorization") { return .authorization }
      case UInt8(ascii: "i"):
        if equalsLowercase(name, "identity-info") { return .identityInfo }
      case UInt8(ascii: "p"):
        if equalsLowercase(name, "proxy-require") { return .proxyRequire }
      case UInt8(ascii: "s"):
        if equalsLowercase(name, "service-route") { return .serviceRoute }
      default: break
      }
    case 14:
      switch first {
      case UInt8(ascii: "a"):
        if equalsLowercase(name, "accept-contact") { return .acceptContact }
      case UInt8(ascii: "c"):
        if equalsLowercase(name, "content-length") { return .contentLength }
      case UInt8(ascii: "r"):
        if equalsLowercase(name, "reject-contact") { return .rejectContact }
      default: break
      }
    case 15:
      switch first {
      case UInt8(ascii: "a"):
        if equalsLowercase(name, "accept-encoding") { return .acceptEncoding }
        if equalsLowercase(name, "accept-language") { return .acceptLanguage }
      case UInt8(ascii: "s"):
        if equalsLowercase(name, "session-expires") { return .sessionExpires }
      default: break
      }
    case 16:
      switch first {
      case UInt8(ascii: "c"):
        if equalsLowercase(name, "content-encoding") { return .contentEncoding }
        if equalsLowercase(name, "content-language") { return .contentLanguage }
      case UInt8(ascii: "w"):
        if equalsLowercase(name, "www-authenticate") { return .wwwAuthenticate }
      default: break
      }
    case 18:
      switch first {
      case UInt8(ascii: "p"):
        if equalsLowercase(name, "proxy-authenticate") { return .proxyAuthenticate }
      default: break
      }
    case 19:
      switch first {
      case UInt8(ascii: "a"):
        if equalsLowercase(name, "authentication-info") { return .authenticationInfo }
      case UInt8(ascii: "c"):
        if equalsLowercase(name, "content-disposition") { return .contentDisposition }
      case UInt8(ascii: "p"):
        if equalsLowercase(name, "proxy-authorization") { return .proxyAuthorization }
      case UInt8(ascii: "r"):
        if equalsLowercase(name, "request-disposition") { return .requestDisposition }
      default: break
      }
    default: break
    }
    return .unknown
  }

  /// Whether `name`, lowercased, equals `lower` (same length already checked by the caller).
  @inline(__always) static func equalsLowercase(_ name: UnsafeBufferPointer<UInt8>, _ lower: StaticString)
    -> Bool
  {
    let p = lower.utf8Start
    for i in 1..<name.count where SIPGrammar.lowercased(name[i]) != p[i] { return false }
    return true
  }

  static func identify(_ name: String) -> SIPHeaderName {
    var name = name
    return name.withUTF8 { identify($0) }
  }
}
