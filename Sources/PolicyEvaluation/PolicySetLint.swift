import PolicyModel

/// Checks of a whole policy set (``LintRule``): what no single file shows. Pure: the caller gives the
/// policies in Graph's shape with references in one consistent form (ids for resolved and live
/// policies, the text as written for an offline `validate`), and gets findings back.
public enum PolicySetLint {
    /// A policy to check.
    public struct Policy: Sendable {
        public var displayName: String
        /// Graph's shape (`conditions`, `grantControls`, `state`).
        public var body: JSONValue
        /// Created by the plan being made (`EF202`); false when not known.
        public var isNew: Bool
        /// Where it is declared; nil for a live policy no file declares.
        public var location: SourceLocation?
        /// Where some of its keys are (`state`, `conditions.users`, `grantControls`), for findings about them.
        public var keyLocations: [String: SourceLocation]

        public init(displayName: String, body: JSONValue, isNew: Bool = false, location: SourceLocation? = nil,
                    keyLocations: [String: SourceLocation] = [:]) {
            self.displayName = displayName
            self.body = body
            self.isNew = isNew
            self.location = location
            self.keyLocations = keyLocations
        }

        /// The keys findings point at.
        public static let locatedKeys = ["displayName", "state", "conditions", "conditions.users", "grantControls"]

        func location(at key: String) -> SourceLocation? { keyLocations[key] ?? location }
    }

    /// A named location to check (Graph's shape).
    public struct NamedLocation: Sendable {
        public var displayName: String
        public var body: JSONValue
        public var location: SourceLocation?

        public init(displayName: String, body: JSONValue, location: SourceLocation? = nil) {
            self.displayName = displayName
            self.body = body
            self.location = location
        }
    }

    /// A reference a live policy holds to an object the directory no longer has (`EF209`).
    public struct MissingReference: Sendable {
        public var policy: String
        /// `group`, `user`, `role`, `application`, `named location`.
        public var kind: String
        public var id: String

        public init(policy: String, kind: String, id: String) {
            self.policy = policy
            self.kind = kind
            self.id = id
        }
    }

    public struct Input: Sendable {
        public var policies: [Policy]
        public var namedLocations: [NamedLocation]
        /// Emergency access users and groups, in the same form as the policies' references.
        public var emergencyUsers: [String]
        public var emergencyGroups: [String]
        /// How many policies the tenant holds (after the plan): `EF208`.
        public var tenantPolicyCount: Int
        public var missingReferences: [MissingReference]
        /// Set-level rules (`EF203`, `EF206`, `EF208`) judge a whole tenant; off for a partial set.
        public var checksWholeTenant: Bool

        public init(policies: [Policy], namedLocations: [NamedLocation] = [], emergencyUsers: [String] = [], emergencyGroups: [String] = [],
                    tenantPolicyCount: Int? = nil, missingReferences: [MissingReference] = [], checksWholeTenant: Bool = true) {
            self.policies = policies
            self.namedLocations = namedLocations
            self.emergencyUsers = emergencyUsers
            self.emergencyGroups = emergencyGroups
            self.tenantPolicyCount = tenantPolicyCount ?? policies.count
            self.missingReferences = missingReferences
            self.checksWholeTenant = checksWholeTenant
        }
    }

    public struct Finding: Sendable, Hashable {
        public var rule: LintRule
        public var message: String
        public var location: SourceLocation?
        public var suggestion: String?
    }

    /// The tenant's policy limit (since 2026; 195 before).
    public static let policyLimit = 240
    /// Where `EF208` starts warning.
    public static let policyWarningThreshold = 200

    /// Every rule's findings, in rule order.
    public static func run(_ input: Input) -> [Finding] {
        var findings: [Finding] = []
        for policy in input.policies {
            findings += emergencyExclusion(policy, input)
            findings += newAndEnabled(policy)
            findings += neverApplies(policy)
            findings += blockWithOthers(policy)
        }
        findings += sameConditions(input.policies)
        if input.checksWholeTenant {
            findings += legacyAuthentication(input.policies)
            findings += privilegedRoles(input.policies)
            if input.tenantPolicyCount > policyWarningThreshold {
                findings.append(Finding(rule: .EF208, message: "the tenant holds \(input.tenantPolicyCount) of its \(policyLimit) Conditional Access policies",
                                        suggestion: "merge policies that differ only in their users or applications"))
            }
        }
        for missing in input.missingReferences {
            findings.append(Finding(rule: .EF209, message: "live policy '\(missing.policy)' references \(missing.kind) \(missing.id), which no longer exists",
                                    suggestion: "remove the reference, or restore the \(missing.kind)"))
        }
        for location in input.namedLocations { findings += wideTrustedRange(location) }
        return findings.sorted { $0.rule.rawValue < $1.rule.rawValue }
    }

