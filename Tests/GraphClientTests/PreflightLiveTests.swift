import Foundation
import GraphClient
import GraphEmulator
import PolicyModel
import Testing

/// `doctor`'s preflight against the emulator: which permissions a run needs.
@Suite(.serialized) struct PreflightLiveTests {
    static let readerId = "5e4d3c2b-1a09-4f8e-8d7c-6b5a4f3e2d1c"
    static let readerSecret = "read-only-secret"
    static let readPermissions = [
        "Policy.Read.All", "Application.Read.All", "User.Read.All", "Group.Read.All", "RoleManagement.Read.Directory",
        "IdentityRiskEvent.Read.All", "IdentityRiskyUser.Read.All", "IdentityRiskyServicePrincipal.Read.All",
    ]

    /// A tenant with a read-only application and the default (ReadWrite) one of `LiveEmulator`.
    static func configuration() -> EmulatorConfiguration {
        var seed = LiveEmulator.seed().document
        var applications = seed["applications"]?.arrayValue ?? []
        applications.append(["clientId": .string(readerId), "displayName": "entraform read-only", "secret": .string(readerSecret),
                             "permissions": .array(readPermissions.map(JSONValue.string))])
        seed["applications"] = .array(applications)
        return EmulatorConfiguration(seed: TenantSeed(document: seed))
    }

    static func preflight(_ credential: Credential, url: String, write: Bool, servicePrincipals: Bool = false) async throws -> PreflightReport {
        let transport = AsyncHTTPClientTransport()
        let client = try LiveEmulator.client(credential, baseURL: url, transport: transport)
        let requirements = PreflightReport.requirements(write: write, riskResponse: true, riskyServicePrincipals: servicePrincipals)
        let report = await client.preflight(credential: credential, requirements: requirements, probeRiskAPIs: true)
        await transport.shutdown()
        return report
    }

    @Test func readOnlyChecksReadPermissionsOnly() async throws {
        try await LiveEmulator.with(Self.configuration()) { _, url in
            let reader = Credential.clientSecret(tenantId: LiveEmulator.tenantId, clientId: Self.readerId, secret: Self.readerSecret)
            let readOnly = try await Self.preflight(reader, url: url, write: false, servicePrincipals: true)
            let missing = readOnly.missing.map(\.recommended)
            #expect(missing.isEmpty, "\(missing)")
            #expect(readOnly.passed)
            let checked = Set(readOnly.requirements.flatMap(\.anyOf))
            let writes = checked.filter { $0.contains("ReadWrite") || $0.hasPrefix("User.RevokeSessions") }
            #expect(writes.isEmpty, "\(writes)")
            #expect(checked.isSuperset(of: ["IdentityRiskyUser.Read.All", "IdentityRiskEvent.Read.All", "IdentityRiskyServicePrincipal.Read.All"]))

            // The same application is not enough for a run that writes.
            let writing = try await Self.preflight(reader, url: url, write: true, servicePrincipals: true)
            let missingForWrites = Set(writing.missing.map(\.recommended))
            #expect(missingForWrites == ["Policy.ReadWrite.ConditionalAccess", "IdentityRiskyUser.ReadWrite.All", "User.RevokeSessions.All",
                                         "IdentityRiskyServicePrincipal.ReadWrite.All"])
        }
    }

    @Test func aReadWritePermissionSatisfiesItsReadRequirement() async throws {
        try await LiveEmulator.with(Self.configuration()) { _, url in
            let writer = Credential.clientSecret(tenantId: LiveEmulator.tenantId, clientId: LiveEmulator.clientId, secret: LiveEmulator.secret)
            let report = try await Self.preflight(writer, url: url, write: false)
            let missing = report.missing.map(\.recommended)
            #expect(missing.isEmpty, "\(missing)")
            #expect(report.roles.contains("IdentityRiskyUser.ReadWrite.All"))
        }
    }
}
