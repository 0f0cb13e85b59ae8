import EntraformTestSupport
import Foundation
import GraphClient
@testable import GraphEmulator
import PolicyEvaluation
import PolicyModel
import TenantAccess
import Testing


/// An emulator seeded with 70 high-risk users (two of them low risk with a new-country detection),
/// nested groups and a break-glass account at risk, plus a client connected to it.
struct RiskEmulator {
    let server: EmulatorServer
    let client: GraphClient
    let transport: AsyncHTTPClientTransport
    let secret: String

    static let staff = "11111111-1111-4111-8111-111111111111"
    static let contractors = "22222222-2222-4222-8222-222222222222"
    static let breakGlassGroup = "33333333-3333-4333-8333-333333333333"
    static let breakGlass = 99

    static func seed() -> JSONValue {
        let indexes = Array(1...70) + [breakGlass]
        let users: [JSONValue] = indexes.map {
            ["id": .string(F.userId($0)), "userPrincipalName": .string(F.upn($0)), "displayName": .string("User \($0)"),
             "accountEnabled": true, "userType": "Member"]
        }
        let risky: [JSONValue] = indexes.map { index in
            var user = F.riskyUser(index, level: index <= 2 ? "low" : "high")
            user["riskLastUpdatedDateTime"] = "2026-11-22T11:00:00Z"
            return user
        }
        var detections: [JSONValue] = indexes.map { F.detection(String(format: "%064d", $0), user: $0) }
        detections += [F.detection(String(repeating: "a", count: 64), user: 1, type: "newCountry", level: "low"),
                       F.detection(String(repeating: "b", count: 64), user: 2, type: "newCountry", level: "low", hoursAgo: 30)]
        return [
            "tenantId": "6a0a1f6e-3b1c-4c55-9d57-0d9a1c2b3e4f", "domains": ["contoso.example"], "users": .array(users),
            "groups": [
                ["id": .string(staff), "displayName": "Staff", "members": [.string(F.userId(3)), .string(F.userId(4)), .string(contractors)]],
                ["id": .string(contractors), "displayName": "Contractors", "members": [.string(F.userId(5))]],
                ["id": .string(breakGlassGroup), "displayName": "BreakGlass", "members": [.string(F.userId(breakGlass))]],
            ],
            "riskyUsers": .array(risky), "riskDetections": .array(detections),
        ]
    }

    static func with<T>(seed document: JSONValue = seed(), _ body: (RiskEmulator) async throws -> T) async throws -> T {
        try await withEmulator(EmulatorConfiguration(seed: TenantSeed(document: document))) { server, url in
            let transport = AsyncHTTPClientTransport()
            let credentials = server.credentials
            let secret = credentials.clientSecret ?? ""
            let client = GraphClient(
                credential: .clientSecret(tenantId: credentials.tenantId, clientId: credentials.clientId, secret: secret),
                configuration: GraphClientConfiguration(endpoints: try GraphEndpoints(graphURL: url.absoluteString, loginURL: nil), pacing: .disabled),
                transport: transport)
            do {
                let result = try await body(RiskEmulator(server: server, client: client, transport: transport, secret: secret))
                await transport.shutdown()
                return result
            } catch {
                await transport.shutdown()
                throw error
            }
        }
    }

    /// Reads with the rules' filters and evaluates, as `risk plan` does.
    func plan(_ rules: [RiskRuleInput], executed: Set<String> = []) async throws -> RiskPlan {
        let declarations = rules.map(\.rule)
        let users = try await client.listRiskyUsers(filter: RiskQueryFilters.riskyObjects(rules: declarations))
        let detections = try await client.listRiskDetections(filter: RiskQueryFilters.detections(rules: declarations, now: F.now))
        var members: [String: Set<String>] = [:]
        for group in [Self.staff, Self.breakGlassGroup] {
            members[group] = Set(try await client.listTransitiveMembers(groupId: group).map { $0.id.lowercased() })
        }
        return RiskRuleEvaluator().evaluate(RiskEvaluationInput(
            rules: rules, groupMembers: members, emergencyGroupIds: [Self.breakGlassGroup], riskyUsers: users, detections: detections,
            executedActionIds: executed, now: F.now))
    }

    func runner(_ audit: any RiskAuditSink) -> RiskActionRunner {
        RiskActionRunner(tenant: GraphRiskTenant(client: client), audit: audit, actor: "client \(server.credentials.clientId)", now: { F.now })
    }

    func riskyUser(_ index: Int) async throws -> JSONValue? {
        try await client.getRiskyObjects(ids: [F.userId(index)])[F.userId(index)]
    }
}

