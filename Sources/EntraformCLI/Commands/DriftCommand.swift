import ArgumentParser
import PlanRendering
import Reconciliation

/// `entraform drift`: has anyone changed the tenant by hand?
struct DriftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Report live objects that differ from the configuration (for a schedule).",
        discussion: "Exit 0 no drift, 2 drift, 1 error. Drift is classified as changed, missing, unmanaged in scope, or referencing deleted objects."
    )

    @Argument(help: "The configuration directory.")
    var path: String = "."

    @Option(help: "Output format: text or json.")
    var format: DriftFormat = .text

    @Option(help: "Colour: auto, always or never.")
    var color: ColorChoice = .auto

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let code = await TenantCommandRunner.run {
            let report = try await ReconcileSession.with(path: path, connection: connection, useColor: color.useColor(fileDescriptor: 2)) {
                $0.drift()
            }
            switch format {
            case .text: Console.out(TextDriftRenderer(useColor: color.useColor(fileDescriptor: 1)).render(report))
            case .json: Console.out(JSONDriftRenderer().render(report))
            }
            return report.exitCode
        }
        if code != 0 { throw ExitCode(code) }
    }
}

enum DriftFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
