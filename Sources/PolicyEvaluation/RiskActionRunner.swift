import Foundation
import PolicyModel

/// A risky object's state as read just before or after acting.
public struct RiskObservedState: Sendable, Hashable, Codable {
    public var riskLevel: String?
    public var riskState: String?
    public var riskDetail: String?
    /// The user (service principal) was deleted: `isDeleted` on the risky object, or absent from the
    /// directory (Graph's `isDeleted` has been seen `false` for deleted users, so adapters check both).
    public var isDeleted: Bool?

    public init(riskLevel: String?, riskState: String?, riskDetail: String? = nil, isDeleted: Bool? = nil) {
        self.riskLevel = riskLevel
        self.riskState = riskState
        self.riskDetail = riskDetail
        self.isDeleted = isDeleted
    }

    /// Reads a `riskyUser` / `riskyServicePrincipal`.
    public init(json: JSONValue) {
        self.init(riskLevel: json["riskLevel"]?.stringValue, riskState: json["riskState"]?.stringValue,
                  riskDetail: json["riskDetail"]?.stringValue, isDeleted: json["isDeleted"]?.boolValue)
    }
}

/// What one Graph write returned.
public struct RiskWriteResult: Sendable, Hashable {
    public var status: Int
    public var requestId: String?
    public var clientRequestId: String?

    public init(status: Int, requestId: String?, clientRequestId: String?) {
        self.status = status
        self.requestId = requestId
        self.clientRequestId = clientRequestId
    }
}

/// The tenant as the runner needs it (the CLI implements it over `GraphClient`, tests over the emulator).
public protocol RiskResponding: Sendable {
    /// Current state of each id that is a risky user (service principal); absent ids are not risky.
    func currentState(of ids: [String], kind: RiskSubject) async throws -> [String: RiskObservedState]
    /// One call for at most 60 ids.
    func confirmCompromised(_ ids: [String], kind: RiskSubject) async throws -> RiskWriteResult
    /// One call for at most 60 ids.
    func dismiss(_ ids: [String], kind: RiskSubject) async throws -> RiskWriteResult
    func revokeSignInSessions(userId: String) async throws -> RiskWriteResult
    /// Users' `signInSessionsValidFromDateTime` by lowercased id (absent: unknown).
    func signInSessionsValidFrom(userIds: [String]) async throws -> [String: String]
    /// The detections still open (`riskState eq 'atRisk'`) of each id, by lowercased id: what a
    /// saved plan is compared against so a new detection since the plan stops a stale action.
    func openDetections(of ids: [String], kind: RiskSubject) async throws -> [String: [RiskEvidence]]
}

/// Which actions may run that need approval.
public struct RiskApproval: Sendable, Hashable {
    public var approvedIds: Set<String>
    public var approveAll: Bool
    /// Who approved (`--approved-by`), recorded in the audit trail.
    public var approvedBy: String?

    public init(approvedIds: Set<String> = [], approveAll: Bool = false, approvedBy: String? = nil) {
        self.approvedIds = approvedIds
        self.approveAll = approveAll
        self.approvedBy = approvedBy
    }
}

/// What happened to one action.
public struct RiskActionOutcome: Sendable, Hashable, Codable {
    public enum Result: String, Sendable, Hashable, Codable {
        case executed, skipped, failed
    }

    public var action: RiskPlannedAction
    public var result: Result
    public var detail: String?
    /// `notRequired`, `approvedById`, `approvedAll` or `pending`.
    public var approval: String
    public var approvedBy: String?
    public var requestIds: [String]
    public var clientRequestIds: [String]
    /// Read just before acting (nil: not risky, or not read).
    public var before: RiskObservedState?
    /// Read after acting (the follow-along).
    public var after: RiskObservedState?

    public init(action: RiskPlannedAction, result: Result, detail: String? = nil, approval: String, approvedBy: String? = nil,
                requestIds: [String] = [], clientRequestIds: [String] = [], before: RiskObservedState? = nil,
                after: RiskObservedState? = nil) {
        self.action = action
        self.result = result
        self.detail = detail
        self.approval = approval
        self.approvedBy = approvedBy
        self.requestIds = requestIds
        self.clientRequestIds = clientRequestIds
        self.before = before
        self.after = after
    }
}

