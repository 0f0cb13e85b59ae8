import PlanRendering
import PolicyEvaluation
import PolicyModel
import Testing

/// Table tests for the evaluation engine: every condition, and how applying policies combine
/// (reference ca-evaluation.md; the subtle cases of its §9 each have a row).
@Suite("Sign-in evaluation: conditions and combination rules")
struct SignInEvaluatorTests {
    static let alice = "a11ce000-0000-4000-8000-000000000001"
    static let breakGlassGroup = "b6000000-0000-4000-8000-000000000001"
    static let financeGroup = "f1000000-0000-4000-8000-000000000001"
    static let globalAdmin = "62e90394-69f5-4237-9190-012177145e10"
    static let exchange = "00000002-0000-0ff1-ce00-000000000000"
    static let lineOfBusiness = "1ob00000-0000-4000-8000-000000000001"
    static let office = "10c00000-0000-4000-8000-000000000001"
    static let branch = "10c00000-0000-4000-8000-000000000002"
    static let countries = "10c00000-0000-4000-8000-000000000003"
    static let partnerTenant = "7e000000-0000-4000-8000-000000000001"
    static let workload = "5e000000-0000-4000-8000-000000000001"

    static let directory = EvaluationDirectory(
        namedLocations: [
            ["@odata.type": "#microsoft.graph.ipNamedLocation", "id": .string(office), "displayName": "Office", "isTrusted": true,
             "ipRanges": [["cidrAddress": "203.0.113.0/24"], ["cidrAddress": "2001:db8::/48"]]],
            ["@odata.type": "#microsoft.graph.ipNamedLocation", "id": .string(branch), "displayName": "Branch", "isTrusted": false,
             "ipRanges": [["cidrAddress": "198.51.100.0/26"]]],
            ["@odata.type": "#microsoft.graph.countryNamedLocation", "id": .string(countries), "displayName": "Blocked countries",
             "countriesAndRegions": ["KP", "IR"], "includeUnknownCountriesAndRegions": true],
        ],
        names: ["00000000-0000-0000-0000-000000000004": "Phishing-resistant MFA"])

    /// A policy: All users on All resources requiring MFA, with `conditions`/`grant`/`session` replaced where given.
    static func policy(_ name: String = "P", state: String = "enabled", users: JSONValue = ["includeUsers": ["All"]],
                       applications: JSONValue = ["includeApplications": ["All"]], extra: [String: JSONValue] = [:],
                       grant: JSONValue = ["operator": "OR", "builtInControls": ["mfa"]], session: JSONValue = nil) -> JSONValue {
        var conditions: [String: JSONValue] = ["users": users, "applications": applications, "clientAppTypes": ["all"]]
        for (key, value) in extra { conditions[key] = value }
        return ["displayName": .string(name), "state": .string(state), "conditions": .object(conditions), "grantControls": grant,
                "sessionControls": session]
    }

    static func alice(groups: Set<String> = [financeGroup], roles: Set<String> = []) -> SignInSubject {
        SignInSubject(user: alice, label: "alice@contoso.com", groupIds: groups, roleTemplateIds: roles)
    }

    static func context(_ subject: SignInSubject = alice(), app: String = exchange, _ configure: (inout SignInContext) -> Void = { _ in }) -> SignInContext {
        var context = SignInContext(subject: subject, target: .application(appId: app))
        configure(&context)
        return context
    }

    static func verdict(_ policy: JSONValue, _ context: SignInContext = context()) -> PolicyVerdict {
        SignInEvaluator.evaluate([policy], context: context, directory: directory).verdicts[0]
    }

    // MARK: Users

