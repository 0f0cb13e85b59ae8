import PolicyModel
import Reconciliation

/// Small builders for Graph JSON used across the reconciliation tests.
enum Fixture {
    static let breakGlassGroup = "2e1f3c4a-1111-4222-8333-944455556666"
    static let financeGroup = "7a7a7a7a-1111-4222-8333-944455556666"
    static let alice = "0a11ce00-1111-4222-8333-944455556666"
    static let hqLocation = "40c00000-1111-4222-8333-944455556666"
    static let names = DirectoryNames([
        breakGlassGroup: "CA-BreakGlass", financeGroup: "Finance", alice: "alice@contoso.com",
    ])

    /// A live v1.0-shaped policy, as GET returns it.
    static func livePolicy(
        id: String, name: String, state: String = "enabled", includeUsers: [JSONValue] = ["All"],
        excludeGroups: [JSONValue] = [], builtInControls: [JSONValue] = ["mfa"], templateId: JSONValue = nil,
        extraConditions: [String: JSONValue] = [:], sessionControls: JSONValue = nil, locations: JSONValue = nil
    ) -> JSONValue {
        var conditions: [String: JSONValue] = [
            "applications": ["applicationFilter": nil, "excludeApplications": [], "includeApplications": ["All"],
                             "includeAuthenticationContextClassReferences": [], "includeUserActions": []],
            "authenticationFlows": nil, "clientAppTypes": ["all"], "clientApplications": nil, "devices": nil,
            "insiderRiskLevels": nil, "locations": locations, "platforms": nil, "servicePrincipalRiskLevels": [],
            "signInRiskLevels": [], "userRiskLevels": [],
            "users": ["excludeGroups": .array(excludeGroups), "excludeGuestsOrExternalUsers": nil, "excludeRoles": [], "excludeUsers": [],
                      "includeGroups": [], "includeGuestsOrExternalUsers": nil, "includeRoles": [], "includeUsers": .array(includeUsers)],
        ]
        for (key, value) in extraConditions { conditions[key] = value }
        return [
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies/$entity",
            "id": .string(id), "templateId": templateId, "displayName": .string(name),
            "createdDateTime": "2025-09-24T12:59:05.2884951Z", "modifiedDateTime": nil, "deletedDateTime": nil,
            "state": .string(state), "sessionControls": sessionControls, "conditions": .object(conditions),
            "grantControls": builtInControls.isEmpty ? nil : [
                "operator": "OR", "builtInControls": .array(builtInControls), "customAuthenticationFactors": [], "termsOfUse": [],
                "authenticationStrength@odata.context": "https://graph.microsoft.com/v1.0/$metadata#…/authenticationStrength/$entity",
                "authenticationStrength": nil,
            ],
        ]
    }

    /// A declared policy body in the short form the resolver produces (defaults and empties left out).
    static func desiredPolicy(
        _ name: String, state: String = "enabled", includeUsers: [JSONValue] = ["All"], excludeGroups: [JSONValue] = [],
        builtInControls: [JSONValue] = ["mfa"], pinnedId: String? = nil, previousNames: [String] = [],
        locations: JSONValue? = nil, line: Int = 1
    ) -> DesiredObject {
        var users: [String: JSONValue] = ["includeUsers": .array(includeUsers)]
        if !excludeGroups.isEmpty { users["excludeGroups"] = .array(excludeGroups) }
        var conditions: [String: JSONValue] = ["users": .object(users), "applications": ["includeApplications": ["All"]]]
        if let locations { conditions["locations"] = locations }
        var body: [String: JSONValue] = ["displayName": .string(name), "state": .string(state), "conditions": .object(conditions)]
        if !builtInControls.isEmpty { body["grantControls"] = ["operator": "OR", "builtInControls": .array(builtInControls)] }
        return DesiredObject(
            kind: .conditionalAccessPolicy, displayName: name, pinnedId: pinnedId, previousNames: previousNames,
            body: .object(body), location: SourceLocation(file: "policies/\(name).yaml", line: line, column: 1))
    }

    static func liveIPLocation(id: String, name: String, cidr: String = "203.0.113.0/24", trusted: Bool = true) -> JSONValue {
        [
            "@odata.type": "#microsoft.graph.ipNamedLocation", "id": .string(id), "displayName": .string(name),
            "createdDateTime": "2025-09-12T11:35:35.4195094Z", "modifiedDateTime": "2025-09-12T11:35:35.4195094Z", "deletedDateTime": nil,
            "ipRanges": [["@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": .string(cidr)]], "isTrusted": .bool(trusted),
        ]
    }

    static func desiredIPLocation(_ name: String, cidr: String = "203.0.113.0/24", trusted: Bool = true) -> DesiredObject {
        DesiredObject(
            kind: .namedLocation, displayName: name,
            body: ["@odata.type": "#microsoft.graph.ipNamedLocation", "displayName": .string(name),
                   "ipRanges": [["@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": .string(cidr)]], "isTrusted": .bool(trusted)],
            location: SourceLocation(file: "locations/\(name).yaml", line: 1, column: 1))
    }
}
