@testable import EntraformCLI
import EntraformTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GraphEmulator
import PolicyEvaluation
import PolicyLoading
import PolicyModel
import Reconciliation
import TenantAccess
import Testing

/// Chaos: the built `entraform` binary against an emulator that fails, lags and throttles, and
/// `SIGKILL`ed at random points of its own progress. Each test ends with the tenant checked from the
/// emulator's side (never through the client under test): no duplicate, no lost field, no action
/// executed twice, and a plan with no changes.
///
/// Two sizes: the short form (the default, about a minute in all, for CI) and the long form,
/// `ENTRAFORM_CHAOS=long` (Graph's own pace: 1 request/s, 2 s replication lag, more changes, rounds and
/// kills; several minutes). `ENTRAFORM_CHAOS_SEED=N` replays a run (every failure names its seed).
@Suite("Chaos: apply and risk apply under faults, lag, throttling and SIGKILL", .emulatorScope, .serialized)
struct ChaosTests {
    /// How hard each test pushes.
    struct Form: Sendable {
        var name: String
        /// Policies left as they are, updated, created and deleted by the apply of test (a).
        var kept, updated, created, deleted: Int
        /// Test (a): the emulator's fault rate, replication lag and conditional access rate limit (the
        /// client paces at the same rate, as it paces at Graph's 1 request/s by default).
        var faultRate: Double
        var replicationLag: Duration
        var rateLimit: Double
        /// Runs of `apply` allowed before the tenant must have converged.
        var attempts: Int
        /// Tests (b) and (c): rounds, and kills per round before the run that must complete.
        var rounds: Int
        var killsPerRound: Int
        /// Test (b): faults and lag while killing (test (a) covers them at full rate).
        var killFaultRate: Double
        var killLag: Duration
        /// Test (c): users with risk, a third each for confirmCompromised, dismiss and revokeSignInSessions.
        var riskyUsers: Int

        /// About a minute in all on two cores: 50 changes at 10 requests/s with a 200 ms lag.
        static let short = Form(name: "short", kept: 10, updated: 18, created: 20, deleted: 12, faultRate: 0.2, replicationLag: .milliseconds(200),
                                rateLimit: 10, attempts: 10, rounds: 2, killsPerRound: 2, killFaultRate: 0, killLag: .milliseconds(200),
                                riskyUsers: 30)
        /// Graph's pace: 90 changes at 1 request/s with a 2 s lag; kills under faults too.
        static let long = Form(name: "long", kept: 30, updated: 35, created: 35, deleted: 20, faultRate: 0.2, replicationLag: .seconds(2),
                               rateLimit: 1, attempts: 20, rounds: 5, killsPerRound: 4, killFaultRate: 0.1, killLag: .seconds(2),
                               riskyUsers: 120)
    }

    static let form: Form = ProcessInfo.processInfo.environment["ENTRAFORM_CHAOS"] == "long" ? .long : .short

    static let seed: UInt64 = {
        switch ProcessInfo.processInfo.environment["ENTRAFORM_CHAOS_SEED"] {
        case "random"?: UInt64.random(in: 1...UInt64.max)
        case let text?: UInt64(text) ?? 20_261_206
        case nil: 20_261_206
        }
    }()

    static var label: String { "ENTRAFORM_CHAOS=\(form.name) ENTRAFORM_CHAOS_SEED=\(seed)" }

    // MARK: (a) apply under faults, lag and throttling

