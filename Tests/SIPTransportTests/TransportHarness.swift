import Foundation
import Logging
import NIOCore
import NIOPosix
import SIPCore
import SIPProtocol
import Testing

@testable import SIPTransport

/// A transport on a real event loop for tests: everything touching it runs on `loop` through
/// `on { ... }`. Incoming requests are recorded and answered by `answer` (nil: not answered).
final class TransportPeer: @unchecked Sendable {
  // @unchecked: `transport` and the handler state are only touched on `loop` (through `on`);
  // the recorded lists are guarded by the lock.
  let loop: any EventLoop
  let bound: NIOLoopBound<SIPTransport>
  /// Only on `loop`.
  var transport: SIPTransport { bound.value }
  private let lock = NSLock()
  private var _requests: [SIPMessage] = []
  var answer: ((SIPMessage) -> SIPMessage?)?

  init(loop: any EventLoop, configuration: SIPTransportConfiguration = .init()) throws {
    self.loop = loop
    bound = try loop.submit {
      var logger = Logger(label: "test")
      logger.logLevel = .critical
      return NIOLoopBound(
        SIPTransport(eventLoop: loop, configuration: configuration, logger: logger), eventLoop: loop)
    }.wait()
    try on {
      self.transport.requestHandler = { [unowned self] request in
        self.lock.withLock { self._requests.append(request.message) }
        if let response = self.answer?(request.message) {
          self.transport.respond(response, to: request.transaction)
        }
      }
    }
  }

  var requests: [SIPMessage] { lock.withLock { _requests } }

  /// Runs `body` on the loop and waits for it.
  @discardableResult
  func on<T: Sendable>(_ body: @escaping @Sendable () throws -> T) throws -> T {
    try loop.submit(body).wait()
  }

  func bind(_ transport: SIPLeg.Transport, _ host: String, port: Int = 0) throws -> (String, Int) {
    let promise = loop.makePromise(of: String.self)
    try on {
      self.transport.bind(transport, host: host, port: port) { result in
        switch result {
        case .success(let leg): promise.succeed("\(leg.port)")
        case .failure(let error): promise.fail(error)
        }
      }
    }
    let port = try Int(promise.futureResult.wait()) ?? 0
    return (host, port)
  }

  /// Binds a UDP leg on an in-memory network (bound to this peer's loop); returns its port.
  func bind(on network: NIOLoopBound<SIPMemoryNetwork>, _ host: String, port: Int = 0) throws -> Int {
    try on {
      var outcome: Result<Int, any Error> = .failure(SIPTransportError(.closed, "no answer"))
      self.transport.bind(.udp, host: host, port: port, on: network.value) { result in
        outcome = result.map(\.port)
      }
      return try outcome.get()
    }
  }

  /// Sends a request and waits for its outcome: the final response, or the error's text.
  func send(_ request: SIPMessage) throws -> Result<SIPMessage, SIPTransportError> {
    let promise = loop.makePromise(of: Result<SIPMessage, SIPTransportError>.self)
    try on { self.transport.sendRequest(request) { promise.succeed($0) } }
    return try promise.futureResult.wait()
  }

  func close() throws {
    try loop.flatSubmit { self.transport.close() }.wait()
  }

  static func okAnswer(_ code: Int = 200) -> (SIPMessage) -> SIPMessage? {
    { request in
      var response = request.makeResponse(statusCode: code, toTag: "t\(code)")
      response.addHeader("X-Answered-By", "peer")
      return response
    }
  }
}

/// A bare socket that sends bytes and collects what comes back: the far side of tests that need
/// exact bytes (retransmissions, split TCP writes).
final class RawSocket: @unchecked Sendable {
  // @unchecked: the buffers are guarded by the lock; the channel is used through NIO's API.
  private let lock = NSLock()
  private var _received: [UInt8] = []
  private var _datagrams: [[UInt8]] = []
  var channel: (any Channel)?

