import Logging
public import NIOCore
import SIPCore
import SIPProtocol

// Transfer (RFC 3515): our REFER followed to the final status its NOTIFYs report, and the peer's
// REFER answered through `cb_refer`, with NOTIFYs of the outcome (RFC 3515 §2.4.4–2.4.5).
extension Call {
  /// `call:transfer(uri)`: asks the peer to call `target` (REFER with Refer-To and Referred-By)
  /// and completes with the final status of that call, read from the peer's NOTIFY `message/sipfrag`
  /// bodies (RFC 3515 §2.4.5). A refused REFER fails with its status; no final NOTIFY within
  /// `timeout` fails too.
  public func transfer(to target: String, timeout: Duration = .seconds(64)) -> EventLoopFuture<Int> {
    let promise = eventLoop.makePromise(of: Int.self)
    let referTo: SIPNameAddress
    do {
      referTo = try SIPNameAddress.parse(target)
    } catch {
      promise.fail(CallError("transfer: '\(target)' is not a SIP address"))
      return promise.futureResult
    }
    guard transferPromise == nil else {
      promise.fail(CallError("transfer: a transfer is already in progress"))
      return promise.futureResult
    }
    var headers: [(String, String)] = [("Refer-To", "<\(referTo.uri)>")]
    if let local = localAddress { headers.append(("Referred-By", "<\(local.uri)>")) }
    let bound = NIOLoopBound(self, eventLoop: eventLoop)
    let sent = request("REFER", headers: headers) { result in
      let call = bound.value
      switch result {
      case .success(let response) where (200..<300).contains(response.statusCode ?? 0):
        break  // accepted: the NOTIFYs tell the rest
      case .success(let response):
        call.finishTransfer(
          .failure(CallError("transfer refused: \(response.statusCode ?? 0)")), code: response.statusCode)
      case .failure(let error):
        call.finishTransfer(.failure(error), code: nil)
      }
    }
    if case .failure(let error) = sent {
      promise.fail(error)
      return promise.futureResult
    }
    transferPromise = promise
    transferTimer = eventLoop.scheduleTask(in: timeout.timeAmount) {
      bound.value.finishTransfer(.failure(CallError("transfer: no final NOTIFY in time")), code: nil)
    }
    return promise.futureResult
  }

  func finishTransfer(_ result: Result<Int, CallError>, code: Int?) {
    guard let promise = transferPromise else { return }
    transferPromise = nil
    transferTimer?.cancel()
    transferTimer = nil
    lastTransferStatus = code
    switch result {
    case .success(let code): promise.succeed(code)
    case .failure(let error): promise.fail(error)
    }
  }

  func receiveNotify(_ request: SIPMessage) {
    agent.observer?(self, .notify(request))
    guard transferPromise != nil, request.header("Event")?.lowercased().hasPrefix("refer") == true,
      let code = Self.sipfragStatus(request.body), code >= 200
    else { return }
    finishTransfer(.success(code), code: code)
  }

  /// The status code of a `message/sipfrag` status line (`SIP/2.0 200 OK`).
  static func sipfragStatus(_ body: [UInt8]) -> Int? {
    let line = String(decoding: body.prefix(64), as: UTF8.self).split(whereSeparator: \.isNewline).first ?? ""
    let parts = line.split(separator: " ")
    guard parts.count >= 2, parts[0].uppercased().hasPrefix("SIP/"), let code = Int(parts[1]) else {
      return nil
    }
    return (100..<700).contains(code) ? code : nil
  }

  // MARK: - The peer's REFER

  func receiveRefer(target: SIPNameAddress, request: SIPMessage) {
    guard let cbRefer = parameters.cbRefer else {
      sendResponse(request.makeResponse(statusCode: 603, toTag: dialog?.id.localTag))
      return
    }
    let bound = NIOLoopBound(self, eventLoop: eventLoop)
    var answered = false
    cbRefer(self, target, request) { code in
      guard !answered else { return }
      answered = true
      let call = bound.value
      let status = (200..<700).contains(code) ? code : 500
      call.sendResponse(request.makeResponse(statusCode: status, toTag: call.dialog?.id.localTag))
      if (200..<300).contains(status) {
        call.referAccepted = true
        // RFC 3515 §2.4.4: the first NOTIFY follows the acceptance at once.
        call.notifyRefer(status: 100, reason: "Trying")
      }
    }
  }

  /// Reports the progress of a REFER we accepted to the referrer: NOTIFY with `Event: refer` and
  /// a `message/sipfrag` status line; a final status (≥ 200) ends the implicit subscription.
  @discardableResult
  public func notifyRefer(status: Int, reason: String? = nil) -> Result<Void, CallError> {
    guard referAccepted else { return .failure(CallError("notify_refer: no REFER of the peer was accepted")) }
    let final = status >= 200
    if final { referAccepted = false }
    let phrase = reason ?? SIPMessage.defaultReasonPhrase(status)
    return request(
      "NOTIFY", body: Array("SIP/2.0 \(status) \(phrase)\r\n".utf8),
      contentType: "message/sipfrag;version=2.0",
      headers: [
        ("Event", "refer"),
        ("Subscription-State", final ? "terminated;reason=noresource" : "active;expires=60"),
      ])
  }
}
