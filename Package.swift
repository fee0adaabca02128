// swift-tools-version:6.1
// sipscript — a SIP user agent whose call logic is Lua 5.4. Layers and their rules: docs/architecture.md.
import PackageDescription

/// Settings every Swift target shares (Swift 6 language mode brings strict concurrency).
let swiftSettings: [SwiftSetting] = [
  .enableUpcomingFeature("ExistentialAny"),
  .enableUpcomingFeature("InternalImportsByDefault"),
]

/// Release builds of the programs that carry calls and media link jemalloc (Debian's
/// libjemalloc-dev, installed by scripts/setup): glibc's allocator took ~13 % of the UAS's time under
/// call load, jemalloc cuts the CPU per call by ~9 % (docs/benchmarks-calls.md, "jemalloc").
/// Debug builds, and so the tests and the AddressSanitizer run, keep glibc's.
let releaseAllocator: [LinkerSetting] = [
  .linkedLibrary("jemalloc", .when(platforms: [.linux], configuration: .release))
]

let package = Package(
  name: "sipscript",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "sipscript", targets: ["sipscript"]),
    .library(name: "SIPCore", targets: ["SIPCore"]),
    .library(name: "SDP", targets: ["SDP"]),
    .library(name: "RTPCore", targets: ["RTPCore"]),
    .library(name: "SIPProtocol", targets: ["SIPProtocol"]),
    .library(name: "RTPMedia", targets: ["RTPMedia"]),
    .library(name: "SIPTransport", targets: ["SIPTransport"]),
    .library(name: "SIPCall", targets: ["SIPCall"]),
    .library(name: "SIPScript", targets: ["SIPScript"]),
    .library(name: "IVRCore", targets: ["IVRCore"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
  ],
  targets: [
    // Lua 5.4 from Debian's liblua5.4-dev.
    .systemLibrary(
      name: "CLua",
      pkgConfig: "lua5.4",
      providers: [.apt(["liblua5.4-dev"])]
    ),
    // Lua's macros as functions, and every path that may longjmp (DESIGN §3).
    .target(name: "CLuaShim", dependencies: ["CLua"]),
    // The system resolver's res_nquery, for RFC 3263's SRV step (glibc's resolv.h is not in Swift's Glibc).
    .target(name: "CResolv", linkerSettings: [.linkedLibrary("resolv")]),
    .target(
      name: "SIPCore",
      dependencies: [.product(name: "Crypto", package: "swift-crypto")],
      swiftSettings: swiftSettings
    ),
    .target(name: "SDP", swiftSettings: swiftSettings),
    .target(name: "SIPProtocol", dependencies: ["SIPCore", "SDP"], swiftSettings: swiftSettings),
    .target(name: "RTPCore", swiftSettings: swiftSettings),
    // The UDP sockets RTPMedia and SIPTransport open themselves and hand to NIO.
    .target(
      name: "DatagramSockets",
      dependencies: [.product(name: "NIOCore", package: "swift-nio")],
      swiftSettings: swiftSettings
    ),
    .target(
      name: "IVRCore",
      dependencies: ["RTPCore", .product(name: "Crypto", package: "swift-crypto")],
      swiftSettings: swiftSettings
    ),
    .target(
      name: "SIPTransport",
      dependencies: [
        "CResolv",
        "DatagramSockets",
        "SIPCore",
        "SIPProtocol",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: swiftSettings
    ),
    .target(
      name: "RTPMedia",
      dependencies: [
        "DatagramSockets",
        "RTPCore",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
      ],
      swiftSettings: swiftSettings
    ),
    .target(
      name: "SIPCall",
      dependencies: [
        "SIPCore", "SDP", "SIPProtocol", "SIPTransport", "RTPCore", "RTPMedia", "IVRCore",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: swiftSettings
    ),
    .target(
      name: "SIPScript",
      dependencies: [
        "SIPCall",
        "SIPCore",
        "SIPProtocol",
        "SIPTransport",
        "IVRCore",
        "RTPCore",
        "RTPMedia",
        "CLuaShim",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "sipscript",
      dependencies: [
        "SIPScript",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: swiftSettings,
      linkerSettings: releaseAllocator
    ),
    // The Swift side of scripts/bench (figures in docs/benchmarks.md).
    .executableTarget(name: "sipbench", dependencies: ["SIPCore"], swiftSettings: swiftSettings),
    // The load generator of scripts/bench transactions (plain sockets, no dependencies).
    .executableTarget(name: "sipload", swiftSettings: swiftSettings),
    // The call load generator of scripts/bench calls (INVITE/ACK/BYE over plain UDP, no dependencies).
    .executableTarget(name: "sipcallgen", swiftSettings: swiftSettings),
    // scripts/bench media: N echo streams vs an N-stream generator (docs/benchmarks.md).
    .executableTarget(
      name: "mediabench",
      dependencies: [
        "RTPMedia", "RTPCore",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
      ],
      swiftSettings: swiftSettings,
      linkerSettings: releaseAllocator
    ),
    .testTarget(
      name: "SIPCoreTests", dependencies: ["SIPCore"], resources: [.copy("Fixtures")],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "SIPProtocolTests", dependencies: ["SIPProtocol"], swiftSettings: swiftSettings),
    .testTarget(
      name: "SIPTransportTests",
      dependencies: [
        "SIPTransport",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOEmbedded", package: "swift-nio"),
      ],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "RTPMediaTests",
      dependencies: [
        "DatagramSockets",
        "RTPMedia",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOEmbedded", package: "swift-nio"),
      ],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "SDPTests", dependencies: ["SDP"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
    .testTarget(name: "RTPCoreTests", dependencies: ["RTPCore"], swiftSettings: swiftSettings),
    .testTarget(name: "IVRCoreTests", dependencies: ["IVRCore"], swiftSettings: swiftSettings),
    .testTarget(
      name: "SIPScriptTests",
      dependencies: [
        "SIPScript",
        "SIPTransport",
        "RTPCore",
        "IVRCore",
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOEmbedded", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "SIPCallTests",
      dependencies: [
        "SIPCall", "SIPTransport", "RTPMedia", "RTPCore", "SDP",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: swiftSettings
    ),
    .testTarget(name: "CLITests", dependencies: ["sipscript"], swiftSettings: swiftSettings),
  ]
)
