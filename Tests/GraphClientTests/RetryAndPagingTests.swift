import Foundation
import GraphClient
import GraphWire
import PolicyModel
import Synchronization
import Testing

@Suite struct RetryTests {
    let policies = "/identity/conditionalAccess/policies"

    @Test func retryAfterIsHonoured() async throws {
        let transport = ScriptedTransport(sequence: [
            graphError(429, code: "TooManyRequests", headers: [("Retry-After", "7")]),
            json(200, ["value": []]),
        ])
        let clock = VirtualClock()
        let client = makeClient(transport, clock: clock)
        let items = try await client.listAll(policies, version: .beta)
        #expect(items.isEmpty)
        #expect(transport.requests.count == 2)
        #expect(clock.sleeps == [.seconds(7)])
    }

    @Test func exponentialBackoffWithoutRetryAfter() async throws {
        let transport = ScriptedTransport(sequence: [
            graphError(429, code: "TooManyRequests"), graphError(429, code: "TooManyRequests"),
            graphError(503, code: "ServiceUnavailable"), json(200, ["value": [["id": "a"]]]),
        ])
        let clock = VirtualClock()
        let client = makeClient(transport, clock: clock)
        let items = try await client.listAll(policies, version: .beta)
        #expect(items.count == 1)
        #expect(clock.sleeps == [.seconds(1), .seconds(2), .seconds(4)])
        #expect(client.statistics.throttled == 2)
        #expect(client.statistics.retries == 3)
    }

    @Test func jitterStretchesDelays() {
        let policy = RetryPolicy(baseDelay: .seconds(1), maxDelay: .seconds(8), jitter: 0.5)
        #expect(policy.backoff(afterAttempt: 1, random: 0) == .seconds(1))
        #expect(policy.backoff(afterAttempt: 1, random: 1) == .milliseconds(1500))
        #expect(policy.backoff(afterAttempt: 10, random: 0) == .seconds(8))
        #expect(policy.retryAfter("3") == .seconds(3))
        #expect(policy.retryAfter("junk") == nil)
    }

    @Test(arguments: [400, 403, 404, 409])
    func noRetryOnOtherClientErrors(status: Int) async throws {
        let transport = ScriptedTransport(sequence: [graphError(status, code: "Authorization_RequestDenied", message: "Insufficient privileges")])
        let clock = VirtualClock()
        let client = makeClient(transport, clock: clock)
        let error = await #expect(throws: GraphError.self) { try await client.listPolicies() }
        #expect(transport.requests.count == 1)
        #expect(clock.sleeps.isEmpty)
        #expect(error?.kind == .service)
        #expect(error?.status == status)
        #expect(error?.code == "Authorization_RequestDenied")
        #expect(error?.requestId == "req-1")
        let line = error?.description ?? ""
        #expect(line.hasPrefix("GET /beta/identity/conditionalAccess/policies: \(status) Authorization_RequestDenied: Insufficient privileges"))
        #expect(line.contains("request-id req-1"))
        #expect(!line.contains("\n"))
        #expect(!line.contains("test-token-value"))
    }

    @Test func givesUpWithinTheBoundAndNamesTheLastResponse() async throws {
        let transport = ScriptedTransport(sequence: [graphError(503, code: "ServiceUnavailable", message: "try later", requestId: "last")])
        let clock = VirtualClock()
        let retry = RetryPolicy(maxAttempts: 50, baseDelay: .seconds(1), maxDelay: .seconds(8), maxTotalWait: .seconds(20))
        let client = makeClient(transport, clock: clock, retry: retry)
        let error = await #expect(throws: GraphError.self) { try await client.listPolicies() }
        #expect(error?.kind == .retriesExhausted)
        #expect(error?.status == 503)
        #expect(clock.totalSlept <= .seconds(20))
        // 1 + 2 + 4 + 8 = 15 s waited; the next 8 s would exceed 20 s.
        #expect(transport.requests.count == 5)
        let line = error?.description ?? ""
        #expect(line.contains("GET /beta/identity/conditionalAccess/policies"))
        #expect(line.contains("gave up after 5 attempts"))
        #expect(line.contains("503 ServiceUnavailable: try later"))
        #expect(line.contains("request-id last"))
    }

