import Foundation
import GraphClient
import GraphEmulator
import PolicyModel
import Testing

/// The typed API the reconciler and risk commands use, against the live emulator.
@Suite struct TypedAPILiveTests {
    static func user(_ index: Int) -> String { String(format: "00000000-0000-4000-8000-%012d", index) }

    static var seed: TenantSeed {
        LiveEmulator.seed(users: 6, extra: [
            "groups": [
                ["id": "10000000-0000-4000-8000-000000000001", "displayName": "CA-Exclude", "members": [.string(user(1)), "10000000-0000-4000-8000-000000000002"]],
                ["id": "10000000-0000-4000-8000-000000000002", "displayName": "Break Glass", "members": [.string(user(2))]],
                ["id": "10000000-0000-4000-8000-000000000003", "displayName": "Twins", "members": []],
                ["id": "10000000-0000-4000-8000-000000000004", "displayName": "Twins", "members": []],
            ],
            "servicePrincipals": [
                ["id": "20000000-0000-4000-8000-000000000001", "appId": "00000002-0000-0ff1-ce00-000000000000", "displayName": "Office 365 Exchange Online"]
            ],
            "riskyUsers": [
                ["userPrincipalName": "user3@contoso.example", "riskLevel": "high", "riskState": "atRisk", "riskDetail": "none"],
                ["userPrincipalName": "user4@contoso.example", "riskLevel": "medium", "riskState": "atRisk", "riskDetail": "none"],
            ],
            "riskDetections": [
                ["userPrincipalName": "user3@contoso.example", "riskEventType": "anonymizedIPAddress", "riskLevel": "high", "detectedDateTime": "2026-11-20T10:00:00Z"]
            ],
        ])
    }

    let credential = Credential.clientSecret(tenantId: LiveEmulator.tenantId, clientId: LiveEmulator.clientId, secret: LiveEmulator.secret)

    @Test func directoryLookups() async throws {
        try await LiveEmulator.with(EmulatorConfiguration(seed: Self.seed)) { _, url in
            let transport = AsyncHTTPClientTransport()
            let client = try LiveEmulator.client(credential, baseURL: url, transport: transport)
            let groups = try await client.resolveGroups(names: ["ca-exclude", "Twins", "Nope"])
            #expect(groups["ca-exclude"]?.id == "10000000-0000-4000-8000-000000000001")
            #expect(groups.ambiguous == ["Twins"])
            #expect(groups.unresolved == ["Nope"])

            let apps = try await client.resolveServicePrincipals(names: ["Office 365 Exchange Online"], appIds: ["00000002-0000-0ff1-ce00-000000000000"])
            #expect(apps["Office 365 Exchange Online"]?.appId == "00000002-0000-0ff1-ce00-000000000000")
            #expect(apps["00000002-0000-0ff1-ce00-000000000000"]?.id == "20000000-0000-4000-8000-000000000001")

            let members = try await client.listTransitiveMembers(groupId: "10000000-0000-4000-8000-000000000001")
            #expect(Set(members.map(\.id)).isSuperset(of: [Self.user(1), Self.user(2)]))

            let roles = try await client.listRoleTemplates()
            let hasGlobalAdministrator = roles.contains {
                $0.id == "62e90394-69f5-4237-9190-012177145e10" && $0.displayName == "Global Administrator"
            }
            #expect(hasGlobalAdministrator)

            let objects = try await client.getByIds([Self.user(1), "10000000-0000-4000-8000-000000000002"])
            #expect(Set(objects.compactMap(\.displayName)) == ["User 1", "Break Glass"])

            let strengths = try await client.listAuthenticationStrengths()
            let hasPhishingResistantMFA = strengths.contains { $0["id"] == "00000000-0000-0000-0000-000000000004" }
            #expect(hasPhishingResistantMFA)
            await transport.shutdown()
        }
    }

    @Test func namedLocationsRoundTrip() async throws {
        try await LiveEmulator.with(EmulatorConfiguration(seed: Self.seed)) { _, url in
            let transport = AsyncHTTPClientTransport()
            let client = try LiveEmulator.client(credential, baseURL: url, transport: transport)
            let created = try await client.createNamedLocation([
                "@odata.type": "#microsoft.graph.ipNamedLocation", "displayName": "HQ", "isTrusted": true,
                "ipRanges": [["@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "203.0.113.0/24"]],
            ])
            let id = try #require(created.id)
            try await client.updateNamedLocation(id: id, patch: ["@odata.type": "#microsoft.graph.ipNamedLocation", "isTrusted": false])
            let live = try await client.listNamedLocations()
            #expect(live.count == 1)
            #expect(live.first?["isTrusted"] == false)
            try await client.deleteNamedLocation(id: id)
            #expect(try await client.listNamedLocations().isEmpty)
            await transport.shutdown()
        }
    }

    @Test func identityProtectionActions() async throws {
        try await LiveEmulator.with(EmulatorConfiguration(seed: Self.seed)) { _, url in
            let transport = AsyncHTTPClientTransport()
            let client = try LiveEmulator.client(credential, baseURL: url, transport: transport)
            let high = try await client.listRiskyUsers(filter: "riskLevel eq 'high'")
            let highRiskNames = high.compactMap { $0["userPrincipalName"]?.stringValue }
            #expect(highRiskNames == ["user3@contoso.example"])
            let detections = try await client.listRiskDetections(filter: "detectedDateTime ge 2026-11-01T00:00:00Z")
            #expect(detections.count == 1)

            let confirmed = try await client.confirmCompromised(userIds: [Self.user(4)])
            #expect(confirmed.map(\.status) == [204])
            let dismissed = try await client.dismiss(userIds: [Self.user(3)])
            #expect(dismissed.map(\.status) == [204])
            let states = Dictionary(
                uniqueKeysWithValues: try await client.listRiskyUsers().compactMap { user in
                    user["id"]?.stringValue.map { ($0, user["riskState"]?.stringValue ?? "") }
                })
            #expect(states[Self.user(4)] == "confirmedCompromised")
            #expect(states[Self.user(3)] == "dismissed")
            let history = try await client.listRiskyUserHistory(userId: Self.user(3))
            #expect(!history.isEmpty)
            let revoked = try await client.revokeSignInSessions(userId: Self.user(5))
            #expect(revoked.status == 200 || revoked.status == 204)
            await transport.shutdown()
        }
    }
}
