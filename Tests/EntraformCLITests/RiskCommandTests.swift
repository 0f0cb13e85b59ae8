@testable import EntraformCLI
import EntraformTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GraphClient
import GraphEmulator
import GraphWire
import PolicyEvaluation
import PolicyModel
import Testing
import TenantAccess

/// `entraform risk …` as a user runs it: the built binary against an in-process emulator over
/// loopback, with the emulator's state carried from one command to the next.
@Suite("risk commands (binary against the emulator)")
struct RiskCommandTests {
    /// Users 1–6 at risk, user 7 the break-glass account (member of BreakGlass), user 8 a Contractors
    /// member; one risky service principal. Detections are placed relative to the present because
    /// the binary evaluates `detectedWithin` against its own clock.
    static func seed() -> JSONValue {
        func hoursAgo(_ hours: Double) -> JSONValue { .string(GraphTime.string(Date().addingTimeInterval(-hours * 3_600))) }
        func id(_ index: Int) -> String { String(format: "00000000-0000-4000-8000-%012d", index) }
        func detection(_ number: Int, user: Int, type: String, level: String = "high", hours: Double = 2) -> JSONValue {
            ["id": .string(String(format: "%064d", number)), "userId": .string(id(user)), "userPrincipalName": .string("user\(user)@contoso.example"),
             "riskEventType": .string(type), "riskLevel": .string(level), "riskState": "atRisk", "detectionTimingType": "offline",
             "detectedDateTime": hoursAgo(hours), "activityDateTime": hoursAgo(hours), "ipAddress": "203.0.113.9",
             "location": ["city": "Lisbon", "countryOrRegion": "PT"]]
        }
        let users: [JSONValue] = (1...8).map { index in
            let upn = index == 7 ? "breakglass@contoso.example" : "user\(index)@contoso.example"
            return ["id": .string(id(index)), "userPrincipalName": .string(upn), "displayName": .string("User \(index)"), "accountEnabled": true]
        }
        let risky: [JSONValue] = [1, 2, 3, 4, 5, 7, 8].map { index in
            ["id": .string(id(index)), "riskLevel": index == 5 ? "low" : "medium", "riskState": "atRisk"]
        }
        return [
            "tenantId": "7b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d", "domains": ["contoso.example"], "users": .array(users),
            "groups": [
                ["id": "aaaaaaaa-0000-4000-8000-000000000001", "displayName": "Staff",
                 "members": [.string(id(1)), .string(id(2)), .string(id(7)), "aaaaaaaa-0000-4000-8000-000000000003"]],
                ["id": "aaaaaaaa-0000-4000-8000-000000000002", "displayName": "BreakGlass", "members": [.string(id(7))]],
                ["id": "aaaaaaaa-0000-4000-8000-000000000003", "displayName": "Contractors", "members": [.string(id(8))]],
            ],
            "servicePrincipals": [["id": "bbbbbbbb-0000-4000-8000-000000000001", "appId": "cccccccc-0000-4000-8000-000000000001",
                                   "displayName": "Payroll Sync"]],
            "riskyUsers": .array(risky),
            "riskDetections": [
                detection(1, user: 1, type: "leakedCredentials"), detection(2, user: 2, type: "leakedCredentials"),
                detection(3, user: 7, type: "leakedCredentials"), detection(4, user: 8, type: "leakedCredentials"),
                detection(5, user: 3, type: "anomalousToken"), detection(6, user: 4, type: "anomalousToken", hours: 60),
                detection(7, user: 5, type: "unfamiliarFeatures", level: "low"),
            ],
            "riskyServicePrincipals": [["id": "bbbbbbbb-0000-4000-8000-000000000001", "riskLevel": "high", "riskState": "atRisk"]],
            "servicePrincipalRiskDetections": [
                ["id": .string(String(repeating: "e", count: 64)), "servicePrincipalId": "bbbbbbbb-0000-4000-8000-000000000001",
                 "appId": "cccccccc-0000-4000-8000-000000000001", "riskEventType": "suspiciousAPITraffic", "riskLevel": "high",
                 "riskState": "atRisk", "detectionTimingType": "offline", "detectedDateTime": hoursAgo(3), "activityDateTime": hoursAgo(3)],
            ],
        ]
    }

    static let settings = """
        kind: Settings
        emergencyAccess:
          groups: [BreakGlass]
        """

