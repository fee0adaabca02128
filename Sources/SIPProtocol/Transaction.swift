import SIPCore

/// One of the four machines, as the ``TransactionLayer`` holds it, or what is left of one that
/// only waits for its last timer (``FinishedTransaction``).
enum Transaction: Sendable {
  case clientInvite(ClientInviteTransaction)
  case clientNonInvite(ClientNonInviteTransaction)
  case serverInvite(ServerInviteTransaction)
  case serverNonInvite(ServerNonInviteTransaction)
  case finished(FinishedTransaction)

  /// Feeds the event to the machine. `waits` is set when the machine has just entered a state
  /// where it only waits for its last timer (a final response sent or received), where
  /// ``finish(legacyKey:)`` applies; read here, from the machine in hand, so that the layer does
  /// not read the record again per event.
  mutating func handle(_ event: TransactionEvent, waits: inout Bool) -> [TransactionAction] {
    // `consume` moves the machine out and back: no retain and release of every message it holds
    // per event, as a copy out of the enum would cost.
    switch consume self {
    case .clientInvite(var tx):
      let actions = tx.handle(event)
      waits = tx.state == .completed
      self = .clientInvite(tx)
      return actions
    case .clientNonInvite(var tx):
      let actions = tx.handle(event)
      waits = tx.state == .completed
      self = .clientNonInvite(tx)
      return actions
    case .serverInvite(var tx):
      let actions = tx.handle(event)
      waits = tx.state == .accepted || tx.state == .confirmed
      self = .serverInvite(tx)
      return actions
    case .serverNonInvite(var tx):
      let actions = tx.handle(event)
      waits = tx.state == .completed
      self = .serverNonInvite(tx)
      return actions
    case .finished(var tx):
      let actions = tx.handle(event)
      self = .finished(tx)
      return actions
    }
  }

  /// Replaces a waiting machine (see ``handle(_:waits:)``) by its ``FinishedTransaction``, which
  /// keeps the To tag of the request only for a legacy key (`legacyKey`, §17.2.3). Called after
  /// the actions of the event that made it wait are done (they read the machine: a client's
  /// request goes up with its final response).
  mutating func finish(legacyKey: Bool) {
    switch consume self {
    case .clientInvite(let tx): self = .finished(FinishedTransaction(completed: tx))
    case .clientNonInvite(let tx): self = .finished(FinishedTransaction(completed: tx))
    case .serverInvite(let tx): self = .finished(FinishedTransaction(finished: tx, legacyKey: legacyKey))
    case .serverNonInvite(let tx): self = .finished(FinishedTransaction(completed: tx, legacyKey: legacyKey))
    case .finished(let tx): self = .finished(tx)
    }
  }

  /// The request; nil once finished (except an INVITE server in Accepted, see
  /// ``FinishedTransaction/Wait/serverInviteAccepted``).
  var request: SIPMessage? {
    switch self {
    case .clientInvite(let tx): tx.request
    case .clientNonInvite(let tx): tx.request
    case .serverInvite(let tx): tx.request
    case .serverNonInvite(let tx): tx.request
    case .finished(let tx): tx.request
    }
  }

  var state: TransactionState {
    switch self {
    case .clientInvite(let tx): tx.state
    case .clientNonInvite(let tx): tx.state
    case .serverInvite(let tx): tx.state
    case .serverNonInvite(let tx): tx.state
    case .finished(let tx): tx.state
    }
  }

  /// The last response a server transaction sent; once finished, only the one a non-INVITE server
  /// resends.
  var lastResponse: SIPMessage? {
    switch self {
    case .serverInvite(let tx): tx.lastResponse
    case .serverNonInvite(let tx): tx.lastResponse
    case .finished(let tx): tx.lastResponse
    default: nil
    }
  }

  /// The To tag of the request (§17.2.3's check of a legacy key; finished: kept for legacy keys
  /// only, which are the only ones checked).
  var requestToTag: String? {
    switch self {
    case .finished(let tx): tx.requestToTag
    case .clientInvite(let tx): tx.request.toTag
    case .clientNonInvite(let tx): tx.request.toTag
    case .serverInvite(let tx): tx.request.toTag
    case .serverNonInvite(let tx): tx.request.toTag
    }
  }

  /// The To tag of the last response of a server transaction (the ACK's of an INVITE, §17.2.3;
  /// the CANCEL's 200, §9.2).
  var responseToTag: String? {
    switch self {
    case .finished(let tx): tx.responseToTag ?? tx.lastResponse?.toTag
    case .serverInvite(let tx): tx.lastResponse?.toTag
    case .serverNonInvite(let tx): tx.lastResponse?.toTag
    default: nil
    }
  }

  var isServer: Bool {
    switch self {
    case .serverInvite, .serverNonInvite: true
    case .finished(let tx): tx.isServer
    default: false
    }
  }

  /// Whether this is an INVITE server transaction (live or finished).
  var isServerInvite: Bool {
    switch self {
    case .serverInvite: true
    case .finished(let tx): tx.isServerInvite
    default: false
    }
  }
}
