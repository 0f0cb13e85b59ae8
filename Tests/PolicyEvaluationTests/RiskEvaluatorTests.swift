import Foundation
import PlanRendering
import PolicyEvaluation
import PolicyModel
import Testing

typealias F = RiskFixtures

@Suite("Risk rule evaluation")
struct RiskEvaluatorTests {
    /// Users 1 and 2 risky; user 1 has a matching detection, user 2 one that differs in `vary`.
    func isolated(_ rule: RiskResponseRule, other: JSONValue, otherUser: JSONValue = F.riskyUser(2)) -> RiskPlan {
        F.evaluate([rule], users: [F.riskyUser(1), otherUser], detections: [F.detection("d1", user: 1), other])
    }

    func targets(_ plan: RiskPlan) -> [String] { plan.actions.map(\.target.id) }

    @Test func riskEventTypesAlone() {
        let rule = F.rule("r") { $0.riskEventTypes = ["LeakedCredentials"] }
        #expect(targets(isolated(rule, other: F.detection("d2", user: 2, type: "newCountry"))) == [F.userId(1)])
    }

    @Test func detectionRiskLevelsAlone() {
        let rule = F.rule("r") { $0.detectionRiskLevels = [.high] }
        #expect(targets(isolated(rule, other: F.detection("d2", user: 2, level: "medium"))) == [F.userId(1)])
    }

    @Test func detectionTimingTypesAlone() {
        let rule = F.rule("r") { $0.detectionTimingTypes = [.offline] }
        #expect(targets(isolated(rule, other: F.detection("d2", user: 2, timing: "realtime"))) == [F.userId(1)])
    }

    @Test func detectedWithinAlone() {
        let rule = F.rule("r") { $0.detectedWithin = TimeWindow(parsing: "24h") }
        let plan = isolated(rule, other: F.detection("d2", user: 2, hoursAgo: 25))
        #expect(targets(plan) == [F.userId(1)])
        // The boundary is inclusive.
        let edge = isolated(rule, other: F.detection("d2", user: 2, hoursAgo: 24))
        #expect(Set(targets(edge)) == [F.userId(1), F.userId(2)])
    }

    @Test func userRiskLevelsAlone() {
        let rule = F.rule("r") { $0.userRiskLevels = [.high] }
        #expect(targets(isolated(rule, other: F.detection("d2", user: 2), otherUser: F.riskyUser(2, level: "low"))) == [F.userId(1)])
    }

    @Test func riskStatesAlone() {
        let rule = F.rule("r", .revokeSignInSessions) { $0.riskStates = [.atRisk] }
        #expect(targets(isolated(rule, other: F.detection("d2", user: 2), otherUser: F.riskyUser(2, state: "remediated"))) == [F.userId(1)])
    }

    @Test func aUserWithoutAnyMatchingDetectionIsNotMatched() {
        let plan = F.evaluate([F.rule("r")], users: [F.riskyUser(1), F.riskyUser(2)], detections: [F.detection("d1", user: 1)])
        #expect(targets(plan) == [F.userId(1)])
    }

    @Test func scopeByUsersAndNestedGroups() {
        // Group A contains user 1 and nested group B (user 2); the caller passes transitive members.
        let members: [String: Set<String>] = ["group-a": [F.userId(1), "group-b", F.userId(2)], "group-b": [F.userId(2)]]
        let users = (1...4).map { F.riskyUser($0) }
        let detections = (1...4).map { F.detection("d\($0)", user: $0) }
        let include = F.evaluate([F.rule("r")], users: users, detections: detections,
                                 scopes: ["r": RiskScope(includeAll: false, includeUserIds: [F.userId(4)], includeGroupIds: ["group-a"])],
                                 groupMembers: members)
        #expect(Set(targets(include)) == [F.userId(1), F.userId(2), F.userId(4)])
        let exclude = F.evaluate([F.rule("r")], users: users, detections: detections,
                                 scopes: ["r": RiskScope(includeAll: true, excludeUserIds: [F.userId(4)], excludeGroupIds: ["group-b"])],
                                 groupMembers: members)
        #expect(Set(targets(exclude)) == [F.userId(1), F.userId(3)])
    }

