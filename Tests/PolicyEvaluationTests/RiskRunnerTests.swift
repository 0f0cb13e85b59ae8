import Foundation
import PlanRendering
import PolicyEvaluation
import PolicyModel
import TenantAccess
import Testing

@Suite("Risk action runner, audit log and renderers")
struct RiskRunnerTests {
    static func runner(_ tenant: FakeRiskTenant, _ audit: any RiskAuditSink) -> RiskActionRunner {
        RiskActionRunner(tenant: tenant, audit: audit, actor: "client test-app", now: { RiskFixtures.now })
    }

    static func states(_ users: [JSONValue]) -> [String: RiskObservedState] {
        Dictionary(uniqueKeysWithValues: users.map { ($0["id"]!.stringValue!, RiskObservedState(json: $0)) })
    }

    @Test func approvalGatesActionsAndIsRecorded() async {
        let users = [F.riskyUser(1), F.riskyUser(2)]
        let plan = F.evaluate([F.rule("r", approval: .required)], users: users, detections: [F.detection("a", user: 1), F.detection("b", user: 2)])
        let tenant = FakeRiskTenant(states: Self.states(users))
        let audit = RiskAuditMemory()
        let approved = plan.actions.first { $0.target.id == F.userId(2) }!.id
        let report = await Self.runner(tenant, audit).run(plan, approval: RiskApproval(approvedIds: [approved], approvedBy: "alice"))
        #expect(report.count(.executed) == 1)
        #expect(report.pendingApproval.map(\.action.target.id) == [F.userId(1)])
        #expect(report.exitCode == 2)
        #expect(tenant.state(F.userId(2))?.riskState == "confirmedCompromised")
        #expect(tenant.state(F.userId(1))?.riskState == "atRisk")
        let executed = audit.records.first { $0.result == "executed" }!
        #expect(executed.approval == .init(required: true, status: "approvedById", approvedBy: "alice"))
        #expect(executed.requestIds == ["req-1"])
        // --approve-all runs the rest.
        let all = await Self.runner(tenant, audit).run(plan, approval: RiskApproval(approveAll: true))
        #expect(all.count(.executed) == 1)
        #expect(all.outcomes.first { $0.result == .skipped }?.detail?.contains("already confirmedCompromised") == true)
        #expect(all.exitCode == 0)
    }

    @Test func stalePlanIsSkippedAndSecondRunDoesNothing() async {
        let users = [F.riskyUser(1), F.riskyUser(2)]
        let plan = F.evaluate([F.rule("r")], users: users, detections: [F.detection("a", user: 1), F.detection("b", user: 2)])
        let tenant = FakeRiskTenant(states: Self.states(users))
        // User 1 remediated since the plan was made.
        tenant.set(F.userId(1), RiskObservedState(riskLevel: "none", riskState: "remediated"))
        let audit = RiskAuditMemory()
        let first = await Self.runner(tenant, audit).run(plan)
        #expect(first.outcomes.first { $0.action.target.id == F.userId(1) }?.detail == "changed since the plan: riskState atRisk → remediated")
        #expect(first.count(.executed) == 1)
        #expect(first.outcomes.first { $0.result == .executed }?.after == RiskObservedState(riskLevel: "high", riskState: "confirmedCompromised"))
        let writesBefore = tenant.callLog.filter { !$0.0.hasPrefix("read") }.count
        let second = await Self.runner(tenant, audit).run(plan)
        #expect(second.count(.executed) == 0)
        #expect(tenant.callLog.filter { !$0.0.hasPrefix("read") }.count == writesBefore)
        // The audit log says it was executed: skipped without even reading.
        let third = await Self.runner(tenant, audit).run(plan, executedActionIds: Set(first.outcomes.filter { $0.result == .executed }.map(\.action.id)))
        #expect(third.outcomes.contains { $0.detail == "already executed (audit log)" })
    }

    @Test func revocationRunsOnceEvenWithoutTheAuditLog() async {
        let users = [F.riskyUser(1), F.riskyUser(2)]
        let rule = F.rule("revoke", .revokeSignInSessions) { $0.riskEventTypes = ["anomalousToken"] }
        let plan = F.evaluate([rule], users: users, detections: [F.detection("a", user: 1, type: "anomalousToken", hoursAgo: 2)])
        let tenant = FakeRiskTenant(states: Self.states(users))
        let first = await Self.runner(tenant, RiskAuditMemory()).run(plan)
        #expect(first.count(.executed) == 1)
        // A scheduled run on a fresh machine: no audit log, the same plan. The user's sessions were
        // revoked after the detection, so nothing is revoked again.
        let audit = RiskAuditMemory()
        let second = await Self.runner(tenant, audit).run(plan)
        #expect(second.count(.executed) == 0)
        let skipped = second.outcomes.first { $0.result == .skipped }
        #expect(skipped?.detail == "sessions already revoked at 2026-11-22T12:00:00Z, after the newest detection")
        #expect(audit.records.map(\.result) == ["skipped"])
        #expect(tenant.callLog.filter { $0.0 == "revoke" }.count == 1)
        // A newer detection than the revocation: revoked again.
        let later = F.evaluate([rule], users: users, detections: [F.detection("b", user: 1, type: "anomalousToken", hoursAgo: -1)])
        #expect(await Self.runner(tenant, RiskAuditMemory()).run(later).count(.executed) == 1)
    }

