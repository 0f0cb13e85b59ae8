import PolicyModel

/// Fingerprints of live objects: SHA-256 of the object without OData annotations, keys sorted.
/// Any server-side change (including `modifiedDateTime`) changes the fingerprint.
public enum LiveFingerprint {
    public static func of(_ liveObject: JSONValue, kind: ObjectKind) -> String {
        SHA256Digest.hex(of: NormalizationRule.dropODataAnnotations.apply(liveObject, kind: kind).canonicalJSON)
    }
}

/// Computes plans and drift reports. Pure: the same inputs always give the same plan.
public struct Planner: Sendable {
    public var normalizer: Normalizer

    public init(normalizer: Normalizer = .standard) { self.normalizer = normalizer }

    /// The plan that makes the tenant match `desired` within `scope`.
    /// - Parameter diagnostics: problems found earlier (loading, resolving), carried into the plan.
    public func plan(desired: [DesiredObject], snapshot: TenantSnapshot, scope: ManagementScope, diagnostics: [Diagnostic] = []) -> Plan {
        let analysis = Analysis(desired: desired, snapshot: snapshot, scope: scope, normalizer: normalizer)
        var buckets: [[PlannedChange]] = [[], [], [], []]  // locations ±, policies ±, policies −, locations −
        for kind in [ObjectKind.namedLocation, .conditionalAccessPolicy] {
            let upserts = analysis.objects[kind, default: []].sorted { $0.displayName < $1.displayName }
            buckets[kind == .namedLocation ? 0 : 1].append(contentsOf: upserts)
        }
        var extra: [Diagnostic] = []
        for kind in [ObjectKind.conditionalAccessPolicy, .namedLocation] where scope.prune {
            for live in analysis.unmanaged[kind, default: []].sorted(by: { displayName(of: $0) < displayName(of: $1) }) {
                let name = displayName(of: live)
                if kind == .conditionalAccessPolicy, MicrosoftManagedPolicies.contains(live) {
                    extra.append(.warning("'\(name)' (\(id(of: live))) is a Microsoft-managed policy; entraform never deletes it"))
                    continue
                }
                buckets[kind == .conditionalAccessPolicy ? 2 : 3].append(PlannedChange(
                    kind: kind, displayName: name, id: id(of: live), action: .delete,
                    reason: .notDeclaredWithPrune,
                    liveFingerprint: LiveFingerprint.of(live, kind: kind)))
            }
        }
        var changes = buckets.flatMap { $0 }
        // A trusted location is never pruned: deleting it silently changes what AllTrusted means for
        // every policy that uses it.
        let trustedIds = Set(snapshot.namedLocations.filter { $0["isTrusted"]?.boolValue == true }.map(id(of:)))
        let allTrustedUsers = snapshot.policies.filter { policy in
            ["includeLocations", "excludeLocations"].contains { key in
                (policy.value(at: ["conditions", "locations", key])?.stringArray ?? []).contains { $0.lowercased() == "alltrusted" }
            }
        }.map(displayName(of:)).sorted()
        changes.removeAll { change in
            guard change.kind == .namedLocation, change.action == .delete, let locationId = change.id, trustedIds.contains(locationId) else { return false }
            let users = allTrustedUsers.isEmpty ? "" : " (used through AllTrusted by \(allTrustedUsers.prefix(3).map { "'\($0)'" }.joined(separator: ", "))\(allTrustedUsers.count > 3 ? " and \(allTrustedUsers.count - 3) more" : ""))"
            extra.append(.warning(
                "named location '\(change.displayName)' (\(locationId)) is not declared but is trusted\(users); entraform never prunes a trusted location",
                suggestion: "declare it, or set isTrusted to false first and prune again, or delete it by hand"))
            return true
        }
        let stillUsed = locationsStillInUse(changes: changes, analysis: analysis, snapshot: snapshot)
        for (locationId, policies) in stillUsed.sorted(by: { $0.key < $1.key }) {
            guard let index = changes.firstIndex(where: { $0.kind == .namedLocation && $0.action == .delete && $0.id == locationId }) else { continue }
            let list = policies.map { "'\($0)'" }.joined(separator: ", ")
            extra.append(.warning("named location '\(changes[index].displayName)' (\(locationId)) is not declared but still used by \(list); it is not deleted"))
            changes.remove(at: index)
        }
        extra += Self.policyLimitDiagnostics(changes: changes, snapshot: snapshot)
        return Plan(
            changes: changes,
            diagnostics: (diagnostics + analysis.diagnostics + analysis.pinnedIdDiagnostics + extra).sortedByLocation(),
            liveStateDigest: analysis.liveStateDigest)
    }

