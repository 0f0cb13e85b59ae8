import Foundation
import PolicyModel
import Reconciliation
import Testing

/// Staged rollout: the gate table (too early, too few sign-ins, over the rate, pilot ring, rollback),
/// stage classification, stage start from the audit log and its fallbacks, evidence counting, and the
/// bodies each stage plans.
@Suite("Staged rollout")
struct RolloutStagingTests {
    static let pilotGroup = "9e9e9e9e-1111-4222-8333-944455556666"
    static let policyId = "50505050-1111-4222-8333-944455556666"
    static let now = ISO8601DateTime.parse("2026-12-01T12:00:00Z")!

    static func rollout(pilot: Bool = true, maxFailureRate: String? = "2%", minimumSignIns: Int? = 20, rollbackAbove: String? = "10%",
                        pilotMinimum: Int? = nil) -> ResolvedRollout {
        var rollout = Rollout(reportOnlyFor: TimeWindow(parsing: "7d")!)
        if pilot {
            var ring = Rollout.Pilot(includeGroups: [DirectoryReference(parsing: "CA-Pilot")], for: TimeWindow(parsing: "3d")!)
            ring.minimumSignIns = pilotMinimum
            rollout.pilot = ring
        }
        rollout.maxFailureRate = maxFailureRate.flatMap(Percentage.init(parsing:))
        rollout.minimumSignIns = minimumSignIns
        rollout.rollbackAbove = rollbackAbove.flatMap(Percentage.init(parsing:))
        return ResolvedRollout(rollout, pilotGroupIds: pilot ? [pilotGroup] : [])
    }

    static func evidence(days: Double, evaluated: Int, failing: Int) -> RolloutEvidence {
        RolloutEvidence(stageStart: "2026-11-01T00:00:00Z", stageStartSource: .auditLog, secondsInStage: Int(days * 86_400),
                        evaluated: evaluated, failing: failing)
    }

    // MARK: The gate table

    struct GateRow: Sendable, CustomTestStringConvertible {
        var name: String
        var stage: RolloutStage
        var rollout: ResolvedRollout
        var evidence: RolloutEvidence?
        var verdict: RolloutVerdict
        var target: RolloutStage
        var testDescription: String { name }
    }

