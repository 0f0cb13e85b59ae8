import Foundation
import GraphWire
import Logging
import PolicyModel
import Synchronization

/// Settings of a ``GraphClient``.
public struct GraphClientConfiguration: Sendable {
    /// Hosts to call.
    public var endpoints: GraphEndpoints
    /// The version for conditional access objects (policies, named locations, strengths, contexts).
    /// Beta by default: v1.0 hides policies that use beta-only features.
    public var conditionalAccessVersion: GraphVersion
    /// The version for directory, Identity Protection and other calls.
    public var directoryVersion: GraphVersion
    /// Client-side pacing per service class.
    public var pacing: PacingConfiguration
    /// Retry behaviour.
    public var retry: RetryPolicy
    /// Per-attempt timeout.
    public var requestTimeout: Swift.Duration
    /// How many `$batch` requests may be in flight at once.
    public var batchConcurrency: Int
    /// The `User-Agent` sent with every request.
    public var userAgent: String

    public init(
        endpoints: GraphEndpoints = GraphEndpoints(), conditionalAccessVersion: GraphVersion = .beta,
        directoryVersion: GraphVersion = .v1, pacing: PacingConfiguration = .graphDefaults, retry: RetryPolicy = .default,
        requestTimeout: Swift.Duration = .seconds(100), batchConcurrency: Int = 4, userAgent: String = "entraform"
    ) {
        self.endpoints = endpoints
        self.conditionalAccessVersion = conditionalAccessVersion
        self.directoryVersion = directoryVersion
        self.pacing = pacing
        self.retry = retry
        self.requestTimeout = requestTimeout
        self.batchConcurrency = max(1, batchConcurrency)
        self.userAgent = userAgent
    }
}

/// Counters of what the client sent and received (benchmarks, tests and `--debug` summaries).
public struct GraphRequestStatistics: Sendable, Hashable {
    /// HTTP attempts sent to Graph (token requests excluded).
    public var attempts = 0
    /// Attempts that were retries.
    public var retries = 0
    /// Responses by status.
    public var statuses: [Int: Int] = [:]
    /// Attempts that got no response.
    public var transportFailures = 0
    /// Total time slept in backoff.
    public var backoff: Swift.Duration = .zero

    /// How many 429 responses arrived (including inside `$batch`).
    public var throttled: Int { statuses[429, default: 0] }
}

/// Counts the attempts sent by one part of a command while other parts send theirs beside it: the
/// client records each attempt in the tally of the task that sends it (``current``, task-local, so
/// child tasks and `async let`s inherit it), besides the client-wide ``GraphRequestStatistics``.
public final class GraphRequestTally: Sendable {
    private let count = Mutex(0)

    public init() {}

    /// Attempts recorded so far.
    public var attempts: Int { count.withLock { $0 } }

    func record() { count.withLock { $0 += 1 } }

    /// The tally the current task's requests count in (none by default).
    @TaskLocal public static var current: GraphRequestTally?
}

/// The Microsoft Graph client: authentication, pacing, retries, paging and batching over an
/// ``HTTPTransport``, plus a typed API for conditional access, the directory and Identity
/// Protection (see the `GraphClient+…` files).
///
/// Never logs or prints tokens, secrets, assertions or `Authorization` headers; `--debug` logging
/// (swift-log, level `.debug`) shows method, path, status, duration and request ids.
public final class GraphClient: Sendable {
    public let configuration: GraphClientConfiguration
    let transport: any HTTPTransport
    let tokens: any TokenProviding
    let pacer: Pacer
    let clock: any GraphClock
    let jitter: JitterSource
    let logger: Logger
    let now: @Sendable () -> Date
    private let stats = Mutex(GraphRequestStatistics())
    /// Ids this client created, with when: a 404 on them soon after is replication lag.
    private let recentlyCreated = Mutex<[String: Swift.Duration]>([:])

