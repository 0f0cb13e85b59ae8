import PolicyModel

/// Declared objects → the JSON bodies Graph accepts (reference §1, §2.1, §2.2), with references
/// resolved to ids and the language's conveniences spelled out: flags lists become comma-joined
/// strings, implied `isEnabled: true` is written, and service defaults are made explicit.
enum GraphBodies {
    static func namedLocation(_ location: NamedLocation) -> JSONValue {
        var body: [String: JSONValue] = ["displayName": .string(location.displayName)]
        switch location.locationType {
        case .ipRanges:
            body["@odata.type"] = "#microsoft.graph.ipNamedLocation"
            body["ipRanges"] = .array((location.ipRanges ?? []).map { range in
                [
                    "@odata.type": .string(range.contains(":") ? "#microsoft.graph.iPv6CidrRange" : "#microsoft.graph.iPv4CidrRange"),
                    "cidrAddress": .string(range),
                ]
            })
            body["isTrusted"] = .bool(location.isTrusted ?? false)
        case .country:
            body["@odata.type"] = "#microsoft.graph.countryNamedLocation"
            body["countriesAndRegions"] = strings(location.countriesAndRegions ?? [])
            body["includeUnknownCountriesAndRegions"] = .bool(location.includeUnknownCountriesAndRegions ?? false)
            body["countryLookupMethod"] = .string((location.countryLookupMethod ?? .clientIpAddress).rawValue)
        }
        return .object(body)
    }

    static func policy(_ policy: ConditionalAccessPolicy, resolving context: inout ResolutionContext) -> JSONValue {
        var body: [String: JSONValue] = [
            "displayName": .string(policy.displayName),
            "state": .string(policy.state.rawValue),
            "conditions": conditions(policy.conditions ?? Conditions(), &context),
        ]
        body["grantControls"] = policy.grantControls.map { grantControls($0, &context) } ?? .null
        body["sessionControls"] = policy.sessionControls.map(sessionControls) ?? .null
        return .object(body)
    }

    // MARK: Conditions

    private static func conditions(_ conditions: Conditions, _ context: inout ResolutionContext) -> JSONValue {
        var body: [String: JSONValue] = [:]
        if let users = conditions.users {
            let path = "conditions.users"
            var value: [String: JSONValue] = [
                "includeUsers": strings(context.ids(users.includeUsers, .user, path: "\(path).includeUsers")),
                "excludeUsers": strings(context.ids(users.excludeUsers, .user, path: "\(path).excludeUsers")),
                "includeGroups": strings(context.ids(users.includeGroups, .group, path: "\(path).includeGroups")),
                "excludeGroups": strings(context.ids(users.excludeGroups, .group, path: "\(path).excludeGroups")),
                "includeRoles": strings(context.ids(users.includeRoles, .role, path: "\(path).includeRoles")),
                "excludeRoles": strings(context.ids(users.excludeRoles, .role, path: "\(path).excludeRoles")),
            ]
            value["includeGuestsOrExternalUsers"] = users.includeGuestsOrExternalUsers.map(guests) ?? .null
            value["excludeGuestsOrExternalUsers"] = users.excludeGuestsOrExternalUsers.map(guests) ?? .null
            body["users"] = .object(value)
        }
        if let applications = conditions.applications {
            let path = "conditions.applications"
            var value: [String: JSONValue] = [
                "includeApplications": strings(context.ids(applications.includeApplications, .servicePrincipal,
                                                           path: "\(path).includeApplications", appIdForm: true)),
                "excludeApplications": strings(context.ids(applications.excludeApplications, .servicePrincipal,
                                                           path: "\(path).excludeApplications", appIdForm: true)),
                "includeUserActions": strings(applications.includeUserActions ?? []),
                "includeAuthenticationContextClassReferences": strings(context.ids(
                    applications.includeAuthenticationContextClassReferences, .authenticationContext,
                    path: "\(path).includeAuthenticationContextClassReferences")),
            ]
            value["applicationFilter"] = applications.applicationFilter.map(filter) ?? .null
            body["applications"] = .object(value)
        }
        if let clients = conditions.clientApplications {
            let path = "conditions.clientApplications"
            var value: [String: JSONValue] = [
                "includeServicePrincipals": strings(context.ids(clients.includeServicePrincipals, .servicePrincipal,
                                                                path: "\(path).includeServicePrincipals")),
                "excludeServicePrincipals": strings(context.ids(clients.excludeServicePrincipals, .servicePrincipal,
                                                                path: "\(path).excludeServicePrincipals")),
            ]
            value["servicePrincipalFilter"] = clients.servicePrincipalFilter.map(filter) ?? .null
            body["clientApplications"] = .object(value)
        }
        body["clientAppTypes"] = strings((conditions.clientAppTypes ?? [.all]).map(\.rawValue))
        if let platforms = conditions.platforms {
            body["platforms"] = [
                "includePlatforms": strings((platforms.includePlatforms ?? []).map(\.rawValue)),
                "excludePlatforms": strings((platforms.excludePlatforms ?? []).map(\.rawValue)),
            ]
        }
        if let locations = conditions.locations {
            body["locations"] = [
                "includeLocations": strings(context.ids(locations.includeLocations, .namedLocation,
                                                        path: "conditions.locations.includeLocations")),
                "excludeLocations": strings(context.ids(locations.excludeLocations, .namedLocation,
                                                        path: "conditions.locations.excludeLocations")),
            ]
        }
        if let deviceFilter = conditions.devices?.deviceFilter {
            body["devices"] = ["deviceFilter": filter(deviceFilter)]
        }
        body["signInRiskLevels"] = strings((conditions.signInRiskLevels ?? []).map(\.rawValue))
        body["userRiskLevels"] = strings((conditions.userRiskLevels ?? []).map(\.rawValue))
        if let levels = conditions.servicePrincipalRiskLevels {
            body["servicePrincipalRiskLevels"] = strings(levels.map(\.rawValue))
        }
        if let levels = conditions.insiderRiskLevels, !levels.isEmpty {
            body["insiderRiskLevels"] = flags(levels.map(\.rawValue))
        }
        if let levels = conditions.agentIdRiskLevels, !levels.isEmpty {
            body["agentIdRiskLevels"] = flags(levels.map(\.rawValue))
        }
        if let flows = conditions.authenticationFlows {
            body["authenticationFlows"] = ["transferMethods": flags(flows.transferMethods.map(\.rawValue))]
        }
        return .object(body)
    }