    @Test func actionsMergeAcrossRules() {
        let a = F.rule("a") { $0.riskEventTypes = ["leakedCredentials"] }
        let b = F.rule("b", approval: .required) { $0.riskEventTypes = ["anonymizedIPAddress"] }
        let plan = F.evaluate([a, b], users: [F.riskyUser(1)],
                              detections: [F.detection("d1", user: 1), F.detection("d2", user: 1, type: "anonymizedIPAddress", hoursAgo: 2)])
        #expect(plan.actions.count == 1)
        let action = plan.actions[0]
        #expect(action.rules == ["a", "b"])
        #expect(action.approvalRequired)
        #expect(action.evidence.map(\.id) == ["d1", "d2"])  // newest first
        #expect(action.evidence[0].location == "Rotterdam, Zuid-Holland, NL")
        #expect(plan.exitCode == 2)
    }

    @Test func confirmAndDismissOnOneUserIsAnErrorForThatUserOnly() {
        let confirm = F.rule("confirm") { $0.riskEventTypes = ["leakedCredentials"] }
        let dismiss = F.rule("dismiss", .dismiss) { $0.detectionRiskLevels = [.high] }
        let revoke = F.rule("revoke", .revokeSignInSessions)
        let plan = F.evaluate([confirm, dismiss, revoke], users: [F.riskyUser(1), F.riskyUser(2)],
                              detections: [F.detection("d1", user: 1), F.detection("d2", user: 2, type: "newCountry", level: "low")])
        #expect(plan.errors.count == 1)
        #expect(plan.errors[0].kind == .conflict)
        #expect(plan.errors[0].target?.id == F.userId(1))
        #expect(plan.errors[0].rules == ["confirm", "dismiss", "revoke"])
        // Nothing at all for user 1; user 2 still gets its revocation.
        #expect(plan.actions.map(\.target.id) == [F.userId(2)])
        #expect(plan.actions[0].action == .revokeSignInSessions)
        #expect(plan.exitCode == 1)
    }

    @Test func approvalRequiredOrNot() {
        let plan = F.evaluate([F.rule("need", approval: .required), F.rule("free", .revokeSignInSessions, approval: ApprovalMode.none)],
                              users: [F.riskyUser(1)], detections: [F.detection("d1", user: 1)])
        #expect(plan.actions.first { $0.action == .confirmCompromised }?.approvalRequired == true)
        #expect(plan.actions.first { $0.action == .revokeSignInSessions }?.approvalRequired == false)
        #expect(plan.actionsAwaitingApproval.count == 1)
    }

    @Test func maxActionsPerRunStopsTheWholeRule() {
        let users = (1...3).map { F.riskyUser($0) }
        let detections = (1...3).map { F.detection("d\($0)", user: $0) }
        let plan = F.evaluate([F.rule("capped", max: 2), F.rule("other", .revokeSignInSessions, max: 3)], users: users, detections: detections)
        #expect(plan.actions.allSatisfy { $0.action == .revokeSignInSessions })
        #expect(plan.actions.count == 3)
        #expect(plan.errors.map(\.kind) == [.maxActionsExceeded])
        #expect(plan.errors[0].message.contains("matched 3 targets, more than its maxActionsPerRun of 2"))
        #expect(plan.rules.first { $0.name == "capped" }?.proposed == 0)
        // At the limit is fine.
        #expect(F.evaluate([F.rule("capped", max: 3)], users: users, detections: detections).errors.isEmpty)
    }

    @Test func emergencyAccountsAreProtectedUnlessAllowed() {
        let users = [F.riskyUser(1), F.riskyUser(9)]
        let detections = [F.detection("d1", user: 1), F.detection("d9", user: 9)]
        let members: [String: Set<String>] = ["breakglass": [F.userId(9)]]
        let plan = F.evaluate([F.rule("r")], users: users, detections: detections, groupMembers: members, emergencyGroups: ["breakglass"])
        #expect(targets(plan) == [F.userId(1)])
        #expect(plan.skipped.map(\.reason) == [.emergencyAccount])
        #expect(plan.skipped[0].action.target.id == F.userId(9))
        let direct = F.evaluate([F.rule("r")], users: users, detections: detections, emergencyUsers: [F.userId(9).uppercased()])
        #expect(targets(direct) == [F.userId(1)])
        let allowed = F.evaluate([F.rule("r", allowEmergency: true)], users: users, detections: detections, groupMembers: members,
                                 emergencyGroups: ["breakglass"])
        #expect(Set(targets(allowed)) == [F.userId(1), F.userId(9)])
    }