    @Test func applyUnderFaultsConvergesWithoutDuplicatesOrLostFields() async throws {
        let form = Self.form
        let sets = try await ChaosPolicySets.make(seed: Self.seed, kept: form.kept, updated: form.updated, created: form.created, deleted: form.deleted)
        #expect(sets.changes >= 50)
        let folder = try BinaryRunner.temporaryDirectory([:])
        let config = folder.appendingPathComponent("config")
        try await sets.declare(sets.desired, in: config)

        let (server, url) = try await startScopedEmulator(EmulatorConfiguration(
            seed: sets.seed(sets.current), rateLimit: form.rateLimit, faultRate: form.faultRate, faultSeed: Self.seed,
            replicationLag: form.replicationLag))
        let tenant = ChaosTenant(server: server, url: url, folder: folder, requestsPerSecond: form.rateLimit)

        let applies = try await tenant.untilSuccess(attempts: form.attempts, ["apply", "config", "--auto-approve", "--allow-lockout"])
        #expect(applies.last?.exitCode == 0, "\(Self.label): no apply succeeded in \(form.attempts) runs; last: \(applies.last?.stdout.suffix(3_000) ?? "")")

        let traffic = try await ChaosTenant.traffic(url)
        print("chaos (a) \(Self.label): \(sets.changes) changes, apply exit codes \(applies.map(\.exitCode)), \(traffic)")

        // The tenant, read on the emulator's side.
        let state = await server.stateDocument()
        let live = state["policies"]?.arrayValue ?? []
        let duplicates = ChaosTenant.duplicateNames(live) + ChaosTenant.duplicateNames(state["namedLocations"]?.arrayValue ?? [])
        #expect(duplicates.isEmpty, "\(Self.label): duplicates left: \(duplicates)")
        let liveNames = Set(live.compactMap { $0["displayName"]?.stringValue })
        let declaredNames = Set(sets.desired.compactMap { $0["displayName"]?.stringValue })
        #expect(liveNames == declaredNames, "\(Self.label): missing \(declaredNames.subtracting(liveNames).sorted()), not deleted \(liveNames.subtracting(declaredNames).sorted())")

        // Every live policy equals its declaration, field by field, and keeps what entraform does not model.
        let before = Dictionary(sets.current.map { ($0["displayName"]?.stringValue ?? "", $0) }, uniquingKeysWith: { first, _ in first })
        var differing: [String] = []
        for declared in sets.desired {
            let name = declared["displayName"]?.stringValue ?? ""
            guard let current = live.first(where: { $0["displayName"]?.stringValue == name }) else { continue }
            let changes = ChaosPolicySets.modelledDifferences(declared: declared, live: current)
            if !changes.isEmpty { differing.append("\(name): \(changes)") }
            if let previous = before[name] {
                let lost = ChaosPolicySets.unmodelledDifferences(before: previous, after: current)
                if !lost.isEmpty { differing.append("\(name), not managed by entraform: \(lost)") }
            }
        }
        #expect(differing.isEmpty, "\(Self.label): \(differing.prefix(5))")

        // And the next plan agrees: no changes (faults may fail a plan: it is an error, never a change).
        let plans = try await tenant.untilSuccess(attempts: form.attempts, ["plan", "config", "--detailed-exitcode", "--allow-lockout"])
        let exitCodes = plans.map(\.exitCode)
        #expect(exitCodes.last == 0 && !exitCodes.contains(2), "\(Self.label): plan exit codes \(exitCodes): \(plans.last?.stdout.suffix(2_000) ?? "")\(plans.last?.stderr.suffix(2_000) ?? "")")
    }

    // MARK: (b) apply SIGKILLed at random points

