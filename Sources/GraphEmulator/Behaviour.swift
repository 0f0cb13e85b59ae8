import Foundation
import PolicyModel

/// The service classes Graph throttles separately (reference §3.4).
enum ServiceClass: String, Sendable, CaseIterable {
    /// Conditional access and Identity Protection: 1 request/s per tenant, 429 without Retry-After.
    case conditionalAccessAndIdentityProtection
    /// Users, groups, service principals, roles: 429 with Retry-After.
    case directory
    /// Identity and access reports (`/auditLogs/signIns`, `/auditLogs/directoryAudits`): Microsoft
    /// Learn, "Microsoft Graph service-specific throttling limits", section "Identity and access reports
    /// service limits": 5 requests per 10 seconds per app per tenant. 429 without Retry-After, like the
    /// conditional access paths.
    case identityAndAccessReports
    /// Token endpoint, `$batch` envelopes, emulator-only endpoints.
    case other
}

/// A token bucket: `rate` tokens per second, holding at most `burst`.
struct TokenBucket: Sendable {
    var rate: Double
    var burst: Double
    var tokens: Double
    var updated: ContinuousClock.Instant

    init(rate: Double, burst: Int, now: ContinuousClock.Instant) {
        self.rate = rate
        self.burst = Double(max(1, burst))
        self.tokens = self.burst
        self.updated = now
    }

    /// Takes a token if one is available; otherwise returns the seconds until one is.
    mutating func take(now: ContinuousClock.Instant) -> Double? {
        let elapsed = now - updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(burst, tokens + seconds * rate)
        updated = now
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return (1 - tokens) / rate
    }
}

/// A fault to inject into one request.
enum InjectedFault: Sendable, Equatable {
    /// 503 with Retry-After, before the request is processed.
    case serviceUnavailable
    /// 500; `afterProcessing` means the change was applied before the failure (ambiguous for clients).
    case internalError(afterProcessing: Bool)
    /// The connection is closed without an answer; possibly after the change was applied.
    case droppedConnection(afterProcessing: Bool)
}

/// Throttling, faults and request counting: the behaviour switches, shared by all requests.
actor Behaviour {
    private var buckets: [ServiceClass: TokenBucket] = [:]
    private var random: SplitMix64
    private let faultRate: Double
    private var counts: [String: Int] = [:]
    private var classCounts: [ServiceClass: Int] = [:]
    private var throttled: [ServiceClass: Int] = [:]
    private let clock: EmulatorClock

    init(configuration: EmulatorConfiguration) {
        random = SplitMix64(state: configuration.faultSeed)
        faultRate = configuration.faultRate
        clock = configuration.clock
        let now = clock.now()
        if let rate = configuration.rateLimit, rate > 0 {
            buckets[.conditionalAccessAndIdentityProtection] = TokenBucket(
                rate: rate, burst: configuration.rateLimitBurst ?? max(1, Int(rate.rounded(.up))), now: now)
        }
        if let rate = configuration.directoryRateLimit, rate > 0 {
            buckets[.directory] = TokenBucket(rate: rate, burst: configuration.rateLimitBurst ?? max(1, Int(rate.rounded(.up))), now: now)
        }
        if let rate = configuration.reportsRateLimit, rate > 0 {
            buckets[.identityAndAccessReports] = TokenBucket(rate: rate, burst: configuration.rateLimitBurst ?? max(1, Int(rate.rounded(.up))),
                                                             now: now)
        }
    }

    /// Counts a request by service class and by path template.
    func record(serviceClass: ServiceClass, path: String) {
        classCounts[serviceClass, default: 0] += 1
        counts[path, default: 0] += 1
    }

    /// `nil` when the request may proceed; otherwise the seconds until the bucket refills.
    func admit(_ serviceClass: ServiceClass) -> Double? {
        guard var bucket = buckets[serviceClass] else { return nil }
        let wait = bucket.take(now: clock.now())
        buckets[serviceClass] = bucket
        if wait != nil { throttled[serviceClass, default: 0] += 1 }
        return wait
    }

    /// Draws whether this request fails, and how.
    func drawFault() -> InjectedFault? {
        guard faultRate > 0 else { return nil }
        guard random.nextUnit() < faultRate else { return nil }
        let kind = random.nextUnit()
        let after = random.nextUnit() < 0.5
        if kind < 0.4 { return .serviceUnavailable }
        if kind < 0.7 { return .internalError(afterProcessing: after) }
        return .droppedConnection(afterProcessing: after)
    }

    func snapshot() -> (byClass: [ServiceClass: Int], byPath: [String: Int], throttled: [ServiceClass: Int]) {
        (classCounts, counts, throttled)
    }

    func resetCounts() {
        counts.removeAll()
        classCounts.removeAll()
        throttled.removeAll()
    }
}
