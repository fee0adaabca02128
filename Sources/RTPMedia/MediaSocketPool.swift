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
/// `epoll_ctl` when it is taken again), and what arrived after the last report is dropped by the
/// next stream's first reads by its arrival stamp (``RawRTPSocket/handOut(at:engineReads:)``: no
/// system call at the hand-out). Two live streams therefore never share a socket, and the range,
/// the even/odd pairing and symmetric RTP are unchanged.
struct MediaSocketPool {
  struct Parked {
    let socket: RawRTPSocket
    let port: Int
    let host: String
    let since: NIODeadline
  }

  /// How long a socket rests before another call gets it, by default.
  static let defaultQuietPeriod = TimeAmount.seconds(2)
  /// How long a socket rests before another call gets it (tests lengthen it so that a slow
  /// machine cannot turn "not rested yet" into "rested").
  var quietPeriod = MediaSocketPool.defaultQuietPeriod
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

  /// Whether a new call takes the oldest resting socket even before its quiet period is over: the
  /// pool is full, or nearly (an eighth of ``capacity`` below it, at most 256 sockets). When the
  /// rate outruns the pool, the number resting walks up and down by one with each call that ends
  /// and each that starts; counted full only at ``capacity``, every dip below it made a call bind
  /// a new socket and the next park close the oldest (measured at 2,000 calls/s with a pool of
  /// 2,500: 0.6 `socket`, `bind`, `close` per call, and their `setsockopt`s and `epoll_ctl`s).
  /// The margin absorbs those dips.
  var isNearlyFull: Bool { Self.isNearlyFull(resting: rtp.count, capacity: capacity) }

  /// ``isNearlyFull`` for `resting` sockets in a pool of `capacity`.
  static func isNearlyFull(resting: Int, capacity: Int) -> Bool {
    resting >= capacity - min(capacity / 8, 256)
  }
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
