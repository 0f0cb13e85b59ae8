import EntraformCLI
import EntraformTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GraphClient
import GraphEmulator
import PolicyModel
import Testing

/// Microsoft's Identity Protection tutorial ("Identify and remediate risks using Microsoft Graph APIs")
/// replayed against the emulator with the built `entraform` binary and the files of
/// `examples/identity-protection-tutorial` (so the walk-through there cannot drift from what is tested):
/// a risky sign-in from an anonymizing browser, its detection listed by user, a policy requiring MFA for
/// medium or high sign-in risk, a sign-in that passes MFA and remediates its risk, a policy blocking high
/// sign-in risk and a sign-in it blocks, the user dismissed by a risk-response rule, and both policies
/// deleted. Each step's effect is read back through Graph, as the tutorial reads it.
@Suite("Identity Protection tutorial (binary against the emulator)", .emulatorScope)
struct IdentityProtectionTutorialTests {
    static let example = TestPaths.packageRoot.appendingPathComponent("examples/identity-protection-tutorial")
    static let user = "MyTestUser1@contoso.com"
    static let userId = "4628e7df-dff3-407c-a08f-75f08c0806dc"
    static let mfaPolicy = "Tutorial - Policy for risky sign-in"
    static let blockPolicy = "Tutorial - Policy for risky sign-in block access"
    /// The tutorial's filter on risk detections and risky users.
    static let byDisplayName = "userDisplayName eq 'MyTestUser1'"
    static let byPrincipalName = "userPrincipalName eq '\(user)'"

    /// The emulator, a working folder whose `tutorial/` configuration the steps fill from the example,
    /// and a Graph client for reading the effects back.
    struct Tutorial {
        var url: URL
        var folder: URL
        var environment: [String: String]
        var client: GraphClient

        var configuration: URL { folder.appendingPathComponent("tutorial") }

        /// `entraform arguments… --graph-url URL` in the working folder (no client-side pacing: the
        /// emulator has no rate limit here).
        func entraform(_ arguments: [String]) async throws -> BinaryRunner.Result {
            try await BinaryRunner.runDetached(arguments + ["--graph-url", url.absoluteString, "--requests-per-second", "0"],
                                               in: folder, environment: environment)
        }

        /// `plan` (changes, `summary`), `apply --auto-approve`, `plan` again (no changes): the plan's text.
        func converge(_ summary: String) async throws -> String {
            let plan = try await entraform(["plan", "tutorial", "--detailed-exitcode"])
            #expect(plan.exitCode == 2, "\(plan.stderr)")
            #expect(plan.stdout.contains(summary), "\(plan.stdout)")
            let apply = try await entraform(["apply", "tutorial", "--auto-approve"])
            #expect(apply.exitCode == 0, "\(apply.stdout)\(apply.stderr)")
            let again = try await entraform(["plan", "tutorial", "--detailed-exitcode"])
            #expect(again.exitCode == 0, "\(again.stdout)\(again.stderr)")
            #expect(again.stdout.contains("No changes."), "\(again.stdout)")
            return plan.stdout
        }

        /// Copies `path` of the example into the configuration, as the walk-through's `cp` does.
        func add(_ path: String) throws {
            let target = configuration.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: IdentityProtectionTutorialTests.example.appendingPathComponent(path), to: target)
        }

        func remove(_ path: String) throws {
            try FileManager.default.removeItem(at: configuration.appendingPathComponent(path))
        }

        /// `POST /_emulator/signIns` with the body of the example's `sign-ins/<file>`: the recorded sign-in.
        func signIn(_ file: String) async throws -> JSONValue {
            var request = URLRequest(url: url.appendingPathComponent("_emulator/signIns"))
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try Data(contentsOf: IdentityProtectionTutorialTests.example.appendingPathComponent("sign-ins/\(file)"))
            let (data, response) = try await URLSession.shared.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode
            #expect(status == 201, "\(String(decoding: data, as: UTF8.self))")
            return try JSONValue.parse(data)
        }

