import Foundation
import Testing
@testable import GraphEmulator
import PolicyModel

/// Paths and query options read as Graph reads them (issue 17, "Emulator fidelity found on the way").
@Suite("Graph fidelity: paths and queries")
struct QueryFidelityTests {
    @Test func theVersionSegmentIsCaseInsensitive() async throws {
        let harness = try await Harness.start()
        defer { Task { await harness.stop() } }
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
}
