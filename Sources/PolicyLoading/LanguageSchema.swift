import PolicyModel

/// The policy language (v1), as shapes: see `shared/design/policy-language.md` and the README.
public enum LanguageSchema {
    /// The shape of each document kind.
    public static func shape(of kind: DocumentKind) -> ObjectShape {
        switch kind {
        case .settings: settings
        case .conditionalAccessPolicy: conditionalAccessPolicy
        case .namedLocation: namedLocation
        case .riskResponseRule: riskResponseRule
        }
    }

    static func enumeration<E: LanguageEnumeration>(_ type: E.Type, aliases: [String: String] = [:]) -> Shape {
        .string(.enumeration(E.allRawValues, aliases: aliases))
    }

    static func enumList<E: LanguageEnumeration>(_ type: E.Type) -> Shape { .list(enumeration(type)) }

    static func references(_ kind: ReferenceKind) -> Shape { .list(.string(.reference(kind))) }

    static let kindField = Field("kind", .string(.enumeration(DocumentKind.allRawValues)), required: true,
                                 "The document kind.")
    static let idField = Field("id", .string(.objectID),
                               "Pins this declaration to an existing live object by id.")
    /// Conditional access policy and named location display names: at most 256 characters, Entra's
    /// limit for both.
    static let displayName = Shape.string(.displayName(maximumLength: 256))
    static let previousNamesField = Field("previousNames", .list(.string(.nonEmptyText)),
                                          "Earlier display names: a live object with one of them is adopted and renamed.")

    // MARK: Conditional access policy

    public static let conditionalAccessPolicy = ObjectShape([
        kindField,
        Field("displayName", displayName, required: true,
              "The policy's name: the key that matches it to the live policy; unique in the configuration."),
        idField,
        previousNamesField,
        Field("adoptOutOfScope", .boolean,
              "true: id or previousNames may adopt a live policy outside manage.namePrefix (renaming it into the scope); otherwise that is an error."),
        Field("state", enumeration(PolicyState.self, aliases: ["reportOnly": PolicyState.enabledForReportingButNotEnforced.rawValue]),
              required: true, "enabled, disabled, or enabledForReportingButNotEnforced (alias: reportOnly)."),
        Field("conditions", .object(conditions), required: true, "Who, what and where the policy applies to."),
        Field("grantControls", .object(grantControls), "What a sign-in must satisfy to be granted."),
        Field("sessionControls", .object(sessionControls), "Restrictions on the session after sign-in."),
        Field("rollout", .object(rollout),
              "Staged rollout to state enabled: report-only first, an optional pilot ring, each stage advanced by plan only as the tenant's sign-in evidence allows."),
    ], rules: PolicyRules.policy)

    static let rollout = ObjectShape([
        Field("reportOnlyFor", .string(.duration), required: true, "At least this long in report-only first: 7d."),
        Field("pilot", .object(ObjectShape([
            Field("includeGroups", references(.group), required: true,
                  "The pilot ring: the policy is enforced for these groups first (its user inclusions replaced, its exclusions kept)."),
            Field("for", .string(.duration), required: true, "At least this long in the pilot ring."),
            Field("minimumSignIns", .integer(1...10_000_000), "Sign-ins the pilot must see before everyone; default the rollout's."),
        ])), "An optional ring enforced for a few users before everyone."),
        Field("maxFailureRate", .string(.percentage),
              "Advance only while at most this share of evaluated sign-ins would fail or be interrupted (report-only) or failed (pilot): 2%."),
        Field("minimumSignIns", .integer(1...10_000_000), "Sign-ins a stage must have evaluated before it advances or is rolled back."),
        Field("rollbackAbove", .string(.percentage), "An enforced stage failing more than this is proposed back to report-only: 10%."),
    ])

    static let conditions = ObjectShape([
        Field("applications", .object(applications), required: true,
              "Target resources: applications, user actions or authentication contexts."),
        Field("users", .object(users), "Users, groups and roles the policy applies to."),
        Field("clientApplications", .object(clientApplications),
              "Workload identities (service principals) the policy applies to."),
        Field("clientAppTypes", enumList(ClientAppType.self), "Client app types; default [all]."),
        Field("platforms", .object(platforms), "Device platforms."),
        Field("locations", .object(locations), "Named locations."),
        Field("devices", .object(devices), "Device filter."),
        Field("signInRiskLevels", enumList(RiskLevel.self), "Sign-in risk levels (Entra ID P2)."),
        Field("userRiskLevels", enumList(RiskLevel.self), "User risk levels (Entra ID P2)."),
        Field("servicePrincipalRiskLevels", enumList(RiskLevel.self), "Service principal risk levels."),
        Field("insiderRiskLevels", enumList(InsiderRiskLevel.self), "Insider risk levels (a flags value in Graph)."),
        Field("agentIdRiskLevels", enumList(AgentIdRiskLevel.self), beta: true, "Agent identity risk levels."),
        Field("authenticationFlows", .object(authenticationFlows), "Authentication flows such as device code flow."),
    ], rules: PolicyRules.conditions)