    @Test func applyKilledAtRandomPointsConvergesEveryTime() async throws {
        let form = Self.form
        let seed = Self.seed &+ 1
        let sets = try await ChaosPolicySets.make(seed: seed, kept: form.kept, updated: form.updated, created: form.created, deleted: form.deleted)
        let folder = try BinaryRunner.temporaryDirectory([:])
        // The rounds go back and forth between the two sets, so each one creates, updates and deletes.
        let declarations = [folder.appendingPathComponent("desired"), folder.appendingPathComponent("current")]
        try await sets.declare(sets.desired, in: declarations[0])
        try await sets.declare(sets.current, in: declarations[1])

        // One emulator for every run: the tenant persists from one killed process to the next.
        let (server, url) = try await startScopedEmulator(EmulatorConfiguration(
            seed: sets.seed(sets.current), latency: .milliseconds(5), faultRate: form.killFaultRate, faultSeed: seed,
            replicationLag: form.killLag))
        let tenant = ChaosTenant(server: server, url: url, folder: folder, requestsPerSecond: 0)
        var random = SeededRandom(seed: seed)
        var kills = 0
        for round in 0..<form.rounds {
            let config = declarations[round % 2].lastPathComponent
            for _ in 0..<form.killsPerRound {
                // Killed during the k-th write (its progress line is printed as it starts), k drawn from the seed.
                let fraction = Double.random(in: 0..<1, using: &random)
                let run = try await tenant.run(["apply", config, "--auto-approve", "--allow-lockout"],
                                               killAfter: ChaosTenant.progressKill(fraction: fraction))
                if run.killed { kills += 1 }
            }
            let runs = try await tenant.untilSuccess(attempts: form.killFaultRate > 0 ? form.attempts : 1,
                                                     ["apply", config, "--auto-approve", "--allow-lockout"])
            #expect(runs.last?.exitCode == 0, "\(Self.label), round \(round): the run after the kills did not converge: \(runs.last?.stdout.suffix(3_000) ?? "")")
            let state = await server.stateDocument()
            let duplicates = ChaosTenant.duplicateNames(state["policies"]?.arrayValue ?? [])
                + ChaosTenant.duplicateNames(state["namedLocations"]?.arrayValue ?? [])
            #expect(duplicates.isEmpty, "\(Self.label), round \(round): duplicates left: \(duplicates)")
            let plans = try await tenant.untilSuccess(attempts: form.attempts, ["plan", config, "--detailed-exitcode", "--allow-lockout"])
            let exitCodes = plans.map(\.exitCode)
            #expect(exitCodes.last == 0 && !exitCodes.contains(2),
                    "\(Self.label), round \(round): plan exit codes \(exitCodes): \(plans.last?.stdout.suffix(2_000) ?? "")\(plans.last?.stderr.suffix(2_000) ?? "")")
        }
        // Kills landed while writes were under way (a run that ends first proves nothing; one killed
        // during its last write leaves the next with nothing to do, so not every run is killed).
        print("chaos (b) \(Self.label): \(kills) of \(form.rounds * form.killsPerRound) runs killed over \(form.rounds) rounds of \(sets.changes) changes")
        #expect(kills >= form.rounds, "\(Self.label): \(kills) of \(form.rounds * form.killsPerRound) runs killed")
    }

    // MARK: (c) risk apply SIGKILLed at random points

    @Test func riskApplyKilledAtRandomPointsActsOnceAndKeepsItsAuditLog() async throws {
        let form = Self.form
        let seed = Self.seed &+ 2
        let users = form.riskyUsers
        let folder = try BinaryRunner.temporaryDirectory(["config/entraform.yaml": RiskCommandTests.settings, "config/rules.yaml": RiskChaos.rules])
        let (server, url) = try await startScopedEmulator(EmulatorConfiguration(seed: TenantSeed(document: RiskChaos.seed(users: users)),
                                                                               latency: .milliseconds(5)))
        let tenant = ChaosTenant(server: server, url: url, folder: folder, requestsPerSecond: 0)
        let audit = folder.appendingPathComponent("audit.jsonl")
        let arguments = ["risk", "apply", "config", "--auto-approve", "--audit-log", "audit.jsonl"]
        var random = SeededRandom(seed: seed)
        var kills = 0
        var previous = Data()
        var appendOnly = true
        // Every kill first (the tenant keeps what each killed run did), then the run that must complete.
        for _ in 0..<(form.rounds * form.killsPerRound) {
            let fraction = Double.random(in: 0..<1, using: &random)
            let run = try await tenant.run(arguments, killAfter: ChaosTenant.progressKill(fraction: fraction))
            if run.killed { kills += 1 }
            let now = (try? Data(contentsOf: audit)) ?? Data()
            if !now.starts(with: previous) { appendOnly = false }
            previous = now
        }
        let complete = try await tenant.run(arguments)
        #expect(complete.exitCode == 0, "\(Self.label): \(complete.stdout.suffix(2_000))\(complete.stderr.suffix(2_000))")
        let final = (try? Data(contentsOf: audit)) ?? Data()
        if !final.starts(with: previous) { appendOnly = false }
        previous = final
        print("chaos (c) \(Self.label): \(kills) of \(form.rounds * form.killsPerRound) runs killed, \(users) risky users")
        #expect(appendOnly, "\(Self.label): a run rewrote earlier audit lines")
        #expect(kills > 0, "\(Self.label): no run was killed")

        // Every line parses.
        let text = String(decoding: previous, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        let records = lines.compactMap { try? JSONDecoder().decode(RiskAuditRecord.self, from: Data($0.utf8)) }
        #expect(records.count == lines.count && text.hasSuffix("\n"), "\(Self.label): \(lines.count - records.count) lines do not parse")

        // No action executed twice in the tenant, every one executed once.
        var problems = RiskChaos.historyProblems(await server.stateDocument(), users: users)
        let revocations = try await ChaosTenant.requestCount(url) { $0.hasPrefix("POST ") && $0.lowercased().hasSuffix("/revokesigninsessions") }
        let revokers = (1...users).filter { RiskChaos.action(of: $0) == .revokeSignInSessions }.count
        if revocations != revokers { problems.append("\(revocations) revocations for \(revokers) users") }
        #expect(problems.isEmpty, "\(Self.label): \(problems.prefix(5))")

        // Each action executed is logged once: by an `executed` line, or by the `started` line of the run
        // killed while its write was under way (that run wrote nothing after it; a later run skipped it).
        var logProblems: [String] = []
        let byAction = Dictionary(grouping: records.filter { $0.actionId != nil }, by: { $0.actionId ?? "" })
        for user in 1...users {
            let id = RiskChaos.userId(user)
            let lines = byAction.values.first { $0.first?.target?.id == id } ?? []
            let executed = lines.filter { $0.result == "executed" }
            let started = lines.filter { $0.result == RiskAuditRecord.started }
            let cutOff = started.filter { start in !lines.contains { $0.runId == start.runId && ["executed", "failed"].contains($0.result) } }
            let failed = lines.filter { $0.result == "failed" }
            if executed.count > 1 { logProblems.append("user \(user): executed \(executed.count) times in the log") }
            if executed.isEmpty && cutOff.isEmpty { logProblems.append("user \(user): acted on, but no line says so") }
            if started.count != executed.count + failed.count + cutOff.count {
                logProblems.append("user \(user): \(started.count) started lines for \(executed.count) executed and \(failed.count) failed")
            }
        }
        #expect(logProblems.isEmpty, "\(Self.label): \(logProblems.prefix(5))")
    }
}

