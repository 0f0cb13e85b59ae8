import EntraformTestSupport
import Foundation
import Testing

/// Regression (defects issue, item 16): one stream each. Results on stdout, progress and diagnostics
/// on stderr, and nothing printed twice.
@Suite("output streams (binary)")
struct OutputStreamTests {
    static let seed = TestPaths.packageRoot.appendingPathComponent("examples/contoso/tenant.json").path
    static let policies = TestPaths.packageRoot.appendingPathComponent("policies").path

    /// A copy of the baseline whose CA101 excludes `groups` (a YAML list) instead of its own exclusions.
    static func baselineWithCA101Excluding(_ groups: String) throws -> URL {
        let copy = try BinaryRunner.temporaryDirectory([:]).appendingPathComponent("policies")
        try FileManager.default.copyItem(atPath: policies, toPath: copy.path)
        let file = copy.appendingPathComponent("baseline/ca101-require-mfa-all-users.yaml")
        try String(contentsOf: file, encoding: .utf8)
            .replacingOccurrences(of: "excludeGroups: [CA-BreakGlass, CA-ServiceAccounts]", with: "excludeGroups: \(groups)")
            .write(to: file, atomically: true, encoding: .utf8)
        return copy
    }

    static func occurrences(of needle: String, in result: BinaryRunner.Result) -> Int {
        (result.stdout + result.stderr).components(separatedBy: needle).count - 1
    }

    @Test func aPlanDiagnosticIsPrintedOnceOnStderr() async throws {
        let copy = try Self.baselineWithCA101Excluding("[CA-BreakGlas, CA-ServiceAccounts]")
        let result = try await BinaryRunner.runDetached(["plan", copy.path, "--emulator", Self.seed])
        #expect(result.exitCode == 1)
        #expect(Self.occurrences(of: "group 'CA-BreakGlas' not found", in: result) == 1, "\(result.stdout)\n---\n\(result.stderr)")
        #expect(result.stderr.contains("group 'CA-BreakGlas' not found"))
        #expect(result.stdout.contains("Plan failed: 1 error"))
    }

    @Test func riskApplyPrintsEachOutcomeOnce() async throws {
        let audit = try BinaryRunner.temporaryDirectory([:]).appendingPathComponent("audit.jsonl").path
        let result = try await BinaryRunner.runDetached(["risk", "apply", Self.policies, "--emulator", Self.seed, "--auto-approve", "--audit-log", audit])
        #expect(result.exitCode == 2, "\(result.stderr)")
        let skippedLines = result.stdout.split(separator: "\n").filter { $0.hasPrefix("skipped:") }
        #expect(!skippedLines.isEmpty)
        for line in skippedLines {
            #expect(Self.occurrences(of: String(line), in: result) == 1, "\(line)")
        }
    }

    @Test func doctorDebugShowsTheCredentialOnce() async throws {
        let result = try await BinaryRunner.runDetached(["doctor", Self.policies, "--emulator", Self.seed, "--debug"])
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(Self.occurrences(of: "client secret (from --emulator default application)", in: result) == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("✓ tenant: "))
    }
}

/// `--allow-lockout`: the guard's refusal becomes a loud warning, kept in the saved plan.
@Suite("lockout override (binary)")
struct LockoutOverrideTests {
    @Test func allowLockoutTurnsTheRefusalIntoAWarningKeptInTheSavedPlan() async throws {
        let copy = try OutputStreamTests.baselineWithCA101Excluding("[CA-ServiceAccounts]")
        let directory = copy.deletingLastPathComponent()
        let refused = try await BinaryRunner.runDetached(["plan", copy.path, "--emulator", OutputStreamTests.seed])
        #expect(refused.exitCode == 1)
        #expect(refused.stderr.contains("could lock them out"), "\(refused.stderr)")

        let saved = directory.appendingPathComponent("plan.json").path
        let allowed = try await BinaryRunner.runDetached(["plan", copy.path, "--emulator", OutputStreamTests.seed, "--allow-lockout", "--out", saved])
        #expect(allowed.exitCode == 0, "\(allowed.stderr)")
        #expect(allowed.stderr.contains("LOCKOUT GUARD OVERRIDDEN (--allow-lockout): 'CA101 - Require MFA for all users' would apply"), "\(allowed.stderr)")
        let savedText = try String(contentsOfFile: saved, encoding: .utf8)
        #expect(savedText.contains("LOCKOUT GUARD OVERRIDDEN"))
    }
}

/// entraform must not apply a workload-identity policy that blocks its own service principal everywhere.
@Suite("self-lockout (binary)")
struct SelfLockoutTests {
    @Test func aPolicyBlockingEveryWorkloadIdentityIsRefused() async throws {
        let copy = try OutputStreamTests.baselineWithCA101Excluding("[CA-BreakGlass, CA-ServiceAccounts]")
        try """
            kind: ConditionalAccessPolicy
            displayName: CA610 - Block all workload identities
            state: enabled
            conditions:
              clientApplications: {includeServicePrincipals: [ServicePrincipalsInMyTenant]}
              applications: {includeApplications: [All]}
            grantControls: {builtInControls: [block]}
            """.write(to: copy.appendingPathComponent("service-accounts/ca610.yaml"), atomically: true, encoding: .utf8)
        let result = try await BinaryRunner.runDetached(["plan", copy.path, "--emulator", OutputStreamTests.seed])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("'CA610 - Block all workload identities' would block the service principal entraform runs as"), "\(result.stderr)")
    }
}
