// The request digest (RFC 7616 §3.4.1–3.4.3, RFC 2617 §3.2.2.1–3.2.2.3, RFC 2069).

extension DigestCredentials {
  /// Answers `challenge`: computes the response for one request and fills in every parameter the
  /// server expects back (realm, nonce, opaque, algorithm as offered; RFC 7616 §3.4).
  ///
  /// This is the pure computation under ``DigestClient``, with the nonce count and cnonce given;
  /// use it to reproduce known vectors or to keep client state yourself.
  ///
  /// ```swift
  /// let challenge = try DigestChallenge(parsing: wwwAuthenticate)
  /// let credentials = try DigestCredentials(
  ///   answering: challenge, username: "alice", password: "secret",
  ///   method: "REGISTER", uri: "sip:atlanta.com", nonceCount: 1, cnonce: "0a4f113b")
  /// request.headers.append(("Authorization", credentials.headerValue))
  /// ```
  ///
  /// - Parameters:
  ///   - qop: the qop to use; by default `auth` when offered, else `auth-int`, and none when the
  ///     challenge offers none.
  ///   - body: the message body, hashed when the qop is `auth-int`.
  ///   - nonceCount: how many requests, this one included, used this nonce (1 for the first).
  /// - Throws: ``DigestClientError`` when the algorithm is not supported, or no offered qop is.
  public init(
    answering challenge: DigestChallenge,
    username: String,
    password: String,
    method: String,
    uri: String,
    body: [UInt8] = [],
    qop: DigestQop? = nil,
    nonceCount: UInt32,
    cnonce: String
  ) throws(DigestClientError) {
    let algorithm = challenge.effectiveAlgorithm
    guard let ha1 = algorithm.ha1(username: username, realm: challenge.realm, password: password) else {
      throw DigestClientError(.unsupportedAlgorithm, "algorithm \(algorithm.name) is not supported")
    }
    let chosenQop: DigestQop?
    if let qop {
      chosenQop = qop
    } else if challenge.qop.isEmpty {
      chosenQop = nil
    } else if challenge.qop.contains(.auth) {
      chosenQop = .auth
    } else if challenge.qop.contains(.authInt) {
      chosenQop = .authInt
    } else {
      let offered = challenge.qop.map(\.name).joined(separator: ",")
      throw DigestClientError(.unsupportedQop, "none of the offered qop values \"\(offered)\" is supported")
    }
    // RFC 2617 §3.2.2.2: the -sess variants need a cnonce, so they need qop.
    let usesClientNonce = chosenQop != nil || algorithm.isSession
    let sentName =
      challenge.userhash
      ? (algorithm.userhash(username: username, realm: challenge.realm) ?? username) : username
    self.init(
      username: sentName,
      realm: challenge.realm,
      nonce: challenge.nonce,
      uri: uri,
      response: "",
      algorithm: challenge.algorithm,
      cnonce: usesClientNonce ? cnonce : nil,
      opaque: challenge.opaque,
      qop: chosenQop,
      nonceCount: chosenQop == nil ? nil : nonceCount,
      userhash: challenge.userhash
    )
    guard let response = expectedResponse(ha1: ha1, method: method, body: body) else {
      throw DigestClientError(.unsupportedQop, "qop \(chosenQop?.name ?? "") is not supported")
    }
    self.response = response
  }

  /// The response these credentials must carry, computed from HA1 = `H(username:realm:password)`
  /// (for the `-sess` algorithms too: the session step is applied here).
  ///
  /// Returns `nil` when it cannot be computed: unsupported algorithm or qop, or a `-sess`
  /// algorithm without cnonce.
  ///
  /// ```swift
  /// let ha1 = DigestAlgorithm.md5.ha1(username: "Mufasa", realm: "testrealm@host.com",
  ///                                   password: "Circle Of Life")!
  /// credentials.expectedResponse(ha1: ha1, method: "GET") == credentials.response
  /// ```
  public func expectedResponse(ha1: String, method: String, body: [UInt8] = []) -> String? {
    let algorithm = effectiveAlgorithm
    var sessionKey = ha1.lowercased()
    if algorithm.isSession {
      // RFC 7616 §3.4.2: HA1 = H(H(username:realm:passwd):nonce-prime:cnonce-prime).
      guard let cnonce, let key = algorithm.hash("\(sessionKey):\(nonce):\(cnonce)") else { return nil }
      sessionKey = key
    }
    let a2: String
    switch qop {
    case nil, .auth?:
      a2 = "\(method):\(uri)"
    case .authInt?:
      // RFC 7616 §3.4.3: A2 = Method:request-uri:H(entity-body).
      guard let bodyHash = algorithm.hash(bytes: body) else { return nil }
      a2 = "\(method):\(uri):\(bodyHash)"
    case .some:
      return nil
    }
    guard let ha2 = algorithm.hash(a2) else { return nil }
    guard let qop else {
      // RFC 2069 / RFC 2617 §3.2.2.1 without qop: KD(HA1, nonce:HA2).
      return algorithm.hash("\(sessionKey):\(nonce):\(ha2)")
    }
    guard let cnonce, let nonceCount else { return nil }
    // RFC 7616 §3.4.1: KD(HA1, nonce:nc:cnonce:qop:HA2), KD(secret, data) = H(secret:data).
    let count = Self.formatNonceCount(nonceCount)
    return algorithm.hash("\(sessionKey):\(nonce):\(count):\(cnonce):\(qop.name):\(ha2)")
  }
}
