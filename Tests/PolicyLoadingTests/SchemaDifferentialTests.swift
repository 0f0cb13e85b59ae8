import EntraformTestSupport
import Foundation
import PolicyLoading
import PolicyModel
import TenantAccess
import Testing
import Yams

/// The generated JSON Schema and `validate` must agree on every rule JSON Schema can express
/// (defects issue, item 23). Variants of the baseline documents (keys nulled, removed, retyped,
/// emptied, blanked; lists grown with reserved words and duplicates; whole numbers written `10.0`;
/// one include target too many) are judged twice: by the loader, and by a real validator
/// (Python's `jsonschema`, Draft 2020-12) over the same JSON. They must agree, except where the
/// loader's verdict rests on a check the README lists as beyond the schema.
@Suite("JSON Schema and validate agree (differential, real validator)")
struct SchemaDifferentialTests {
    /// Loader errors that JSON Schema cannot express; the README's list.
    static let beyondSchema = [
        "more than once",               // case-insensitive duplicates in lists and names
        "both included and excluded",   // the same platform in include and exclude lists
        "host bits",                    // CIDR host bits set
        "is not a valid IPv", "is not a valid CIDR",
        "prefix length",
        "rule",                         // the device/application/service principal filter rule grammar
    ]

    static func baselineDocuments() throws -> [JSONValue] {
        let sources = try ConfigurationFiles.collect(TestPaths.packageRoot.appendingPathComponent("policies").path)
        var documents: [JSONValue] = []
        for source in sources {
            let parser = try Parser(yaml: String(decoding: source.data, as: UTF8.self))
            while let node = try parser.nextRoot() { documents.append(plainJSON(node)) }
        }
        // Shapes the baseline does not hold, for rules that depend on them: a switched-off sign-in
        // frequency, and a pinned policy with no modelled control.
        for extra in [
            """
            kind: ConditionalAccessPolicy
            displayName: CA990 - Off
            state: enabled
            conditions: {users: {includeUsers: [All]}, applications: {includeApplications: [All]}}
            sessionControls: {signInFrequency: {isEnabled: false, value: 4, type: hours}}
            """,
            """
            kind: ConditionalAccessPolicy
            displayName: CA991 - Adopted
            id: 11111111-0000-4000-8000-000000000991
            state: enabled
            conditions: {users: {includeUsers: [All]}, applications: {includeApplications: [All]}}
            grantControls: {builtInControls: [mfa]}
            """,
        ] {
            let parser = try Parser(yaml: extra)
            while let node = try parser.nextRoot() { documents.append(plainJSON(node)) }
        }
        return documents
    }

    /// Every path to a member or list item.
    static func paths(in value: JSONValue, prefix: [JSONPathStep] = []) -> [[JSONPathStep]] {
        switch value {
        case .object(let members):
            return members.keys.sorted().flatMap { key in [prefix + [.key(key)]] + paths(in: members[key]!, prefix: prefix + [.key(key)]) }
        case .array(let items):
            return items.indices.flatMap { index in [prefix + [.index(index)]] + paths(in: items[index], prefix: prefix + [.index(index)]) }
        default:
            return []
        }
    }

