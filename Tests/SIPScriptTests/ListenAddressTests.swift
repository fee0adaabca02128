import Testing

@testable import SIPScript

@Suite struct ListenAddressTests {
  @Test(arguments: [
    ("udp:127.0.0.1:5060", ListenAddress.Transport.udp, "127.0.0.1", UInt16(5060), "udp:127.0.0.1:5060"),
    ("tcp:[::1]:5061", .tcp, "::1", 5061, "tcp:[::1]:5061"),
    ("UDP:localhost:0", .udp, "localhost", 0, "udp:localhost:0"),
    ("tcp:[2001:db8::1]:65535", .tcp, "2001:db8::1", 65535, "tcp:[2001:db8::1]:65535"),
  ])
  func parsesValidAddresses(
    text: String, transport: ListenAddress.Transport, host: String, port: UInt16, shown: String
  )
    throws
  {
    let address = try ListenAddress(parsing: text)
    #expect(address.transport == transport)
    #expect(address.host == host)
    #expect(address.port == port)
    #expect(address.description == shown)
  }

  @Test(arguments: [
    ("sctp:127.0.0.1:5060", "unknown transport 'sctp'"),
    ("udp:127.0.0.1:65536", "bad port '65536'"),
    ("udp:127.0.0.1:", "bad port ''"),
    ("udp:127.0.0.1:http", "bad port 'http'"),
    ("udp:127.0.0.1", "missing ':PORT'"),
    ("tcp:[::1:5061", "without closing ']'"),
    ("tcp:::1:5061", "must be written in brackets"),
    ("tcp:[::1]5061", "expected ':PORT' after ']'"),
    ("tcp:[127.0.0.1]:5061", "is not an IPv6 address"),
    ("udp:300.1.1.1:5060", "is not an IPv4 address or host name"),
    ("udp::5060", "empty host"),
    ("5060", "expected TRANSPORT:HOST:PORT"),
  ])
  func rejectsBadAddresses(text: String, reason: String) {
    #expect {
      _ = try ListenAddress(parsing: text)
    } throws: { error in
      "\(error)".contains(reason) && "\(error)".contains("invalid listen address '\(text)'")
    }
  }
}
