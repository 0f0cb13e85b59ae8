import Foundation
import Synchronization

/// Monotonic time and sleeping, injectable so tests of pacing and backoff never wait real time.
public protocol GraphClock: Sendable {
    /// Time elapsed since an arbitrary, fixed origin.
    func now() -> Duration
    /// Suspends for `duration` (or, for a virtual clock, advances time by it).
    func sleep(for duration: Duration) async throws
}

/// The real clock: `ContinuousClock` and `Task.sleep`.
public struct SystemClock: GraphClock {
    private let origin = ContinuousClock.now

    public init() {}

    public func now() -> Duration { ContinuousClock.now - origin }

    public func sleep(for duration: Duration) async throws {
        guard duration > .zero else { return }
        try await Task.sleep(for: duration)
    }
}

/// A virtual clock for tests: sleeping returns at once and advances time by the requested amount,
/// recording every sleep.
public final class VirtualClock: GraphClock {
    private let state = Mutex<(now: Duration, sleeps: [Duration])>((.zero, []))

    public init() {}

    public func now() -> Duration { state.withLock { $0.now } }

    public func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        state.withLock {
            $0.sleeps.append(duration)
            if duration > .zero { $0.now += duration }
        }
        await Task.yield()
    }

    /// Moves time forward without a sleep.
    public func advance(by duration: Duration) {
        state.withLock { $0.now += duration }
    }

    /// Every duration slept so far, in order.
    public var sleeps: [Duration] { state.withLock { $0.sleeps } }

    /// The sum of all sleeps.
    public var totalSlept: Duration { state.withLock { $0.sleeps.reduce(.zero, +) } }
}

/// Graph throttles by service: conditional access and Identity Protection share a limit of one
/// request per second per tenant (and send no `Retry-After`); the identity and access reports
/// (`/auditLogs/…`) allow 5 requests per 10 seconds per app per tenant (Microsoft Learn, "Microsoft
/// Graph service-specific throttling limits", "Identity and access reports service limits"; no
/// `Retry-After` either); directory reads are generous.
public enum GraphServiceClass: String, Sendable, Hashable, CaseIterable {
    case conditionalAccess
    case identityProtection
    /// `/auditLogs/directoryAudits`, `/auditLogs/signIns`, … (a reporting API, paced on its own).
    case reports
    case directory

    /// The class of a request path relative to the version root (e.g. `/identity/conditionalAccess/policies`).
    public init(path: String) {
        let lower = path.lowercased()
        if lower.hasPrefix("/identityprotection") || lower.hasPrefix("/riskyusers") || lower.hasPrefix("/riskdetections") {
            self = .identityProtection
        } else if lower.hasPrefix("/identity/conditionalaccess") || lower.hasPrefix("/policies/") {
            self = .conditionalAccess
        } else if lower.hasPrefix("/auditlogs") || lower.hasPrefix("/reports") {
            self = .reports
        } else {
            self = .directory
        }
    }

    /// The pacing bucket the class draws from: conditional access and Identity Protection share one.
    var bucket: PacingConfiguration.Bucket {
        switch self {
        case .conditionalAccess, .identityProtection: .policyAndRisk
        case .reports: .reports
        case .directory: .directory
        }
    }
}

/// Token bucket rates for client-side pacing.
public struct PacingConfiguration: Sendable, Hashable {
    /// A rate and a burst size.
    public struct Rate: Sendable, Hashable {
        /// Sustained requests per second; `0` or less disables pacing for the bucket.
        public var requestsPerSecond: Double
        /// How many requests may go at once after a quiet period.
        public var burst: Double

        public init(requestsPerSecond: Double, burst: Double = 1) {
            self.requestsPerSecond = requestsPerSecond
            self.burst = max(1, burst)
        }

        /// No pacing.
        public static let unlimited = Rate(requestsPerSecond: 0)
    }

    enum Bucket: Hashable { case policyAndRisk, reports, directory }

    /// Conditional access and Identity Protection together (Graph: 1 request/s per tenant).
    public var conditionalAccessAndIdentityProtection: Rate
    /// The identity and access reports, audit logs among them (Graph: 5 requests per 10 s per app per tenant).
    public var reports: Rate
    /// Users, groups, service principals, role templates, `$batch` of directory reads…
    public var directory: Rate
    /// Fraction of the interval added to each wait so clock skew and latency jitter between client
    /// and server never make two requests look closer than the limit (default 15 %: at 1 request/s
    /// that absorbs 150 ms, more than a new connection's set-up delays the first request).
    public var safetyMargin: Double

