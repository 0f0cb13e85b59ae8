import Foundation
import PolicyModel
import Yams

/// One configuration file's bytes and the path to name it by in diagnostics.
public struct PolicySource: Sendable {
    public var path: String
    public var data: Data

    public init(path: String, data: Data) {
        self.path = path
        self.data = data
    }

    public init(path: String, text: String) {
        self.init(path: path, data: Data(text.utf8))
    }
}

/// What loading produced: the declarations that are valid, and every problem found, sorted by position.
public struct LoadResult: Sendable {
    public var configuration: Configuration
    public var diagnostics: [Diagnostic]
    /// The decoded text of each source, by path, for rendering snippets under diagnostics.
    public var texts: [String: String]

    public var hasErrors: Bool { diagnostics.containsErrors }
}

/// Limits that keep hostile input from exhausting memory, stack or time.
public struct LoadLimits: Sendable {
    /// Largest file accepted.
    public var maximumFileSize = 5 * 1024 * 1024
    /// Deepest nesting accepted (the language itself needs fewer than 10 levels).
    public var maximumDepth = 64
    /// Most nodes one document may expand to, counting every use of an alias.
    public var maximumNodesPerDocument = 200_000

    public init() {}
}

/// Loads policy language files: YAML → typed declarations, with `file:line:column` diagnostics.
///
/// Pure: it takes bytes and returns values. Every problem in every file is collected in one run.
public enum ConfigurationLoader {
    public static func load(_ sources: [PolicySource], limits: LoadLimits = LoadLimits()) -> LoadResult {
        var configuration = Configuration()
        var diagnostics: [Diagnostic] = []
        var texts: [String: String] = [:]
        var documents: [LoadedDocument] = []
        // Files load independently (each on a core), then join in path order.
        let sorted = sources.sorted(by: { $0.path < $1.path })
        for (source, loaded) in zip(sorted, sorted.concurrentMap { FileLoader(source: $0, limits: limits).load() }) {
            diagnostics += loaded.diagnostics
            if let text = loaded.text { texts[source.path] = text }
            documents += loaded.documents
        }
        diagnostics += assemble(documents, into: &configuration)
        return LoadResult(configuration: configuration, diagnostics: diagnostics.sortedByLocation(), texts: texts)
    }

    /// Decodes valid documents into the typed model and checks what spans documents: one `Settings`,
    /// unique policy and location display names, unique rule names.
    static func assemble(_ documents: [LoadedDocument], into configuration: inout Configuration) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        var firstSeen: [String: (location: SourceLocation, name: String)] = [:]

        // Names that look the same in the portal are duplicates: case, invisible characters and spacing aside.
        func checkUnique(_ name: String, key: String, scope: String, document: LoadedDocument) -> Bool {
            let location = document.sourceMap.location(of: key) ?? document.location
            let identity = "\(scope)\u{0}\(DisplayNames.lookalikeKey(name))"
            if let first = firstSeen[identity] {
                if first.name.lowercased() == name.lowercased() {
                    diagnostics.append(.error("duplicate \(key) '\(name)'; also declared at \(first.location)", at: location))
                } else {
                    diagnostics.append(.error(
                        "duplicate \(key) '\(DisplayNames.visible(name))'; also declared at \(first.location) as '\(DisplayNames.visible(first.name))': "
                            + "they differ only by invisible characters or spaces, so they look the same in the portal", at: location))
                }
                return false
            }
            firstSeen[identity] = (location, name)
            return true
        }

        for document in documents {
            switch document.kind {
            case .settings:
                if let existing = configuration.settings {
                    diagnostics.append(.error("more than one Settings document; the first is at \(existing.location)", at: document.location))
                } else if let value: Settings = document.decode(&diagnostics) {
                    configuration.settings = document.declared(value)
                }
            case .conditionalAccessPolicy:
                guard let value: ConditionalAccessPolicy = document.decode(&diagnostics),
                      checkUnique(value.displayName, key: "displayName", scope: "policy", document: document) else { continue }
                configuration.policies.append(document.declared(value))
            case .namedLocation:
                guard let value: NamedLocation = document.decode(&diagnostics),
                      checkUnique(value.displayName, key: "displayName", scope: "location", document: document) else { continue }
                configuration.namedLocations.append(document.declared(value))
            case .riskResponseRule:
                guard let value: RiskResponseRule = document.decode(&diagnostics),
                      checkUnique(value.name, key: "name", scope: "rule", document: document) else { continue }
                configuration.riskResponseRules.append(document.declared(value))
            }
        }
        return diagnostics
    }
}