extension ChaosTests {
    // MARK: (d) risk apply under faults

    /// Faults that lose the answer after Graph acted (500 or a dropped connection after processing)
    /// must not make a confirm or dismiss happen twice in Graph's risk history: the client reads the
    /// users back instead of repeating the action blindly. Runs until one run succeeds.
    @Test func riskApplyUnderFaultsActsOnceInGraphsHistory() async throws {
        let form = Self.form
        let users = form.riskyUsers
        var actionCalls = 0
        // Five tenants, each with its own fault sequence: a run makes only two confirm or dismiss calls
        // when nothing fails, so one sequence may spare them (the default seed's first does); all five
        // do with a chance of 0.4^10 ≈ 0.0001 per seed.
        for offset: UInt64 in 3...7 {
            let folder = try BinaryRunner.temporaryDirectory(["config/entraform.yaml": RiskCommandTests.settings, "config/rules.yaml": RiskChaos.rules])
            var configuration = EmulatorConfiguration(seed: TenantSeed(document: RiskChaos.seed(users: users)), faultRate: 0.6,
                                                      faultSeed: Self.seed &+ offset)
            // Faults aimed at the confirm and dismiss calls (a run's other requests are chaos (a)'s and (c)'s subject).
            configuration.faultPaths = ["/identityProtection/riskyUsers/confirmCompromised", "/identityProtection/riskyUsers/dismiss"]
            let (server, url) = try await startScopedEmulator(configuration)
            let tenant = ChaosTenant(server: server, url: url, folder: folder, requestsPerSecond: 0)
            let runs = try await tenant.untilSuccess(attempts: form.attempts, ["risk", "apply", "config", "--auto-approve", "--audit-log", "audit.jsonl"])
            let last = try #require(runs.last)
            #expect(last.exitCode == 0, "\(Self.label) +\(offset): \(runs.count) runs; the last: \(last.stdout.suffix(1_500))\(last.stderr.suffix(1_500))")
            let problems = RiskChaos.historyProblems(await server.stateDocument(), users: users)
            #expect(problems.isEmpty, "\(Self.label) +\(offset): \(problems.prefix(5))")
            actionCalls += try await ChaosTenant.requestCount(url) {
                $0.hasPrefix("POST ") && ($0.hasSuffix("/riskyUsers/confirmCompromised") || $0.hasSuffix("/riskyUsers/dismiss"))
            }
        }
        // The faults did hit the actions (ten calls would do without them).
        #expect(actionCalls > 10, "\(Self.label): the faults never hit a confirm or dismiss")
        print("chaos (d) \(Self.label): \(actionCalls) confirm and dismiss calls over five tenants, \(users) risky users each")
    }
}

