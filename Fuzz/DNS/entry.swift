// libFuzzer entry for the DNS answers of RFC 3263 location (SIPProtocol's DNSAnswers), compiled
// in one module with DNSAnswers*.swift and DNSAnswerCache.swift (no imports). The bytes are a DNS response
// as res_nquery returns it: they come from the network through the resolver.
//
// Properties checked on every input:
// - reading it as SRV and as NAPTR answers returns or throws, never traps or hangs;
// - RFC 2782's order of the SRV records is a permutation of the usable ones (no "." target);
// - the SRV names chosen from NAPTR records are among the records' replacements, at most one
//   per (transport, name);
// - the answer cache gives back what it was given, until its TTL.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  var draws = UInt64(size) | 1
  if let answer = try? DNSAnswers.srv(inDNSResponse: bytes) {
    let ordered = DNSAnswers.order(answer.records) { limit in
      draws = draws &* 6_364_136_223_846_793_005 &+ 1
      return limit == 0 ? 0 : Int(draws >> 33) % (limit + 1)
    }
    let usable = answer.records.filter { $0.target != "." }
    let lone = answer.records.count == 1 && answer.records[0].target == "."
    guard ordered.count == (lone ? 0 : usable.count) else { fatalError("order lost or added records") }
    for record in ordered where !usable.contains(record) { fatalError("order made up \(record)") }
    var cache = SRVCache(capacity: 4)
    cache.store(answer.records, ttl: answer.ttl, for: "_sip._udp.fuzz", now: 1)
    if answer.ttl > 0 || answer.records.isEmpty, let cached = cache.records(for: "_SIP._udp.FUZZ", now: 1) {
      guard cached == answer.records else { fatalError("the cache changed the records") }
    }
  }
  if let answer = try? DNSAnswers.naptr(inDNSResponse: bytes) {
    let names = DNSAnswers.serviceNames(
      fromNAPTR: answer.records, secure: size % 2 == 1, transports: ["udp", "tcp"])
    for (index, entry) in names.enumerated() {
      guard answer.records.contains(where: { $0.replacement == entry.name }) else {
        fatalError("NAPTR gave a name no record has: \(entry.name)")
      }
      for other in names[..<index] where other.name == entry.name && other.transport == entry.transport {
        fatalError("NAPTR gave \(entry.name) twice")
      }
    }
  }
  return 0
}
