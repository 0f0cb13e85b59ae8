import Foundation
import GraphEmulator
import PolicyLoading
import PolicyModel

/// The parsers that read untrusted text, each with what must hold for any input (beyond not
/// crashing and not hanging). Shared by the libFuzzer runner (`entraform-fuzz`) and the seeded
/// mutation suite that runs in CI (`FuzzTests`).
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// The YAML loader: every diagnostic carries `fuzz.yaml:line:column` inside the text.
    case yaml
    /// The filter-rule parser alone (an error's offset lies inside the rule) and as a device filter
    /// in a policy (a rule that does not parse is an error on the rule's own line).
    case filterRule
    /// The emulator's OData `$filter` parser and evaluator: a filter it refuses is a 400, never a 500.
    case odataFilter
    /// The Graph JSON readers (the client's `JSONValue.parse`, the export reader with its
    /// encodings and located errors) and `JSONValueDecoder` into the language's types; what parses
    /// survives a serialise → parse round trip unchanged.
    case graphJSON
}

/// Runs one input through a target and lists every property it violated (empty: none).
public enum FuzzChecks {
    public static func check(_ target: FuzzTarget, _ data: Data) -> [String] {
        switch target {
        case .yaml: yaml(data)
        case .filterRule: filterRule(data)
        case .odataFilter: odataFilter(data)
        case .graphJSON: graphJSON(data)
        }
    }

    static func yaml(_ data: Data, path: String = "fuzz.yaml") -> [String] {
        let result = ConfigurationLoader.load([PolicySource(path: path, data: data)])
        // Lines as generously as any reader counts them (every Unicode line break, or every CR and LF
        // byte of a file that is not text), plus the end of file.
        let lastLine = result.texts[path].map { text in text.reduce(1) { $1.isNewline ? $0 + 1 : $0 } + 1 }
            ?? data.reduce(2) { $1 == 0x0A || $1 == 0x0D ? $0 + 1 : $0 }
        var problems: [String] = []
        for diagnostic in result.diagnostics {
            guard let location = diagnostic.location else {
                problems.append("no location: \(diagnostic.message)")
                continue
            }
            if location.file != path || location.line < 1 || location.column < 1 || location.line > lastLine {
                problems.append("location \(location) outside the text (\(lastLine) lines): \(diagnostic.message)")
            }
        }
        return problems
    }

    static func filterRule(_ data: Data) -> [String] {
        let rule = String(decoding: data, as: UTF8.self)
        var problems: [String] = []
        do {
            let parsed = try FilterRule.parse(rule)
            _ = parsed.evaluate { _, _ in nil }
            _ = parsed.evaluate { _, property in .string(property) }
            _ = parsed.evaluate { _, _ in .bool(true) }
            _ = parsed.evaluate { _, property in .collection([property, ""]) }
        } catch {
            if error.offset < 0 || error.offset > rule.unicodeScalars.count {
                problems.append("offset \(error.offset) outside the rule (\(rule.unicodeScalars.count) scalars): \(error.message)")
            }
        }
        // The same rule as a device filter, on one line of a policy (characters YAML cannot hold in a
        // single-quoted scalar, and line breaks, made spaces).
        let flat = String(String.UnicodeScalarView(rule.unicodeScalars.map { Self.isPlainYAMLScalar($0) ? $0 : " " }))
        let ruleLine = 10
        let yaml = """
            kind: ConditionalAccessPolicy
            displayName: Fuzz
            state: enabled
            conditions:
              users: {includeUsers: [All]}
              applications: {includeApplications: [All]}
              devices:
                deviceFilter:
                  mode: include
                  rule: '\(flat.replacingOccurrences(of: "'", with: "''"))'
            grantControls: {operator: OR, builtInControls: [block]}

            """
        problems += Self.yaml(Data(yaml.utf8), path: "filter.yaml")
        if (try? FilterRule.parse(flat)) == nil {
            // From the value's start (its opening quote, column 13) to the end of the line.
            let columns = 13...(yaml.split(separator: "\n")[ruleLine - 1].unicodeScalars.count + 1)
            let result = ConfigurationLoader.load([PolicySource(path: "filter.yaml", text: yaml)])
            let onRule = result.diagnostics.filter { diagnostic in
                diagnostic.severity == .error && diagnostic.location?.line == ruleLine && columns.contains(diagnostic.location?.column ?? 0)
            }
            if onRule.isEmpty {
                problems.append("a rule that does not parse is not an error on its line: \(result.diagnostics.map(\.description))")
            }
            // The column is the problem's own: the value's start (the quote) for offset 0, else the
            // source character at the offset, each doubled quote before it counting two.
            if let offset = (Result { () throws(FilterRuleError) in try FilterRule.parse(flat) }).failureOffset, offset > 0 {
                let expected = 14 + offset + flat.unicodeScalars.prefix(offset).filter { $0 == "'" }.count
                if !onRule.contains(where: { $0.location?.column == expected }) {
                    problems.append("the rule's error at offset \(offset) should be at column \(expected): \(onRule.map(\.description))")
                }
            }
        }
        return problems
    }

