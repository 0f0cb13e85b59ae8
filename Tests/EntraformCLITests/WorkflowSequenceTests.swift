import EntraformTestSupport
import Foundation
import GraphEmulator
import PolicyModel
import Testing

/// The GitHub example workflows' entraform commands, in the order a change goes through them (plan on
/// the pull request → apply of the reviewed plan → scheduled drift → scheduled risk plan and apply), run
/// with the built binary against the emulator seeded with the Contoso tenant and the repository's
/// `policies/`. Each command line is first found, word for word, in its workflow file, so the sequence
/// cannot drift from what the files run; only the connection (`--graph-url`, client pacing off) and the
/// credentials (environment, as the OIDC login provides them) are added.
@Suite("CI example workflows: the command sequence against the emulator")
struct WorkflowSequenceTests {
    struct Step {
        var workflow: String
        /// The command line as the workflow writes it (after `entraform`, before any redirection).
        var line: String
        var expectedExitCodes: Set<Int32>
        /// `validate` reads no tenant: no connection options.
        var offline = false
    }

    static let steps = [
        Step(workflow: "plan.yml", line: "validate policies --format github", expectedExitCodes: [0], offline: true),
        Step(workflow: "plan.yml", line: "plan policies --out plan.json --format markdown", expectedExitCodes: [0]),
        Step(workflow: "apply.yml", line: "apply reviewed/plan.json --backup-dir backups", expectedExitCodes: [0]),
        Step(workflow: "drift.yml", line: "drift policies --format markdown --detailed-exitcode", expectedExitCodes: [0]),
        Step(workflow: "risk.yml", line: "risk plan policies --out risk-plan.json --valid-for 4h --audit-log audit.jsonl", expectedExitCodes: [0, 2]),
        // 2: actions await approval (the workflow's notice), the approval job runs them.
        Step(workflow: "risk.yml", line: "risk apply risk-plan.json --config policies --auto-approve --audit-log audit.jsonl", expectedExitCodes: [2]),
        Step(workflow: "risk.yml", line: "risk apply approved/risk-plan.json --config policies --approve \"${ids[@]}\" --approved-by \"$APPROVER\" --auto-approve --audit-log audit.jsonl",
             expectedExitCodes: [0]),
    ]

    @Test func planApplyDriftAndRiskRunInOrder() async throws {
        let examples = TestPaths.packageRoot.appendingPathComponent("examples/github-actions")
        for step in Self.steps {
            let text = try String(contentsOf: examples.appendingPathComponent(step.workflow), encoding: .utf8)
            #expect(text.contains("entraform \(step.line)"), "\(step.workflow) no longer runs `entraform \(step.line)`")
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("entraform-workflow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: TestPaths.packageRoot.appendingPathComponent("policies"), to: work.appendingPathComponent("policies"))
        let seed = try TenantSeed(contentsOf: TestPaths.packageRoot.appendingPathComponent("examples/contoso/tenant.json"))
        try await withEmulator(EmulatorConfiguration(seed: seed)) { server, url in
            let credentials = server.credentials
            let environment = ["AZURE_TENANT_ID": credentials.tenantId, "AZURE_CLIENT_ID": credentials.clientId,
                               "AZURE_CLIENT_SECRET": credentials.clientSecret ?? ""]
            for step in Self.steps {
                // The apply job downloads the reviewed plan artifact into reviewed/.
                if step.workflow == "apply.yml" {
                    let reviewed = work.appendingPathComponent("reviewed")
                    try FileManager.default.createDirectory(at: reviewed, withIntermediateDirectories: true)
                    try FileManager.default.copyItem(at: work.appendingPathComponent("plan.json"), to: reviewed.appendingPathComponent("plan.json"))
                }
                var words = step.line.split(separator: " ").map(String.init)
                if words.contains("approved/risk-plan.json") {
                    // The approval job downloads the scheduled run's plan into approved/ and is given the ids to approve.
                    let approved = work.appendingPathComponent("approved")
                    try FileManager.default.createDirectory(at: approved, withIntermediateDirectories: true)
                    try FileManager.default.copyItem(at: work.appendingPathComponent("risk-plan.json"), to: approved.appendingPathComponent("risk-plan.json"))
                    let plan = try JSONValue.parse(Data(contentsOf: work.appendingPathComponent("risk-plan.json")))
                    let ids = (plan["actions"]?.arrayValue ?? []).filter { $0["approvalRequired"]?.boolValue == true }.compactMap { $0["id"]?.stringValue }
                    #expect(!ids.isEmpty, "the scheduled risk plan has actions awaiting approval")
                    words = words.flatMap { word -> [String] in
                        switch word {
                        case "\"${ids[@]}\"": ids
                        case "\"$APPROVER\"": ["octocat"]
                        default: [word]
                        }
                    }
                }
                let connection = step.offline ? [] : ["--graph-url", url.absoluteString, "--requests-per-second", "0"]
                let result = try await BinaryRunner.runDetached(words + connection, in: work, environment: environment)
                #expect(step.expectedExitCodes.contains(result.exitCode),
                        "`entraform \(step.line)` exited \(result.exitCode): \(result.stderr.suffix(800))")
                switch words.prefix(2).joined(separator: " ") {
                case "plan policies":
                    #expect(result.stdout.contains("<!-- entraform-plan -->"), "the sticky comment's marker")
                    #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent("plan.json").path))
                case "apply reviewed/plan.json":
                    #expect(result.stdout.contains("Apply complete"), "\(result.stdout.suffix(400))")
                case "drift policies":
                    #expect(!result.stdout.isEmpty)
                case "risk apply" where words.contains("--approve"):
                    let audit = (try? String(contentsOf: work.appendingPathComponent("audit.jsonl"), encoding: .utf8)) ?? ""
                    let executed = audit.split(separator: "\n").filter { $0.contains("\"executed\"") && $0.contains("octocat") }
                    #expect(!executed.isEmpty, "the audit log records the approved actions, with the approver: \(audit.suffix(600))")
                default:
                    break
                }
            }
        }
    }
}