        /// Every item of a v1.0 collection, filtered as the tutorial filters it.
        func list(_ path: String, filter: String? = nil) async throws -> [JSONValue] {
            try await client.listAll(path, query: GraphQuery(filter: filter), version: .v1)
        }
    }

    static func applied(_ signIn: JSONValue, _ name: String) -> JSONValue? {
        let policies = signIn["appliedConditionalAccessPolicies"]?.arrayValue ?? []
        return policies.first { $0["displayName"]?.stringValue == name }
    }

    static func policyId(_ policies: [JSONValue], _ name: String) -> String? {
        let policy = policies.first { $0["displayName"]?.stringValue == name }
        return policy?["id"]?.stringValue
    }

    @Test func theTutorialStepByStep() async throws {
        let seed = try TenantSeed(contentsOf: Self.example.appendingPathComponent("tenant.json"))
        let (server, url) = try await startScopedEmulator(EmulatorConfiguration(seed: seed))
        let credentials = server.credentials
        let (client, transport) = try testEmulatorClient(url, .clientSecret(tenantId: credentials.tenantId, clientId: credentials.clientId,
                                                                            secret: credentials.clientSecret ?? ""))
        let tutorial = Tutorial(
            url: url, folder: try BinaryRunner.temporaryDirectory([:]),
            environment: ["AZURE_TENANT_ID": credentials.tenantId, "AZURE_CLIENT_ID": credentials.clientId,
                          "AZURE_CLIENT_SECRET": credentials.clientSecret ?? ""],
            client: client)
        do {
            try await Self.steps(tutorial)
        } catch {
            await transport.shutdown()
            throw error
        }
        await transport.shutdown()
    }

    static func steps(_ tutorial: Tutorial) async throws {
        // 1. A sign-in from an anonymizing browser, before any policy: it gets through, and Identity
        //    Protection records an anonymizedIPAddress detection (medium) and a risky user.
        let first = try await tutorial.signIn("1-anonymous-browser.json")
        #expect(first["status"]?["errorCode"] == 0)
        #expect(first["conditionalAccessStatus"] == "notApplied")
        #expect(first["riskLevelDuringSignIn"] == "medium")
        #expect(first["riskEventTypes_v2"] == ["anonymizedIPAddress"])
        #expect(first["riskState"] == "atRisk")
        let risky = try await tutorial.list("/identityProtection/riskyUsers", filter: byDisplayName)
        #expect(risky.count == 1)
        #expect(risky.first?["id"]?.stringValue == userId)
        #expect(risky.first?["riskState"] == "atRisk")
        #expect(risky.first?["riskLevel"] == "medium")

        // 2. The user's detections, filtered by user as the tutorial does (by display name, and by UPN).
        let detections = try await tutorial.list("/identityProtection/riskDetections", filter: byDisplayName)
        #expect(detections.count == 1)
        let detection = try #require(detections.first)
        // What the tutorial's listing shows for the anonymous-browser sign-in.
        let shown = ["riskEventType", "riskLevel", "riskState", "detectionTimingType", "activity", "ipAddress", "userPrincipalName"]
        let expected: [JSONValue?] = ["anonymizedIPAddress", "medium", "atRisk", "realtime", "signin", "198.51.100.23", .string(user)]
        #expect(shown.map { detection[$0] } == expected)
        #expect(detection["requestId"] == first["id"])
        let byUPN = try await tutorial.list("/identityProtection/riskDetections", filter: byPrincipalName)
        #expect(byUPN.map { $0["id"] } == detections.map { $0["id"] })
        let signIns = try await tutorial.list("/auditLogs/signIns", filter: byPrincipalName)
        #expect(signIns.map { $0["id"] } == [first["id"]])

        // 3. The MFA policy for medium and high sign-in risk, from YAML: planned, applied, then no changes.
        try tutorial.add("entraform.yaml")
        try tutorial.add("policies/require-mfa-for-risky-sign-in.yaml")
        let validate = try await BinaryRunner.runDetached(["validate", "tutorial"], in: tutorial.folder)
        #expect(validate.exitCode == 0, "\(validate.stdout)\(validate.stderr)")
        let plan = try await tutorial.converge("Plan: 1 to create, 0 to update, 0 to delete.")
        #expect(plan.contains("+ conditional access policy \"\(mfaPolicy)\""), "\(plan)")
        let afterStep3 = try await tutorial.list("/identity/conditionalAccess/policies")
        let mfa = try #require(afterStep3.first { $0["displayName"]?.stringValue == mfaPolicy })
        #expect(mfa["state"] == "enabled")
        #expect(Set(mfa["conditions"]?["signInRiskLevels"]?.stringArray ?? []) == ["medium", "high"])
        #expect(mfa["conditions"]?["users"]?["includeUsers"] == [.string(userId)])
        #expect(mfa["conditions"]?["applications"]?["includeApplications"] == ["All"])
        #expect(mfa["grantControls"]?["builtInControls"] == ["mfa"])

        // 4. The same browser with MFA: the policy applies and succeeds, and the sign-in's risk is remediated.
        let second = try await tutorial.signIn("2-anonymous-browser-with-mfa.json")
        #expect(second["status"]?["errorCode"] == 0)
        #expect(second["conditionalAccessStatus"] == "success")
        #expect(applied(second, mfaPolicy)?["result"] == "success")
        #expect(applied(second, mfaPolicy)?["enforcedGrantControls"] == ["Mfa"])
        #expect(second["riskState"] == "remediated")
        #expect(second["riskDetail"] == "userPassedMFADrivenByRiskBasedPolicy")
        let secondId = try #require(second["id"]?.stringValue)
        let logged = try await tutorial.client.send(.get("/auditLogs/signIns/\(secondId)", version: .v1)).body
        #expect(logged?["appliedConditionalAccessPolicies"] == second["appliedConditionalAccessPolicies"])
        #expect(logged?["riskState"] == "remediated")
        let afterStep4 = try await tutorial.list("/identityProtection/riskDetections", filter: byDisplayName)
        let remediated = afterStep4.first { $0["requestId"]?.stringValue == secondId }
        #expect(remediated?["riskState"] == "remediated")
        #expect(remediated?["riskDetail"] == "userPassedMFADrivenByRiskBasedPolicy")
        // The step 1 detection was never remediated (no policy asked for MFA then); all open detections
        // count towards the user's risk, so the user stays at risk until step 6 dismisses it.
        let stillOpen = afterStep4.first { $0["id"] == detection["id"] }
        #expect(stillOpen?["riskState"] == "atRisk")
        let history = try await tutorial.client.listRiskyUserHistory(userId: userId)
        #expect(history.contains { $0["activity"]?["detail"] == "userPassedMFADrivenByRiskBasedPolicy" })
        let riskyAfterStep4 = try await tutorial.list("/identityProtection/riskyUsers", filter: byDisplayName)
        #expect(riskyAfterStep4.first?["riskState"] == "atRisk")

        // 5. The block policy for high sign-in risk, from YAML; a high-risk sign-in is blocked (53003)
        //    even with MFA, and remediates nothing.
        try tutorial.add("policies/block-high-risk-sign-in.yaml")
        let planBlock = try await tutorial.converge("Plan: 1 to create, 0 to update, 0 to delete.")
        #expect(planBlock.contains("+ conditional access policy \"\(blockPolicy)\""), "\(planBlock)")
        let third = try await tutorial.signIn("3-high-risk.json")
        #expect(third["status"]?["errorCode"] == 53003)
        #expect(third["conditionalAccessStatus"] == "failure")
        #expect(third["riskLevelDuringSignIn"] == "high")
        #expect(applied(third, blockPolicy)?["result"] == "failure")
        #expect(applied(third, blockPolicy)?["enforcedGrantControls"] == ["Block"])
        #expect(third["riskState"] == "atRisk")
        let blocked = try await tutorial.list("/auditLogs/signIns", filter: "\(byPrincipalName) and status/errorCode eq 53003")
        #expect(blocked.map { $0["id"] } == [third["id"]])
        let riskyAfterStep5 = try await tutorial.list("/identityProtection/riskyUsers", filter: byDisplayName)
        #expect(riskyAfterStep5.first?["riskLevel"] == "high")

        // 6. Dismiss the user with the risk-response rule: it requires approval, so nothing happens
        //    until the action is approved by id; then the user is dismissed and the audit log says so.
        try tutorial.add("rules/dismiss-tutorial-user.yaml")
        let riskPlan = try await tutorial.entraform(["risk", "plan", "tutorial", "--user", user, "--format", "json"])
        #expect(riskPlan.exitCode == 2, "\(riskPlan.stdout)\(riskPlan.stderr)")
        let actions = try JSONValue.parse(Data(riskPlan.stdout.utf8))["actions"]?.arrayValue ?? []
        #expect(actions.count == 1)
        let action = try #require(actions.first)
        #expect(action["action"] == "dismiss")
        #expect(action["approvalRequired"] == true)
        #expect(action["target"]?["id"] == .string(userId))
        let evidence = (action["evidence"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
        #expect(evidence.contains(detection["id"]?.stringValue ?? "-"))
        let actionId = try #require(action["id"]?.stringValue)
        let unapproved = try await tutorial.entraform(["risk", "apply", "tutorial", "--user", user, "--auto-approve"])
        #expect(unapproved.exitCode == 2, "\(unapproved.stdout)\(unapproved.stderr)")
        let waiting = try await tutorial.list("/identityProtection/riskyUsers", filter: byDisplayName)
        #expect(waiting.first?["riskState"] == "atRisk")
        let approved = try await tutorial.entraform(["risk", "apply", "tutorial", "--user", user, "--approve", actionId,
                                                     "--approved-by", "alice@contoso.com", "--auto-approve"])
        #expect(approved.exitCode == 0, "\(approved.stdout)\(approved.stderr)")
        let dismissed = try await tutorial.list("/identityProtection/riskyUsers", filter: byDisplayName)
        #expect(dismissed.first?["riskState"] == "dismissed")
        #expect(dismissed.first?["riskLevel"] == "none")
        #expect(dismissed.first?["riskDetail"] == "adminDismissedAllRiskForUser")
        let open = try await tutorial.list("/identityProtection/riskDetections", filter: "\(byPrincipalName) and riskState eq 'atRisk'")
        #expect(open.isEmpty)
        let auditText = try String(contentsOf: tutorial.folder.appendingPathComponent(".entraform/audit.jsonl"), encoding: .utf8)
        let records = try auditText.split(separator: "\n").map { try JSONValue.parse(Data($0.utf8)) }
        let executed = records.filter { $0["result"] == "executed" }
        #expect(executed.count == 1, "\(auditText)")
        #expect(executed.first?["action"] == "dismiss")
        #expect(executed.first?["actionId"] == .string(actionId))
        #expect(executed.first?["target"]?["id"] == .string(userId))
        #expect(executed.first?["approval"]?["approvedBy"] == "alice@contoso.com")

        // 7. Delete both policies by removing their files: prune (in the Tutorial scope) plans two
        //    deletes, apply makes them, Graph no longer has the policies, and the directory audit log
        //    records both deletes by the tutorial's application.
        let live = try await tutorial.list("/identity/conditionalAccess/policies")
        let mfaId = try #require(policyId(live, mfaPolicy))
        let blockId = try #require(policyId(live, blockPolicy))
        try tutorial.remove("policies/require-mfa-for-risky-sign-in.yaml")
        try tutorial.remove("policies/block-high-risk-sign-in.yaml")
        let planDelete = try await tutorial.converge("Plan: 0 to create, 0 to update, 2 to delete.")
        #expect(planDelete.contains("- conditional access policy \"\(mfaPolicy)\""), "\(planDelete)")
        #expect(planDelete.contains("- conditional access policy \"\(blockPolicy)\""), "\(planDelete)")
        #expect(try await tutorial.list("/identity/conditionalAccess/policies").isEmpty)
        for id in [mfaId, blockId] {
            do {
                _ = try await tutorial.client.send(.get("/identity/conditionalAccess/policies/\(id)", version: .v1))
                Issue.record("policy \(id) is still there")
            } catch {
                #expect(error.status == 404, "\(error)")
            }
        }
        let deletes = try await tutorial.client.listDirectoryAudits(filter: "activityDisplayName eq 'Delete conditional access policy'")
        #expect(Set(deletes.compactMap { $0["targetResources"]?.arrayValue?.first?["id"]?.stringValue }) == [mfaId, blockId])
        #expect(deletes.allSatisfy { $0["category"] == "Policy" && $0["initiatedBy"]?["app"]?["displayName"] == "entraform tutorial" })
        let adds = try await tutorial.client.listDirectoryAudits(filter: "activityDisplayName eq 'Add conditional access policy'")
        #expect(Set(adds.compactMap { $0["targetResources"]?.arrayValue?.first?["id"]?.stringValue }) == [mfaId, blockId])
    }

    /// The walk-through's README: every `entraform …` line of its shell blocks parses with the CLI's own parser, and every
    /// file of the example it names exists.
    @Test func theWalkThroughsCommandsParseAndItsFilesExist() throws {
        let readme = try String(contentsOf: Self.example.appendingPathComponent("README.md"), encoding: .utf8)
        // The shell blocks (prose may start a line with "entraform" too).
        let shell = readme.components(separatedBy: "```sh\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        let commands = shell.flatMap(ExampleWorkflowTests.entraformCommands)
        #expect(commands.count >= 8, "\(commands)")
        for words in commands {
            do {
                _ = try Entraform.parseAsRoot(Array(words.dropFirst()))
            } catch {
                Issue.record("`\(words.joined(separator: " "))`: \(Entraform.message(for: error))")
            }
        }
        let prefix = "examples/identity-protection-tutorial/"
        var named: Set<String> = []
        var rest = readme[...]
        while let range = rest.range(of: prefix) {
            let path = rest[range.upperBound...].prefix { !" \t\n`)'\";".contains($0) }
            // `sign-ins/$1` in a shell function names a file only when called.
            if !path.isEmpty, !path.contains("$") { named.insert(String(path)) }
            rest = rest[range.upperBound...]
        }
        #expect(named.isSuperset(of: ["tenant.json", "entraform.yaml", "policies/require-mfa-for-risky-sign-in.yaml",
                                      "policies/block-high-risk-sign-in.yaml", "rules/dismiss-tutorial-user.yaml"]), "\(named)")
        for path in named {
            #expect(FileManager.default.fileExists(atPath: Self.example.appendingPathComponent(path).path), "README names \(prefix)\(path)")
        }
    }
}
