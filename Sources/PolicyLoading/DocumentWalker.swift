import PolicyModel
import Yams

/// Walks one YAML document against the language's shapes, producing the document's JSON form, a
/// source map, and a diagnostic for every problem (it keeps going after the first).
struct DocumentWalker {
    let file: String
    let limits: LoadLimits
    private(set) var diagnostics: [Diagnostic] = []
    private var sourceMap = SourceMap()
    private var visitedNodes = 0
    private var budgetExceeded = false
    /// Diagnostics already reported, by position and message: a mistake repeated through an alias
    /// (every use of an alias is the anchored node, at the anchor's position) is reported once.
    private var reported: Set<Diagnostic> = []
    /// Reference text → the reserved word it is close to (nil inside: none), per kind of reference.
    /// (The file's loader hands it from one document's walker to the next.)
    var nearReservedWords: [String: String?] = [:]

    /// The file's text, to place a problem inside a quoted value whose escapes (`''`, `\"`,
    /// `\u00e9`) make the source longer than the value (read only when there is such a problem).
    let text: String

    init(file: String, limits: LoadLimits, text: String = "") {
        self.file = file
        self.limits = limits
        self.text = text
    }

    /// The 1-based source column of the value's scalar at `offset`, for a quoted scalar written on one
    /// line whose opening quote is at `at`; nil when the source does not read as that (folded lines).
    static func sourceColumn(of offset: Int, style: Node.Scalar.Style, at: SourceLocation, text: String) -> Int? {
        guard style == .singleQuoted || style == .doubleQuoted, at.line >= 1 else { return nil }
        let lines = text.unicodeScalars.split(separator: "\n", maxSplits: at.line, omittingEmptySubsequences: false)
        guard at.line <= lines.count else { return nil }
        let line = Array(lines[at.line - 1])
        let quote: Unicode.Scalar = style == .singleQuoted ? "'" : "\""
        guard at.column >= 1, at.column <= line.count, line[at.column - 1] == quote else { return nil }
        var index = at.column  // 0-based index of the value's first source scalar
        for _ in 0..<offset {
            guard index < line.count else { return nil }
            if style == .singleQuoted {
                index += line[index] == "'" && index + 1 < line.count && line[index + 1] == "'" ? 2 : 1
            } else if line[index] == "\\", index + 1 < line.count {
                index += line[index + 1] == "x" ? 4 : line[index + 1] == "u" ? 6 : line[index + 1] == "U" ? 10 : 2
            } else {
                index += 1
            }
        }
        return index < line.count ? index + 1 : nil
    }

    mutating func document(_ node: Node) -> LoadedDocument? {
        let documentLocation = location(node)
        guard tagFits(node) else { return nil }
        guard case .mapping(let mapping) = node else {
            error("a document must be a mapping that starts with 'kind:'; found \(describe(node))", at: documentLocation,
                  suggestion: "start it with 'kind: ConditionalAccessPolicy'")
            return nil
        }
        // Only messages need the kinds' names: computed when one is written.
        var kindNames: [String] { DocumentKind.allRawValues }
        guard let kindNode = mapping["kind"] else {
            error("missing required key 'kind'", at: documentLocation,
                  suggestion: "add 'kind:' with one of \(kindNames.joined(separator: ", "))")
            return nil
        }
        guard tagFits(kindNode) else { return nil }
        guard case .scalar(let kindScalar) = kindNode, ExplicitTag(kindScalar.tag).meaning.isString,
              let kind = DocumentKind(rawValue: kindScalar.string) else {
            let text = kindNode.scalar?.string ?? describe(kindNode)
            error("unknown kind '\(text)'", at: location(kindNode),
                  suggestion: Suggestions.didYouMean(text, among: kindNames) ?? "valid kinds: \(kindNames.joined(separator: ", "))")
            return nil
        }
        let errorsBefore = errorCount
        let json = walkObject(mapping, LanguageSchema.shape(of: kind), path: "", depth: 1)
        guard errorCount == errorsBefore, let json else { return nil }
        return LoadedDocument(kind: kind, location: location(kindNode), sourceMap: sourceMap, json: json)
    }

    // MARK: Walking

    private var errorCount: Int { diagnostics.lazy.filter { $0.severity == .error }.count }

