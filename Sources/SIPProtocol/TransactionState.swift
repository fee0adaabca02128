/// The states of the four transaction machines (RFC 3261 Figures 5–8, with the Accepted state of RFC 6026).
public enum TransactionState: String, Sendable, Hashable {
  case calling, trying, proceeding, completed, confirmed, accepted, terminated
}
