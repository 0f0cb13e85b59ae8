import PolicyModel

/// Policies prepared for evaluating many sign-ins: every id and keyword a condition names is read
/// once from the policy's JSON, lowercased and numbered in one symbol table, device and application
/// filter rules are parsed once, named locations are resolved to parsed ranges, and grants are built.
/// Evaluating a sign-in then numbers its few inputs once (its user, groups, roles, target, platform, …)
/// and each condition of each policy is a scan of a few integers. ``SignInEvaluator`` defines the
/// semantics; this is how it runs.
public struct CompiledPolicies: Sendable {
    public private(set) var policies: [CompiledPolicy]
    var symbols: SymbolTable

    /// Compiles `policies` (Graph GET shape) against one directory.
    public init(_ policies: [JSONValue], directory: EvaluationDirectory) {
        var symbols = SymbolTable()
        self.policies = policies.map { CompiledPolicy($0, directory: directory, symbols: &symbols) }
        self.symbols = symbols
    }

    /// The policies' verdicts and the combined outcomes for one sign-in.
    public func evaluate(_ context: SignInContext) -> SignInEvaluation {
        let signIn = PreparedSignIn(context, symbols: symbols)
        let verdicts = policies.map { $0.verdict(signIn) }
        return SignInEvaluation(
            verdicts: verdicts,
            outcome: SignInEvaluator.markingUnsatisfiable(SignInEvaluator.outcome(verdicts.filter { $0.applies && $0.state == "enabled" }),
                                                          context: context),
            reportOnly: SignInEvaluator.markingUnsatisfiable(SignInEvaluator.outcome(verdicts.filter { $0.applies && $0.isReportOnly }),
                                                             context: context))
    }
}

/// Lowercased ids and keywords, numbered.
struct SymbolTable: Sendable {
    private var numbers: [String: Int] = [:]

    /// The number of `text` (case-insensitive), assigning the next one when new.
    mutating func intern(_ text: String) -> Int {
        let key = text.lowercased()
        if let number = numbers[key] { return number }
        numbers[key] = numbers.count
        return numbers.count - 1
    }

    /// The number of `text` (case-insensitive); -1 when no policy names it (so it matches nothing).
    func lookup(_ text: String?) -> Int {
        guard let text else { return -1 }
        return numbers[text] ?? numbers[text.lowercased()] ?? -1
    }

    mutating func intern(_ list: [String]) -> [Int] { Array(Set(list.map { intern($0) })).sorted() }
}

/// A sign-in's inputs numbered in a policy set's symbol table (-1: named by no policy), once per sign-in.
struct PreparedSignIn {
    var context: SignInContext
    var subject: Int
    var groups: [Int]
    var roles: [Int]
    var homeTenant: Int
    var externalType: Int
    /// The appId, user action or authentication context.
    var target: Int
    var platform: Int
    var clientApp: Int
    var country: Int
    var signInRisk: Int
    var userRisk: Int
    var servicePrincipalRisk: Int
    var insiderRisk: Int
    var authenticationFlow: Int
    /// Filter-rule properties by lowercased name.
    var device: [String: FilterValue]
    var applicationAttributes: [String: FilterValue]

    init(_ context: SignInContext, symbols: SymbolTable) {
        self.context = context
        subject = symbols.lookup(context.subject.id)
        groups = context.subject.groupIds.map { symbols.lookup($0) }.filter { $0 >= 0 }
        roles = context.subject.roleTemplateIds.map { symbols.lookup($0) }.filter { $0 >= 0 }
        homeTenant = symbols.lookup(context.subject.homeTenantId)
        externalType = symbols.lookup(context.subject.externalUserType?.rawValue)
        switch context.target {
        case .application(let appId): target = symbols.lookup(appId)
        case .userAction(let action): target = symbols.lookup(action)
        case .authenticationContext(let reference): target = symbols.lookup(reference)
        case .directoryAccess: target = symbols.lookup(SignInTarget.windowsAzureActiveDirectoryAppId)
        }
        platform = symbols.lookup(context.platform)
        clientApp = symbols.lookup(context.clientAppType?.rawValue)
        country = symbols.lookup(context.country)
        signInRisk = symbols.lookup(context.signInRisk.rawValue)
        userRisk = symbols.lookup(context.userRisk.rawValue)
        servicePrincipalRisk = symbols.lookup(context.servicePrincipalRisk.rawValue)
        insiderRisk = symbols.lookup(context.insiderRisk?.rawValue)
        authenticationFlow = symbols.lookup(context.authenticationFlow?.rawValue)
        func lowered(_ values: [String: FilterValue]?) -> [String: FilterValue] {
            Dictionary((values ?? [:]).map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        }
        device = lowered(context.device)
        applicationAttributes = lowered(context.applicationAttributes)
    }
}

/// One policy's conditions, grant and session controls, read once (see ``CompiledPolicies``).
/// Immutable; a class so that evaluating thousands of sign-ins shares it instead of copying its many lists.
public final class CompiledPolicy: Sendable {
    public let displayName: String
    public let id: String?
    public let state: String

