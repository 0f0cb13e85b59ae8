import EntraformTestSupport
import PolicyLoading
import PolicyModel
import Reconciliation
import Testing

@Suite("Resolver: names to ids, with file:line:column errors")
struct ResolverTests {
    static let breakGlassGroup = "2e1f0c1a-0000-4000-8000-000000000001"
    static let financeGroup = "2e1f0c1a-0000-4000-8000-000000000002"
    static let alice = "7a11ce00-0000-4000-8000-000000000001"
    static let exchangeSP = "5e000000-0000-4000-8000-000000000001"
    static let exchangeAppId = "00000002-0000-0ff1-ce00-000000000000"
    static let hqLocation = "10c00000-0000-4000-8000-000000000001"

    static var directory: DirectoryIndex {
        var index = DirectoryIndex()
        index.add([DirectoryEntry(id: breakGlassGroup, name: "CA-BreakGlass"), DirectoryEntry(id: financeGroup, name: "Finance"),
                   DirectoryEntry(id: "2e1f0c1a-0000-4000-8000-000000000003", name: "Sales"),
                   DirectoryEntry(id: "2e1f0c1a-0000-4000-8000-000000000004", name: "Sales")], as: .group)
        index.add([DirectoryEntry(id: alice, name: "alice@contoso.com")], as: .user)
        index.add([DirectoryEntry(id: "62e90394-69f5-4237-9190-012177145e10", name: "Global Administrator")], as: .role)
        index.add([DirectoryEntry(id: exchangeSP, name: "Office 365 Exchange Online", appId: exchangeAppId)], as: .servicePrincipal)
        index.add([DirectoryEntry(id: hqLocation, name: "Corporate HQ")], as: .namedLocation)
        index.add([DirectoryEntry(id: "00000000-0000-0000-0000-000000000004", name: "Phishing-resistant MFA")], as: .authenticationStrength)
        index.add([DirectoryEntry(id: "c1", name: "Sensitive data")], as: .authenticationContext)
        return index
    }

    func resolve(_ marked: String) -> (ResolvedConfiguration, [(line: Int, column: Int)]) {
        let text = MarkedText(marked)
        let loaded = ConfigurationLoader.load([PolicySource(path: "p.yaml", text: text.text)])
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        return (Resolver.resolve(loaded.configuration, directory: Self.directory), text.positions)
    }

    static let policy = """
        kind: ConditionalAccessPolicy
        displayName: CA001 - Resolve me
        state: enabled
        conditions:
          users:
            includeUsers: [ALICE@contoso.com]
            includeGroups: [finance]
            excludeGroups: [CA-BreakGlass]
            includeRoles: [Global Administrator]
            includeGuestsOrExternalUsers: {guestOrExternalUserTypes: [internalGuest, b2bCollaborationGuest]}
          applications: {includeApplications: [Office 365 Exchange Online, Office365]}
          locations: {includeLocations: [All], excludeLocations: [Corporate HQ, Branch]}
          authenticationFlows: {transferMethods: [deviceCodeFlow, authenticationTransfer]}
        grantControls: {authenticationStrength: Phishing-resistant MFA}
        sessionControls: {signInFrequency: {value: 4, type: hours}}
        ---
        kind: NamedLocation
        displayName: Branch
        ipRanges: [198.51.100.0/26, 2001:db8::/48]
        """

