public import SIPCore

// RFC 3263 §4.1 for a SIP URI: the NAPTR step over DNSAnswers' records.
extension ServerLocation {
  /// The NAPTR records and their least TTL (``DNSAnswers/naptr(inDNSResponse:)``).
  public static func naptrAnswer(inDNSResponse bytes: [UInt8]) throws(DNSResponseError) -> (
    records: [NAPTRRecord], ttl: UInt32
  ) {
    try DNSAnswers.naptr(inDNSResponse: bytes)
  }

  /// The SRV names the NAPTR records of the target's domain lead to for `uri`, best first
  /// (``DNSAnswers/serviceNames(fromNAPTR:secure:transports:)``; `SIPS+D2T` only for `sips`).
  public static func serviceNames(
    fromNAPTR records: [NAPTRRecord], for uri: SIPURI, transports: [String]
  ) -> [(transport: String, name: String)] {
    DNSAnswers.serviceNames(fromNAPTR: records, secure: uri.scheme == .sips, transports: transports)
  }
}
