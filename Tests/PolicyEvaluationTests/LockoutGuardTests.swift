import Foundation
import PolicyEvaluation
import PolicyModel
import Testing

@Suite("Lockout guard")
struct LockoutGuardTests {
    static let breakGlassGroup = "bbbbbbbb-0000-4000-8000-000000000001"
    static let parentGroup = "bbbbbbbb-0000-4000-8000-000000000002"
    static let globalAdministrator = "62e90394-69f5-4237-9190-012177145e10"
    /// One account in the break-glass group (itself nested in a parent group) holding Global Administrator.
    static let account = EmergencyAccount(id: "AAAAAAAA-0000-4000-8000-000000000001", label: "bg1@contoso.example",
                                          groupIds: [breakGlassGroup, parentGroup], roleTemplateIds: [globalAdministrator])
    static let location = SourceLocation(file: "p.yaml", line: 5, column: 5)

    static func policy(_ users: JSONValue, state: String = "enabled") -> GuardedPolicy {
        GuardedPolicy(displayName: "CA1", body: ["state": .string(state), "conditions": ["users": users]], location: location)
    }

    static func check(_ users: JSONValue, state: String = "enabled") -> [Diagnostic] {
        LockoutGuard.check([policy(users, state: state)], accounts: [account], emergencyGroupIds: [breakGlassGroup],
                           emergencyGroupNames: ["CA-BreakGlass"])
    }

    @Test(arguments: [
        (["includeUsers": ["All"]], "All users"),
        (["includeGroups": [.string(parentGroup)]], "a group the account is in through nesting"),
        (["includeRoles": [.string(globalAdministrator)]], "a role the account holds"),
        (["includeUsers": ["All"], "excludeGroups": ["cccccccc-0000-4000-8000-000000000009"]], "an exclusion that misses it"),
    ] as [(JSONValue, String)])
    func reachingAnEmergencyAccountWithoutExcludingItIsAnError(users: JSONValue, why: String) throws {
        let diagnostics = Self.check(users)
        #expect(diagnostics.count == 1, "\(why)")
        let diagnostic = try #require(diagnostics.first)
        #expect(diagnostic.severity == .error)
        #expect(diagnostic.message == "'CA1' would apply to emergency access account bg1@contoso.example and could lock them out: it does not exclude them")
        #expect(diagnostic.suggestion == "add 'CA-BreakGlass' to conditions.users.excludeGroups")
        #expect(diagnostic.location == Self.location)
    }

    @Test(arguments: [
        (["includeUsers": ["All"], "excludeGroups": [.string(breakGlassGroup)]], "excluded by its group"),
        (["includeUsers": ["All"], "excludeGroups": [.string(parentGroup)]], "excluded by a parent group (nesting counts)"),
        (["includeUsers": ["All"], "excludeUsers": ["aaaaaaaa-0000-4000-8000-000000000001"]], "excluded by id"),
        (["includeUsers": ["All"], "excludeRoles": [.string(globalAdministrator)]], "excluded by a role it holds"),
        (["includeUsers": ["aaaaaaaa-0000-4000-8000-000000000001"]], "named on purpose"),
        (["includeGroups": [.string(breakGlassGroup)]], "the break-glass group targeted on purpose"),
        (["includeGroups": ["cccccccc-0000-4000-8000-000000000009"]], "a group it is not in"),
        (["includeGuestsOrExternalUsers": ["guestOrExternalUserTypes": "b2bCollaborationGuest"]], "guests only"),
    ] as [(JSONValue, String)])
    func policiesThatDoNotReachItOrTargetItOnPurposeAreFine(users: JSONValue, why: String) {
        #expect(Self.check(users).isEmpty, "\(why)")
    }

