import Foundation
import GraphEmulator
import PolicyModel

/// The emulator's SplitMix64 with the helpers generators need, so a failing round is reproduced from
/// its seed alone.
struct SeededRandom: RandomNumberGenerator {
    private var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(state: seed) }

    mutating func next() -> UInt64 { generator.next() }

    mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &self) < probability }

    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &self)] }

    /// A random subset of `items` (at least `minimum`, at most `maximum`), in random order.
    mutating func some<T>(_ items: [T], minimum: Int = 1, maximum: Int? = nil) -> [T] {
        let upper = min(maximum ?? items.count, items.count)
        guard upper >= minimum else { return Array(items.prefix(upper)) }
        let count = Int.random(in: minimum...upper, using: &self)
        return Array(items.shuffled(using: &self).prefix(count))
    }

    mutating func guid() -> String {
        let hex = (0..<32).map { _ in String(Int.random(in: 0..<16, using: &self), radix: 16) }.joined()
        let characters = Array(hex)
        func part(_ range: Range<Int>) -> String { String(characters[range]) }
        return "\(part(0..<8))-\(part(8..<12))-4\(part(13..<16))-8\(part(17..<20))-\(part(20..<32))"
    }
}

/// A tenant's directory for generated policies: the objects they may reference (with names chosen to
/// be awkward in YAML and in the language: reserved words, GUID-like text, quotes, Unicode,
/// duplicates), plus ids that name nothing (deleted objects, unknown apps).
struct GeneratedDirectory {
    var users: [(id: String, upn: String)] = []
    var groups: [(id: String, name: String)] = []
    /// Tenant applications: object id, appId, display name.
    var applications: [(id: String, appId: String, name: String)] = []
    /// Workload identities (referenced by object id in clientApplications).
    var workloadIdentities: [(id: String, appId: String, name: String)] = []
    var ipLocations: [String] = []
    var countryLocations: [String] = []
    var authenticationContexts: [String] = ["c1", "c2", "c3", "c4", "c5"]
    var termsOfUse: [String] = []
    var seedObjects: [String: JSONValue] = [:]

    static let roleTemplates = [
        "62e90394-69f5-4237-9190-012177145e10", "194ae4cb-b126-40b2-bd5b-6091b380977d", "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
        "29232cdf-9323-42fd-ade2-1d097af3e4de", "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9", "25a516ed-2fa0-40ea-a2d0-12923a21473a",
        "aaf43236-0c0d-4d5f-883a-6955382ac081", "fe930be7-5e62-47db-91af-98c3a49a38b1",
    ]
    static let strengths = ["00000000-0000-0000-0000-000000000002", "00000000-0000-0000-0000-000000000003",
                            "00000000-0000-0000-0000-000000000004"]
    /// First-party appIds the tenant has no service principal for.
    static let firstParty = ["00000002-0000-0000-c000-000000000000", "0000000c-0000-0000-c000-000000000000",
                             "797f4846-ba00-4fd7-ba43-dac1f8f63013", "65d91a3d-ab74-42e6-8a2f-0add61688c74"]

    /// Ids that name nothing in the tenant, per kind.
    var deletedUsers: [String] = []
    var deletedGroups: [String] = []
    var unknownApps: [String] = []

