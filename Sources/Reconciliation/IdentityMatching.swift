import PolicyModel

/// How a declared object found its live counterpart.
public enum MatchReason: Sendable, Hashable, Codable {
    case pinnedId
    case displayName
    case previousName(String)
}

/// A declared object and the live object it manages (if any).
package struct IdentityMatch: Sendable {
    package var desired: DesiredObject
    package var live: JSONValue?
    package var reason: MatchReason?
}

/// The outcome of matching one kind's declared objects to live ones.
package struct IdentityMatching: Sendable {
    /// One entry per declared object, in declaration order.
    package var matches: [IdentityMatch] = []
    /// Live objects in scope that no declared object claims.
    package var unmanagedInScope: [JSONValue] = []
    package var diagnostics: [Diagnostic] = []
    /// Declared objects whose pinned `id` matches no live object: deleted in the tenant (drift reports
    /// them as missing) or a wrong id (plan refuses, see ``pinnedIdDiagnostics``).
    package var missingPinned: [DesiredObject] = []

    /// Matches declared to live objects of one kind: by pinned `id`, then `displayName`, then
    /// `previousNames`, names compared case-insensitively as Entra and `validate` do. Out-of-scope live
    /// objects are only reachable by pin or previous name, and only with `adoptOutOfScope`.
    package init(kind: ObjectKind, desired: [DesiredObject], live: [JSONValue], scope: ManagementScope) {
        var declaredByName: [String: DesiredObject] = [:]
        for object in desired {
            if let earlier = declaredByName[object.displayName.lowercased()] {
                let also = earlier.location.map { " (also declared at \($0))" } ?? ""
                diagnostics.append(.error("\(kind) '\(object.displayName)' is declared more than once\(also)", at: object.location))
            } else {
                declaredByName[object.displayName.lowercased()] = object
            }
            if !scope.allowsDeclared(kind, displayName: object.displayName) {
                let prefix = scope.namePrefix ?? ""
                let boundary = object.displayName.hasPrefix(prefix)
                    ? "; it starts with '\(prefix)' but a letter follows, and a prefix ending in a letter or digit matches at a word boundary (end the prefix with a separator, e.g. '\(prefix)-', to take it)"
                    : ""
                diagnostics.append(.error(
                    "\(kind) '\(object.displayName)' is outside the managed scope (manage.namePrefix is '\(prefix)')\(boundary)",
                    at: object.location))
            }
        }

        let liveIds = live.map { $0["id"]?.stringValue ?? "" }
        let liveNames = live.map { $0["displayName"]?.stringValue ?? "" }
        var claimedBy: [String: String] = [:]  // live id → declared name
        // Looked up by key, not by lower-casing every live object for every declared one.
        let liveByName = Dictionary(grouping: live.indices, by: { liveNames[$0].lowercased() })
        let liveById = Dictionary(live.indices.map { (liveIds[$0].lowercased(), $0) }, uniquingKeysWith: { first, _ in first })

        func liveIndices(named name: String, inScopeOnly: Bool) -> [Int] {
            (liveByName[name.lowercased()] ?? []).filter { index in
                !inScopeOnly || scope.allowsDeclared(kind, displayName: liveNames[index])
            }
        }

        for object in desired {
            var match = IdentityMatch(desired: object, live: nil, reason: nil)
            var candidateIndex: Int?
            if let pinned = object.pinnedId {
                if let index = liveById[pinned.lowercased()] {
                    candidateIndex = index
                    match.reason = .pinnedId
                } else {
                    missingPinned.append(object)
                }
            } else {
                let lookups = [(object.displayName, MatchReason.displayName)] + object.previousNames.map { ($0, MatchReason.previousName($0)) }
                for (name, reason) in lookups {
                    let found = liveIndices(named: name, inScopeOnly: reason == .displayName)
                    if found.count > 1 {
                        let ids = found.map { "'\(liveIds[$0])'" }.joined(separator: ", ")
                        diagnostics.append(.error(
                            "\(found.count) live \(kind.pluralDescription) are named '\(name)' (ids \(ids)); entraform cannot tell which '\(object.displayName)' manages",
                            at: object.location, suggestion: "pin one with 'id: \(liveIds[found[0]])'"))
                        break
                    }
                    if let index = found.first {
                        candidateIndex = index
                        match.reason = reason
                        break
                    }
                }
            }
            if let index = candidateIndex, match.reason != .displayName, kind == .conditionalAccessPolicy,
               !scope.contains(kind, displayName: liveNames[index]), !object.adoptOutOfScope {
                // A pin or a previous name reaching outside manage.namePrefix takes over another team's policy.
                let how = match.reason == .pinnedId ? "pinned id" : "previous name '\(liveNames[index])'"
                diagnostics.append(.error(
                    "\(kind) '\(object.displayName)' would adopt live \(kind) '\(liveNames[index])' (\(liveIds[index])) by its \(how), but that policy is outside the managed scope (manage.namePrefix is '\(scope.namePrefix ?? "")')",
                    at: object.location,
                    suggestion: "if taking it over is intended, add 'adoptOutOfScope: true' to the declaration"))
                candidateIndex = nil
                match.reason = nil
            }
            if let index = candidateIndex {
                let id = liveIds[index]
                if let other = claimedBy[id] {
                    diagnostics.append(.error(
                        "live \(kind) '\(liveNames[index])' (\(id)) is claimed by both '\(other)' and '\(object.displayName)'",
                        at: object.location))
                    match.reason = nil
                } else {
                    claimedBy[id] = object.displayName
                    match.live = live[index]
                }
            }
            matches.append(match)
        }

        unmanagedInScope = live.indices.filter { index in
            claimedBy[liveIds[index]] == nil && scope.contains(kind, displayName: liveNames[index])
        }.map { live[$0] }

        // A rename (pin or previous name) must not leave two live objects with one name behind.
        for match in matches {
            guard let adopted = match.live, let adoptedId = adopted["id"]?.stringValue,
                  (adopted["displayName"]?.stringValue ?? "") != match.desired.displayName else { continue }
            let clashes = (liveByName[match.desired.displayName.lowercased()] ?? []).filter { index in
                liveIds[index] != adoptedId && claimedBy[liveIds[index]] == nil
            }
            for index in clashes where !(scope.prune && scope.contains(kind, displayName: liveNames[index])) {
                diagnostics.append(.error(
                    "renaming \(kind) '\(adopted["displayName"]?.stringValue ?? adoptedId)' (\(adoptedId)) to '\(match.desired.displayName)' would leave two \(kind.pluralDescription) with that name: '\(liveNames[index])' (\(liveIds[index])) exists and is not managed here",
                    at: match.desired.location,
                    suggestion: "rename or delete the other one first, or declare it so entraform manages it"))
            }
        }
    }

    /// The plan's errors for pins that match nothing, with what to do about it.
    package var pinnedIdDiagnostics: [Diagnostic] {
        missingPinned.map { object in
            .error("pinned id '\(object.pinnedId ?? "")' of \(object.kind) '\(object.displayName)' matches no live \(object.kind): it was deleted in the tenant, or the id is wrong",
                   at: object.location,
                   suggestion: "restore it from the deleted items (Entra admin center → Conditional Access → Deleted policies) to keep its id, or remove 'id:' to create it anew")
        }
    }
}
