import Foundation
import PolicyEvaluation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The append-only JSON Lines audit file (default `.entraform/audit.jsonl`).
///
/// Each record is written with one `write(2)` on a descriptor opened `O_APPEND`, under an exclusive
/// `flock`, so lines from two runs writing at once never interleave. The file is created `0600` (an
/// existing one is narrowed to `0600`: records name users and approvers); existing content is never
/// rewritten. It must be a regular file reached without symbolic links where the path is relative
/// (``WorkingDirectoryPaths``), and never a link itself (`O_NOFOLLOW`).
public struct RiskAuditFile: RiskAuditSink {
    public static let defaultPath = ".entraform/audit.jsonl"

    public let path: String

    public init(path: String = RiskAuditFile.defaultPath) { self.path = path }

    public struct WriteError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Opens (creating) the file as ``append(_:)`` would, without writing: `risk apply` calls it before
    /// acting, so a path that cannot be used stops the run before the first action instead of after it.
    public func prepare() throws {
        close(try openForAppend())
    }

    private func openForAppend() throws -> Int32 {
        do {
            try WorkingDirectoryPaths.refuseLinks(in: path, what: "audit log", option: "--audit-log")
        } catch {
            throw WriteError(description: error.description)
        }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            let reason = errno == ELOOP ? "it is a symbolic link; pass the real file's path" : String(cString: strerror(errno))
            throw WriteError(description: "cannot open audit log \(path): \(reason)")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw WriteError(description: "cannot use audit log \(path): not a regular file")
        }
        if status.st_mode & 0o777 != 0o600, fchmod(descriptor, 0o600) != 0 {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw WriteError(description: "cannot make audit log \(path) private (mode 0600): \(reason)")
        }
        return descriptor
    }

    public func append(_ record: RiskAuditRecord) throws {
        let descriptor = try openForAppend()
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX) == 0 else {
            throw WriteError(description: "cannot lock audit log \(path): \(String(cString: strerror(errno)))")
        }
        defer { _ = flock(descriptor, LOCK_UN) }
        let bytes = record.line()
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress!.advanced(by: offset), bytes.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw WriteError(description: "cannot write audit log \(path): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    /// Every record in the file (unreadable lines are ignored); empty when the file does not exist.
    public func records() -> [RiskAuditRecord] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let decoder = JSONDecoder()
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(RiskAuditRecord.self, from: Data($0)) }
    }

    /// Ids of actions the file records as executed (a repeated plan skips them).
    public func executedActionIds() -> Set<String> {
        Set(records().filter { $0.result == RiskActionOutcome.Result.executed.rawValue }.compactMap(\.actionId))
    }
}
