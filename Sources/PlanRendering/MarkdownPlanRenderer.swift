import PolicyModel
import Reconciliation

/// Renders a plan as a GitHub pull-request comment: a hidden marker CI uses to find and update its own
/// comment, the summary, a table of changes, one collapsible `<details>` per changed object with a
/// ```` ```diff ```` block, and the warnings. The result stays under `characterLimit`
/// (GitHub's limit is 65,536): object details are dropped from the end, with a note saying so.
public struct MarkdownPlanRenderer: Sendable {
    /// The first line of every comment: `<!-- entraform-plan -->`.
    public static let marker = "<!-- entraform-plan -->"
    public var characterLimit: Int

    public init(characterLimit: Int = 65_536) { self.characterLimit = characterLimit }

    public func render(_ plan: Plan) -> String {
        var head = [Self.marker]
        let changes = plan.actionableChanges
        if plan.hasErrors {
            head.append("### ❌ entraform plan failed")
            head.append("")
            head += plan.diagnostics.map { "- \(icon($0.severity)) \(inline($0.description))" }
            head.append("")
            head.append(Display.failureLine(plan))
            return fit(head: head, details: [], tail: [])
        }
        head.append("### entraform plan: " + (changes.isEmpty ? "no changes" : plan.summary.line.replacingOccurrences(of: "Plan: ", with: "")))
        head.append("")
        if changes.isEmpty {
            head.append(Display.noChanges)
        } else {
            head.append("| | Action | Kind | Name | Reason |")
            head.append("|---|---|---|---|---|")
            for change in changes {
                let reason = Display.phrase(change.reason) + (change.attribution.map { "; " + Display.outsideEntraform($0) } ?? "")
                head.append("| `\(change.action.symbol)` | \(Display.actionWord(change.action)) | \(change.kind) | \(cell(change.displayName)) | \(cell(reason)) |")
            }
        }
        if let rollouts = plan.rollouts, !rollouts.isEmpty {
            head.append("")
            head.append("#### Rollouts")
            head.append("")
            head.append("| Policy | Decision | Evidence over the current stage |")
            head.append("|---|---|---|")
            for decision in rollouts {
                let verdict = Display.rolloutVerdict(decision)
                let shown = decision.movesStage ? "**\(cell(verdict))**" : cell(verdict)
                head.append("| \(cell(decision.displayName)) | \(shown) | \(cell(Display.rolloutEvidence(decision) ?? "none yet")) |")
            }
        }
        if let scenarios = plan.scenarios, !scenarios.isEmpty {
            head.append("")
            head.append("#### Scenarios")
            head.append("")
            head.append("| Scenario | Sign-in | Before | After |")
            head.append("|---|---|---|---|")
            for scenario in scenarios {
                let after = scenario.changed ? "**\(cell(Display.sentence(scenario.after)))**" : "unchanged"
                head.append("| \(cell(scenario.name)) | \(cell(scenario.signIn)) | \(cell(Display.sentence(scenario.before))) | \(after) |")
            }
        }
        if let impact = plan.impact {
            head.append("")
            head.append("<details><summary>\(html(Display.impactSummary(impact)))</summary>")
            head.append("")
            if impact.changes.isEmpty {
                head.append("No user's sign-in outcome changes.")
            } else {
                head.append("| Who | Sign-ins | Before | After |")
                head.append("|---|---|---|---|")
                for change in impact.changes.prefix(100) {
                    let after = (change.isReportOnly ? "report-only would: " : "") + Display.sentence(change.after)
                    head.append("| \(Display.impactWho(change)): \(cell(Display.impactNames(change))) | \(cell(Display.impactContext(change))) | \(cell(Display.sentence(change.before))) | **\(cell(after))** |")
                }
                if impact.changes.count > 100 { head += ["", "… and \(impact.changes.count - 100) more in the JSON plan."] }
            }
            for note in impact.notes { head += ["", "_Note: \(inline(note))_"] }
            head.append("")
            head.append("</details>")
        }
        let details = changes.map { detailsBlock($0) }
        var tail: [String] = []
        let notes = plan.diagnostics
        if !notes.isEmpty {
            tail.append("#### Warnings")
            tail.append("")
            tail += notes.map { "- \(icon($0.severity)) \(inline($0.description))" }
            tail.append("")
        }
        if !changes.isEmpty { tail.append("**\(plan.summary.line)**") }
        return fit(head: head, details: details, tail: tail)
    }

