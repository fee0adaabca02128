import Foundation
import NIOCore
import NIOPosix
import SDP
import SIPCore

/// A SIP peer written by hand: a UDP socket on loopback that records every message it gets and
/// sends whatever the test builds. For what two agents never do to each other (a second fork's
/// 2xx, a BYE with the wrong tags, an INVITE and a BYE back to back).
final class RawSIPPeer: @unchecked Sendable {
  // @unchecked: `received` is guarded by the lock; the channel is thread-safe.
  let channel: any Channel
  let port: Int
  let address: SocketAddress
  private let lock = NSLock()
  private var received: [(message: SIPMessage, from: SocketAddress)] = []

  init(loop: any EventLoop, host: String = "127.0.0.1") throws {
    let box = Box()
    channel = try DatagramBootstrap(group: loop)
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(Reader(box: box))
        }
      }
      .bind(host: host, port: 0).wait()
    guard let local = channel.localAddress, let port = local.port else {
      throw HarnessError("raw peer: no local address")
    }
    self.port = port
    self.address = local
    box.peer = self
  }

  /// What arrived so far, in order.
  var messages: [SIPMessage] { lock.withLock { received.map(\.message) } }

  /// Where the first message that `matches` came from.
  func source(of matches: (SIPMessage) -> Bool) -> SocketAddress? {
    lock.withLock { received.first { matches($0.message) }?.from }
  }

  /// Sends a message (serialized as it is) to `address`.
  func send(_ message: SIPMessage, to address: SocketAddress) throws {
    let buffer = channel.allocator.buffer(bytes: message.serialize())
    try channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buffer)).wait()
  }

  /// Sends several messages in one go (one flush), so they are read in one batch.
  func sendTogether(_ messages: [SIPMessage], to address: SocketAddress) throws {
    var last: EventLoopFuture<Void>?
    for message in messages {
      let buffer = channel.allocator.buffer(bytes: message.serialize())
      last = channel.write(AddressedEnvelope(remoteAddress: address, data: buffer))
    }
    channel.flush()
    try last?.wait()
  }

  /// Waits (up to `seconds`) for the first message that `matches`, counting from the start.
  func waitFor(seconds: Double = 10, _ matches: (SIPMessage) -> Bool) -> SIPMessage? {
    let deadline = Date().addingTimeInterval(seconds)
    repeat {
      if let found = messages.first(where: matches) { return found }
      Thread.sleep(forTimeInterval: 0.01)
    } while Date() < deadline
    return messages.first(where: matches)
  }

  /// Waits for a request of `method` (optionally with that To tag).
  func waitForRequest(_ method: String, toTag: String? = nil, seconds: Double = 10) -> SIPMessage? {
    waitFor(seconds: seconds) { $0.method == method && (toTag == nil || $0.to?.tag == toTag) }
  }

  /// Waits for a response with `code` to a request of `method`.
  func waitForResponse(_ code: Int, to method: String, seconds: Double = 10) -> SIPMessage? {
    waitFor(seconds: seconds) { $0.statusCode == code && $0.cseq?.method == method }
  }

  /// An INVITE from us to `uri` with an audio offer (PCMU, port 9: nobody listens).
  func invite(to uri: String, callID: String) throws -> SIPMessage {
    var offerer = OfferAnswer(address: "127.0.0.1", sessionID: 1)
    let offer = offerer.makeOffer([LocalStream(port: 9)])
    let me = try SIPURI.parse("sip:raw@127.0.0.1:\(port)")
    return SIPMessage.request(
      method: "INVITE", uri: try SIPURI.parse(uri), from: SIPNameAddress(uri: me),
      to: SIPNameAddress(uri: try SIPURI.parse(uri)),
      via: SIPVia(transport: "UDP", host: "127.0.0.1", port: port),
      callID: callID, contact: SIPNameAddress(uri: me), body: offer.bytes,
      contentType: SessionDescription.contentType)
  }

  func close() { try? channel.close().wait() }

  fileprivate func append(_ message: SIPMessage, from: SocketAddress) {
    lock.withLock { received.append((message, from)) }
  }

  private final class Box: @unchecked Sendable {
    // Set once, before the first datagram can matter to a test.
    weak var peer: RawSIPPeer?
  }

  private final class Reader: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let box: Box
    init(box: Box) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
      let envelope = unwrapInboundIn(data)
      let bytes = Array(envelope.data.readableBytesView)
      if let message = try? SIPMessage.parse(bytes) {
        box.peer?.append(message, from: envelope.remoteAddress)
      }
    }
  }
}

/// A datagram socket to give a call as its `media_lsocks` entry (`MediaSocket.channel`): it notes
/// the source address of every packet and passes the packet on to the media engine's handler
/// behind it, so the test sees where the peer's RTP really comes from.
final class DatagramTap: @unchecked Sendable {
  // @unchecked: `sources` is guarded by the lock; the channel is thread-safe.
  let channel: any Channel
  let port: Int
  private let lock = NSLock()
  private var sources: [SocketAddress] = []

  init(loop: any EventLoop, host: String = "127.0.0.1") throws {
    let box = Box()
    channel = try DatagramBootstrap(group: loop)
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(Recorder(box: box))
        }
      }
      .bind(host: host, port: 0).wait()
    guard let port = channel.localAddress?.port else { throw HarnessError("tap: no local address") }
    self.port = port
    box.tap = self
  }

  /// The source ports of the packets so far, each once, in order of arrival.
  var sourcePorts: [Int] {
    lock.withLock {
      var seen: [Int] = []
      for port in sources.compactMap(\.port) where !seen.contains(port) { seen.append(port) }
      return seen
    }
  }

  var packetCount: Int { lock.withLock { sources.count } }

  /// Waits (up to `seconds`) until `count` packets arrived.
  @discardableResult
  func waitForPackets(_ count: Int, seconds: Double = 10) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if packetCount >= count { return true }
      Thread.sleep(forTimeInterval: 0.01)
    }
    return packetCount >= count
  }

  func close() { try? channel.close().wait() }

  fileprivate func note(_ source: SocketAddress) { lock.withLock { sources.append(source) } }

  private final class Box: @unchecked Sendable {
    weak var tap: DatagramTap?
  }

  private final class Recorder: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let box: Box
    init(box: Box) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
      box.tap?.note(unwrapInboundIn(data).remoteAddress)
      context.fireChannelRead(data)
    }
  }
}

/// A free UDP port on `host` right now (bound and closed again), for `MediaSocket.bind`.
func freeUDPPort(loop: any EventLoop, host: String = "127.0.0.1") throws -> Int {
  let channel = try DatagramBootstrap(group: loop).bind(host: host, port: 0).wait()
  defer { try? channel.close().wait() }
  guard let port = channel.localAddress?.port else { throw HarnessError("no free port") }
  return port
}
