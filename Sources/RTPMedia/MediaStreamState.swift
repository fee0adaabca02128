public import RTPCore

/// The media state machine of one stream, sans-I/O: the pacer's ticks and received datagrams go
/// in (with the time as a number), RTP packets and ``MediaEvent``s come out. The ``MediaEngine``
/// drives it on the media loop; tests drive it with a virtual clock.
///
/// Sending, per 20 ms frame: a DTMF packet when a key press is in progress (RFC 4733, replacing
/// audio like Net::SIP does), otherwise a frame of the ``MediaSource``. Every frame advances the
/// RTP timestamp by 160 whether or not a packet goes out (RFC 3550 §5.1: the timestamp is the
/// sampling instant); every packet sent takes the next sequence number. The first audio packet
/// carries the marker bit (RFC 3551 §4.1, start of a talkspurt), and so does the first packet of
/// each key press (RFC 4733 §2.5.1.2).
///
/// Receiving: statistics for every RTP packet; telephone-events of our or the peer's payload type
/// become ``MediaEvent/dtmf(key:duration:endReceived:)`` once per key press; other payloads go to
/// the recorder (decoded G.711) and the echo.
///
/// Not thread-safe: one owner, the media loop.
public struct MediaStreamState {
  public let parameters: MediaStreamParameters
  public private(set) var source: MediaSource
  public internal(set) var nextSequence: UInt16
  /// The RTP timestamp of the next frame.
  public private(set) var nextTimestamp: UInt32
  public internal(set) var statistics = MediaStreamStatistics()
  public internal(set) var reception: RTPStreamStatistics
  /// RTCP reports of this stream (nil: RTCP off, ``MediaStreamParameters/rtcpInterval``).
  public internal(set) var rtcp: RTCPReporter?
  /// Events produced since the last ``takeEvents()``.
  public internal(set) var events: [MediaEvent] = []

  private var sentAudio = false
  /// Why the last recorder was dropped, if a write failed.
  public internal(set) var recorderError: String?
  var receivedFirst = false
  var lastActivity: UInt64
  var timedOut = false
  private var timeout: UInt64?
  /// Everything below lives in ``Activity``, made by the first use: a held call that plays,
  /// sends DTMF, echoes, records, taps and bridges nothing pays one pointer for all of it
  /// (docs/benchmarks-calls.md, "callmem").
  private var activityBox: ActivityBox?

  private var playback: Playback? {
    get { activityBox?.value.playback }
    set { if newValue != nil || activityBox != nil { activity.playback = newValue } }
  }
  private var tone: Tone? {
    get { activityBox?.value.tone }
    set { if newValue != nil || activityBox != nil { activity.tone = newValue } }
  }
  /// Made by the first ``queueDTMF(_:)``.
  private var dtmfSender: TelephoneEventSender? {
    get { activityBox?.value.dtmfSender }
    set { if newValue != nil || activityBox != nil { activity.dtmfSender = newValue } }
  }
  private var dtmfQueue: [Character] {
    get { activityBox?.value.dtmfQueue ?? [] }
    _modify { yield &activity.dtmfQueue }
  }
  private var dtmfQueueHead: Int {
    get { activityBox?.value.dtmfQueueHead ?? 0 }
    _modify { yield &activity.dtmfQueueHead }
  }
  private var dtmfPackets: [TelephoneEventSender.ScheduledPacket] {
    get { activityBox?.value.dtmfPackets ?? [] }
    _modify { yield &activity.dtmfPackets }
  }
  private var dtmfIndex: Int {
    get { activityBox?.value.dtmfIndex ?? 0 }
    _modify { yield &activity.dtmfIndex }
  }
  private var dtmfPauseFrames: Int {
    get { activityBox?.value.dtmfPauseFrames ?? 0 }
    _modify { yield &activity.dtmfPauseFrames }
  }
  var dtmfReceiver: TelephoneEventReceiver {
    get { activityBox?.value.dtmfReceiver ?? TelephoneEventReceiver() }
    _modify { yield &activity.dtmfReceiver }
  }
  var echo: EchoBuffer? {
    get { activityBox?.value.echo }
    set { if newValue != nil || activityBox != nil { activity.echo = newValue } }
    _modify { yield &activity.echo }
  }
  /// Bridging: our timeline minus the other stream's (set by the first relayed packet).
  var relayTimestampOffset: UInt32? {
    get { activityBox?.value.relayTimestampOffset }
    set { if newValue != nil || activityBox != nil { activity.relayTimestampOffset = newValue } }
  }
  var recorder: (any MediaRecorder)? {
    get { activityBox?.value.recorder }
    set { if newValue != nil || activityBox != nil { activity.recorder = newValue } }
  }
  /// Sees received telephone-events and decoded audio (``MediaReceiveTap``).
  var tap: (any MediaReceiveTap)? {
    get { activityBox?.value.tap }
    set { if newValue != nil || activityBox != nil { activity.tap = newValue } }
  }
  /// One frame of samples to send, and its encoded payload (``produceAudio(emit:)``).
  private var frame: [Int16] {
    get { activityBox?.value.frame ?? [] }
    _modify { yield &activity.frame }
  }
  private var payload: [UInt8] {
    get { activityBox?.value.payload ?? [] }
    _modify { yield &activity.payload }
  }
  /// Received audio decoded for the recorder, the tap or a bridge's law conversion.
  var decoded: [Int16] {
    get { activityBox?.value.decoded ?? [] }
    _modify { yield &activity.decoded }
  }

