public import RTPMedia
public import SDP
public import SIPCore
public import SIPProtocol

/// A call's connection parameters: Net::SIP::Simple::Call's keys with their meaning
/// (shared/net-sip-call.txt), as Swift values. Given to ``UserAgent/invite(_:parameters:)`` and
/// ``UserAgent/Listener``, merged by ``Call/reinvite(_:completion:)`` and ``Call/bye(_:completion:)``,
/// read and written with ``Call/parameters``.
///
/// ```swift
/// var parameters = CallParameters()
/// parameters.initMedia = CallMedia.sendReceive(input: "prompt.wav", output: "caller.wav")
/// parameters.cbFinal = { status, call, info in print(status, info.code) }
/// let call = try agent.invite("sip:bob@127.0.0.1:5070", parameters: parameters)
/// ```
///
/// Callbacks run on the agent's event loop.
public struct CallParameters {
  // The keys live in one shared, copy-on-write storage object: every call of a listener starts
  // with the listener's parameters, and most never change them, so a held call pays one
  // reference here instead of a private copy of every key and callback (docs/benchmarks-calls.md,
  // "callmem"). A write copies the storage first when another value shares it.
  private final class Storage {
    var leg: String?
    var sdpOnAck: Bool
    var initMedia: ((Call) -> Void)?
    var sdp: SessionDescription?
    var mediaLocalSockets: [MediaSocket]?
    var mediaSendSockets: [MediaSocket]?
    var asymmetricRTP: Bool
    var recvBye: ((Call) -> Void)?
    var sendBye: ((Call) -> Void)?
    var clearSDP: Bool
    var cbFinal: ((InviteSession.Outcome, Call, FinalInfo) -> Void)?
    var cbEstablished: ((Call) -> Void)?
    var cbPreliminary: ((Call, Int, SIPMessage) -> Void)?
    var cbInvite: ((Call, SIPMessage) -> Void)?
    var cbDTMF: ((Call, DTMFEvent) -> Void)?
    var ringTime: Duration?
    var cbNoAnswer: ((Call) -> Void)?
    var cbCleanup: ((Call) -> Void)?
    var callOnHold: Bool
    var sipHeaders: [(name: String, value: String)]
    var codecs: [String]?
    var dtmfMethods: [DTMFMethod]
    var rtpTimeout: Duration?
    var cbRTPDone: ((Call) -> Void)?
    var cbRefer: ((Call, SIPNameAddress, SIPMessage, @escaping (Int) -> Void) -> Void)?
    var auth: SIPCredentials?
    var extra: [String: Any]

    init() {
      leg = nil
      sdpOnAck = false
      initMedia = nil
      sdp = nil
      mediaLocalSockets = nil
      mediaSendSockets = nil
      asymmetricRTP = false
      recvBye = nil
      sendBye = nil
      clearSDP = false
      cbFinal = nil
      cbEstablished = nil
      cbPreliminary = nil
      cbInvite = nil
      cbDTMF = nil
      ringTime = nil
      cbNoAnswer = nil
      cbCleanup = nil
      callOnHold = false
      sipHeaders = []
      codecs = nil
      dtmfMethods = [.rfc4733, .info]
      rtpTimeout = nil
      cbRTPDone = nil
      cbRefer = nil
      auth = nil
      extra = [:]
    }

    init(copying other: Storage) {
      leg = other.leg
      sdpOnAck = other.sdpOnAck
      initMedia = other.initMedia
      sdp = other.sdp
      mediaLocalSockets = other.mediaLocalSockets
      mediaSendSockets = other.mediaSendSockets
      asymmetricRTP = other.asymmetricRTP
      recvBye = other.recvBye
      sendBye = other.sendBye
      clearSDP = other.clearSDP
      cbFinal = other.cbFinal
      cbEstablished = other.cbEstablished
      cbPreliminary = other.cbPreliminary
      cbInvite = other.cbInvite
      cbDTMF = other.cbDTMF
      ringTime = other.ringTime
      cbNoAnswer = other.cbNoAnswer
      cbCleanup = other.cbCleanup
      callOnHold = other.callOnHold
      sipHeaders = other.sipHeaders
      codecs = other.codecs
      dtmfMethods = other.dtmfMethods
      rtpTimeout = other.rtpTimeout
      cbRTPDone = other.cbRTPDone
      cbRefer = other.cbRefer
      auth = other.auth
      extra = other.extra
    }
  }

  private var storage = Storage()

  /// The storage to write to: ours alone, copied first when shared.
  private var unique: Storage {
    mutating get {
      if !isKnownUniquelyReferenced(&storage) { storage = Storage(copying: storage) }
      return storage
    }
  }