    /// Variants of `document`: each a small, deliberate change.
    static func variants(of document: JSONValue) -> [(String, JSONValue)] {
        var result: [(String, JSONValue)] = []
        for path in paths(in: document) {
            guard let current = document.value(at: path) else { continue }
            if case .key(let key) = path.last, key == "kind" { continue }
            let name = path.map(\.description).joined(separator: ".")
            if case .key = path.last {
                result.append(("\(name)=null", document.setting(path, to: .null)))
                result.append(("\(name) removed", document.removing(path)))
            }
            switch current {
            case .string:
                result.append(("\(name)=123", document.setting(path, to: .number(123))))
                result.append(("\(name)=true", document.setting(path, to: .bool(true))))
                result.append(("\(name)=\"\"", document.setting(path, to: "")))
                result.append(("\(name)=blank", document.setting(path, to: "   ")))
            case .number(let number) where number == number.rounded():
                result.append(("\(name)=\(Int(number)).0", document.setting(path, to: .number(number), asFloat: true)))
                result.append(("\(name)=\"\(Int(number))\"", document.setting(path, to: .string(String(Int(number))))))
            case .array(let items):
                result.append(("\(name)=[]", document.setting(path, to: [])))
                result.append(("\(name)+All", document.setting(path, to: .array(items + ["All"]))))
                result.append(("\(name)+None", document.setting(path, to: .array(items + ["None"]))))
                if let first = items.first {
                    result.append(("\(name)+duplicate", document.setting(path, to: .array(items + [first]))))
                    if let text = first.stringValue, text.uppercased() != text {
                        result.append(("\(name)+case-duplicate", document.setting(path, to: .array(items + [.string(text.uppercased())]))))
                    }
                }
            case .object(let members):
                result.append(("\(name)={}", document.setting(path, to: [:])))
                if members["includeApplications"] != nil {
                    result.append(("\(name)+includeUserActions", document.setting(path + [.key("includeUserActions")],
                                                                                     to: ["urn:user:registersecurityinfo"])))
                }
            default:
                break
            }
        }
        return result
    }

    @Test func theSchemaAndTheLoaderAgreeOnGeneratedVariants() throws {
        let python = try #require(PythonValidator.find(), "python3 with the jsonschema package is needed (.ci/run installs it)")
        let documents = try Self.baselineDocuments()
        var cases: [(name: String, document: JSONValue)] = []
        for (index, document) in documents.enumerated() {
            for (name, variant) in Self.variants(of: document) { cases.append(("doc\(index) \(name)", variant)) }
        }
        #expect(cases.count > 2_000)
        let schemaVerdicts = try python.validate(cases.map(\.document), schema: JSONSchemaGeneration.schema())
        var disagreements: [String] = []
        var beyond = 0
        for (index, item) in cases.enumerated() {
            let text = item.document.serializedString(pretty: true, floatsAsWritten: true)
            let load = ConfigurationLoader.load([PolicySource(path: "variant.yaml", data: Data(text.utf8))])
            let errors = load.diagnostics.filter { $0.severity == .error }.map(\.message)
            let loaderAccepts = errors.isEmpty
            guard loaderAccepts != schemaVerdicts[index] else { continue }
            // A duplicate in another letter case: JSON Schema's uniqueItems is case-sensitive.
            let caseDuplicate = item.name.hasSuffix("+case-duplicate") && errors.allSatisfy { $0.hasPrefix("duplicate '") }
            if !loaderAccepts, caseDuplicate || errors.allSatisfy({ message in Self.beyondSchema.contains { message.contains($0) } }) {
                beyond += 1
                continue
            }
            disagreements.append("\(item.name): loader \(loaderAccepts ? "accepts" : "rejects (\(errors.joined(separator: "; ")))"), schema \(schemaVerdicts[index] ? "accepts" : "rejects")")
        }
        let report = disagreements.prefix(40).joined(separator: "\n")
        #expect(disagreements.isEmpty, "\(disagreements.count) of \(cases.count) variants disagree (\(beyond) rest on checks beyond the schema):\n\(report)")
    }
}

/// One step of a path into a JSON value.
enum JSONPathStep: CustomStringConvertible {
    case key(String)
    case index(Int)

    var description: String {
        switch self {
        case .key(let key): key
        case .index(let index): "[\(index)]"
        }
    }
}

extension JSONValue {
    func value(at path: [JSONPathStep]) -> JSONValue? {
        path.reduce(Optional(self)) { value, step in
            switch step {
            case .key(let key): value?.objectValue?[key]
            case .index(let index): value?.arrayValue.flatMap { index < $0.count ? $0[index] : nil }
            }
        }
    }

