import Crypto
import Foundation
import PolicyModel

extension RiskPlan {
    /// SHA-256 (hex) of the plan's canonical JSON with `planDigest` left out: sorted keys, no
    /// insignificant whitespace. Any change to an action, its target, evidence, approval, the tenant
    /// or the expiry changes it.
    public var contentDigest: String {
        var unsealed = self
        unsealed.planDigest = nil
        // The canonical form every digest hashes: the plan as a JSON tree, written compactly with sorted keys.
        let data = (try? JSONEncoder().encode(unsealed)) ?? Data()
        let canonical = (try? JSONValue.parse(data))?.compactJSON() ?? Array(data)
        return SHA256.hash(data: canonical).map { String(format: "%02x", $0) }.joined()
    }

    /// The plan with ``planDigest`` set, as `risk plan` saves and prints it.
    public func sealed() -> RiskPlan {
        var plan = self
        plan.planDigest = contentDigest
        return plan
    }
}

/// Re-checks a saved risk plan against the configuration at apply time, never trusting the file:
/// each action's rules must exist with the same action and subject, approval is required when any
/// of them requires it, and emergency access accounts are skipped unless every rule allows them.
public enum RiskPlanReview {
    /// The plan as the configuration allows it to run: actions moved to ``RiskPlan/skipped`` (emergency
    /// accounts) or reported as errors (rules missing or changed), approval recomputed.
    ///
    /// - Parameters:
    ///   - rules: the configuration's risk-response rules.
    ///   - emergencyAccountIds: the emergency access accounts (users and transitive group members), lowercased.
    public static func recheck(_ plan: RiskPlan, rules: [RiskResponseRule], emergencyAccountIds: Set<String>) -> RiskPlan {
        let byName = Dictionary(rules.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var reviewed = plan
        reviewed.actions = []
        for action in plan.actions {
            let declared = action.rules.compactMap { byName[$0] }
            let missing = action.rules.filter { byName[$0] == nil }
            if !missing.isEmpty {
                reviewed.errors.append(RiskPlanError(
                    kind: .rule, message: "action \(action.id) on \(action.target.label): rule \(missing.map { "'\($0)'" }.joined(separator: ", ")) is not in the configuration; not run",
                    rules: action.rules, target: action.target))
                continue
            }
            if let mismatch = declared.first(where: { $0.action != action.action || ($0.subject ?? .users) != action.target.kind }) {
                reviewed.errors.append(RiskPlanError(
                    kind: .rule,
                    message: "action \(action.id) on \(action.target.label) is \(action.action.rawValue) on \(action.target.kind.rawValue), but rule '\(mismatch.name)' says \(mismatch.action.rawValue) on \((mismatch.subject ?? .users).rawValue); not run",
                    rules: action.rules, target: action.target))
                continue
            }
            var checked = action
            checked.approvalRequired = declared.contains { $0.approval == .required }
            let allowsEmergency = declared.allSatisfy { $0.allowEmergencyAccounts == true }
            if action.target.kind == .users, emergencyAccountIds.contains(action.target.id.lowercased()), !allowsEmergency {
                reviewed.skipped.append(RiskSkippedAction(action: checked, reason: .emergencyAccount))
                continue
            }
            reviewed.actions.append(checked)
        }
        return reviewed
    }
}
