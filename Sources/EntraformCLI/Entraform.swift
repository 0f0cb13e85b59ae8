import ArgumentParser

/// The `entraform` command: Conditional Access as code for Microsoft Entra ID.
public struct Entraform: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "entraform",
        abstract: "Conditional Access as code for Microsoft Entra ID.",
        discussion: """
            Keep Conditional Access policies, named locations and risk-response rules as YAML in git; \
            validate them offline, plan and apply them through Microsoft Graph, and detect drift.

            Exit codes: 0 success / no changes, 1 error, 2 changes or drift (with --detailed-exitcode).
            """,
        version: EntraformVersion.current,
        subcommands: [
            ValidateCommand.self,
            PlanCommand.self,
            ApplyCommand.self,
            DriftCommand.self,
            ExportCommand.self,
            WhatIfCommand.self,
            ReportCommand.self,
            RiskCommand.self,
            SchemaCommand.self,
            DoctorCommand.self,
            EmulatorCommand.self,
        ]
    )

    public init() {}
}

/// The tool's version.
public enum EntraformVersion {
    public static let current = "0.1.0"
}

extension Entraform {
    /// Parses the process arguments (or `arguments`, without the executable's name) and runs the
    /// chosen command: the executable's whole body, and the benchmark's child processes.
    public static func runFromCommandLine(_ arguments: [String]? = nil) async {
        await main(arguments)
    }
}