  var receivedText: String { lock.withLock { String(decoding: _received, as: UTF8.self) } }
  var datagrams: [String] { lock.withLock { _datagrams.map { String(decoding: $0, as: UTF8.self) } } }

  func append(datagram: ByteBuffer) { lock.withLock { _datagrams.append(Array(datagram.readableBytesView)) } }
  func append(stream: ByteBuffer) { lock.withLock { _received += Array(stream.readableBytesView) } }

  final class UDPHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let socket: RawSocket
    init(_ socket: RawSocket) { self.socket = socket }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
      socket.append(datagram: unwrapInboundIn(data).data)
    }
  }

  final class TCPHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let socket: RawSocket
    init(_ socket: RawSocket) { self.socket = socket }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
      socket.append(stream: unwrapInboundIn(data))
    }
  }

  static func udp(group: any EventLoopGroup, host: String) throws -> RawSocket {
    let socket = RawSocket()
    socket.channel = try DatagramBootstrap(group: group)
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(UDPHandler(socket))
        }
      }
      .bind(host: host, port: 0).wait()
    return socket
  }

  static func tcp(group: any EventLoopGroup, host: String, port: Int) throws -> RawSocket {
    let socket = RawSocket()
    socket.channel = try ClientBootstrap(group: group)
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(TCPHandler(socket))
        }
      }
      .connect(host: host, port: port).wait()
    return socket
  }

  func sendDatagram(_ text: String, host: String, port: Int) throws {
    guard let channel else { return }
    let address = try SocketAddress(ipAddress: host, port: port)
    try channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(string: text)))
      .wait()
  }

  func write(_ text: String) throws {
    guard let channel else { return }
    try channel.writeAndFlush(ByteBuffer(string: text)).wait()
  }

  var isActive: Bool { channel?.isActive ?? false }
}

/// Polls `condition` every 10 ms until it holds or `seconds` pass.
func eventually(_ seconds: Double = 5, _ condition: () throws -> Bool) rethrows -> Bool {
  let deadline = Date().addingTimeInterval(seconds)
  while Date() < deadline {
    if try condition() { return true }
    Thread.sleep(forTimeInterval: 0.01)
  }
  return try condition()
}

/// A MESSAGE as a peer would write it, with a fixed branch (for retransmission tests).
func rawMessage(
  to host: String, port: Int, transport: String = "UDP", from localPort: Int, branch: String = "z9hG4bKraw1",
  callID: String = "raw-1", body: String = "hello"
) -> String {
  let h = host.contains(":") ? "[\(host)]" : host
  return [
    "MESSAGE sip:peer@\(h):\(port) SIP/2.0",
    "Via: SIP/2.0/\(transport) \(h):\(localPort);branch=\(branch);rport",
    "Max-Forwards: 70",
    "From: <sip:raw@\(h)>;tag=raw",
    "To: <sip:peer@\(h)>",
    "Call-ID: \(callID)",
    "CSeq: 1 MESSAGE",
    "Content-Type: text/plain",
    "Content-Length: \(body.utf8.count)",
    "",
    body,
  ].joined(separator: "\r\n")
}

/// A validator that lets MESSAGE with text/plain through to the TU.
let messageValidator = RequestValidator(
  allowedMethods: ["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "MESSAGE"],
  acceptedBodyTypes: ["application/sdp", "text/plain"])

func makeRequest(_ method: String, to uri: String, body: String = "") throws -> SIPMessage {
  SIPMessage.request(
    method: method, uri: try SIPURI.parse(uri),
    from: SIPNameAddress(uri: try SIPURI.parse("sip:test@example.com")),
    to: SIPNameAddress(uri: try SIPURI.parse(uri)), via: SIPVia(transport: "UDP", host: "0.0.0.0"),
    body: Array(body.utf8), contentType: body.isEmpty ? nil : "text/plain")
}
