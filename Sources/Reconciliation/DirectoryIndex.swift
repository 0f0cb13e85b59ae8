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
/// as suggestions for names that were not found.
public struct DirectoryIndex: Sendable, Hashable {
    public private(set) var entries: [ReferenceTarget: [DirectoryEntry]] = [:]
    /// Names to suggest from ("did you mean"), per kind; may include the entries themselves.
    public var suggestionPool: [ReferenceTarget: [String]] = [:]

    public init() {}

    public mutating func add(_ entries: [DirectoryEntry], as target: ReferenceTarget) {
        var existing = self.entries[target] ?? []
        var seen = Set(existing.map { $0.id.lowercased() })
        for entry in entries where seen.insert(entry.id.lowercased()).inserted {
            existing.append(entry)
        }
        self.entries[target] = existing
    }

    public func entries(_ target: ReferenceTarget) -> [DirectoryEntry] { entries[target] ?? [] }

    /// Entries whose name matches: case-insensitively (Graph's `displayName eq` and UPNs are case-insensitive).
    func matching(name: String, _ target: ReferenceTarget) -> [DirectoryEntry] {
        entries(target).filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }
    }

    func entry(id: String, _ target: ReferenceTarget) -> DirectoryEntry? {
        entries(target).first { $0.id.caseInsensitiveCompare(id) == .orderedSame }
    }

    func servicePrincipal(appId: String) -> [DirectoryEntry] {
        entries(.servicePrincipal).filter { $0.appId?.caseInsensitiveCompare(appId) == .orderedSame }
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