    @Test func namesBecomeIdsAndConveniencesBecomeGraphForm() throws {
        let (resolved, _) = resolve(Self.policy)
        #expect(resolved.diagnostics.isEmpty, "\(resolved.diagnostics)")
        let policy = try #require(resolved.desired.first { $0.kind == .conditionalAccessPolicy })
        let users = policy.body["conditions"]?["users"]
        #expect(users?["includeUsers"] == [.string(Self.alice)])
        #expect(users?["includeGroups"] == [.string(Self.financeGroup)])
        #expect(users?["excludeGroups"] == [.string(Self.breakGlassGroup)])
        #expect(users?["includeRoles"] == ["62e90394-69f5-4237-9190-012177145e10"])
        #expect(users?["includeGuestsOrExternalUsers"]?["guestOrExternalUserTypes"] == "internalGuest,b2bCollaborationGuest")
        #expect(users?["includeGuestsOrExternalUsers"]?["externalTenants"]?["membershipKind"] == "all")
        #expect(policy.body["conditions"]?["applications"]?["includeApplications"] == [.string(Self.exchangeAppId), "Office365"])
        #expect(policy.body["conditions"]?["locations"]?["excludeLocations"]
                == [.string(Self.hqLocation), .string(PendingReference.namedLocation("Branch"))])
        #expect(policy.body["conditions"]?["authenticationFlows"]?["transferMethods"] == "deviceCodeFlow,authenticationTransfer")
        #expect(policy.body["conditions"]?["clientAppTypes"] == ["all"])
        #expect(policy.body["grantControls"]?["authenticationStrength"] == ["id": "00000000-0000-0000-0000-000000000004"])
        #expect(policy.body["grantControls"]?["operator"] == "OR")
        #expect(policy.body["sessionControls"]?["signInFrequency"] == [
            "isEnabled": true, "value": 4, "type": "hours", "frequencyInterval": "timeBased",
            "authenticationType": "primaryAndSecondaryAuthentication",
        ])
        #expect(resolved.names.name(for: Self.financeGroup) == "Finance")
        #expect(resolved.names.name(for: Self.exchangeAppId) == "Office 365 Exchange Online")
        let location = try #require(resolved.desired.first { $0.kind == .namedLocation })
        #expect(location.body["ipRanges"]?.arrayValue?.map { $0["@odata.type"] }
                == ["#microsoft.graph.iPv4CidrRange", "#microsoft.graph.iPv6CidrRange"])
        #expect(location.body["isTrusted"] == false)
    }

    @Test func queryAsksForExactlyTheNamesUsed() throws {
        let loaded = ConfigurationLoader.load([PolicySource(path: "p.yaml", text: Self.policy)])
        let query = Resolver.query(for: loaded.configuration)
        #expect(query.names[.group] == ["finance", "CA-BreakGlass"])
        #expect(query.names[.user] == ["ALICE@contoso.com"])
        #expect(query.names[.servicePrincipal] == ["Office 365 Exchange Online"])
        #expect(query.names[.namedLocation] == ["Corporate HQ", "Branch"])
        #expect(query.ids.values.allSatisfy { $0.isEmpty })
    }

    func single(_ marked: String, _ message: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let (resolved, marks) = resolve(marked)
        #expect(resolved.diagnostics.count == 1, "\(resolved.diagnostics)", sourceLocation: sourceLocation)
        #expect(resolved.diagnostics.first?.fullMessage == message, sourceLocation: sourceLocation)
        if let mark = marks.first {
            #expect(resolved.diagnostics.first?.location == PolicyModel.SourceLocation(file: "p.yaml", line: mark.line, column: mark.column),
                    sourceLocation: sourceLocation)
        }
    }

    static func policy(users: String) -> String {
        """
        kind: ConditionalAccessPolicy
        displayName: CA002
        state: enabled
        conditions:
          users: {\(users)}
          applications: {includeApplications: [All]}
        grantControls: {builtInControls: [mfa]}
        """
    }

    @Test func unresolvedGroupIsAnErrorWithASuggestionFromTheDirectory() {
        single(Self.policy(users: "includeUsers: [All], excludeGroups: [‸CA-BreakGlas]"),
               "group 'CA-BreakGlas' not found in the tenant; did you mean 'CA-BreakGlass'?")
    }

    @Test func ambiguousGroupNamesBothIds() {
        single(Self.policy(users: "includeGroups: [‸Sales]"),
               "group name 'Sales' matches 2 objects: 2e1f0c1a-0000-4000-8000-000000000003, 2e1f0c1a-0000-4000-8000-000000000004; reference it by id")
    }

    @Test func unknownUserIsAnError() {
        single(Self.policy(users: "includeUsers: [‸bob@contoso.com]"), "user 'bob@contoso.com' not found in the tenant")
    }

    @Test func idsAreCheckedToExist() {
        single(Self.policy(users: "includeUsers: [All], excludeGroups: [‸2e1f0c1a-0000-4000-8000-0000000000ff]"),
               "group id '2e1f0c1a-0000-4000-8000-0000000000ff' does not exist in the tenant")
    }

    @Test func servicePrincipalObjectIdWhereAnAppIdBelongsIsExplained() {
        single("""
            kind: ConditionalAccessPolicy
            displayName: CA003
            state: enabled
            conditions:
              users: {includeUsers: [All]}
              applications: {includeApplications: [‸5e000000-0000-4000-8000-000000000001]}
            grantControls: {builtInControls: [mfa]}
            """, "'5e000000-0000-4000-8000-000000000001' is the object id of service principal 'Office 365 Exchange Online'; applications are referenced by appId; write '00000002-0000-0ff1-ce00-000000000000' or 'Office 365 Exchange Online'")
    }

    @Test func everyUnresolvedReferenceIsReportedNotJustTheFirst() {
        let (resolved, _) = resolve(Self.policy(users: "includeUsers: [x@contoso.com, y@contoso.com], excludeGroups: [Nope]"))
        #expect(resolved.diagnostics.count == 3)
        #expect(resolved.hasErrors)
    }
}

