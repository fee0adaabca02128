import Foundation
import NIOCore
import NIOPosix
import SIPCore
import SIPProtocol
import Testing

@testable import SIPTransport

/// Two transports on one loop over a ``SIPMemoryNetwork``: the same dispatcher as with sockets
/// (bytes parsed, Via stamped, loss simulated), and no socket.
@Suite(.serialized) struct MemoryNetworkTests {
  static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
  var loop: any EventLoop { Self.group.next() }

  func makeNetwork() throws -> NIOLoopBound<SIPMemoryNetwork> {
    let loop = self.loop
    return try loop.submit { NIOLoopBound(SIPMemoryNetwork(eventLoop: loop), eventLoop: loop) }.wait()
  }

  @Test func requestAndResponseInMemory() throws {
    let network = try makeNetwork()
    let a = try TransportPeer(loop: loop)
    let b = try TransportPeer(loop: loop, configuration: .init(validator: messageValidator))
    defer {
      try? a.close()
      try? b.close()
    }
    let portA = try a.bind(on: network, "127.0.0.1")
    let portB = try b.bind(on: network, "127.0.0.1", port: 5070)
    #expect(portA >= 40_000 && portB == 5070)
    b.answer = TransportPeer.okAnswer()
    let response = try a.send(try makeRequest("MESSAGE", to: "sip:b@127.0.0.1:5070", body: "hi")).get()
    #expect(response.statusCode == 200)
    #expect(response.header("X-Answered-By") == "peer")
    let received = try #require(b.requests.first)
    #expect(received.body == Array("hi".utf8))
    // The receiving dispatcher stamped the Via as for a datagram from a socket (RFC 3581 §4).
    let via = try #require(received.topVia)
    #expect(via.port == portA)
    #expect(via.rport == .port(portA))
    #expect(via.received == "127.0.0.1")
    // The core's own answers work too (OPTIONS, RFC 3261 §11.2).
    let options = try a.send(try makeRequest("OPTIONS", to: "sip:b@127.0.0.1:5070")).get()
    #expect(options.statusCode == 200)
    #expect(options.allow.contains("MESSAGE"))
    #expect(try a.on { network.value.datagramsDelivered } == 4)
  }

  @Test func lossIsRecoveredByRetransmissionInMemory() throws {
    let network = try makeNetwork()
    let timers = TimerSettings(t1: .milliseconds(50), t2: .milliseconds(200), t4: .milliseconds(200))
    let a = try TransportPeer(loop: loop, configuration: .init(timers: timers, simulatedLoss: 0.3))
    let b = try TransportPeer(
      loop: loop, configuration: .init(timers: timers, validator: messageValidator, simulatedLoss: 0.3))
    defer {
      try? a.close()
      try? b.close()
    }
    _ = try a.bind(on: network, "127.0.0.1")
    let portB = try b.bind(on: network, "127.0.0.1")
    b.answer = TransportPeer.okAnswer()
    let count = 60
    let results = try loop.submit { NIOLoopBoundBox([Int](), eventLoop: self.loop) }.wait()
    let request = try makeRequest("MESSAGE", to: "sip:b@127.0.0.1:\(portB)", body: "x")
    try a.on {
      for n in 0..<count {
        var message = request
        message.setHeader("Call-ID", "loss-\(n)")
        a.transport.sendRequest(message) { result in
          results.value.append((try? result.get().statusCode ?? 0) ?? -1)
        }
      }
    }
    #expect(eventually(20) { (try? a.on { results.value.count }) == count })
    #expect(try a.on { results.value }.filter { $0 == 200 }.count == count)
    // Each request reached the UAS's transaction user once, retransmissions absorbed.
    #expect(b.requests.count == count)
    #expect(Set(b.requests.compactMap(\.callID)).count == count)
    #expect(try b.on { b.transport.statistics.simulatedDrops } > 0)
    #expect(try a.on { a.transport.statistics.simulatedDrops } > 0)
    #expect(try b.on { b.transport.statistics.messagesReceived } > count)  // retransmissions came
  }

  @Test func noSocketIsOpened() throws {
    // A real UDP socket holds 127.0.0.1:P: binding a socket there again would fail (EADDRINUSE),
    // yet the in-memory leg binds it, carries a transaction, and the socket receives nothing.
    let socket = try RawSocket.udp(group: Self.group, host: "127.0.0.1")
    defer { _ = try? socket.channel?.close().wait() }
    let taken = try #require(socket.channel?.localAddress?.port)
    let network = try makeNetwork()
    let a = try TransportPeer(loop: loop)
    let b = try TransportPeer(loop: loop)
    defer {
      try? a.close()
      try? b.close()
    }
    _ = try a.bind(on: network, "127.0.0.1")
    #expect(try b.bind(on: network, "127.0.0.1", port: taken) == taken)
    #expect(try b.on { b.transport.legs.allSatisfy { $0.isInMemory && $0.channel == nil } })
    let response = try a.send(try makeRequest("OPTIONS", to: "sip:b@127.0.0.1:\(taken)")).get()
    #expect(response.statusCode == 200)
    Thread.sleep(forTimeInterval: 0.1)
    #expect(socket.datagrams.isEmpty)
    // A datagram to an address no leg holds is dropped, as UDP would.
    let nowhere = try makeRequest("OPTIONS", to: "sip:b@127.0.0.1:9")
    try a.on { a.transport.sendRequest(nowhere) { _ in } }
    #expect(eventually(5) { (try? a.on { network.value.datagramsUndeliverable }) == 1 })
  }

  @Test func onlyFreeUDPAddressesBind() throws {
    let network = try makeNetwork()
    let a = try TransportPeer(loop: loop)
    defer { try? a.close() }
    _ = try a.bind(on: network, "::1", port: 5060)
    #expect(throws: (any Error).self) { try a.bind(on: network, "::1", port: 5060) }
    #expect(throws: (any Error).self) { try a.bind(on: network, "not-an-address", port: 5061) }
    let tcp = try a.on {
      var failed = false
      a.transport.bind(.tcp, host: "::1", port: 5062, on: network.value) { result in
        if case .failure = result { failed = true }
      }
      return failed
    }
    #expect(tcp)
  }
}
