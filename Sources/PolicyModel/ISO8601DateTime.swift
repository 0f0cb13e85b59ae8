import Foundation

/// Reads ISO 8601 / RFC 3339 date-times as Graph and OData write them, by arithmetic (no formatter):
/// `2026-11-21T22:34:12.6081986Z`, `2026-11-22T17:00:00+05:00`, `…+0500`, `…+05`, `2026-11-22`.
///
/// One parser for every reader of Graph timestamps (risk rules, the emulator's `$filter`), so they
/// cannot disagree about which instant a text names. Filters over 100,000 detections compare a date
/// per object; a date formatter per comparison would take minutes.
public enum ISO8601DateTime {
    /// The instant `text` names, or nil when it is not an ISO 8601 date-time.
    ///
    /// Accepted: `YYYY-MM-DD`, optionally followed by `T` (or `t`, or a space) and `HH:MM`, `HH:MM:SS`
    /// or `HH:MM:SS.f…` (any number of fraction digits; Graph writes up to seven), optionally followed
    /// by a zone: `Z`/`z`, `±HH:MM`, `±HHMM` or `±HH`. Without a zone the time is taken as UTC.
    /// Fields are range-checked (`2026-02-30`, `25:00`, `+24:00` are not times).
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[start..<start + count] {
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        func byte(_ index: Int, is character: Unicode.Scalar) -> Bool {
            index < bytes.count && bytes[index] == UInt8(ascii: character)
        }
        guard bytes.count >= 10, byte(4, is: "-"), byte(7, is: "-"),
              let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) else { return nil }
        var seconds = daysFromCivil(year: year, month: month, day: day) * 86_400
        var fraction = 0.0
        var index = 10
        if byte(index, is: "T") || byte(index, is: "t") || byte(index, is: " ") {
            guard let hour = number(index + 1, 2), byte(index + 3, is: ":"), let minute = number(index + 4, 2),
                  hour < 24, minute < 60 else { return nil }
            seconds += hour * 3_600 + minute * 60
            index += 6
            if byte(index, is: ":") {
                guard let second = number(index + 1, 2), second <= 60 else { return nil }
                seconds += second
                index += 3
                if byte(index, is: ".") {
                    index += 1
                    let start = index
                    var scale = 0.1
                    while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                        fraction += Double(bytes[index] - 48) * scale
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
                let sign = bytes[index] == UInt8(ascii: "+") ? 1 : -1
                guard let hours = number(index + 1, 2), hours < 24 else { return nil }
                index += 3
                var minutes = 0
                if index < bytes.count {
                    let digits = byte(index, is: ":") ? index + 1 : index
                    guard let value = number(digits, 2), value < 60 else { return nil }
                    minutes = value
                    index = digits + 2
                }
                // Local time = UTC + offset.
                seconds -= sign * (hours * 3_600 + minutes * 60)
            default:
                return nil
            }
        }
        guard index == bytes.count else { return nil }
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// `2026-12-01 14:02 UTC`: the minute `text` names, for people (`text` itself when it is not a date-time).
    public static func minuteInUTC(_ text: String) -> String {
        guard let date = parse(text) else { return text }
        let stamp = string(date, fraction: false)  // 2026-12-01T14:02:00Z
        return stamp.prefix(10) + " " + stamp.dropFirst(11).prefix(5) + " UTC"
    }

    /// `date` in Graph's UTC form: `2026-11-21T22:34:12.6081986Z` with `fraction` (up to seven
    /// digits, trailing zeros trimmed, none when whole), or `2026-11-21T22:34:12Z` rounded down to
    /// the second without (a safe lower bound in a `$filter`). The one writer of timestamps.
    public static func string(_ date: Date, fraction: Bool) -> String {
        let seconds = date.timeIntervalSince1970
        var total = Int(seconds.rounded(.down))
        var ticks = fraction ? Int(((seconds - Double(total)) * 10_000_000).rounded()) : 0
        if ticks >= 10_000_000 {
            ticks -= 10_000_000
            total += 1
        }
        var days = total >= 0 ? total / 86_400 : (total - 86_399) / 86_400
        let secondsOfDay = total - days * 86_400
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
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
        var text = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondsOfDay / 3_600, 2)):\(pad(secondsOfDay % 3_600 / 60, 2)):"
            + pad(secondsOfDay % 60, 2)
        if ticks > 0 {
            var digits = pad(ticks, 7)
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text + "Z"
    }
}
