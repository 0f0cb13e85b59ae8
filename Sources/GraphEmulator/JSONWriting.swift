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

    /// `YYYY-MM-DD[THH:MM[:SS[.fraction]]][Z|±HH:MM]` by arithmetic: filters over 100,000 detections
    /// compare a date per object, and a date formatter per comparison made that take minutes.
    static func parseFast(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var seconds = Double(daysFromCivil(year: year, month: month, day: day)) * 86_400
        var index = 10
        if index < bytes.count, bytes[index] == UInt8(ascii: "T") || bytes[index] == UInt8(ascii: " ") {
            guard let hour = number(index + 1..<index + 3), index + 3 < bytes.count, bytes[index + 3] == UInt8(ascii: ":"),
                  let minute = number(index + 4..<index + 6), hour < 24, minute < 60 else { return nil }
            seconds += Double(hour * 3_600 + minute * 60)
            index += 6
            if index < bytes.count, bytes[index] == UInt8(ascii: ":") {
                guard let second = number(index + 1..<index + 3), second < 61 else { return nil }
                seconds += Double(second)
                index += 3
                if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                    index += 1
                    var scale = 0.1
                    let start = index
                    while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                        seconds += Double(bytes[index] - 48) * scale
                        scale /= 10
                        index += 1
                    }
                    guard index > start else { return nil }
                }
            }
        }
        if index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                index += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                guard let hours = number(index + 1..<index + 3), index + 3 < bytes.count, bytes[index + 3] == UInt8(ascii: ":"),
                      let minutes = number(index + 4..<index + 6) else { return nil }
                let offset = Double(hours * 3_600 + minutes * 60)
                seconds += bytes[index] == UInt8(ascii: "+") ? -offset : offset
                index += 6
            default:
                return nil
            }
        }
        guard index == bytes.count else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Parses Graph and OData date-time literals (`2026-01-01T00:00:00Z`, with or without a fraction
    /// or offset, or a bare date).
    static func date(from text: String) -> Date? {
        if let fast = parseFast(text) { return fast }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var candidate = text
        // ISO8601DateFormatter accepts at most millisecond precision reliably: trim extra digits.
        if let dot = candidate.firstIndex(of: "."),
           let end = candidate[dot...].firstIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" }) {
            let digits = candidate[candidate.index(after: dot)..<end]
            if digits.count > 3 {
                candidate = String(candidate[..<candidate.index(after: dot)]) + digits.prefix(3) + candidate[end...]
            }
        }
        if let date = formatter.date(from: candidate) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: candidate) { return date }
        formatter.formatOptions = [.withFullDate]
        return formatter.date(from: candidate)
    }
}
