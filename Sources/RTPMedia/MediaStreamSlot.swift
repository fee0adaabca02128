import NIOCore
import RTPCore

/// The engine's record of one open stream. Lives on the media loop only.
final class MediaStreamSlot {
  let id: Int
  var state: MediaStreamState
  let receive: AcquiredSocket
  let send: AcquiredSocket?
  var remote: SocketAddress?
  let events: MediaEventHandler?
  let dropOutgoing: (@Sendable (RTPHeader) -> Bool)?
  var orderIndex = 0
  var playbackPromise: EventLoopPromise<Void>?
  var dtmfPromise: EventLoopPromise<Void>?
  /// Bridging: the stream that sends what this one receives.
  var bridgeTarget: Int?
  private var needsFlush = false
  private let sendChannel: any Channel

  init(
    id: Int, state: MediaStreamState, receive: AcquiredSocket, send: AcquiredSocket?, remote: SocketAddress?,
    events: MediaEventHandler?, dropOutgoing: (@Sendable (RTPHeader) -> Bool)?
  ) {
    self.id = id
    self.state = state
    self.receive = receive
    self.send = send
    self.remote = remote
    self.events = events
    self.dropOutgoing = dropOutgoing
    // Symmetric RTP: the receiving socket sends, unless a send socket was given or allocated.
    sendChannel = (send ?? receive).channel
  }

  /// Queues one packet on the send socket; ``flush()`` sends what is queued.
  func write(_ header: RTPHeader, _ payload: UnsafeRawBufferPointer) {
    guard let remote else { return }  // on hold
    if let dropOutgoing, dropOutgoing(header) { return }
    let headerLength = header.encodedLength
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
    sendChannel.flush()
  }
}
