// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "sockwatch",
    products: [
        .executable(name: "sockwatch", targets: ["sockwatch"]),
        .library(name: "SockDiag", targets: ["SockDiag"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
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
            dependencies: ["CSockDiag", .product(name: "SystemPackage", package: "swift-system")]
        ),
        // /proc -> owners.
        .target(
            name: "ProcIndex",
            dependencies: [.product(name: "SystemPackage", package: "swift-system")]
        ),
        // records -> bytes.
        .target(name: "SockRender", dependencies: ["SockDiag", "ProcIndex"]),
        // CLI wiring only.
        .executableTarget(
            name: "sockwatch",
            dependencies: [
                "SockDiag", "ProcIndex", "SockRender",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),

        // Real sockets for the live tests.
        .target(name: "SockTestSupport", path: "Tests/SockTestSupport"),
        .testTarget(name: "SockDiagTests", dependencies: ["SockDiag", "CSockDiag", "SockTestSupport"]),
        .testTarget(name: "ProcIndexTests", dependencies: ["ProcIndex", "SockTestSupport"]),
        .testTarget(name: "SockRenderTests", dependencies: ["SockRender", "SockDiag", "ProcIndex", "SockTestSupport"]),
        .testTarget(name: "SockwatchTests", dependencies: ["sockwatch", "SockTestSupport"]),
    ]
)
