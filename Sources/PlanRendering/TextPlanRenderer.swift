import PolicyModel
import Reconciliation

/// Renders a plan for a terminal: `+ ~ -` symbols, field paths aligned per object, ids beside names.
///
/// Colour is decided by the caller (`--color`, `NO_COLOR`, TTY detection) and passed in as `useColor`.
public struct TextPlanRenderer: Sendable {
    public var useColor: Bool
    /// Whether the diagnostics are part of the text; the CLI prints them on stderr instead (with the
    /// source line and a caret) so each appears once.
    public var includesDiagnostics: Bool

    public init(useColor: Bool = false, includesDiagnostics: Bool = true) {
        self.useColor = useColor
        self.includesDiagnostics = includesDiagnostics
    }

    /// The whole plan as text, ending with a newline.
    public func render(_ plan: Plan) -> String {
        var out: [String] = []
        if plan.hasErrors {
            if includesDiagnostics {
                out += diagnosticLines(plan.diagnostics)
                out.append("")
            }
            out.append(paint(Display.failureLine(plan), .red))
            return out.joined(separator: "\n") + "\n"
        }
        let changes = plan.actionableChanges
        if changes.isEmpty {
            out.append(paint(Display.noChanges, .bold))
        } else {
            out.append("entraform will perform the following actions:")
            for change in changes {
                out.append("")
                out += objectLines(change)
            }
        }
        if let rollouts = plan.rollouts, !rollouts.isEmpty {
            out.append("")
            out.append("Rollouts (each stage as the tenant's sign-in evidence allows):")
            for decision in rollouts {
                let style: ANSI = switch decision.verdict {
                case .rollback: .red
                case .advance, .start: .yellow
                case .hold, .complete: .dim
                }
                out.append("  " + paint("\(decision.displayName): \(Display.rolloutVerdict(decision))", style))
                if let evidence = Display.rolloutEvidence(decision) { out.append("      " + evidence) }
            }
        }
        if let scenarios = plan.scenarios, !scenarios.isEmpty {
            out.append("")
            out.append("Scenarios (before → after this plan):")
            out += scenarios.map { "  " + paint(Display.scenarioLine($0), $0.changed ? .yellow : .dim) }
        }
        if let impact = plan.impact {
            out.append("")
            out += impactLines(impact)
        }
        if includesDiagnostics, !plan.diagnostics.isEmpty {
            out.append("")
            out += diagnosticLines(plan.diagnostics)
        }
        if !changes.isEmpty {
            out.append("")
            out.append(paint(plan.summary.line, .bold))
        }
        if let impact = plan.impact, !impact.changes.isEmpty { out.append(paint(Display.impactSummary(impact), .bold)) }
        return out.joined(separator: "\n") + "\n"
    }

    /// Every change of outcome (the first 30; JSON has them all), enforced first, then report-only.
    private func impactLines(_ impact: PlanImpact) -> [String] {
        var out = ["Impact (every user before → after this plan):"]
        if impact.changes.isEmpty { out.append("  " + paint("no sign-in outcome changes for any of the \(impact.usersEvaluated) users", .dim)) }
        let shown = 30
        for change in impact.changes.prefix(shown) {
            out.append("  " + paint(Display.impactLine(change), change.isReportOnly ? .dim : .yellow))
            out.append("      " + Display.impactNames(change))
        }
        if impact.changes.count > shown { out.append("  … and \(impact.changes.count - shown) more (all of them in --format json)") }
        out += impact.notes.map { "  " + paint("note: \($0)", .dim) }
        return out
    }

    /// Writes ``render(_:)`` to `stream`.
    public func render(_ plan: Plan, to stream: inout some TextOutputStream) {
        stream.write(render(plan))
    }

    /// The object's lines; `symbol` overrides the action's symbol (drift uses its own).
    func objectLines(_ change: PlannedChange, symbol: String? = nil, phrase: String? = nil) -> [String] {
        let colour = Self.colour(for: change.action)
        var lines = [paint("\(symbol ?? change.action.symbol) \(Display.title(change))", colour)]
        lines.append(paint("    # \(phrase ?? Display.phrase(change.reason))", .dim))
        if let attribution = change.attribution { lines.append(paint("    # \(Display.outsideEntraform(attribution))", .yellow)) }
        let width = change.fieldChanges.map(\.path.count).max() ?? 0
        for field in change.fieldChanges {
            let values = Display.valueLines(field)
            for (index, value) in values.enumerated() {
                let label = index == 0 ? field.path.padding(toLength: width, withPad: " ", startingAt: 0) : String(repeating: " ", count: width)
                lines.append("    \(label)  \(paintValue(value))")
            }
        }
        if !change.leftUnchanged.isEmpty {
            lines.append(paint("    # \(Display.leftUnchangedLabel): \(change.leftUnchanged.joined(separator: ", "))", .dim))
        }
        return lines
    }

    func diagnosticLines(_ diagnostics: [Diagnostic]) -> [String] {
        diagnostics.map { diagnostic in
            let colour: ANSI = diagnostic.severity == .error ? .red : diagnostic.severity == .warning ? .yellow : .dim
            return paint(diagnostic.description, colour)
        }
    }

    private func paintValue(_ value: String) -> String {
        if value.hasPrefix("+ ") { return paint(value, .green) }
        if value.hasPrefix("- ") { return paint(value, .red) }
        return value
    }

    private static func colour(for action: PlanAction) -> ANSI {
        switch action {
        case .create: .green
        case .update: .yellow
        case .delete: .red
        case .noOp: .dim
        }
    }

    enum ANSI: String {
        case red = "31", green = "32", yellow = "33", bold = "1", dim = "2"
    }

    func paint(_ text: String, _ style: ANSI) -> String {
        useColor ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
    }
}
