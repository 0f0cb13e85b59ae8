import EntraformTestSupport
import Foundation
@testable import GraphEmulator
import PolicyModel
import Testing

/// A token is for the resource its scope names; Graph accepts only its own (issue 17).
@Suite("Token audiences", .emulatorScope)
struct TokenAudienceTests {
    static func tokenReply(_ harness: Harness, scope: String) async throws -> Harness.Reply {
        let credentials = harness.server.credentials
        return try await harness.form("/\(credentials.tenantId)/oauth2/v2.0/token", [
            "grant_type": "client_credentials", "client_id": credentials.clientId, "client_secret": credentials.clientSecret ?? "",
            "scope": scope,
        ])
    }

    @Test func aTokenIsForTheRequestedResourceAndGraphRefusesOthers() async throws {
        let harness = try await Harness.start()
        for (scope, audience) in [("https://management.azure.com/.default", "https://management.azure.com"),
                                  ("https://graph.microsoft.us/.default", "https://graph.microsoft.us"),
                                  ("https://microsoftgraph.chinacloudapi.cn/.default", "https://microsoftgraph.chinacloudapi.cn")] {
            let reply = try await Self.tokenReply(harness, scope: scope)
            #expect(reply.status == 200, "\(scope)")
            let token = try #require(reply.body?["access_token"]?.stringValue)
            let jwt = try #require(JSONWebToken(compact: token))
            #expect(jwt.audiences == [audience], "\(scope)")
            #expect(jwt.claims["roles"]?.stringArray == [], "Graph permissions are not put in a token for \(audience)")
            let refused = try await harness.send("GET", "/v1.0/users", token: token)
            #expect(refused.status == 401, "\(scope)")
            #expect(refused.errorCode == "InvalidAuthenticationToken")
            #expect(refused.errorMessage == "Access token validation failure. Invalid audience.")
        }
        for scope in ["https://graph.microsoft.com/.default", "https://GRAPH.microsoft.com/.default", "https://graph.microsoft.com//.default",
                      "00000003-0000-0000-c000-000000000000/.default"] {
            let reply = try await Self.tokenReply(harness, scope: scope)
            let token = try #require(reply.body?["access_token"]?.stringValue, "\(scope)")
            #expect(JSONWebToken(compact: token)?.audiences == ["https://graph.microsoft.com"], "\(scope)")
            #expect(try await harness.send("GET", "/v1.0/users", token: token).status == 200, "\(scope)")
        }
    }

    @Test func anEmulatorOfAnotherCloudAcceptsThatCloudsGraphOnly() async throws {
        var configuration = EmulatorConfiguration()
        configuration.graphResource = "https://graph.microsoft.us"
        let harness = try await Harness.start(configuration)
        let national = try #require(try await Self.tokenReply(harness, scope: "https://graph.microsoft.us/.default").body?["access_token"]?.stringValue)
        #expect(try await harness.send("GET", "/v1.0/users", token: national).status == 200)
        let global = try #require(try await Self.tokenReply(harness, scope: "https://graph.microsoft.com/.default").body?["access_token"]?.stringValue)
        #expect(try await harness.send("GET", "/v1.0/users", token: global).status == 401)
    }
}
