import NIOCore
import RTPCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The engine's record of one open stream. Lives on the media loop only.
final class MediaStreamSlot {
  let id: Int
  var state: MediaStreamState
  let receive: AcquiredSocket
  let send: AcquiredSocket?
  /// Where packets go; nil: on hold. Setting it also packs it for `sendto`.
  var remote: SocketAddress? {
    didSet {
      packedRemote = remote.map(PackedAddress.init)
      if !rtcpRemoteGiven { rtcpRemote = remote.flatMap(Self.rtcpAddress(beside:)) }
    }
  }
  /// Symmetric RTP: follow the source address of the peer's packets (``latch(to:)``).
  let latches: Bool
  /// The stream's RTCP socket (RTP port + 1), if it could be bound; nil: no RTCP.
  let rtcp: RTCPSocket?
  /// Where RTCP goes: the peer's RTP port + 1 (RFC 3550 §11) unless given (SDP `a=rtcp`,
  /// RFC 3605) or latched.
  var rtcpRemote: SocketAddress?
  /// ``rtcpRemote`` was given, so a new ``remote`` does not move it.
  var rtcpRemoteGiven: Bool
  let events: MediaEventHandler?
  let dropOutgoing: (@Sendable (RTPHeader) -> Bool)?
  var orderIndex = 0
  var playbackPromise: EventLoopPromise<Void>?
  var dtmfPromise: EventLoopPromise<Void>?
  /// Bridging: the stream that sends what this one receives.
  var bridgeTarget: Int?
  private var needsFlush = false
  /// The send socket's channel; nil when it is one of the engine's bare descriptors.
  private let sendChannel: (any Channel)?
  /// The send socket when it is one of the engine's bare descriptors.
  private let sendRaw: RawRTPSocket?
  /// The send socket's descriptor when the engine opened it: packets go out with one `sendto`
  /// from ``scratch`` instead of through the channel.
  private let sendDescriptor: CInt?
  /// The receive socket's descriptor when the engine reads it (NIO does not): a bare descriptor
  /// of the engine's, or a socket of `openSocket` that the tick polls.
  let polledDescriptor: CInt?
  /// The send socket's descriptor when it is a bare descriptor of the engine's, which the engine
  /// reads too (a peer doing symmetric RTP answers to it).
  let sendReadDescriptor: CInt?
  private(set) var packedRemote: PackedAddress?
  /// One packet's worth of bytes, reused for every direct send; made by the first one (a held
  /// call that sends nothing never needs it).
  private var scratch: UnsafeMutableRawBufferPointer?
  private static let scratchCapacity = 2048
  /// Direct sends that the kernel refused for a reason other than a full buffer (ICMP errors
  /// reported on the socket, like NIO's ignored ones), and, on a bare descriptor (no queue
  /// behind it), for a full buffer too.
  private(set) var sendErrors: UInt64 = 0

  init(
    id: Int, state: MediaStreamState, receive: AcquiredSocket, send: AcquiredSocket?, remote: SocketAddress?,
    events: MediaEventHandler?, dropOutgoing: (@Sendable (RTPHeader) -> Bool)?, latches: Bool,
    rtcp: RTCPSocket?, rtcpRemote: SocketAddress?, polled: Bool
  ) {
    self.id = id
    self.state = state
    self.receive = receive
    self.send = send
    self.remote = remote
    packedRemote = remote.map(PackedAddress.init)
    self.rtcp = rtcp
    rtcpRemoteGiven = rtcpRemote != nil
    self.rtcpRemote = rtcpRemote ?? remote.flatMap(Self.rtcpAddress(beside:))
    self.latches = latches
    self.events = events
    self.dropOutgoing = dropOutgoing
    // Symmetric RTP: the receiving socket sends, unless a send socket was given or allocated.
    sendChannel = (send ?? receive).channel
    sendRaw = (send ?? receive).raw
    sendDescriptor = (send ?? receive).descriptor
    polledDescriptor = receive.raw != nil || polled ? receive.descriptor : nil
    sendReadDescriptor = send?.raw?.descriptor
  }

  deinit { scratch?.deallocate() }

  /// Moves the remote address to where the peer's packets come from.
  func latch(to address: SocketAddress) {
    // A given RTCP address that is just the SDP's RTP port + 1 (a call always passes one) moves
    // with RTP, as a derived one does; one that names another port (a=rtcp) stays, and only the
    // peer's own RTCP moves it (RTCP latching).
    let rtcpFollows =
      rtcpRemoteGiven && rtcpRemote != nil && rtcpRemote == remote.flatMap(Self.rtcpAddress(beside:))
    remote = address
    if rtcpFollows { rtcpRemote = Self.rtcpAddress(beside: address) }
    state.statistics.latched += 1
  }

  /// The same host, port + 1.
  static func rtcpAddress(beside address: SocketAddress) -> SocketAddress? {
    guard let host = address.ipAddress, let port = address.port, port < 65535 else { return nil }
    return try? SocketAddress(ipAddress: host, port: port + 1)
  }

  /// Sends one RTCP compound packet (a few per stream per 5 s).
  func sendRTCP(_ bytes: [UInt8]) {
    guard let rtcp, let rtcpRemote else { return }
    rtcp.send(bytes, to: rtcpRemote)
  }

  /// Queues one packet on the send socket; ``flush()`` sends what is queued.
  func write(_ header: RTPHeader, _ payload: UnsafeRawBufferPointer) {
    guard let remote else { return }  // on hold
    if let dropOutgoing, dropOutgoing(header) { return }
    let headerLength = header.encodedLength
    // The direct path, unless NIO still holds queued packets of ours (order) or the channel closed
    // (its descriptor number may be reused).
    if let sendDescriptor, let packedRemote, !needsFlush,
      headerLength + payload.count <= Self.scratchCapacity,
      sendRaw?.isOpen ?? (sendChannel?.isActive == true && sendChannel?.isWritable == true)
    {
      let scratch =
        self.scratch ?? UnsafeMutableRawBufferPointer.allocate(byteCount: Self.scratchCapacity, alignment: 8)
      self.scratch = scratch
      let written = (try? header.write(to: scratch)) ?? 0
      if written == headerLength {
        if let base = payload.baseAddress, payload.count > 0 {
          (scratch.baseAddress! + headerLength).copyMemory(from: base, byteCount: payload.count)
        }
        let code = packedRemote.send(
          sendDescriptor,
          UnsafeRawBufferPointer(start: scratch.baseAddress, count: headerLength + payload.count))
        if code == 0 { return }
        if code != EAGAIN && code != EWOULDBLOCK && code != ENOBUFS || sendChannel == nil {
          // A bare descriptor has no queue: a full send buffer drops the packet, as a router would.
          sendErrors += 1
          return
        }
        // A full send buffer: NIO queues it and sends when the socket is writable again.
      }
    }
    guard let sendChannel else { return }
    var buffer = sendChannel.allocator.buffer(capacity: headerLength + payload.count)
    let written = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: headerLength) { raw in
      (try? header.write(to: raw)) ?? 0
    }
    guard written == headerLength else { return }
    buffer.writeBytes(payload)
    sendChannel.write(AddressedEnvelope(remoteAddress: remote, data: buffer), promise: nil)
    needsFlush = true
  }

  func flush() {
    guard needsFlush else { return }
    needsFlush = false
    sendChannel?.flush()
  }
}
