import ArgumentParser
import PlanRendering
import Reconciliation

/// `entraform drift`: has anyone changed the tenant by hand?
struct DriftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Report live objects that differ from the configuration (for a schedule).",
        discussion: """
            Exit 0 no drift, 2 drift, 1 error. Drift is classified as changed, missing, unmanaged in scope, or referencing deleted objects. \
            Each changed, missing or unmanaged object says who changed it last, and when, from the directory audit log \
            (needs AuditLog.Read.All; Graph keeps 30 days of it).
            """
    )

    @Argument(help: "The configuration directory.")
    var path: String = "."

    @Option(help: "Output format: text, markdown (an issue body) or json.")
    var format: DriftFormat = .text

    @Flag(name: .customLong("detailed-exitcode"),
          help: "Accepted for symmetry with plan: drift always exits 2 when it finds drift.")
    var detailedExitCode = false

    @Flag(name: .customLong("no-step-summary"), help: "On GitHub Actions, do not append the Markdown report to $GITHUB_STEP_SUMMARY.")
    var noStepSummary = false

    @Option(help: "Colour: auto, always or never.")
    var color: ColorChoice = .auto

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let code = await TenantCommandRunner.run {
            let report = try await ReconcileSession.with(path: path, connection: connection, useColor: color.useColor(fileDescriptor: 2), staging: .liveStage) { session in
                // Who changed what, from the audit log (a warning, never a failure, when it cannot be read).
                var report = await session.attributedDrift(session.drift())
                // The lint rules over the tenant as it is.
                report.diagnostics = (report.diagnostics + session.lintDiagnostics(
                    policies: session.snapshot.policies, namedLocations: session.snapshot.namedLocations, created: [])).sortedByLocation()
                return report
            }
            switch format {
            case .text: Console.out(TextDriftRenderer(useColor: color.useColor(fileDescriptor: 1)).render(report))
            case .markdown: Console.out(MarkdownPlanRenderer().render(report))
            case .json: Console.out(JSONDriftRenderer().render(report))
            }
            if !noStepSummary { StepSummary.append(MarkdownPlanRenderer().render(report)) }
            return report.exitCode
        }
        if code != 0 { throw ExitCode(code) }
    }
}

enum DriftFormat: String, ExpressibleByArgument, CaseIterable {
    case text, markdown, json
}