    @Test func reportOnlyWarnsAndDisabledOrWorkloadPoliciesAreNotChecked() {
        let reportOnly = Self.check(["includeUsers": ["All"]], state: "enabledForReportingButNotEnforced")
        #expect(reportOnly.map(\.severity) == [.warning])
        #expect(reportOnly.first?.message.contains("(report-only) would apply to emergency access account bg1@contoso.example once enabled") == true)
        #expect(Self.check(["includeUsers": ["All"]], state: "disabled").isEmpty)
        let workload = GuardedPolicy(displayName: "CA-WI", body: ["state": "enabled", "conditions": [
            "users": .null, "clientApplications": ["includeServicePrincipals": ["ServicePrincipalsInMyTenant"]]]], location: nil)
        #expect(LockoutGuard.check([workload], accounts: [Self.account]).isEmpty)
    }

    @Test func everyReachedAccountIsNamedOnce() {
        let second = EmergencyAccount(id: "aaaaaaaa-0000-4000-8000-000000000002", label: "bg2@contoso.example")
        let diagnostics = LockoutGuard.check([Self.policy(["includeUsers": ["All"], "excludeGroups": [.string(Self.breakGlassGroup)]])],
                                             accounts: [Self.account, second])
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.message.contains("emergency access account bg2@contoso.example ") == true, "bg1 is excluded, bg2 is not")
        #expect(diagnostics.first?.suggestion == "add it to conditions.users.excludeUsers", "no emergency group is configured")
        let both = LockoutGuard.check([Self.policy(["includeUsers": ["All"]])], accounts: [second, Self.account])
        #expect(both.first?.message.contains("emergency access accounts bg1@contoso.example, bg2@contoso.example and") == true)
    }
}

/// Regression (defects issue, item 7): the guard no longer switches itself off when no emergency
/// access is configured, and an enabled block of everyone everywhere is refused regardless.
@Suite("Lockout guard without emergency access")
struct LockoutGuardTenantWideTests {
    static func policy(_ conditions: JSONValue, state: String = "enabled") -> GuardedPolicy {
        GuardedPolicy(displayName: "CA000 - Block", body: ["state": .string(state), "conditions": conditions,
                                                          "grantControls": ["operator": "OR", "builtInControls": ["block"]]],
                      location: SourceLocation(file: "p.yaml", line: 4, column: 3))
    }

    static let everyone: JSONValue = ["users": ["includeUsers": ["All"]], "applications": ["includeApplications": ["All"]], "clientAppTypes": ["all"]]

    @Test func anEnabledBlockOfEveryoneIsRefusedAndMissingEmergencyAccessWarned() {
        let diagnostics = LockoutGuard.tenantWideChecks([Self.policy(Self.everyone)], emergencyAccessConfigured: false)
        #expect(diagnostics.map(\.severity) == [.warning, .error])
        #expect(diagnostics[0].message.hasPrefix("no emergency access accounts are configured"))
        #expect(diagnostics[1].message.contains("would lock everyone out of the tenant"))
        #expect(diagnostics[1].location?.line == 4)
        // Configured, the block is still refused; the warning goes.
        #expect(LockoutGuard.tenantWideChecks([Self.policy(Self.everyone)], emergencyAccessConfigured: true).map(\.severity) == [.error])
        // Report-only is not enforced.
        #expect(LockoutGuard.tenantWideChecks([Self.policy(Self.everyone, state: "enabledForReportingButNotEnforced")], emergencyAccessConfigured: true).isEmpty)
        // The tenant already enforces it: adopting it as it is plans, with a warning to fix it.
        var live = Self.policy(Self.everyone).body
        live["displayName"] = .string(Self.policy(Self.everyone).displayName)
        let adopted = LockoutGuard.tenantWideChecks([Self.policy(Self.everyone)], emergencyAccessConfigured: true, live: [live])
        #expect(adopted.map(\.severity) == [.warning])
        #expect(adopted.first?.message.contains("the tenant already enforces it") == true)
    }