/// The reference policy for ids (adopt-any-tenant issue, item 1): an id that names nothing is an
/// error when the configuration adds it, and a warning when the live policy already holds it.
@Suite("Resolver: dangling references the tenant already holds")
struct DanglingReferenceTests {
    static let deletedGroup = "dead0000-0000-4000-8000-000000000001"
    /// An appId that is neither in the tenant nor in Microsoft's first-party catalogue.
    static let unknownApp = "dead0000-0000-4000-8000-0000000000a1"

    static let yaml = """
        kind: ConditionalAccessPolicy
        displayName: CA001 - Adopted
        state: enabled
        conditions:
          users: {includeUsers: [All], excludeGroups: [\(deletedGroup)]}
          applications: {includeApplications: [All], excludeApplications: [\(unknownApp)]}
        grantControls: {builtInControls: [mfa]}
        """

    static func resolve(live: [JSONValue]) -> ResolvedConfiguration {
        let loaded = ConfigurationLoader.load([PolicySource(path: "p.yaml", text: yaml)])
        return Resolver.resolve(loaded.configuration, directory: ResolverTests.directory, livePolicies: live)
    }

    @Test func aNewDanglingIdIsAnError() {
        let resolved = Self.resolve(live: [])
        #expect(resolved.hasErrors)
        #expect(resolved.diagnostics.filter { $0.severity == .error }.count == 2, "\(resolved.diagnostics)")
    }

    @Test func anIdTheLivePolicyHoldsIsKeptWithAWarning() throws {
        let live: JSONValue = [
            "id": "11111111-0000-4000-8000-000000000001", "displayName": "ca001 - adopted",
            "conditions": ["users": ["excludeGroups": [.string(Self.deletedGroup)]],
                           "applications": ["excludeApplications": [.string(Self.unknownApp)]]],
        ]
        let resolved = Self.resolve(live: [live])
        #expect(!resolved.hasErrors, "\(resolved.diagnostics)")
        #expect(resolved.diagnostics.filter { $0.severity == .warning }.count == 2)
        let body = try #require(resolved.desired.first?.body)
        #expect(body["conditions"]?["users"]?["excludeGroups"] == [.string(Self.deletedGroup)])
        #expect(body["conditions"]?["applications"]?["excludeApplications"] == [.string(Self.unknownApp)])
        // Held at another field it is still new here: an error.
        let elsewhere: JSONValue = ["displayName": "CA001 - Adopted", "conditions": ["users": ["includeGroups": [.string(Self.deletedGroup)]]]]
        #expect(Self.resolve(live: [elsewhere]).hasErrors)
    }
}

/// One row per kind of reference: an id that names nothing is an error when the configuration adds
/// it and a warning (kept as it is) when the live policy already holds it at that field.
@Suite("Resolver: dangling ids per kind of reference")
struct DanglingReferenceTableTests {
    static let dangling = "dead0000-0000-4000-8000-00000000f00d"

