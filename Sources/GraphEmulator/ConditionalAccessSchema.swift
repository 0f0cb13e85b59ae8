import Foundation
import PolicyModel

/// The conditional access and named location types (reference §1), v1.0 and beta.
enum ConditionalAccessSchema {
    // MARK: Enumerations (v1.0 CSDL member order)
    static let policyState = GraphEnum(name: "conditionalAccessPolicyState", members: ["enabled", "disabled", "enabledForReportingButNotEnforced"])
    static let grantControl = GraphEnum(name: "conditionalAccessGrantControl", members: ["block", "mfa", "compliantDevice", "domainJoinedDevice", "approvedApplication", "compliantApplication", "passwordChange", "unknownFutureValue", "riskRemediation"])
    static let clientApp = GraphEnum(name: "conditionalAccessClientApp", members: ["all", "browser", "mobileAppsAndDesktopClients", "exchangeActiveSync", "easSupported", "other", "unknownFutureValue"])
    static let devicePlatform = GraphEnum(name: "conditionalAccessDevicePlatform", members: ["android", "iOS", "windows", "windowsPhone", "macOS", "all", "unknownFutureValue", "linux"])
    static let riskLevel = GraphEnum(name: "riskLevel", members: ["low", "medium", "high", "hidden", "none", "unknownFutureValue"])
    static let insiderRiskLevels = GraphEnum(name: "conditionalAccessInsiderRiskLevels", members: ["minor", "moderate", "elevated", "unknownFutureValue"])
    static let agentIdRiskLevels = GraphEnum(name: "conditionalAccessAgentIdRiskLevels", members: ["low", "medium", "high", "unknownFutureValue"])
    static let transferMethods = GraphEnum(name: "conditionalAccessTransferMethods", members: ["none", "deviceCodeFlow", "authenticationTransfer", "unknownFutureValue"])
    static let guestTypes = GraphEnum(name: "conditionalAccessGuestOrExternalUserTypes", members: ["none", "internalGuest", "b2bCollaborationGuest", "b2bCollaborationMember", "b2bDirectConnectUser", "otherExternalUser", "serviceProvider", "unknownFutureValue"])
    static let membershipKind = GraphEnum(name: "conditionalAccessExternalTenantsMembershipKind", members: ["all", "enumerated", "unknownFutureValue"])
    static let filterMode = GraphEnum(name: "filterMode", members: ["include", "exclude"])
    static let frequencyType = GraphEnum(name: "signinFrequencyType", members: ["days", "hours"])
    static let frequencyInterval = GraphEnum(name: "signInFrequencyInterval", members: ["timeBased", "everyTime", "unknownFutureValue"])
    static let frequencyAuthenticationType = GraphEnum(name: "signInFrequencyAuthenticationType", members: ["primaryAndSecondaryAuthentication", "secondaryAuthentication", "unknownFutureValue"])
    static let persistentBrowserMode = GraphEnum(name: "persistentBrowserSessionMode", members: ["always", "never"])
    static let cloudAppSecurityType = GraphEnum(name: "cloudAppSecuritySessionControlType", members: ["mcasConfigured", "monitorOnly", "blockDownloads", "unknownFutureValue"])
    static let continuousAccessEvaluationMode = GraphEnum(name: "continuousAccessEvaluationMode", members: ["strictEnforcement", "disabled", "unknownFutureValue", "strictLocation"])
    static let countryLookupMethod = GraphEnum(name: "countryLookupMethodType", members: ["clientIpAddress", "authenticatorAppGps", "unknownFutureValue"])
    static let strengthPolicyType = GraphEnum(name: "authenticationStrengthPolicyType", members: ["builtIn", "custom", "unknownFutureValue"])
    static let strengthRequirements = GraphEnum(name: "authenticationStrengthRequirements", members: ["none", "mfa", "unknownFutureValue"])
    static let methodModes = GraphEnum(name: "authenticationMethodModes", members: ["password", "voice", "hardwareOath", "softwareOath", "sms", "fido2", "windowsHelloForBusiness", "microsoftAuthenticatorPush", "deviceBasedPush", "temporaryAccessPassOneTime", "temporaryAccessPassMultiUse", "email", "x509CertificateSingleFactor", "x509CertificateMultiFactor", "federatedSingleFactor", "federatedMultiFactor", "unknownFutureValue", "qrCodePin"])

