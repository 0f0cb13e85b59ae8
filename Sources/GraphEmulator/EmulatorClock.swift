import Foundation
import Synchronization

/// The emulator's sense of time: elapsed time for its throttling buckets and replication lag, and
/// the wall-clock time it stamps on the records it writes (sign-ins, directory audits). The system
/// clock by default; tests pass a ``ManualEmulatorClock`` and advance it, so a throttling, lag or
/// audit-ordering test never depends on how fast a loaded machine runs.
public struct EmulatorClock: Sendable {
    /// The current instant.
    public let now: @Sendable () -> ContinuousClock.Instant
    /// The current wall-clock time.
    public let date: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> ContinuousClock.Instant, date: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
        self.date = date
    }

    /// Wall-clock time.
    public static let system = EmulatorClock(now: { .now }, date: { Date() })
}

/// A clock that stands still until advanced. Its wall-clock time starts at `start` (by default the
/// moment it was made) and moves with ``advance(by:)``.
public final class ManualEmulatorClock: Sendable {
    private let origin = ContinuousClock.now
    private let start: Date
    private let offset = Mutex<Duration>(.zero)

    public init(start: Date = Date()) { self.start = start }

    /// The emulator clock reading this one.
    public var clock: EmulatorClock {
        EmulatorClock(now: { [self] in origin + offset.withLock { $0 } },
                      date: { [self] in
                          let elapsed = offset.withLock { $0 }.components
                          return start.addingTimeInterval(Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
                      })
    }

    /// Moves time forward.
    public func advance(by duration: Duration) { offset.withLock { $0 += duration } }
}
