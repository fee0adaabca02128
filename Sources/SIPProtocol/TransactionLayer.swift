public import SIPCore

/// The transaction layer of RFC 3261 §17: holds every live transaction, matches incoming
/// messages to them, absorbs retransmissions, and turns the machines' timer names into
/// ``TimerID``s the driver arms.
///
/// Feed it ``Event``s, perform the ``Action``s it returns, in order:
///
/// ```swift
/// var layer = TransactionLayer()
/// for action in layer.handle(.received(message, from: source)) {
///   switch action {
///   case .send(let message, let peer, _): transport.send(message.serialize(), to: peer)
///   case .armTimer(let id, let after, let leeway):   // later: layer.handle(.timerFired(id))
///     timers.schedule(id, TimerDeadline.coalesced(now: now, after: after, leeway: leeway))
///   case .cancelTimer(let id): timers.cancel(id)
///   default: core.handle(action)
///   }
/// }
/// ```
///
/// Requests that match no transaction create a server transaction (ACK excepted: an ACK that
/// matches none is for a 2xx and goes to the core as ``Action/ack(_:from:)``). When
/// ``Configuration/maxTransactions`` are alive, a new request is answered statelessly with 503
/// and Retry-After and nothing is kept, so a flood costs no memory (DESIGN §8).
///
/// Not thread-safe: owned by one event loop.
public struct TransactionLayer: Sendable {
  public struct Configuration: Sendable, Hashable {
    public var timers: TimerSettings
    /// Most live transactions; past it new requests get 503 (see the type's discussion).
    public var maxTransactions: Int
    /// Seconds put in the Retry-After of the overload 503 (RFC 3261 §20.33).
    public var retryAfter: Int

    public init(timers: TimerSettings = TimerSettings(), maxTransactions: Int = 20_000, retryAfter: Int = 5) {
      self.timers = timers
      self.maxTransactions = maxTransactions
      self.retryAfter = retryAfter
    }
  }

  /// An input.
  public enum Event: Sendable {
    /// A message arrived from the network.
    case received(SIPMessage, from: SIPEndpoint)
    /// The TU sends a request; a client transaction is created for it (an ACK is sent without
    /// one).
    case sendRequest(SIPMessage, to: SIPEndpoint)
    /// The TU answers the request of a server transaction.
    case sendResponse(SIPMessage, transaction: TransactionID)
    case timerFired(TimerID)
    /// The transport failed to send a message of this transaction.
    case transportError(TransactionID)
  }

  /// An output, performed by the driver (send, timers) or the core (the rest).
  public enum Action: Sendable {
    /// Send a message. `transaction` is nil for stateless sends (the overload 503).
    case send(SIPMessage, to: SIPEndpoint, transaction: TransactionID?)
    /// Arm a one-shot timer `after` from now. It must not fire early; it may fire up to `leeway`
    /// late (non-zero for the timers that only end a wait, ``TimerSettings/absorbGranularity``),
    /// which lets the driver expire many transactions in one wake-up (``TimerDeadline``).
    case armTimer(TimerID, after: Duration, leeway: Duration)
    case cancelTimer(TimerID)
    /// A new request, with the server transaction made for it.
    case request(SIPMessage, transaction: TransactionID, from: SIPEndpoint)
    /// A response of a client transaction (2xx retransmissions included, RFC 6026), with the
    /// transaction's request (the transaction may be gone by the time the action is performed).
    case response(SIPMessage, transaction: TransactionID, request: SIPMessage)
    /// An ACK that matched no transaction: the ACK for a 2xx (RFC 3261 §17.2.3, RFC 6026).
    case ack(SIPMessage, from: SIPEndpoint)
    /// A response that matched no transaction (RFC 3261 §18.1.2; the core may ACK a late 2xx).
    case strayResponse(SIPMessage, from: SIPEndpoint)
    /// Timer B, F or H fired.
    case timeout(TransactionID)
    case transportError(TransactionID)
    case terminated(TransactionID)
    /// A message dropped, and why (for traces).
    case discarded(SIPMessage, reason: String)
  }

  struct Record: Sendable {
    var machine: Transaction
    var peer: SIPEndpoint
    var key: TransactionKey
    var mergeKey: MergeKey?
    var timers = ArmedTimers()

    /// ``Transaction/finish(legacyKey:)`` with this record's key.
    mutating func finish() { machine.finish(legacyKey: key.isLegacy) }
  }

  /// A record's box in ``records``.
  final class RecordBox: TransactionRecordBox, @unchecked Sendable {
    var value: Record?
    init(_ value: Record?) { self.value = value }
  }

