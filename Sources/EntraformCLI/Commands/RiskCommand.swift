import ArgumentParser
import Foundation
import GraphClient
import PlanRendering
import PolicyEvaluation
import PolicyLoading
import PolicyModel
import Synchronization
import TenantAccess

/// `entraform risk`: declarative Identity Protection responses and manual response actions.
struct RiskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "risk",
        abstract: "Plan and apply risk-response rules; confirm, dismiss or revoke for one user.",
        discussion: """
            Rules (kind: RiskResponseRule) decide which risky users to confirm compromised, dismiss, or \
            sign out. Every executed, skipped or failed action is appended to an audit log \
            (default .entraform/audit.jsonl), each write also as `started` just before it is sent.
            """,
        subcommands: [
            RiskPlanCommand.self, RiskApplyCommand.self, RiskConfirmCompromisedCommand.self, RiskDismissCommand.self,
            RiskRevokeSessionsCommand.self,
        ]
    )
}

/// Plan output formats as an argument.
enum RiskFormatArgument: String, ExpressibleByArgument, CaseIterable {
    case text, markdown, json

    var format: RiskOutputFormat { RiskOutputFormat(rawValue: rawValue) ?? .text }
}

/// Maps failures of a risk command to messages and exit code 1.
enum RiskCommandRunner {
    static func run(_ body: () async throws -> Int32) async -> Int32 {
        do {
            return try await body()
        } catch let stopped as RiskPlanning.Stopped {
            if let readError = stopped.readError {
                Console.err("error: \(readError)\n")
            } else {
                Console.err(DiagnosticRendering.text(stopped.diagnostics, texts: stopped.texts, useColor: stopped.useColor)
                    + (stopped.fileCount.map { DiagnosticRendering.summary(stopped.diagnostics, fileCount: $0) + "\n" } ?? ""))
            }
        } catch let error as GraphError {
            Console.err("error: \(error.description)\n")
        } catch let error as ValidationError {
            Console.err("error: \(error.message)\n")
        } catch {
            Console.err("error: \(error)\n")
        }
        return 1
    }

    /// Connects, runs `body`, and always closes the connection.
    static func withConnection<T>(_ options: ConnectionOptions, settings: Settings?, _ body: (GraphConnection) async throws -> T)
        async throws -> T
    {
        let connection = try await options.connect(settings: settings)
        do {
            let result = try await body(connection)
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw error
        }
    }

    static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url, options: .atomic)
    }
}

/// `entraform risk plan [DIR]`.
struct RiskPlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show the actions the risk-response rules call for, with evidence and stable action ids.",
        discussion: "Exit 0 nothing to do, 2 actions proposed, 1 on errors (conflicts, maxActionsPerRun exceeded, failures)."
    )

    @Argument(help: "A configuration directory or file.")
    var path: String = "."

    @Option(help: "Save the plan as JSON (formatVersion 1) for `risk apply FILE`.")
    var out: String?

    @Option(name: .customLong("valid-for"),
            help: ArgumentHelp("How long a saved plan may be applied (m, h, d; at most 7d): risk changes by the hour.", valueName: "DURATION"))
    var validFor: String = "4h"

    @Option(help: "Output format: text, markdown or json.")
    var format: RiskFormatArgument = .text

    @Option(name: .customLong("audit-log"), help: "Audit log consulted for actions already executed.")
    var auditLog: String = RiskAuditFile.defaultPath

    @Option(help: "Colour: auto, always or never.")
    var color: ColorChoice = .auto

    @Flag(name: .customLong("no-step-summary"), help: "On GitHub Actions, do not append the Markdown plan to $GITHUB_STEP_SUMMARY.")
    var noStepSummary = false

    @Option(help: "Evaluate the user rules for this one user only (UPN or object id), as an alert's automation asks: a few requests.")
    var user: String?

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard let window = TimeWindow(parsing: validFor), window.seconds <= 7 * 86_400 else {
            throw ValidationError("--valid-for must be a duration such as 30m, 4h or 1d, at most 7d (got '\(validFor)')")
        }
    }

    func run() async throws {
        let code = await RiskCommandRunner.run {
            let load = try RiskPlanning.load(path: path, useColor: color.useColor(fileDescriptor: 2))
            let now = Date()
            let plan = try await RiskCommandRunner.withConnection(connection, settings: load.configuration.effectiveSettings) { connection in
                var plan = try await RiskPlanning.plan(load: load, client: connection.client, now: now,
                                                       executedActionIds: RiskAuditFile(path: auditLog).executedActionIds(),
                                                       useColor: color.useColor(fileDescriptor: 2), onlyUser: user)
                // Bound to this tenant, valid for a while, sealed against edits.
                plan.tenantId = try await connection.actingTenantId()
                plan.expiresAt = GraphTime.string(now.addingTimeInterval(Double(TimeWindow(parsing: validFor)?.seconds ?? 4 * 3_600)))
                return plan.sealed()
            }
            if let out { try RiskCommandRunner.write(plan.jsonData(), to: out) }
            Console.out(RiskPlanRenderer.render(plan, format: format.format))
            if !noStepSummary { StepSummary.append(RiskPlanRenderer.markdown(plan)) }
            return plan.exitCode
        }
        if code != 0 { throw ExitCode(code) }
    }
}

