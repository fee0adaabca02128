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
}

extension Call {
  /// One report of one method, which arrived at `time` (monotonic nanoseconds). `duration`
  /// is the key's length when the method tells it at once (INFO's `Duration`).
  func receiveDTMF(_ report: DTMFMerger.Report, at time: UInt64, duration: Int? = nil) {
    guard !finished else { return }
    if dtmfInput.detectsInBand, dtmfInput.merger.configuration.inBandIsFallback {
      switch report {
      case .rfc4733, .info: stopInBandDetection()
      case .inBand: break
      }
    }
    guard let press = dtmfInput.merger.receive(report, at: time) else { return }
    let method: DTMFMethod =
      switch press.method {
      case .rfc4733: .rfc4733
      case .info: .info
      case .inBand: .inband
      }
    dtmfReceived(DTMFEvent(key: press.key, duration: press.method == .info ? duration : nil, method: method))
  }

  /// A digit of an INFO request of the peer.
  func receiveInfoDTMF(_ digit: Character, duration: Int?) {
    receiveDTMF(.info(digit), at: eventLoop.now.uptimeNanoseconds, duration: duration)
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
  /// Made with the first audio: a stream that receives none (a held call, a peer that sends no
  /// RTP) does not carry a detector's buffers.
  private var detector: DTMFDetector?
  private let report: @Sendable (DTMFMerger.Report, UInt64) -> Void

  init(detectsInBand: Bool, report: @escaping @Sendable (DTMFMerger.Report, UInt64) -> Void) {
    self.detectsInBand = detectsInBand
    self.report = report
  }

  func receivedAudio(_ samples: UnsafeBufferPointer<Int16>, header: RTPHeader, now: UInt64) {
    guard detectsInBand else { return }
    if detector == nil { detector = DTMFDetector() }
    for detection in detector!.process(samples) { report(.inBand(detection.key), now) }
  }

  func receivedTelephoneEvent(_ event: TelephoneEvent, header: RTPHeader, now: UInt64) {
    report(.rfc4733(header, event), now)
  }
}
