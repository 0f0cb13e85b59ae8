import PolicyModel

/// The configuration with every name replaced by an id: the Graph bodies the planner compares with
/// the live tenant, the problems found, and the names of everything referenced.
public struct ResolvedConfiguration: Sendable {
    public var desired: [DesiredObject] = []
    public var diagnostics: [Diagnostic] = []
    /// id → name for every reference resolved, to render plans in names.
    public var names = DirectoryNames()
    /// Emergency access accounts and groups by id, for the lockout guard and risk rules.
    public var emergencyUserIds: [String] = []
    public var emergencyGroupIds: [String] = []

    public var hasErrors: Bool { diagnostics.containsErrors }
}

/// Resolves declared references against the directory. Pure: the directory lookups happen before,
/// driven by `query(for:)`, so they can be batched.
///
/// A reference that matches nothing, or more than one object, is an error at its `file:line:column`
/// with suggestions; nothing is ever sent with a reference silently dropped.
public enum Resolver {
    // MARK: What to look up

    /// Every name and id the configuration references, per kind.
    public static func query(for configuration: Configuration) -> DirectoryQuery {
        var collector = ReferenceCollector()
        for policy in configuration.policies { collector.visit(policy.value) }
        if let emergency = configuration.settings?.value.emergencyAccess {
            collector.add(emergency.users ?? [], .user)
            collector.add(emergency.groups ?? [], .group)
        }
        for scenario in configuration.settings?.value.scenarios ?? [] {
            collector.add([scenario.user], .user)
            collector.add(scenario.application.map { [$0] } ?? [], .servicePrincipal)
        }
        for rule in configuration.riskResponseRules {
            let users = rule.value.when?.users
            collector.add((users?.includeUsers ?? []) + (users?.excludeUsers ?? []), .user)
            collector.add((users?.includeGroups ?? []) + (users?.excludeGroups ?? []), .group)
        }
        return collector.query
    }

    // MARK: Resolution

    /// - Parameter livePolicies: the tenant's policies. An id that names nothing in the directory is
    ///   an error when the configuration adds it, but only a warning when the policy's live object
    ///   already holds it at that field (a deleted group, a first-party app without a service
    ///   principal): the plan then keeps it as it is, so adopting a tenant shows no changes.
    public static func resolve(_ configuration: Configuration, directory: DirectoryIndex,
                               livePolicies: [JSONValue] = []) -> ResolvedConfiguration {
        var resolved = ResolvedConfiguration()
        let declaredLocationNames = Set(configuration.namedLocations.map { $0.value.displayName.lowercased() })
        var context = ResolutionContext(directory: directory, declaredLocationNames: declaredLocationNames,
                                        declaredLocations: configuration.namedLocations.map(\.value))

        for declared in configuration.namedLocations {
            let location = declared.value
            resolved.desired.append(DesiredObject(
                kind: .namedLocation, displayName: location.displayName, pinnedId: location.id,
                previousNames: location.previousNames ?? [], body: GraphBodies.namedLocation(location),
                location: declared.location))
        }
        let live = LiveCounterpart.Index(livePolicies)
        // Each policy resolves apart (on every core), with its own diagnostics and names, taken in order.
        let base = context
        let policies = configuration.policies.concurrentMap { declared in
            var context = base
            context.sourceMap = declared.sourceMap
            context.fallbackLocation = declared.location
            context.liveReferenceIds = LiveCounterpart.referenceIds(of: declared.value, in: live)
            let body = GraphBodies.policy(declared.value, resolving: &context)
            let rollout = declared.value.rollout.map { rollout in
                ResolvedRollout(rollout, pilotGroupIds: context.ids(rollout.pilot?.includeGroups, .group, path: "rollout.pilot.includeGroups"))
            }
            let object = DesiredObject(
                kind: .conditionalAccessPolicy, displayName: declared.value.displayName, pinnedId: declared.value.id,
                previousNames: declared.value.previousNames ?? [], body: body, location: declared.location,
                adoptOutOfScope: declared.value.adoptOutOfScope ?? false, rollout: rollout)
            return (object, context.diagnostics, context.resolvedNames)
        }
        for (object, diagnostics, names) in policies {
            resolved.desired.append(object)
            context.diagnostics += diagnostics
            context.resolvedNames.merge(names) { _, later in later }
        }
        if let settings = configuration.settings, let emergency = settings.value.emergencyAccess {
            context.sourceMap = settings.sourceMap
            context.fallbackLocation = settings.location
            resolved.emergencyUserIds = context.ids(emergency.users, .user, path: "emergencyAccess.users")
            resolved.emergencyGroupIds = context.ids(emergency.groups, .group, path: "emergencyAccess.groups")
        }
        resolved.diagnostics = context.diagnostics
        resolved.names = directory.names.merging(context.resolvedNames)
        return resolved
    }
}

/// Gathers references by kind.
struct ReferenceCollector {
    var query = DirectoryQuery()

