import EntraformTestSupport
import Foundation
import PolicyModel
import Testing

@Suite("entraform validate and schema, through the built binary")
struct ValidateCommandTests {
    static let broken = """
        kind: ConditionalAccessPolicy
        displayName: CA010 - Require MFA
        state: enable
        conditions:
          users:
            includeUsers: [All]
            excludeGroup: [CA-BreakGlass]
          applications: {includeApplications: [All]}
          clientAppTypes: [browsers]
        grantControl:
          builtInControls: [mfa]

        """

    @Test func baselinePoliciesAreValid() throws {
        let result = try BinaryRunner.run(["validate", "policies"])
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("0 errors, 0 warnings"))
    }

    @Test func mistakesExitOneWithEveryLocationSourceLineAndCaret() throws {
        let directory = try BinaryRunner.temporaryDirectory(["policies/mfa.yaml": Self.broken])
        let result = try BinaryRunner.run(["validate", "policies"], in: directory, environment: ["NO_COLOR": "1"])
        #expect(result.exitCode == 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("policies/mfa.yaml:") }.map { $0.components(separatedBy: ": ").first ?? "" }
                == ["policies/mfa.yaml:3:8", "policies/mfa.yaml:7:5", "policies/mfa.yaml:9:20", "policies/mfa.yaml:10:1"])
        #expect(lines.contains("policies/mfa.yaml:10:1: error: unknown key 'grantControl'; did you mean 'grantControls'?"))
        #expect(lines.contains("    grantControl:"))
        #expect(lines.contains("    ^"))
        #expect(!result.stdout.contains("\u{1B}["), "no colour when not a terminal")
        #expect(lines.last == "4 errors, 0 warnings in 1 file: 0 policies, 0 named locations, 0 risk-response rules")
    }

    @Test func jsonFormatIsAnArrayOfDiagnostics() throws {
        let directory = try BinaryRunner.temporaryDirectory(["mfa.yaml": Self.broken])
        let result = try BinaryRunner.run(["validate", ".", "--format", "json"], in: directory)
        #expect(result.exitCode == 1)
        let diagnostics = try JSONDecoder().decode([JSONValue].self, from: Data(result.stdout.utf8))
        #expect(diagnostics.count == 4)
        #expect(diagnostics.first?["file"] == "mfa.yaml")
        #expect(diagnostics.first?["line"] == 3)
        #expect(diagnostics.first?["column"] == 8)
        #expect(diagnostics.first?["severity"] == "error")
        #expect(diagnostics.first?["message"] == "'enable' is not a valid value for 'state'")
        #expect(diagnostics.first?["suggestion"] == "did you mean 'enabled'?")
    }

    @Test func githubFormatEmitsWorkflowAnnotations() throws {
        let directory = try BinaryRunner.temporaryDirectory(["mfa.yaml": Self.broken])
        let result = try BinaryRunner.run(["validate", "--format", "github"], in: directory)
        #expect(result.exitCode == 1)
        #expect(result.stdout.hasPrefix("::error file=mfa.yaml,line=3,col=8::'enable' is not a valid value for 'state'; did you mean 'enabled'?\n"))
        #expect(result.stdout.split(separator: "\n").count == 4)
    }

    @Test func colourIsForcedWithAlwaysAndNeverWithNoColorOnAuto() throws {
        let directory = try BinaryRunner.temporaryDirectory(["mfa.yaml": Self.broken])
        let always = try BinaryRunner.run(["validate", "--color", "always"], in: directory)
        #expect(always.stdout.contains("\u{1B}[1;31merror\u{1B}[0m"))
        let auto = try BinaryRunner.run(["validate"], in: directory, environment: ["NO_COLOR": "1"])
        #expect(!auto.stdout.contains("\u{1B}["))
    }

    @Test func missingDirectoryIsAnError() throws {
        let result = try BinaryRunner.run(["validate", "/nonexistent/entraform"])
        #expect(result.exitCode == 1)
        #expect(result.stdout.contains("error: /nonexistent/entraform: no such file or directory"))
    }

    @Test func schemaCommandPrintsDraft202012Schema() throws {
        let result = try BinaryRunner.run(["schema"])
        #expect(result.exitCode == 0)
        let schema = try JSONDecoder().decode(JSONValue.self, from: Data(result.stdout.utf8))
        #expect(schema["$schema"] == "https://json-schema.org/draft/2020-12/schema")
        // One definition per document kind, and the shared 'absent value' the cross-field rules use.
        #expect(Set(schema["$defs"]?.objectValue?.keys.map { $0 } ?? []) == Set(DocumentKind.allRawValues + ["absentValue"]))
    }
}