@Suite("Risk response against the emulator")
struct RiskEmulatorTests {
    static let leaked = F.rule("confirm-leaked", approval: .required) {
        $0.riskEventTypes = ["leakedCredentials"]; $0.userRiskLevels = [.high]; $0.riskStates = [.atRisk]; $0.detectedWithin = TimeWindow(parsing: "24h")
    }
    static let lowNewCountry = F.rule("dismiss-new-country", .dismiss) {
        $0.riskEventTypes = ["newCountry"]; $0.detectionRiskLevels = [.low]; $0.userRiskLevels = [.low]; $0.riskStates = [.atRisk]
        $0.detectedWithin = TimeWindow(parsing: "24h")
    }

    @Test func confirmCompromisedAndDismissReproduceTheSeedActions() async throws {
        try await RiskEmulator.with { emulator in
            let plan = try await emulator.plan([RiskRuleInput(rule: Self.lowNewCountry)])
            // User 2's new-country detection is 30 hours old: outside the window.
            #expect(plan.actions.map(\.target.id) == [F.userId(1)])
            let dismissReport = await emulator.runner(RiskAuditMemory()).run(plan)
            #expect(dismissReport.count(.executed) == 1)
            let dismissed = try await emulator.riskyUser(1)
            #expect(dismissed?["riskLevel"] == "none")
            #expect(dismissed?["riskState"] == "dismissed")
            #expect(dismissReport.outcomes[0].after == RiskObservedState(riskLevel: "none", riskState: "dismissed", riskDetail: "adminDismissedAllRiskForUser",
                                                                         isDeleted: false))

