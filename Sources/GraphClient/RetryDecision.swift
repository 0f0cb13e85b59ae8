import Foundation

/// What one attempt of a request came to, as far as retrying is concerned.
public enum AttemptOutcome: Sendable, Hashable {
    /// The service answered with `status` (and maybe a `Retry-After` header).
    case response(status: Int, retryAfter: String?)
    /// No answer: the connection failed (`.connectionFailed`), dropped after sending (`.ambiguous`),
    /// or the request could not be built (`.invalidRequest`).
    case transportFailure(TransportError.Kind)
}

/// What the client does next: the pure half of ``GraphClient/send(_:)``, decided from the outcome,
/// the request and what happened so far, and tested as a table; the loop around it only performs it.
public enum RetryDecision: Sendable, Hashable {
    /// 2xx: hand the answer back.
    case succeed
    /// A 404 for a `DELETE` after an attempt whose outcome was unknown: it was deleted then.
    case succeedAsDeleted
    /// Give up with the service's (or the transport's) error as it is.
    case fail
    /// A create whose outcome is unknown (5xx or a dropped connection): never retried blindly.
    case failAsAmbiguousCreate
    /// Give up: the attempts or the total wait ran out.
    case failRetriesExhausted
    /// A 404 for an object created moments ago that stayed 404 past the replication-lag window.
    case failNotFoundAfterReplicationWindow
    /// A 401 the first time: fetch a new token and try again at once.
    case refreshTokenAndRetry
    /// Try again after `delay`. `throttled`: a 429, whose wait the pacer holds for the whole service
    /// class; `replicationLag`: a 404 right after a create (bounded by its own window, not by attempts).
    case retry(after: Duration, throttled: Bool, replicationLag: Bool)
}

/// What happened to one request so far, for ``RetryPolicy/decide(_:for:state:now:random:)``.
public struct RetryState: Sendable, Hashable {
    /// The attempt just made (1-based).
    public var attempt: Int
    /// The token was already refreshed once after a 401.
    public var refreshedToken: Bool
    /// An earlier attempt's outcome is unknown (the connection dropped after sending).
    public var hadAmbiguousFailure: Bool
    /// How long the first 404 of a just-created object is ago (`nil`: no 404 yet).
    public var sinceFirstNotFound: Duration?
    /// Retries spent on replication lag (they do not count against ``RetryPolicy/maxAttempts``).
    public var replicationRetries: Int
    /// Time already waited between attempts.
    public var waited: Duration

    public init(attempt: Int, refreshedToken: Bool = false, hadAmbiguousFailure: Bool = false, sinceFirstNotFound: Duration? = nil,
                replicationRetries: Int = 0, waited: Duration = .zero) {
        self.attempt = attempt
        self.refreshedToken = refreshedToken
        self.hadAmbiguousFailure = hadAmbiguousFailure
        self.sinceFirstNotFound = sinceFirstNotFound
        self.replicationRetries = replicationRetries
        self.waited = waited
    }
}

extension RetryPolicy {
    /// The decision after one attempt of `request` came to `outcome`. Pure: the same inputs always
    /// give the same decision (`random` is the jitter draw, `now` dates an HTTP-date `Retry-After`).
    public func decide(_ outcome: AttemptOutcome, for request: GraphRequest, state: RetryState, now: Date, random: Double) -> RetryDecision {
        let isCreate = request.semantics == .create
        let delay: Duration
        var throttled = false
        var refresh = false
        switch outcome {
        case .response(let status, _) where (200..<300).contains(status):
            return .succeed
        case .response(401, _) where !state.refreshedToken:
            delay = .zero
            refresh = true
        case .response(429, let header):
            delay = retryAfter(header, now: now) ?? backoff(afterAttempt: state.attempt, random: random)
            throttled = true
        case .response(503, let header), .response(504, let header):
            if isCreate { return .failAsAmbiguousCreate }
            delay = retryAfter(header, now: now) ?? backoff(afterAttempt: state.attempt, random: random)
        case .response(500, _), .response(502, _):
            if isCreate { return .failAsAmbiguousCreate }
            guard state.attempt < maxAttemptsOnServerError else { return .fail }
            delay = backoff(afterAttempt: state.attempt, random: random)
        case .response(404, _) where request.method == "DELETE" && state.hadAmbiguousFailure:
            return .succeedAsDeleted
        case .response(404, _) where request.retryNotFound:
            guard (state.sinceFirstNotFound ?? .zero) + replicationLagDelay <= replicationLagWindow else {
                return .failNotFoundAfterReplicationWindow
            }
            return .retry(after: replicationLagDelay, throttled: false, replicationLag: true)
        case .response:
            return .fail
        case .transportFailure(.invalidRequest):
            return .fail
        case .transportFailure(.ambiguous) where isCreate:
            return .failAsAmbiguousCreate
        case .transportFailure:
            delay = backoff(afterAttempt: state.attempt, random: random)
        }
        // Within bounds: attempts (replication-lag retries aside) and the total wait.
        if state.attempt - state.replicationRetries >= maxAttempts || state.waited + delay > maxTotalWait {
            return .failRetriesExhausted
        }
        return refresh ? .refreshTokenAndRetry : .retry(after: delay, throttled: throttled, replicationLag: false)
    }
}
