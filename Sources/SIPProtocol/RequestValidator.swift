public import SIPCore

/// The checks a UAS makes on a new request before its core acts on it (RFC 3261 §8.2), as a pure
/// function: a request and what the UAS knows about it in, "accept" or the response to send out.
///
/// ```swift
/// let validator = RequestValidator(allowedMethods: ["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS"])
/// switch validator.validate(request, context: .init(toTag: "8f2c1")) {
/// case .accept: deliver(request)
/// case .respond(let response): send(response)   // 405, 416, 420, 415, 400, 505, 483, 481, 482, OPTIONS 200
/// }
/// ```
public struct RequestValidator: Sendable, Hashable {
  /// Methods we handle; others get 405 with Allow (§8.2.1).
  public var allowedMethods: [String] {
    didSet {
      allowValue = allowedMethods.joined(separator: ", ")
      capabilityLines = Self.lines(allowValue, acceptValue, supportedValue)
    }
  }
  /// Option tags we support; a Require naming another gets 420 with Unsupported (§8.2.2.3).
  public var supportedExtensions: [String] {
    didSet {
      supportedValue = supportedExtensions.joined(separator: ", ")
      capabilityLines = Self.lines(allowValue, acceptValue, supportedValue)
    }
  }
  /// Media types we accept in bodies; another gets 415 with Accept (§8.2.3).
  public var acceptedBodyTypes: [String] {
    didSet {
      acceptValue = acceptedBodyTypes.joined(separator: ", ")
      capabilityLines = Self.lines(allowValue, acceptValue, supportedValue)
    }
  }
  /// Request-URI schemes we serve; others get 416 (§8.2.2.1).
  public var supportedSchemes: Set<String>
  /// Our hosts (`host` or `host:port`, lowercase). A request whose Request-URI names another with
  /// Max-Forwards 0 gets 483; empty means every request is for us.
  public var localAddresses: Set<String>
  /// Whether an OPTIONS outside a dialog is answered here (200 with Allow, Accept, Supported;
  /// RFC 3261 §11.2). When false it is accepted like any allowed method and reaches the TU,
  /// which answers it (a script that wants to report its own state).
  public var answersOptions: Bool

  // The Allow, Supported and Accept values, joined when the lists change rather than for every
  // OPTIONS answered (4.6 % of a transaction's instructions, docs/benchmarks-transactions.md).
  private var allowValue: String
  private var supportedValue: String
  private var acceptValue: String
  // The three as header lines laid out once: the OPTIONS answer copies their bytes
  // (docs/benchmarks-transactions.md, round 4).
  private var capabilityLines: SIPHeaderLines