    /// Leaked credentials in Staff (nested Contractors included) → confirm with approval; token
    /// theft in the last day → revoke without approval.
    static let rules = """
        kind: RiskResponseRule
        name: confirm-leaked
        when:
          riskEventTypes: [leakedCredentials]
          detectedWithin: 7d
          users: {includeGroups: [Staff]}
        action: confirmCompromised
        approval: required
        ---
        kind: RiskResponseRule
        name: revoke-token-theft
        when:
          riskEventTypes: [anomalousToken]
          detectedWithin: 24h
        action: revokeSignInSessions
        """

    /// A running emulator, a configuration directory and a way to run the binary against both.
    struct Session {
        let server: EmulatorServer
        let url: String
        let directory: URL

        var auditLog: URL { directory.appendingPathComponent("audit.jsonl") }

        func run(_ arguments: [String], in folder: String? = nil) async throws -> BinaryRunner.Result {
            let credentials = server.credentials
            return try await BinaryRunner.runDetached(
                arguments + ["--graph-url", url, "--requests-per-second", "0"], in: folder.map { directory.appendingPathComponent($0) } ?? directory,
                environment: ["AZURE_TENANT_ID": credentials.tenantId, "AZURE_CLIENT_ID": credentials.clientId,
                              "AZURE_CLIENT_SECRET": credentials.clientSecret ?? ""])
        }

        func auditLines() throws -> [JSONValue] {
            let text = (try? String(contentsOf: auditLog, encoding: .utf8)) ?? ""
            return try text.split(separator: "\n").map { try JSONValue.parse(Data($0.utf8)) }
        }

        /// The emulator's stored risky user.
        func riskyUser(_ index: Int) async throws -> JSONValue? {
            let state = try await server.stateDocument()
            return state["riskyUsers"]?.arrayValue?.first { $0["id"]?.stringValue == String(format: "00000000-0000-4000-8000-%012d", index) }
        }
    }

    static func withSession(rules: String = rules, _ body: (Session) async throws -> Void) async throws {
        let directory = try BinaryRunner.temporaryDirectory(["config/entraform.yaml": settings, "config/rules.yaml": rules])
        try await withEmulator(EmulatorConfiguration(seed: TenantSeed(document: seed()))) { server, url in
            try await body(Session(server: server, url: url.absoluteString, directory: directory))
        }
    }

    // No closure literal sits inside a `#expect`/`#require` argument in this suite: with Swift 6.3.1,
    // such a closure inside an outer closure (`withSession { … }`) made a later closure of the same
    // body run its code instead (`lines.filter { $0["result"] == "executed" }` ran
    // `{ $0["target"]?["name"] == "user1@…" }`). Closures are hoisted into `let`s first.
    static func lines(_ lines: [JSONValue], result: String) -> [JSONValue] {
        lines.filter { $0["result"]?.stringValue == result }
    }

    static func targetName(_ line: JSONValue) -> String? { line["target"]?["name"]?.stringValue }

    static func actions(_ planJSON: String) throws -> [JSONValue] {
        try JSONValue.parse(Data(planJSON.utf8))["actions"]?.arrayValue ?? []
    }

    @Test func planListsActionsWithEvidenceApprovalAndExitsTwo() async throws {
        try await Self.withSession { session in
            let result = try await session.run(["risk", "plan", "config", "--format", "json", "--out", "plan.json"])
            #expect(result.exitCode == 2, "\(result.stderr)")
            let actions = try Self.actions(result.stdout)
            let byTarget = Dictionary(actions.map { ($0["target"]?["name"]?.stringValue ?? "", $0) }, uniquingKeysWith: { a, _ in a })
            // Staff members 1 and 2, Contractors (nested) member 8; not the break-glass account (skipped), not
            // user 4 whose token detection is 60 hours old, not user 5 (no rule for unfamiliar features).
            #expect(Set(byTarget.keys) == ["user1@contoso.example", "user2@contoso.example", "user8@contoso.example", "user3@contoso.example"])
            #expect(byTarget["user1@contoso.example"]?["action"] == "confirmCompromised")
            #expect(byTarget["user1@contoso.example"]?["approvalRequired"] == true)
            #expect(byTarget["user3@contoso.example"]?["action"] == "revokeSignInSessions")
            #expect(byTarget["user3@contoso.example"]?["approvalRequired"] == false)
            let evidence = try #require(byTarget["user1@contoso.example"]?["evidence"]?.arrayValue?.first)
            #expect(evidence["id"]?.stringValue == String(format: "%064d", 1))
            #expect(evidence["riskEventType"] == "leakedCredentials")
            #expect(evidence["ipAddress"] == "203.0.113.9")
            #expect(evidence["location"] == "Lisbon, PT")
            let skipped = try JSONValue.parse(Data(result.stdout.utf8))["skipped"]?.arrayValue ?? []
            let skippedReasons = skipped.map { $0["reason"] }
            #expect(skippedReasons == ["emergencyAccount"])
            #expect(skipped.first?["action"]?["target"]?["name"] == "breakglass@contoso.example")

            // The saved plan is the same plan; the text form names the approval.
            let saved = try JSONValue.parse(Data(contentsOf: session.directory.appendingPathComponent("plan.json")))
            #expect(saved["actions"]?.arrayValue?.count == 4)
            let text = try await session.run(["risk", "plan", "config"])
            #expect(text.exitCode == 2)
            #expect(text.stdout.contains("APPROVAL REQUIRED"))
            #expect(text.stdout.contains("4 actions (3 awaiting approval), 1 skipped, 0 errors."), "\(text.stdout)")
        }
    }

