import EntraformTestSupport
import Foundation
import PolicyModel
import Testing

/// `plan`'s impact section end to end (the binary against the emulator): one directory per case under
/// `ImpactScenarios/` holds `policies/` (after), `tenant.json` (the live tenant before, with its
/// directory) and `expected/impact.{txt,md,json}`: the impact part of each rendering.
/// `RECORD_SNAPSHOTS=1` re-records the expected files and fails, so a new baseline is reviewed.
@Suite("plan impact (binary)")
struct ImpactCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("ImpactScenarios")
    static let names = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).sorted()

    /// The impact lines of a text plan: the section and the summary line.
    static func textSection(_ output: String) -> String {
        let lines = output.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix("Impact (") }) else { return "" }
        let section = lines[start...].prefix { !$0.isEmpty }
        return (Array(section) + lines.filter { $0.hasPrefix("Impact: ") }).joined(separator: "\n") + "\n"
    }

    static func markdownSection(_ output: String) -> String {
        guard let start = output.range(of: "<details><summary>Impact"),
              let end = output.range(of: "</details>", range: start.upperBound..<output.endIndex) else { return "" }
        return String(output[start.lowerBound..<end.upperBound]) + "\n"
    }

    @Test func everyScenarioDirectoryIsChecked() {
        #expect(Self.names.count >= 2, "ImpactScenarios/ holds \(Self.names)")
    }

    @Test(arguments: names)
    func impactRenderingsMatchTheReviewedFiles(name: String) async throws {
        let directory = Self.root.appendingPathComponent(name)
        let policies = directory.appendingPathComponent("policies").path
        let seed = directory.appendingPathComponent("tenant.json").path
        var produced: [(String, String)] = []
        for (format, file) in [("text", "impact.txt"), ("markdown", "impact.md"), ("json", "impact.json")] {
            let result = try await BinaryRunner.runDetached(["plan", policies, "--emulator", seed, "--format", format, "--color", "never"])
            #expect(result.exitCode == 0, "\(name) \(format): \(result.stderr)")
            let section: String
            switch format {
            case "text": section = Self.textSection(result.stdout)
            case "markdown": section = Self.markdownSection(result.stdout)
            default:
                let document = try JSONValue.decode(exportedData: Data(result.stdout.utf8))
                section = (document["impact"] ?? .null).serializedString(pretty: true) + "\n"
            }
            #expect(!section.isEmpty && section != "null\n", "\(name) \(format): no impact section in\n\(result.stdout)")
            produced.append((file, section))
        }
        let expected = directory.appendingPathComponent("expected")
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
            try FileManager.default.createDirectory(at: expected, withIntermediateDirectories: true)
            for (file, content) in produced { try content.write(to: expected.appendingPathComponent(file), atomically: true, encoding: .utf8) }
            Issue.record("\(name): recorded expected/; review and run again without RECORD_SNAPSHOTS")
            return
        }
        for (file, content) in produced {
            let reviewed = try String(contentsOf: expected.appendingPathComponent(file), encoding: .utf8)
            #expect(content == reviewed, "\(name)/expected/\(file) differs; got:\n\(content)")
        }
    }

    @Test func noImpactSkipsTheDirectoryReadsAndASavedPlanWithImpactApplies() async throws {
        let directory = Self.root.appendingPathComponent("finance-mfa-on-android")
        let policies = directory.appendingPathComponent("policies").path
        let seed = directory.appendingPathComponent("tenant.json").path
        let skipped = try await BinaryRunner.runDetached(["plan", policies, "--emulator", seed, "--format", "json", "--no-impact"])
        #expect(skipped.exitCode == 0, "\(skipped.stderr)")
        #expect(try JSONValue.decode(exportedData: Data(skipped.stdout.utf8))["impact"] == nil)

        let debug = try await BinaryRunner.runDetached(["plan", policies, "--emulator", seed, "--debug"])
        // One page of users, one group listing per group named (2), one assignment listing per role named (1).
        #expect(debug.stderr.contains("impact: 4 directory requests"), "\(debug.stderr)")

        let saved = try BinaryRunner.temporaryDirectory([:]).appendingPathComponent("plan.json").path
        let plan = try await BinaryRunner.runDetached(["plan", policies, "--emulator", seed, "--out", saved])
        #expect(plan.exitCode == 0, "\(plan.stderr)")
        let apply = try await BinaryRunner.runDetached(["apply", saved, "--emulator", seed, "--auto-approve"])
        #expect(apply.exitCode == 0, "\(apply.stdout)\n\(apply.stderr)")
    }
}