    @Test func confirmAndDismissAreBatchedBySixty() async {
        let users = (1...130).map { F.riskyUser($0) }
        let plan = F.evaluate([F.rule("r"), F.rule("rv", .revokeSignInSessions) { $0.userRiskLevels = [.low] }],
                              users: users, detections: (1...130).map { F.detection("d\($0)", user: $0) })
        let tenant = FakeRiskTenant(states: Self.states(users))
        let report = await Self.runner(tenant, RiskAuditMemory()).run(plan)
        let writes = tenant.callLog.filter { $0.0 == "confirmCompromised" }
        #expect(writes.map(\.1.count) == [60, 60, 10])
        #expect(report.writeCalls == 3)
        #expect(report.count(.executed) == 130)
    }

    @Test func failuresAreReportedAndAudited() async {
        let users = [F.riskyUser(1, level: "low")]
        let plan = F.evaluate([F.rule("d", .dismiss)], users: users, detections: [F.detection("a", user: 1, level: "low")])
        let tenant = FakeRiskTenant(states: Self.states(users))
        tenant.failDismiss = true
        let audit = RiskAuditMemory()
        let report = await Self.runner(tenant, audit).run(plan)
        #expect(report.count(.failed) == 1)
        #expect(report.exitCode == 1)
        #expect(audit.records.map(\.result) == ["started", "failed"])
        #expect(audit.records[1].detail == "503 service unavailable")
    }

