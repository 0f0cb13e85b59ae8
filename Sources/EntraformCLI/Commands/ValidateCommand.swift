import ArgumentParser
import PlanRendering
import PolicyLoading
import PolicyModel
import TenantAccess

/// `entraform validate [DIR]`: checks a configuration offline.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a configuration offline: every problem, with file:line:column.",
        discussion: "Exit 0 when valid (warnings allowed), 1 on any error. Talks to no tenant."
    )

    @Argument(help: "A configuration directory or file.")
    var path: String = "."

    @Option(help: "Output format: text, json or github (workflow annotations).")
    var format: DiagnosticFormat = .text

    @Option(help: "Colour: auto, always or never.")
    var color: ColorChoice = .auto

    func run() throws {
        let outcome = Validation.run(path: path, format: format.rendering, useColor: color.useColor(fileDescriptor: 1))
        Console.out(outcome.output)
        if outcome.exitCode != 0 { throw ExitCode(outcome.exitCode) }
    }
}

/// Diagnostic output formats, as a command-line argument.
enum DiagnosticFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, github

    var rendering: DiagnosticRendering.Format { DiagnosticRendering.Format(rawValue: rawValue) ?? .text }
}

/// The validate job as a function: path in, output and exit code out.
enum Validation {
    struct Outcome {
        var output: String
        var exitCode: Int32
    }

    static func run(path: String, format: DiagnosticRendering.Format, useColor: Bool) -> Outcome {
        let sources: [PolicySource]
        do {
            sources = try ConfigurationFiles.collect(path)
        } catch {
            let diagnostic = Diagnostic.error(error.description)
            return Outcome(output: DiagnosticRendering.render([diagnostic], format: format, useColor: useColor), exitCode: 1)
        }
        var result = ConfigurationLoader.load(sources)
        if sources.isEmpty {
            result.diagnostics.append(.error("\(path): no *.yaml or *.yml files found"))
        }
        // The set-level rules, once every file is valid on its own.
        if !result.hasErrors { result.diagnostics = (result.diagnostics + Lint.declared(result.configuration)).sortedByLocation() }
        var output = DiagnosticRendering.render(result.diagnostics, format: format, texts: result.texts, useColor: useColor)
        if format == .text {
            let configuration = result.configuration
            output += "\(DiagnosticRendering.summary(result.diagnostics, fileCount: sources.count)): "
                + "\(configuration.policies.count) policies, \(configuration.namedLocations.count) named locations, "
                + "\(configuration.riskResponseRules.count) risk-response rules\n"
        }
        return Outcome(output: output, exitCode: result.hasErrors ? 1 : 0)
    }
}
