import PolicyModel

/// Checks that span several keys of one mapping: what Graph would reject with a `ConditionalActionPolicy
/// validation failed` error, caught before anything talks to a tenant.
enum PolicyRules {
    static let policy: [ObjectRule] = [
        // A policy pinned to a live one may declare no control the language models: its tenant object
        // can hold only controls the language does not model (new beta session controls), which plans
        // keep. The plan checks that the live policy really holds such a control.
        ObjectRule(schema: RuleSchema.anyOf([RuleSchema.present("grantControls"), RuleSchema.present("sessionControls"),
                                             RuleSchema.present("id")])) { members in
            let grant = members["grantControls"]
            let session = members["sessionControls"]
            guard isAbsent(grant) && isAbsent(session) else { return [] }
            if !isAbsent(members["id"]) {
                return [RuleViolation(at: nil, "no grantControls or sessionControls: only valid while the tenant's policy holds a control the language does not model",
                                      severity: .warning)]
            }
            return [RuleViolation(at: nil, "a policy needs grantControls or sessionControls",
                                  suggestion: "add grantControls: {builtInControls: [mfa]} or a session control")]
        },
        // A rollout leads to enabled: the file states where the policy ends.
        ObjectRule(schema: RuleSchema.ifThen(RuleSchema.present("rollout"), ["properties": ["state": ["const": "enabled"]]])) { members in
            guard !isAbsent(members["rollout"]), let state = members["state"]?.stringValue, state != PolicyState.enabled.rawValue else { return [] }
            return [RuleViolation(at: "rollout", "a rollout leads to state enabled, but the policy's state is '\(state)'",
                                  suggestion: "write state: enabled (where the policy ends); plan keeps it in report-only until the evidence allows")]
        },
    ]

    static let conditions: [ObjectRule] = [
        ObjectRule(schema: RuleSchema.anyOf([RuleSchema.present("users"), RuleSchema.present("clientApplications")])) { members in
            if isAbsent(members["users"]) && isAbsent(members["clientApplications"]) {
                return [RuleViolation(at: nil, "conditions need users or clientApplications",
                                      suggestion: "add users: {includeUsers: [All]}")]
            }
            return []
        },
        ObjectRule { members in
            guard let platforms = members["platforms"], let include = platforms["includePlatforms"]?.stringArray,
                  let exclude = platforms["excludePlatforms"]?.stringArray else { return [] }
            let both = Set(include).intersection(exclude).sorted()
            guard !both.isEmpty else { return [] }
            return [RuleViolation(at: "platforms", "platform \(both.map { "'\($0)'" }.joined(separator: ", ")) is both included and excluded")]
        },
        ObjectRule(schema: RuleSchema.allOf([
            // None stands alone.
            ["properties": ["users": RuleSchema.ifThen(
                ["required": ["includeUsers"], "properties": ["includeUsers": ["type": "array", "contains": ["pattern": .string(RuleSchema.caseInsensitivePattern([ReservedWord.none]))]]]],
                ["properties": ["includeUsers": ["maxItems": 1]]])]],
            // Users must include someone unless the policy is for workload identities.
            RuleSchema.ifThen(
                RuleSchema.allOf([["required": ["users"], "properties": ["users": ["type": "object"]]], RuleSchema.absent("clientApplications")]),
                ["properties": ["users": RuleSchema.anyOf(["includeUsers", "includeGroups", "includeRoles", "includeGuestsOrExternalUsers"].map(RuleSchema.present))]]),
        ])) { members in
            guard let users = members["users"] else { return [] }
            var problems: [RuleViolation] = []
            let includeUsers = users["includeUsers"]?.stringArray ?? []
            if includeUsers.contains(where: { $0.caseInsensitiveCompare(ReservedWord.none) == .orderedSame }) && includeUsers.count > 1 {
                problems.append(RuleViolation(at: "users", "includeUsers lists None together with other users",
                                              suggestion: "None means no user; remove it or the others"))
            }
            let anyInclude = ["includeUsers", "includeGroups", "includeRoles", "includeGuestsOrExternalUsers"]
                .contains { !isAbsent(users[$0]) }
            if !anyInclude && isAbsent(members["clientApplications"]) {
                problems.append(RuleViolation(at: "users", "users include nobody: set includeUsers, includeGroups, includeRoles or includeGuestsOrExternalUsers"))
            }
            return problems
        },
        ObjectRule(schema: ["properties": ["applications": RuleSchema.oneOf(
            ["includeApplications", "includeUserActions", "includeAuthenticationContextClassReferences"].map(RuleSchema.present))]]) { members in
            guard let applications = members["applications"] else { return [] }
            let targets = ["includeApplications", "includeUserActions", "includeAuthenticationContextClassReferences"]
                .filter { !isAbsent(applications[$0]) }
            if targets.isEmpty {
                return [RuleViolation(at: "applications", "applications target nothing: set includeApplications, includeUserActions or includeAuthenticationContextClassReferences",
                                      suggestion: "add includeApplications: [All]")]
            }
            if targets.count > 1 {
                return [RuleViolation(at: "applications", "applications may target only one of includeApplications, includeUserActions and includeAuthenticationContextClassReferences; found \(targets.joined(separator: " and "))")]
            }
            return []
        },
    ]

