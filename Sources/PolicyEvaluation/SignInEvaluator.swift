import PolicyModel

/// Why a policy does not apply: the first condition that failed, in Graph's `whatIfAnalysisReasons`
/// vocabulary (and its bit order, which is the order conditions are checked in).
public enum WhatIfReason: String, Sendable, Hashable, Codable, CaseIterable {
    case notEnoughInformation, users, workloadIdentities, application, userActions, authenticationContext,
        devicePlatform, devices, clientApps, location, signInRisk, policyNotEnabled, userRisk, insiderRisk,
        authenticationFlow
}

/// One policy's verdict for a sign-in.
public struct PolicyVerdict: Sendable, Hashable {
    public var displayName: String
    public var id: String?
    public var state: String
    public var applies: Bool
    /// The first condition that did not match (nil when the policy applies).
    public var reason: WhatIfReason?
    /// Inputs the sign-in lacked that this policy's conditions need (`platform`, `ipAddress or country`, …).
    public var missingInputs: [String]
    /// The policy's grant: blocked, or the controls it requires under its operator.
    public var grant: Grant?
    /// The policy's session controls (Graph shape), when it applies.
    public var sessionControls: [String: JSONValue]

    public var isReportOnly: Bool { state == "enabledForReportingButNotEnforced" }
}

/// A policy's grant controls.
public struct Grant: Sendable, Hashable {
    public var block: Bool
    /// `AND` or `OR`.
    public var `operator`: String
    /// Graph's control names; an authentication strength or terms of use by display name.
    public var controls: [String]
}

/// What Conditional Access demands of the sign-in: blocked, or every clause satisfied (each clause is
/// one control, or a choice between several from one policy's `OR`), with the session controls merged.
public struct SignInOutcome: Sendable, Hashable {
    public var blocked: Bool
    /// Policies that block.
    public var blockingPolicies: [String]
    /// All must hold; each clause is satisfied by any one of its controls.
    public var clauses: [[String]]
    /// Merged session controls (Graph names).
    public var sessionControls: [String: JSONValue]

    /// Every control named, in the order Entra prompts for them.
    public var requires: [String] { SignInEvaluator.promptOrder(Array(Set(clauses.joined()))) }
    /// `AND` when every clause is a single control, `OR` when the only clause is a choice, `AND` of choices otherwise.
    public var `operator`: String { clauses.count == 1 && clauses[0].count > 1 ? "OR" : "AND" }
    /// Nothing demanded.
    public var isAllowed: Bool { !blocked && clauses.isEmpty }
}

/// The evaluation of one sign-in against a set of policies.
public struct SignInEvaluation: Sendable, Hashable {
    public var verdicts: [PolicyVerdict]
    /// What enabled policies enforce.
    public var outcome: SignInOutcome
    /// What report-only policies would add if they were on (computed the same way, never enforced).
    public var reportOnly: SignInOutcome
    /// Inputs missing for some policy's condition, across policies.
    public var missingInputs: [String] { Array(Set(verdicts.flatMap(\.missingInputs))).sorted() }
}

/// Evaluates a sign-in against Conditional Access policies as Microsoft Entra does (reference
/// ca-evaluation.md §1–6; Microsoft Learn "Building a Conditional Access policy" and "Conditional Access:
/// Users, groups, and workload identities"): a policy applies when every configured condition matches,
/// each as *included and not excluded*; among applying enabled policies block wins, every policy's grant
/// must be met (AND across policies, each policy's own operator inside), and session controls merge to
/// the most restrictive. Report-only policies are evaluated alike and kept apart. Pure.
public enum SignInEvaluator {
    public static func evaluate(_ policies: [JSONValue], context: SignInContext, directory: EvaluationDirectory) -> SignInEvaluation {
        let verdicts = policies.map { verdict(for: $0, context: context, directory: directory) }
        return SignInEvaluation(
            verdicts: verdicts,
            outcome: outcome(verdicts.filter { $0.applies && $0.state == "enabled" }),
            reportOnly: outcome(verdicts.filter { $0.applies && $0.isReportOnly }))
    }