    /// An include/exclude pair of numbered ids with the keywords that stand for many.
    struct Membership: Sendable {
        var ids: [Int] = []
        var groups: [Int] = []
        var roles: [Int] = []
        var all = false
        var guestsKeyword = false
        var guests: GuestCondition?
    }

    struct GuestCondition: Sendable {
        var types: [Int]
        /// nil: every external tenant.
        var tenants: [Int]?
    }

    /// A named location resolved for matching.
    enum Location: Sendable {
        case all
        /// The trusted named locations.
        case allTrusted([Location])
        case ranges([CIDRRange], missingInput: String)
        case countries([Int], includeUnknown: Bool, missingInput: String)
        /// A location that never matches (unknown id, the legacy MFA trusted IPs, a shape without ranges or countries).
        case never
    }

    enum Target: Sendable {
        /// `filter`: the application filter's mode (`include`/`exclude`) and its rule (nil when unparsable: never holds).
        case applications(include: [Int], includesAll: Bool, exclude: [Int], filter: (mode: String?, rule: FilterRule?)?)
        case userActions([Int])
        case authenticationContexts([Int])
    }

    let isWorkloadPolicy: Bool
    let includedUsers: Membership
    let excludedUsers: Membership
    let includedPrincipals: [Int]
    let includesAllPrincipals: Bool
    let excludedPrincipals: [Int]
    let target: Target
    /// All resources without exclusions: reaches user actions too.
    let reachesUserActions: Bool
    let platforms: (include: [Int], includesAll: Bool, exclude: [Int])?
    let deviceFilter: (exclude: Bool, rule: FilterRule?)?
    let clientApps: [Int]?
    let easSupported: Int
    let exchangeActiveSync: Int
    let locations: (include: [Location], exclude: [Location], needsAddress: Bool)?
    let signInRisks: [Int]?
    let userRisks: [Int]?
    let servicePrincipalRisks: [Int]?
    let insiderRisks: [Int]?
    let authenticationFlows: [Int]?
    let grant: Grant?
    let sessionControls: [String: JSONValue]