/// A document that passed validation, in the language's JSON form and decoded into the typed model
/// (with its file, on the file's core).
struct LoadedDocument {
    var kind: DocumentKind
    var location: SourceLocation
    var sourceMap: SourceMap
    var json: JSONValue
    /// The typed value, or why it could not be decoded.
    var decoded: Result<any Decodable & Sendable, DecodingProblem>

    /// Validation admits only what the model can hold; a document that still fails to decode is a
    /// bug worth reporting clearly.
    struct DecodingProblem: Error {
        var description: String
    }

    init(kind: DocumentKind, location: SourceLocation, sourceMap: SourceMap, json: JSONValue) {
        self.kind = kind
        self.location = location
        self.sourceMap = sourceMap
        self.json = json
        do {
            let value: any Decodable & Sendable = switch kind {
            case .settings: try json.decode(Settings.self)
            case .conditionalAccessPolicy: try json.decode(ConditionalAccessPolicy.self)
            case .namedLocation: try json.decode(NamedLocation.self)
            case .riskResponseRule: try json.decode(RiskResponseRule.self)
            }
            decoded = .success(value)
        } catch {
            decoded = .failure(DecodingProblem(description: "\(error)"))
        }
    }

    func decode<Value: Decodable>(_ diagnostics: inout [Diagnostic]) -> Value? {
        switch decoded {
        case .success(let value as Value): return value
        case .success: diagnostics.append(.error("internal error: a validated \(kind.rawValue) decoded as another kind", at: location))
        case .failure(let problem): diagnostics.append(.error("internal error: a validated \(kind.rawValue) could not be decoded (\(problem.description))", at: location))
        }
        return nil
    }

    func declared<Value>(_ value: Value) -> Declared<Value> {
        Declared(value: value, location: location, sourceMap: sourceMap, document: json)
    }
}

/// Loads one file: bytes → text → YAML documents → validated documents.
struct FileLoader {
    var source: PolicySource
    var limits: LoadLimits

    struct Output {
        var text: String?
        var documents: [LoadedDocument] = []
        var diagnostics: [Diagnostic] = []
    }

    func load() -> Output {
        var output = Output()
        let start = SourceLocation(file: source.path, line: 1, column: 1)
        guard source.data.count <= limits.maximumFileSize else {
            let megabytes = String(format: "%.1f", Double(source.data.count) / 1_048_576)
            output.diagnostics.append(.error("file is \(megabytes) MiB; configuration files are limited to \(limits.maximumFileSize / 1_048_576) MiB", at: start))
            return output
        }
        let text: String
        switch TextDecoding.decode(source.data) {
        case .success(let decoded): text = decoded
        case .failure(let problem):
            output.diagnostics.append(.error(problem.message, at: SourceLocation(file: source.path, line: problem.line, column: problem.column)))
            return output
        }
        output.text = text
        if let problem = NestingScan.firstProblem(in: text, depthLimit: limits.maximumDepth) {
            output.diagnostics.append(.error(problem.message, at: SourceLocation(file: source.path, line: problem.line, column: problem.column),
                                             suggestion: problem.suggestion))
            return output
        }
        let parser: Parser
        do {
            // The walker reads scalars by style and text, never by resolved tag; the basic resolver
            // spares Yams a regular-expression match per scalar when it hashes keys (a fifth of load time).
            parser = try Parser(yaml: text, resolver: .basic, encoding: .utf8)
        } catch {
            output.diagnostics.append(YAMLErrors.diagnostic(for: error, file: source.path, text: text))
            return output
        }
        var sawDocument = false
        // Names recur across a file's documents: the reserved words near each are looked up once.
        var nearReservedWords: [String: String?] = [:]
        while true {
            let node: Node?
            do {
                node = try parser.nextRoot()
            } catch {
                output.diagnostics.append(YAMLErrors.diagnostic(for: error, file: source.path, text: text))
                break
            }
            guard let node else { break }
            if case .scalar(let scalar) = node, scalar.string.isEmpty || scalar.string == "~" || scalar.string == "null", scalar.style == .plain {
                continue  // an empty document, e.g. after a trailing `---`
            }
            sawDocument = true
            var walker = DocumentWalker(file: source.path, limits: limits, text: text)
            walker.nearReservedWords = nearReservedWords
            if let document = walker.document(node) { output.documents.append(document) }
            output.diagnostics += walker.diagnostics
            nearReservedWords = walker.nearReservedWords
        }
        if !sawDocument && output.diagnostics.isEmpty {
            output.diagnostics.append(.error("file has no documents", at: start,
                                             suggestion: "start it with 'kind: ConditionalAccessPolicy' (or NamedLocation, RiskResponseRule, Settings), or delete it"))
        }
        return output
    }
}

