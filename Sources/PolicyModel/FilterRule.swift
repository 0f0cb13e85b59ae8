/// The filter rule language of Conditional Access (`deviceFilter`, `applicationFilter`,
/// `servicePrincipalFilter`): `device.isCompliant -eq True -and device.trustType -eq "ServerAD"`.
/// Parsed once into a tree, with the position of the first problem in its error, so the loader reports
/// `file:line:column` and the evaluation engine decides a rule for a device or an application.
///
/// Grammar (Microsoft Learn, "Conditional Access: Filter for devices", and the dynamic membership rules
/// it borrows): `-or` binds loosest, then `-and`, then `-not`; operators and string comparisons are
/// case-insensitive; values are quoted strings, `True`/`False`, or `[…]` lists for `-in`/`-notIn`.
public indirect enum FilterRule: Sendable, Hashable {
    case or(FilterRule, FilterRule)
    case and(FilterRule, FilterRule)
    case not(FilterRule)
    case comparison(FilterComparison)

    /// Every device property the rule language knows.
    public static let deviceProperties = [
        "deviceId", "displayName", "deviceOwnership", "enrollmentProfileName", "isCompliant", "manufacturer", "mdmAppId",
        "model", "operatingSystem", "operatingSystemVersion", "physicalIds", "profileType", "systemLabels", "trustType",
    ] + (1...15).map { "extensionAttribute\($0)" }

    /// Parses `rule`, or throws the first problem with its offset (in Unicode scalars).
    public static func parse(_ rule: String) throws(FilterRuleError) -> FilterRule {
        let lexemes = try tokenize(rule)
        if lexemes.count == 1 { throw FilterRuleError(message: "filter rule is empty") }
        var parser = Parser(lexemes: lexemes)
        let tree = try parser.expression()
        guard case .end = parser.peek.token else {
            throw FilterRuleError(message: "unexpected \(describe(parser.peek.token)) in filter rule",
                                  suggestion: "join conditions with -and or -or", offset: parser.peek.offset)
        }
        return tree
    }

    /// The rule's value for an object whose properties `value(object, property)` gives (`nil`: the
    /// property is null, as every property of an unregistered device is). Following Microsoft's table,
    /// a positive operator on null is false and a negative one true.
    public func evaluate(_ value: (_ object: String, _ property: String) -> FilterValue?) -> Bool {
        switch self {
        case .or(let left, let right): left.evaluate(value) || right.evaluate(value)
        case .and(let left, let right): left.evaluate(value) && right.evaluate(value)
        case .not(let inner): !inner.evaluate(value)
        case .comparison(let comparison): comparison.evaluate(value(comparison.object, comparison.property))
        }
    }

    // MARK: Lexing

    private enum Token: Equatable {
        case open, close, openList, closeList, comma
        case dash(String)
        case word(String)
        case quoted(String)
        case end
    }

    private struct Lexeme {
        var token: Token
        var offset: Int
    }

    private static func tokenize(_ rule: String) throws(FilterRuleError) -> [Lexeme] {
        let scalars = Array(rule.unicodeScalars)
        var lexemes: [Lexeme] = []
        var index = 0
        func isWordScalar(_ s: Unicode.Scalar) -> Bool {
            s.properties.isAlphabetic || s.properties.numericType != nil || s == "." || s == "_"
        }
        while index < scalars.count {
            let scalar = scalars[index]
            let start = index
            switch scalar {
            case " ", "\t", "\n", "\r":
                index += 1
                continue
            case "(": lexemes.append(Lexeme(token: .open, offset: start)); index += 1
            case ")": lexemes.append(Lexeme(token: .close, offset: start)); index += 1
            case "[": lexemes.append(Lexeme(token: .openList, offset: start)); index += 1
            case "]": lexemes.append(Lexeme(token: .closeList, offset: start)); index += 1
            case ",": lexemes.append(Lexeme(token: .comma, offset: start)); index += 1
            case "\"", "'":
                let quote = scalar
                index += 1
                var text = String.UnicodeScalarView()
                while index < scalars.count && scalars[index] != quote {
                    text.append(scalars[index])
                    index += 1
                }
                guard index < scalars.count else {
                    throw FilterRuleError(message: "unterminated string in filter rule", suggestion: "close it with \(quote)", offset: start)
                }
                index += 1
                lexemes.append(Lexeme(token: .quoted(String(text)), offset: start))
            case "-":
                index += 1
                var word = "-"
                while index < scalars.count && isWordScalar(scalars[index]) {
                    word.unicodeScalars.append(scalars[index])
                    index += 1
                }
                lexemes.append(Lexeme(token: .dash(word), offset: start))
            default:
                guard isWordScalar(scalar) else {
                    throw FilterRuleError(message: "unexpected character '\(scalar)' in filter rule", offset: start)
                }
                var word = ""
                while index < scalars.count && isWordScalar(scalars[index]) {
                    word.unicodeScalars.append(scalars[index])
                    index += 1
                }
                lexemes.append(Lexeme(token: .word(word), offset: start))
            }
        }
        lexemes.append(Lexeme(token: .end, offset: scalars.count))
        return lexemes
    }

    private static func describe(_ token: Token) -> String {
        switch token {
        case .open: "'('"
        case .close: "')'"
        case .openList: "'['"
        case .closeList: "']'"
        case .comma: "','"
        case .dash(let word), .word(let word): "'\(word)'"
        case .quoted(let text): "\"\(text)\""
        case .end: "end of rule"
        }
    }

    private struct Parser {
        var lexemes: [Lexeme]
        var position = 0

        var peek: Lexeme { lexemes[position] }

        mutating func advance() -> Lexeme {
            defer { position = min(position + 1, lexemes.count - 1) }
            return lexemes[position]
        }

        func isKeyword(_ lexeme: Lexeme, _ keyword: String) -> Bool {
            if case .dash(let word) = lexeme.token { return word.caseInsensitiveCompare(keyword) == .orderedSame }
            return false
        }

        mutating func expression() throws(FilterRuleError) -> FilterRule {
            var tree = try conjunction()
            while isKeyword(peek, "-or") {
                _ = advance()
                tree = .or(tree, try conjunction())
            }
            return tree
        }

        mutating func conjunction() throws(FilterRuleError) -> FilterRule {
            var tree = try unary()
            while isKeyword(peek, "-and") {
                _ = advance()
                tree = .and(tree, try unary())
            }
            return tree
        }

        mutating func unary() throws(FilterRuleError) -> FilterRule {
            if isKeyword(peek, "-not") {
                _ = advance()
                return .not(try unary())
            }
            if case .open = peek.token {
                let open = advance()
                let inner = try expression()
                guard case .close = peek.token else {
                    throw FilterRuleError(message: "unbalanced '(' in filter rule", suggestion: "add ')'", offset: open.offset)
                }
                _ = advance()
                return inner
            }
            return .comparison(try comparison())
        }

        mutating func comparison() throws(FilterRuleError) -> FilterComparison {
            let property = advance()
            guard case .word(let name) = property.token else {
                throw FilterRuleError(message: "expected a property such as device.isCompliant, found \(FilterRule.describe(property.token))",
                                      offset: property.offset)
            }
            let (object, canonical) = try checkProperty(name, offset: property.offset)
            let op = advance()
            guard case .dash(let opText) = op.token else {
                throw FilterRuleError(message: "expected an operator such as -eq after '\(name)', found \(FilterRule.describe(op.token))",
                                      offset: op.offset)
            }
            guard let filterOperator = FilterOperator.allCases.first(where: { "-\($0.rawValue)".caseInsensitiveCompare(opText) == .orderedSame }) else {
                let spelled = FilterOperator.allCases.map { "-\($0.rawValue)" }
                throw FilterRuleError(message: "unknown operator '\(opText)' in filter rule",
                                      suggestion: FilterRuleError.nearest(opText, among: spelled).map { "did you mean '\($0)'?" }, offset: op.offset)
            }
            let values = filterOperator == .in || filterOperator == .notIn ? try list() : [try value()]
            return FilterComparison(object: object, property: canonical, operator: filterOperator, values: values)
        }

        mutating func value() throws(FilterRuleError) -> FilterLiteral {
            let lexeme = advance()
            switch lexeme.token {
            case .quoted(let text): return .string(text)
            case .word(let word) where ["true", "false"].contains(word.lowercased()): return .bool(word.lowercased() == "true")
            case .word(let word):
                throw FilterRuleError(message: "value '\(word)' must be quoted", suggestion: "write \"\(word)\"", offset: lexeme.offset)
            default:
                throw FilterRuleError(message: "expected a value, found \(FilterRule.describe(lexeme.token))", offset: lexeme.offset)
            }
        }

        mutating func list() throws(FilterRuleError) -> [FilterLiteral] {
            let open = advance()
            guard case .openList = open.token else {
                throw FilterRuleError(message: "-in and -notIn take a list such as [\"a\", \"b\"]", offset: open.offset)
            }
            var values: [FilterLiteral] = []
            while true {
                values.append(try value())
                let next = advance()
                if case .closeList = next.token { return values }
                guard case .comma = next.token else {
                    throw FilterRuleError(message: "expected ',' or ']' in list, found \(FilterRule.describe(next.token))",
                                          offset: next.offset)
                }
            }
        }

        /// The object (`device` or `CustomSecurityAttribute`) and the property, device properties in their canonical case.
        func checkProperty(_ name: String, offset: Int) throws(FilterRuleError) -> (String, String) {
            let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[1].isEmpty else {
                throw FilterRuleError(message: "'\(name)' is not a property; write device.<property> or CustomSecurityAttribute.<set>_<name>",
                                      offset: offset)
            }
            if parts[0].caseInsensitiveCompare("CustomSecurityAttribute") == .orderedSame { return ("CustomSecurityAttribute", parts[1]) }
            guard parts[0].caseInsensitiveCompare("device") == .orderedSame else {
                throw FilterRuleError(message: "unknown object '\(parts[0])' in filter rule; expected device or CustomSecurityAttribute",
                                      offset: offset)
            }
            if let known = FilterRule.deviceProperties.first(where: { $0.caseInsensitiveCompare(parts[1]) == .orderedSame }) {
                return ("device", known)
            }
            throw FilterRuleError(
                message: "unknown device property '\(parts[1])'",
                suggestion: FilterRuleError.nearest(parts[1], among: FilterRule.deviceProperties).map { "did you mean 'device.\($0)'?" },
                offset: offset + parts[0].unicodeScalars.count + 1)
        }
    }
}

