public import NIOCore

/// Where a stream receives or sends: the Swift form of Net::SIP's `media_lsocks` and
/// `media_ssocks` entries.
///
/// In Net::SIP a "socket" is a bound `IO::Socket`. Here it is either a port to bind (taken from
/// the engine's range, or one the caller was given) or a datagram `Channel` the caller already
/// bound on the engine's event loop; the engine adds its handler to that channel and leaves it
/// open when the stream closes (the caller owns it, as Net::SIP's caller owns its sockets).
public enum MediaSocket: Sendable {
  /// The next free port of ``MediaEngineConfiguration/portRange`` on `host` ("127.0.0.1", "::1").
  case allocate(host: String)
  /// Exactly this address.
  case bind(host: String, port: Int)
  /// An already-bound datagram channel whose inbound messages are
  /// `AddressedEnvelope<ByteBuffer>`; must live on the engine's event loop.
  case channel(any Channel)
}
