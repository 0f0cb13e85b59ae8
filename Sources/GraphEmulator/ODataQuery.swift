import Crypto
import Foundation
import GraphWire
import PolicyModel

/// A parsed `$filter` expression.
indirect enum FilterExpression: Sendable {
    case and(FilterExpression, FilterExpression)
    case or(FilterExpression, FilterExpression)
    case not(FilterExpression)
    case compare(property: String, op: String, value: JSONValue)
    /// A comparison with a date-time literal, parsed once when the filter is parsed (a filter over
    /// 100,000 detections compared one date per object and parsed the literal each time).
    case compareInstant(property: String, op: String, literal: String, instant: Date)
    case isIn(property: String, values: [JSONValue])
    case function(name: String, property: String, argument: String)
    /// `collection/any(x: x eq 'v')` on string collections (e.g. `groupTypes/any(c:c eq 'Unified')`), or
    /// `collection/any(x: x/path eq 'v')` on collections of objects (`targetResources/any(t: t/id eq '…')`),
    /// where `path` is the element's property (`id`; nil compares the element itself).
    case any(property: String, path: String?, op: String, value: JSONValue)

    /// Properties the expression reads.
    var properties: [String] {
        switch self {
        case .and(let l, let r), .or(let l, let r): l.properties + r.properties
        case .not(let e): e.properties
        case .compare(let p, _, _), .compareInstant(let p, _, _, _), .isIn(let p, _), .function(_, let p, _), .any(let p, _, _, _): [p]
        }
    }

    /// The ids when the expression is only `id eq '…'` or `id in (…)` (or an `or` of those); nil otherwise.
    var idsOnly: [String]? {
        switch self {
        case .compare(let property, "eq", .string(let id)) where property.lowercased() == "id": return [id]
        case .isIn(let property, let values) where property.lowercased() == "id":
            let ids = values.compactMap(\.stringValue)
            return ids.count == values.count ? ids : nil
        case .or(let l, let r):
            guard let left = l.idsOnly, let right = r.idsOnly else { return nil }
            return left + right
        default: return nil
        }
    }

    /// Checks the literals compared with enumeration-typed properties (`enums`: property → its
    /// enumeration), as Graph's OData parser does: an unknown member is a 400 ("The string 'bogus' is
    /// not a valid enumeration type constant."), and so is a number or Boolean. `null` is allowed.
    func checkEnumerations(_ enums: [String: GraphEnum]) throws(GraphFailure) {
        func check(_ property: String, _ value: JSONValue) throws(GraphFailure) {
            guard let graphEnum = enums[property] else { return }
            switch value {
            case .null: return
            case .string(let member):
                let lowered = member.lowercased()
                guard graphEnum.members.contains(where: { $0.lowercased() == lowered }) else {
                    throw GraphFailure.badRequest("Invalid filter clause: The string '\(member)' is not a valid enumeration type constant.")
                }
            case .bool:
                throw Self.incompatible(graphEnum, "Edm.Boolean", property)
            case .number(let number):
                throw Self.incompatible(graphEnum, number == number.rounded() ? "Edm.Int32" : "Edm.Double", property)
            default:
                throw Self.incompatible(graphEnum, "Edm.Untyped", property)
            }
        }
        switch self {
        case .and(let l, let r), .or(let l, let r):
            try l.checkEnumerations(enums)
            try r.checkEnumerations(enums)
        case .not(let e): try e.checkEnumerations(enums)
        case .compare(let property, _, let value), .any(let property, _, _, let value): try check(property, value)
        case .compareInstant(let property, _, let literal, _): try check(property, .string(literal))
        case .isIn(let property, let values): for value in values { try check(property, value) }
        case .function: return
        }
    }

    private static func incompatible(_ graphEnum: GraphEnum, _ literalType: String, _ property: String) -> GraphFailure {
        GraphFailure.badRequest("Invalid filter clause: A binary operator with incompatible types was detected. "
                                + "Found operand types 'microsoft.graph.\(graphEnum.name)' and '\(literalType)' for '\(property)'.")
    }

    /// Replaces comparisons with date-time literals by `compareInstant`.
    func resolvingInstants() -> FilterExpression {
        switch self {
        case .and(let l, let r): return .and(l.resolvingInstants(), r.resolvingInstants())
        case .or(let l, let r): return .or(l.resolvingInstants(), r.resolvingInstants())
        case .not(let e): return .not(e.resolvingInstants())
        case .compare(let property, let op, .string(let literal)) where Self.looksLikeDate(literal):
            guard let instant = GraphTimestamp.date(from: literal) else { return self }
            return .compareInstant(property: property, op: op, literal: literal, instant: instant)
        default: return self
        }
    }

    func matches(_ object: JSONValue) -> Bool {
        switch self {
        case .and(let l, let r): return l.matches(object) && r.matches(object)
        case .or(let l, let r): return l.matches(object) || r.matches(object)
        case .not(let e): return !e.matches(object)
        case .compare(let property, let op, let value):
            return Self.compare(Self.value(of: property, in: object), op, value)
        case .compareInstant(let property, let op, let literal, let instant):
            guard case .string(let actual) = Self.value(of: property, in: object) else {
                return Self.compare(Self.value(of: property, in: object), op, .string(literal))
            }
            if Self.looksLikeDate(actual), actual.utf8.contains(UInt8(ascii: "T")) || literal.utf8.contains(UInt8(ascii: "T")),
               let date = GraphTimestamp.date(from: actual) {
                return Self.order(date, instant, op)
            }
            return Self.compareText(actual, literal, op)
        case .isIn(let property, let values):
            let actual = Self.value(of: property, in: object)
            return values.contains { Self.compare(actual, "eq", $0) }
        case .function(let name, let property, let argument):
            guard let actual = Self.value(of: property, in: object).stringValue?.lowercased() else { return false }
            let needle = argument.lowercased()
            switch name.lowercased() {
            case "startswith": return actual.hasPrefix(needle)
            case "endswith": return actual.hasSuffix(needle)
            case "contains": return actual.contains(needle)
            default: return false
            }
        case .any(let property, let path, let op, let value):
            guard let elements = Self.value(of: property, in: object).arrayValue else { return false }
            guard let path else { return elements.contains { Self.compare($0, op, value) } }
            return elements.contains { Self.compare(Self.value(of: path, in: $0), op, value) }
        }
    }

    static func value(of property: String, in object: JSONValue) -> JSONValue {
        if !property.utf8.contains(UInt8(ascii: "/")) { return object[property] ?? .null }
        var current = object
        for part in property.split(separator: "/") {
            guard let next = current[String(part)] else { return .null }
            current = next
        }
        return current
    }

    static func compare(_ actual: JSONValue, _ op: String, _ expected: JSONValue) -> Bool {
        switch (actual, expected) {
        case (.string(let a), .string(let e)):
            // Parsing dates is costly: only strings shaped like `2026-01-31…` are tried as timestamps.
            if looksLikeDate(a), looksLikeDate(e), a.contains("T") || e.contains("T"),
               let lhs = GraphTimestamp.date(from: a), let rhs = GraphTimestamp.date(from: e) {
                return order(lhs, rhs, op)
            }
            return compareText(a, e, op)
        case (.number(let a), .number(let e)): return order(a, e, op)
        case (.bool(let a), .bool(let e)): return op == "eq" ? a == e : op == "ne" ? a != e : false
        case (.null, .null): return op == "eq"
        case (.null, _): return op == "ne"
        case (_, .null): return op == "ne"
        default: return false
        }
    }

    /// Case-insensitive string comparison; equality of ASCII text without allocating (most filters are
    /// `eq` on enum members and ids, evaluated once per stored object).
    static func compareText(_ a: String, _ e: String, _ op: String) -> Bool {
        if op == "eq" || op == "ne" { return (op == "eq") == a.equalsIgnoringCase(e) }
        return order(a.lowercased(), e.lowercased(), op)
    }

    /// `YYYY-MM-DD` at the start, checked on bytes.
    static func looksLikeDate(_ text: String) -> Bool {
        let bytes = text.utf8
        guard bytes.count >= 10 else { return false }
        for (index, byte) in bytes.prefix(10).enumerated() {
            let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
            if index == 4 || index == 7 { guard byte == UInt8(ascii: "-") else { return false } } else if !isDigit { return false }
        }
        return true
    }

    static func order<T: Comparable>(_ a: T, _ b: T, _ op: String) -> Bool {
        switch op {
        case "eq": a == b
        case "ne": a != b
        case "gt": a > b
        case "ge": a >= b
        case "lt": a < b
        case "le": a <= b
        default: false
        }
    }
}

