import EntraformTestSupport
import Foundation
@testable import GraphEmulator
import PolicyModel
import Testing

/// Paths and query options read as Graph reads them (issue 17, "Emulator fidelity found on the way").
@Suite("Graph fidelity: paths and queries", .emulatorScope)
struct QueryFidelityTests {
    @Test func theVersionSegmentIsCaseInsensitive() async throws {
        let harness = try await Harness.start()
        for path in ["/V1.0/users", "/v1.0/Users", "/BETA/identity/conditionalAccess/policies", "/Beta/IDENTITY/conditionalAccess/namedLocations"] {
            let reply = try await harness.get(path)
            #expect(reply.status == 200, "\(path): \(reply.status)")
        }
        let context = try await harness.get("/V1.0/users")
        #expect(context.body?["@odata.context"] == "https://graph.microsoft.com/v1.0/$metadata#users")
        let batch = try await harness.send("POST", "/V1.0/$BATCH", json: ["requests": [["id": "1", "method": "GET", "url": "/users"]]],
                                           token: try await harness.token())
        #expect(batch.status == 200)
        #expect(batch.body?["responses"]?[0]?["status"] == 200)
    }

    // MARK: $filter enumeration literals

    @Test func filterEnumerationLiteralsMustBeQuotedMembers() async throws {
        var seed = DirectoryAndRiskTests.seed(users: 5, detections: 4)
        seed["riskyServicePrincipals"] = [["appId": "00000002-0000-0ff1-ce00-000000000000", "riskLevel": "high"]]
        let harness = try await Harness.seeded(seed)

        let bogus = try await harness.get("/v1.0/identityProtection/riskyUsers?$filter=riskLevel%20eq%20'bogus'")
        #expect(bogus.status == 400)
        #expect(bogus.errorCode == "BadRequest")
        #expect(bogus.errorMessage?.contains("The string 'bogus' is not a valid enumeration type constant.") == true, "\(bogus.errorMessage ?? "")")

        let unquoted = try await harness.get("/v1.0/identityProtection/riskyUsers?$filter=riskLevel%20eq%20high")
        #expect(unquoted.status == 400)
        #expect(unquoted.errorMessage?.contains("Could not find a property named 'high' on type 'microsoft.graph.riskyUser'") == true,
                "\(unquoted.errorMessage ?? "")")

        for path in ["/v1.0/identityProtection/riskDetections?$filter=riskState%20eq%20'atRiskish'",
                     "/v1.0/identityProtection/riskDetections?$filter=detectionTimingType%20eq%20'sometimes'",
                     "/v1.0/identityProtection/riskDetections?$filter=riskLevel%20in%20('high','bogus')",
                     "/beta/identityProtection/riskDetections?$filter=riskLevel%20eq%201",
                     "/v1.0/identityProtection/riskyUsers?$filter=riskDetail%20eq%20'none'%20and%20riskState%20ne%20'safe'",
                     "/v1.0/identityProtection/riskyServicePrincipals?$filter=riskLevel%20eq%20'bogus'",
                     "/v1.0/identityProtection/servicePrincipalRiskDetections?$filter=riskLevel%20eq%20'bogus'",
                     "/beta/identity/conditionalAccess/policies?$filter=state%20eq%20'on'"] {
            let reply = try await harness.get(path)
            #expect(reply.status == 400, "\(path): \(reply.status)")
            #expect(reply.errorCode == "BadRequest", "\(path)")
        }

        // Members (any case, with or without the type prefix) and null still filter.
        for (path, count) in [("/v1.0/identityProtection/riskyUsers?$filter=riskLevel%20eq%20'high'", 1),
                              ("/v1.0/identityProtection/riskyUsers?$filter=riskLevel%20eq%20microsoft.graph.riskLevel'low'", 1),
                              ("/v1.0/identityProtection/riskyUsers?$filter=riskState%20eq%20'atRisk'%20and%20riskLevel%20ne%20null", 2),
                              ("/v1.0/identityProtection/riskyServicePrincipals?$filter=riskLevel%20eq%20'high'", 1),
                              ("/beta/identity/conditionalAccess/policies?$filter=state%20eq%20'enabled'", 0)] {
            let reply = try await harness.get(path)
            #expect(reply.status == 200, "\(path): \(String(decoding: reply.data, as: UTF8.self).prefix(300))")
            #expect(reply.body?["value"]?.arrayValue?.count == count, "\(path)")
        }
    }

    // MARK: Paging

    @Test func topZeroIsAnEmptyPageWithoutNextLink() async throws {
        let harness = try await Harness.seeded(DirectoryAndRiskTests.seed(users: 5, detections: 4))
        for path in ["/v1.0/users?$top=0", "/v1.0/identityProtection/riskDetections?$top=0", "/beta/identity/conditionalAccess/policies?$top=0",
                     "/v1.0/users?$top=0&$count=true"] {
            let reply = try await harness.get(path)
            #expect(reply.status == 200, "\(path)")
            #expect(reply.body?["value"] == [], "\(path)")
            #expect(reply.body?["@odata.nextLink"] == nil, "\(path)")
        }
        #expect(try await harness.get("/v1.0/users?$top=0&$count=true").body?["@odata.count"] == 6)
    }

    static func skipToken(of nextLink: String) throws -> String {
        let components = try #require(URLComponents(string: nextLink))
        return try #require(components.queryItems?.first { $0.name == "$skiptoken" }?.value)
    }

    @Test func aSkipTokenIsValidOnlyForTheCollectionAndQueryThatIssuedIt() async throws {
        let harness = try await Harness.seeded(DirectoryAndRiskTests.seed(users: 150, detections: 45))
        let first = try await harness.get("/v1.0/users")
        let next = try #require(first.body?["@odata.nextLink"]?.stringValue)
        let token = try Self.skipToken(of: next)
        let encoded = SkipToken.percentEncode(token)

        // Verbatim (and with the version and path in another case) it continues the listing.
        let verbatim = try await harness.get(next.replacingOccurrences(of: harness.baseURL.absoluteString, with: ""))
        #expect(verbatim.status == 200)
        #expect(verbatim.body?["value"]?.arrayValue?.count == 51)
        #expect(try await harness.get("/V1.0/Users?$skiptoken=\(encoded)").status == 200)

        for path in ["/v1.0/groups?$skiptoken=\(encoded)", "/beta/users?$skiptoken=\(encoded)",
                     "/v1.0/users?$top=5&$skiptoken=\(encoded)", "/v1.0/users?$filter=accountEnabled%20eq%20true&$skiptoken=\(encoded)",
                     "/v1.0/identityProtection/riskyUsers?$skiptoken=\(encoded)"] {
            let reply = try await harness.get(path)
            #expect(reply.status == 400, "\(path): \(reply.status)")
            #expect(reply.errorCode == "Request_BadRequest", "\(path)")
        }

        let detections = try await harness.get("/v1.0/identityProtection/riskDetections")
        let detectionToken = try Self.skipToken(of: try #require(detections.body?["@odata.nextLink"]?.stringValue))
        let foreign = try await harness.get("/v1.0/identityProtection/riskyUsers?$skiptoken=\(SkipToken.percentEncode(detectionToken))")
        #expect(foreign.status == 400)
    }
}
