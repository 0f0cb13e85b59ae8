import Foundation
#if canImport(Glibc)
import Glibc
#endif
import GraphWire

/// Runs the built `entraform` executable, for tests of exit codes and output.
public struct BinaryRunner {
    public struct Result: Sendable {
        public var exitCode: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The `entraform` binary beside the test bundle (`swift build --build-tests` builds both).
    public static var executable: URL {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = runner.deletingLastPathComponent()
        // On Linux the test runner is `.build/<triple>/debug/entraformPackageTests.xctest`.
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("entraform")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return TestPaths.packageRoot.appendingPathComponent(".build/debug/entraform")
    }

    /// Runs `entraform arguments…` in `directory` with `environment` added to a minimal environment,
    /// reading both streams to the end (no timing involved).
    public static func run(_ arguments: [String], in directory: URL = TestPaths.packageRoot,
                           environment: [String: String] = [:]) throws -> Result {
        var base = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        base.merge(environment) { _, new in new }
        return try run(executable: executable, arguments, in: directory, environment: base)
    }

    /// Runs any executable with exactly `environment` (nil: this process's), reading both streams to the end.
    public static func run(executable: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String]? = nil) throws -> Result {
        try run(executable: executable, arguments, in: directory, environment: environment) { _ in false }.result
    }

    /// What a run that may have been killed came to.
    public struct KillableResult: Sendable {
        public var result: Result
        /// The process was ended by the `SIGKILL` this runner sent (rather than exiting by itself).
        public var killed: Bool
    }

    /// Runs `entraform arguments…` like ``run(_:in:environment:)``, reading standard error line by line
    /// as it is written, and sends `SIGKILL` to the process at the first line for which `kill` returns
    /// true: the kill point is chosen by the progress the process reports, never by time.
    public static func run(_ arguments: [String], in directory: URL = TestPaths.packageRoot, environment: [String: String] = [:],
                           killAfter kill: (String) -> Bool) throws -> KillableResult {
        var base = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        base.merge(environment) { _, new in new }
        return try run(executable: executable, arguments, in: directory, environment: base, killAfter: kill)
    }

    /// ``run(_:in:environment:killAfter:)`` off the cooperative thread pool (see ``runDetached(_:in:environment:)``).
    public static func runDetached(_ arguments: [String], in directory: URL = TestPaths.packageRoot, environment: [String: String] = [:],
                                   killAfter kill: @escaping @Sendable (String) -> Bool) async throws -> KillableResult {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Swift.Result<KillableResult, any Error> {
                    try run(arguments, in: directory, environment: environment, killAfter: kill)
                })
            }
        }
    }

    private static func run(executable: URL, _ arguments: [String], in directory: URL?, environment: [String: String]?,
                            killAfter kill: (String) -> Bool) throws -> KillableResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if let environment { process.environment = environment }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Drain both pipes concurrently so a full pipe cannot block the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data()
        group.enter()
        DispatchQueue.global().async {
            outData = out.fileHandleForReading.readToEndRetryingInterrupts()
            group.leave()
        }
        var errData = Data()
        var lineStart = 0
        var sentKill = false
        let descriptor = err.fileHandleForReading.fileDescriptor
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            // POSIX read, retried on EINTR (Foundation's reads trap on it): returns as soon as a line arrives.
            let count = Glibc.read(descriptor, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            errData.append(contentsOf: buffer[..<count])
            guard !sentKill else { continue }
            while let newline = errData[lineStart...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: errData[lineStart..<newline], as: UTF8.self)
                lineStart = newline + 1
                if kill(line) {
                    sentKill = Glibc.kill(process.processIdentifier, SIGKILL) == 0
                    break
                }
            }
        }
        group.wait()
        process.waitUntilExit()
        let killed = sentKill && process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
        return KillableResult(result: Result(exitCode: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                                             stderr: String(decoding: errData, as: UTF8.self)), killed: killed)
    }

    /// ``run(_:in:environment:)`` off the cooperative thread pool, for async tests that serve the
    /// binary from an in-process emulator (a blocked pool thread could starve the emulator).
    public static func runDetached(_ arguments: [String], in directory: URL = TestPaths.packageRoot,
                                   environment: [String: String] = [:]) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Swift.Result<BinaryRunner.Result, any Error> { try run(arguments, in: directory, environment: environment) })
            }
        }
    }

    /// A fresh temporary directory holding `files` (relative path → contents).
    public static func temporaryDirectory(_ files: [String: String]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("entraform-\(UUID().uuidString)")
        for (path, contents) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(contents.utf8).write(to: url)
        }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        return root
    }
}
