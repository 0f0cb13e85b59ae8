import PolicyModel

/// Turns raw values into ``PlanValue``s: ids in reference fields get their directory names.
package struct ReferenceLabeler: Sendable {
    package var names: DirectoryNames
    package var kind: ObjectKind

    package init(names: DirectoryNames, kind: ObjectKind) {
        self.names = names
        self.kind = kind
    }

    package func label(_ value: JSONValue, at path: String) -> PlanValue {
        guard kind == .conditionalAccessPolicy, GraphVocabulary.policyReferenceFields.contains(path),
            let text = value.stringValue
        else { return PlanValue(value) }
        if let pending = PendingReference.namedLocationName(in: text) {
            return PlanValue(value, name: pending, isPendingCreation: true)
        }
        if GraphVocabulary.reservedWords.contains(text) { return PlanValue(value) }
        if let name = names.name(for: text) { return PlanValue(value, name: name) }
        // First-party applications are valid targets without a service principal in the tenant.
        if Self.applicationFields.contains(path), let application = FirstPartyApplications.application(appId: text) {
            return PlanValue(value, name: application.displayName)
        }
        return PlanValue(value, isUnresolvedReference: Self.looksLikeObjectId(text))
    }

    private static let applicationFields: Set<String> = [
        "conditions.applications.includeApplications", "conditions.applications.excludeApplications",
    ]

    /// True for a GUID: the shape of every directory object id (auth-context ids like `c1` are not).
    package static func looksLikeObjectId(_ text: String) -> Bool {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12] else { return false }
        return text.allSatisfy { $0 == "-" || $0.isHexDigit }
    }
}

/// Compares two *normalized* objects field by field.
package enum FieldDiff {
    /// Root keys in the order people read a policy; other keys follow alphabetically.
    private static let preferredRootOrder = ["displayName", "@odata.type", "state", "conditions", "grantControls", "sessionControls"]

    /// The field changes that turn `before` into `after` (either may be `nil` for a create or delete).
    package static func changes(from before: JSONValue?, to after: JSONValue?, labeler: ReferenceLabeler) -> [FieldChange] {
        var result: [FieldChange] = []
        walk(path: [], before: before, after: after, labeler: labeler, into: &result)
        return result
    }

    private static func walk(path: FieldPath, before: JSONValue?, after: JSONValue?, labeler: ReferenceLabeler, into result: inout [FieldChange]) {
        if before == after { return }
        let dotted = path.dotted
        switch (before, after) {
        case (.object(let old)?, .object(let new)?):
            recurse(path: path, old: old, new: new, labeler: labeler, into: &result)
        case (.object(let old)?, nil):
            recurse(path: path, old: old, new: [:], labeler: labeler, into: &result)
        case (nil, .object(let new)?):
            recurse(path: path, old: [:], new: new, labeler: labeler, into: &result)
        case (.array(let old)?, .array(let new)?):
            result.append(setChange(dotted, old: old, new: new, labeler: labeler))
        case (.array(let old)?, nil):
            result.append(setChange(dotted, old: old, new: [], labeler: labeler))
        case (nil, .array(let new)?):
            result.append(setChange(dotted, old: [], new: new, labeler: labeler))
        default:
            result.append(FieldChange(path: dotted, change: .value(
                before: before.map { labeler.label($0, at: dotted) },
                after: after.map { labeler.label($0, at: dotted) })))
        }
    }

    private static func recurse(path: FieldPath, old: [String: JSONValue], new: [String: JSONValue], labeler: ReferenceLabeler, into result: inout [FieldChange]) {
        let keys = Set(old.keys).union(new.keys)
        let ordered = keys.sorted { lhs, rhs in
            if path.isEmpty {
                let l = preferredRootOrder.firstIndex(of: lhs) ?? Int.max
                let r = preferredRootOrder.firstIndex(of: rhs) ?? Int.max
                if l != r { return l < r }
            }
            return lhs < rhs
        }
        for key in ordered { walk(path: path + [key], before: old[key], after: new[key], labeler: labeler, into: &result) }
    }

    private static func setChange(_ path: String, old: [JSONValue], new: [JSONValue], labeler: ReferenceLabeler) -> FieldChange {
        let oldSet = Set(old)
        let newSet = Set(new)
        let added = new.filter { !oldSet.contains($0) }.map { labeler.label($0, at: path) }
        let removed = old.filter { !newSet.contains($0) }.map { labeler.label($0, at: path) }
        return FieldChange(path: path, change: .set(added: added, removed: removed))
    }
}

/// The comparison of one declared object with its live counterpart, both normalized.
package struct ObjectComparison: Sendable {
    package var fieldChanges: [FieldChange]
    /// Live fields outside entraform's vocabulary that the configuration does not mention.
    package var leftUnchanged: [String]

    /// Compares `desired` with `live` (both normalized). Unmodelled live fields the desired body does
    /// not mention are set aside and reported, never diffed.
    package init(desired: JSONValue, live: JSONValue, kind: ObjectKind, labeler: ReferenceLabeler) {
        var leftUnchanged: [String] = []
        let comparableLive = Self.settingAsideUnmodelled(live, desired: desired, kind: kind, path: [], into: &leftUnchanged)
        self.fieldChanges = FieldDiff.changes(from: comparableLive, to: desired, labeler: labeler)
        self.leftUnchanged = leftUnchanged.sorted()
    }

    /// True when the live object already matches.
    package var isMatch: Bool { fieldChanges.isEmpty }

    private static func settingAsideUnmodelled(_ value: JSONValue, desired: JSONValue, kind: ObjectKind, path: FieldPath, into leftUnchanged: inout [String]) -> JSONValue {
        guard case .object(let members) = value else { return value }
        var kept: [String: JSONValue] = [:]
        for (key, member) in members {
            let childPath = path + [key]
            if !GraphVocabulary.isModelled(childPath, kind: kind), desired.value(at: childPath) == nil {
                leftUnchanged.append(childPath.dotted)
                continue
            }
            kept[key] = settingAsideUnmodelled(member, desired: desired, kind: kind, path: childPath, into: &leftUnchanged)
        }
        return .object(kept)
    }
}
