import ArgumentParser
import Foundation
import Synchronization
import PlanRendering
import Reconciliation
import TenantAccess

/// `entraform apply`: make the tenant match the configuration, or apply exactly a saved plan.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Apply a configuration directory (plan, confirm, write) or exactly a saved plan.",
        discussion: """
            From a directory: plans, shows the plan, and asks on a terminal (CI needs --auto-approve). \
            From a saved plan (entraform plan --out FILE): refuses if the file was altered or if any object \
            it touches changed since the plan was made. Live objects are backed up before each update or \
            delete. Progress goes to stderr. Exit 0 on success, 1 on any failure.
            """
    )

    @Argument(help: "A configuration directory, or a plan file saved by `plan --out`.")
    var target: String = "."

    @Flag(name: .customLong("auto-approve"), help: "Apply without asking (required when not on a terminal).")
    var autoApprove = false

    @Option(name: .customLong("backup-dir"),
            help: "Folder under which each run saves live objects before they change, in a new <UTC time>/ folder of its own (default .entraform/backups).")
    var backupDir: String?

    @Option(help: "Colour: auto, always or never.")
    var color: ColorChoice = .auto

    @Flag(name: .customLong("allow-lockout"),
          help: "Turn the lockout guard's errors into warnings (kept in the plan, and in a saved plan). For an emergency only.")
    var allowLockout = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let code = await TenantCommandRunner.run {
            if let savedPlan = try savedPlanData() {
                return try await applySaved(savedPlan)
            }
            return try await ReconcileSession.with(path: target, connection: connection, useColor: color.useColor(fileDescriptor: 2), allowLockout: allowLockout) { session in
                var plan = session.plan()
                plan.tenantId = try await session.connection.actingTenantId()
                if !plan.diagnostics.isEmpty {
                    Console.err(session.renderedDiagnostics(plan.diagnostics, useColor: color.useColor(fileDescriptor: 2)))
                }
                Console.out(TextPlanRenderer(useColor: color.useColor(fileDescriptor: 1), includesDiagnostics: false).render(plan))
                guard !plan.hasErrors else { return 1 }
                guard plan.hasChanges else { return 0 }
                guard try confirm() else {
                    Console.err("Apply cancelled.\n")
                    return 1
                }
                return await execute(plan, client: session.connection)
            }
        }
        if code != 0 { throw ExitCode(code) }
    }

    /// The bytes of `target` when it is a plan file rather than a configuration.
    private func savedPlanData() throws -> Data? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory), !isDirectory.boolValue,
              !target.hasSuffix(".yaml"), !target.hasSuffix(".yml") else { return nil }
        guard let data = FileManager.default.contents(atPath: target) else {
            throw ValidationError("cannot read \(target)")
        }
        return data
    }

    private func applySaved(_ data: Data) async throws -> Int32 {
        let plan: Plan
        do {
            plan = try SavedPlan.decode(data)
        } catch {
            Console.err("error: refusing to apply \(target): \(error.description)\n")
            return 1
        }
        Console.out(TextPlanRenderer(useColor: color.useColor(fileDescriptor: 1)).render(plan))
        guard plan.hasChanges else { return 0 }
        let connection = try await connection.connect()
        let code = await execute(plan, client: connection)
        await connection.close()
        return code
    }

    private func execute(_ plan: Plan, client connection: GraphConnection) async -> Int32 {
        let tenant = GraphTenant(client: connection.client)
        let folder = backupDir.map { URL(fileURLWithPath: $0) } ?? BackupFolder.defaultFolder()
        let rate = connection.client.configuration.pacing.conditionalAccessAndIdentityProtection.requestsPerSecond
        let progress = ApplyProgress(total: plan.actionableChanges.count,
                                     secondsPerWrite: rate > 0 ? (1 + connection.client.configuration.pacing.safetyMargin) / rate : nil)
        let applier = Applier(reader: tenant, writer: tenant, backups: BackupFolder(folder: folder)) { step in
            Console.err(progress.line(for: step))
        }
        let tenantId: String
        do {
            tenantId = try await connection.actingTenantId()
        } catch {
            Console.err("error: cannot tell which tenant this run acts on, so nothing was written: \(error)\n")
            return 1
        }
        let report = await applier.apply(plan, toTenant: tenantId)
        Console.out(TextApplyReportRenderer().render(report))
        return report.exitCode
    }

    /// Asks on a terminal; without one, `--auto-approve` is required.
    private func confirm() throws -> Bool {
        if autoApprove { return true }
        guard isatty(0) == 1 else {
            throw ValidationError("apply needs --auto-approve when standard input is not a terminal")
        }
        Console.err("\nDo you want to perform these actions? Only 'yes' will be accepted: ")
        return readLine()?.trimmingCharacters(in: .whitespaces) == "yes"
    }
}

/// One progress line per apply step, for stderr: `[7/51] + create conditional access policy 'X'…
/// (about 46 s left at Graph's pace)`, so a long apply at one write per second shows where it is.
final class ApplyProgress: Sendable {
    let total: Int
    /// Seconds each write takes at the client's conditional access pace; `nil` when unpaced.
    let secondsPerWrite: Double?
    private let started = Mutex(0)

    init(total: Int, secondsPerWrite: Double?) {
        self.total = total
        self.secondsPerWrite = secondsPerWrite
    }

    func line(for step: ApplyReport.Step) -> String {
        let object = "\(step.kind) '\(step.displayName)'\(step.id.map { " (\($0))" } ?? "")"
        switch step.status {
        case .notAttempted:
            let number = started.withLock { count in
                count += 1
                return count
            }
            var line = "[\(number)/\(total)] \(step.action.symbol) \(step.action.rawValue) \(object)…"
            if let secondsPerWrite, total > number {
                line += " (about \(Int((Double(total - number + 1) * secondsPerWrite).rounded(.up))) s left at Graph's pace)"
            }
            return line + "\n"
        case .done: return "  done\(step.requestId.map { " (request-id \($0))" } ?? "")\n"
        case .failed(let message): return "  failed: \(message)\n"
        }
    }
}