/// A small OData `$filter` parser: comparisons (`eq ne gt ge lt le`), `in (…)`, `startsWith`,
/// `endsWith`, `contains`, `any`, `and`/`or`/`not`, parentheses; string, number, Boolean, `null`,
/// date-time, GUID and `microsoft.graph.enumType'member'` literals.
struct FilterParser {
    private var tokens: [String]
    private var position = 0
    /// The entity type filtered (`riskyUser`), named in errors.
    private var typeName: String?

    /// Parses `text`. An unquoted word where a value belongs (`riskLevel eq high`) is read as OData
    /// reads it, as a property, and is a 400 as on Graph; `typeName` names the type in that message.
    static func parse(_ text: String, typeName: String? = nil) throws(GraphFailure) -> FilterExpression {
        var parser = FilterParser(tokens: try tokenize(text))
        parser.typeName = typeName
        let expression = try parser.parseOr()
        guard parser.position == parser.tokens.count else {
            throw GraphFailure.badRequest("Invalid filter clause: syntax error at position \(parser.position) in '\(text)'.")
        }
        return expression.resolvingInstants()
    }

    private init(tokens: [String]) { self.tokens = tokens }

    private static func tokenize(_ text: String) throws(GraphFailure) -> [String] {
        var tokens: [String] = []
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character.isWhitespace { index += 1; continue }
            if "(),".contains(character) { tokens.append(String(character)); index += 1; continue }
            if character == "'" {
                var literal = "'"
                index += 1
                while true {
                    guard index < characters.count else { throw GraphFailure.badRequest("Invalid filter clause: unterminated string literal.") }
                    if characters[index] == "'" {
                        if index + 1 < characters.count, characters[index + 1] == "'" { literal.append("'"); index += 2; continue }
                        index += 1
                        break
                    }
                    literal.append(characters[index])
                    index += 1
                }
                tokens.append(literal + "'")
                continue
            }
            var word = ""
            while index < characters.count, !characters[index].isWhitespace, !"(),".contains(characters[index]) {
                if characters[index] == "'" {
                    // microsoft.graph.riskLevel'medium' → keep the quoted member with its type prefix.
                    word.append("'")
                    index += 1
                    while index < characters.count, characters[index] != "'" { word.append(characters[index]); index += 1 }
                    word.append("'")
                    index += 1
                    continue
                }
                word.append(characters[index])
                index += 1
            }
            tokens.append(word)
        }
        return tokens
    }

    private var current: String? { position < tokens.count ? tokens[position] : nil }

    private mutating func expect(_ token: String) throws(GraphFailure) {
        guard current?.lowercased() == token.lowercased() else {
            throw GraphFailure.badRequest("Invalid filter clause: expected '\(token)' but found '\(current ?? "end of expression")'.")
        }
        position += 1
    }

    private mutating func parseOr() throws(GraphFailure) -> FilterExpression {
        var left = try parseAnd()
        while current?.lowercased() == "or" { position += 1; left = .or(left, try parseAnd()) }
        return left
    }

    private mutating func parseAnd() throws(GraphFailure) -> FilterExpression {
        var left = try parseUnary()
        while current?.lowercased() == "and" { position += 1; left = .and(left, try parseUnary()) }
        return left
    }

    private mutating func parseUnary() throws(GraphFailure) -> FilterExpression {
        if current?.lowercased() == "not" { position += 1; return .not(try parseUnary()) }
        if current == "(" {
            position += 1
            let inner = try parseOr()
            try expect(")")
            return inner
        }
        guard let word = current else { throw GraphFailure.badRequest("Invalid filter clause: unexpected end of expression.") }
        position += 1
        if ["startswith", "endswith", "contains"].contains(word.lowercased()) {
            try expect("(")
            guard let property = current else { throw GraphFailure.badRequest("Invalid filter clause.") }
            position += 1
            try expect(",")
            let argument = try parseLiteral()
            try expect(")")
            return .function(name: word, property: property, argument: argument.stringValue ?? "")
        }
        if word.lowercased().hasSuffix("/any") {
            let property = String(word.dropLast(4))
            try expect("(")
            // (c: c eq 'value'), (c:c eq 'value'), (t: t/id eq 'value')
            guard let variable = current else { throw GraphFailure.badRequest("Invalid filter clause.") }
            position += 1
            var name = variable
            var operand: String?
            if let colon = variable.firstIndex(of: ":") {
                name = String(variable[..<colon])
                let rest = String(variable[variable.index(after: colon)...])
                if !rest.isEmpty { operand = rest }
            }
            if operand == nil, current == ":" { position += 1 }
            if operand == nil {
                operand = current
                position += 1
            }
            guard let operand, operand == name || operand.hasPrefix(name + "/") else {
                throw GraphFailure.badRequest("Invalid filter clause: malformed any().")
            }
            let path = operand == name ? nil : String(operand.dropFirst(name.count + 1))
            guard let op = current?.lowercased() else { throw GraphFailure.badRequest("Invalid filter clause.") }
            position += 1
            let value = try parseLiteral()
            try expect(")")
            return .any(property: property, path: path, op: op, value: value)
        }
        guard let op = current?.lowercased() else { throw GraphFailure.badRequest("Invalid filter clause: '\(word)' needs an operator.") }
        position += 1
        if op == "in" {
            try expect("(")
            var values: [JSONValue] = []
            while current != ")" {
                values.append(try parseLiteral())
                if current == "," { position += 1 }
                if current == nil { throw GraphFailure.badRequest("Invalid filter clause: unterminated 'in' list.") }
            }
            position += 1
            return .isIn(property: word, values: values)
        }
        guard ["eq", "ne", "gt", "ge", "lt", "le"].contains(op) else {
            throw GraphFailure.badRequest("Invalid filter clause: unsupported operator '\(op)'.")
        }
        return .compare(property: word, op: op, value: try parseLiteral())
    }

    private mutating func parseLiteral() throws(GraphFailure) -> JSONValue {
        guard let token = current else { throw GraphFailure.badRequest("Invalid filter clause: missing value.") }
        position += 1
        if token.hasPrefix("'"), token.hasSuffix("'"), token.count >= 2 { return .string(String(token.dropFirst().dropLast())) }
        if let quote = token.firstIndex(of: "'"), token.hasSuffix("'") {
            // microsoft.graph.riskLevel'medium'
            return .string(String(token[token.index(after: quote)..<token.index(before: token.endIndex)]))
        }
        switch token.lowercased() {
        case "true": return true
        case "false": return false
        case "null": return .null
        default: break
        }
        // (`Double` would also read `nan` and `inf`, which OData reads as property names.)
        if let first = token.unicodeScalars.first, "0123456789-+.".unicodeScalars.contains(first), let number = Double(token) {
            return .number(number)
        }
        // Unquoted date-times and GUIDs are OData literals; any other word would be a property.
        if FilterExpression.looksLikeDate(token) || UUID(uuidString: token) != nil { return .string(token) }
        let type = typeName.map { "microsoft.graph.\($0)" } ?? "the filtered type"
        throw GraphFailure.badRequest("Invalid filter clause: Could not find a property named '\(token)' on type '\(type)'. "
                                      + "String and enumeration values are quoted: '\(token)'.")
    }
}