            let scope = RiskScope(includeAll: false, includeGroupIds: [RiskEmulator.staff])
            let confirmPlan = try await emulator.plan([RiskRuleInput(rule: Self.leaked, scope: scope)])
            // Staff = users 3 and 4, and user 5 through the nested Contractors group.
            #expect(confirmPlan.actions.map(\.target.id) == [F.userId(3), F.userId(4), F.userId(5)])
            let report = await emulator.runner(RiskAuditMemory()).run(confirmPlan, approval: RiskApproval(approveAll: true, approvedBy: "alice"))
            #expect(report.count(.executed) == 3)
            for index in 3...5 {
                let user = try await emulator.riskyUser(index)
                #expect(user?["riskLevel"] == "high")
                #expect(user?["riskState"] == "confirmedCompromised")
            }
        }
    }

    @Test func secondApplyDoesNothingAndStalePlansAreSkipped() async throws {
        try await RiskEmulator.with { emulator in
            let scope = RiskScope(includeAll: false, includeGroupIds: [RiskEmulator.staff])
            let rule = RiskRuleInput(rule: Self.leaked, scope: scope)
            let plan = try await emulator.plan([rule])
            // User 4 is remediated out of band after the plan was made.
            _ = try await emulator.client.dismiss(userIds: [F.userId(4)])
            let first = await emulator.runner(RiskAuditMemory()).run(plan, approval: RiskApproval(approveAll: true))
            #expect(first.count(.executed) == 2)
            let user4Detail = first.outcomes.first { $0.action.target.id == F.userId(4) }?.detail
            #expect(user4Detail == "changed since the plan: riskState atRisk → dismissed")
            #expect(try await emulator.riskyUser(4)?["riskState"] == "dismissed")

            // Re-planning finds nothing; re-running the old plan writes nothing.
            let again = try await emulator.plan([rule])
            #expect(again.actions.isEmpty)
            let before = emulator.client.statistics.statuses[204, default: 0]
            let second = await emulator.runner(RiskAuditMemory()).run(plan, approval: RiskApproval(approveAll: true))
            #expect(second.count(.executed) == 0)
            #expect(second.writeCalls == 0)
            #expect(emulator.client.statistics.statuses[204, default: 0] == before)
        }
    }

    @Test func batchesOfSixtyAndEmergencyProtection() async throws {
        try await RiskEmulator.with { emulator in
            let rule = F.rule("confirm-all-high") { $0.userRiskLevels = [.high]; $0.riskStates = [.atRisk] }
            let plan = try await emulator.plan([RiskRuleInput(rule: rule)])
            #expect(plan.actions.count == 68)  // users 3…70; the break-glass account is skipped
            #expect(plan.skipped.map(\.action.target.id) == [F.userId(RiskEmulator.breakGlass)])
            let report = await emulator.runner(RiskAuditMemory()).run(plan)
            #expect(report.writeCalls == 2)
            #expect(report.count(.executed) == 68)
            let executedAllConfirmed = report.outcomes.filter { $0.result == .executed }
                .allSatisfy { $0.after?.riskState == "confirmedCompromised" }
            #expect(executedAllConfirmed)
            #expect(try await emulator.riskyUser(RiskEmulator.breakGlass)?["riskState"] == "atRisk")

            var capped = rule
            capped.maxActionsPerRun = 10
            let refused = try await emulator.plan([RiskRuleInput(rule: capped)])
            #expect(refused.errors.isEmpty)  // everyone left is already confirmed or protected
        }
    }

    @Test func auditLinesAreCompleteAndFreeOfSecrets() async throws {
        try await RiskEmulator.with { emulator in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("entraform-risk-\(UUID().uuidString)")
            let audit = RiskAuditFile(path: directory.appendingPathComponent("audit.jsonl").path)
            let plan = try await emulator.plan([
                RiskRuleInput(rule: Self.leaked, scope: RiskScope(includeAll: false, includeGroupIds: [RiskEmulator.staff])),
                RiskRuleInput(rule: Self.lowNewCountry),
                RiskRuleInput(rule: F.rule("revoke-break-glass", .revokeSignInSessions) { $0.riskStates = [.atRisk] },
                              scope: RiskScope(includeAll: false, includeUserIds: [F.userId(RiskEmulator.breakGlass)])),
            ])
            let approved = plan.actions.first { $0.target.id == F.userId(3) }!.id
            let report = await emulator.runner(audit).run(plan, approval: RiskApproval(approvedIds: [approved], approvedBy: "alice"))
            #expect(report.exitCode == 2)  // two confirmations still await approval
            let text = try String(contentsOfFile: audit.path, encoding: .utf8)
            let lines = text.split(separator: "\n")
            // One line per outcome, and a `started` line before each executed write.
            let started = lines.filter { $0.contains("\"result\":\"started\"") }.count
            #expect(started == report.count(.executed))
            #expect(lines.count == report.outcomes.count + started)
            for line in lines {
                let json = try JSONValue.decode(exportedData: Data(line.utf8))
                for key in ["time", "runId", "actor", "actionId", "action", "target", "evidence", "approval", "result", "requestIds"] {
                    #expect(json[key] != nil, "missing \(key) in \(line)")
                }
                #expect(json["target"]?["name"]?.stringValue?.hasSuffix("@contoso.example") == true)
                #expect(!line.contains(emulator.secret))
                #expect(!line.contains("Bearer"))
                #expect(!line.contains("eyJ"))  // no JWT
            }
            let results = audit.records().map { "\($0.action?.rawValue ?? "-") \($0.result) \($0.approval?.status ?? "-")" }.sorted()
            #expect(results == [
                "confirmCompromised executed approvedById", "confirmCompromised skipped pending", "confirmCompromised skipped pending",
                "confirmCompromised started approvedById", "dismiss executed notRequired", "dismiss started notRequired",
                "revokeSignInSessions skipped notRequired",
            ])
            let confirmationApprover = audit.records()
                .first { $0.result == "executed" && $0.action == .confirmCompromised }?.approval?.approvedBy
            #expect(confirmationApprover == "alice")
            try? FileManager.default.removeItem(at: directory)
        }
    }

    @Test func manualActionsGoThroughTheSamePath() async throws {
        try await RiskEmulator.with { emulator in
            // The Graph tutorial: list one user's detections with $filter.
            let detections = try await emulator.client.listRiskDetections(filter: RiskQueryFilters.detections(ofUser: F.userId(1)))
            #expect(detections.count == 2)
            let allOfUser1 = detections.allSatisfy { $0["userId"]?.stringValue == F.userId(1) }
            #expect(allOfUser1)
            let evidence = detections.compactMap(RiskEvidence.init(detection:))
            let target = RiskTarget(kind: .users, id: F.userId(7), name: F.upn(7), riskLevel: "high", riskState: "atRisk")
            let action = RiskPlannedAction(
                id: RiskRuleEvaluator.actionId(rules: ["manual:SOC-42"], target: target, action: .revokeSignInSessions, evidenceIds: []),
                action: .revokeSignInSessions, target: target, rules: [], reason: "SOC-42", approvalRequired: false, evidence: [])
            let audit = RiskAuditMemory()
            let report = await emulator.runner(audit).run(RiskPlan(generatedAt: "now", actions: [action]))
            #expect(report.count(.executed) == 1)
            #expect(audit.records[0].reason == "SOC-42")
            #expect(audit.records[0].rules.isEmpty)

            var confirm = action
            confirm.action = .confirmCompromised
            confirm.evidence = evidence
            let confirmed = await emulator.runner(audit).run(RiskPlan(generatedAt: "now", actions: [confirm]))
            #expect(confirmed.outcomes[0].after?.riskState == "confirmedCompromised")
            let repeated = await emulator.runner(audit).run(RiskPlan(generatedAt: "now", actions: [confirm]))
            #expect(repeated.outcomes[0].result == .skipped)
        }
    }
}