    mutating func add(_ references: [DirectoryReference], _ target: ReferenceTarget) {
        for reference in references {
            switch reference.form {
            case .reserved: continue
            case .id(let id): query.ids[target, default: []].insert(id)
            case .name(let name): query.names[target, default: []].insert(name)
            }
        }
    }

    mutating func visit(_ policy: ConditionalAccessPolicy) {
        let conditions = policy.conditions
        let users = conditions?.users
        add((users?.includeUsers ?? []) + (users?.excludeUsers ?? []), .user)
        add((users?.includeGroups ?? []) + (users?.excludeGroups ?? []), .group)
        add((users?.includeRoles ?? []) + (users?.excludeRoles ?? []), .role)
        let applications = conditions?.applications
        add((applications?.includeApplications ?? []) + (applications?.excludeApplications ?? []), .servicePrincipal)
        add(applications?.includeAuthenticationContextClassReferences ?? [], .authenticationContext)
        let clients = conditions?.clientApplications
        add((clients?.includeServicePrincipals ?? []) + (clients?.excludeServicePrincipals ?? []), .servicePrincipal)
        add((conditions?.locations?.includeLocations ?? []) + (conditions?.locations?.excludeLocations ?? []), .namedLocation)
        add(policy.grantControls?.termsOfUse ?? [], .termsOfUse)
        add(policy.grantControls?.authenticationStrength.map { [$0] } ?? [], .authenticationStrength)
        add(policy.rollout?.pilot?.includeGroups ?? [], .group)
    }
}

/// State while resolving one configuration: the directory, where the current document came from,
/// and the problems found.
struct ResolutionContext {
    let directory: DirectoryIndex
    let declaredLocationNames: Set<String>
    let declaredLocations: [NamedLocation]
    var sourceMap = SourceMap()
    var fallbackLocation: SourceLocation?
    var diagnostics: [Diagnostic] = []
    var resolvedNames: [String: String] = [:]
    /// The ids the current policy's live counterpart holds, per field (`conditions.users.excludeGroups`), lowercased.
    var liveReferenceIds: [String: Set<String>] = [:]

    /// Ids for the references at `path` (list items `path[i]`), in order, reporting each failure.
    mutating func ids(_ references: [DirectoryReference]?, _ target: ReferenceTarget, path: String,
                      appIdForm: Bool = false) -> [String] {
        guard let references else { return [] }
        var ids: [String] = []
        for (index, reference) in references.enumerated() {
            if let id = id(for: reference, target, path: "\(path)[\(index)]", appIdForm: appIdForm) { ids.append(id) }
        }
        return ids
    }

    /// The id for one reference, or nil with a diagnostic.
    mutating func id(for reference: DirectoryReference, _ target: ReferenceTarget, path: String, appIdForm: Bool = false) -> String? {
        let location = sourceMap.location(of: path) ?? fallbackLocation
        switch reference.form {
        case .reserved(let word):
            return word
        case .id(let id):
            let field = path.split(separator: "[").first.map(String.init) ?? path
            return resolve(id: id, target, appIdForm: appIdForm, at: location, heldLive: liveReferenceIds[field]?.contains(id.lowercased()) ?? false)
        case .name(let name):
            return resolve(name: name, target, appIdForm: appIdForm, at: location)
        }
    }

    private mutating func resolve(id: String, _ target: ReferenceTarget, appIdForm: Bool, at location: SourceLocation?,
                                  heldLive: Bool = false) -> String? {
        if target == .namedLocation, id == ReservedWord.legacyTrustedIPsLocationID { return id }
        if target == .servicePrincipal && appIdForm {
            if let match = directory.application(appId: id).first {
                resolvedNames[id] = match.name
                return id
            }
            if let servicePrincipal = directory.entry(id: id, .servicePrincipal), let appId = servicePrincipal.appId {
                diagnostics.append(.error(
                    "'\(id)' is the object id of service principal '\(servicePrincipal.name)'; applications are referenced by appId",
                    at: location, suggestion: "write '\(appId)' or '\(servicePrincipal.name)'"))
                return nil
            }
            if heldLive { return keptDangling(id, target, at: location) }
            diagnostics.append(.error("no application with appId '\(id)' in the tenant", at: location,
                                      suggestion: "check the appId, or reference the application by display name"))
            return nil
        }
        if let entry = directory.entry(id: id, target) {
            resolvedNames[entry.id] = entry.name
            return entry.id
        }
        // Declared named locations, authentication contexts and pinned ids may be referenced by id too.
        if target == .namedLocation, let declared = declaredLocations.first(where: { $0.id?.lowercased() == id.lowercased() }) {
            return declared.id.map { $0.lowercased() } ?? PendingReference.namedLocation(declared.displayName)
        }
        if heldLive { return keptDangling(id, target, at: location) }
        diagnostics.append(.error("\(target.noun) id '\(id)' does not exist in the tenant", at: location))
        return nil
    }