    /// - Parameters:
    ///   - tokens: where tokens come from (usually a ``TokenCache`` over a ``TokenAcquirer``).
    ///   - clock: pacing and backoff time; inject a ``VirtualClock`` in tests.
    ///   - jitter: backoff jitter source.
    public init(
        configuration: GraphClientConfiguration, transport: any HTTPTransport, tokens: any TokenProviding,
        clock: any GraphClock = SystemClock(), jitter: JitterSource = .system,
        logger: Logger = Logger(label: "entraform.graph"), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.transport = transport
        self.tokens = tokens
        self.clock = clock
        self.jitter = jitter
        self.logger = logger
        self.now = now
        self.pacer = Pacer(configuration: configuration.pacing, clock: clock)
    }

    /// A client that authenticates with `credential` (tokens cached and refreshed before expiry).
    public convenience init(
        credential: Credential, configuration: GraphClientConfiguration, transport: any HTTPTransport,
        clock: any GraphClock = SystemClock(), jitter: JitterSource = .system, logger: Logger = Logger(label: "entraform.graph"),
        deviceCodePrompt: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        let acquirer = TokenAcquirer(
            credential: credential, endpoints: configuration.endpoints, transport: transport, clock: clock, logger: logger,
            prompt: deviceCodePrompt)
        self.init(configuration: configuration, transport: transport, tokens: TokenCache(acquirer: acquirer), clock: clock, jitter: jitter, logger: logger)
    }

    /// What was sent and received so far.
    public var statistics: GraphRequestStatistics { stats.withLock { $0 } }

    /// The claims of the access token in use (fetching one if needed), read without verification:
    /// who is acting, for audit trails. Nil when no token can be had.
    public func accessTokenClaims() async -> UnverifiedJWTClaims? {
        try? await tokens.token(forceRefresh: false).claims
    }

    // MARK: - Sending

