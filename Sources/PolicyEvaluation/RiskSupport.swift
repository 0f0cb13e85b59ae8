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
        let total = Int(date.timeIntervalSince1970.rounded(.down))
        var days = total >= 0 ? total / 86_400 : (total - 86_399) / 86_400
        let secondsOfDay = total - days * 86_400
        // Civil from days.
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondsOfDay / 3_600, 2)):\(pad(secondsOfDay % 3_600 / 60, 2)):"
            + "\(pad(secondsOfDay % 60, 2))Z"
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
