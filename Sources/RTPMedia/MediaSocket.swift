public import NIOCore

/// Where a stream receives or sends: the Swift form of Net::SIP's `media_lsocks` and
/// `media_ssocks` entries.
///
/// In Net::SIP a "socket" is a bound `IO::Socket`. Here it is a port to bind (taken from the
/// engine's range, or one the caller was given), a socket the caller opened with
/// ``MediaEngine/openSocket(host:port:)``, or a datagram `Channel` the caller already bound on the
/// engine's event loop (the engine adds its handler to that channel). The engine leaves the
/// caller's sockets open when the stream closes (the caller owns them, as Net::SIP's caller owns
/// its sockets).
public enum MediaSocket: Sendable {
  /// The next free port of ``MediaEngineConfiguration/portRange`` on `host` ("127.0.0.1", "::1").
  case allocate(host: String)
  /// Exactly this address.
  case bind(host: String, port: Int)
  /// An already-bound datagram channel whose inbound messages are
  /// `AddressedEnvelope<ByteBuffer>`; must live on the engine's event loop.
  case channel(any Channel)
  /// A socket of ``MediaEngine/openSocket(host:port:)`` (no NIO channel); the caller closes it
  /// with ``MediaEngine/closeSocket(_:)``.
  case socket(RawRTPSocket)
}
