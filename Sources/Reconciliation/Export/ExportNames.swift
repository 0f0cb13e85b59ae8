import PolicyModel

/// The names an export may write in place of ids: directory entries per kind (from a tenant, or from
/// id → name tables such as a `MigrationTable.json`), plus entries whose kind is unknown.
///
/// A name is only ever written when it identifies exactly one object of its kind, so that the
/// exported file resolves back to the same id; otherwise the id is kept.
public struct ExportNames: Sendable {
    /// Entries per kind.
    public var directory: DirectoryIndex
    /// id (lower-cased) → name, for tables that do not say what kind of object an id is.
    public var untyped: [String: String]

    public init(directory: DirectoryIndex = DirectoryIndex(), untyped: [String: String] = [:]) {
        self.directory = directory
        self.untyped = untyped
    }

    /// Ids whose sources disagree about the name (a renamed group exported twice, a stale table):
    /// never named, since either name could be wrong.
    public private(set) var conflictingIds: Set<String> = []

    /// Adds entries of a known kind. An id already known under another name becomes unnameable.
    public mutating func add(_ entries: [DirectoryEntry], as target: ReferenceTarget) {
        for entry in entries {
            if let known = directory.entry(id: entry.id, target) ?? untyped[entry.id.lowercased()].map({ DirectoryEntry(id: entry.id, name: $0) }),
               known.name != entry.name {
                conflictingIds.insert(entry.id.lowercased())
            }
        }
        directory.add(entries, as: target)
    }

    /// Adds an id → name pair of unknown kind.
    public mutating func addUntyped(id: String, name: String) {
        let key = id.lowercased()
        if let known = untyped[key], known != name { conflictingIds.insert(key) }
        if let typed = directory.entries.values.joined().first(where: { $0.id.lowercased() == key }), typed.name != name {
            conflictingIds.insert(key)
        }
        untyped[key] = name
    }

    /// The name to write for `id` of kind `target`, or `nil` when it cannot be named unambiguously.
    /// Applications (`appIdForm`) are looked up by appId; everything else by object id.
    public func name(for id: String, _ target: ReferenceTarget, appIdForm: Bool = false) -> String? {
        if conflictingIds.contains(id.lowercased()) { return nil }
        let candidate: String?
        if target == .servicePrincipal && appIdForm {
            candidate = directory.application(appId: id).first?.name
                ?? directory.entry(id: id, .servicePrincipal).flatMap { $0.appId == nil ? $0.name : nil }
                ?? untyped[id.lowercased()]
        } else {
            candidate = directory.entry(id: id, target)?.name ?? untyped[id.lowercased()]
        }
        guard let name = candidate, !name.isEmpty, name == name.trimmingSpaces, isUsable(name, for: id, target, appIdForm: appIdForm) else {
            return nil
        }
        return name
    }

    /// Why `id` has a name that cannot be written (another object of the kind has the same name, or
    /// the sources disagree), or `nil` when it simply has none.
    public func ambiguity(for id: String, _ target: ReferenceTarget, appIdForm: Bool = false) -> String? {
        if conflictingIds.contains(id.lowercased()) { return "the sources give it different names" }
        let candidate: String? = if target == .servicePrincipal && appIdForm {
            directory.application(appId: id).first?.name ?? untyped[id.lowercased()]
        } else {
            directory.entry(id: id, target)?.name ?? untyped[id.lowercased()]
        }
        guard let name = candidate, !name.isEmpty, case .name = DirectoryReference(parsing: name).form else { return nil }
        let sameName = target == .servicePrincipal && appIdForm ? directory.applications(named: name) : directory.matching(name: name, target)
        let others = sameName.filter { ($0.appId ?? $0.id).lowercased() != id.lowercased() && $0.id.lowercased() != id.lowercased() }
        guard !others.isEmpty else { return nil }
        return "\(others.count + 1) \(target.noun)s are named '\(name)'"
    }

    /// True when `name` written in a file would resolve back to `id` and nothing else.
    private func isUsable(_ name: String, for id: String, _ target: ReferenceTarget, appIdForm: Bool) -> Bool {
        // A name that reads as a reserved word or an id would be taken for one.
        guard case .name = DirectoryReference(parsing: name).form else { return false }
        if target == .user && !name.contains("@") { return false }
        if target == .authenticationContext, let other = directory.entry(id: name, .authenticationContext),
           other.id.lowercased() != id.lowercased() {
            return false
        }
        let typed = target == .servicePrincipal && appIdForm ? directory.applications(named: name) : directory.matching(name: name, target)
        let ids: Set<String> = if target == .servicePrincipal && appIdForm {
            Set(typed.map { ($0.appId ?? $0.id).lowercased() })
        } else {
            Set(typed.map { $0.id.lowercased() })
        }
        let untypedIds = untyped.filter { $0.value.caseInsensitiveCompare(name) == .orderedSame }.keys
        return ids.union(untypedIds).subtracting([id.lowercased()]).isEmpty
    }
}

extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text = text.dropFirst() }
        while text.last?.isWhitespace == true { text = text.dropLast() }
        return String(text)
    }
}