    /// Entra's prompt order (Microsoft Learn, "Building a Conditional Access policy": MFA, device
    /// state, then terms of use); authentication strengths take MFA's slot; unknown names follow.
    static func promptOrder(_ controls: [String]) -> [String] {
        controls.sorted { (promptRank($0), $0) < (promptRank($1), $1) }
    }

    static func promptRank(_ control: String) -> Int {
        let order = ["mfa", "compliantDevice", "domainJoinedDevice", "approvedApplication", "compliantApplication", "passwordChange",
                     "riskRemediation"]
        if control.hasPrefix("authenticationStrength:") { return 0 }
        if let index = order.firstIndex(of: control) { return index }
        return control.hasPrefix("termsOfUse:") ? order.count : order.count + 1
    }

    // MARK: One policy

    /// One policy's verdict for the sign-in (what Microsoft's What If API answers per policy).
    public static func verdict(for policy: JSONValue, context: SignInContext, directory: EvaluationDirectory) -> PolicyVerdict {
        let state = policy["state"]?.stringValue ?? "enabled"
        var verdict = PolicyVerdict(
            displayName: policy["displayName"]?.stringValue ?? "", id: policy["id"]?.stringValue, state: state, applies: false,
            reason: nil, missingInputs: [], grant: nil, sessionControls: [:])
        guard state != "disabled" else {
            verdict.reason = .policyNotEnabled
            return verdict
        }
        let conditions = policy["conditions"] ?? .null
        // The conditions in Graph's order, stopping at the first that fails (no closures: this runs
        // for every policy of every sign-in).
        func holds(_ reason: WhatIfReason, _ match: Match) -> Bool {
            switch match {
            case .yes: return true
            case .no: verdict.reason = reason
            case .unknown(let input):
                verdict.reason = reason
                verdict.missingInputs = [input]
            }
            return false
        }
        let isUser = context.subject.kind == .user
        guard holds(isUser ? .users : .workloadIdentities, identity(conditions, context)),
              holds(targetReason(conditions, context), target(conditions, context, directory)),
              holds(.devicePlatform, platform(conditions["platforms"], context)),
              holds(.devices, filter(conditions["devices"]?["deviceFilter"], values: context.device)),
              holds(.clientApps, clientApps(conditions["clientAppTypes"], context)),
              holds(.location, location(conditions["locations"], context, directory)),
              holds(.signInRisk, risk(conditions["signInRiskLevels"], context.signInRisk)),
              holds(.userRisk, risk(conditions["userRiskLevels"], context.userRisk)),
              holds(.workloadIdentities, isUser ? .yes : risk(conditions["servicePrincipalRiskLevels"], context.servicePrincipalRisk)),
              holds(.insiderRisk, flags(conditions["insiderRiskLevels"], context.insiderRisk?.rawValue)),
              holds(.authenticationFlow, flags(conditions["authenticationFlows"]?["transferMethods"], context.authenticationFlow?.rawValue))
        else { return verdict }
        verdict.applies = true
        verdict.grant = grant(policy["grantControls"], directory: directory)
        verdict.sessionControls = (policy["sessionControls"]?.objectValue ?? [:]).filter { !$0.value.isNull }
        return verdict
    }

    enum Match: Equatable {
        case yes, no
        /// The condition is configured but the sign-in does not say (the named input).
        case unknown(String)

        init(_ flag: Bool) { self = flag ? .yes : .no }
    }

    static func strings(_ value: JSONValue?) -> [String] { value?.stringArray ?? [] }

    static func contains(_ list: [String], _ word: String) -> Bool { list.contains { $0.equalsIgnoringCase(word) } }