    @Test func connectionFailuresAreRetried() async throws {
        let transport = ScriptedTransport(sequence: [
            .failure(TransportError(kind: .connectionFailed, message: "refused")),
            .failure(TransportError(kind: .ambiguous, message: "reset")),
            json(200, ["value": []]),
        ])
        let client = makeClient(transport)
        _ = try await client.listPolicies()
        #expect(transport.requests.count == 3)
    }

    @Test func serverErrorsGetFewAttempts() async throws {
        let transport = ScriptedTransport(sequence: [graphError(500, code: "InternalServerError")])
        let client = makeClient(transport, retry: RetryPolicy(maxAttemptsOnServerError: 2))
        let error = await #expect(throws: GraphError.self) { try await client.listPolicies() }
        #expect(error?.status == 500)
        #expect(transport.requests.count == 2)
    }

    @Test func everyRequestCarriesTheRequiredHeaders() async throws {
        let transport = ScriptedTransport(sequence: [json(200, ["value": []])])
        let client = makeClient(transport)
        _ = try await client.listPolicies()
        let request = try #require(transport.requests.first)
        #expect(request.header("Prefer") == "include-unknown-enum-members")
        #expect(request.header("Authorization") == "Bearer test-token-value")
        #expect(UUID(uuidString: request.header("client-request-id") ?? "") != nil)
        #expect(request.url == "http://127.0.0.1:9/beta/identity/conditionalAccess/policies")
    }

    @Test func unauthorizedRefreshesTheTokenOnce() async throws {
        let transport = ScriptedTransport(sequence: [graphError(401, code: "InvalidAuthenticationToken"), json(200, ["value": []])])
        let client = makeClient(transport)
        _ = try await client.listPolicies()
        #expect(transport.requests.count == 2)
    }

    @Test func replicationLagNotFoundIsRetriedOnlyForFreshObjects() async throws {
        // create → 201; get → 404, 404, 200.
        let transport = ScriptedTransport { request, index in
            switch index {
            case 0: return json(201, ["id": "new-id", "displayName": "P"])
            case 1, 2: return graphError(404, code: "ResourceNotFound")
            default: return json(200, ["id": "new-id", "displayName": "P"])
            }
        }
        let clock = VirtualClock()
        let client = makeClient(transport, clock: clock)
        let created = try await client.createPolicy(["displayName": "P", "state": "disabled"])
        #expect(created.id == "new-id")
        let fetched = try await client.getPolicy(id: "new-id")
        #expect(fetched["id"] == "new-id")
        #expect(transport.requests.count == 4)

        // An id this client did not just create: 404 is final.
        let other = ScriptedTransport(sequence: [graphError(404, code: "ResourceNotFound")])
        let error = await #expect(throws: GraphError.self) { try await makeClient(other).getPolicy(id: "old") }
        #expect(error?.isNotFound == true)
        #expect(other.requests.count == 1)
    }

    @Test func deleteAfterAmbiguousFailureTreats404AsDone() async throws {
        let transport = ScriptedTransport(sequence: [
            .failure(TransportError(kind: .ambiguous, message: "connection reset")),
            graphError(404, code: "ResourceNotFound"),
        ])
        let receipt = try await makeClient(transport).deletePolicy(id: "x")
        #expect(receipt.status == 204)
    }
}

@Suite struct CreateWithoutDuplicatesTests {
    @Test func ambiguousCreateFindsTheObjectInsteadOfPostingAgain() async throws {
        // The POST is processed but the connection drops before the answer.
        let transport = ScriptedTransport { request, index in
            if request.method == "POST" { return .failure(TransportError(kind: .ambiguous, message: "connection reset by peer")) }
            return json(200, ["value": [["id": "p1", "displayName": "Other"], ["id": "p2", "displayName": "Require MFA"]]])
        }
        let client = makeClient(transport)
        let result = try await client.createPolicy(["displayName": "Require MFA", "state": "enabled"])
        #expect(result.id == "p2")
        #expect(result.receipt.recoveredExisting)
        #expect(transport.requests.filter { $0.method == "POST" }.count == 1)
    }

