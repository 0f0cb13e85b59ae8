@testable import EntraformCLI
import EntraformTestSupport
import Foundation
import GraphClient
import GraphEmulator
import Logging
import PlanRendering
import PolicyModel
import Reconciliation
import TenantAccess
import Testing

/// The real client against the real emulator over loopback: plan, apply, re-plan, drift, saved plans.
@Suite("plan / apply / drift against the emulator")
struct ReconcileIntegrationTests {
    static let policies = TestPaths.packageRoot.appendingPathComponent("policies").path

    /// Runs `body` with an emulator seeded from the Contoso tenant and a way to connect to it.
    func withContoso(_ body: (EmulatorServer, @escaping (Settings) async throws -> GraphConnection) async throws -> Void) async throws {
        let seed = try TenantSeed(contentsOf: TestPaths.packageRoot.appendingPathComponent("examples/contoso/tenant.json"))
        try await withTestEmulator(seed, body)
    }

    func plan(_ path: String = policies, connect: (Settings) async throws -> GraphConnection) async throws -> Plan {
        try await ReconcileSession.with(path: path, useColor: false, connect: connect) { $0.plan() }
    }

    func apply(_ plan: Plan, connect: (Settings) async throws -> GraphConnection) async throws -> ApplyReport {
        let connection = try await connect(Settings())
        let tenant = GraphTenant(client: connection.client)
        let backups = FileManager.default.temporaryDirectory.appendingPathComponent("entraform-backups-\(UUID().uuidString)")
        let report = await Applier(reader: tenant, writer: tenant, backups: BackupFolder(folder: backups)).apply(plan)
        await connection.close()
        return report
    }

    @Test func applyThenPlanShowsNoChanges() async throws {
        try await withContoso { _, connect in
            let first = try await plan(connect: connect)
            #expect(!first.hasErrors, "\(first.diagnostics)")
            #expect(first.summary.toCreate == 26)
            #expect(first.summary.toUpdate == 0 && first.summary.toDelete == 0)
            let report = try await apply(first, connect: connect)
            #expect(report.exitCode == 0, "\(report)")
            #expect(report.done.count == 26)

            let second = try await plan(connect: connect)
            let secondChanges = second.actionableChanges.map { "\($0.displayName): \($0.fieldChanges)" }
            #expect(!second.hasChanges, "\(secondChanges)")
            #expect(second.exitCode(detailed: true) == 0)
        }
    }

