@testable import EntraformCLI
import EntraformTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GraphClient
import GraphEmulator
import Logging
import PlanRendering
import PolicyModel
import Reconciliation
import TenantAccess
import Testing

/// `drift` says who changed each drifted object, from one filtered listing of the emulator's
/// directory audit log; entraform's own writes are never blamed; without AuditLog.Read.All it warns once.
@Suite("drift attribution against the emulator")
struct DriftAttributionTests {
    static let tenantId = "11111111-2222-4333-8444-555555555555"
    static let legacyApp = "4c2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
    static let noAuditApp = "5d2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
    static let alice = "alice@contoso.onmicrosoft.com"

    static let seed: JSONValue = [
        "tenantId": .string(tenantId), "domains": ["contoso.onmicrosoft.com"],
        "users": [
            ["id": "aaaaaaaa-0000-4000-8000-00000000a11c", "userPrincipalName": .string(alice), "displayName": "Alice Admin"],
            ["id": "00000000-0000-4000-8000-000000000001", "userPrincipalName": "breakglass@contoso.onmicrosoft.com", "displayName": "Break Glass",
             "accountEnabled": true],
        ],
        "groups": [["id": "aaaaaaaa-0000-4000-8000-000000000001", "displayName": "BreakGlass", "members": ["00000000-0000-4000-8000-000000000001"]]],
        "applications": [
            ["clientId": .string(EmulatorDefaults.clientId), "displayName": "entraform", "secret": "s3cret",
             "permissions": .array(EmulatorDefaults.publicClientScopes.map(JSONValue.string))],
            ["clientId": .string(legacyApp), "displayName": "Legacy script", "secret": "l3gacy",
             "permissions": ["Policy.Read.All", "Policy.ReadWrite.ConditionalAccess"]],
            ["clientId": .string(noAuditApp), "displayName": "entraform without audit", "secret": "n0audit",
             "permissions": .array(EmulatorDefaults.publicClientScopes.filter { $0 != "AuditLog.Read.All" }.map(JSONValue.string))],
        ],
    ]

    static let names = ["CA001 - Alice", "CA002 - Script", "CA003 - Old", "CA004 - Own", "CA005 - Deleted"]

    static var configuration: [String: String] {
        var files = ["config/entraform.yaml": "kind: Settings\nemergencyAccess: {groups: [BreakGlass]}\n"]
        for (index, name) in names.enumerated() {
            files["config/policy\(index).yaml"] = """
                kind: ConditionalAccessPolicy
                displayName: \(name)
                state: enabledForReportingButNotEnforced
                conditions:
                  users: {includeUsers: [All], excludeGroups: [BreakGlass]}
                  applications: {includeApplications: [All]}
                grantControls: {builtInControls: [mfa]}
                """
        }
        return files
    }

    /// Runs `body` as `credential` and closes the client.
    static func acting<T>(_ url: URL, _ credential: Credential, _ body: (GraphClient) async throws -> T) async throws -> T {
        let (client, transport) = try testEmulatorClient(url, credential)
        do {
            let result = try await body(client)
            await transport.shutdown()
            return result
        } catch {
            await transport.shutdown()
            throw error
        }
    }

    /// A delegated token for `user` (device code flow with the Azure CLI's public client).
    static func delegatedToken(_ url: URL, user: String) async throws -> String {
        func post(_ path: String, form: [String: String]? = nil, json: JSONValue? = nil) async throws -> JSONValue {
            var request = URLRequest(url: URL(string: url.absoluteString + path)!)
            request.httpMethod = "POST"
            if let form {
                var allowed = CharacterSet.alphanumerics
                allowed.insert(charactersIn: "-._~")
                request.httpBody = Data(form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
                    .joined(separator: "&").utf8)
                request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            } else if let json {
                request.httpBody = json.serialized()
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            }
            let (data, _) = try await URLSession.shared.data(for: request)
            return try JSONValue.parse(data)
        }
        let azureCLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
        let start = try await post("/\(tenantId)/oauth2/v2.0/devicecode",
                                   form: ["client_id": azureCLI, "scope": "https://graph.microsoft.com/.default offline_access"])
        let deviceCode = try #require(start["device_code"]?.stringValue)
        let userCode = try #require(start["user_code"]?.stringValue)
        _ = try await post("/_emulator/devicelogin", json: ["user_code": .string(userCode), "user": .string(user), "decision": "approve"])
        let granted = try await post("/\(tenantId)/oauth2/v2.0/token", form: [
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_id": azureCLI, "device_code": deviceCode,
        ])
        return try #require(granted["access_token"]?.stringValue)
    }