    /// (users condition, applies, first failing condition)
    static let userRows: [(JSONValue, Bool, WhatIfReason?)] = [
        (["includeUsers": ["All"]], true, nil),
        (["includeUsers": ["All"], "excludeGroups": [.string(breakGlassGroup)]], true, nil),
        (["includeUsers": ["All"], "excludeGroups": [.string(financeGroup)]], false, .users),  // exclusion beats inclusion
        (["includeGroups": [.string(financeGroup)], "excludeUsers": [.string(alice)]], false, .users),
        (["includeUsers": [.string(alice)]], true, nil),
        (["includeUsers": ["None"]], false, .users),
        (["includeRoles": [.string(globalAdmin)]], false, .users),
        (["includeUsers": ["GuestsOrExternalUsers"]], false, .users),
    ]

    @Test(arguments: userRows)
    func usersCondition(users: JSONValue, applies: Bool, reason: WhatIfReason?) {
        let result = Self.verdict(Self.policy(users: users))
        #expect(result.applies == applies)
        #expect(result.reason == reason)
    }

    @Test func rolesMatchActiveRoleTemplates() {
        let admin = Self.alice(roles: [Self.globalAdmin.uppercased()])
        #expect(Self.verdict(Self.policy(users: ["includeRoles": [.string(Self.globalAdmin)]]), Self.context(admin)).applies)
        #expect(!Self.verdict(Self.policy(users: ["includeUsers": ["All"], "excludeRoles": [.string(Self.globalAdmin)]]), Self.context(admin)).applies)
    }

    @Test func guestsMatchByKindAndHomeTenant() {
        let guest = SignInSubject(user: "9e000000-0000-4000-8000-000000000001", label: "guest", externalUserType: .b2bCollaborationGuest,
                                  homeTenantId: Self.partnerTenant)
        func guests(_ types: String, tenants: JSONValue) -> JSONValue {
            ["includeGuestsOrExternalUsers": ["guestOrExternalUserTypes": .string(types), "externalTenants": tenants]]
        }
        let all: JSONValue = ["@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants", "membershipKind": "all"]
        let partner: JSONValue = ["membershipKind": "enumerated", "members": [.string(Self.partnerTenant)]]
        let other: JSONValue = ["membershipKind": "enumerated", "members": ["7e000000-0000-4000-8000-0000000000ff"]]
        let empty: JSONValue = ["membershipKind": "enumerated", "members": []]
        #expect(Self.verdict(Self.policy(users: guests("internalGuest,b2bCollaborationGuest", tenants: all)), Self.context(guest)).applies)
        #expect(Self.verdict(Self.policy(users: guests("b2bCollaborationGuest", tenants: partner)), Self.context(guest)).applies)
        #expect(!Self.verdict(Self.policy(users: guests("b2bCollaborationGuest", tenants: other)), Self.context(guest)).applies)
        #expect(!Self.verdict(Self.policy(users: guests("b2bCollaborationGuest", tenants: empty)), Self.context(guest)).applies)
        #expect(!Self.verdict(Self.policy(users: guests("internalGuest", tenants: all)), Self.context(guest)).applies)
        #expect(Self.verdict(Self.policy(users: ["includeUsers": ["GuestsOrExternalUsers"]]), Self.context(guest)).applies)
        // An internal member is never a guest.
        #expect(!Self.verdict(Self.policy(users: guests("b2bCollaborationGuest", tenants: all))).applies)
    }

    @Test func workloadIdentityPoliciesAndUserPoliciesNeverCross() {
        let principal = SignInSubject(servicePrincipal: Self.workload, label: "deploy-bot")
        let workloadPolicy = Self.policy(users: ["includeUsers": ["None"]], extra: [
            "clientApplications": ["includeServicePrincipals": ["ServicePrincipalsInMyTenant"], "excludeServicePrincipals": []],
        ], grant: ["operator": "OR", "builtInControls": ["block"]])
        let botSignIn = Self.context(principal, app: Self.lineOfBusiness)
        #expect(Self.verdict(workloadPolicy, botSignIn).applies)
        #expect(SignInEvaluator.evaluate([workloadPolicy], context: botSignIn, directory: Self.directory).outcome.blocked)
        #expect(Self.verdict(workloadPolicy).reason == .users)
        #expect(Self.verdict(Self.policy(), botSignIn).reason == .workloadIdentities)
        let excluded = Self.policy(users: ["includeUsers": ["None"]], extra: [
            "clientApplications": ["includeServicePrincipals": ["ServicePrincipalsInMyTenant"], "excludeServicePrincipals": [.string(Self.workload)]],
        ], grant: ["operator": "OR", "builtInControls": ["block"]])
        #expect(!Self.verdict(excluded, botSignIn).applies)
    }