    static let guestsOrExternalUsers = ObjectShape([
        Field("guestOrExternalUserTypes", enumList(GuestOrExternalUserType.self), required: true,
              "Kinds of guests and external users (a flags value in Graph)."),
        Field("externalTenants", .object(externalTenants), "Which external tenants; default all."),
    ])

    static let externalTenants = ObjectShape([
        Field("membershipKind", enumeration(ExternalTenantsMembershipKind.self), required: true,
              "all, or enumerated with members."),
        Field("members", .list(.string(.nonEmptyText)), "Tenant ids, with membershipKind enumerated."),
    ], rules: PolicyRules.externalTenants)

    static let users = ObjectShape([
        Field("includeUsers", references(.users([ReservedWord.all, ReservedWord.none, ReservedWord.guestsOrExternalUsers])),
              "Users by UPN or id, or All, None, GuestsOrExternalUsers."),
        Field("excludeUsers", references(.users([ReservedWord.guestsOrExternalUsers])),
              "Users by UPN or id, or GuestsOrExternalUsers."),
        Field("includeGroups", references(.group), "Groups by display name or id."),
        Field("excludeGroups", references(.group), "Groups by display name or id."),
        Field("includeRoles", references(.role), "Directory roles by display name or template id."),
        Field("excludeRoles", references(.role), "Directory roles by display name or template id."),
        Field("includeGuestsOrExternalUsers", .object(guestsOrExternalUsers), "Guests and external users to include."),
        Field("excludeGuestsOrExternalUsers", .object(guestsOrExternalUsers), "Guests and external users to exclude."),
    ])

    static let filter = ObjectShape([
        Field("mode", enumeration(FilterMode.self), required: true, "include or exclude what the rule matches."),
        Field("rule", .string(.filterRule), required: true,
              "A rule such as device.isCompliant -eq True -and device.trustType -eq \"ServerAD\"."),
    ])

    static let applications = ObjectShape([
        Field("includeApplications",
              references(.applications([ReservedWord.all, ReservedWord.none, ReservedWord.office365,
                                        ReservedWord.microsoftAdminPortals, ReservedWord.allAgentIdResources])),
              "Applications by display name or appId, or All, None, Office365, MicrosoftAdminPortals."),
        Field("excludeApplications",
              references(.applications([ReservedWord.office365, ReservedWord.microsoftAdminPortals])),
              "Applications by display name or appId, or Office365, MicrosoftAdminPortals."),
        Field("includeUserActions", .list(.string(.userAction)),
              "urn:user:registersecurityinfo or urn:user:registerdevice."),
        Field("includeAuthenticationContextClassReferences", references(.authenticationContext),
              "Authentication contexts by id (c1…c99) or display name."),
        Field("applicationFilter", .object(filter), "A filter on custom security attributes of applications."),
    ])

    static let clientApplications = ObjectShape([
        Field("includeServicePrincipals", references(.servicePrincipals([ReservedWord.servicePrincipalsInMyTenant])),
              "Service principals by display name or object id, or ServicePrincipalsInMyTenant."),
        Field("excludeServicePrincipals", references(.servicePrincipals([])),
              "Service principals by display name or object id."),
        Field("servicePrincipalFilter", .object(filter), "A filter on custom security attributes."),
    ])

    static let platforms = ObjectShape([
        Field("includePlatforms", enumList(DevicePlatform.self), required: true, "Platforms to include, or [all]."),
        Field("excludePlatforms", enumList(DevicePlatform.self), "Platforms to exclude."),
    ])

    static let locations = ObjectShape([
        Field("includeLocations", references(.locations([ReservedWord.all, ReservedWord.allTrusted])), required: true,
              "Named locations by display name or id, or All, AllTrusted."),
        Field("excludeLocations", references(.locations([ReservedWord.allTrusted])),
              "Named locations by display name or id, or AllTrusted."),
    ])