    static let gateRows: [GateRow] = [
        GateRow(name: "absent: created in report-only", stage: .absent, rollout: rollout(), evidence: nil, verdict: .start, target: .reportOnly),
        GateRow(name: "disabled: starts again", stage: .disabled, rollout: rollout(), evidence: nil, verdict: .start, target: .reportOnly),
        GateRow(name: "report-only, too early", stage: .reportOnly, rollout: rollout(), evidence: evidence(days: 6.9, evaluated: 500, failing: 0),
                verdict: .hold(.tooEarly(secondsInStage: Int(6.9 * 86_400), requiredSeconds: 7 * 86_400)), target: .reportOnly),
        GateRow(name: "report-only, too few sign-ins", stage: .reportOnly, rollout: rollout(), evidence: evidence(days: 8, evaluated: 19, failing: 0),
                verdict: .hold(.tooFewSignIns(observed: 19, required: 20)), target: .reportOnly),
        GateRow(name: "report-only, over the rate", stage: .reportOnly, rollout: rollout(), evidence: evidence(days: 8, evaluated: 100, failing: 3),
                verdict: .hold(.failureRateAbove(rate: 3, limit: 2)), target: .reportOnly),
        GateRow(name: "report-only, exactly at the rate: advances", stage: .reportOnly, rollout: rollout(),
                evidence: evidence(days: 7, evaluated: 100, failing: 2), verdict: .advance, target: .pilot),
        GateRow(name: "report-only without a pilot: to everyone", stage: .reportOnly, rollout: rollout(pilot: false),
                evidence: evidence(days: 7, evaluated: 100, failing: 0), verdict: .advance, target: .enforced),
        GateRow(name: "report-only, no thresholds: time alone", stage: .reportOnly,
                rollout: rollout(pilot: false, maxFailureRate: nil, minimumSignIns: nil, rollbackAbove: nil),
                evidence: evidence(days: 7, evaluated: 0, failing: 0), verdict: .advance, target: .enforced),
        GateRow(name: "report-only, no evidence: holds", stage: .reportOnly, rollout: rollout(), evidence: nil,
                verdict: .hold(.evidenceUnavailable("denied")), target: .reportOnly),
        GateRow(name: "pilot, too early", stage: .pilot, rollout: rollout(), evidence: evidence(days: 2, evaluated: 50, failing: 0),
                verdict: .hold(.tooEarly(secondsInStage: 2 * 86_400, requiredSeconds: 3 * 86_400)), target: .pilot),
        GateRow(name: "pilot, its own minimum", stage: .pilot, rollout: rollout(pilotMinimum: 5), evidence: evidence(days: 3, evaluated: 5, failing: 0),
                verdict: .advance, target: .enforced),
        GateRow(name: "pilot, the rollout's minimum", stage: .pilot, rollout: rollout(), evidence: evidence(days: 3, evaluated: 5, failing: 0),
                verdict: .hold(.tooFewSignIns(observed: 5, required: 20)), target: .pilot),
        GateRow(name: "pilot, between the rate and the rollback: holds", stage: .pilot, rollout: rollout(),
                evidence: evidence(days: 4, evaluated: 100, failing: 5), verdict: .hold(.failureRateAbove(rate: 5, limit: 2)), target: .pilot),
        GateRow(name: "pilot over rollbackAbove: rolled back, even early", stage: .pilot, rollout: rollout(),
                evidence: evidence(days: 1, evaluated: 40, failing: 8), verdict: .rollback(rate: 20, limit: 10), target: .reportOnly),
        GateRow(name: "enforced within the limit: complete", stage: .enforced, rollout: rollout(),
                evidence: evidence(days: 30, evaluated: 1000, failing: 100), verdict: .complete, target: .enforced),
        GateRow(name: "enforced over rollbackAbove: rolled back", stage: .enforced, rollout: rollout(),
                evidence: evidence(days: 1, evaluated: 1000, failing: 101), verdict: .rollback(rate: 10.1, limit: 10), target: .reportOnly),
        GateRow(name: "enforced over the limit on too few sign-ins: complete", stage: .enforced, rollout: rollout(),
                evidence: evidence(days: 1, evaluated: 19, failing: 19), verdict: .complete, target: .enforced),
        GateRow(name: "enforced without rollbackAbove: complete", stage: .enforced, rollout: rollout(rollbackAbove: nil),
                evidence: evidence(days: 1, evaluated: 100, failing: 100), verdict: .complete, target: .enforced),
        GateRow(name: "enforced without evidence: complete", stage: .enforced, rollout: rollout(), evidence: nil,
                verdict: .complete, target: .enforced),
    ]

    @Test("gate", arguments: gateRows)
    func gate(_ row: GateRow) {
        let decided = RolloutStaging.verdict(stage: row.stage, rollout: row.rollout, evidence: row.evidence, problem: "denied")
        #expect(decided.verdict == row.verdict)
        #expect(decided.target == row.target)
    }

    // MARK: Stages and bodies

    static func declared(includeUsers: [JSONValue] = ["All"]) -> JSONValue {
        ["displayName": "CA150", "state": "enabled",
         "conditions": ["users": ["includeUsers": .array(includeUsers), "excludeGroups": ["2e1f3c4a-1111-4222-8333-944455556666"],
                                  "includeGroups": [], "includeRoles": []],
                        "applications": ["includeApplications": ["All"]]],
         "grantControls": ["operator": "OR", "builtInControls": ["mfa"]]]
    }

    @Test func eachStageHasItsBodyAndIsRecognisedFromIt() {
        let rollout = Self.rollout()
        let declared = Self.declared()
        let reportOnly = RolloutStaging.body(declared, at: .reportOnly, rollout: rollout)
        let pilot = RolloutStaging.body(declared, at: .pilot, rollout: rollout)
        let enforced = RolloutStaging.body(declared, at: .enforced, rollout: rollout)
        #expect(reportOnly["state"] == "enabledForReportingButNotEnforced")
        #expect(reportOnly["conditions"] == declared["conditions"])
        #expect(pilot["state"] == "enabled")
        #expect(pilot["conditions"]?["users"]?["includeGroups"] == [.string(Self.pilotGroup)])
        #expect(pilot["conditions"]?["users"]?["includeUsers"] == [])
        #expect(pilot["conditions"]?["users"]?["excludeGroups"] == declared["conditions"]?["users"]?["excludeGroups"])
        #expect(enforced == declared)
        for (body, stage) in [(reportOnly, RolloutStage.reportOnly), (pilot, .pilot), (enforced, .enforced)] {
            #expect(RolloutStaging.stage(of: body, rollout: rollout, declared: declared) == stage)
        }
        var disabled = declared
        disabled["state"] = "disabled"
        #expect(RolloutStaging.stage(of: disabled, rollout: rollout, declared: declared) == .disabled)
        #expect(RolloutStaging.stage(of: nil, rollout: rollout, declared: declared) == .absent)
    }