    @Test func alreadyInEffectAndAlreadyExecutedAreSkipped() {
        let users = [F.riskyUser(1, state: "confirmedCompromised"), F.riskyUser(2)]
        let detections = [F.detection("d1", user: 1), F.detection("d2", user: 2)]
        let first = F.evaluate([F.rule("r")], users: users, detections: detections)
        #expect(targets(first) == [F.userId(2)])
        #expect(first.skipped.map(\.reason) == [.alreadyInEffect])
        let again = F.evaluate([F.rule("r")], users: users, detections: detections, executed: [first.actions[0].id])
        #expect(again.actions.isEmpty)
        #expect(Set(again.skipped.map(\.reason)) == [.alreadyInEffect, .alreadyExecuted])
        #expect(again.exitCode == 0)
    }

    @Test func actionIdsAreStable() {
        let rules = [F.rule("a"), F.rule("b", .revokeSignInSessions)]
        let users = (1...5).map { F.riskyUser($0) }
        let detections = (1...5).flatMap { [F.detection("x\($0)", user: $0), F.detection("y\($0)", user: $0, hoursAgo: 3)] }
        let one = F.evaluate(rules, users: users, detections: detections)
        let two = F.evaluate(rules.reversed(), users: users.reversed(), detections: detections.shuffled())
        #expect(one.actions.map(\.id) == two.actions.map(\.id))
        #expect(Set(one.actions.map(\.id)).count == 10)
        #expect(one.actions.allSatisfy { $0.id.count == 12 && $0.id.allSatisfy(\.isHexDigit) })
        // New evidence is a new action (an approval covers exactly what was reviewed).
        let more = F.evaluate(rules, users: users, detections: detections + [F.detection("z1", user: 1)])
        #expect(Set(more.actions.map(\.id)).intersection(one.actions.map(\.id)).count == 8)
        // A known vector, so ids never change between releases by accident.
        #expect(StableActionID.make(["a", "users", "u", "confirmCompromised", "d"]) == StableActionID.make(["a", "users", "u", "confirmCompromised", "d"]))
        #expect(StableActionID.make(["ab", "c"]) != StableActionID.make(["a", "bc"]))
    }

    @Test func exitCodes() {
        #expect(F.evaluate([F.rule("r")], users: [], detections: []).exitCode == 0)
        #expect(F.evaluate([F.rule("r")], users: [F.riskyUser(1)], detections: [F.detection("d", user: 1)]).exitCode == 2)
    }

    @Test func servicePrincipalsAreEvaluatedFromTheirOwnCollections() {
        let rule = F.rule("sp", subject: .servicePrincipals) { $0.riskEventTypes = ["suspiciousAPITraffic"] }
        let plan = RiskRuleEvaluator().evaluate(RiskEvaluationInput(
            rules: [RiskRuleInput(rule: rule)], riskyUsers: [F.riskyUser(1)], detections: [F.detection("d1", user: 1)],
            riskyServicePrincipals: [["id": "sp-1", "displayName": "Payroll API", "riskLevel": "high", "riskState": "atRisk"]],
            servicePrincipalDetections: [["id": "spd", "servicePrincipalId": "sp-1", "riskEventType": "suspiciousAPITraffic",
                                          "riskLevel": "high", "detectedDateTime": "2026-11-22T10:00:00Z"]],
            now: F.now))
        #expect(plan.actions.map(\.target.label) == ["Payroll API"])
        #expect(plan.actions[0].target.kind == .servicePrincipals)
    }