    static let devices = ObjectShape([
        Field("deviceFilter", .object(filter), "Which devices the policy applies to (include) or skips (exclude)."),
    ])

    static let authenticationFlows = ObjectShape([
        Field("transferMethods", enumList(TransferMethod.self), required: true,
              "deviceCodeFlow and/or authenticationTransfer (a flags value in Graph)."),
    ])

    static let grantControls = ObjectShape([
        Field("operator", enumeration(GrantOperator.self), "AND: all controls; OR: any one (default)."),
        Field("builtInControls", enumList(GrantControl.self), "Built-in grant controls."),
        Field("customAuthenticationFactors", .list(.string(.nonEmptyText)), "Custom control ids."),
        Field("termsOfUse", references(.termsOfUse), "Terms of use agreements by display name or id."),
        Field("authenticationStrength", .string(.reference(.authenticationStrength)),
              "An authentication strength by display name or id, e.g. Phishing-resistant MFA."),
    ], rules: PolicyRules.grantControls)

    static let isEnabledField = Field("isEnabled", .boolean, "Implied true when the control is present.")

    static let sessionControls = ObjectShape([
        Field("applicationEnforcedRestrictions", .object(ObjectShape([isEnabledField])),
              "App-enforced restrictions (Exchange Online and SharePoint Online)."),
        Field("cloudAppSecurity", .object(ObjectShape([
            isEnabledField,
            Field("cloudAppSecurityType", enumeration(CloudAppSecurityType.self),
                  "Conditional Access App Control mode (required unless isEnabled is false)."),
        ], rules: PolicyRules.requiredWhileEnabled("cloudAppSecurityType"))), "Conditional Access App Control."),
        Field("persistentBrowser", .object(ObjectShape([
            isEnabledField,
            Field("mode", enumeration(PersistentBrowserMode.self), "always or never (required unless isEnabled is false)."),
        ], rules: PolicyRules.requiredWhileEnabled("mode"))), "Persistent browser session."),
        Field("signInFrequency", .object(ObjectShape([
            isEnabledField,
            Field("value", .integer(1...365), "How many hours (1–23) or days (1–365)."),
            Field("type", enumeration(SignInFrequencyType.self), "hours or days."),
            Field("frequencyInterval", enumeration(SignInFrequencyInterval.self),
                  "timeBased (default, with value and type) or everyTime."),
            Field("authenticationType", enumeration(SignInFrequencyAuthenticationType.self),
                  "Default primaryAndSecondaryAuthentication."),
        ], rules: PolicyRules.signInFrequency)), "Sign-in frequency."),
        Field("disableResilienceDefaults", .boolean, "Disable resilience defaults."),
        Field("secureSignInSession", .object(ObjectShape([isEnabledField])),
              "Require token protection for sign-in sessions."),
        Field("continuousAccessEvaluation", .object(ObjectShape([
            Field("mode", enumeration(ContinuousAccessEvaluationMode.self), required: true,
                  "strictEnforcement, disabled or strictLocation."),
        ])), beta: true, "Continuous access evaluation."),
        Field("globalSecureAccessFilteringProfile", .object(ObjectShape([
            isEnabledField,
            Field("profileId", .string(.nonEmptyText), required: true, "The filtering profile id."),
        ])), beta: true, "Global Secure Access filtering profile."),
    ])

    // MARK: Named location

    public static let namedLocation = ObjectShape([
        kindField,
        Field("displayName", displayName, required: true, "The location's name; unique in the configuration."),
        idField,
        previousNamesField,
        Field("ipRanges", .list(.string(.cidr)), "IPv4 and IPv6 CIDR ranges (an IP location)."),
        Field("isTrusted", .boolean, "A trusted location (IP locations only); default false."),
        Field("countriesAndRegions", .list(.string(.countryCode)), "ISO 3166-1 alpha-2 codes (a countries location)."),
        Field("includeUnknownCountriesAndRegions", .boolean, "Include IPs that map to no country; default false."),
        Field("countryLookupMethod", enumeration(CountryLookupMethod.self), "Default clientIpAddress."),
    ], rules: PolicyRules.namedLocation)

    // MARK: Settings