    @Test func outOfBandChangeShowsAsDriftAndRefusesAStaleSavedPlan() async throws {
        try await withContoso { _, connect in
            let initial = try await plan(connect: connect)
            _ = try await apply(initial, connect: connect)

            // A plan made now has nothing to do; make one with a change: edit a declared policy.
            let directory = try BinaryRunner.temporaryDirectory([:])
            try FileManager.default.copyItem(atPath: Self.policies, toPath: directory.appendingPathComponent("policies").path)
            let file = directory.appendingPathComponent("policies/baseline/ca101-require-mfa-all-users.yaml")
            let edited = try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: "state: enabled", with: "state: disabled")
            try edited.write(to: file, atomically: true, encoding: .utf8)
            let saved = try await plan(directory.appendingPathComponent("policies").path, connect: connect)
            #expect(saved.summary.toUpdate == 1)

            // Someone changes the same policy by hand.
            let connection = try await connect(Settings())
            let live = try await connection.client.listPolicies()
            let liveCA101 = live.first { $0["displayName"] == "CA101 - Require MFA for all users" }
            let target = try #require(liveCA101)
            _ = try await connection.client.updatePolicy(id: target["id"]?.stringValue ?? "",
                                                         patch: ["state": "enabledForReportingButNotEnforced"])
            await connection.close()

            let drift = try await ReconcileSession.with(path: Self.policies, useColor: false, connect: connect) { $0.drift() }
            #expect(drift.exitCode == 2)
            #expect(drift.entries.map(\.displayName) == ["CA101 - Require MFA for all users"])
            #expect(drift.entries.first?.category == .changed)

            let report = try await apply(try SavedPlan.decode(SavedPlan(saved).encoded()), connect: connect)
            #expect(report.exitCode == 1)
            #expect(!report.refusals.isEmpty)
            #expect(report.done.isEmpty)
        }
    }

    /// Regression (defects issue, item 1): a live session control entraform does not model
    /// (`blockSensitiveActions`, beta) survives an update of a policy that declares no session
    /// controls, through the real client and the emulator's PATCH merge.
    @Test func anUpdateKeepsUnmodelledSessionControls() async throws {
        try await withContoso { _, connect in
            _ = try await apply(try await plan(connect: connect), connect: connect)
            let name = "CA101 - Require MFA for all users"
            let connection = try await connect(Settings())
            let before = try await connection.client.listPolicies()
            let liveCA101 = before.first { $0["displayName"]?.stringValue == name }
            let id = try #require(liveCA101?["id"]?.stringValue)
            _ = try await connection.client.updatePolicy(id: id, patch: ["sessionControls": ["blockSensitiveActions": ["isEnabled": true]]])
            await connection.close()

            let directory = try BinaryRunner.temporaryDirectory([:])
            let copy = directory.appendingPathComponent("policies")
            try FileManager.default.copyItem(atPath: Self.policies, toPath: copy.path)
            let file = copy.appendingPathComponent("baseline/ca101-require-mfa-all-users.yaml")
            try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: "state: enabled", with: "state: disabled")
                .write(to: file, atomically: true, encoding: .utf8)
            let update = try await plan(copy.path, connect: connect)
            let change = try #require(update.actionableChanges.first)
            #expect(update.actionableChanges.count == 1)
            #expect(change.leftUnchanged == ["sessionControls.blockSensitiveActions"])
            let report = try await apply(update, connect: connect)
            #expect(report.exitCode == 0, "\(report)")

            let check = try await connect(Settings())
            let after = try await check.client.listPolicies()
            await check.close()
            let updated = after.first { $0["id"]?.stringValue == id }
            #expect(updated?["state"] == "disabled")
            #expect(updated?["sessionControls"]?["blockSensitiveActions"]?["isEnabled"] == true)
        }
    }

    @Test func thePlanRefusesAPolicyThatWouldReachTheBreakGlassAccounts() async throws {
        try await withContoso { _, connect in
            let directory = try BinaryRunner.temporaryDirectory([:])
            let copy = directory.appendingPathComponent("policies")
            try FileManager.default.copyItem(atPath: Self.policies, toPath: copy.path)
            let file = copy.appendingPathComponent("baseline/ca101-require-mfa-all-users.yaml")
            let original = try String(contentsOf: file, encoding: .utf8)
            try original.replacingOccurrences(of: "excludeGroups: [CA-BreakGlass, CA-ServiceAccounts]", with: "excludeGroups: [CA-ServiceAccounts]")
                .write(to: file, atomically: true, encoding: .utf8)
            let plan = try await plan(copy.path, connect: connect)
            #expect(plan.exitCode(detailed: true) == 1)
            let errors = plan.diagnostics.filter { $0.severity == .error }
            #expect(errors.count == 1, "\(errors)")
            let error = try #require(errors.first)
            #expect(error.message == "'CA101 - Require MFA for all users' would apply to emergency access accounts breakglass1@contoso.onmicrosoft.com, "
                + "breakglass2@contoso.onmicrosoft.com and could lock them out: it does not exclude them")
            #expect(error.suggestion == "add 'CA-BreakGlass' to conditions.users.excludeGroups")
            #expect(error.location?.file.hasSuffix("ca101-require-mfa-all-users.yaml") == true)
            #expect(error.location?.line == 15)
        }
    }

    @Test func unresolvedGroupStopsThePlanWithItsLocationAndASuggestion() async throws {
        try await withContoso { _, connect in
            let directory = try BinaryRunner.temporaryDirectory([
                "policy.yaml": """
                    kind: ConditionalAccessPolicy
                    displayName: CA900 - Typo
                    state: enabled
                    conditions:
                      users: {includeUsers: [All], excludeGroups: [CA-BreakGlas]}
                      applications: {includeApplications: [All]}
                    grantControls: {builtInControls: [mfa]}
                    """,
            ])
            let plan = try await plan(directory.path, connect: connect)
            #expect(plan.hasErrors)
            #expect(plan.exitCode(detailed: true) == 1)
            let firstError = plan.diagnostics.first { $0.severity == .error }
            let error = try #require(firstError)
            #expect(error.fullMessage == "group 'CA-BreakGlas' not found in the tenant; did you mean 'CA-BreakGlass'?")
            #expect(error.location?.line == 5)
            #expect(error.location?.column == 48)
        }
    }

    /// Graph cannot turn an IP-ranges location into a countries one. Declaring that is refused with the
    /// way to do it; doing what the message says then converges in one apply, with no policy ever
    /// pointing at a deleted location.
    @Test func aNamedLocationTypeChangeIsRefusedAndTheSuggestedRenameConverges() async throws {
        let locationId = "10c00000-0000-4000-8000-0000000000b1"
        let seed = TenantSeed(document: [
            "namedLocations": [[
                "@odata.type": "#microsoft.graph.ipNamedLocation", "id": .string(locationId), "displayName": "Blocked",
                "isTrusted": false, "ipRanges": [["@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "192.0.2.0/24"]],
            ]],
            "policies": [[
                "id": "55555555-0000-4000-8000-0000000000b2", "displayName": "CA910 - Block", "state": "enabled",
                "conditions": ["clientAppTypes": ["all"], "users": ["includeUsers": ["All"]],
                               "applications": ["includeApplications": ["All"]],
                               "locations": ["includeLocations": [.string(locationId)]]],
                "grantControls": ["operator": "OR", "builtInControls": ["block"]],
            ]],
        ])
        func files(location: String) -> [String: String] {
            [
                "entraform.yaml": "kind: Settings\nmanage: {namePrefix: CA9, prune: true, namedLocations: {names: [Blocked]}}\n",
                "locations.yaml": "kind: NamedLocation\ndisplayName: \(location)\ncountriesAndRegions: [KP, IR]\n",
                "policy.yaml": """
                    kind: ConditionalAccessPolicy
                    displayName: CA910 - Block
                    state: enabled
                    conditions:
                      users: {includeUsers: [All]}
                      applications: {includeApplications: [All]}
                      locations: {includeLocations: [\(location)]}
                    grantControls: {builtInControls: [block]}
                    """,
            ]
        }
        try await withTestEmulator(seed) { _, connect in
            let refused = try await plan(try BinaryRunner.temporaryDirectory(files(location: "Blocked")).path, connect: connect)
            #expect(refused.hasErrors)
            let error = refused.diagnostics.first { $0.severity == .error }
            let described = refused.diagnostics.map(\.description)
            #expect(error?.message.contains("declared with countries but the tenant's (\(locationId)) holds IP ranges") == true, "\(described)")
            #expect(error?.location?.file.hasSuffix("locations.yaml") == true)
            let locationChanges = refused.changes.filter { $0.kind == .namedLocation && $0.action != .noOp }
            #expect(locationChanges.isEmpty)

            let renamed = try await plan(try BinaryRunner.temporaryDirectory(files(location: "Blocked countries")).path, connect: connect)
            let renamedDiagnostics = renamed.diagnostics.map(\.description)
            #expect(!renamed.hasErrors, "\(renamedDiagnostics)")
            let actions = renamed.actionableChanges.map { "\($0.action) \($0.displayName)" }
            #expect(actions == ["create Blocked countries", "update CA910 - Block", "delete Blocked"])
            let report = try await apply(renamed, connect: connect)
            #expect(report.exitCode == 0, "\(report)")

            let after = try await plan(try BinaryRunner.temporaryDirectory(files(location: "Blocked countries")).path, connect: connect)
            let afterDiagnostics = after.diagnostics.map(\.description)
            #expect(!after.hasChanges && !after.hasErrors, "\(afterDiagnostics)")
            let connection = try await connect(Settings())
            let locations = try await connection.client.listNamedLocations()
            await connection.close()
            let locationNames = locations.map { $0["displayName"]?.stringValue }
            #expect(locationNames == ["Blocked countries"])
        }
    }
}

/// Two applies of one plan at the same moment (a push and a re-run): both see the objects missing and
/// both create them. The apply path finds the copies and keeps the one with the smallest id, so the
/// runs agree and no interleaving leaves a duplicate behind.
@Suite("concurrent applies against the emulator")
struct ConcurrentApplyTests {
    /// Round 0 without replication lag, round 1 with 50 ms (a delete of a copy created moments ago
    /// then answers 404 and is retried by the client).
    @Test(arguments: 0..<2)
    func twoAppliesOfOnePlanLeaveNoDuplicates(round: Int) async throws {
        let seed = try TenantSeed(contentsOf: TestPaths.packageRoot.appendingPathComponent("examples/contoso/tenant.json"))
        // A replication lag makes a new object answer 404 by id for a while, as Graph does.
        try await withEmulator(EmulatorConfiguration(seed: seed, replicationLag: .milliseconds(50 * round))) { server, url in
            try await withTestEmulatorConnection(server: server, url: url) { connect in
                let integration = ReconcileIntegrationTests()
                let plan = try await integration.plan(connect: connect)
                #expect(plan.summary.toCreate == 26)
                let connections = [try await connect(Settings()), try await connect(Settings())]
                let reports = await withTaskGroup(of: ApplyReport.self) { group in
                    for connection in connections {
                        group.addTask {
                            let tenant = GraphTenant(client: connection.client)
                            let backups = FileManager.default.temporaryDirectory.appendingPathComponent("entraform-backups-\(UUID().uuidString)")
                            // Verification re-reads while the other run still writes: short waits keep the test quick.
                            return await Applier(reader: tenant, writer: tenant, backups: BackupFolder(folder: backups),
                                                 waiter: ExponentialBackoffWaiter(initialDelay: 0.05, maximumDelay: 0.4)).apply(plan)
                        }
                    }
                    return await group.reduce(into: []) { $0.append($1) }
                }
                for connection in connections { await connection.close() }

                let connection = try await connect(Settings())
                let policies = try await connection.client.listPolicies()
                let locations = try await connection.client.listNamedLocations()
                await connection.close()
                let names = (policies + locations).compactMap { $0["displayName"]?.stringValue }
                let duplicated = Dictionary(grouping: names, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
                #expect(duplicated.isEmpty, "round \(round): duplicates left: \(duplicated)")
                // Every policy names surviving locations only.
                let locationIds = Set(locations.compactMap { $0["id"]?.stringValue })
                let named = policies.flatMap { policy in
                    ["includeLocations", "excludeLocations"].flatMap { policy["conditions"]?["locations"]?[$0]?.stringArray ?? [] }
                }.filter(DirectoryReference.isObjectID)
                #expect(named.allSatisfy(locationIds.contains), "round \(round): a policy names a deleted location")
                for report in reports { #expect(report.exitCode == 0, "round \(round): \(TextApplyReportRenderer().render(report))") }

                let after = try await integration.plan(connect: connect)
                #expect(!after.hasChanges, "round \(round): \(after.actionableChanges.map(\.displayName))")
            }
        }
    }
}