    // MARK: Complex types

    static let filter = ComplexType(name: "conditionalAccessFilter", properties: [
        PropertySpec(name: "mode", type: .enumeration(filterMode)),
        PropertySpec(name: "rule", type: .string),
    ])

    static let allExternalTenants = ComplexType(name: "conditionalAccessAllExternalTenants", properties: [
        PropertySpec(name: "membershipKind", type: .enumeration(membershipKind)),
    ])
    static let enumeratedExternalTenants = ComplexType(name: "conditionalAccessEnumeratedExternalTenants", properties: [
        PropertySpec(name: "membershipKind", type: .enumeration(membershipKind)),
        PropertySpec(name: "members", type: .stringCollection, unset: []),
    ])

    static let guestsOrExternalUsers = ComplexType(name: "conditionalAccessGuestsOrExternalUsers", properties: [
        PropertySpec(name: "guestOrExternalUserTypes", type: .flags(guestTypes)),
        PropertySpec(name: "externalTenants", type: .derived([
            "conditionalAccessAllExternalTenants": allExternalTenants,
            "conditionalAccessEnumeratedExternalTenants": enumeratedExternalTenants,
        ])),
    ])

    static let users = ComplexType(name: "conditionalAccessUsers", properties: [
        PropertySpec(name: "includeUsers", type: .stringCollection, unset: []),
        PropertySpec(name: "excludeUsers", type: .stringCollection, unset: []),
        PropertySpec(name: "includeGroups", type: .stringCollection, unset: []),
        PropertySpec(name: "excludeGroups", type: .stringCollection, unset: []),
        PropertySpec(name: "includeRoles", type: .stringCollection, unset: []),
        PropertySpec(name: "excludeRoles", type: .stringCollection, unset: []),
        PropertySpec(name: "includeGuestsOrExternalUsers", type: .complex(guestsOrExternalUsers)),
        PropertySpec(name: "excludeGuestsOrExternalUsers", type: .complex(guestsOrExternalUsers)),
    ])

    static let applications = ComplexType(name: "conditionalAccessApplications", properties: [
        PropertySpec(name: "includeApplications", type: .stringCollection, unset: []),
        PropertySpec(name: "excludeApplications", type: .stringCollection, unset: []),
        PropertySpec(name: "includeUserActions", type: .stringCollection, unset: []),
        PropertySpec(name: "includeAuthenticationContextClassReferences", type: .stringCollection, unset: []),
        PropertySpec(name: "applicationFilter", type: .complex(filter)),
        PropertySpec(name: "globalSecureAccess", type: .any, availability: .betaOnly, betaOmitsWhenUnset: true),
        PropertySpec(name: "networkAccess", type: .any, availability: .betaOnly, betaOmitsWhenUnset: true),
    ])

    static let clientApplications = ComplexType(name: "conditionalAccessClientApplications", properties: [
        PropertySpec(name: "includeServicePrincipals", type: .stringCollection, unset: []),
        PropertySpec(name: "excludeServicePrincipals", type: .stringCollection, unset: []),
        PropertySpec(name: "servicePrincipalFilter", type: .complex(filter), betaOmitsWhenUnset: true),
        PropertySpec(name: "includeAgentIdServicePrincipals", type: .stringCollection, unset: [], availability: .betaOnly, betaOmitsWhenUnset: true),
        PropertySpec(name: "excludeAgentIdServicePrincipals", type: .stringCollection, unset: [], availability: .betaOnly, betaOmitsWhenUnset: true),
        PropertySpec(name: "agentIdServicePrincipalFilter", type: .complex(filter), availability: .betaOnly, betaOmitsWhenUnset: true),
    ])

    static let platforms = ComplexType(name: "conditionalAccessPlatforms", properties: [
        PropertySpec(name: "includePlatforms", type: .enumCollection(devicePlatform), unset: []),
        PropertySpec(name: "excludePlatforms", type: .enumCollection(devicePlatform), unset: []),
    ])

