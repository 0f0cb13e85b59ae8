import EntraformTestSupport
import Foundation
import PlanRendering
import PolicyEvaluation
import PolicyModel
import Testing

/// Headless Chromium for the report's browser test: found on PATH, else installed with apt-get
/// (Debian's `chromium`). When neither works the tests that need it are skipped with the reason,
/// printed and attached to the skip, never passed silently.
enum Chromium {
    static let located: (path: String?, reason: String) = {
        if let found = find() { return (found, "") }
        print("report browser test: chromium not found; installing it with apt-get (apt-get update && apt-get install -y chromium)")
        let install = Process()
        install.executableURL = URL(fileURLWithPath: "/bin/sh")
        install.arguments = ["-c", "apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium >/dev/null 2>&1"]
        do {
            try install.run()
            install.waitUntilExit()
        } catch {
            let reason = "chromium is not installed and apt-get could not run (\(error)); the browser tests are skipped"
            print("report browser test: SKIPPED: \(reason)")
            return (nil, reason)
        }
        if let found = find() { return (found, "") }
        let reason = "chromium is not installed and `apt-get install -y chromium` failed (exit \(install.terminationStatus)); the browser tests are skipped"
        print("report browser test: SKIPPED: \(reason)")
        return (nil, reason)
    }()

    static var isAvailable: Bool { located.path != nil }

