public import NIOCore

/// The two canned media behaviours of Perl's Net::SIP::Simple::RTP, over a ``MediaStream``, with
/// Net::SIP's argument meanings. The Call layer wraps them for `sip.rtp("media_send_recv", …)` and
/// `sip.rtp("media_recv_echo", …)`.
///
/// Differences from Net::SIP, on purpose:
/// - INPUT may be a WAV file as well as Net::SIP's raw 160-octet-per-frame G.711 file; OUTPUT is a
///   WAV file when its name ends in `.wav`, raw payload octets (Net::SIP's format) otherwise.
/// - The RTP inactivity timeout is the stream's configurable ``MediaStreamParameters/rtpTimeout``
///   (Net::SIP: a fixed 10 s), reported as ``MediaEvent/rtpTimeout``; the caller hangs up.
/// - Received DTMF is not echoed back; it is reported as ``MediaEvent/dtmf(key:duration:endReceived:)``.
public enum NetSIPMedia {
  /// `media_send_recv(INPUT, REPEAT, OUTPUT)`: sends INPUT (a file path) REPEAT times — nil once,
  /// ≤ 0 forever (``PlaybackRepeat/init(netSIP:)``) — and records what arrives to OUTPUT if given.
  /// The future succeeds when sending has finished (Net::SIP then calls `cb_rtp_done`, by default
  /// a BYE: the caller's choice here); with REPEAT ≤ 0 it only completes when stopped (failing
  /// with ``MediaError/stopped``).
  public static func sendReceive(
    on stream: MediaStream, input: String, repeat count: Int? = nil, output: String? = nil
  ) -> EventLoopFuture<Void> {
    let recording: EventLoopFuture<Void> =
      output.map { stream.record(MediaRecording(netSIPOutput: $0)) }
      ?? stream.engine.eventLoop.makeSucceededVoidFuture()
    return recording.flatMap { stream.play(files: [input], repeat: PlaybackRepeat(netSIP: count)) }
  }

  /// `media_recv_echo(OUTPUT, DELAY)`: records what arrives to OUTPUT if given, and echoes it
  /// back after DELAY packets: 0 or nil at once, > 0 once DELAY newer packets arrived, < 0 not at
  /// all (receive only). The future succeeds once the echo is set up.
  public static func receiveEcho(
    on stream: MediaStream, output: String? = nil, delay: Int? = nil
  ) -> EventLoopFuture<Void> {
    let recording: EventLoopFuture<Void> =
      output.map { stream.record(MediaRecording(netSIPOutput: $0)) }
      ?? stream.engine.eventLoop.makeSucceededVoidFuture()
    let packets = delay ?? 0
    return recording.flatMap {
      packets < 0 ? stream.play(.none) : stream.echo(.packets(packets))
    }
  }
}
