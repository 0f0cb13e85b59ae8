/// Graph enumerations used by the policy language, spelled exactly as Graph spells them
/// (reference §1.9). Each is the single source of its valid values: the loader and the JSON Schema
/// both read `allCases`.
public protocol LanguageEnumeration: RawRepresentable<String>, CaseIterable, Codable, Sendable, Hashable {}

extension LanguageEnumeration {
    /// Every valid spelling, in declaration order.
    public static var allRawValues: [String] { allCases.map(\.rawValue) }
}

/// `conditionalAccessPolicyState`.
public enum PolicyState: String, LanguageEnumeration {
    case enabled
    case disabled
    case enabledForReportingButNotEnforced

    /// Language aliases accepted on input and written in Graph's spelling.
    public static let aliases: [String: PolicyState] = ["reportOnly": .enabledForReportingButNotEnforced]
}

/// `conditionalAccessClientApp`.
public enum ClientAppType: String, LanguageEnumeration {
    case all, browser, mobileAppsAndDesktopClients, exchangeActiveSync, easSupported, other
}

/// `conditionalAccessDevicePlatform` (`linux` is evolvable).
public enum DevicePlatform: String, LanguageEnumeration {
    case android, iOS, windows, windowsPhone, macOS, linux, all
}

/// `riskLevel`.
public enum RiskLevel: String, LanguageEnumeration {
    case low, medium, high, hidden, none
}

/// `conditionalAccessGrantControl` (`riskRemediation` is evolvable).
public enum GrantControl: String, LanguageEnumeration {
    case block, mfa, compliantDevice, domainJoinedDevice, approvedApplication, compliantApplication, passwordChange,
        riskRemediation
}

/// `grantControls.operator`.
public enum GrantOperator: String, LanguageEnumeration {
    case and = "AND"
    case or = "OR"
}

/// `conditionalAccessGuestOrExternalUserTypes` (a flags enum: a list in YAML, one comma-joined string on the wire).
public enum GuestOrExternalUserType: String, LanguageEnumeration {
    case internalGuest, b2bCollaborationGuest, b2bCollaborationMember, b2bDirectConnectUser, otherExternalUser,
        serviceProvider
}

/// `conditionalAccessExternalTenantsMembershipKind`.
public enum ExternalTenantsMembershipKind: String, LanguageEnumeration {
    case all, enumerated
}

/// `conditionalAccessTransferMethods` (flags).
public enum TransferMethod: String, LanguageEnumeration {
    case deviceCodeFlow, authenticationTransfer
}

/// `conditionalAccessInsiderRiskLevels` (flags).
public enum InsiderRiskLevel: String, LanguageEnumeration {
    case minor, moderate, elevated
}

/// `conditionalAccessAgentIdRiskLevels` (beta, flags).
public enum AgentIdRiskLevel: String, LanguageEnumeration {
    case low, medium, high
}

/// `filterMode`.
public enum FilterMode: String, LanguageEnumeration {
    case include, exclude
}

/// `signinFrequencyType` (sic).
public enum SignInFrequencyType: String, LanguageEnumeration {
    case days, hours
}

/// `signInFrequencyInterval`.
public enum SignInFrequencyInterval: String, LanguageEnumeration {
    case timeBased, everyTime
}

/// `signInFrequencyAuthenticationType`.
public enum SignInFrequencyAuthenticationType: String, LanguageEnumeration {
    case primaryAndSecondaryAuthentication, secondaryAuthentication
}

/// `persistentBrowserSessionMode`.
public enum PersistentBrowserMode: String, LanguageEnumeration {
    case always, never
}

/// `cloudAppSecuritySessionControlType`.
public enum CloudAppSecurityType: String, LanguageEnumeration {
    case mcasConfigured, monitorOnly, blockDownloads
}

/// `continuousAccessEvaluationMode` (beta; `strictLocation` is evolvable).
public enum ContinuousAccessEvaluationMode: String, LanguageEnumeration {
    case strictEnforcement, disabled, strictLocation
}

/// `countryLookupMethodType`.
public enum CountryLookupMethod: String, LanguageEnumeration {
    case clientIpAddress, authenticatorAppGps
}

/// National clouds (reference §4).
public enum Cloud: String, LanguageEnumeration {
    case global, usgov, usgovdod, china
}

/// The Graph version used for conditional access objects.
public enum GraphVersion: String, LanguageEnumeration {
    case v1 = "v1.0"
    case beta
}

/// `riskState`.
public enum RiskState: String, LanguageEnumeration {
    case none, confirmedSafe, remediated, dismissed, atRisk, confirmedCompromised
}

/// `riskDetectionTimingType`.
public enum RiskDetectionTimingType: String, LanguageEnumeration {
    case notDefined, realtime, nearRealtime, offline
}

/// What a risk-response rule does to a matching user (or service principal).
public enum RiskAction: String, LanguageEnumeration {
    case confirmCompromised, dismiss, revokeSignInSessions
}

/// Whether a risk-response action waits for a person's approval.
public enum ApprovalMode: String, LanguageEnumeration {
    case required, none
}

/// What a risk-response rule acts on.
public enum RiskSubject: String, LanguageEnumeration {
    case users, servicePrincipals
}

/// The four document kinds of the language.
public enum DocumentKind: String, LanguageEnumeration {
    case settings = "Settings"
    case conditionalAccessPolicy = "ConditionalAccessPolicy"
    case namedLocation = "NamedLocation"
    case riskResponseRule = "RiskResponseRule"
}

/// The risk event types Microsoft documents for `riskDetection.riskEventType` (a free string that
/// grows): rules may name others, and the loader warns with the nearest documented one.
public enum RiskEventTypes {
    public static let documented = [
        "adminConfirmedUserCompromised", "anomalousToken", "anomalousUserActivity", "anonymizedIPAddress", "attackerinTheMiddle",
        "attemptedPRTAccess", "generic", "impossibleTravel", "investigationsThreatIntelligence",
        "investigationsThreatIntelligenceSigninLinked", "leakedCredentials", "maliciousIPAddress",
        "maliciousIPAddressValidCredentialsBlockedIP", "malwareInfectedIPAddress", "mcasFinSuspiciousFileAccess", "mcasImpossibleTravel",
        "mcasSuspiciousInboxManipulationRules", "nationStateIP", "newCountry", "passwordSpray", "riskyIPAddress", "suspiciousAPITraffic",
        "suspiciousBrowser", "suspiciousInboxForwarding", "suspiciousIPAddress", "suspiciousSendingPatterns", "tokenIssuerAnomaly",
        "unfamiliarFeatures", "unlikelyTravel", "userReportedSuspiciousActivity",
    ]
}