/// `entraform risk apply [DIR | PLANFILE]`.
struct RiskApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Run the actions of the risk-response rules (or of a saved risk plan).",
        discussion: """
            Actions needing approval run only with --approve ID (repeatable) or --approve-all. Before acting, \
            each target's current risk is read again and actions that no longer apply are skipped, so a \
            second run does nothing. After acting, the resulting risk level and state are printed. \
            Exit 0 done, 2 actions still awaiting approval, 1 on any failure or plan error.
            """
    )

    @Argument(help: "A configuration directory, or a plan saved by `risk plan --out`.")
    var target: String = "."

    @Option(name: .customLong("approve"), parsing: .upToNextOption, help: "Approve actions by id.")
    var approve: [String] = []

    @Flag(name: .customLong("approve-all"), help: "Approve every action that needs approval.")
    var approveAll = false

    @Flag(name: .customLong("auto-approve"), help: "Do not ask before acting (required when not on a terminal).")
    var autoApprove = false

    @Option(name: .customLong("approved-by"), help: "Who approved, recorded in the audit log.")
    var approvedBy: String?

    @Option(name: .customLong("audit-log"), help: "Append-only audit log (JSON lines).")
    var auditLog: String = RiskAuditFile.defaultPath

    @Option(help: ArgumentHelp(
        "For a saved plan: the configuration whose rules and emergency access accounts the plan is checked against (default: the current directory when it holds entraform.yaml).",
        valueName: "PATH"))
    var config: String?

    @Option(help: "Report format: text, markdown or json.")
    var format: RiskFormatArgument = .text

    @Option(help: "Colour: auto, always or never.")
    var color: ColorChoice = .auto

    @Option(help: "With a configuration directory: evaluate and run the user rules for this one user only (UPN or object id).")
    var user: String?

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let code = await RiskCommandRunner.run {
            let audit = RiskAuditFile(path: auditLog)
            try audit.prepare()
            let executed = audit.executedActionIds()
            let savedPlan = try savedPlan()
            if savedPlan != nil, user != nil {
                throw ValidationError("--user narrows a configuration's rules to one user; a saved plan already names its users")
            }
            let load: LoadResult
            if savedPlan != nil {
                // A saved plan is never trusted for approval or emergency access: the configuration decides.
                guard let configuration = config ?? (FileManager.default.fileExists(atPath: "entraform.yaml") ? "." : nil) else {
                    throw ValidationError("a saved risk plan is checked against the configuration's rules and emergency access accounts: pass --config PATH")
                }
                load = try RiskPlanning.load(path: configuration, useColor: color.useColor(fileDescriptor: 2))
            } else {
                load = try RiskPlanning.load(path: target, useColor: color.useColor(fileDescriptor: 2))
            }
            return try await RiskCommandRunner.withConnection(connection, settings: load.configuration.effectiveSettings) { connection in
                let plan: RiskPlan
                if let savedPlan {
                    let tenantId = try await connection.actingTenantId()
                    guard savedPlan.tenantId?.lowercased() == tenantId.lowercased() else {
                        throw ValidationError("the risk plan was made for tenant \(savedPlan.tenantId ?? "?"), but this run is signed in to tenant \(tenantId); nothing was run")
                    }
                    let emergency = try await RiskPlanning.emergencyAccountIds(load: load, client: connection.client, useColor: false)
                    plan = RiskPlanReview.recheck(savedPlan, rules: load.configuration.riskResponseRules.map(\.value), emergencyAccountIds: emergency)
                } else {
                    plan = try await RiskPlanning.plan(load: load, client: connection.client, now: Date(), executedActionIds: executed,
                                                       useColor: color.useColor(fileDescriptor: 2), onlyUser: user)
                }
                if format == .text { Console.err(RiskPlanRenderer.text(plan)) }
                let approval = RiskApproval(approvedIds: Set(approve), approveAll: approveAll, approvedBy: approvedBy)
                let unknown = Set(approve).subtracting(plan.actions.map(\.id))
                for id in unknown.sorted() { Console.err("warning: --approve \(id) matches no action in this plan\n") }
                let willRun = plan.actions.contains { !$0.approvalRequired || approve.contains($0.id) || approveAll }
                if willRun, !(try confirm()) {
                    Console.err("Apply cancelled.\n")
                    return 1
                }
                // Outcomes are the result: printed once, on stdout, by the report below; stderr shows
                // them as they happen ([3/12] …), which matters for revocations (one request each).
                let progress = RiskApplyProgress(total: plan.actions.count)
                let runner = RiskActionRunner(
                    tenant: GraphRiskTenant(client: connection.client), audit: audit, actor: await RiskPlanning.actor(connection),
                    progress: { outcome in Console.err(progress.line(for: outcome)) })
                let report = await runner.run(plan, approval: approval, executedActionIds: executed)
                Console.out(format == .text ? RiskApplyReportRenderer.text(report) : RiskApplyReportRenderer.render(report, format: format.format))
                return report.exitCode
            }
        }
        if code != 0 { throw ExitCode(code) }
    }

    private func savedPlan() throws -> RiskPlan? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory), !isDirectory.boolValue,
              !target.hasSuffix(".yaml"), !target.hasSuffix(".yml") else { return nil }
        guard let data = FileManager.default.contents(atPath: target) else { throw ValidationError("cannot read \(target)") }
        do {
            return try RiskPlan.decode(data)
        } catch {
            throw ValidationError("\(target) is not a risk plan saved by `entraform risk plan --out`: \(error)")
        }
    }

    private func confirm() throws -> Bool {
        if autoApprove { return true }
        guard isatty(0) == 1 else {
            throw ValidationError("risk apply needs --auto-approve when standard input is not a terminal")
        }
        Console.err("\nDo you want to perform these actions? Only 'yes' will be accepted: ")
        return readLine()?.trimmingCharacters(in: .whitespaces) == "yes"
    }
}

