import NIOCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Sockets of streams that ended, kept bound for the next ones: opening a datagram channel (a
/// socket, its options, a pipeline, the event loop's registration) and closing it again were the
/// largest cost of a short call. On the engine's loop.
///
/// An RTP socket of ``MediaEngine/openSocket(host:port:)`` given back with
/// ``MediaEngine/closeSocket(_:)`` waits here with its range port marked parked (not counted as
/// reserved, never handed out by the allocator); the stream's RTCP socket on the port above waits
/// beside it. A parked socket is handed out again only after ``quietPeriod`` (late packets of the
/// old call, which round-robin over the range used to keep away), unless the range has no free
/// port left or the pool is full (``capacity``: then the oldest); what it received meanwhile is
/// read and dropped (the socket stays in the engine's readiness set while it rests, so it needs no
/// `epoll_ctl` when it is taken again) and drained once more when it is taken. Two live streams therefore
/// never share a socket, and the range, the even/odd pairing and symmetric RTP are unchanged.
struct MediaSocketPool {
  struct Parked {
    let socket: RawRTPSocket
    let port: Int
    let host: String
    let since: NIODeadline
  }

  /// How long a socket rests before another call gets it.
  static let quietPeriod = TimeAmount.seconds(2)
  /// At most this many RTP sockets (and as many RTCP sockets) wait (``capacity``). A resting pair holds two
  /// descriptors: at most a quarter of the process's limit rests (sipscript raises its soft limit
  /// to the hard one at start), so that live calls never run out of descriptors because of the
  /// pool, and at most 8,192 pairs (2 s of calls at 4,096 calls/s). When the pool is full, a new
  /// call takes the oldest resting socket even before its quiet period is over (it was closed
  /// otherwise, and a new socket bound: five system calls and more), so a rate the pool cannot
  /// hold for 2 s still reuses every socket, each after `capacity ÷ rate` seconds of rest.
  static let defaultCapacity: Int = {
    var limit = rlimit()
    #if os(Linux)
      let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
      let resource = RLIMIT_NOFILE
    #endif
    guard getrlimit(resource, &limit) == 0, limit.rlim_cur != rlim_t.max else { return 8192 }
    return max(1, min(8192, Int(clamping: limit.rlim_cur / 8)))
  }()

  /// ``defaultCapacity``, smaller in tests.
  var capacity = Self.defaultCapacity
  /// Oldest first.
  var rtp = CircularBuffer<Parked>()
  /// Descriptors of the resting RTP sockets: what the readiness set reports on them is dropped.
  var resting: Set<CInt> = []
  /// RTCP sockets by port (an RTP socket's port + 1).
  var rtcp: [Int: RTCPSocket] = [:]
  /// After ``MediaEngine/shutdown()``: nothing is parked any more.
  var isClosed = false

  /// Reads and drops what waits on a parked socket's descriptor (bounded).
  static func drain(_ descriptor: CInt) {
    withUnsafeTemporaryAllocation(byteCount: 2048, alignment: 8) { buffer in
      for _ in 0..<256 {
        #if canImport(Darwin)
          let flags = MSG_DONTWAIT
        #else
          let flags = CInt(MSG_DONTWAIT)
        #endif
        if recv(descriptor, buffer.baseAddress, buffer.count, flags) < 0 { break }
      }
    }
  }
}
