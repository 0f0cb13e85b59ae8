import PolicyModel
import Testing

@testable import PolicyEvaluation

/// Every lint rule with a set that passes it and one that fails it (issue: "each rule has a table
/// test with a passing and a failing case"). A row's sets are complete tenants: besides the
/// policies under test they hold a legacy-authentication block and an MFA policy for all users,
/// so only the rule under test can fire.
@Suite("Lint rules over a policy set")
struct PolicySetLintTests {
    static let breakGlass = "breakglass@contoso.example"
    static let breakGlassGroup = "CA-BreakGlass"

    static func policy(_ name: String, state: String = "enabled", users: JSONValue = ["includeUsers": ["All"], "excludeGroups": ["CA-BreakGlass"]],
                       applications: JSONValue = ["includeApplications": ["All"]], clientAppTypes: JSONValue = ["all"],
                       extra: [String: JSONValue] = [:], grant: JSONValue = ["operator": "OR", "builtInControls": ["mfa"]],
                       isNew: Bool = false) -> PolicySetLint.Policy {
        var conditions: [String: JSONValue] = ["users": users, "applications": applications, "clientAppTypes": clientAppTypes]
        for (key, value) in extra { conditions[key] = value }
        return PolicySetLint.Policy(displayName: name, body: ["displayName": .string(name), "state": .string(state),
                                                              "conditions": .object(conditions), "grantControls": grant],
                                    isNew: isNew, location: SourceLocation(file: "\(name).yaml", line: 1, column: 1))
    }

    /// What a sound tenant holds, so the set-level rules pass unless a row removes it.
    static let baseline = [
        policy("Block legacy authentication", clientAppTypes: ["exchangeActiveSync", "other"], grant: ["operator": "OR", "builtInControls": ["block"]]),
        policy("MFA for everyone"),
    ]

    struct Row: Sendable, CustomTestStringConvertible {
        var rule: LintRule
        var name: String
        var policies: [PolicySetLint.Policy]
        var locations: [PolicySetLint.NamedLocation] = []
        var missing: [PolicySetLint.MissingReference] = []
        var count: Int?
        /// Whether the rule fires.
        var fires: Bool
        var testDescription: String { "\(rule.rawValue) \(fires ? "fires" : "passes"): \(name)" }
    }

    static let rows: [Row] = [
        Row(rule: .EF201, name: "excludes the break-glass group", policies: baseline, fires: false),
        Row(rule: .EF201, name: "all users, no exclusion",
            policies: baseline + [policy("MFA without exclusion", users: ["includeUsers": ["All"]])], fires: true),
        Row(rule: .EF201, name: "roles, no exclusion",
            policies: baseline + [policy("Admins", users: ["includeRoles": ["Global Administrator"]])], fires: true),
        Row(rule: .EF201, name: "report-only is not enforced",
            policies: baseline + [policy("Trial", state: "enabledForReportingButNotEnforced", users: ["includeUsers": ["All"]])], fires: false),
        Row(rule: .EF202, name: "new in report-only",
            policies: baseline + [policy("New", state: "enabledForReportingButNotEnforced", users: ["includeGroups": ["Pilot"]], isNew: true)],
            fires: false),
        Row(rule: .EF202, name: "new and enabled", policies: baseline + [policy("New", users: ["includeGroups": ["Pilot"]], isNew: true)], fires: true),
        Row(rule: .EF203, name: "legacy blocked for all", policies: baseline, fires: false),
        Row(rule: .EF203, name: "legacy blocked only in report-only",
            policies: [baseline[1], policy("Block legacy", state: "enabledForReportingButNotEnforced", clientAppTypes: ["exchangeActiveSync", "other"],
                                           grant: ["operator": "OR", "builtInControls": ["block"]])], fires: true),
        Row(rule: .EF203, name: "legacy blocked for one group only",
            policies: [baseline[1], policy("Block legacy", users: ["includeGroups": ["Pilot"]], clientAppTypes: ["exchangeActiveSync", "other"],
                                           grant: ["operator": "OR", "builtInControls": ["block"]])], fires: true),
        Row(rule: .EF204, name: "an exclusion beside the inclusion",
            policies: baseline + [policy("Pilot", users: ["includeGroups": ["Pilot"], "excludeGroups": ["Contractors"]])], fires: false),
        Row(rule: .EF204, name: "includes and excludes the same group",
            policies: baseline + [policy("Pilot", users: ["includeGroups": ["Pilot"], "excludeGroups": ["pilot"]])], fires: true),
        Row(rule: .EF204, name: "includes and excludes the same app",
            policies: baseline + [policy("App", applications: ["includeApplications": ["Payroll"], "excludeApplications": ["Payroll"]])], fires: true),
        Row(rule: .EF204, name: "includes every platform's exclusion",
            policies: baseline + [policy("iOS", extra: ["platforms": ["includePlatforms": ["iOS"], "excludePlatforms": ["iOS", "android"]]])], fires: true),
        Row(rule: .EF204, name: "excludes All locations",
            policies: baseline + [policy("Nowhere", extra: ["locations": ["includeLocations": ["AllTrusted"], "excludeLocations": ["All"]]])], fires: true),
        Row(rule: .EF205, name: "grant and session controls split",
            policies: baseline + [policy("Session", grant: .null)], fires: false),
        Row(rule: .EF205, name: "same conditions, block and MFA",
            policies: baseline + [policy("Block everyone", grant: ["operator": "OR", "builtInControls": ["block"]])], fires: true),
        Row(rule: .EF205, name: "a repeated policy", policies: baseline + [policy("MFA again")], fires: true),
        Row(rule: .EF206, name: "all users under MFA", policies: baseline, fires: false),
        Row(rule: .EF206, name: "MFA only for a group",
            policies: [baseline[0], policy("MFA for staff", users: ["includeGroups": ["Staff"]])], fires: true),
        Row(rule: .EF206, name: "MFA or a compliant device is not MFA",
            policies: [baseline[0], policy("MFA or device", grant: ["operator": "OR", "builtInControls": ["mfa", "compliantDevice"]])], fires: true),
        Row(rule: .EF206, name: "an authentication strength for every privileged role",
            policies: [baseline[0], policy("Admins", users: ["includeRoles": .array(PrivilegedRoles.all.map { .string($0.templateId) }),
                                                             "excludeGroups": ["CA-BreakGlass"]],
                                           grant: ["operator": "OR", "authenticationStrength": ["id": "00000000-0000-0000-0000-000000000004"]])],
            fires: false),
        Row(rule: .EF207, name: "block alone", policies: baseline, fires: false),
        Row(rule: .EF207, name: "block with MFA",
            policies: baseline + [policy("Odd", users: ["includeGroups": ["Odd"]], grant: ["operator": "OR", "builtInControls": ["block", "mfa"]])],
            fires: true),
        Row(rule: .EF208, name: "200 policies", policies: baseline, count: 200, fires: false),
        Row(rule: .EF208, name: "201 policies", policies: baseline, count: 201, fires: true),
        Row(rule: .EF209, name: "every reference exists", policies: baseline, fires: false),
        Row(rule: .EF209, name: "a deleted group",
            policies: baseline, missing: [.init(policy: "MFA for everyone", kind: "group", id: "0a1b2c3d-0000-4000-8000-000000000001")], fires: true),
        Row(rule: .EF210, name: "a /24 office range",
            policies: baseline, locations: [.init(displayName: "Office", body: ["isTrusted": true, "ipRanges": [["cidrAddress": "203.0.113.0/24"]]])],
            fires: false),
        Row(rule: .EF210, name: "a /8 trusted",
            policies: baseline, locations: [.init(displayName: "Corp", body: ["isTrusted": true, "ipRanges": [["cidrAddress": "10.0.0.0/8"]]])],
            fires: true),
        Row(rule: .EF210, name: "a /8 not trusted",
            policies: baseline, locations: [.init(displayName: "Corp", body: ["isTrusted": false, "ipRanges": [["cidrAddress": "10.0.0.0/8"]]])],
            fires: false),
        Row(rule: .EF210, name: "an IPv6 /29 trusted",
            policies: baseline, locations: [.init(displayName: "v6", body: ["isTrusted": true, "ipRanges": ["2001:db8::/29"]])], fires: true),
    ]