    public static let settings = ObjectShape([
        kindField,
        Field("tenant", .string(.nonEmptyText), "Tenant id or verified domain (overridable by flag or environment)."),
        Field("cloud", enumeration(Cloud.self), "global (default), usgov, usgovdod or china."),
        Field("graphVersion", enumeration(GraphVersion.self),
              "Graph version for conditional access objects: beta (default; sees beta-only fields) or v1.0."),
        Field("manage", .object(ObjectShape([
            Field("prune", .boolean, "Delete live policies in scope that are not declared; default false."),
            Field("namePrefix", .string(.nonEmptyText),
                  "Only policies whose displayName starts with this are in scope (default: all); a prefix ending in a letter or digit must be followed by a non-letter (CA takes CA001 and 'CA - …', not 'CAT team')."),
            Field("namedLocations", .object(ObjectShape([
                Field("namePrefix", .string(.nonEmptyText), "Undeclared named locations whose displayName starts with this are managed (pruned, reported)."),
                Field("names", .list(.string(.nonEmptyText)), "Undeclared named locations with these exact names are managed (pruned, reported)."),
            ])), "Which undeclared named locations prune may delete and drift reports; default none (only declared ones are managed)."),
        ])), "What entraform may touch."),
        Field("emergencyAccess", .object(ObjectShape([
            Field("users", references(.users([])), "Break-glass accounts by UPN or id."),
            Field("groups", references(.group), "Break-glass groups by display name or id."),
        ])), "Emergency access accounts: protected by the lockout guard, never acted on by risk rules."),
        Field("scenarios", .list(.object(ObjectShape([
            Field("name", .string(.nonEmptyText), required: true, "What the persona is."),
            Field("user", .string(.reference(.users([]))), required: true, "The user by UPN or id."),
            Field("application", .string(.reference(.applications([ReservedWord.office365, ReservedWord.microsoftAdminPortals]))),
                  "The application signed in to."),
            Field("platform", enumeration(DevicePlatform.self), "The device platform."),
            Field("clientAppType", enumeration(ClientAppType.self), "The client app type."),
            Field("signInRiskLevel", enumeration(RiskLevel.self), "The sign-in risk level."),
            Field("userRiskLevel", enumeration(RiskLevel.self), "The user risk level."),
            Field("country", .string(.countryCode), "The sign-in country (ISO alpha-2)."),
            Field("ipAddress", .string(.ipAddress), "The sign-in IP address (IPv4 or IPv6)."),
        ])), isSet: false), "What-if personas for impact analysis in plans."),
        Field("lint", .object(ObjectShape(LintRule.allCases.map { rule in
            Field(rule.rawValue, enumeration(LintSeverity.self), "\(rule.title) (default \(rule.defaultSeverity.rawValue)).")
        })), "Lint rule severities: error, warning or off, by rule id."),
    ], rules: PolicyRules.settings)

    // MARK: Risk response rule

    public static let riskResponseRule = ObjectShape([
        kindField,
        Field("name", .string(.nonEmptyText), required: true, "The rule's unique name."),
        Field("description", .string(.text), "What the rule is for."),
        Field("subject", enumeration(RiskSubject.self), "users (default) or servicePrincipals."),
        Field("when", .object(ObjectShape([
            Field("riskEventTypes", .list(.string(.riskEventType)), "Detection types (any of); omit for any."),
            Field("detectionRiskLevels", enumList(RiskLevel.self), "The detection's risk level (any of)."),
            Field("detectionTimingTypes", enumList(RiskDetectionTimingType.self), "offline, realtime, nearRealtime."),
            Field("detectedWithin", .string(.duration), "Only detections newer than this: 30m, 24h, 7d."),
            Field("userRiskLevels", enumList(RiskLevel.self), "The risky user's current risk level."),
            Field("riskStates", enumList(RiskState.self), "The risky user's current risk state."),
            Field("users", .object(ObjectShape([
                Field("includeUsers", references(.users([ReservedWord.all])), "Users by UPN or id, or All."),
                Field("excludeUsers", references(.users([])), "Users by UPN or id."),
                Field("includeGroups", references(.group), "Groups by display name or id (nested groups count)."),
                Field("excludeGroups", references(.group), "Groups by display name or id."),
            ])), "Which users the rule may act on."),
        ])), "What must hold: the risky user's state and at least one detection."),
        Field("action", enumeration(RiskAction.self), required: true,
              "confirmCompromised, dismiss or revokeSignInSessions."),
        Field("approval", enumeration(ApprovalMode.self), "required: wait for approval; none (default)."),
        Field("maxActionsPerRun", .integer(1...10_000),
              "Safety valve: more candidates than this and the rule does nothing and reports an error."),
        Field("allowEmergencyAccounts", .boolean, "Allow acting on emergency access accounts; default false."),
    ], rules: PolicyRules.riskResponseRule)
}
