import Foundation
import GraphClient
import PlanRendering
import PolicyEvaluation
import PolicyLoading
import PolicyModel
import Reconciliation
import TenantAccess

/// The shared first half of `plan`, `apply` and `drift`: load and validate the configuration (no
/// network when it is invalid), connect, read the live tenant, resolve names, and hand the
/// reconciler its inputs.
struct ReconcileSession {
    var load: LoadResult
    var resolved: ResolvedConfiguration
    var snapshot: TenantSnapshot
    var scope: ManagementScope
    var connection: GraphConnection
    /// How long each local (non-network) phase took, in order, for `--debug`.
    var timings = PhaseTimings()
    /// The lockout guard's findings: policies that would reach an emergency access account.
    var lockout: [Diagnostic] = []
    /// The staged rollouts' decisions (``RolloutStagingMode/evidence(now:)`` only; nil without `rollout:` policies).
    var rollouts: [RolloutDecision]?
    /// The directory as the impact analysis reads it for the live policies, read beside the
    /// conditional access lists (`plan` without `--no-impact`); its failure is thrown only when the
    /// impact is computed. Nil when not read.
    var impactDirectory: Result<ImpactDirectory, any Error>?

    /// Which body a `rollout:` policy is compared with.
    enum RolloutStagingMode {
        /// The stage its evidence allows, read from the tenant's logs at `now` (`plan`, `apply`).
        case evidence(now: Date)
        /// The stage the tenant shows (`drift`: part-way through a rollout is not drift).
        case liveStage
        /// The declared destination (`whatif`, `report`: what the files say).
        case declared
    }

    /// Problems found before any plan can be made, already rendered for the terminal.
    struct Stopped: Error {
        var output: String
    }

    /// Loads `path` and connects. Throws `Stopped` with rendered diagnostics when the configuration
    /// is invalid, or a `GraphError` when the tenant cannot be read.
    /// - Parameter allowLockout: the lockout guard's errors become warnings that say they were
    ///   overridden (`--allow-lockout`), so they stay in the plan and in a saved plan.
    /// - Parameter staging: how `rollout:` policies are staged (see ``RolloutStagingMode``).
    /// - Parameter readsImpactDirectory: read the directory for the impact analysis (``ImpactDirectory``)
    ///   once the live policies are listed, while the client waits for the pacing of the other
    ///   conditional access lists.
    static func open(path: String, useColor: Bool, allowLockout: Bool = false, staging: RolloutStagingMode = .evidence(now: Date()),
                     readsImpactDirectory: Bool = false,
                     connect: (Settings) async throws -> GraphConnection) async throws -> ReconcileSession {
        let sources: [PolicySource]
        do {
            sources = try ConfigurationFiles.collect(path)
        } catch {
            throw Stopped(output: "error: \(error.description)\n")
        }
        var timings = PhaseTimings()
        let load = timings.measure("load") { ConfigurationLoader.load(sources) }
        if load.hasErrors {
            throw Stopped(output: DiagnosticRendering.text(load.diagnostics, texts: load.texts, useColor: useColor)
                + DiagnosticRendering.summary(load.diagnostics, fileCount: sources.count) + "\n")
        }
        let settings = load.configuration.effectiveSettings
        let connection = try await connect(settings)
        do {
            let (read, impactDirectory) = try await readSnapshot(query: Resolver.query(for: load.configuration), client: connection.client,
                                                                 readsImpactDirectory: readsImpactDirectory)
            var resolved = timings.measure("resolve") {
                Resolver.resolve(load.configuration, directory: read.directory, livePolicies: read.snapshot.policies)
            }
            var snapshot = read.snapshot
            // The resolver's table is the directory's plus every name it resolved.
            snapshot.directoryNames = resolved.names
            let scope = ManagementScope(settings: settings)
            var rollouts: [RolloutDecision]?
            if !resolved.hasErrors, resolved.desired.contains(where: { $0.rollout != nil }) {
                switch staging {
                case .evidence(let now):
                    let logs = await readRolloutLogs(resolved.desired, snapshot: snapshot, scope: scope, client: connection.client, now: now)
                    (resolved.desired, rollouts) = RolloutStaging.stage(resolved.desired, live: snapshot.policies, scope: scope, logs: logs, now: now)
                case .liveStage:
                    resolved.desired = RolloutStaging.atLiveStage(resolved.desired, live: snapshot.policies, scope: scope)
                case .declared:
                    break
                }
            }
            let findings = resolved.hasErrors ? [] : try await lockoutGuard(load: load, resolved: resolved, snapshot: snapshot,
                                                                              client: connection.client)
            let lockout = allowLockout ? findings.map(Self.overridden) : findings
            return ReconcileSession(load: load, resolved: resolved, snapshot: snapshot, scope: scope, connection: connection,
                                    timings: timings, lockout: lockout, rollouts: rollouts, impactDirectory: impactDirectory)
        } catch {
            await connection.close()
            throw error
        }
    }

