@testable import EntraformCLI
import EntraformTestSupport
import Foundation
import GraphClient
import GraphEmulator
import Logging
import PolicyLoading
import PolicyModel
import Reconciliation
import TenantAccess
import Testing

/// `entraform export`: round trips through the emulator (export, then plan the export against the same
/// tenant: no changes), the corpus offline, malformed inputs, and the command's refusals.
@Suite("export")
struct ExportTests {
    static let corpus = TestPaths.baselineConfig

    /// Runs `body` with an emulator seeded from `seed` and a way to connect to it (no pacing).
    func withEmulator(_ seed: TenantSeed,
                      _ body: (@escaping (Settings) async throws -> GraphConnection) async throws -> Void) async throws {
        try await withTestEmulator(seed) { _, connect in try await body(connect) }
    }

    func plan(_ path: String, connect: (Settings) async throws -> GraphConnection) async throws -> Plan {
        try await ReconcileSession.with(path: path, useColor: false, connect: connect) { $0.plan() }
    }

    func export(connect: (Settings) async throws -> GraphConnection, namePrefix: String? = nil) async throws -> (URL, ExportOutcome) {
        let connection = try await connect(Settings())
        let inputs: ExportInputs
        do {
            inputs = try await ExportSession.read(client: connection.client, tenant: nil)
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
        let out = try BinaryRunner.temporaryDirectory([:]).appendingPathComponent("export")
        return (out, try ExportSession.write(inputs, to: out, namePrefix: namePrefix))
    }

    /// Loads `directory` as the CLI's `validate` would.
    func load(_ directory: URL) throws -> LoadResult {
        ConfigurationLoader.load(try ConfigurationFiles.collect(directory.path))
    }

    /// Every file the export wrote, concatenated.
    func allText(in directory: URL) throws -> String {
        try ConfigurationFiles.collect(directory.path).map { String(decoding: $0.data, as: UTF8.self) }.joined(separator: "\n")
    }

    func describe(_ plan: Plan) -> String {
        "\(plan.diagnostics.map(\.description)) \(plan.actionableChanges.map { "\($0.displayName): \($0.fieldChanges.map(\.path))" })"
    }

    // MARK: Round trips

    @Test func contosoAppliedThenExportedPlansWithNoChanges() async throws {
        let seed = try TenantSeed(contentsOf: TestPaths.packageRoot.appendingPathComponent("examples/contoso/tenant.json"))
        try await withEmulator(seed) { connect in
            let policies = TestPaths.packageRoot.appendingPathComponent("policies").path
            let first = try await plan(policies, connect: connect)
            #expect(!first.hasErrors, "\(first.diagnostics)")
            let connection = try await connect(Settings())
            let tenant = GraphTenant(client: connection.client)
            let backups = FileManager.default.temporaryDirectory.appendingPathComponent("entraform-backups-\(UUID().uuidString)")
            let report = await Applier(reader: tenant, writer: tenant, backups: BackupFolder(folder: backups)).apply(first)
            await connection.close()
            #expect(report.exitCode == 0, "\(report)")

            let (out, outcome) = try await export(connect: connect)
            #expect(outcome.errors.isEmpty)
            let live = try await connect(Settings())
            let livePolicies = try await live.client.listPolicies().count
            let liveLocations = try await live.client.listNamedLocations().count
            await live.close()
            #expect(outcome.policyCount == livePolicies)
            #expect(outcome.locationCount == liveLocations)
            #expect(outcome.policyCount + outcome.locationCount == 27)  // 26 applied + the seed's legacy policy
            let loaded = try load(out)
            #expect(!loaded.hasErrors, "\(loaded.diagnostics.map(\.description))")
            #expect(loaded.configuration.policies.count == outcome.policyCount)

            let again = try await plan(out.path, connect: connect)
            #expect(!again.hasErrors, "\(again.diagnostics.map(\.description))")
            #expect(!again.hasChanges, "\(describe(again))")

            // Names, not ids, wherever the tenant can name them.
            let texts = try outcome.files.map { try String(contentsOf: out.appendingPathComponent($0), encoding: .utf8) }.joined()
            #expect(texts.contains("CA-BreakGlass"))
            let everyIdNamed = outcome.warnings.allSatisfy { !$0.contains("could not be named") }
            #expect(everyIdNamed, "\(outcome.warnings)")
        }
    }

    @Test func namePrefixExportsOnlyPoliciesInScopeAndWritesIt() async throws {
        let seed = try TenantSeed(contentsOf: TestPaths.packageRoot.appendingPathComponent("examples/contoso/tenant.json"))
        try await withEmulator(seed) { connect in
            let (out, outcome) = try await export(connect: connect, namePrefix: "CA")
            #expect(outcome.policyCount == 0)  // the seed's only policy is "Legacy - …"
            let settings = try String(contentsOf: out.appendingPathComponent("entraform.yaml"), encoding: .utf8)
            #expect(settings.contains("namePrefix: CA"))
            #expect(settings.contains("# TODO"))
            #expect(!(try load(out)).hasErrors)
        }
    }

    /// The corpus converted offline, then planned against the emulator seeded with the same objects.
    @Test
    func corpusConvertsOfflineValidatesAndPlansWithNoChanges() async throws {
        let inputs = ExportSession.read(jsonDirectory: Self.corpus.path, namesFile: nil)
        #expect(inputs.errors.isEmpty, "\(inputs.errors)")
        #expect(inputs.policies.count == 36)
        #expect(inputs.namedLocations.count == 3)
        let out = try BinaryRunner.temporaryDirectory([:]).appendingPathComponent("export")
        let outcome = try ExportSession.write(inputs, to: out, namePrefix: nil)
        #expect(outcome.errors.isEmpty)
        #expect(outcome.policyCount == 36)
        #expect(outcome.locationCount == 2)  // the compliant-network location is not modelled
        #expect(outcome.warnings.contains { $0.contains("compliantNetworkNamedLocation") })
        #expect(outcome.warnings.contains { $0.contains("conditions.agents is not modelled") })
        let loaded = try load(out)
        #expect(!loaded.hasErrors, "\(loaded.diagnostics.map(\.description))")
        #expect(loaded.configuration.policies.count == 36)

        // Groups are named from MigrationTable.json and Config/Groups; the two ids those sources give two
        // names each (renamed groups exported twice under one id) stay ids.
        let groupWarnings = outcome.warnings.filter { $0.contains("conditions.users.excludeGroups") }
        let twiceNamed = ["20cd89e3-25e2-4fcd-82c5-de666dfd31a4", "a8e55fcf-f8ed-43c2-bb4f-0c62edd62963"]
        #expect(groupWarnings.count == 2)
        #expect(groupWarnings.allSatisfy { warning in
            twiceNamed.contains { warning.contains("group \($0) is ambiguous (the sources give it different names)") }
        },
                "\(groupWarnings)")