  /// `leg`: the leg to send from, as ``SIPLeg/description`` writes it (`udp:127.0.0.1:5060`);
  /// nil: the first leg of the destination's transport and address family.
  public var leg: String? {
    get { storage.leg }
    set { unique.leg = newValue }
  }
  /// `sdp_on_ack`: the INVITE carries no SDP; the peer offers in its 2xx, our answer goes in the ACK.
  public var sdpOnAck: Bool {
    get { storage.sdpOnAck }
    set { unique.sdpOnAck = newValue }
  }
  /// `init_media`: called once media can start (the call's streams exist), with the call.
  public var initMedia: ((Call) -> Void)? {
    get { storage.initMedia }
    set { unique.initMedia = newValue }
  }
  /// `sdp`: our own session description, sent as is as the offer (UAC) or answer (UAS). Its
  /// `m=` ports must be the ports of ``mediaLocalSockets``, which are then required.
  public var sdp: SessionDescription? {
    get { storage.sdp }
    set { unique.sdp = newValue }
  }
  /// `media_lsocks`: where each `m=` line receives; nil: ports from the agent's RTP range.
  public var mediaLocalSockets: [MediaSocket]? {
    get { storage.mediaLocalSockets }
    set { unique.mediaLocalSockets = newValue }
  }
  /// `media_ssocks`: where each `m=` line sends from; nil: the receiving socket, unless
  /// ``asymmetricRTP``.
  public var mediaSendSockets: [MediaSocket]? {
    get { storage.mediaSendSockets }
    set { unique.mediaSendSockets = newValue }
  }
  /// `asymetric_rtp` (Net::SIP's spelling): send from a second port of the range.
  public var asymmetricRTP: Bool {
    get { storage.asymmetricRTP }
    set { unique.asymmetricRTP = newValue }
  }
  /// `recv_bye`: the peer ended the call with BYE or CANCEL.
  public var recvBye: ((Call) -> Void)? {
    get { storage.recvBye }
    set { unique.recvBye = newValue }
  }
  /// `send_bye`: we ended the call (BYE or CANCEL); gets the call after ``Call/bye(_:completion:)``
  /// merged its arguments.
  public var sendBye: ((Call) -> Void)? {
    get { storage.sendBye }
    set { unique.sendBye = newValue }
  }
  /// `clear_sdp`: fresh sockets and SDP for each new INVITE of the peer (re-INVITE included).
  public var clearSDP: Bool {
    get { storage.clearSDP }
    set { unique.clearSDP = newValue }
  }
  /// `cb_final`: the final response to our INVITE or re-INVITE: `.ok`/`.fail`, the call, the code.
  public var cbFinal: ((InviteSession.Outcome, Call, FinalInfo) -> Void)? {
    get { storage.cbFinal }
    set { unique.cbFinal = newValue }
  }
  /// `cb_established`: the call is confirmed (our ACK sent, or the peer's ACK received).
  public var cbEstablished: ((Call) -> Void)? {
    get { storage.cbEstablished }
    set { unique.cbEstablished = newValue }
  }
  /// `cb_preliminary`: a provisional response to our INVITE (code and message).
  public var cbPreliminary: ((Call, Int, SIPMessage) -> Void)? {
    get { storage.cbPreliminary }
    set { unique.cbPreliminary = newValue }
  }
  /// `cb_invite`: an INVITE or re-INVITE of the peer arrived (before it is answered).
  public var cbInvite: ((Call, SIPMessage) -> Void)? {
    get { storage.cbInvite }
    set { unique.cbInvite = newValue }
  }
  /// `cb_dtmf`: a DTMF key arrived (RFC 4733 or SIP INFO), once per key press.
  public var cbDTMF: ((Call, DTMFEvent) -> Void)? {
    get { storage.cbDTMF }
    set { unique.cbDTMF = newValue }
  }
  /// `ring_time`: cancel our INVITE when no final response came in this time; then `cb_noanswer`.
  public var ringTime: Duration? {
    get { storage.ringTime }
    set { unique.ringTime = newValue }
  }
  public var cbNoAnswer: ((Call) -> Void)? {
    get { storage.cbNoAnswer }
    set { unique.cbNoAnswer = newValue }
  }
  /// `cb_cleanup`: the call ended and its resources are gone.
  public var cbCleanup: ((Call) -> Void)? {
    get { storage.cbCleanup }
    set { unique.cbCleanup = newValue }
  }
  /// `call_on_hold`: our offers and answers say `sendonly` (RFC 3264 §8.4); false resumes.
  public var callOnHold: Bool {
    get { storage.callOnHold }
    set { unique.callOnHold = newValue }
  }
  /// `sip_header`: extra header fields for our INVITEs (and re-INVITEs).
  public var sipHeaders: [(name: String, value: String)] {
    get { storage.sipHeaders }
    set { unique.sipHeaders = newValue }
  }
  /// `rtp_param`: the codecs to offer and accept, most preferred first (names: PCMU, PCMA);
  /// nil: the agent's.
  public var codecs: [String]? {
    get { storage.codecs }
    set { unique.codecs = newValue }
  }
  /// `dtmf_methods`: how ``Call/dtmf(_:method:completion:)`` sends by default, first usable wins.
  public var dtmfMethods: [DTMFMethod] {
    get { storage.dtmfMethods }
    set { unique.dtmfMethods = newValue }
  }
  /// Hang up after this long without RTP (DESIGN §8: off for held calls); nil: never.
  public var rtpTimeout: Duration? {
    get { storage.rtpTimeout }
    set { unique.rtpTimeout = newValue }
  }
  /// Net::SIP's `cb_rtp_done` of `media_send_recv`: sending finished; nil: hang up (Net::SIP's default).
  public var cbRTPDone: ((Call) -> Void)? {
    get { storage.cbRTPDone }
    set { unique.cbRTPDone = newValue }
  }
  /// `cb_refer`: an incoming REFER (RFC 3515) with its Refer-To; answer it by calling `respond`
  /// with a status (202 accepts; the transfer's outcome then goes to the referrer with
  /// ``Call/notifyRefer(status:reason:)``). Without it a REFER gets 603.
  public var cbRefer: ((Call, SIPNameAddress, SIPMessage, @escaping (Int) -> Void) -> Void)? {
    get { storage.cbRefer }
    set { unique.cbRefer = newValue }
  }
  /// `auth`: the account answering 401/407 challenges to this call's requests; nil: the agent's
  /// (``UserAgent/Configuration/credentials``).
  public var auth: SIPCredentials? {
    get { storage.auth }
    set { unique.auth = newValue }
  }
  /// Keys Net::SIP does not know: kept and visible to callbacks (`call.parameters.extra["x"]`).
  public var extra: [String: Any] {
    get { storage.extra }
    set { unique.extra = newValue }
  }