    @Test func applyRunsApprovedActionsOnlyFollowsAlongAndNeverActsTwice() async throws {
        try await Self.withSession { session in
            let plan = try Self.actions(try await session.run(["risk", "plan", "config", "--format", "json"]).stdout)
            let user1Action = plan.first { Self.targetName($0) == "user1@contoso.example" }
            let user1 = try #require(user1Action?["id"]?.stringValue)

            // Without --auto-approve and without a terminal, nothing happens.
            let refused = try await session.run(["risk", "apply", "config", "--audit-log", "audit.jsonl"])
            #expect(refused.exitCode == 1)
            #expect(refused.stderr.contains("--auto-approve"))
            #expect(try session.auditLines().isEmpty)

            // Approve one confirmation: it and the no-approval revoke run; the other two wait.
            let first = try await session.run(["risk", "apply", "config", "--auto-approve", "--approve", user1, "--approved-by", "alice@contoso.example",
                                               "--audit-log", "audit.jsonl"])
            #expect(first.exitCode == 2, "actions still await approval: \(first.stdout)\(first.stderr)")
            #expect(first.stdout.contains("user1@contoso.example"))
            #expect(first.stdout.contains("high/confirmedCompromised"), "follow-along shows the resulting risk: \(first.stdout)")
            #expect(try await session.riskyUser(1)?["riskState"] == "confirmedCompromised")
            #expect(try await session.riskyUser(1)?["riskLevel"] == "high")
            #expect(try await session.riskyUser(2)?["riskState"] == "atRisk", "not approved")
            #expect(try await session.riskyUser(7)?["riskState"] == "atRisk", "emergency account untouched")

            let lines = try session.auditLines()
            let executed = Self.lines(lines, result: "executed")
            #expect(Set(executed.compactMap(Self.targetName)) == ["user1@contoso.example", "user3@contoso.example"])
            let executedConfirm = executed.first { $0["action"]?.stringValue == "confirmCompromised" }
            let confirm = try #require(executedConfirm)
            #expect(confirm["approval"]?["approvedBy"] == "alice@contoso.example")
            #expect(confirm["rules"] == ["confirm-leaked"])
            #expect(confirm["requestIds"]?.arrayValue?.isEmpty == false)
            #expect(confirm["actor"]?.stringValue?.contains(session.server.credentials.clientId) == true)
            let skippedLines = Self.lines(lines, result: "skipped")
            let skippedNames = skippedLines.compactMap(Self.targetName)
            #expect(skippedNames.contains("breakglass@contoso.example"))
            let awaiting = skippedLines.filter { ($0["detail"]?.stringValue ?? "").hasPrefix("awaiting approval") }
            #expect(awaiting.count == 2)
            let secret = session.server.credentials.clientSecret ?? "no secret"
            let auditText = try String(contentsOf: session.auditLog, encoding: .utf8)
            #expect(!auditText.contains(secret) && !auditText.contains("eyJ"), "no secret or token in the audit log")

            // A second run executes nothing again.
            let second = try await session.run(["risk", "apply", "config", "--auto-approve", "--approve", user1, "--audit-log", "audit.jsonl"])
            #expect(second.exitCode == 2)
            let secondLines = try session.auditLines().dropFirst(lines.count)
            #expect(!secondLines.isEmpty)
            let executedAgain = Self.lines(Array(secondLines), result: "executed")
            #expect(executedAgain.isEmpty, "\(secondLines)")

            // A scheduled run on a fresh machine has no audit log: the tenant itself says what was done.
            // User 1 is confirmed compromised already; user 3's sessions were revoked after the detection.
            let fresh = try await session.run(["risk", "plan", "config", "--format", "json", "--audit-log", "fresh.jsonl"])
            let freshPlan = try JSONValue.parse(Data(fresh.stdout.utf8))
            let freshSkipped = freshPlan["skipped"]?.arrayValue ?? []
            let reasons = Dictionary(freshSkipped.map { (Self.targetName($0["action"] ?? .null) ?? "", $0["reason"]?.stringValue ?? "") },
                                     uniquingKeysWith: { first, _ in first })
            #expect(reasons["user1@contoso.example"] == "alreadyInEffect")
            #expect(reasons["user3@contoso.example"] == "sessionsAlreadyRevoked")
            let freshApply = try await session.run(["risk", "apply", "config", "--auto-approve", "--audit-log", "fresh.jsonl"])
            let freshLines = try String(contentsOf: session.directory.appendingPathComponent("fresh.jsonl"), encoding: .utf8)
            #expect(freshApply.exitCode == 2, "user 2 and 8 still await approval")
            #expect(!freshLines.contains("\"result\":\"executed\""), "\(freshLines)")
        }
    }