    // MARK: Target resources

    /// (applications condition, target appId, applies)
    static let applicationRows: [(JSONValue, String, Bool)] = [
        (["includeApplications": ["All"]], exchange, true),
        (["includeApplications": ["All"], "excludeApplications": [.string(exchange)]], exchange, false),
        (["includeApplications": ["Office365"]], exchange, true),
        (["includeApplications": ["Office365"]], lineOfBusiness, false),
        (["includeApplications": ["All"], "excludeApplications": ["Office365"]], exchange, false),
        (["includeApplications": ["MicrosoftAdminPortals"]], "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", true),
        (["includeApplications": ["None"]], exchange, false),
        (["includeApplications": [.string(lineOfBusiness)]], lineOfBusiness, true),
    ]

    @Test(arguments: applicationRows)
    func applicationsCondition(applications: JSONValue, app: String, applies: Bool) {
        let result = Self.verdict(Self.policy(applications: applications), Self.context(app: app))
        #expect(result.applies == applies)
        #expect(result.reason == (applies ? nil : .application))
    }

    /// Low-privilege directory access (ca-evaluation.md §3.2): (applications condition, applies) for a
    /// token request by the line-of-business app asking only for `openid profile User.Read`.
    static let directoryAccessRows: [(JSONValue, Bool)] = [
        // Excluding the app no longer exempts its low-privilege requests from All resources.
        (["includeApplications": ["All"], "excludeApplications": [.string(lineOfBusiness)]], true),
        (["includeApplications": ["All"], "excludeApplications": ["Office365"]], true),
        (["includeApplications": ["All"]], true),
        // Policies naming Windows Azure Active Directory apply; one that excludes it does not.
        (["includeApplications": [.string(SignInTarget.windowsAzureActiveDirectoryAppId)]], true),
        (["includeApplications": [.string(SignInTarget.windowsAzureActiveDirectoryAppId)],
          "excludeApplications": [.string(SignInTarget.windowsAzureActiveDirectoryAppId)]], false),
        // A policy on the app itself is not about directory access.
        (["includeApplications": [.string(lineOfBusiness)]], false),
        (["includeApplications": ["Office365"]], false),
    ]

    @Test(arguments: directoryAccessRows)
    func lowPrivilegeDirectoryAccess(applications: JSONValue, applies: Bool) {
        var context = Self.context(app: Self.lineOfBusiness)
        context.target = .directoryAccess(clientAppId: Self.lineOfBusiness)
        let result = Self.verdict(Self.policy(applications: applications), context)
        #expect(result.applies == applies)
        #expect(result.reason == (applies ? nil : .application))
    }

    /// (scopes, confidential client, low-privilege)
    static let scopeRows: [([String], Bool, Bool)] = [
        (["openid", "profile", "User.Read"], false, true),
        (["openid", "offline_access", "email", "People.Read"], false, true),
        (["https://graph.windows.net/User.Read", "openid"], false, true),
        (["https://graph.windows.net/People.Read"], false, false),  // People.Read is low-privilege on Microsoft Graph only
        (["User.Read", "Mail.Read"], false, false),
        (["User.Read.All"], false, false),
        (["User.Read.All", "GroupMember.Read.All"], true, true),
        (["https://graph.windows.net/GroupMember.Read.All"], true, false),
        (["00000003-0000-0000-c000-000000000000/User.ReadBasic.All"], true, true),
        (["https://contoso.example/api/User.Read"], false, false),
        ([], false, false),
    ]

