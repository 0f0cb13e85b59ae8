import Foundation
import PolicyEvaluation
import PolicyModel
import Testing

/// Regression (defects issue, items 3 and 4): a saved risk plan is sealed against edits, re-checked
/// against the configuration at apply time, refused when it expired, and an action is skipped when
/// the facts it was planned on changed (risk level, new open detections, a deleted user).
@Suite("Risk plan integrity and staleness")
struct RiskPlanIntegrityTests {
    static func runner(_ tenant: FakeRiskTenant) -> RiskActionRunner {
        RiskActionRunner(tenant: tenant, audit: RiskAuditMemory(), actor: "client test-app", now: { F.now })
    }

    static func states(_ users: [JSONValue]) -> [String: RiskObservedState] {
        Dictionary(uniqueKeysWithValues: users.map { ($0["id"]!.stringValue!, RiskObservedState(json: $0)) })
    }

    /// A sealed plan: one dismiss (approval required) for user 1, bound to a tenant, valid for 4 hours.
    static func sealedPlan() -> RiskPlan {
        var plan = F.evaluate([F.rule("dismiss-low", .dismiss, approval: .required)], users: [F.riskyUser(1, level: "low")],
                              detections: [F.detection("a", user: 1, level: "low")])
        plan.tenantId = "aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa"
        plan.expiresAt = GraphTime.string(F.now.addingTimeInterval(4 * 3_600))
        return plan.sealed()
    }

    static func reencoded(_ plan: RiskPlan) -> Data { plan.jsonData() }

    @Test func aSealedPlanRoundTrips() throws {
        let plan = Self.sealedPlan()
        let decoded = try RiskPlan.decode(plan.jsonData())
        #expect(decoded == plan)
        #expect(decoded.actions.count == 1)
    }

    @Test func anEditedPlanIsRefused() throws {
        let plan = Self.sealedPlan()
        // Any field edited, digest left alone.
        var approvalOff = plan
        approvalOff.actions[0].approvalRequired = false
        let approvalError = #expect(throws: RiskPlanFileError.self) { try RiskPlan.decode(approvalOff.jsonData()) }
        #expect(approvalError?.message.contains("modified after it was made") == true)

        // The target and action edited and the digest recomputed (anyone can): the action id no longer matches.
        var retargeted = plan
        retargeted.actions[0].target.id = F.userId(99)
        retargeted.actions[0].action = .confirmCompromised
        retargeted = retargeted.sealed()
        let idError = #expect(throws: RiskPlanFileError.self) { try RiskPlan.decode(retargeted.jsonData()) }
        #expect(idError?.message.contains("does not match its content") == true)

        // No digest at all (an older or hand-written plan).
        var unsealed = plan
        unsealed.planDigest = nil
        #expect(throws: RiskPlanFileError.self) { try RiskPlan.decode(unsealed.jsonData()) }

        // Manual actions are never saved.
        var manual = plan
        manual.actions[0].rules = []
        manual = manual.sealed()
        #expect(throws: RiskPlanFileError.self) { try RiskPlan.decode(manual.jsonData()) }
    }

    @Test func applyRechecksApprovalEmergencyAccessAndRulesFromTheConfiguration() throws {
        let plan = Self.sealedPlan()
        let rules = [F.rule("dismiss-low", .dismiss, approval: .required)]
        // A well-formed forgery: approval off, aimed at the emergency account, ids and digest recomputed.
        var forged = plan
        var action = forged.actions[0]
        action.target.id = F.userId(99)
        action.approvalRequired = false
        action.id = RiskRuleEvaluator.actionId(rules: action.rules, target: action.target, action: action.action, evidenceIds: action.evidence.map(\.id))
        forged.actions = [action]
        let decoded = try RiskPlan.decode(forged.sealed().jsonData())
        let reviewed = RiskPlanReview.recheck(decoded, rules: rules, emergencyAccountIds: [F.userId(99)])
        #expect(reviewed.actions.isEmpty)
        #expect(reviewed.skipped.map(\.reason) == [.emergencyAccount])
        #expect(reviewed.skipped.first?.action.approvalRequired == true)

        // Approval comes from the rule, not the file.
        var approvalOff = decoded
        approvalOff.actions[0].target.id = F.userId(1)
        approvalOff.actions[0].approvalRequired = false
        #expect(RiskPlanReview.recheck(approvalOff, rules: rules, emergencyAccountIds: []).actions.first?.approvalRequired == true)

        // A rule that is gone, or says another action, runs nothing.
        let gone = RiskPlanReview.recheck(plan, rules: [], emergencyAccountIds: [])
        #expect(gone.actions.isEmpty)
        #expect(gone.errors.first?.message.contains("rule 'dismiss-low' is not in the configuration") == true)
        let changed = RiskPlanReview.recheck(plan, rules: [F.rule("dismiss-low", .confirmCompromised)], emergencyAccountIds: [])
        #expect(changed.actions.isEmpty)
        #expect(changed.errors.first?.message.contains("but rule 'dismiss-low' says confirmCompromised on users") == true)
    }