    @Test func ambiguousCreateThatDidNotHappenIsPostedAgain() async throws {
        let transport = ScriptedTransport { request, index in
            let posts = index  // requests so far
            if request.method == "POST" {
                return posts == 0 ? graphError(503, code: "ServiceUnavailable") : json(201, ["id": "p9", "displayName": "Block legacy"])
            }
            return json(200, ["value": []])
        }
        let client = makeClient(transport)
        let result = try await client.createPolicy(["displayName": "Block legacy"])
        #expect(result.id == "p9")
        #expect(!result.receipt.recoveredExisting)
        #expect(transport.requests.map(\.method) == ["POST", "GET", "POST"])
    }

    @Test func throttledCreateIsRetriedDirectly() async throws {
        let transport = ScriptedTransport(sequence: [graphError(429, code: "TooManyRequests"), json(201, ["id": "n1", "displayName": "L"])])
        let result = try await makeClient(transport).createNamedLocation(["@odata.type": "#microsoft.graph.ipNamedLocation", "displayName": "L"])
        #expect(result.id == "n1")
        #expect(transport.requests.map(\.method) == ["POST", "POST"])
    }
}

@Suite struct PagingAndBatchTests {
    @Test func followsNextLinkVerbatim() async throws {
        let next1 = "http://127.0.0.1:9/v1.0/users?$top=2&$skiptoken=ABC%3D%3D"
        let next2 = "http://127.0.0.1:9/v1.0/users?$top=2&$skiptoken=DEF"
        let transport = ScriptedTransport(sequence: [
            json(200, ["value": [["id": "1"], ["id": "2"]], "@odata.nextLink": .string(next1)]),
            json(200, ["value": [["id": "3"], ["id": "4"]], "@odata.nextLink": .string(next2)]),
            json(200, ["value": [["id": "5"]]]),
        ])
        let client = makeClient(transport)
        let items = try await client.listAll("/users", query: GraphQuery(select: ["id"], top: 2), version: .v1)
        #expect(items.compactMap { $0["id"]?.stringValue } == ["1", "2", "3", "4", "5"])
        #expect(transport.requests.map(\.url) == ["http://127.0.0.1:9/v1.0/users?$select=id&$top=2", next1, next2])
    }

    @Test func refusesNextLinkToAnotherHost() async throws {
        let transport = ScriptedTransport(sequence: [
            json(200, ["value": [], "@odata.nextLink": "https://evil.example/v1.0/users?$skiptoken=x"])
        ])
        let error = await #expect(throws: GraphError.self) { try await makeClient(transport).listAll("/users", version: .v1) }
        #expect(error?.kind == .invalidResponse)
        #expect(transport.requests.count == 1)
    }

    @Test func queryIsEncoded() {
        let query = GraphQuery(filter: GraphQuery.inList("userPrincipalName", ["a@b.com", "o'brien@b.com"]), select: ["id", "displayName"], top: 999)
        #expect(query.encoded == "$filter=userPrincipalName%20in%20('a%40b.com','o''brien%40b.com')&$select=id,displayName&$top=999")
    }

