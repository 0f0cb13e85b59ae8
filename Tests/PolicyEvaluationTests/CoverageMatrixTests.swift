@testable import PlanRendering
import PolicyEvaluation
import PolicyModel
import Testing

/// The coverage matrix (`entraform report`): populations × applications, each cell evaluated, and its
/// HTML and Markdown renderings with every tenant-supplied string escaped.
@Suite("coverage matrix")
struct CoverageMatrixTests {
    static let exchange = "00000002-0000-0ff1-ce00-000000000000"

    static func policy(_ name: String, state: String = "enabled", users: JSONValue, applications: JSONValue, grant: JSONValue) -> JSONValue {
        ["displayName": .string(name), "state": .string(state),
         "conditions": ["users": users, "applications": applications, "clientAppTypes": ["all"]], "grantControls": grant]
    }

    static let policies: [JSONValue] = [
        policy("Block contractors from Exchange", users: ["includeGroups": ["g-contractors"]],
               applications: ["includeApplications": [.string(exchange)]], grant: ["operator": "OR", "builtInControls": ["block"]]),
        policy("MFA for everyone", users: ["includeUsers": ["All"], "excludeGroups": ["g-breakglass"]],
               applications: ["includeApplications": ["All"]], grant: ["operator": "OR", "builtInControls": ["mfa"]]),
        policy("Compliant devices \"soon\"", state: "enabledForReportingButNotEnforced", users: ["includeGroups": ["g-hostile"]],
               applications: ["includeApplications": ["All"]], grant: ["operator": "OR", "builtInControls": ["compliantDevice"]]),
    ]

    static func row(_ matrix: CoverageMatrix, _ memberships: [CoverageMatrix.Membership]) -> Int? {
        matrix.rows.firstIndex { $0.memberships == memberships }
    }

    static func column(_ matrix: CoverageMatrix, _ application: String) -> Int? {
        matrix.columns.firstIndex { $0.application == application }
    }