/// The tenant a chaos test drives: the binary against a running emulator, from a working folder.
struct ChaosTenant {
    let server: EmulatorServer
    let url: URL
    let folder: URL
    let requestsPerSecond: Double

    private func full(_ arguments: [String]) -> [String] {
        arguments + ["--graph-url", url.absoluteString, "--requests-per-second", String(requestsPerSecond), "--color", "never"]
    }

    private var environment: [String: String] {
        let credentials = server.credentials
        return ["AZURE_TENANT_ID": credentials.tenantId, "AZURE_CLIENT_ID": credentials.clientId, "AZURE_CLIENT_SECRET": credentials.clientSecret ?? ""]
    }

    func run(_ arguments: [String]) async throws -> BinaryRunner.Result {
        try await BinaryRunner.runDetached(full(arguments), in: folder, environment: environment)
    }

    func run(_ arguments: [String], killAfter kill: @escaping @Sendable (String) -> Bool) async throws -> BinaryRunner.KillableResult {
        try await BinaryRunner.runDetached(full(arguments), in: folder, environment: environment, killAfter: kill)
    }

    /// Runs until a run exits 0, at most `attempts` times; every run's result, in order.
    func untilSuccess(attempts: Int, _ arguments: [String]) async throws -> [BinaryRunner.Result] {
        var results: [BinaryRunner.Result] = []
        for _ in 0..<attempts {
            let result = try await run(arguments)
            results.append(result)
            if result.exitCode == 0 { break }
        }
        return results
    }

    /// Kills at the progress line `[k/N]` with k the `fraction`th of N (at least 1): during the k-th step.
    static func progressKill(fraction: Double) -> @Sendable (String) -> Bool {
        { line in
            guard line.hasPrefix("["), let close = line.firstIndex(of: "]") else { return false }
            let numbers = line[line.index(after: line.startIndex)..<close].split(separator: "/").compactMap { Int($0) }
            guard numbers.count == 2 else { return false }
            return numbers[0] >= max(1, Int((fraction * Double(numbers[1])).rounded(.up)))
        }
    }

    /// Display names held by more than one object (case-insensitively, as Entra compares them).
    static func duplicateNames(_ objects: [JSONValue]) -> [String] {
        let names = objects.compactMap { $0["displayName"]?.stringValue?.lowercased() }
        return Dictionary(grouping: names, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
    }

    /// The emulator's request counts: Graph requests and those throttled (`GET /_emulator/requests`).
    static func traffic(_ url: URL) async throws -> String {
        let (data, _) = try await URLSession.shared.data(from: url.appendingPathComponent("_emulator/requests"))
        let counts = try JSONValue.parse(data)
        let total = (counts["byPath"]?.objectValue ?? [:]).values.compactMap(\.intValue).reduce(0, +)
        let throttled = (counts["throttled"]?.objectValue ?? [:]).values.compactMap(\.intValue).reduce(0, +)
        return "\(total) Graph requests, \(throttled) throttled"
    }

    /// How many requests the emulator received on the path templates `matching` (`GET /_emulator/requests`).
    static func requestCount(_ url: URL, matching: (String) -> Bool) async throws -> Int {
        let (data, _) = try await URLSession.shared.data(from: url.appendingPathComponent("_emulator/requests"))
        let counts = try JSONValue.parse(data)["byPath"]?.objectValue ?? [:]
        return counts.filter { matching($0.key) }.values.compactMap(\.intValue).reduce(0, +)
    }
}

/// Generated policies in two states of one tenant: `current` (seeded) and `desired` (declared), which
/// keep some, update some (same name and id, another random body), create some and delete the rest.
/// Graph accepts every generated policy, but the language refuses some as a declaration to write (a
/// policy with no control it models, say): a policy whose declaration the plan refuses is passed over.
struct ChaosPolicySets {
    let directory: [String: JSONValue]
    var current: [JSONValue] = []
    var desired: [JSONValue] = []
    var changes: Int { updated + created + deleted }
    private var updated = 0, created = 0, deleted = 0

