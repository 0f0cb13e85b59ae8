import EntraformTestSupport
import Foundation
import GraphEmulator
import PolicyModel
import Testing

/// `entraform doctor` as a user runs it: the built binary against an in-process emulator.
@Suite("doctor (binary against the emulator)", .emulatorScope)
struct DoctorCommandTests {
    /// The risk commands' tenant, whose only application may read everything `plan`, `drift` and
    /// `risk plan` need and write nothing.
    static func readOnlySeed() -> JSONValue {
        var seed = RiskCommandTests.seed()
        seed["applications"] = [[
            "clientId": "2d3e4f50-6a7b-4c8d-9e0f-1a2b3c4d5e6f", "displayName": "entraform read-only", "secret": "read-only-secret",
            "permissions": ["Policy.Read.All", "Application.Read.All", "User.Read.All", "Group.Read.All", "RoleManagement.Read.Directory",
                            "IdentityRiskEvent.Read.All", "IdentityRiskyUser.Read.All"],
        ]]
        return seed
    }

    @Test func readOnlyPassesForAnAppThatCanOnlyReadWhatRiskPlanReads() async throws {
        let (server, started) = try await startScopedEmulator(EmulatorConfiguration(seed: TenantSeed(document: Self.readOnlySeed())))
        let url = started.absoluteString
        let directory = try BinaryRunner.temporaryDirectory(["config/entraform.yaml": RiskCommandTests.settings,
                                                             "config/rules.yaml": RiskCommandTests.rules])
        let credentials = server.credentials
        let environment = ["AZURE_TENANT_ID": credentials.tenantId, "AZURE_CLIENT_ID": credentials.clientId,
                           "AZURE_CLIENT_SECRET": credentials.clientSecret ?? ""]

        let readOnly = try await BinaryRunner.runDetached(["doctor", "config", "--read-only", "--graph-url", url], in: directory,
                                                          environment: environment)
        #expect(readOnly.exitCode == 0, "\(readOnly.stdout)\(readOnly.stderr)")
        #expect(readOnly.stdout.contains("✓ IdentityRiskyUser.Read.All — read risky users"), "\(readOnly.stdout)")
        #expect(!readOnly.stdout.contains("ReadWrite"), "\(readOnly.stdout)")
        #expect(!readOnly.stdout.contains("User.RevokeSessions.All"), "\(readOnly.stdout)")
        #expect(readOnly.stdout.hasSuffix("\nready\n"))

        // A run that writes needs the write permissions, and doctor says which.
        let writing = try await BinaryRunner.runDetached(["doctor", "config", "--graph-url", url], in: directory, environment: environment)
        #expect(writing.exitCode == 1, "\(writing.stdout)\(writing.stderr)")
        #expect(writing.stdout.contains("✗ IdentityRiskyUser.ReadWrite.All"), "\(writing.stdout)")
        #expect(writing.stdout.contains("✗ User.RevokeSessions.All or User.ReadWrite.All"), "\(writing.stdout)")
    }
}
