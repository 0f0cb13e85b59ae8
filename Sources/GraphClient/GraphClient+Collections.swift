import Foundation
import GraphWire
import PolicyModel

/// What a write did, for the audit log: the request, its status and Graph's ids.
public struct GraphWriteReceipt: Sendable, Hashable, CustomStringConvertible {
    public var method: String
    /// Path relative to the version root, e.g. `/identity/conditionalAccess/policies/{id}`.
    public var path: String
    public var status: Int
    /// The affected object's id, when known.
    public var objectId: String?
    public var requestId: String?
    public var clientRequestId: String
    public var attempts: Int
    /// True when a write failed ambiguously and its effect was then found in place instead of being
    /// sent again: a create's object found by display name, a risk action's state read back.
    public var recoveredExisting: Bool

    public init(
        method: String, path: String, status: Int, objectId: String?, requestId: String?, clientRequestId: String, attempts: Int,
        recoveredExisting: Bool = false
    ) {
        self.method = method
        self.path = path
        self.status = status
        self.objectId = objectId
        self.requestId = requestId
        self.clientRequestId = clientRequestId
        self.attempts = attempts
        self.recoveredExisting = recoveredExisting
    }

    public var description: String {
        var text = "\(method) \(path) → \(status)"
        if let requestId { text += " (request-id \(requestId), client-request-id \(clientRequestId))" }
        if recoveredExisting { text += " [found existing after an ambiguous failure]" }
        return text
    }
}

/// The object a create returned (or found), and the receipt.
public struct CreateResult: Sendable {
    public var object: JSONValue
    public var receipt: GraphWriteReceipt

    public var id: String? { object["id"]?.stringValue }
}

extension GraphClient {
    // MARK: - Paging

    /// Every item of a collection: requests `path` with `query`, then follows `@odata.nextLink`
    /// verbatim until the last page.
    public func listAll(
        _ path: String, query: GraphQuery = GraphQuery(), version: GraphVersion, headers: [(String, String)] = []
    ) async throws(GraphError) -> [JSONValue] {
        var items: [JSONValue] = []
        try await forEachPage(path, query: query, version: version, headers: headers) { page in
            items += page.value
        }
        return items
    }

    /// Calls `body` with each page of a collection, in order.
    public func forEachPage(
        _ path: String, query: GraphQuery = GraphQuery(), version: GraphVersion, headers: [(String, String)] = [],
        _ body: (ODataPage) throws(GraphError) -> Void
    ) async throws(GraphError) {
        try await forEachPageWhile(path, query: query, version: version, headers: headers) { page throws(GraphError) in
            try body(page)
            return true
        }
    }

    /// Calls `body` with each page of a collection, in order, until it returns false (the next page
    /// is then not requested).
    public func forEachPageWhile(
        _ path: String, query: GraphQuery = GraphQuery(), version: GraphVersion, headers: [(String, String)] = [],
        _ body: (ODataPage) throws(GraphError) -> Bool
    ) async throws(GraphError) {
        var request = GraphRequest(method: "GET", path: query.apply(to: path), version: version, headers: headers)
        var seen: Set<String> = []
        while true {
            let response = try await send(request)
            guard let json = response.body, let page = ODataPage(json: json) else {
                throw GraphError(
                    kind: .invalidResponse, status: response.status, message: "expected a collection with a `value` array",
                    requestId: response.requestId, clientRequestId: response.clientRequestId, method: "GET",
                    path: request.absoluteURL.map(Self.displayPath(of:)) ?? "/\(version.rawValue)\(request.path)")
            }
            guard try body(page), let next = page.nextLink else { return }
            guard seen.insert(next).inserted else {
                throw GraphError(
                    kind: .invalidResponse, message: "the server repeated an @odata.nextLink; stopping to avoid a loop", method: "GET",
                    path: Self.displayPath(of: next))
            }
            request = GraphRequest(method: "GET", path: path, version: version, headers: headers, absoluteURL: next)
        }
    }

    // MARK: - Single objects

    /// `GET path` → the object. A 404 is retried for a while when `id` was just created by this client.
    public func getObject(_ path: String, query: GraphQuery = GraphQuery(), version: GraphVersion, id: String? = nil)
        async throws(GraphError) -> JSONValue
    {
        let request = GraphRequest(
            method: "GET", path: query.apply(to: path), version: version, retryNotFound: id.map(wasRecentlyCreated) ?? false)
        let response = try await send(request)
        guard let body = response.body else {
            throw GraphError(kind: .invalidResponse, status: response.status, message: "empty body", method: "GET", path: path)
        }
        return body
    }