    /// A copy with the value at `path` replaced (`asFloat`: a whole number marked to be written `10.0`).
    func setting(_ path: [JSONPathStep], to newValue: JSONValue, asFloat: Bool = false) -> JSONValue {
        guard let step = path.first else { return asFloat ? .string("\u{0}float:\(newValue.numberValue ?? 0)") : newValue }
        let rest = Array(path.dropFirst())
        switch (step, self) {
        case (.key(let key), .object(var members)):
            members[key] = (members[key] ?? .null).setting(rest, to: newValue, asFloat: asFloat)
            return .object(members)
        case (.index(let index), .array(var items)) where index < items.count:
            items[index] = items[index].setting(rest, to: newValue, asFloat: asFloat)
            return .array(items)
        default:
            return self
        }
    }

    func removing(_ path: [JSONPathStep]) -> JSONValue {
        guard let step = path.first else { return self }
        let rest = Array(path.dropFirst())
        switch (step, self) {
        case (.key(let key), .object(var members)):
            if rest.isEmpty { members[key] = nil } else { members[key] = members[key]?.removing(rest) }
            return .object(members)
        case (.index(let index), .array(var items)) where index < items.count:
            if rest.isEmpty { items.remove(at: index) } else { items[index] = items[index].removing(rest) }
            return .array(items)
        default:
            return self
        }
    }

    /// JSON text in which the float markers of ``setting(_:to:asFloat:)`` are written `10.0`.
    func serializedString(pretty: Bool, floatsAsWritten: Bool) -> String {
        var text = serializedString(pretty: pretty)
        guard floatsAsWritten else { return text }
        while let range = text.range(of: "\"\\u0000float:") {
            guard let end = text[range.upperBound...].firstIndex(of: "\"") else { break }
            let number = Double(text[range.upperBound..<end]) ?? 0
            text.replaceSubrange(range.lowerBound...end, with: String(format: "%.1f", number))
        }
        return text
    }
}

/// Python's `jsonschema` (Draft 2020-12), run once over a batch of documents.
struct PythonValidator {
    let executable: String

    static func find() -> PythonValidator? {
        for candidate in ["/usr/bin/python3", "/usr/local/bin/python3", "/root/.pyenv/shims/python3"] + pathCandidates()
        where FileManager.default.isExecutableFile(atPath: candidate) {
            let probe = PythonValidator(executable: candidate)
            if (try? probe.run(script: "import jsonschema", input: Data())) != nil { return probe }
        }
        return nil
    }

    private static func pathCandidates() -> [String] {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/python3" }
    }

    /// Whether each document is valid under `schema`.
    func validate(_ documents: [JSONValue], schema: JSONValue) throws -> [Bool] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("entraform-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let schemaFile = directory.appendingPathComponent("schema.json")
        try Data(schema.serializedString(pretty: false).utf8).write(to: schemaFile)
        let lines = documents.map { $0.serializedString(pretty: false, floatsAsWritten: true) }.joined(separator: "\n")
        let script = """
            import json, sys
            from jsonschema import Draft202012Validator
            validator = Draft202012Validator(json.load(open(sys.argv[1])))
            out = []
            for line in sys.stdin.read().split("\\n"):
                out.append("1" if validator.is_valid(json.loads(line)) else "0")
            sys.stdout.write("".join(out))
            """
        let output = try run(script: script, input: Data(lines.utf8), arguments: [schemaFile.path])
        let verdicts = output.map { $0 == "1" }
        guard verdicts.count == documents.count else {
            throw ValidatorFailure(description: "the validator answered \(verdicts.count) verdicts for \(documents.count) documents")
        }
        return verdicts
    }

    struct ValidatorFailure: Error, CustomStringConvertible { var description: String }

    /// Runs `python3 -c script` with `input` on stdin; returns stdout. Output goes to files, so no pipe can fill.
    func run(script: String, input: Data, arguments: [String] = []) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("entraform-python-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputFile = directory.appendingPathComponent("in"), outputFile = directory.appendingPathComponent("out")
        try input.write(to: inputFile)
        FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-c", script] + arguments
        process.standardInput = try FileHandle(forReadingFrom: inputFile)
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ValidatorFailure(description: "python3 exited \(process.terminationStatus)") }
        return String(decoding: try Data(contentsOf: outputFile), as: UTF8.self)
    }
}