    /// (the YAML of the policy's conditions and controls with `ID` where the id goes, the Graph field, its path in the live policy)
    static let rows: [(yaml: String, field: String)] = [
        ("users: {includeUsers: [ID]}\n  applications: {includeApplications: [All]}\ngrantControls: {builtInControls: [mfa]}", "conditions.users.includeUsers"),
        ("users: {includeUsers: [All], excludeUsers: [ID]}\n  applications: {includeApplications: [All]}\ngrantControls: {builtInControls: [mfa]}", "conditions.users.excludeUsers"),
        ("users: {includeGroups: [ID]}\n  applications: {includeApplications: [All]}\ngrantControls: {builtInControls: [mfa]}", "conditions.users.includeGroups"),
        ("users: {includeUsers: [All], excludeGroups: [ID]}\n  applications: {includeApplications: [All]}\ngrantControls: {builtInControls: [mfa]}", "conditions.users.excludeGroups"),
        ("users: {includeRoles: [ID]}\n  applications: {includeApplications: [All]}\ngrantControls: {builtInControls: [mfa]}", "conditions.users.includeRoles"),
        ("users: {includeUsers: [All], excludeRoles: [ID]}\n  applications: {includeApplications: [All]}\ngrantControls: {builtInControls: [mfa]}", "conditions.users.excludeRoles"),
        ("users: {includeUsers: [All]}\n  applications: {includeApplications: [ID]}\ngrantControls: {builtInControls: [mfa]}", "conditions.applications.includeApplications"),
        ("users: {includeUsers: [All]}\n  applications: {includeApplications: [All], excludeApplications: [ID]}\ngrantControls: {builtInControls: [mfa]}", "conditions.applications.excludeApplications"),
        ("clientApplications: {includeServicePrincipals: [ID]}\n  applications: {includeApplications: [All]}\ngrantControls: {builtInControls: [block]}", "conditions.clientApplications.includeServicePrincipals"),
        ("clientApplications: {includeServicePrincipals: [ServicePrincipalsInMyTenant], excludeServicePrincipals: [ID]}\n  applications: {includeApplications: [All]}\ngrantControls: {builtInControls: [block]}", "conditions.clientApplications.excludeServicePrincipals"),
        ("users: {includeUsers: [All]}\n  applications: {includeApplications: [All]}\n  locations: {includeLocations: [ID]}\ngrantControls: {builtInControls: [block]}", "conditions.locations.includeLocations"),
        ("users: {includeUsers: [All]}\n  applications: {includeApplications: [All]}\n  locations: {includeLocations: [All], excludeLocations: [ID]}\ngrantControls: {builtInControls: [block]}", "conditions.locations.excludeLocations"),
        ("users: {includeUsers: [All]}\n  applications: {includeApplications: [All]}\ngrantControls: {termsOfUse: [ID]}", "grantControls.termsOfUse"),
        ("users: {includeUsers: [All]}\n  applications: {includeApplications: [All]}\ngrantControls: {authenticationStrength: ID}", "grantControls.authenticationStrength.id"),
    ]

    static func resolve(_ row: (yaml: String, field: String), live: [JSONValue]) -> ResolvedConfiguration {
        let yaml = "kind: ConditionalAccessPolicy\ndisplayName: CA001 - Row\nstate: enabled\nconditions:\n  "
            + row.yaml.replacingOccurrences(of: "ID", with: dangling)
        let loaded = ConfigurationLoader.load([PolicySource(path: "p.yaml", text: yaml)])
        #expect(!loaded.hasErrors, "\(loaded.diagnostics)")
        return Resolver.resolve(loaded.configuration, directory: ResolverTests.directory, livePolicies: live)
    }

    /// The live policy holding the id at `field`.
    static func live(holding field: String) -> JSONValue {
        var value: JSONValue = field.hasSuffix(".id") ? .string(dangling) : [.string(dangling)]
        for key in field.split(separator: ".").reversed() { value = .object([String(key): value]) }
        value["id"] = "11111111-0000-4000-8000-000000000001"
        value["displayName"] = "CA001 - Row"
        return value
    }

    @Test(arguments: rows.indices)
    func newIsAnErrorHeldIsAWarning(row index: Int) {
        let row = Self.rows[index]
        let new = Self.resolve(row, live: [])
        #expect(new.diagnostics.filter { $0.severity == .error }.count == 1, "\(row.field): \(new.diagnostics)")
        let held = Self.resolve(row, live: [Self.live(holding: row.field)])
        #expect(!held.hasErrors, "\(row.field): \(held.diagnostics)")
        #expect(held.diagnostics.filter { $0.severity == .warning }.map(\.message).contains { $0.contains("kept as the live policy holds it") },
                "\(row.field): \(held.diagnostics)")
        let body = held.desired.first?.body ?? .null
        let value = body.value(at: row.field.split(separator: ".").map(String.init))
        #expect(value == (row.field.hasSuffix(".id") ? .string(Self.dangling) : [.string(Self.dangling)]), "\(row.field): \(body)")
    }
}

@Suite("Microsoft first-party applications: named without a service principal in the tenant")
struct FirstPartyApplicationTests {
    static func resolve(_ applications: String, directory: DirectoryIndex = ResolverTests.directory) -> ResolvedConfiguration {
        let yaml = """
            kind: ConditionalAccessPolicy
            displayName: CA010 - First party
            state: enabled
            conditions:
              users: {includeUsers: [All]}
              applications: {includeApplications: [All], excludeApplications: \(applications)}
            grantControls: {builtInControls: [mfa]}
            """
        let loaded = ConfigurationLoader.load([PolicySource(path: "p.yaml", text: yaml)])
        return Resolver.resolve(loaded.configuration, directory: directory)
    }

