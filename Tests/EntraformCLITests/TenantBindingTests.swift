@testable import EntraformCLI
import EntraformTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GraphClient
import GraphEmulator
import GraphWire
import PolicyModel
import Reconciliation
import Testing

/// Regression (defects issue, item 2): entraform never writes to a tenant nobody named. The token's
/// tenant must agree with `--tenant`, `AZURE_TENANT_ID` and `Settings.tenant`, and a saved plan is
/// applied only to the tenant it was made against.
@Suite("tenant binding (binary against two emulators)")
struct TenantBindingTests {
    static let tenantA = "aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa"
    static let tenantB = "bbbbbbbb-2222-4222-8222-bbbbbbbbbbbb"

    /// Two tenants with the same object ids (the case where a wrong-tenant apply used to succeed fully).
    static func seed(tenantId: String, domain: String) -> JSONValue {
        [
            "tenantId": .string(tenantId), "domains": [.string(domain)],
            "users": [["id": "00000000-0000-4000-8000-000000000001", "userPrincipalName": .string("breakglass@\(domain)"),
                       "displayName": "Break Glass", "accountEnabled": true]],
            "groups": [["id": "aaaaaaaa-0000-4000-8000-000000000001", "displayName": "BreakGlass",
                        "members": ["00000000-0000-4000-8000-000000000001"]]],
        ]
    }

    static func configuration(tenant: String?) -> [String: String] {
        var settings = "kind: Settings\nemergencyAccess: {groups: [BreakGlass]}\n"
        if let tenant { settings += "tenant: \(tenant)\n" }
        return [
            "config/entraform.yaml": settings,
            "config/policy.yaml": """
                kind: ConditionalAccessPolicy
                displayName: CA001 - Require MFA
                state: enabledForReportingButNotEnforced
                conditions:
                  users: {includeUsers: [All], excludeGroups: [BreakGlass]}
                  applications: {includeApplications: [All]}
                grantControls: {builtInControls: [mfa]}
                """,
        ]
    }

    struct Tenant {
        let server: EmulatorServer
        let url: String

        var environment: [String: String] {
            let credentials = server.credentials
            return ["AZURE_TENANT_ID": credentials.tenantId, "AZURE_CLIENT_ID": credentials.clientId,
                    "AZURE_CLIENT_SECRET": credentials.clientSecret ?? ""]
        }

        func run(_ arguments: [String], in directory: URL, environment extra: [String: String] = [:]) async throws -> BinaryRunner.Result {
            try await BinaryRunner.runDetached(arguments + ["--graph-url", url, "--requests-per-second", "0"], in: directory,
                                               environment: environment.merging(extra) { _, new in new })
        }

        func policyCount() async -> Int { await server.stateDocument()["policies"]?.arrayValue?.count ?? 0 }

        func conditionalAccessRequests() async throws -> Double {
            let (data, _) = try await URLSession.shared.data(from: URL(string: "\(url)/_emulator/requests")!)
            return try JSONValue.parse(data)["byServiceClass"]?["conditionalAccess"]?.numberValue ?? 0
        }
    }

    static func withTenants(_ body: (Tenant, Tenant) async throws -> Void) async throws {
        try await withEmulator(EmulatorConfiguration(seed: TenantSeed(document: seed(tenantId: tenantA, domain: "a.example")))) { a, urlA in
            try await withEmulator(EmulatorConfiguration(seed: TenantSeed(document: seed(tenantId: tenantB, domain: "b.example")))) { b, urlB in
                try await body(Tenant(server: a, url: urlA.absoluteString), Tenant(server: b, url: urlB.absoluteString))
            }
        }
    }

    /// A token that claims tenant B (unsigned: entraform must refuse it before sending it anywhere).
    static func foreignToken(tid: String) -> String {
        func part(_ json: String) -> String { Base64URL.encode(Data(json.utf8)) }
        return part(#"{"alg":"RS256","typ":"JWT"}"#) + "." + part(#"{"tid":"\#(tid)","aud":"https://graph.microsoft.com","roles":["Policy.ReadWrite.ConditionalAccess"]}"#) + ".c2ln"
    }

    @Test func aSavedPlanIsAppliedOnlyToItsTenant() async throws {
        try await Self.withTenants { a, b in
            let directory = try BinaryRunner.temporaryDirectory(Self.configuration(tenant: nil))
            let planned = try await a.run(["plan", "config", "--out", "plan.json"], in: directory)
            #expect(planned.exitCode == 0, "\(planned.stderr)")
            let saved = try JSONValue.parse(Data(contentsOf: directory.appendingPathComponent("plan.json")))
            #expect(saved["tenantId"]?.stringValue == Self.tenantA)

            let wrong = try await b.run(["apply", "plan.json"], in: directory)
            #expect(wrong.exitCode == 1)
            #expect(wrong.stdout.contains("the plan was made for tenant \(Self.tenantA), but this run is signed in to tenant \(Self.tenantB)"),
                    "\(wrong.stdout)\(wrong.stderr)")
            #expect(await b.policyCount() == 0)

            let right = try await a.run(["apply", "plan.json"], in: directory)
            #expect(right.exitCode == 0, "\(right.stdout)\(right.stderr)")
            #expect(await a.policyCount() == 1)
        }
    }