  public var configuration: Configuration
  var records = TransactionRecords<RecordBox>()
  var index: [TransactionKey: TransactionID] = [:]
  var merges: [MergeKey: TransactionID] = [:]
  var timerOwners: [TimerID: (TransactionID, TransactionTimer)] = [:]
  var nextTransaction: UInt64 = 1
  var nextTimer: UInt64 = 1

  public init(configuration: Configuration = Configuration()) {
    self.configuration = configuration
    // Room for a first few thousand live transactions. Not for `maxTransactions`: entries land at
    // random places of a hash table, so a table reserved for 50,000 becomes resident page by page
    // as the first few thousand arrive (measured: +47 KiB per held call, +18 MB at start). Past
    // the reservation the tables double; with records in slots (`TransactionRecords`) a doubling
    // moves 16-byte index entries and keys, not the ~600-byte records that made the old pause.
    let capacity = min(max(configuration.maxTransactions, 0), Self.reservedCapacityLimit)
    records.reserveCapacity(capacity)
    index.reserveCapacity(capacity)
    merges.reserveCapacity(capacity)
    timerOwners.reserveCapacity(capacity)
  }

  /// The most transactions room is reserved for up front; past it the tables grow.
  public static let reservedCapacityLimit = 1 << 12

  /// How many transactions are alive.
  public var count: Int { records.count }

  /// The state of a live transaction, nil once it is gone.
  public func state(of id: TransactionID) -> TransactionState? { records.box(id)?.value?.machine.state }

  /// The request that created a live transaction; nil once the transaction only waits for its
  /// last timer (it keeps the bytes it resends, not its request), except for an INVITE server
  /// transaction in Accepted (the core reads its INVITE when the TU sends another 2xx).
  public func request(of id: TransactionID) -> SIPMessage? { records.box(id)?.value?.machine.request }

  /// The last response a live server transaction sent; once it only waits for its last timer,
  /// the response a non-INVITE server transaction resends, nil for an INVITE one (see
  /// ``responseToTag(of:)``).
  public func lastResponse(of id: TransactionID) -> SIPMessage? {
    records.box(id)?.value?.machine.lastResponse
  }

  /// The To tag of the last response a live server transaction sent (kept when the transaction
  /// only waits for its last timer): the tag of the 200 to a CANCEL (RFC 3261 §9.2).
  public func responseToTag(of id: TransactionID) -> String? {
    records.box(id)?.value?.machine.responseToTag
  }

  /// The peer a live transaction talks to.
  public func peer(of id: TransactionID) -> SIPEndpoint? { records.box(id)?.value?.peer }

  /// ``peer(of:)`` and ``request(of:)`` with one lookup (the core reads both for every response
  /// the TU sends); nil once the transaction is gone.
  func peerAndRequest(of id: TransactionID) -> (peer: SIPEndpoint, request: SIPMessage?)? {
    guard let box = records.box(id), let peer = box.value?.peer else { return nil }
    return (peer, box.value?.machine.request)
  }

  /// A fresh timer id, for timers the core arms itself (2xx retransmission, §13.3.1.4).
  mutating func makeTimerID() -> TimerID {
    defer { nextTimer += 1 }
    return TimerID(rawValue: nextTimer)
  }

  public mutating func handle(_ event: Event) -> [Action] {
    switch event {
    case .received(let message, let source):
      // Keys, the §8.2 checks and the response builder read To, From, Via and CSeq: parsed once
      // here, and the parsed values travel with the message to the core.
      var message = message
      message.cacheTransactionHeaders()
      return message.isRequest
        ? receiveRequest(message, from: source) : receiveResponse(message, from: source)
    case .sendRequest(let request, let peer):
      return sendRequest(request, to: peer)
    case .sendResponse(let response, let id):
      // One lookup of the record: checked, then run (``run(_:_:in:)``).
      let box = records.uniqueBox(id)
      guard box?.value?.machine.isServer == true else {
        return [.discarded(response, reason: "no server transaction \(id)")]
      }
      return run(id, .sendResponse(response), in: box)
    case .timerFired(let timer):
      // A timer cancelled after the driver already fired it is no longer owned: ignore it.
      guard let (id, name) = timerOwners.removeValue(forKey: timer) else { return [] }
      let box = records.uniqueBox(id)
      if box?.value?.timers[name] == timer { box?.value?.timers[name] = nil }
      return run(id, .timerFired(name), in: box)
    case .transportError(let id):
      return run(id, .transportError)
    }
  }

  // MARK: - Requests in