    // MARK: Reading bodies

    static func strings(_ value: JSONValue?) -> [String] { value?.stringArray ?? [] }

    static func has(_ list: [String], _ word: String) -> Bool { list.contains { $0.equalsIgnoringCase(word) } }

    /// Every item of `included` is in `excluded` (case-insensitive), and there is at least one.
    static func allExcluded(_ included: [String], _ excluded: [String]) -> Bool {
        !included.isEmpty && included.allSatisfy { has(excluded, $0) }
    }

    static func state(_ policy: Policy) -> String { policy.body["state"]?.stringValue ?? "enabled" }

    static func isWorkloadPolicy(_ policy: Policy) -> Bool {
        !strings(policy.body["conditions"]?["clientApplications"]?["includeServicePrincipals"]).isEmpty
    }

    /// Built-in controls, the authentication strength and terms of use, as control names.
    static func controls(_ grant: JSONValue) -> [String] {
        var controls = strings(grant["builtInControls"])
        if let strength = grant["authenticationStrength"], !strength.isNull { controls.append("authenticationStrength") }
        controls += strings(grant["termsOfUse"]).map { _ in "termsOfUse" }
        controls += strings(grant["customAuthenticationFactors"])
        return controls
    }

    // MARK: Rules

    /// EF201: enabled, for all users or for roles (where break-glass accounts are), without excluding them.
    static func emergencyExclusion(_ policy: Policy, _ input: Input) -> [Finding] {
        guard state(policy) == "enabled", !isWorkloadPolicy(policy), !(input.emergencyUsers.isEmpty && input.emergencyGroups.isEmpty) else { return [] }
        let users = policy.body["conditions"]?["users"] ?? .null
        guard has(strings(users["includeUsers"]), "All") || !strings(users["includeRoles"]).isEmpty else { return [] }
        let excludesGroup = input.emergencyGroups.contains { has(strings(users["excludeGroups"]), $0) }
        let missingUsers = input.emergencyUsers.filter { !has(strings(users["excludeUsers"]), $0) }
        // Excluded through a group, or every account one by one.
        guard !excludesGroup, input.emergencyUsers.isEmpty || !missingUsers.isEmpty else { return [] }
        let who = (input.emergencyGroups + missingUsers).joined(separator: ", ")
        return [Finding(rule: .EF201, message: "policy '\(policy.displayName)' is enabled for \(has(strings(users["includeUsers"]), "All") ? "all users" : "directory roles") and does not exclude the emergency access accounts (\(who))",
                        location: policy.location(at: "conditions.users"),
                        suggestion: input.emergencyGroups.isEmpty ? "add them to excludeUsers" : "add '\(input.emergencyGroups[0])' to excludeGroups")]
    }

    /// EF202: created enabled.
    static func newAndEnabled(_ policy: Policy) -> [Finding] {
        guard policy.isNew, state(policy) == "enabled" else { return [] }
        return [Finding(rule: .EF202, message: "new policy '\(policy.displayName)' is created enabled, without a report-only period",
                        location: policy.location(at: "state"),
                        suggestion: "declare it with state: reportOnly first, and enable it once its sign-in results look right")]
    }

