import PolicyModel
import Reconciliation

/// Shared wording for all renderers, so text, Markdown and JSON never disagree.
enum Display {
    /// `CA-BreakGlass (2e1f3c4a…)`, `Corporate HQ (new)`, `dead… (not found in the directory)`, or the raw value.
    static func value(_ value: PlanValue) -> String {
        if value.isPendingCreation, let name = value.name { return "\(name) (new)" }
        if let name = value.name { return "\(name) (\(shortId(value.rawText)))" }
        if value.isUnresolvedReference { return "\(value.rawText) (not found in the directory)" }
        if let cidr = value.value["cidrAddress"]?.stringValue { return cidr }
        if let lower = value.value["lowerAddress"]?.stringValue, let upper = value.value["upperAddress"]?.stringValue {
            return "\(lower)–\(upper)"
        }
        return value.rawText
    }

    /// The first 8 characters of an id, then an ellipsis.
    static func shortId(_ id: String) -> String { id.count > 9 ? "\(id.prefix(8))…" : id }

    /// Value column lines for one field change: `+ x` / `- y` for sets, `before → after` for values.
    static func valueLines(_ change: FieldChange) -> [String] {
        switch change.change {
        case .set(let added, let removed):
            return added.map { "+ \(value($0))" } + removed.map { "- \(value($0))" }
        case .value(let before, let after):
            switch (before, after) {
            case (nil, let after?): return [value(after)]
            case (let before?, nil): return ["\(value(before)) → (none)"]
            case (let before?, let after?): return ["\(value(before)) → \(value(after))"]
            case (nil, nil): return ["(none)"]
            }
        }
    }

    /// `conditional access policy "CA001" (p1)`.
    static func title(_ change: PlannedChange) -> String {
        "\(change.kind) \"\(change.displayName)\"" + (change.id.map { " (\($0))" } ?? "")
    }

    static func actionWord(_ action: PlanAction) -> String {
        switch action {
        case .create: "create"
        case .update: "update"
        case .delete: "delete"
        case .noOp: "no change"
        }
    }

    static let noChanges = "No changes. The tenant matches the configuration."
    /// The reason as a short phrase: `declared, not found in the tenant`, `differs from the tenant in 3 fields`.
    static func phrase(_ reason: ChangeReason) -> String {
        switch reason {
        case .declaredNotInTenant: "declared, not found in the tenant"
        case .matchesTenant(let pinned): pinned ? "matches the tenant (pinned id)" : "matches the tenant"
        case .differsFromTenant(_, true): "differs from the tenant (pinned id)"
        case .differsFromTenant(let fields, false): "differs from the tenant in \(fields) field\(fields == 1 ? "" : "s")"
        case .renamed(let old): "renamed from '\(old)'"
        case .notDeclaredWithPrune: "not declared, in scope, and manage.prune is true"
        }
    }

    static let leftUnchangedLabel = "left unchanged (not managed by entraform)"

    static func failureLine(_ plan: Plan) -> String {
        let count = plan.diagnostics.filter { $0.severity == .error }.count
        return "Plan failed: \(count) error\(count == 1 ? "" : "s"); nothing can be applied."
    }
}

extension Display {
    /// "blocked by 'X'", "requires mfa AND (compliantDevice OR compliantApplication)", or "allowed".
    static func sentence(_ outcome: ScenarioOutcome.Outcome) -> String {
        if outcome.blocked { return "blocked by " + outcome.blockingPolicies.map { "'\($0)'" }.joined(separator: ", ") }
        if outcome.clauses.isEmpty { return "allowed" }
        return "requires " + outcome.clauses.map { $0.count == 1 ? $0[0] : "(" + $0.joined(separator: " OR ") + ")" }.joined(separator: " AND ")
    }

    /// One scenario on one line: what changes, or what stays.
    static func scenarioLine(_ scenario: ScenarioOutcome) -> String {
        let change = scenario.changed ? "\(sentence(scenario.before)) → \(sentence(scenario.after))" : "unchanged: \(sentence(scenario.after))"
        var line = "\(scenario.name) (\(scenario.signIn)): \(change)"
        if scenario.reportOnlyAfter.blocked || !scenario.reportOnlyAfter.clauses.isEmpty {
            line += "; report-only would: \(sentence(scenario.reportOnlyAfter))"
        }
        if !scenario.missingInputs.isEmpty { line += " (not given: \(scenario.missingInputs.joined(separator: ", ")))" }
        return line
    }
}
