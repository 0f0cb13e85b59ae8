import ArgumentParser
import Foundation
import PlanRendering
import PolicyEvaluation
import PolicyLoading
import PolicyModel
import Reconciliation
import TenantAccess

/// `entraform report`: the coverage matrix (who meets what, on which application) as one
/// self-contained HTML page, or Markdown.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the coverage matrix: what each population meets on each application, with the lint findings and every policy in words.",
        discussion: """
            Without connection options the configuration is read offline and its populations are the combinations of \
            users, groups and roles the policies name. With --live, --emulator SEED or another connection option, the \
            tenant's users are read and partitioned into classes with counts (the declared policies as a plan would \
            leave the tenant, or with --live the tenant's own). Exit 0 written, 1 error.
            """
    )

    @Argument(help: "The configuration directory.")
    var path: String = "."

    @Flag(help: "Report on the tenant's live policies instead of the declared ones.")
    var live = false

    @Flag(help: "Show each cell before → after the plan (the tenant's live policies, then the declared ones) in one report, the changed cells marked.")
    var compare = false

    @Option(help: "Write the report to this file instead of stdout.")
    var out: String?

    @Option(help: "Output format: html (one self-contained page) or markdown.")
    var format: ReportFormat = .html

    @Flag(name: .customLong("no-step-summary"), help: "On GitHub Actions, do not append the Markdown report to $GITHUB_STEP_SUMMARY.")
    var noStepSummary = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if compare && live { throw ValidationError("--compare shows the live policies before the declared ones; leave out --live") }
    }

    /// A tenant is read when asked for one: --live, --compare, or any option that names where or how to connect.
    var readsTenant: Bool {
        live || compare || connection.emulatorSeed != nil || connection.tenant != nil || connection.graphURL != nil || connection.deviceCode
    }

    func run() async throws {
        let code: Int32
        if readsTenant {
            code = await TenantCommandRunner.run {
                try await ReconcileSession.with(path: path, connection: connection, useColor: false, staging: .declared) { session in
                    guard let report = try await tenantReport(session) else { return 1 }
                    return try write(report)
                }
            }
        } else {
            code = offline()
        }
        if code != 0 { throw ExitCode(code) }
    }

    func write(_ report: CoverageReport) throws -> Int32 {
        let rendered = format == .html ? CoverageHTMLRenderer.render(report) : CoverageMarkdownRenderer.render(report)
        if let out {
            try Data(rendered.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
            Console.err("Wrote the coverage report to \(out) (\(report.matrix.rows.count) populations × \(report.matrix.columns.count) columns).\n")
        } else {
            Console.out(rendered)
        }
        if !noStepSummary { StepSummary.append(format == .markdown ? rendered : CoverageMarkdownRenderer.render(report)) }
        return 0
    }

    // MARK: Offline

    func offline() -> Int32 {
        let sources: [PolicySource]
        do {
            sources = try ConfigurationFiles.collect(path)
        } catch {
            Console.err("error: \(error.description)\n")
            return 1
        }
        let load = ConfigurationLoader.load(sources)
        if load.hasErrors || sources.isEmpty {
            let diagnostics = load.diagnostics + (sources.isEmpty ? [.error("\(path): no *.yaml or *.yml files found")] : [])
            Console.err(DiagnosticRendering.text(diagnostics, texts: load.texts, useColor: false))
            return 1
        }
        let configuration = load.configuration
        let settings = configuration.settings?.value
        var names: [String: String] = [:]
        let policies = configuration.policies.compactMap { Lint.graphShape($0.value) }.map { Self.firstPartyAppIds($0, names: &names) }
        let locations = configuration.namedLocations.compactMap { declared in Lint.graphShape(declared.value).map(Self.evaluationShape) }
        let populations = CoverageMatrix.declaredPopulations(
            policies: policies, emergencyUsers: (settings?.emergencyAccess?.users ?? []).map(\.description),
            emergencyGroups: (settings?.emergencyAccess?.groups ?? []).map(\.description))
        let matrix = CoverageMatrix(policies: policies, directory: EvaluationDirectory(namedLocations: locations), populations: populations,
                                    applicationNames: names)
        let report = CoverageReport(matrix: matrix, source: .declaredOffline(path: path),
                                    diagnostics: (load.diagnostics + Lint.declared(configuration)).sortedByLocation(), names: names,
                                    notes: ["Offline, memberships are unknown: a user's row is that user in no group and no role, so an account "
                                        + "the policies leave out only through a group (an emergency access account in its group) shows as "
                                        + "reached on its own row; connect to a tenant (--emulator SEED, --live) for the real members."])
        do {
            return try write(report)
        } catch {
            Console.err("error: \(error.localizedDescription)\n")
            return 1
        }
    }

    /// A declared named location as evaluation reads one: its name is its id (declared policies name
    /// locations by name), and its ranges are Graph's `{cidrAddress}` objects.
    static func evaluationShape(_ location: JSONValue) -> JSONValue {
        var body = location
        body["id"] = location["displayName"] ?? .null
        if let ranges = location["ipRanges"]?.stringArray {
            body["ipRanges"] = .array(ranges.map { ["cidrAddress": .string($0)] })
        }
        return body
    }

    /// Applications named by a Microsoft first-party name become its appId (so the Office 365 group
    /// counts them), with the name remembered for the columns.
    static func firstPartyAppIds(_ policy: JSONValue, names: inout [String: String]) -> JSONValue {
        var body = policy
        for key in ["includeApplications", "excludeApplications"] {
            guard let list = policy["conditions"]?["applications"]?[key]?.stringArray else { continue }
            let mapped = list.map { value -> String in
                let found = FirstPartyApplications.applications(named: value)
                guard found.count == 1 else { return value }
                names[found[0].appId.lowercased()] = found[0].displayName
                return found[0].appId
            }
            var conditions = body["conditions"] ?? .null
            var applications = conditions["applications"] ?? .null
            applications[key] = .array(mapped.map(JSONValue.string))
            conditions["applications"] = applications
            body["conditions"] = conditions
        }
        return body
    }

    // MARK: Tenant

    func tenantReport(_ session: ReconcileSession) async throws -> CoverageReport? {
        let policies: [JSONValue]
        let locations: [JSONValue]
        let diagnostics: [Diagnostic]
        let tenant = try await session.connection.actingTenantId()
        if live {
            policies = session.snapshot.policies
            locations = session.snapshot.namedLocations
            diagnostics = session.lintDiagnostics(policies: policies, namedLocations: locations, created: [])
        } else {
            let plan = session.plan()
            if plan.hasErrors {
                Console.err(session.renderedDiagnostics(plan.diagnostics, useColor: false))
                return nil
            }
            policies = session.policiesAfter(plan)
            locations = ReconcileSession.declaredNamedLocations(resolved: session.resolved, snapshot: session.snapshot)
            diagnostics = (plan.diagnostics + session.lintDiagnostics(after: plan)).sortedByLocation()
        }
        // With --compare, the rows and columns are those either side tells apart.
        let before = compare ? session.snapshot.policies : []
        let references = ReconcileSession.references(in: policies + before)
        let directory = try await ImpactDirectory().completed(groups: references.groups, roles: references.roles, client: session.connection.client)
        let users = directory.subjects(groups: references.groups, roles: references.roles)
        let populations = CoverageMatrix.tenantPopulations(users: users, policies: policies + before,
                                                           emergencyUserIds: session.resolved.emergencyUserIds,
                                                           emergencyGroupIds: session.resolved.emergencyGroupIds)
        // Named locations by id: the live ones (--compare's "before" names them), then the reported side's, which win.
        var names = session.snapshot.directoryNames.namesById
        for location in session.snapshot.namedLocations + locations {
            if let id = location["id"]?.stringValue, let name = location["displayName"]?.stringValue { names[id.lowercased()] = name }
        }
        let matrix = CoverageMatrix(policies: policies, directory: EvaluationDirectory(namedLocations: locations, names: names),
                                    populations: populations, applicationNames: names,
                                    before: compare ? (before, EvaluationDirectory(namedLocations: session.snapshot.namedLocations, names: names)) : nil)
        var notes: [String] = []
        if directory.disabled > 0 { notes.append("\(directory.disabled) disabled account\(directory.disabled == 1 ? "" : "s") left out (they cannot sign in).") }
        if directory.hasExternalUsers { notes.append("Guests are evaluated as B2B collaboration guests or members (their home tenant is not read).") }
        return CoverageReport(matrix: matrix, source: live ? .live(tenant: tenant) : .declaredInTenant(path: path, tenant: tenant),
                              diagnostics: diagnostics, names: names, usersEvaluated: users.count, notes: notes)
    }
}

enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case html, markdown
}