    /// EF204: includes that are all excluded, on any dimension.
    static func neverApplies(_ policy: Policy) -> [Finding] {
        guard state(policy) != "disabled" else { return [] }
        let conditions = policy.body["conditions"] ?? .null
        var reasons: [String] = []
        let users = conditions["users"] ?? .null
        if !isWorkloadPolicy(policy), !has(strings(users["includeUsers"]), "All"), users["includeGuestsOrExternalUsers"]?.isNull ?? true {
            let includes = [("includeUsers", "excludeUsers"), ("includeGroups", "excludeGroups"), ("includeRoles", "excludeRoles")]
            let included = includes.filter { !strings(users[$0.0]).isEmpty }
            if !included.isEmpty, included.allSatisfy({ allExcluded(strings(users[$0.0]), strings(users[$0.1])) }) {
                reasons.append("every user, group and role it includes is also excluded")
            }
        }
        let clients = conditions["clientApplications"] ?? .null
        if allExcluded(strings(clients["includeServicePrincipals"]), strings(clients["excludeServicePrincipals"])) {
            reasons.append("every service principal it includes is also excluded")
        }
        let applications = conditions["applications"] ?? .null
        let includedApps = strings(applications["includeApplications"])
        if includedApps.count == 1, has(includedApps, "None") {
            reasons.append("it includes no application (None)")
        } else if !has(includedApps, "All"), allExcluded(includedApps, strings(applications["excludeApplications"])) {
            reasons.append("every application it includes is also excluded")
        } else if has(includedApps, "All"), has(strings(applications["excludeApplications"]), "All") {
            reasons.append("it includes and excludes All applications")
        }
        let platforms = conditions["platforms"] ?? .null
        let includedPlatforms = strings(platforms["includePlatforms"])
        let excludedPlatforms = strings(platforms["excludePlatforms"])
        let everyPlatform = ["android", "iOS", "windows", "windowsPhone", "macOS", "linux"]
        if allExcluded(includedPlatforms.filter { !$0.equalsIgnoringCase("all") }, excludedPlatforms) && !has(includedPlatforms, "all")
            || has(includedPlatforms, "all") && everyPlatform.allSatisfy({ has(excludedPlatforms, $0) }) {
            reasons.append("every platform it includes is also excluded")
        }
        let locations = conditions["locations"] ?? .null
        let includedLocations = strings(locations["includeLocations"])
        let excludedLocations = strings(locations["excludeLocations"])
        if has(excludedLocations, "All") && !includedLocations.isEmpty
            || !has(includedLocations, "All") && allExcluded(includedLocations, excludedLocations) {
            reasons.append("every location it includes is also excluded")
        }
        return reasons.map { reason in
            Finding(rule: .EF204, message: "policy '\(policy.displayName)' can never apply: \(reason)", location: policy.location(at: "conditions"),
                    suggestion: "remove the overlapping exclusion, or delete the policy")
        }
    }

    /// EF205: same conditions (lists compared as sets), conflicting or repeated controls.
    static func sameConditions(_ policies: [Policy]) -> [Finding] {
        let active = policies.filter { state($0) != "disabled" }
        var findings: [Finding] = []
        var firstByConditions: [JSONValue: Policy] = [:]
        for policy in active {
            let key = canonical(policy.body["conditions"] ?? .null)
            guard let earlier = firstByConditions[key] else {
                firstByConditions[key] = policy
                continue
            }
            let grant = canonical(policy.body["grantControls"] ?? .null)
            let earlierGrant = canonical(earlier.body["grantControls"] ?? .null)
            let blocks = controls(policy.body["grantControls"] ?? .null).contains("block")
            let earlierBlocks = controls(earlier.body["grantControls"] ?? .null).contains("block")
            // Different controls under the same conditions are a common split (grant in one policy,
            // session controls in another): only a contradiction or a repetition is reported.
            let message: String
            if blocks != earlierBlocks {
                message = "policy '\(policy.displayName)' has the same conditions as '\(earlier.displayName)' with conflicting controls: the block wins, so the other's controls are never asked for"
            } else if grant == earlierGrant && canonical(policy.body["sessionControls"] ?? .null) == canonical(earlier.body["sessionControls"] ?? .null) {
                message = "policy '\(policy.displayName)' repeats '\(earlier.displayName)': same conditions and controls"
            } else {
                continue
            }
            findings.append(Finding(rule: .EF205, message: message, location: policy.location(at: "displayName"), suggestion: "merge or delete one of them"))
        }
        return findings
    }