    static func reportsRequests(_ url: URL) async throws -> Double {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "\(url)/_emulator/requests")!)
        return try JSONValue.parse(data)["byServiceClass"]?["identityAndAccessReports"]?.numberValue ?? 0
    }

    static func id(of name: String, in policies: [JSONValue]) throws -> String {
        let match = policies.first { $0["displayName"]?.stringValue == name }
        return try #require(match?["id"]?.stringValue)
    }

    /// The tenant after: entraform applies five policies 40 days ago; the Legacy script changes CA003
    /// then (outside the window); a day ago Alice changes CA001 and deletes CA005, the script changes
    /// CA002 and CA004, and entraform's own credentials change CA004 after it.
    static func withChangedTenant(_ body: (EmulatorServer, URL, String, @escaping (Settings) async throws -> GraphConnection) async throws -> Void)
        async throws {
        let time = ManualEmulatorClock(start: Date().addingTimeInterval(-40 * 86_400))
        var emulator = EmulatorConfiguration(seed: TenantSeed(document: seed))
        emulator.clock = time.clock
        let directory = try BinaryRunner.temporaryDirectory(configuration)
        let path = directory.appendingPathComponent("config").path
        try await withEmulator(emulator) { server, url in
            try await withTestEmulatorConnection(server: server, url: url) { connect in
                let plan = try await ReconcileSession.with(path: path, useColor: false, connect: connect) { $0.plan() }
                #expect(plan.summary.toCreate == 5, "\(plan.diagnostics)")
                let connection = try await connect(Settings())
                let tenant = GraphTenant(client: connection.client)
                let backups = FileManager.default.temporaryDirectory.appendingPathComponent("entraform-backups-\(UUID().uuidString)")
                let applied = await Applier(reader: tenant, writer: tenant, backups: BackupFolder(folder: backups)).apply(plan)
                #expect(applied.exitCode == 0, "\(applied)")
                let policies = try await connection.client.listPolicies()

                let legacy = Credential.clientSecret(tenantId: tenantId, clientId: legacyApp, secret: "l3gacy")
                time.advance(by: .seconds(3600))
                try await acting(url, legacy) { client in
                    _ = try await client.updatePolicy(id: try id(of: "CA003 - Old", in: policies), patch: ["state": "disabled"])
                }
                time.advance(by: .seconds(39 * 86_400))
                let token = try await delegatedToken(url, user: alice)
                try await acting(url, .accessToken(token)) { client in
                    _ = try await client.updatePolicy(id: try id(of: "CA001 - Alice", in: policies), patch: ["state": "disabled"])
                    _ = try await client.deletePolicy(id: try id(of: "CA005 - Deleted", in: policies))
                }
                time.advance(by: .seconds(60))
                try await acting(url, legacy) { client in
                    _ = try await client.updatePolicy(id: try id(of: "CA002 - Script", in: policies), patch: ["state": "disabled"])
                    _ = try await client.updatePolicy(id: try id(of: "CA004 - Own", in: policies), patch: ["state": "disabled"])
                }
                time.advance(by: .seconds(60))
                // entraform's credentials write last to CA004 (as a script using them would): not "who changed it".
                _ = try await connection.client.updatePolicy(id: try id(of: "CA004 - Own", in: policies), patch: ["state": "enabled"])
                await connection.close()
                try await body(server, url, path, connect)
            }
        }
    }

    @Test func drift_saysWhoChangedEachObjectFromOneListing() async throws {
        try await Self.withChangedTenant { server, url, path, connect in
            let before = try await Self.reportsRequests(url)
            let report = try await ReconcileSession.with(path: path, useColor: false, connect: connect) { session in
                await session.attributedDrift(session.drift())
            }
            // One listing for five drifted objects.
            #expect(try await Self.reportsRequests(url) - before == 1)
            #expect(report.exitCode == 2)
            #expect(report.attributionWindowDays == 30)
            let byName = Dictionary(report.entries.map { ($0.displayName, $0) }, uniquingKeysWith: { first, _ in first })
            #expect(Set(byName.keys) == Set(Self.names))

            let alice = try #require(byName["CA001 - Alice"]?.attribution)
            #expect(alice.actor == Self.alice)
            #expect(alice.actorKind == .user)
            #expect(alice.activity == "Update conditional access policy")
            #expect(alice.sentence.hasPrefix("changed by alice@contoso.onmicrosoft.com at "))
            #expect(alice.sentence.hasSuffix(" UTC (Update conditional access policy)"))

            let script = try #require(byName["CA002 - Script"]?.attribution)
            #expect(script.actorKind == .application)
            #expect(script.actor == "Legacy script")
            #expect(script.appId == Self.legacyApp)
            #expect(script.sentence.hasPrefix("changed by application 'Legacy script' at "))

            let deleted = try #require(byName["CA005 - Deleted"])
            #expect(deleted.category == .missing)
            #expect(deleted.attribution?.actor == Self.alice)
            #expect(deleted.attribution?.activity == "Delete conditional access policy")
            #expect(deleted.attribution?.verb == "deleted")

            // Older than the window, and entraform's own newest write: nobody blamed.
            #expect(byName["CA003 - Old"]?.attribution == nil)
            #expect(byName["CA004 - Own"]?.attribution == nil)

            // The audit ids are Graph's.
            let audits = await server.stateDocument()["directoryAudits"]?.arrayValue ?? []
            let auditIds = Set(audits.compactMap { $0["id"]?.stringValue })
            #expect(auditIds.contains(alice.auditId) && auditIds.contains(script.auditId))

            let json = JSONDriftRenderer().document(report)
            let entries = json["entries"]?.arrayValue ?? []
            let aliceJSON = entries.first { $0["displayName"] == "CA001 - Alice" }
            #expect(aliceJSON?["attribution"]?["auditId"]?.stringValue == alice.auditId)
            #expect(aliceJSON?["attribution"]?["actorKind"] == "user")
            #expect(aliceJSON?["attribution"]?["actor"]?.stringValue == Self.alice)
            #expect(aliceJSON?["attribution"]?["activity"] == "Update conditional access policy")
            #expect(aliceJSON?["attribution"]?["at"]?.stringValue == alice.activityDateTime)
            let oldJSON = entries.first { $0["displayName"] == "CA003 - Old" }
            #expect(oldJSON?["attribution"] == .null)

            let text = TextDriftRenderer().render(report)
            #expect(text.contains("# changed by alice@contoso.onmicrosoft.com at "), "\(text)")
            #expect(text.contains("by application 'Legacy script'"), "\(text)")
            #expect(text.contains("# no audit record in the last 30 days"), "\(text)")
            #expect(text.contains("# deleted by alice@contoso.onmicrosoft.com at "), "\(text)")
            let markdown = MarkdownPlanRenderer().render(report)
            #expect(markdown.contains("| Who |"), "\(markdown)")
            #expect(markdown.contains("changed by application 'Legacy script'"), "\(markdown)")
        }
    }

    @Test func planSaysWhoChangedWhatItWillOverwrite() async throws {
        try await Self.withChangedTenant { _, url, path, _ in
            let environment = ["AZURE_TENANT_ID": Self.tenantId, "AZURE_CLIENT_ID": EmulatorDefaults.clientId, "AZURE_CLIENT_SECRET": "s3cret"]
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            let before = try await Self.reportsRequests(url)
            let json = try await BinaryRunner.runDetached(
                ["plan", "config", "--graph-url", url.absoluteString, "--format", "json", "--no-step-summary", "--no-impact",
                 "--requests-per-second", "0"], in: directory, environment: environment)
            #expect(json.exitCode == 0, "\(json.stderr)")
            // One listing for the four updates and the one create.
            #expect(try await Self.reportsRequests(url) - before == 1)
            let changes = try JSONValue.parse(Data(json.stdout.utf8))["changes"]?.arrayValue ?? []
            func attribution(_ name: String) -> JSONValue? { changes.first { $0["displayName"]?.stringValue == name }?["attribution"] }
            #expect(attribution("CA001 - Alice")?["actor"]?.stringValue == Self.alice)
            #expect(attribution("CA002 - Script")?["actor"] == "Legacy script")
            #expect(attribution("CA005 - Deleted")?["activity"] == "Delete conditional access policy")
            #expect(attribution("CA003 - Old") == nil)
            #expect(attribution("CA004 - Own") == nil)

            let text = try await BinaryRunner.runDetached(
                ["plan", "config", "--graph-url", url.absoluteString, "--no-step-summary", "--no-impact", "--requests-per-second", "0"],
                in: directory, environment: environment)
            #expect(text.stdout.contains("# outside entraform, changed by alice@contoso.onmicrosoft.com at "), "\(text.stdout)")
            #expect(text.stdout.contains("# outside entraform, deleted by alice@contoso.onmicrosoft.com at "), "\(text.stdout)")

            // Without AuditLog.Read.All: one note, and the plan otherwise the same.
            let denied = try await BinaryRunner.runDetached(
                ["plan", "config", "--graph-url", url.absoluteString, "--format", "json", "--no-step-summary", "--no-impact",
                 "--requests-per-second", "0"], in: directory,
                environment: ["AZURE_TENANT_ID": Self.tenantId, "AZURE_CLIENT_ID": Self.noAuditApp, "AZURE_CLIENT_SECRET": "n0audit"])
            let document = try JSONValue.parse(Data(denied.stdout.utf8))
            #expect(document["changes"]?.arrayValue?.count == changes.count)
            let notes = document["diagnostics"]?.arrayValue?.filter { $0["message"]?.stringValue?.contains("AuditLog.Read.All") == true } ?? []
            #expect(notes.count == 1)
            #expect(notes.first?["severity"] == "note")
        }
    }

    @Test func withoutAuditLogReadAllDriftWarnsOnceAndStillExitsTwo() async throws {
        try await Self.withChangedTenant { _, url, path, _ in
            let environment = ["AZURE_TENANT_ID": Self.tenantId, "AZURE_CLIENT_ID": Self.noAuditApp, "AZURE_CLIENT_SECRET": "n0audit"]
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            let drift = try await BinaryRunner.runDetached(
                ["drift", "config", "--graph-url", url.absoluteString, "--requests-per-second", "0", "--no-step-summary"],
                in: directory, environment: environment)
            #expect(drift.exitCode == 2, "\(drift.stdout)\(drift.stderr)")
            #expect(drift.stdout.contains("Drift found in 5 objects"), "\(drift.stdout)")
            let warning = ReconcileSession.auditPermissionWarning
            #expect(drift.stdout.components(separatedBy: warning).count - 1 == 1, "\(drift.stdout)")
            #expect(!drift.stdout.contains("no audit record"), "\(drift.stdout)")

            let json = try await BinaryRunner.runDetached(
                ["drift", "config", "--graph-url", url.absoluteString, "--format", "json", "--no-step-summary", "--requests-per-second", "0"],
                in: directory, environment: environment)
            #expect(json.exitCode == 2)
            let document = try JSONValue.parse(Data(json.stdout.utf8))
            #expect(document["attributionWindowDays"] == .null)
            #expect(document["entries"]?.arrayValue?.allSatisfy { $0["attribution"] == .null } == true)
        }
    }

    @Test func doctorSaysWhetherTheAuditLogCanBeRead() async throws {
        try await Self.withChangedTenant { _, url, path, _ in
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            func doctor(_ app: String, _ secret: String) async throws -> BinaryRunner.Result {
                try await BinaryRunner.runDetached(["doctor", "config", "--read-only", "--graph-url", url.absoluteString, "--requests-per-second", "0"], in: directory,
                                                   environment: ["AZURE_TENANT_ID": Self.tenantId, "AZURE_CLIENT_ID": app,
                                                                 "AZURE_CLIENT_SECRET": secret])
            }
            let granted = try await doctor(EmulatorDefaults.clientId, "s3cret")
            #expect(granted.stdout.contains("✓ AuditLog.Read.All — read the audit and sign-in logs, so drift says who changed what and staged rollouts can advance"),
                    "\(granted.stdout)")
            let missing = try await doctor(Self.noAuditApp, "n0audit")
            #expect(missing.exitCode == 0, "\(missing.stdout)\(missing.stderr)")
            #expect(missing.stdout.contains("- AuditLog.Read.All — read the audit and sign-in logs, so drift says who changed what and staged rollouts can advance (missing; optional"),
                    "\(missing.stdout)")
            #expect(missing.stdout.hasSuffix("\nready\n"))
        }
    }
}