    private static func guests(_ guests: GuestsOrExternalUsers) -> JSONValue {
        var value: [String: JSONValue] = ["guestOrExternalUserTypes": flags(guests.guestOrExternalUserTypes.map(\.rawValue))]
        let tenants = guests.externalTenants ?? ExternalTenants(membershipKind: .all)
        switch tenants.membershipKind {
        case .all:
            value["externalTenants"] = [
                "@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants",
                "membershipKind": "all",
            ]
        case .enumerated:
            value["externalTenants"] = [
                "@odata.type": "#microsoft.graph.conditionalAccessEnumeratedExternalTenants",
                "membershipKind": "enumerated",
                "members": strings(tenants.members ?? []),
            ]
        }
        return .object(value)
    }

    private static func filter(_ filter: Filter) -> JSONValue {
        ["mode": .string(filter.mode.rawValue), "rule": .string(filter.rule)]
    }

    // MARK: Controls

    private static func grantControls(_ controls: GrantControls, _ context: inout ResolutionContext) -> JSONValue {
        var value: [String: JSONValue] = [
            "operator": .string((controls.operator ?? .or).rawValue),
            "builtInControls": strings((controls.builtInControls ?? []).map(\.rawValue)),
            "customAuthenticationFactors": strings(controls.customAuthenticationFactors ?? []),
            "termsOfUse": strings(context.ids(controls.termsOfUse, .termsOfUse, path: "grantControls.termsOfUse")),
        ]
        if let strength = controls.authenticationStrength,
           let id = context.id(for: strength, .authenticationStrength, path: "grantControls.authenticationStrength") {
            value["authenticationStrength"] = ["id": .string(id)]
        } else {
            value["authenticationStrength"] = .null
        }
        return .object(value)
    }

    private static func sessionControls(_ controls: SessionControls) -> JSONValue {
        var value: [String: JSONValue] = [:]
        func enabled(_ flag: Bool?) -> JSONValue { .bool(flag ?? true) }
        if let control = controls.applicationEnforcedRestrictions {
            value["applicationEnforcedRestrictions"] = ["isEnabled": enabled(control.isEnabled)]
        }
        if let control = controls.cloudAppSecurity {
            var object: [String: JSONValue] = ["isEnabled": enabled(control.isEnabled)]
            if let type = control.cloudAppSecurityType { object["cloudAppSecurityType"] = .string(type.rawValue) }
            value["cloudAppSecurity"] = .object(object)
        }
        if let control = controls.persistentBrowser {
            var object: [String: JSONValue] = ["isEnabled": enabled(control.isEnabled)]
            if let mode = control.mode { object["mode"] = .string(mode.rawValue) }
            value["persistentBrowser"] = .object(object)
        }
        if let control = controls.signInFrequency {
            let interval = control.frequencyInterval ?? .timeBased
            var object: [String: JSONValue] = [
                "isEnabled": enabled(control.isEnabled),
                "frequencyInterval": .string(interval.rawValue),
                "authenticationType": .string((control.authenticationType ?? .primaryAndSecondaryAuthentication).rawValue),
            ]
            object["value"] = control.value.map { .number(Double($0)) } ?? .null
            object["type"] = control.type.map { .string($0.rawValue) } ?? .null
            value["signInFrequency"] = .object(object)
        }
        if let disable = controls.disableResilienceDefaults {
            value["disableResilienceDefaults"] = .bool(disable)
        }
        if let control = controls.secureSignInSession {
            value["secureSignInSession"] = ["isEnabled": enabled(control.isEnabled)]
        }
        if let control = controls.continuousAccessEvaluation {
            value["continuousAccessEvaluation"] = ["mode": .string(control.mode.rawValue)]
        }
        if let control = controls.globalSecureAccessFilteringProfile {
            value["globalSecureAccessFilteringProfile"] = [
                "isEnabled": enabled(control.isEnabled), "profileId": .string(control.profileId),
            ]
        }
        return .object(value)
    }

    // MARK: Helpers

    private static func strings(_ values: [String]) -> JSONValue { .array(values.map(JSONValue.string)) }

    /// A flags enum on the wire: one comma-joined string.
    private static func flags(_ values: [String]) -> JSONValue { .string(values.joined(separator: ",")) }
}