    @Test func aSavedPlanSkipsWhatWasRemediatedSince() async throws {
        try await Self.withSession { session in
            let planned = try await session.run(["risk", "plan", "config", "--out", "plan.json"])
            #expect(planned.exitCode == 2)
            // Someone dismisses user 2 by hand before the plan is applied.
            let dismissed = try await session.run(["risk", "dismiss", "--user", "user2@contoso.example", "--yes", "--config", "config",
                                                   "--reason", "verified with the user", "--audit-log", "audit.jsonl"])
            #expect(dismissed.exitCode == 0, "\(dismissed.stdout)\(dismissed.stderr)")
            #expect(try await session.riskyUser(2)?["riskState"] == "dismissed")

            let applied = try await session.run(["risk", "apply", "plan.json", "--config", "config", "--approve-all", "--auto-approve",
                                                 "--audit-log", "audit.jsonl"])
            #expect(applied.exitCode == 0, "\(applied.stdout)\(applied.stderr)")
            #expect(try await session.riskyUser(1)?["riskState"] == "confirmedCompromised")
            #expect(try await session.riskyUser(8)?["riskState"] == "confirmedCompromised", "nested group member")
            #expect(try await session.riskyUser(2)?["riskState"] == "dismissed", "stale action skipped, not re-confirmed")
            let lines = try session.auditLines()
            #expect(lines.first?["reason"] == "verified with the user")
            let skippedNames = Self.lines(lines, result: "skipped").compactMap(Self.targetName)
            #expect(skippedNames.contains("user2@contoso.example"))
        }
    }