    /// `PATCH path` with `body` (204). A 404 is retried for a while when `id` was just created.
    @discardableResult
    public func patch(_ path: String, body: JSONValue, version: GraphVersion, id: String? = nil) async throws(GraphError) -> GraphWriteReceipt {
        let request = GraphRequest(
            method: "PATCH", path: path, version: version, body: body, semantics: .write,
            retryNotFound: id.map(wasRecentlyCreated) ?? false)
        let response = try await send(request)
        return GraphWriteReceipt(
            method: "PATCH", path: path, status: response.status, objectId: id, requestId: response.requestId,
            clientRequestId: response.clientRequestId, attempts: response.attempts)
    }

    /// `DELETE path` (204). A 404 is retried for a while when `id` was just created.
    @discardableResult
    public func delete(_ path: String, version: GraphVersion, id: String? = nil) async throws(GraphError) -> GraphWriteReceipt {
        let request = GraphRequest(
            method: "DELETE", path: path, version: version, semantics: .write, retryNotFound: id.map(wasRecentlyCreated) ?? false)
        let response = try await send(request)
        return GraphWriteReceipt(
            method: "DELETE", path: path, status: response.status, objectId: id, requestId: response.requestId,
            clientRequestId: response.clientRequestId, attempts: response.attempts)
    }

    /// `POST path` for an action or function that is safe to repeat (e.g. `dismiss`, `getByIds`).
    public func postAction(_ path: String, body: JSONValue?, version: GraphVersion, semantics: GraphRequest.Semantics = .write)
        async throws(GraphError) -> GraphResponse
    {
        try await send(GraphRequest(method: "POST", path: path, version: version, body: body, semantics: semantics))
    }

    // MARK: - Creating without duplicates

    /// Creates an object in the collection at `path` so that faults never produce duplicates.
    ///
    /// The POST is never repeated blindly: after an ambiguous failure (dropped connection, timeout,
    /// 5xx) the collection is listed and, when an object named `displayName` exists, it is returned
    /// instead (``GraphWriteReceipt/recoveredExisting``); otherwise the POST is tried again after a
    /// backoff. 429 (not processed) is retried directly.
    public func createIfAbsent(path: String, body: JSONValue, displayName: String, version: GraphVersion)
        async throws(GraphError) -> CreateResult
    {
        let retry = configuration.retry
        var attempt = 0
        var waited: Swift.Duration = .zero
        while true {
            attempt += 1
            do throws(GraphError) {
                let response = try await send(GraphRequest(method: "POST", path: path, version: version, body: body, semantics: .create))
                guard let object = response.body else {
                    throw GraphError(
                        kind: .invalidResponse, status: response.status, message: "the create returned no object",
                        requestId: response.requestId, clientRequestId: response.clientRequestId, method: "POST",
                        path: "/\(version.rawValue)\(path)")
                }
                let id = object["id"]?.stringValue
                if let id { noteCreated(id) }
                return CreateResult(
                    object: object,
                    receipt: GraphWriteReceipt(
                        method: "POST", path: path, status: response.status, objectId: id, requestId: response.requestId,
                        clientRequestId: response.clientRequestId, attempts: attempt))
            } catch where error.kind == .ambiguousCreate {
                logger.debug(
                    "POST /\(version.rawValue)\(path) ambiguous (\(error.status.map(String.init) ?? error.message)); checking whether \"\(displayName)\" exists"
                )
                let delay = retry.backoff(afterAttempt: attempt, random: jitter.next())
                if attempt >= retry.maxAttempts || waited + delay > retry.maxTotalWait {
                    var exhausted = error
                    exhausted.kind = .retriesExhausted
                    exhausted.attempts = attempt
                    exhausted.hint = "the create may not have happened; nothing named \"\(displayName)\" was found afterwards"
                    throw exhausted
                }
                if delay > .zero {
                    try? await clock.sleep(for: delay)
                    waited += delay
                }
                let existing = try await listAll(path, version: version).filter { $0["displayName"]?.stringValue == displayName }
                if let found = existing.first {
                    let id = found["id"]?.stringValue
                    if let id { noteCreated(id) }
                    return CreateResult(
                        object: found,
                        receipt: GraphWriteReceipt(
                            method: "POST", path: path, status: 201, objectId: id, requestId: error.requestId,
                            clientRequestId: error.clientRequestId ?? "", attempts: attempt, recoveredExisting: true))
                }
            }
        }
    }

    // MARK: - Batching

