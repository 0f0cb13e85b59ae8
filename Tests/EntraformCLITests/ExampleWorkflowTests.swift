import ArgumentParser
import EntraformCLI
import Foundation
import EntraformTestSupport
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

    /// Composite actions under `examples/github-actions/<name>/action.yml`, such as `github-actions/setup-entraform/action.yml`.
    static let actions: [String] = {
        let folder = examples.appendingPathComponent("github-actions")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().filter { FileManager.default.fileExists(atPath: folder.appendingPathComponent("\($0)/action.yml").path) }
            .map { "github-actions/\($0)/action.yml" }
    }()

    /// One file and the `check-jsonschema` arguments that check it against the schema vendored for its kind.
    struct SchemaCheck: Sendable, CustomTestStringConvertible {
        var file: String
        var arguments: [String]
        var testDescription: String { file }
    }

    /// Every workflow, action and pipeline with its schema. The Azure Pipelines schema needs the
    /// tool's `azure-pipelines` transform (`${{ }}` template expressions) and a regex engine that
    /// accepts its patterns; it types every scalar as text, so Booleans in the pipelines are quoted.
    static let schemaChecks: [SchemaCheck] = workflows.map { file in
        file.hasPrefix("azure-devops/")
            ? SchemaCheck(file: file, arguments: ["--builtin-schema", "vendor.azure-pipelines", "--data-transform", "azure-pipelines", "--regex-variant", "nonunicode"])
            : SchemaCheck(file: file, arguments: ["--builtin-schema", "vendor.github-workflows"])
    } + actions.map { SchemaCheck(file: $0, arguments: ["--builtin-schema", "vendor.github-actions"]) }

    /// `check-jsonschema` (Python; `.ci/run` installs it): it carries the GitHub and Azure Pipelines
    /// schemas inside, so the check needs no network.
    static func checkJSONSchema() -> URL? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        return (path + ["/usr/local/bin", "/root/.pyenv/shims", "/root/.local/bin"])
            .map { URL(fileURLWithPath: $0).appendingPathComponent("check-jsonschema") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    @Test(arguments: schemaChecks)
    func passesItsSchema(check: SchemaCheck) throws {
        let tool = try #require(Self.checkJSONSchema(), "check-jsonschema is needed (python3 -m pip install check-jsonschema; .ci/run installs it)")
        let result = try BinaryRunner.run(executable: tool, check.arguments + [Self.examples.appendingPathComponent(check.file).path])
        #expect(result.exitCode == 0, "\(check.file) fails its schema:\n\(result.stdout)\(result.stderr)")
    }

    /// The checker really checks: a workflow, an action and a pipeline each with one unknown key fail.
    @Test func schemaCheckRejectsAnUnknownKey() throws {
        let tool = try #require(Self.checkJSONSchema(), "check-jsonschema is needed (python3 -m pip install check-jsonschema; .ci/run installs it)")
        let broken = try BinaryRunner.temporaryDirectory([
            "workflow.yml": "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    stepz: []\n",
            "action.yml": "name: a\ndescription: b\nruns:\n  using: composite\n  steps:\n    - run: echo\n      shel: bash\n",
            "pipeline.yml": "trigger: none\nsteps:\n  - script: echo\n    displayNam: x\n",
        ])
        defer { try? FileManager.default.removeItem(at: broken) }
        for (file, schema) in [("workflow.yml", "vendor.github-workflows"), ("action.yml", "vendor.github-actions"), ("pipeline.yml", "vendor.azure-pipelines")] {
            let result = try BinaryRunner.run(executable: tool, ["--builtin-schema", schema, "--regex-variant", "nonunicode", broken.appendingPathComponent(file).path])
            #expect(result.exitCode != 0, "\(file) passed \(schema) with an unknown key")
        }
    }

    /// Every GitHub job that runs entraform gets it from `setup-entraform` (one cached binary) in an
    /// earlier step, and no workflow builds entraform itself.
    @Test(arguments: workflows.filter { $0.hasPrefix("github-actions/") })
    func jobsUseTheSetupAction(workflow: String) throws {
        let text = try String(contentsOf: Self.examples.appendingPathComponent(workflow), encoding: .utf8)
        #expect(!text.contains("swift build"), "\(workflow) builds entraform instead of using setup-entraform")
        let root = try #require(try Yams.compose(yaml: text))
        for (name, job) in root["jobs"]?.mapping ?? [:] {
            let steps = job["steps"]?.sequence.map(Array.init) ?? []
            guard let first = steps.firstIndex(where: { !Self.entraformCommands($0["run"]?.scalar?.string ?? "").isEmpty }) else { continue }
            let setUp = steps[..<first].contains { $0["uses"]?.scalar?.string == "./.github/actions/setup-entraform" }
            #expect(setUp, "\(workflow): job \(name.scalar?.string ?? "?") runs entraform without setup-entraform before it")
        }
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