    private mutating func walk(_ node: Node, _ shape: Shape, path: String, depth: Int) -> JSONValue? {
        visitedNodes += 1
        if visitedNodes > limits.maximumNodesPerDocument {
            if !budgetExceeded {
                budgetExceeded = true
                error("document expands to more than \(limits.maximumNodesPerDocument) values; aliases that repeat aliases (a 'billion laughs') are not accepted",
                      at: location(node))
            }
            return nil
        }
        guard depth <= limits.maximumDepth else {
            error("nesting deeper than \(limits.maximumDepth) levels", at: location(node))
            return nil
        }
        sourceMap.record(path, location(node))
        guard tagFits(node) else { return nil }
        let tag = explicitTag(node)
        switch shape {
        case .object(let object):
            guard case .mapping(let mapping) = node else {
                typeMismatch(node, expected: "a mapping", path: path)
                return nil
            }
            return walkObject(mapping, object, path: path, depth: depth)
        case .list(let element, let isSet):
            guard case .sequence(let sequence) = node else {
                var suggestion: String?
                if case .scalar(let scalar) = node { suggestion = "write [\(scalar.string)]" }
                typeMismatch(node, expected: "a list", path: path, suggestion: suggestion)
                return nil
            }
            return walkList(sequence, element: element, isSet: isSet, path: path, depth: depth)
        case .string(let kind):
            guard case .scalar(let scalar) = node, !isNull(scalar), tag.meaning.isString else {
                typeMismatch(node, expected: "a string", path: path)
                return nil
            }
            // A plain number or Boolean is not text (YAML 1.2 reads it as a number or a Boolean): quote it
            // (or tag it `!!str`).
            if tag.meaning == .none, scalar.style == .plain, Self.isPlainNumberOrBoolean(scalar.string) {
                // A bare number where a percentage goes lacks its percent sign, not quotes.
                if case .percentage = kind, Double(scalar.string) != nil {
                    typeMismatch(node, expected: "a percentage", path: path, suggestion: "add the percent sign: \(scalar.string)%")
                } else {
                    typeMismatch(node, expected: "a string", path: path, suggestion: "quote it: '\(scalar.string)'")
                }
                return nil
            }
            return checkString(scalar, kind, path: path)
        case .integer(let range):
            guard case .scalar(let scalar) = node, tag.meaning == .integer || (tag.meaning == .none && isPlain(scalar)) else {
                typeMismatch(node, expected: "a whole number", path: path)
                return nil
            }
            // A whole number may be written 10 or 10.0 (JSON Schema's integer accepts both); `!!int` takes only 10.
            guard let value = Int(scalar.string) ?? (tag.meaning == .none ? Self.wholeNumber(scalar.string) : nil) else {
                if tag.meaning == .integer {
                    error("'\(scalar.string)' is not a whole number; '!!int' takes whole numbers", at: location(node))
                } else {
                    typeMismatch(node, expected: "a whole number", path: path)
                }
                return nil
            }
            guard range.contains(value) else {
                error("\(value) is out of range \(range.lowerBound)…\(range.upperBound) for '\(name(of: path))'", at: location(node))
                return nil
            }
            return .number(Double(value))
        case .boolean:
            guard case .scalar(let scalar) = node, tag.meaning == .boolean || (tag.meaning == .none && isPlain(scalar)) else {
                typeMismatch(node, expected: "true or false", path: path)
                return nil
            }
            switch scalar.string.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default:
                if tag.meaning == .boolean {
                    error("'\(scalar.string)' is not a boolean; '!!bool' takes true or false", at: location(node))
                } else {
                    typeMismatch(node, expected: "true or false", path: path)
                }
                return nil
            }
        }
    }

    private mutating func walkObject(_ mapping: Node.Mapping, _ shape: ObjectShape, path: String, depth: Int) -> JSONValue? {
        let mappingLocation = mapping.mark.map(sourceLocation) ?? SourceLocation(file: file, line: 1, column: 1)
        sourceMap.record(path, mappingLocation)
        let errorsBefore = errorCount
        var members: [String: JSONValue] = [:]
        var keyLocations: [String: SourceLocation] = [:]
        for (keyNode, valueNode) in mapping {
            if case .scalar(let keyScalar) = keyNode { keyLocations[keyScalar.string] = location(keyNode) }
            guard tagFits(keyNode) else { continue }
            guard case .scalar(let keyScalar) = keyNode, ExplicitTag(keyScalar.tag).meaning.isString else {
                error("a key must be a plain name; found \(describe(keyNode))", at: location(keyNode))
                continue
            }
            let key = keyScalar.string
            let childPath = path.isEmpty ? key : "\(path).\(key)"
            guard let field = shape.field(named: key) else {
                unknownKey(key, at: location(keyNode), shape: shape, path: path)
                continue
            }
            if case .scalar(let scalar) = valueNode, isNull(scalar) {
                if field.isRequired {
                    error("'\(key)' must have a value", at: location(keyNode))
                }
                continue  // an explicit null says the same as leaving the key out
            }
            if let value = walk(valueNode, field.shape, path: childPath, depth: depth + 1) {
                members[key] = value
            }
        }
        // A key that is present but wrong is reported as such, not as missing too.
        for field in shape.fields where field.isRequired && members[field.name] == nil && keyLocations[field.name] == nil {
            let container = path.isEmpty ? "" : " in '\(path)'"
            error("missing required key '\(field.name)'\(container)", at: mappingLocation)
        }
        // Rules see only valid members; skip them when something inside is already wrong.
        if errorCount == errorsBefore {
            for rule in shape.rules {
                for violation in rule.check(members) {
                    let at = violation.key.flatMap { keyLocations[$0] } ?? mappingLocation
                    add(Diagnostic(violation.severity, violation.message, at: at, suggestion: violation.suggestion))
                }
            }
        }
        return .object(members)
    }

    private mutating func walkList(_ sequence: Node.Sequence, element: Shape, isSet: Bool, path: String, depth: Int) -> JSONValue? {
        var items: [JSONValue] = []
        var firstSeen: [JSONValue: SourceLocation] = [:]
        // Uses of one anchor through aliases: they all sit at the anchor, so they are counted and reported once.
        var aliasRepeats: [SourceLocation: (shown: String, count: Int)] = [:]
        for (index, itemNode) in sequence.enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard let item = walk(itemNode, element, path: itemPath, depth: depth + 1) else { continue }
            if isSet {
                let identity = caseFolded(item)
                if let first = firstSeen[identity] {
                    let shown = item.stringValue.map { "'\($0)'" } ?? "item"
                    if first == location(itemNode) {
                        aliasRepeats[first, default: (shown, 0)].count += 1
                        continue
                    }
                    error("duplicate \(shown) in '\(name(of: path))'; first at line \(first.line), column \(first.column)", at: location(itemNode),
                          suggestion: "lists are sets: remove the repeat")
                    continue
                }
                firstSeen[identity] = location(itemNode)
            }
            items.append(item)
        }
        for (anchor, repeated) in aliasRepeats.sorted(by: { $0.key < $1.key }) {
            error("\(repeated.shown) is repeated \(repeated.count) time\(repeated.count == 1 ? "" : "s") in '\(name(of: path))' through an alias of the anchor here",
                  at: anchor, suggestion: "lists are sets: use the value once")
        }
        return .array(items)
    }

    private mutating func checkString(_ scalar: Node.Scalar, _ kind: StringKind, path: String) -> JSONValue? {
        let text = scalar.string
        let at = scalar.mark.map(sourceLocation) ?? SourceLocation(file: file, line: 1, column: 1)
        /// Where the problem's offset falls in the source (the value's start when it spans lines).
        func position(_ problem: ValueProblem) -> SourceLocation {
            var column = at.column
            if problem.offset > 0, !text.contains("\n") {
                if let mapped = Self.sourceColumn(of: problem.offset, style: scalar.style, at: at, text: self.text) { return SourceLocation(file: file, line: at.line, column: mapped) }
                let quoteWidth = scalar.style == .singleQuoted || scalar.style == .doubleQuoted ? 1 : 0
                column += quoteWidth + problem.offset
            }
            return SourceLocation(file: file, line: at.line, column: column)
        }
        func report(_ problem: ValueProblem?) -> JSONValue? {
            guard let problem else { return .string(text) }
            error(problem.message, at: position(problem), suggestion: problem.suggestion)
            return nil
        }
        switch kind {
        case .text:
            return .string(text)
        case .nonEmptyText:
            return report(text.trimmingCharacters(in: .whitespaces).isEmpty
                          ? ValueProblem(message: "'\(name(of: path))' must not be empty") : nil)
        case .displayName(let maximumLength):
            let field = name(of: path)
            if let problem = DisplayNames.problem(text, field: field, maximumLength: maximumLength) { return report(problem) }
            for warning in DisplayNames.warnings(text, field: field) {
                add(.warning(warning.message, at: position(warning), suggestion: warning.suggestion))
            }
            return .string(text)
        case .enumeration(let values, let aliases):
            if values.contains(text) { return .string(text) }
            if let canonical = aliases[text] { return .string(canonical) }
            let suggestion = values.first { $0.caseInsensitiveCompare(text) == .orderedSame }.map { "did you mean '\($0)'?" }
                ?? Suggestions.didYouMean(text, among: values + aliases.keys.sorted())
                ?? "valid values: \(values.joined(separator: ", "))"
            return report(ValueProblem(message: "'\(text)' is not a valid value for '\(name(of: path))'", suggestion: suggestion))
        case .reference(let reference):
            return checkReference(text, reference, path: path, at: at)
        case .duration: return report(ValueChecks.duration(text))
        case .percentage: return report(ValueChecks.percentage(text))
        case .cidr: return report(ValueChecks.cidr(text))
        case .ipAddress: return report(ValueChecks.ipAddress(text))
        case .countryCode: return report(ValueChecks.countryCode(text))
        case .filterRule: return report(FilterRuleSyntax.check(text))
        case .objectID: return report(ValueChecks.objectID(text))
        case .userAction: return report(ValueChecks.userAction(text))
        case .riskEventType:
            if text.trimmingCharacters(in: .whitespaces).isEmpty {
                return report(ValueProblem(message: "'\(name(of: path))' must not be empty"))
            }
            if let documented = RiskEventTypes.documented.first(where: { $0.caseInsensitiveCompare(text) == .orderedSame }) {
                return .string(documented)
            }
            // Graph adds types over time, so an undocumented one is allowed; a typo would silently match nothing.
            let suggestion = Suggestions.didYouMean(text, among: RiskEventTypes.documented)
                ?? "detections of exactly this type are matched; documented types: leakedCredentials, anomalousToken, unfamiliarFeatures, …"
            add(.warning("'\(text)' is not a risk event type Microsoft documents", at: at, suggestion: suggestion))
            return .string(text)
        }
    }

    private mutating func checkReference(_ text: String, _ kind: ReferenceKind, path: String, at: SourceLocation) -> JSONValue? {
        // Only messages need the field's name: computed when one is written.
        var field: String { name(of: path) }
        if let word = ReservedWord.canonical(text) {
            guard kind.reservedWords.contains(word) else {
                let allowed = kind.reservedWords.isEmpty ? "no reserved words are allowed here"
                    : "allowed here: \(kind.reservedWords.joined(separator: ", "))"
                error("'\(text)' is a reserved word that '\(field)' does not accept; \(allowed)", at: at)
                return nil
            }
            return .string(word)
        }
        if DirectoryReference.isObjectID(text) { return .string(text.lowercased()) }
        guard text.contains(where: { $0 != " " && $0 != "\t" }) else {
            error("empty reference in '\(field)'", at: at)
            return nil
        }
        // The same names recur across policies: each is compared with the reserved words once.
        let cacheKey = "\(kind.reservedWords.joined(separator: ","))\u{0}\(text)"
        let nearReserved: String?
        if let cached = nearReservedWords[cacheKey] {
            nearReserved = cached
        } else {
            nearReserved = Suggestions.nearest(text, among: kind.reservedWords)
            nearReservedWords[cacheKey] = .some(nearReserved)
        }
        if kind.requiresUPN && !text.utf8.contains(UInt8(ascii: "@")) {
            let suggestion = nearReserved.map { "did you mean '\($0)'?" }
                ?? (kind.reservedWords.isEmpty ? "write the user's UPN, e.g. alice@contoso.com"
                    : "write a UPN, an object id, or one of \(kind.reservedWords.joined(separator: ", "))")
            error("'\(text)' is not a user principal name or object id", at: at, suggestion: suggestion)
            return nil
        }
        if let nearReserved, !kind.requiresUPN {
            add(.warning("'\(text)' will be looked up as a \(kind.noun) name", at: at,
                         suggestion: "did you mean the reserved word '\(nearReserved)'?"))
        }
        return .string(text)
    }

    // MARK: Diagnostics

    private mutating func unknownKey(_ key: String, at: SourceLocation, shape: ObjectShape, path: String) {
        let valid = shape.fields.map(\.name)
        let container = path.isEmpty ? "" : " in '\(path)'"
        var suggestion = Suggestions.didYouMean(key, among: valid)
        if suggestion == nil, let home = KeyIndex.homes(of: key).first(where: { $0 != path }) {
            suggestion = "'\(key)' belongs under '\(home)'"
        }
        if suggestion == nil {
            suggestion = "valid keys here: \(valid.filter { $0 != "kind" }.joined(separator: ", "))"
        }
        error("unknown key '\(key)'\(container)", at: at, suggestion: suggestion)
    }

    private mutating func typeMismatch(_ node: Node, expected: String, path: String, suggestion: String? = nil) {
        error("expected \(expected) for '\(name(of: path))', found \(describe(node))", at: location(node), suggestion: suggestion)
    }

    private mutating func error(_ message: String, at location: SourceLocation, suggestion: String? = nil) {
        add(.error(message, at: location, suggestion: suggestion))
    }

    private mutating func add(_ diagnostic: Diagnostic) {
        guard reported.insert(diagnostic).inserted else { return }
        diagnostics.append(diagnostic)
    }

    /// Whether the node's explicit tag (if any) is one the language reads and fits the node; if not,
    /// reports why.
    private mutating func tagFits(_ node: Node) -> Bool {
        let tag = explicitTag(node)
        if tag.meaning == .unsupported {
            error("the YAML tag '\(tag.shown)' is not supported; entraform reads plain strings, numbers, booleans, lists and mappings; remove the tag",
                  at: location(node))
            return false
        }
        let fits = switch node {
        case .scalar: tag.meaning != .sequence && tag.meaning != .mapping
        case .sequence: tag.meaning == .none || tag.meaning == .sequence
        case .mapping: tag.meaning == .none || tag.meaning == .mapping
        case .alias: true
        }
        if !fits {
            error("the tag '\(tag.shown)' does not fit \(describeKind(node)); remove it", at: location(node))
        }
        return fits
    }

    // MARK: Helpers

    private func location(_ node: Node) -> SourceLocation {
        node.mark.map(sourceLocation) ?? SourceLocation(file: file, line: 1, column: 1)
    }

    private func sourceLocation(_ mark: Mark) -> SourceLocation {
        SourceLocation(file: file, line: max(1, mark.line), column: max(1, mark.column))
    }

    /// YAML 1.2 core schema numbers (`12`, `-1.5`, `1e3`) and Booleans (`true`, `False`, `TRUE`).
    static func isPlainNumberOrBoolean(_ text: String) -> Bool {
        if ["true", "True", "TRUE", "false", "False", "FALSE"].contains(text) { return true }
        var digits = 0
        var index = text.startIndex
        if index < text.endIndex, text[index] == "-" || text[index] == "+" { index = text.index(after: index) }
        var sawDot = false, sawExponent = false
        while index < text.endIndex {
            let character = text[index]
            if character.isASCII, character.isNumber {
                digits += 1
            } else if character == ".", !sawDot, !sawExponent {
                sawDot = true
            } else if character == "e" || character == "E", digits > 0, !sawExponent {
                sawExponent = true
                let next = text.index(after: index)
                if next < text.endIndex, text[next] == "-" || text[next] == "+" { index = next }
            } else {
                return false
            }
            index = text.index(after: index)
        }
        return digits > 0
    }

    /// `10.0` (a whole number written with a fraction) as 10; nil otherwise.
    static func wholeNumber(_ text: String) -> Int? {
        guard isPlainNumberOrBoolean(text), let value = Double(text), value == value.rounded(), abs(value) < 1e15 else { return nil }
        return Int(value)
    }

    /// Null: `!!null` whatever its text, or an untagged plain `~`, `null` or nothing.
    private func isNull(_ scalar: Node.Scalar) -> Bool {
        switch ExplicitTag(scalar.tag).meaning {
        case .null: true
        case .none: scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
        default: false
        }
    }

    private func isPlain(_ scalar: Node.Scalar) -> Bool { scalar.style == .plain || scalar.style == .any }

    private func explicitTag(_ node: Node) -> ExplicitTag {
        switch node {
        case .scalar(let scalar): ExplicitTag(scalar.tag)
        case .mapping(let mapping): ExplicitTag(mapping.tag, isCollection: true)
        case .sequence(let sequence): ExplicitTag(sequence.tag, isCollection: true)
        case .alias: ExplicitTag(meaning: .none, shown: "")
        }
    }

    private func describeKind(_ node: Node) -> String {
        switch node {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .scalar, .alias: "a single value"
        }
    }

    /// The last key of a path, without list indexes: `conditions.users.includeUsers[2]` → `includeUsers`.
    private func name(of path: String) -> String {
        let last = path.split(separator: ".").last.map(String.init) ?? path
        return last.split(separator: "[").first.map(String.init) ?? last
    }

    private func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if isNull(scalar) { return "nothing (null)" }
            let tag = ExplicitTag(scalar.tag)
            switch tag.meaning {
            case .boolean, .integer, .float: return "a \(tag.shown) value"
            case .string where !scalar.string.isEmpty:
                let shown = scalar.string.count > 40 ? String(scalar.string.prefix(40)) + "…" : scalar.string
                return "the string '\(shown)' (tagged \(tag.shown))"
            default: break
            }
            if scalar.style == .plain {
                if Int(scalar.string) != nil || Double(scalar.string) != nil { return "the number \(scalar.string)" }
                if ["true", "false"].contains(scalar.string.lowercased()) { return "the boolean \(scalar.string)" }
            }
            let shown = scalar.string.count > 40 ? String(scalar.string.prefix(40)) + "…" : scalar.string
            return "the string '\(shown)'"
        }
    }

    private func caseFolded(_ value: JSONValue) -> JSONValue {
        if case .string(let text) = value { return .string(text.lowercased()) }
        return value
    }
}

