import EntraformTestSupport
import Foundation
import FuzzChecks
import Testing

/// The seeded mutation fuzzer (CI's form of `entraform-fuzz`, which needs a sanitizer build): the
/// repository's YAML, filter rules, OData filters and Graph JSON, mutated from a fixed seed, through
/// each parser with its properties (``FuzzChecks``). A short run by default;
/// `ENTRAFORM_FUZZ_ITERATIONS=N` per target and `ENTRAFORM_FUZZ_SEED=N|random` for a long one. The
/// inputs under `Tests/Fuzz/Regressions/<target>/` are replayed first, every run.
@Suite("fuzzing (seeded mutation)")
struct FuzzTests {
    static let environment = ProcessInfo.processInfo.environment

    /// Inputs per target in the short run: a few seconds in all with a debug build.
    static let shortRun: [FuzzTarget: Int] = [.yaml: 400, .filterRule: 3_000, .odataFilter: 3_000, .graphJSON: 400]

    static let seed: UInt64 = {
        switch environment["ENTRAFORM_FUZZ_SEED"] {
        case "random": UInt64.random(in: 0...UInt64.max)
        case let text?: UInt64(text) ?? 0x5EC0_F022
        case nil: 0x5EC0_F022
        }
    }()

    static let targets: [FuzzTarget] = FuzzTarget.allCases

    @Test(arguments: targets)
    func regressionsStayFixed(target: FuzzTarget) throws {
        let folder = TestPaths.packageRoot.appendingPathComponent("Tests/Fuzz/Regressions/\(target.rawValue)")
        let files = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? []
        for file in files {
            let problems = FuzzChecks.check(target, try Data(contentsOf: file))
            #expect(problems == [], "\(file.lastPathComponent)")
        }
    }

    @Test(arguments: targets)
    func mutatedInputsKeepEveryProperty(target: FuzzTarget) throws {
        let seeds = FuzzSeeds.seeds(for: target, root: TestPaths.packageRoot)
        #expect(!seeds.isEmpty, "no seeds for \(target.rawValue)")
        for seed in seeds {
            #expect(FuzzChecks.check(target, seed) == [], "a seed itself fails")
        }
        let iterations = Self.environment["ENTRAFORM_FUZZ_ITERATIONS"].flatMap(Int.init) ?? Self.shortRun[target] ?? 100
        var mutator = FuzzMutator(seed: Self.seed &+ UInt64(target.rawValue.utf8.reduce(0) { $0 &* 31 &+ Int($1) }), seeds: seeds)
        var failures = 0
        for iteration in 0..<iterations {
            let input = mutator.next()
            let problems = FuzzChecks.check(target, input)
            guard !problems.isEmpty else { continue }
            failures += 1
            let saved = FileManager.default.temporaryDirectory.appendingPathComponent("entraform-fuzz-\(target.rawValue)-\(Self.seed)-\(iteration)")
            try input.write(to: saved)
            Issue.record("\(target.rawValue), seed \(Self.seed), input \(iteration) (saved as \(saved.path); keep it under Tests/Fuzz/Regressions/\(target.rawValue)/): \(problems.prefix(3))")
            if failures >= 5 { break }
        }
    }
}
