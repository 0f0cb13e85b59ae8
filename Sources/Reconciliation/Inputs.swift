import PolicyModel

/// The kinds of tenant object entraform manages.
public enum ObjectKind: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case namedLocation
    case conditionalAccessPolicy

    /// Lower-case words for messages: `named location`, `conditional access policy`.
    public var description: String {
        switch self {
        case .namedLocation: "named location"
        case .conditionalAccessPolicy: "conditional access policy"
        }
    }

    /// The plural of ``description``: `named locations`, `conditional access policies`.
    public var pluralDescription: String {
        switch self {
        case .namedLocation: "named locations"
        case .conditionalAccessPolicy: "conditional access policies"
        }
    }
}

/// One declared object, already resolved: `body` is the JSON Graph would accept on POST
/// (references replaced by ids), produced by the loader and resolver.
///
/// A policy that refers to a *declared* named location that may not exist yet uses
/// ``PendingReference/namedLocation(_:)`` in place of the id; the planner and the applier substitute it.
public struct DesiredObject: Sendable, Hashable {
    public var kind: ObjectKind
    public var displayName: String
    /// `id:` in the file: match exactly this live object.
    public var pinnedId: String?
    /// Former display names under which a live object may be adopted (renames).
    public var previousNames: [String]
    /// Graph JSON (ids, not names).
    public var body: JSONValue
    /// Where the object was declared, for diagnostics.
    public var location: SourceLocation?
    /// The declaration allows `pinnedId`/`previousNames` to adopt a live object outside the scope.
    public var adoptOutOfScope: Bool
    /// A policy's staged rollout (its pilot groups resolved); `body` is the destination until
    /// ``RolloutStaging`` replaces it with the stage this run moves to or holds.
    public var rollout: ResolvedRollout?

    public init(
        kind: ObjectKind, displayName: String, pinnedId: String? = nil, previousNames: [String] = [],
        body: JSONValue, location: SourceLocation? = nil, adoptOutOfScope: Bool = false, rollout: ResolvedRollout? = nil
    ) {
        self.kind = kind
        self.displayName = displayName
        self.pinnedId = pinnedId
        self.previousNames = previousNames
        self.body = body
        self.location = location
        self.adoptOutOfScope = adoptOutOfScope
        self.rollout = rollout
    }
}

/// Stand-ins for ids that only exist once an earlier step of the same apply has run.
public enum PendingReference {
    static let namedLocationPrefix = "entraform:pending-named-location:"

    /// The placeholder a resolved policy body uses for the declared named location `displayName`.
    public static func namedLocation(_ displayName: String) -> String { namedLocationPrefix + displayName }

    /// The display name behind a named-location placeholder, or `nil` for anything else.
    public static func namedLocationName(in value: String) -> String? {
        value.hasPrefix(namedLocationPrefix) ? String(value.dropFirst(namedLocationPrefix.count)) : nil
    }

    /// `value` with every named-location placeholder whose name is in `ids` replaced by that id.
    static func substitute(in value: JSONValue, ids: [String: String]) -> JSONValue {
        switch value {
        case .string(let text):
            if let name = namedLocationName(in: text), let id = ids[name] { return .string(id) }
            return value
        case .array(let items): return .array(items.map { substitute(in: $0, ids: ids) })
        case .object(let members): return .object(members.mapValues { substitute(in: $0, ids: ids) })
        default: return value
        }
    }
}

/// Directory object id → the name a person recognises: users by UPN; groups, roles, applications,
/// named locations, authentication strengths, authentication contexts and terms of use by display name.
public struct DirectoryNames: Sendable, Hashable, Codable {
    public var namesById: [String: String]

    public init(_ namesById: [String: String] = [:]) { self.namesById = namesById }

    /// The name for `id`, or `nil` when the directory could not name it.
    public func name(for id: String) -> String? { namesById[id] ?? namesById[id.lowercased()] }

    /// This table with `other`'s entries added (existing entries win).
    public func merging(_ other: [String: String]) -> DirectoryNames {
        DirectoryNames(namesById.merging(other) { current, _ in current })
    }
}

/// The live state a plan is computed against: raw Graph GET objects (any API version, annotations and
/// all) and the names of the ids they and the configuration use.
public struct TenantSnapshot: Sendable, Hashable {
    public var policies: [JSONValue]
    public var namedLocations: [JSONValue]
    /// Names for ids; named locations are named from `namedLocations` automatically.
    public var directoryNames: DirectoryNames

