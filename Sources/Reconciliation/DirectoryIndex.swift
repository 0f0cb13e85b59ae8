import PolicyModel

/// One directory object as the resolver needs it.
public struct DirectoryEntry: Sendable, Hashable, Codable {
    /// The id Graph wants in a policy: object id; role template id; appId for applications.
    public var id: String
    /// What people call it: display name, or UPN for users.
    public var name: String
    /// For service principals: the appId (applications are referenced by appId, workload identities by object id).
    public var appId: String?

    public init(id: String, name: String, appId: String? = nil) {
        self.id = id
        self.name = name
        self.appId = appId
    }
}

/// The kinds of object a policy references.
public enum ReferenceTarget: String, Sendable, Hashable, Codable, CaseIterable {
    case user, group, role, servicePrincipal, namedLocation, authenticationStrength, authenticationContext, termsOfUse

    /// How messages name the kind.
    public var noun: String {
        switch self {
        case .user: "user"
        case .group: "group"
        case .role: "directory role"
        case .servicePrincipal: "application"
        case .namedLocation: "named location"
        case .authenticationStrength: "authentication strength"
        case .authenticationContext: "authentication context"
        case .termsOfUse: "terms of use agreement"
        }
    }
}

/// What the resolver must look up: exactly the names and ids the configuration uses, per kind.
/// The CLI turns it into batched Graph requests; nothing is looked up one reference at a time.
public struct DirectoryQuery: Sendable, Hashable {
    public var names: [ReferenceTarget: Set<String>] = [:]
    public var ids: [ReferenceTarget: Set<String>] = [:]

    public init() {}

    public var isEmpty: Bool { names.values.allSatisfy(\.isEmpty) && ids.values.allSatisfy(\.isEmpty) }
}

/// What the directory answered: the objects found for the query, per kind, and near names to offer
/// as suggestions for names that were not found. Look-ups by name, id and appId are hashed
/// (case-insensitively), so resolving a large configuration stays linear.
public struct DirectoryIndex: Sendable, Hashable {
    public private(set) var entries: [ReferenceTarget: [DirectoryEntry]] = [:]
    /// Names to suggest from ("did you mean"), per kind; may include the entries themselves.
    public var suggestionPool: [ReferenceTarget: [String]] = [:]
    private var byName: [ReferenceTarget: [String: [DirectoryEntry]]] = [:]
    private var byId: [ReferenceTarget: [String: DirectoryEntry]] = [:]
    private var byAppId: [String: [DirectoryEntry]] = [:]

    public init() {}

    public mutating func add(_ entries: [DirectoryEntry], as target: ReferenceTarget) {
        for entry in entries {
            let id = entry.id.lowercased()
            guard byId[target]?[id] == nil else { continue }
            self.entries[target, default: []].append(entry)
            byId[target, default: [:]][id] = entry
            byName[target, default: [:]][entry.name.lowercased(), default: []].append(entry)
            if target == .servicePrincipal, let appId = entry.appId {
                byAppId[appId.lowercased(), default: []].append(entry)
            }
        }
    }

    public func entries(_ target: ReferenceTarget) -> [DirectoryEntry] { entries[target] ?? [] }

    /// Entries whose name matches: case-insensitively (Graph's `displayName eq` and UPNs are case-insensitive).
    func matching(name: String, _ target: ReferenceTarget) -> [DirectoryEntry] {
        byName[target]?[name.lowercased()] ?? []
    }

    func entry(id: String, _ target: ReferenceTarget) -> DirectoryEntry? {
        byId[target]?[id.lowercased()]
    }

    func servicePrincipal(appId: String) -> [DirectoryEntry] {
        byAppId[appId.lowercased()] ?? []
    }

    /// The application with this appId, as policies reference it: the tenant's service principals,
    /// else Microsoft's first-party catalogue (first-party apps need no service principal in the tenant).
    func application(appId: String) -> [DirectoryEntry] {
        let tenant = servicePrincipal(appId: appId)
        guard tenant.isEmpty else { return tenant }
        return Self.entries(FirstPartyApplications.application(appId: appId).map { [$0] } ?? [])
    }

    /// Applications with this display name: the tenant's service principals when any has it (the
    /// tenant wins), else the first-party catalogue's.
    func applications(named name: String) -> [DirectoryEntry] {
        let tenant = matching(name: name, .servicePrincipal)
        guard tenant.isEmpty else { return tenant }
        return Self.entries(FirstPartyApplications.applications(named: name))
    }

    /// id → name for everything known, for rendering plans in names.
    public var names: DirectoryNames {
        var table: [String: String] = [:]
        for (target, list) in entries {
            for entry in list {
                table[entry.id.lowercased()] = entry.name
                if target == .servicePrincipal, let appId = entry.appId { table[appId.lowercased()] = entry.name }
            }
        }
        return DirectoryNames(table)
    }
}

extension DirectoryIndex {
    /// Catalogued first-party applications as directory entries (id and appId are both the appId:
    /// applications are referenced by appId).
    static func entries(_ applications: [FirstPartyApplication]) -> [DirectoryEntry] {
        applications.map { DirectoryEntry(id: $0.appId, name: $0.displayName, appId: $0.appId) }
    }
}
