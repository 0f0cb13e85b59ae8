import Foundation
import GraphEmulator
import Testing

/// The emulators a test started, shut down when the test ends: structured teardown without a
/// `defer { Task { … } }` that outlives the test, and without wrapping test bodies in closures
/// (which Swift 6.3.1 miscompiles when a `#expect` inside them holds a closure).
public actor EmulatorRegistry {
    /// The registry of the running test (set by ``EmulatorScope``).
    @TaskLocal public static var current: EmulatorRegistry?

    private var servers: [EmulatorServer] = []

    public init() {}

    /// Shuts `server` down when the test ends.
    public func register(_ server: EmulatorServer) { servers.append(server) }

    /// Shuts every registered server down, newest first.
    public func shutdownAll() async {
        while let server = servers.popLast() { await server.shutdown() }
    }
}

/// A trait that gives each test (of a suite, recursively) a registry, and awaits the shutdown of
/// every emulator the test started before the test counts as finished, whether it passed or threw.
public struct EmulatorScope: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public init() {}

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        // Suites get no scope of their own: each test function (or test case) gets one.
        guard !test.isSuite else { return try await function() }
        let registry = EmulatorRegistry()
        try await EmulatorRegistry.$current.withValue(registry) {
            do {
                try await function()
            } catch {
                await registry.shutdownAll()
                throw error
            }
            await registry.shutdownAll()
        }
    }
}

extension Trait where Self == EmulatorScope {
    /// Emulators started in the test are shut down when it ends (see ``EmulatorScope``).
    public static var emulatorScope: Self { Self() }
}

/// Starts an emulator on 127.0.0.1:0 for the running test: shut down by ``EmulatorScope`` when the
/// test ends. Outside such a test it is an error (nothing would shut the emulator down).
public func startScopedEmulator(_ configuration: EmulatorConfiguration = EmulatorConfiguration()) async throws -> (server: EmulatorServer, url: URL) {
    guard let registry = EmulatorRegistry.current else {
        throw ScopeMissing()
    }
    let server = try await EmulatorServer(configuration: configuration)
    await registry.register(server)
    return (server, try await server.start())
}

/// A test started an emulator without ``EmulatorScope`` (`@Suite(.emulatorScope)`).
public struct ScopeMissing: Error, CustomStringConvertible {
    public var description: String { "this test starts an emulator: give its suite the .emulatorScope trait" }
}

/// Runs `body` with an emulator, shutting it down when `body` returns or throws: the closure form,
/// for code that is not a test body.
public func withEmulator<Result>(
    _ configuration: EmulatorConfiguration = EmulatorConfiguration(),
    _ body: (EmulatorServer, URL) async throws -> Result
) async throws -> Result {
    let server = try await EmulatorServer(configuration: configuration)
    let url = try await server.start()
    do {
        let result = try await body(server, url)
        await server.shutdown()
        return result
    } catch {
        await server.shutdown()
        throw error
    }
}
