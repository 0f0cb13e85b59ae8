/// A Conditional Access policy as declared in the policy language: Graph's `conditionalAccessPolicy`
/// (v1.0 plus the beta fields of reference §1) with names allowed wherever Graph wants an id.
///
/// Every property is optional: absent means "not said", which the reconciler treats like Graph's
/// empty or default value. Property names are Graph's, so `Codable` gives the language form.
public struct ConditionalAccessPolicy: Sendable, Hashable, Codable {
    public var displayName: String
    /// Pins the declaration to an existing live object.
    public var id: String?
    /// Earlier display names: a live policy with one of these names is adopted and renamed.
    public var previousNames: [String]?
    /// `true`: `id` or `previousNames` may adopt a live policy outside `manage.namePrefix` (it is
    /// renamed into the scope). Without it such an adoption is an error.
    public var adoptOutOfScope: Bool?
    public var state: PolicyState
    public var conditions: Conditions?
    public var grantControls: GrantControls?
    public var sessionControls: SessionControls?
    /// How a policy declared `enabled` gets there (entraform's; never sent to Graph).
    public var rollout: Rollout?

    public init(displayName: String, state: PolicyState) {
        self.displayName = displayName
        self.state = state
    }
}

/// `conditionalAccessConditionSet`.
public struct Conditions: Sendable, Hashable, Codable {
    public var applications: Applications?
    public var users: Users?
    public var clientApplications: ClientApplications?
    public var clientAppTypes: [ClientAppType]?
    public var platforms: Platforms?
    public var locations: Locations?
    public var devices: Devices?
    public var signInRiskLevels: [RiskLevel]?
    public var userRiskLevels: [RiskLevel]?
    public var servicePrincipalRiskLevels: [RiskLevel]?
    /// Flags on the wire (`"minor,moderate"`), a list here.
    public var insiderRiskLevels: [InsiderRiskLevel]?
    /// Beta. Flags on the wire.
    public var agentIdRiskLevels: [AgentIdRiskLevel]?
    public var authenticationFlows: AuthenticationFlows?

    public init() {}
}

/// `conditionalAccessUsers`: users, groups and roles by UPN, display name or id.
public struct Users: Sendable, Hashable, Codable {
    public var includeUsers: [DirectoryReference]?
    public var excludeUsers: [DirectoryReference]?
    public var includeGroups: [DirectoryReference]?
    public var excludeGroups: [DirectoryReference]?
    public var includeRoles: [DirectoryReference]?
    public var excludeRoles: [DirectoryReference]?
    public var includeGuestsOrExternalUsers: GuestsOrExternalUsers?
    public var excludeGuestsOrExternalUsers: GuestsOrExternalUsers?

    public init() {}
}

/// `conditionalAccessGuestsOrExternalUsers`.
public struct GuestsOrExternalUsers: Sendable, Hashable, Codable {
    /// Flags on the wire, a list here.
    public var guestOrExternalUserTypes: [GuestOrExternalUserType]
    public var externalTenants: ExternalTenants?

    public init(guestOrExternalUserTypes: [GuestOrExternalUserType]) {
        self.guestOrExternalUserTypes = guestOrExternalUserTypes
    }
}

/// `conditionalAccessExternalTenants`: all external tenants, or an enumerated list of tenant ids.
public struct ExternalTenants: Sendable, Hashable, Codable {
    public var membershipKind: ExternalTenantsMembershipKind
    /// Tenant ids, when `membershipKind` is `enumerated`.
    public var members: [String]?

    public init(membershipKind: ExternalTenantsMembershipKind, members: [String]? = nil) {
        self.membershipKind = membershipKind
        self.members = members
    }
}

/// `conditionalAccessApplications`.
public struct Applications: Sendable, Hashable, Codable {
    /// App display names or appIds, or `All`, `None`, `Office365`, `MicrosoftAdminPortals`.
    public var includeApplications: [DirectoryReference]?
    public var excludeApplications: [DirectoryReference]?
    public var includeUserActions: [String]?
    /// Authentication context ids (`c1`) or display names.
    public var includeAuthenticationContextClassReferences: [DirectoryReference]?
    public var applicationFilter: Filter?

    public init() {}
}

/// `conditionalAccessClientApplications` (workload identities).
public struct ClientApplications: Sendable, Hashable, Codable {
    public var includeServicePrincipals: [DirectoryReference]?
    public var excludeServicePrincipals: [DirectoryReference]?
    public var servicePrincipalFilter: Filter?

