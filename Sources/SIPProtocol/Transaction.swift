import SIPCore

/// One of the four machines, as the ``TransactionLayer`` holds it.
enum Transaction: Sendable {
  case clientInvite(ClientInviteTransaction)
  case clientNonInvite(ClientNonInviteTransaction)
  case serverInvite(ServerInviteTransaction)
  case serverNonInvite(ServerNonInviteTransaction)

  mutating func handle(_ event: TransactionEvent) -> [TransactionAction] {
    // `consume` moves the machine out and back: no retain and release of every message it holds
    // per event, as a copy out of the enum would cost.
    switch consume self {
    case .clientInvite(var tx):
      let actions = tx.handle(event)
      self = .clientInvite(tx)
      return actions
    case .clientNonInvite(var tx):
      let actions = tx.handle(event)
      self = .clientNonInvite(tx)
      return actions
    case .serverInvite(var tx):
      let actions = tx.handle(event)
      self = .serverInvite(tx)
      return actions
    case .serverNonInvite(var tx):
      let actions = tx.handle(event)
      self = .serverNonInvite(tx)
      return actions
    }
  }

  var request: SIPMessage {
    switch self {
    case .clientInvite(let tx): tx.request
    case .clientNonInvite(let tx): tx.request
    case .serverInvite(let tx): tx.request
    case .serverNonInvite(let tx): tx.request
    }
  }

  var state: TransactionState {
    switch self {
    case .clientInvite(let tx): tx.state
    case .clientNonInvite(let tx): tx.state
    case .serverInvite(let tx): tx.state
    case .serverNonInvite(let tx): tx.state
    }
  }

  var lastResponse: SIPMessage? {
    switch self {
    case .serverInvite(let tx): tx.lastResponse
    case .serverNonInvite(let tx): tx.lastResponse
    default: nil
    }
  }

  var isServer: Bool {
    switch self {
    case .serverInvite, .serverNonInvite: true
    default: false
    }
  }
}
