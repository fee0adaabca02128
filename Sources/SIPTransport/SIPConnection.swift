import NIOCore
import NIOPosix
import SIPCore
import SIPProtocol

/// One TCP connection, accepted or opened by us: its stream framer, and what waits for it to
/// connect. Found by the remote address, so responses go back on the connection their request
/// came on and requests reuse an open connection (RFC 3261 §18.2.2, §18.1.1).
///
/// Not thread-safe: owned by the transport's event loop.
final class SIPConnection {
  /// `ip|port` of the remote end.
  let key: String
  let remote: SocketAddress
  /// The TCP leg it belongs to (its Via sent-by and trace name).
  let leg: SIPLeg
  var channel: (any Channel)?
  var framer: SIPStreamFramer
  /// Messages written before the connection was up, with their transaction for error reports.
  var queued: [(bytes: [UInt8], transaction: TransactionID?)] = []
  var lastActivity: NIODeadline
  var isActive = false
  /// The stream's framing failed: what still arrives before the close is ignored.
  var framingLost = false
  weak var transport: SIPTransport?

  init(key: String, remote: SocketAddress, leg: SIPLeg, maxMessageSize: Int, now: NIODeadline) {
    self.key = key
    self.remote = remote
    self.leg = leg
    self.framer = SIPStreamFramer(maxHeaderBytes: min(65_536, maxMessageSize), maxBodyBytes: maxMessageSize)
    self.lastActivity = now
  }

  static func key(_ address: SocketAddress) -> String {
    "\(address.ipAddress ?? "?")|\(address.port ?? 0)"
  }

  /// Reports a transport error for every queued message of a transaction (connect failed).
  func failQueued() {
    let failed = queued.compactMap(\.transaction)
    queued.removeAll()
    guard let transport else { return }
    for id in failed { transport.perform(transport.core.handle(.transportError(id))) }
  }
}

@available(*, unavailable)
extension SIPConnection: Sendable {}
