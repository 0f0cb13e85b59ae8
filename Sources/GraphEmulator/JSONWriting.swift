import Foundation
import PolicyModel

/// A fast, allocation-light JSON writer for responses (the benchmark path lists 195 policies).
/// Keys are written sorted so equal values always give equal bytes.
enum JSONWriter {
    static func data(_ value: JSONValue) -> Data {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1024)
        write(value, into: &bytes)
        return Data(bytes)
    }

    static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        case .bool(let flag): out.append(contentsOf: flag ? Array("true".utf8) : Array("false".utf8))
        case .number(let number): writeNumber(number, into: &out)
        case .string(let string): writeString(string, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            var first = true
            for key in members.keys.sorted(by: graphKeyOrder) {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(members[key]!, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// `@odata.*` control information first (as Graph writes it), then properties by name.
    static func graphKeyOrder(_ lhs: String, _ rhs: String) -> Bool {
        let lhsControl = lhs.hasPrefix("@odata.")
        let rhsControl = rhs.hasPrefix("@odata.")
        if lhsControl != rhsControl { return lhsControl }
        return lhs < rhs
    }

    static func writeNumber(_ number: Double, into out: inout [UInt8]) {
        if number.rounded() == number, abs(number) < 9e15 {
            out.append(contentsOf: Array(String(Int64(number)).utf8))
        } else if number.isFinite {
            out.append(contentsOf: Array("\(number)".utf8))
        } else {
            out.append(contentsOf: Array("null".utf8))
        }
    }

    static func writeString(_ string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// Graph's timestamp format: UTC, up to seven fractional digits with trailing zeros trimmed
/// (`2025-09-24T12:59:05.2884951Z`, `2021-12-01T00:00:00Z`).
enum GraphTimestamp {
    static func string(from date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        let whole = floor(seconds)
        var ticks = Int(((seconds - whole) * 10_000_000).rounded())
        var wholeSeconds = Int(whole)
        if ticks >= 10_000_000 { ticks -= 10_000_000; wholeSeconds += 1 }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second],
                                            from: Date(timeIntervalSince1970: TimeInterval(wholeSeconds)))
        var text = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", parts.year!, parts.month!, parts.day!,
                          parts.hour!, parts.minute!, parts.second!)
        if ticks > 0 {
            var fraction = String(format: "%07d", ticks)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text + "Z"
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
