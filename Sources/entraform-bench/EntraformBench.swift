#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PolicyEvaluation
import PolicyModel

/// entraform's benchmarks that need no process or network around them: the evaluation engine and
/// the impact analysis, on generated policy sets and tenants (deterministic). Prints one table.
/// `--quick` runs smaller inputs (for CI). Run it optimised: `swift run -c release entraform-bench`.
@main
struct EntraformBench {
    static func main() {
        let quick = CommandLine.arguments.contains("--quick")
        var rows: [(String, String)] = []
        rows.append(engine(policies: 240, scenarios: quick ? 1_000 : 10_000))
        rows.append(impact(policies: 240, users: quick ? 2_000 : 20_000, groups: quick ? 200 : 2_000))
        let width = rows.map(\.0.count).max() ?? 0
        print("| Benchmark | Result |")
        print("|---|---|")
        for (name, result) in rows { print("| \(name.padding(toLength: width, withPad: " ", startingAt: 0)) | \(result) |") }
    }

    /// CPU seconds this process has used.
    static func cpuSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    static func engine(policies count: Int, scenarios: Int) -> (String, String) {
        var random = Random(seed: 240)
        let groups = (0..<2_000).map { Random.guid("group", $0) }
        let policies = (0..<count).map { Workload.policy($0, groups: Array(groups.prefix(Workload.namedGroups)), random: &random) }
        let directory = EvaluationDirectory(namedLocations: Workload.locations)
        let contexts = (0..<scenarios).map { index -> SignInContext in
            let subject = SignInSubject(user: Random.guid("user", index), label: "user\(index)",
                                        groupIds: Set((0..<3).map { _ in random.pick(groups) }))
            var context = SignInContext(subject: subject, target: .application(appId: random.pick(Workload.applications)))
            context.platform = random.pick(["android", "iOS", "windows", "macOS"])
            context.clientAppType = random.pick([.browser, .mobileAppsAndDesktopClients, .exchangeActiveSync])
            context.ipAddress = IPAddress("10.\(random.int(30)).1.1")
            context.country = random.pick(["NL", "US", "KP"])
            context.signInRisk = random.pick([.none, .low, .high])
            return context
        }
        let start = cpuSeconds()
        // Compiled once, as every caller that evaluates many sign-ins does; the compile is measured too.
        let compiled = CompiledPolicies(policies, directory: directory)
        var blocked = 0
        for context in contexts where compiled.evaluate(context).outcome.blocked { blocked += 1 }
        let seconds = cpuSeconds() - start
        return ("engine: \(count) policies × \(scenarios) sign-ins",
                "\(String(format: "%.3f", seconds)) s CPU (\(blocked) blocked); Graph's What If API: \(scenarios) requests, \(String(format: "%.1f", Double(scenarios) / 3600)) h at 1 request/s")
    }

    static func impact(policies count: Int, users userCount: Int, groups groupCount: Int) -> (String, String) {
        var random = Random(seed: 12)
        let groups = (0..<groupCount).map { Random.guid("group", $0) }
        let users = (0..<userCount).map { index in
            SignInSubject(user: Random.guid("user", index), label: "user\(index)@bench.example",
                          groupIds: Set((0..<3).map { _ in random.pick(groups) }))
        }
        // Policies name a tenant's Conditional Access groups (exclusions, pilots, personas), not all its groups.
        let named = Array(groups.prefix(Workload.namedGroups))
        let before = (0..<count).map { Workload.policy($0, groups: named, random: &random) }
        var after = before
        for _ in 0..<12 { after[random.int(count)] = Workload.policy(count + random.int(1_000), groups: named, random: &random) }
        let directory = EvaluationDirectory(namedLocations: Workload.locations)
        let start = cpuSeconds()
        let result = ImpactAnalysis.analyse(before: .init(policies: before, directory: directory), after: .init(policies: after, directory: directory),
                                            population: .init(users: users))
        let seconds = cpuSeconds() - start
        let affected = Set(result.changes.filter { $0.enforcement == .enforced }.flatMap(\.subjects)).count
        return ("impact analysis: \(count) policies (12 changed) naming \(Workload.namedGroups) groups × \(userCount) users in \(groupCount) groups",
                "\(String(format: "%.3f", seconds)) s CPU; \(result.userClasses) user classes, \(result.leavesEvaluated) leaves, \(result.changes.count) changes, \(affected) users affected")
    }
}