    init(_ policy: JSONValue, directory: EvaluationDirectory, symbols: inout SymbolTable) {
        func strings(_ value: JSONValue?) -> [String] { SignInEvaluator.strings(value) }
        func has(_ list: [String], _ keyword: String) -> Bool { SignInEvaluator.contains(list, keyword) }
        displayName = policy["displayName"]?.stringValue ?? ""
        id = policy["id"]?.stringValue
        state = policy["state"]?.stringValue ?? "enabled"
        let conditions = policy["conditions"] ?? .null

        let clients = conditions["clientApplications"] ?? .null
        let principals = strings(clients["includeServicePrincipals"])
        isWorkloadPolicy = !principals.isEmpty
        includedPrincipals = symbols.intern(principals)
        includesAllPrincipals = has(principals, "ServicePrincipalsInMyTenant")
        excludedPrincipals = symbols.intern(strings(clients["excludeServicePrincipals"]))

        let users = conditions["users"] ?? .null
        func membership(_ prefix: String) -> Membership {
            let ids = strings(users[prefix + "Users"])
            var membership = Membership(ids: symbols.intern(ids), groups: symbols.intern(strings(users[prefix + "Groups"])),
                                        roles: symbols.intern(strings(users[prefix + "Roles"])),
                                        all: prefix == "include" && has(ids, "All"), guestsKeyword: has(ids, "GuestsOrExternalUsers"))
            if let guests = users[prefix + "GuestsOrExternalUsers"], !guests.isNull {
                let tenants = guests["externalTenants"] ?? .null
                let kind = tenants["membershipKind"]?.stringValue
                    ?? (tenants["@odata.type"]?.stringValue?.hasSuffix("EnumeratedExternalTenants") == true ? "enumerated" : "all")
                membership.guests = GuestCondition(types: symbols.intern(SignInEvaluator.flagList(guests["guestOrExternalUserTypes"])),
                                                   tenants: tenants.isNull || kind == "all" ? nil : symbols.intern(strings(tenants["members"])))
            }
            return membership
        }
        includedUsers = membership("include")
        excludedUsers = membership("exclude")

        let applications = conditions["applications"] ?? .null
        let actions = strings(applications["includeUserActions"])
        let contexts = strings(applications["includeAuthenticationContextClassReferences"])
        let include = strings(applications["includeApplications"])
        let exclude = strings(applications["excludeApplications"])
        /// The ids a list names, with the members of the Microsoft application groups it names.
        func applicationIds(_ list: [String]) -> [Int] {
            var ids = list
            if has(list, "Office365") { ids += directory.office365AppIds }
            if has(list, "MicrosoftAdminPortals") { ids += directory.adminPortalAppIds }
            return symbols.intern(ids)
        }
        if !actions.isEmpty {
            target = .userActions(symbols.intern(actions))
        } else if !contexts.isEmpty {
            target = .authenticationContexts(symbols.intern(contexts))
        } else {
            let filter = applications["applicationFilter"] ?? .null
            target = .applications(
                include: applicationIds(include), includesAll: has(include, "All"), exclude: applicationIds(exclude),
                filter: filter.isNull ? nil : (filter["mode"]?.stringValue, filter["rule"]?.stringValue.flatMap { try? FilterRule.parse($0) }))
        }
        reachesUserActions = has(include, "All") && exclude.isEmpty

        let platformCondition = conditions["platforms"] ?? .null
        let includedPlatforms = strings(platformCondition["includePlatforms"])
        platforms = includedPlatforms.isEmpty ? nil
            : (symbols.intern(includedPlatforms), has(includedPlatforms, "all"), symbols.intern(strings(platformCondition["excludePlatforms"])))

        let device = conditions["devices"]?["deviceFilter"] ?? .null
        deviceFilter = device.isNull || device["rule"]?.stringValue == nil ? nil
            : (device["mode"]?.stringValue == "exclude", device["rule"]?.stringValue.flatMap { try? FilterRule.parse($0) })

        let clientTypes = strings(conditions["clientAppTypes"])
        clientApps = clientTypes.isEmpty || has(clientTypes, "all") ? nil : symbols.intern(clientTypes)
        easSupported = symbols.intern(ClientAppType.easSupported.rawValue)
        exchangeActiveSync = symbols.intern(ClientAppType.exchangeActiveSync.rawValue)

        let locationCondition = conditions["locations"] ?? .null
        let includedLocations = strings(locationCondition["includeLocations"])
        if includedLocations.isEmpty {
            locations = nil
        } else {
            func resolve(_ location: JSONValue) -> Location {
                if let ranges = location["ipRanges"]?.arrayValue {
                    return .ranges(ranges.compactMap { $0["cidrAddress"]?.stringValue.flatMap(CIDRRange.init) }, missingInput: "ipAddress")
                }
                if let countries = location["countriesAndRegions"]?.stringArray {
                    return .countries(symbols.intern(countries), includeUnknown: location["includeUnknownCountriesAndRegions"]?.boolValue == true,
                                      missingInput: location["ipRanges"] != nil ? "ipAddress" : "country")
                }
                return .never
            }
            func reference(_ name: String) -> Location {
                if name.equalsIgnoringCase("All") { return .all }
                if name.equalsIgnoringCase("AllTrusted") {
                    return .allTrusted(directory.namedLocations.keys.sorted().compactMap { key in
                        let location = directory.namedLocations[key] ?? .null
                        return location["isTrusted"]?.boolValue == true ? resolve(location) : nil
                    })
                }
                // The legacy MFA trusted IPs are a tenant setting Graph does not expose: never matched here.
                if name == SignInEvaluator.legacyTrustedIPs { return .never }
                return directory.namedLocations[name.lowercased()].map(resolve) ?? .never
            }
            let excludedLocations = strings(locationCondition["excludeLocations"])
            locations = (includedLocations.map(reference), excludedLocations.map(reference),
                         (includedLocations + excludedLocations).contains { !$0.equalsIgnoringCase("All") })
        }

        func levels(_ value: JSONValue?) -> [Int]? {
            let list = strings(value)
            return list.isEmpty ? nil : symbols.intern(list)
        }
        signInRisks = levels(conditions["signInRiskLevels"])
        userRisks = levels(conditions["userRiskLevels"])
        servicePrincipalRisks = levels(conditions["servicePrincipalRiskLevels"])
        func flags(_ value: JSONValue?) -> [Int]? {
            guard let value, !value.isNull else { return nil }
            let list = SignInEvaluator.flagList(value)
            return list.isEmpty ? nil : symbols.intern(list)
        }
        insiderRisks = flags(conditions["insiderRiskLevels"])
        authenticationFlows = flags(conditions["authenticationFlows"]?["transferMethods"])

        grant = SignInEvaluator.grant(policy["grantControls"], directory: directory)
        sessionControls = (policy["sessionControls"]?.objectValue ?? [:]).filter { !$0.value.isNull }
    }