    @Test(arguments: rows)
    func rule(_ row: Row) {
        let input = PolicySetLint.Input(policies: row.policies, namedLocations: row.locations, emergencyUsers: [],
                                        emergencyGroups: [Self.breakGlassGroup], tenantPolicyCount: row.count, missingReferences: row.missing)
        let findings = PolicySetLint.run(input)
        let fired = findings.filter { $0.rule == row.rule }
        #expect(fired.isEmpty != row.fires, "\(row.testDescription): \(findings.map(\.message))")
        // Nothing else fires on these sets: each row isolates its rule.
        #expect(findings.allSatisfy { $0.rule == row.rule }, "\(row.testDescription): \(findings.map { "\($0.rule.rawValue) \($0.message)" })")
    }

    @Test func findingsPointAtTheDeclarationAndNameTheRule() throws {
        var odd = Self.policy("Odd", users: ["includeGroups": ["Odd"]], grant: ["operator": "OR", "builtInControls": ["block", "mfa"]])
        odd.keyLocations["grantControls"] = SourceLocation(file: "Odd.yaml", line: 9, column: 3)
        let finding = try #require(PolicySetLint.run(.init(policies: Self.baseline + [odd])).first)
        #expect(finding.rule == .EF207)
        #expect(finding.location == SourceLocation(file: "Odd.yaml", line: 9, column: 3))
        #expect(finding.message.contains("'Odd'") && finding.message.contains("mfa"))
    }

    @Test func aPartialSetSkipsTheTenantWideRules() {
        let findings = PolicySetLint.run(.init(policies: [Self.policy("Staff", users: ["includeGroups": ["Staff"]])], checksWholeTenant: false))
        #expect(findings.isEmpty)
        let whole = PolicySetLint.run(.init(policies: [Self.policy("Staff", users: ["includeGroups": ["Staff"]])]))
        #expect(Set(whole.map(\.rule)) == [.EF203, .EF206])
    }

    @Test func severitiesComeFromTheSettings() {
        var settings = Settings()
        #expect(settings.severity(of: .EF203) == .warning)
        settings.lint = ["EF203": .error, "EF205": .off]
        #expect(settings.severity(of: .EF203) == .error)
        #expect(settings.severity(of: .EF205) == .off)
        #expect(settings.severity(of: .EF201) == .warning)
    }
}