        // Seed the emulator with the same objects: policies, locations, groups, and the applications
        // the policies reference (the corpus has no service principal exports).
        let policies = inputs.policies.map(\.json)
        let appIds = Set(policies.flatMap { policy in
            ["includeApplications", "excludeApplications"].flatMap { policy["conditions"]?["applications"]?[$0]?.stringArray ?? [] }
        }.filter { DirectoryReference.isObjectID($0) })
        let groups = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.appendingPathComponent("Groups").path)
            .map { try JSONValue.decode(exportedData: Data(contentsOf: Self.corpus.appendingPathComponent("Groups/\($0)"))) }
            .map { group -> JSONValue in ["id": group["id"] ?? .null, "displayName": group["displayName"] ?? .null] }
        let seed = TenantSeed(document: [
            "tenantId": "42ba3ed1-ae78-4fd0-8080-5f8bfcc27b29",
            "groups": .array(groups),
            "servicePrincipals": .array(appIds.sorted().map { ["appId": .string($0), "displayName": .string("App \($0)")] }),
            "namedLocations": .array(inputs.namedLocations.map(\.json)),
            "policies": .array(policies),
        ])
        try await withEmulator(seed) { connect in
            let plan = try await plan(out.path, connect: connect)
            #expect(!plan.hasErrors, "\(plan.diagnostics.map(\.description))")
            // Beta fields the language does not model (agent identities) are kept, not cleared.
            #expect(plan.actionableChanges.isEmpty, "\(describe(plan))")
        }
    }

    // MARK: Offline inputs

    @Test func malformedFileIsReportedWithItsPositionAndTheOthersConvert() throws {
        let directory = try BinaryRunner.temporaryDirectory([
            "good.json": """
                {"id": "11111111-2222-3333-4444-555555555555", "displayName": "CA1 - Good", "state": "enabled",
                 "conditions": {"users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]},
                                "clientAppTypes": ["all"]},
                 "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}}
                """,
            "sub/broken.json": "{\n  \"displayName\": \"CA2\",\n  \"state\": enabled\n}\n",
        ])
        let inputs = ExportSession.read(jsonDirectory: directory.path, namesFile: nil)
        #expect(inputs.policies.count == 1)
        #expect(inputs.errors.count == 1)
        let error = try #require(inputs.errors.first)
        #expect(error.hasPrefix(directory.path + "/sub/broken.json:3:"), "\(error)")
        #expect(error.contains(": error: "))

        let out = directory.appendingPathComponent("out")
        let outcome = try ExportSession.write(inputs, to: out, namePrefix: nil)
        #expect(outcome.exitCode == 1)
        #expect(outcome.files.contains("policies/ca1-good.yaml"))
        #expect(!(try load(out)).hasErrors)
    }

    /// A shape Graph accepts and returns (five policies of one real tenant have it): enumerated
    /// external tenants with no members. Export, validate and plan: a warning, and no changes.
    @Test func enumeratedExternalTenantsWithNoMembersRoundTrip() async throws {
        let policy: JSONValue = [
            "id": "55555555-0000-4000-8000-000000000001", "displayName": "CA050 - Guests MFA", "state": "enabled",
            "conditions": [
                "clientAppTypes": ["all"],
                "applications": ["includeApplications": ["All"]],
                "users": [
                    "includeUsers": ["All"],
                    "excludeGuestsOrExternalUsers": [
                        "guestOrExternalUserTypes": "b2bCollaborationGuest,b2bCollaborationMember",
                        "externalTenants": ["@odata.type": "#microsoft.graph.conditionalAccessEnumeratedExternalTenants",
                                            "membershipKind": "enumerated", "members": []],
                    ],
                ],
            ],
            "grantControls": ["operator": "OR", "builtInControls": ["mfa"]],
        ]
        try await withEmulator(TenantSeed(document: ["policies": [policy]])) { connect in
            let (out, outcome) = try await export(connect: connect)
            #expect(outcome.errors.isEmpty, "\(outcome.errors)")
            let loaded = try load(out)
            #expect(!loaded.hasErrors, "\(loaded.diagnostics.map(\.description))")
            let emptyEnumerated = loaded.diagnostics.filter { $0.severity == .warning && $0.message.contains("enumerated with no members") }
            #expect(!emptyEnumerated.isEmpty)
            let again = try await plan(out.path, connect: connect)
            #expect(!again.hasErrors, "\(again.diagnostics.map(\.description))")
            #expect(!again.hasChanges, "\(describe(again))")
        }
    }

    /// A tenant whose policy references a deleted group, an application that is neither in the tenant
    /// nor a Microsoft first-party app, and a first-party app without a service principal adopts with
    /// no changes: the dangling ids are kept with warnings to clean them up; the first-party app is
    /// written by its Microsoft name and resolves back to its appId.
    @Test func danglingReferencesTheTenantHoldsRoundTrip() async throws {
        let deletedGroup = "dead0000-0000-4000-8000-000000000001"
        let unknownApp = "dead0000-0000-4000-8000-0000000000a1"
        let policy: JSONValue = [
            "id": "55555555-0000-4000-8000-000000000002", "displayName": "CA051 - Dangling", "state": "enabled",
            "conditions": [
                "clientAppTypes": ["all"],
                "applications": ["includeApplications": ["All"],
                                 "excludeApplications": ["00000002-0000-0000-c000-000000000000", .string(unknownApp)]],
                "users": ["includeUsers": ["All"], "excludeGroups": [.string(deletedGroup)]],
            ],
            "grantControls": ["operator": "OR", "builtInControls": ["mfa"]],
        ]
        try await withEmulator(TenantSeed(document: ["policies": [policy]])) { connect in
            let (out, outcome) = try await export(connect: connect)
            #expect(outcome.errors.isEmpty, "\(outcome.errors)")
            let again = try await plan(out.path, connect: connect)
            #expect(!again.hasErrors, "\(again.diagnostics.map(\.description))")
            #expect(!again.hasChanges, "\(describe(again))")
            let kept = again.diagnostics.filter { $0.severity == .warning && $0.message.contains("kept as the live policy holds it") }
            #expect(kept.count == 2, "\(again.diagnostics.map(\.description))")
            let exported = try allText(in: out)
            #expect(exported.contains("Windows Azure Active Directory"), "\(exported)")
            #expect(!exported.contains("00000002-0000-0000-c000-000000000000"))
        }
    }

    /// Regression (defects issue, items 20 and 21): nothing is invented or dropped without a word.
    @Test func fromJSONNeverInventsAStateNorDropsAListWritAsAString() throws {
        let group = "aaaaaaaa-0000-0000-0000-000000000001"
        func policy(_ id: Int, _ name: String, state: String, users: String, grant: String = #"["mfa"]"#) -> String {
            """
            {"id": "11111111-2222-3333-4444-\(String(format: "%012d", id))", "displayName": "\(name)", \(state)
             "conditions": {"users": \(users), "applications": {"includeApplications": ["All"]}, "clientAppTypes": ["all"]},
             "grantControls": {"operator": "OR", "builtInControls": \(grant)}}
            """
        }
        let directory = try BinaryRunner.temporaryDirectory([
            "missing-state.json": policy(1, "CA1 - No state", state: "", users: #"{"includeUsers": ["All"]}"#),
            "null-state.json": policy(2, "CA2 - Null state", state: #""state": null,"#, users: #"{"includeUsers": ["All"]}"#),
            "number-state.json": policy(3, "CA3 - Number state", state: #""state": 1,"#, users: #"{"includeUsers": ["All"]}"#),
            "string-lists.json": policy(4, "CA4 - Strings", state: #""state": "enabled","#,
                                        users: #"{"includeUsers": "All", "excludeGroups": "\#(group)"}"#),
            "future.json": policy(5, "CA5 - Future", state: #""state": "enabled","#, users: #"{"includeUsers": ["All"]}"#,
                                  grant: #"["mfa", "unknownFutureValue"]"#),
        ])
        let inputs = ExportSession.read(jsonDirectory: directory.path, namesFile: nil)
        let out = directory.appendingPathComponent("out")
        let outcome = try ExportSession.write(inputs, to: out, namePrefix: nil)
        // Three errors naming the policy and the state; those policies are not written with a made-up state.
        #expect(outcome.errors.count == 3, "\(outcome.errors)")
        let noState = outcome.errors.filter { $0.contains("'CA1 - No state': state is missing") }
        #expect(noState.count == 1, "\(outcome.errors)")
        #expect(outcome.errors.contains { $0.contains("'CA2 - Null state': state is null") })
        #expect(outcome.errors.contains { $0.contains("'CA3 - Number state': state is 1") })
        #expect(outcome.exitCode == 1)
        #expect(!outcome.files.contains { $0.contains("no-state") })
        // The string lists are read as one-element lists, with a warning each: the exclusion survives.
        let text = try String(contentsOf: out.appendingPathComponent("policies/ca4-strings.yaml"), encoding: .utf8)
        #expect(text.contains("excludeGroups: [\(group)]"), "\(text)")
        #expect(text.contains("includeUsers: [All]"), "\(text)")
        let stringWarnings = outcome.warnings.filter { $0.contains("where Graph has a list") }
        #expect(stringWarnings.count == 2, "\(outcome.warnings)")
        // unknownFutureValue is dropped with a warning, and what is written validates.
        let future = try String(contentsOf: out.appendingPathComponent("policies/ca5-future.yaml"), encoding: .utf8)
        let futureYAML = future.split(separator: "\n").filter { !$0.hasPrefix("#") }.joined(separator: "\n")
        #expect(!futureYAML.contains("unknownFutureValue"), "\(future)")
        #expect(outcome.warnings.contains { $0.contains("grantControls.builtInControls holds 'unknownFutureValue'") })
        #expect(!(try load(out)).hasErrors)
    }

    /// Regression (defects issue, items 9 and 21): two live policies with one name export to
    /// distinct names with a warning, and the export loads.
    @Test func duplicateDisplayNamesExportDistinctWithAWarning() throws {
        func policy(_ id: Int, _ name: String) -> String {
            """
            {"id": "11111111-2222-3333-4444-\(String(format: "%012d", id))", "displayName": "\(name)", "state": "enabled",
             "conditions": {"users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]}},
             "grantControls": {"builtInControls": ["mfa"]}}
            """
        }
        let directory = try BinaryRunner.temporaryDirectory(["a.json": policy(1, "CA1 - MFA"), "b.json": policy(2, "ca1 - mfa")])
        let inputs = ExportSession.read(jsonDirectory: directory.path, namesFile: nil)
        let out = directory.appendingPathComponent("out")
        let outcome = try ExportSession.write(inputs, to: out, namePrefix: nil)
        #expect(outcome.errors.isEmpty)
        let duplicates = outcome.warnings.filter { $0.contains("2 live policies are named 'CA1 - MFA'") }
        #expect(duplicates.count == 1, "\(outcome.warnings)")
        #expect(duplicates.first?.contains("written as 'CA1 - MFA (2)'") == true)
        let loaded = try load(out)
        #expect(!loaded.hasErrors, "\(loaded.diagnostics.map(\.description))")
        #expect(Set(loaded.configuration.policies.map(\.value.displayName)) == ["CA1 - MFA", "CA1 - MFA (2)"])
    }

    @Test func namesTableFileNamesIdsAndUnnamedIdsWarn() throws {
        let group = "aaaaaaaa-0000-0000-0000-000000000001"
        let other = "aaaaaaaa-0000-0000-0000-000000000002"
        let directory = try BinaryRunner.temporaryDirectory([
            "in/policy.json": """
                {"id": "11111111-2222-3333-4444-555555555555", "displayName": "CA1 - Groups", "state": "enabled",
                 "conditions": {"users": {"includeUsers": ["All"], "excludeGroups": ["\(group)", "\(other)"]},
                                "applications": {"includeApplications": ["All"]}},
                 "grantControls": {"builtInControls": ["block"]}}
                """,
            "names.json": #"{"Objects": [{"Id": "\#(group)", "DisplayName": "CA-BreakGlass", "Type": "Group"}]}"#,
        ])
        let inputs = ExportSession.read(jsonDirectory: directory.appendingPathComponent("in").path,
                                        namesFile: directory.appendingPathComponent("names.json").path)
        #expect(inputs.errors.isEmpty)
        let out = directory.appendingPathComponent("out")
        let outcome = try ExportSession.write(inputs, to: out, namePrefix: nil)
        let text = try String(contentsOf: out.appendingPathComponent("policies/ca1-groups.yaml"), encoding: .utf8)
        #expect(text.contains("excludeGroups: [CA-BreakGlass, \(other)]"), "\(text)")
        #expect(outcome.warnings.count == 1)
        #expect(outcome.warnings.first?.contains("policy.json: warning: policy 'CA1 - Groups': conditions.users.excludeGroups: group \(other) could not be named") == true,
                "\(outcome.warnings)")
    }

    @Test func yamlQuotesWhatWouldReadAsSomethingElseAndKeepsSchemaOrder() throws {
        let document: JSONValue = [
            "countriesAndRegions": ["NO", "NL"], "displayName": "true", "kind": "NamedLocation",
            "id": "11111111-2222-3333-4444-555555555555",
        ]
        let text = try YAMLWriting.document(document, kind: .namedLocation, header: ["A header"])
        #expect(text == """
            # A header
            kind: NamedLocation
            displayName: 'true'
            id: 11111111-2222-3333-4444-555555555555
            countriesAndRegions: ['NO', NL]

            """)
        let loaded = ConfigurationLoader.load([PolicySource(path: "x.yaml", text: text)])
        #expect(!loaded.hasErrors, "\(loaded.diagnostics)")
        #expect(loaded.configuration.namedLocations.first?.value.displayName == "true")
        #expect(loaded.configuration.namedLocations.first?.value.countriesAndRegions == ["NO", "NL"])
    }

    @Test func fileNamesAreSluggedAndUnique() {
        var taken = Set<String>()
        #expect(YAMLWriting.fileName(for: "CA001 - Block légacy auth!", taken: &taken) == "ca001-block-legacy-auth.yaml")
        #expect(YAMLWriting.fileName(for: "CA001 – Block legacy auth", taken: &taken) == "ca001-block-legacy-auth-2.yaml")
        #expect(YAMLWriting.fileName(for: "???", taken: &taken) == "unnamed.yaml")
    }

    // MARK: The command

    @Test func refusesANonEmptyOutputFolderWithoutForce() throws {
        let directory = try BinaryRunner.temporaryDirectory(["out/keep.txt": "mine", "in/empty.json": "[]"])
        let refused = try BinaryRunner.run(["export", "--from-json", "in", "--out", "out"], in: directory)
        #expect(refused.exitCode == 1)
        #expect(refused.stderr.contains("out is not empty"))
        let forced = try BinaryRunner.run(["export", "--from-json", "in", "--out", "out", "--force"], in: directory)
        #expect(forced.exitCode == 0, "\(forced.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("out/entraform.yaml").path))
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("out/keep.txt").path))
    }

    @Test
    func commandConvertsTheCorpusAndTheOutputValidates() throws {
        let directory = try BinaryRunner.temporaryDirectory([:])
        let result = try BinaryRunner.run(["export", "--from-json", Self.corpus.path, "--out", "out"], in: directory)
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stderr.contains("Exported 36 policies and 2 named locations"))
        let validate = try BinaryRunner.run(["validate", "out"], in: directory)
        #expect(validate.exitCode == 0, "\(validate.stdout)")
        #expect(validate.stdout.contains("0 errors"), "\(validate.stdout)")
    }
}
