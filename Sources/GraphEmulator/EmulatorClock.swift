import Foundation
import Synchronization

/// The emulator's sense of elapsed time for its throttling buckets and replication lag. The system
/// clock by default; tests pass a ``ManualEmulatorClock`` and advance it, so a throttling or lag test
/// never depends on how fast a loaded machine runs.
public struct EmulatorClock: Sendable {
    /// The current instant.
    public let now: @Sendable () -> ContinuousClock.Instant

    public init(now: @escaping @Sendable () -> ContinuousClock.Instant) { self.now = now }

    /// Wall-clock time.
    public static let system = EmulatorClock { .now }
}

/// A clock that stands still until advanced.
public final class ManualEmulatorClock: Sendable {
    private let origin = ContinuousClock.now
    private let offset = Mutex<Duration>(.zero)

    public init() {}

    /// The emulator clock reading this one.
    public var clock: EmulatorClock { EmulatorClock { [self] in origin + offset.withLock { $0 } } }

    /// Moves time forward.
    public func advance(by duration: Duration) { offset.withLock { $0 += duration } }
}