/// The shared body of the manual commands: one action on one user, through the same runner and audit log.
struct ManualRiskOptions: ParsableArguments {
    @Option(help: "The user principal name (or object id) to act on.")
    var user: String

    @Option(help: "Why, recorded in the audit log.")
    var reason: String?

    @Flag(help: "Do not ask for confirmation.")
    var yes = false

    @Option(name: .customLong("approved-by"), help: "Who approved, recorded in the audit log.")
    var approvedBy: String?

    @Option(name: .customLong("audit-log"), help: "Append-only audit log (JSON lines).")
    var auditLog: String = RiskAuditFile.defaultPath

    @Option(help: "Report format: text, markdown or json.")
    var format: RiskFormatArgument = .text

    @Option(help: ArgumentHelp(
        "The configuration whose emergencyAccess accounts are protected (default: the current directory when it holds entraform.yaml).",
        valueName: "PATH"))
    var config: String?

    @Flag(name: .customLong("allow-emergency-account"), help: "Act even on an emergency access account.")
    var allowEmergencyAccount = false

    @OptionGroup var connection: ConnectionOptions

    /// The configuration for emergency access: `--config`, or the current directory when it holds an
    /// `entraform.yaml`. Nil (and the command warns) when there is none.
    private func settingsLoad() throws -> LoadResult? {
        if let config { return try RiskPlanning.load(path: config, useColor: false) }
        guard FileManager.default.fileExists(atPath: "entraform.yaml") else { return nil }
        return try RiskPlanning.load(path: ".", useColor: false)
    }

