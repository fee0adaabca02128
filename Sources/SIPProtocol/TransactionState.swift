/// The states of the four transaction machines (RFC 3261 Figures 5–8, RFC 6026 Figures 5 and 7).
public enum TransactionState: String, Sendable, Hashable {
  case calling, trying, proceeding, completed, confirmed, accepted, terminated
}
