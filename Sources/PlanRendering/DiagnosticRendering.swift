import Foundation
import PolicyModel

/// Renders diagnostics for people (with the source line and a caret), for tools (JSON) and for GitHub
/// Actions (workflow annotations). Pure: returns text.
public enum DiagnosticRendering {
    public enum Format: String, Sendable, CaseIterable {
        case text, json, github
    }

    public static func render(_ diagnostics: [Diagnostic], format: Format, texts: [String: String] = [:], useColor: Bool = false) -> String {
        switch format {
        case .text: text(diagnostics, texts: texts, useColor: useColor)
        case .json: json(diagnostics)
        case .github: github(diagnostics)
        }
    }

    /// `file:line:col: error: message` then the source line and a caret under the column.
    public static func text(_ diagnostics: [Diagnostic], texts: [String: String], useColor: Bool) -> String {
        var lines: [String] = []
        var linesByFile: [String: [Substring]] = [:]
        for diagnostic in diagnostics {
            let severity = diagnostic.severity.rawValue
            let coloredSeverity: String
            if useColor {
                let code = switch diagnostic.severity {
                case .error: "1;31"
                case .warning: "1;33"
                case .note: "1;36"
                }
                coloredSeverity = "\u{1B}[\(code)m\(severity)\u{1B}[0m"
            } else {
                coloredSeverity = severity
            }
            let prefix = diagnostic.location.map { "\($0): " } ?? ""
            lines.append("\(prefix)\(coloredSeverity): \(diagnostic.fullMessage)\(diagnostic.code.map { " [\($0)]" } ?? "")")
            guard let location = diagnostic.location, let text = texts[location.file] else { continue }
            let fileLines = linesByFile[location.file] ?? text.split(separator: "\n", omittingEmptySubsequences: false)
            linesByFile[location.file] = fileLines
            guard location.line >= 1, location.line <= fileLines.count else { continue }
            let sourceLine = fileLines[location.line - 1].replacingOccurrences(of: "\r", with: "")
            guard sourceLine.count <= 300 else { continue }
            let visible = Self.printable(sourceLine)
            let caretPadding = String(repeating: " ", count: max(0, min(location.column - 1, visible.unicodeScalars.count)))
            lines.append("    \(visible)")
            lines.append("    \(caretPadding)^")
        }
        return lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")
    }

    /// The source line as it may be printed: a tab becomes a space and every other control character
    /// its Control Pictures symbol (`␀`, `␛`, …), one column each, so the caret stays aligned and
    /// nothing raw (NUL bytes, terminal escapes) reaches the terminal.
    static func printable(_ line: String) -> String {
        var shown = String.UnicodeScalarView()
        for scalar in line.unicodeScalars {
            switch scalar.value {
            case 0x09: shown.append(" ")
            case 0x00..<0x20: shown.append(Unicode.Scalar(0x2400 + scalar.value)!)
            case 0x7F: shown.append("\u{2421}")
            case 0x80..<0xA0: shown.append("\u{FFFD}")
            default: shown.append(scalar)
            }
        }
        return String(shown)
    }

    /// A JSON array of `{severity, message, code?, suggestion?, file?, line?, column?}`.
    public static func json(_ diagnostics: [Diagnostic]) -> String {
        let values: [JSONValue] = diagnostics.map { diagnostic in
            var object: [String: JSONValue] = [
                "severity": .string(diagnostic.severity.rawValue),
                "message": .string(diagnostic.message),
            ]
            if let suggestion = diagnostic.suggestion { object["suggestion"] = .string(suggestion) }
            if let code = diagnostic.code { object["code"] = .string(code) }
            if let location = diagnostic.location {
                object["file"] = .string(location.file)
                object["line"] = .number(Double(location.line))
                object["column"] = .number(Double(location.column))
            }
            return .object(object)
        }
        return JSONValue.array(values).serializedString(pretty: true) + "\n"
    }

    /// `::error file=…,line=…,col=…,title=EF203::message` workflow commands (the title when a rule found it).
    public static func github(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map { diagnostic in
            let command = switch diagnostic.severity {
            case .error: "error"
            case .warning: "warning"
            case .note: "notice"
            }
            var properties: [String] = []
            if let location = diagnostic.location {
                properties = ["file=\(escapeProperty(location.file))", "line=\(location.line)", "col=\(location.column)"]
            }
            if let code = diagnostic.code { properties.append("title=\(escapeProperty(code))") }
            let head = properties.isEmpty ? "::\(command)" : "::\(command) \(properties.joined(separator: ","))"
            return "\(head)::\(escapeData(diagnostic.fullMessage))\n"
        }.joined()
    }

    private static func escapeData(_ text: String) -> String {
        text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }

    private static func escapeProperty(_ text: String) -> String {
        escapeData(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }

    /// `2 errors, 1 warning in 3 files` style summary.
    public static func summary(_ diagnostics: [Diagnostic], fileCount: Int) -> String {
        let errors = diagnostics.filter { $0.severity == .error }.count
        let warnings = diagnostics.filter { $0.severity == .warning }.count
        func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
        return "\(plural(errors, "error")), \(plural(warnings, "warning")) in \(plural(fileCount, "file"))"
    }
}