    @Test(arguments: [
        ["users": ["includeUsers": ["All"], "excludeGroups": ["g1"]], "applications": ["includeApplications": ["All"]]],
        ["users": ["includeUsers": ["All"]], "applications": ["includeApplications": ["All"]], "clientAppTypes": ["exchangeActiveSync", "other"]],
        ["users": ["includeUsers": ["All"]], "applications": ["includeApplications": ["All"]],
         "locations": ["includeLocations": ["All"], "excludeLocations": ["AllTrusted"]]],
        ["users": ["includeUsers": ["All"]], "applications": ["includeApplications": ["All"]], "signInRiskLevels": ["high"]],
        ["users": ["includeUsers": ["All"]], "applications": ["includeApplications": ["00000002-0000-0ff1-ce00-000000000000"]]],
    ] as [JSONValue])
    func narrowerBlocksAreNotTenantWide(_ conditions: JSONValue) {
        #expect(!LockoutGuard.blocksEveryone(Self.policy(conditions).body))
    }
}

/// The engine-based half of the guard: policies that target the emergency accounts on purpose are
/// simulated, and one that blocks them or asks them for a managed device is refused.
@Suite("Lockout guard: simulated emergency sign-ins")
struct LockoutSimulationTests {
    static let breakGlassGroup = "bbbbbbbb-0000-4000-8000-000000000001"
    static let account = EmergencyAccount(id: "aaaaaaaa-0000-4000-8000-000000000001", label: "bg1@contoso.example", groupIds: [breakGlassGroup])
    static let office = "10c00000-0000-4000-8000-000000000001"
    static let directory = EvaluationDirectory(namedLocations: [
        ["@odata.type": "#microsoft.graph.ipNamedLocation", "id": .string(office), "displayName": "Office", "isTrusted": true,
         "ipRanges": [["cidrAddress": "203.0.113.0/24"]]],
    ])

    static func breakGlassPolicy(state: String = "enabled", locations: JSONValue = nil, grant: JSONValue) -> GuardedPolicy {
        GuardedPolicy(displayName: "CA210 - Break-glass", body: [
            "state": .string(state),
            "conditions": ["users": ["includeGroups": [.string(breakGlassGroup)]], "applications": ["includeApplications": ["All"]],
                           "clientAppTypes": ["all"], "locations": locations],
            "grantControls": grant,
        ], location: SourceLocation(file: "p.yaml", line: 3, column: 1))
    }

    static func simulate(_ policy: GuardedPolicy) -> [Diagnostic] {
        LockoutGuard.simulate([policy], accounts: [account], emergencyGroupIds: [breakGlassGroup], directory: directory)
    }

    @Test func phishingResistantMFAForBreakGlassIsFine() {
        let strength = Self.breakGlassPolicy(grant: ["operator": "OR", "builtInControls": [],
                                                     "authenticationStrength": ["id": "00000000-0000-0000-0000-000000000004"]])
        #expect(Self.simulate(strength).isEmpty)
        let mfaOrDevice = Self.breakGlassPolicy(grant: ["operator": "OR", "builtInControls": ["mfa", "compliantDevice"]])
        #expect(Self.simulate(mfaOrDevice).isEmpty)
    }

