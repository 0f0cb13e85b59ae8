@testable import EntraformCLI
import EntraformTestSupport
import Foundation
import PolicyModel
import Reconciliation
import Testing

/// On GitHub Actions, `plan`, `drift` and `risk plan` append their Markdown to the job summary.
@Suite("step summary (binary)")
struct StepSummaryTests {
    @Test func planAndRiskPlanAppendMarkdownToTheStepSummaryUnlessToldNot() async throws {
        let directory = ImpactCommandTests.root.appendingPathComponent("finance-mfa-on-android")
        let policies = directory.appendingPathComponent("policies").path
        let seed = directory.appendingPathComponent("tenant.json").path
        let summary = try BinaryRunner.temporaryDirectory([:]).appendingPathComponent("summary.md")
        let actions = ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary.path]

        let plan = try await BinaryRunner.runDetached(["plan", policies, "--emulator", seed], environment: actions)
        #expect(plan.exitCode == 0, "\(plan.stderr)")
        let written = try String(contentsOf: summary, encoding: .utf8)
        #expect(written.contains("### entraform plan: 2 to create, 0 to update, 0 to delete."), "\(written)")
        #expect(written.contains("<details><summary>Impact: 2 users affected"))
        // Text on stdout is unchanged: the summary is written beside it.
        #expect(plan.stdout.contains("entraform will perform the following actions:"))

        let risk = try await BinaryRunner.runDetached(["risk", "plan", ReconcileIntegrationTests.policies, "--emulator",
                                                       TestPaths.packageRoot.appendingPathComponent("examples/contoso/tenant.json").path],
                                                      environment: actions)
        #expect([0, 2].contains(risk.exitCode), "\(risk.stderr)")
        let both = try String(contentsOf: summary, encoding: .utf8)
        #expect(both.hasPrefix(written) && both.count > written.count, "risk plan appended nothing")

        let quiet = try await BinaryRunner.runDetached(["plan", policies, "--emulator", seed, "--no-step-summary"], environment: actions)
        #expect(quiet.exitCode == 0)
        #expect(try String(contentsOf: summary, encoding: .utf8) == both)

        let elsewhere = try await BinaryRunner.runDetached(["plan", policies, "--emulator", seed], environment: ["GITHUB_ACTIONS": "false", "GITHUB_STEP_SUMMARY": summary.path])
        #expect(elsewhere.exitCode == 0)
        #expect(try String(contentsOf: summary, encoding: .utf8) == both, "written outside GitHub Actions")
    }
}

extension StepSummaryTests {
    @Test func driftPrintsMarkdownAndWritesTheStepSummary() async throws {
        let directory = ImpactCommandTests.root.appendingPathComponent("finance-mfa-on-android")
        let summary = try BinaryRunner.temporaryDirectory([:]).appendingPathComponent("summary.md")
        let drift = try await BinaryRunner.runDetached(
            ["drift", directory.appendingPathComponent("policies").path, "--emulator", directory.appendingPathComponent("tenant.json").path,
             "--format", "markdown", "--detailed-exitcode"],
            environment: ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary.path])
        // The two new policies are declared but missing from the tenant: drift, exit 2.
        #expect(drift.exitCode == 2, "\(drift.stderr)")
        #expect(drift.stdout.hasPrefix("<!-- entraform-drift -->\n### entraform drift: 2 objects drifted"), "\(drift.stdout)")
        #expect(try String(contentsOf: summary, encoding: .utf8) == drift.stdout)
    }
}

/// `apply`'s progress lines count the steps and say the time left at Graph's pace.
@Suite("apply progress lines")
struct ApplyProgressTests {
    @Test func stepsAreCountedAndTheTimeLeftShrinks() {
        let progress = ApplyProgress(total: 3, secondsPerWrite: 1.15)
        func step(_ name: String, _ status: ApplyReport.Status = .notAttempted) -> ApplyReport.Step {
            ApplyReport.Step(kind: .conditionalAccessPolicy, displayName: name, action: .create, id: nil, status: status)
        }
        #expect(progress.line(for: step("A")) == "[1/3] + create conditional access policy 'A'… (about 4 s left at Graph's pace)\n")
        #expect(progress.line(for: step("A", .done)) == "  done\n")
        #expect(progress.line(for: step("B")) == "[2/3] + create conditional access policy 'B'… (about 3 s left at Graph's pace)\n")
        #expect(progress.line(for: step("C")) == "[3/3] + create conditional access policy 'C'…\n")
        let unpaced = ApplyProgress(total: 2, secondsPerWrite: nil)
        #expect(unpaced.line(for: step("A")) == "[1/2] + create conditional access policy 'A'…\n")
    }
}