    /// Whether any id of `list` is in `set` (lowercased ids).
    static func anyIn(_ list: JSONValue?, _ set: Set<String>) -> Bool {
        guard !set.isEmpty, let items = list?.arrayValue else { return false }
        return items.contains { item in
            guard let id = item.stringValue else { return false }
            return set.contains(id) || set.contains(id.lowercased())
        }
    }

    // MARK: Users and workload identities

    static func identity(_ conditions: JSONValue, _ context: SignInContext) -> Match {
        let clients = conditions["clientApplications"] ?? .null
        let includedPrincipals = strings(clients["includeServicePrincipals"])
        let isWorkloadPolicy = !includedPrincipals.isEmpty
        let subject = context.subject
        if subject.kind == .servicePrincipal {
            // Workload identity policies only; a user policy never applies to a service principal.
            guard isWorkloadPolicy else { return .no }
            let included = contains(includedPrincipals, "ServicePrincipalsInMyTenant") || contains(includedPrincipals, subject.id)
            let excluded = contains(strings(clients["excludeServicePrincipals"]), subject.id)
            return Match(included && !excluded)
        }
        guard !isWorkloadPolicy else { return .no }
        let users = conditions["users"] ?? .null
        let includeUsers = strings(users["includeUsers"])
        let isExternal = subject.externalUserType != nil
        let included = contains(includeUsers, "All") || contains(includeUsers, subject.id)
            || (contains(includeUsers, "GuestsOrExternalUsers") && isExternal)
            || anyIn(users["includeGroups"], subject.groupIds) || anyIn(users["includeRoles"], subject.roleTemplateIds)
            || guests(users["includeGuestsOrExternalUsers"], subject)
        guard included else { return .no }
        let excludeUsers = strings(users["excludeUsers"])
        let excluded = contains(excludeUsers, subject.id) || (contains(excludeUsers, "GuestsOrExternalUsers") && isExternal)
            || anyIn(users["excludeGroups"], subject.groupIds) || anyIn(users["excludeRoles"], subject.roleTemplateIds)
            || guests(users["excludeGuestsOrExternalUsers"], subject)
        return Match(!excluded)
    }

    /// The user's external kind is among the flags, and the tenants are all or list the home tenant.
    static func guests(_ value: JSONValue?, _ subject: SignInSubject) -> Bool {
        guard let value, !value.isNull, let type = subject.externalUserType else { return false }
        let types = flagList(value["guestOrExternalUserTypes"])
        guard types.contains(type.rawValue) else { return false }
        let tenants = value["externalTenants"] ?? .null
        let kind = tenants["membershipKind"]?.stringValue
            ?? (tenants["@odata.type"]?.stringValue?.hasSuffix("EnumeratedExternalTenants") == true ? "enumerated" : "all")
        if tenants.isNull || kind == "all" { return true }
        guard let home = subject.homeTenantId else { return false }
        return strings(tenants["members"]).contains { $0.lowercased() == home }
    }

    /// A flags value: Graph's comma-joined string, or a list.
    static func flagList(_ value: JSONValue?) -> [String] {
        if let text = value?.stringValue { return text.split(separator: ",").map { String($0.filter { $0 != " " }) } }
        return strings(value)
    }

    // MARK: Target resources

    static func targetReason(_ conditions: JSONValue, _ context: SignInContext) -> WhatIfReason {
        let applications = conditions["applications"] ?? .null
        if !strings(applications["includeUserActions"]).isEmpty { return .userActions }
        if !strings(applications["includeAuthenticationContextClassReferences"]).isEmpty { return .authenticationContext }
        return .application
    }

