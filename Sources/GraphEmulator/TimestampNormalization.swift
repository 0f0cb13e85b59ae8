import Foundation
import PolicyModel

extension GraphTimestamp {
    /// The UTC form Graph returns for a date-time written with any offset:
    /// `2026-11-08T10:09:12.25+05:00` → `2026-11-08T05:09:12.25Z`, at most seven fraction digits
    /// (further digits are cut), trailing zeros trimmed, `Z` for `+00:00`. The fraction is carried
    /// as text, so no precision is lost. `nil` for what is not a date-time with a time of day
    /// (bare dates and other strings stay as they are).
    static func canonicalUTC(_ text: String) -> String? {
        if isCanonicalUTC(text) { return text }
        let characters = Array(text)
        guard characters.count >= 16, looksLikeDateTime(characters) else { return nil }
        // The zone starts at the first `Z`, `+` or `-` after the time of day.
        let zoneStart = characters[11...].firstIndex { $0 == "Z" || $0 == "z" || $0 == "+" || $0 == "-" } ?? characters.count
        var body = Array(characters[..<zoneStart])
        var fraction = ""
        if let dot = body.firstIndex(of: ".") {
            fraction = String(body[(dot + 1)...])
            body = Array(body[..<dot])
            guard !fraction.isEmpty, fraction.allSatisfy(\.isASCII), fraction.allSatisfy(\.isNumber) else { return nil }
        }
        // Whole seconds (offsets are whole minutes), so the arithmetic is exact.
        guard let whole = parseFast(String(body) + String(characters[zoneStart...])) else { return nil }
        var utc = string(from: whole)
        fraction = String(fraction.prefix(7))
        while fraction.hasSuffix("0") { fraction.removeLast() }
        if !fraction.isEmpty { utc.insert(contentsOf: "." + fraction, at: utc.index(before: utc.endIndex)) }
        return utc
    }

    /// Already in Graph's form (`…:SSZ` or `…:SS.fffffffZ` without trailing zeros): most stored
    /// values are, and seeds can hold 100,000 detections.
    private static func isCanonicalUTC(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z"), bytes[10] == UInt8(ascii: "T") else { return false }
        if bytes.count == 20 { return true }
        // …:SS.f{1,7}Z
        guard bytes[19] == UInt8(ascii: "."), (22...28).contains(bytes.count), bytes[bytes.count - 2] != UInt8(ascii: "0") else { return false }
        return bytes[20..<(bytes.count - 1)].allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// `YYYY-MM-DDTHH:MM` at the start.
    private static func looksLikeDateTime(_ characters: [Character]) -> Bool {
        FilterExpression.looksLikeDate(String(characters.prefix(10))) && (characters[10] == "T" || characters[10] == "t")
            && characters[13] == ":"
    }
}

extension JSONValue {
    /// Every `…DateTime` member, at any depth, in Graph's UTC form (see `GraphTimestamp.canonicalUTC`):
    /// Graph stores instants and answers in UTC whatever offset a value was written with.
    func normalizingTimestamps() -> JSONValue {
        switch self {
        case .object(let members):
            var out: [String: JSONValue] = [:]
            for (key, value) in members {
                if key.hasSuffix("DateTime"), case .string(let text) = value, let utc = GraphTimestamp.canonicalUTC(text) {
                    out[key] = .string(utc)
                } else {
                    out[key] = value.normalizingTimestamps()
                }
            }
            return .object(out)
        case .array(let elements):
            return .array(elements.map { $0.normalizingTimestamps() })
        default:
            return self
        }
    }
}
