import PolicyEvaluation
import Reconciliation
import PolicyModel

/// What a what-if evaluation was asked, as output names it.
public struct WhatIfQuestion: Sendable {
    /// The user's UPN or the service principal's name.
    public var subject: String
    /// The application's name (or appId), the user action or the authentication context.
    public var target: String
    /// Other inputs given, as `name value` (`platform iOS`).
    public var inputs: [String]
    /// `declared` or `live`.
    public var policySource: String
    /// Microsoft's What If API's answers for the same sign-in (`--compare-graph`), when asked.
    public var graphAnswers: [GraphWhatIfAnswer]?

    public init(subject: String, target: String, inputs: [String], policySource: String) {
        self.subject = subject
        self.target = target
        self.inputs = inputs
        self.policySource = policySource
    }
}

/// One policy as Microsoft's What If API answered for it.
public struct GraphWhatIfAnswer: Sendable, Hashable {
    public var displayName: String
    public var applies: Bool
    /// Its `analysisReasons` (`notSet` when it applies).
    public var reasons: String

    public init(displayName: String, applies: Bool, reasons: String) {
        self.displayName = displayName
        self.applies = applies
        self.reasons = reasons
    }
}

/// Renders a ``SignInEvaluation``: text for people, JSON for machines
/// (`{"outcome": {"blocked", "requires", "operator", "clauses", "sessionControls", "effectivelyBlocked",
/// "unsatisfiable": [[control…]], "unsatisfiableReason": "legacyClient" | "deviceCodeFlow" | null}, "reportOnly": {…},
/// "policies": [{"displayName", "id", "state", "applies", "reasons", "missingInputs"}], "missingInputs"}`).
public enum WhatIfRenderer {
    public static func text(_ evaluation: SignInEvaluation, question: WhatIfQuestion) -> String {
        var out = "What if \(question.subject) signs in to \(question.target)"
        out += question.inputs.isEmpty ? "" : " (\(question.inputs.joined(separator: ", ")))"
        out += ", under the \(question.policySource) policies:\n\n"
        out += "  Outcome: \(sentence(evaluation.outcome))\n"
        if !evaluation.outcome.sessionControls.isEmpty { out += "  Session: \(evaluation.outcome.sessionControlsInWords.joined(separator: "; "))\n" }
        let reportOnly = evaluation.reportOnly
        if reportOnly.blocked || !reportOnly.clauses.isEmpty {
            out += "  Report-only, not enforced: \(sentence(reportOnly))\n"
        }
        let applying = evaluation.verdicts.filter(\.applies)
        out += "\nPolicies: \(applying.count) of \(evaluation.verdicts.count) apply\n"
        for verdict in evaluation.verdicts.sorted(by: { ($0.applies ? 0 : 1, $0.displayName) < ($1.applies ? 0 : 1, $1.displayName) }) {
            let mark = verdict.applies ? "applies" : "no     "
            let state = verdict.state == "enabled" ? "" : verdict.isReportOnly ? " [report-only]" : " [\(verdict.state)]"
            let detail: String
            if verdict.applies {
                detail = verdict.grant.map(grant) ?? (verdict.sessionControls.isEmpty ? "" : "session controls only")
            } else {
                detail = (verdict.reason.map { "not: \($0.rawValue)" } ?? "")
                    + (verdict.missingInputs.isEmpty ? "" : " (needs \(verdict.missingInputs.joined(separator: ", ")))")
            }
            out += "  \(mark) \(verdict.displayName)\(state)\(detail.isEmpty ? "" : "  — \(detail)")\n"
        }
        if let answers = question.graphAnswers {
            let differences = Self.differences(evaluation, answers)
            out += "\nMicrosoft's What If API (live policies; it does not expand Office365 or MicrosoftAdminPortals to their apps): "
            out += differences.isEmpty ? "agrees on every policy it evaluated (\(answers.count)).\n" : "\(differences.count) differ:\n"
            for line in differences { out += "  \(line)\n" }
        }
        if !evaluation.missingInputs.isEmpty {
            out += "\nNot evaluated for lack of input: \(evaluation.missingInputs.joined(separator: ", ")); give them to decide those policies.\n"
        }
        return out
    }