    /// The verdict this policy gives when it applies (grant and session controls).
    var applyingVerdict: PolicyVerdict {
        PolicyVerdict(displayName: displayName, id: id, state: state, applies: true, reason: nil, missingInputs: [], grant: grant,
                      sessionControls: sessionControls)
    }

    /// The policy's verdict: the conditions in Graph's order, stopping at the first that fails.
    func verdict(_ signIn: PreparedSignIn) -> PolicyVerdict {
        var verdict = PolicyVerdict(displayName: displayName, id: id, state: state, applies: false, reason: nil, missingInputs: [],
                                    grant: nil, sessionControls: [:])
        guard state != "disabled" else {
            verdict.reason = .policyNotEnabled
            return verdict
        }
        func holds(_ reason: WhatIfReason, _ match: SignInEvaluator.Match) -> Bool {
            switch match {
            case .yes: return true
            case .no: verdict.reason = reason
            case .unknown(let input):
                verdict.reason = reason
                verdict.missingInputs = [input]
            }
            return false
        }
        let isUser = signIn.context.subject.kind == .user
        guard holds(isUser ? .users : .workloadIdentities, identity(signIn)),
              holds(targetReason, target(signIn)),
              holds(.devicePlatform, platform(signIn)),
              holds(.devices, device(signIn)),
              holds(.clientApps, clientApp(signIn)),
              holds(.location, location(signIn)),
              holds(.signInRisk, Self.level(signInRisks, signIn.signInRisk)),
              holds(.userRisk, Self.level(userRisks, signIn.userRisk)),
              holds(.workloadIdentities, isUser ? .yes : Self.level(servicePrincipalRisks, signIn.servicePrincipalRisk)),
              holds(.insiderRisk, Self.flag(insiderRisks, signIn.insiderRisk, known: signIn.context.insiderRisk != nil)),
              holds(.authenticationFlow, Self.flag(authenticationFlows, signIn.authenticationFlow, known: signIn.context.authenticationFlow != nil))
        else { return verdict }
        verdict.applies = true
        verdict.grant = grant
        verdict.sessionControls = sessionControls
        return verdict
    }

    // MARK: Conditions

    func identity(_ signIn: PreparedSignIn) -> SignInEvaluator.Match {
        let subject = signIn.context.subject
        if subject.kind == .servicePrincipal {
            // Workload identity policies only; a user policy never applies to a service principal.
            guard isWorkloadPolicy else { return .no }
            let included = includesAllPrincipals || includedPrincipals.contains(signIn.subject)
            return .init(included && !excludedPrincipals.contains(signIn.subject))
        }
        guard !isWorkloadPolicy else { return .no }
        return .init(covers(includedUsers, signIn) && !covers(excludedUsers, signIn))
    }

    /// Whether the user is among `membership`'s users, groups, roles or external users.
    func covers(_ membership: Membership, _ signIn: PreparedSignIn) -> Bool {
        let isExternal = signIn.context.subject.externalUserType != nil
        if membership.all || membership.ids.contains(signIn.subject) || (membership.guestsKeyword && isExternal) { return true }
        if membership.groups.contains(where: signIn.groups.contains) || membership.roles.contains(where: signIn.roles.contains) { return true }
        guard isExternal, let guests = membership.guests else { return false }
        // The user's external kind is among the flags, and the tenants are all or list the home tenant.
        guard guests.types.contains(signIn.externalType) else { return false }
        guard let tenants = guests.tenants else { return true }
        return signIn.homeTenant >= 0 && tenants.contains(signIn.homeTenant)
    }

    var targetReason: WhatIfReason {
        switch target {
        case .userActions: .userActions
        case .authenticationContexts: .authenticationContext
        case .applications: .application
        }
    }

