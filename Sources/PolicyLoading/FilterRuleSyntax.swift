/// Syntax check for Conditional Access filter rules (`device.isCompliant -eq True -and device.trustType -eq "ServerAD"`),
/// the dynamic-group-like language of `deviceFilter`, `applicationFilter` and `servicePrincipalFilter`.
///
/// It checks structure, property names, operators and value forms, and reports the first problem with
/// its offset in the rule so the diagnostic points at the exact column.
enum FilterRuleSyntax {
    static let deviceProperties = [
        "deviceId", "displayName", "deviceOwnership", "enrollmentProfileName", "isCompliant", "manufacturer", "mdmAppId",
        "model", "operatingSystem", "operatingSystemVersion", "physicalIds", "profileType", "systemLabels", "trustType",
    ] + (1...15).map { "extensionAttribute\($0)" }

    static let operators = [
        "-eq", "-ne", "-startsWith", "-notStartsWith", "-endsWith", "-notEndsWith", "-contains", "-notContains",
        "-in", "-notIn", "-match", "-notMatch",
    ]

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

    static func check(_ rule: String) -> ValueProblem? {
        let lexemes: [Lexeme]
        do { lexemes = try tokenize(rule) } catch { return error }
        if lexemes.count == 1 { return ValueProblem(message: "filter rule is empty") }
        var parser = Parser(lexemes: lexemes)
        do {
            try parser.expression()
            guard case .end = parser.peek.token else {
                throw ValueProblem(message: "unexpected \(describe(parser.peek.token)) in filter rule",
                                   suggestion: "join conditions with -and or -or", offset: parser.peek.offset)
            }
            return nil
        } catch {
            return error as? ValueProblem
        }
    }

    private static func tokenize(_ rule: String) throws(ValueProblem) -> [Lexeme] {
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
                    throw ValueProblem(message: "unterminated string in filter rule", suggestion: "close it with \(quote)", offset: start)
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
                    throw ValueProblem(message: "unexpected character '\(scalar)' in filter rule", offset: start)
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

        mutating func expression() throws(ValueProblem) {
            try conjunction()
            while isKeyword(peek, "-or") {
                _ = advance()
                try conjunction()
            }
        }

        mutating func conjunction() throws(ValueProblem) {
            try unary()
            while isKeyword(peek, "-and") {
                _ = advance()
                try unary()
            }
        }

        mutating func unary() throws(ValueProblem) {
            if isKeyword(peek, "-not") {
                _ = advance()
                try unary()
                return
            }
            if case .open = peek.token {
                let open = advance()
                try expression()
                guard case .close = peek.token else {
                    throw ValueProblem(message: "unbalanced '(' in filter rule", suggestion: "add ')'", offset: open.offset)
                }
                _ = advance()
                return
            }
            try comparison()
        }

        mutating func comparison() throws(ValueProblem) {
            let property = advance()
            guard case .word(let name) = property.token else {
                throw ValueProblem(message: "expected a property such as device.isCompliant, found \(FilterRuleSyntax.describe(property.token))",
                                   offset: property.offset)
            }
            try checkProperty(name, offset: property.offset)
            let op = advance()
            guard case .dash(let opText) = op.token else {
                throw ValueProblem(message: "expected an operator such as -eq after '\(name)', found \(FilterRuleSyntax.describe(op.token))",
                                   offset: op.offset)
            }
            guard let canonical = FilterRuleSyntax.operators.first(where: { $0.caseInsensitiveCompare(opText) == .orderedSame }) else {
                throw ValueProblem(message: "unknown operator '\(opText)' in filter rule",
                                   suggestion: Suggestions.didYouMean(opText, among: FilterRuleSyntax.operators), offset: op.offset)
            }
            if canonical == "-in" || canonical == "-notIn" {
                try list()
            } else {
                try value()
            }
        }

        mutating func value() throws(ValueProblem) {
            let lexeme = advance()
            switch lexeme.token {
            case .quoted: return
            case .word(let word) where ["true", "false"].contains(word.lowercased()): return
            case .word(let word):
                throw ValueProblem(message: "value '\(word)' must be quoted", suggestion: "write \"\(word)\"", offset: lexeme.offset)
            default:
                throw ValueProblem(message: "expected a value, found \(FilterRuleSyntax.describe(lexeme.token))", offset: lexeme.offset)
            }
        }

        mutating func list() throws(ValueProblem) {
            let open = advance()
            guard case .openList = open.token else {
                throw ValueProblem(message: "-in and -notIn take a list such as [\"a\", \"b\"]", offset: open.offset)
            }
            while true {
                try value()
                let next = advance()
                if case .closeList = next.token { return }
                guard case .comma = next.token else {
                    throw ValueProblem(message: "expected ',' or ']' in list, found \(FilterRuleSyntax.describe(next.token))",
                                       offset: next.offset)
                }
            }
        }

        func checkProperty(_ name: String, offset: Int) throws(ValueProblem) {
            let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[1].isEmpty else {
                throw ValueProblem(message: "'\(name)' is not a property; write device.<property> or CustomSecurityAttribute.<set>_<name>",
                                   offset: offset)
            }
            if parts[0].caseInsensitiveCompare("CustomSecurityAttribute") == .orderedSame { return }
            guard parts[0].caseInsensitiveCompare("device") == .orderedSame else {
                throw ValueProblem(message: "unknown object '\(parts[0])' in filter rule; expected device or CustomSecurityAttribute",
                                   offset: offset)
            }
            if FilterRuleSyntax.deviceProperties.contains(where: { $0.caseInsensitiveCompare(parts[1]) == .orderedSame }) { return }
            throw ValueProblem(
                message: "unknown device property '\(parts[1])'",
                suggestion: Suggestions.nearest(parts[1], among: FilterRuleSyntax.deviceProperties).map { "did you mean 'device.\($0)'?" },
                offset: offset + parts[0].unicodeScalars.count + 1)
        }
    }
}