/// Query options shared by collection endpoints.
struct CollectionQuery {
    var filter: FilterExpression?
    var select: [String]?
    var top: Int
    var offset: Int
    var count: Bool

    /// Parses `$filter`, `$select`, `$top`, `$skiptoken`, `$count`.
    /// - Parameters:
    ///   - defaultPageSize: page size without `$top`; `nil` returns everything in one page.
    ///   - maximumPageSize: larger `$top` → 400 with `tooLargeMessage`.
    ///   - filterable: the properties `$filter` may name (their first path segment); nil: any.
    ///   - enums: enumeration-typed properties, whose compared literals must be members.
    init(_ request: GraphRequest, defaultPageSize: Int?, maximumPageSize: Int, filterable: Set<String>?, typeName: String,
         enums: [String: GraphEnum] = [:], tooLargeMessage: ((Int) -> String)? = nil) throws(GraphFailure) {
        try self.init(request, defaultPageSize: defaultPageSize, maximumPageSize: maximumPageSize,
                      isFilterable: filterable.map { set in { set.contains($0) } }, typeName: typeName, enums: enums,
                      tooLargeMessage: tooLargeMessage)
    }

    /// The same, with filterability decided per property name (asked only for the properties the filter names).
    init(_ request: GraphRequest, defaultPageSize: Int?, maximumPageSize: Int, isFilterable: ((String) -> Bool)?, typeName: String,
         enums: [String: GraphEnum] = [:], tooLargeMessage: ((Int) -> String)? = nil) throws(GraphFailure) {
        if let text = request.query["$filter"], !text.isEmpty {
            let expression = try FilterParser.parse(text, typeName: typeName)
            if let isFilterable {
                for property in expression.properties where !isFilterable(property.split(separator: "/").first.map(String.init) ?? property) {
                    throw GraphFailure.badRequest("Could not find a property named '\(property)' on type 'microsoft.graph.\(typeName)'.")
                }
            }
            try expression.checkEnumerations(enums)
            filter = expression
        }
        if let text = request.query["$select"], !text.isEmpty {
            select = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        if let text = request.query["$top"] {
            guard let value = Int(text), value >= 0 else {
                throw GraphFailure.badRequest("Invalid value '\(text)' for $top query option found.")
            }
            if value > maximumPageSize {
                throw GraphFailure.badRequest(tooLargeMessage?(value) ?? "Invalid page size specified: '\(value)'. Must be between 1 and \(maximumPageSize) inclusive.")
            }
            top = value  // `$top=0`: an empty page without a next link
        } else {
            top = defaultPageSize ?? Int.max
        }
        offset = 0
        if let token = request.query["$skiptoken"] {
            // A token is valid only for the collection and query that issued it.
            guard let decoded = SkipToken.offset(from: token, for: request) else {
                throw GraphFailure.badRequest("Invalid $skiptoken value.", code: "Request_BadRequest")
            }
            offset = decoded
        }
        count = request.query["$count"]?.lowercased() == "true"
    }

    /// Applies `$select` to one object (`@odata.type` of derived types stays).
    func project(_ object: JSONValue) -> JSONValue {
        guard let select, case .object(let members) = object else { return object }
        var out: [String: JSONValue] = [:]
        for key in select { if let value = members[key] { out[key] = value } }
        if let type = members["@odata.type"] { out["@odata.type"] = type }
        return .object(out)
    }

    /// Filters, pages and projects; returns the collection envelope. `render` turns a stored object
    /// into its wire form and runs only for the objects of the page returned, not the whole collection.
    func page(_ objects: [JSONValue], request: GraphRequest, context: String, filterMatches: ((JSONValue) -> Bool)? = nil,
              render: ((JSONValue) -> JSONValue)? = nil) -> JSONValue {
        let filtered = filter == nil && filterMatches == nil
            ? objects : objects.filter { object in (filter?.matches(object) ?? true) && (filterMatches?(object) ?? true) }
        let start = min(offset, filtered.count)
        let end = top == Int.max ? filtered.count : min(filtered.count, start + top)
        var envelope: [String: JSONValue] = [
            "@odata.context": .string("\(request.serviceRoot)/$metadata#\(context)"),
            "value": .array(filtered[start..<end].map { project(render?($0) ?? $0) }),
        ]
        if count { envelope["@odata.count"] = .number(Double(filtered.count)) }
        if top > 0, end < filtered.count {
            envelope["@odata.nextLink"] = .string(SkipToken.nextLink(for: request, offset: end))
        }
        return .object(envelope)
    }
}

/// Opaque `$skiptoken` values: clients must use `@odata.nextLink` verbatim. A token carries the
/// offset and a digest of the request it continues (version, path, query options other than
/// `$skiptoken`), so a token from another collection or another query is refused.
enum SkipToken {
    static func make(offset: Int, for request: GraphRequest) -> String {
        let noise = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        return "RFNwdAIAAQAAA" + Base64URL.encode(Data("o=\(offset);s=\(scope(of: request));n=\(noise)".utf8))
    }