    static func target(_ conditions: JSONValue, _ context: SignInContext, _ directory: EvaluationDirectory) -> Match {
        let applications = conditions["applications"] ?? .null
        let actions = strings(applications["includeUserActions"])
        let contexts = strings(applications["includeAuthenticationContextClassReferences"])
        let include = strings(applications["includeApplications"])
        switch context.target {
        case .userAction(let action):
            if !actions.isEmpty { return Match(contains(actions, action)) }
            // All-resources policies apply to user actions too (What If answers so for registerSecurityInformation).
            return Match(contains(include, "All") && strings(applications["excludeApplications"]).isEmpty)
        case .authenticationContext(let reference):
            if !contexts.isEmpty { return Match(contains(contexts, reference)) }
            return .no
        case .application(let appId):
            guard actions.isEmpty, contexts.isEmpty else { return .no }
            func member(_ list: [String]) -> Bool {
                contains(list, appId) || (contains(list, "Office365") && directory.office365AppIds.contains(appId.lowercased()))
                    || (contains(list, "MicrosoftAdminPortals") && directory.adminPortalAppIds.contains(appId.lowercased()))
            }
            let filter = applications["applicationFilter"] ?? .null
            let filterMode = filter["mode"]?.stringValue
            let filterTrue = filter.isNull ? false : evaluateRule(filter["rule"]?.stringValue, values: context.applicationAttributes,
                                                                  object: "CustomSecurityAttribute")
            let included = contains(include, "All") || member(include) || (filterMode == "include" && filterTrue)
            guard included else { return .no }
            let excluded = member(strings(applications["excludeApplications"])) || (filterMode == "exclude" && filterTrue)
            return Match(!excluded)
        }
    }

    // MARK: Platforms, devices, client apps

    static func platform(_ platforms: JSONValue?, _ context: SignInContext) -> Match {
        guard let platforms, !platforms.isNull else { return .yes }
        let include = strings(platforms["includePlatforms"])
        guard !include.isEmpty else { return .yes }
        guard let platform = context.platform else { return .unknown("platform") }
        // A platform outside Graph's list (ChromeOS, an unknown agent) matches only "all" and is never excluded by a list.
        let included = contains(include, "all") || contains(include, platform)
        return Match(included && !contains(strings(platforms["excludePlatforms"]), platform))
    }

    static func filter(_ filter: JSONValue?, values: [String: FilterValue]?) -> Match {
        guard let filter, !filter.isNull, let rule = filter["rule"]?.stringValue else { return .yes }
        let isTrue = evaluateRule(rule, values: values, object: "device")
        return Match(filter["mode"]?.stringValue == "exclude" ? !isTrue : isTrue)
    }