    @Test(arguments: scopeRows)
    func lowPrivilegeScopes(scopes: [String], confidential: Bool, lowPrivilege: Bool) {
        #expect(LowPrivilegeScopes.areLowPrivilege(scopes, confidentialClient: confidential) == lowPrivilege)
    }

    @Test func userActionsAndAuthenticationContexts() {
        let register = Self.policy(applications: ["includeUserActions": ["urn:user:registersecurityinfo"]])
        var registering = Self.context()
        registering.target = .userAction("urn:user:registersecurityinfo")
        #expect(Self.verdict(register, registering).applies)
        #expect(Self.verdict(register).reason == .userActions)
        // All-resources policies without exclusions apply to the user action too.
        #expect(Self.verdict(Self.policy(), registering).applies)
        let sensitive = Self.policy(applications: ["includeAuthenticationContextClassReferences": ["c1"]])
        var stepUp = Self.context()
        stepUp.target = .authenticationContext("c1")
        #expect(Self.verdict(sensitive, stepUp).applies)
        stepUp.target = .authenticationContext("c2")
        #expect(Self.verdict(sensitive, stepUp).reason == .authenticationContext)
    }

    // MARK: Platforms, client apps, devices

    @Test func platformsIncludeExcludeUnknownAndMissing() {
        let anyButKnown = Self.policy(extra: ["platforms": ["includePlatforms": ["all"], "excludePlatforms": ["android", "iOS", "windows", "macOS"]]])
        #expect(!Self.verdict(anyButKnown, Self.context { $0.platform = "iOS" }).applies)
        // A platform outside Graph's list matches only "all" and escapes the exclusions.
        #expect(Self.verdict(anyButKnown, Self.context { $0.platform = "chromeOS" }).applies)
        let mobile = Self.policy(extra: ["platforms": ["includePlatforms": ["android", "iOS"]]])
        #expect(Self.verdict(mobile, Self.context { $0.platform = "android" }).applies)
        #expect(Self.verdict(mobile, Self.context { $0.platform = "chromeOS" }).reason == .devicePlatform)
        // Not said: the policy does not apply, and the input is named.
        let unknown = Self.verdict(mobile)
        #expect(!unknown.applies && unknown.missingInputs == ["platform"])
    }

    @Test func clientAppTypes() {
        let legacy = Self.policy(extra: ["clientAppTypes": ["exchangeActiveSync", "other"]], grant: ["operator": "OR", "builtInControls": ["block"]])
        #expect(Self.verdict(legacy, Self.context { $0.clientAppType = .other }).applies)
        #expect(Self.verdict(legacy, Self.context { $0.clientAppType = .easSupported }).applies)
        #expect(Self.verdict(legacy, Self.context { $0.clientAppType = .browser }).reason == .clientApps)
        #expect(Self.verdict(legacy).missingInputs == ["clientAppType"])
    }

