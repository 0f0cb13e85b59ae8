@testable import EntraformCLI
import EntraformTestSupport
import Foundation
import GraphEmulator
import PolicyLoading
import PolicyModel
import Reconciliation
import TenantAccess
import Testing

/// Adopting any tenant, checked on generated ones: random valid Graph policies (see `PolicyGenerator`)
/// are seeded into the emulator, exported (live, names resolved) and converted from JSON files (UTF-8,
/// UTF-16 with BOMs, OData annotations; ids kept), validated, and planned. Every plan must show no
/// changes and no errors.
///
/// Seeded and reproducible. `ENTRAFORM_ROUNDTRIP_ROUNDS` (default 10 rounds of 200 policies: 2,000
/// policies, each through both paths) and `ENTRAFORM_ROUNDTRIP_SEED` (default fixed; `random` picks one
/// and prints it) set the size; a failure names its seed and the policy. Every failing policy found is
/// kept in `RoundTripRegressions/` and replayed first, every run.
@Suite("Round trip: generated Graph policies export, validate and plan with no changes")
struct RoundTripPropertyTests {
    static let policiesPerRound = 200

    static var rounds: Int { ProcessInfo.processInfo.environment["ENTRAFORM_ROUNDTRIP_ROUNDS"].flatMap(Int.init) ?? 10 }

    static var baseSeed: UInt64 {
        switch ProcessInfo.processInfo.environment["ENTRAFORM_ROUNDTRIP_SEED"] {
        case "random"?: UInt64.random(in: 1...UInt64.max)
        case let text?: UInt64(text) ?? 20_261_202
        case nil: 20_261_202
        }
    }

    static let regressions = TestPaths.packageRoot.appendingPathComponent("Tests/EntraformCLITests/RoundTripRegressions")

    @Test func generatedPoliciesRoundTripWithNoChanges() async throws {
        let base = Self.baseSeed
        for round in 0..<Self.rounds {
            let seed = base &+ UInt64(round)
            var random = SeededRandom(seed: seed)
            let directory = GeneratedDirectory(random: &random)
            var generator = PolicyGenerator(seed: seed, directory: directory)
            let policies = (0..<Self.policiesPerRound).map { generator.policy(index: $0) }
            try await checkRoundTrip(policies: policies, directorySeed: seed,
                                     label: "seed \(seed) (ENTRAFORM_ROUNDTRIP_SEED=\(base), round \(round))")
        }
    }