    /// How many conditional access policies a tenant may hold (Microsoft's planning guidance since
    /// 2026; 195 before).
    public static let policyLimit = 240

    /// An error when the plan would take the tenant past ``policyLimit``: Graph would refuse the
    /// creates part-way through the apply.
    static func policyLimitDiagnostics(changes: [PlannedChange], snapshot: TenantSnapshot) -> [Diagnostic] {
        let creates = changes.filter { $0.kind == .conditionalAccessPolicy && $0.action == .create }.count
        let deletes = changes.filter { $0.kind == .conditionalAccessPolicy && $0.action == .delete }.count
        let after = snapshot.policies.count + creates - deletes
        guard creates > 0, after > policyLimit else { return [] }
        return [.error(
            "the plan would leave \(after) conditional access policies in the tenant (\(snapshot.policies.count) now, \(creates) to create, \(deletes) to delete); Entra allows at most \(policyLimit)",
            suggestion: "delete or merge \(after - policyLimit) polic\(after - policyLimit == 1 ? "y" : "ies") first")]
    }

    /// What differs between the tenant and the configuration, classified for `drift`.
    public func drift(desired: [DesiredObject], snapshot: TenantSnapshot, scope: ManagementScope, diagnostics: [Diagnostic] = []) -> DriftReport {
        let analysis = Analysis(desired: desired, snapshot: snapshot, scope: scope, normalizer: normalizer)
        var entries: [DriftEntry] = []
        let names = snapshot.allNames
        for kind in [ObjectKind.namedLocation, .conditionalAccessPolicy] {
            for change in analysis.objects[kind, default: []].sorted(by: { $0.displayName < $1.displayName }) {
                switch change.action {
                case .create:
                    entries.append(DriftEntry(kind: kind, displayName: change.displayName, id: nil, category: .missing, location: change.location))
                case .update:
                    entries.append(DriftEntry(
                        kind: kind, displayName: change.displayName, id: change.id, category: .changed,
                        fieldChanges: change.fieldChanges, location: change.location))
                case .delete, .noOp: break
                }
            }
            for live in analysis.unmanaged[kind, default: []].sorted(by: { displayName(of: $0) < displayName(of: $1) }) {
                entries.append(DriftEntry(kind: kind, displayName: displayName(of: live), id: id(of: live), category: .unmanagedInScope))
            }
        }
        // Live references to objects the directory cannot name (deleted groups, users, locations …).
        for live in analysis.managedOrInScopeLivePolicies.sorted(by: { displayName(of: $0) < displayName(of: $1) }) {
            let normalized = normalizer.normalize(live, kind: .conditionalAccessPolicy)
            let labeler = ReferenceLabeler(names: names, kind: .conditionalAccessPolicy)
            var dangling: [FieldChange] = []
            for path in GraphVocabulary.policyReferenceFields.sorted() {
                let fieldPath = path.split(separator: ".").map(String.init)
                let values: [JSONValue] = normalized.value(at: fieldPath).map { $0.arrayValue ?? [$0] } ?? []
                let unresolved = values.map { labeler.label($0, at: path) }.filter(\.isUnresolvedReference)
                if !unresolved.isEmpty { dangling.append(FieldChange(path: path, change: .set(added: [], removed: unresolved))) }
            }
            if !dangling.isEmpty {
                entries.append(DriftEntry(
                    kind: .conditionalAccessPolicy, displayName: displayName(of: live), id: id(of: live),
                    category: .danglingReferences, fieldChanges: dangling))
            }
        }
        return DriftReport(entries: entries, diagnostics: (diagnostics + analysis.diagnostics).sortedByLocation())
    }