    public static func json(_ evaluation: SignInEvaluation, question: WhatIfQuestion) -> String {
        let document: JSONValue = [
            "subject": .string(question.subject), "target": .string(question.target), "policySource": .string(question.policySource),
            "outcome": outcome(evaluation.outcome), "reportOnly": outcome(evaluation.reportOnly),
            "policies": .array(evaluation.verdicts.map { verdict in
                var item: [String: JSONValue] = [
                    "displayName": .string(verdict.displayName), "state": .string(verdict.state), "applies": .bool(verdict.applies),
                    "reasons": .array(verdict.reason.map { [.string($0.rawValue)] } ?? []),
                    "missingInputs": .array(verdict.missingInputs.map(JSONValue.string)),
                ]
                if let id = verdict.id { item["id"] = .string(id) }
                if let grant = verdict.grant {
                    item["grant"] = ["block": .bool(grant.block), "operator": .string(grant.operator),
                                     "controls": .array(grant.controls.map(JSONValue.string))]
                }
                return .object(item)
            }),
            "missingInputs": .array(evaluation.missingInputs.map(JSONValue.string)),
        ]
        var result = document
        if let answers = question.graphAnswers {
            let ours = Dictionary(evaluation.verdicts.map { ($0.displayName, $0.applies) }, uniquingKeysWith: { first, _ in first })
            result["graph"] = .array(answers.map { answer in
                ["displayName": .string(answer.displayName), "policyApplies": .bool(answer.applies), "analysisReasons": .string(answer.reasons),
                 "agrees": ours[answer.displayName].map { .bool($0 == answer.applies) } ?? .null]
            })
        }
        return result.serializedString(pretty: true) + "\n"
    }

    static func outcome(_ outcome: SignInOutcome) -> JSONValue {
        [
            "blocked": .bool(outcome.blocked), "blockingPolicies": .array(outcome.blockingPolicies.map(JSONValue.string)),
            "requires": .array(outcome.requires.map(JSONValue.string)), "operator": .string(outcome.operator),
            "clauses": .array(outcome.clauses.map { .array($0.map(JSONValue.string)) }),
            "sessionControls": .object(outcome.sessionControls),
            "effectivelyBlocked": .bool(outcome.isEffectivelyBlocked),
            "unsatisfiable": .array(outcome.unsatisfiable.map { .array($0.map(JSONValue.string)) }),
            "unsatisfiableReason": outcome.unsatisfiableReason.map { .string($0.rawValue) } ?? .null,
        ]
    }

    /// "blocked by 'X'", "requires mfa AND (compliantDevice OR compliantApplication)", or "allowed".
    public static func sentence(_ outcome: SignInOutcome) -> String {
        let sentence = Display.sentence(ScenarioOutcome.Outcome(blocked: outcome.blocked, blockingPolicies: outcome.blockingPolicies, clauses: outcome.clauses))
        guard outcome.isEffectivelyBlocked, let reason = outcome.unsatisfiableReason else { return sentence }
        let controls = outcome.unsatisfiable.map { $0.joined(separator: " OR ") }.joined(separator: ", ")
        let why = switch reason {
        case .legacyClient: "a legacy authentication client can satisfy no grant control"
        case .deviceCodeFlow: "a device code flow sign-in cannot satisfy device-state controls"
        }
        return "\(sentence) — effectively blocked: \(why) (\(controls))"
    }

    static func grant(_ grant: Grant) -> String {
        grant.block ? "block" : "requires " + grant.controls.joined(separator: " \(grant.operator) ")
    }

    /// Where Graph's answer and entraform's differ, one line each (policies both evaluated).
    public static func differences(_ evaluation: SignInEvaluation, _ answers: [GraphWhatIfAnswer]) -> [String] {
        let ours = Dictionary(evaluation.verdicts.map { ($0.displayName, $0) }, uniquingKeysWith: { first, _ in first })
        return answers.compactMap { answer in
            guard let verdict = ours[answer.displayName], verdict.applies != answer.applies else { return nil }
            let entraform = verdict.applies ? "applies" : "does not apply (\(verdict.reason?.rawValue ?? "-"))"
            let graph = answer.applies ? "applies" : "does not apply (\(answer.reasons))"
            return "\(answer.displayName): entraform \(entraform), Graph \(graph)"
        }.sorted()
    }
}