    @Test func sessionsRevokedAfterTheNewestEvidenceAreNotRevokedAgain() {
        let revoke = F.rule("revoke", .revokeSignInSessions, max: 1) { $0.riskEventTypes = ["anomalousToken"] }
        let confirm = F.rule("confirm") { $0.riskEventTypes = ["leakedCredentials"] }
        let users = [F.riskyUser(1), F.riskyUser(2), F.riskyUser(3)]
        let detections = [F.detection("t1", user: 1, type: "anomalousToken", hoursAgo: 5), F.detection("t1b", user: 1, type: "anomalousToken", hoursAgo: 2),
                          F.detection("t2", user: 2, type: "anomalousToken", hoursAgo: 5), F.detection("l3", user: 3)]
        var input = RiskEvaluationInput(rules: [RiskRuleInput(rule: revoke), RiskRuleInput(rule: confirm)], riskyUsers: users,
                                        detections: detections, now: F.now)
        // Only users a revocation rule matches need their sessions' validity read.
        #expect(RiskRuleEvaluator().revocationCandidates(input) == [F.userId(1), F.userId(2)])
        // Without that knowledge both would be revoked: more than maxActionsPerRun 1.
        #expect(RiskRuleEvaluator().evaluate(input).errors.map(\.kind) == [.maxActionsExceeded])

        // User 1: revoked 3 hours ago, before the newest detection (2 hours ago): revoke again.
        // User 2: revoked 1 hour ago, after its only detection: skipped, and not counted against the limit.
        input.sessionsValidFrom = [F.userId(1): GraphTime.string(F.now.addingTimeInterval(-3 * 3_600)),
                                   F.userId(2): GraphTime.string(F.now.addingTimeInterval(-3_600))]
        let plan = RiskRuleEvaluator().evaluate(input)
        #expect(plan.errors.isEmpty)
        #expect(plan.actions.map { "\($0.action.rawValue) \($0.target.id)" }.sorted()
            == ["confirmCompromised \(F.userId(3))", "revokeSignInSessions \(F.userId(1))"])
        #expect(plan.skipped.map(\.reason) == [.sessionsAlreadyRevoked])
        #expect(plan.skipped.first?.action.target.id == F.userId(2))
        #expect(RiskPlanRenderer.text(plan).contains("sessions already revoked after the newest detection"))
    }
}