    /// Location id → names of the policies that will still use it after the plan (declared bodies of
    /// policies that stay, and live policies entraform does not manage or leave unchanged).
    private func locationsStillInUse(changes: [PlannedChange], analysis: Analysis, snapshot: TenantSnapshot) -> [String: [String]] {
        let deletedLocations = Set(changes.filter { $0.kind == .namedLocation && $0.action == .delete }.compactMap(\.id))
        guard !deletedLocations.isEmpty else { return [:] }
        let deletedPolicyIds = Set(changes.filter { $0.kind == .conditionalAccessPolicy && $0.action == .delete }.compactMap(\.id))
        let rewrittenPolicyIds = Set(changes.filter { $0.kind == .conditionalAccessPolicy && $0.action == .update }.compactMap(\.id))
        var users: [String: Set<String>] = [:]
        func record(_ body: JSONValue, policyName: String) {
            for key in ["includeLocations", "excludeLocations"] {
                for value in body.value(at: ["conditions", "locations", key])?.stringArray ?? [] where deletedLocations.contains(value) {
                    users[value, default: []].insert(policyName)
                }
            }
        }
        for change in changes where change.kind == .conditionalAccessPolicy && change.action != .delete {
            if let body = change.requestBody { record(body, policyName: change.displayName) }
        }
        for live in snapshot.policies where !deletedPolicyIds.contains(id(of: live)) && !rewrittenPolicyIds.contains(id(of: live)) {
            record(live, policyName: displayName(of: live))
        }
        return users.mapValues { $0.sorted() }
    }
}

private func displayName(of live: JSONValue) -> String { live["displayName"]?.stringValue ?? "" }
private func id(of live: JSONValue) -> String { live["id"]?.stringValue ?? "" }

/// Matching and comparison shared by `plan` and `drift`.
private struct Analysis {
    /// Planned entries for declared objects (create, update, no-op), per kind.
    var objects: [ObjectKind: [PlannedChange]] = [:]
    /// Live objects in scope that nothing declares, per kind.
    var unmanaged: [ObjectKind: [JSONValue]] = [:]
    /// Ids of live objects matched by a declaration, per kind.
    var managedLiveIds: [ObjectKind: [String]] = [:]
    var managedOrInScopeLivePolicies: [JSONValue] = []
    var diagnostics: [Diagnostic] = []
    /// Pins that match nothing: errors for a plan, "missing" for drift.
    var pinnedIdDiagnostics: [Diagnostic] = []
    var liveStateDigest = ""

