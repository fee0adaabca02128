import NIOCore
import NIOPosix
import SIPCore
import SIPProtocol

// RFC 3263 §4: from a request's target URI to a transport and an address. Literal hosts and
// URIs with a port go straight to `resolve`; a name without a port asks SRV first
// (`ServerLocation` decides the names and the order), then falls back to A/AAAA on the default
// port. All DNS runs on NIO's blocking thread pool; results come back on the loop.
extension SIPTransport {
  /// A located next hop: where to send and over which transport.
  struct Location {
    var address: SocketAddress
    var transport: SIPLeg.Transport
    /// The SRV targets after this one, in order: where the request goes when this one fails
    /// (§4.3). Empty for a literal host, an A/AAAA fallback or the last target.
    var remaining: ArraySlice<SRVRecord> = []
    /// The other addresses of the same name (its A/AAAA records in the resolver's order, those a
    /// leg can reach), tried before the next SRV target (§4.2: each address of the list can be
    /// contacted; §4.3: on failure, the next element).
    var alternatives: ArraySlice<SocketAddress> = []

    /// Whether a failure here has somewhere else to go.
    var hasNext: Bool { !remaining.isEmpty || !alternatives.isEmpty }
  }

  /// Locates the server for `uri`, whose endpoint (host, default port, transport) is
  /// `endpoint`. `completion` runs once, on the event loop.
  func locate(
    _ uri: SIPURI, endpoint: SIPEndpoint, transport: SIPLeg.Transport,
    _ completion: @escaping (Result<Location, any Error>) -> Void
  ) {
    let host = uri.hostWithoutBrackets
    guard ServerLocation.usesSRV(uri) else {
      var plain = endpoint.host
      if plain.hasPrefix("["), plain.hasSuffix("]") { plain = String(plain.dropFirst().dropLast()) }
      resolveAll(host: plain, port: endpoint.port, transport: transport) { result in
        completion(
          result.map { Location(address: $0[0], transport: transport, alternatives: $0.dropFirst()) })
      }
      return
    }
    // SRV is asked for the transports a leg exists for (UDP before TCP), else the URI's own.
    let open = [SIPLeg.Transport.udp, .tcp].filter { t in legs.contains { $0.transport == t } }
    let available = (open.isEmpty ? [transport] : open).map(\.rawValue)
    func typed(_ names: [(transport: String, name: String)]) -> [(SIPLeg.Transport, String)] {
      names.compactMap { entry in SIPLeg.Transport(rawValue: entry.transport).map { ($0, entry.name) } }
    }
    let names = typed(ServerLocation.serviceNames(for: uri, transports: available))
    guard uri.transport == nil else {
      return locateSRV(host: host, names: names, endpoint: endpoint, transport: transport, completion)
    }
    // §4.1: with no transport given, the domain's NAPTR records choose the transports and SRV
    // names, in their order; none usable (or no answer): the SRV names above.
    let useNAPTR = { [self] (records: [NAPTRRecord]) in
      let chosen = typed(ServerLocation.serviceNames(fromNAPTR: records, for: uri, transports: available))
      if !chosen.isEmpty {
        logger.debug(
          "NAPTR for \(host): \(chosen.map { "\($0.0.rawValue) \($0.1)" }.joined(separator: ", "))")
      }
      locateSRV(
        host: host, names: chosen.isEmpty ? names : chosen, endpoint: endpoint, transport: transport,
        completion)
    }
    if let cached = naptrCache.records(for: host, now: eventLoop.now.uptimeNanoseconds) {
      return useNAPTR(cached)
    }
    let bound = NIOLoopBound(self, eventLoop: eventLoop)
    NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) {
      try SIPResolver.lookupNAPTRAnswer(name: host)
    }.assumeIsolated().whenComplete { result in
      let transportObject = bound.value
      switch result {
      case .success(let answer):
        transportObject.naptrCache.store(
          answer.records, ttl: answer.ttl, for: host, now: transportObject.eventLoop.now.uptimeNanoseconds)
        useNAPTR(answer.records)
      case .failure(let error):
        // A NAPTR answer that does not parse is not the end: SRV and A/AAAA may still answer.
        transportObject.logger.debug("NAPTR for \(host) unreadable (\(error)): asking SRV")
        useNAPTR([])
      }
    }
  }

  /// RFC 3263 §4.2's SRV step over `names` (in order, until one has records), then the A/AAAA
  /// fallback.
  private func locateSRV(
    host: String, names: [(SIPLeg.Transport, String)], endpoint: SIPEndpoint, transport: SIPLeg.Transport,
    _ completion: @escaping (Result<Location, any Error>) -> Void
  ) {
    let bound = NIOLoopBound(self, eventLoop: eventLoop)
    // Answers still in the cache decide without asking; the first name not cached, and those
    // after it, are asked on the thread pool (one query per name until one has records).
    let now = eventLoop.now.uptimeNanoseconds
    var uncached = names[...]
    while let (transport, name) = uncached.first, let cached = srvCache.records(for: name, now: now) {
      uncached = uncached.dropFirst()
      guard cached.isEmpty else {
        var generator = SystemRandomNumberGenerator()
        let ordered = ServerLocation.order(cached) { Int.random(in: 0...$0, using: &generator) }
        return located(
          host: host, endpoint: endpoint, transport: transport, srv: (transport, ordered), completion)
      }
    }
    guard !uncached.isEmpty else {
      return located(host: host, endpoint: endpoint, transport: transport, srv: nil, completion)
    }
    let asked = Array(uncached)
    NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) {
      () -> [(name: String, transport: SIPLeg.Transport, records: [SRVRecord], ttl: UInt32)] in
      var answers: [(name: String, transport: SIPLeg.Transport, records: [SRVRecord], ttl: UInt32)] = []
      for (transport, name) in asked {
        let answer = try SIPResolver.lookupSRVAnswer(name: name)
        answers.append((name, transport, answer.records, answer.ttl))
        if !answer.records.isEmpty { break }
      }
      return answers
    }.assumeIsolated().whenComplete { result in
      let transportObject = bound.value
      switch result {
      case .failure(let error):
        completion(.failure(error))
      case .success(let answers):
        let now = transportObject.eventLoop.now.uptimeNanoseconds
        for answer in answers {
          transportObject.srvCache.store(answer.records, ttl: answer.ttl, for: answer.name, now: now)
        }
        var found: (SIPLeg.Transport, [SRVRecord])?
        if let last = answers.last, !last.records.isEmpty {
          var generator = SystemRandomNumberGenerator()
          found = (
            last.transport, ServerLocation.order(last.records) { Int.random(in: 0...$0, using: &generator) }
          )
        }
        transportObject.located(host: host, endpoint: endpoint, transport: transport, srv: found, completion)
      }
    }
  }

  /// Where the SRV step led: its ordered targets (`srv`), or nil for none — then the name's
  /// A/AAAA records on the default port (§4.2).
  private func located(
    host: String, endpoint: SIPEndpoint, transport: SIPLeg.Transport, srv: (SIPLeg.Transport, [SRVRecord])?,
    _ completion: @escaping (Result<Location, any Error>) -> Void
  ) {
    guard let (found, targets) = srv else {
      logger.debug("no SRV records for \(host): A/AAAA on port \(endpoint.port)")
      return resolveAll(host: host, port: endpoint.port, transport: transport) { result in
        completion(
          result.map { Location(address: $0[0], transport: transport, alternatives: $0.dropFirst()) })
      }
    }
    logger.debug(
      "SRV for \(host) over \(found.rawValue): \(targets.map(\.description).joined(separator: ", "))")
    guard !targets.isEmpty else {
      return completion(.failure(SIPResolver.Failure(description: "SRV says \(host) offers no SIP service")))
    }
    resolveFirst(of: targets[...], transport: found, failures: [], completion)
  }
  /// Where to go after a timeout or a transport error at `location` (RFC 3263 §4.3): the next
  /// address of the same name, else the next SRV target that resolves.
  func locateNext(after location: Location, _ completion: @escaping (Result<Location, any Error>) -> Void) {
    if let address = location.alternatives.first {
      var next = location
      next.address = address
      next.alternatives = location.alternatives.dropFirst()
      return completion(.success(next))
    }
    resolveFirst(of: location.remaining, transport: location.transport, failures: [], completion)
  }

  /// Every address of `host` on `port`, in the resolver's order (RFC 6724 for getaddrinfo),
  /// keeping those a leg of `transport` and their family can reach; when none can, the first
  /// address alone (sending then names the missing leg). Never an empty list on success. The
  /// addresses are kept for the TTL DNS gives the name (60 s for a name DNS does not know, such
  /// as an /etc/hosts entry): a UA sending many requests to one name asks once per TTL, not
  /// twice (A and AAAA) per request.
  func resolveAll(
    host: String, port: Int, transport: SIPLeg.Transport,
    _ completion: @escaping (Result<[SocketAddress], any Error>) -> Void
  ) {
    if let address = try? SocketAddress(ipAddress: host, port: port) {
      return completion(.success([address]))
    }
    let key = "\(host) \(port)"
    if let cached = addressCache.records(for: key, now: eventLoop.now.uptimeNanoseconds), !cached.isEmpty {
      return completion(.success(usable(cached, transport: transport)))
    }
    let bound = NIOLoopBound(self, eventLoop: eventLoop)
    NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) {
      try SIPResolver.lookupWithTTL(host: host, port: port, localSeconds: 60)
    }.assumeIsolated().whenComplete { result in
      let transportObject = bound.value
      switch result {
      case .success(let found):
        transportObject.addressCache.store(
          found.addresses, ttl: found.ttl, for: key, now: transportObject.eventLoop.now.uptimeNanoseconds)
        completion(.success(transportObject.usable(found.addresses, transport: transport)))
      case .failure(let error):
        completion(.failure(error))
      }
    }
  }

  /// The addresses a leg of `transport` and their family can reach, without repeats, in order;
  /// none: the first address alone.
  private func usable(_ addresses: [SocketAddress], transport: SIPLeg.Transport) -> [SocketAddress] {
    var seen = Set<SocketAddress>()
    let reachable = addresses.filter { address in
      legs.contains { $0.isIPv6 == address.isIPv6 && $0.transport == transport }
        && seen.insert(address).inserted
    }
    return reachable.isEmpty ? Array(addresses.prefix(1)) : reachable
  }

  /// Resolves the SRV targets in order until one has an address (§4.3's failover, for targets
  /// whose name does not resolve).
  private func resolveFirst(
    of targets: ArraySlice<SRVRecord>, transport: SIPLeg.Transport, failures: [String],
    _ completion: @escaping (Result<Location, any Error>) -> Void
  ) {
    guard let target = targets.first else {
      return completion(
        .failure(
          SIPResolver.Failure(description: "no SRV target resolves: \(failures.joined(separator: "; "))")))
    }
    resolveAll(host: target.target, port: target.port, transport: transport) { [self] result in
      switch result {
      case .success(let addresses):
        completion(
          .success(
            Location(
              address: addresses[0], transport: transport, remaining: targets.dropFirst(),
              alternatives: addresses.dropFirst())))
      case .failure(let error):
        resolveFirst(
          of: targets.dropFirst(), transport: transport, failures: failures + ["\(target.target): \(error)"],
          completion)
      }
    }
  }
}