    @Test func batchesInChunksOfTwentyAndRetriesThrottledItems() async throws {
        let throttledOnce = Mutex<Set<String>>([])
        let transport = ScriptedTransport { request, _ in
            let body = try! JSONDecoder().decode(JSONValue.self, from: request.body ?? Data())
            let items = body["requests"]?.arrayValue?.compactMap(BatchRequestItem.init(json:)) ?? []
            let responses: [JSONValue] = items.map { item in
                // Every item whose id ends in 7 is throttled the first time it is seen.
                if item.id.hasSuffix("7"), throttledOnce.withLock({ $0.insert(item.id).inserted }) {
                    return BatchResponseItem(id: item.id, status: 429, headers: ["Retry-After": "3"]).json
                }
                return BatchResponseItem(id: item.id, status: 200, body: ["id": .string(item.id)]).json
            }
            return json(200, ["responses": .array(responses.reversed())])
        }
        let clock = VirtualClock()
        let client = makeClient(transport, clock: clock)
        let items = (1...45).map { BatchRequestItem(id: String($0), method: "GET", url: "/users/u\($0)") }
        let answers = try await client.batch(items, version: .v1)
        #expect(answers.count == 45)
        #expect(answers.values.allSatisfy { $0.status == 200 })
        let sizes = transport.requests.map { request in
            (try! JSONDecoder().decode(JSONValue.self, from: request.body!))["requests"]!.arrayValue!.count
        }
        // Three chunks (20, 20, 5) plus retries of the throttled ids 7/17 (chunk 1), 27/37 (chunk 2).
        #expect(sizes.filter { $0 == 20 }.count == 2)
        #expect(sizes.contains(5))
        #expect(sizes.filter { $0 == 2 }.count == 2)
        #expect(sizes.allSatisfy { $0 <= 20 })
        #expect(transport.requests.allSatisfy { $0.url == "http://127.0.0.1:9/v1.0/$batch" })
        #expect(clock.sleeps.contains(.seconds(3)))
    }
}

@Suite struct PacingTests {
    @Test func conditionalAccessIsPacedAtOneRequestPerSecond() async throws {
        let clock = VirtualClock()
        let pacer = Pacer(configuration: .graphDefaults, clock: clock)
        var grants: [Swift.Duration] = []
        for _ in 0..<5 {
            try await pacer.acquire(.conditionalAccess)
            grants.append(clock.now())
        }
        for (a, b) in zip(grants, grants.dropFirst()) { #expect(b - a >= .seconds(1)) }
        // Identity Protection shares the bucket.
        try await pacer.acquire(.identityProtection)
        #expect(clock.now() - grants.last! >= .seconds(1))
    }

    @Test func directoryIsGenerous() async throws {
        let clock = VirtualClock()
        let pacer = Pacer(configuration: .graphDefaults, clock: clock)
        for _ in 0..<40 { try await pacer.acquire(.directory) }
        #expect(clock.totalSlept == .zero)
    }

    @Test func serviceClassesFromPaths() {
        #expect(GraphServiceClass(path: "/identity/conditionalAccess/policies") == .conditionalAccess)
        #expect(GraphServiceClass(path: "/identityProtection/riskyUsers?$top=500") == .identityProtection)
        #expect(GraphServiceClass(path: "/users?$filter=x") == .directory)
    }

    @Test func throttlingHoldsThePacedClass() async throws {
        let clock = VirtualClock()
        let transport = ScriptedTransport(sequence: [graphError(429, code: "TooManyRequests"), json(200, ["value": []])])
        let client = makeClient(transport, clock: clock, pacing: .graphDefaults)
        _ = try await client.listPolicies()
        // The backoff (1 s) is served by the pacer, plus at most one pacing interval.
        #expect(clock.totalSlept >= .seconds(1))
        #expect(clock.totalSlept <= .milliseconds(2300))
        #expect(client.statistics.backoff == .seconds(1))
        // The next request of the class also respects the hold: nothing is sent early.
        let before = clock.now()
        _ = try await client.listRiskyUsers()
        #expect(clock.now() - before >= .seconds(1))
    }

    @Test func concurrentRequestsQueueBehindEachOther() async throws {
        let clock = VirtualClock()
        let transport = ScriptedTransport(sequence: [json(200, ["value": []])])
        let client = makeClient(transport, clock: clock, pacing: .graphDefaults)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 { group.addTask { _ = try await client.listPolicies() } }
            try await group.waitForAll()
        }
        #expect(transport.requests.count == 4)
        // Three waits of at least one second each were reserved.
        #expect(clock.sleeps.filter { $0 >= .seconds(1) }.count >= 3)
    }
}