/// The per-rule detection listings `risk plan` reads (with `$select`) must give exactly the plan that
/// reading everything gives: random tenants and random rule sets, three ways of reading each.
@Suite("Risk listings against the emulator")
struct RiskListingEquivalenceTests {
    /// The emulator's SplitMix64 (deterministic across platforms), with choices on top.
    struct Random {
        var generator: SplitMix64
        init(state: UInt64) { generator = SplitMix64(state: state) }
        mutating func below(_ bound: Int) -> Int { Int(generator.next() % UInt64(bound)) }
        mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }
        mutating func some<T>(_ values: [T]) -> [T]? {
            guard below(3) > 0 else { return nil }
            let chosen = values.filter { _ in below(2) == 0 }
            return chosen.isEmpty ? [pick(values)] : chosen
        }
    }

    static let types = ["leakedCredentials", "newCountry", "passwordSpray", "anomalousToken", "unfamiliarFeatures"]

    static func seed(_ random: inout Random) -> JSONValue {
        let users = (1...40).map { index -> JSONValue in
            ["id": .string(F.userId(index)), "userPrincipalName": .string(F.upn(index)), "displayName": .string("User \(index)"),
             "accountEnabled": true, "userType": "Member"]
        }
        let risky = (1...40).map { F.riskyUser($0, level: random.pick(["low", "medium", "high"]), state: random.pick(["atRisk", "atRisk", "remediated"])) }
        let detections = (1...600).map { number -> JSONValue in
            F.detection(String(format: "%064x", number), user: 1 + random.below(40), type: random.pick(types), level: random.pick(["low", "medium", "high"]),
                        timing: random.pick(["offline", "realtime", "nearRealtime"]), hoursAgo: Double(random.below(40 * 24)) + 0.5)
        }
        return ["tenantId": "6a0a1f6e-3b1c-4c55-9d57-0d9a1c2b3e4f", "domains": ["contoso.example"], "users": .array(users),
                "riskyUsers": .array(risky), "riskDetections": .array(detections)]
    }

    static func rules(_ random: inout Random) -> [RiskResponseRule] {
        (0..<(1 + random.below(5))).map { index in
            F.rule("rule-\(index)", random.pick([.confirmCompromised, .revokeSignInSessions, .dismiss]), max: 1_000) { when in
                when.riskEventTypes = random.some(types)
                when.detectionRiskLevels = random.some([.low, .medium, .high])
                when.detectionTimingTypes = random.some([.offline, .realtime, .nearRealtime])
                when.userRiskLevels = random.some([.low, .medium, .high])
                when.riskStates = random.some([.atRisk, .remediated])
                when.detectedWithin = random.below(4) == 0 ? nil : TimeWindow(parsing: random.pick(["6h", "1d", "3d", "7d", "14d", "30d"]))
            }
        }
    }

    @Test func perRuleListingsPlanExactlyWhatReadingEverythingPlans() async throws {
        var random = Random(state: 20_261_122)
        try await RiskEmulator.with(seed: Self.seed(&random)) { emulator in
            let everyUser = try await emulator.client.listRiskyUsers()
            let everyDetection = try await emulator.client.listRiskDetections()
            #expect(everyDetection.count == 600)
            var listingsRead = 0
            var detectionsNotRead = 0
            var actionsPlanned = 0
            for round in 0..<25 {
                let rules = Self.rules(&random)
                let inputs = rules.map { RiskRuleInput(rule: $0) }
                // Action ids hash the rules, target, action and evidence detection ids: equal ids, equal plans.
                func evaluate(_ users: [JSONValue], _ detections: [JSONValue]) -> [String] {
                    let plan = RiskRuleEvaluator().evaluate(RiskEvaluationInput(rules: inputs, riskyUsers: users, detections: detections, now: F.now))
                    return plan.actions.map(\.id).sorted() + plan.errors.map { "error: \($0.message)" }.sorted()
                }
                let expected = evaluate(everyUser, everyDetection)
                actionsPlanned += expected.count

                let users = try await emulator.client.listRiskyUsers(filter: RiskQueryFilters.riskyObjects(rules: rules))
                let union = try await emulator.client.listRiskDetections(filter: RiskQueryFilters.detections(rules: rules, now: F.now))
                #expect(evaluate(users, union) == expected, "round \(round): union listing")

                var listings: [[JSONValue]] = []
                for filter in RiskQueryFilters.detectionListings(rules: rules, now: F.now) {
                    listings.append(try await emulator.client.listRiskDetections(filter: filter, select: RiskQueryFilters.detectionFields(subject: .users)))
                }
                let merged = RiskQueryFilters.merged(listings)
                #expect(evaluate(users, merged) == expected, "round \(round): per-rule listings")
                listingsRead += listings.count
                detectionsNotRead += union.count - merged.count
            }
            // The random rule sets exercised both several listings and the narrowing.
            #expect(listingsRead > 25)
            #expect(detectionsNotRead > 0)
            #expect(actionsPlanned > 25)
        }
    }
}
