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
      resolve(host: plain, port: endpoint.port, transport: transport) { result in
        completion(result.map { Location(address: $0, transport: transport) })
      }
      return
    }
    // SRV is asked for the transports a leg exists for (UDP before TCP), else the URI's own.
    let open = [SIPLeg.Transport.udp, .tcp].filter { t in legs.contains { $0.transport == t } }
    let available = open.isEmpty ? [transport] : open
    let names = ServerLocation.serviceNames(for: uri, transports: available.map(\.rawValue)).compactMap {
      entry -> (SIPLeg.Transport, String)? in
      SIPLeg.Transport(rawValue: entry.transport).map { ($0, entry.name) }
    }
    let bound = NIOLoopBound(self, eventLoop: eventLoop)
    NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) { () -> (SIPLeg.Transport, [SRVRecord])? in
      var generator = SystemRandomNumberGenerator()
      for (transport, name) in names {
        let records = try SIPResolver.lookupSRV(name: name)
        guard !records.isEmpty else { continue }
        return (transport, ServerLocation.order(records) { Int.random(in: 0...$0, using: &generator) })
      }
      return nil
    }.assumeIsolated().whenComplete { result in
      let transportObject = bound.value
      switch result {
      case .failure(let error):
        completion(.failure(error))
      case .success(nil):
        // No SRV: the name's A/AAAA records on the transport's default port (§4.2).
        transportObject.logger.debug("no SRV records for \(host): A/AAAA on port \(endpoint.port)")
        transportObject.resolve(host: host, port: endpoint.port, transport: transport) { result in
          completion(result.map { Location(address: $0, transport: transport) })
        }
      case .success(let (found, targets)?):
        transportObject.logger.debug(
          "SRV for \(host) over \(found.rawValue): \(targets.map(\.description).joined(separator: ", "))")
        guard !targets.isEmpty else {
          return completion(
            .failure(SIPResolver.Failure(description: "SRV says \(host) offers no SIP service")))
        }
        transportObject.resolveFirst(of: targets[...], transport: found, failures: [], completion)
      }
    }
  }

  /// The next SRV target after `location` that resolves (RFC 3263 §4.3: after a timeout or a
  /// transport error at `location`).
  func locateNext(after location: Location, _ completion: @escaping (Result<Location, any Error>) -> Void) {
    resolveFirst(of: location.remaining, transport: location.transport, failures: [], completion)
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
    resolve(host: target.target, port: target.port, transport: transport) { [self] result in
      switch result {
      case .success(let address):
        completion(.success(Location(address: address, transport: transport, remaining: targets.dropFirst())))
      case .failure(let error):
        resolveFirst(
          of: targets.dropFirst(), transport: transport, failures: failures + ["\(target.target): \(error)"],
          completion)
      }
    }
  }
}