    func run(_ action: RiskAction) async -> Int32 {
        await RiskCommandRunner.run {
            try RiskAuditFile(path: auditLog).prepare()
            let load = try settingsLoad()
            return try await RiskCommandRunner.withConnection(connection, settings: load?.configuration.effectiveSettings) { connection in
                let client = connection.client
                let planned = try await ManualRiskAction.prepare(action, user: user, reason: reason, client: client, now: Date())
                Console.err(RiskPlanRenderer.text(RiskPlan(generatedAt: GraphTime.string(Date()), actions: [planned])))
                let audit = RiskAuditFile(path: auditLog)
                let runner = RiskActionRunner(tenant: GraphRiskTenant(client: client), audit: audit, actor: await RiskPlanning.actor(connection))

                // Emergency access accounts are refused (and the refusal audited) unless asked for.
                if let load, load.configuration.settings?.value.emergencyAccess != nil {
                    let emergency = try await RiskPlanning.emergencyAccountIds(load: load, client: client, useColor: false)
                    if emergency.contains(planned.target.id.lowercased()) {
                        guard allowEmergencyAccount else {
                            let refused = RiskPlan(generatedAt: GraphTime.string(Date()), skipped: [RiskSkippedAction(action: planned, reason: .emergencyAccount)])
                            let report = await runner.run(refused, approval: RiskApproval(approvedBy: approvedBy))
                            Console.out(RiskApplyReportRenderer.render(report, format: format.format))
                            Console.err("error: \(planned.target.label) is an emergency access account (emergencyAccess in the configuration); "
                                + "pass --allow-emergency-account to act on it anyway\n")
                            return 1
                        }
                        Console.err("warning: \(planned.target.label) is an emergency access account; acting because of --allow-emergency-account\n")
                    }
                } else {
                    Console.err("warning: no configuration with emergencyAccess found (--config PATH); emergency access accounts are not checked\n")
                }

                if !yes {
                    guard isatty(0) == 1 else { throw ValidationError("use --yes when standard input is not a terminal") }
                    Console.err("\n\(action.rawValue) \(planned.target.label)? Only 'yes' will be accepted: ")
                    guard readLine()?.trimmingCharacters(in: .whitespaces) == "yes" else {
                        Console.err("Cancelled.\n")
                        return 1
                    }
                }
                let report = await runner.run(RiskPlan(generatedAt: GraphTime.string(Date()), actions: [planned]),
                                              approval: RiskApproval(approvedBy: approvedBy))
                Console.out(RiskApplyReportRenderer.render(report, format: format.format))
                return report.count(.failed) > 0 ? 1 : 0
            }
        }
    }
}

