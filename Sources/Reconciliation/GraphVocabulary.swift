import PolicyModel

/// What entraform knows about the shape of Graph's conditional access objects: which fields are
/// server-owned, which hold ids, which are flags strings, and which it models at all. Everything here
/// comes from reference/graph-api.md §1 and §5.
package enum GraphVocabulary {
    /// Root fields the service owns; never compared, never sent (§5.3 rule 1).
    package static let serverOwnedRootFields: Set<String> = [
        "id", "createdDateTime", "modifiedDateTime", "deletedDateTime", "templateId", "partialEnablementStrategy",
    ]
    /// Root fields the service owns on policies only (`description` is documented as not used).
    package static let serverOwnedPolicyRootFields: Set<String> = ["description"]

    /// Flags enums: one comma-joined string on the wire, a set of tokens for comparison (§1.10 rule 1).
    package static let flagsFields: Set<String> = [
        "insiderRiskLevels", "agentIdRiskLevels", "guestOrExternalUserTypes", "transferMethods",
    ]

    /// Where flags values sit in a policy.
    package static let flagsPaths: [FieldPath] = [
        ["conditions", "insiderRiskLevels"], ["conditions", "agentIdRiskLevels"],
        ["conditions", "authenticationFlows", "transferMethods"],
        ["conditions", "users", "includeGuestsOrExternalUsers", "guestOrExternalUserTypes"],
        ["conditions", "users", "excludeGuestsOrExternalUsers", "guestOrExternalUserTypes"],
    ]

    /// Where the polymorphic `externalTenants` objects sit in a policy.
    package static let externalTenantsPaths: [FieldPath] = [
        ["conditions", "users", "includeGuestsOrExternalUsers", "externalTenants"],
        ["conditions", "users", "excludeGuestsOrExternalUsers", "externalTenants"],
    ]

    /// ``reservedWordFields`` as paths.
    package static let reservedWordPaths: [FieldPath] = reservedWordFields.sorted().map { $0.split(separator: ".").map(String.init) }

    /// Special values Graph spells one way, matched case-insensitively (§1.9, §5.3 rule 7).
    package static let reservedWords: [String] = [
        "All", "None", "GuestsOrExternalUsers", "Office365", "MicrosoftAdminPortals", "AllTrusted",
        "ServicePrincipalsInMyTenant", "AllAgentIdResources",
    ]

    /// Policy fields whose strings are directory ids (or reserved words).
    package static let policyReferenceFields: Set<String> = [
        "conditions.users.includeUsers", "conditions.users.excludeUsers",
        "conditions.users.includeGroups", "conditions.users.excludeGroups",
        "conditions.users.includeRoles", "conditions.users.excludeRoles",
        "conditions.applications.includeApplications", "conditions.applications.excludeApplications",
        "conditions.applications.includeAuthenticationContextClassReferences",
        "conditions.clientApplications.includeServicePrincipals", "conditions.clientApplications.excludeServicePrincipals",
        "conditions.clientApplications.includeAgentIdServicePrincipals",
        "conditions.clientApplications.excludeAgentIdServicePrincipals",
        "conditions.locations.includeLocations", "conditions.locations.excludeLocations",
        "grantControls.authenticationStrength.id", "grantControls.termsOfUse",
    ]

    /// Reference fields whose values are written with reserved words (`All`, `None`, …).
    package static let reservedWordFields: Set<String> = [
        "conditions.users.includeUsers", "conditions.users.excludeUsers",
        "conditions.applications.includeApplications", "conditions.applications.excludeApplications",
        "conditions.clientApplications.includeServicePrincipals", "conditions.clientApplications.excludeServicePrincipals",
        "conditions.clientApplications.includeAgentIdServicePrincipals",
        "conditions.clientApplications.excludeAgentIdServicePrincipals",
        "conditions.locations.includeLocations", "conditions.locations.excludeLocations",
    ]

    /// Session controls: each a `conditionalAccessSessionControl` with `isEnabled`, except the Boolean
    /// `disableResilienceDefaults`.
    package static let sessionControlObjects: Set<String> = [
        "applicationEnforcedRestrictions", "cloudAppSecurity", "persistentBrowser", "signInFrequency",
        "secureSignInSession", "continuousAccessEvaluation", "globalSecureAccessFilteringProfile",
    ]

    /// Fields entraform models, as dotted paths. A path also covers everything below it.
    /// Live fields outside this vocabulary (new beta features such as `conditions.agents`) are never
    /// compared or cleared: the plan lists them as left unchanged and updates carry them along.
    package static func modelledPaths(for kind: ObjectKind) -> Set<String> {
        switch kind {
        case .conditionalAccessPolicy: policyPaths
        case .namedLocation: namedLocationPaths
        }
    }

    private static let policyPaths: Set<String> = {
        var paths: Set<String> = ["displayName", "state", "conditions", "grantControls", "sessionControls"]
        let conditions = [
            "applications", "users", "clientApplications", "clientAppTypes", "platforms", "locations", "devices",
            "signInRiskLevels", "userRiskLevels", "servicePrincipalRiskLevels", "insiderRiskLevels",
            "authenticationFlows", "agentIdRiskLevels",
        ]
        paths.formUnion(conditions.map { "conditions.\($0)" })
        paths.formUnion([
            "includeApplications", "excludeApplications", "includeUserActions",
            "includeAuthenticationContextClassReferences", "applicationFilter",
        ].map { "conditions.applications.\($0)" })
        paths.formUnion([
            "includeUsers", "excludeUsers", "includeGroups", "excludeGroups", "includeRoles", "excludeRoles",
            "includeGuestsOrExternalUsers", "excludeGuestsOrExternalUsers",
        ].map { "conditions.users.\($0)" })
        // The beta agent-identity fields of clientApplications (include/excludeAgentIdServicePrincipals,
        // agentIdServicePrincipalFilter) are not in the language: left out here, they are kept as
        // live wrote them instead of being cleared by every update.
        paths.formUnion([
            "includeServicePrincipals", "excludeServicePrincipals", "servicePrincipalFilter",
        ].map { "conditions.clientApplications.\($0)" })
        paths.formUnion(["conditions.platforms.includePlatforms", "conditions.platforms.excludePlatforms"])
        paths.formUnion(["conditions.locations.includeLocations", "conditions.locations.excludeLocations"])
        paths.formUnion(["conditions.devices.deviceFilter", "conditions.authenticationFlows.transferMethods"])
        paths.formUnion([
            "operator", "builtInControls", "customAuthenticationFactors", "termsOfUse", "authenticationStrength",
        ].map { "grantControls.\($0)" })
        paths.formUnion((sessionControlObjects.union(["disableResilienceDefaults"])).map { "sessionControls.\($0)" })
        return paths
    }()

    private static let namedLocationPaths: Set<String> = [
        "displayName", "@odata.type", "ipRanges", "isTrusted", "countriesAndRegions",
        "includeUnknownCountriesAndRegions", "countryLookupMethod", "compliantNetworkType", "serviceTags",
        "privateLinkResourcePolicyIds",
    ]

    /// Containers whose members are individually modelled (so an unknown member inside is detected).
    private static let policyContainers: Set<String> = [
        "conditions", "grantControls", "sessionControls", "conditions.applications", "conditions.users",
        "conditions.clientApplications", "conditions.platforms", "conditions.locations", "conditions.devices",
        "conditions.authenticationFlows",
    ]

    /// True when entraform models the field at `path` (or an ancestor modelled as a whole).
    package static func isModelled(_ path: FieldPath, kind: ObjectKind) -> Bool {
        let modelled = modelledPaths(for: kind)
        for length in stride(from: path.count, through: 1, by: -1) {
            let prefix = Array(path.prefix(length)).dotted
            if modelled.contains(prefix) {
                // A container is modelled member by member; a leaf covers everything beneath it.
                if length == path.count { return true }
                return !(kind == .conditionalAccessPolicy && policyContainers.contains(prefix))
            }
        }
        return false
    }

    /// True for a container entraform models member by member (`conditions`, `sessionControls`, …):
    /// it is modelled but a made-up child of it is not.
    package static func isMemberwiseContainer(_ path: FieldPath, kind: ObjectKind) -> Bool {
        guard kind == .conditionalAccessPolicy else { return false }
        return isModelled(path, kind: kind) && !isModelled(path + ["\u{0}"], kind: kind)
    }

    /// Every non-empty live value entraform does not model, by path, at any depth below memberwise
    /// containers (OData annotations and server-owned fields left out): what an update must carry
    /// along untouched, and what verification checks survived it.
    package static func unmodelledValues(in object: JSONValue, kind: ObjectKind) -> [FieldPath: JSONValue] {
        var found: [FieldPath: JSONValue] = [:]
        func walk(_ value: JSONValue, path: FieldPath) {
            guard case .object(let members) = value else { return }
            for (key, member) in members where !member.isNullOrEmpty && !key.contains("@") {
                let childPath = path + [key]
                if path.isEmpty, serverOwnedRootFields.contains(key) || serverOwnedPolicyRootFields.contains(key) { continue }
                if !isModelled(childPath, kind: kind) {
                    found[childPath] = member
                } else if isMemberwiseContainer(childPath, kind: kind) {
                    walk(member, path: childPath)
                }
            }
        }
        walk(object, path: [])
        return found
    }
}