/// The result of `risk apply` (or a manual action).
public struct RiskApplyReport: Sendable, Hashable, Codable {
    public var formatVersion = 1
    public var runId: String
    public var startedAt: String
    public var actor: String
    public var outcomes: [RiskActionOutcome]
    /// The plan's errors (conflicts, rules over their limit), repeated so the report is complete.
    public var planErrors: [RiskPlanError]
    /// Why nothing was run (an expired plan); empty when the plan ran.
    public var refusals: [String] = []
    /// Calls made: confirmCompromised/dismiss batches and revocations.
    public var writeCalls: Int

    public init(runId: String, startedAt: String, actor: String, outcomes: [RiskActionOutcome] = [], planErrors: [RiskPlanError] = [],
                writeCalls: Int = 0) {
        self.runId = runId
        self.startedAt = startedAt
        self.actor = actor
        self.outcomes = outcomes
        self.planErrors = planErrors
        self.writeCalls = writeCalls
    }

    public func count(_ result: RiskActionOutcome.Result) -> Int { outcomes.filter { $0.result == result }.count }

    /// Actions left waiting for approval.
    public var pendingApproval: [RiskActionOutcome] { outcomes.filter { $0.approval == "pending" } }

    /// 1 on any failure or plan error; 2 when actions still wait for approval; 0 otherwise.
    public var exitCode: Int32 {
        if count(.failed) > 0 || !planErrors.isEmpty || !refusals.isEmpty { return 1 }
        return pendingApproval.isEmpty ? 0 : 2
    }

    public func jsonData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }
}

/// Runs a ``RiskPlan``: approvals, a fresh read of every target, staleness and idempotency checks,
/// batched writes, the follow-along read, and one audit line per action.
public struct RiskActionRunner: Sendable {
    /// Graph's limit of ids per `confirmCompromised` / `dismiss` call.
    public static let maximumBatch = 60

    public let tenant: any RiskResponding
    public let audit: any RiskAuditSink
    public let actor: String
    public let now: @Sendable () -> Date
    public let batchSize: Int
    /// Called with each outcome as it is decided (progress output).
    public let progress: @Sendable (RiskActionOutcome) -> Void

    public init(tenant: any RiskResponding, audit: any RiskAuditSink, actor: String, now: @escaping @Sendable () -> Date = { Date() },
                batchSize: Int = RiskActionRunner.maximumBatch, progress: @escaping @Sendable (RiskActionOutcome) -> Void = { _ in }) {
        self.tenant = tenant
        self.audit = audit
        self.actor = actor
        self.now = now
        self.batchSize = min(max(1, batchSize), Self.maximumBatch)
        self.progress = progress
    }