    static let externalTenants: [ObjectRule] = [
        // Enumerated with no members is a warning, not an error: Graph accepts and returns it (live
        // tenants hold it), so an export of such a tenant must load and plan with no changes.
        ObjectRule(schema: RuleSchema.ifThen(RuleSchema.equals("membershipKind", ExternalTenantsMembershipKind.all.rawValue),
                                             RuleSchema.absent("members"))) { members in
            let kind = members["membershipKind"]?.stringValue
            let hasMembers = !(members["members"]?.arrayValue?.isEmpty ?? true)
            if kind == ExternalTenantsMembershipKind.enumerated.rawValue && !hasMembers {
                return [RuleViolation(at: "membershipKind", "membershipKind enumerated with no members names no external tenant, so this condition matches none",
                                      suggestion: "list the tenant ids in members, or use membershipKind: all", severity: .warning)]
            }
            if kind == ExternalTenantsMembershipKind.all.rawValue && hasMembers {
                return [RuleViolation(at: "members", "members are only allowed with membershipKind enumerated")]
            }
            return []
        },
    ]

    static let grantControls: [ObjectRule] = [
        ObjectRule(schema: RuleSchema.allOf([
            RuleSchema.ifThen(RuleSchema.contains("builtInControls", GrantControl.block.rawValue), RuleSchema.allOf([
                ["properties": ["builtInControls": ["maxItems": 1]]], RuleSchema.absent("authenticationStrength"), RuleSchema.absent("termsOfUse"),
            ])),
            RuleSchema.ifThen(RuleSchema.contains("builtInControls", GrantControl.mfa.rawValue), RuleSchema.absent("authenticationStrength")),
            RuleSchema.ifThen(
                RuleSchema.allOf([RuleSchema.contains("builtInControls", GrantControl.passwordChange.rawValue),
                                  RuleSchema.contains("builtInControls", GrantControl.mfa.rawValue)]),
                RuleSchema.equals("operator", GrantOperator.and.rawValue)),
            RuleSchema.anyOf(["builtInControls", "authenticationStrength", "termsOfUse", "customAuthenticationFactors"].map(RuleSchema.present)),
        ])) { members in
            let controls = members["builtInControls"]?.stringArray ?? []
            var problems: [RuleViolation] = []
            if controls.contains(GrantControl.block.rawValue) {
                let others = controls.filter { $0 != GrantControl.block.rawValue }
                let extras = others.map { "'\($0)'" } + (isAbsent(members["authenticationStrength"]) ? [] : ["authenticationStrength"])
                    + (isAbsent(members["termsOfUse"]) ? [] : ["termsOfUse"])
                if !extras.isEmpty {
                    problems.append(RuleViolation(at: "builtInControls", "block cannot be combined with \(extras.joined(separator: ", "))"))
                }
            }
            if controls.contains(GrantControl.mfa.rawValue) && !isAbsent(members["authenticationStrength"]) {
                problems.append(RuleViolation(at: "authenticationStrength", "mfa and authenticationStrength cannot be required together",
                                              suggestion: "use authenticationStrength: Multifactor authentication instead of mfa"))
            }
            if controls.contains(GrantControl.passwordChange.rawValue) && controls.count > 1 && controls.contains(GrantControl.mfa.rawValue)
                && members["operator"]?.stringValue != GrantOperator.and.rawValue {
                problems.append(RuleViolation(at: "builtInControls", "passwordChange must be combined with mfa using operator AND",
                                              suggestion: "add operator: AND"))
            }
            let any = !controls.isEmpty || !isAbsent(members["authenticationStrength"]) || !isAbsent(members["termsOfUse"])
                || !isAbsent(members["customAuthenticationFactors"])
            if !any {
                problems.append(RuleViolation(at: nil, "grantControls require nothing: add builtInControls, authenticationStrength or termsOfUse"))
            }
            return problems
        },
    ]

