import EntraformTestSupport
import Foundation
@testable import GraphEmulator
import PolicyModel
import Testing

@Suite("Behaviour switches, batching and envelopes", .emulatorScope)
struct BehaviourTests {
    @Test func conditionalAccessThrottlingHasNoRetryAfter() async throws {
        // A clock that stands still: the bucket refills only when the test says so.
        let time = ManualEmulatorClock()
        var configuration = EmulatorConfiguration(rateLimit: 1, rateLimitBurst: 2)
        configuration.clock = time.clock
        let harness = try await Harness.start(configuration)
        let token = try await harness.token()
        var statuses: [Int] = []
        var throttled: Harness.Reply?
        for _ in 0..<4 {
            let reply = try await harness.send("GET", "/v1.0/identity/conditionalAccess/policies", token: token)
            statuses.append(reply.status)
            if reply.status == 429 { throttled = reply }
        }
        #expect(statuses == [200, 200, 429, 429])
        let limited = try #require(throttled)
        #expect(limited.errorCode == "TooManyRequests")
        #expect(limited.header("Retry-After") == nil)
        let counts = try await harness.send("GET", "/_emulator/requests")
        #expect(counts.body?["throttled"]?["conditionalAccessAndIdentityProtection"]?.intValue ?? 0 >= 1)
        // One second later, one more request is admitted (1 request/s), and only one.
        time.advance(by: .seconds(1))
        #expect(try await harness.send("GET", "/v1.0/identity/conditionalAccess/policies", token: token).status == 200)
        #expect(try await harness.send("GET", "/v1.0/identity/conditionalAccess/policies", token: token).status == 429)
    }

    @Test func directoryThrottlingSendsRetryAfter() async throws {
        let time = ManualEmulatorClock()
        var configuration = EmulatorConfiguration(directoryRateLimit: 1, rateLimitBurst: 1)
        configuration.clock = time.clock
        let harness = try await Harness.start(configuration)
        let token = try await harness.token()
        _ = try await harness.send("GET", "/v1.0/users", token: token)
        let second = try await harness.send("GET", "/v1.0/users", token: token)
        #expect(second.status == 429)
        #expect(second.header("Retry-After") != nil)
        time.advance(by: .seconds(1))
        #expect(try await harness.send("GET", "/v1.0/users", token: token).status == 200)
    }

    @Test func batchLimitsDependenciesAndPerStepStatus() async throws {
        let harness = try await Harness.start()
        let token = try await harness.token()
        let tooMany: JSONValue = ["requests": .array((0..<21).map { ["id": .string("\($0)"), "method": "GET", "url": "/users"] })]
        #expect(try await harness.send("POST", "/v1.0/$batch", json: tooMany, token: token).status == 400)
        let batch: JSONValue = ["requests": [
            ["id": "1", "method": "GET", "url": "/users/00000000-0000-4000-8000-000000000404"],
            ["id": "2", "method": "GET", "url": "/identity/conditionalAccess/policies", "dependsOn": ["1"]],
            ["id": "3", "method": "GET", "url": "/identity/conditionalAccess/namedLocations"],
        ]]
        let reply = try await harness.send("POST", "/v1.0/$batch", json: batch, token: token)
        #expect(reply.status == 200)
        let byId = Dictionary(uniqueKeysWithValues: (reply.body?["responses"]?.arrayValue ?? []).map { ($0["id"]!.stringValue!, $0) })
        #expect(byId["1"]?["status"] == 404)
        #expect(byId["2"]?["status"] == 424)
        #expect(byId["3"]?["status"] == 200)
    }

    @Test func malformedAndOversizedBodies() async throws {
        let harness = try await Harness.start(EmulatorConfiguration(maximumRequestBodySize: 1024))
        let token = try await harness.token()
        let malformed = try await harness.send("POST", "/v1.0/identity/conditionalAccess/policies", rawBody: Data("{not json".utf8),
                                               headers: ["Content-Type": "application/json"], token: token)
        #expect(malformed.status == 400)
        #expect(malformed.errorCode == "BadRequest")
        let big = try await harness.send("POST", "/v1.0/identity/conditionalAccess/policies", rawBody: Data(repeating: 0x20, count: 4096),
                                         headers: ["Content-Type": "application/json"], token: token)
        #expect(big.status == 413)
    }

    @Test func replicationLagHidesNewObjectsById() async throws {
        let time = ManualEmulatorClock()
        var configuration = EmulatorConfiguration(replicationLag: .seconds(2))
        configuration.clock = time.clock
        let harness = try await Harness.start(configuration)
        let token = try await harness.token()
        let created = try await harness.send("POST", "/v1.0/identity/conditionalAccess/policies", json: ConditionalAccessTests.minimalPolicy, token: token)
        let id = try #require(created.body?["id"]?.stringValue)
        #expect(try await harness.send("GET", "/v1.0/identity/conditionalAccess/policies/\(id)", token: token).status == 404)
        #expect(try await harness.send("DELETE", "/v1.0/identity/conditionalAccess/policies/\(id)", token: token).status == 404)
        // Once the lag has passed (on the emulator's clock), the object is there.
        time.advance(by: .seconds(2))
        #expect(try await harness.send("GET", "/v1.0/identity/conditionalAccess/policies/\(id)", token: token).status == 200)
    }

    @Test func faultsAreDeterministicForASeed() async throws {
        func statuses(seed: UInt64) async throws -> [Int] {
            let harness = try await Harness.start(EmulatorConfiguration(faultRate: 0.5, faultSeed: seed))
            let token = try await harness.token()
            var result: [Int] = []
            for _ in 0..<12 {
                do { result.append(try await harness.send("GET", "/v1.0/identity/conditionalAccess/policies", token: token).status) }
                catch { result.append(-1) }  // dropped connection
            }
            return result
        }
        let first = try await statuses(seed: 42)
        #expect(first == (try await statuses(seed: 42)))
        #expect(first.contains { $0 != 200 })
    }

    @Test func stateFilePersistsAndReloads() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("emulator-state-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        let first = try await Harness.start(EmulatorConfiguration(stateFile: file))
        let token = try await first.token()
        let created = try await first.send("POST", "/v1.0/identity/conditionalAccess/policies", json: ConditionalAccessTests.minimalPolicy, token: token)
        let id = try #require(created.body?["id"]?.stringValue)
        await first.stop()
        let second = try await Harness.start(EmulatorConfiguration(stateFile: file))
        #expect(try await second.get("/v1.0/identity/conditionalAccess/policies/\(id)").status == 200)
        let state = try await second.send("GET", "/_emulator/state")
        #expect(state.body?["policies"]?.arrayValue?.count == 1)
    }
}