    private init(directory: [String: JSONValue]) { self.directory = directory }

    static func make(seed: UInt64, kept: Int, updated: Int, created: Int, deleted: Int) async throws -> ChaosPolicySets {
        var random = SeededRandom(seed: seed)
        let generated = GeneratedDirectory(random: &random)
        var sets = ChaosPolicySets(directory: generated.seedObjects)
        var generator = PolicyGenerator(seed: seed, directory: generated)
        // The generator also names deleted users and groups and unknown apps, which a live policy may
        // hold but a declaration to write may not (a plan error): they name existing objects here.
        var existing: [String: JSONValue] = [:]
        for id in generated.deletedUsers { existing[id] = .string(generated.users[0].id) }
        for id in generated.deletedGroups { existing[id] = .string(generated.groups[0].id) }
        for id in generated.unknownApps { existing[id] = .string(generated.applications[0].appId) }
        // A pool with room for the refused ones: each policy and another body under its name and id.
        let needed = kept + updated + created + deleted
        var originals: [JSONValue] = []
        var variants: [JSONValue] = []
        for index in 0..<(needed * 3 / 2 + 10) {
            let policy = replacing(generator.policy(index: index), existing)
            var variant = replacing(generator.policy(index: index), existing)
            variant["id"] = policy["id"]
            variant["displayName"] = policy["displayName"]
            originals.append(policy)
            variants.append(variant)
        }
        let refused = try await sets.refused(originals).union(try await sets.refused(variants))
        let usable = originals.indices.filter { !refused.contains($0) }
        guard usable.count >= needed else { throw ChaosSetupError(description: "only \(usable.count) of \(originals.count) generated policies can be declared") }
        for (position, index) in usable.prefix(needed).enumerated() {
            switch position {
            case ..<kept:
                sets.current.append(originals[index])
                sets.desired.append(originals[index])
            case ..<(kept + updated):
                sets.current.append(originals[index])
                sets.desired.append(variants[index])
                sets.updated += 1
            case ..<(kept + updated + created):
                sets.desired.append(originals[index])
                sets.created += 1
            default:
                sets.current.append(originals[index])
                sets.deleted += 1
            }
        }
        return sets
    }

    /// The generator indices (`CA0007 - …` is 7) of `policies` whose declarations a plan creating them
    /// refuses (the lockout guard aside: these tenants have no one to lock out).
    private func refused(_ policies: [JSONValue]) async throws -> Set<Int> {
        let folder = try BinaryRunner.temporaryDirectory([:]).appendingPathComponent("candidates")
        try await declare(policies, in: folder)
        var indices: Set<Int> = []
        func refuse(_ diagnostics: [Diagnostic]) throws {
            for diagnostic in diagnostics where diagnostic.severity == .error {
                guard let file = diagnostic.location?.file else { continue }
                let name = URL(fileURLWithPath: file).lastPathComponent
                guard name.hasPrefix("ca"), let index = Int(name.dropFirst(2).prefix(4)) else { continue }
                indices.insert(index)
                try? FileManager.default.removeItem(atPath: file)
            }
        }
        // The loader's refusals first (a session stops at them), then the plan's.
        try refuse(ConfigurationLoader.load(try ConfigurationFiles.collect(folder.path)).diagnostics)
        let (server, url) = try await startScopedEmulator(EmulatorConfiguration(seed: seed([])))
        try await withTestEmulatorConnection(server: server, url: url) { connect in
            let plan = try await ReconcileSession.with(path: folder.path, useColor: false, allowLockout: true, connect: connect) { $0.plan() }
            try refuse(plan.diagnostics)
        }
        await server.shutdown()
        return indices
    }

    /// `value` with every string that is a key of `replacements` replaced (lists keep one of each).
    static func replacing(_ value: JSONValue, _ replacements: [String: JSONValue]) -> JSONValue {
        switch value {
        case .string(let text): return replacements[text] ?? value
        case .array(let items):
            return .array(items.map { replacing($0, replacements) }.reduce(into: [JSONValue]()) { if !$0.contains($1) { $0.append($1) } })
        case .object(let members): return .object(members.mapValues { replacing($0, replacements) })
        default: return value
        }
    }

