import EntraformTestSupport
import Foundation
@testable import GraphEmulator
import PolicyModel
import Testing

/// `DELETE /users/{id}` soft-deletes the user as Entra does (issue 17).
@Suite("Deleting users", .emulatorScope)
struct UserDeletionTests {
    static let alice = "aaaaaaaa-0000-4000-8000-000000000001"
    static let bob = "aaaaaaaa-0000-4000-8000-000000000002"

    static func directorySeed() -> JSONValue {
        ["users": [["id": .string(alice), "userPrincipalName": "alice@contoso.onmicrosoft.com", "displayName": "Alice"],
                   ["id": .string(bob), "userPrincipalName": "bob@contoso.onmicrosoft.com", "displayName": "Bob"]],
         "groups": [["id": "99999999-0000-4000-8000-000000000001", "displayName": "Pilot", "members": [.string(alice), .string(bob)]]],
         "roleAssignments": ["Security Administrator": [.string(alice)]],
         "riskyUsers": [["id": .string(alice), "riskLevel": "high"]]]
    }

    @Test func deletingAUserSoftDeletesItAsEntraDoes() async throws {
        let harness = try await Harness.seeded(Self.directorySeed())
        // entraform's default application may not delete users.
        let denied = try await harness.send("DELETE", "/v1.0/users/\(Self.alice)", token: try await harness.token())
        #expect(denied.status == 403)
        #expect(denied.errorCode == "Authorization_RequestDenied")
        let directoryWriter = try await harness.server.accessToken(lifetime: .seconds(600), permissions: ["Directory.ReadWrite.All"])
        #expect(try await harness.send("DELETE", "/v1.0/users/\(Self.alice)", token: directoryWriter).status == 403)

        let token = try await harness.server.accessToken(lifetime: .seconds(600), permissions: [
            "User.ReadWrite.All", "Group.Read.All", "RoleManagement.Read.Directory", "IdentityRiskyUser.Read.All"])
        let deleted = try await harness.send("DELETE", "/v1.0/users/alice@contoso.onmicrosoft.com", token: token)
        #expect(deleted.status == 204)
        #expect(deleted.data.isEmpty)

        #expect(try await harness.send("GET", "/v1.0/users/\(Self.alice)", token: token).status == 404)
        #expect(try await harness.send("GET", "/v1.0/users/alice@contoso.onmicrosoft.com", token: token).status == 404)
        let users = try await harness.send("GET", "/v1.0/users", token: token)
        #expect(users.body?["value"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [Self.bob])
        let members = try await harness.send("GET", "/v1.0/groups/99999999-0000-4000-8000-000000000001/members", token: token)
        #expect(members.body?["value"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [Self.bob])
        let state = await harness.server.stateDocument()
        let securityAdministrators = state["roleAssignments"]?["194ae4cb-b126-40b2-bd5b-6091b380977d"]?.stringArray ?? []
        #expect(!securityAdministrators.contains(Self.alice))

        let bin = try await harness.send("GET", "/v1.0/directory/deletedItems/microsoft.graph.user", token: token)
        #expect(bin.status == 200)
        #expect(bin.body?["@odata.context"] == "https://graph.microsoft.com/v1.0/$metadata#directory/deletedItems/microsoft.graph.user")
        let entry = try #require(bin.body?["value"]?[0])
        #expect(entry["id"]?.stringValue == Self.alice)
        #expect(entry["deletedDateTime"]?.stringValue.flatMap(GraphTimestamp.date(from:)) != nil)
        #expect(entry["userPrincipalName"] == "aaaaaaaa000040008000000000000001alice@contoso.onmicrosoft.com")
        let byId = try await harness.send("GET", "/v1.0/directory/deletedItems/\(Self.alice)", token: token)
        #expect(byId.body?["@odata.type"] == "#microsoft.graph.user")
        let groupsBin = try await harness.send("GET", "/v1.0/directory/deletedItems/microsoft.graph.group", token: token)
        #expect(groupsBin.body?["value"] == [])

        let risky = try await harness.send("GET", "/v1.0/identityProtection/riskyUsers/\(Self.alice)", token: token)
        #expect(risky.body?["isDeleted"] == true)
        #expect(risky.body?["riskLevel"] == "high")

        #expect(try await harness.send("DELETE", "/v1.0/users/\(Self.alice)", token: token).status == 404)
    }
}
