import PolicyModel

/// A risk-response rule's user scope with names replaced by ids.
public struct ResolvedRiskRuleScope: Sendable, Hashable {
    public var ruleName: String
    /// No `includeUsers`/`includeGroups`, or `includeUsers: [All]`.
    public var includeAll: Bool
    public var includeUserIds: [String] = []
    public var excludeUserIds: [String] = []
    public var includeGroupIds: [String] = []
    public var excludeGroupIds: [String] = []
}

/// What risk-response rules need resolved: their scopes and the emergency access accounts.
public struct ResolvedRiskRules: Sendable, Hashable {
    public var scopes: [ResolvedRiskRuleScope] = []
    public var emergencyUserIds: [String] = []
    public var emergencyGroupIds: [String] = []
    public var diagnostics: [Diagnostic] = []

    public var hasErrors: Bool { diagnostics.containsErrors }
}

extension Resolver {
    /// Only what risk-response rules reference: rule scopes and emergency access (no policies).
    public static func riskQuery(for configuration: Configuration) -> DirectoryQuery {
        var collector = ReferenceCollector()
        if let emergency = configuration.settings?.value.emergencyAccess {
            collector.add(emergency.users ?? [], .user)
            collector.add(emergency.groups ?? [], .group)
        }
        for rule in configuration.riskResponseRules {
            let users = rule.value.when?.users
            collector.add((users?.includeUsers ?? []) + (users?.excludeUsers ?? []), .user)
            collector.add((users?.includeGroups ?? []) + (users?.excludeGroups ?? []), .group)
        }
        return collector.query
    }

    /// The user scope of every risk-response rule and the emergency access accounts, resolved against `directory` (looked up with
    /// `query(for:)`), with a `file:line:column` error for each reference that matches nothing or
    /// several objects. A rule with an unresolved reference must not run: it could act on too many users.
    public static func resolveRiskRules(_ configuration: Configuration, directory: DirectoryIndex) -> ResolvedRiskRules {
        var resolved = ResolvedRiskRules()
        var context = ResolutionContext(directory: directory, declaredLocationNames: [], declaredLocations: [])
        var scopes: [ResolvedRiskRuleScope] = []
        for declared in configuration.riskResponseRules {
            context.sourceMap = declared.sourceMap
            context.fallbackLocation = declared.location
            let users = declared.value.when?.users
            let includeUsers = context.ids(users?.includeUsers, .user, path: "when.users.includeUsers")
            let includeGroups = context.ids(users?.includeGroups, .group, path: "when.users.includeGroups")
            let hasIncludes = !(users?.includeUsers ?? []).isEmpty || !(users?.includeGroups ?? []).isEmpty
            scopes.append(ResolvedRiskRuleScope(
                ruleName: declared.value.name,
                includeAll: !hasIncludes || includeUsers.contains(ReservedWord.all),
                includeUserIds: includeUsers.filter { DirectoryReference.isObjectID($0) },
                excludeUserIds: context.ids(users?.excludeUsers, .user, path: "when.users.excludeUsers").filter { DirectoryReference.isObjectID($0) },
                includeGroupIds: includeGroups.filter { DirectoryReference.isObjectID($0) },
                excludeGroupIds: context.ids(users?.excludeGroups, .group, path: "when.users.excludeGroups").filter { DirectoryReference.isObjectID($0) }))
        }
        if let settings = configuration.settings, let emergency = settings.value.emergencyAccess {
            context.sourceMap = settings.sourceMap
            context.fallbackLocation = settings.location
            resolved.emergencyUserIds = context.ids(emergency.users, .user, path: "emergencyAccess.users")
            resolved.emergencyGroupIds = context.ids(emergency.groups, .group, path: "emergencyAccess.groups")
        }
        resolved.scopes = scopes
        resolved.diagnostics = context.diagnostics
        return resolved
    }
}
