import Foundation
import PolicyModel

/// Graph timestamps (`2026-11-21T22:34:12.6081986Z`): read by ``ISO8601DateTime`` (any number of
/// fraction digits and every ISO 8601 offset, the same on every platform), written as UTC.
public enum GraphTime {
    /// The instant of an ISO 8601 timestamp (`Z`, `±HH:MM`, `±HHMM` or `±HH`; no zone means UTC), or
    /// nil. Callers report a nil for a value that is present: a time that cannot be read is never
    /// silently skipped.
    public static func date(_ text: String) -> Date? {
        ISO8601DateTime.parse(text)
    }

    /// `2026-11-21T22:34:12Z`: whole seconds, rounded down (safe as a lower bound).
    public static func string(_ date: Date) -> String {
        ISO8601DateTime.string(date, fraction: false)
    }
}

/// Short stable identifiers: FNV-1a 64-bit over UTF-8, as hex. Not cryptographic; only needs to be
/// the same on every machine and run (Swift's `Hasher` is seeded per process).
public enum StableActionID {
    /// 12 hex characters identifying `parts` joined with a separator that cannot occur in them.
    public static func make(_ parts: [String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for (index, part) in parts.enumerated() {
            if index > 0 {
                hash ^= 0x1f
                hash = hash &* 0x0000_0100_0000_01b3
            }
            for byte in part.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
        }
        let hex = String(hash, radix: 16)
        return String((String(repeating: "0", count: 16 - hex.count) + hex).prefix(12))
    }
}