    init(random: inout SeededRandom) {
        let awkwardNames = ["All", "None", "Finance", "finance ", "Sales: EMEA", "#ops", "'quoted' team", "Ünïcødé – team",
                            "a5a4fd5e-0000-4000-8000-000000000000", "Null", "yes", "- dash", "Team [x]", "Finance"]
        for index in 0..<10 {
            users.append((random.guid(), "user\(index)@contoso.com"))
        }
        for (index, name) in awkwardNames.enumerated() { groups.append((random.guid(), index % 5 == 4 ? "Group \(index)" : name)) }
        for index in 0..<5 { applications.append((random.guid(), random.guid(), "Line of business app \(index)")) }
        applications.append((random.guid(), "00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online"))
        applications.append((random.guid(), random.guid(), "Duplicate app"))
        applications.append((random.guid(), random.guid(), "Duplicate app"))
        for index in 0..<4 { workloadIdentities.append((random.guid(), random.guid(), "Workload \(index)")) }
        deletedUsers = (0..<3).map { _ in random.guid() }
        deletedGroups = (0..<3).map { _ in random.guid() }
        unknownApps = (0..<2).map { _ in random.guid() }

        var locations: [JSONValue] = []
        for index in 0..<4 {
            let id = random.guid()
            ipLocations.append(id)
            locations.append([
                "@odata.type": "#microsoft.graph.ipNamedLocation", "id": .string(id), "displayName": .string("Office \(index)"),
                "isTrusted": .bool(index % 2 == 0),
                "ipRanges": [["@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": .string("198.51.\(index).0/24")],
                             ["@odata.type": "#microsoft.graph.iPv6CidrRange", "cidrAddress": .string("2001:db8:\(index)::/48")]],
            ])
        }
        for (index, countries) in [["NL", "BE"], ["US"], ["KP", "IR", "SY"]].enumerated() {
            let id = random.guid()
            countryLocations.append(id)
            locations.append([
                "@odata.type": "#microsoft.graph.countryNamedLocation", "id": .string(id), "displayName": .string("Countries \(index)"),
                "countriesAndRegions": .array(countries.map(JSONValue.string)), "includeUnknownCountriesAndRegions": .bool(index == 2),
                "countryLookupMethod": .string(index == 1 ? "authenticatorAppGps" : "clientIpAddress"),
            ])
        }
        termsOfUse = (0..<2).map { _ in random.guid() }
        seedObjects = [
            "users": .array(users.map { ["id": .string($0.id), "userPrincipalName": .string($0.upn), "displayName": .string($0.upn)] }),
            "groups": .array(groups.map { ["id": .string($0.id), "displayName": .string($0.name)] }),
            "servicePrincipals": .array((applications + workloadIdentities).map {
                ["id": .string($0.id), "appId": .string($0.appId), "displayName": .string($0.name)]
            }),
            "namedLocations": .array(locations),
            "authenticationContexts": .array(authenticationContexts.map { ["id": .string($0), "displayName": .string("Context \($0)"), "isAvailable": true] }),
            "termsOfUse": .array(termsOfUse.enumerated().map { ["id": .string($1), "displayName": .string("Terms \($0)")] }),
        ]
    }
}

/// Random Conditional Access policies in the shape Graph's beta GET returns them: every property of
/// reference §1, every enum member, flags as comma-joined strings, random nulls vs empties where
/// Graph returns either, random list order, references to existing and to deleted objects,
/// first-party apps without a service principal, and properties the language does not model.
/// Only combinations Graph accepts on create are generated (the constraints of reference §1 and
/// §2.1: block alone, mfa without authentication strength, passwordChange with mfa under AND…).
struct PolicyGenerator {
    var random: SeededRandom
    let directory: GeneratedDirectory

    init(seed: UInt64, directory: GeneratedDirectory) {
        random = SeededRandom(seed: seed)
        self.directory = directory
    }