    /// The details of one object; `symbol` and `phrase` replace the action's (drift categories).
    private func detailsBlock(_ change: PlannedChange, symbol: String? = nil, phrase: String? = nil) -> String {
        var lines: [String] = []
        for field in change.fieldChanges {
            switch field.change {
            case .set(let added, let removed):
                lines += added.map { "+ \(field.path): \(Display.value($0))" }
                lines += removed.map { "- \(field.path): \(Display.value($0))" }
            case .value(let before, let after):
                if let before { lines.append("- \(field.path): \(Display.value(before))") }
                if let after { lines.append("+ \(field.path): \(Display.value(after))") }
            }
        }
        if change.action == .delete { lines.append("- \(change.kind) \(change.displayName)") }
        if !change.leftUnchanged.isEmpty {
            lines.append("# \(Display.leftUnchangedLabel): \(change.leftUnchanged.joined(separator: ", "))")
        }
        let body = lines.joined(separator: "\n")
        let fence = String(repeating: "`", count: max(3, longestBacktickRun(body) + 1))
        return """
            <details><summary><code>\(symbol ?? change.action.symbol)</code> \(phrase ?? Display.actionWord(change.action)) \(change.kind) <b>\(html(change.displayName))</b>\(change.id.map { " <code>\(html($0))</code>" } ?? "")</summary>

            _\(inline(phrase ?? Display.phrase(change.reason)))_

            \(fence)diff
            \(body)
            \(fence)

            </details>
            """
    }

    /// Joins the parts, dropping details from the end (then table rows) until the text fits.
    private func fit(head: [String], details: [String], tail: [String]) -> String {
        func assemble(_ head: [String], _ details: [String], note: String?) -> String {
            var parts = [head.joined(separator: "\n")]
            if !details.isEmpty { parts.append(details.joined(separator: "\n\n")) }
            if let note { parts.append(note) }
            if !tail.isEmpty { parts.append(tail.joined(separator: "\n")) }
            return parts.joined(separator: "\n\n") + "\n"
        }
        let full = assemble(head, details, note: nil)
        if length(full) <= characterLimit { return full }
        var kept = details
        var head = head
        while true {
            let omitted = details.count - kept.count
            let note = "> [!NOTE]\n> Output truncated to stay under GitHub's comment limit: the details of \(omitted) object\(omitted == 1 ? "" : "s") are not shown. Run `entraform plan` for the full plan."
            let text = assemble(head, kept, note: note)
            if length(text) <= characterLimit { return text }
            if !kept.isEmpty { kept.removeLast(); continue }
            if head.count > 4 { head.removeLast(); continue }
            return String(text.unicodeScalars.prefix(max(0, characterLimit - 1)).map(Character.init)) + "\n"
        }
    }

    private func length(_ text: String) -> Int { text.unicodeScalars.count }

    private func longestBacktickRun(_ text: String) -> Int {
        var longest = 0
        var current = 0
        for character in text {
            current = character == "`" ? current + 1 : 0
            longest = max(longest, current)
        }
        return longest
    }

    private func icon(_ severity: Diagnostic.Severity) -> String {
        switch severity {
        case .error: "❌"
        case .warning: "⚠️"
        case .note: "ℹ️"
        }
    }

    private func html(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    private func inline(_ text: String) -> String {
        html(text).replacingOccurrences(of: "`", with: "\\`").replacingOccurrences(of: "*", with: "\\*").replacingOccurrences(of: "_", with: "\\_")
    }

    private func cell(_ text: String) -> String { inline(text).replacingOccurrences(of: "|", with: "\\|") }
}

extension MarkdownPlanRenderer {
    /// The first line of a drift report in Markdown: `<!-- entraform-drift -->` (a scheduled workflow
    /// finds its issue by it).
    public static let driftMarker = "<!-- entraform-drift -->"

    /// A drift report for an issue body or a job summary: the marker, a headline, a table of the
    /// drifted objects, one collapsible `<details>` per object with the live → declared fields, and the
    /// warnings; kept under `characterLimit` like a plan.
    public func render(_ report: DriftReport) -> String {
        var head = [Self.driftMarker]
        head.append(report.hasDrift ? "### entraform drift: \(report.objectCount) object\(report.objectCount == 1 ? "" : "s") drifted"
                                    : "### entraform drift: none")
        head.append("")
        if report.hasDrift {
            // The "Who" column only when the audit log was read.
            let who = report.attributionWindowDays != nil
            head.append("| | Drift | Kind | Name |" + (who ? " Who |" : ""))
            head.append("|---|---|---|---|" + (who ? "---|" : ""))
            for entry in report.entries {
                let whoCell = who ? " \(cell(DriftAttributionText.line(entry, report: report) ?? "")) |" : ""
                head.append("| `\(entry.category.symbol)` | \(entry.category.phrase) | \(entry.kind) | \(cell(entry.displayName))\(entry.id.map { " `\($0)`" } ?? "") |"
                    + whoCell)
            }
        } else {
            head.append("The tenant matches the configuration.")
        }
        let details = report.entries.filter { !$0.fieldChanges.isEmpty }.map { entry in
            detailsBlock(PlannedChange(kind: entry.kind, displayName: entry.displayName, id: entry.id, action: .noOp,
                                       reason: .matchesTenant(pinnedId: false), fieldChanges: entry.fieldChanges),
                         symbol: entry.category.symbol, phrase: entry.category.phrase)
        }
        var tail: [String] = []
        if !report.diagnostics.isEmpty {
            tail.append("#### Warnings")
            tail.append("")
            tail += report.diagnostics.map { "- \(icon($0.severity)) \(inline($0.description))" }
        }
        return fit(head: head, details: details, tail: tail)
    }
}