/// A risk action whose answer was lost is read back, not repeated blindly: Graph's risk history
/// would show a repeated action twice (README, "Guarantees").
@Suite struct RiskActionsWithoutRepeatsTests {
    /// Answers POST actions with `action`, and `$batch` reads of risky users with `states` (id → riskState).
    static func transport(states: [String: String], action: @escaping @Sendable (Int) -> Result<HTTPResponse, TransportError>) -> ScriptedTransport {
        let posts = Mutex(0)
        return ScriptedTransport { request, _ in
            if request.url.hasSuffix("/$batch") {
                let body = (try? JSONValue.parse(request.body ?? Data())) ?? .null
                let items = body["requests"]?.arrayValue?.compactMap(BatchRequestItem.init(json:)) ?? []
                let responses: [JSONValue] = items.map { item in
                    let id = String(item.url.split(separator: "/").last ?? "")
                    guard let state = states[id] else { return BatchResponseItem(id: item.id, status: 404).json }
                    return BatchResponseItem(id: item.id, status: 200, body: ["id": .string(id), "riskState": .string(state)]).json
                }
                return json(200, ["responses": .array(responses)])
            }
            let index = posts.withLock { count in
                count += 1
                return count - 1
            }
            return action(index)
        }
    }

    static func userIds(_ request: HTTPRequest) -> [String] {
        ((try? JSONValue.parse(request.body ?? Data()))?["userIds"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    @Test func aLostAnswerIsReadBackAndOnlyTheUsersNotYetConfirmedAreSentAgain() async throws {
        // The first POST is applied for u1 only (as far as the read-back shows), then the connection drops.
        let transport = Self.transport(states: ["u1": "confirmedCompromised", "u2": "atRisk"]) { index in
            index == 0 ? .failure(TransportError(kind: .ambiguous, message: "connection reset by peer")) : .success(HTTPResponse(status: 204))
        }
        let receipts = try await makeClient(transport).confirmCompromised(userIds: ["u1", "u2"])
        let posts = transport.requests.filter { $0.method == "POST" && !$0.url.hasSuffix("/$batch") }
        #expect(posts.map(Self.userIds) == [["u1", "u2"], ["u2"]])
        let objects = receipts.map { (receipt: GraphWriteReceipt) in receipt.objectId ?? "" }
        let recovered = receipts.map { (receipt: GraphWriteReceipt) in receipt.recoveredExisting }
        #expect(objects == ["u1", "u2"])
        #expect(recovered == [true, false])
    }

    @Test func aLostAnswerWhoseEffectIsInPlaceIsNotSentAgain() async throws {
        let transport = Self.transport(states: ["u1": "dismissed", "u2": "dismissed"]) { _ in graphError(500, code: "InternalServerError") }
        let receipts = try await makeClient(transport).dismiss(userIds: ["u1", "u2"])
        #expect(transport.requests.filter { $0.method == "POST" && !$0.url.hasSuffix("/$batch") }.count == 1)
        #expect(receipts.count == 1)
        #expect(receipts.first?.recoveredExisting == true)
        #expect(receipts.first?.objectId == "u1,u2")
    }

    @Test func anActionThatNeverTakesEffectGivesUpNamingTheUsers() async throws {
        let transport = Self.transport(states: ["u1": "atRisk"]) { _ in graphError(503, code: "ServiceUnavailable") }
        var retry = RetryPolicy.default
        retry.maxAttempts = 3
        let client = makeClient(transport, retry: retry)
        let error = await #expect(throws: GraphError.self) { try await client.confirmCompromised(userIds: ["u1"]) }
        #expect(error?.kind == .retriesExhausted)
        #expect(error?.hint?.contains("the action may not have happened for: u1") == true, "\(String(describing: error?.hint))")
        let posts = transport.requests.filter { $0.method == "POST" && !$0.url.hasSuffix("/$batch") }
        #expect(posts.count == 3)
    }

    @Test func throttledActionsAreRepeatedDirectly() async throws {
        // A 429 was not processed: no read-back is needed.
        let transport = Self.transport(states: [:]) { index in
            index == 0 ? graphError(429, code: "TooManyRequests") : .success(HTTPResponse(status: 204))
        }
        let receipts = try await makeClient(transport).confirmServicePrincipalsCompromised(ids: ["sp1"])
        #expect(transport.requests.map(\.method) == ["POST", "POST"])
        let recovered = receipts.map { (receipt: GraphWriteReceipt) in receipt.recoveredExisting }
        #expect(recovered == [false])
    }
}