/// What an explicit YAML tag (`!!str true`, `!foo x`) says a node is. The standard tags are read
/// against the type a key needs; any other tag is an error, never silently dropped.
struct ExplicitTag: Equatable {
    enum Meaning: Equatable {
        /// No tag (or the non-specific `!` on a list or mapping): the value is read by its form.
        case none
        /// `!!str`, or the non-specific `!` on a scalar.
        case string
        case boolean, integer, float, null, sequence, mapping
        /// `!!binary`, `!!timestamp`, `!!set`, a local `!foo`, a verbatim `!<…>`, …
        case unsupported

        /// Text: untagged, or tagged as a string.
        var isString: Bool { self == .none || self == .string }
    }

    var meaning: Meaning
    /// As written in YAML: `!!str`, `!foo`, `!<tag:example.com,2024:x>`.
    var shown: String

    init(meaning: Meaning, shown: String) {
        self.meaning = meaning
        self.shown = shown
    }

    init(_ tag: Tag, isCollection: Bool = false) {
        let raw = tag.rawValue
        let core = "tag:yaml.org,2002:"
        shown = raw.hasPrefix(core) ? "!!" + raw.dropFirst(core.count) : raw.hasPrefix("!") ? raw : "!<\(raw)>"
        switch raw {
        case "": meaning = .none
        case "!": meaning = isCollection ? .none : .string
        case Tag.Name.str.rawValue: meaning = .string
        case Tag.Name.bool.rawValue: meaning = .boolean
        case Tag.Name.int.rawValue: meaning = .integer
        case Tag.Name.float.rawValue: meaning = .float
        case Tag.Name.null.rawValue: meaning = .null
        case Tag.Name.seq.rawValue: meaning = .sequence
        case Tag.Name.map.rawValue: meaning = .mapping
        default: meaning = .unsupported
        }
    }
}

/// Where each key is valid in the language, for "'includeGroups' belongs under 'conditions.users'".
enum KeyIndex {
    static let homesByKey: [String: [String]] = {
        var index: [String: [String]] = [:]
        func visit(_ shape: ObjectShape, path: String) {
            for field in shape.fields {
                index[field.name, default: []].append(path)
                let child = path.isEmpty ? field.name : "\(path).\(field.name)"
                switch field.shape {
                case .object(let object): visit(object, path: child)
                case .list(.object(let object), _): visit(object, path: child + "[]")
                default: break
                }
            }
        }
        for kind in DocumentKind.allCases { visit(LanguageSchema.shape(of: kind), path: "") }
        return index
    }()

    static func homes(of key: String) -> [String] {
        (homesByKey[key] ?? []).filter { !$0.isEmpty }
    }
}
