import Foundation
import SIPCore
import Testing

/// The RFC 4475 and RFC 5118 messages, byte for byte, from Fixtures/.
enum Fixture {
  static func bytes(_ name: String) throws -> [UInt8] {
    let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    return Array(try Data(contentsOf: folder.appendingPathComponent(name + ".dat")))
  }

  static func message(_ name: String) throws -> SIPMessage {
    try SIPMessage.parse(try bytes(name))
  }

  /// The error `body` throws, failing the test when it throws none.
  static func error(
    _ body: () throws(SIPParseError) -> Void, sourceLocation: SourceLocation = #_sourceLocation
  )
    -> SIPParseError?
  {
    do {
      try body()
      Issue.record("expected a SIPParseError", sourceLocation: sourceLocation)
      return nil
    } catch {
      #expect(!error.reason.isEmpty, sourceLocation: sourceLocation)
      #expect(!error.description.isEmpty, sourceLocation: sourceLocation)
      return error
    }
  }

  /// The error of parsing `bytes` as a datagram, nil (and a recorded issue) when it parses.
  static func parseError(
    bytes: [UInt8], limits: SIPMessage.Limits = .default, sourceLocation: SourceLocation = #_sourceLocation
  ) -> SIPParseError? {
    do {
      _ = try SIPMessage.parse(bytes, limits: limits)
      Issue.record("expected a SIPParseError", sourceLocation: sourceLocation)
      return nil
    } catch {
      return error
    }
  }

  /// The error of parsing a fixture as a datagram.
  static func parseError(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws
    -> SIPParseError?
  {
    let bytes = try bytes(name)
    return error(
      { () throws(SIPParseError) in _ = try SIPMessage.parse(bytes) }, sourceLocation: sourceLocation)
  }
}

extension SIPMessage {
  /// `validateAsRequest` as a Bool-free error probe for tests.
  func requestError(_ policy: SIPValidationPolicy = SIPValidationPolicy()) -> SIPParseError? {
    do {
      try validateAsRequest(policy)
      return nil
    } catch { return error }
  }

  func responseError(_ policy: SIPValidationPolicy = SIPValidationPolicy()) -> SIPParseError? {
    do {
      try validateAsResponse(policy)
      return nil
    } catch { return error }
  }
}