/// Builds a manual action: resolves the user, reads their risk and their detections (the evidence).
enum ManualRiskAction {
    static func prepare(_ action: RiskAction, user: String, reason: String?, client: GraphClient, now: Date) async throws -> RiskPlannedAction {
        let userId: String
        var upn: String?
        var displayName: String?
        if DirectoryReference.isObjectID(user) {
            userId = user.lowercased()
            let found = try await client.getByIds([userId], types: ["user"])
            guard let object = found.first else { throw ValidationError("no user with id \(user)") }
            upn = object.userPrincipalName
            displayName = object.displayName
        } else {
            let resolution = try await client.resolveUsers(upns: [user])
            guard let object = resolution[user] else { throw ValidationError("user '\(user)' not found in the tenant") }
            userId = object.id.lowercased()
            upn = object.userPrincipalName
            displayName = object.displayName
        }
        let state = try await client.getRiskyObjects(ids: [userId])[userId]
        let detections = try await client.listRiskDetections(filter: RiskQueryFilters.detections(ofUser: userId))
        let evidence = detections.compactMap(RiskEvidence.init(detection:))
            .sorted { ($0.detectedDateTime ?? "", $0.id) > ($1.detectedDateTime ?? "", $1.id) }
        let target = RiskTarget(kind: .users, id: userId, name: upn, displayName: displayName, riskLevel: state?["riskLevel"]?.stringValue,
                                riskState: state?["riskState"]?.stringValue)
        return manual(action, target: target, reason: reason, evidence: evidence, now: now)
    }

    /// A manual action with a stable id (manual + reason + target + action + evidence).
    static func manual(_ action: RiskAction, target: RiskTarget, reason: String?, evidence: [RiskEvidence], now: Date) -> RiskPlannedAction {
        let id = RiskRuleEvaluator.actionId(rules: ["manual:\(reason ?? "")"], target: target, action: action, evidenceIds: evidence.map(\.id))
        return RiskPlannedAction(id: id, action: action, target: target, rules: [], reason: reason ?? "manual", approvalRequired: false,
                                 evidence: evidence)
    }
}

/// `entraform risk confirm-compromised --user UPN`.
struct RiskConfirmCompromisedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "confirm-compromised", abstract: "Confirm one user compromised (risk → high, confirmedCompromised).")

    @OptionGroup var options: ManualRiskOptions

    func run() async throws {
        let code = await options.run(.confirmCompromised)
        if code != 0 { throw ExitCode(code) }
    }
}

/// `entraform risk dismiss --user UPN`.
struct RiskDismissCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dismiss", abstract: "Dismiss one user's risk (risk → none, dismissed).")

    @OptionGroup var options: ManualRiskOptions

    func run() async throws {
        let code = await options.run(.dismiss)
        if code != 0 { throw ExitCode(code) }
    }
}

/// `entraform risk revoke-sessions --user UPN`.
struct RiskRevokeSessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke-sessions", abstract: "Revoke one user's refresh tokens and session cookies.")

    @OptionGroup var options: ManualRiskOptions

    func run() async throws {
        let code = await options.run(.revokeSignInSessions)
        if code != 0 { throw ExitCode(code) }
    }
}

/// `risk apply`'s progress lines on stderr: `[3/12] revokeSignInSessions alice@contoso.com: executed`.
/// No time estimate: confirmations and dismissals go 60 users to a request, so only revocations (one
/// request per user, at Graph's pace) take noticeable time.
final class RiskApplyProgress: Sendable {
    let total: Int
    private let finished = Mutex(0)

    init(total: Int) { self.total = total }

    func line(for outcome: RiskActionOutcome) -> String {
        let number = finished.withLock { count in
            count += 1
            return count
        }
        let action = outcome.action
        let detail = outcome.detail.map { " (\($0))" } ?? ""
        return "[\(number)/\(total)] \(action.action.rawValue) \(action.target.name ?? action.target.id): \(outcome.result.rawValue)\(detail)\n"
    }
}