    /// Sends one request with pacing, authentication and retries, and returns the successful answer.
    ///
    /// - Throws: ``GraphError``: `.service` for non-retried error statuses, `.retriesExhausted` when
    ///   the bounded wait ran out, `.ambiguousCreate` when a create may or may not have happened,
    ///   `.transport`, `.authentication`, `.invalidResponse`.
    public func send(_ request: GraphRequest) async throws(GraphError) -> GraphResponse {
        let url = request.absoluteURL ?? configuration.endpoints.url(version: request.version, path: request.path)
        let displayPath = Self.displayPath(of: url)
        guard configuration.endpoints.isGraphURL(url) else {
            throw GraphError(
                kind: .invalidResponse, message: "refusing to send a token to \(displayPath): not under \(configuration.endpoints.graphURL)",
                method: request.method, path: displayPath)
        }
        let serviceClass = GraphServiceClass(path: Self.versionRelativePath(url, graphURL: configuration.endpoints.graphURL))
        let clientRequestId = UUID().uuidString.lowercased()
        let body = request.body.map { $0.serialized() }
        let retry = configuration.retry

        var attempt = 0
        var waited: Swift.Duration = .zero
        var refreshedToken = false
        var firstNotFound: Swift.Duration?
        var hadAmbiguousFailure = false
        var lastProblem: GraphError?
        var replicationRetries = 0

        while true {
            attempt += 1
            do { try await pacer.acquire(serviceClass) } catch {
                throw GraphError(kind: .transport, message: "cancelled", method: request.method, path: displayPath, attempts: attempt)
            }
            let token = try await tokens.token(forceRefresh: false)
            var headers: [(String, String)] = [
                ("Authorization", "Bearer \(token.value)"),
                ("Accept", "application/json"),
                ("Prefer", "include-unknown-enum-members"),
                ("client-request-id", clientRequestId),
                ("return-client-request-id", "true"),
                ("User-Agent", configuration.userAgent),
            ]
            if body != nil { headers.append(("Content-Type", "application/json")) }
            headers += request.headers
            let outgoing = HTTPRequest(method: request.method, url: url, headers: headers, body: body)
            let started = clock.now()
            stats.withLock {
                $0.attempts += 1
                if attempt > 1 { $0.retries += 1 }
            }
            GraphRequestTally.current?.record()

            let outcome: Result<HTTPResponse, TransportError>
            do throws(TransportError) {
                outcome = .success(try await transport.send(outgoing, timeout: configuration.requestTimeout))
            } catch {
                outcome = .failure(error)
            }
            let nowTime = clock.now()
            let state = RetryState(attempt: attempt, refreshedToken: refreshedToken, hadAmbiguousFailure: hadAmbiguousFailure,
                                   sinceFirstNotFound: firstNotFound.map { nowTime - $0 }, replicationRetries: replicationRetries,
                                   waited: waited)
            let decision: RetryDecision
            var response: HTTPResponse?
            switch outcome {
            case .success(let answer):
                response = answer
                stats.withLock { $0.statuses[answer.status, default: 0] += 1 }
                logger.debug(
                    "\(request.method) \(displayPath) → \(answer.status) in \(TokenAcquirer.milliseconds(nowTime - started)) ms",
                    metadata: [
                        "request-id": "\(answer.header("request-id") ?? "-")", "client-request-id": "\(clientRequestId)",
                        "attempt": "\(attempt)", "class": "\(serviceClass.rawValue)",
                    ])
                if !(200..<300).contains(answer.status) {
                    lastProblem = GraphError.fromResponse(
                        answer, method: request.method, path: displayPath, clientRequestId: clientRequestId, attempts: attempt)
                }
                decision = retry.decide(.response(status: answer.status, retryAfter: answer.header("Retry-After")), for: request,
                                        state: state, now: now(), random: jitter.next())
            case .failure(let error):
                stats.withLock { $0.transportFailures += 1 }
                logger.debug(
                    "\(request.method) \(displayPath) failed: \(error.message)",
                    metadata: ["client-request-id": "\(clientRequestId)", "attempt": "\(attempt)", "class": "\(serviceClass.rawValue)"])
                lastProblem = GraphError(
                    kind: .transport, message: error.message, clientRequestId: clientRequestId, method: request.method,
                    path: displayPath, attempts: attempt)
                if error.kind == .ambiguous { hadAmbiguousFailure = true }
                decision = retry.decide(.transportFailure(error.kind), for: request, state: state, now: now(), random: jitter.next())
            }

            // Perform the decision.
            let problem = lastProblem ?? GraphError(kind: .retriesExhausted, message: "no response")
            switch decision {
            case .succeed, .succeedAsDeleted:
                guard let answer = response else { throw problem }
                return try Self.answer(answer, deleted: decision == .succeedAsDeleted, request: request, displayPath: displayPath,
                                       clientRequestId: clientRequestId, attempt: attempt)
            case .fail:
                throw problem
            case .failAsAmbiguousCreate:
                throw Self.ambiguous(problem)
            case .failNotFoundAfterReplicationWindow:
                var notFound = problem
                if attempt > 1, let first = firstNotFound {
                    notFound.hint = "still not found \(Int(Pacer.seconds(nowTime - first)))s after it was created (replication lag window)"
                }
                throw notFound
            case .failRetriesExhausted:
                throw exhausted(problem, attempt: attempt, waited: waited, clientRequestId: clientRequestId)
            case .refreshTokenAndRetry:
                refreshedToken = true
                _ = try await tokens.token(forceRefresh: true)
            case .retry(let delay, let throttled, let replicationLag):
                if replicationLag {
                    firstNotFound = firstNotFound ?? nowTime
                    replicationRetries += 1
                }
                // When the class is paced, a 429's wait happens in the pacer (the retry's slot comes after
                // the hold) so that concurrent requests of the class wait with it.
                let heldInPacer = throttled ? await pacer.holdOff(serviceClass, for: delay) : false
                if delay > .zero, !heldInPacer {
                    do { try await clock.sleep(for: delay) } catch {
                        throw GraphError(kind: .transport, message: "cancelled", method: request.method, path: displayPath, attempts: attempt)
                    }
                }
                if delay > .zero {
                    waited += delay
                    stats.withLock { $0.backoff += delay }
                }
            }
        }
    }

