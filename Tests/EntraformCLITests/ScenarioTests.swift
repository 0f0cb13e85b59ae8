@testable import EntraformCLI
import Foundation
import GraphClient
@testable import GraphEmulator
import PlanRendering
import PolicyLoading
import PolicyModel
import Reconciliation
import TenantAccess
import Testing

/// One directory under `Scenarios/`: `policies/` (the configuration), `tenant.json` (an emulator seed
/// with the live tenant as raw Graph JSON), and `expected/{plan.txt, plan.md, plan.json, exit-code}`.
struct Scenario: Sendable, CustomTestStringConvertible {
    var name: String
    var directory: URL

    var testDescription: String { name }
    var policies: URL { directory.appendingPathComponent("policies") }
    var seedFile: URL { directory.appendingPathComponent("tenant.json") }
    var expected: URL { directory.appendingPathComponent("expected") }
    /// The instant the plan is made at (the `now` file: staged rollouts count time from it); the
    /// real clock when absent.
    var now: Date {
        let text = (try? String(contentsOf: directory.appendingPathComponent("now"), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.flatMap(ISO8601DateTime.parse) ?? Date()
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scenarios")

    /// Every scenario directory on disk, by name.
    static let all: [Scenario] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.sorted().compactMap { name in
            let directory = root.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
            return Scenario(name: name, directory: directory)
        }
    }()

    /// The cases `issues show 5` ("Tests") asks for; each must exist on disk.
    static let required = [
        "create", "update", "delete-under-prune", "no-op", "rename-via-previous-names", "pinned-id", "duplicate-live-names",
        "unresolved-group-with-suggestion", "out-of-scope-untouched", "unknown-live-field-preserved",
    ]
}

extension Plan {
    /// The plan with every source location's file relative to the scenario directory (`policies/…`).
    func relative(to scenario: Scenario) -> Plan {
        let prefix = scenario.directory.path + "/"
        func relative(_ location: PolicyModel.SourceLocation?) -> PolicyModel.SourceLocation? {
            guard var location else { return nil }
            if location.file.hasPrefix(prefix) { location.file.removeFirst(prefix.count) }
            return location
        }
        var plan = self
        for index in plan.changes.indices { plan.changes[index].location = relative(plan.changes[index].location) }
        for index in plan.diagnostics.indices { plan.diagnostics[index].location = relative(plan.diagnostics[index].location) }
        plan.rollouts = plan.rollouts?.map { decision in
            var decision = decision
            decision.location = relative(decision.location)
            return decision
        }
        return plan
    }
}

/// What one pipeline produced for a scenario: the three renderings and the detailed exit code.
struct ScenarioOutput: Equatable {
    var text: String
    var markdown: String
    var json: String
    var exitCode: Int32

    init(_ plan: Plan) {
        text = TextPlanRenderer(useColor: false).render(plan)
        markdown = MarkdownPlanRenderer().render(plan)
        json = JSONPlanRenderer().render(plan)
        exitCode = plan.exitCode(detailed: true)
    }

    /// File name in `expected/` → content.
    var files: [(name: String, content: String)] {
        [("plan.txt", text), ("plan.md", markdown), ("plan.json", json), ("exit-code", "\(exitCode)\n")]
    }
}

/// Whole-pipeline scenarios, run twice: once through the pure pipeline (load → resolve → plan →
/// render, the tenant taken straight from the seed, no network) and once through the real client
/// against the in-process emulator seeded with the same file (`ReconcileSession`, as `plan` runs it).
/// Both must equal the reviewed files in `expected/`, byte for byte.
///
/// `RECORD_SNAPSHOTS=1` re-records `expected/` from the emulator run (the path the CLI takes) and
/// fails, so a new baseline is always reviewed before it is committed. The pure-pipeline test does not
/// write (the two would race on the same files); it fails while recording, and is compared on the next run.
///
/// Nothing needs normalising between the two runs: the seeds hold their live objects in the shape
/// the emulator serves them (beta, with `createdDateTime`/`modifiedDateTime`, every property present),
/// so even the live-state digest and the per-object fingerprints in `plan.json` agree. The one
/// rewrite, applied to both, is to the plan's source locations: the configuration is loaded by
/// absolute path (tests cannot change the working directory), and the files are named relative to
/// the scenario directory before rendering, as `entraform plan policies` run there would name them,
/// so the expected files (and the plan digest, which covers locations) do not depend on the checkout path.
@Suite("Scenarios: pure pipeline and emulator")
struct ScenarioTests {
    static var recording: Bool { ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" }

    @Test func everyRequiredScenarioExists() {
        let present = Set(Scenario.all.map(\.name))
        for name in Scenario.required {
            #expect(present.contains(name), "missing scenario directory Scenarios/\(name)")
        }
    }

    @Test("pure pipeline", arguments: Scenario.all)
    func purePipeline(_ scenario: Scenario) throws {
        let output = try ScenarioOutput(Self.purePlan(scenario).relative(to: scenario))
        if Self.recording {
            Issue.record("\(scenario.name): not compared while RECORD_SNAPSHOTS=1 (the emulator test records); run again without it")
            return
        }
        Self.compare(output, with: scenario, pipeline: "pure pipeline")
    }

    @Test("through the emulator", arguments: Scenario.all)
    func throughTheEmulator(_ scenario: Scenario) async throws {
        let seed = try TenantSeed(contentsOf: scenario.seedFile)
        var plan: Plan?
        try await withTestEmulator(seed) { _, connect in
            plan = try await ReconcileSession.with(path: scenario.policies.path, useColor: false, staging: .evidence(now: scenario.now),
                                                   connect: connect) { $0.plan() }
        }
        let output = ScenarioOutput(try #require(plan).relative(to: scenario))
        if Self.recording {
            Self.record(output, for: scenario)
            return
        }
        Self.compare(output, with: scenario, pipeline: "emulator")
    }

    // MARK: The pure pipeline

    /// Load, resolve against a directory built from the seed, plan and nothing else.
    static func purePlan(_ scenario: Scenario) throws -> Plan {
        let sources = try ConfigurationFiles.collect(scenario.policies.path)
        let load = ConfigurationLoader.load(sources)
        #expect(!load.hasErrors, "\(scenario.name): the configuration must load: \(load.diagnostics)")
        let seed = try TenantSeed(contentsOf: scenario.seedFile).document
        let directory = directoryIndex(seed: seed)
        let resolved = Resolver.resolve(load.configuration, directory: directory, livePolicies: seed["policies"]?.arrayValue ?? [])
        let settings = load.configuration.effectiveSettings
        let snapshot = TenantSnapshot(
            policies: seed["policies"]?.arrayValue ?? [], namedLocations: seed["namedLocations"]?.arrayValue ?? [],
            directoryNames: directory.names.merging(resolved.names.namesById))
        let scope = ManagementScope(settings: settings)
        // Staged rollouts decide on the seed's logs, as the session does on the listings it reads.
        var desired = resolved.desired
        var rollouts: [RolloutDecision]?
        if desired.contains(where: { $0.rollout != nil }) {
            let now = scenario.now
            let staged = RolloutStaging.liveStagedIds(desired, live: snapshot.policies, scope: scope)
            let logs = staged.isEmpty ? nil : RolloutLogs(signIns: seed["signIns"]?.arrayValue ?? [], audits: seed["directoryAudits"]?.arrayValue ?? [],
                                                          auditWindowStart: DriftAttributor.windowStart(now: now))
            (desired, rollouts) = RolloutStaging.stage(desired, live: snapshot.policies, scope: scope, logs: logs, now: now)
        }
        var staged = resolved
        staged.desired = desired
        let lockout = resolved.hasErrors ? [] : ReconcileSession.tenantWideLockoutChecks(load: load, resolved: staged)
        let diagnostics = (load.diagnostics + resolved.diagnostics + lockout).sortedByLocation()
        var plan = Planner().plan(desired: desired, snapshot: snapshot, scope: scope, diagnostics: diagnostics)
        plan.rollouts = rollouts
        return plan
    }

    /// Everything the seed holds, as the resolver sees it: users by UPN; groups; service principals
    /// with their appIds; the built-in role templates; live named locations; the built-in and seeded
    /// authentication strengths, authentication contexts and terms of use. Every name of a kind is
    /// also a suggestion candidate (the emulator run offers names sharing a prefix; for these small
    /// seeds the nearest name is the same).
    static func directoryIndex(seed: JSONValue) -> DirectoryIndex {
        func objects(_ key: String) -> [JSONValue] { seed[key]?.arrayValue ?? [] }
        var directory = DirectoryIndex()
        directory.add(objects("users").compactMap { user in
            user["id"]?.stringValue.map { DirectoryEntry(id: $0, name: user["userPrincipalName"]?.stringValue ?? $0) }
        }, as: .user)
        directory.add(objects("groups").compactMap(TenantSnapshotReader.entry), as: .group)
        directory.add(objects("servicePrincipals").compactMap { principal in
            principal["id"]?.stringValue.map {
                DirectoryEntry(id: $0, name: principal["displayName"]?.stringValue ?? $0, appId: principal["appId"]?.stringValue)
            }
        }, as: .servicePrincipal)
        directory.add(BuiltIns.roleTemplates.map { DirectoryEntry(id: $0.id, name: $0.displayName) }, as: .role)
        directory.add(objects("namedLocations").compactMap(TenantSnapshotReader.entry), as: .namedLocation)
        directory.add((BuiltIns.authenticationStrengths + objects("authenticationStrengthPolicies")).compactMap(TenantSnapshotReader.entry),
                      as: .authenticationStrength)
        directory.add(objects("authenticationContexts").compactMap(TenantSnapshotReader.entry), as: .authenticationContext)
        directory.add(objects("termsOfUse").compactMap(TenantSnapshotReader.entry), as: .termsOfUse)
        for target in [ReferenceTarget.user, .group, .servicePrincipal] {
            directory.suggestionPool[target] = directory.entries(target).map(\.name)
        }
        return directory
    }

    // MARK: Expected files

    static func compare(_ output: ScenarioOutput, with scenario: Scenario, pipeline: String,
                        sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        for (name, actual) in output.files {
            let url = scenario.expected.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                Issue.record("\(scenario.name)/expected/\(name) is missing; run with RECORD_SNAPSHOTS=1 to create it",
                             sourceLocation: sourceLocation)
                continue
            }
            let expected = String(decoding: data, as: UTF8.self)
            guard expected != actual else { continue }
            let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let line = zip(expectedLines, actualLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                ?? min(expectedLines.count, actualLines.count)
            let wanted = line < expectedLines.count ? String(expectedLines[line]) : "<end of file>"
            let got = line < actualLines.count ? String(actualLines[line]) : "<end of file>"
            Issue.record("""
                \(scenario.name)/expected/\(name) differs from the \(pipeline) at line \(line + 1):
                  expected: \(wanted)
                  actual:   \(got)
                (RECORD_SNAPSHOTS=1 re-records)
                """, sourceLocation: sourceLocation)
        }
    }

    static func record(_ output: ScenarioOutput, for scenario: Scenario, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        do {
            try FileManager.default.createDirectory(at: scenario.expected, withIntermediateDirectories: true)
            for (name, content) in output.files {
                try Data(content.utf8).write(to: scenario.expected.appendingPathComponent(name))
            }
            Issue.record("recorded \(scenario.name)/expected/; review it and run again without RECORD_SNAPSHOTS",
                         sourceLocation: sourceLocation)
        } catch {
            Issue.record("could not record \(scenario.name)/expected/: \(error)", sourceLocation: sourceLocation)
        }
    }
}
