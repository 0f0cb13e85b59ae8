import EntraformTestSupport
import Foundation
import PolicyLoading
import PolicyModel
import Testing

/// `rollout:` in the policy language: what loads, and each mistake at its position.
@Suite("Loader: staged rollout")
struct RolloutLoadingTests {
    @Test func aFullRolloutLoads() throws {
        let (result, _) = load(policy(extra: """
            rollout:
              reportOnlyFor: 7d
              pilot: {includeGroups: [CA-Pilot], for: 3d, minimumSignIns: 10}
              maxFailureRate: 2%
              minimumSignIns: 200
              rollbackAbove: 10.5%

            """))
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let rollout = try #require(result.configuration.policies.first?.value.rollout)
        #expect(rollout.reportOnlyFor.seconds == 7 * 86_400)
        #expect(rollout.pilot?.includeGroups.map(\.description) == ["CA-Pilot"])
        #expect(rollout.pilot?.for.seconds == 3 * 86_400)
        #expect(rollout.pilot?.minimumSignIns == 10)
        #expect(rollout.maxFailureRate?.percent == 2)
        #expect(rollout.minimumSignIns == 200)
        #expect(rollout.rollbackAbove?.percent == 10.5)
    }

    @Test func aBareNumberWhereAPercentageGoesAsksForThePercentSign() {
        expectSingle(policy(extra: "rollout: {reportOnlyFor: 7d, maxFailureRate: ‸2}\n"),
                     "expected a percentage for 'maxFailureRate', found the number 2; add the percent sign: 2%")
    }

    @Test func aShareAboveOneHundredIsAnErrorAtTheValue() {
        expectSingle(policy(extra: "rollout: {reportOnlyFor: 7d, rollbackAbove: ‸150%}\n"),
                     "'150%' is not a percentage from 0% to 100%; write a number and a percent sign: 2% or 0.5%")
    }

    @Test func aRolloutNeedsItsReportOnlyPeriod() {
        let (result, _) = load(policy(extra: "rollout: {maxFailureRate: 2%}\n"))
        #expect(result.diagnostics.map(\.message).contains { $0.contains("reportOnlyFor") }, "\(result.diagnostics)")
        #expect(result.hasErrors)
    }

    @Test func aRolloutLeadsToEnabled() {
        let text = policy(extra: "‸rollout: {reportOnlyFor: 7d}\n").replacingOccurrences(of: "state: enabled", with: "state: reportOnly")
        expectSingle(text, "a rollout leads to state enabled, but the policy's state is 'enabledForReportingButNotEnforced'; write state: enabled (where the policy ends); plan keeps it in report-only until the evidence allows")
    }

    @Test func aPilotNeedsItsGroupsAndDuration() {
        let (result, _) = load(policy(extra: "rollout: {reportOnlyFor: 7d, pilot: {for: 3d}}\n"))
        #expect(result.diagnostics.map(\.message).contains { $0.contains("includeGroups") }, "\(result.diagnostics)")
    }
}
