import NIOCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The UDP legs' own sockets: opened and bound by ``BoundDatagramSocket``, then handed to NIO
/// (`DatagramBootstrap.withBoundSocket`), which owns them, reads them on the transport's loop
/// and closes them with the channel. The transport keeps the descriptor to *send* with one
/// `sendto` (or `sendmmsg` for a burst) from its ``SIPDatagramOutbox``, without NIO's outbound
/// pipeline, a `ByteBuffer`, a pending-write queue and a flush per datagram
/// (docs/architecture-transport.md, "Sending"). The media engine does the same for RTP
/// (RTPMedia's `RawRTPSocket`), with the same opener from the DatagramSockets module.
///
/// Used on the transport's loop only, and only while the NIO channel that owns the descriptor is
/// active (``SIPLeg/descriptor`` goes to -1 when it closes: the number may be reused).
enum SIPDatagramSocket {
  /// Whether a send error means "the socket cannot take it now" (the datagram is then queued in
  /// NIO, which waits for the socket to become writable), not "this datagram cannot be sent".
  static func isTransient(_ code: CInt) -> Bool {
    code == EAGAIN || code == EWOULDBLOCK || code == ENOBUFS || code == EINTR
  }
}