    /// Policies earlier runs found failing, replayed against the directory of the seed they came from.
    @Test func keptRegressionsRoundTrip() async throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.regressions.path)
        #expect(files.contains { $0.hasSuffix(".json") }, "no fixtures in \(Self.regressions.path): the test would pass without checking anything")
        for file in files.sorted() where file.hasSuffix(".json") {
            let document = try JSONValue.decode(exportedData: Data(contentsOf: Self.regressions.appendingPathComponent(file)))
            let seed = document["directorySeed"]?.stringValue.flatMap { UInt64($0) } ?? UInt64(document["directorySeed"]?.intValue ?? 0)
            try await checkRoundTrip(policies: document["policies"]?.arrayValue ?? [], directorySeed: seed, label: file)
        }
    }

    func checkRoundTrip(policies: [JSONValue], directorySeed: UInt64, label: String) async throws {
        var random = SeededRandom(seed: directorySeed)
        var document = GeneratedDirectory(random: &random).seedObjects
        document["policies"] = .array(policies)
        try await withTestEmulator(TenantSeed(document: .object(document))) { _, connect in
            let byName = Dictionary(policies.map { ($0["displayName"]?.stringValue ?? "", $0) }, uniquingKeysWith: { first, _ in first })
            /// The regression fixture to keep for the policies named: a file for `RoundTripRegressions/`.
            func fixture(_ names: Set<String>) -> String {
                let cases = names.sorted().prefix(3).compactMap { byName[$0] }
                // The seed as text: a JSON number would lose the bits above 2^53.
                let document: JSONValue = ["directorySeed": .string(String(directorySeed)), "policies": .array(cases)]
                return "keep as a regression (RoundTripRegressions/<name>.json):\n\(document.canonicalJSON)"
            }
            /// The display names in the files that `diagnostics` point at.
            func names(in diagnostics: [String]) -> Set<String> {
                Set(diagnostics.compactMap { line -> String? in
                    guard let path = line.split(separator: ":").first,
                          let text = try? String(contentsOfFile: String(path), encoding: .utf8),
                          let nameLine = text.split(separator: "\n").first(where: { $0.hasPrefix("displayName: ") }) else { return nil }
                    let name = String(nameLine.dropFirst("displayName: ".count))
                    return byName[name] != nil ? name : byName.keys.first { name.contains($0) || $0.contains(name.trimmingCharacters(in: ["'", "\""])) }
                })
            }
            func failing(_ plan: Plan) -> String {
                let names = Set(plan.actionableChanges.map(\.displayName))
                    .union(plan.diagnostics.filter { $0.severity == .error }.compactMap { diagnostic in
                        byName.keys.first { name in diagnostic.description.contains(name) }
                    })
                let changes = plan.actionableChanges.map { "\($0.action) \($0.displayName): \($0.fieldChanges.map { "\($0.path) \($0.change)" })" }
                return "\(label)\nerrors: \(plan.diagnostics.filter { $0.severity == .error }.map(\.description))\nchanges: \(changes)\n\(fixture(names))"
            }

            // Live export: names for everything the directory can name.
            let connection = try await connect(Settings())
            let inputs = try await ExportSession.read(client: connection.client, tenant: nil)
            let live = try await connection.client.listPolicies()
            await connection.close()
            #expect(live.count == policies.count)
            let exported = try BinaryRunner.temporaryDirectory([:]).appendingPathComponent("export")
            let outcome = try ExportSession.write(inputs, to: exported, namePrefix: nil)
            #expect(outcome.errors.isEmpty, "\(label): \(outcome.errors)")
            if let keep = ProcessInfo.processInfo.environment["ENTRAFORM_ROUNDTRIP_KEEP"] {
                try? FileManager.default.removeItem(atPath: keep)
                try FileManager.default.copyItem(at: exported, to: URL(fileURLWithPath: keep))
            }
            let loaded = ConfigurationLoader.load(try ConfigurationFiles.collect(exported.path))
            let loadErrors = loaded.diagnostics.filter { $0.severity == .error }.map(\.description)
            #expect(loadErrors.isEmpty, "\(label): \(loadErrors.prefix(5))\n\(fixture(names(in: loadErrors)))")
            guard loadErrors.isEmpty else { return }
            #expect(loaded.configuration.policies.count == policies.count)
            let plan = try await ReconcileSession.with(path: exported.path, useColor: false, connect: connect) { $0.plan() }
            #expect(!plan.hasErrors && !plan.hasChanges, "live export: \(failing(plan))")
            let unchanged = plan.changes.filter { $0.kind == .conditionalAccessPolicy && $0.action == .noOp }.count
            #expect(unchanged == policies.count)

            // Offline conversion of the same objects as JSON files, ids kept as ids.
            var random = SeededRandom(seed: UInt64(policies.count))
            var files: [String: Data] = [:]
            for (index, policy) in live.enumerated() {
                var annotated = policy
                if random.chance(0.5) {
                    annotated["@odata.context"] = "https://graph.microsoft.com/beta/$metadata#identity/conditionalAccess/policies/$entity"
                }
                // Keys in a random (per file) order, as other tools write them.
                let salt = random.next()
                let text = String(decoding: annotated.compactJSON { lhs, rhs in
                    (Self.fnv1a(lhs, salt: salt), lhs) < (Self.fnv1a(rhs, salt: salt), rhs)
                }, as: UTF8.self)
                files["policies/\(index).json"] = switch random.pick(["utf8", "utf8bom", "utf16le", "utf16be"]) {
                case "utf8bom": Data([0xEF, 0xBB, 0xBF]) + Data(text.utf8)
                case "utf16le": Data([0xFF, 0xFE]) + text.data(using: .utf16LittleEndian)!
                case "utf16be": Data([0xFE, 0xFF]) + text.data(using: .utf16BigEndian)!
                default: Data(text.utf8)
                }
            }
            let folder = try BinaryRunner.temporaryDirectory([:]).appendingPathComponent("json")
            for (path, data) in files {
                let url = folder.appendingPathComponent(path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try data.write(to: url)
            }
            let offline = ExportSession.read(jsonDirectory: folder.path, namesFile: nil)
            #expect(offline.errors.isEmpty, "\(label): \(offline.errors.prefix(3))")
            let converted = folder.deletingLastPathComponent().appendingPathComponent("converted")
            let convertOutcome = try ExportSession.write(offline, to: converted, namePrefix: nil)
            #expect(convertOutcome.errors.isEmpty, "\(label): \(convertOutcome.errors.prefix(3))")
            let offlinePlan = try await ReconcileSession.with(path: converted.path, useColor: false, connect: connect) { $0.plan() }
            #expect(!offlinePlan.hasErrors && !offlinePlan.hasChanges, "from JSON: \(failing(offlinePlan))")
            let offlineUnchanged = offlinePlan.changes.filter { $0.kind == .conditionalAccessPolicy && $0.action == .noOp }.count
            #expect(offlineUnchanged == policies.count)
        }
    }

    /// A hash that is the same in every process (Swift's `hashValue` is not), for reproducible key orders.
    static func fnv1a(_ text: String, salt: UInt64) -> UInt64 {
        text.utf8.reduce(0xCBF2_9CE4_8422_2325 ^ salt) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
    }
}