    static let clientAppTypes = ["all", "browser", "mobileAppsAndDesktopClients", "exchangeActiveSync", "easSupported", "other"]
    static let platforms = ["android", "iOS", "windows", "windowsPhone", "macOS", "linux"]
    static let riskLevels = ["low", "medium", "high", "none"]
    static let guestTypes = ["internalGuest", "b2bCollaborationGuest", "b2bCollaborationMember", "b2bDirectConnectUser",
                             "otherExternalUser", "serviceProvider"]
    static let deviceRules = [
        #"device.isCompliant -eq True"#, #"device.trustType -eq "ServerAD" -or device.isCompliant -eq True"#,
        #"device.operatingSystem -startsWith "Windows" -and device.extensionAttribute1 -ne "kiosk""#,
        #"device.model -in ["Surface Pro", "Surface Laptop"]"#, #"device.deviceOwnership -eq "Company""#,
    ]
    static let attributeRules = [#"CustomSecurityAttribute.Engineering_Project -eq "Baker""#,
                                 #"CustomSecurityAttribute.Sensitivity_Level -in ["High", "Medium"]"#]

    /// A list value: some of `items`, or (when `allowEmpty`) sometimes none.
    mutating func list(_ items: [String], allowEmpty: Bool = true, maximum: Int = 3) -> JSONValue {
        if allowEmpty && random.chance(0.5) { return [] }
        return .array(random.some(items, maximum: maximum).map(JSONValue.string))
    }

    mutating func policy(index: Int) -> JSONValue {
        let workload = random.chance(0.08)
        var conditions: [String: JSONValue] = [
            "applications": applications(workload: workload),
            "users": workload ? emptyUsers() : users(),
            "clientApplications": workload ? clientApplications() : (random.chance(0.5) ? .null : emptyClientApplications()),
            "clientAppTypes": random.chance(0.3) ? .array(random.some(Self.clientAppTypes.filter { $0 != "all" }).map(JSONValue.string)) : ["all"],
            "signInRiskLevels": workload ? [] : list(Self.riskLevels),
            "userRiskLevels": workload ? [] : list(Self.riskLevels),
            "servicePrincipalRiskLevels": workload ? list(["low", "medium", "high"]) : [],
        ]
        // A nullable complex property: present, or the `null` Graph returns when it is unset.
        conditions["platforms"] = random.chance(0.3) ? platforms() : .null
        conditions["locations"] = random.chance(0.35) ? locations() : .null
        conditions["devices"] = random.chance(0.2) ? ["deviceFilter": filter(Self.deviceRules)]
            // Legacy beta members left empty around a missing filter.
            : random.chance(0.1) ? ["includeDevices": [], "excludeDevices": [], "includeDeviceStates": [], "excludeDeviceStates": [],
                                    "deviceFilter": .null] : .null
        conditions["insiderRiskLevels"] = random.chance(0.15)
            ? .string(random.some(["minor", "moderate", "elevated"]).joined(separator: ",")) : .null
        conditions["authenticationFlows"] = random.chance(0.15)
            ? ["transferMethods": .string(random.some(["deviceCodeFlow", "authenticationTransfer"]).joined(separator: ","))] : .null
        // Beta-only and legacy members Graph returns as null, and newer ones the language does not model.
        if random.chance(0.5) {
            for key in ["deviceStates", "times"] { conditions[key] = .null }
        }
        if random.chance(0.1) { conditions["agentIdRiskLevels"] = .string(random.some(["low", "medium", "high"]).joined(separator: ",")) }
        if random.chance(0.05) { conditions["agentContext"] = ["includeAgentContexts": ["agentUserSessionsInitiatedFromEndpoints"]] }
        var policy: [String: JSONValue] = [
            "id": .string(random.guid()),
            "displayName": .string(displayName(index)),
            "state": .string(random.pick(["enabled", "disabled", "enabledForReportingButNotEnforced"])),
            "createdDateTime": "2025-09-24T12:59:05.2884951Z",
            "modifiedDateTime": random.chance(0.5) ? .null : "2026-03-01T08:00:00.12Z",
            "templateId": random.chance(0.1) ? .string(random.guid()) : .null,
            "conditions": .object(conditions),
        ]
        let (grant, session) = controls(workload: workload, includesAllApplications: conditions["applications"]?["includeApplications"] == ["All"])
        policy["grantControls"] = grant
        policy["sessionControls"] = session
        if random.chance(0.05) { policy["futureTopLevelSetting"] = ["mode": "strict", "enabled": true] }
        return .object(policy)
    }

    mutating func displayName(_ index: Int) -> String {
        let decorations = ["Require MFA", "Block: legacy auth", "Guests – MFA", "\"Quoted\" policy", "#1 priority", "Admins & owners",
                           "Ünïcødé", "Trailing dots...", "yes", "[bracketed]", "{braced}", "50% rollout", "path/like/name"]
        return String(format: "CA%04d - ", index) + random.pick(decorations)
    }

    // MARK: Users

    mutating func reference(users: Bool) -> [String] {
        var pool = users ? directory.users.map(\.id) : directory.groups.map(\.id)
        if random.chance(0.1) { pool += users ? directory.deletedUsers : directory.deletedGroups }
        return random.some(pool, maximum: 3)
    }

    mutating func users() -> JSONValue {
        var users: [String: JSONValue] = [
            "includeUsers": [], "excludeUsers": [], "includeGroups": [], "excludeGroups": [], "includeRoles": [], "excludeRoles": [],
            "includeGuestsOrExternalUsers": .null, "excludeGuestsOrExternalUsers": .null,
        ]
        switch random.pick(["all", "none", "guests", "people", "groups", "roles", "externals"]) {
        case "all": users["includeUsers"] = ["All"]
        case "none": users["includeUsers"] = ["None"]
        case "guests": users["includeUsers"] = ["GuestsOrExternalUsers"]
        case "people": users["includeUsers"] = .array(reference(users: true).map(JSONValue.string))
        case "groups": users["includeGroups"] = .array(reference(users: false).map(JSONValue.string))
        case "roles": users["includeRoles"] = .array(random.some(GeneratedDirectory.roleTemplates, maximum: 4).map(JSONValue.string))
        default: users["includeGuestsOrExternalUsers"] = guestsOrExternalUsers()
        }
        if random.chance(0.4) { users["excludeUsers"] = .array(reference(users: true).map(JSONValue.string)) }
        if random.chance(0.5) { users["excludeGroups"] = .array(reference(users: false).map(JSONValue.string)) }
        if random.chance(0.2) { users["excludeRoles"] = .array(random.some(GeneratedDirectory.roleTemplates, maximum: 2).map(JSONValue.string)) }
        if random.chance(0.2) { users["excludeGuestsOrExternalUsers"] = guestsOrExternalUsers() }
        if random.chance(0.05) { users["excludeUsers"] = .array((users["excludeUsers"]?.arrayValue ?? []) + ["GuestsOrExternalUsers"]) }
        return .object(users)
    }

    func emptyUsers() -> JSONValue {
        ["includeUsers": [], "excludeUsers": [], "includeGroups": [], "excludeGroups": [], "includeRoles": [], "excludeRoles": [],
         "includeGuestsOrExternalUsers": .null, "excludeGuestsOrExternalUsers": .null]
    }

    mutating func guestsOrExternalUsers() -> JSONValue {
        let types = random.some(Self.guestTypes).joined(separator: ",")
        let tenants: JSONValue
        switch random.pick(["all", "enumerated", "emptyEnumerated"]) {
        case "all":
            tenants = ["@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants", "membershipKind": "all"]
        case "enumerated":
            tenants = ["@odata.type": "#microsoft.graph.conditionalAccessEnumeratedExternalTenants", "membershipKind": "enumerated",
                       "members": .array((0..<Int.random(in: 1...3, using: &random)).map { _ in .string(random.guid()) })]
        default:
            tenants = ["@odata.type": "#microsoft.graph.conditionalAccessEnumeratedExternalTenants", "membershipKind": "enumerated",
                       "members": []]
        }
        return ["guestOrExternalUserTypes": .string(types), "externalTenants": tenants]
    }

    // MARK: Applications

    mutating func applicationIds() -> [String] {
        var pool = directory.applications.map(\.appId) + GeneratedDirectory.firstParty
        if random.chance(0.1) { pool += directory.unknownApps }
        return random.some(pool, maximum: 3)
    }

    mutating func applications(workload: Bool) -> JSONValue {
        var applications: [String: JSONValue] = [
            "includeApplications": [], "excludeApplications": [], "includeUserActions": [],
            "includeAuthenticationContextClassReferences": [], "applicationFilter": .null,
        ]
        if random.chance(0.3) { applications["networkAccess"] = .null; applications["globalSecureAccess"] = .null }
        let target = workload ? "all" : random.pick(["all", "all", "office", "portals", "apps", "none", "action", "context"])
        switch target {
        case "all":
            applications["includeApplications"] = ["All"]
            if !workload, random.chance(0.4) {
                applications["excludeApplications"] = .array((applicationIds() + (random.chance(0.2) ? ["Office365"] : [])).map(JSONValue.string))
            }
            if !workload, random.chance(0.1) { applications["applicationFilter"] = filter(Self.attributeRules) }
        case "office": applications["includeApplications"] = ["Office365"]
        case "portals": applications["includeApplications"] = ["MicrosoftAdminPortals"]
        case "apps": applications["includeApplications"] = .array(applicationIds().map(JSONValue.string))
        case "none": applications["includeApplications"] = [random.chance(0.8) ? "None" : "none"]
        case "action":
            applications["includeUserActions"] = .array([.string(random.pick(["urn:user:registersecurityinfo", "urn:user:registerdevice"]))])
        default:
            applications["includeAuthenticationContextClassReferences"] = .array(random.some(directory.authenticationContexts, maximum: 2).map(JSONValue.string))
        }
        return .object(applications)
    }

    mutating func clientApplications() -> JSONValue {
        let include: JSONValue = random.chance(0.5) ? ["ServicePrincipalsInMyTenant"]
            : .array(random.some(directory.workloadIdentities.map(\.id), maximum: 2).map(JSONValue.string))
        var value: [String: JSONValue] = [
            "includeServicePrincipals": include,
            "excludeServicePrincipals": include == ["ServicePrincipalsInMyTenant"] && random.chance(0.5)
                ? .array(random.some(directory.workloadIdentities.map(\.id), maximum: 1).map(JSONValue.string)) : [],
            "servicePrincipalFilter": random.chance(0.2) ? filter(Self.attributeRules) : .null,
        ]
        if random.chance(0.3) { value["includeAgentIdServicePrincipals"] = []; value["excludeAgentIdServicePrincipals"] = [] }
        return .object(value)
    }

    mutating func emptyClientApplications() -> JSONValue {
        var value: [String: JSONValue] = ["includeServicePrincipals": [], "excludeServicePrincipals": [], "servicePrincipalFilter": .null]
        if random.chance(0.1) { value["includeAgentIdServicePrincipals"] = [.string(random.guid())] }
        return .object(value)
    }

    // MARK: Other conditions

    mutating func platforms() -> JSONValue {
        let include: [String] = random.chance(0.5) ? ["all"] : random.some(Self.platforms)
        let exclude = include == ["all"] && random.chance(0.5) ? random.some(Self.platforms, maximum: 2) : []
        return ["includePlatforms": .array(include.map(JSONValue.string)), "excludePlatforms": .array(exclude.map(JSONValue.string))]
    }

    mutating func locations() -> JSONValue {
        let named = directory.ipLocations + directory.countryLocations
        let include: [String] = random.chance(0.5) ? ["All"] : random.some(named + ["AllTrusted", "00000000-0000-0000-0000-000000000000"], maximum: 2)
        let exclude: [String] = include.contains("All")
            ? (random.chance(0.5) ? ["AllTrusted"] : random.some(named, minimum: 0, maximum: 2)) : []
        return ["includeLocations": .array(include.map(JSONValue.string)), "excludeLocations": .array(exclude.map(JSONValue.string))]
    }

    mutating func filter(_ rules: [String]) -> JSONValue {
        ["mode": .string(random.pick(["include", "exclude"])), "rule": .string(random.pick(rules))]
    }

    // MARK: Controls

    mutating func controls(workload: Bool, includesAllApplications: Bool) -> (grant: JSONValue, session: JSONValue) {
        if workload { return (grant(["block"], operator: "OR"), .null) }
        var session = sessionControls()
        let grant: JSONValue
        switch random.pick(["block", "mfa", "several", "strength", "terms", "passwordChange", "riskRemediation", "custom", "none"]) {
        case "block":
            grant = self.grant(["block"], operator: "OR")
        case "mfa":
            grant = self.grant(["mfa"], operator: "OR")
        case "several":
            let controls = random.some(["mfa", "compliantDevice", "domainJoinedDevice", "approvedApplication", "compliantApplication"], minimum: 2)
            grant = self.grant(controls, operator: random.pick(["AND", "OR"]))
        case "strength":
            var value = self.grant(random.chance(0.5) ? [] : ["compliantDevice"], operator: random.pick(["AND", "OR"]))
            value["authenticationStrength"] = ["id": .string(random.pick(GeneratedDirectory.strengths))]
            grant = value
        case "terms":
            var value = self.grant(random.chance(0.5) ? [] : ["mfa"], operator: "AND")
            value["termsOfUse"] = .array([.string(random.pick(directory.termsOfUse))])
            grant = value
        case "riskRemediation" where includesAllApplications:
            // Microsoft-managed remediation (2025): user risk policies require it alone.
            grant = self.grant(["riskRemediation"], operator: "OR")
            session = ["signInFrequency": ["isEnabled": true, "value": .null, "type": .null, "frequencyInterval": "everyTime",
                                           "authenticationType": "primaryAndSecondaryAuthentication"]]
        case "custom":
            // Custom controls (deprecated, still held by older tenants).
            var value = self.grant(random.chance(0.5) ? [] : ["mfa"], operator: "OR")
            value["customAuthenticationFactors"] = .array([.string(random.pick(["Duo-MFA", "RSA SecurID", "Okta Verify"]))])
            grant = value
        case "passwordChange" where includesAllApplications:
            grant = self.grant(["mfa", "passwordChange"], operator: "AND")
            session = ["signInFrequency": ["isEnabled": true, "value": .null, "type": .null, "frequencyInterval": "everyTime",
                                           "authenticationType": "primaryAndSecondaryAuthentication"]]
        default:
            // Only session controls: Graph returns grantControls as null, or as an object holding nothing.
            grant = random.chance(0.7) ? .null : self.grant([], operator: "OR")
            if session.isNull {
                session = ["persistentBrowser": ["isEnabled": true, "mode": .string(random.pick(["always", "never"]))]]
            }
        }
        return (grant, session)
    }

    mutating func grant(_ controls: [String], operator: String) -> JSONValue {
        ["operator": .string(controls.count > 1 ? `operator` : random.pick([`operator`, "OR"])),
         "builtInControls": .array(controls.map(JSONValue.string)), "customAuthenticationFactors": [], "termsOfUse": [],
         "authenticationStrength": .null]
    }

    mutating func sessionControls() -> JSONValue {
        guard random.chance(0.45) else { return .null }
        var session: [String: JSONValue] = [
            "applicationEnforcedRestrictions": .null, "cloudAppSecurity": .null, "persistentBrowser": .null, "signInFrequency": .null,
            "disableResilienceDefaults": .null, "secureSignInSession": .null, "continuousAccessEvaluation": .null,
            "globalSecureAccessFilteringProfile": .null, "networkAccessSecurity": .null,
        ]
        if random.chance(0.3) { session["applicationEnforcedRestrictions"] = ["isEnabled": .bool(random.chance(0.8))] }
        if random.chance(0.3) {
            let enabled = random.chance(0.8)
            session["cloudAppSecurity"] = ["isEnabled": .bool(enabled),
                                           "cloudAppSecurityType": !enabled && random.chance(0.5) ? .null
                                               : .string(random.pick(["mcasConfigured", "monitorOnly", "blockDownloads"]))]
        }
        if random.chance(0.3) {
            let enabled = random.chance(0.8)
            session["persistentBrowser"] = ["isEnabled": .bool(enabled),
                                            "mode": !enabled && random.chance(0.5) ? .null : .string(random.pick(["always", "never"]))]
        }
        if random.chance(0.4) {
            if random.chance(0.8) {
                let hours = random.chance(0.5)
                session["signInFrequency"] = ["isEnabled": .bool(random.chance(0.85)),
                                              "value": .number(Double(Int.random(in: 1...(hours ? 23 : 90), using: &random))),
                                              "type": .string(hours ? "hours" : "days"), "frequencyInterval": "timeBased",
                                              "authenticationType": .string(random.pick(["primaryAndSecondaryAuthentication", "secondaryAuthentication"]))]
            } else if random.chance(0.3) {
                // Switched off in the portal: the values are gone, the object stays.
                session["signInFrequency"] = ["isEnabled": false, "value": .null, "type": .null, "frequencyInterval": "timeBased",
                                              "authenticationType": "primaryAndSecondaryAuthentication"]
            } else {
                session["signInFrequency"] = ["isEnabled": true, "value": .null, "type": .null, "frequencyInterval": "everyTime",
                                              "authenticationType": "primaryAndSecondaryAuthentication"]
            }
        }
        if random.chance(0.2) { session["disableResilienceDefaults"] = .bool(random.chance(0.5)) }
        if random.chance(0.2) { session["secureSignInSession"] = ["isEnabled": .bool(random.chance(0.8))] }
        if random.chance(0.2) { session["continuousAccessEvaluation"] = ["mode": .string(random.pick(["strictEnforcement", "disabled", "strictLocation"]))] }
        if random.chance(0.1) { session["globalSecureAccessFilteringProfile"] = ["isEnabled": true, "profileId": .string(random.guid())] }
        if random.chance(0.05) { session["blockSensitiveActions"] = ["isEnabled": true] }
        // Every control null is what Graph returns as a whole null.
        if session.values.allSatisfy(\.isNull) { return .null }
        return .object(session)
    }
}