    /// Nulls and empty lists dropped, strings lowercased, lists sorted: what a condition means, not how it is written.
    static func canonical(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            var kept: [String: JSONValue] = [:]
            for (key, member) in members where !key.hasPrefix("@odata") {
                let value = canonical(member)
                if value.isNull { continue }
                if case .array(let items) = value, items.isEmpty { continue }
                kept[key] = value
            }
            return kept.isEmpty ? .null : .object(kept)
        case .array(let items):
            return .array(items.map(canonical).sorted { $0.serializedString(pretty: false) < $1.serializedString(pretty: false) })
        case .string(let text):
            return .string(text.lowercased())
        default:
            return value
        }
    }

    /// EF207: block with other controls.
    static func blockWithOthers(_ policy: Policy) -> [Finding] {
        let controls = controls(policy.body["grantControls"] ?? .null)
        guard controls.contains("block"), controls.count > 1 else { return [] }
        return [Finding(rule: .EF207, message: "policy '\(policy.displayName)' blocks and also requires \(controls.filter { $0 != "block" }.joined(separator: ", ")), which is never asked for",
                        location: policy.location(at: "grantControls"), suggestion: "keep block alone, or split the policy")]
    }

    /// An enabled policy that always applies to `users` (no condition narrowing it down) on all applications.
    static func coversEverySignIn(_ policy: Policy) -> Bool {
        guard state(policy) == "enabled" else { return false }
        let conditions = policy.body["conditions"] ?? .null
        let applications = conditions["applications"] ?? .null
        guard has(strings(applications["includeApplications"]), "All") else { return false }
        return strings(conditions["signInRiskLevels"]).isEmpty && strings(conditions["userRiskLevels"]).isEmpty
            && (conditions["platforms"]?["includePlatforms"]).map { strings($0).isEmpty || has(strings($0), "all") } ?? true
            && (conditions["platforms"].map { strings($0["excludePlatforms"]).isEmpty } ?? true)
            && strings(conditions["locations"]?["excludeLocations"]).isEmpty
            && (strings(conditions["locations"]?["includeLocations"]).isEmpty || has(strings(conditions["locations"]?["includeLocations"]), "All"))
            && (conditions["devices"]?["deviceFilter"]?.isNull ?? true)
    }

    /// EF203: an enabled block of exchangeActiveSync and other, for all users, on all applications.
    static func legacyAuthentication(_ policies: [Policy]) -> [Finding] {
        let blocked = policies.contains { policy in
            let conditions = policy.body["conditions"] ?? .null
            let clients = strings(conditions["clientAppTypes"])
            return coversEverySignIn(policy) && has(strings(conditions["users"]?["includeUsers"]), "All")
                && has(clients, "exchangeActiveSync") && has(clients, "other")
                && controls(policy.body["grantControls"] ?? .null).contains("block")
        }
        guard !blocked else { return [] }
        return [Finding(rule: .EF203, message: "no enabled policy blocks legacy authentication (client apps exchangeActiveSync and other) for all users on all applications",
                        suggestion: "add a policy: users All (emergency accounts excluded), applications All, clientAppTypes [exchangeActiveSync, other], grant block")]
    }

    /// EF206: every privileged role under an enabled all-applications policy that requires MFA or an authentication strength.
    static func privilegedRoles(_ policies: [Policy]) -> [Finding] {
        let mfaPolicies = policies.filter { policy in
            guard coversEverySignIn(policy), !isWorkloadPolicy(policy) else { return false }
            let grant = policy.body["grantControls"] ?? .null
            let controls = controls(grant)
            let multifactor = controls.filter { $0 == "mfa" || $0 == "authenticationStrength" }
            guard !multifactor.isEmpty, !controls.contains("block") else { return false }
            // With OR, every choice must be multifactor.
            return grant["operator"]?.stringValue?.uppercased() == "AND" || multifactor.count == controls.count
        }
        let uncovered = PrivilegedRoles.all.filter { role in
            !mfaPolicies.contains { policy in
                let users = policy.body["conditions"]?["users"] ?? .null
                let names = [role.name, role.templateId]
                let included = has(strings(users["includeUsers"]), "All") || names.contains { has(strings(users["includeRoles"]), $0) }
                return included && !names.contains { has(strings(users["excludeRoles"]), $0) }
            }
        }
        guard !uncovered.isEmpty else { return [] }
        return [Finding(rule: .EF206, message: "\(uncovered.count) privileged role\(uncovered.count == 1 ? " is" : "s are") not covered by an enabled policy requiring MFA on all applications: \(uncovered.map(\.name).joined(separator: ", "))",
                        suggestion: "include the roles in a policy with grant mfa or an authentication strength (Microsoft's template \"Require multifactor authentication for admins\")")]
    }

    /// EF210: a trusted IP location with an IPv4 range of /8 or wider, or an IPv6 range of /32 or wider.
    static func wideTrustedRange(_ location: NamedLocation) -> [Finding] {
        guard location.body["isTrusted"]?.boolValue == true else { return [] }
        let wide = (location.body["ipRanges"]?.arrayValue ?? []).compactMap { range -> String? in
            guard let text = range["cidrAddress"]?.stringValue ?? range.stringValue, let cidr = CIDRRange(text) else { return nil }
            return cidr.prefixLength <= (cidr.network.bytes.count == 4 ? 8 : 32) ? text : nil
        }
        guard !wide.isEmpty else { return [] }
        return [Finding(rule: .EF210, message: "trusted named location '\(location.displayName)' includes \(wide.joined(separator: ", ")), a very wide range",
                        location: location.location, suggestion: "trust only the organisation's own egress ranges")]
    }
}