    static func excluded(_ resolved: ResolvedConfiguration) -> [String]? {
        resolved.desired.first?.body["conditions"]?["applications"]?["excludeApplications"]?.stringArray
    }

    @Test func theCatalogueIsMicrosoftsPublishedListWithDistinctWellFormedAppIds() {
        let all = FirstPartyApplications.all
        #expect(all.count >= 120)
        #expect(Set(all.map { $0.appId.lowercased() }).count == all.count, "an appId is listed twice")
        #expect(all.allSatisfy { DirectoryReference.isObjectID($0.appId) })
        #expect(FirstPartyApplications.application(appId: "00000002-0000-0000-C000-000000000000")?.displayName == "Windows Azure Active Directory")
        #expect(FirstPartyApplications.application(appId: "0000000c-0000-0000-c000-000000000000")?.displayName == "Microsoft App Access Panel")
        #expect(FirstPartyApplications.applications(named: "microsoft approval management").count == 2)
    }

    @Test(arguments: [
        ("Windows Azure Active Directory", "00000002-0000-0000-c000-000000000000"),
        ("microsoft app access panel", "0000000c-0000-0000-c000-000000000000"),
        ("00000003-0000-0000-c000-000000000000", "00000003-0000-0000-c000-000000000000"),
    ])
    func aFirstPartyNameOrAppIdResolvesWithoutAServicePrincipal(written: String, appId: String) throws {
        let resolved = Self.resolve("[\(written)]")
        #expect(resolved.diagnostics.isEmpty, "\(resolved.diagnostics)")
        #expect(Self.excluded(resolved) == [appId])
        #expect(resolved.names.name(for: appId) == FirstPartyApplications.application(appId: appId)?.displayName)
    }

    @Test func theTenantsServicePrincipalWinsOverTheCatalogue() {
        // A tenant app that carries a first-party name (an impostor, or a renamed registration): the
        // name means the tenant's object, as it does in the portal.
        var directory = ResolverTests.directory
        directory.add([DirectoryEntry(id: "5e000000-0000-4000-8000-0000000000f1", name: "Microsoft App Access Panel",
                                      appId: "abcdef00-0000-4000-8000-000000000001")], as: .servicePrincipal)
        let resolved = Self.resolve("[Microsoft App Access Panel]", directory: directory)
        #expect(Self.excluded(resolved) == ["abcdef00-0000-4000-8000-000000000001"])
    }

    @Test func aNameMicrosoftListsWithTwoAppIdsIsAmbiguous() {
        let resolved = Self.resolve("[Microsoft Approval Management]")
        let error = resolved.diagnostics.first { $0.severity == .error }
        #expect(error?.message.contains("matches 2 objects") == true, "\(resolved.diagnostics)")
    }

    @Test func aTypoInAFirstPartyNameSuggestsIt() {
        let resolved = Self.resolve("[Windows Azure Active Directroy]")
        #expect(resolved.diagnostics.first?.suggestion == "did you mean 'Windows Azure Active Directory'?", "\(resolved.diagnostics)")
    }

    @Test func exportNamesAFirstPartyAppIdOnlyWhenTheNameResolvesBack() {
        var names = ExportNames()
        #expect(names.name(for: "00000002-0000-0000-c000-000000000000", .servicePrincipal, appIdForm: true) == "Windows Azure Active Directory")
        // Two appIds share the name: kept as ids.
        #expect(names.name(for: "65d91a3d-ab74-42e6-8a2f-0add61688c74", .servicePrincipal, appIdForm: true) == nil)
        // A tenant service principal carrying the name makes it unusable for the first-party appId.
        names.add([DirectoryEntry(id: "5e000000-0000-4000-8000-0000000000f2", name: "Windows Azure Active Directory",
                                  appId: "abcdef00-0000-4000-8000-000000000002")], as: .servicePrincipal)
        #expect(names.name(for: "00000002-0000-0000-c000-000000000000", .servicePrincipal, appIdForm: true) == nil)
        // First-party apps are not workload identities: object-id references never take catalogue names.
        #expect(ExportNames().name(for: "00000002-0000-0000-c000-000000000000", .servicePrincipal) == nil)
    }
}