  mutating func receiveRequest(_ request: SIPMessage, from source: SIPEndpoint) -> [Action] {
    guard let method = request.method,
      let key = TransactionKey.server(for: request, method: TransactionKey.serverMethod(method))
    else {
      return [.discarded(request, reason: "no Via: cannot answer (RFC 3261 §8.1.1.7)")]
    }
    if let id = match(request, key: key) {
      // A retransmission, or the ACK of a non-2xx final response (RFC 3261 §17.2.3).
      return run(id, .received(request))
    }
    if method == "ACK" { return [.ack(request, from: source)] }
    guard records.count < configuration.maxTransactions else {
      // Overload: answer without keeping state, and ask the peer to come back later.
      var busy = request.makeResponse(statusCode: 503)
      busy.addHeader("Retry-After", String(configuration.retryAfter))
      return [.send(busy, to: source, transaction: nil)]
    }
    let reliable = source.isReliable
    let machine: Transaction =
      method == "INVITE"
      ? .serverInvite(
        ServerInviteTransaction(request: request, reliable: reliable, timers: configuration.timers))
      : .serverNonInvite(
        ServerNonInviteTransaction(request: request, reliable: reliable, timers: configuration.timers))
    let (id, box) = insert(Record(machine: machine, peer: source, key: key, mergeKey: MergeKey(request)))
    return run(id, .start, in: box)
  }

  /// The server transaction a request belongs to, with the To-tag check of RFC 2543 matching.
  func match(_ request: SIPMessage, key: TransactionKey) -> TransactionID? {
    guard let id = index[key], let box = records.box(id), box.value?.machine.isServer == true else {
      return nil
    }
    guard key.isLegacy, let record = box.value else { return id }
    // RFC 3261 §17.2.3: an ACK carries the To tag of our response; anything else the same To
    // tag as the request that made the transaction.
    let tag = request.toTag
    if request.method == "ACK", record.machine.isServerInvite {
      return tag == record.machine.responseToTag ? id : nil
    }
    return tag == record.machine.requestToTag ? id : nil
  }

  /// The INVITE server transaction a CANCEL is for (RFC 3261 §9.2: the §17.2.3 rules, method
  /// aside), nil when there is none.
  public func inviteTransaction(cancelledBy cancel: SIPMessage) -> TransactionID? {
    guard let key = TransactionKey.server(for: cancel, method: "INVITE"), let id = index[key],
      let record = records.box(id)?.value, record.machine.isServerInvite
    else { return nil }
    if key.isLegacy, cancel.toTag != record.machine.requestToTag { return nil }
    return id
  }

  /// Whether a live server transaction holds a request with this request's From tag, Call-ID and
  /// CSeq but is another transaction: a request merged by forking (RFC 3261 §8.2.2.2).
  /// `request` is the one that made `transaction` (its key, stored at creation, is used).
  public func isMerged(_ request: SIPMessage, transaction: TransactionID) -> Bool {
    // The key the transaction was stored with (parsed once, at its creation) when it is ours.
    guard let key = records.box(transaction)?.value?.mergeKey ?? MergeKey(request), let other = merges[key]
    else {
      return false
    }
    return other != transaction
  }

  /// Whether the INVITE server transaction has sent its final response.
  public func hasFinalResponse(_ id: TransactionID) -> Bool {
    guard case .serverInvite(let tx)? = records.box(id)?.value?.machine else { return true }
    return tx.hasSentFinalResponse
  }

  // MARK: - Responses in, requests out

  mutating func receiveResponse(_ response: SIPMessage, from source: SIPEndpoint) -> [Action] {
    // RFC 3261 §17.1.3: top Via branch and CSeq method.
    guard let key = TransactionKey.client(for: response), let id = index[key],
      records.box(id)?.value?.machine.isServer == false
    else {
      return [.strayResponse(response, from: source)]
    }
    return run(id, .received(response))
  }

  mutating func sendRequest(_ request: SIPMessage, to peer: SIPEndpoint) -> [Action] {
    // RFC 3261 §17.1.1.3, §13.2.2.4: an ACK never has a client transaction of its own.
    if request.method == "ACK" { return [.send(request, to: peer, transaction: nil)] }
    guard let key = TransactionKey.client(for: request) else {
      return [.discarded(request, reason: "a request needs a Via branch and a CSeq (RFC 3261 §8.1.1)")]
    }
    guard index[key] == nil else {
      return [
        .discarded(request, reason: "a transaction with this branch and method exists (RFC 3261 §17.1.3)")
      ]
    }
    let reliable = peer.isReliable
    let machine: Transaction =
      request.method == "INVITE"
      ? .clientInvite(
        ClientInviteTransaction(request: request, reliable: reliable, timers: configuration.timers))
      : .clientNonInvite(
        ClientNonInviteTransaction(request: request, reliable: reliable, timers: configuration.timers))
    let (id, box) = insert(Record(machine: machine, peer: peer, key: key))
    return run(id, .start, in: box)
  }