  /// The state of what a stream does beyond counting packets, out of line (fields documented at
  /// their accessors above). The buffers in it are made on first use too.
  struct Activity {
    var playback: Playback?
    var tone: Tone?
    var dtmfSender: TelephoneEventSender?
    var dtmfQueue: [Character] = []
    var dtmfQueueHead = 0
    var dtmfPackets: [TelephoneEventSender.ScheduledPacket] = []
    var dtmfIndex = 0
    var dtmfPauseFrames = 0
    var dtmfReceiver = TelephoneEventReceiver()
    var echo: EchoBuffer?
    var relayTimestampOffset: UInt32?
    var recorder: (any MediaRecorder)?
    var tap: (any MediaReceiveTap)?
    var frame: [Int16] = []
    var payload: [UInt8] = []
    var decoded: [Int16] = []
  }

  final class ActivityBox {
    var value: Activity
    init(_ value: Activity) { self.value = value }
  }

  /// ``Activity`` for changing: makes the box on first use, copies it when shared (a copied
  /// state keeps value semantics).
  private var activity: Activity {
    get { activityBox?.value ?? Activity() }
    _modify {
      if activityBox == nil {
        activityBox = ActivityBox(Activity())
      } else if !isKnownUniquelyReferenced(&activityBox!) {
        activityBox = ActivityBox(activityBox!.value)
      }
      yield &activityBox!.value
    }
  }
  /// The most samples one received packet yields (a larger payload is cut to this).
  static let decodeCapacity = 2048

  /// A stream that starts at `now` (the RTP timeout counts from here).
  public init(parameters: MediaStreamParameters, source: MediaSource = .silence, now: UInt64) {
    self.parameters = parameters
    self.source = .none
    nextSequence = parameters.initialSequence
    nextTimestamp = parameters.initialTimestamp
    reception = RTPStreamStatistics(clockRate: MediaCodec.clockRate)
    lastActivity = now
    timeout = parameters.rtpTimeout
    rtcp = parameters.rtcpInterval.map { RTCPReporter(ssrc: parameters.ssrc, interval: $0, now: now) }
    setSource(source)
  }

  /// Drains the events.
  public mutating func takeEvents() -> [MediaEvent] {
    guard !events.isEmpty else { return [] }
    defer { events.removeAll(keepingCapacity: true) }
    return events
  }

  // MARK: Control

  /// Replaces what the stream sends. A playback or tone in progress ends without
  /// ``MediaEvent/playbackDone``.
  public mutating func setSource(_ newSource: MediaSource) {
    source = newSource
    playback = nil
    tone = nil
    switch newSource {
    case .none, .silence:
      break
    case .clips(let clips, let repeatMode):
      playback = Playback(clips: clips, repeatMode: repeatMode)
    case .tone(let frequency, let amplitude, let milliseconds):
      tone = Tone(
        frequency: frequency, amplitude: amplitude,
        remaining: milliseconds.map { max($0, 0) * Int(MediaCodec.clockRate) / 1000 })
    }
  }

  /// Queues DTMF keys; returns false (and queues nothing) when the stream has no telephone-event
  /// payload type or a character is not a key.
  @discardableResult
  public mutating func queueDTMF(_ keys: String) -> Bool {
    guard let type = parameters.telephoneEventPayloadType,
      keys.allSatisfy({ TelephoneEvent.event(forKey: $0) != nil })
    else {
      return false
    }
    if dtmfSender == nil {
      dtmfSender = TelephoneEventSender(
        payloadType: type, ssrc: parameters.ssrc, packetInterval: UInt32(MediaCodec.samplesPerFrame))
    }
    if dtmfQueueHead > 0 && dtmfQueueHead == dtmfQueue.count {
      dtmfQueue.removeAll(keepingCapacity: true)
      dtmfQueueHead = 0
    }
    dtmfQueue.append(contentsOf: keys)
    return true
  }

  /// Keys queued or in progress.
  public var pendingDTMF: Int { dtmfQueue.count - dtmfQueueHead + (dtmfIndex < dtmfPackets.count ? 1 : 0) }

  /// Starts echoing received audio back after `delay`; nil stops the echo.
  public mutating func setEcho(_ delay: EchoDelay?) {
    echo = delay.map { EchoBuffer(delay: $0.packetCount) }
  }

  public var isEchoing: Bool { echo != nil }

  /// Starts recording into `recorder`, finishing the previous one.
  public mutating func setRecorder(_ newRecorder: (any MediaRecorder)?) {
    if let recorder { try? recorder.finish() }
    recorder = newRecorder
  }

  /// Shows what arrives from now on to `newTap` (nil: to nobody).
  public mutating func setTap(_ newTap: (any MediaReceiveTap)?) {
    tap = newTap
  }

