public import NIOCore
public import RTPCore

/// How to open a stream on a ``MediaEngine``.
///
/// ```swift
/// var options = MediaStreamOptions(remote: try SocketAddress(ipAddress: "127.0.0.1", port: 40000))
/// options.parameters.rtpTimeout = 10_000_000_000   // 10 s, like Net::SIP
/// let stream = try await engine.openStream(options).get()
/// ```
public struct MediaStreamOptions: Sendable {
  public var parameters: MediaStreamParameters
  /// Where to receive (Net::SIP `media_lsocks`).
  public var local: MediaSocket
  /// Where to send from (Net::SIP `media_ssocks`); nil: from ``local`` (symmetric RTP, the
  /// default) unless ``asymmetric`` is set.
  public var send: MediaSocket?
  /// Net::SIP `asymetric_rtp`: with no ``send`` socket given, allocate a second port to send from.
  public var asymmetric: Bool
  /// Where the peer receives; nil: on hold, nothing is sent.
  public var remote: SocketAddress?
  /// RTP latching (symmetric RTP, RFC 4961): when valid RTP arrives from another address than
  /// ``remote`` — a peer behind NAT — send to where it comes from. nil (the default): on unless
  /// the stream sends from its own socket (``send`` given or ``asymmetric``, Net::SIP's
  /// `asymetric_rtp`). A stream on hold (``remote`` nil) never latches.
  public var latching: Bool?
  /// RTCP (RFC 3550 §6): a socket on the RTP port + 1 of the same host (§11), reports every
  /// ``MediaStreamParameters/rtcpInterval``, the peer's reports read. On by default; a stream
  /// whose RTCP port cannot be bound runs without RTCP.
  public var rtcp: Bool = true
  /// Where the peer wants RTCP (SDP `a=rtcp`, RFC 3605); nil: its RTP port + 1.
  public var remoteRTCP: SocketAddress?
  public var source: MediaSource
  public var events: MediaEventHandler?
  /// Test hook: packets for which it returns true are counted as sent but not written, to make
  /// a known loss pattern without touching the network. Runs on the media loop.
  public var dropOutgoing: (@Sendable (RTPHeader) -> Bool)?
  /// Makes the stream's ``MediaReceiveTap``, on the media loop, when the stream opens.
  public var receiveTap: (@Sendable () -> (any MediaReceiveTap)?)?

  public init(
    parameters: MediaStreamParameters = MediaStreamParameters(),
    local: MediaSocket = .allocate(host: "127.0.0.1"),
    send: MediaSocket? = nil, asymmetric: Bool = false, remote: SocketAddress? = nil,
    source: MediaSource = .silence, events: MediaEventHandler? = nil
  ) {
    self.parameters = parameters
    self.local = local
    self.send = send
    self.asymmetric = asymmetric
    self.remote = remote
    self.source = source
    self.events = events
  }
}
