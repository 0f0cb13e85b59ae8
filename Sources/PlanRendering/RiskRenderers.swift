import Foundation
import PolicyEvaluation
import PolicyModel

/// Output formats for risk plans and apply reports.
public enum RiskOutputFormat: String, Sendable, CaseIterable {
    case text, markdown, json
}

/// Renders a ``RiskPlan``: text for terminals, Markdown for pull requests and job summaries, JSON
/// (`formatVersion: 1`, the saved-plan format) for machines.
public enum RiskPlanRenderer {
    public static func render(_ plan: RiskPlan, format: RiskOutputFormat) -> String {
        switch format {
        case .text: text(plan)
        case .markdown: markdown(plan)
        case .json: String(decoding: plan.jsonData(), as: UTF8.self) + "\n"
        }
    }

    public static func text(_ plan: RiskPlan) -> String {
        var out = "Risk-response plan at \(plan.generatedAt)\n"
        if plan.rules.isEmpty, plan.actions.isEmpty, plan.skipped.isEmpty { out += "\nNo risk-response rules.\n" }
        for rule in plan.rules {
            out += "  rule \(rule.name): \(rule.action.rawValue) on \(rule.subject.rawValue), matched \(rule.matched), proposes \(rule.proposed)"
                + (rule.approvalRequired ? " (approval required)" : "") + "\n"
        }
        if !plan.actions.isEmpty { out += "\nActions:\n" }
        for action in plan.actions {
            out += "  [\(action.id)] \(action.action.rawValue) \(describe(action.target))"
                + (action.approvalRequired ? "  APPROVAL REQUIRED" : "") + "\n"
            out += action.rules.isEmpty
                ? "      manual: \(action.reason ?? "no reason given")\n" : "      rules: \(action.rules.joined(separator: ", "))\n"
            for evidence in action.evidence { out += "      - \(line(evidence))\n" }
        }
        if !plan.skipped.isEmpty { out += "\nSkipped:\n" }
        for skipped in plan.skipped {
            out += "  [\(skipped.action.id)] \(skipped.action.action.rawValue) \(describe(skipped.action.target)): \(reason(skipped.reason))\n"
        }
        if !plan.errors.isEmpty { out += "\nErrors:\n" }
        for error in plan.errors {
            out += "  error: " + (error.location.map { "\($0): " } ?? "") + error.message + "\n"
        }
        out += "\n" + summary(plan) + "\n"
        return out
    }

    public static func markdown(_ plan: RiskPlan) -> String {
        var out = "### entraform risk plan\n\n\(summary(plan))\n"
        if !plan.actions.isEmpty {
            out += "\n| Id | Action | Target | Risk | Rules | Approval | Evidence |\n|---|---|---|---|---|---|---|\n"
            for action in plan.actions {
                let evidence = action.evidence.map { cell(line($0)) }.joined(separator: "<br>")
                out += "| `\(action.id)` | \(action.action.rawValue) | \(cell(action.target.label)) (`\(action.target.id)`) | "
                    + "\(action.target.riskLevel ?? "–") / \(action.target.riskState ?? "–") | \(cell(action.rules.joined(separator: ", "))) | "
                    + "\(action.approvalRequired ? "**required**" : "none") | \(evidence) |\n"
            }
        }
        if !plan.skipped.isEmpty {
            out += "\n<details><summary>Skipped (\(plan.skipped.count))</summary>\n\n| Id | Action | Target | Why |\n|---|---|---|---|\n"
            for skipped in plan.skipped {
                out += "| `\(skipped.action.id)` | \(skipped.action.action.rawValue) | \(cell(skipped.action.target.label)) | \(reason(skipped.reason)) |\n"
            }
            out += "\n</details>\n"
        }
        if !plan.errors.isEmpty {
            out += "\n**Errors**\n\n"
            for error in plan.errors { out += "- " + (error.location.map { "`\($0)`: " } ?? "") + cell(error.message) + "\n" }
        }
        return out
    }

    /// `2 actions (1 awaiting approval), 1 skipped, 0 errors.`
    public static func summary(_ plan: RiskPlan) -> String {
        let approval = plan.actionsAwaitingApproval.count
        return "\(plan.actions.count) action\(plan.actions.count == 1 ? "" : "s")"
            + (approval > 0 ? " (\(approval) awaiting approval)" : "")
            + ", \(plan.skipped.count) skipped, \(plan.errors.count) error\(plan.errors.count == 1 ? "" : "s")."
    }

    static func describe(_ target: RiskTarget) -> String {
        let noun = target.kind == .users ? "user" : "service principal"
        guard target.riskLevel != nil || target.riskState != nil else { return "\(noun) \(target.label) (\(target.id)), not a risky \(noun)" }
        return "\(noun) \(target.label) (\(target.id)), risk \(target.riskLevel ?? "none")/\(target.riskState ?? "none")"
    }