    public init(
        conditionalAccessAndIdentityProtection: Rate = Rate(requestsPerSecond: 1, burst: 1),
        directory: Rate = Rate(requestsPerSecond: 100, burst: 50),
        reports: Rate = Rate(requestsPerSecond: 0.5, burst: 5),
        safetyMargin: Double = 0.15
    ) {
        self.conditionalAccessAndIdentityProtection = conditionalAccessAndIdentityProtection
        self.directory = directory
        self.reports = reports
        self.safetyMargin = safetyMargin
    }

    /// Graph's documented limits (the default).
    public static let graphDefaults = PacingConfiguration()
    /// No client-side pacing at all.
    public static let disabled = PacingConfiguration(
        conditionalAccessAndIdentityProtection: .unlimited, directory: .unlimited, reports: .unlimited, safetyMargin: 0)

    func rate(for bucket: Bucket) -> Rate {
        switch bucket {
        case .policyAndRisk: conditionalAccessAndIdentityProtection
        case .reports: reports
        case .directory: directory
        }
    }
}

/// Client-side token buckets, one per ``GraphServiceClass`` bucket. Each request reserves a slot
/// (so concurrent callers queue fairly) and sleeps until it.
public actor Pacer {
    private struct BucketState {
        var tokens: Double
        var updatedAt: Duration
    }

    private let configuration: PacingConfiguration
    private let clock: any GraphClock
    private var buckets: [PacingConfiguration.Bucket: BucketState] = [:]
    private var granted: [GraphServiceClass: Int] = [:]

    public init(configuration: PacingConfiguration = .graphDefaults, clock: any GraphClock = SystemClock()) {
        self.configuration = configuration
        self.clock = clock
    }

    /// Waits until a request of `serviceClass` may be sent.
    public func acquire(_ serviceClass: GraphServiceClass) async throws {
        granted[serviceClass, default: 0] += 1
        let wait = reserve(serviceClass.bucket)
        if wait > .zero {
            try await clock.sleep(for: wait)
        }
    }

    /// After a 429, holds the whole bucket of `serviceClass` for `duration`, so concurrent requests
    /// of the same class wait too instead of drawing more 429s.
    /// - Returns: false when the class is not paced (the caller must wait itself).
    @discardableResult
    public func holdOff(_ serviceClass: GraphServiceClass, for duration: Duration) -> Bool {
        let bucket = serviceClass.bucket
        let rate = configuration.rate(for: bucket)
        guard rate.requestsPerSecond > 0, duration > .zero else { return false }
        let refillRate = rate.requestsPerSecond / (1 + max(0, configuration.safetyMargin))
        let now = clock.now()
        var state = buckets[bucket] ?? BucketState(tokens: rate.burst, updatedAt: now)
        let elapsed = Self.seconds(now - state.updatedAt)
        state.tokens = min(rate.burst, state.tokens + max(0, elapsed) * refillRate)
        state.updatedAt = now
        // Debt worth `duration`: the next grant comes no earlier than `duration` from now.
        state.tokens = min(state.tokens, 1 - Self.seconds(duration) * refillRate)
        buckets[bucket] = state
        return true
    }

    /// How many slots each class was granted (for `--debug` and tests).
    public func grantedCounts() -> [GraphServiceClass: Int] { granted }

    /// Takes one token, letting the balance go negative: the debt is how long this caller must wait.
    private func reserve(_ bucket: PacingConfiguration.Bucket) -> Duration {
        let rate = configuration.rate(for: bucket)
        guard rate.requestsPerSecond > 0 else { return .zero }
        // The margin slows the refill, so every gap between grants is at least (1 + margin) / rate.
        let refillRate = rate.requestsPerSecond / (1 + max(0, configuration.safetyMargin))
        let now = clock.now()
        var state = buckets[bucket] ?? BucketState(tokens: rate.burst, updatedAt: now)
        let elapsed = Self.seconds(now - state.updatedAt)
        state.tokens = min(rate.burst, state.tokens + max(0, elapsed) * refillRate)
        state.updatedAt = now
        state.tokens -= 1
        buckets[bucket] = state
        guard state.tokens < 0 else { return .zero }
        let seconds = -state.tokens / refillRate
        return .nanoseconds(Int64(seconds * 1_000_000_000))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