    /// A successful answer: its JSON body (none for an empty one), or the `204` of a delete that an
    /// earlier, unanswered attempt already did.
    private static func answer(_ response: HTTPResponse, deleted: Bool, request: GraphRequest, displayPath: String,
                               clientRequestId: String, attempt: Int) throws(GraphError) -> GraphResponse {
        let requestId = response.header("request-id")
        if deleted {
            return GraphResponse(status: 204, body: nil, requestId: requestId, clientRequestId: clientRequestId, attempts: attempt,
                                 headers: response.headers)
        }
        let json: JSONValue?
        if response.body.isEmpty || response.body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D }) {
            json = nil
        } else if let decoded = try? JSONValue.parse(response.body) {
            json = decoded
        } else {
            throw GraphError(
                kind: .invalidResponse, status: response.status, message: "the response body is not JSON", requestId: requestId,
                clientRequestId: clientRequestId, method: request.method, path: displayPath, attempts: attempt)
        }
        return GraphResponse(status: response.status, body: json, requestId: requestId, clientRequestId: clientRequestId, attempts: attempt,
                             headers: response.headers)
    }

    /// The error for a request whose retries ran out, with a hint at why.
    private func exhausted(_ problem: GraphError, attempt: Int, waited: Swift.Duration, clientRequestId: String) -> GraphError {
        var exhausted = problem
        exhausted.kind = .retriesExhausted
        exhausted.attempts = attempt
        exhausted.clientRequestId = clientRequestId
        if exhausted.hint == nil {
            let waitedText = String(format: "%.1f", Pacer.seconds(waited))
            switch exhausted.status {
            case 429?:
                exhausted.hint = "still throttled after waiting \(waitedText)s in total; another client may share the tenant's 1 request/s limit — try again later"
            case .some:
                exhausted.hint = "Graph stayed unavailable for \(waitedText)s of retries; try again later"
            case nil:
                exhausted.hint = "no answer after \(waitedText)s of retries; check the network path to \(configuration.endpoints.graphURL)"
            }
        }
        return exhausted
    }

    private static func ambiguous(_ problem: GraphError) -> GraphError {
        var error = problem
        error.kind = .ambiguousCreate
        return error
    }

    /// `/beta/identity/...?$top=5` from an absolute URL.
    static func displayPath(of url: String) -> String {
        guard let components = URLComponents(string: url) else { return url }
        var path = components.percentEncodedPath
        if let query = components.percentEncodedQuery { path += "?" + query }
        return path
    }

    /// `/identity/...` from `https://graph…/beta/identity/...`.
    static func versionRelativePath(_ url: String, graphURL: String) -> String {
        var rest = Substring(url.dropFirst(graphURL.count))
        for version in GraphVersion.allCases where rest.hasPrefix("/\(version.rawValue)/") {
            rest = rest.dropFirst(version.rawValue.count + 1)
        }
        return String(rest)
    }

    // MARK: - Replication lag bookkeeping

    func noteCreated(_ id: String) {
        let at = clock.now()
        recentlyCreated.withLock { $0[id] = at }
    }

    /// True when `id` was created by this client within the replication-lag window.
    func wasRecentlyCreated(_ id: String) -> Bool {
        let nowTime = clock.now()
        let window = configuration.retry.replicationLagWindow
        return recentlyCreated.withLock { created in
            guard let at = created[id] else { return false }
            return nowTime - at < window
        }
    }
}

extension GraphClient {
    func recordSubStatus(_ status: Int) {
        stats.withLock { $0.statuses[status, default: 0] += 1 }
    }
}
