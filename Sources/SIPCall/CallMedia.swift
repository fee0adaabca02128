import Logging
import NIOCore
import RTPMedia

/// Net::SIP::Simple's `rtp(METHOD, ...)`: ready-made `init_media` functions over the call's
/// streams (one per `m=` line).
///
/// ```swift
/// var parameters = CallParameters()
/// parameters.initMedia = CallMedia.receiveEcho(output: "caller.wav")       // an echo service
/// parameters.initMedia = CallMedia.sendReceive(input: "prompt.wav", repeat: 1)  // play, then BYE
/// ```
public enum CallMedia {
  /// `media_send_recv(INPUT, REPEAT, OUTPUT)`: sends INPUT REPEAT times (nil once, ≤ 0 forever),
  /// records what arrives to OUTPUT if given; when sending has finished calls `cb_rtp_done`,
  /// by default a BYE (Net::SIP's).
  public static func sendReceive(input: String, repeat count: Int? = nil, output: String? = nil) -> (Call) ->
    Void
  {
    { call in
      let loop = call.eventLoop
      let bound = NIOLoopBound(call, eventLoop: loop)
      for index in call.streamIndexes {
        call.stream(at: index)
          .flatMap {
            NetSIPMedia.sendReceive(on: $0, input: input, repeat: count, output: index == 0 ? output : nil)
          }
          .hop(to: loop).assumeIsolated()
          .whenComplete { result in
            let call = bound.value
            guard call.isAlive else { return }
            switch result {
            case .success:
              if let done = call.parameters.cbRTPDone { done(call) } else { _ = call.bye() }
            case .failure(MediaError.stopped):
              break
            case .failure(let error):
              call.agent.logger.warning("media_send_recv: \(error)", metadata: ["call-id": "\(call.id)"])
              if let done = call.parameters.cbRTPDone { done(call) } else { _ = call.bye() }
            }
          }
      }
    }
  }

  /// `media_recv_echo(OUTPUT, DELAY)`: records what arrives to OUTPUT if given and echoes it
  /// back after DELAY packets (0 or nil at once, < 0 not at all).
  public static func receiveEcho(output: String? = nil, delay: Int? = nil) -> (Call) -> Void {
    { call in
      let loop = call.eventLoop
      let bound = NIOLoopBound(call, eventLoop: loop)
      let first = call.streamIndexes.first
      for index in call.streamIndexes {
        call.stream(at: index)
          .flatMap { NetSIPMedia.receiveEcho(on: $0, output: index == first ? output : nil, delay: delay) }
          .hop(to: loop).assumeIsolated()
          .whenFailure { error in
            let call = bound.value
            call.agent.logger.warning("media_recv_echo: \(error)", metadata: ["call-id": "\(call.id)"])
          }
      }
    }
  }
}
