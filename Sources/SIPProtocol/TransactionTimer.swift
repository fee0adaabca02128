/// The transaction timers of RFC 3261 §17 (Table 4) and RFC 6026.
public enum TransactionTimer: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
  /// Client INVITE request retransmission, T1 doubling (unreliable only).
  case A
  /// Client INVITE transaction timeout, 64*T1.
  case B
  /// Client INVITE wait for response retransmissions in Completed: 32 s unreliable, 0 reliable.
  case D
  /// Client non-INVITE request retransmission, T1 doubling up to T2 (unreliable only).
  case E
  /// Client non-INVITE transaction timeout, 64*T1.
  case F
  /// Server INVITE final response retransmission, T1 doubling up to T2 (unreliable only).
  case G
  /// Server INVITE wait for ACK, 64*T1.
  case H
  /// Server INVITE wait for ACK retransmissions in Confirmed: T4 unreliable, 0 reliable.
  case I
  /// Server non-INVITE wait for request retransmissions: 64*T1 unreliable, 0 reliable.
  case J
  /// Client non-INVITE wait for response retransmissions: T4 unreliable, 0 reliable.
  case K
  /// Server INVITE in Accepted: wait for INVITE retransmissions after a 2xx, 64*T1 (RFC 6026).
  case L
  /// Client INVITE in Accepted: wait for 2xx retransmissions, 64*T1 (RFC 6026).
  case M
  /// Server INVITE in Proceeding: send 100 Trying if the TU has not answered by then
  /// (``TimerSettings/tryingDelay``, RFC 3261 §17.2.1's 200 ms).
  case trying = "Trying"

  public var description: String { "Timer " + rawValue }

  /// Whether the timer only ends a wait for retransmissions (RFC 3261 §17.1.1.2 D, §17.2.1 I,
  /// §17.2.2 J, §17.1.2.2 K): its firing sends nothing and tells the TU nothing, it frees the
  /// transaction. Such a timer may fire late (``TimerSettings/absorbGranularity``), never early,
  /// since until it fires the retransmissions it waits for are still absorbed.
  public var isAbsorbing: Bool {
    switch self {
    case .D, .I, .J, .K: true
    case .A, .B, .E, .F, .G, .H, .L, .M, .trying: false
    }
  }
}
