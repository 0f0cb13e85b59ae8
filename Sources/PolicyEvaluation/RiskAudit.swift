import Foundation
import PolicyModel

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
    /// `started` (written just before the write that carries the action is sent), then `executed` or
    /// `failed` when its answer arrives; `skipped`; or `error` (a rule-level problem). A `started` line
    /// with no result after it in the same run means the run was cut off during that write.
    public var result: String

    /// The result of the line written before a write is sent.
    public static let started = "started"
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