  // MARK: - Running a machine

  /// Stores a new transaction's record; returns its id and its box (for ``run(_:_:in:)``).
  mutating func insert(_ record: consuming Record) -> (id: TransactionID, box: RecordBox) {
    let id = TransactionID(rawValue: nextTransaction)
    nextTransaction += 1
    index[record.key] = id
    if let merge = record.mergeKey {
      // One hash: the access through `default:` stores `id` only when the key is new, so the
      // first transaction with this key keeps it.
      Self.leave(&merges[merge, default: id])
    }
    return (id, records.insert(consume record, for: id))
  }

  /// Leaves a value as it is (see ``insert(_:)``).
  @inline(__always) static func leave(_ value: inout TransactionID) {}

  /// Feeds one event to a machine and turns its actions into layer actions.
  mutating func run(_ id: TransactionID, _ event: TransactionEvent) -> [Action] {
    run(id, event, in: records.uniqueBox(id))
  }

  /// ``run(_:_:)`` with the record's box already found (``TransactionRecords/uniqueBox(_:)`` or
  /// ``TransactionRecords/insert(_:for:)``): one lookup per event instead of a check and a run
  /// that each looked the id up. Nil: no such transaction (nothing happens).
  mutating func run(_ id: TransactionID, _ event: TransactionEvent, in box: RecordBox?) -> [Action] {
    // The machine runs in place in its box (no copy of the record and write-back, no accessor
    // coroutine). `live` is nil once the transaction is removed, as a lookup would then be; the
    // removal reads the removed box in place (``remove(_:into:)``), so a caller's reference to
    // it costs nothing but the box living until that reference ends.
    var live = box
    var waits = false
    guard let actions = live?.value?.machine.handle(event, waits: &waits), let peer = live?.value?.peer else {
      return []
    }
    var out: [Action] = []
    // An armed timer may add a cancel, the end of the transaction its timers' cancels and
    // `.terminated`: room for them, so that the array is not made again as it grows.
    out.reserveCapacity(actions.count + 2)
    for action in actions {
      switch action {
      case .send(let message):
        out.append(.send(message, to: peer, transaction: id))
      case .arm(let name, let duration):
        if let old = live?.value?.timers[name] {
          timerOwners[old] = nil
          out.append(.cancelTimer(old))
        }
        let timer = makeTimerID()
        timerOwners[timer] = (id, name)
        live?.value?.timers[name] = timer
        out.append(
          .armTimer(
            timer, after: duration, leeway: configuration.timers.leeway(for: name, duration: duration)))
      case .cancel(let name):
        if let old = live?.value?.timers.removeValue(forKey: name) {
          timerOwners[old] = nil
          out.append(.cancelTimer(old))
        }
      case .passToTU(let message):
        // Read in place: binding the machine would copy it (a retain of each message it holds).
        guard let isServer = live?.value?.machine.isServer else { continue }
        if isServer, message.isMethod("ACK") {
          // RFC 6026 §7.1: an ACK matching an INVITE server transaction in Accepted (a peer that
          // reused the INVITE's branch) is the 2xx's ACK: up to the TU like any other.
          out.append(.ack(message, from: peer))
        } else if isServer {
          out.append(.request(message, transaction: id, from: peer))
        } else if let request = live?.value?.machine.request {
          out.append(.response(message, transaction: id, request: request))
        }
      case .timeout:
        out.append(.timeout(id))
      case .transportError:
        out.append(.transportError(id))
      case .terminate:
        live = nil
        remove(id, into: &out)
      }
    }
    // A transaction that now only waits for its last timer keeps what that wait needs
    // (FinishedTransaction): its request, response and their parsed headers go now, not at the
    // timer's expiry 32 s later.
    if waits { live?.value?.finish() }
    return out
  }

  /// Removes a transaction, appending the cancels of its armed timers and `.terminated` to `out`.
  mutating func remove(_ id: TransactionID, into out: inout [Action]) {
    // The fields read in place from the removed box, which frees the record when it goes.
    guard let box = records.removeBox(forKey: id), let timers = box.value?.timers else { return }
    for timer in timers.isEmpty ? [] : timers.values.sorted() {
      timerOwners[timer] = nil
      out.append(.cancelTimer(timer))
    }
    // One hash of each key: removed, and put back in the rare case it named another transaction.
    if let key = box.value?.key, let other = index.removeValue(forKey: key), other != id {
      index[key] = other
    }
    if let merge = box.value?.mergeKey, let other = merges.removeValue(forKey: merge), other != id {
      merges[merge] = other
    }
    out.append(.terminated(id))
  }
}