    /// The live tenant, and (with `readsImpactDirectory`) the impact analysis's directory read beside
    /// it: started as soon as the live policies are listed, so its directory requests run while the
    /// client waits out the conditional access pacing of the named locations and strengths.
    static func readSnapshot(query: DirectoryQuery, client: GraphClient, readsImpactDirectory: Bool) async throws
        -> (TenantSnapshotReader.Result, Result<ImpactDirectory, any Error>?) {
        let reader = TenantSnapshotReader(client: client)
        guard readsImpactDirectory else { return (try await reader.read(query: query), nil) }
        let policies = try await client.listPolicies()
        let references = references(in: policies)
        async let directory = ImpactDirectory.read(groups: references.groups, roles: references.roles, client: client)
        let read = try await reader.read(query: query, policies: policies)
        return (read, await directory)
    }

    /// Opens a session with the command-line connection options.
    static func with<Result>(path: String, connection options: ConnectionOptions, useColor: Bool, allowLockout: Bool = false,
                             staging: RolloutStagingMode = .evidence(now: Date()), readsImpactDirectory: Bool = false,
                             _ body: (ReconcileSession) async throws -> Result) async throws -> Result {
        try await with(path: path, useColor: useColor, allowLockout: allowLockout, staging: staging, readsImpactDirectory: readsImpactDirectory,
                       connect: { try await options.connect(settings: $0) }, body)
    }

    /// Opens a session connected by `connect`, runs `body`, and closes the connection however `body` ends.
    static func with<Result>(path: String, useColor: Bool, allowLockout: Bool = false, staging: RolloutStagingMode = .evidence(now: Date()),
                             readsImpactDirectory: Bool = false, connect: (Settings) async throws -> GraphConnection,
                             _ body: (ReconcileSession) async throws -> Result) async throws -> Result {
        let session = try await open(path: path, useColor: useColor, allowLockout: allowLockout, staging: staging,
                                     readsImpactDirectory: readsImpactDirectory, connect: connect)
        do {
            let result = try await body(session)
            await session.connection.close()
            return result
        } catch {
            await session.connection.close()
            throw error
        }
    }

    /// Everything found so far: the loader's warnings, the resolver's problems and the lockout guard's.
    var diagnostics: [Diagnostic] { (load.diagnostics + resolved.diagnostics + lockout).sortedByLocation() }

    /// Runs ``LockoutGuard`` over the declared policies: the emergency access accounts (the Settings'
    /// users and the nested members of its groups) with their groups and roles, read from the tenant.
    /// Then simulates the accounts' sign-ins under the policies that target them on purpose (``LockoutGuard/simulate``).
    static func lockoutGuard(load: LoadResult, resolved: ResolvedConfiguration, snapshot: TenantSnapshot,
                             client: GraphClient) async throws -> [Diagnostic] {
        let policies = guardedPolicies(load: load, resolved: resolved)
        let directory = EvaluationDirectory(namedLocations: declaredNamedLocations(resolved: resolved, snapshot: snapshot),
                                            names: snapshot.directoryNames.namesById)
        var tenantWide = tenantWideLockoutChecks(load: load, resolved: resolved, live: snapshot.policies)
        // Running as an application (an app-only token names its service principal): it must not lock itself out.
        if let claims = await client.accessTokenClaims(), claims.payload["idtyp"]?.stringValue == "app",
           let servicePrincipal = claims.payload["oid"]?.stringValue {
            let label = claims.payload["app_displayname"]?.stringValue ?? claims.payload["appid"]?.stringValue ?? servicePrincipal
            tenantWide += LockoutGuard.simulateWorkload(policies, live: snapshot.policies, servicePrincipalId: servicePrincipal, label: label,
                                                        directory: directory)
        }
        let accounts = try await EmergencyAccessReader.accounts(of: resolved, client: client)
        guard !accounts.isEmpty else { return tenantWide }
        let emergencyGroups = resolved.emergencyGroupIds.map { $0.lowercased() }
        return tenantWide + LockoutGuard.check(policies, accounts: accounts, emergencyGroupIds: Set(emergencyGroups),
                                               emergencyGroupNames: emergencyGroups.map { resolved.names.name(for: $0) ?? $0 })
            + LockoutGuard.simulate(policies, accounts: accounts, emergencyGroupIds: Set(emergencyGroups), live: snapshot.policies,
                                    directory: directory)
    }