    static let locations = ComplexType(name: "conditionalAccessLocations", properties: [
        PropertySpec(name: "includeLocations", type: .stringCollection, unset: []),
        PropertySpec(name: "excludeLocations", type: .stringCollection, unset: []),
    ])

    static let devices = ComplexType(name: "conditionalAccessDevices", properties: [
        PropertySpec(name: "includeDevices", type: .stringCollection, unset: [], availability: .betaOnly),
        PropertySpec(name: "excludeDevices", type: .stringCollection, unset: [], availability: .betaOnly),
        PropertySpec(name: "includeDeviceStates", type: .stringCollection, unset: [], availability: .betaOnly),
        PropertySpec(name: "excludeDeviceStates", type: .stringCollection, unset: [], availability: .betaOnly),
        PropertySpec(name: "deviceFilter", type: .complex(filter)),
    ])

    static let authenticationFlows = ComplexType(name: "conditionalAccessAuthenticationFlows", properties: [
        PropertySpec(name: "transferMethods", type: .flags(transferMethods)),
    ])

    static let agents = ComplexType(name: "conditionalAccessAgents", properties: [
        PropertySpec(name: "includeAgentUsers", type: .stringCollection, unset: []),
        PropertySpec(name: "excludeAgentUsers", type: .stringCollection, unset: []),
        PropertySpec(name: "agentFilter", type: .complex(filter)),
    ])

    static let agentContext = ComplexType(name: "conditionalAccessAgentContext", properties: [
        PropertySpec(name: "includeAgentContexts", type: .stringCollection, unset: []),
        PropertySpec(name: "excludeAgentContexts", type: .stringCollection, unset: []),
    ])

    static let conditions = ComplexType(name: "conditionalAccessConditionSet", properties: [
        PropertySpec(name: "userRiskLevels", type: .enumCollection(riskLevel), unset: []),
        PropertySpec(name: "signInRiskLevels", type: .enumCollection(riskLevel), unset: []),
        PropertySpec(name: "clientAppTypes", type: .enumCollection(clientApp), unset: []),
        PropertySpec(name: "platforms", type: .complex(platforms)),
        PropertySpec(name: "times", type: .any, availability: .betaOnly),
        PropertySpec(name: "deviceStates", type: .any, availability: .betaOnly),
        PropertySpec(name: "devices", type: .complex(devices)),
        PropertySpec(name: "clientApplications", type: .complex(clientApplications)),
        PropertySpec(name: "agents", type: .complex(agents), availability: .betaOnly),
        PropertySpec(name: "applications", type: .complex(applications)),
        PropertySpec(name: "users", type: .complex(users)),
        PropertySpec(name: "locations", type: .complex(locations)),
        PropertySpec(name: "authenticationFlows", type: .complex(authenticationFlows), betaOmitsWhenUnset: true),
        PropertySpec(name: "servicePrincipalRiskLevels", type: .enumCollection(riskLevel), unset: [], betaOmitsWhenUnset: true),
        PropertySpec(name: "insiderRiskLevels", type: .flags(insiderRiskLevels), betaOmitsWhenUnset: true),
        PropertySpec(name: "agentIdRiskLevels", type: .flags(agentIdRiskLevels), availability: .betaOnly, betaOmitsWhenUnset: true),
        PropertySpec(name: "agentContext", type: .complex(agentContext), availability: .betaOnly, betaOmitsWhenUnset: true),
    ])

    static let authenticationStrength = ComplexType(name: "authenticationStrengthPolicy", properties: [
        PropertySpec(name: "id", type: .string),
        PropertySpec(name: "createdDateTime", type: .string, readOnly: true),
        PropertySpec(name: "modifiedDateTime", type: .string, readOnly: true),
        PropertySpec(name: "displayName", type: .string),
        PropertySpec(name: "description", type: .string),
        PropertySpec(name: "policyType", type: .enumeration(strengthPolicyType), readOnly: true),
        PropertySpec(name: "requirementsSatisfied", type: .flags(strengthRequirements), readOnly: true),
        PropertySpec(name: "allowedCombinations", type: .flagsCollection(methodModes), unset: []),
        PropertySpec(name: "combinationConfigurations", type: .any, unset: []),
    ])