  public init(
    allowedMethods: [String] = ["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "UPDATE", "INFO", "PRACK"],
    supportedExtensions: [String] = [], acceptedBodyTypes: [String] = ["application/sdp"],
    supportedSchemes: Set<String> = ["sip", "sips"], localAddresses: Set<String> = [],
    answersOptions: Bool = true
  ) {
    self.allowedMethods = allowedMethods
    self.supportedExtensions = supportedExtensions
    self.acceptedBodyTypes = acceptedBodyTypes
    self.supportedSchemes = supportedSchemes
    self.localAddresses = localAddresses
    self.answersOptions = answersOptions
    self.allowValue = allowedMethods.joined(separator: ", ")
    self.supportedValue = supportedExtensions.joined(separator: ", ")
    self.acceptValue = acceptedBodyTypes.joined(separator: ", ")
    self.capabilityLines = Self.lines(allowValue, acceptValue, supportedValue)
  }

  static func lines(_ allow: String, _ accept: String, _ supported: String) -> SIPHeaderLines {
    SIPHeaderLines([("Allow", allow), ("Accept", accept), ("Supported", supported)])
  }

  /// The headers of the §11.2 answer to OPTIONS: Allow, Accept and Supported with what this
  /// validator lets through.
  public var capabilityHeaders: [(name: String, value: String)] {
    [("Allow", allowValue), ("Accept", acceptValue), ("Supported", supportedValue)]
  }

  /// The same three as header lines laid out once (what the core's own OPTIONS answer copies):
  /// a TU answering OPTIONS itself adds them with `addHeaders` instead of three `addHeader`s.
  public var capabilityHeaderLines: SIPHeaderLines { capabilityLines }

  /// What the UAS knows about the request beyond its bytes.
  public struct Context: Sendable, Hashable {
    /// The tag to put in the To of a response we generate (§8.2.6.2).
    public var toTag: String
    /// The request has a To tag and matches a dialog of ours.
    public var hasMatchingDialog: Bool
    /// Another live server transaction has this From tag, Call-ID and CSeq (§8.2.2.2).
    public var isMerged: Bool
    /// Whether the request's To has a tag, when the caller already knows (it saves parsing To
    /// again); nil: the validator reads it.
    public var requestHasToTag: Bool?

    public init(
      toTag: String, hasMatchingDialog: Bool = false, isMerged: Bool = false, requestHasToTag: Bool? = nil
    ) {
      self.toTag = toTag
      self.hasMatchingDialog = hasMatchingDialog
      self.isMerged = isMerged
      self.requestHasToTag = requestHasToTag
    }
  }

  public enum Verdict: Sendable {
    case accept
    case respond(SIPMessage)
  }

  /// Runs the §8.2 checks in the RFC's order and returns the first failure's response.
  public func validate(_ request: SIPMessage, context: Context) -> Verdict {
    let method = request.method ?? ""
    func respond(_ code: Int, _ reason: String? = nil, _ headers: [(String, String)] = []) -> Verdict {
      var response = request.makeResponse(statusCode: code, reasonPhrase: reason, toTag: context.toTag)
      for (name, value) in headers { response.addHeader(name, value) }
      return .respond(response)
    }
    // RFC 3261 §8.2 (and §7.1 for the version): a message from another version gets 505.
    if !request.isSIPVersion2 { return respond(505) }
    // The grammar of the headers a UAS relies on; the parser's reason goes back in the phrase.
    // Passing it means the Request-URI parsed and its scheme is one of `supportedSchemes`.
    var schemeSupported = false
    do {
      try request.validateAsRequest(SIPValidationPolicy(supportedSchemes: supportedSchemes))
      schemeSupported = true
    } catch  where error.statusCode == 416 {
      // §8.2.1 comes first, so 405 beats 416; see below.
    } catch {
      return respond(error.statusCode, "Bad Request (\(error.reason))")
    }
    // §8.2.1: unknown or unsupported method.
    if !allowedMethods.contains(method) {
      return respond(405, nil, [("Allow", allowValue)])
    }
    // §8.2.2.1: the Request-URI's scheme (checked again only when the grammar check stopped
    // at it: the URI is not made a second time for every request).
    if !schemeSupported {
      guard let uri = request.requestURIValue, supportedSchemes.contains(uri.scheme.description) else {
        return respond(416)
      }
    }
    // §16.3 step 3 / §8.2: Max-Forwards 0 for someone else; OPTIONS to us is answered (§11).
    if request.maxForwards == 0, let uri = request.requestURIValue, !isForUs(uri) { return respond(483) }
    // Parsed once: the To header is read by several rules below.
    let hasToTag = context.requestHasToTag ?? (request.toTag != nil)
    if method != "ACK", method != "CANCEL" {
      // §12.2.2: a To tag names a dialog; one we do not know gets 481.
      if hasToTag, !context.hasMatchingDialog { return respond(481) }
      // §8.2.2.2: the same request reached us twice through forking proxies.
      if !hasToTag, context.isMerged { return respond(482) }
      // §8.2.2.3: Require options we do not know (not checked for ACK and CANCEL).
      let unknown = request.require.filter { tag in
        !supportedExtensions.contains { $0.lowercased() == tag.lowercased() }
      }
      if !unknown.isEmpty { return respond(420, nil, [("Unsupported", unknown.joined(separator: ", "))]) }
    }
    // §8.2.3: a body we cannot read.
    if request.bodyCount != 0, let type = request.mediaType, !acceptedBodyTypes.contains(type) {
      return respond(415, nil, [("Accept", acceptValue)])
    }
    // §11.2: OPTIONS outside a dialog is answered by the core with what we can do.
    if method == "OPTIONS", !hasToTag, answersOptions {
      var response = request.makeResponse(statusCode: 200, toTag: context.toTag)
      response.addHeaders(capabilityLines)
      return .respond(response)
    }
    return .accept
  }

  func isForUs(_ uri: SIPURI) -> Bool {
    guard !localAddresses.isEmpty else { return true }
    let host = uri.host.lowercased()
    if localAddresses.contains(host) { return true }
    if let port = uri.port { return localAddresses.contains("\(host):\(port)") }
    return false
  }
}