    /// The emulator seed holding the directory and `policies`.
    func seed(_ policies: [JSONValue]) -> TenantSeed {
        var document = directory
        document["policies"] = .array(policies)
        return TenantSeed(document: .object(document))
    }

    /// Writes `policies` as a configuration folder: exported (live, names resolved) from a scratch
    /// emulator holding them, unpinned (matched by name, so the created ones are not looked up by an
    /// id of the scratch tenant), and managing every `CA` policy with prune on.
    func declare(_ policies: [JSONValue], in folder: URL) async throws {
        let (server, url) = try await startScopedEmulator(EmulatorConfiguration(seed: seed(policies)))
        try await withTestEmulatorConnection(server: server, url: url) { connect in
            let connection = try await connect(Settings())
            let inputs = try await ExportSession.read(client: connection.client, tenant: nil)
            await connection.close()
            let outcome = try ExportSession.write(inputs, to: folder, namePrefix: nil)
            #expect(outcome.errors.isEmpty, "\(outcome.errors.prefix(3))")
        }
        await server.shutdown()
        for subfolder in ["policies", "locations"] {
            let directory = folder.appendingPathComponent(subfolder)
            for file in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] {
                let url = directory.appendingPathComponent(file)
                let text = try String(contentsOf: url, encoding: .utf8)
                let unpinned = text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("id: ") }
                try Data(unpinned.joined(separator: "\n").utf8).write(to: url)
            }
        }
        let settings = """
            kind: Settings
            manage:
              namePrefix: CA
              prune: true
            emergencyAccess:
              users: []
              groups: []

            """
        try Data(settings.utf8).write(to: folder.appendingPathComponent("entraform.yaml"))
    }

    /// Server-set members, never declared.
    static let serverSet: Set<String> = ["id", "createdDateTime", "modifiedDateTime", "deletedDateTime", "templateId"]

    /// The modelled fields in which `live` differs from `declared` (both normalized): `path: declared ≠ live`.
    static func modelledDifferences(declared: JSONValue, live: JSONValue) -> [String] {
        let kind = ObjectKind.conditionalAccessPolicy
        return differences(modelled(Normalizer.standard.normalize(declared, kind: kind), kind: kind),
                           modelled(Normalizer.standard.normalize(live, kind: kind), kind: kind))
    }

    static func differences(_ left: JSONValue, _ right: JSONValue, path: String = "") -> [String] {
        guard left != right else { return [] }
        if case .object(let a) = left, case .object(let b) = right {
            return Set(a.keys).union(b.keys).sorted().flatMap { key in
                differences(a[key] ?? .null, b[key] ?? .null, path: path.isEmpty ? key : "\(path).\(key)")
            }
        }
        return ["\(path): \(left.canonicalJSON) ≠ \(right.canonicalJSON)"]
    }

    /// The fields entraform does not model whose value an update changed or lost (both normalized, so
    /// the emulator's rendering of a member left unset, `[]`, counts as unset).
    static func unmodelledDifferences(before: JSONValue, after: JSONValue) -> [String] {
        let kind = ObjectKind.conditionalAccessPolicy
        func values(_ object: JSONValue) -> [String: JSONValue] {
            let all = GraphVocabulary.unmodelledValues(in: Normalizer.standard.normalize(object, kind: kind), kind: kind)
            return Dictionary(uniqueKeysWithValues: all.map { ($0.key.dotted, Self.pruned($0.value)) }.filter { !$0.1.isNullOrEmpty })
        }
        let previous = values(before)
        let current = values(after)
        return previous.keys.filter { current[$0] != previous[$0] }.sorted().map { "\($0): \(previous[$0]!.canonicalJSON) → \(current[$0]?.canonicalJSON ?? "absent")" }
    }

    /// `value` without members that are null or empty, at every depth.
    static func pruned(_ value: JSONValue) -> JSONValue {
        guard case .object(let members) = value else { return value }
        return .object(members.mapValues(pruned).filter { !$0.value.isNullOrEmpty })
    }

    /// `value` without the members entraform does not model, nor the server-set ones.
    static func modelled(_ value: JSONValue, kind: ObjectKind, path: FieldPath = []) -> JSONValue {
        guard case .object(let members) = value else { return value }
        var kept: [String: JSONValue] = [:]
        for (key, member) in members where GraphVocabulary.isModelled(path + [key], kind: kind) && !(path.isEmpty && serverSet.contains(key)) {
            let value = modelled(member, kind: kind, path: path + [key])
            // An object that held only unmodelled members is as good as absent (what Graph returns as null).
            if case .object(let inner) = value, inner.isEmpty, case .object(let original) = member, !original.isEmpty { continue }
            kept[key] = value
        }
        return .object(kept)
    }
}