    @Test func deviceFilterModesOnRegisteredAndUnregisteredDevices() {
        func filtered(_ mode: String, _ rule: String) -> JSONValue {
            Self.policy(extra: ["devices": ["deviceFilter": ["mode": .string(mode), "rule": .string(rule)]]])
        }
        let managed = #"device.isCompliant -eq True -and device.deviceOwnership -eq "Company""#
        let compliant: [String: FilterValue] = ["isCompliant": .bool(true), "deviceOwnership": .string("company")]
        // Exclude managed devices: an unregistered device (every property null) stays in scope.
        #expect(Self.verdict(filtered("exclude", managed)).applies)
        #expect(!Self.verdict(filtered("exclude", managed), Self.context { $0.device = compliant }).applies)
        // Include with a positive operator never reaches an unregistered device; a negative one does.
        #expect(Self.verdict(filtered("include", #"device.trustType -eq "ServerAD""#)).reason == .devices)
        #expect(Self.verdict(filtered("include", #"device.trustType -ne "ServerAD""#)).applies)
        #expect(Self.verdict(filtered("include", #"device.systemLabels -contains "M365Managed""#),
                             Self.context { $0.device = ["systemLabels": .collection(["AzureResource", "M365Managed"])] }).applies)
        #expect(Self.verdict(filtered("include", #"device.model -in ["Surface Pro", "Surface Laptop"]"#),
                             Self.context { $0.device = ["model": .string("surface laptop")] }).applies)
    }

    // MARK: Locations

    @Test func locationsByAddressCountryAndTrust() {
        let outsideTrusted = Self.policy(extra: ["locations": ["includeLocations": ["All"], "excludeLocations": ["AllTrusted"]]])
        #expect(!Self.verdict(outsideTrusted, Self.context { $0.ipAddress = IPAddress("203.0.113.9") }).applies)
        #expect(!Self.verdict(outsideTrusted, Self.context { $0.ipAddress = IPAddress("2001:db8::1") }).applies)
        #expect(Self.verdict(outsideTrusted, Self.context { $0.ipAddress = IPAddress("198.51.100.7") }).applies)  // untrusted branch
        #expect(Self.verdict(outsideTrusted).missingInputs == ["ipAddress or country"])
        // "All" alone needs no address.
        #expect(Self.verdict(Self.policy(extra: ["locations": ["includeLocations": ["All"]]])).applies)

        let blockedCountries = Self.policy(extra: ["locations": ["includeLocations": [.string(Self.countries)]]])
        #expect(Self.verdict(blockedCountries, Self.context { $0.country = "ir" }).applies)
        #expect(!Self.verdict(blockedCountries, Self.context { $0.country = "NL" }).applies)
        // An address that maps to no country is inside only with includeUnknownCountriesAndRegions.
        #expect(Self.verdict(blockedCountries, Self.context { $0.country = "" }).applies)
        let branchOnly = Self.policy(extra: ["locations": ["includeLocations": [.string(Self.branch)]]])
        #expect(Self.verdict(branchOnly, Self.context { $0.country = "NL" }).missingInputs == ["ipAddress"])
    }

    // MARK: Risk, insider risk, flows, state

    @Test func riskLevelsInsiderRiskAndFlows() {
        let risky = Self.policy(extra: ["signInRiskLevels": ["medium", "high"]])
        #expect(!Self.verdict(risky).applies)  // risk defaults to none
        #expect(Self.verdict(risky, Self.context { $0.signInRisk = .high }).applies)
        #expect(Self.verdict(Self.policy(extra: ["userRiskLevels": ["high"]]), Self.context { $0.userRisk = .medium }).reason == .userRisk)
        let insider = Self.policy(extra: ["insiderRiskLevels": "moderate,elevated"])
        #expect(Self.verdict(insider, Self.context { $0.insiderRisk = .elevated }).applies)
        #expect(Self.verdict(insider).reason == .insiderRisk)
        let deviceCode = Self.policy(extra: ["authenticationFlows": ["transferMethods": "deviceCodeFlow"]],
                                     grant: ["operator": "OR", "builtInControls": ["block"]])
        #expect(Self.verdict(deviceCode, Self.context { $0.authenticationFlow = .deviceCodeFlow }).applies)
        #expect(Self.verdict(deviceCode).reason == .authenticationFlow)
        #expect(Self.verdict(Self.policy(state: "disabled")).reason == .policyNotEnabled)
    }

    // MARK: Combining policies

    @Test func blockWinsGrantsAndAcrossPoliciesOrWithin() {
        let mfa = Self.policy("MFA")
        let deviceOrApp = Self.policy("Device or app", grant: ["operator": "OR", "builtInControls": ["compliantDevice", "compliantApplication"]])
        let terms = Self.policy("Terms", grant: ["operator": "AND", "builtInControls": ["mfa"], "termsOfUse": ["tou-1"]])
        let evaluation = SignInEvaluator.evaluate([mfa, deviceOrApp, terms], context: Self.context(), directory: Self.directory)
        #expect(!evaluation.outcome.blocked)
        #expect(evaluation.outcome.clauses == [["mfa"], ["compliantDevice", "compliantApplication"], ["termsOfUse:tou-1"]])
        #expect(evaluation.outcome.requires == ["mfa", "compliantDevice", "compliantApplication", "termsOfUse:tou-1"])
        #expect(evaluation.outcome.operator == "AND")

        let block = Self.policy("Block", users: ["includeUsers": ["All"], "excludeGroups": [.string(Self.breakGlassGroup)]],
                                grant: ["operator": "OR", "builtInControls": ["block"]])
        let blocked = SignInEvaluator.evaluate([mfa, block], context: Self.context(), directory: Self.directory).outcome
        #expect(blocked.blocked && blocked.blockingPolicies == ["Block"] && blocked.clauses.isEmpty)
        // The break-glass account is excluded from the block, so only MFA remains.
        let breakGlass = Self.context(Self.alice(groups: [Self.breakGlassGroup]))
        #expect(SignInEvaluator.evaluate([mfa, block], context: breakGlass, directory: Self.directory).outcome.requires == ["mfa"])
    }

    @Test func aRequiredControlMakesAChoiceOfferingItRedundant() {
        let mfa = Self.policy("MFA")
        let mfaOrDevice = Self.policy("Either", grant: ["operator": "OR", "builtInControls": ["mfa", "compliantDevice"]])
        let outcome = SignInEvaluator.evaluate([mfa, mfaOrDevice], context: Self.context(), directory: Self.directory).outcome
        #expect(outcome.clauses == [["mfa"]])
    }

    /// `--compare-graph`: Graph's What If does not expand Office365, so it and entraform can differ.
    @Test func differencesWithGraphAreListed() {
        let office = Self.policy("Office MFA", applications: ["includeApplications": ["Office365"]])
        let evaluation = SignInEvaluator.evaluate([office, Self.policy("MFA")], context: Self.context(), directory: Self.directory)
        let answers = [GraphWhatIfAnswer(displayName: "Office MFA", applies: false, reasons: "application"),
                       GraphWhatIfAnswer(displayName: "MFA", applies: true, reasons: "notSet")]
        #expect(WhatIfRenderer.differences(evaluation, answers) == ["Office MFA: entraform applies, Graph does not apply (application)"])
    }

    @Test func reportOnlyIsNeverEnforced() {
        let reportOnlyBlock = Self.policy("Pilot block", state: "enabledForReportingButNotEnforced", grant: ["operator": "OR", "builtInControls": ["block"]])
        let evaluation = SignInEvaluator.evaluate([reportOnlyBlock, Self.policy("MFA")], context: Self.context(), directory: Self.directory)
        #expect(!evaluation.outcome.blocked)
        #expect(evaluation.outcome.requires == ["mfa"])
        #expect(evaluation.reportOnly.blocked)
        #expect(evaluation.verdicts[0].applies)
    }

    @Test func aBuiltInStrengthMeetsMFA() {
        let strength = Self.policy("Strength", grant: ["operator": "OR", "builtInControls": [],
                                                       "authenticationStrength": ["id": "00000000-0000-0000-0000-000000000004"]])
        let outcome = SignInEvaluator.evaluate([strength, Self.policy("MFA")], context: Self.context(), directory: Self.directory).outcome
        #expect(outcome.clauses == [["authenticationStrength:Phishing-resistant MFA"]])
    }

    @Test func authenticationStrengthsAreNamed() {
        let strength = Self.policy(grant: ["operator": "OR", "builtInControls": [], "authenticationStrength": ["id": "00000000-0000-0000-0000-000000000004"]])
        let outcome = SignInEvaluator.evaluate([strength], context: Self.context(), directory: Self.directory).outcome
        #expect(outcome.requires == ["authenticationStrength:Phishing-resistant MFA"])
    }

    @Test func sessionControlsMergeToTheMostRestrictive() {
        let weekly = Self.policy("Weekly", session: ["signInFrequency": ["isEnabled": true, "value": 7, "type": "days"],
                                                     "persistentBrowser": ["isEnabled": true, "mode": "always"]])
        let hourly = Self.policy("Hourly", grant: nil, session: ["signInFrequency": ["isEnabled": true, "value": 4, "type": "hours"],
                                                                  "persistentBrowser": ["isEnabled": true, "mode": "never"],
                                                                  "cloudAppSecurity": ["isEnabled": true, "cloudAppSecurityType": "monitorOnly"]])
        let off = Self.policy("Off", grant: nil, session: ["signInFrequency": ["isEnabled": false, "value": 1, "type": "hours"]])
        let session = SignInEvaluator.evaluate([weekly, hourly, off], context: Self.context(), directory: Self.directory).outcome.sessionControls
        #expect(session["signInFrequency"]?["value"]?.intValue == 4)
        #expect(session["persistentBrowser"]?["mode"]?.stringValue == "never")
        #expect(session["cloudAppSecurity"]?["cloudAppSecurityType"]?.stringValue == "monitorOnly")
    }

    @Test func aSessionOnlyPolicyAppliesAndGrants() {
        let restrictions = Self.policy(grant: nil, session: ["applicationEnforcedRestrictions": ["isEnabled": true]])
        let evaluation = SignInEvaluator.evaluate([restrictions], context: Self.context(), directory: Self.directory)
        #expect(evaluation.verdicts[0].applies)
        #expect(evaluation.outcome.clauses.isEmpty && !evaluation.outcome.blocked)
        #expect(evaluation.outcome.sessionControls["applicationEnforcedRestrictions"] != nil)
    }
}