  /// Changes the RTP timeout (nil: off, for held streams); the wait restarts at `now`.
  public mutating func setRTPTimeout(_ nanoseconds: UInt64?, now: UInt64) {
    timeout = nanoseconds
    lastActivity = now
    timedOut = false
  }

  /// Ends the stream's work: finishes the recorder and reports a key press whose end was lost.
  public mutating func finish() {
    setRecorder(nil)
    if let event = dtmfReceiver.flush() { report(event) }
  }

  // MARK: Sending

  /// One wake-up of the pacer: `skipped` frames pass without packets, then `frames` frames are
  /// produced. Each packet goes to `emit` as header and payload (valid during the call only).
  public mutating func tick(
    frames: Int, skipped: Int = 0, now: UInt64,
    emit: (RTPHeader, UnsafeRawBufferPointer) -> Void
  ) {
    let step = UInt32(MediaCodec.samplesPerFrame)
    if skipped > 0 {
      nextTimestamp &+= step &* UInt32(truncatingIfNeeded: skipped)
      statistics.skippedFrames += UInt64(skipped)
    }
    for _ in 0..<max(frames, 0) {
      produceFrame(emit: emit)
      nextTimestamp &+= step
    }
    checkTimeout(now: now)
  }

  private mutating func produceFrame(emit: (RTPHeader, UnsafeRawBufferPointer) -> Void) {
    if dtmfIndex >= dtmfPackets.count, dtmfPauseFrames == 0, dtmfQueueHead < dtmfQueue.count,
      let sender = dtmfSender
    {
      let key = dtmfQueue[dtmfQueueHead]
      dtmfQueueHead += 1
      let duration = UInt32(max(parameters.dtmfDuration, 20) * Int(MediaCodec.clockRate) / 1000)
      dtmfPackets =
        sender.packets(key: key, duration: duration, timestamp: nextTimestamp, sequenceNumber: nextSequence)
        ?? []
      dtmfIndex = 0
    }
    if dtmfIndex < dtmfPackets.count {
      var packet = dtmfPackets[dtmfIndex].packet
      dtmfIndex += 1
      packet.header.sequenceNumber = nextSequence
      send(header: packet.header, payload: packet.payload, emit: emit)
      if dtmfIndex == dtmfPackets.count {
        dtmfPauseFrames = max(parameters.dtmfPause / 20, 0)
        if dtmfQueueHead == dtmfQueue.count { events.append(.dtmfSent) }
      }
      return
    }
    if dtmfPauseFrames > 0 { dtmfPauseFrames -= 1 }
    produceAudio(emit: emit)
  }

  private mutating func produceAudio(emit: (RTPHeader, UnsafeRawBufferPointer) -> Void) {
    if case .none = source { return }
    if frame.isEmpty {
      frame = [Int16](repeating: 0, count: MediaCodec.samplesPerFrame)
      payload = [UInt8](repeating: 0, count: MediaCodec.samplesPerFrame)
    }
    switch source {
    case .none:
      return
    case .silence:
      for index in frame.indices { frame[index] = 0 }
    case .clips:
      guard var current = playback else { return }
      let finished = frame.withUnsafeMutableBufferPointer { current.fill($0) }
      playback = current
      if finished {
        events.append(.playbackDone)
        source = .silence
        playback = nil
      }
    case .tone:
      guard var current = tone else { return }
      let finished = frame.withUnsafeMutableBufferPointer { current.fill($0) }
      tone = current
      if finished {
        events.append(.playbackDone)
        source = .silence
        tone = nil
      }
    }
    let law = parameters.codec.law
    frame.withUnsafeBufferPointer { samples in
      payload.withUnsafeMutableBufferPointer { codes in law.encode(samples, into: codes) }
    }
    let header = RTPHeader(
      marker: !sentAudio, payloadType: parameters.codec.payloadType, sequenceNumber: nextSequence,
      timestamp: nextTimestamp, ssrc: parameters.ssrc)
    sentAudio = true
    let codes = payload
    codes.withUnsafeBytes { send(header: header, payload: $0, emit: emit) }
  }

  private mutating func send(
    header: RTPHeader, payload: [UInt8], emit: (RTPHeader, UnsafeRawBufferPointer) -> Void
  ) {
    payload.withUnsafeBytes { send(header: header, payload: $0, emit: emit) }
  }

  private mutating func send(
    header: RTPHeader, payload: UnsafeRawBufferPointer, emit: (RTPHeader, UnsafeRawBufferPointer) -> Void
  ) {
    emit(header, payload)
    nextSequence &+= 1
    statistics.packetsSent += 1
    statistics.bytesSent += UInt64(payload.count)
  }

  /// ``decoded``, made with the first packet that needs it.
  mutating func makeDecodeBuffer() {
    if decoded.isEmpty { decoded = [Int16](repeating: 0, count: Self.decodeCapacity) }
  }

  private mutating func checkTimeout(now: UInt64) {
    guard let timeout, !timedOut, now >= lastActivity, now - lastActivity >= timeout else { return }
    timedOut = true
    events.append(.rtpTimeout)
  }
}

@available(*, unavailable)
extension MediaStreamState: Sendable {}