/// Choices over the package's deterministic generator (SplitMix64), so every run measures the same inputs.
struct Random {
    var generator: SplitMix64
    init(seed: UInt64) { generator = SplitMix64(state: seed) }
    mutating func int(_ bound: Int) -> Int { Int(generator.next() % UInt64(bound)) }
    mutating func chance(_ percent: Int) -> Bool { int(100) < percent }
    mutating func pick<T>(_ values: [T]) -> T { values[int(values.count)] }

    /// A stable GUID-shaped id for a kind and index.
    static func guid(_ kind: String, _ index: Int) -> String {
        let hex = String(UInt32(truncatingIfNeeded: kind.unicodeScalars.reduce(5381) { ($0 << 5) &+ $0 &+ Int($1.value) }), radix: 16)
        let padded = String(repeating: "0", count: max(0, 8 - hex.count)) + hex
        let tail = String(index, radix: 16)
        return "\(padded)-0000-4000-8000-\(String(repeating: "0", count: max(0, 12 - tail.count)))\(tail)"
    }
}

/// Policies shaped like a large real tenant's: groups, All users, apps and Office365, platforms,
/// client apps, locations, sign-in risk; MFA, compliant device or block.
enum Workload {
    /// How many groups the policies name.
    static let namedGroups = 60
    static let applications = (0..<40).map { Random.guid("app", $0) } + Array(MicrosoftApplicationGroups.office365.sorted().prefix(5))
    static let locations: [JSONValue] = (0..<20).map { index in
        ["@odata.type": "#microsoft.graph.ipNamedLocation", "id": .string(Random.guid("location", index)), "displayName": .string("Office \(index)"),
         "isTrusted": .bool(index < 5), "ipRanges": [["cidrAddress": .string("10.\(index).0.0/16")]]]
    }

    static func policy(_ index: Int, groups: [String], random: inout Random) -> JSONValue {
        func strings(_ values: [String]) -> JSONValue { .array(values.map(JSONValue.string)) }
        var users: [String: JSONValue] = [:]
        if random.chance(10) { users["includeUsers"] = ["All"] } else { users["includeGroups"] = strings([random.pick(groups), random.pick(groups)]) }
        users["excludeGroups"] = strings([random.pick(groups)])
        let apps: JSONValue = random.chance(40) ? ["All"] : random.chance(15) ? ["Office365"] : strings([random.pick(applications), random.pick(applications)])
        var conditions: [String: JSONValue] = ["users": .object(users), "applications": ["includeApplications": apps],
                                               "clientAppTypes": random.chance(15) ? ["exchangeActiveSync", "other"] : ["all"]]
        if random.chance(20) { conditions["platforms"] = ["includePlatforms": strings([random.pick(["android", "iOS", "windows", "macOS"])])] }
        if random.chance(30) {
            conditions["locations"] = ["includeLocations": ["All"], "excludeLocations": [locations[random.int(locations.count)]["id"] ?? .null]]
        }
        if random.chance(15) { conditions["signInRiskLevels"] = ["medium", "high"] }
        // Blocks target legacy clients or high risk, as real tenants' do.
        let control = random.pick(["mfa", "mfa", "compliantDevice", "block"])
        if control == "block" {
            if random.chance(50) { conditions["clientAppTypes"] = ["exchangeActiveSync", "other"] } else { conditions["signInRiskLevels"] = ["high"] }
        }
        return ["displayName": .string("BENCH\(index)"), "state": .string(random.chance(20) ? "enabledForReportingButNotEnforced" : "enabled"),
                "conditions": .object(conditions), "grantControls": ["operator": "OR", "builtInControls": strings([control])]]
    }
}