    public init() {}
}

/// `conditionalAccessPlatforms`.
public struct Platforms: Sendable, Hashable, Codable {
    public var includePlatforms: [DevicePlatform]?
    public var excludePlatforms: [DevicePlatform]?

    public init() {}
}

/// `conditionalAccessLocations`: named locations by display name or id, or `All`, `AllTrusted`.
public struct Locations: Sendable, Hashable, Codable {
    public var includeLocations: [DirectoryReference]?
    public var excludeLocations: [DirectoryReference]?

    public init() {}
}

/// `conditionalAccessDevices`.
public struct Devices: Sendable, Hashable, Codable {
    public var deviceFilter: Filter?

    public init() {}
}

/// `conditionalAccessFilter`: a mode and a rule in the dynamic-group-like syntax.
public struct Filter: Sendable, Hashable, Codable {
    public var mode: FilterMode
    public var rule: String

    public init(mode: FilterMode, rule: String) {
        self.mode = mode
        self.rule = rule
    }
}

/// `conditionalAccessAuthenticationFlows`.
public struct AuthenticationFlows: Sendable, Hashable, Codable {
    /// Flags on the wire, a list here.
    public var transferMethods: [TransferMethod]

    public init(transferMethods: [TransferMethod]) { self.transferMethods = transferMethods }
}

/// `conditionalAccessGrantControls`.
public struct GrantControls: Sendable, Hashable, Codable {
    /// Defaults to `OR`.
    public var `operator`: GrantOperator?
    public var builtInControls: [GrantControl]?
    public var customAuthenticationFactors: [String]?
    /// Terms of use agreements by display name or id.
    public var termsOfUse: [DirectoryReference]?
    /// An authentication strength by display name or id.
    public var authenticationStrength: DirectoryReference?

    public init() {}
}

/// `conditionalAccessSessionControls`. A present sub-control is enabled unless it says `isEnabled: false`.
public struct SessionControls: Sendable, Hashable, Codable {
    public var applicationEnforcedRestrictions: SimpleSessionControl?
    public var cloudAppSecurity: CloudAppSecurity?
    public var persistentBrowser: PersistentBrowser?
    public var signInFrequency: SignInFrequency?
    public var disableResilienceDefaults: Bool?
    public var secureSignInSession: SimpleSessionControl?
    /// Beta.
    public var continuousAccessEvaluation: ContinuousAccessEvaluation?
    /// Beta.
    public var globalSecureAccessFilteringProfile: GlobalSecureAccessFilteringProfile?

    public init() {}
}

/// A session control with nothing but `isEnabled`.
public struct SimpleSessionControl: Sendable, Hashable, Codable {
    public var isEnabled: Bool?

    public init(isEnabled: Bool? = nil) { self.isEnabled = isEnabled }
}

/// `cloudAppSecuritySessionControl`.
public struct CloudAppSecurity: Sendable, Hashable, Codable {
    public var isEnabled: Bool?
    public var cloudAppSecurityType: CloudAppSecurityType?

    public init() {}
}

/// `persistentBrowserSessionControl`.
public struct PersistentBrowser: Sendable, Hashable, Codable {
    public var isEnabled: Bool?
    public var mode: PersistentBrowserMode?

    public init() {}
}

/// `signInFrequencySessionControl`: `{value: 4, type: hours}` or `{frequencyInterval: everyTime}`.
public struct SignInFrequency: Sendable, Hashable, Codable {
    public var isEnabled: Bool?
    public var value: Int?
    public var type: SignInFrequencyType?
    public var frequencyInterval: SignInFrequencyInterval?
    public var authenticationType: SignInFrequencyAuthenticationType?

    public init() {}
}

/// `continuousAccessEvaluationSessionControl` (beta; no `isEnabled` in Graph's schema).
public struct ContinuousAccessEvaluation: Sendable, Hashable, Codable {
    public var mode: ContinuousAccessEvaluationMode

    public init(mode: ContinuousAccessEvaluationMode) { self.mode = mode }
}

/// `globalSecureAccessFilteringProfileSessionControl` (beta).
public struct GlobalSecureAccessFilteringProfile: Sendable, Hashable, Codable {
    public var isEnabled: Bool?
    public var profileId: String

    public init(profileId: String) { self.profileId = profileId }
}