    /// A session control's setting that is required while the control is on; switched off
    /// (`isEnabled: false`), Graph returns it as null once the portal turns the control off.
    static func requiredWhileEnabled(_ key: String) -> [ObjectRule] {
        [
            ObjectRule(schema: RuleSchema.ifThen(
                ["required": ["isEnabled"], "properties": ["isEnabled": ["const": false]]], [:],
                otherwise: ["required": [.string(key)], "properties": [key: ["not": ["type": "null"]]]])) { members in
                guard members["isEnabled"]?.boolValue != false, members[key] == nil || members[key]?.isNull == true else { return [] }
                return [RuleViolation(at: nil, "missing required key '\(key)' (it may only be left out while isEnabled is false)")]
            },
        ]
    }

    private static let timeBased: JSONValue = [
        "required": ["value", "type"], "properties": ["value": ["type": "integer"], "type": ["type": "string"]],
    ]

    static let signInFrequency: [ObjectRule] = [
        // Switched off (`isEnabled: false`), a time-based frequency may have no value and type: Graph
        // returns it so once the portal turns it off.
        ObjectRule(schema: RuleSchema.allOf([
            RuleSchema.ifThen(
                RuleSchema.equals("frequencyInterval", SignInFrequencyInterval.everyTime.rawValue),
                RuleSchema.allOf([RuleSchema.missing("value"), RuleSchema.missing("type")]),
                otherwise: RuleSchema.ifThen(
                    ["required": ["isEnabled"], "properties": ["isEnabled": ["const": false]]],
                    RuleSchema.anyOf([RuleSchema.allOf([RuleSchema.missing("value"), RuleSchema.missing("type")]), timeBased]),
                    otherwise: timeBased)),
            RuleSchema.ifThen(RuleSchema.equals("type", SignInFrequencyType.hours.rawValue), ["properties": ["value": ["maximum": 23]]]),
        ])) { members in
            let interval = members["frequencyInterval"]?.stringValue ?? SignInFrequencyInterval.timeBased.rawValue
            let value = members["value"]?.intValue
            let type = members["type"]?.stringValue
            if members["isEnabled"]?.boolValue == false && value == nil && type == nil { return [] }
            if interval == SignInFrequencyInterval.everyTime.rawValue {
                var problems: [RuleViolation] = []
                if value != nil { problems.append(RuleViolation(at: "value", "value is not allowed with frequencyInterval everyTime")) }
                if type != nil { problems.append(RuleViolation(at: "type", "type is not allowed with frequencyInterval everyTime")) }
                return problems
            }
            guard let value, let type else {
                return [RuleViolation(at: nil, "a time-based sign-in frequency needs value and type",
                                      suggestion: "write {value: 4, type: hours} or {frequencyInterval: everyTime}")]
            }
            if type == SignInFrequencyType.hours.rawValue && value > 23 {
                return [RuleViolation(at: "value", "\(value) hours is out of range 1…23",
                                      suggestion: "write it in days")]
            }
            return []
        },
    ]

