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
/// `flock`, so lines from two runs writing at once never interleave. The file is created `0600`;
/// existing content is never rewritten.
public struct RiskAuditFile: RiskAuditSink {
    public static let defaultPath = ".entraform/audit.jsonl"

    public let path: String

    public init(path: String = RiskAuditFile.defaultPath) { self.path = path }

    public struct WriteError: Error, CustomStringConvertible {
        public var description: String
    }

    public func append(_ record: RiskAuditRecord) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw WriteError(description: "cannot open audit log \(path): \(String(cString: strerror(errno)))") }
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
