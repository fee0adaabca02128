import SIPCore
import Testing

@testable import SIPProtocol

/// `SIPEndpoint` keeps an uppercase ASCII transport as given instead of uppercasing it again
/// (round 4 of docs/benchmarks-transactions.md): the stored name must be `uppercased()`'s.
@Suite struct EndpointTransportTests {
  @Test(arguments: [
    "UDP", "udp", "Tcp", "TLS", "ws", "SCTP", "X-1", "", "ſip", "straße", "ÉTÉ", "Ud\u{0301}p",
  ])
  func transportIsUppercased(_ name: String) {
    let endpoint = SIPEndpoint(transport: name, host: "h", port: 1)
    #expect(endpoint.transport == name.uppercased())
    #expect(endpoint.isReliable == (name.uppercased() != "UDP"))
  }
}