    @Test func blockingBreakGlassOutsideTheOfficeIsRefused() {
        let outside = Self.breakGlassPolicy(locations: ["includeLocations": ["All"], "excludeLocations": [.string(Self.office)]],
                                            grant: ["operator": "OR", "builtInControls": ["block"]])
        let diagnostics = Self.simulate(outside)
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.severity == .error)
        #expect(diagnostics.first?.message.contains("'CA210 - Break-glass' would block emergency access account bg1@contoso.example signing in") == true,
                "\(diagnostics)")
        #expect(diagnostics.first?.message.contains("from outside every named location") == true, "\(diagnostics)")
        // In report-only nothing is enforced: the simulation leaves it to the structural warning.
        let pilot = Self.breakGlassPolicy(state: "enabledForReportingButNotEnforced",
                                          locations: ["includeLocations": ["All"], "excludeLocations": [.string(Self.office)]],
                                          grant: ["operator": "OR", "builtInControls": ["block"]])
        #expect(Self.simulate(pilot).isEmpty)
    }

    @Test func aLockoutTheTenantAlreadyEnforcesIsAWarningWhenAdopting() {
        let outside = Self.breakGlassPolicy(locations: ["includeLocations": ["All"], "excludeLocations": [.string(Self.office)]],
                                            grant: ["operator": "OR", "builtInControls": ["block"]])
        var live = outside.body
        live["displayName"] = .string(outside.displayName)
        let diagnostics = LockoutGuard.simulate([outside], accounts: [Self.account], emergencyGroupIds: [Self.breakGlassGroup], live: [live],
                                                directory: Self.directory)
        #expect(diagnostics.map(\.severity) == [.warning])
        #expect(diagnostics.first?.message.hasSuffix("(the tenant already enforces it)") == true)
    }

    @Test func demandingAManagedDeviceOfBreakGlassIsRefused() {
        let device = Self.breakGlassPolicy(grant: ["operator": "AND", "builtInControls": ["mfa", "compliantDevice"]])
        let diagnostics = Self.simulate(device)
        #expect(diagnostics.first?.message.contains("would demand compliantDevice of emergency access account bg1@contoso.example") == true,
                "\(diagnostics)")
    }
}

/// entraform's own service principal: a workload policy must not block it from everywhere.
@Suite("Lockout guard: the service principal entraform runs as")
struct WorkloadLockoutTests {
    static let runner = "5e000000-0000-4000-8000-0000000000e1"

    static func workloadPolicy(exclude: [JSONValue] = [], locations: JSONValue = nil, state: String = "enabled") -> GuardedPolicy {
        GuardedPolicy(displayName: "CA600 - Block workload identities", body: [
            "state": .string(state),
            "conditions": ["users": ["includeUsers": ["None"]], "applications": ["includeApplications": ["All"]],
                           "clientApplications": ["includeServicePrincipals": ["ServicePrincipalsInMyTenant"], "excludeServicePrincipals": .array(exclude)],
                           "locations": locations],
            "grantControls": ["operator": "OR", "builtInControls": ["block"]],
        ], location: nil)
    }

    static func check(_ policy: GuardedPolicy) -> [Diagnostic] {
        LockoutGuard.simulateWorkload([policy], servicePrincipalId: runner, label: "entraform-ci", directory: LockoutSimulationTests.directory)
    }

    @Test func blockingEverySignInOfTheRunnerIsRefused() {
        let diagnostics = Self.check(Self.workloadPolicy())
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.message.contains("would block the service principal entraform runs as (entraform-ci) from everywhere") == true)
    }

    /// Adopting a tenant that already has the policy: entraform is running, so in reality it is not blocked.
    @Test func aPolicyTheTenantAlreadyHoldsIsNotRefused() {
        let policy = Self.workloadPolicy()
        var live = policy.body
        live["displayName"] = .string(policy.displayName)
        #expect(LockoutGuard.simulateWorkload([policy], live: [live], servicePrincipalId: Self.runner, label: "entraform-ci",
                                              directory: LockoutSimulationTests.directory).isEmpty)
    }

    @Test func excludedOrLocationBoundOrReportOnlyIsFine() {
        #expect(Self.check(Self.workloadPolicy(exclude: [.string(Self.runner)])).isEmpty)
        let outsideOffice: JSONValue = ["includeLocations": ["All"], "excludeLocations": [.string(LockoutSimulationTests.office)]]
        #expect(Self.check(Self.workloadPolicy(locations: outsideOffice)).isEmpty)
        #expect(Self.check(Self.workloadPolicy(state: "enabledForReportingButNotEnforced")).isEmpty)
    }
}
