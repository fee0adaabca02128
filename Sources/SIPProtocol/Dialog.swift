public import SIPCore

/// The state of one dialog (RFC 3261 §12): its id, CSeq spaces, route set and remote target, and
/// how it builds requests inside itself (§12.2.1.1) and checks the peer's (§12.2.2).
///
/// ```swift
/// // UAC: the 180 with a To tag makes an early dialog, the 200 confirms it (§12.1.2, §13.2.2.4).
/// var dialog = try #require(Dialog(uacRequest: invite, response: ringing))
/// dialog.confirm(with: ok)
/// let (bye, peer) = dialog.makeRequest(method: "BYE", via: via)
/// ```
///
/// A value type: the ``UserAgentCore`` keeps one per ``DialogID``.
public struct Dialog: Sendable {
  public enum State: String, Sendable, Hashable {
    case early, confirmed, terminated
  }

  public private(set) var id: DialogID
  public var state: State
  /// Whether we created it as the UAC (sent the INVITE).
  public let isUAC: Bool
  /// The last CSeq number we used; the next request takes the one after (§12.2.1.1).
  public private(set) var localSequence: UInt32
  /// The highest CSeq number the peer used, nil while it has sent nothing in the dialog (§12.1.2).
  public private(set) var remoteSequence: UInt32?
  /// Our From (UAC) or To (UAS) address, without tag.
  public let localAddress: SIPNameAddress
  /// The peer's address, without tag.
  public let remoteAddress: SIPNameAddress
  /// Where requests go: the peer's Contact, refreshed by target-refresh requests (§12.2).
  public private(set) var remoteTarget: SIPURI
  /// The Route headers in-dialog requests carry (§12.1.1, §12.1.2).
  public private(set) var routeSet: [SIPNameAddress]
  /// Our own Contact, put in target-refresh requests (§12.2.1.1).
  public var localContact: SIPNameAddress?
  /// sips Request-URI over TLS (§12.1.1).
  public let secure: Bool

  /// A dialog made by the UAC from a 101–299 response carrying a To tag (RFC 3261 §12.1.2);
  /// nil when the response has no To tag or no usable Contact.
  public init?(uacRequest request: SIPMessage, response: SIPMessage) {
    guard let code = response.statusCode, (101..<300).contains(code), let callID = request.callID,
      var from = request.from, var to = response.to, let localTag = from.tag, let remoteTag = to.tag,
      let cseq = request.cseq
    else { return nil }
    // A 1xx without a Contact still makes an early dialog; its target is the Request-URI until
    // a response brings one.
    guard let target = response.contacts.first?.uri ?? request.requestURIValue else { return nil }
    from = Self.untagged(from)
    to = Self.untagged(to)
    id = DialogID(callID: callID, localTag: localTag, remoteTag: remoteTag)
    state = code < 200 ? .early : .confirmed
    isUAC = true
    localSequence = cseq.sequence
    remoteSequence = nil
    localAddress = from
    remoteAddress = to
    remoteTarget = target
    // §12.1.2: the Record-Route of the response, reversed.
    routeSet = response.recordRoutes.reversed()
    localContact = request.contacts.first
    secure = request.requestURIValue?.scheme == .sips
  }

  /// A dialog made by the UAS when it sends a 101–299 response with a To tag to a request
  /// (RFC 3261 §12.1.1); nil when the response has no To tag or the request no Contact.
  public init?(uasRequest request: SIPMessage, response: SIPMessage) {
    guard let code = response.statusCode, let to = response.to, let localTag = to.tag else { return nil }
    self.init(
      uasRequest: request, code: code, localAddress: to, localTag: localTag,
      localContact: response.contacts.first)
  }

  /// The UAS's dialog for a 101–299 response of its own whose To tag and Contact the caller
  /// knows (RFC 3261 §12.1.1): the same as ``init(uasRequest:response:)`` without reading them
  /// back out of the response it has just built (the To and the Contact parsed again). The To
  /// tag is the request's own when it had one, as ``SIPMessage/makeResponse`` keeps it.
  init?(uasRequest request: SIPMessage, code: Int, localTag: String, localContact: SIPNameAddress?) {
    guard let to = request.to else { return nil }
    self.init(
      uasRequest: request, code: code, localAddress: to, localTag: to.tag ?? localTag,
      localContact: localContact)
  }

  /// The UAS's dialog whose local side (To, tag, Contact) is given and whose remote side and
  /// route set come from the request.
  private init?(
    uasRequest request: SIPMessage, code: Int, localAddress: SIPNameAddress, localTag: String,
    localContact: SIPNameAddress?
  ) {
    guard (101..<300).contains(code), let callID = request.callID, let from = request.from,
      let remoteTag = from.tag, let cseq = request.cseq, let target = request.contacts.first?.uri
    else { return nil }
    id = DialogID(callID: callID, localTag: localTag, remoteTag: remoteTag)
    state = code < 200 ? .early : .confirmed
    isUAC = false
    localSequence = 0
    remoteSequence = cseq.sequence
    self.localAddress = Self.untagged(localAddress)
    remoteAddress = Self.untagged(from)
    remoteTarget = target
    // §12.1.1: the Record-Route of the request, in order.
    routeSet = request.recordRoutes
    self.localContact = localContact
    secure = request.requestURIValue?.scheme == .sips
  }

