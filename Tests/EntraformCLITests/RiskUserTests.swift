import EntraformTestSupport
import Foundation
import PolicyModel
import Testing

/// `risk plan|apply --user`: the rules for the one user an alert names (what a Sentinel automation
/// rule or a Defender XDR webhook passes to a `repository_dispatch` workflow).
@Suite("risk --user (binary)")
struct RiskUserTests {
    static let tenant = TestPaths.packageRoot.appendingPathComponent("examples/contoso/tenant.json").path
    static let policies = TestPaths.packageRoot.appendingPathComponent("policies").path

    static func targets(_ output: String) throws -> [String] {
        let plan = try JSONValue.parse(Data(output.utf8))
        return (plan["actions"]?.arrayValue ?? []).compactMap { $0["target"]?["name"]?.stringValue }
    }

    @Test func onlyTheNamedUsersActionsArePlanned() async throws {
        let everyone = try await BinaryRunner.runDetached(["risk", "plan", Self.policies, "--emulator", Self.tenant, "--format", "json", "--no-step-summary"])
        let all = try Self.targets(everyone.stdout)
        #expect(Set(all).count > 1, "the seed should give several users actions: \(all)")
        let user = try #require(all.first)
        let one = try await BinaryRunner.runDetached(["risk", "plan", Self.policies, "--emulator", Self.tenant, "--format", "json", "--no-step-summary",
                                                      "--user", user.uppercased()])
        #expect([0, 2].contains(one.exitCode), "\(one.stderr)")
        #expect(try Self.targets(one.stdout) == all.filter { $0 == user })
    }

    @Test func anUnknownUserOrASavedPlanWithUserIsAnError() async throws {
        let unknown = try await BinaryRunner.runDetached(["risk", "plan", Self.policies, "--emulator", Self.tenant, "--user", "nobody@contoso.com"])
        #expect(unknown.exitCode == 1)
        #expect(unknown.stderr.contains("no user 'nobody@contoso.com' in the tenant"))

        let directory = try BinaryRunner.temporaryDirectory([:])
        let saved = directory.appendingPathComponent("risk-plan.json").path
        let plan = try await BinaryRunner.runDetached(["risk", "plan", Self.policies, "--emulator", Self.tenant, "--out", saved, "--no-step-summary"])
        #expect([0, 2].contains(plan.exitCode), "\(plan.stderr)")
        let apply = try await BinaryRunner.runDetached(["risk", "apply", saved, "--config", Self.policies, "--emulator", Self.tenant,
                                                        "--user", "james.wilson@contoso.com"])
        #expect(apply.exitCode == 1)
        #expect(apply.stderr.contains("a saved plan already names its users"), "\(apply.stderr)")
    }

    /// `risk apply DIR --user` acts on that user only, and says so as it goes (`[1/1] …` on stderr).
    @Test func applyForOneUserShowsProgress() async throws {
        let audit = try BinaryRunner.temporaryDirectory([:]).appendingPathComponent("audit.jsonl").path
        let apply = try await BinaryRunner.runDetached(["risk", "apply", Self.policies, "--emulator", Self.tenant, "--user", "james.wilson@contoso.com",
                                                        "--approve-all", "--auto-approve", "--approved-by", "tester", "--audit-log", audit])
        #expect(apply.exitCode == 0, "\(apply.stderr)")
        let progress = apply.stderr.split(separator: "\n").filter { $0.hasPrefix("[") }
        #expect(progress == ["[1/1] dismiss james.wilson@contoso.com: executed (HTTP 204)"], "\(apply.stderr)")
        let records = try String(contentsOfFile: audit, encoding: .utf8).split(separator: "\n")
        #expect(records.contains { $0.contains("james.wilson@contoso.com") && $0.contains("\"executed\"") })
        #expect(!records.contains { $0.contains("nora.walker@contoso.com") })
    }
}
