import PolicyModel

/// Builds the JSON entraform sends: POST bodies for creates and PATCH bodies for updates.
package enum RequestBodies {
    /// The declared body in the form Graph accepts on write: OData annotations other than `@odata.type`
    /// and server-owned fields removed, flags lists joined into one string, reserved words in Graph's
    /// spelling, authentication strength as `{"id": …}`, and `isEnabled: true` on present session
    /// controls that do not say otherwise.
    package static func wireForm(_ body: JSONValue, kind: ObjectKind, displayName: String) -> JSONValue {
        var body = NormalizationRule.strippingAnnotations(body, keepingType: .everywhere)
        if kind == .conditionalAccessPolicy {
            body = body.updating(at: GraphVocabulary.flagsPaths) { value in
                NormalizationRule.flagTokens(value).map { $0.isEmpty ? .null : .string($0.joined(separator: ",")) } ?? value
            }
            body = body.updating(at: GraphVocabulary.reservedWordPaths) { value in
                value.mapArrayItems { item in item.stringValue.map { .string(NormalizationRule.canonicalReservedWord($0)) } ?? item }
            }
            // externalTenants is abstract: a write names the derived type.
            body = body.updating(at: GraphVocabulary.externalTenantsPaths) { value in
                guard case .object(var members) = value, members["@odata.type"] == nil else { return value }
                switch members["membershipKind"]?.stringValue {
                case "all"?: members["@odata.type"] = "#microsoft.graph.conditionalAccessAllExternalTenants"
                case "enumerated"?: members["@odata.type"] = "#microsoft.graph.conditionalAccessEnumeratedExternalTenants"
                default: break
                }
                return .object(members)
            }
        }
        guard case .object(var members) = body else { return body }
        for key in GraphVocabulary.serverOwnedRootFields { members[key] = nil }
        if kind == .conditionalAccessPolicy {
            for key in GraphVocabulary.serverOwnedPolicyRootFields { members[key] = nil }
        }
        members["displayName"] = .string(displayName)
        body = .object(members)
        guard kind == .conditionalAccessPolicy else { return body }
        body = body.updating(at: ["grantControls", "authenticationStrength"]) { strength in
            switch strength {
            case .object(let fields)?: fields["id"].map { ["id": $0] } ?? .null
            case .string(let id)?: ["id": .string(id)]
            default: strength
            }
        }
        return body.updating(at: ["sessionControls"]) { controls in
            guard case .object(var controlMembers)? = controls else { return controls }
            for key in GraphVocabulary.sessionControlObjects where key != "continuousAccessEvaluation" {
                guard case .object(var control)? = controlMembers[key], control.values.contains(where: { !$0.isNull }),
                    control["isEnabled"]?.isNull ?? true
                else { continue }
                control["isEnabled"] = true
                controlMembers[key] = .object(control)
            }
            return .object(controlMembers)
        }
    }

    /// The PATCH body for an update: whole `conditions` / `grantControls` / `sessionControls` objects
    /// (Graph merges nested objects, so partial ones would keep stale values), with
    /// - modelled fields the live object has but the configuration leaves out set to their default or
    ///   cleared explicitly (`[]` for collections, `null` otherwise), and
    /// - unmodelled live fields copied from the live object so the PATCH never wipes them.
    package static func patchBody(wire: JSONValue, live: JSONValue, desiredNormalized: JSONValue, kind: ObjectKind) -> JSONValue {
        let cleanLive = NormalizationRule.dropODataAnnotations.apply(live, kind: kind)
        guard case .object(var members) = wire, case .object(let liveMembers) = cleanLive else { return wire }
        // Root: send the modelled top-level fields only; unmodelled root fields are left alone by PATCH.
        // A root field declared `null` is treated like an absent one: its unmodelled live members
        // (a new session control, say) must survive, so they are carried and the rest cleared.
        for (key, liveValue) in liveMembers where (members[key] ?? .null).isNull && !liveValue.isNullOrEmpty {
            let path = [key]
            guard GraphVocabulary.isModelled(path, kind: kind), !GraphVocabulary.serverOwnedRootFields.contains(key) else { continue }
            members[key] = merged(desired: nil, live: liveValue, path: path, desiredNormalized: desiredNormalized, kind: kind)
        }
        for (key, value) in members {
            guard case .object = value, let liveValue = liveMembers[key] else { continue }
            members[key] = merged(desired: value, live: liveValue, path: [key], desiredNormalized: desiredNormalized, kind: kind)
        }
        return .object(members)
    }

    /// The value to send at `path`, given the declared value (`nil` when absent) and the live one.
    private static func merged(desired: JSONValue?, live: JSONValue, path: FieldPath, desiredNormalized: JSONValue, kind: ObjectKind) -> JSONValue {
        let isContainer = GraphVocabulary.isMemberwiseContainer(path, kind: kind)
        // `null` for a container means "none of the modelled members": the same as leaving it out, so
        // unmodelled members beneath it are still carried along (sending `null` would wipe them).
        if let desired, !(desired.isNull && isContainer) {
            guard isContainer, case .object(var members) = desired, case .object(let liveMembers) = live else {
                return clearingStaleMembers(desired, live: live, path: path, kind: kind)
            }
            for (key, liveValue) in liveMembers where !liveValue.isNullOrEmpty {
                members[key] = merged(desired: members[key], live: liveValue, path: path + [key], desiredNormalized: desiredNormalized, kind: kind)
            }
            return .object(members)
        }
        // Absent in the configuration.
        guard GraphVocabulary.isModelled(path, kind: kind) else { return live }
        if let defaulted = desiredNormalized.value(at: path), !isContainer {
            if let key = path.last, GraphVocabulary.flagsFields.contains(key), let tokens = NormalizationRule.flagTokens(defaulted) {
                return .string(tokens.joined(separator: ","))
            }
            return defaulted
        }
        if isContainer, case .object(let liveMembers) = live, containsUnmodelledContent(live, path: path, kind: kind) {
            var members: [String: JSONValue] = [:]
            for (key, liveValue) in liveMembers where !liveValue.isNullOrEmpty {
                members[key] = merged(desired: nil, live: liveValue, path: path + [key], desiredNormalized: desiredNormalized, kind: kind)
            }
            return .object(members)
        }
        if case .array = live { return [] }
        return .null
    }

    /// A declared session control sent whole: Graph merges a PATCH's nested objects member by member, so a
    /// member the live object has and the declaration leaves out is sent cleared (`[]` or `null`), or
    /// the stale value would stay (`persistentBrowser: {isEnabled: false}` kept `mode: always`). Not
    /// when the object changes type (`@odata.type`): Graph replaces it, and the old type's members are
    /// not the new one's.
    /// Only a session control's own settings are cleared: elsewhere an object's other members may be
    /// Graph's (an authentication strength's `displayName`), never the configuration's to remove.
    private static func clearingStaleMembers(_ desired: JSONValue, live: JSONValue, path: FieldPath, kind: ObjectKind) -> JSONValue {
        guard kind == .conditionalAccessPolicy, path.count == 2, path[0] == "sessionControls",
              GraphVocabulary.sessionControlObjects.contains(path[1]),
              case .object(var members) = desired, case .object(let liveMembers) = live,
              members["@odata.type"]?.stringValue?.lowercased() == liveMembers["@odata.type"]?.stringValue?.lowercased() else { return desired }
        for (key, liveValue) in liveMembers where members[key] == nil && sessionControlSettings.contains(key) && !liveValue.isNullOrEmpty {
            if case .array = liveValue { members[key] = [] } else { members[key] = .null }
        }
        return .object(members)
    }

    /// The settings of Graph's session control types (`conditionalAccessSessionControl` and its kinds).
    private static let sessionControlSettings: Set<String> = [
        "isEnabled", "mode", "type", "value", "frequencyInterval", "authenticationType", "cloudAppSecurityType", "profileId",
    ]

    private static func containsUnmodelledContent(_ value: JSONValue, path: FieldPath, kind: ObjectKind) -> Bool {
        guard case .object(let members) = value else { return false }
        return members.contains { key, member in
            guard !member.isNullOrEmpty else { return false }
            let childPath = path + [key]
            if !GraphVocabulary.isModelled(childPath, kind: kind) { return true }
            return GraphVocabulary.isMemberwiseContainer(childPath, kind: kind) && containsUnmodelledContent(member, path: childPath, kind: kind)
        }
    }
}