/// A problem in a filter rule, at an offset (in Unicode scalars) from the rule's start.
public struct FilterRuleError: Error, Sendable, Hashable {
    public var message: String
    public var suggestion: String?
    public var offset: Int

    public init(message: String, suggestion: String? = nil, offset: Int = 0) {
        self.message = message
        self.suggestion = suggestion
        self.offset = offset
    }

    /// The candidate closest to `text`, if close enough to be a typo, or one containing it.
    static func nearest(_ text: String, among candidates: [String]) -> String? {
        if let close = EditDistance.nearest(text, among: candidates, allowed: { text, candidate in max(2, min(text.count, candidate.count) / 3) }) {
            return close
        }
        let lower = text.lowercased()
        guard lower.count >= 4 else { return nil }
        return candidates.first { $0.lowercased().contains(lower) || lower.contains($0.lowercased()) }
    }
}

/// The operators of the rule language.
public enum FilterOperator: String, Sendable, Hashable, CaseIterable {
    case eq, ne, startsWith, notStartsWith, endsWith, notEndsWith, contains, notContains, `in`, notIn, match, notMatch

    /// The negative operators, true on a null property.
    var isNegative: Bool { [.ne, .notStartsWith, .notEndsWith, .notContains, .notIn, .notMatch].contains(self) }
}