@Suite("Filter rules: parsed with positions, evaluated with Microsoft's null semantics")
struct FilterRuleTests {
    @Test(arguments: [
        ("device.isCompliant -eq True", nil as Int?),
        (#"device.trustType -eq "ServerAD" -or (device.isCompliant -eq True -and -not device.model -startsWith "VM")"#, nil),
        (#"device.trustType -eq ServerAD"#, 21),
        (#"device.trustTyp -eq "ServerAD""#, 7),
        (#"device.trustType -equals "ServerAD""#, 17),
        (#"(device.isCompliant -eq True"#, 0),
        (#"device.model -in ["a", "b""#, 26),
    ])
    func parseErrorsCarryTheirOffset(rule: String, errorOffset: Int?) {
        do {
            _ = try FilterRule.parse(rule)
            #expect(errorOffset == nil, "expected an error at \(String(describing: errorOffset))")
        } catch {
            #expect(error.offset == errorOffset, "\(error.message)")
        }
    }

    @Test func precedenceIsOrThenAndThenNot() throws {
        let rule = try FilterRule.parse(#"device.model -eq "A" -or device.model -eq "B" -and device.isCompliant -eq True"#)
        // -and binds tighter: A alone satisfies the rule.
        #expect(rule.evaluate { _, property in property == "model" ? .string("A") : nil })
        #expect(!rule.evaluate { _, property in property == "model" ? .string("B") : nil })
    }
}

/// Grants a sign-in cannot meet however the user tries: legacy clients meet no grant control;
/// a device code flow sign-in meets no device-state control (reference ca-evaluation.md §9, items 8 and 14).
@Suite("Sign-in evaluation: controls a sign-in cannot meet")
struct UnsatisfiableControlTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var grant: JSONValue
        var clientApp: ClientAppType?
        var flow: TransferMethod?
        var unsatisfiable: [[String]]
        var reason: UnsatisfiableReason?
        var testDescription: String { name }
    }

    static let compliantOrDomainJoined: JSONValue = ["operator": "OR", "builtInControls": ["compliantDevice", "domainJoinedDevice"]]
    static let compliantOrApproved: JSONValue = ["operator": "OR", "builtInControls": ["compliantDevice", "approvedApplication"]]
    static let mfaAndCompliant: JSONValue = ["operator": "AND", "builtInControls": ["mfa", "compliantDevice"]]

    static let rows: [Row] = [
        Row(name: "browser: MFA is possible", grant: ["builtInControls": ["mfa"]], clientApp: .browser, flow: nil, unsatisfiable: [], reason: nil),
        Row(name: "legacy client: MFA is not", grant: ["builtInControls": ["mfa"]], clientApp: .exchangeActiveSync, flow: nil,
            unsatisfiable: [["mfa"]], reason: .legacyClient),
        Row(name: "legacy client: no device control either", grant: compliantOrApproved, clientApp: .other, flow: nil,
            unsatisfiable: [["compliantDevice", "approvedApplication"]], reason: .legacyClient),
        Row(name: "device code: MFA is possible", grant: ["builtInControls": ["mfa"]], clientApp: nil, flow: .deviceCodeFlow,
            unsatisfiable: [], reason: nil),
        Row(name: "device code: device state is not", grant: compliantOrDomainJoined, clientApp: nil, flow: .deviceCodeFlow,
            unsatisfiable: [["compliantDevice", "domainJoinedDevice"]], reason: .deviceCodeFlow),
        Row(name: "device code: a choice with an app control can be met", grant: compliantOrApproved, clientApp: nil, flow: .deviceCodeFlow,
            unsatisfiable: [], reason: nil),
        Row(name: "device code: MFA AND compliant fails on the device", grant: mfaAndCompliant, clientApp: nil, flow: .deviceCodeFlow,
            unsatisfiable: [["compliantDevice"]], reason: .deviceCodeFlow),
    ]

    @Test(arguments: rows)
    func unsatisfiable(_ row: Row) {
        let policy = SignInEvaluatorTests.policy(grant: row.grant)
        let context = SignInEvaluatorTests.context { context in
            context.clientAppType = row.clientApp
            context.authenticationFlow = row.flow
        }
        let outcome = SignInEvaluator.evaluate([policy], context: context, directory: SignInEvaluatorTests.directory).outcome
        #expect(outcome.unsatisfiable == row.unsatisfiable)
        #expect(outcome.unsatisfiableReason == row.reason)
        #expect(outcome.isEffectivelyBlocked == !row.unsatisfiable.isEmpty)
    }

    @Test func aBlockedSignInIsBlockedNotEffectivelyBlocked() {
        let policy = SignInEvaluatorTests.policy(grant: ["builtInControls": ["block"]])
        let context = SignInEvaluatorTests.context { $0.clientAppType = .other }
        let outcome = SignInEvaluator.evaluate([policy], context: context, directory: SignInEvaluatorTests.directory).outcome
        #expect(outcome.blocked)
        #expect(!outcome.isEffectivelyBlocked)
    }

    @Test func whatIfSaysWhyTheSignInFails() {
        let policy = SignInEvaluatorTests.policy(grant: UnsatisfiableControlTests.compliantOrDomainJoined)
        let context = SignInEvaluatorTests.context { $0.authenticationFlow = .deviceCodeFlow }
        let outcome = SignInEvaluator.evaluate([policy], context: context, directory: SignInEvaluatorTests.directory).outcome
        #expect(WhatIfRenderer.sentence(outcome)
            == "requires (compliantDevice OR domainJoinedDevice) — effectively blocked: a device code flow sign-in cannot satisfy device-state controls (compliantDevice OR domainJoinedDevice)")
    }
}
