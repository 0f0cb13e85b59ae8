#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// One entraform command run as a whole process (this executable started again in `cli` mode), so
/// a figure includes start-up, and peak memory is the command's own, not the emulator's.
struct ChildRun: Sendable {
    var exitCode: Int32
    /// Wall time from spawn to exit.
    var seconds: Double
    /// User + system CPU time of the child.
    var cpuSeconds: Double
    /// Peak resident set size of the child's own program, in bytes (`VmHWM` as it exits).
    var peakBytes: Int
    var stdout: String
    var stderr: String

    var peakMiB: Int { peakBytes / (1 << 20) }
}

/// A command that did not finish as the benchmark expected.
struct BenchFailure: Error, CustomStringConvertible {
    var description: String
}

/// Where a child writes its peak memory as it exits (see ``ChildProcess/reportPeakMemoryAtExit()``).
nonisolated(unsafe) private var peakMemoryFile: UnsafeMutablePointer<CChar>?

enum ChildProcess {
    static let peakMemoryVariable = "ENTRAFORM_BENCH_PEAK_FILE"

    /// In a child: writes `VmHWM` (the peak resident set of this program's own memory) to the file
    /// the parent named, however the command exits. `wait4`'s `ru_maxrss` cannot be used: glibc's
    /// `posix_spawn` starts the child on the parent's memory (`CLONE_VM`), and Linux carries that
    /// memory's peak into the child's across `exec`, so every child would weigh as much as the bench
    /// and its in-process emulator.
    static func reportPeakMemoryAtExit() {
        guard let path = ProcessInfo.processInfo.environment[peakMemoryVariable] else { return }
        peakMemoryFile = strdup(path)
        atexit {
            guard let file = peakMemoryFile, let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return }
            let kilobytes = line.split(separator: " ").dropFirst().first.map(String.init) ?? "0"
            try? Data(kilobytes.utf8).write(to: URL(fileURLWithPath: String(cString: file)))
        }
    }

    /// This executable's path (the child runs `entraform-bench cli ARGUMENTS…`).
    static let executable: String = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        ?? Bundle.main.executablePath ?? CommandLine.arguments[0]

    /// Runs `entraform ARGUMENTS…` (or another `mode` of this executable) in a child process with
    /// `environment` added to this one's, writing its output below `directory`. The wait happens on a
    /// thread of its own, so the in-process emulator keeps every cooperative thread while the child runs.
    static func run(_ arguments: [String], mode: String = "cli", environment: [String: String] = [:], outputIn directory: URL,
                    expecting codes: Set<Int32> = [0]) async throws -> ChildRun {
        let stdoutPath = directory.appendingPathComponent("stdout.txt").path
        let stderrPath = directory.appendingPathComponent("stderr.txt").path
        let peakPath = directory.appendingPathComponent("peak-kilobytes.txt").path
        try? FileManager.default.removeItem(atPath: peakPath)
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        merged[peakMemoryVariable] = peakPath
        let argv = [executable, mode] + arguments
        let envp = merged.map { "\($0.key)=\($0.value)" }
        let outcome: (status: Int32, seconds: Double, usage: rusage) = try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try spawnAndWait(argv, envp, stdoutPath, stderrPath) })
            }
            thread.start()
        }
        let stdout = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        let exitCode = outcome.status & 0x7f == 0 ? (outcome.status >> 8) & 0xff : 128 + (outcome.status & 0x7f)
        let usage = outcome.usage
        let run = ChildRun(exitCode: exitCode, seconds: outcome.seconds,
                           cpuSeconds: Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6,
                           peakBytes: ((try? String(contentsOfFile: peakPath, encoding: .utf8)).flatMap { Int($0) } ?? Int(usage.ru_maxrss)) * 1024,
                           stdout: stdout, stderr: stderr)
        guard codes.contains(exitCode) else {
            let tail = (stderr + "\n" + stdout).split(separator: "\n").suffix(12).joined(separator: "\n")
            throw BenchFailure(description: "`entraform \(arguments.joined(separator: " "))` exited \(exitCode):\n\(tail)")
        }
        return run
    }

    private static func spawnAndWait(_ argv: [String], _ envp: [String], _ stdoutPath: String, _ stderrPath: String) throws
        -> (status: Int32, seconds: Double, usage: rusage) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = envp.map { strdup($0) } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        var pid = pid_t()
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, cEnvironment)
        guard spawned == 0 else { throw BenchFailure(description: "could not start \(argv[0]): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchFailure(description: "waiting for the child failed: \(String(cString: strerror(errno)))") }
        }
        clock_gettime(CLOCK_MONOTONIC, &end)
        let seconds = Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9
        return (status, seconds, usage)
    }
}