    static let grantControls = ComplexType(name: "conditionalAccessGrantControls", properties: [
        PropertySpec(name: "operator", type: .string),
        PropertySpec(name: "builtInControls", type: .enumCollection(grantControl), unset: []),
        PropertySpec(name: "customAuthenticationFactors", type: .stringCollection, unset: []),
        PropertySpec(name: "termsOfUse", type: .stringCollection, unset: []),
        // Rendered by the policy renderer (expanded from the strengths store); validated as an object.
        PropertySpec(name: "authenticationStrength", type: .complex(authenticationStrength)),
    ])

    static let enabledControl = ComplexType(name: "conditionalAccessSessionControl", properties: [
        PropertySpec(name: "isEnabled", type: .bool),
    ])

    static let sessionControls = ComplexType(name: "conditionalAccessSessionControls", properties: [
        PropertySpec(name: "disableResilienceDefaults", type: .bool),
        PropertySpec(name: "applicationEnforcedRestrictions", type: .complex(enabledControl)),
        PropertySpec(name: "cloudAppSecurity", type: .complex(ComplexType(name: "cloudAppSecuritySessionControl", properties: [
            PropertySpec(name: "isEnabled", type: .bool),
            PropertySpec(name: "cloudAppSecurityType", type: .enumeration(cloudAppSecurityType)),
        ]))),
        PropertySpec(name: "signInFrequency", type: .complex(ComplexType(name: "signInFrequencySessionControl", properties: [
            PropertySpec(name: "isEnabled", type: .bool),
            PropertySpec(name: "value", type: .integer),
            PropertySpec(name: "type", type: .enumeration(frequencyType)),
            PropertySpec(name: "frequencyInterval", type: .enumeration(frequencyInterval), unset: "timeBased"),
            PropertySpec(name: "authenticationType", type: .enumeration(frequencyAuthenticationType), unset: "primaryAndSecondaryAuthentication"),
        ]))),
        PropertySpec(name: "persistentBrowser", type: .complex(ComplexType(name: "persistentBrowserSessionControl", properties: [
            PropertySpec(name: "isEnabled", type: .bool),
            PropertySpec(name: "mode", type: .enumeration(persistentBrowserMode)),
        ]))),
        PropertySpec(name: "secureSignInSession", type: .complex(enabledControl)),
        PropertySpec(name: "continuousAccessEvaluation", type: .complex(ComplexType(name: "continuousAccessEvaluationSessionControl", properties: [
            PropertySpec(name: "mode", type: .enumeration(continuousAccessEvaluationMode)),
        ])), availability: .betaOnly),
        PropertySpec(name: "blockSensitiveActions", type: .any, availability: .betaOnly),
        PropertySpec(name: "networkAccessSecurity", type: .any, availability: .betaOnly, betaOmitsWhenUnset: true),
        PropertySpec(name: "globalSecureAccessFilteringProfile", type: .complex(ComplexType(name: "globalSecureAccessFilteringProfileSessionControl", properties: [
            PropertySpec(name: "isEnabled", type: .bool),
            PropertySpec(name: "profileId", type: .string),
        ])), availability: .betaOnly, betaOmitsWhenUnset: true),
    ])

    static let policy = ComplexType(name: "conditionalAccessPolicy", properties: [
        PropertySpec(name: "id", type: .string, readOnly: true),
        PropertySpec(name: "templateId", type: .string, readOnly: true),
        PropertySpec(name: "displayName", type: .string),
        PropertySpec(name: "createdDateTime", type: .string, readOnly: true),
        PropertySpec(name: "modifiedDateTime", type: .string, readOnly: true),
        PropertySpec(name: "state", type: .enumeration(policyState)),
        PropertySpec(name: "deletedDateTime", type: .string, readOnly: true),
        PropertySpec(name: "partialEnablementStrategy", type: .any, availability: .betaOnly, readOnly: true),
        PropertySpec(name: "sessionControls", type: .complex(sessionControls)),
        PropertySpec(name: "conditions", type: .complex(conditions)),
        PropertySpec(name: "grantControls", type: .complex(grantControls)),
    ])

    /// Accepted in request bodies but never returned ("Not used" per the SDK).
    static let policyWritable = ComplexType(name: policy.name, properties: policy.properties + [
        PropertySpec(name: "description", type: .string),
    ])