    /// Regression (defects issue, items 3 and 4): a saved plan edited to confirm the emergency account
    /// without approval (ids and digest recomputed, as anyone can) does nothing to it; a plain edit is
    /// refused outright; a new detection since the plan stops the action; the plan is bound to its tenant.
    @Test func aSavedPlanIsCheckedAgainstTheConfigurationAndTheTenantsCurrentFacts() async throws {
        try await Self.withSession { session in
            let planned = try await session.run(["risk", "plan", "config", "--format", "json", "--out", "plan.json"])
            #expect(planned.exitCode == 2, "\(planned.stderr)")
            let file = session.directory.appendingPathComponent("plan.json")
            let original = try RiskPlan.decode(Data(contentsOf: file))
            #expect(original.tenantId == session.server.credentials.tenantId.lowercased())
            #expect(original.expiresAt != nil)

            // Without the configuration, a saved plan is not run at all.
            let unchecked = try await session.run(["risk", "apply", "plan.json", "--approve-all", "--auto-approve", "--audit-log", "audit.jsonl"])
            #expect(unchecked.exitCode == 1)
            #expect(unchecked.stderr.contains("pass --config PATH"), "\(unchecked.stderr)")

            // A plain edit: refused by the digest.
            let plain = try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: "\"approvalRequired\" : true", with: "\"approvalRequired\" : false")
            try plain.write(to: session.directory.appendingPathComponent("edited.json"), atomically: true, encoding: .utf8)
            let edited = try await session.run(["risk", "apply", "edited.json", "--config", "config", "--auto-approve", "--audit-log", "audit.jsonl"])
            #expect(edited.exitCode == 1)
            #expect(edited.stderr.contains("modified after it was made"), "\(edited.stderr)")

            // A careful forgery: user 1's action retargeted at the break-glass account, approval off, ids and digest recomputed.
            var forged = original
            let index = try #require(forged.actions.firstIndex { $0.target.name == "user1@contoso.example" })
            var action = forged.actions[index]
            action.target.id = "00000000-0000-4000-8000-000000000007"
            action.target.name = "breakglass@contoso.example"
            action.approvalRequired = false
            action.id = RiskRuleEvaluator.actionId(rules: action.rules, target: action.target, action: action.action, evidenceIds: action.evidence.map(\.id))
            forged.actions = [action]
            try forged.sealed().jsonData().write(to: session.directory.appendingPathComponent("forged.json"))
            let forgedRun = try await session.run(["risk", "apply", "forged.json", "--config", "config", "--auto-approve", "--audit-log", "audit.jsonl"])
            #expect(try await session.riskyUser(7)?["riskState"] == "atRisk", "the emergency account is never acted on: \(forgedRun.stdout)")
            #expect(forgedRun.stdout.contains("emergency access account"), "\(forgedRun.stdout)")

            // A new high detection for user 2 after the plan: the approved action is stale and skipped.
            var request = URLRequest(url: URL(string: "\(session.url)/_emulator/riskDetections")!)
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(#"{"userId":"00000000-0000-4000-8000-000000000002","riskEventType":"anonymizedIPAddress","riskLevel":"high","riskState":"atRisk","detectionTimingType":"realtime"}"#.utf8)
            _ = try await URLSession.shared.data(for: request)
            let user2 = try #require(original.actions.first { $0.target.name == "user2@contoso.example" })
            let stale = try await session.run(["risk", "apply", "plan.json", "--config", "config", "--approve", user2.id, "--auto-approve",
                                               "--audit-log", "audit.jsonl"])
            #expect(try await session.riskyUser(2)?["riskState"] == "atRisk", "\(stale.stdout)")
            let skipped = Self.lines(try session.auditLines(), result: "skipped").filter { Self.targetName($0) == "user2@contoso.example" }
            let details = skipped.compactMap { $0["detail"]?.stringValue }
            #expect(details.contains { $0.contains("since the plan") }, "\(details)")

            // User 8 is deleted from the directory after the plan: the approved action is not run.
            let token = try await session.server.accessToken(lifetime: .seconds(600), permissions: ["User.ReadWrite.All"])
            var deletion = URLRequest(url: URL(string: "\(session.url)/v1.0/users/00000000-0000-4000-8000-000000000008")!)
            deletion.httpMethod = "DELETE"
            deletion.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            let (_, response) = try await URLSession.shared.data(for: deletion)
            #expect((response as? HTTPURLResponse)?.statusCode == 204)
            let user8 = try #require(original.actions.first { $0.target.name == "user8@contoso.example" })
            _ = try await session.run(["risk", "apply", "plan.json", "--config", "config", "--approve", user8.id, "--auto-approve",
                                       "--audit-log", "audit.jsonl"])
            #expect(try await session.riskyUser(8)?["riskState"] == "atRisk")
            let deletedLines = Self.lines(try session.auditLines(), result: "skipped").filter { Self.targetName($0) == "user8@contoso.example" }
            let deletedDetails = deletedLines.compactMap { $0["detail"]?.stringValue }
            #expect(deletedDetails.contains("the user was deleted since the plan"), "\(deletedDetails)")
        }
    }