    @Test func onlySavedPlansReadTheOpenDetectionsAgain() async {
        // A plan made in this run (no expiry) read the detections moments ago: no request per target.
        let fresh = F.evaluate([F.rule("dismiss-low", .dismiss)], users: [F.riskyUser(1, level: "low")],
                               detections: [F.detection("a", user: 1, level: "low")])
        let tenant = FakeRiskTenant(states: Self.states([F.riskyUser(1, level: "low")]))
        let report = await Self.runner(tenant).run(fresh)
        #expect(report.count(.executed) == 1)
        let reads = tenant.callLog.map(\.0)
        #expect(!reads.contains("readOpenDetections"))
        // A saved plan does read them.
        let saved = FakeRiskTenant(states: Self.states([F.riskyUser(1, level: "low")]))
        _ = await Self.runner(saved).run(Self.sealedPlan(), approval: RiskApproval(approveAll: true))
        let savedReads = saved.callLog.map(\.0)
        #expect(savedReads.contains("readOpenDetections"))
    }

    @Test func anExpiredPlanRunsNothing() async {
        var plan = Self.sealedPlan()
        plan.expiresAt = GraphTime.string(F.now.addingTimeInterval(-1))
        let tenant = FakeRiskTenant(states: Self.states([F.riskyUser(1, level: "low")]))
        let report = await Self.runner(tenant).run(plan, approval: RiskApproval(approveAll: true))
        #expect(report.outcomes.isEmpty)
        #expect(report.refusals.first?.hasPrefix("the risk plan expired at") == true)
        #expect(report.exitCode == 1)
        #expect(tenant.callLog.isEmpty)
    }

    @Test func aDismissIsSkippedWhenRiskRoseOrANewDetectionArrived() async {
        let plan = Self.sealedPlan()
        let approval = RiskApproval(approveAll: true)

        // The risk level rose since the plan (same riskState).
        let risen = FakeRiskTenant(states: Self.states([F.riskyUser(1, level: "high")]))
        let risenReport = await Self.runner(risen).run(plan, approval: approval)
        #expect(risenReport.outcomes.first?.detail == "changed since the plan: riskLevel low → high; plan again")
        #expect(!risen.callLog.contains { $0.0 == "dismiss" })

        // A new high detection after the plan was made, level unchanged as yet.
        let fresh = FakeRiskTenant(states: Self.states([F.riskyUser(1, level: "low")]))
        fresh.addOpenDetection(F.userId(1), RiskEvidence(id: "b", riskEventType: "anonymizedIPAddress", riskLevel: "high",
                                                         detectedDateTime: GraphTime.string(F.now.addingTimeInterval(60))))
        // An old open detection the rules did not select does not count as new.
        fresh.addOpenDetection(F.userId(1), RiskEvidence(id: "old", riskEventType: "unfamiliarFeatures", riskLevel: "low",
                                                         detectedDateTime: GraphTime.string(F.now.addingTimeInterval(-86_400))))
        let freshReport = await Self.runner(fresh).run(plan, approval: approval)
        #expect(freshReport.outcomes.first?.detail == "new risk detection since the plan: anonymizedIPAddress high (b…); plan again")
        #expect(!fresh.callLog.contains { $0.0 == "dismiss" })

        // The user was deleted since the plan.
        let deleted = FakeRiskTenant(states: [F.userId(1): RiskObservedState(riskLevel: "low", riskState: "atRisk", isDeleted: true)])
        let deletedReport = await Self.runner(deleted).run(plan, approval: approval)
        #expect(deletedReport.outcomes.first?.detail == "the user was deleted since the plan")

        // Nothing changed: it runs.
        let same = FakeRiskTenant(states: Self.states([F.riskyUser(1, level: "low")]))
        same.addOpenDetection(F.userId(1), RiskEvidence(id: "a", riskLevel: "low", detectedDateTime: GraphTime.string(F.now.addingTimeInterval(-3_600))))
        let sameReport = await Self.runner(same).run(plan, approval: approval)
        #expect(sameReport.count(.executed) == 1)
    }
}