    static let namedLocation: [ObjectRule] = [
        ObjectRule(schema: RuleSchema.allOf([
            RuleSchema.oneOf([RuleSchema.present("ipRanges"), RuleSchema.present("countriesAndRegions")]),
            RuleSchema.ifThen(RuleSchema.present("ipRanges"),
                              RuleSchema.allOf([RuleSchema.missing("includeUnknownCountriesAndRegions"), RuleSchema.missing("countryLookupMethod")]),
                              otherwise: RuleSchema.missing("isTrusted")),
        ])) { members in
            let ip = !isAbsent(members["ipRanges"])
            let country = !isAbsent(members["countriesAndRegions"])
            if ip && country {
                return [RuleViolation(at: "countriesAndRegions", "a named location has either ipRanges or countriesAndRegions, not both")]
            }
            if !ip && !country {
                return [RuleViolation(at: nil, "a named location needs ipRanges (an IP location) or countriesAndRegions (a countries location)")]
            }
            var problems: [RuleViolation] = []
            if ip {
                for key in ["includeUnknownCountriesAndRegions", "countryLookupMethod"] where members[key] != nil {
                    problems.append(RuleViolation(at: key, "\(key) applies to countries locations only"))
                }
            } else if members["isTrusted"] != nil {
                problems.append(RuleViolation(at: "isTrusted", "isTrusted applies to IP locations only; countries locations cannot be trusted"))
            }
            return problems
        },
    ]

    static let settings: [ObjectRule] = [
        // Scenario names identify the personas in reports: two with one name (in any letter case) are an
        // error. JSON Schema's uniqueItems cannot see it (the items differ in their other keys).
        ObjectRule { members in
            var seen: Set<String> = []
            var problems: [RuleViolation] = []
            for scenario in members["scenarios"]?.arrayValue ?? [] {
                guard let name = scenario["name"]?.stringValue else { continue }
                if !seen.insert(name.lowercased()).inserted {
                    problems.append(RuleViolation(at: "scenarios", "scenario '\(name)' is declared more than once; scenario names must be unique"))
                }
            }
            return problems
        },
    ]

    static let riskResponseRule: [ObjectRule] = [
        ObjectRule(schema: RuleSchema.ifThen(
            RuleSchema.equals("subject", RiskSubject.servicePrincipals.rawValue),
            ["properties": ["action": ["not": ["const": .string(RiskAction.revokeSignInSessions.rawValue)]]]])) { members in
            if members["subject"]?.stringValue == RiskSubject.servicePrincipals.rawValue,
               members["action"]?.stringValue == RiskAction.revokeSignInSessions.rawValue {
                return [RuleViolation(at: "action", "revokeSignInSessions applies to users, not service principals")]
            }
            return []
        },
        ObjectRule(schema: RuleSchema.ifThen(
            RuleSchema.equals("subject", RiskSubject.servicePrincipals.rawValue),
            ["properties": ["when": RuleSchema.absent("users")]])) { members in
            // A user scope on a service principal rule would be ignored: say so instead.
            if members["subject"]?.stringValue == RiskSubject.servicePrincipals.rawValue, !isAbsent(members["when"]?["users"]) {
                return [RuleViolation(at: "when", "when.users scopes users; this rule has subject: servicePrincipals, so it would be ignored")]
            }
            return []
        },
    ]

    static func isAbsent(_ value: JSONValue?) -> Bool {
        switch value {
        case nil, .null?: true
        case .array(let items)?: items.isEmpty
        case .object(let members)?: members.values.allSatisfy { isAbsent($0) }
        default: false
        }
    }
}
