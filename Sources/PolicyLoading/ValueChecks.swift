import PolicyModel

/// A problem inside a scalar value, with the offset (in Unicode scalars) where it starts.
struct ValueProblem: Error {
    var message: String
    var suggestion: String?
    var offset: Int = 0
}

/// Validators for the string kinds of the language. Each returns nil when the value is valid.
enum ValueChecks {
    // MARK: CIDR

    /// An IPv4 or IPv6 CIDR range; host bits set are a problem with the network address suggested.
    /// An IPv4 or IPv6 address (no prefix length).
    static func ipAddress(_ text: String) -> ValueProblem? {
        if ipv4Bytes(text) != nil || ipv6Bytes(text) != nil { return nil }
        return ValueProblem(message: "'\(text)' is not an IPv4 or IPv6 address", suggestion: "write an address such as 203.0.113.7 or 2001:db8::7")
    }

    static func cidr(_ text: String) -> ValueProblem? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            return ValueProblem(message: "'\(text)' is not a CIDR range", suggestion: "write an address and a prefix length, e.g. 203.0.113.0/24")
        }
        let address = String(parts[0])
        guard let prefix = Int(parts[1]), String(prefix) == parts[1] else {
            return ValueProblem(message: "'\(text)' has an invalid prefix length '\(parts[1])'", offset: address.unicodeScalars.count + 1)
        }
        if let bytes = ipv4Bytes(address) {
            guard (0...32).contains(prefix) else {
                return ValueProblem(message: "IPv4 prefix length \(prefix) is out of range 0…32", offset: address.unicodeScalars.count + 1)
            }
            return hostBitsProblem(bytes: bytes, prefix: prefix, text: text) { network in
                network.map(String.init).joined(separator: ".")
            }
        }
        if let bytes = ipv6Bytes(address) {
            guard (0...128).contains(prefix) else {
                return ValueProblem(message: "IPv6 prefix length \(prefix) is out of range 0…128", offset: address.unicodeScalars.count + 1)
            }
            return hostBitsProblem(bytes: bytes, prefix: prefix, text: text, format: formatIPv6)
        }
        return ValueProblem(message: "'\(address)' is not an IPv4 or IPv6 address")
    }

    private static func hostBitsProblem(bytes: [UInt8], prefix: Int, text: String, format: ([UInt8]) -> String) -> ValueProblem? {
        var network = bytes
        for index in network.indices {
            let bitsKept = max(0, min(8, prefix - index * 8))
            let mask: UInt8 = bitsKept == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bitsKept))
            network[index] &= mask
        }
        guard network != bytes else { return nil }
        let suggestion = "\(format(network))/\(prefix)"
        return ValueProblem(message: "'\(text)' has host bits set", suggestion: "did you mean '\(suggestion)'?")
    }

    static func ipv4Bytes(_ text: String) -> [UInt8]? { IPAddress.ipv4Bytes(text) }

    static func ipv6Bytes(_ text: String) -> [UInt8]? { IPAddress.ipv6Bytes(text) }

    /// The compressed textual form of an IPv6 address (RFC 5952).
    static func formatIPv6(_ bytes: [UInt8]) -> String {
        let groups = stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        var bestStart = -1, bestLength = 0, index = 0
        while index < 8 {
            if groups[index] == 0 {
                var end = index
                while end < 8 && groups[end] == 0 { end += 1 }
                if end - index > bestLength && end - index > 1 { bestStart = index; bestLength = end - index }
                index = end
            } else {
                index += 1
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        if bestStart < 0 { return hex.joined(separator: ":") }
        let head = hex[..<bestStart].joined(separator: ":")
        let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
        return "\(head)::\(tail)"
    }

    // MARK: Countries

    /// ISO 3166-1 alpha-2 codes assigned as of 2026.
    static let countryCodes: Set<String> = Set("""
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
    CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR \
    GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO \
    JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR \
    MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO \
    RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV \
    TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
    """.split(separator: " ").map(String.init))

    static func countryCode(_ text: String) -> ValueProblem? {
        if countryCodes.contains(text) { return nil }
        if countryCodes.contains(text.uppercased()) {
            return ValueProblem(message: "country code '\(text)' must be upper case", suggestion: "write '\(text.uppercased())'")
        }
        let aliases = ["UK": "GB", "EL": "GR"]
        let suggestion = aliases[text.uppercased()].map { "did you mean '\($0)'?" }
        return ValueProblem(message: "'\(text)' is not an ISO 3166-1 alpha-2 country code", suggestion: suggestion)
    }

    // MARK: Other kinds

    static let userActions = ["urn:user:registersecurityinfo", "urn:user:registerdevice"]

    static func userAction(_ text: String) -> ValueProblem? {
        if userActions.contains(text) { return nil }
        return ValueProblem(message: "unknown user action '\(text)'",
                            suggestion: Suggestions.didYouMean(text, among: userActions) ?? "valid values: \(userActions.joined(separator: ", "))")
    }

    static func duration(_ text: String) -> ValueProblem? {
        TimeWindow(parsing: text) == nil
            ? ValueProblem(message: "'\(text)' is not a duration", suggestion: "write a whole number and a unit: 30m, 24h or 7d")
            : nil
    }

    static func percentage(_ text: String) -> ValueProblem? {
        Percentage(parsing: text) == nil
            ? ValueProblem(message: "'\(text)' is not a percentage from 0% to 100%", suggestion: "write a number and a percent sign: 2% or 0.5%")
            : nil
    }

    static func objectID(_ text: String) -> ValueProblem? {
        DirectoryReference.isObjectID(text) ? nil
            : ValueProblem(message: "'\(text)' is not an object id", suggestion: "ids look like 7d1f3c1e-5a2b-4c3d-9e8f-0a1b2c3d4e5f")
    }
}

/// "Did you mean" suggestions by edit distance.
enum Suggestions {
    /// The candidate closest to `text`, if close enough to be a typo; or a candidate that contains
    /// the text (or the reverse), a likely intent: `Policy` → `ConditionalAccessPolicy`.
    static func nearest(_ text: String, among candidates: [String]) -> String? {
        if let close = EditDistance.nearest(text, among: candidates, allowed: { text, candidate in
            max(2, min(text.count, candidate.count) / 3)
        }) {
            return close
        }
        let lower = text.lowercased()
        guard lower.count >= 4 else { return nil }
        // Searched as UTF-8 (lower-cased alike on both sides), not through Foundation's string search.
        return candidates.first { candidate in
            let other = candidate.lowercased()
            return other.utf8.firstRange(of: lower.utf8) != nil || lower.utf8.firstRange(of: other.utf8) != nil
        }
    }

    static func didYouMean(_ text: String, among candidates: [String]) -> String? {
        nearest(text, among: candidates).map { "did you mean '\($0)'?" }
    }
}

// MARK: Display names

/// Display names as Entra stores them and its portal shows them: the portal collapses runs of
/// whitespace and shows no invisible (format) characters, so names that differ only there look the
/// same to the people choosing between them.
enum DisplayNames {
    /// Errors: control characters (a tab included) and names longer than `maximumLength` characters
    /// (Unicode scalars, as JSON Schema's `maxLength` counts them). The offset points at the first
    /// offending character.
    static func problem(_ text: String, field: String, maximumLength: Int) -> ValueProblem? {
        let scalars = Array(text.unicodeScalars)
        if scalars.allSatisfy(\.properties.isWhitespace) {
            return ValueProblem(message: "'\(field)' must not be empty")
        }
        if let index = scalars.firstIndex(where: { $0.properties.generalCategory == .control }) {
            if scalars[index] == "\t" {
                return ValueProblem(message: "tab character in '\(field)'; the portal shows it as a space, so the name cannot be told apart from one with a space",
                                    suggestion: "use a space", offset: index)
            }
            return ValueProblem(message: "control character \(codePoint(scalars[index])) in '\(field)'; names are plain text", offset: index)
        }
        if scalars.count > maximumLength {
            return ValueProblem(message: "'\(field)' is \(scalars.count) characters long; Entra accepts at most \(maximumLength)",
                                offset: maximumLength)
        }
        return nil
    }

    /// Warnings: whitespace at either end and invisible characters, which the portal does not show.
    static func warnings(_ text: String, field: String) -> [ValueProblem] {
        let scalars = Array(text.unicodeScalars)
        var found: [ValueProblem] = []
        func shown(_ scalar: Unicode.Scalar) -> String { scalar == " " ? "a space" : "whitespace \(codePoint(scalar))" }
        if let first = scalars.first, first.properties.isWhitespace {
            found.append(ValueProblem(message: "'\(field)' starts with \(shown(first)), which the portal does not show; remove it"))
        }
        if scalars.count > 1, let last = scalars.last, last.properties.isWhitespace {
            found.append(ValueProblem(message: "'\(field)' ends with \(shown(last)), which the portal does not show; remove it",
                                      offset: scalars.count - 1))
        }
        if let index = scalars.firstIndex(where: isInvisible) {
            found.append(ValueProblem(
                message: "'\(field)' contains the invisible character \(codePoint(scalars[index])); remove it, or the name cannot be told apart from one without it",
                offset: index))
        }
        return found
    }

    /// The form under which two names look the same in the portal: invisible characters removed,
    /// whitespace runs made one space, the ends trimmed, and case folded (Entra matches names
    /// case-insensitively).
    static func lookalikeKey(_ text: String) -> String {
        var key = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.unicodeScalars where !isInvisible(scalar) {
            if scalar.properties.isWhitespace {
                pendingSpace = !key.isEmpty
                continue
            }
            if pendingSpace { key.append(" ") }
            pendingSpace = false
            key.append(scalar)
        }
        return String(key).lowercased()
    }

    /// The name with invisible characters and whitespace other than a space written as `<U+200B>`.
    static func visible(_ text: String) -> String {
        var shown = ""
        for scalar in text.unicodeScalars {
            if isInvisible(scalar) || (scalar.properties.isWhitespace && scalar != " ") || scalar.properties.generalCategory == .control {
                shown += "<\(codePoint(scalar))>"
            } else {
                shown.unicodeScalars.append(scalar)
            }
        }
        return shown
    }

    /// Format characters (zero-width space and joiners, word joiner, byte-order mark, soft hyphen, …).
    static func isInvisible(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.generalCategory == .format }

    private static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