    init(desired: [DesiredObject], snapshot: TenantSnapshot, scope: ManagementScope, normalizer: Normalizer) {
        let names = snapshot.allNames
        var locationIdsByDeclaredName: [String: String] = [:]
        var fingerprintLines: [String] = []
        let declaredLocationNames = Set(desired.filter { $0.kind == .namedLocation }.map(\.displayName))

        for kind in [ObjectKind.namedLocation, .conditionalAccessPolicy] {
            let declared = desired.filter { $0.kind == kind }
            let live = snapshot.objects(of: kind)
            let matching = IdentityMatching(kind: kind, desired: declared, live: live, scope: scope)
            diagnostics += matching.diagnostics
            pinnedIdDiagnostics += matching.pinnedIdDiagnostics
            unmanaged[kind] = matching.unmanagedInScope
            let labeler = ReferenceLabeler(names: names, kind: kind)

            // What each match costs (its wire form, both sides normalized and compared, the live
            // object's fingerprint) depends on no other match: computed on every core, taken in order.
            let compared = matching.matches.concurrentMap { match in
                Compared(match, kind: kind, locationIds: locationIdsByDeclaredName, normalizer: normalizer, labeler: labeler)
            }
            for (match, computed) in zip(matching.matches, compared) {
                if kind == .conditionalAccessPolicy {
                    for name in Self.pendingLocationNames(in: computed.body) where !declaredLocationNames.contains(name) {
                        diagnostics.append(.error(
                            "policy '\(match.desired.displayName)' refers to named location '\(name)', which is neither declared nor in the tenant",
                            at: match.desired.location))
                    }
                }
                if kind == .conditionalAccessPolicy, let problem = Self.missingControls(computed.body, live: match.live, name: match.desired.displayName,
                                                                                       at: match.desired.location) {
                    diagnostics.append(problem)
                }
                let wire = computed.wire
                let desiredNormalized = computed.desiredNormalized
                guard let liveObject = match.live, let comparison = computed.comparison else {
                    objects[kind, default: []].append(PlannedChange(
                        kind: kind, displayName: match.desired.displayName, id: nil, action: .create,
                        reason: .declaredNotInTenant,
                        fieldChanges: FieldDiff.changes(from: nil, to: desiredNormalized, labeler: labeler),
                        requestBody: wire, location: match.desired.location))
                    continue
                }
                let liveId = id(of: liveObject)
                managedLiveIds[kind, default: []].append(liveId)
                if kind == .namedLocation, let refusal = Self.locationTypeChange(
                    declared: desiredNormalized, live: liveObject, name: match.desired.displayName, liveId: liveId,
                    at: match.desired.location) {
                    // Graph cannot change a location's type in place; nothing is planned for it.
                    diagnostics.append(refusal)
                    continue
                }
                if kind == .namedLocation { locationIdsByDeclaredName[match.desired.displayName] = liveId }
                if kind == .conditionalAccessPolicy {
                    managedOrInScopeLivePolicies.append(liveObject)
                    diagnostics += computed.unknownFutureValueWarnings
                }
                let pinned = match.reason == .pinnedId
                let reason: ChangeReason = switch match.reason {
                case .previousName(let old)?: .renamed(from: old)
                default: comparison.isMatch ? .matchesTenant(pinnedId: pinned)
                    : .differsFromTenant(fields: comparison.fieldChanges.count, pinnedId: pinned)
                }
                objects[kind, default: []].append(PlannedChange(
                    kind: kind, displayName: match.desired.displayName, id: liveId,
                    action: comparison.isMatch ? .noOp : .update,
                    reason: reason,
                    fieldChanges: comparison.fieldChanges, leftUnchanged: comparison.leftUnchanged,
                    requestBody: computed.patchBody,
                    liveFingerprint: computed.liveFingerprint, location: match.desired.location))
            }
            if kind == .conditionalAccessPolicy { managedOrInScopeLivePolicies += matching.unmanagedInScope }
            var fingerprints: [String: String] = [:]
            for change in objects[kind, default: []] {
                if let id = change.id, let fingerprint = change.liveFingerprint { fingerprints[id] = fingerprint }
            }
            let relevantIds = Set(managedLiveIds[kind, default: []] + matching.unmanagedInScope.map(id(of:)))
            for object in live where relevantIds.contains(id(of: object)) {
                let fingerprint = fingerprints[id(of: object)] ?? LiveFingerprint.of(object, kind: kind)
                fingerprintLines.append("\(kind.rawValue) \(id(of: object)) \(fingerprint)")
            }
        }
        liveStateDigest = SHA256Digest.hex(of: fingerprintLines.sorted().joined(separator: "\n"))
    }

    /// One match's costly part, computed apart from the others: the declared body with pending
    /// location references substituted, its wire form, normalized; against the live object (when
    /// there is one) the comparison, the PATCH body of an update, the live fingerprint and its
    /// `unknownFutureValue` warnings.
    struct Compared {
        var body: JSONValue
        var wire: JSONValue
        var desiredNormalized: JSONValue
        var comparison: ObjectComparison?
        var patchBody: JSONValue?
        var liveFingerprint: String?
        /// A live policy read with `unknownFutureValue` in it.
        var unknownFutureValueWarnings: [Diagnostic] = []

        init(_ match: IdentityMatch, kind: ObjectKind, locationIds: [String: String], normalizer: Normalizer, labeler: ReferenceLabeler) {
            body = kind == .conditionalAccessPolicy ? PendingReference.substitute(in: match.desired.body, ids: locationIds) : match.desired.body
            wire = RequestBodies.wireForm(body, kind: kind, displayName: match.desired.displayName)
            desiredNormalized = normalizer.normalize(wire, kind: kind)
            guard let live = match.live else { return }
            let comparison = ObjectComparison(desired: desiredNormalized, live: normalizer.normalize(live, kind: kind), kind: kind, labeler: labeler)
            self.comparison = comparison
            if !comparison.isMatch {
                patchBody = RequestBodies.patchBody(wire: wire, live: live, desiredNormalized: desiredNormalized, kind: kind)
            }
            liveFingerprint = LiveFingerprint.of(live, kind: kind)
            if kind == .conditionalAccessPolicy { unknownFutureValueWarnings = Analysis.unknownFutureValueWarnings(live, location: match.desired.location) }
        }
    }

