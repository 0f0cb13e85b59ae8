@testable import GraphEmulator
import HummingbirdTesting
import HTTPTypes
import PolicyModel
import Testing

/// Routing and permissions come from one table (architecture issue): checked through Hummingbird's
/// `.router` test client, without a socket, and on the table itself.
@Suite("Route table: routing and permissions")
struct RouteTableTests {
    static let seed: JSONValue = ["tenantId": "7e57aaaa-0000-4000-8000-000000000001", "domains": ["routes.example"]]

    /// Sends one request through the application's responder with a token holding `permissions`.
    static func status(_ method: HTTPRequest.Method, _ path: String, permissions: [String]) async throws -> (Int, String) {
        let configuration = EmulatorConfiguration(seed: TenantSeed(document: seed))
        let minting = try await EmulatorServer(configuration: configuration)
        let token = try await minting.accessToken(lifetime: .seconds(600), permissions: permissions)
        let app = try await buildEmulator(configuration: configuration)
        return try await app.test(.router) { client in
            try await client.execute(uri: path, method: method, headers: [.authorization: "Bearer \(token)"]) { response in
                (Int(response.status.code), String(buffer: response.body))
            }
        }
    }

    @Test(arguments: [
        (HTTPRequest.Method.get, "/v1.0/identity/conditionalAccess/policies", ["Policy.Read.All"], 200),
        (.get, "/v1.0/identity/conditionalAccess/policies", ["User.Read.All"], 403),
        (.post, "/v1.0/identity/conditionalAccess/policies", ["Policy.Read.All"], 403),
        (.get, "/beta/identity/conditionalAccess/namedLocations", ["Policy.Read.All"], 200),
        (.get, "/v1.0/identity/conditionalAccess/authenticationContextClassReferences", ["AuthenticationContext.Read.All"], 200),
        (.get, "/v1.0/users", ["Policy.Read.All"], 403),
        (.get, "/v1.0/users", ["User.Read.All"], 200),
        (.delete, "/v1.0/users/someone@routes.example", ["Directory.ReadWrite.All"], 403),
        (.get, "/v1.0/groups", ["GroupMember.Read.All"], 200),
        (.get, "/v1.0/directoryRoleTemplates", ["RoleManagement.Read.Directory"], 200),
        (.get, "/v1.0/identityProtection/riskyUsers", ["IdentityRiskEvent.Read.All"], 403),
        (.get, "/v1.0/identityProtection/riskyUsers", ["IdentityRiskyUser.Read.All"], 200),
        (.get, "/v1.0/identityProtection/riskDetections", ["IdentityRiskEvent.Read.All"], 200),
        (.get, "/beta/riskyUsers", ["IdentityRiskyUser.Read.All"], 200),
        (.get, "/v1.0/riskyUsers", ["IdentityRiskyUser.Read.All"], 400),
        (.get, "/v1.0/noSuchCollection", ["Policy.Read.All"], 400),
    ] as [(HTTPRequest.Method, String, [String], Int)])
    func routedAndPermitted(_ method: HTTPRequest.Method, _ path: String, _ permissions: [String], _ expected: Int) async throws {
        let (status, body) = try await Self.status(method, path, permissions: permissions)
        #expect(status == expected, "\(method) \(path) with \(permissions): \(body)")
    }

    @Test func deniedCodesFollowTheServiceAsGraphDoes() async throws {
        let (_, conditionalAccess) = try await Self.status(.get, "/v1.0/identity/conditionalAccess/policies", permissions: [])
        #expect(conditionalAccess.contains("\"AccessDenied\""))
        let (_, directory) = try await Self.status(.get, "/v1.0/users", permissions: [])
        #expect(directory.contains("\"Authorization_RequestDenied\""))
    }

    @Test func everyRouteHasAPermissionAndTheMostSpecificWins() {
        for route in GraphService.routes {
            #expect(!route.read.isEmpty || route.methods == ["DELETE"])
            #expect(!route.write.isEmpty)
        }
        let revoke = GraphRequest(method: "POST", version: .v1, path: "/users/u1/revokeSignInSessions", query: [:], headers: [:], body: nil, origin: "http://127.0.0.1")
        #expect(GraphService.requirement(for: revoke).anyOf.contains("User.RevokeSessions.All"))
        let strength = GraphRequest(method: "POST", version: .beta, path: "/identity/conditionalAccess/authenticationStrength/policies", query: [:], headers: [:], body: nil, origin: "http://127.0.0.1")
        #expect(GraphService.requirement(for: strength).anyOf.contains("Policy.ReadWrite.AuthenticationMethod"))
        let unknown = GraphRequest(method: "GET", version: .v1, path: "/nothing/here", query: [:], headers: [:], body: nil, origin: "http://127.0.0.1")
        #expect(GraphService.requirement(for: unknown).anyOf.isEmpty)
        #expect(GraphService.route(for: unknown) == nil)
    }
}
