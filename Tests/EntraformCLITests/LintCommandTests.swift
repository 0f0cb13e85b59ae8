import EntraformTestSupport
import Foundation
import PolicyModel
import Testing

/// The lint rules through the built binary: `validate` reports them at the policy's position with
/// the rule id in every format, and the Settings' `lint:` map changes their severity.
@Suite("lint in validate (binary)")
struct LintCommandTests {
    static let nobody = """
        kind: ConditionalAccessPolicy
        displayName: CA900 - Nobody
        state: enabled
        conditions:
          users: {includeGroups: [Contractors], excludeGroups: [contractors]}
          applications: {includeApplications: [All]}
        grantControls:
          builtInControls: [mfa]

        """

    static func settings(_ lint: String) -> String {
        """
        kind: Settings
        manage: {namePrefix: CA9}
        \(lint)

        """
    }

    @Test func aFindingIsAWarningWithItsRuleIdAtThePolicy() throws {
        let directory = try BinaryRunner.temporaryDirectory(["nobody.yaml": Self.nobody, "settings.yaml": Self.settings("")])
        let text = try BinaryRunner.run(["validate", "."], in: directory, environment: ["NO_COLOR": "1"])
        #expect(text.exitCode == 0, "\(text.stdout)")
        #expect(text.stdout.contains("nobody.yaml:5:3: warning: policy 'CA900 - Nobody' can never apply: every user, group and role it includes is also excluded; remove the overlapping exclusion, or delete the policy [EF204]"),
                "\(text.stdout)")
        let github = try BinaryRunner.run(["validate", ".", "--format", "github"], in: directory)
        #expect(github.stdout.contains("::warning file=nobody.yaml,line=5,col=3,title=EF204::"), "\(github.stdout)")
        let json = try BinaryRunner.run(["validate", ".", "--format", "json"], in: directory)
        let diagnostics = try JSONDecoder().decode([JSONValue].self, from: Data(json.stdout.utf8))
        #expect(diagnostics.map { $0["code"] } == ["EF204"])
    }

    @Test func settingsMakeARuleAnErrorOrTurnItOff() throws {
        let strict = try BinaryRunner.temporaryDirectory(["nobody.yaml": Self.nobody, "settings.yaml": Self.settings("lint: {EF204: error}")])
        let failed = try BinaryRunner.run(["validate", "."], in: strict, environment: ["NO_COLOR": "1"])
        #expect(failed.exitCode == 1)
        #expect(failed.stdout.contains("error: policy 'CA900 - Nobody' can never apply"))
        let quiet = try BinaryRunner.temporaryDirectory(["nobody.yaml": Self.nobody, "settings.yaml": Self.settings("lint: {EF204: off}")])
        let passed = try BinaryRunner.run(["validate", "."], in: quiet, environment: ["NO_COLOR": "1"])
        #expect(passed.exitCode == 0)
        #expect(!passed.stdout.contains("EF204"))
        #expect(passed.stdout.contains("0 errors, 0 warnings"))
    }

    @Test func anUnknownRuleIdIsAnErrorWithASuggestion() throws {
        let directory = try BinaryRunner.temporaryDirectory(["settings.yaml": Self.settings("lint: {EF270: off, EF201: loud}")])
        let result = try BinaryRunner.run(["validate", "."], in: directory, environment: ["NO_COLOR": "1"])
        #expect(result.exitCode == 1)
        #expect(result.stdout.contains("settings.yaml:3:8: error: unknown key 'EF270'"), "\(result.stdout)")
        #expect(result.stdout.contains("'loud' is not a valid value for 'EF201'"), "\(result.stdout)")
    }

    static let tenant = """
        {"tenantId": "11111111-2222-4333-8444-555555555555",
         "users": [{"id": "aaaaaaaa-0000-4000-8000-000000000001", "userPrincipalName": "alice@contoso.example", "displayName": "Alice", "accountEnabled": true}],
         "groups": [{"id": "bbbbbbbb-0000-4000-8000-000000000001", "displayName": "Finance", "members": ["aaaaaaaa-0000-4000-8000-000000000001"]}],
         "policies": [{"id": "cccccccc-0000-4000-8000-000000000001", "displayName": "Legacy - MFA for a deleted group", "state": "enabled",
           "conditions": {"users": {"includeGroups": ["dddddddd-0000-4000-8000-00000000dead"]}, "applications": {"includeApplications": ["All"]},
                          "clientAppTypes": ["all"]},
           "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}}]}
        """

    static let finance = """
        kind: ConditionalAccessPolicy
        displayName: CA900 - MFA for finance
        state: enabled
        conditions:
          users: {includeGroups: [Finance]}
          applications: {includeApplications: [All]}
        grantControls:
          builtInControls: [mfa]

        """

    /// The rules that need the tenant: a new policy created enabled (EF202) and a live policy naming a
    /// deleted group (EF209), in plan; the tenant-wide rules judge the whole tenant, live policies included.
    @Test func planAndDriftLintTheTenant() async throws {
        let directory = try BinaryRunner.temporaryDirectory(["policies/finance.yaml": Self.finance, "tenant.json": Self.tenant])
        let policies = directory.appendingPathComponent("policies").path
        let seed = directory.appendingPathComponent("tenant.json").path
        let plan = try await BinaryRunner.runDetached(["plan", policies, "--emulator", seed, "--no-impact", "--format", "json", "--no-step-summary"])
        #expect(plan.exitCode == 0, "\(plan.stderr)")
        let document = try JSONValue.parse(Data(plan.stdout.utf8))
        let codes = (document["diagnostics"]?.arrayValue ?? []).compactMap { $0["code"]?.stringValue }
        #expect(codes.sorted() == ["EF202", "EF203", "EF206", "EF209"], "\(plan.stdout)")
        let created = document["diagnostics"]?.arrayValue?.first { $0["code"] == "EF202" }
        #expect(created?["location"]?["line"] == 3)

        let drift = try await BinaryRunner.runDetached(["drift", policies, "--emulator", seed, "--no-step-summary"])
        #expect(drift.stderr.contains("[EF209]") || drift.stdout.contains("[EF209]"), "\(drift.stdout)\(drift.stderr)")
        #expect(!(drift.stderr + drift.stdout).contains("[EF202]"), "nothing is created by drift")
    }
}