    /// An id the live policy already holds but the directory cannot name: kept as it is (a warning),
    /// so the tenant's own state plans with no changes; a new one would have been an error.
    private mutating func keptDangling(_ id: String, _ target: ReferenceTarget, at location: SourceLocation?) -> String {
        diagnostics.append(.warning(
            "\(target.noun) id '\(id)' names nothing in the tenant (deleted, or without a service principal here); kept as the live policy holds it",
            at: location, suggestion: "remove it when convenient"))
        return id
    }

    private mutating func resolve(name: String, _ target: ReferenceTarget, appIdForm: Bool, at location: SourceLocation?) -> String? {
        if target == .namedLocation, declaredLocationNames.contains(name.lowercased()) {
            let declared = declaredLocations.first { $0.displayName.lowercased() == name.lowercased() }
            if let pinned = declared?.id { return pinned.lowercased() }
            // The declaration may adopt a live location by name or by a previous name.
            let candidates = [name] + (declared?.previousNames ?? [])
            for candidate in candidates {
                let live = directory.matching(name: candidate, .namedLocation)
                if live.count == 1 { return live[0].id }
            }
            return PendingReference.namedLocation(declared?.displayName ?? name)
        }
        // Authentication contexts are written `c1` but are not GUIDs.
        if target == .authenticationContext, let entry = directory.entry(id: name, .authenticationContext) {
            resolvedNames[entry.id] = entry.name
            return entry.id
        }
        let matches = target == .servicePrincipal && appIdForm
            ? directory.applications(named: name) : directory.matching(name: name, target)
        if matches.count == 1 {
            let match = matches[0]
            if target == .servicePrincipal && appIdForm {
                guard let appId = match.appId else {
                    diagnostics.append(.error("application '\(name)' has no appId in the directory", at: location))
                    return nil
                }
                resolvedNames[appId] = match.name
                return appId
            }
            resolvedNames[match.id] = match.name
            return match.id
        }
        if matches.count > 1 {
            let ids = matches.map { appIdForm ? ($0.appId ?? $0.id) : $0.id }
            // Several service principals of one application share its appId: not ambiguous for applications.
            if appIdForm, Set(ids.map { $0.lowercased() }).count == 1 {
                resolvedNames[ids[0]] = matches[0].name
                return ids[0]
            }
            diagnostics.append(.error("\(target.noun) name '\(name)' matches \(matches.count) objects: \(ids.sorted().joined(separator: ", "))",
                                      at: location, suggestion: "reference it by id"))
            return nil
        }
        var pool = (directory.suggestionPool[target] ?? []) + directory.entries(target).map(\.name)
        if target == .servicePrincipal && appIdForm { pool += FirstPartyApplications.all.map(\.displayName) }
        let suggestion = Self.nearest(name, among: pool).map { "did you mean '\($0)'?" }
        let noun = target == .user ? "user '\(name)'" : "\(target.noun) '\(name)'"
        diagnostics.append(.error("\(noun) not found in the tenant", at: location, suggestion: suggestion))
        return nil
    }

    /// The closest name, case-insensitive, if close enough to be a typo.
    static func nearest(_ text: String, among candidates: [String]) -> String? {
        EditDistance.nearest(text, among: candidates) { text, _ in max(2, text.count / 4) }
    }
}

/// The live policy a declaration will manage, as far as resolution needs it: found by pinned id, then
/// by name or a previous name (case-insensitively), and the ids its reference fields hold.
enum LiveCounterpart {
    /// The live policies by lowercased id and by lowercased display name (the first of a name), built
    /// once per resolution so finding each declaration's counterpart is a look-up, not a scan.
    struct Index {
        var byId: [String: JSONValue] = [:]
        var byName: [String: JSONValue] = [:]

        init(_ live: [JSONValue]) {
            for policy in live {
                if let id = policy["id"]?.stringValue?.lowercased(), byId[id] == nil { byId[id] = policy }
                if let name = policy["displayName"]?.stringValue?.lowercased(), byName[name] == nil { byName[name] = policy }
            }
        }
    }

    static func referenceIds(of policy: ConditionalAccessPolicy, in live: Index) -> [String: Set<String>] {
        guard !live.byId.isEmpty || !live.byName.isEmpty else { return [:] }
        let names = ([policy.displayName] + (policy.previousNames ?? [])).map { $0.lowercased() }
        let counterpart = policy.id.flatMap { live.byId[$0.lowercased()] } ?? names.lazy.compactMap { live.byName[$0] }.first
        guard let counterpart else { return [:] }
        var ids: [String: Set<String>] = [:]
        for field in GraphVocabulary.policyReferenceFields {
            let path = field.split(separator: ".").map(String.init)
            guard let value = counterpart.value(at: path) else { continue }
            let strings = value.stringArray ?? value.stringValue.map { [$0] } ?? []
            // The language names the strength itself where Graph nests its id.
            let key = field.hasSuffix(".id") ? String(field.dropLast(3)) : field
            ids[key] = Set(strings.map { $0.lowercased() })
        }
        return ids
    }
}