    /// Regression (chaos suite: `risk apply` SIGKILLed during its writes): every outcome was audited
    /// only after the last write, so a run killed between writes had executed actions without a line.
    /// Now each write has a `started` line before it is sent and its result line before the next write.
    @Test func eachWriteIsAuditedBeforeItIsSentAndAsSoonAsItsAnswerArrives() async {
        let audit = RiskAuditMemory()
        let users = [F.riskyUser(1), F.riskyUser(2)]
        let tenant = AuditObservingTenant(inner: FakeRiskTenant(states: Self.states(users)), audit: audit)
        let actions = [1, 2].map { user in
            let target = RiskTarget(kind: .users, id: F.userId(user), name: F.upn(user), riskLevel: nil, riskState: nil)
            return RiskPlannedAction(
                id: RiskRuleEvaluator.actionId(rules: ["manual:INC-1"], target: target, action: .revokeSignInSessions, evidenceIds: []),
                action: .revokeSignInSessions, target: target, rules: [], reason: "INC-1", approvalRequired: false, evidence: [])
        }
        let report = await RiskActionRunner(tenant: tenant, audit: audit, actor: "client test-app", now: { RiskFixtures.now })
            .run(RiskPlan(generatedAt: "now", actions: actions))
        #expect(report.count(.executed) == 2)
        // What the audit log held at the moment each write was sent.
        #expect(tenant.seenAtEachWrite == [
            ["started \(F.userId(1))"],
            ["started \(F.userId(1))", "executed \(F.userId(1))", "started \(F.userId(2))"],
        ])
        #expect(audit.records.map(\.result) == ["started", "executed", "started", "executed"])
    }

    @Test func anUnreadableRiskStateFailsTheActionsWithoutWriting() async {
        let users = [F.riskyUser(1, level: "low")]
        let plan = F.evaluate([F.rule("d", .dismiss)], users: users, detections: [F.detection("a", user: 1, level: "low")])
        let tenant = FakeRiskTenant(states: Self.states(users))
        tenant.failStateReads = true
        let audit = RiskAuditMemory()
        let report = await Self.runner(tenant, audit).run(plan)
        #expect(report.count(.failed) == 1)
        #expect(report.outcomes.first?.detail == "could not read the current risk state: 503 service unavailable")
        #expect(tenant.callLog.map(\.0) == ["read"])
        #expect(tenant.state(users[0]["id"]!.stringValue!)?.riskState == "atRisk")
    }

    @Test func planErrorsAndSkipsAreAudited() async {
        let users = [F.riskyUser(1), F.riskyUser(9)]
        let plan = F.evaluate([F.rule("c"), F.rule("d", .dismiss)], users: users,
                              detections: [F.detection("a", user: 1), F.detection("b", user: 9)], emergencyUsers: [F.userId(9)])
        let audit = RiskAuditMemory()
        let report = await Self.runner(FakeRiskTenant(states: Self.states(users)), audit).run(plan)
        #expect(report.exitCode == 1)
        let results = audit.records.map { "\($0.result) \($0.target?.id ?? "-")" }.sorted()
        #expect(results == ["skipped \(F.userId(1))", "skipped \(F.userId(9))", "skipped \(F.userId(9))"])
        #expect(audit.records.contains { $0.detail?.hasPrefix("conflict:") == true })
    }

    @Test func auditFileIsAppendOnlyUnderConcurrentWriters() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("entraform-audit-\(UUID().uuidString)")
        let file = RiskAuditFile(path: directory.appendingPathComponent("nested/audit.jsonl").path)
        let evidence = (0..<30).map { RiskEvidence(id: String(repeating: "e", count: 64) + "\($0)", riskEventType: "leakedCredentials") }
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    for index in 0..<100 {
                        try? file.append(RiskAuditRecord(time: "t", runId: "run-\(writer)", actor: "a", actionId: "\(writer)-\(index)",
                                                         evidence: evidence, result: "executed"))
                    }
                }
            }
        }
        let text = try String(contentsOfFile: file.path, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 400)
        #expect(file.records().count == 400)
        #expect(file.executedActionIds().count == 400)
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        try? FileManager.default.removeItem(at: directory)
    }

    @Test func renderersShowIdsEvidenceAndFollowAlong() async throws {
        let users = [F.riskyUser(1)]
        let plan = F.evaluate([F.rule("leaked", approval: .required)], users: users, detections: [F.detection("d1", user: 1)])
        let id = plan.actions[0].id
        let text = RiskPlanRenderer.render(plan, format: .text)
        #expect(text.contains("[\(id)] confirmCompromised user \(F.upn(1))"))
        #expect(text.contains("APPROVAL REQUIRED"))
        #expect(text.contains("leakedCredentials · high · offline · 198.51.100.7 · Rotterdam, Zuid-Holland, NL"))
        #expect(RiskPlanRenderer.render(plan, format: .markdown).contains("| `\(id)` | confirmCompromised |"))
        var saved = plan
        saved.tenantId = "aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa"
        saved.expiresAt = GraphTime.string(F.now.addingTimeInterval(3_600))
        let json = RiskPlanRenderer.render(saved.sealed(), format: .json)
        let decoded = try RiskPlan.decode(Data(json.utf8))
        #expect(decoded == saved.sealed())
        #expect(try JSONValue.decode(exportedData: Data(json.utf8))["formatVersion"] == 1)

        let tenant = FakeRiskTenant(states: Self.states(users))
        let report = await Self.runner(tenant, RiskAuditMemory()).run(plan, approval: RiskApproval(approveAll: true))
        let rendered = RiskApplyReportRenderer.render(report, format: .text)
        #expect(rendered.contains("\(F.upn(1)): high/atRisk → high/confirmedCompromised"))
        #expect(RiskApplyReportRenderer.render(report, format: .markdown).contains("| executed | `\(id)` |"))
        #expect(try JSONValue.decode(exportedData: Data(RiskApplyReportRenderer.render(report, format: .json).utf8))["formatVersion"] == 1)
    }
}

/// A tenant that notes what the audit log held when each write reached it.
final class AuditObservingTenant: RiskResponding, @unchecked Sendable {
    let inner: FakeRiskTenant
    let audit: RiskAuditMemory
    private let lock = NSLock()
    private var seen: [[String]] = []

    init(inner: FakeRiskTenant, audit: RiskAuditMemory) {
        self.inner = inner
        self.audit = audit
    }

    var seenAtEachWrite: [[String]] { lock.withLock { seen } }

    private func note() {
        let lines = audit.records.map { "\($0.result) \($0.target?.id ?? "-")" }
        lock.withLock { seen.append(lines) }
    }

    func currentState(of ids: [String], kind: RiskSubject) async throws -> [String: RiskObservedState] {
        try await inner.currentState(of: ids, kind: kind)
    }
    func confirmCompromised(_ ids: [String], kind: RiskSubject) async throws -> RiskWriteResult {
        note()
        return try await inner.confirmCompromised(ids, kind: kind)
    }
    func dismiss(_ ids: [String], kind: RiskSubject) async throws -> RiskWriteResult {
        note()
        return try await inner.dismiss(ids, kind: kind)
    }
    func revokeSignInSessions(userId: String) async throws -> RiskWriteResult {
        note()
        return try await inner.revokeSignInSessions(userId: userId)
    }
    func signInSessionsValidFrom(userIds: [String]) async throws -> [String: String] {
        try await inner.signInSessionsValidFrom(userIds: userIds)
    }
    func openDetections(of ids: [String], kind: RiskSubject) async throws -> [String: [RiskEvidence]] {
        try await inner.openDetections(of: ids, kind: kind)
    }
}
