import ArgumentParser
import EntraformCLI
import Foundation
import Testing
import Yams

/// The CI examples under `examples/github-actions` and `examples/azure-devops` are meant to be copied
/// and run as they are, so their `entraform …` command lines must keep up with the CLI. Each workflow
/// file must be YAML with a mapping at the top and run at least one entraform command; every shell
/// script in it (`run:`, `script:`, `inlineScript:`) is split into words, and each line that starts
/// with `entraform` (or a path ending in `/entraform`) is parsed by the root command, so a renamed or
/// removed subcommand, flag or option value fails here rather than in someone's pipeline. Shell
/// expansions (`$VAR`, `"${ids[@]}"`, `$(Macro)`, `${{ expression }}`) stand for opaque values.
@Suite("CI example workflows")
struct ExampleWorkflowTests {
    static let examples = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples")
    static let folders = ["github-actions", "azure-devops"]

    /// Paths relative to `examples/`, such as `github-actions/plan.yml`.
    static let workflows: [String] = folders.flatMap { folder in
        let names = (try? FileManager.default.contentsOfDirectory(atPath: examples.appendingPathComponent(folder).path)) ?? []
        return names.filter { $0.hasSuffix(".yml") }.sorted().map { "\(folder)/\($0)" }
    }

    @Test func everyFolderHasWorkflows() {
        for folder in Self.folders {
            let count = Self.workflows.filter { $0.hasPrefix(folder + "/") }.count
            #expect(count > 0, "no .yml files in examples/\(folder)")
        }
    }

    @Test(arguments: workflows)
    func entraformCommandsParse(workflow: String) throws {
        let text = try String(contentsOf: Self.examples.appendingPathComponent(workflow), encoding: .utf8)
        let document = try Yams.compose(yaml: text)
        let root = try #require(document, "\(workflow) is empty")
        #expect(root.mapping != nil, "\(workflow) is not a YAML mapping")

        let commands = Self.scripts(in: root).flatMap(Self.entraformCommands)
        #expect(!commands.isEmpty, "\(workflow) runs no entraform command")
        for words in commands {
            do {
                _ = try Entraform.parseAsRoot(Array(words.dropFirst()))
            } catch {
                Issue.record("\(workflow): `\(words.joined(separator: " "))`: \(Entraform.message(for: error))")
            }
        }
    }

    static let scriptKeys: Set<String> = ["run", "script", "inlineScript"]

    /// Every `run:`, `script:` and `inlineScript:` string, depth first.
    static func scripts(in node: Node) -> [String] {
        switch node {
        case .mapping(let mapping):
            return mapping.flatMap { pair -> [String] in
                var found = scripts(in: pair.value)
                if let name = pair.key.scalar?.string, scriptKeys.contains(name), let script = pair.value.scalar?.string {
                    found.insert(script, at: 0)
                }
                return found
            }
        case .sequence(let sequence):
            return sequence.flatMap { scripts(in: $0) }
        case .scalar, .alias:
            return []
        }
    }

    /// The words of each line of `script` (backslash-continued lines joined) whose first word is
    /// `entraform` or a path ending in `/entraform`.
    static func entraformCommands(_ script: String) -> [[String]] {
        script.replacingOccurrences(of: "\\\n", with: " ").split(separator: "\n").compactMap { line in
            let words = shellWords(String(line))
            guard let first = words.first, first == "entraform" || first.hasSuffix("/entraform") else { return nil }
            return words
        }
    }

    /// What every shell expansion stands for.
    static let opaque = "value"

    /// Splits a command line into words as a shell would, as far as the examples need: single and double
    /// quotes, backslash escapes, and expansions replaced by ``opaque``. Stops at the first operator or
    /// redirection (`>`, `<`, `|`, `&`, `;`, `)`) or comment; a file-descriptor number before a
    /// redirection (`2>`) is dropped.
    static func shellWords(_ line: String) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var rest = Array(line)[...]

        /// Consumes the expansion at a `$`: `${{ … }}`, `${…}`, `$(…)`, `$NAME` or `$?`-like.
        func expansion() {
            rest.removeFirst()
            if rest.starts(with: ["{", "{"]) {
                while !rest.isEmpty, !rest.starts(with: ["}", "}"]) { rest.removeFirst() }
                rest = rest.dropFirst(2)
            } else if let open = rest.first, open == "{" || open == "(" {
                let close: Character = open == "{" ? "}" : ")"
                var depth = 0
                while let character = rest.popFirst() {
                    if character == open { depth += 1 }
                    if character == close { depth -= 1 }
                    if depth == 0 { break }
                }
            } else if let next = rest.first, "?@#*!$-0123456789".contains(next) {
                rest.removeFirst()
            } else {
                while let next = rest.first, next.isLetter || next.isNumber || next == "_" { rest.removeFirst() }
            }
            word += opaque
            inWord = true
        }

        while let character = rest.first {
            if let open = quote {
                if character == open {
                    quote = nil
                    rest.removeFirst()
                } else if open == "\"", character == "$" {
                    expansion()
                } else if open == "\"", character == "\\", rest.count > 1 {
                    rest.removeFirst()
                    word.append(rest.removeFirst())
                } else {
                    word.append(rest.removeFirst())
                }
                continue
            }
            switch character {
            case " ", "\t":
                if inWord { words.append(word) }
                word = ""
                inWord = false
                rest.removeFirst()
            case "'", "\"":
                quote = character
                inWord = true
                rest.removeFirst()
            case "\\":
                rest.removeFirst()
                if let escaped = rest.popFirst() { word.append(escaped) }
                inWord = true
            case "$":
                expansion()
            case "#" where !inWord:
                return words
            case ">", "<":
                let descriptor = inWord && !word.isEmpty && word.allSatisfy(\.isNumber)
                return words + (inWord && !descriptor ? [word] : [])
            case "|", "&", ";", ")":
                return words + (inWord ? [word] : [])
            default:
                word.append(rest.removeFirst())
                inWord = true
            }
        }
        return words + (inWord ? [word] : [])
    }
}
