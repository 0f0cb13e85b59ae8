import PolicyModel
import Yams

/// Maps Yams/libyaml errors to one clear diagnostic each, at the position libyaml reports.
enum YAMLErrors {
    static func diagnostic(for error: any Error, file: String, text: String) -> Diagnostic {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: file, line: max(1, mark.line), column: max(1, mark.column)) }
        guard let yamlError = error as? YamlError else {
            return .error("invalid YAML: \(error)", at: SourceLocation(file: file, line: 1, column: 1))
        }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            if let tab = tabPosition(near: mark, in: text) {
                return .error("tab character in indentation; YAML allows only spaces",
                              at: SourceLocation(file: file, line: tab.line, column: tab.column),
                              suggestion: "replace the tab with spaces")
            }
            var message = "invalid YAML: \(problem)"
            if let context { message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))" }
            return .error(message, at: at(mark))
        case .composer(_, let problem, let mark, _):
            return .error("invalid YAML: \(problem)", at: at(mark))
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return .error("duplicate key \(keys) in one mapping", at: at(context.mark),
                          suggestion: "keep one; YAML mappings cannot repeat a key")
        case .reader(let problem, let offset, _, _):
            let location = offset.map { position(ofScalarOffset: $0, in: text) } ?? SourceLocation(file: file, line: 1, column: 1)
            return .error("cannot read file: \(problem)", at: SourceLocation(file: file, line: location.line, column: location.column))
        case .memory:
            return .error("the YAML parser ran out of memory", at: SourceLocation(file: file, line: 1, column: 1))
        default:
            return .error("invalid YAML: \(yamlError)", at: SourceLocation(file: file, line: 1, column: 1))
        }
    }

    /// A tab at or just before the problem position on the same line, if libyaml tripped over one.
    private static func tabPosition(near mark: Mark, in text: String) -> (line: Int, column: Int)? {
        var lineNumber = 1
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if lineNumber == mark.line {
                let scalars = Array(line.unicodeScalars)
                let leading = scalars.prefix { $0 == " " || $0 == "\t" }
                if let tabIndex = leading.firstIndex(of: "\t") { return (mark.line, tabIndex + 1) }
                let index = mark.column - 1
                if index >= 0 && index < scalars.count && scalars[index] == "\t" { return (mark.line, mark.column) }
                return nil
            }
            lineNumber += 1
        }
        return nil
    }

    private static func position(ofScalarOffset offset: Int, in text: String) -> SourceLocation {
        var line = 1
        var column = 1
        for (index, scalar) in text.unicodeScalars.enumerated() {
            if index == offset { break }
            if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return SourceLocation(file: "", line: line, column: column)
    }
}
