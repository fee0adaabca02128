import Foundation
import NIOCore
import NIOPosix
import SIPCore

/// A third agent for the routing and authentication tests: a stateless, record-routing UDP
/// proxy on 127.0.0.1 (RFC 3261 §16.11). Requests: its own Route removed, Max-Forwards down,
/// `received`/`rport` stamped on the sender's Via, its Via on top (the branch derived from the
/// sender's, so a CANCEL follows its INVITE), a Record-Route on initial INVITEs, then to the next
/// Route or the Request-URI. Responses: its Via removed, then to the next Via. With
/// `challenge`, every request without valid Proxy-Authorization is answered 407 by the proxy
/// itself (ACKs of those 407s are absorbed), like a proxy that authenticates BYE too.
///
/// `log` lists what it forwarded: `"INVITE"`, `"ACK"`, `"BYE"`, `"200 INVITE"`, and `"407 BYE"`
/// for its own challenges.
final class TestProxy: @unchecked Sendable {
  // @unchecked: `channel` is set once before use; the other state is touched on the channel's
  // event loop only, `entries` under the lock.
  let port: Int
  private let channel: any Channel
  private let lock = NSLock()
  private var entries: [String] = []

  init(group: any EventLoopGroup, challenge: (user: String, password: String)? = nil) throws {
    let handler = ProxyHandler(challenge: challenge)
    channel = try DatagramBootstrap(group: group)
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
      }
      .bind(host: "127.0.0.1", port: 0).wait()
    port = channel.localAddress?.port ?? 0
    handler.port = port
    handler.record = { [weak self] entry in
      guard let self else { return }
      lock.withLock { entries.append(entry) }
    }
  }

  var log: [String] { lock.withLock { entries } }
  /// The log without provisional responses (a 100 Trying may come, after 200 ms or for a
  /// retransmitted INVITE, and at times twice).
  var finals: [String] { log.filter { !$0.hasPrefix("1") } }
  var uri: String { "sip:127.0.0.1:\(port)" }

  func close() { try? channel.close().wait() }
}

private final class ProxyHandler: ChannelInboundHandler, @unchecked Sendable {
  // @unchecked: used on its channel's event loop only.
  typealias InboundIn = AddressedEnvelope<ByteBuffer>
  typealias OutboundOut = AddressedEnvelope<ByteBuffer>

  var port = 0
  var record: (String) -> Void = { _ in }
  let challenge: (user: String, password: String)?
  var verifier = DigestVerifier(realm: "proxy.test", algorithms: [.md5])
  var challengedBranches: Set<String> = []
  /// Requests whose credentials were accepted: their retransmissions pass without a check (the
  /// nonce count would make them look like replays).
  var acceptedBranches: Set<String> = []
  let start = NIODeadline.now()

  init(challenge: (user: String, password: String)?) { self.challenge = challenge }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let envelope = unwrapInboundIn(data)
    guard let message = try? SIPMessage.parse(envelope.data.readableBytesView) else { return }
    if message.isRequest {
      request(message, from: envelope.remoteAddress, context: context)
    } else {
      response(message, context: context)
    }
  }

  func isOwn(_ uri: SIPURI) -> Bool { uri.host == "127.0.0.1" && uri.port == port }

  func request(_ incoming: SIPMessage, from source: SocketAddress, context: ChannelHandlerContext) {
    var message = incoming
    let method = message.method ?? ""
    guard var via = message.topVia, let branch = via.branch else { return }
    via.received = source.ipAddress
    via.rport = .port(source.port ?? 0)
    message.removeFirstValue("Via")
    message.prependHeader("Via", via.description)
    if method == "ACK", challengedBranches.contains(branch) { return }  // the ACK of our 407
    if let challenge, method != "ACK", method != "CANCEL", !acceptedBranches.contains(branch) {
      if authorized(message, challenge) {
        acceptedBranches.insert(branch)
      } else {
        challengedBranches.insert(branch)
        var refusal = message.makeResponse(statusCode: 407, toTag: message.to?.tag == nil ? "proxy407" : nil)
        let now = Duration.nanoseconds(Int64(NIODeadline.now().uptimeNanoseconds - start.uptimeNanoseconds))
        for value in verifier.challenges(now: now) {
          refusal.addHeader("Proxy-Authenticate", value.headerValue)
        }
        record("407 \(method)")
        send(refusal, to: source, context: context)
        return
      }
    }
    message.removeHeader("Proxy-Authorization")
    if let route = message.routes.first, isOwn(route.uri) { message.removeFirstValue("Route") }
    message.setHeader("Max-Forwards", String((message.maxForwards ?? 70) - 1))
    if method == "INVITE", message.to?.tag == nil {
      message.prependHeader("Record-Route", "<sip:127.0.0.1:\(port);lr>")
    }
    let own = SIPVia(
      transport: "UDP", host: "127.0.0.1", port: port, branch: "z9hG4bKproxy" + branch.dropFirst(7))
    message.prependHeader("Via", own.description)
    guard let next = message.routes.first?.uri ?? message.requestURIValue,
      let address = try? SocketAddress(ipAddress: next.hostWithoutBrackets, port: next.port ?? 5060)
    else { return }
    record(method)
    send(message, to: address, context: context)
  }

  func authorized(_ message: SIPMessage, _ account: (user: String, password: String)) -> Bool {
    let now = Duration.nanoseconds(Int64(NIODeadline.now().uptimeNanoseconds - start.uptimeNanoseconds))
    for value in message.proxyAuthorization {
      guard let credentials = try? DigestCredentials(parsing: value), credentials.username == account.user
      else { continue }
      if verifier.verify(
        credentials, method: message.method ?? "", requestURI: message.requestURI,
        secret: .password(account.password), now: now) == .ok
      {
        return true
      }
    }
    return false
  }

  func response(_ incoming: SIPMessage, context: ChannelHandlerContext) {
    var message = incoming
    guard let top = message.topVia, top.port == port else { return }
    message.removeFirstValue("Via")
    guard let next = message.topVia else { return }
    let host = next.received ?? next.host
    var port = next.port ?? 5060
    if case .port(let p)? = next.rport { port = p }
    guard let address = try? SocketAddress(ipAddress: host, port: port) else { return }
    record("\(message.statusCode ?? 0) \(message.cseq?.method ?? "")")
    send(message, to: address, context: context)
  }

  func send(_ message: SIPMessage, to address: SocketAddress, context: ChannelHandlerContext) {
    let buffer = context.channel.allocator.buffer(bytes: message.serialize())
    context.writeAndFlush(
      wrapOutboundOut(AddressedEnvelope(remoteAddress: address, data: buffer)), promise: nil)
  }
}
