import PolicyModel
import Reconciliation
import Testing

/// One row of a rule's table: input → expected output of that rule alone.
struct RuleCase: Sendable, CustomTestStringConvertible {
    var label: String
    var kind: ObjectKind = .conditionalAccessPolicy
    var input: JSONValue
    var expected: JSONValue
    var testDescription: String { label }
}

private func check(_ ruleId: String, _ row: RuleCase) throws {
    let rule = try #require(NormalizationRule.named(ruleId), "no rule named \(ruleId)")
    #expect(rule.apply(row.input, kind: row.kind) == row.expected)
}

/// One test per named rule of reference §5.3, each a table of cases.
struct NormalizationRuleTests {
    @Test func everyStandardRuleHasAUniqueName() {
        let ids = NormalizationRule.standard.map(\.id)
        #expect(Set(ids).count == ids.count)
        #expect(ids.count == 16)
    }

    @Test(arguments: [
        RuleCase(label: "all tenants type becomes membershipKind all",
                 input: ["conditions": ["users": ["includeGuestsOrExternalUsers": ["externalTenants": ["@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants"]]]]],
                 expected: ["conditions": ["users": ["includeGuestsOrExternalUsers": ["externalTenants": ["membershipKind": "all"]]]]]),
        RuleCase(label: "enumerated type with kind keeps kind, drops type",
                 input: ["conditions": ["users": ["excludeGuestsOrExternalUsers": ["externalTenants": ["@odata.type": "#microsoft.graph.conditionalAccessEnumeratedExternalTenants", "membershipKind": "enumerated", "members": ["t1"]]]]]],
                 expected: ["conditions": ["users": ["excludeGuestsOrExternalUsers": ["externalTenants": ["membershipKind": "enumerated", "members": ["t1"]]]]]]),
    ])
    func externalTenantsKindFromType(_ row: RuleCase) throws { try check("external-tenants-kind-from-type", row) }

