import PolicyModel
import Reconciliation

extension DriftCategory {
    /// `changed outside entraform`, `missing from the tenant`, …
    var phrase: String {
        switch self {
        case .changed: "changed outside entraform"
        case .missing: "declared but missing from the tenant"
        case .unmanagedInScope: "in scope but not declared"
        case .danglingReferences: "refers to objects that no longer exist"
        }
    }

    var symbol: String {
        switch self {
        case .changed: "~"
        case .missing: "+"
        case .unmanagedInScope: "?"
        case .danglingReferences: "!"
        }
    }
}

/// Renders a ``DriftReport`` as text. For `changed`, field changes read live → declared (what `apply`
/// would do to undo the drift).
public struct TextDriftRenderer: Sendable {
    public var useColor: Bool

    public init(useColor: Bool = false) { self.useColor = useColor }

    public func render(_ report: DriftReport) -> String {
        let text = TextPlanRenderer(useColor: useColor)
        var out: [String] = []
        if report.entries.isEmpty {
            out.append("No drift. The tenant matches the configuration.")
        } else {
            out.append("Drift found in \(report.objectCount) object\(report.objectCount == 1 ? "" : "s"):")
            for entry in report.entries {
                out.append("")
                let change = PlannedChange(
                    kind: entry.kind, displayName: entry.displayName, id: entry.id, action: .noOp, reason: .matchesTenant(pinnedId: false),
                    fieldChanges: entry.fieldChanges)
                var lines = text.objectLines(change, symbol: entry.category.symbol, phrase: entry.category.phrase)
                if let who = DriftAttributionText.line(entry, report: report) {
                    lines.insert(text.paint("    # \(who)", .dim), at: min(2, lines.count))
                }
                out += lines
            }
        }
        if !report.diagnostics.isEmpty {
            out.append("")
            out += text.diagnosticLines(report.diagnostics)
        }
        return out.joined(separator: "\n") + "\n"
    }
}

/// What the drift renderers say about who changed an entry.
enum DriftAttributionText {
    /// `changed by alice@contoso.com at 2026-12-01 14:02 UTC (Update conditional access policy)`, or `no
    /// audit record in the last 30 days`; nil when the audit log was not read or attribution does not apply.
    static func line(_ entry: DriftEntry, report: DriftReport) -> String? {
        if let attribution = entry.attribution { return attribution.sentence }
        guard let days = report.attributionWindowDays, DriftAttributor.applies(to: entry) else { return nil }
        return "no audit record in the last \(days) days"
    }
}

/// Renders a ``DriftReport`` as JSON (`formatVersion` 1):
/// `{"formatVersion": 1, "hasDrift": bool, "entries": [{"category": "changed" | "missing" | "unmanagedInScope" |
/// "danglingReferences", "kind", "displayName", "id", "location", "fieldChanges": [as in the plan],
/// "attribution": {"auditId", "actor", "actorKind": "user" | "application", "activity", "at", "appId"?, "servicePrincipalId"?,
/// "userId"?} | null}], "attributionWindowDays": 30 | null, "diagnostics": [...]}`.
public struct JSONDriftRenderer: Sendable {
    public init() {}

    public func document(_ report: DriftReport) -> JSONValue {
        [
            "formatVersion": 1,
            "hasDrift": .bool(report.hasDrift),
            "entries": .array(report.entries.map { entry in
                [
                    "category": .string(entry.category.rawValue), "kind": .string(entry.kind.rawValue),
                    "displayName": .string(entry.displayName), "id": entry.id.map(JSONValue.string) ?? .null,
                    "location": entry.location.map(JSONPlanRenderer.location) ?? .null,
                    "fieldChanges": .array(entry.fieldChanges.map(JSONPlanRenderer.fieldChange)),
                    "attribution": entry.attribution.map(Self.attribution) ?? .null,
                ]
            }),
            "attributionWindowDays": report.attributionWindowDays.map { .number(Double($0)) } ?? .null,
            "diagnostics": .array(report.diagnostics.map(JSONPlanRenderer.diagnostic)),
        ]
    }

    public func render(_ report: DriftReport) -> String { document(report).serializedString(pretty: true) + "\n" }

    static func attribution(_ attribution: DriftAttribution) -> JSONValue {
        var object: JSONValue = [
            "auditId": .string(attribution.auditId), "actor": .string(attribution.actor), "actorKind": .string(attribution.actorKind.rawValue),
            "activity": .string(attribution.activity), "at": .string(attribution.activityDateTime),
        ]
        if let userId = attribution.userId { object["userId"] = .string(userId) }
        if let appId = attribution.appId { object["appId"] = .string(appId) }
        if let servicePrincipalId = attribution.servicePrincipalId { object["servicePrincipalId"] = .string(servicePrincipalId) }
        return object
    }
}

/// Renders the outcome of `apply`: what was done, what failed (with the service's error) and what
/// was not attempted.
public struct TextApplyReportRenderer: Sendable {
    public init() {}

    /// One progress line for a step (for stderr while applying).
    public func progressLine(_ step: ApplyReport.Step) -> String {
        let title = "\(step.action.symbol) \(step.kind) \"\(step.displayName)\""
        switch step.status {
        case .notAttempted: return "\(title): \(Display.actionWord(step.action))…"
        case .done: return "\(title): done" + (step.id.map { " (\($0))" } ?? "")
        case .failed(let message): return "\(title): failed: \(message)"
        }
    }

    public func render(_ report: ApplyReport) -> String {
        var out: [String] = []
        if !report.refusals.isEmpty {
            out.append("Apply refused; nothing was changed:")
            out += report.refusals.map { "  - \($0)" }
            return out.joined(separator: "\n") + "\n"
        }
        func section(_ heading: String, _ steps: [ApplyReport.Step], detail: (ApplyReport.Step) -> String?) {
            guard !steps.isEmpty else { return }
            out.append(heading)
            for step in steps {
                let base = "  \(step.action.symbol) \(step.kind) \"\(step.displayName)\"" + (step.id.map { " (\($0))" } ?? "")
                out.append(base + (detail(step).map { ": \($0)" } ?? ""))
            }
        }
        section("Done:", report.done) { step in
            let duplicates = step.duplicatesRemoved.isEmpty ? nil
                : "a concurrent apply created it too; kept \(step.id ?? "?"), deleted \(step.duplicatesRemoved.joined(separator: ", "))"
            let verification: String? = switch step.verification {
            case .verified: nil
            case .mismatch(let message): "written, but not verified: \(message)"
            case .notChecked: "not verified"
            }
            let details = [duplicates, verification].compactMap { $0 }
            return details.isEmpty ? nil : details.joined(separator: "; ")
        }
        section("Failed:", report.failed) { step in
            if case .failed(let message) = step.status { return message }
            return nil
        }
        section("Not attempted:", report.notAttempted) { _ in nil }
        let done = report.done.count
        out.append(report.exitCode == 0
            ? "Apply complete: \(done) change\(done == 1 ? "" : "s") made and verified."
            : "Apply incomplete: \(done) done, \(report.failed.count) failed, \(report.notAttempted.count) not attempted. Re-running converges.")
        return out.joined(separator: "\n") + "\n"
    }
}
