import ArgumentParser
import Foundation
import GraphClient
import PolicyLoading
import PolicyModel
import TenantAccess

/// `entraform doctor [DIR]`: a preflight for set-up and CI.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check credentials, token, permissions and API access before a plan or apply.",
        discussion: """
            Shows which credential was found (never its secret), whether a token can be had, the \
            permissions in the token against those the configuration needs, and a probe of each API, \
            with the admin-consent URL for anything missing. Exit 0 when everything needed is in place, 1 otherwise.
            """
    )

    @Argument(help: "A configuration directory or file (decides whether Identity Protection permissions are needed).")
    var path: String?

    @Flag(name: .customLong("read-only"),
          help: "Only check read permissions: what plan, drift and risk plan need (a ReadWrite permission also counts).")
    var readOnly = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let outcome = await Doctor.run(path: path, readOnly: readOnly, connection: connection)
        FileHandle.standardOutput.write(Data(outcome.output.utf8))
        if !outcome.errors.isEmpty { FileHandle.standardError.write(Data(outcome.errors.utf8)) }
        if outcome.exitCode != 0 { throw ExitCode(outcome.exitCode) }
    }
}

/// The doctor job as a function: options in, output and exit code out.
enum Doctor {
    struct Outcome {
        var output: String
        var errors: String
        var exitCode: Int32
    }

    static func run(path: String?, readOnly: Bool, connection options: ConnectionOptions,
                    environment: [String: String] = ProcessInfo.processInfo.environment) async -> Outcome {
        var settings: Settings?
        var riskRules = false
        var servicePrincipalRules = false
        if let path {
            do {
                let result = ConfigurationLoader.load(try ConfigurationFiles.collect(path))
                settings = result.configuration.settings?.value
                riskRules = !result.configuration.riskResponseRules.isEmpty
                servicePrincipalRules = result.configuration.riskResponseRules.contains { $0.value.subject == .servicePrincipals }
            } catch {
                return Outcome(output: "", errors: "error: \(error.description)\n", exitCode: 1)
            }
        }
        let connection: GraphConnection
        do {
            connection = try await options.connect(settings: settings, environment: environment, bindingTenant: false)
        } catch {
            return Outcome(output: render(credentialFailure: error), errors: "", exitCode: 1)
        }
        let requirements = PreflightReport.requirements(write: !readOnly, riskResponse: riskRules, riskyServicePrincipals: servicePrincipalRules)
        let report = await connection.client.preflight(credential: connection.credential, requirements: requirements, probeRiskAPIs: riskRules)
        var tenantLine: String?
        var tenantBound = true
        if report.tokenError == nil {
            let claims = options.tenantClaims(settings: settings, environment: environment)
            do {
                let tid = try await connection.client.bindTenant(claims)
                let named = claims.map(\.description).joined(separator: ", ")
                tenantLine = "✓ tenant: \(tid) (the token's tid\(named.isEmpty ? "; no tenant named" : "; agrees with \(named)"))"
            } catch {
                tenantLine = "✗ tenant: \(error)"
                tenantBound = false
            }
        }
        await connection.close()
        var output = render(report)
        if let tenantLine, let range = output.range(of: "✓ token: acquired\n") {
            output.insert(contentsOf: tenantLine + "\n", at: range.upperBound)
        }
        if !tenantBound { output = output.replacingOccurrences(of: "\nready\n", with: "\nnot ready\n") }
        return Outcome(output: output, errors: "", exitCode: report.passed && tenantBound ? 0 : 1)
    }

    static func render(credentialFailure error: any Error) -> String {
        "✗ credential: \(error)\nnot ready\n"
    }

    /// The report as text.
    static func render(_ report: PreflightReport) -> String {
        var lines: [String] = []
        lines.append("✓ credential: \(report.credential)")
        if let error = report.tokenError {
            lines.append("✗ token: \(error.description)")
            lines.append("not ready")
            return lines.joined(separator: "\n") + "\n"
        }
        lines.append("✓ token: acquired")
        let granted = report.roles + report.scopes
        lines.append("permissions in the token: \(granted.isEmpty ? "none" : granted.joined(separator: ", "))")
        for requirement in report.requirements {
            let missing = report.missing.contains(requirement)
            let names = requirement.anyOf.joined(separator: " or ")
            lines.append("\(missing ? "✗" : "✓") \(names) — \(requirement.purpose)\(missing ? " (missing)" : "")")
        }
        for requirement in report.optional {
            let missing = report.missingOptional.contains(requirement)
            let names = requirement.anyOf.joined(separator: " or ")
            lines.append("\(missing ? "-" : "✓") \(names) — \(requirement.purpose)"
                + (missing ? " (missing; optional: without it drift does not say who changed what)" : ""))
        }
        lines.append("API probes:")
        for probe in report.probes {
            let mark = probe.ok ? "✓" : (probe.required ? "✗" : "-")
            var line = "\(mark) \(probe.name): \(probe.method) \(probe.path) → \(probe.status.map(String.init) ?? "no answer")"
            if let detail = probe.detail, !probe.ok { line += " (\(detail))" }
            if !probe.ok && !probe.required { line += " [not needed by this configuration]" }
            lines.append(line)
        }
        if !report.missing.isEmpty {
            let names = report.missing.map(\.recommended).joined(separator: ", ")
            lines.append(
                "to fix: add the Microsoft Graph application permissions \(names) under App registrations → API permissions, then grant admin consent"
                    + (report.adminConsentURL.map { ": \($0)" } ?? ""))
        }
        lines.append(report.passed ? "ready" : "not ready")
        return lines.joined(separator: "\n") + "\n"
    }
}