    @Test func manualActionsAskProtectEmergencyAccountsAndAudit() async throws {
        try await Self.withSession { session in
            // Not on a terminal and no --yes: refused before anything is written.
            let unconfirmed = try await session.run(["risk", "confirm-compromised", "--user", "user5@contoso.example", "--config", "config",
                                                     "--audit-log", "audit.jsonl"])
            #expect(unconfirmed.exitCode == 1)
            #expect(unconfirmed.stderr.contains("--yes"))
            #expect(try await session.riskyUser(5)?["riskState"] == "atRisk")

            let confirmed = try await session.run(["risk", "confirm-compromised", "--user", "user5@contoso.example", "--config", "config", "--yes",
                                                   "--reason", "INC-4711", "--audit-log", "audit.jsonl"])
            #expect(confirmed.exitCode == 0, "\(confirmed.stdout)\(confirmed.stderr)")
            #expect(confirmed.stderr.contains("manual: INC-4711"))
            #expect(try await session.riskyUser(5)?["riskLevel"] == "high")
            #expect(try await session.riskyUser(5)?["riskState"] == "confirmedCompromised")
            let line = try #require(session.auditLines().last)
            #expect(line["result"] == "executed")
            #expect(line["reason"] == "INC-4711")
            #expect(line["evidence"]?.arrayValue?.first?["id"]?.stringValue == String(format: "%064d", 7), "the user's detections as evidence")

            // The break-glass account is refused (and the refusal audited) unless asked for.
            let refused = try await session.run(["risk", "revoke-sessions", "--user", "breakglass@contoso.example", "--config", "config", "--yes",
                                                 "--audit-log", "audit.jsonl"])
            #expect(refused.exitCode == 1)
            #expect(refused.stderr.contains("is an emergency access account"))
            #expect(try session.auditLines().last?["result"] == "skipped")
            // Run from the configuration directory, its entraform.yaml is found without --config.
            let fromConfig = try await session.run(["risk", "revoke-sessions", "--user", "breakglass@contoso.example", "--yes",
                                                    "--audit-log", "../audit.jsonl"], in: "config")
            #expect(fromConfig.exitCode == 1)
            #expect(fromConfig.stderr.contains("is an emergency access account"))
            // Without any configuration, the command says the check was not made.
            let unchecked = try await session.run(["risk", "revoke-sessions", "--user", "user4@contoso.example", "--yes", "--audit-log", "audit.jsonl"])
            #expect(unchecked.exitCode == 0)
            #expect(unchecked.stderr.contains("emergency access accounts are not checked"))
            let allowed = try await session.run(["risk", "revoke-sessions", "--user", "breakglass@contoso.example", "--config", "config", "--yes",
                                                 "--allow-emergency-account", "--audit-log", "audit.jsonl"])
            #expect(allowed.exitCode == 0, "\(allowed.stdout)\(allowed.stderr)")
            #expect(try session.auditLines().last?["result"] == "executed")

            // An unknown user is a clear error.
            let unknown = try await session.run(["risk", "dismiss", "--user", "nobody@contoso.example", "--config", "config", "--yes"])
            #expect(unknown.exitCode == 1)
            #expect(unknown.stderr.contains("user 'nobody@contoso.example' not found"))
        }
    }