    @Test func editingTheRecordedTenantBreaksTheDigest() async throws {
        try await Self.withTenants { a, b in
            let directory = try BinaryRunner.temporaryDirectory(Self.configuration(tenant: nil))
            _ = try await a.run(["plan", "config", "--out", "plan.json"], in: directory)
            let file = directory.appendingPathComponent("plan.json")
            let edited = try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: Self.tenantA, with: Self.tenantB)
            try edited.write(to: file, atomically: true, encoding: .utf8)
            let result = try await b.run(["apply", "plan.json"], in: directory)
            #expect(result.exitCode == 1)
            #expect(result.stderr.contains("modified after it was made"), "\(result.stderr)")
            #expect(await b.policyCount() == 0)
        }
    }

    @Test func settingsTenantMustMatchTheTokensTenant() async throws {
        try await Self.withTenants { a, _ in
            // Settings names tenant B's domain; the credentials are tenant A's.
            let wrongDomain = try BinaryRunner.temporaryDirectory(Self.configuration(tenant: "b.example"))
            let refused = try await a.run(["apply", "config", "--auto-approve"], in: wrongDomain)
            #expect(refused.exitCode == 1)
            #expect(refused.stderr.contains("tenant 'b.example' could not be found"), "\(refused.stderr)")
            #expect(await a.policyCount() == 0)

            // Settings names tenant B's id while AZURE_TENANT_ID names A: contradiction found offline.
            let wrongId = try BinaryRunner.temporaryDirectory(Self.configuration(tenant: Self.tenantB))
            let offline = try await a.run(["plan", "config"], in: wrongId)
            #expect(offline.exitCode == 1)
            #expect(offline.stderr.contains("tenant mismatch: AZURE_TENANT_ID '\(Self.tenantA)' but Settings.tenant '\(Self.tenantB)'"),
                    "\(offline.stderr)")

            // The right domain binds: the plan proceeds.
            let rightDomain = try BinaryRunner.temporaryDirectory(Self.configuration(tenant: "a.example"))
            let planned = try await a.run(["plan", "config", "--detailed-exitcode"], in: rightDomain)
            #expect(planned.exitCode == 2, "\(planned.stderr)")
        }
    }

    @Test func aReadyTokenForAnotherTenantIsRefusedBeforeAnyRequest() async throws {
        try await Self.withTenants { a, _ in
            let directory = try BinaryRunner.temporaryDirectory(Self.configuration(tenant: Self.tenantA))
            let result = try await BinaryRunner.runDetached(
                ["apply", "config", "--auto-approve", "--graph-url", a.url, "--requests-per-second", "0"], in: directory,
                environment: ["ENTRAFORM_ACCESS_TOKEN": Self.foreignToken(tid: Self.tenantB)])
            #expect(result.exitCode == 1)
            #expect(result.stderr.contains("tenant mismatch: Settings.tenant '\(Self.tenantA)' but the access token's tenant (tid) '\(Self.tenantB)'"),
                    "\(result.stderr)")
            #expect(try await a.conditionalAccessRequests() == 0)
            #expect(await a.policyCount() == 0)
        }
    }

    @Test func offlineConflictsAreFoundWithoutTheNetwork() {
        let id = Self.tenantA
        #expect(TenantBinding.offlineConflict(in: [TenantClaim(value: id, source: "--tenant"), TenantClaim(value: id.uppercased(), source: "AZURE_TENANT_ID")]) == nil)
        #expect(TenantBinding.offlineConflict(in: [TenantClaim(value: "A.example", source: "--tenant"), TenantClaim(value: "a.EXAMPLE", source: "Settings.tenant")]) == nil)
        // A domain and an id cannot be compared offline.
        #expect(TenantBinding.offlineConflict(in: [TenantClaim(value: id, source: "--tenant"), TenantClaim(value: "b.example", source: "Settings.tenant")]) == nil)
        let conflict = TenantBinding.offlineConflict(in: [TenantClaim(value: id, source: "--tenant"), TenantClaim(value: Self.tenantB, source: "Settings.tenant")])
        #expect(conflict?.message == "tenant mismatch: --tenant '\(id)' but Settings.tenant '\(Self.tenantB)'")
        // Precedence and labels: --tenant, then AZURE_TENANT_ID, then Settings.tenant.
        var options = Credential.ResolutionOptions(tenant: nil)
        options.configuredTenant = "a.example"
        let claims = Credential.tenantClaims(environment: ["AZURE_TENANT_ID": id], options: options)
        #expect(claims.map(\.source) == ["AZURE_TENANT_ID", "Settings.tenant"])
        let credential = try? Credential.resolve(environment: ["AZURE_CLIENT_ID": "c", "AZURE_CLIENT_SECRET": "s"], options: options)
        #expect(credential?.tenantId == "a.example")
        #expect(credential?.source == "AZURE_CLIENT_SECRET, Settings.tenant")
    }
}
