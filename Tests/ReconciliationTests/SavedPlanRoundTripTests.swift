import Foundation
import PlanRendering
import PolicyModel
import Reconciliation
import Testing

@Suite("Saved plans survive save and load")
struct SavedPlanRoundTripTests {
    @Test func aFieldThatWasNullLiveRoundTrips() throws {
        // `before: null` (an Optional<JSONValue> holding .null) decodes as absent: the digest must not care.
        let change = PlannedChange(
            kind: .conditionalAccessPolicy, displayName: "CA1", id: "p1", action: .update, reason: .differsFromTenant(fields: 1, pinnedId: false),
            fieldChanges: [FieldChange(path: "sessionControls", change: .value(before: PlanValue(.null), after: PlanValue(["x": 1])))],
            requestBody: ["sessionControls": ["x": 1], "grantControls": .null], liveFingerprint: "f")
        let plan = Plan(changes: [change], diagnostics: [], liveStateDigest: "d")
        let decoded = try SavedPlan.decode(SavedPlan(plan).encoded())
        #expect(decoded.changes.first?.requestBody == ["sessionControls": ["x": 1], "grantControls": .null])
    }

    @Test func anEditedPlanIsStillRefused() {
        let plan = Plan(changes: [PlannedChange(kind: .namedLocation, displayName: "HQ", id: "l1", action: .delete,
                                                reason: .notDeclaredWithPrune, liveFingerprint: "f")], diagnostics: [], liveStateDigest: "d")
        let text = String(decoding: SavedPlan(plan).encoded(), as: UTF8.self).replacingOccurrences(of: "\"l1\"", with: "\"l2\"")
        #expect(throws: SavedPlanError.self) { try SavedPlan.decode(Data(text.utf8)) }
    }

    /// Regression: a plan with scenario outcomes was refused on apply (the reader dropped them, so the
    /// digest no longer matched).
    @Test func scenarioOutcomesRoundTripAndAreCoveredByTheDigest() throws {
        var plan = Plan(changes: [], diagnostics: [], liveStateDigest: "d")
        let mfa = ScenarioOutcome.Outcome(blocked: false, blockingPolicies: [], clauses: [["mfa"], ["compliantDevice", "compliantApplication"]])
        let open = ScenarioOutcome.Outcome(blocked: false, blockingPolicies: [], clauses: [])
        plan.scenarios = [ScenarioOutcome(name: "Finance on iPhone", signIn: "emma to Exchange", before: open, after: mfa,
                                          reportOnlyAfter: open, missingInputs: ["ipAddress or country"])]
        let decoded = try SavedPlan.decode(SavedPlan(plan).encoded())
        #expect(decoded.scenarios == plan.scenarios)
        let edited = String(decoding: SavedPlan(plan).encoded(), as: UTF8.self).replacingOccurrences(of: "\"compliantDevice\"", with: "\"mfa\"")
        #expect(throws: SavedPlanError.self) { try SavedPlan.decode(Data(edited.utf8)) }
    }
}