    @Test func declaredPopulationsAreTheReferencesAndEveryoneElse() throws {
        let populations = CoverageMatrix.declaredPopulations(policies: Self.policies, emergencyGroups: ["G-BreakGlass"])
        #expect(populations.map(\.memberships) == [[], [.group("g-contractors")], [.group("g-breakglass")], [.group("g-hostile")]])
        #expect(populations.map(\.isEmergencyAccess) == [false, false, true, false])
        let matrix = CoverageMatrix(policies: Self.policies, directory: EvaluationDirectory(), populations: populations)
        #expect(matrix.columns.map(\.application) == ["Office 365 Exchange Online", "any other application",
                                                      "user action urn:user:registersecurityinfo", "user action urn:user:registerdevice"])
        let exchange = try #require(Self.column(matrix, "Office 365 Exchange Online"))
        let other = try #require(Self.column(matrix, "any other application"))
        let contractors = try #require(Self.row(matrix, [.group("g-contractors")]))
        let everyone = try #require(Self.row(matrix, []))
        let breakGlass = try #require(Self.row(matrix, [.group("g-breakglass")]))
        let hostile = try #require(Self.row(matrix, [.group("g-hostile")]))
        #expect(matrix.cells[contractors][exchange].kind == .blocked)
        #expect(matrix.cells[contractors][exchange].policies == ["Block contractors from Exchange", "MFA for everyone"])
        #expect(matrix.cells[contractors][other].kind == .requires)
        #expect(matrix.cells[everyone][exchange].outcome.requires == ["mfa"])
        #expect(matrix.cells[everyone][exchange].policies == ["MFA for everyone"])
        #expect(matrix.cells[breakGlass].allSatisfy { $0.kind == .allowed && $0.policies.isEmpty })
        #expect(matrix.cells[hostile][other].reportOnly.requires == ["compliantDevice"])
        #expect(matrix.cells[hostile][other].reportOnlyPolicies == ["Compliant devices \"soon\""])
    }

    /// `report --compare`: one matrix over both sides' populations and columns, each cell before →
    /// after, the changed ones marked in HTML and bold in Markdown.
    @Test func aComparisonMarksTheCellsThatChange() throws {
        let before = [Self.policies[1]]
        let populations = CoverageMatrix.declaredPopulations(policies: Self.policies + before, emergencyGroups: ["G-BreakGlass"])
        let matrix = CoverageMatrix(policies: Self.policies, directory: EvaluationDirectory(), populations: populations,
                                    before: (before, EvaluationDirectory()))
        let exchange = try #require(Self.column(matrix, "Office 365 Exchange Online"))
        let other = try #require(Self.column(matrix, "any other application"))
        let contractors = try #require(Self.row(matrix, [.group("g-contractors")]))
        let everyone = try #require(Self.row(matrix, []))
        let hostile = try #require(Self.row(matrix, [.group("g-hostile")]))
        #expect(matrix.changed(contractors, exchange))
        #expect(matrix.beforeCells?[contractors][exchange].kind == .requires)
        #expect(matrix.cells[contractors][exchange].kind == .blocked)
        #expect(!matrix.changed(everyone, exchange))
        #expect(!matrix.changed(contractors, other))
        // A report-only policy added changes what the cell would demand.
        #expect(matrix.changed(hostile, other))
        let changedCount = matrix.rows.indices.flatMap { row in matrix.columns.indices.filter { matrix.changed(row, $0) } }.count
        #expect(matrix.changedCellCount == changedCount && changedCount == 1 + matrix.columns.count)
        let report = CoverageReport(matrix: matrix, source: .declaredOffline(path: "policies"), diagnostics: [])
        let html = CoverageHTMLRenderer.render(report)
        #expect(html.components(separatedBy: " changed\" data-col=").count - 1 == changedCount)
        #expect(html.contains("<s>mfa</s> → block"))
        #expect(html.contains("\(changedCount) of \(matrix.rows.count * matrix.columns.count) cells change"))
        #expect(CoverageMarkdownRenderer.render(report).contains("**🔐 mfa → ⛔ block**"))
        let single = CoverageMatrix(policies: Self.policies, directory: EvaluationDirectory(), populations: populations)
        #expect(single.beforeCells == nil && single.changedCellCount == 0)
        #expect(!CoverageHTMLRenderer.render(CoverageReport(matrix: single, source: .declaredOffline(path: "policies"), diagnostics: []))
            .contains(" changed\" data-col="))
    }

    @Test func anIncludedAndExcludedPairIsAPopulationOfItsOwn() {
        let policies = [Self.policy("MFA for admins", users: ["includeRoles": ["r-admin"], "excludeGroups": ["g-svc"]],
                                    applications: ["includeApplications": ["All"]], grant: ["operator": "OR", "builtInControls": ["mfa"]])]
        let populations = CoverageMatrix.declaredPopulations(policies: policies)
        #expect(populations.map(\.memberships) == [[], [.group("g-svc")], [.role("r-admin")], [.role("r-admin"), .group("g-svc")]])
        let matrix = CoverageMatrix(policies: policies, directory: EvaluationDirectory(), populations: populations)
        #expect(matrix.cells.map { $0[0].kind } == [.allowed, .allowed, .requires, .allowed])
    }

    @Test func tenantPopulationsAreClassesWithCountsAndTheEmergencyClassFirst() {
        let users = [
            SignInSubject(user: "u1", label: "alice@example.com"), SignInSubject(user: "u2", label: "bob@example.com", groupIds: ["g-contractors"]),
            SignInSubject(user: "u3", label: "carol@example.com"), SignInSubject(user: "u4", label: "break@example.com", groupIds: ["g-breakglass", "g-unnamed"]),
        ]
        let populations = CoverageMatrix.tenantPopulations(users: users, policies: Self.policies, emergencyGroupIds: ["g-breakglass"])
        #expect(populations.map(\.memberships) == [[.group("g-breakglass")], [], [.group("g-contractors")]])
        #expect(populations.map(\.count) == [1, 2, 1])
        #expect(populations[1].sampleMembers == ["alice@example.com", "carol@example.com"])
        #expect(populations.map(\.isEmergencyAccess) == [true, false, false])
    }

    @Test func platformsAPolicyNamesFoldIntoTheCellsOfOneColumnPerApplication() throws {
        var policy = Self.policy("Block Android", users: ["includeUsers": ["All"]], applications: ["includeApplications": ["All"]],
                                 grant: ["operator": "OR", "builtInControls": ["block"]])
        policy["conditions"]?["platforms"] = ["includePlatforms": ["android"]]
        var mfa = Self.policy("MFA everywhere", users: ["includeUsers": ["All"]], applications: ["includeApplications": ["All"]],
                              grant: ["operator": "OR", "builtInControls": ["mfa"]])
        mfa["conditions"]?["users"]?["excludeUsers"] = ["u-exempt"]
        let matrix = CoverageMatrix(policies: [policy, mfa], directory: EvaluationDirectory(),
                                    populations: CoverageMatrix.declaredPopulations(policies: [policy, mfa]))
        // One column per target, not one per target and platform group.
        #expect(matrix.columns.map(\.application) == ["any other application", "user action urn:user:registersecurityinfo",
                                                       "user action urn:user:registerdevice"])
        let cell = matrix.cells[0][0]
        // The most severe group leads: blocked on android, MFA elsewhere.
        #expect(cell.kind == .blocked)
        let variants = try #require(cell.platformVariants)
        #expect(variants.map(\.platforms) == ["android", "iOS, windows, macOS, linux, windowsPhone, other"])
        #expect(variants.map(\.cell.kind) == [.blocked, .requires])
        #expect(CoverageWords.short(cell) == "block on android · mfa on iOS, windows, macOS, linux, windowsPhone, other")
        #expect(CoverageWords.detail(cell).hasPrefix("on android:\nblocked by 'Block Android'\n"))
    }

    @Test func platformsThatAgreeLeaveAPlainCell() throws {
        var policy = Self.policy("MFA on Android", users: ["includeUsers": ["All"]], applications: ["includeApplications": ["All"]],
                                 grant: ["operator": "OR", "builtInControls": ["mfa"]])
        policy["conditions"]?["platforms"] = ["includePlatforms": ["android"]]
        policy["conditions"]?["users"] = ["includeUsers": ["u-only"]]
        let populations = CoverageMatrix.declaredPopulations(policies: [policy])
        let matrix = CoverageMatrix(policies: [policy], directory: EvaluationDirectory(), populations: populations)
        // Everyone but u-only meets nothing on any platform: one plain cell.
        let everyoneElse = try #require(populations.firstIndex { $0.memberships.isEmpty })
        #expect(matrix.cells[everyoneElse][0].platformVariants == nil)
        #expect(matrix.cells[everyoneElse][0].kind == .allowed)
        // u-only's cell differs by platform, so the same matrix does fold where it should.
        let only = try #require(populations.firstIndex { !$0.memberships.isEmpty })
        #expect(matrix.cells[only][0].platformVariants?.count == 2)
    }

    static func report() -> CoverageReport {
        let populations = CoverageMatrix.declaredPopulations(policies: policies, emergencyGroups: ["g-breakglass"])
        let matrix = CoverageMatrix(policies: policies, directory: EvaluationDirectory(), populations: populations)
        return CoverageReport(matrix: matrix, source: .declaredOffline(path: "policies"),
                              diagnostics: [Diagnostic(.warning, "policy '<b>x</b>' overlaps", code: "EF205")],
                              names: ["g-hostile": "<script>alert(1)</script>", "g-contractors": "Contractors & \"friends\""])
    }

    @Test func htmlEscapesEveryTenantStringInTextAndAttributes() {
        let html = CoverageHTMLRenderer.render(Self.report())
        #expect(html.contains("group &lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.contains("<script>alert(1)"))
        #expect(html.components(separatedBy: "<script").count == 2, "only the report's own script")
        #expect(html.contains("group Contractors &amp; &quot;friends&quot;"))
        #expect(html.contains("Compliant devices &quot;soon&quot;"))
        #expect(!html.contains("Compliant devices \"soon\""))
        #expect(html.contains("warning EF205: policy &#39;&lt;b&gt;x&lt;/b&gt;&#39; overlaps"))
        #expect(html.contains("<tr class=\"row emergency\""))
        #expect(!html.contains("http://") && !html.contains("https://"), "self-contained: no network at view time")
        #expect(HTMLText.escape("<a href='x'>&\"</a>") == "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;")
    }

    @Test func markdownHasTheMatrixTheFindingsAndThePolicies() {
        let markdown = CoverageMarkdownRenderer.render(Self.report())
        #expect(markdown.contains("| population | Office 365 Exchange Online | any other application |"))
        #expect(markdown.contains("| group Contractors &amp; &quot;friends&quot; | ⛔ block | 🔐 mfa |"), "\(markdown)")
        #expect(markdown.contains("| **group g-breakglass** 🛟 emergency access | ✅ allowed |"))
        #expect(markdown.contains("- warning EF205:"))
        #expect(markdown.contains("  - Users: group Contractors &amp; &quot;friends&quot;"))
        #expect(markdown.contains("  - Grant: block"))
        #expect(!markdown.contains("<script>"))
    }
}