    /// Scalars a single-quoted YAML scalar holds as they are on one line: YAML's printable set without
    /// line breaks, other whitespace or the byte-order mark.
    static func isPlainYAMLScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20...0x7E: true
        case 0xA0...0xD7FF: !scalar.properties.isWhitespace && scalar.value != 0x2028 && scalar.value != 0x2029
        case 0xE000...0xFFFD: scalar.value != 0xFEFF
        case 0x10000...0x10FFFF: true
        default: false
        }
    }

    /// A user as Graph lists one, for the OData evaluator to match against.
    static let sample: JSONValue = [
        "id": "00000000-0000-4000-8000-000000000001", "displayName": "Emma de Vries", "userPrincipalName": "emma@contoso.com",
        "accountEnabled": true, "riskLevel": "high", "riskState": "atRisk", "detectedDateTime": "2026-12-01T10:00:00Z",
        "groupTypes": ["Unified"], "targetResources": [["id": "abc", "displayName": "CA101"]], "count": 3, "nothing": .null,
    ]

    static func odataFilter(_ data: Data) -> [String] {
        let text = String(decoding: data, as: UTF8.self)
        var problems: [String] = []
        for typeName in [nil, "user", "riskDetection"] as [String?] {
            let outcome = exerciseODataFilter(text, typeName: typeName, sample: sample)
            if let refusal = outcome.refusal, refusal.status != 400 {
                problems.append("refused with \(refusal.status) instead of 400: \(refusal.message)")
            }
        }
        return problems
    }

    static func graphJSON(_ data: Data) -> [String] {
        var problems: [String] = []
        let parsed = try? JSONValue.parse(data)
        do {
            let exported = try JSONValue.decode(exportedData: data)
            if let parsed, parsed != exported { problems.append("the client's and the export reader's values differ") }
        } catch {
            if let line = error.line, line < 1 || (error.column ?? 1) < 1 {
                problems.append("error located at \(line):\(error.column ?? 0): \(error.description)")
            }
        }
        guard let parsed else { return problems }
        let again = try? JSONValue.parse(parsed.serialized())
        if again != parsed { problems.append("serialise → parse changed the value") }
        // The language's types, as the loader decodes declarations (errors are fine, crashes are not).
        _ = try? parsed.decode(ConditionalAccessPolicy.self)
        _ = try? parsed.decode(NamedLocation.self)
        _ = try? parsed.decode(Settings.self)
        _ = try? parsed.decode(RiskResponseRule.self)
        _ = try? parsed.decode([ConditionalAccessPolicy].self)
        let members = parsed.objectValue.map { Array($0.values.prefix(8)) } ?? parsed.arrayValue.map { Array($0.prefix(8)) } ?? []
        for member in members {
            _ = try? member.decode(ConditionalAccessPolicy.self)
            _ = try? member.decode(Settings.Scenario.self)
        }
        return problems
    }
}

extension Result where Failure == FilterRuleError {
    /// The offset of the parse error, if the rule did not parse.
    var failureOffset: Int? {
        if case .failure(let error) = self { return error.offset }
        return nil
    }
}
