import NIOCore
import NIOPosix
import SIPCall
import SIPProtocol
import SIPTransport
import Testing

/// Two agents whose SIP legs are bound on one ``SIPMemoryNetwork`` (no SIP socket): alice at
/// 192.0.2.1, bob at 192.0.2.2 (RFC 5737 documentation addresses, which no socket here could
/// bind, so a message that reaches the other agent went through the network). RTP stays on
/// loopback sockets (``UserAgent`` binds media on 127.0.0.1 for in-memory legs). `loss` is each
/// transport's ``SIPTransport/simulatedLoss``: that fraction of received datagrams is dropped.
///
/// After `body`, checks that every leg was in memory and that the network carried datagrams.
func withAgentsInMemory(
  loss: Double = 0, timers: TimerSettings? = nil,
  _ body: (AgentPeer, AgentPeer, NIOLoopBound<SIPMemoryNetwork>) throws -> Void
) throws {
  let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
  defer { try? group.syncShutdownGracefully() }
  let loop = group.next()
  let network = try loop.submit { NIOLoopBound(SIPMemoryNetwork(eventLoop: loop), eventLoop: loop) }.wait()
  let alice = try AgentPeer("alice", loop: loop, host: "192.0.2.1", network: network, timers: timers)
  let bob = try AgentPeer("bob", loop: loop, host: "192.0.2.2", network: network, timers: timers)
  defer {
    try? alice.close()
    try? bob.close()
  }
  try alice.on { alice.agent.transport.simulatedLoss = loss }
  try bob.on { bob.agent.transport.simulatedLoss = loss }
  try body(alice, bob, network)
  let inMemory = try alice.on {
    (alice.agent.transport.legs + bob.agent.transport.legs).allSatisfy(\.isInMemory)
  }
  #expect(inMemory)
  #expect(try alice.on { network.value.datagramsDelivered } > 0)
}
