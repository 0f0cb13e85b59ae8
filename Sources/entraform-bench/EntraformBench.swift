#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EntraformCLI
import Foundation
import PolicyEvaluation
import PolicyModel

/// entraform's benchmarks: every figure of the README's Performance section, from one command.
///
/// ```
/// swift run -c release entraform-bench                      # the full set (about 3 minutes)
/// swift run -c release entraform-bench --quick              # smaller inputs, one run each (CI)
/// swift run -c release entraform-bench --update-readme README.md
/// swift run -c release entraform-bench write-workload impact DIR   # a benchmark's tenant and configuration
/// ```
///
/// The Graph emulator runs in this process (127.0.0.1, port 0); each entraform command runs as a
/// child process (this executable in `cli` mode), so its figures are whole-process ones. The engine
/// and the impact analysis are measured in-process in CPU time. Inputs are generated (deterministic).
@main
struct EntraformBench {
    static func main() async {
        var arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "cli" {
            ChildProcess.reportPeakMemoryAtExit()
            await Entraform.runFromCommandLine(Array(arguments.dropFirst()))
            return
        }
        do {
            if arguments.first == "load" {
                try await LoadGenerator.main(Array(arguments.dropFirst()))
                return
            }
            if arguments.first == "write-workload" {
                try writeWorkload(Array(arguments.dropFirst()))
                return
            }
            if take("--help", from: &arguments) || take("-h", from: &arguments) {
                print(usage)
                return
            }
            let quick = take("--quick", from: &arguments)
            let readme = value("--update-readme", from: &arguments)
            let runs = value("--runs", from: &arguments).flatMap(Int.init) ?? (quick ? 1 : 3)
            let only = value("--only", from: &arguments)?.split(separator: ",").map(String.init)
            guard arguments.isEmpty else { throw BenchFailure(description: "unknown arguments: \(arguments.joined(separator: " "))\n\(usage)") }
            let rows = try await measure(quick: quick, runs: runs, only: only)
            let table = render(rows, quick: quick, runs: runs)
            print(table)
            if let readme { try update(readme: readme, with: table) }
            if rows.contains(where: { $0.met == false }) { FileHandle.standardError.write(Data("note: some targets are not met (see the table)\n".utf8)) }
        } catch {
            FileHandle.standardError.write(Data("entraform-bench: error: \(error)\n".utf8))
            exit(1)
        }
    }

    static let usage = """
        usage: entraform-bench [--quick] [--runs N] [--only NAME,…] [--update-readme README.md]
               entraform-bench write-workload plan|impact|risk|validate DIR [--named-groups N]
        Prints the README's Performance table (names: \(names.joined(separator: ", "))).
        """

    /// The benchmarks by name (`--only plan,impact`), in the table's order.
    static let names = ["validate", "emulator", "plan", "apply", "export", "engine", "impact-analysis", "impact", "risk"]

