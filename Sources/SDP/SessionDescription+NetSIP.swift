// The Net::SIP::SDP object model the Lua layer exposes (DESIGN §4): get_media, as_string,
// replace_media_listen, name2int, content_type, and new{global, media}.

/// One `m=` line as Net::SIP's `get_media` gives it: `{addr, port, range, proto, media, fmt, lines}`.
public struct MediaInfo: Sendable, Hashable {
  /// The connection address in effect (the media's `c=`, else the session's), "" if none.
  public var address: String
  public var port: Int
  /// Number of ports (`49170/2` gives 2), 1 when not written.
  public var range: Int
  public var proto: String
  public var media: String
  public var formats: [String]
  /// The lines after `m=` in order (Net::SIP's `lines`).
  public var lines: [SDPLine]
}

/// A new address and port for one stream, for ``SessionDescription/replaceMediaListen(address:_:)``.
public struct MediaListen: Sendable, Hashable {
  public var address: String
  public var port: Int
  /// Number of ports; nil keeps the current one.
  public var range: Int?

  public init(address: String, port: Int, range: Int? = nil) {
    self.address = address
    self.port = port
    self.range = range
  }
}

/// Session-level data for building a description (Net::SIP's `%global`).
public struct SDPGlobal: Sendable, Hashable {
  /// Written as the session's `c=` line (and `o=` address).
  public var address: String?
  /// `o=` session id; Net::SIP takes the time, we take what the caller gives (no clocks here).
  public var sessionID: String
  public var sessionVersion: String
  public var sessionName: String
  /// More session-level lines, such as `a=sendrecv`.
  public var lines: [SDPLine]

  public init(
    address: String? = nil, sessionID: String = "0", sessionVersion: String = "0", sessionName: String = "-",
    lines: [SDPLine] = []
  ) {
    self.address = address
    self.sessionID = sessionID
    self.sessionVersion = sessionVersion
    self.sessionName = sessionName
    self.lines = lines
  }
}

/// Data for one `m=` line (Net::SIP's media hash).
public struct SDPMediaData: Sendable, Hashable {
  public var media: String
  public var port: Int
  public var range: Int
  public var proto: String
  public var formats: [String]
  /// Written as this media's `c=` when it differs from the global address.
  public var address: String?
  /// Lines after `m=` (and its `c=`), such as `a=rtpmap:0 PCMU/8000`.
  public var lines: [SDPLine]

  public init(
    media: String = "audio", port: Int, range: Int = 1, proto: String = "RTP/AVP", formats: [String],
    address: String? = nil, lines: [SDPLine] = []
  ) {
    self.media = media
    self.port = port
    self.range = range
    self.proto = proto
    self.formats = formats
    self.address = address
    self.lines = lines
  }
}

/// A request the description cannot carry out, with the reason.
public struct SDPUsageError: Error, Hashable, Sendable, CustomStringConvertible {
  public let description: String
}

extension SessionDescription {
  /// Builds a description from Net::SIP-style data and checks it by parsing the result, so that
  /// what comes out always parses.
  ///
  /// ```swift
  /// let sdp = try SessionDescription(
  ///   global: SDPGlobal(address: "192.0.2.1"),
  ///   media: [SDPMediaData(port: 4000, formats: ["0"], lines: [.attribute("rtpmap", "0 PCMU/8000")])])
  /// ```
  public init(global: SDPGlobal, media: [SDPMediaData]) throws(SDPParseError) {
    let originAddress = global.address ?? media.lazy.compactMap(\.address).first ?? "127.0.0.1"
    let origin = Origin(
      sessionID: global.sessionID, sessionVersion: global.sessionVersion, address: originAddress)
    var lines = ["v=0", "o=\(origin)", "s=\(global.sessionName)"]
    if let address = global.address { lines.append("c=\(Connection(address: address))") }
    lines.append("t=0 0")
    lines += global.lines.map(\.description)
    for item in media {
      let field = MediaField(
        media: item.media, port: item.port, portCount: item.range > 1 ? item.range : nil, proto: item.proto,
        formats: item.formats)
      lines.append("m=\(field)")
      if let address = item.address, address != global.address {
        lines.append("c=\(Connection(address: address))")
      }
      lines += item.lines.map(\.description)
    }
    try self.init(parsing: lines.joined(separator: "\r\n") + "\r\n")
  }

  /// Net::SIP's `get_media`: each `m=` line with its effective address.
  public func getMedia() -> [MediaInfo] {
    media.indices.map { index in
      let item = media[index]
      let field = item.field
      return MediaInfo(
        address: connection(forMedia: index)?.address ?? "", port: field.port, range: field.portCount ?? 1,
        proto: field.proto, media: field.media, formats: field.formats, lines: item.lines)
    }
  }

  /// Net::SIP's `replace_media_listen`: new address and port for each stream, as when we allocate
  /// our own sockets. With `address`, the session `c=` (and `o=` address) changes too; a stream whose
  /// address equals the session's loses its own `c=`. The `o=` version goes up (RFC 3264 §8).
  public mutating func replaceMediaListen(address: String? = nil, _ listens: [MediaListen])
    throws(SDPUsageError)
  {
    guard listens.count == media.count else {
      throw SDPUsageError(description: "\(listens.count) new listen addresses for \(media.count) m= lines")
    }
    for listen in listens where !(0...65535).contains(listen.port) || (listen.range ?? 1) < 1 {
      throw SDPUsageError(description: "invalid port \(listen.port)/\(listen.range ?? 1)")
    }
    for (index, listen) in listens.enumerated() where listen.port != 0 && media[index].formats.isEmpty {
      // RFC 8866 §5.14: an active stream needs a format; only a port-0 line may have none.
      throw SDPUsageError(
        description: "m= line \(index + 1) has no formats and cannot get port \(listen.port)")
    }
    if let address {
      connection = Connection(address: address)
      if var origin {
        origin.address = address
        origin.addressType = SDPSyntax.addressType(of: address)
        self.origin = origin
      }
    }
    let sessionAddress = connection?.address
    for (index, listen) in listens.enumerated() {
      var field = media[index].field
      field.port = listen.port
      if let range = listen.range { field.portCount = range > 1 ? range : nil }
      media[index].field = field
      media[index].connection = listen.address == sessionAddress ? nil : Connection(address: listen.address)
    }
    if var origin {
      origin.sessionVersion = Origin.increment(origin.sessionVersion)
      self.origin = origin
    }
  }

  /// Net::SIP's `name2int`: the payload type of a codec in stream `mediaIndex`, by encoding name
  /// alone (`"PCMU"`) or with clock rate and channels (`"telephone-event/8000"`, `"L16/44100/2"`);
  /// names compare case-insensitively. Static types without `a=rtpmap` count (RFC 3551 §6).
  public func name2int(_ name: String, mediaIndex: Int = 0) -> Int? {
    guard media.indices.contains(mediaIndex) else { return nil }
    let parts = name.split(separator: "/", omittingEmptySubsequences: false)
    guard let encoding = parts.first?.lowercased(), parts.count <= 3 else { return nil }
    let clockRate = parts.count > 1 ? SDPSyntax.number(parts[1]) : nil
    let channels = parts.count > 2 ? SDPSyntax.number(parts[2]) : nil
    if parts.count > 1 && clockRate == nil || parts.count > 2 && channels == nil { return nil }
    return media[mediaIndex].codecs.first { codec in
      codec.name.lowercased() == encoding && (clockRate.map { $0 == codec.clockRate } ?? true)
        && (channels.map { $0 == codec.channels } ?? true)
    }?.payloadType
  }
}