    static func find() -> String? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init) + ["/usr/bin"]
        for directory in directories {
            for name in ["chromium", "chromium-browser"] where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
                return "\(directory)/\(name)"
            }
        }
        return nil
    }

    /// Runs headless Chromium with its own profile directory (parallel runs must not share one).
    static func run(_ arguments: [String]) throws -> BinaryRunner.Result {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        guard let path = located.path else { throw ChromiumMissing() }
        return try BinaryRunner.run(executable: URL(fileURLWithPath: path), ["--headless", "--disable-gpu", "--no-sandbox", "--disable-dev-shm-usage",
                                                                             "--no-first-run", "--user-data-dir=\(profile.path)"] + arguments)
    }

    /// The DOM after the page's scripts ran, with the console's messages on stderr.
    static func dumpDOM(_ file: URL, virtualTime: Int? = nil) throws -> BinaryRunner.Result {
        var arguments = ["--enable-logging=stderr", "--v=0"]
        if let virtualTime { arguments.append("--virtual-time-budget=\(virtualTime)") }
        return try run(arguments + ["--dump-dom", file.absoluteString])
    }

    /// Console errors Chromium logged: uncaught exceptions and `console.error` lines.
    static func consoleErrors(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").map(String.init).filter { $0.contains("Uncaught") || ($0.contains("CONSOLE") && $0.contains(":ERROR:")) }
    }

    struct ChromiumMissing: Error {}

    static var version: String {
        (try? run(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? "unknown"
    }
}

/// `entraform report`: the built binary writes the coverage report for a small scenario tenant (a
/// block for one group on one application, MFA for everyone else, the emergency access group left
/// out, and a group named like an attack), and headless Chromium reads the page.
@Suite("report (binary, headless Chromium)", .serialized)
struct ReportCommandTests {
    static let hostile = "<script>alert(1)</script>"

    static let seed = """
        {"tenantId": "11111111-2222-4333-8444-555555555555",
         "users": [
           {"id": "aaaaaaaa-0000-4000-8000-000000000001", "userPrincipalName": "alice@contoso.example", "displayName": "Alice", "accountEnabled": true, "userType": "Member"},
           {"id": "aaaaaaaa-0000-4000-8000-000000000002", "userPrincipalName": "bob@contoso.example", "displayName": "Bob", "accountEnabled": true, "userType": "Member"},
           {"id": "aaaaaaaa-0000-4000-8000-000000000003", "userPrincipalName": "carol@contoso.example", "displayName": "Carol", "accountEnabled": true, "userType": "Member"},
           {"id": "aaaaaaaa-0000-4000-8000-000000000004", "userPrincipalName": "breakglass@contoso.example", "displayName": "Break Glass", "accountEnabled": true, "userType": "Member"},
           {"id": "aaaaaaaa-0000-4000-8000-000000000005", "userPrincipalName": "mallory@contoso.example", "displayName": "Mallory", "accountEnabled": true, "userType": "Member"}],
         "groups": [
           {"id": "bbbbbbbb-0000-4000-8000-000000000001", "displayName": "Contractors", "members": ["aaaaaaaa-0000-4000-8000-000000000002"]},
           {"id": "bbbbbbbb-0000-4000-8000-000000000002", "displayName": "CA-BreakGlass", "members": ["aaaaaaaa-0000-4000-8000-000000000004"]},
           {"id": "bbbbbbbb-0000-4000-8000-000000000003", "displayName": "<script>alert(1)</script>", "members": ["aaaaaaaa-0000-4000-8000-000000000005"]}],
         "servicePrincipals": [{"id": "cccccccc-0000-4000-8000-000000000001", "appId": "00000002-0000-0ff1-ce00-000000000000", "displayName": "Office 365 Exchange Online"}]}
        """

    static let files: [String: String] = [
        "settings.yaml": """
            kind: Settings
            emergencyAccess:
              groups: [CA-BreakGlass]

            """,
        "block-contractors.yaml": """
            kind: ConditionalAccessPolicy
            displayName: CA001 - Block contractors from Exchange
            state: enabled
            conditions:
              users: {includeGroups: [Contractors], excludeGroups: [CA-BreakGlass]}
              applications: {includeApplications: [Office 365 Exchange Online]}
              clientAppTypes: [all]
            grantControls: {operator: OR, builtInControls: [block]}

            """,
        "mfa.yaml": """
            kind: ConditionalAccessPolicy
            displayName: CA002 - MFA for everyone
            state: enabled
            conditions:
              users: {includeUsers: [All], excludeGroups: [CA-BreakGlass]}
              applications: {includeApplications: [All]}
              clientAppTypes: [all]
            grantControls: {operator: OR, builtInControls: [mfa]}

            """,
        "hostile.yaml": """
            kind: ConditionalAccessPolicy
            displayName: CA003 - Compliant devices for the oddly named group
            state: enabledForReportingButNotEnforced
            conditions:
              users: {includeGroups: ["<script>alert(1)</script>"], excludeGroups: [CA-BreakGlass]}
              applications: {includeApplications: [All]}
              clientAppTypes: [all]
            grantControls: {operator: OR, builtInControls: [compliantDevice]}

            """,
    ]

    /// The report for the scenario tenant, written by the binary with `--emulator`.
    static func writeReport() async throws -> (directory: URL, report: URL) {
        let directory = try BinaryRunner.temporaryDirectory(files.merging(["tenant.json": seed]) { first, _ in first })
        let report = directory.appendingPathComponent("report.html")
        let result = try await BinaryRunner.runDetached(["report", directory.path, "--emulator", directory.appendingPathComponent("tenant.json").path,
                                                         "--out", report.path])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stderr.contains("Wrote the coverage report to"), "\(result.stderr)")
        return (directory, report)
    }

    /// The matrix's rows in the DOM: the population's text, the row's classes, and per column its cell's class and text.
    struct Row {
        var label: String
        var classes: String
        var cells: [(kind: String, text: String)]
    }

    static func rows(_ dom: String) throws -> [Row] {
        let rowPattern = try Regex(#"<tr class="([^"]*)" data-row="\d+"><th class="population"[^>]*>(.*?)</th>(.*?)</tr>"#).dotMatchesNewlines()
        let cellPattern = try Regex(#"<td class="cell (\w+)[^"]*" data-col="\d+"[^>]*>(.*?)</td>"#).dotMatchesNewlines()
        return dom.matches(of: rowPattern).map { match in
            let cells = String(match.output[3].substring ?? "").matches(of: cellPattern).map { cell in
                (String(cell.output[1].substring ?? ""), String(cell.output[2].substring ?? ""))
            }
            return Row(label: String(match.output[2].substring ?? ""), classes: String(match.output[1].substring ?? ""), cells: cells)
        }
    }

    static func columns(_ dom: String) throws -> [String] {
        let pattern = try Regex(#"<th class="col[^"]*" data-col="\d+" title="([^"]*)""#)
        return dom.matches(of: pattern).map { String($0.output[1].substring ?? "") }
    }

    @Test(.enabled(if: Chromium.isAvailable, "chromium is missing and could not be installed (the reason is printed above)"))
    func theMatrixRendersInChromiumWithTheExpectedCellsAndNoConsoleErrors() async throws {
        let (_, report) = try await Self.writeReport()
        let page = try Chromium.dumpDOM(report)
        #expect(page.exitCode == 0, "\(page.stderr)")
        let dom = page.stdout
        let columns = try Self.columns(dom)
        let exchange = try #require(columns.firstIndex(of: "Office 365 Exchange Online"), "\(columns)")
        let other = try #require(columns.firstIndex(of: "any other application"), "\(columns)")
        let rows = try Self.rows(dom)
        #expect(rows.count == 4, "\(rows.map(\.label))")
        let contractors = try #require(rows.first { $0.label.hasPrefix("group Contractors") }, "\(rows.map(\.label))")
        #expect(contractors.cells[exchange].kind == "blocked")
        #expect(contractors.cells[exchange].text == "block")
        #expect(contractors.cells[other].kind == "requires")
        let everyone = try #require(rows.first { $0.label.hasPrefix("everyone else") })
        #expect(everyone.label.contains("(2)"), "alice and carol: \(everyone.label)")
        #expect(everyone.cells[exchange].kind == "requires")
        #expect(everyone.cells[exchange].text == "mfa")
        let breakGlass = try #require(rows.first { $0.label.hasPrefix("group CA-BreakGlass") })
        #expect(breakGlass.classes.contains("emergency"))
        #expect(breakGlass.label.contains("emergency access"))
        #expect(breakGlass.cells.allSatisfy { $0.kind == "allowed" })
        // The hostile group's name is text: escaped in the DOM, and no element was injected.
        let hostile = try #require(rows.first { $0.label.contains("alert(1)") })
        #expect(hostile.label.hasPrefix("group &lt;script&gt;alert(1)&lt;/script&gt;"), "\(hostile.label)")
        #expect(hostile.cells[other].text.contains("mfa"))
        #expect(dom.components(separatedBy: "<script").count == 2, "only the report's own script element")
        #expect(!dom.contains(Self.hostile))
        #expect(dom.contains("CA003 - Compliant devices for the oddly named group"))
        #expect(dom.contains("showing 4 of 4 populations"), "the filter script ran")
        #expect(Chromium.consoleErrors(page.stderr).isEmpty, "\(Chromium.consoleErrors(page.stderr))")

        // A screenshot for people to look at.
        let output = TestPaths.packageRoot.appendingPathComponent(".build/report-test")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let screenshot = output.appendingPathComponent("report.png")
        try? FileManager.default.removeItem(at: screenshot)
        try? FileManager.default.removeItem(at: output.appendingPathComponent("report.html"))
        try FileManager.default.copyItem(at: report, to: output.appendingPathComponent("report.html"))
        let shot = try Chromium.run(["--screenshot=\(screenshot.path)", "--window-size=1400,900", report.absoluteString])
        #expect(shot.exitCode == 0, "\(shot.stderr)")
        let size = (try? FileManager.default.attributesOfItem(atPath: screenshot.path)[.size] as? Int) ?? 0
        #expect(size > 1000)
        print("report browser test: \(Chromium.version); screenshot \(screenshot.path) (\(size) bytes), report \(output.path)/report.html")
    }

    @Test(.enabled(if: Chromium.isAvailable, "chromium is missing and could not be installed (the reason is printed above)"))
    func theFilterBoxHidesRowsThatDoNotMatch() async throws {
        let (directory, report) = try await Self.writeReport()
        let typing = """
            <script>
            (function(){var box=document.getElementById('filter');box.value='contractors';box.dispatchEvent(new Event('input'));
            setTimeout(function(){var t=document.getElementById('matrix');
            document.title='rows='+t.getAttribute('data-visible-rows')+' columns='+t.getAttribute('data-visible-columns');},500);})();
            </script>
            """
        let html = try String(contentsOf: report, encoding: .utf8).replacingOccurrences(of: "</body>", with: typing + "</body>")
        let filtered = directory.appendingPathComponent("report-filtered.html")
        try html.write(to: filtered, atomically: true, encoding: .utf8)
        let page = try Chromium.dumpDOM(filtered, virtualTime: 5000)
        #expect(page.exitCode == 0, "\(page.stderr)")
        let columns = try Self.columns(page.stdout).count
        #expect(page.stdout.contains("<title>rows=1 columns=\(columns)</title>"), "\(page.stdout.prefix(600))")
        let rows = try Self.rows(page.stdout)
        #expect(rows.filter { !$0.classes.contains("hidden") }.map(\.label).allSatisfy { $0.hasPrefix("group Contractors") })
        #expect(rows.filter { $0.classes.contains("hidden") }.count == 3)
        #expect(page.stdout.contains("showing 1 of 4 populations"))
        #expect(Chromium.consoleErrors(page.stderr).isEmpty, "\(Chromium.consoleErrors(page.stderr))")

        // A column name filters columns and keeps every row.
        let byColumn = html.replacingOccurrences(of: "box.value='contractors'", with: "box.value='exchange'")
        try byColumn.write(to: filtered, atomically: true, encoding: .utf8)
        let columnPage = try Chromium.dumpDOM(filtered, virtualTime: 5000)
        #expect(columnPage.stdout.contains("<title>rows=4 columns=1</title>"), "\(columnPage.stdout.prefix(600))")
    }

    /// Beyond `eagerRows` populations the rest wait in a template: the filter searches them all and
    /// "Show all" lays them out. (Two eager rows here stand for the 300 of a real report.)
    @Test(.enabled(if: Chromium.isAvailable, "chromium is missing and could not be installed (the reason is printed above)"))
    func rowsBeyondTheFirstWaitUntilTheFilterOrShowAll() throws {
        let groups = (1...6).map { "Team \($0)" }
        let policy: JSONValue = ["displayName": "Teams MFA", "state": "enabled",
                                 "conditions": ["users": ["includeGroups": .array(groups.map(JSONValue.string))],
                                                "applications": ["includeApplications": ["All"]], "clientAppTypes": ["all"]],
                                 "grantControls": ["operator": "OR", "builtInControls": ["mfa"]]]
        let matrix = CoverageMatrix(policies: [policy], directory: EvaluationDirectory(), populations: CoverageMatrix.declaredPopulations(policies: [policy]))
        let total = matrix.rows.count
        #expect(total > 2)
        let html = CoverageHTMLRenderer.render(CoverageReport(matrix: matrix, source: .declaredOffline(path: "policies"), diagnostics: []), eagerRows: 2)
        func page(_ action: String) throws -> String {
            let probe = """
                <script>(function(){\(action)
                setTimeout(function(){var t=document.getElementById('matrix');
                document.title='laidOut='+t.tBodies[0].rows.length+' visible='+t.getAttribute('data-visible-rows')+' template='+(document.getElementById('deferred-rows')?1:0);},500);})();</script>
                """
            let directory = try BinaryRunner.temporaryDirectory(["report.html": html.replacingOccurrences(of: "</body>", with: probe + "</body>")])
            let dump = try Chromium.dumpDOM(directory.appendingPathComponent("report.html"), virtualTime: 5000)
            #expect(Chromium.consoleErrors(dump.stderr).isEmpty, "\(Chromium.consoleErrors(dump.stderr))")
            return dump.stdout
        }
        let opened = try page("")
        #expect(opened.contains("<title>laidOut=2 visible=2 template=1</title>"), "\(opened.prefix(400))")
        #expect(opened.contains("showing 2 of \(total) populations"))
        // A population that was not laid out is found by the filter.
        let filtered = try page("var b=document.getElementById('filter');b.value='team 6';b.dispatchEvent(new Event('input'));")
        #expect(filtered.contains("<title>laidOut=\(total) visible=1 template=0</title>"), "\(filtered.prefix(400))")
        let shown = try page("document.getElementById('show-all').click();")
        #expect(shown.contains("<title>laidOut=\(total) visible=\(total) template=0</title>"), "\(shown.prefix(400))")
    }

    @Test(.enabled(if: Chromium.isAvailable, "chromium is missing and could not be installed (the reason is printed above)"))
    func aConsoleErrorWouldBeSeen() throws {
        // The console check is not vacuous: a page with a script error shows up in the same grep.
        let directory = try BinaryRunner.temporaryDirectory(["broken.html": "<!DOCTYPE html><html><body><script>notAFunction();</script></body></html>"])
        let page = try Chromium.dumpDOM(directory.appendingPathComponent("broken.html"))
        #expect(!Chromium.consoleErrors(page.stderr).isEmpty, "\(page.stderr)")
    }

    @Test func offlineMarkdownGoesToStdoutAndTheStepSummary() throws {
        let directory = try BinaryRunner.temporaryDirectory(Self.files)
        let summary = directory.appendingPathComponent("summary.md")
        let result = try BinaryRunner.run(["report", ".", "--format", "markdown"], in: directory,
                                          environment: ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary.path])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("## Conditional Access coverage"))
        #expect(result.stdout.contains("| group Contractors | ⛔ block |"), "\(result.stdout)")
        #expect(result.stdout.contains("| everyone else | 🔐 mfa |"), "\(result.stdout)")
        #expect(result.stdout.contains("**group CA-BreakGlass** 🛟 emergency access"))
        #expect(result.stdout.contains("group &lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!result.stdout.contains(Self.hostile))
        #expect(try String(contentsOf: summary, encoding: .utf8) == result.stdout)
        let quiet = directory.appendingPathComponent("quiet.md")
        let html = try BinaryRunner.run(["report", ".", "--out", "report.html", "--no-step-summary"], in: directory,
                                        environment: ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": quiet.path])
        #expect(html.exitCode == 0, "\(html.stderr)")
        #expect(!FileManager.default.fileExists(atPath: quiet.path))
        let page = try String(contentsOf: directory.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>"))
    }

    @Test func anInvalidConfigurationIsAnError() throws {
        let directory = try BinaryRunner.temporaryDirectory(["bad.yaml": "kind: ConditionalAccessPolicy\ndisplayName: x\ngrantControl: {}\n"])
        let result = try BinaryRunner.run(["report", "."], in: directory)
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("unknown key 'grantControl'"), "\(result.stderr)")
    }

    /// `--compare`: the empty seed tenant before, the declared policies after, in one Markdown table;
    /// with `--live` it is refused (live is already the "before").
    @Test func compareShowsBeforeAndAfterInOneReport() async throws {
        let directory = try BinaryRunner.temporaryDirectory(Self.files.merging(["tenant.json": Self.seed]) { first, _ in first })
        let result = try await BinaryRunner.runDetached(["report", directory.path, "--emulator", directory.appendingPathComponent("tenant.json").path,
                                                         "--compare", "--format", "markdown", "--no-step-summary"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("cells change (before → after)"), "\(result.stdout)")
        #expect(result.stdout.contains("**✅ allowed → ⛔ block**"), "\(result.stdout)")
        let refused = try BinaryRunner.run(["report", directory.path, "--compare", "--live"])
        #expect(refused.exitCode != 0)
        #expect(refused.stderr.contains("--compare shows the live policies before the declared ones"), "\(refused.stderr)")
    }
}