    /// Sends `requests` with `$batch`: chunks of 20, at most ``GraphClientConfiguration/batchConcurrency``
    /// batches in flight, each sub-request paced by its service class, and sub-requests answered
    /// 429/503/504 sent again (honouring their `Retry-After`) within the retry policy's bounds.
    ///
    /// Sub-requests must be safe to repeat (reads, idempotent writes). Returns the final answer of
    /// every request, keyed by id; error statuses other than throttling are returned, not thrown.
    public func batch(_ requests: [BatchRequestItem], version: GraphVersion) async throws(GraphError) -> [String: BatchResponseItem] {
        let chunks = stride(from: 0, to: requests.count, by: 20).map { Array(requests[$0..<min($0 + 20, requests.count)]) }
        let concurrency = configuration.batchConcurrency
        let outcome: Result<[String: BatchResponseItem], GraphError> = await withTaskGroup(
            of: Result<[String: BatchResponseItem], GraphError>.self
        ) { group in
            var results: [String: BatchResponseItem] = [:]
            var next = 0
            var failure: GraphError?
            func addNext() {
                guard next < chunks.count else { return }
                let chunk = chunks[next]
                next += 1
                group.addTask {
                    do throws(GraphError) { return .success(try await self.sendBatchChunk(chunk, version: version)) } catch {
                        return .failure(error)
                    }
                }
            }
            for _ in 0..<min(concurrency, chunks.count) { addNext() }
            for await result in group {
                switch result {
                case .success(let answers): results.merge(answers) { _, new in new }
                case .failure(let error):
                    if failure == nil { failure = error }
                    group.cancelAll()
                }
                if failure == nil { addNext() }
            }
            if let failure { return .failure(failure) }
            return .success(results)
        }
        return try outcome.get()
    }

    private func sendBatchChunk(_ chunk: [BatchRequestItem], version: GraphVersion) async throws(GraphError) -> [String: BatchResponseItem] {
        let retry = configuration.retry
        var pending = chunk
        var results: [String: BatchResponseItem] = [:]
        var round = 0
        var waited: Swift.Duration = .zero
        while !pending.isEmpty {
            round += 1
            // The batch POST itself is paced as a directory request; each sub-request draws from its own class.
            for item in pending {
                let path = item.url.hasPrefix("/") ? item.url : "/" + item.url
                let serviceClass = GraphServiceClass(path: path)
                if serviceClass != .directory {
                    do { try await pacer.acquire(serviceClass) } catch {
                        throw GraphError(kind: .transport, message: "cancelled", method: "POST", path: "/\(version.rawValue)/$batch")
                    }
                }
            }
            let body: JSONValue = ["requests": .array(pending.map(\.json))]
            let semantics: GraphRequest.Semantics = pending.allSatisfy({ $0.method.uppercased() == "GET" }) ? .read : .write
            let response = try await send(GraphRequest(method: "POST", path: "/$batch", version: version, body: body, semantics: semantics))
            guard let answers = response.body?["responses"]?.arrayValue?.compactMap(BatchResponseItem.init(json:)) else {
                throw GraphError(
                    kind: .invalidResponse, status: response.status, message: "the $batch answer has no `responses`",
                    requestId: response.requestId, clientRequestId: response.clientRequestId, method: "POST", path: "/\(version.rawValue)/$batch")
            }
            var throttled: [BatchRequestItem] = []
            var retryAfter: Swift.Duration?
            for item in pending {
                guard let answer = answers.first(where: { $0.id.caseInsensitiveCompare(item.id) == .orderedSame }) else {
                    throttled.append(item)
                    continue
                }
                // Count sub-responses like top-level ones so statistics show throttling inside batches.
                recordSubStatus(answer.status)
                if [429, 503, 504].contains(answer.status) {
                    throttled.append(item)
                    let header = answer.headers.first { $0.key.caseInsensitiveCompare("Retry-After") == .orderedSame }?.value
                    if let after = retry.retryAfter(header, now: now()) { retryAfter = max(retryAfter ?? .zero, after) }
                } else {
                    results[item.id] = answer
                }
            }
            guard !throttled.isEmpty else { break }
            let delay = retryAfter ?? retry.backoff(afterAttempt: round, random: jitter.next())
            if round >= retry.maxAttempts || waited + delay > retry.maxTotalWait {
                throw GraphError(
                    kind: .retriesExhausted, status: 429,
                    message: "\(throttled.count) $batch sub-request(s) still throttled (first: \(throttled[0].method) \(throttled[0].url))",
                    requestId: response.requestId, clientRequestId: response.clientRequestId, method: "POST",
                    path: "/\(version.rawValue)/$batch", attempts: round)
            }
            logger.debug("$batch: \(throttled.count) sub-request(s) throttled; retrying in \(TokenAcquirer.milliseconds(delay)) ms")
            do { try await clock.sleep(for: delay) } catch {
                throw GraphError(kind: .transport, message: "cancelled", method: "POST", path: "/\(version.rawValue)/$batch")
            }
            waited += delay
            pending = throttled
        }
        return results
    }
}
