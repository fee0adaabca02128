public import SIPCore
public import SIPProtocol

/// What happens to a call, for an observer that is not a Net::SIP callback (the Lua binding's
/// sequential style waits on these). Delivered on the agent's event loop, after the callbacks.
public enum CallEvent {
  case stateChanged(InviteSession.State)
  case preliminary(Int)
  case final(InviteSession.Outcome, FinalInfo)
  case established
  /// The streams of the latest offer/answer exchange are open (first time: after `init_media`).
  case mediaReady
  case dtmf(DTMFEvent)
  /// A playback of a stream reached its end.
  case playbackDone(stream: Int)
  /// No RTP arrived within `rtp_timeout`.
  case rtpTimeout
  case terminated(InviteSession.HangupCause)
  /// An in-dialog NOTIFY of the peer (answered 200), e.g. the progress of our REFER.
  case notify(SIPMessage)
}
