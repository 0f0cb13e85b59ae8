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

    /// `outside entraform, changed by alice@contoso.com at 2026-12-01 14:02 UTC (Update conditional access policy)`.
    static func outsideEntraform(_ attribution: DriftAttribution) -> String { "outside entraform, " + attribution.sentence }

    static func failureLine(_ plan: Plan) -> String {
        let count = plan.diagnostics.filter { $0.severity == .error }.count
        return "Plan failed: \(count) error\(count == 1 ? "" : "s"); nothing can be applied."
    }
}

extension Display {
    /// "blocked by 'X'", "requires mfa AND (compliantDevice OR compliantApplication)", or "allowed".
    static func sentence(_ outcome: ScenarioOutcome.Outcome) -> String {
        if outcome.blocked { return "blocked by " + outcome.blockingPolicies.map { "'\($0)'" }.joined(separator: ", ") }
        let session = outcome.sessionControls.isEmpty ? "" : "; " + outcome.sessionControls.joined(separator: "; ")
        if outcome.clauses.isEmpty { return "allowed" + session }
        return "requires " + outcome.clauses.map { $0.count == 1 ? $0[0] : "(" + $0.joined(separator: " OR ") + ")" }.joined(separator: " AND ")
            + session
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

extension Display {
    /// The sign-ins of an impact change, in words: `Office 365 Exchange Online · on android · sign-in risk high`.
    static func impactContext(_ change: PlanImpact.Change) -> String {
        // Each dimension as the shorter of its values and "any … except" the others.
        func phrase(_ key: String, _ prefix: String, any: String, separator: String = ", ") -> String? {
            guard let values = change.context[key] else { return nil }
            if let left = change.excludedContext[key], !left.isEmpty, left.count < values.count {
                return "\(any) except " + left.joined(separator: ", ")
            }
            return prefix + values.joined(separator: separator)
        }
        var parts = [phrase("application", "", any: "any application", separator: " or ") ?? "any application"]
        let phrases: [(String, String, String)] = [
            ("platform", "on ", "any platform"), ("clientAppType", "via ", "any client"), ("location", "", "anywhere"),
            ("signInRisk", "sign-in risk ", "any sign-in risk"), ("userRisk", "user risk ", "any user risk"),
            ("servicePrincipalRisk", "service principal risk ", "any service principal risk"), ("insiderRisk", "insider risk ", "any insider risk"),
            ("authenticationFlow", "flow ", "any flow"),
        ]
        for (key, prefix, any) in phrases {
            if let text = phrase(key, prefix, any: any, separator: key == "location" ? " or " : ", ") { parts.append(text) }
        }
        return parts.joined(separator: " · ")
    }

    /// `37 users · Office 365 Exchange Online · on android: allowed → requires mfa`, or for report-only
    /// policies `… : would require mfa (enforced today: allowed)`.
    static func impactLine(_ change: PlanImpact.Change) -> String {
        let who = "\(impactWho(change)) · \(impactContext(change))"
        if change.isReportOnly {
            return "\(who): report-only policies would go from \(sentence(change.before)) to \(sentence(change.after))"
        }
        return "\(who): \(sentence(change.before)) → \(sentence(change.after))"
    }

    /// `37 users`, `1 service principal`.
    static func impactWho(_ change: PlanImpact.Change) -> String {
        let noun = change.subjectKind == "servicePrincipal" ? "service principal" : "user"
        return "\(change.userCount) \(noun)\(change.userCount == 1 ? "" : "s")"
    }

    /// The first few people affected: `alice@contoso.com, bob@contoso.com and 35 more`.
    static func impactNames(_ change: PlanImpact.Change, first: Int = 5) -> String {
        let shown = change.users.prefix(first).joined(separator: ", ")
        return change.users.count > first ? "\(shown) and \(change.users.count - first) more" : shown
    }

    /// `Impact: 37 users affected by 2 changes of outcome; 12 by report-only policies.`
    static func impactSummary(_ impact: PlanImpact) -> String {
        let enforced = impact.changes.filter { !$0.isReportOnly }
        let reportOnly = impact.distinctSubjects(enforcement: "reportOnly", kind: "user")
            + impact.distinctSubjects(enforcement: "reportOnly", kind: "servicePrincipal")
        let principals = impact.distinctSubjects(enforcement: "enforced", kind: "servicePrincipal")
        var affected = "\(impact.affectedUsers) user\(impact.affectedUsers == 1 ? "" : "s")"
        if principals > 0 { affected += " and \(principals) service principal\(principals == 1 ? "" : "s")" }
        var line = enforced.isEmpty ? "Impact: no enforced outcome changes"
            : "Impact: \(affected) affected by \(enforced.count) change\(enforced.count == 1 ? "" : "s") of outcome"
        if reportOnly > 0 { line += "; \(reportOnly) by report-only policies" }
        return line + " (\(impact.usersEvaluated) users in \(impact.userClasses) classes evaluated)."
    }
}
