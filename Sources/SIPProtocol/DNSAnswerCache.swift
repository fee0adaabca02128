/// SRV answers (RFC 3263 §4.2) for their TTL.
public typealias SRVCache = DNSAnswerCache<SRVRecord>
/// NAPTR answers (RFC 3263 §4.1) for their TTL.
public typealias NAPTRCache = DNSAnswerCache<NAPTRRecord>

/// DNS answers (SRV, NAPTR) kept for their time to live (RFC 1035 §3.2.1, RFC 2181 §8), so that a UA sending
/// many requests to one domain asks the DNS once per TTL instead of once per request. glibc's
/// resolver keeps nothing, so without it every request to `sip:bob@example.com` costs one or two
/// SRV queries.
///
/// Sans-I/O: the caller passes the time (monotonic nanoseconds). An empty answer is cached for
/// its negative TTL (RFC 2308: the SOA's, as ``DNSAnswers`` reads it) or, without one,
/// ``negativeSeconds`` (a name without SRV records then goes straight to A/AAAA); records with a
/// TTL of 0 are not cached; TTLs are capped at ``maximumSeconds``. At most ``capacity`` names are kept: a new
/// one past it first drops the expired ones, then the one that expires soonest.
///
/// ```swift
/// var cache = SRVCache()
/// if let records = cache.records(for: "_sip._udp.example.com", now: now) { … }  // a hit
/// cache.store(answer.records, ttl: answer.ttl, for: "_sip._udp.example.com", now: now)
/// ```
public struct DNSAnswerCache<Record: Sendable>: Sendable {
  public var capacity: Int
  public var negativeSeconds: UInt32
  public var maximumSeconds: UInt32
  private var entries: [String: (records: [Record], expires: UInt64)] = [:]

  public init(capacity: Int = 256, negativeSeconds: UInt32 = 10, maximumSeconds: UInt32 = 3600) {
    self.capacity = max(capacity, 0)
    self.negativeSeconds = negativeSeconds
    self.maximumSeconds = maximumSeconds
  }

  /// How many names are kept (expired ones included until they are dropped).
  public var count: Int { entries.count }

  /// The cached answer for `name` (lowercased), empty for a cached "no records"; nil when
  /// nothing is cached or it expired.
  public mutating func records(for name: String, now: UInt64) -> [Record]? {
    let key = name.lowercased()
    guard let entry = entries[key] else { return nil }
    guard now < entry.expires else {
      entries[key] = nil
      return nil
    }
    return entry.records
  }

  /// Keeps `records` (the answer for `name`) for `ttl` seconds; an empty answer with a TTL of 0
  /// (no SOA said how long) for ``negativeSeconds``.
  public mutating func store(_ records: [Record], ttl: UInt32, for name: String, now: UInt64) {
    let seconds = records.isEmpty && ttl == 0 ? negativeSeconds : min(ttl, maximumSeconds)
    let key = name.lowercased()
    guard seconds > 0, capacity > 0 else {
      entries[key] = nil
      return
    }
    if entries[key] == nil, entries.count >= capacity {
      entries = entries.filter { now < $0.value.expires }
      if entries.count >= capacity, let soonest = entries.min(by: { $0.value.expires < $1.value.expires }) {
        entries[soonest.key] = nil
      }
    }
    entries[key] = (records, now &+ UInt64(seconds) * 1_000_000_000)
  }
}