    // MARK: Named locations

    static let ipRange = WireType.derived([
        "iPv4CidrRange": ComplexType(name: "iPv4CidrRange", properties: [PropertySpec(name: "cidrAddress", type: .string)]),
        "iPv6CidrRange": ComplexType(name: "iPv6CidrRange", properties: [PropertySpec(name: "cidrAddress", type: .string)]),
        "iPv4Range": ComplexType(name: "iPv4Range", properties: [PropertySpec(name: "lowerAddress", type: .string), PropertySpec(name: "upperAddress", type: .string)]),
        "iPv6Range": ComplexType(name: "iPv6Range", properties: [PropertySpec(name: "lowerAddress", type: .string), PropertySpec(name: "upperAddress", type: .string)]),
    ])

    static let namedLocationBase: [PropertySpec] = [
        PropertySpec(name: "id", type: .string, readOnly: true),
        PropertySpec(name: "displayName", type: .string),
        PropertySpec(name: "createdDateTime", type: .string, readOnly: true),
        PropertySpec(name: "modifiedDateTime", type: .string, readOnly: true),
        PropertySpec(name: "deletedDateTime", type: .string, readOnly: true),
    ]

    /// Concrete named location types by short `@odata.type` name, with the versions offering them.
    static let namedLocationTypes: [String: (type: ComplexType, availability: Availability)] = [
        "ipNamedLocation": (ComplexType(name: "ipNamedLocation", properties: namedLocationBase + [
            PropertySpec(name: "ipRanges", type: .collection(ipRange), unset: []),
            PropertySpec(name: "isTrusted", type: .bool, unset: false),
        ]), .both),
        "countryNamedLocation": (ComplexType(name: "countryNamedLocation", properties: namedLocationBase + [
            PropertySpec(name: "countriesAndRegions", type: .stringCollection, unset: []),
            PropertySpec(name: "includeUnknownCountriesAndRegions", type: .bool, unset: false),
            PropertySpec(name: "countryLookupMethod", type: .enumeration(countryLookupMethod), unset: "clientIpAddress"),
        ]), .both),
        "compliantNetworkNamedLocation": (ComplexType(name: "compliantNetworkNamedLocation", properties: namedLocationBase + [
            PropertySpec(name: "compliantNetworkType", type: .string),
            PropertySpec(name: "isTrusted", type: .bool, unset: false),
        ]), .betaOnly),
        "serviceTagNamedLocation": (ComplexType(name: "serviceTagNamedLocation", properties: namedLocationBase + [
            PropertySpec(name: "serviceTags", type: .stringCollection, unset: []),
            PropertySpec(name: "isTrusted", type: .bool, unset: false),
        ]), .betaOnly),
        "privateLinkNamedLocation": (ComplexType(name: "privateLinkNamedLocation", properties: namedLocationBase + [
            PropertySpec(name: "privateLinkResourcePolicyIds", type: .stringCollection, unset: []),
            PropertySpec(name: "isTrusted", type: .bool, unset: false),
        ]), .betaOnly),
    ]

    /// Beta-only condition and session features: a policy using one is left out of v1.0 lists
    /// (v1.0 hides policies it cannot represent).
    static func usesBetaOnlyFeatures(_ policy: JSONValue) -> Bool {
        func isSet(_ value: JSONValue?) -> Bool {
            switch value {
            case .none, .some(.null): return false
            case .some(.array(let elements)): return !elements.isEmpty
            default: return true
            }
        }
        let conditions = policy["conditions"]
        if isSet(conditions?["agents"]) || isSet(conditions?["agentIdRiskLevels"]) || isSet(conditions?["agentContext"]) { return true }
        if isSet(conditions?["clientApplications"]?["includeAgentIdServicePrincipals"]) { return true }
        if isSet(conditions?["clientApplications"]?["excludeAgentIdServicePrincipals"]) { return true }
        let session = policy["sessionControls"]
        for key in ["continuousAccessEvaluation", "blockSensitiveActions", "networkAccessSecurity", "globalSecureAccessFilteringProfile"] where isSet(session?[key]) {
            return true
        }
        return false
    }
}