    public init(policies: [JSONValue] = [], namedLocations: [JSONValue] = [], directoryNames: DirectoryNames = DirectoryNames()) {
        self.policies = policies
        self.namedLocations = namedLocations
        self.directoryNames = directoryNames
    }

    /// The live objects of `kind`.
    public func objects(of kind: ObjectKind) -> [JSONValue] {
        switch kind {
        case .namedLocation: namedLocations
        case .conditionalAccessPolicy: policies
        }
    }

    /// `directoryNames` plus the display name of every live named location and policy.
    var allNames: DirectoryNames {
        var extra: [String: String] = [:]
        for object in namedLocations + policies {
            if let id = object["id"]?.stringValue, let name = object["displayName"]?.stringValue { extra[id] = name }
        }
        return directoryNames.merging(extra)
    }
}

/// What entraform may touch: `manage:` in the settings file.
public struct ManagementScope: Sendable, Hashable, Codable {
    /// Only objects whose display name starts with this are managed; `nil` manages everything.
    public var namePrefix: String?
    /// Delete live objects in scope that are not declared.
    public var prune: Bool
    /// Undeclared named locations in scope: those whose name starts with this…
    public var namedLocationPrefix: String?
    /// … or is one of these (case-insensitively). Neither set: no undeclared location is in scope.
    public var namedLocationNames: [String]

    public init(namePrefix: String? = nil, prune: Bool = false, namedLocationPrefix: String? = nil, namedLocationNames: [String] = []) {
        self.namePrefix = namePrefix
        self.prune = prune
        self.namedLocationPrefix = namedLocationPrefix
        self.namedLocationNames = namedLocationNames
    }

    /// The scope a configuration's `manage` settings describe.
    public init(settings: Settings) {
        self.init(namePrefix: settings.manage?.namePrefix, prune: settings.manage?.prune ?? false,
                  namedLocationPrefix: settings.manage?.namedLocations?.namePrefix,
                  namedLocationNames: settings.manage?.namedLocations?.names ?? [])
    }

    /// True when a policy named `displayName` is inside the scope.
    public func contains(displayName: String) -> Bool {
        Self.matches(displayName, prefix: namePrefix) ?? true
    }

    /// `displayName` starts with `prefix` at a word boundary: when the prefix ends in a letter or a
    /// digit, the next character must not be a letter (`CA` takes `CA001`, `CA - MFA` and `CA`, not
    /// `CAT team`). `nil` when there is no prefix.
    static func matches(_ displayName: String, prefix: String?) -> Bool? {
        guard let prefix, !prefix.isEmpty else { return nil }
        guard displayName.hasPrefix(prefix) else { return false }
        guard let last = prefix.last, last.isLetter || last.isNumber else { return true }
        let rest = displayName.dropFirst(prefix.count)
        guard let next = rest.first else { return true }
        return !next.isLetter
    }

    /// Whether an object of `kind` named `displayName` is entraform's to manage when nothing declares
    /// it. Policies: within `namePrefix`. Named locations are shared infrastructure: only those the
    /// `namedLocations` scope names (declared ones are always matched by name).
    public func contains(_ kind: ObjectKind, displayName: String) -> Bool {
        switch kind {
        case .conditionalAccessPolicy:
            return contains(displayName: displayName)
        case .namedLocation:
            if Self.matches(displayName, prefix: namedLocationPrefix) == true { return true }
            return namedLocationNames.contains { $0.lowercased() == displayName.lowercased() }
        }
    }

    /// Whether a declared object of `kind` named `displayName` may be managed at all.
    public func allowsDeclared(_ kind: ObjectKind, displayName: String) -> Bool {
        kind == .namedLocation || contains(displayName: displayName)
    }
}

/// Policies Microsoft creates and manages in every tenant. entraform never deletes them.
public enum MicrosoftManagedPolicies {
    /// Template ids of Microsoft-managed policies (the "Baseline Security Mode" family).
    public static let templateIdPrefix = "4200930c-0da2-4e33-ca01-"
    /// The display-name prefix the service gives Microsoft-managed policies.
    public static let displayNamePrefix = "Microsoft-managed:"

    /// True when the live policy is managed by Microsoft.
    public static func contains(_ livePolicy: JSONValue) -> Bool {
        if let templateId = livePolicy["templateId"]?.stringValue?.lowercased(), templateId.hasPrefix(templateIdPrefix) {
            return true
        }
        return livePolicy["displayName"]?.stringValue?.hasPrefix(displayNamePrefix) ?? false
    }
}
