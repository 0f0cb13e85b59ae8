import Foundation
import PolicyModel

/// Graph responses as bytes: the one compact writer (``JSONValue/compactJSON(keyOrder:)``) with
/// Graph's key order.
enum JSONWriter {
    static func data(_ value: JSONValue) -> Data {
        Data(value.compactJSON(keyOrder: graphKeyOrder))
    }

    /// `@odata.*` control information first (as Graph writes it), then properties by name.
    static func graphKeyOrder(_ lhs: String, _ rhs: String) -> Bool {
        let lhsControl = lhs.hasPrefix("@odata.")
        let rhsControl = rhs.hasPrefix("@odata.")
        if lhsControl != rhsControl { return lhsControl }
        return lhs < rhs
    }
}

/// Graph's timestamp format: UTC, up to seven fractional digits with trailing zeros trimmed
/// (`2025-09-24T12:59:05.2884951Z`, `2021-12-01T00:00:00Z`).
enum GraphTimestamp {
    static func string(from date: Date) -> String {
        ISO8601DateTime.string(date, fraction: true)
    }

    static func now() -> String { string(from: Date()) }

    /// Parses Graph and OData date-time literals (`2026-01-01T00:00:00Z`, with or without a fraction,
    /// with any ISO 8601 offset, or a bare date) with ``ISO8601DateTime``, the parser the risk rules
    /// use, so a `$filter` and a rule never disagree about an instant.
    static func date(from text: String) -> Date? {
        ISO8601DateTime.parse(text)
    }

    /// The same parser as ``date(from:)``, under the name the emulator's callers and tests use.
    static func parseFast(_ text: String) -> Date? {
        ISO8601DateTime.parse(text)
    }
}
