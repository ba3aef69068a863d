// swift-tools-version:6.0
import PackageDescription

/// The hot path (decode -> render) touches class storage per byte, where dynamic exclusivity checks are a large
/// share of a listing's time (docs/BENCHMARKS.md). The code keeps accesses non-overlapping by construction, so
/// release builds skip the runtime check.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

/// Release executables keep their relative relocations packed (DT_RELR, glibc 2.36+, linked by lld): the
/// loader reads 8 KiB of them instead of a 1 MiB table at every start, 0.9 MiB less resident for a listing,
/// and the executable stays position-independent (docs/BENCHMARKS.md, "Memory of the listing").
let packedRelocations: [LinkerSetting] = [
    .unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"],
                 .when(platforms: [.linux], configuration: .release))
]

let package = Package(
    name: "sockwatch",
    products: [
        .executable(name: "sockwatch", targets: ["sockwatch"]),
        .executable(name: "sockwatch-exporter", targets: ["sockwatch-exporter"]),
        .library(name: "SockDiag", targets: ["SockDiag"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // request: libmnl and the C side of sock_diag.
        .systemLibrary(
            name: "CMnl",
            pkgConfig: "libmnl",
            providers: [.apt(["libmnl-dev"])]
        ),
        .target(name: "CSockDiag", dependencies: ["CMnl"]),

        // kernel -> records.
        .target(
            name: "SockDiag",
            dependencies: ["CSockDiag", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: hotPath
        ),
        // /proc -> owners.
        .target(
            name: "ProcIndex",
            dependencies: ["CSockDiag", "SockDiag", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: hotPath
        ),
        // query -> plan -> kernel -> join -> filter -> joined sockets, for every command.
        .target(
            name: "SockPipeline",
            dependencies: ["SockDiag", "ProcIndex", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: hotPath
        ),
        // joined sockets -> bytes.
        .target(name: "SockRender", dependencies: ["SockDiag", "SockPipeline"], swiftSettings: hotPath),
        // Both executables' ending: notes and failures as one line on stderr, one exit-status mapping.
        .target(
            name: "CommandSupport",
            dependencies: [
                "SockDiag", "ProcIndex", "SockPipeline", "SockRender",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `--version`: the release number and the git commit baked in at build time (Plugins/GitCommit).
        .target(name: "BuildInfo", exclude: ["archive-commit"], plugins: ["GitCommit"]),
        .plugin(name: "GitCommit", capability: .buildTool()),
        // CLI wiring only.
        .executableTarget(
            name: "sockwatch",
            dependencies: [
                "SockDiag", "ProcIndex", "SockPipeline", "SockRender", "ExporterArguments", "CommandSupport", "BuildInfo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            linkerSettings: packedRelocations
        ),

        // The exporter's options and listen-address rule, without NIO: shared by `sockwatch exporter` and the server.
        .target(
            name: "ExporterArguments",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // sockets -> Prometheus metrics over HTTP: collector, metrics, server (swift-prometheus over NIOHTTP1).
        .target(
            name: "SockExporter",
            dependencies: [
                "SockDiag", "ProcIndex", "SockPipeline", "ExporterArguments", "CommandSupport",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                "CWebAuth",
            ],
            swiftSettings: hotPath
        ),
        // The web config's basic-auth check: libxcrypt's crypt_r (bcrypt), in C, for the exporter only.
        .target(name: "CWebAuth", linkerSettings: [.linkedLibrary("crypt")]),
        // Its own executable, so NIO stays out of the `sockwatch` binary (`sockwatch exporter` execs it).
        .executableTarget(
            name: "sockwatch-exporter",
            dependencies: [
                "SockExporter", "ExporterArguments", "SockDiag", "SockPipeline", "CommandSupport", "BuildInfo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: packedRelocations
        ),

        // The decoder under mutation: a seeded loop by default, libFuzzer with Scripts/fuzz --libfuzzer.
        .target(name: "SockFuzz", dependencies: ["SockDiag"]),
        .executableTarget(
            name: "sockwatch-fuzz", dependencies: ["SockFuzz"],
            swiftSettings: [.unsafeFlags(["-parse-as-library"]), .enableExperimentalFeature("Extern")]
        ),

        // Real sockets for the live tests.
        .target(name: "SockTestSupport", dependencies: ["CSockDiag"], path: "Tests/SockTestSupport"),
        .testTarget(name: "SockDiagTests", dependencies: ["SockDiag", "CSockDiag", "SockFuzz", "SockTestSupport"]),
        .testTarget(name: "ProcIndexTests", dependencies: ["ProcIndex", "SockDiag", "SockTestSupport"]),
        .testTarget(
            name: "SockRenderTests", dependencies: ["SockRender", "SockPipeline", "SockDiag", "ProcIndex", "SockTestSupport"]),
        .testTarget(name: "SockPipelineTests", dependencies: ["SockPipeline", "SockDiag", "ProcIndex", "SockFuzz", "SockTestSupport"]),
        .testTarget(
            name: "SockwatchTests", dependencies: ["sockwatch", "SockPipeline", "ProcIndex", "SockDiag", "SockTestSupport"]),
        .testTarget(
            name: "SockExporterTests",
            dependencies: ["SockExporter", "SockDiag", "sockwatch", "sockwatch-exporter", "SockTestSupport"]
        ),
        .testTarget(name: "SockFuzzTests", dependencies: ["SockFuzz", "SockDiag"]),
    ]
)