/// A literal in a rule.
public enum FilterLiteral: Sendable, Hashable {
    case string(String)
    case bool(Bool)

    var text: String {
        switch self {
        case .string(let text): text
        case .bool(let flag): flag ? "True" : "False"
        }
    }
}

/// A property's value: text, a flag, or a collection (`physicalIds`, `systemLabels`).
public enum FilterValue: Sendable, Hashable {
    case string(String)
    case bool(Bool)
    case collection([String])
}

/// `object.property operator value(s)`.
public struct FilterComparison: Sendable, Hashable {
    public var object: String
    public var property: String
    public var `operator`: FilterOperator
    public var values: [FilterLiteral]

    func evaluate(_ value: FilterValue?) -> Bool {
        guard let value else { return `operator`.isNegative }
        let candidates: [String] = switch value {
        case .string(let text): [text]
        case .bool(let flag): [flag ? "True" : "False"]
        case .collection(let items): items
        }
        let isCollection = if case .collection = value { true } else { false }
        func equal(_ a: String, _ b: String) -> Bool { a.caseInsensitiveCompare(b) == .orderedSame }
        let wanted = values.map(\.text)
        let first = wanted.first ?? ""
        switch `operator` {
        case .eq: return candidates.contains { equal($0, first) }
        case .ne: return !candidates.contains { equal($0, first) }
        case .startsWith: return candidates.contains { $0.lowercased().hasPrefix(first.lowercased()) }
        case .notStartsWith: return !candidates.contains { $0.lowercased().hasPrefix(first.lowercased()) }
        case .endsWith: return candidates.contains { $0.lowercased().hasSuffix(first.lowercased()) }
        case .notEndsWith: return !candidates.contains { $0.lowercased().hasSuffix(first.lowercased()) }
        case .contains:
            // A substring of a string; a whole element of a collection.
            return isCollection ? candidates.contains { equal($0, first) } : candidates.contains { $0.lowercased().contains(first.lowercased()) }
        case .notContains:
            return isCollection ? !candidates.contains { equal($0, first) } : !candidates.contains { $0.lowercased().contains(first.lowercased()) }
        case .in: return candidates.contains { candidate in wanted.contains { equal($0, candidate) } }
        case .notIn: return !candidates.contains { candidate in wanted.contains { equal($0, candidate) } }
        case .match: return candidates.contains { Self.matches($0, pattern: first) }
        case .notMatch: return !candidates.contains { Self.matches($0, pattern: first) }
        }
    }

    private static func matches(_ text: String, pattern: String) -> Bool {
        guard let regex = try? Regex(pattern).ignoresCase() else { return false }
        return text.contains(regex)
    }
}
