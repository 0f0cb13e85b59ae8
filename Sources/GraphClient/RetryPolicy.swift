import Foundation

/// How the client retries: which failures, how long to wait, and when to give up.
///
/// Retried: 429, 503, 504 and connection failures (exponential backoff with jitter, or `Retry-After`
/// when the response has one), and — a small number of times — 500/502, which Graph returns for
/// transient faults too. Never retried: other 4xx. Creates are never retried blindly (see
/// ``GraphClient/createIfAbsent(path:body:displayName:version:)``).
public struct RetryPolicy: Sendable, Hashable {
    /// Most attempts for one request, the first included.
    public var maxAttempts: Int
    /// The first backoff delay; doubled on each further attempt.
    public var baseDelay: Duration
    /// The longest single backoff delay.
    public var maxDelay: Duration
    /// The most time one request may spend waiting between attempts before the client gives up.
    public var maxTotalWait: Duration
    /// Random extra fraction added to each computed delay, in `0...jitter` (default 0.25).
    public var jitter: Double
    /// How many attempts a 500/502 answer gets (it is often, but not always, transient).
    public var maxAttemptsOnServerError: Int
    /// How long a 404 right after a create is retried for get/patch/delete by id (replication lag).
    public var replicationLagWindow: Duration
    /// The delay between replication-lag retries.
    public var replicationLagDelay: Duration
    /// The longest `Retry-After` honoured as given; longer values are capped here.
    public var maxRetryAfter: Duration

    public init(
        maxAttempts: Int = 8, baseDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(32),
        maxTotalWait: Duration = .seconds(180), jitter: Double = 0.25, maxAttemptsOnServerError: Int = 3,
        replicationLagWindow: Duration = .seconds(30), replicationLagDelay: Duration = .seconds(2),
        maxRetryAfter: Duration = .seconds(120)
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxTotalWait = maxTotalWait
        self.jitter = max(0, jitter)
        self.maxAttemptsOnServerError = max(1, maxAttemptsOnServerError)
        self.replicationLagWindow = replicationLagWindow
        self.replicationLagDelay = replicationLagDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// The default policy.
    public static let `default` = RetryPolicy()
    /// No retries at all.
    public static let none = RetryPolicy(maxAttempts: 1, maxTotalWait: .zero, maxAttemptsOnServerError: 1, replicationLagWindow: .zero)

    /// The backoff before attempt `attempt + 1` after `attempt` failed (1-based), with jitter drawn
    /// from `random` (a value in `0..<1`).
    public func backoff(afterAttempt attempt: Int, random: Double) -> Duration {
        let exponent = min(max(0, attempt - 1), 30)
        var seconds = Pacer.seconds(baseDelay) * pow(2, Double(exponent))
        seconds = min(seconds, Pacer.seconds(maxDelay))
        seconds *= 1 + jitter * min(max(random, 0), 1)
        return .nanoseconds(Int64(seconds * 1_000_000_000))
    }

    /// Parses `Retry-After` (delta-seconds or an HTTP date relative to `now`), capped at ``maxRetryAfter``.
    public func retryAfter(_ header: String?, now: Date = Date()) -> Duration? {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return nil }
        var seconds: Double?
        if let value = Double(header), value >= 0 {
            seconds = value
        } else {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
            if let date = formatter.date(from: header) { seconds = max(0, date.timeIntervalSince(now)) }
        }
        guard let seconds else { return nil }
        let capped = min(seconds, Pacer.seconds(maxRetryAfter))
        return .nanoseconds(Int64(capped * 1_000_000_000))
    }
}

/// A source of jitter in `0..<1`, injectable for deterministic tests.
public struct JitterSource: Sendable {
    let next: @Sendable () -> Double

    public init(_ next: @escaping @Sendable () -> Double) { self.next = next }

    /// `Double.random(in: 0..<1)`.
    public static let system = JitterSource { Double.random(in: 0..<1) }
    /// Always `value` (e.g. `0` for exact, reproducible delays).
    public static func constant(_ value: Double) -> JitterSource { JitterSource { value } }
}