    @Test(arguments: [
        RuleCase(label: "context, property annotations and action links go",
                 input: ["@odata.context": "x", "state@odata.type": "#x", "state": "enabled", "#microsoft.graph.restore": ["title": "r"],
                         "grantControls": ["authenticationStrength@odata.context": "y", "authenticationStrength": nil]],
                 expected: ["state": "enabled", "grantControls": ["authenticationStrength": nil]]),
        RuleCase(label: "policy @odata.type and nested types go",
                 input: ["@odata.type": "#microsoft.graph.conditionalAccessPolicy", "conditions": ["@odata.type": "#microsoft.graph.conditionalAccessConditionSet"]],
                 expected: ["conditions": [:]]),
        RuleCase(label: "named location keeps its type and ipRanges item types", kind: .namedLocation,
                 input: ["@odata.type": "#microsoft.graph.ipNamedLocation", "@odata.id": "z",
                         "ipRanges": [["@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "1.2.3.4/32"]]],
                 expected: ["@odata.type": "#microsoft.graph.ipNamedLocation",
                            "ipRanges": [["@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "1.2.3.4/32"]]]),
    ])
    func dropODataAnnotations(_ row: RuleCase) throws { try check("drop-odata-annotations", row) }

    @Test(arguments: [
        RuleCase(label: "policy server fields",
                 input: ["id": "1", "createdDateTime": "t", "modifiedDateTime": nil, "deletedDateTime": nil, "templateId": "x",
                         "partialEnablementStrategy": nil, "description": "d", "displayName": "P"],
                 expected: ["displayName": "P"]),
        RuleCase(label: "only at the root", input: ["conditions": ["id": "kept"]], expected: ["conditions": ["id": "kept"]]),
        RuleCase(label: "location has no description rule", kind: .namedLocation,
                 input: ["id": "1", "description": "kept", "displayName": "L"], expected: ["description": "kept", "displayName": "L"]),
    ])
    func dropServerOwnedFields(_ row: RuleCase) throws { try check("drop-server-owned-fields", row) }

    @Test(arguments: [
        RuleCase(label: "users and applications",
                 input: ["conditions": ["users": ["includeUsers": ["all"], "excludeUsers": ["guestsorexternalusers", "u1"]],
                                        "applications": ["includeApplications": ["none", "office365"], "excludeApplications": ["microsoftadminportals"]]]],
                 expected: ["conditions": ["users": ["includeUsers": ["All"], "excludeUsers": ["GuestsOrExternalUsers", "u1"]],
                                           "applications": ["includeApplications": ["None", "Office365"], "excludeApplications": ["MicrosoftAdminPortals"]]]]),
        RuleCase(label: "locations and service principals",
                 input: ["conditions": ["locations": ["includeLocations": ["ALL"], "excludeLocations": ["alltrusted"]],
                                        "clientApplications": ["includeServicePrincipals": ["serviceprincipalsinmytenant"]]]],
                 expected: ["conditions": ["locations": ["includeLocations": ["All"], "excludeLocations": ["AllTrusted"]],
                                           "clientApplications": ["includeServicePrincipals": ["ServicePrincipalsInMyTenant"]]]]),
        RuleCase(label: "other fields untouched (enum values are camelCase)",
                 input: ["conditions": ["clientAppTypes": ["all"], "users": ["includeGroups": ["all"]]]],
                 expected: ["conditions": ["clientAppTypes": ["all"], "users": ["includeGroups": ["all"]]]]),
    ])
    func reservedWordSpelling(_ row: RuleCase) throws { try check("reserved-word-spelling", row) }

    @Test(arguments: [
        RuleCase(label: "string becomes tokens", input: ["conditions": ["insiderRiskLevels": "minor,moderate"]],
                 expected: ["conditions": ["insiderRiskLevels": ["minor", "moderate"]]]),
        RuleCase(label: "list stays tokens", input: ["conditions": ["agentIdRiskLevels": ["high", "medium"]]],
                 expected: ["conditions": ["agentIdRiskLevels": ["high", "medium"]]]),
        RuleCase(label: "joined list elements are split",
                 input: ["conditions": ["users": ["includeGuestsOrExternalUsers": ["guestOrExternalUserTypes": ["internalGuest,serviceProvider"]]]]],
                 expected: ["conditions": ["users": ["includeGuestsOrExternalUsers": ["guestOrExternalUserTypes": ["internalGuest", "serviceProvider"]]]]]),
        RuleCase(label: "null stays null", input: ["conditions": ["authenticationFlows": ["transferMethods": nil]]],
                 expected: ["conditions": ["authenticationFlows": ["transferMethods": nil]]]),
        RuleCase(label: "same key elsewhere untouched", input: ["sessionControls": ["insiderRiskLevels": "a,b"]],
                 expected: ["sessionControls": ["insiderRiskLevels": "a,b"]]),
    ])
    func flagsAsTokenSets(_ row: RuleCase) throws { try check("flags-as-token-sets", row) }

    @Test(arguments: [
        RuleCase(label: "expanded object becomes its id",
                 input: ["grantControls": ["authenticationStrength": ["id": "s1", "displayName": "Phishing-resistant MFA", "allowedCombinations": ["fido2"],
                                                                      "createdDateTime": "2021-12-01T08:00:00Z"]]],
                 expected: ["grantControls": ["authenticationStrength": ["id": "s1"]]]),
        RuleCase(label: "a bare id string is accepted", input: ["grantControls": ["authenticationStrength": "s1"]],
                 expected: ["grantControls": ["authenticationStrength": ["id": "s1"]]]),
        RuleCase(label: "null stays null", input: ["grantControls": ["authenticationStrength": nil]],
                 expected: ["grantControls": ["authenticationStrength": nil]]),
    ])
    func authenticationStrengthById(_ row: RuleCase) throws { try check("authentication-strength-by-id", row) }

    @Test(arguments: [
        RuleCase(label: "absent", input: ["conditions": ["users": [:]]], expected: ["conditions": ["users": [:], "clientAppTypes": ["all"]]]),
        RuleCase(label: "empty", input: ["conditions": ["clientAppTypes": []]], expected: ["conditions": ["clientAppTypes": ["all"]]]),
        RuleCase(label: "given", input: ["conditions": ["clientAppTypes": ["browser"]]], expected: ["conditions": ["clientAppTypes": ["browser"]]]),
    ])
    func clientAppTypesDefaultAll(_ row: RuleCase) throws { try check("client-app-types-default-all", row) }

    @Test(arguments: [
        RuleCase(label: "defaults filled", input: ["sessionControls": ["signInFrequency": ["value": 4, "type": "hours"]]],
                 expected: ["sessionControls": ["signInFrequency": ["value": 4, "type": "hours", "authenticationType": "primaryAndSecondaryAuthentication", "frequencyInterval": "timeBased"]]]),
        RuleCase(label: "given values kept",
                 input: ["sessionControls": ["signInFrequency": ["frequencyInterval": "everyTime", "authenticationType": "secondaryAuthentication", "value": nil]]],
                 expected: ["sessionControls": ["signInFrequency": ["frequencyInterval": "everyTime", "authenticationType": "secondaryAuthentication", "value": nil]]]),
        RuleCase(label: "null control untouched", input: ["sessionControls": ["signInFrequency": nil]], expected: ["sessionControls": ["signInFrequency": nil]]),
    ])
    func signInFrequencyDefaults(_ row: RuleCase) throws { try check("sign-in-frequency-defaults", row) }

    @Test(arguments: [
        RuleCase(label: "present control is enabled", input: ["sessionControls": ["persistentBrowser": ["mode": "never"], "cloudAppSecurity": nil]],
                 expected: ["sessionControls": ["persistentBrowser": ["mode": "never", "isEnabled": true], "cloudAppSecurity": nil]]),
        RuleCase(label: "explicit false kept", input: ["sessionControls": ["secureSignInSession": ["isEnabled": false]]],
                 expected: ["sessionControls": ["secureSignInSession": ["isEnabled": false]]]),
        RuleCase(label: "empty control is not made present", input: ["sessionControls": ["persistentBrowser": [:]]],
                 expected: ["sessionControls": ["persistentBrowser": [:]]]),
    ])
    func sessionControlEnabledImplied(_ row: RuleCase) throws { try check("session-control-enabled-implied", row) }

    @Test(arguments: [
        RuleCase(label: "null is unset", input: ["sessionControls": ["disableResilienceDefaults": nil]], expected: ["sessionControls": [:]]),
        RuleCase(label: "false is unset", input: ["sessionControls": ["disableResilienceDefaults": false]], expected: ["sessionControls": [:]]),
        RuleCase(label: "true is kept", input: ["sessionControls": ["disableResilienceDefaults": true]], expected: ["sessionControls": ["disableResilienceDefaults": true]]),
    ])
    func resilienceDefaultsUnsetIsFalse(_ row: RuleCase) throws { try check("resilience-defaults-unset-is-false", row) }

    @Test(arguments: [
        RuleCase(label: "country defaults filled", kind: .namedLocation,
                 input: ["@odata.type": "#microsoft.graph.countryNamedLocation", "countriesAndRegions": ["NL"]],
                 expected: ["@odata.type": "#microsoft.graph.countryNamedLocation", "countriesAndRegions": ["NL"],
                            "countryLookupMethod": "clientIpAddress", "includeUnknownCountriesAndRegions": false]),
        RuleCase(label: "given values kept", kind: .namedLocation,
                 input: ["countriesAndRegions": ["NL"], "countryLookupMethod": "authenticatorAppGps", "includeUnknownCountriesAndRegions": true],
                 expected: ["countriesAndRegions": ["NL"], "countryLookupMethod": "authenticatorAppGps", "includeUnknownCountriesAndRegions": true]),
        RuleCase(label: "ip locations untouched", kind: .namedLocation,
                 input: ["@odata.type": "#microsoft.graph.ipNamedLocation"], expected: ["@odata.type": "#microsoft.graph.ipNamedLocation"]),
    ])
    func countryLocationDefaults(_ row: RuleCase) throws { try check("country-location-defaults", row) }

    @Test(arguments: [
        RuleCase(label: "ip location defaults to untrusted", kind: .namedLocation,
                 input: ["@odata.type": "#microsoft.graph.ipNamedLocation", "isTrusted": nil],
                 expected: ["@odata.type": "#microsoft.graph.ipNamedLocation", "isTrusted": false]),
        RuleCase(label: "trusted kept", kind: .namedLocation, input: ["ipRanges": [], "isTrusted": true], expected: ["ipRanges": [], "isTrusted": true]),
        RuleCase(label: "country location gets no isTrusted", kind: .namedLocation,
                 input: ["@odata.type": "#microsoft.graph.countryNamedLocation"], expected: ["@odata.type": "#microsoft.graph.countryNamedLocation"]),
    ])
    func isTrustedDefaultFalse(_ row: RuleCase) throws { try check("is-trusted-default-false", row) }

    @Test(arguments: [
        RuleCase(label: "absent operator is OR", input: ["grantControls": ["builtInControls": ["mfa", "compliantDevice"]]],
                 expected: ["grantControls": ["builtInControls": ["mfa", "compliantDevice"], "operator": "OR"]]),
        RuleCase(label: "case is canonical", input: ["grantControls": ["operator": "and", "builtInControls": ["mfa", "compliantDevice"]]],
                 expected: ["grantControls": ["operator": "AND", "builtInControls": ["mfa", "compliantDevice"]]]),
        RuleCase(label: "AND with one control is OR", input: ["grantControls": ["operator": "AND", "builtInControls": ["mfa"]]],
                 expected: ["grantControls": ["operator": "OR", "builtInControls": ["mfa"]]]),
        RuleCase(label: "strength plus terms counts two", input: ["grantControls": ["operator": "AND", "termsOfUse": ["t"], "authenticationStrength": ["id": "s"]]],
                 expected: ["grantControls": ["operator": "AND", "termsOfUse": ["t"], "authenticationStrength": ["id": "s"]]]),
    ])
    func grantOperatorCanonical(_ row: RuleCase) throws { try check("grant-operator-canonical", row) }

    @Test(arguments: [
        RuleCase(label: "no controls is null",
                 input: ["grantControls": ["operator": "OR", "builtInControls": [], "customAuthenticationFactors": [], "termsOfUse": [], "authenticationStrength": nil]],
                 expected: [:]),
        RuleCase(label: "a control keeps it", input: ["grantControls": ["operator": "OR", "builtInControls": ["block"]]],
                 expected: ["grantControls": ["operator": "OR", "builtInControls": ["block"]]]),
        RuleCase(label: "an unknown member keeps it", input: ["grantControls": ["operator": "OR", "futureControl": ["x"]]],
                 expected: ["grantControls": ["operator": "OR", "futureControl": ["x"]]]),
    ])
    func emptyGrantControlsIsNull(_ row: RuleCase) throws { try check("empty-grant-controls-is-null", row) }

    @Test(arguments: [
        RuleCase(label: "sorted", input: ["signInRiskLevels": ["medium", "high"]], expected: ["signInRiskLevels": ["high", "medium"]]),
        RuleCase(label: "de-duplicated", input: ["a": ["x", "x", "b"]], expected: ["a": ["b", "x"]]),
        RuleCase(label: "objects sorted by content", kind: .namedLocation,
                 input: ["ipRanges": [["cidrAddress": "9.9.9.9/32"], ["cidrAddress": "1.1.1.1/32"]]],
                 expected: ["ipRanges": [["cidrAddress": "1.1.1.1/32"], ["cidrAddress": "9.9.9.9/32"]]]),
    ])
    func collectionsAsSets(_ row: RuleCase) throws { try check("collections-as-sets", row) }

    @Test(arguments: [
        RuleCase(label: "null, [] and {} dropped recursively",
                 input: ["conditions": ["platforms": nil, "userRiskLevels": [], "devices": ["deviceFilter": nil], "clientAppTypes": ["all"]], "sessionControls": nil],
                 expected: ["conditions": ["clientAppTypes": ["all"]]]),
        RuleCase(label: "false, 0 and empty strings kept", input: ["a": false, "b": 0, "c": ""], expected: ["a": false, "b": 0, "c": ""]),
    ])
    func absentNullEmptyEquivalent(_ row: RuleCase) throws { try check("absent-null-empty-equivalent", row) }

    @Test func rulesDoNotApplyToOtherKinds() throws {
        let rule = try #require(NormalizationRule.named("client-app-types-default-all"))
        let location: JSONValue = ["conditions": [:]]
        #expect(rule.apply(location, kind: .namedLocation) == location)
    }

    @Test func normalizingTwiceChangesNothing() {
        let policy: JSONValue = [
            "displayName": "P", "state": "enabled",
            "conditions": ["users": ["includeUsers": ["all"]], "applications": ["includeApplications": ["All"]], "insiderRiskLevels": "moderate,minor"],
            "grantControls": ["builtInControls": ["mfa"]],
            "sessionControls": ["signInFrequency": ["value": 1, "type": "days"]],
        ]
        let once = Normalizer.standard.normalize(policy, kind: .conditionalAccessPolicy)
        #expect(Normalizer.standard.normalize(once, kind: .conditionalAccessPolicy) == once)
    }
}