    /// An error when a declared policy has no control the language models and the live policy it adopts
    /// holds none either (nothing to keep): Graph rejects a policy without controls.
    static func missingControls(_ body: JSONValue, live: JSONValue?, name: String, at location: SourceLocation?) -> Diagnostic? {
        func hasControls(_ object: JSONValue?) -> Bool {
            let grant = object?["grantControls"] ?? .null
            let session = object?["sessionControls"] ?? .null
            return !grant.isNull || (session.objectValue?.values.contains { !$0.isNull } ?? false)
        }
        guard !hasControls(body), !hasControls(live) else { return nil }
        return .error("policy '\(name)' has no grantControls or sessionControls\(live == nil ? "" : ", and neither has the tenant's policy"); Graph requires one",
                      at: location, suggestion: "add grantControls: {builtInControls: [mfa]} or a session control")
    }

    /// An error when a declared named location has another type (IP ranges ↔ countries) than the live
    /// object it matches: Graph keeps a location's `@odata.type` for life (a PATCH that changes it is a
    /// 400), and replacing it in place would leave every policy using it pointing at a deleted id.
    static func locationTypeChange(declared: JSONValue, live: JSONValue, name: String, liveId: String,
                                   at location: SourceLocation?) -> Diagnostic? {
        func kind(_ object: JSONValue) -> String? {
            let type = object["@odata.type"]?.stringValue ?? ""
            if type.hasSuffix("countryNamedLocation") { return "countries" }
            if type.hasSuffix("ipNamedLocation") { return "IP ranges" }
            // Exports without annotations: the fields say which it is.
            if object["countriesAndRegions"] != nil { return "countries" }
            if object["ipRanges"] != nil { return "IP ranges" }
            return nil
        }
        guard let wanted = kind(declared), let held = kind(live), wanted != held else { return nil }
        return .error(
            "named location '\(name)' is declared with \(wanted) but the tenant's (\(liveId)) holds \(held); Graph cannot change a location's type",
            at: location,
            suggestion: "give the declaration a new displayName (and no pinned id) and refer to that name in the policies: one apply creates the new location, moves the policies to it, and with prune deletes the old one after them")
    }

    static func pendingLocationNames(in body: JSONValue) -> [String] {
        var names: [String] = []
        _ = body.mappedBottomUp { value in
            if let text = value.stringValue, let name = PendingReference.namedLocationName(in: text) { names.append(name) }
            return value
        }
        return names
    }

    /// Live values of `unknownFutureValue` mean the read lacked `Prefer: include-unknown-enum-members`:
    /// newer members (`riskRemediation`, `linux`, `strictLocation`) would then look like drift.
    static func unknownFutureValueWarnings(_ live: JSONValue, location: SourceLocation?) -> [Diagnostic] {
        func holds(_ text: String) -> Bool {
            text == "unknownFutureValue" || (text.utf8.contains(UInt8(ascii: ",")) && text.split(separator: ",").contains("unknownFutureValue"))
        }
        /// A scan that builds nothing (most policies hold no such value).
        func anywhere(_ value: JSONValue) -> Bool {
            switch value {
            case .string(let text): holds(text)
            case .array(let items): items.contains(where: anywhere)
            case .object(let members): members.values.contains(where: anywhere)
            default: false
            }
        }
        guard anywhere(live) else { return [] }
        var paths: [String] = []
        _ = live.rewrittenBottomUp { path, value in
            if let text = value.stringValue, holds(text) { paths.append(path.dotted) }
            return value
        }
        guard !paths.isEmpty else { return [] }
        let name = displayName(of: live)
        return [.warning(
            "live policy '\(name)' has 'unknownFutureValue' in \(Set(paths).sorted().joined(separator: ", ")); it was read without 'Prefer: include-unknown-enum-members', so the comparison may be wrong",
            at: location)]
    }
}
