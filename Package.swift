// swift-tools-version:6.1
import PackageDescription

/// One settings array for every target: Swift 6 language mode with strict concurrency.
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "entraform",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "entraform", targets: ["entraform"]),
        .executable(name: "entraform-bench", targets: ["entraform-bench"]),
        .library(name: "PolicyModel", targets: ["PolicyModel"]),
        .library(name: "PolicyLoading", targets: ["PolicyLoading"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // Vocabulary: value types only, Foundation only.
        .target(name: "PolicyModel", swiftSettings: strictSettings),
        // Core: YAML → declarations with file:line:column diagnostics.
        .target(
            name: "PolicyLoading",
            dependencies: ["PolicyModel", .product(name: "Yams", package: "Yams")],
            swiftSettings: strictSettings
        ),
        // Wire: what the client and the emulator both speak: OData envelopes (pages, errors, batches) and base64url.
        .target(name: "GraphWire", dependencies: ["PolicyModel"], swiftSettings: strictSettings),
        // Core: named normalization rules, diff, plan, apply orchestration over reading/writing protocols.
        .target(
            name: "Reconciliation",
            dependencies: ["PolicyModel", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        // Core: risk-rule evaluation (and later what-if and impact analysis).
        .target(
            name: "PolicyEvaluation",
            dependencies: ["PolicyModel", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        // Core: every sentence a person reads: plans, drift, risk plans and reports, diagnostics (text /
        // Markdown / JSON / GitHub annotations). Renders, never computes.
        .target(name: "PlanRendering", dependencies: ["PolicyModel", "Reconciliation", "PolicyEvaluation"], swiftSettings: strictSettings),
        // I/O: HTTP transport, auth, paging, batching, retries, pacing.
        .target(
            name: "GraphClient",
            dependencies: [
                "GraphWire",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        // I/O: the Graph emulator (Hummingbird 2).
        .target(
            name: "GraphEmulator",
            dependencies: [
                "GraphWire",
                // The evaluation engine answers the What If API (`conditionalAccess/evaluate`).
                "PolicyEvaluation",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: strictSettings
        ),
        // Adapters: the core's reading and writing protocols over the Graph client (policies, directory,
        // risk), the snapshot reader, and the file edges (configuration files, backups, the audit log).
        // The only place where the core meets I/O; the CLI and the tests use the same adapters.
        .target(
            name: "TenantAccess",
            dependencies: ["PolicyModel", "PolicyLoading", "Reconciliation", "PolicyEvaluation", "GraphWire", "GraphClient"],
            swiftSettings: strictSettings
        ),
        // Shell: argument-parser commands; wires adapters, client and streams; maps results to exit codes.
        .target(
            name: "EntraformCLI",
            dependencies: [
                "PolicyModel", "PolicyLoading", "GraphWire", "GraphClient", "GraphEmulator", "Reconciliation",
                "PlanRendering", "PolicyEvaluation", "TenantAccess",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(name: "entraform", dependencies: ["EntraformCLI"], swiftSettings: strictSettings),
        // The benchmarks (README, "Performance"): an in-process emulator, and the CLI run as child processes of the bench itself.
        .executableTarget(
            name: "entraform-bench",
            dependencies: ["PolicyEvaluation", "PolicyModel", "GraphEmulator", "EntraformCLI",
                           .product(name: "AsyncHTTPClient", package: "async-http-client")],
            swiftSettings: strictSettings
        ),
        // Fuzzing (README, "Fuzzing"): the parsers' properties and the seeded mutator, shared by the libFuzzer runner and
        // the CI suite (FuzzTests).
        .target(
            name: "FuzzChecks",
            dependencies: ["PolicyModel", "PolicyLoading", "GraphEmulator"],
            path: "Tests/Fuzz/Checks",
            swiftSettings: strictSettings
        ),
        .executableTarget(name: "entraform-fuzz", dependencies: ["FuzzChecks"], path: "Tests/Fuzz/Runner", swiftSettings: strictSettings),

        .target(
            name: "EntraformTestSupport",
            dependencies: ["PolicyModel", "GraphEmulator", "GraphWire"],
            path: "Tests/EntraformTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PolicyLoadingTests",
            dependencies: ["PolicyLoading", "PolicyModel", "PlanRendering", "TenantAccess", "EntraformTestSupport", "FuzzChecks"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GraphEmulatorTests",
            dependencies: ["GraphEmulator", "GraphWire", "EntraformTestSupport",
                           .product(name: "HummingbirdTesting", package: "hummingbird")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GraphClientTests",
            dependencies: ["GraphClient", "GraphEmulator", "GraphWire", "EntraformTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ReconciliationTests",
            dependencies: ["Reconciliation", "PlanRendering", "PolicyModel", "PolicyLoading", "EntraformTestSupport"],
            exclude: ["Golden"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PolicyEvaluationTests",
            dependencies: ["PolicyEvaluation", "PolicyModel", "PolicyLoading", "PlanRendering", "GraphClient", "GraphEmulator", "TenantAccess",
                           "EntraformTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TenantAccessTests",
            dependencies: ["TenantAccess", "PolicyLoading", "PolicyModel", "Reconciliation", "EntraformTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "EntraformCLITests",
            dependencies: ["EntraformCLI", "TenantAccess", "EntraformTestSupport"],
            exclude: ["Scenarios", "ImpactScenarios", "RoundTripRegressions"],
            swiftSettings: strictSettings
        ),
    ]
)
