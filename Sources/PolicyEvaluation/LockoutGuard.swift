import Foundation
import PolicyModel

/// An emergency access (break-glass) account as the lockout guard sees it.
public struct EmergencyAccount: Sendable, Hashable {
    /// The user's object id.
    public var id: String
    /// How messages name it (the UPN).
    public var label: String
    /// Every group it belongs to, directly or through nesting (lowercased ids).
    public var groupIds: Set<String>
    /// The directory role templates it holds, directly or through a role-assignable group (lowercased ids).
    public var roleTemplateIds: Set<String>

    public init(id: String, label: String, groupIds: Set<String> = [], roleTemplateIds: Set<String> = []) {
        self.id = id.lowercased()
        self.label = label
        self.groupIds = Set(groupIds.map { $0.lowercased() })
        self.roleTemplateIds = Set(roleTemplateIds.map { $0.lowercased() })
    }
}

/// A conditional access policy as it would be written: its Graph body (ids, not names) and where
/// its user conditions are declared.
public struct GuardedPolicy: Sendable, Hashable {
    public var displayName: String
    public var body: JSONValue
    public var location: SourceLocation?

    public init(displayName: String, body: JSONValue, location: SourceLocation?) {
        self.displayName = displayName
        self.body = body
        self.location = location
    }
}

/// Refuses policy sets that would lock the emergency access accounts out.
///
/// Microsoft's guidance is to exclude emergency access accounts from every conditional access
/// policy. The guard applies it to the policies a plan would write: a policy that is on and whose
/// users condition reaches an emergency account (`All`, the account, a group it is in, nested groups
/// counted, or a role it holds) without excluding it (by user, group or role) is an **error**, so
/// `plan` exits 1 and `apply` refuses. In report-only it is a **warning** (nothing is enforced yet).
///
/// A policy that names the account, or one of the Settings' emergency groups, in its *include*
/// conditions targets it on purpose (for example, phishing-resistant MFA for break-glass accounts)
/// and is left alone. Disabled policies and policies for workload identities only are not checked.
/// The other conditions (applications, platforms, locations) are not considered: a policy that
/// reaches the account for some sign-ins is already one the guidance says to exclude it from.
public enum LockoutGuard {
    /// - Parameters:
    ///   - emergencyGroupIds: the Settings' emergency groups (including one on purpose is not a finding).
    ///   - emergencyGroupNames: their names, for the suggested fix.
    public static func check(_ policies: [GuardedPolicy], accounts: [EmergencyAccount], emergencyGroupIds: Set<String> = [],
                             emergencyGroupNames: [String] = []) -> [Diagnostic]
    {
        let emergencyGroups = Set(emergencyGroupIds.map { $0.lowercased() })
        var diagnostics: [Diagnostic] = []
        for policy in policies {
            let state = policy.body["state"]?.stringValue ?? "enabled"
            guard state != "disabled", let users = policy.body["conditions"]?["users"], users != .null else { continue }
            func ids(_ key: String) -> Set<String> { Set((users[key]?.arrayValue ?? []).compactMap { $0.stringValue?.lowercased() }) }
            let includeUsers = ids("includeUsers"), excludeUsers = ids("excludeUsers")
            let includeGroups = ids("includeGroups"), excludeGroups = ids("excludeGroups")
            let includeRoles = ids("includeRoles"), excludeRoles = ids("excludeRoles")

            var reached: [EmergencyAccount] = []
            for account in accounts {
                let namedOnPurpose = includeUsers.contains(account.id) || !includeGroups.isDisjoint(with: emergencyGroups)
                if namedOnPurpose { continue }
                let included = includeUsers.contains("all") || !includeGroups.isDisjoint(with: account.groupIds)
                    || !includeRoles.isDisjoint(with: account.roleTemplateIds)
                let excluded = excludeUsers.contains(account.id) || !excludeGroups.isDisjoint(with: account.groupIds)
                    || !excludeRoles.isDisjoint(with: account.roleTemplateIds)
                if included && !excluded { reached.append(account) }
            }
            guard !reached.isEmpty else { continue }
            let names = reached.map(\.label).sorted()
            let who = names.count == 1 ? "emergency access account \(names[0])" : "emergency access accounts \(names.joined(separator: ", "))"
            let suggestion = emergencyGroupNames.isEmpty
                ? "add \(names.count == 1 ? "it" : "them") to conditions.users.excludeUsers"
                : "add \(emergencyGroupNames.sorted().map { "'\($0)'" }.joined(separator: " or ")) to conditions.users.excludeGroups"
            if state == "enabledForReportingButNotEnforced" {
                diagnostics.append(.warning("'\(policy.displayName)' (report-only) would apply to \(who) once enabled: it does not exclude them",
                                            at: policy.location, suggestion: suggestion))
            } else {
                diagnostics.append(.error("'\(policy.displayName)' would apply to \(who) and could lock them out: it does not exclude them",
                                          at: policy.location, suggestion: suggestion))
            }
        }
        return diagnostics
    }