@Suite("Risk $filter builder")
struct RiskFilterTests {
    @Test func unionsAndWidestWindow() {
        let a = F.rule("a") {
            $0.riskEventTypes = ["leakedCredentials"]; $0.detectionRiskLevels = [.high]; $0.detectedWithin = TimeWindow(parsing: "24h")
            $0.userRiskLevels = [.high]; $0.riskStates = [.atRisk]
        }
        let b = F.rule("b", .dismiss) {
            $0.riskEventTypes = ["newCountry", "leakedCredentials"]; $0.detectionRiskLevels = [.low]; $0.detectedWithin = TimeWindow(parsing: "7d")
            $0.userRiskLevels = [.low]; $0.riskStates = [.atRisk]
        }
        #expect(RiskQueryFilters.riskyObjects(rules: [a, b]) == "(riskLevel eq 'high' or riskLevel eq 'low') and riskState eq 'atRisk'")
        #expect(RiskQueryFilters.detections(rules: [a, b], now: F.now)
            == "detectedDateTime ge 2026-11-15T12:00:00Z and (riskLevel eq 'high' or riskLevel eq 'low') "
            + "and (riskEventType eq 'leakedCredentials' or riskEventType eq 'newCountry')")
        #expect(RiskQueryFilters.pageSize == 500)
    }

    @Test func anOpenDimensionInAnyRuleDropsTheClause() {
        let a = F.rule("a") { $0.detectedWithin = TimeWindow(parsing: "1h"); $0.detectionTimingTypes = [.realtime] }
        let b = F.rule("b") { $0.detectionTimingTypes = [.offline] }
        #expect(RiskQueryFilters.detections(rules: [a, b], now: F.now) == "(detectionTimingType eq 'offline' or detectionTimingType eq 'realtime')")
        #expect(RiskQueryFilters.riskyObjects(rules: [a, b]) == nil)
        #expect(RiskQueryFilters.detections(rules: [a], now: F.now) == "detectedDateTime ge 2026-11-22T11:00:00Z and detectionTimingType eq 'realtime'")
    }

    @Test func subjectsAreSeparateAndQuotesEscaped() {
        let sp = F.rule("sp", subject: .servicePrincipals) { $0.riskEventTypes = ["o'brien"] }
        #expect(RiskQueryFilters.detections(rules: [sp], now: F.now) == nil)
        #expect(RiskQueryFilters.detections(rules: [sp], subject: .servicePrincipals, now: F.now) == "riskEventType eq 'o''brien'")
        #expect(!RiskQueryFilters.needs(.users, rules: [sp]))
        #expect(RiskQueryFilters.detections(ofUser: "abc") == "userId eq 'abc'")
    }

    @Test func oneDetectionListingPerRuleWithItsOwnWindow() {
        let leaked = F.rule("leaked") { $0.riskEventTypes = ["leakedCredentials"]; $0.detectionRiskLevels = [.high]; $0.detectedWithin = TimeWindow(parsing: "24h") }
        let spray = F.rule("spray") { $0.riskEventTypes = ["passwordSpray"]; $0.detectedWithin = TimeWindow(parsing: "7d"); $0.detectionTimingTypes = [.offline] }
        #expect(RiskQueryFilters.detectionListings(rules: [leaked, spray], now: F.now) == [
            "detectedDateTime ge 2026-11-21T12:00:00Z and riskLevel eq 'high' and riskEventType eq 'leakedCredentials'",
            "detectedDateTime ge 2026-11-15T12:00:00Z and riskEventType eq 'passwordSpray' and detectionTimingType eq 'offline'",
        ])
    }

    @Test func aListingAnotherCoversIsDropped() {
        let narrow = F.rule("narrow") { $0.riskEventTypes = ["leakedCredentials"]; $0.detectionRiskLevels = [.high]; $0.detectedWithin = TimeWindow(parsing: "1d") }
        let wide = F.rule("wide") { $0.riskEventTypes = ["leakedCredentials", "newCountry"]; $0.detectedWithin = TimeWindow(parsing: "7d") }
        let wider = F.rule("wider-window-only") { $0.riskEventTypes = ["newCountry"]; $0.detectedWithin = TimeWindow(parsing: "30d") }
        // `wide` covers `narrow` (longer window, more types, any level) whichever comes first.
        let expectedWide = "detectedDateTime ge 2026-11-15T12:00:00Z and (riskEventType eq 'leakedCredentials' or riskEventType eq 'newCountry')"
        #expect(RiskQueryFilters.detectionListings(rules: [narrow, wide], now: F.now) == [expectedWide])
        #expect(RiskQueryFilters.detectionListings(rules: [wide, narrow], now: F.now) == [expectedWide])
        // A longer window for fewer types covers neither way.
        #expect(RiskQueryFilters.detectionListings(rules: [wide, wider], now: F.now).count == 2)
        // A rule without any detection condition reads everything, which covers every other listing.
        #expect(RiskQueryFilters.detectionListings(rules: [narrow, F.rule("any"), wide], now: F.now) == [nil])
        #expect(RiskQueryFilters.detectionListings(rules: [wide], subject: .servicePrincipals, now: F.now).isEmpty)
    }

    @Test func tooManyDistinctListingsFallBackToTheUnion() {
        let types = ["anomalousToken", "leakedCredentials", "maliciousIPAddress", "newCountry", "passwordSpray", "unfamiliarFeatures",
                     "unlikelyTravel", "anonymizedIPAddress", "suspiciousBrowser"]
        let rules = types.map { type in F.rule(type) { $0.riskEventTypes = [type]; $0.detectedWithin = TimeWindow(parsing: "2d") } }
        #expect(types.count > RiskQueryFilters.maximumDetectionListings)
        #expect(RiskQueryFilters.detectionListings(rules: rules, now: F.now) == [RiskQueryFilters.detections(rules: rules, now: F.now)])
        #expect(RiskQueryFilters.detectionListings(rules: Array(rules.prefix(3)), now: F.now).count == 3)
    }

    @Test func detectionSelectionKeepsWhatEvidenceAndMatchingRead() {
        let users = RiskQueryFilters.detectionFields(subject: .users)
        for field in ["id", "riskEventType", "riskLevel", "riskState", "detectionTimingType", "detectedDateTime", "ipAddress", "location", "userId",
                      "userPrincipalName"] {
            #expect(users.contains(field), "\(field)")
        }
        #expect(!users.contains("additionalInfo"))
        #expect(RiskQueryFilters.detectionFields(subject: .servicePrincipals).contains("servicePrincipalId"))
    }

    @Test func graphTimeParsesSevenFractionDigitsAndRoundTrips() {
        let date = GraphTime.date("2026-11-21T22:34:12.6081986Z")!
        #expect(abs(date.timeIntervalSince1970 - 1_795_300_452.6081986) < 0.000_01)
        #expect(GraphTime.string(date) == "2026-11-21T22:34:12Z")
        #expect(GraphTime.string(GraphTime.date("2024-02-29T00:00:00Z")!) == "2024-02-29T00:00:00Z")
        #expect(GraphTime.date("not a date") == nil)
    }
}