    @Test func aPolicyWhoseAudienceIsThePilotGroupIsEnforcedNotPiloting() {
        let rollout = Self.rollout()
        var declared = Self.declared(includeUsers: [])
        declared["conditions"]?["users"]?["includeGroups"] = [.string(Self.pilotGroup)]
        #expect(RolloutStaging.stage(of: declared, rollout: rollout, declared: declared) == .enforced)
    }

    // MARK: Stage start and evidence

    static func live(state: String, modified: String = "2026-11-30T08:00:00Z") -> JSONValue {
        var policy = declared()
        policy["id"] = .string(policyId)
        policy["state"] = .string(state)
        policy["createdDateTime"] = "2026-11-01T08:00:00Z"
        policy["modifiedDateTime"] = .string(modified)
        return policy
    }

    static func audit(_ time: String, old: JSONValue?, new: JSONValue?) -> JSONValue {
        func text(_ value: JSONValue?) -> JSONValue { value.map { .string($0.serializedString()) } ?? .null }
        return ["activityDateTime": .string(time), "activityDisplayName": "Update conditional access policy",
                "targetResources": [["id": .string(policyId),
                                     "modifiedProperties": [["displayName": "ConditionalAccessPolicy", "oldValue": text(old), "newValue": text(new)]]]]]
    }

    static func signIn(_ time: String, result: String, user: String = "u1", app: String = "Exchange") -> JSONValue {
        ["createdDateTime": .string(time), "userId": .string(user), "appDisplayName": .string(app),
         "appliedConditionalAccessPolicies": [["id": .string(policyId.uppercased()), "result": .string(result)]]]
    }

    static func desired() -> [DesiredObject] {
        [DesiredObject(kind: .conditionalAccessPolicy, displayName: "CA150", body: declared(), rollout: rollout())]
    }

    @Test func theStageStartsAtTheLastChangeOfStageNotTheLastEdit() throws {
        let reportOnly = Self.live(state: "enabledForReportingButNotEnforced")
        var earlier = reportOnly
        earlier["conditions"]?["clientAppTypes"] = ["browser"]
        var disabled = reportOnly
        disabled["state"] = "disabled"
        let logs = RolloutLogs(signIns: [], audits: [
            Self.audit("2026-11-30T08:00:00Z", old: earlier, new: reportOnly),  // an edit within the stage
            Self.audit("2026-11-20T08:00:00Z", old: disabled, new: earlier),  // the change of stage
            Self.audit("2026-11-10T08:00:00Z", old: nil, new: disabled),
        ], auditWindowStart: Self.now.addingTimeInterval(-30 * 86_400))
        let (_, decisions) = RolloutStaging.stage(Self.desired(), live: [reportOnly], scope: ManagementScope(), logs: logs, now: Self.now)
        let evidence = try #require(decisions.first?.evidence)
        #expect(evidence.stageStart == "2026-11-20T08:00:00Z")
        #expect(evidence.stageStartSource == .auditLog)
    }

    @Test func withoutTheAuditLogTheStageStartsAtModifiedDateTime() throws {
        let logs = RolloutLogs(signIns: [], audits: nil)
        let live = Self.live(state: "enabledForReportingButNotEnforced", modified: "2026-11-29T12:00:00Z")
        let (desired, decisions) = RolloutStaging.stage(Self.desired(), live: [live], scope: ManagementScope(), logs: logs, now: Self.now)
        let decision = try #require(decisions.first)
        #expect(decision.evidence?.stageStartSource == .modifiedDateTime)
        #expect(decision.verdict == .hold(.tooEarly(secondsInStage: 2 * 86_400, requiredSeconds: 7 * 86_400)))
        #expect(desired[0].body["state"] == "enabledForReportingButNotEnforced")
    }

