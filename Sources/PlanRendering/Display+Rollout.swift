import Foundation
import PolicyModel
import Reconciliation

/// The wording of staged rollouts, shared by the text, Markdown and JSON plans.
extension Display {
    /// `report-only`, `pilot ring`, `everyone`, …
    static func stageName(_ stage: RolloutStage) -> String {
        switch stage {
        case .absent: "not in the tenant"
        case .disabled: "disabled"
        case .reportOnly: "report-only"
        case .pilot: "pilot ring"
        case .enforced: "enforced for everyone"
        }
    }

    /// What the plan does: `report-only → pilot ring: the gate is met`, `holds in report-only: …`.
    static func rolloutVerdict(_ decision: RolloutDecision) -> String {
        let from = stageName(decision.stage)
        switch decision.verdict {
        case .start:
            return decision.stage == .absent ? "created in report-only: the rollout starts" : "\(from) → report-only: the rollout starts again"
        case .advance:
            return "\(from) → \(stageName(decision.target)): the gate is met"
        case .hold(let reason):
            return "holds in \(from): " + holdReason(reason)
        case .rollback(let rate, let limit):
            return "ROLLBACK \(from) → report-only: \(percent(rate)) of sign-ins failed, above rollbackAbove \(percent(limit))"
        case .complete:
            let rollback = decision.gate.rollbackAbove.map { "; failures stay within rollbackAbove \(percent($0))" } ?? ""
            return "at its destination (\(from))\(rollback)"
        }
    }

    static func holdReason(_ reason: RolloutHoldReason) -> String {
        switch reason {
        case .tooEarly(let seconds, let required):
            "\(duration(seconds)) of the \(duration(required)) required"
        case .tooFewSignIns(let observed, let required):
            "\(count(observed)) sign-in\(observed == 1 ? "" : "s") evaluated, \(count(required)) needed"
        case .failureRateAbove(let rate, let limit):
            "\(percent(rate)) of sign-ins would fail, above maxFailureRate \(percent(limit))"
        case .evidenceUnavailable(let problem):
            "no sign-in evidence (\(problem))"
        }
    }

    /// `report-only for 9 days (since 2026-11-23 10:00 UTC, from the audit log): 4,210 sign-ins
    /// evaluated, 12 would have failed or been interrupted (0.3 %) for 3 users; most: Office 365 (8)`.
    static func rolloutEvidence(_ decision: RolloutDecision) -> String? {
        guard let evidence = decision.evidence else { return nil }
        let source = switch evidence.stageStartSource {
        case .auditLog: "from the audit log"
        case .beforeAuditWindow: "before the audit log's 30 days"
        case .modifiedDateTime: "the policy's modifiedDateTime: the audit log was not read"
        case .createdDateTime: "the policy's createdDateTime: the audit log was not read"
        }
        let reportOnly = decision.stage == .reportOnly
        var text = "\(stageName(decision.stage)) for \(duration(evidence.secondsInStage)) (since \(ISO8601DateTime.minuteInUTC(evidence.stageStart)), \(source)): "
        text += "\(count(evidence.evaluated)) sign-in\(evidence.evaluated == 1 ? "" : "s") evaluated"
        if evidence.evaluated > 0 {
            let verb = reportOnly ? "would have failed or been interrupted" : "failed"
            text += ", \(count(evidence.failing)) \(verb) (\(percent(evidence.failureRate)))"
            if evidence.failing > 0 {
                text += " for \(count(evidence.failingUsers)) user\(evidence.failingUsers == 1 ? "" : "s")"
                if reportOnly, evidence.interrupted > 0 { text += ", \(count(evidence.interrupted)) of them only interrupted (a prompt)" }
                text += "; most: " + evidence.topApplications.map { "\($0.application) (\(count($0.signIns)))" }.joined(separator: ", ")
            }
        }
        if !evidence.complete { text += " [the newest sign-ins only: the listing stopped at its cap]" }
        return text
    }

    /// `9 days`, `2 days 3 hours`, `5 hours`, `40 minutes`.
    static func duration(_ seconds: Int) -> String {
        func unit(_ value: Int, _ word: String) -> String { "\(value) \(word)\(value == 1 ? "" : "s")" }
        let days = seconds / 86_400, hours = seconds % 86_400 / 3_600, minutes = seconds % 3_600 / 60
        if days > 0 { return unit(days, "day") + (hours > 0 ? " " + unit(hours, "hour") : "") }
        if hours > 0 { return unit(hours, "hour") + (minutes > 0 ? " " + unit(minutes, "minute") : "") }
        return unit(minutes, "minute")
    }

    /// `4,210`.
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped
    }

    /// `0.3 %`, `12 %`.
    static func percent(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) %" : String(format: "%.1f %%", value)
    }
}