    /// The named locations as the declared policies will see them: live ones, with declared
    /// definitions in their place, and declared ones not in the tenant yet under the placeholder ids
    /// resolved policy bodies use for them.
    static func declaredNamedLocations(resolved: ResolvedConfiguration, snapshot: TenantSnapshot) -> [JSONValue] {
        var locations: [String: JSONValue] = [:]
        for location in snapshot.namedLocations {
            if let id = location["id"]?.stringValue { locations[id.lowercased()] = location }
        }
        for declared in resolved.desired where declared.kind == .namedLocation {
            let liveMatch = snapshot.namedLocations.first {
                $0["id"]?.stringValue?.lowercased() == declared.pinnedId?.lowercased()
                    || $0["displayName"]?.stringValue?.lowercased() == declared.displayName.lowercased()
            }
            let id = liveMatch?["id"]?.stringValue ?? PendingReference.namedLocation(declared.displayName)
            var body = declared.body
            body["id"] = .string(id)
            locations[id.lowercased()] = body
        }
        return locations.keys.sorted().compactMap { locations[$0] }
    }

    /// A lockout error turned into a loud warning that says who allowed it.
    static func overridden(_ finding: Diagnostic) -> Diagnostic {
        guard finding.severity == .error else { return finding }
        return .warning("LOCKOUT GUARD OVERRIDDEN (--allow-lockout): \(finding.message)", at: finding.location, suggestion: finding.suggestion)
    }

    /// The declared policies as the lockout guard sees them, located at their users condition.
    static func guardedPolicies(load: LoadResult, resolved: ResolvedConfiguration) -> [GuardedPolicy] {
        let declared = Dictionary(load.configuration.policies.map { ($0.value.displayName, $0) }, uniquingKeysWith: { first, _ in first })
        return resolved.desired.filter { $0.kind == .conditionalAccessPolicy }.map { desired in
            let source = declared[desired.displayName]
            return GuardedPolicy(displayName: desired.displayName, body: desired.body,
                                 location: source?.sourceMap.location(of: "conditions.users") ?? desired.location)
        }
    }

    /// The lockout checks that need no directory read: emergency access configured at all, and no
    /// enabled block of everyone everywhere.
    static func tenantWideLockoutChecks(load: LoadResult, resolved: ResolvedConfiguration, live: [JSONValue] = []) -> [Diagnostic] {
        let emergency = load.configuration.settings?.value.emergencyAccess
        let configured = !(emergency?.users ?? []).isEmpty || !(emergency?.groups ?? []).isEmpty
        return LockoutGuard.tenantWideChecks(guardedPolicies(load: load, resolved: resolved), emergencyAccessConfigured: configured, live: live)
    }

    func plan() -> Plan {
        var plan = Planner().plan(desired: resolved.desired, snapshot: snapshot, scope: scope, diagnostics: diagnostics)
        plan.rollouts = rollouts
        return plan
    }

    /// Plans and records how long it took.
    mutating func timedPlan() -> Plan {
        let session = self
        return timings.measure("diff") { session.plan() }
    }

    /// How many sign-ins a plan reads at most for its rollouts' evidence: 20 pages, about 35 s by the
    /// client's pacing of the reports service (5 at once, then one per 2.3 s). Beyond it the evidence
    /// covers the newest sign-ins only, and says so.
    static let rolloutSignInLimit = 20_000