    @Test func riskyServicePrincipalsAreConfirmedThroughTheirOwnEndpoint() async throws {
        let rules = """
            kind: RiskResponseRule
            name: confirm-suspicious-api-traffic
            subject: servicePrincipals
            when:
              riskEventTypes: [suspiciousAPITraffic]
              detectedWithin: 1d
            action: confirmCompromised
            """
        try await Self.withSession(rules: rules) { session in
            let plan = try await session.run(["risk", "plan", "config", "--format", "json"])
            #expect(plan.exitCode == 2, "\(plan.stderr)")
            let action = try #require(Self.actions(plan.stdout).first)
            #expect(action["target"]?["kind"] == "servicePrincipals")
            #expect(action["target"]?["id"] == "bbbbbbbb-0000-4000-8000-000000000001")

            let applied = try await session.run(["risk", "apply", "config", "--auto-approve", "--audit-log", "audit.jsonl"])
            #expect(applied.exitCode == 0, "\(applied.stdout)\(applied.stderr)")
            let state = try await session.server.stateDocument()
            let principal = try #require(state["riskyServicePrincipals"]?.arrayValue?.first)
            #expect(principal["riskState"] == "confirmedCompromised")
            #expect(principal["riskLevel"] == "high")
            #expect(try session.auditLines().first?["target"]?["kind"] == "servicePrincipals")

            let again = try await session.run(["risk", "plan", "config", "--format", "json"])
            #expect(again.exitCode == 0, "already confirmed: nothing to do (\(again.stdout))")

            // doctor checks the permission service principal rules need: reading them when read-only
            // (the emulator's ReadWrite permission satisfies it), acting on them otherwise.
            let doctor = try await session.run(["doctor", "config", "--read-only"])
            #expect(doctor.stdout.contains("✓ IdentityRiskyServicePrincipal.Read.All — read risky service principals"), "\(doctor.stdout)")
            let writingDoctor = try await session.run(["doctor", "config"])
            #expect(writingDoctor.stdout.contains("✓ IdentityRiskyServicePrincipal.ReadWrite.All — read risky service principals"),
                    "\(writingDoctor.stdout)")
        }
    }

    @Test func conflictsAndOversizedRulesAreErrorsNotGuesses() async throws {
        let rules = Self.rules + """

            ---
            kind: RiskResponseRule
            name: dismiss-leaked-contractors
            when:
              riskEventTypes: [leakedCredentials]
              users: {includeGroups: [Contractors]}
            action: dismiss
            ---
            kind: RiskResponseRule
            name: revoke-everyone
            when:
              riskEventTypes: [leakedCredentials, anomalousToken, unfamiliarFeatures]
            action: revokeSignInSessions
            maxActionsPerRun: 2
            """
        try await Self.withSession(rules: rules) { session in
            let result = try await session.run(["risk", "plan", "config"])
            #expect(result.exitCode == 1)
            // Each error points at the line that causes it: the confirming rule's action, the exceeded limit.
            let ruleLines = rules.split(separator: "\n", omittingEmptySubsequences: false)
            let actionLine = try #require(ruleLines.firstIndex(of: "action: confirmCompromised")) + 1
            let limitLine = try #require(ruleLines.firstIndex(of: "maxActionsPerRun: 2")) + 1
            #expect(result.stdout.contains("config/rules.yaml:\(actionLine):9: user8@contoso.example: confirm-leaked confirms compromise "
                + "but dismiss-leaked-contractors dismisses the risk"), "\(result.stdout)")
            #expect(result.stdout.contains("config/rules.yaml:\(limitLine):19: rule 'revoke-everyone' matched"), "\(result.stdout)")
            // apply acts on nothing the errors concern and says why.
            let applied = try await session.run(["risk", "apply", "config", "--auto-approve", "--approve-all", "--audit-log", "audit.jsonl"])
            #expect(applied.exitCode == 1)
            #expect(try await session.riskyUser(8)?["riskState"] == "atRisk")
        }
    }
}

/// Who the audit trail names as the actor, from the credential and the token's claims.
@Suite("risk audit actor")
struct RiskActorTests {
    /// An unsigned compact JWT with `claims` (the actor is read, never verified, from the token in use).
    static func token(_ claims: JSONValue) -> String {
        let header = Base64URL.encode(Data(#"{"alg":"none","typ":"JWT"}"#.utf8))
        return "\(header).\(Base64URL.encode(claims.serialized())).signature"
    }

    static func actor(_ credential: Credential) async throws -> String {
        let transport = AsyncHTTPClientTransport()
        let client = GraphClient(credential: credential,
                                 configuration: GraphClientConfiguration(endpoints: try GraphEndpoints(graphURL: "http://127.0.0.1:9", loginURL: nil),
                                                                         pacing: .disabled),
                                 transport: transport)
        let actor = await RiskPlanning.actor(GraphConnection(client: client, credential: credential, transport: transport, onClose: nil))
        await transport.shutdown()
        return actor
    }

    @Test func aDelegatedTokenNamesTheUserAndTheApplication() async throws {
        let delegated = Self.token(["upn": "alice@contoso.example", "appid": "11111111-2222-4333-8444-555555555555", "scp": "IdentityRiskyUser.ReadWrite.All",
                                    "exp": .number(Date().timeIntervalSince1970 + 3_600)])
        #expect(try await Self.actor(.accessToken(delegated)) == "user alice@contoso.example via client 11111111-2222-4333-8444-555555555555")
    }

    @Test func anApplicationTokenNamesTheApplication() async throws {
        let appOnly = Self.token(["appid": "66666666-2222-4333-8444-555555555555", "roles": ["IdentityRiskyUser.ReadWrite.All"],
                                  "exp": .number(Date().timeIntervalSince1970 + 3_600)])
        #expect(try await Self.actor(.accessToken(appOnly)) == "client 66666666-2222-4333-8444-555555555555")
    }
}