    /// The offset a token encodes, when it was issued for this request's collection and query.
    static func offset(from token: String, for request: GraphRequest) -> Int? {
        guard token.hasPrefix("RFNwdAIAAQAAA"), let data = Base64URL.decode(token.dropFirst(13)),
              let text = String(data: data, encoding: .utf8) else { return nil }
        var fields: [Substring: Substring] = [:]
        for field in text.split(separator: ";") {
            let parts = field.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        guard let offset = fields["o"].flatMap({ Int($0) }), offset >= 0, fields["s"] == Substring(scope(of: request)) else { return nil }
        return offset
    }

    /// A digest of what a page depends on: version, path (case-insensitively, as Graph routes) and
    /// the query options except `$skiptoken`.
    static func scope(of request: GraphRequest) -> String {
        let options = request.query.filter { $0.key.lowercased() != "$skiptoken" }.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value)" }.joined(separator: "&")
        let text = "\(request.version.rawValue)\(request.path.lowercased())?\(options)"
        return SHA256.hash(data: Data(text.utf8)).prefix(9).map { String(format: "%02x", $0) }.joined()
    }

    static func nextLink(for request: GraphRequest, offset: Int) -> String {
        var items = request.query.filter { $0.key != "$skiptoken" }.sorted { $0.key < $1.key }
            .map { "\(percentEncode($0.key))=\(percentEncode($0.value))" }
        items.append("$skiptoken=\(make(offset: offset, for: request))")
        return "\(request.origin)/\(request.version.rawValue)\(request.path)?\(items.joined(separator: "&"))"
    }

    static func percentEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~$")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// For the fuzzers (`Tests/Fuzz`): parses `text` as a `$filter` (as for `typeName`, when given), and
/// when it parses, evaluates it against `sample` and reads what the service reads of it. Returns
/// whether `sample` matches, or the HTTP status and message the emulator would answer a filter it
/// refuses with. Neither may crash.
package func exerciseODataFilter(_ text: String, typeName: String? = nil, sample: JSONValue) -> (matches: Bool?, refusal: (status: Int, message: String)?) {
    do {
        let expression = try FilterParser.parse(text, typeName: typeName)
        _ = expression.properties
        _ = expression.idsOnly
        return (expression.matches(sample), nil)
    } catch {
        return (nil, (error.status, error.message))
    }
}
