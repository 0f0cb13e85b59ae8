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

    /// Matches declared to live objects of one kind: by pinned `id`, then exact `displayName`, then
    /// `previousNames`. Out-of-scope live objects are only reachable by pin or previous name.
    package init(kind: ObjectKind, desired: [DesiredObject], live: [JSONValue], scope: ManagementScope) {
        var declaredByName: [String: DesiredObject] = [:]
        for object in desired {
            if let earlier = declaredByName[object.displayName] {
                let also = earlier.location.map { " (also declared at \($0))" } ?? ""
                diagnostics.append(.error("\(kind) '\(object.displayName)' is declared more than once\(also)", at: object.location))
            } else {
                declaredByName[object.displayName] = object
            }
            if !scope.contains(kind, displayName: object.displayName) {
                diagnostics.append(.error(
                    "\(kind) '\(object.displayName)' is outside the managed scope (manage.namePrefix is '\(scope.namePrefix ?? "")')",
                    at: object.location))
            }
        }

        let liveIds = live.map { $0["id"]?.stringValue ?? "" }
        var claimedBy: [String: String] = [:]  // live id → declared name

        func liveIndices(named name: String, inScopeOnly: Bool) -> [Int] {
            live.indices.filter { index in
                guard live[index]["displayName"]?.stringValue == name else { return false }
                return !inScopeOnly || scope.contains(kind, displayName: name)
            }
        }

        for object in desired {
            var match = IdentityMatch(desired: object, live: nil, reason: nil)
            var candidateIndex: Int?
            if let pinned = object.pinnedId {
                if let index = liveIds.firstIndex(where: { $0.lowercased() == pinned.lowercased() }) {
                    candidateIndex = index
                    match.reason = .pinnedId
                } else {
                    diagnostics.append(.error("pinned id '\(pinned)' of \(kind) '\(object.displayName)' matches no live \(kind)", at: object.location))
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
            if let index = candidateIndex {
                let id = liveIds[index]
                if let other = claimedBy[id] {
                    diagnostics.append(.error(
                        "live \(kind) '\(live[index]["displayName"]?.stringValue ?? id)' (\(id)) is claimed by both '\(other)' and '\(object.displayName)'",
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
            claimedBy[liveIds[index]] == nil && scope.contains(kind, displayName: live[index]["displayName"]?.stringValue ?? "")
        }.map { live[$0] }
    }
}