    /// A rule over one object's properties (`nil` values: all null); an unparsable rule never holds.
    static func evaluateRule(_ rule: String?, values: [String: FilterValue]?, object: String) -> Bool {
        guard let rule, let tree = try? FilterRule.parse(rule) else { return false }
        let lowered = Dictionary((values ?? [:]).map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        return tree.evaluate { ruleObject, property in
            ruleObject.equalsIgnoringCase(object) ? lowered[property.lowercased()] : nil
        }
    }

    static func clientApps(_ value: JSONValue?, _ context: SignInContext) -> Match {
        let types = strings(value)
        if types.isEmpty || contains(types, "all") { return .yes }
        guard let client = context.clientAppType else { return .unknown("clientAppType") }
        if contains(types, client.rawValue) { return .yes }
        // easSupported is the legacy half of exchangeActiveSync.
        return Match(client == .easSupported && contains(types, "exchangeActiveSync")
            || client == .exchangeActiveSync && contains(types, "easSupported"))
    }

    // MARK: Locations

    static let legacyTrustedIPs = "00000000-0000-0000-0000-000000000000"

    static func location(_ locations: JSONValue?, _ context: SignInContext, _ directory: EvaluationDirectory) -> Match {
        guard let locations, !locations.isNull else { return .yes }
        let include = strings(locations["includeLocations"])
        guard !include.isEmpty else { return .yes }
        let exclude = strings(locations["excludeLocations"])
        // "All" is any address on the Internet; only named locations need the sign-in's address.
        let needed = (include + exclude).filter { !contains(["All"], $0) }
        if !needed.isEmpty && context.ipAddress == nil && context.country == nil { return .unknown("ipAddress or country") }
        var missing: String?
        func inside(_ reference: String) -> Bool {
            if reference.equalsIgnoringCase("All") { return true }
            if reference.equalsIgnoringCase("AllTrusted") {
                return directory.namedLocations.values.contains { $0["isTrusted"]?.boolValue == true && inside(location: $0) == true }
            }
            // The legacy MFA trusted IPs are a tenant setting Graph does not expose: never matched here.
            if reference == legacyTrustedIPs { return false }
            guard let named = directory.namedLocations[reference.lowercased()] else { return false }
            switch inside(location: named) {
            case true?: return true
            case false?: return false
            case nil:
                missing = named["ipRanges"] != nil ? "ipAddress" : "country"
                return false
            }
        }
        /// `nil` when the sign-in lacks the input this location needs.
        func inside(location: JSONValue) -> Bool? {
            if let ranges = location["ipRanges"]?.arrayValue {
                guard let address = context.ipAddress else { return nil }
                return ranges.contains { address.isIn(cidr: $0["cidrAddress"]?.stringValue ?? "") }
            }
            if let countries = location["countriesAndRegions"]?.stringArray {
                guard let country = context.country else {
                    return nil
                }
                if country.isEmpty { return location["includeUnknownCountriesAndRegions"]?.boolValue == true }
                return contains(countries, country)
            }
            return false
        }
        let included = include.contains(where: inside)
        let excluded = exclude.contains(where: inside)
        if let missing, !(included && !excluded) { return .unknown(missing) }
        return Match(included && !excluded)
    }

    // MARK: Risk and flows

    static func risk(_ levels: JSONValue?, _ level: RiskLevel) -> Match {
        let list = strings(levels)
        return list.isEmpty ? .yes : Match(contains(list, level.rawValue))
    }

    static func flags(_ value: JSONValue?, _ current: String?) -> Match {
        guard let value, !value.isNull else { return .yes }
        let list = flagList(value)
        guard !list.isEmpty else { return .yes }
        guard let current else { return .no }
        return Match(contains(list, current))
    }

    // MARK: Controls

    static func grant(_ value: JSONValue?, directory: EvaluationDirectory) -> Grant? {
        guard let value, !value.isNull else { return nil }
        let builtIn = strings(value["builtInControls"])
        var controls = builtIn.filter { $0 != "block" }
        if let strength = value["authenticationStrength"], !strength.isNull {
            let id = strength["id"]?.stringValue ?? strength.stringValue ?? ""
            let name = strength["displayName"]?.stringValue ?? directory.names[id.lowercased()] ?? directory.names[id] ?? id
            controls.append("authenticationStrength:\(name)")
        }
        for id in strings(value["termsOfUse"]) { controls.append("termsOfUse:\(directory.names[id.lowercased()] ?? directory.names[id] ?? id)") }
        for factor in strings(value["customAuthenticationFactors"]) { controls.append("customControl:\(factor)") }
        let block = builtIn.contains("block")
        guard block || !controls.isEmpty else { return nil }
        return Grant(block: block, operator: value["operator"]?.stringValue?.uppercased() == "AND" ? "AND" : "OR", controls: controls)
    }

    static func outcome(_ applying: [PolicyVerdict]) -> SignInOutcome {
        let blocking = applying.filter { $0.grant?.block == true }.map(\.displayName)
        var clauses: [[String]] = []
        for verdict in applying {
            guard let grant = verdict.grant, !grant.block, !grant.controls.isEmpty else { continue }
            let policyClauses = grant.operator == "AND" || grant.controls.count == 1
                ? grant.controls.map { [$0] } : [promptOrder(grant.controls)]
            for clause in policyClauses where !clauses.contains(clause) { clauses.append(clause) }
        }
        // A single control already required makes any choice that offers it redundant.
        var singles = Set(clauses.filter { $0.count == 1 }.map { $0[0] })
        // A built-in authentication strength is multifactor: where one is required, `mfa` is met by it.
        if singles.contains(where: { builtInStrengthControls.contains($0) }) {
            clauses.removeAll { $0 == ["mfa"] }
            singles.remove("mfa")
        }
        clauses.removeAll { $0.count > 1 && !singles.isDisjoint(with: $0) }
        clauses = clauses.map(promptOrder).sorted { (promptRank($0[0]), $0.count, $0.joined(separator: ",")) < (promptRank($1[0]), $1.count, $1.joined(separator: ",")) }
        return SignInOutcome(blocked: !blocking.isEmpty, blockingPolicies: blocking.sorted(),
                             clauses: blocking.isEmpty ? clauses : [],
                             sessionControls: blocking.isEmpty ? mergedSessionControls(applying.map(\.sessionControls)) : [:])
    }

    /// Microsoft's built-in strengths as grant controls are named here; each is a set of MFA combinations.
    static let builtInStrengthControls: Set<String> = ["authenticationStrength:Multifactor authentication",
                                                       "authenticationStrength:Passwordless MFA",
                                                       "authenticationStrength:Phishing-resistant MFA"]

    /// The most restrictive of each session control (reference §1.5, "engine rule" where Microsoft is silent).
    static func mergedSessionControls(_ all: [[String: JSONValue]]) -> [String: JSONValue] {
        var merged: [String: JSONValue] = [:]
        func enabled(_ control: JSONValue) -> Bool { control["isEnabled"]?.boolValue ?? true }
        for controls in all {
            for (key, control) in controls where !control.isNull {
                switch key {
                case "signInFrequency":
                    guard enabled(control) else { continue }
                    if let current = merged[key], signInFrequencyHours(current) <= signInFrequencyHours(control) { continue }
                    merged[key] = control
                case "persistentBrowser":
                    guard enabled(control) else { continue }
                    if merged[key]?["mode"]?.stringValue == "never" { continue }
                    merged[key] = control
                case "cloudAppSecurity":
                    guard enabled(control) else { continue }
                    let rank = ["mcasConfigured": 0, "monitorOnly": 1, "blockDownloads": 2]
                    let current = merged[key]?["cloudAppSecurityType"]?.stringValue.flatMap { rank[$0] } ?? -1
                    if (control["cloudAppSecurityType"]?.stringValue.flatMap { rank[$0] } ?? 0) > current { merged[key] = control }
                case "disableResilienceDefaults":
                    if control.boolValue == true { merged[key] = true }
                default:
                    // On if any policy turns it on.
                    if control.objectValue == nil || enabled(control) { merged[key] = merged[key] ?? control }
                }
            }
        }
        return merged
    }

    /// A sign-in frequency in hours; every time is 0.
    static func signInFrequencyHours(_ control: JSONValue) -> Double {
        if control["frequencyInterval"]?.stringValue == "everyTime" { return 0 }
        let value = control["value"]?.numberValue ?? .infinity
        return control["type"]?.stringValue == "days" ? value * 24 : value
    }
}

extension SignInOutcome {
    /// The session controls in words, by control name: `sign-in frequency 4 hours`, `persistent browser never`.
    public var sessionControlsInWords: [String] {
        sessionControls.keys.sorted().map { key in
            let control = sessionControls[key] ?? .null
            switch key {
            case "signInFrequency":
                if control["frequencyInterval"]?.stringValue == "everyTime" { return "sign-in frequency every time" }
                return "sign-in frequency \(control["value"]?.intValue ?? 0) \(control["type"]?.stringValue ?? "")"
            case "persistentBrowser": return "persistent browser \(control["mode"]?.stringValue ?? "")"
            case "cloudAppSecurity": return "app control \(control["cloudAppSecurityType"]?.stringValue ?? "")"
            default: return key
            }
        }
    }
}