    /// Checks that hold whatever the emergency access configuration says: an enabled policy that
    /// blocks every user on every application with nothing excluded and no narrowing condition is
    /// an **error** (it locks the whole tenant out, administrators included); and when no emergency
    /// access account is configured at all, one **warning** says the guard cannot protect any.
    ///
    /// - Parameter emergencyAccessConfigured: the Settings name at least one emergency user or group.
    /// - Parameter live: the tenant's policies. A declared policy whose live counterpart (same name)
    ///   already blocks everyone is a warning, not an error: adopting a tenant as it is must plan, and
    ///   the plan does not make it worse; the warning says to fix it.
    public static func tenantWideChecks(_ policies: [GuardedPolicy], emergencyAccessConfigured: Bool, live: [JSONValue] = []) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        if !emergencyAccessConfigured {
            diagnostics.append(.warning(
                "no emergency access accounts are configured (Settings emergencyAccess is empty or absent): the lockout guard cannot check that any policy spares a break-glass account",
                suggestion: "add emergencyAccess.users or emergencyAccess.groups to entraform.yaml (Microsoft recommends two cloud-only break-glass accounts excluded from every policy)"))
        }
        func enabledAndBlockingEveryone(_ body: JSONValue) -> Bool {
            (body["state"]?.stringValue ?? "enabled") == "enabled" && blocksEveryone(body)
        }
        for policy in policies where enabledAndBlockingEveryone(policy.body) {
            let counterpart = live.first { $0["displayName"]?.stringValue?.lowercased() == policy.displayName.lowercased() }
            if let counterpart, enabledAndBlockingEveryone(counterpart) {
                diagnostics.append(.warning(
                    "'\(policy.displayName)' blocks all users on all applications with no exclusion, and the tenant already enforces it: every user is locked out now",
                    at: policy.location,
                    suggestion: "exclude the emergency access accounts (conditions.users.excludeUsers or excludeGroups), or set it to report-only"))
                continue
            }
            diagnostics.append(.error(
                "'\(policy.displayName)' blocks all users on all applications with no exclusion and no narrowing condition: it would lock everyone out of the tenant, administrators included",
                at: policy.location,
                suggestion: "exclude the emergency access accounts (conditions.users.excludeUsers or excludeGroups), or start in report-only"))
        }
        return diagnostics
    }

    /// True for a policy body that blocks `All` users on `All` applications and excludes no one, on
    /// every client app type, platform, location, risk level and device.
    public static func blocksEveryone(_ body: JSONValue) -> Bool {
        let grants = (body["grantControls"]?["builtInControls"]?.arrayValue ?? []).compactMap(\.stringValue)
        guard grants.contains("block"), let conditions = body["conditions"] else { return false }
        func value(at path: [String]) -> JSONValue? {
            path.reduce(Optional(conditions)) { value, key in value?[key] }
        }
        func strings(_ path: [String]) -> [String] { (value(at: path)?.arrayValue ?? []).compactMap(\.stringValue) }
        func isEmpty(_ path: [String]) -> Bool {
            guard let value = value(at: path) else { return true }
            switch value {
            case .null: return true
            case .array(let items): return items.isEmpty
            case .string(let text): return text.isEmpty
            case .object(let members): return members.values.allSatisfy { $0 == .null || $0 == [] || $0 == "" }
            default: return false
            }
        }
        guard strings(["users", "includeUsers"]).contains(where: { $0.lowercased() == "all" }),
              strings(["applications", "includeApplications"]).contains(where: { $0.lowercased() == "all" })
        else { return false }
        let exclusions = [["users", "excludeUsers"], ["users", "excludeGroups"], ["users", "excludeRoles"], ["users", "excludeGuestsOrExternalUsers"],
                          ["applications", "excludeApplications"]]
        guard exclusions.allSatisfy(isEmpty) else { return false }
        let clientAppTypes = strings(["clientAppTypes"])
        guard clientAppTypes.isEmpty || clientAppTypes.contains("all") else { return false }
        let narrowing = [["platforms"], ["locations"], ["devices"], ["signInRiskLevels"], ["userRiskLevels"], ["insiderRiskLevels"],
                         ["authenticationFlows"], ["applications", "applicationFilter"]]
        return narrowing.allSatisfy { path in
            if path == ["locations"] {
                let include = strings(["locations", "includeLocations"])
                return isEmpty(["locations", "excludeLocations"]) && (include.isEmpty || include.contains { $0.lowercased() == "all" })
            }
            if path == ["platforms"] {
                let include = strings(["platforms", "includePlatforms"])
                return isEmpty(["platforms", "excludePlatforms"]) && (include.isEmpty || include.contains("all"))
            }
            return isEmpty(path)
        }
    }
}
