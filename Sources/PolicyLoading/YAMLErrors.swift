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
            // Yams names the first occurrence of the first repeated key (in sorted order); point at its repeat.
            let suggestion = "keep one; YAML mappings cannot repeat a key"
            guard let key = duplicates.first,
                  let repeated = DuplicateKeys.repeatOf(key, firstAt: (context.mark.line, context.mark.column), in: text) else {
                let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
                return .error("duplicate key \(keys) in one mapping", at: at(context.mark), suggestion: suggestion)
            }
            let others = duplicates.dropFirst().map { "'\($0)'" }.joined(separator: ", ")
            return .error("duplicate key '\(key)'; first at line \(context.mark.line), column \(context.mark.column)"
                          + (others.isEmpty ? "" : "; \(others) repeated too"),
                          at: SourceLocation(file: file, line: repeated.line, column: repeated.column), suggestion: suggestion)
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

/// Finds where a key repeats in the mapping that holds its first occurrence: libyaml reports only
/// the first. A scan of the text, not a parser: block mappings (the key again at the same
/// indentation before the mapping ends) and flow mappings (the key again after a comma at the same
/// bracket depth).
enum DuplicateKeys {
    static func repeatOf(_ key: String, firstAt first: (line: Int, column: Int), in text: String) -> (line: Int, column: Int)? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
        let row = first.line - 1
        let start = first.column - 1
        guard row >= 0, row < lines.count, start >= 0, start < lines[row].count,
              let afterFirst = keyEnd(key, in: lines[row], at: start) else { return nil }
        let before = lines[row][..<start]
        if before.allSatisfy({ $0 == " " || $0 == "-" || $0 == "?" }) {
            return blockRepeat(key, lines: lines, row: row, column: start)
        }
        return flowRepeat(key, lines: lines, row: row, from: afterFirst)
    }

    /// The index after `key` (plain, 'single' or "double" quoted) and its `:` when the line holds
    /// that key at `index`.
    static func keyEnd(_ key: String, in line: [Unicode.Scalar], at index: Int) -> Int? {
        let name = Array(key.unicodeScalars)
        for quote in [nil, "'", "\""] as [Unicode.Scalar?] {
            let token = (quote.map { [$0] } ?? []) + name + (quote.map { [$0] } ?? [])
            guard index + token.count <= line.count, Array(line[index..<index + token.count]) == token else { continue }
            var end = index + token.count
            while end < line.count, line[end] == " " { end += 1 }
            guard end < line.count, line[end] == ":" else { continue }
            end += 1
            if quote == nil, end < line.count, !" ,[]{}".unicodeScalars.contains(line[end]) { continue }
            return end
        }
        return nil
    }

    private static func blockRepeat(_ key: String, lines: [[Unicode.Scalar]], row: Int, column: Int) -> (line: Int, column: Int)? {
        for index in (row + 1)..<max(row + 1, lines.count) {
            let line = lines[index]
            let indent = line.prefix { $0 == " " }.count
            guard indent < line.count, line[indent] != "#" else { continue }  // blank or comment
            if indent == 0, line.starts(with: Array("---".unicodeScalars)) || line.starts(with: Array("...".unicodeScalars)) { return nil }
            if indent < column { return nil }  // the mapping ended
            if indent == column, keyEnd(key, in: line, at: indent) != nil { return (index + 1, column + 1) }
        }
        return nil
    }

    private static func flowRepeat(_ key: String, lines: [[Unicode.Scalar]], row: Int, from column: Int) -> (line: Int, column: Int)? {
        var depth = 0
        var quote: Unicode.Scalar?
        var afterComma = false
        var index = row
        var position = column
        while index < lines.count {
            let line = lines[index]
            while position < line.count {
                let scalar = line[position]
                if let open = quote {
                    if scalar == open { quote = nil }
                } else if afterComma && scalar != " " {
                    afterComma = false
                    if depth == 0, keyEnd(key, in: line, at: position) != nil { return (index + 1, position + 1) }
                    continue
                } else {
                    switch scalar {
                    case "\"", "'": quote = scalar
                    case "[", "{": depth += 1
                    case "]", "}":
                        depth -= 1
                        if depth < 0 { return nil }
                    case ",": afterComma = depth == 0
                    case "#": position = line.count
                    default: break
                    }
                }
                position += 1
            }
            index += 1
            position = 0
        }
        return nil
    }
}