    @Test func anAuditLogWithNoChangeOfStageDatesTheStageBeforeItsWindow() throws {
        let live = Self.live(state: "enabledForReportingButNotEnforced")
        var earlier = live
        earlier["conditions"]?["clientAppTypes"] = ["browser"]
        let window = Self.now.addingTimeInterval(-30 * 86_400)
        let logs = RolloutLogs(signIns: [], audits: [Self.audit("2026-11-30T08:00:00Z", old: earlier, new: live)], auditWindowStart: window)
        let (_, decisions) = RolloutStaging.stage(Self.desired(), live: [live], scope: ManagementScope(), logs: logs, now: Self.now)
        let evidence = try #require(decisions.first?.evidence)
        #expect(evidence.stageStartSource == .beforeAuditWindow)
        #expect(evidence.secondsInStage == 30 * 86_400)
    }

    @Test func evidenceCountsTheStagesResultsSinceItsStartOnly() throws {
        let live = Self.live(state: "enabledForReportingButNotEnforced")
        let logs = RolloutLogs(signIns: [
            Self.signIn("2026-11-25T08:00:00Z", result: "reportOnlySuccess"),
            Self.signIn("2026-11-25T09:00:00Z", result: "reportOnlyFailure", user: "u2", app: "Teams"),
            Self.signIn("2026-11-25T10:00:00Z", result: "reportOnlyInterrupted", user: "u2"),
            Self.signIn("2026-11-25T11:00:00Z", result: "reportOnlyInterrupted", user: "u3"),
            Self.signIn("2026-11-25T12:00:00Z", result: "reportOnlyNotApplied"),
            Self.signIn("2026-11-25T13:00:00Z", result: "success"),  // an enforced result: another stage
            Self.signIn("2026-11-01T08:00:00Z", result: "reportOnlyFailure"),  // before the stage
        ], audits: [Self.audit("2026-11-20T08:00:00Z", old: nil, new: live)], auditWindowStart: Self.now.addingTimeInterval(-30 * 86_400))
        let (_, decisions) = RolloutStaging.stage(Self.desired(), live: [live], scope: ManagementScope(), logs: logs, now: Self.now)
        let evidence = try #require(decisions.first?.evidence)
        #expect(evidence.evaluated == 4)
        #expect(evidence.failing == 3)
        #expect(evidence.interrupted == 2)
        #expect(evidence.failingUsers == 2)
        #expect(evidence.topApplications == [.init(application: "Exchange", signIns: 2), .init(application: "Teams", signIns: 1)])
    }

    @Test func unreadableSignInsHoldWithTheReason() throws {
        let live = Self.live(state: "enabledForReportingButNotEnforced", modified: "2026-11-01T08:00:00Z")
        let logs = RolloutLogs(signIns: nil, signInProblem: "the sign-in log needs AuditLog.Read.All", audits: nil)
        let (desired, decisions) = RolloutStaging.stage(Self.desired(), live: [live], scope: ManagementScope(), logs: logs, now: Self.now)
        #expect(decisions.first?.verdict == .hold(.evidenceUnavailable("the sign-in log needs AuditLog.Read.All")))
        #expect(desired[0].body["state"] == "enabledForReportingButNotEnforced")
    }

    @Test func driftComparesAStagedPolicyWithTheStageTheTenantShows() {
        let rollout = Self.rollout()
        var pilot = RolloutStaging.body(Self.declared(), at: .pilot, rollout: rollout)
        pilot["id"] = .string(Self.policyId)
        pilot["displayName"] = "CA150"
        let staged = RolloutStaging.atLiveStage(Self.desired(), live: [pilot], scope: ManagementScope())
        #expect(staged[0].body["conditions"]?["users"]?["includeGroups"] == [.string(Self.pilotGroup)])
        var disabled = pilot
        disabled["state"] = "disabled"
        let restarted = RolloutStaging.atLiveStage(Self.desired(), live: [disabled], scope: ManagementScope())
        #expect(restarted[0].body["state"] == "enabledForReportingButNotEnforced")
    }

    @Test(arguments: ["2%", "0.5%", "100%", "0%"])
    func percentagesParse(_ text: String) {
        #expect(Percentage(parsing: text)?.description == text)
    }

    @Test(arguments: ["2", "101%", "-1%", "1e1%", "%", "nan%", "0x10%", " 2%"])
    func nonPercentagesDoNotParse(_ text: String) {
        #expect(Percentage(parsing: text) == nil)
    }
}