    /// Executes `plan`. Never throws: every problem becomes a failed outcome (and an audit line).
    public func run(_ plan: RiskPlan, approval: RiskApproval = RiskApproval(), executedActionIds: Set<String> = [],
                    runId: String = UUID().uuidString.lowercased()) async -> RiskApplyReport {
        var report = RiskApplyReport(runId: runId, startedAt: GraphTime.string(now()), actor: actor, planErrors: plan.errors)
        var auditBroken: String?

        // An expired plan acts on nothing: risk changes by the hour.
        if let refusal = Self.expiryRefusal(plan, now: now()) {
            report.refusals = [refusal]
            try? audit.append(RiskAuditRecord(time: GraphTime.string(now()), runId: runId, actor: actor, result: "error", detail: refusal))
            return report
        }

        func record(_ outcome: RiskActionOutcome, result: String? = nil, detail: String? = nil) {
            let action = outcome.action
            let entry = RiskAuditRecord(
                time: GraphTime.string(now()), runId: runId, actor: actor, actionId: action.id, action: action.action, target: action.target,
                rules: action.rules, reason: action.reason, evidence: action.evidence,
                approval: .init(required: action.approvalRequired, status: outcome.approval, approvedBy: outcome.approvedBy),
                requestIds: outcome.requestIds, clientRequestIds: outcome.clientRequestIds, result: result ?? outcome.result.rawValue,
                detail: detail ?? outcome.detail)
            do { try audit.append(entry) } catch { auditBroken = "\(error)" }
        }
        func finish(_ outcome: RiskActionOutcome) {
            record(outcome)
            report.outcomes.append(outcome)
            progress(outcome)
        }

        // The plan's own decisions: errors and skipped actions are part of the trail.
        for error in plan.errors {
            if error.kind == .conflict, let target = error.target {
                do {
                    try audit.append(RiskAuditRecord(time: GraphTime.string(now()), runId: runId, actor: actor, target: target, rules: error.rules,
                                                     result: "skipped", detail: "conflict: \(error.message)"))
                } catch { auditBroken = "\(error)" }
            } else {
                do {
                    try audit.append(RiskAuditRecord(time: GraphTime.string(now()), runId: runId, actor: actor, rules: error.rules,
                                                     result: "error", detail: error.message))
                } catch { auditBroken = "\(error)" }
            }
        }
        for skipped in plan.skipped {
            let detail = switch skipped.reason {
            case .emergencyAccount: skipped.action.rules.isEmpty
                ? "emergency access account (manual action without --allow-emergency-account)"
                : "emergency access account (the rule does not set allowEmergencyAccounts: true)"
            case .alreadyInEffect: "already \(skipped.action.target.riskState ?? "in effect")"
            case .alreadyExecuted: "already executed (audit log)"
            case .sessionsAlreadyRevoked: "sessions already revoked after the newest detection"
            }
            finish(RiskActionOutcome(action: skipped.action, result: .skipped, detail: detail, approval: Self.approvalStatus(skipped.action, approval)))
        }

        // Approval and earlier executions.
        var runnable: [RiskPlannedAction] = []
        for action in plan.actions {
            let status = Self.approvalStatus(action, approval)
            if status == "pending" {
                finish(RiskActionOutcome(action: action, result: .skipped, detail: "awaiting approval (--approve \(action.id) or --approve-all)",
                                         approval: status))
            } else if executedActionIds.contains(action.id) {
                finish(RiskActionOutcome(action: action, result: .skipped, detail: "already executed (audit log)", approval: status,
                                         approvedBy: approval.approvedBy))
            } else {
                runnable.append(action)
            }
        }
        if let auditBroken {
            for action in runnable {
                let outcome = RiskActionOutcome(action: action, result: .failed, detail: "not run: the audit log cannot be written (\(auditBroken))",
                                                approval: Self.approvalStatus(action, approval))
                report.outcomes.append(outcome)
                progress(outcome)
            }
            return report
        }

        /// Reads one thing about every runnable target, one call per kind of target. When a kind's read
        /// fails, its actions fail with the reason and leave `runnable`.
        func readForEachKind<Value>(_ what: String, _ read: ([String], RiskSubject) async throws -> [String: Value]) async
            -> [RiskSubject: [String: Value]] {
            var values: [RiskSubject: [String: Value]] = [:]
            for kind in [RiskSubject.users, .servicePrincipals] {
                let ids = Array(Set(runnable.filter { $0.target.kind == kind }.map { $0.target.id.lowercased() })).sorted()
                guard !ids.isEmpty else { continue }
                do {
                    values[kind] = Self.lowercasedKeys(try await read(ids, kind))
                } catch {
                    for action in runnable where action.target.kind == kind {
                        finish(RiskActionOutcome(action: action, result: .failed, detail: "could not read \(what): \(error)",
                                                 approval: Self.approvalStatus(action, approval), approvedBy: approval.approvedBy))
                    }
                    runnable.removeAll { $0.target.kind == kind }
                }
            }
            return values
        }

        // Fresh state of every target.
        let current = await readForEachKind("the current risk state") { ids, kind in try await tenant.currentState(of: ids, kind: kind) }

        // When each user's sessions were last revoked, for revocations the rules asked for (a manual
        // revocation always runs). Unknown when it cannot be read: the revocation then runs.
        let revoking = runnable.filter { $0.action == .revokeSignInSessions && !$0.rules.isEmpty }.map { $0.target.id.lowercased() }
        let sessionsValidFrom = revoking.isEmpty ? [:] : Self.lowercasedKeys((try? await tenant.signInSessionsValidFrom(userIds: revoking)) ?? [:])

        // Detections still open for each target of a saved plan (one with an expiry: made in an
        // earlier run): one that appeared since the plan makes it stale. A plan made in this run read
        // the detections moments ago, so its targets are not read again (one request per target).
        let open: [RiskSubject: [String: [RiskEvidence]]] = plan.expiresAt == nil ? [:]
            : await readForEachKind("the open risk detections") { ids, kind in try await tenant.openDetections(of: ids, kind: kind) }
        let plannedAt = GraphTime.date(plan.generatedAt)

        // Staleness and idempotency.
        var toRun: [RiskPlannedAction] = []
        for action in runnable {
            let state = current[action.target.kind]?[action.target.id.lowercased()]
            if action.action == .revokeSignInSessions, !action.rules.isEmpty,
               let validFrom = sessionsValidFrom[action.target.id.lowercased()],
               RiskActionState.sessionsRevoked(after: action.evidence, validFrom: validFrom) {
                finish(RiskActionOutcome(action: action, result: .skipped, detail: "sessions already revoked at \(validFrom), after the newest detection",
                                         approval: Self.approvalStatus(action, approval), approvedBy: approval.approvedBy, before: state))
            } else if let reason = Self.staleReason(action, current: state)
                        ?? Self.newDetectionsReason(action, open: open[action.target.kind]?[action.target.id.lowercased()] ?? [], plannedAt: plannedAt) {
                finish(RiskActionOutcome(action: action, result: .skipped, detail: reason, approval: Self.approvalStatus(action, approval),
                                         approvedBy: approval.approvedBy, before: state))
            } else {
                toRun.append(action)
            }
        }

        // Writes: confirm and dismiss batched per kind, revocations one by one. Each call is audited
        // as `started` before it is sent and with its result as soon as its answer arrives, so a run
        // killed at any moment leaves a line for every write it may have made (a later run then finds
        // the action in effect and skips it).
        var written: [RiskActionOutcome] = []
        func write(_ chunk: [RiskPlannedAction], _ call: () async throws -> RiskWriteResult) async {
            for action in chunk {
                let status = Self.approvalStatus(action, approval)
                let started = RiskActionOutcome(action: action, result: .executed, approval: status,
                                                approvedBy: action.approvalRequired ? approval.approvedBy : nil)
                record(started, result: RiskAuditRecord.started, detail: "calling \(action.action.rawValue)")
            }
            let result: RiskWriteResult?
            let failure: String?
            if let auditBroken {
                // Never act without the line that says so.
                result = nil
                failure = "not run: the audit log cannot be written (\(auditBroken))"
            } else {
                do {
                    result = try await call()
                    failure = nil
                } catch {
                    result = nil
                    failure = "\(error)"
                }
                report.writeCalls += 1
            }
            for action in chunk {
                let before = current[action.target.kind]?[action.target.id.lowercased()]
                let status = Self.approvalStatus(action, approval)
                let by = action.approvalRequired ? approval.approvedBy : nil
                let outcome = if let result {
                    RiskActionOutcome(action: action, result: .executed, detail: "HTTP \(result.status)", approval: status, approvedBy: by,
                                      requestIds: result.requestId.map { [$0] } ?? [], clientRequestIds: result.clientRequestId.map { [$0] } ?? [],
                                      before: before)
                } else {
                    RiskActionOutcome(action: action, result: .failed, detail: failure, approval: status, approvedBy: by, before: before)
                }
                record(outcome)
                progress(outcome)
                written.append(outcome)
            }
        }
        for kind in [RiskSubject.users, .servicePrincipals] {
            for verb in [RiskAction.confirmCompromised, .dismiss] {
                let batch = toRun.filter { $0.target.kind == kind && $0.action == verb }
                for start in stride(from: 0, to: batch.count, by: batchSize) {
                    let chunk = Array(batch[start..<min(start + batchSize, batch.count)])
                    let ids = chunk.map(\.target.id)
                    await write(chunk) {
                        verb == .confirmCompromised ? try await tenant.confirmCompromised(ids, kind: kind) : try await tenant.dismiss(ids, kind: kind)
                    }
                }
            }
        }
        for action in toRun where action.action == .revokeSignInSessions {
            await write([action]) { try await tenant.revokeSignInSessions(userId: action.target.id) }
        }

        // Then follow along: the resulting risk of every target, for the report.
        var after: [RiskSubject: [String: RiskObservedState]] = [:]
        for kind in [RiskSubject.users, .servicePrincipals] {
            let ids = Array(Set(written.filter { $0.action.target.kind == kind }.map { $0.action.target.id.lowercased() })).sorted()
            guard !ids.isEmpty else { continue }
            after[kind] = (try? await tenant.currentState(of: ids, kind: kind)).map(Self.lowercasedKeys)
        }
        for var outcome in written {
            outcome.after = after[outcome.action.target.kind]?[outcome.action.target.id.lowercased()]
            report.outcomes.append(outcome)
        }
        return report
    }

