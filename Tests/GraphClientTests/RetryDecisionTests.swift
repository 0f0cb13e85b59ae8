import Foundation
@testable import GraphClient
import Testing

/// The retry decision as a table: one row per status, header and request kind (architecture issue:
/// retry as data). The loop in `GraphClient.send` only performs what this decides.
@Suite("Retry decision table")
struct RetryDecisionTests {
    static let policy = RetryPolicy(maxAttempts: 4, baseDelay: .seconds(1), maxDelay: .seconds(8), maxTotalWait: .seconds(60), jitter: 0,
                                    maxAttemptsOnServerError: 3, replicationLagWindow: .seconds(10), replicationLagDelay: .seconds(2))
    static let read = GraphRequest(method: "GET", path: "/identity/conditionalAccess/policies", version: .beta)
    static let create = GraphRequest(method: "POST", path: "/identity/conditionalAccess/policies", version: .beta, body: [:])
    static let patch = GraphRequest(method: "PATCH", path: "/identity/conditionalAccess/policies/x", version: .beta, body: [:])
    static let delete = GraphRequest(method: "DELETE", path: "/identity/conditionalAccess/policies/x", version: .beta)
    static let freshRead = GraphRequest(method: "GET", path: "/identity/conditionalAccess/policies/x", version: .beta, retryNotFound: true)
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var outcome: AttemptOutcome
        var request: GraphRequest
        var state: RetryState
        var expected: RetryDecision
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "200", outcome: .response(status: 200, retryAfter: nil), request: read, state: RetryState(attempt: 1), expected: .succeed),
        Row(name: "204 delete", outcome: .response(status: 204, retryAfter: nil), request: delete, state: RetryState(attempt: 1), expected: .succeed),
        Row(name: "400", outcome: .response(status: 400, retryAfter: nil), request: patch, state: RetryState(attempt: 1), expected: .fail),
        Row(name: "403", outcome: .response(status: 403, retryAfter: nil), request: read, state: RetryState(attempt: 1), expected: .fail),
        Row(name: "401 first", outcome: .response(status: 401, retryAfter: nil), request: read, state: RetryState(attempt: 1),
            expected: .refreshTokenAndRetry),
        Row(name: "401 after a refresh", outcome: .response(status: 401, retryAfter: nil), request: read,
            state: RetryState(attempt: 2, refreshedToken: true), expected: .fail),
        Row(name: "429 without Retry-After: backoff, held in the pacer", outcome: .response(status: 429, retryAfter: nil), request: read,
            state: RetryState(attempt: 2), expected: .retry(after: .seconds(2), throttled: true, replicationLag: false)),
        Row(name: "429 with Retry-After seconds", outcome: .response(status: 429, retryAfter: "7"), request: read,
            state: RetryState(attempt: 1), expected: .retry(after: .seconds(7), throttled: true, replicationLag: false)),
        Row(name: "429 with an HTTP-date Retry-After", outcome: .response(status: 429, retryAfter: "Fri, 15 Jan 2027 08:00:05 GMT"),
            request: read, state: RetryState(attempt: 1), expected: .retry(after: .seconds(5), throttled: true, replicationLag: false)),
        Row(name: "429 on a create is retried (nothing was written)", outcome: .response(status: 429, retryAfter: nil), request: create,
            state: RetryState(attempt: 1), expected: .retry(after: .seconds(1), throttled: true, replicationLag: false)),
        Row(name: "503 with Retry-After", outcome: .response(status: 503, retryAfter: "3"), request: read, state: RetryState(attempt: 1),
            expected: .retry(after: .seconds(3), throttled: false, replicationLag: false)),
        Row(name: "504 backoff", outcome: .response(status: 504, retryAfter: nil), request: patch, state: RetryState(attempt: 3),
            expected: .retry(after: .seconds(4), throttled: false, replicationLag: false)),
        Row(name: "503 on a create is ambiguous", outcome: .response(status: 503, retryAfter: "1"), request: create,
            state: RetryState(attempt: 1), expected: .failAsAmbiguousCreate),
        Row(name: "500 retried a few times", outcome: .response(status: 500, retryAfter: nil), request: read, state: RetryState(attempt: 2),
            expected: .retry(after: .seconds(2), throttled: false, replicationLag: false)),
        Row(name: "500 past its own limit", outcome: .response(status: 502, retryAfter: nil), request: read, state: RetryState(attempt: 3),
            expected: .fail),
        Row(name: "500 on a create is ambiguous", outcome: .response(status: 500, retryAfter: nil), request: create,
            state: RetryState(attempt: 1), expected: .failAsAmbiguousCreate),
        Row(name: "404 delete after an unanswered attempt", outcome: .response(status: 404, retryAfter: nil), request: delete,
            state: RetryState(attempt: 2, hadAmbiguousFailure: true), expected: .succeedAsDeleted),
        Row(name: "404 delete otherwise", outcome: .response(status: 404, retryAfter: nil), request: delete, state: RetryState(attempt: 1),
            expected: .fail),
        Row(name: "404 just after a create: replication lag", outcome: .response(status: 404, retryAfter: nil), request: freshRead,
            state: RetryState(attempt: 6, sinceFirstNotFound: .seconds(4), replicationRetries: 5),
            expected: .retry(after: .seconds(2), throttled: false, replicationLag: true)),
        Row(name: "404 past the replication window", outcome: .response(status: 404, retryAfter: nil), request: freshRead,
            state: RetryState(attempt: 6, sinceFirstNotFound: .seconds(9), replicationRetries: 5), expected: .failNotFoundAfterReplicationWindow),
        Row(name: "connection refused: backoff", outcome: .transportFailure(.connectionFailed), request: create, state: RetryState(attempt: 1),
            expected: .retry(after: .seconds(1), throttled: false, replicationLag: false)),
        Row(name: "dropped after sending a create: ambiguous", outcome: .transportFailure(.ambiguous), request: create,
            state: RetryState(attempt: 1), expected: .failAsAmbiguousCreate),
        Row(name: "dropped after sending a patch: retried", outcome: .transportFailure(.ambiguous), request: patch,
            state: RetryState(attempt: 1), expected: .retry(after: .seconds(1), throttled: false, replicationLag: false)),
        Row(name: "a request that cannot be built", outcome: .transportFailure(.invalidRequest), request: read, state: RetryState(attempt: 1),
            expected: .fail),
        Row(name: "attempts exhausted", outcome: .response(status: 429, retryAfter: nil), request: read, state: RetryState(attempt: 4),
            expected: .failRetriesExhausted),
        Row(name: "replication retries do not count as attempts", outcome: .response(status: 503, retryAfter: nil), request: freshRead,
            state: RetryState(attempt: 5, replicationRetries: 3), expected: .retry(after: .seconds(8), throttled: false, replicationLag: false)),
        Row(name: "total wait exhausted", outcome: .response(status: 429, retryAfter: "30"), request: read,
            state: RetryState(attempt: 2, waited: .seconds(40)), expected: .failRetriesExhausted),
        Row(name: "a 401 refresh also respects the bounds", outcome: .response(status: 401, retryAfter: nil), request: read,
            state: RetryState(attempt: 4), expected: .failRetriesExhausted),
    ]

    @Test(arguments: rows)
    func decision(_ row: Row) {
        let decided = Self.policy.decide(row.outcome, for: row.request, state: row.state, now: Self.now, random: 0)
        #expect(decided == row.expected)
    }

    @Test func jitterOnlyLengthensTheBackoff() {
        let plain = Self.policy.decide(.response(status: 503, retryAfter: nil), for: Self.read, state: RetryState(attempt: 1), now: Self.now, random: 0)
        let jittered = RetryPolicy(jitter: 0.5).decide(.response(status: 503, retryAfter: nil), for: Self.read, state: RetryState(attempt: 1),
                                                       now: Self.now, random: 1)
        #expect(plain == .retry(after: .seconds(1), throttled: false, replicationLag: false))
        #expect(jittered == .retry(after: .milliseconds(1_500), throttled: false, replicationLag: false))
    }
}