    /// The logs the staged policies' decisions rest on, in two listings (more only beyond 15 staged
    /// policies or 1,000 records): the directory audit log of the staged live policies over its 30
    /// days (when each stage began), then the sign-ins since the earliest stage start. Nil when no
    /// staged policy exists in the tenant yet. Unreadable logs never fail the plan: without the audit
    /// log a stage starts at the policy's `modifiedDateTime`; without sign-ins nothing advances.
    static func readRolloutLogs(_ desired: [DesiredObject], snapshot: TenantSnapshot, scope: ManagementScope, client: GraphClient,
                                now: Date) async -> RolloutLogs? {
        let ids = RolloutStaging.liveStagedIds(desired, live: snapshot.policies, scope: scope)
        guard !ids.isEmpty else { return nil }
        // An unreadable audit log is not fatal: the stages then start at modifiedDateTime, and the evidence says so.
        let audits: [JSONValue]? = switch await directoryAudits(ids: ids, deletes: [], now: now, client: client) {
        case .success(let records): records
        case .failure: nil
        }
        var logs = RolloutLogs(signIns: nil, audits: audits, auditWindowStart: DriftAttributor.windowStart(now: now))
        guard let since = RolloutStaging.earliestStageStart(desired, live: snapshot.policies, scope: scope, logs: logs) else { return logs }
        do {
            let listing = try await client.listSignIns(since: since, limit: rolloutSignInLimit)
            logs.signIns = listing.signIns
            logs.signInsComplete = listing.complete
        } catch {
            logs.signInProblem = signInProblem(error)
        }
        return logs
    }

    /// Why the sign-in log could not be read, for a held rollout: the licence (Graph lists sign-ins
    /// only for tenants with Microsoft Entra ID P1 or P2, answering 403
    /// `Authentication_RequestFromNonPremiumTenantOrB2CTenant` otherwise), the permission, or the error.
    static func signInProblem(_ error: GraphError) -> String {
        if error.code == "Authentication_RequestFromNonPremiumTenantOrB2CTenant" {
            return "the sign-in log needs a Microsoft Entra ID P1 or P2 licence (Graph answered 403 \(error.code ?? ""))"
        }
        if error.status == 403 { return "the sign-in log needs AuditLog.Read.All (Graph answered 403 \(error.code ?? "Forbidden"))" }
        return error.description
    }

    func drift() -> DriftReport {
        Planner().drift(desired: resolved.desired, snapshot: snapshot, scope: scope, diagnostics: diagnostics)
    }

    /// The warning when the audit log cannot be read for lack of permission (once per run).
    static let auditPermissionWarning = "the audit log needs AuditLog.Read.All: drift does not say who changed what"

    /// `report` with who changed each drifted object, from ONE filtered listing of the directory audit
    /// log (a listing per `DirectoryAuditFilter.idsPerFilter` ids beyond that) over the last 30 days,
    /// Graph's retention. Entraform's own writes (the token's application) bound the window per object
    /// and are never blamed. Without `AuditLog.Read.All` (403) one warning, and the report otherwise
    /// unchanged; any other failure to read the log is a warning too: attribution never fails drift.
    func attributedDrift(_ report: DriftReport, now: Date = Date()) async -> DriftReport {
        var report = report
        switch await Self.directoryAudits(ids: DriftAttributor.targetIds(report), deletes: DriftAttributor.deleteActivities(report), now: now,
                                          client: connection.client) {
        case .success(let audits?):
            return DriftAttributor.attribute(report, audits: audits, own: await Self.auditIdentity(connection.client), now: now)
        case .success(nil):
            return report
        case .failure(let error):
            let message = error.status == 403 ? Self.auditPermissionWarning
                : "could not read the audit log, so drift does not say who changed what: \(error.description)"
            report.diagnostics.append(.warning(message))
            return report
        }
    }