    func target(_ signIn: PreparedSignIn) -> SignInEvaluator.Match {
        switch (signIn.context.target, target) {
        case (.userAction, .userActions(let actions)), (.authenticationContext, .authenticationContexts(let actions)):
            return .init(actions.contains(signIn.target))
        case (.userAction, .applications), (.userAction, .authenticationContexts):
            // All-resources policies apply to user actions too (What If answers so for registerSecurityInformation).
            return .init(reachesUserActions)
        case (.application, .applications(let include, let includesAll, let exclude, let filter)):
            var filterHolds = false
            if let filter {
                filterHolds = filter.rule?.evaluate { object, property in
                    object.equalsIgnoringCase("CustomSecurityAttribute") ? signIn.applicationAttributes[property.lowercased()] : nil
                } ?? false
            }
            let included = includesAll || include.contains(signIn.target) || (filter?.mode == "include" && filterHolds)
            guard included else { return .no }
            return .init(!(exclude.contains(signIn.target) || (filter?.mode == "exclude" && filterHolds)))
        case (.directoryAccess, .applications(let include, let includesAll, let exclude, _)):
            // Evaluated as Windows Azure Active Directory: All resources applies whatever it excludes;
            // a policy naming Windows Azure Active Directory applies unless it also excludes it.
            if includesAll { return .yes }
            return .init(include.contains(signIn.target) && !exclude.contains(signIn.target))
        default:
            return .no
        }
    }

    func platform(_ signIn: PreparedSignIn) -> SignInEvaluator.Match {
        guard let platforms else { return .yes }
        guard signIn.context.platform != nil else { return .unknown("platform") }
        // A platform outside Graph's list (ChromeOS, an unknown agent) matches only "all" and is never excluded by a list.
        let included = platforms.includesAll || platforms.include.contains(signIn.platform)
        return .init(included && !platforms.exclude.contains(signIn.platform))
    }

    func device(_ signIn: PreparedSignIn) -> SignInEvaluator.Match { device(signIn.device) }

    /// The device filter over a device's properties (lowercased names; empty: an unregistered device).
    func device(_ properties: [String: FilterValue]) -> SignInEvaluator.Match {
        guard let deviceFilter else { return .yes }
        // An unparsable rule never holds.
        let isTrue = deviceFilter.rule?.evaluate { object, property in
            object.equalsIgnoringCase("device") ? properties[property.lowercased()] : nil
        } ?? false
        return .init(deviceFilter.exclude ? !isTrue : isTrue)
    }

    func clientApp(_ signIn: PreparedSignIn) -> SignInEvaluator.Match {
        guard let clientApps else { return .yes }
        guard signIn.context.clientAppType != nil else { return .unknown("clientAppType") }
        if clientApps.contains(signIn.clientApp) { return .yes }
        // easSupported is the legacy half of exchangeActiveSync.
        return .init(signIn.clientApp == easSupported && clientApps.contains(exchangeActiveSync)
            || signIn.clientApp == exchangeActiveSync && clientApps.contains(easSupported))
    }

    func location(_ signIn: PreparedSignIn) -> SignInEvaluator.Match {
        guard let locations else { return .yes }
        let context = signIn.context
        // "All" is any address on the Internet; only named locations need the sign-in's address.
        if locations.needsAddress && context.ipAddress == nil && context.country == nil { return .unknown("ipAddress or country") }
        var missing: String?
        /// `nil` when the sign-in lacks the input this location needs.
        func inside(_ location: Location) -> Bool? {
            switch location {
            case .all: return true
            case .never: return false
            case .allTrusted(let trusted): return trusted.contains { inside($0) == true }
            case .ranges(let ranges, _):
                guard let address = context.ipAddress else { return nil }
                return ranges.contains { $0.contains(address) }
            case .countries(let countries, let includeUnknown, _):
                guard let country = context.country else { return nil }
                return country.isEmpty ? includeUnknown : countries.contains(signIn.country)
            }
        }
        func matches(_ location: Location) -> Bool {
            if let inside = inside(location) { return inside }
            switch location {
            case .ranges(_, let input), .countries(_, _, let input): missing = input
            default: break
            }
            return false
        }
        let included = locations.include.contains(where: matches)
        let excluded = locations.exclude.contains(where: matches)
        if let missing, !(included && !excluded) { return .unknown(missing) }
        return .init(included && !excluded)
    }

    static func level(_ levels: [Int]?, _ level: Int) -> SignInEvaluator.Match {
        guard let levels else { return .yes }
        return .init(levels.contains(level))
    }

    static func flag(_ flags: [Int]?, _ current: Int, known: Bool) -> SignInEvaluator.Match {
        guard let flags else { return .yes }
        guard known else { return .no }
        return .init(flags.contains(current))
    }
}