    /// One detection on one line: time, type, level, timing, IP, location, id.
    public static func line(_ evidence: RiskEvidence) -> String {
        var parts: [String] = []
        if let time = evidence.detectedDateTime { parts.append(time) }
        parts.append(evidence.riskEventType ?? "detection")
        if let level = evidence.riskLevel { parts.append(level) }
        if let timing = evidence.detectionTimingType { parts.append(timing) }
        if let ip = evidence.ipAddress { parts.append(ip) }
        if let location = evidence.location { parts.append(location) }
        parts.append("id \(evidence.id.prefix(16))")
        return parts.joined(separator: " · ")
    }

    static func reason(_ reason: RiskSkippedAction.Reason) -> String {
        switch reason {
        case .emergencyAccount: "emergency access account (allowEmergencyAccounts is not true)"
        case .alreadyInEffect: "already in effect"
        case .alreadyExecuted: "already executed (audit log)"
        case .sessionsAlreadyRevoked: "sessions already revoked after the newest detection"
        }
    }

    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}

/// Renders a ``RiskApplyReport`` with the follow-along (risk level and state after acting).
public enum RiskApplyReportRenderer {
    public static func render(_ report: RiskApplyReport, format: RiskOutputFormat) -> String {
        switch format {
        case .text: text(report)
        case .markdown: markdown(report)
        case .json: String(decoding: report.jsonData(), as: UTF8.self) + "\n"
        }
    }

    /// One progress line for an outcome.
    public static func line(_ outcome: RiskActionOutcome) -> String {
        let action = outcome.action
        var text = "\(outcome.result.rawValue): [\(action.id)] \(action.action.rawValue) \(action.target.label)"
        if let detail = outcome.detail { text += " — \(detail)" }
        if let after = outcome.after {
            text += " → risk \(after.riskLevel ?? "none")/\(after.riskState ?? "none")"
        }
        if !outcome.requestIds.isEmpty { text += " (request-id \(outcome.requestIds.joined(separator: ", ")))" }
        return text
    }

    public static func text(_ report: RiskApplyReport) -> String {
        var out = ""
        for outcome in report.outcomes { out += line(outcome) + "\n" }
        for error in report.planErrors { out += "error: " + (error.location.map { "\($0): " } ?? "") + error.message + "\n" }
        let followed = report.outcomes.filter { $0.result == .executed }
        if !followed.isEmpty {
            out += "\nFollow-along (risk after acting):\n"
            for outcome in followed {
                let before = outcome.before.map { "\($0.riskLevel ?? "none")/\($0.riskState ?? "none")" } ?? "not risky"
                let after = outcome.after.map { "\($0.riskLevel ?? "none")/\($0.riskState ?? "none")" } ?? "not read"
                out += "  \(outcome.action.target.label): \(before) → \(after)\n"
            }
        }
        out += "\n" + summary(report) + "\n"
        return out
    }

    public static func markdown(_ report: RiskApplyReport) -> String {
        var out = "### entraform risk apply\n\n\(summary(report))\n"
        if !report.outcomes.isEmpty {
            out += "\n| Result | Id | Action | Target | Before | After | Detail |\n|---|---|---|---|---|---|---|\n"
            for outcome in report.outcomes {
                let before = outcome.before.map { "\($0.riskLevel ?? "none") / \($0.riskState ?? "none")" } ?? "–"
                let after = outcome.after.map { "\($0.riskLevel ?? "none") / \($0.riskState ?? "none")" } ?? "–"
                out += "| \(outcome.result.rawValue) | `\(outcome.action.id)` | \(outcome.action.action.rawValue) | "
                    + "\(RiskPlanRenderer.cell(outcome.action.target.label)) | \(before) | \(after) | \(RiskPlanRenderer.cell(outcome.detail ?? "")) |\n"
            }
        }
        for error in report.planErrors { out += "\n- error: \(RiskPlanRenderer.cell(error.message))" }
        return out + (report.planErrors.isEmpty ? "" : "\n")
    }

    public static func summary(_ report: RiskApplyReport) -> String {
        let pending = report.pendingApproval.count
        return "\(report.count(.executed)) executed, \(report.count(.skipped)) skipped"
            + (pending > 0 ? " (\(pending) awaiting approval)" : "") + ", \(report.count(.failed)) failed"
            + (report.planErrors.isEmpty ? "" : ", \(report.planErrors.count) plan error\(report.planErrors.count == 1 ? "" : "s")")
            + "; \(report.writeCalls) write call\(report.writeCalls == 1 ? "" : "s")."
    }
}