/// Turns bytes into text: UTF-8 (with or without a byte-order mark), and UTF-16 or UTF-32 in either
/// byte order, with or without a byte-order mark (``TextEncodingDetection``). Text holding NUL characters is refused; a
/// byte-order mark that starts a later line (a later document's, as `cat` leaves it) is dropped.
enum TextDecoding {
    struct Problem: Error {
        var message: String
        var line = 1
        var column = 1
    }

    static func decode(_ data: Data) -> Result<String, Problem> {
        let bytes = [UInt8](data)
        if let wide = TextEncodingDetection.wide(bytes) {
            guard let text = String(data: data.dropFirst(wide.byteOrderMarkLength), encoding: wide.encoding) else {
                let evidence = wide.byteOrderMarkLength > 0 ? "its byte-order mark" : "its first bytes"
                return .failure(Problem(message: "file is not valid \(wide.name), which \(evidence) suggest; save it as UTF-8"))
            }
            return checked(text)
        }
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        if let nul = body.firstIndex(of: 0) {
            let (line, column) = TextPosition.of(byteOffset: nul, in: body)
            return .failure(Problem(message: "file is not text (it contains NUL bytes); expected UTF-8 YAML", line: line, column: column))
        }
        // Valid UTF-8 (nearly every file) is decoded in one pass; only a file that is not walks its
        // scalars to point at the first invalid sequence.
        if let text = String(validating: body, as: UTF8.self) { return checked(text) }
        var iterator = body.makeIterator()
        var decoder = UTF8()
        var offset = 0
        var scalars = String.UnicodeScalarView()
        scalars.reserveCapacity(body.count)
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                scalars.append(scalar)
                offset += UTF8.width(scalar)
            case .emptyInput:
                break loop
            case .error:
                let (line, column) = TextPosition.of(byteOffset: offset, in: body)
                let byte = offset < body.count ? String(format: "0x%02X", body[offset]) : "end of file"
                return .failure(Problem(message: "file is not valid UTF-8 (byte \(byte)); save it as UTF-8", line: line, column: column))
            }
        }
        return checked(String(scalars))
    }

    /// Refuses NUL characters (never echoed: the position is given instead) and drops byte-order
    /// marks that start a line, which YAML allows before any document and an editor never shows.
    private static func checked(_ text: String) -> Result<String, Problem> {
        // Nothing to refuse or drop (no NUL byte, no byte-order mark): the text as it is.
        let utf8 = text.utf8
        if !utf8.contains(0), !utf8.contains(0xEF) || !text.unicodeScalars.contains("\u{FEFF}") { return .success(text) }
        var line = 1
        var column = 1
        var cleaned = String.UnicodeScalarView()
        var atLineStart = true
        for scalar in text.unicodeScalars {
            if scalar == "\u{0}" {
                return .failure(Problem(message: "file is not text (it contains NUL characters); expected YAML", line: line, column: column))
            }
            if scalar == "\u{FEFF}" && atLineStart { continue }
            cleaned.append(scalar)
            atLineStart = scalar == "\n"
            if atLineStart { line += 1; column = 1 } else { column += 1 }
        }
        return .success(String(cleaned))
    }
}