    // MARK: Pieces

    static func lowercasedKeys<Value>(_ values: [String: Value]) -> [String: Value] {
        Dictionary(values.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    static func approvalStatus(_ action: RiskPlannedAction, _ approval: RiskApproval) -> String {
        guard action.approvalRequired else { return "notRequired" }
        if approval.approvedIds.contains(action.id) { return "approvedById" }
        if approval.approveAll { return "approvedAll" }
        return "pending"
    }

    /// Why an action no longer applies, or nil when it should run: already in effect, the target
    /// deleted, no longer risky, or its risk state or level changed since the plan.
    static func staleReason(_ action: RiskPlannedAction, current: RiskObservedState?) -> String? {
        let noun = action.target.kind == .users ? "user" : "service principal"
        if current?.isDeleted == true { return "the \(noun) was deleted since the plan" }
        if RiskActionState.alreadyInEffect(action.action, riskState: current?.riskState) {
            return "already \(current?.riskState ?? "in effect") (nothing to do)"
        }
        if action.action == .dismiss, current == nil { return "not a risky \(noun) any more" }
        if let planned = action.target.riskState {
            guard let now = current?.riskState else { return "not a risky \(noun) any more (was \(planned) when planned)" }
            if now != planned { return "changed since the plan: riskState \(planned) → \(now)" }
        }
        if let planned = action.target.riskLevel, let now = current?.riskLevel, now != planned {
            return "changed since the plan: riskLevel \(planned) → \(now); plan again"
        }
        return nil
    }

    /// Why open detections that appeared after the plan was made (detected or updated later, and not
    /// its evidence) make the action stale: a dismiss would silently clear the new risk.
    static func newDetectionsReason(_ action: RiskPlannedAction, open: [RiskEvidence], plannedAt: Date?) -> String? {
        guard let plannedAt else { return nil }
        let known = Set(action.evidence.map(\.id))
        let fresh = open.filter { detection in
            guard !known.contains(detection.id) else { return false }
            let times = [detection.detectedDateTime, detection.lastUpdatedDateTime].compactMap { $0.flatMap(GraphTime.date) }
            // A time that cannot be read counts as new: never act on facts that cannot be compared.
            return times.isEmpty || times.contains { $0 > plannedAt }
        }.sorted { $0.id < $1.id }
        guard !fresh.isEmpty else { return nil }
        let listed = fresh.prefix(3).map { "\($0.riskEventType ?? "detection") \($0.riskLevel ?? "?") (\($0.id.prefix(12))…)" }
        return "new risk detection\(fresh.count == 1 ? "" : "s") since the plan: \(listed.joined(separator: ", "))\(fresh.count > 3 ? " and \(fresh.count - 3) more" : ""); plan again"
    }

    /// Why an expired plan must not run, or nil. A plan without an expiry (made in this run) never expires.
    static func expiryRefusal(_ plan: RiskPlan, now: Date) -> String? {
        guard let text = plan.expiresAt else { return nil }
        guard let expiry = GraphTime.date(text) else { return "the risk plan's expiresAt '\(text)' cannot be read; nothing was run" }
        guard now < expiry else {
            return "the risk plan expired at \(text) (made at \(plan.generatedAt)); nothing was run: run risk plan again"
        }
        return nil
    }
}
