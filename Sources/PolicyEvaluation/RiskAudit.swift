import Foundation
import PolicyModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One line of the audit trail: an executed, skipped or failed action (or a rule error). Holds ids,
/// names, evidence and Graph request ids — never a token or secret.
public struct RiskAuditRecord: Sendable, Hashable, Codable {
    public var time: String
    /// Identifies one `risk apply` / manual run.
    public var runId: String
    /// Who acted: `client <appId>` for an application, the user for device code sign-in.
    public var actor: String
    public var actionId: String?
    public var action: RiskAction?
    public var target: RiskTarget?
    /// The rules behind the action; empty for manual actions.
    public var rules: [String]
    /// Why a manual action was taken (`--reason`).
    public var reason: String?
    public var evidence: [RiskEvidence]
    public var approval: Approval?
    /// `request-id`s Graph returned for the calls that carried this action.
    public var requestIds: [String]
    public var clientRequestIds: [String]
    /// `executed`, `skipped`, `failed` or `error` (a rule-level problem).
    public var result: String
    public var detail: String?

    public struct Approval: Sendable, Hashable, Codable {
        public var required: Bool
        /// `notRequired`, `approvedById`, `approvedAll`, `pending`.
        public var status: String
        public var approvedBy: String?

        public init(required: Bool, status: String, approvedBy: String?) {
            self.required = required
            self.status = status
            self.approvedBy = approvedBy
        }
    }

    public init(time: String, runId: String, actor: String, actionId: String? = nil, action: RiskAction? = nil, target: RiskTarget? = nil,
                rules: [String] = [], reason: String? = nil, evidence: [RiskEvidence] = [], approval: Approval? = nil,
                requestIds: [String] = [], clientRequestIds: [String] = [], result: String, detail: String? = nil) {
        self.time = time
        self.runId = runId
        self.actor = actor
        self.actionId = actionId
        self.action = action
        self.target = target
        self.rules = rules
        self.reason = reason
        self.evidence = evidence
        self.approval = approval
        self.requestIds = requestIds
        self.clientRequestIds = clientRequestIds
        self.result = result
        self.detail = detail
    }

    /// The record as one JSON line (sorted keys, no newline inside, trailing newline).
    public func line() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = (try? encoder.encode(self)) ?? Data("{}".utf8)
        data.append(UInt8(ascii: "\n"))
        return data
    }
}

/// Where audit records go.
public protocol RiskAuditSink: Sendable {
    func append(_ record: RiskAuditRecord) throws
}

/// An audit sink that keeps records in memory (tests, dry runs).
public final class RiskAuditMemory: RiskAuditSink, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [RiskAuditRecord] = []

    public init() {}

    public func append(_ record: RiskAuditRecord) throws {
        lock.lock()
        stored.append(record)
        lock.unlock()
    }

    public var records: [RiskAuditRecord] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}

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