/// A cheap scan that rejects what would make the YAML composer recurse or hash without bound, before
/// it runs: absurd nesting (flow brackets, runs of `- ` entries, indentation) and aliases or complex
/// values as mapping keys (Yams hashes keys, and an alias key can stand for a billion nodes).
/// A safety net, not a parser: it errs on allowing.
enum NestingScan {
    struct Problem {
        var message: String
        var suggestion: String?
        var line: Int
        var column: Int
    }

    static func firstProblem(in text: String, depthLimit: Int) -> Problem? {
        if let deep = firstTooDeep(in: text, limit: depthLimit) {
            return Problem(message: "nesting deeper than \(depthLimit) levels", suggestion: "policy documents need only a few levels",
                           line: deep.line, column: deep.column)
        }
        return firstUnsupportedKey(in: text)
    }

    /// `? key` complex keys and `*alias :` alias keys.
    static func firstUnsupportedKey(in text: String) -> Problem? {
        // Both need a '?' or a '*' somewhere: most files have neither, and need no line-by-line scan.
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "*") }) else { return nil }
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let scalars = Array(line.unicodeScalars)
            var index = 0
            var quote: Unicode.Scalar?
            var previous: Unicode.Scalar = " "
            while index < scalars.count {
                let scalar = scalars[index]
                defer { previous = scalar; index += 1 }
                if let open = quote {
                    if scalar == open { quote = nil }
                    continue
                }
                let atTokenStart = previous == " " || previous == "[" || previous == "{" || previous == "," || previous == "-"
                    || index == 0
                if scalar == "#" && (previous == " " || index == 0) { break }
                if (scalar == "\"" || scalar == "'") && atTokenStart { quote = scalar; continue }
                if scalar == "?" && atTokenStart && (index + 1 == scalars.count || scalars[index + 1] == " ")
                    && scalars[..<index].allSatisfy({ $0 == " " || $0 == "-" || $0 == "{" || $0 == "[" || $0 == "," }) {
                    return Problem(message: "complex mapping keys ('?') are not supported", suggestion: "use plain keys",
                                   line: lineNumber, column: index + 1)
                }
                if scalar == "*" && atTokenStart {
                    var end = index + 1
                    while end < scalars.count, !" ,[]{}".unicodeScalars.contains(scalars[end]) { end += 1 }
                    var after = end
                    while after < scalars.count, scalars[after] == " " { after += 1 }
                    if after < scalars.count, scalars[after] == ":" {
                        return Problem(message: "an alias cannot be a mapping key", suggestion: "use plain keys",
                                       line: lineNumber, column: index + 1)
                    }
                }
            }
        }
        return nil
    }

    static func firstTooDeep(in text: String, limit: Int) -> (line: Int, column: Int)? {
        var flowDepth = 0
        var line = 1
        var column = 0
        var indent = 0
        var dashRun = 0
        var atLineStart = true
        var quote: Unicode.Scalar?
        var inComment = false
        var previous: Unicode.Scalar = "\n"
        for scalar in text.unicodeScalars {
            defer { previous = scalar }
            column += 1
            if scalar == "\n" {
                line += 1
                column = 0
                indent = 0
                dashRun = 0
                atLineStart = true
                inComment = false
                continue
            }
            if inComment { continue }
            if let open = quote {
                if scalar == open { quote = nil }
                continue
            }
            if atLineStart {
                if scalar == " " {
                    indent += 1
                    if indent > limit * 4 { return (line, column) }
                    continue
                }
                if scalar == "-" {
                    dashRun += 1
                    if dashRun > limit { return (line, column) }
                    continue
                }
                atLineStart = false
            }
            let atTokenStart = previous == " " || previous == "\n" || previous == "[" || previous == "{" || previous == ","
                || previous == ":" || previous == "-"
            switch scalar {
            case "#" where previous == " " || previous == "\n":
                inComment = true
            case "\"" where atTokenStart, "'" where atTokenStart:
                quote = scalar
            case "[", "{":
                flowDepth += 1
                if flowDepth > limit { return (line, column) }
            case "]", "}":
                flowDepth = max(0, flowDepth - 1)
            default:
                break
            }
        }
        return nil
    }
}