    static func measure(quick: Bool, runs: Int, only: [String]?) async throws -> [Row] {
        if let unknown = only?.first(where: { !names.contains($0) }) {
            throw BenchFailure(description: "no benchmark named \(unknown); the names: \(names.joined(separator: ", "))")
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("entraform-bench-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let processes = ProcessBenchmarks(quick: quick, runs: runs, work: work)
        var rows: [Row] = []
        for name in names where only?.contains(name) ?? true {
            FileHandle.standardError.write(Data("running \(name)…\n".utf8))
            switch name {
            case "validate": rows.append(try await processes.validate())
            case "emulator": rows.append(try await processes.emulatorThroughput())
            case "plan": rows += try await processes.plan()
            case "apply": rows.append(try await processes.apply())
            case "export": rows.append(try await processes.export())
            case "engine": rows.append(engine(policies: 240, scenarios: quick ? 1_000 : 10_000))
            case "impact-analysis": rows.append(impact(users: quick ? 2_000 : 20_000, groups: quick ? 200 : 2_000))
            case "impact": rows.append(try await processes.planWithImpact())
            case "risk": rows += try await processes.riskPlan()
            default: break
            }
        }
        return rows
    }

    /// The Markdown table with the machine, the date and the command it came from.
    static func render(_ rows: [Row], quick: Bool, runs: Int) -> String {
        var build = "release build"
        #if DEBUG
        build = "**debug build: not comparable**"
        #endif
        let info = ProcessInfo.processInfo
        let memory = Double(info.physicalMemory) / Double(1 << 30)
        let today = String(Spelling.timestamp(Int(Date().timeIntervalSince1970)).prefix(10))
        var lines = [
            "Measured \(today) on \(info.activeProcessorCount) cores, \(String(format: "%.0f", memory)) GiB (\(info.operatingSystemVersionString)), \(build), by "
                + "`swift run -c release entraform-bench\(quick ? " --quick" : "")`: whole-process figures are the range over \(runs) run\(runs == 1 ? "" : "s")"
                + "\(quick ? " with the quick (smaller) inputs" : "").",
            "",
            "| what (issue) | target | measured |",
            "|---|---|---|",
        ]
        for row in rows {
            let verdict = row.met.map { $0 ? " (met)" : " **(target not met)**" } ?? ""
            lines.append("| \(row.what) | \(row.target) | \(row.measured)\(verdict) |")
        }
        return lines.joined(separator: "\n")
    }

    static let beginMarker = "<!-- entraform-bench: begin (generated; `swift run -c release entraform-bench --update-readme README.md`) -->"
    static let endMarker = "<!-- entraform-bench: end -->"

    /// Replaces the text between the markers in `path` with `table`.
    static func update(readme path: String, with table: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard let begin = text.range(of: beginMarker), let end = text.range(of: endMarker), begin.upperBound <= end.lowerBound else {
            throw BenchFailure(description: "\(path) has no `\(beginMarker)` … `\(endMarker)` section to replace")
        }
        let updated = text.replacingCharacters(in: begin.upperBound..<end.lowerBound, with: "\n" + table + "\n")
        try Data(updated.utf8).write(to: URL(fileURLWithPath: path))
        FileHandle.standardError.write(Data("updated \(path)\n".utf8))
    }

    /// `write-workload plan|impact|risk|validate DIR [--named-groups N]`: a benchmark's configuration
    /// (DIR/config) and tenant seed (DIR/tenant.json), for commands run by hand.
    static func writeWorkload(_ arguments: [String]) throws {
        var arguments = arguments
        let namedGroups = value("--named-groups", from: &arguments).flatMap(Int.init) ?? Workload.namedGroups
        guard arguments.count == 2 else { throw BenchFailure(description: "usage: entraform-bench write-workload plan|impact|risk|validate DIR [--named-groups N]") }
        let workload: GeneratedWorkload
        switch arguments[0] {
        case "plan": workload = PlanWorkload.make()
        case "impact": workload = ImpactWorkload.make(namedGroups: namedGroups)
        case "risk": workload = RiskWorkload.make(now: Int(Date().timeIntervalSince1970))
        case "validate": workload = ValidateWorkload.make()
        default: throw BenchFailure(description: "no workload named \(arguments[0]): plan, impact, risk or validate")
        }
        let directory = URL(fileURLWithPath: arguments[1])
        try workload.write(to: directory)
        print("wrote \(directory.appendingPathComponent("config").path) and \(directory.appendingPathComponent("tenant.json").path)")
    }

    static func take(_ flag: String, from arguments: inout [String]) -> Bool {
        guard let index = arguments.firstIndex(of: flag) else { return false }
        arguments.remove(at: index)
        return true
    }

    static func value(_ option: String, from arguments: inout [String]) -> String? {
        guard let index = arguments.firstIndex(of: option), index + 1 < arguments.count else { return nil }
        let value = arguments[index + 1]
        arguments.removeSubrange(index...index + 1)
        return value
    }

    /// CPU seconds this process has used.
    static func cpuSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// The engine alone, on the impact rows' live policies, with sign-ins drawn over their tenant's
    /// groups, applications (and Office 365), platforms, clients, addresses, countries and risks.
    static func engine(policies count: Int, scenarios: Int) -> Row {
        // The policies do not depend on the users: a tenant of three is enough to draw them.
        let tenant = ImpactWorkload.make(users: 3, groups: 2_000, namedGroups: Workload.namedGroups, policies: count).seed
        let policies = tenant["policies"]?.arrayValue ?? []
        let directory = EvaluationDirectory(namedLocations: tenant["namedLocations"]?.arrayValue ?? [])
        let applications = (tenant["servicePrincipals"]?.arrayValue ?? []).compactMap { $0["appId"]?.stringValue }
            + Array(MicrosoftApplicationGroups.office365.sorted().prefix(5))
        var random = Random(seed: 240)
        let groups = (0..<2_000).map { Random.guid("group", $0) }
        let contexts = (0..<scenarios).map { index -> SignInContext in
            let subject = SignInSubject(user: Random.guid("user", index), label: "user\(index)",
                                        groupIds: Set((0..<3).map { _ in random.pick(groups) }))
            var context = SignInContext(subject: subject, target: .application(appId: random.pick(applications)))
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
        return Row(what: "the evaluation engine: the impact rows' \(count) policies × \(Figures.count(scenarios)) sign-ins, each evaluated in full, "
                       + "compile included (12)",
                   target: "< 1 s CPU",
                   measured: "**\(String(format: "%.2f", seconds)) s CPU** (\(blocked) blocked). Graph's What If API: \(Figures.count(scenarios)) requests, "
                       + "\(String(format: "%.1f", Double(scenarios) / 3600)) h at 1 request/s",
                   met: seconds < 1)
    }

    /// The analysis alone, in process, on the tenant and plan of the `plan` with impact row.
    static func impact(users userCount: Int, groups groupCount: Int) -> Row {
        let namedGroups = Workload.namedGroups(of: groupCount)
        let workload = ImpactWorkload.make(users: userCount, groups: groupCount, namedGroups: namedGroups)
        let before = workload.seed["policies"]?.arrayValue ?? []
        let users = ImpactWorkload.subjects(of: workload.seed)
        let directory = EvaluationDirectory(namedLocations: workload.seed["namedLocations"]?.arrayValue ?? [])
        let start = cpuSeconds()
        let clock = ContinuousClock()
        let wallStart = clock.now
        let result = ImpactAnalysis.analyse(before: .init(policies: before, directory: directory),
                                            after: .init(policies: workload.declaredPolicies, directory: directory), population: .init(users: users))
        let elapsed = clock.now - wallStart
        let seconds = cpuSeconds() - start
        let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let enforced = result.changes.filter { $0.enforcement == .enforced }
        let affected = result.distinctSubjects[.enforced]?[.user] ?? 0
        return Row(what: "impact analysis alone, in process, on the tenant and plan of the next row: \(before.count) policies (12 changed) naming "
                       + "\(namedGroups) of \(Figures.count(groupCount)) groups, \(Figures.count(userCount)) users (12)",
                   target: "report",
                   measured: "**\(String(format: "%.2f", wall)) s** (\(String(format: "%.2f", seconds)) s CPU): \(result.userClasses) user classes, \(Figures.count(result.leavesEvaluated)) outcome pairs, "
                       + "\(Figures.count(result.changes.count)) changes (\(enforced.count) enforced, the rest report-only), "
                       + "\(Figures.count(affected)) users affected by the enforced ones",
                   met: nil)
    }
}

/// The shape shared by the generated tenants (``ImpactWorkload`` draws the policies).
enum Workload {
    /// How many groups the policies name.
    static let namedGroups = 60
    /// How many groups the policies name in a tenant of `groups` groups: 3 % of them (60 of 2,000), so
    /// the smaller (`--quick`) tenants keep the same shape.
    static func namedGroups(of groups: Int) -> Int { max(2, groups * 3 / 100) }
}