  public init() {}

  /// `self` with every key set in `other` replacing ours (Net::SIP merges `reinvite`'s and
  /// `bye`'s arguments into the connection parameters). Booleans are taken from `other` when
  /// `other` lists them in `setKeys`.
  public func merging(_ other: CallParameters, setKeys: Set<String>) -> CallParameters {
    var merged = self
    if other.leg != nil { merged.leg = other.leg }
    if setKeys.contains("sdp_on_ack") { merged.sdpOnAck = other.sdpOnAck }
    if other.initMedia != nil { merged.initMedia = other.initMedia }
    if other.sdp != nil { merged.sdp = other.sdp }
    if other.mediaLocalSockets != nil { merged.mediaLocalSockets = other.mediaLocalSockets }
    if other.mediaSendSockets != nil { merged.mediaSendSockets = other.mediaSendSockets }
    if setKeys.contains("asymetric_rtp") { merged.asymmetricRTP = other.asymmetricRTP }
    if other.recvBye != nil { merged.recvBye = other.recvBye }
    if other.sendBye != nil { merged.sendBye = other.sendBye }
    if setKeys.contains("clear_sdp") { merged.clearSDP = other.clearSDP }
    if other.cbFinal != nil { merged.cbFinal = other.cbFinal }
    if other.cbEstablished != nil { merged.cbEstablished = other.cbEstablished }
    if other.cbPreliminary != nil { merged.cbPreliminary = other.cbPreliminary }
    if other.cbInvite != nil { merged.cbInvite = other.cbInvite }
    if other.cbDTMF != nil { merged.cbDTMF = other.cbDTMF }
    if other.ringTime != nil { merged.ringTime = other.ringTime }
    if other.cbNoAnswer != nil { merged.cbNoAnswer = other.cbNoAnswer }
    if other.cbCleanup != nil { merged.cbCleanup = other.cbCleanup }
    if setKeys.contains("call_on_hold") { merged.callOnHold = other.callOnHold }
    if !other.sipHeaders.isEmpty { merged.sipHeaders = other.sipHeaders }
    if other.codecs != nil { merged.codecs = other.codecs }
    if setKeys.contains("dtmf_methods") { merged.dtmfMethods = other.dtmfMethods }
    if other.rtpTimeout != nil { merged.rtpTimeout = other.rtpTimeout }
    if other.cbRTPDone != nil { merged.cbRTPDone = other.cbRTPDone }
    if other.cbRefer != nil { merged.cbRefer = other.cbRefer }
    if other.auth != nil { merged.auth = other.auth }
    merged.extra.merge(other.extra) { _, new in new }
    return merged
  }
}

@available(*, unavailable)
extension CallParameters: Sendable {}

/// `cb_final`'s INFO: the response code (0 when no response came), its reason and the response.
public struct FinalInfo: Sendable {
  public var code: Int
  public var reason: String?
  public var response: SIPMessage?

  public init(code: Int, reason: String? = nil, response: SIPMessage? = nil) {
    self.code = code
    self.reason = reason
    self.response = response
  }
}

/// How DTMF keys travel.
public enum DTMFMethod: String, Sendable, Hashable, CaseIterable {
  /// RFC 4733 telephone-event packets in the RTP stream.
  case rfc4733
  /// SIP INFO with `application/dtmf-relay` (RFC 6086 package as deployed).
  case info
  /// Tones in the audio (received only, by the Goertzel detector).
  case inband
}

/// One key press, however many packets or requests carried it.
public struct DTMFEvent: Sendable, Hashable {
  public var key: Character
  /// Milliseconds, when the method tells.
  public var duration: Int?
  public var method: DTMFMethod

  public init(key: Character, duration: Int?, method: DTMFMethod) {
    self.key = key
    self.duration = duration
    self.method = method
  }
}
