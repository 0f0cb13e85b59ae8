import ArgumentParser
import Foundation
import PlanRendering
import Reconciliation

/// `entraform plan`: what would change, by name, with ids beside names.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what apply would change in the tenant.",
        discussion: "Exit 0 no changes, 2 changes (with --detailed-exitcode), 1 error. --out saves the plan for `apply PLANFILE`."
    )

    @Argument(help: "The configuration directory.")
    var path: String = "."

    @Option(help: "Save the plan (JSON, with digests of its content and of the live state) to this file.")
    var out: String?

    @Option(help: "Output format: text, markdown (for a pull-request comment) or json.")
    var format: PlanFormat = .text

    @Flag(name: .customLong("detailed-exitcode"), help: "Exit 2 when there are changes.")
    var detailedExitCode = false

    @Option(help: "Colour: auto, always or never.")
    var color: ColorChoice = .auto

    @Flag(name: .customLong("allow-lockout"),
          help: "Turn the lockout guard's errors into warnings (kept in the plan, and in a saved plan). For an emergency only.")
    var allowLockout = false

    @Flag(name: .customLong("no-impact"),
          help: "Skip the impact analysis (every user evaluated before and after the plan; costs directory reads).")
    var noImpact = false

    @Flag(name: .customLong("no-step-summary"), help: "On GitHub Actions, do not append the Markdown plan to $GITHUB_STEP_SUMMARY.")
    var noStepSummary = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let useColor = color.useColor(fileDescriptor: 1)
        let code = await TenantCommandRunner.run {
            try await ReconcileSession.with(path: path, connection: connection, useColor: color.useColor(fileDescriptor: 2), allowLockout: allowLockout,
                                            readsImpactDirectory: !noImpact) { opened in
                var session = opened
                var plan = session.timedPlan()
                plan.tenantId = try await session.connection.actingTenantId()
                if !plan.hasErrors {
                    plan.diagnostics = (plan.diagnostics + session.lintDiagnostics(after: plan)).sortedByLocation()
                }
                if !plan.hasErrors {
                    // The impact analysis (local work) runs while the audit log and the scenarios are read.
                    // Nothing changes, nobody is affected: no analysis for a no-op plan. (Its directory was
                    // read beside the conditional access lists, before the plan was known.)
                    let planned = plan
                    let analysed = session
                    let skipsImpact = noImpact || !plan.hasChanges
                    async let impact: PlanImpact? = skipsImpact ? nil : analysed.impact(for: planned)
                    // Who changed what outside entraform: only a plan with changes reads the audit log.
                    if plan.hasChanges { plan = await session.attributedPlan(plan) }
                    plan.scenarios = try await session.scenarioOutcomes(for: plan)
                    plan.impact = try await impact
                }
                // One stream each: in text, diagnostics go to stderr (with source lines) and the plan to
                // stdout; Markdown and JSON carry them in the document.
                if format == .text, !plan.diagnostics.isEmpty {
                    Console.err(session.renderedDiagnostics(plan.diagnostics, useColor: color.useColor(fileDescriptor: 2)))
                }
                let rendered = session.timings.measure("render") { format.render(plan, useColor: useColor) }
                if connection.debug { Console.err(session.timings.summary + "\n") }
                Console.out(rendered)
                if !noStepSummary { StepSummary.append(format == .markdown ? rendered : MarkdownPlanRenderer().render(plan)) }
                if let out, !plan.hasErrors {
                    try SavedPlan(plan).encoded().write(to: URL(fileURLWithPath: out), options: .atomic)
                    Console.err("Saved the plan to \(out); apply exactly this plan with: entraform apply \(out)\n")
                }
                return plan.exitCode(detailed: detailedExitCode)
            }
        }
        if code != 0 { throw ExitCode(code) }
    }
}

/// Plan output formats.
enum PlanFormat: String, ExpressibleByArgument, CaseIterable {
    case text, markdown, json

    func render(_ plan: Plan, useColor: Bool) -> String {
        switch self {
        case .text: TextPlanRenderer(useColor: useColor, includesDiagnostics: false).render(plan)
        case .markdown: MarkdownPlanRenderer().render(plan)
        case .json: JSONPlanRenderer().render(plan)
        }
    }
}