struct ChaosSetupError: Error, CustomStringConvertible {
    var description: String
}

/// Test (c)'s tenant and rules: user n has one kind of detection (n mod 3), and one rule acts on each kind.
enum RiskChaos {
    /// Users whose Graph risk history does not show their action exactly once (`state`: the emulator's).
    static func historyProblems(_ state: JSONValue, users: Int) -> [String] {
        var problems: [String] = []
        for user in 1...users {
            let id = userId(user)
            let history = state["riskyUsers"]?.arrayValue?.first { $0["id"]?.stringValue == id }?["history"]?.arrayValue ?? []
            let details = history.compactMap { $0["activity"]?["detail"]?.stringValue }
            let expected: [String] = switch action(of: user) {
            case .confirmCompromised: ["adminConfirmedUserCompromised"]
            case .dismiss: ["adminDismissedAllRiskForUser"]
            case .revokeSignInSessions: []
            }
            if details != expected { problems.append("user \(user): history \(details), expected \(expected)") }
        }
        return problems
    }

    static func userId(_ index: Int) -> String { String(format: "00000000-0000-4000-8000-%012d", index) }

    static func action(of user: Int) -> RiskAction {
        switch user % 3 {
        case 0: .confirmCompromised
        case 1: .dismiss
        default: .revokeSignInSessions
        }
    }

    static func seed(users count: Int) -> JSONValue {
        func hoursAgo(_ hours: Double) -> JSONValue { .string(GraphTime.string(Date().addingTimeInterval(-hours * 3_600))) }
        let breakGlass = count + 1
        var users: [JSONValue] = []
        var risky: [JSONValue] = []
        var detections: [JSONValue] = []
        for index in 1...count {
            users.append(["id": .string(userId(index)), "userPrincipalName": .string("user\(index)@contoso.example"),
                          "displayName": .string("User \(index)"), "accountEnabled": true])
            let (type, level) = switch action(of: index) {
            case .confirmCompromised: ("leakedCredentials", "high")
            case .dismiss: ("unfamiliarFeatures", "low")
            case .revokeSignInSessions: ("anomalousToken", "medium")
            }
            risky.append(["id": .string(userId(index)), "riskLevel": .string(level), "riskState": "atRisk"])
            detections.append(["id": .string(String(format: "%064d", index)), "userId": .string(userId(index)),
                               "userPrincipalName": .string("user\(index)@contoso.example"), "riskEventType": .string(type),
                               "riskLevel": .string(level), "riskState": "atRisk", "detectionTimingType": "offline",
                               "detectedDateTime": hoursAgo(2), "activityDateTime": hoursAgo(2), "ipAddress": "203.0.113.9"])
        }
        users.append(["id": .string(userId(breakGlass)), "userPrincipalName": "breakglass@contoso.example", "displayName": "Break glass",
                      "accountEnabled": true])
        return [
            "tenantId": "7b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d", "domains": ["contoso.example"], "users": .array(users),
            "groups": [["id": "aaaaaaaa-0000-4000-8000-000000000002", "displayName": "BreakGlass", "members": [.string(userId(breakGlass))]]],
            "riskyUsers": .array(risky), "riskDetections": .array(detections),
        ]
    }

    static let rules = """
        kind: RiskResponseRule
        name: confirm-leaked
        when:
          riskEventTypes: [leakedCredentials]
          detectedWithin: 7d
        action: confirmCompromised
        ---
        kind: RiskResponseRule
        name: dismiss-unfamiliar-low
        when:
          riskEventTypes: [unfamiliarFeatures]
          detectionRiskLevels: [low]
        action: dismiss
        ---
        kind: RiskResponseRule
        name: revoke-token-theft
        when:
          riskEventTypes: [anomalousToken]
          detectedWithin: 24h
        action: revokeSignInSessions
        """
}