    /// `plan` with who last changed (or deleted) each object it touches outside entraform, from the same
    /// one filtered listing as drift. Only plans with changes read the log. The log is optional here:
    /// without `AuditLog.Read.All` one note says the plan cannot name who changed what.
    func attributedPlan(_ plan: Plan, now: Date = Date()) async -> Plan {
        var plan = plan
        let targets = DriftAttributor.targets(plan)
        let deletes = DriftAttributor.deleteActivities(for: Set(targets.filter { $0.id == nil }.map(\.kind)))
        switch await Self.directoryAudits(ids: targets.compactMap(\.id), deletes: deletes, now: now, client: connection.client) {
        case .success(let audits?):
            return DriftAttributor.attribute(plan, audits: audits, own: await Self.auditIdentity(connection.client), now: now)
        case .success(nil):
            return plan
        case .failure(let error):
            let reason = error.status == 403 ? "the audit log needs AuditLog.Read.All" : "the audit log could not be read: \(error.description)"
            plan.diagnostics.append(Diagnostic(.note, "the plan does not say who changed objects outside entraform: \(reason)"))
            return plan
        }
    }

    /// The directory audit records of objects `ids` and of `deletes` activities (by name) over the
    /// audit window, in one listing per ``DirectoryAuditFilter/idsPerFilter`` ids; nil when there is
    /// nothing to look up.
    private static func directoryAudits(ids: [String], deletes: [String], now: Date, client: GraphClient) async -> Result<[JSONValue]?, GraphError> {
        guard !ids.isEmpty || !deletes.isEmpty else { return .success(nil) }
        let filters = DirectoryAuditFilter.targeting(
            ids: ids, since: DriftAttributor.windowStart(now: now),
            extra: deletes.map { "activityDisplayName eq \(DirectoryAuditFilter.literal($0))" })
        var audits: [JSONValue] = []
        for filter in filters {
            do {
                audits += try await client.listDirectoryAudits(filter: filter)
            } catch {
                return .failure(error)
            }
        }
        return .success(audits)
    }

    /// Who entraform acts as, from the access token: its application id, and its service principal
    /// when the token is app-only. (A delegated token's writes carry the user, who cannot be told
    /// apart from the same user editing in the portal: those are attributed to the user.)
    static func auditIdentity(_ client: GraphClient) async -> AuditIdentity {
        guard let claims = await client.accessTokenClaims() else { return AuditIdentity() }
        let appId = claims.payload["appid"]?.stringValue ?? claims.payload["azp"]?.stringValue
        let servicePrincipal = claims.payload["idtyp"]?.stringValue == "app" ? claims.payload["oid"]?.stringValue : nil
        return AuditIdentity(appId: appId, servicePrincipalId: servicePrincipal)
    }

    /// Diagnostics with source lines and carets, for stderr.
    func renderedDiagnostics(useColor: Bool) -> String {
        renderedDiagnostics(diagnostics, useColor: useColor)
    }

    /// `diagnostics` (a plan's: the session's and the planner's) with source lines and carets.
    func renderedDiagnostics(_ diagnostics: [Diagnostic], useColor: Bool) -> String {
        DiagnosticRendering.text(diagnostics, texts: load.texts, useColor: useColor)
    }
}

/// Runs a tenant command body, mapping failures to messages and exit code 1; always closes the
/// connection. Graph errors print their one-line rendering (never a secret).
enum TenantCommandRunner {
    static func run(_ body: () async throws -> Int32) async -> Int32 {
        do {
            return try await body()
        } catch let stopped as ReconcileSession.Stopped {
            Console.err(stopped.output)
        } catch let error as GraphError {
            Console.err("error: \(error.description)\n")
        } catch {
            Console.err("error: \(error)\n")
        }
        return 1
    }
}

/// Wall-clock durations of the local phases of a command (load, resolve, diff, render): what
/// `--debug` reports, so the time spent on Graph and the time spent here can be told apart.
struct PhaseTimings {
    private(set) var phases: [(name: String, duration: Duration)] = []

    mutating func measure<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        let clock = ContinuousClock()
        let start = clock.now
        let result = try body()
        phases.append((name, clock.now - start))
        return result
    }

    /// `local phases: load 12.3 ms, resolve 1.0 ms, … (total 20.1 ms)`.
    var summary: String {
        func milliseconds(_ duration: Duration) -> String {
            let components = duration.components
            return String(format: "%.1f ms", Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15)
        }
        let total = phases.reduce(Duration.zero) { $0 + $1.duration }
        return "local phases: " + phases.map { "\($0.name) \(milliseconds($0.duration))" }.joined(separator: ", ")
            + " (total \(milliseconds(total)))"
    }
}