  /// The address without its tag. When the tag is its only parameter (the usual From and To) the
  /// result has no parameter list at all: removing the tag from the list it shares with the
  /// message would copy the list (160 bytes, kept by every dialog for the whole call).
  /// The address is taken, not borrowed: the callers' own copies (an initializer's parameter, a
  /// header just parsed) are changed in place instead of copied field by field.
  static func untagged(_ address: consuming SIPNameAddress) -> SIPNameAddress {
    var result = address
    if result.parameters.count == 1, result.parameters.contains("tag") {
      result.parameters = SIPParameters()
    } else {
      result.tag = nil
    }
    return result
  }

  /// The UAC's early dialog confirmed by a 2xx: the route set is recomputed and the target
  /// taken from the 2xx (RFC 3261 §13.2.2.4, §12.1.2).
  public mutating func confirm(with response: SIPMessage) {
    guard state == .early, let code = response.statusCode, (200..<300).contains(code) else { return }
    state = .confirmed
    if isUAC { routeSet = response.recordRoutes.reversed() }
    refreshTarget(from: response)
  }

  /// Takes the remote target from the message's Contact (RFC 3261 §12.2.1.2, §12.2.2: re-INVITE
  /// and UPDATE, RFC 3311, are target-refresh requests; their 2xx refresh it at the UAC).
  public mutating func refreshTarget(from message: SIPMessage) {
    if let contact = message.contacts.first?.uri { remoteTarget = contact }
  }

  /// Takes the next local CSeq number for a request the caller builds itself (a request sent
  /// again with credentials after a 401/407 is a new request, RFC 3261 §22.2, §12.2.1.1).
  public mutating func takeNextLocalSequence() -> UInt32 {
    localSequence &+= 1
    return localSequence
  }

  /// Whether a method refreshes the remote target (RFC 3261 §12.2, RFC 3311 §5.1).
  public static func isTargetRefresh(_ method: String?) -> Bool { method == "INVITE" || method == "UPDATE" }

  /// What to do with a request the peer sent inside the dialog (RFC 3261 §12.2.2).
  public enum RemoteRequestVerdict: Sendable, Hashable {
    case accept
    /// The CSeq is lower than the last one: answer 500 (§12.2.2).
    case outOfOrder
  }

  /// Checks the remote CSeq and takes it, refreshes the target on a target-refresh request
  /// (RFC 3261 §12.2.2). ACK and CANCEL carry the CSeq number of their INVITE and are not checked.
  public mutating func receive(_ request: SIPMessage) -> RemoteRequestVerdict {
    guard let method = request.method, method != "ACK", method != "CANCEL", let cseq = request.cseq else {
      return .accept
    }
    if let remote = remoteSequence, cseq.sequence < remote {
      // §12.2.2: lower than the last one is out of order (a retransmission matches its
      // transaction and never gets here).
      return .outOfOrder
    }
    remoteSequence = cseq.sequence
    if Self.isTargetRefresh(method) { refreshTarget(from: request) }
    return .accept
  }

  /// A request inside the dialog (RFC 3261 §12.2.1.1): Request-URI and Route from the remote
  /// target and route set (loose or strict routing), To/From with tags, Call-ID, the next CSeq
  /// (an ACK or CANCEL reuses `cseq`), our Contact on target-refresh requests. Returns the
  /// request and the endpoint to send it to (the first Route, else the Request-URI, §8.1.2).
  public mutating func makeRequest(
    method: String, via: SIPVia, cseq: UInt32? = nil, body: [UInt8] = [], contentType: String? = nil
  ) -> (SIPMessage, SIPEndpoint) {
    let number: UInt32
    if let cseq {
      number = cseq
    } else {
      localSequence &+= 1
      number = localSequence
    }
    var requestURI = remoteTarget
    var routes = routeSet
    if let first = routeSet.first, !first.uri.isLooseRouting {
      // §12.2.1.1: a strict router: its URI becomes the Request-URI, the remote target the last
      // Route.
      requestURI = first.uri
      routes.removeFirst()
      routes.append(SIPNameAddress(uri: remoteTarget))
    }
    var request = SIPMessage(method: method, requestURI: requestURI.description)
    request.addHeader("Via", via.description)
    request.addHeader("Max-Forwards", "70")
    for route in routes { request.addHeader("Route", route.description) }
    var from = localAddress
    from.tag = id.localTag
    var to = remoteAddress
    to.tag = id.remoteTag
    request.addHeader("From", from.description)
    request.addHeader("To", to.description)
    request.addHeader("Call-ID", id.callID)
    request.addHeader("CSeq", SIPCSeq(number, method).description)
    if Self.isTargetRefresh(method), let localContact {
      request.addHeader("Contact", localContact.description)
    }
    if let contentType, !body.isEmpty { request.addHeader("Content-Type", contentType) }
    request.setBody(body)
    let next = routeSet.first?.uri ?? remoteTarget
    return (request, SIPEndpoint(uri: next))
  }
}
