import IVRCore
import NIOCore
import RTPCore
import RTPMedia

/// The keys a call receives, three ways at once, merged into one event per key press by one
/// ``IVRCore/DTMFMerger`` (docs/architecture-ivr.md): RFC 4733 telephone-event packets and
/// in-band tones from the call's streams (``CallReceiveTap``, on the media loop), and SIP INFO
/// requests (`application/dtmf-relay`, `application/dtmf`) from the session. The merged presses
/// reach `cb_dtmf` and the ``CallEvent/dtmf(_:)`` observers (the Lua binding's `wait_dtmf` and
/// `gather`).
struct CallDTMFInput {
  var merger = DTMFMerger()
  /// Whether the streams look for in-band tones (DTMFDetector on the decoded received audio).
  /// Turned off for the rest of the call by the first signalled key: from then on the merger
  /// drops in-band detections that confirm nothing, and a confirmation changes no result, so the
  /// detector's cost (about 4.4 µs per 20 ms packet, `mediabench detector`) is saved.
  var detectsInBand = true
  /// Armed while a press waits for its end (``IVRCore/DTMFMerger/nextDeadline``).
  var expiry: Scheduled<Void>?
}

extension Call {
  /// One report of one method, which arrived at `time` (monotonic nanoseconds). The merger
  /// emits each press at its end, with its duration (docs/architecture-ivr.md).
  func receiveDTMF(_ report: DTMFMerger.Report, at time: UInt64) {
    guard !finished else { return }
    if dtmfInput.detectsInBand, dtmfInput.merger.configuration.inBandIsFallback {
      switch report {
      case .rfc4733, .info: stopInBandDetection()
      case .inBand, .inBandEnded: break
      }
    }
    deliver(dtmfInput.merger.receive(report, at: time))
  }

  /// Hands the merged presses to the script and arms the timer of a press still waiting for its
  /// end (its end packets lost, its tone cut off).
  private func deliver(_ presses: [DTMFPress]) {
    for press in presses {
      let method: DTMFMethod =
        switch press.method {
        case .rfc4733: .rfc4733
        case .info: .info
        case .inBand: .inband
        }
      guard !finished else { return }
      dtmfReceived(DTMFEvent(key: press.key, duration: press.duration, method: method))
    }
    dtmfInput.expiry?.cancel()
    dtmfInput.expiry = nil
    guard !finished, let deadline = dtmfInput.merger.nextDeadline else { return }
    let now = eventLoop.now.uptimeNanoseconds
    let bound = NIOLoopBound(self, eventLoop: eventLoop)
    dtmfInput.expiry = eventLoop.scheduleTask(
      in: .nanoseconds(Int64(clamping: deadline &- min(deadline, now)))
    ) {
      let call = bound.value
      call.dtmfInput.expiry = nil
      guard !call.finished else { return }
      call.deliver(call.dtmfInput.merger.expire(at: call.eventLoop.now.uptimeNanoseconds))
    }
  }

  /// A digit of an INFO request of the peer, with its `Duration` (ms) when the body has one.
  func receiveInfoDTMF(_ digit: Character, duration: Int?) {
    receiveDTMF(.info(digit, milliseconds: duration), at: eventLoop.now.uptimeNanoseconds)
  }

  /// The tap of a stream of this call: reports telephone-event packets and in-band detections
  /// back to the call's loop.
  func makeReceiveTap() -> @Sendable () -> (any MediaReceiveTap)? {
    let loop = eventLoop
    let bound = NIOLoopBound(self, eventLoop: loop)
    let inBand = dtmfInput.detectsInBand
    return {
      CallReceiveTap(detectsInBand: inBand) { report, time in
        loop.execute { bound.value.receiveDTMF(report, at: time) }
      }
    }
  }

  /// The phone signals its keys: the streams stop looking for tones (see ``CallDTMFInput``).
  func stopInBandDetection() {
    dtmfInput.detectsInBand = false
    let tap = makeReceiveTap()
    for slot in streams.values { _ = slot.stream?.setTap(tap) }
  }

  /// Makes sure the call's streams are open (now, or as soon as media is negotiated), so that
  /// RFC 4733 and in-band keys are heard even while the script plays nothing.
  public func listenForDTMF() {
    guard !finished else { return }
    _ = stream()
  }

  /// In-band detection on the call's streams opened from now on (on by default). Signalled keys
  /// (RFC 4733, INFO) are always received.
  public var detectsInBandDTMF: Bool {
    get { dtmfInput.detectsInBand }
    set { dtmfInput.detectsInBand = newValue }
  }

  /// The merger's counters (presses, confirmations by a second method, in-band detections
  /// dropped by the precedence rule), for logs and tests.
  public var dtmfStatistics: DTMFMergeStatistics {
    let figures = dtmfInput.merger.statistics
    return DTMFMergeStatistics(
      presses: figures.presses, confirmations: figures.confirmations,
      suppressedInBand: figures.suppressedInBand)
  }
}

/// What a call's DTMF merger did (``Call/dtmfStatistics``).
public struct DTMFMergeStatistics: Sendable, Hashable {
  /// Key presses reported (once each).
  public var presses: Int
  /// Reports that confirmed a press another method had already reported.
  public var confirmations: Int
  /// In-band detections dropped because the call signals its keys.
  public var suppressedInBand: Int
}

/// The receive tap of a call's stream, on the media loop: every telephone-event packet goes to the
/// call as it is, and the decoded audio through a Goertzel ``RTPCore/DTMFDetector`` whose
/// detections go to the call. The call's ``IVRCore/DTMFMerger`` makes one press of them.
final class CallReceiveTap: MediaReceiveTap {
  private let detectsInBand: Bool
  /// Made with the first audio, in a box of its own: a stream that receives none (a held call, a
  /// peer that sends no RTP) carries neither the detector's buffers nor its state (a few hundred
  /// bytes inline), only this pointer.
  private var detectorBox: DetectorBox?
  private final class DetectorBox {
    var detector = DTMFDetector()
  }
  private let report: @Sendable (DTMFMerger.Report, UInt64) -> Void

  init(detectsInBand: Bool, report: @escaping @Sendable (DTMFMerger.Report, UInt64) -> Void) {
    self.detectsInBand = detectsInBand
    self.report = report
  }

  func receivedAudio(_ samples: UnsafeBufferPointer<Int16>, header: RTPHeader, now: UInt64) {
    guard detectsInBand else { return }
    let box: DetectorBox
    if let existing = detectorBox {
      box = existing
    } else {
      box = DetectorBox()
      detectorBox = box
    }
    for detection in box.detector.process(samples) { report(.inBand(detection.key), now) }
    for release in box.detector.takeReleases() {
      let milliseconds = release.length * 1000 / max(Int(box.detector.configuration.sampleRate), 1)
      report(.inBandEnded(release.key, milliseconds: milliseconds), now)
    }
  }

  func receivedTelephoneEvent(_ event: TelephoneEvent, header: RTPHeader, now: UInt64) {
    report(.rfc4733(header, event), now)
  }
}
