import PolicyModel

/// One live object converted to a document of the policy language.
public struct ExportedObject: Sendable {
    public var kind: ObjectKind
    public var displayName: String
    /// The live id (written as `id:` to pin the document to the object).
    public var id: String?
    /// The document as JSON (`kind`, `displayName`, `id`, …): ids replaced by names where possible,
    /// defaults and empties left out. Key order is the writer's business (the language schema's order).
    public var document: JSONValue
    /// What could not be carried over exactly: unnamed ids, unmodelled fields, values read leniently.
    public var warnings: [String]
    /// What could not be converted at all (a missing or invalid `state`, a value of the wrong type):
    /// the document must not be written as it is.
    public var errors: [String] = []
}

/// Live Graph objects (v1.0 or beta GET shapes, OData annotations and all) → policy language documents.
/// The inverse of `GraphBodies`: exporting a tenant and planning the export against it shows no changes.
public enum LiveExport {
    /// A live conditional access policy as a `ConditionalAccessPolicy` document.
    public static func policy(_ live: JSONValue, names: ExportNames) -> ExportedObject {
        var converter = PolicyConverter(names: names)
        let displayName = live["displayName"]?.stringValue ?? ""
        var document: [String: JSONValue] = [
            "kind": "ConditionalAccessPolicy",
            "displayName": .string(displayName),
        ]
        let id = live["id"]?.stringValue
        if let id { document["id"] = .string(id) }
        // Never a default state: a policy without a readable one is an error, not 'enabled'.
        let states = ["enabled", "disabled", "enabledForReportingButNotEnforced"]
        if let state = live["state"]?.stringValue, states.contains(state) {
            document["state"] = .string(state)
        } else {
            let found = live["state"].map { $0.isNull ? "null" : $0.serializedString() } ?? "missing"
            converter.errors.append("state is \(found == "missing" ? "missing" : "\(found), not one of \(states.joined(separator: ", "))"); the policy is not exported (entraform never guesses a state)")
        }
        document["conditions"] = converter.conditions(live["conditions"])
        document["grantControls"] = converter.grantControls(live["grantControls"])
        document["sessionControls"] = converter.sessionControls(live["sessionControls"])
        converter.reportUnmodelled(live, known: [
            "displayName", "state", "conditions", "grantControls", "sessionControls",
        ] + Array(GraphVocabulary.serverOwnedRootFields) + Array(GraphVocabulary.serverOwnedPolicyRootFields), path: "")
        return ExportedObject(kind: .conditionalAccessPolicy, displayName: displayName, id: id,
                              document: pruned(.object(document)), warnings: converter.warnings, errors: converter.errors)
    }

    /// A live named location as a `NamedLocation` document, or `nil` with a reason for kinds the
    /// language does not model (compliant-network and other non-IP, non-country locations).
    public static func namedLocation(_ live: JSONValue) -> Result<ExportedObject, NotExported> {
        let displayName = live["displayName"]?.stringValue ?? ""
        let type = live["@odata.type"]?.stringValue ?? ""
        var document: [String: JSONValue] = ["kind": "NamedLocation", "displayName": .string(displayName)]
        let id = live["id"]?.stringValue
        if let id { document["id"] = .string(id) }
        var warnings: [String] = []
        var known: Set<String> = ["displayName", "id", "createdDateTime", "modifiedDateTime", "deletedDateTime"]
        if type.hasSuffix("ipNamedLocation") || (type.isEmpty && live["ipRanges"] != nil) {
            let ranges = (live["ipRanges"]?.arrayValue ?? []).compactMap { $0["cidrAddress"]?.stringValue ?? $0.stringValue }
            document["ipRanges"] = .array(ranges.map(JSONValue.string))
            if live["isTrusted"]?.boolValue == true { document["isTrusted"] = true }
            known.formUnion(["ipRanges", "isTrusted"])
        } else if type.hasSuffix("countryNamedLocation") || (type.isEmpty && live["countriesAndRegions"] != nil) {
            document["countriesAndRegions"] = .array((live["countriesAndRegions"]?.stringArray ?? []).map(JSONValue.string))
            if live["includeUnknownCountriesAndRegions"]?.boolValue == true { document["includeUnknownCountriesAndRegions"] = true }
            if let method = live["countryLookupMethod"]?.stringValue, method != "clientIpAddress" {
                document["countryLookupMethod"] = .string(method)
            }
            known.formUnion(["countriesAndRegions", "includeUnknownCountriesAndRegions", "countryLookupMethod"])
        } else {
            let kind = type.isEmpty ? "an unknown kind" : type.replacingOccurrences(of: "#microsoft.graph.", with: "")
            return .failure(NotExported(displayName: displayName, id: id,
                                        reason: "named location '\(displayName)' is \(kind), which the language does not model; not exported (policies still reference it by name)"))
        }
        for (key, value) in live.objectValue ?? [:] where !known.contains(key) && !isAnnotation(key) && !value.isNullOrEmpty {
            warnings.append("named location '\(displayName)': field '\(key)' is not modelled by the language; not exported")
        }
        return .success(ExportedObject(kind: .namedLocation, displayName: displayName, id: id,
                                       document: pruned(.object(document)), warnings: warnings))
    }

    /// Why a live object was left out of the export.
    public struct NotExported: Error, Sendable {
        public var displayName: String
        public var id: String?
        public var reason: String
    }

    static func isAnnotation(_ key: String) -> Bool { key.hasPrefix("#") || key.contains("@odata.") || key == "@odata.type" }

    /// Drops nulls, empty lists and empty objects, bottom-up, except where the language requires a key.
    static func pruned(_ value: JSONValue) -> JSONValue {
        value.mappedBottomUp { value in
            guard case .object(let members) = value else { return value }
            return .object(members.filter { key, member in
                !member.isNullOrEmpty || requiredEvenIfEmpty.contains(key)
            })
        }
    }

    /// Keys the loader requires even when there is nothing in them.
    static let requiredEvenIfEmpty: Set<String> = ["conditions", "applications"]
}

/// The policy half of ``LiveExport``: carries the names table and collects warnings.
struct PolicyConverter {
    let names: ExportNames
    var warnings: [String] = []
    var errors: [String] = []
    /// Per field path: how many ids stayed ids.
    private var unnamed: [(path: String, ids: [String])] = []

    init(names: ExportNames) { self.names = names }

    // MARK: References

    mutating func references(_ value: JSONValue?, _ target: ReferenceTarget, path: String, appIdForm: Bool = false) -> JSONValue {
        var out: [JSONValue] = []
        var kept: [String] = []
        var seen = Set<String>()
        for text in list(value, path: path) {
            let written: String
            if let word = ReservedWord.canonical(text) {
                written = word
            } else if target == .namedLocation, text == ReservedWord.legacyTrustedIPsLocationID {
                written = text
            } else if let name = names.name(for: text, target, appIdForm: appIdForm) {
                written = name
            } else {
                written = text
                kept.append(text)
            }
            if seen.insert(written.lowercased()).inserted { out.append(.string(written)) }
        }
        if !kept.isEmpty {
            let ambiguous = kept.compactMap { id in names.ambiguity(for: id, target, appIdForm: appIdForm).map { (id, $0) } }
            let unnamed = kept.filter { id in !ambiguous.contains { $0.0 == id } }
            for (id, reason) in ambiguous {
                warnings.append("\(path): \(target.noun) \(id) is ambiguous (\(reason)); kept as an id")
            }
            if !unnamed.isEmpty {
                let shown = unnamed.prefix(3).joined(separator: ", ") + (unnamed.count > 3 ? ", …" : "")
                warnings.append(unnamed.count == 1
                    ? "\(path): \(target.noun) \(shown) could not be named; kept as an id"
                    : "\(path): \(unnamed.count) \(target.noun)s could not be named; kept as ids (\(shown))")
            }
        }
        return .array(out)
    }

    /// The strings of a list field, read as Graph writes them. A lone string where Graph has a list
    /// is read as a one-element list with a warning (a tool flattened it; dropping it could remove a
    /// break-glass exclusion); any other shape is an error; `unknownFutureValue` (written by reads
    /// without `Prefer: include-unknown-enum-members`) is dropped with a warning, since the real value
    /// is unknown.
    mutating func list(_ value: JSONValue?, path: String) -> [String] {
        let items: [String]
        switch value {
        case nil, .null?:
            return []
        case .array(let elements)?:
            var strings: [String] = []
            for (index, element) in elements.enumerated() {
                if let text = element.stringValue { strings.append(text) } else {
                    errors.append("\(path)[\(index)] is \(element.serializedString()), not a string; not exported")
                }
            }
            items = strings
        case .string(let text)?:
            warnings.append("\(path) is the single string '\(text)' where Graph has a list; read as [\(text)]")
            items = [text]
        case let other?:
            errors.append("\(path) is \(other.serializedString()), not a list of strings; not exported")
            return []
        }
        if items.contains(where: { $0 == "unknownFutureValue" }) {
            warnings.append("\(path) holds 'unknownFutureValue' (the export was read without 'Prefer: include-unknown-enum-members', so a newer value is hidden); dropped: check this field in the portal")
        }
        return items.filter { $0 != "unknownFutureValue" }
    }

    mutating func reportUnmodelled(_ object: JSONValue?, known: [String], path: String) {
        guard let members = object?.objectValue else { return }
        let knownKeys = Set(known)
        for (key, value) in members.sorted(by: { $0.key < $1.key })
        where !knownKeys.contains(key) && !LiveExport.isAnnotation(key) && !value.isNullOrEmpty {
            let field = path.isEmpty ? key : "\(path).\(key)"
            warnings.append("\(field) is not modelled by the language; not exported (plans keep it unchanged in the tenant)")
        }
    }

    // MARK: Conditions

    mutating func conditions(_ live: JSONValue?) -> JSONValue {
        guard let live, live.objectValue != nil else { return .object([:]) }
        var out: [String: JSONValue] = [:]
        out["applications"] = applications(live["applications"])
        out["users"] = users(live["users"])
        out["clientApplications"] = clientApplications(live["clientApplications"])
        let appTypes = list(live["clientAppTypes"], path: "conditions.clientAppTypes")
        if !(appTypes.isEmpty || appTypes == ["all"]) { out["clientAppTypes"] = strings(appTypes) }
        if let platforms = live["platforms"], platforms.objectValue != nil {
            out["platforms"] = [
                "includePlatforms": strings(list(platforms["includePlatforms"], path: "conditions.platforms.includePlatforms")),
                "excludePlatforms": strings(list(platforms["excludePlatforms"], path: "conditions.platforms.excludePlatforms")),
            ]
            reportUnmodelled(platforms, known: ["includePlatforms", "excludePlatforms"], path: "conditions.platforms")
        }
        if let locations = live["locations"], locations.objectValue != nil {
            out["locations"] = [
                "includeLocations": references(locations["includeLocations"], .namedLocation, path: "conditions.locations.includeLocations"),
                "excludeLocations": references(locations["excludeLocations"], .namedLocation, path: "conditions.locations.excludeLocations"),
            ]
            reportUnmodelled(locations, known: ["includeLocations", "excludeLocations"], path: "conditions.locations")
        }
        if let devices = live["devices"], devices.objectValue != nil {
            out["devices"] = ["deviceFilter": filter(devices["deviceFilter"])]
            reportUnmodelled(devices, known: ["deviceFilter"], path: "conditions.devices")
        }
        for key in ["signInRiskLevels", "userRiskLevels", "servicePrincipalRiskLevels"] {
            out[key] = strings(list(live[key], path: "conditions.\(key)"))
        }
        for key in ["insiderRiskLevels", "agentIdRiskLevels"] {
            out[key] = flags(live[key], path: "conditions.\(key)")
        }
        if let flows = live["authenticationFlows"], flows.objectValue != nil {
            out["authenticationFlows"] = ["transferMethods": flags(flows["transferMethods"], path: "conditions.authenticationFlows.transferMethods")]
            reportUnmodelled(flows, known: ["transferMethods"], path: "conditions.authenticationFlows")
        }
        reportUnmodelled(live, known: [
            "applications", "users", "clientApplications", "clientAppTypes", "platforms", "locations", "devices",
            "signInRiskLevels", "userRiskLevels", "servicePrincipalRiskLevels", "insiderRiskLevels", "agentIdRiskLevels",
            "authenticationFlows",
        ], path: "conditions")
        return .object(out)
    }

    mutating func applications(_ live: JSONValue?) -> JSONValue {
        guard let live, live.objectValue != nil else { return .object([:]) }
        let path = "conditions.applications"
        let out: [String: JSONValue] = [
            "includeApplications": references(live["includeApplications"], .servicePrincipal, path: "\(path).includeApplications", appIdForm: true),
            "excludeApplications": references(live["excludeApplications"], .servicePrincipal, path: "\(path).excludeApplications", appIdForm: true),
            "includeUserActions": strings(list(live["includeUserActions"], path: "\(path).includeUserActions")),
            "includeAuthenticationContextClassReferences": references(
                live["includeAuthenticationContextClassReferences"], .authenticationContext,
                path: "\(path).includeAuthenticationContextClassReferences"),
            "applicationFilter": filter(live["applicationFilter"]),
        ]
        reportUnmodelled(live, known: [
            "includeApplications", "excludeApplications", "includeUserActions",
            "includeAuthenticationContextClassReferences", "applicationFilter",
        ], path: path)
        return .object(out)
    }

    mutating func users(_ live: JSONValue?) -> JSONValue {
        guard let live, live.objectValue != nil else { return .null }
        let path = "conditions.users"
        let out: [String: JSONValue] = [
            "includeUsers": references(live["includeUsers"], .user, path: "\(path).includeUsers"),
            "excludeUsers": references(live["excludeUsers"], .user, path: "\(path).excludeUsers"),
            "includeGroups": references(live["includeGroups"], .group, path: "\(path).includeGroups"),
            "excludeGroups": references(live["excludeGroups"], .group, path: "\(path).excludeGroups"),
            "includeRoles": references(live["includeRoles"], .role, path: "\(path).includeRoles"),
            "excludeRoles": references(live["excludeRoles"], .role, path: "\(path).excludeRoles"),
            "includeGuestsOrExternalUsers": guests(live["includeGuestsOrExternalUsers"]),
            "excludeGuestsOrExternalUsers": guests(live["excludeGuestsOrExternalUsers"]),
        ]
        reportUnmodelled(live, known: [
            "includeUsers", "excludeUsers", "includeGroups", "excludeGroups", "includeRoles", "excludeRoles",
            "includeGuestsOrExternalUsers", "excludeGuestsOrExternalUsers",
        ], path: path)
        return .object(out)
    }

    mutating func guests(_ live: JSONValue?) -> JSONValue {
        guard let live, live.objectValue != nil else { return .null }
        var out: [String: JSONValue] = ["guestOrExternalUserTypes": flags(live["guestOrExternalUserTypes"], path: "guestOrExternalUserTypes")]
        if let tenants = live["externalTenants"], tenants.objectValue != nil {
            let type = tenants["@odata.type"]?.stringValue ?? ""
            let kind = tenants["membershipKind"]?.stringValue
                ?? (type.hasSuffix("EnumeratedExternalTenants") ? "enumerated" : "all")
            if kind != "all" {
                out["externalTenants"] = ["membershipKind": .string(kind),
                                          "members": strings(list(tenants["members"], path: "externalTenants.members"))]
            }
        }
        return .object(out)
    }

    mutating func clientApplications(_ live: JSONValue?) -> JSONValue {
        guard let live, live.objectValue != nil else { return .null }
        let path = "conditions.clientApplications"
        let out: [String: JSONValue] = [
            "includeServicePrincipals": references(live["includeServicePrincipals"], .servicePrincipal, path: "\(path).includeServicePrincipals"),
            "excludeServicePrincipals": references(live["excludeServicePrincipals"], .servicePrincipal, path: "\(path).excludeServicePrincipals"),
            "servicePrincipalFilter": filter(live["servicePrincipalFilter"]),
        ]
        reportUnmodelled(live, known: ["includeServicePrincipals", "excludeServicePrincipals", "servicePrincipalFilter"], path: path)
        return .object(out)
    }

    func filter(_ live: JSONValue?) -> JSONValue {
        guard let live, let mode = live["mode"]?.stringValue, let rule = live["rule"]?.stringValue else { return .null }
        return ["mode": .string(mode), "rule": .string(rule)]
    }

    // MARK: Controls

    mutating func grantControls(_ live: JSONValue?) -> JSONValue {
        guard let live, live.objectValue != nil else { return .null }
        var out: [String: JSONValue] = [
            "builtInControls": strings(list(live["builtInControls"], path: "grantControls.builtInControls")),
            "customAuthenticationFactors": strings(list(live["customAuthenticationFactors"], path: "grantControls.customAuthenticationFactors")),
            "termsOfUse": references(live["termsOfUse"], .termsOfUse, path: "grantControls.termsOfUse"),
        ]
        if let strength = live["authenticationStrength"], !strength.isNull {
            let id = strength["id"]?.stringValue ?? strength.stringValue
            if let id {
                var lookup = names
                if let name = strength["displayName"]?.stringValue, names.directory.entry(id: id, .authenticationStrength) == nil {
                    lookup.add([DirectoryEntry(id: id, name: name)], as: .authenticationStrength)
                }
                if let name = lookup.name(for: id, .authenticationStrength) {
                    out["authenticationStrength"] = .string(name)
                } else {
                    out["authenticationStrength"] = .string(id)
                    warnings.append("grantControls.authenticationStrength: authentication strength \(id) could not be named and stays as an id")
                }
            }
        }
        let count = ["builtInControls", "customAuthenticationFactors", "termsOfUse"]
            .map { out[$0]?.arrayValue?.count ?? 0 }.reduce(0, +) + (out["authenticationStrength"] == nil ? 0 : 1)
        if count == 0 { return .null }
        if count > 1, let op = live["operator"]?.stringValue?.uppercased(), op != "OR" { out["operator"] = .string(op) }
        reportUnmodelled(live, known: [
            "operator", "builtInControls", "customAuthenticationFactors", "termsOfUse", "authenticationStrength",
        ], path: "grantControls")
        return .object(out)
    }

    mutating func sessionControls(_ live: JSONValue?) -> JSONValue {
        guard let live, live.objectValue != nil else { return .null }
        var out: [String: JSONValue] = [:]
        /// A control with its `isEnabled` left out when true (implied) and `extra` members copied.
        func control(_ key: String, _ members: [String], defaults: [String: String] = [:]) -> JSONValue? {
            guard let value = live[key], let object = value.objectValue,
                  object.contains(where: { !LiveExport.isAnnotation($0.key) && !$0.value.isNull }) else { return nil }
            var result: [String: JSONValue] = [:]
            if object["isEnabled"]?.boolValue == false { result["isEnabled"] = false }
            for member in members {
                guard let memberValue = object[member], !memberValue.isNull else { continue }
                if let text = memberValue.stringValue, defaults[member] == text { continue }
                result[member] = memberValue
            }
            // Nothing else to say: write the implied isEnabled so the control is not an empty mapping.
            if result.isEmpty { result["isEnabled"] = true }
            return .object(result)
        }
        if let value = control("applicationEnforcedRestrictions", []) { out["applicationEnforcedRestrictions"] = value }
        if let value = control("cloudAppSecurity", ["cloudAppSecurityType"]) { out["cloudAppSecurity"] = value }
        if let value = control("persistentBrowser", ["mode"]) { out["persistentBrowser"] = value }
        if case .object(var frequency)? = control("signInFrequency", ["value", "type", "frequencyInterval", "authenticationType"],
                                                   defaults: ["frequencyInterval": "timeBased",
                                                              "authenticationType": "primaryAndSecondaryAuthentication"]) {
            if let number = frequency["value"]?.numberValue { frequency["value"] = .number(number.rounded()) }
            out["signInFrequency"] = .object(frequency)
        }
        if live["disableResilienceDefaults"]?.boolValue == true { out["disableResilienceDefaults"] = true }
        if let value = control("secureSignInSession", []) { out["secureSignInSession"] = value }
        if let value = live["continuousAccessEvaluation"], let mode = value["mode"]?.stringValue {
            out["continuousAccessEvaluation"] = ["mode": .string(mode)]
        }
        if let value = control("globalSecureAccessFilteringProfile", ["profileId"]) { out["globalSecureAccessFilteringProfile"] = value }
        reportUnmodelled(live, known: [
            "applicationEnforcedRestrictions", "cloudAppSecurity", "persistentBrowser", "signInFrequency",
            "disableResilienceDefaults", "secureSignInSession", "continuousAccessEvaluation", "globalSecureAccessFilteringProfile",
        ], path: "sessionControls")
        return out.isEmpty ? .null : .object(out)
    }

    // MARK: Helpers

    func strings(_ values: [String]) -> JSONValue {
        var seen = Set<String>()
        return .array(values.filter { seen.insert($0).inserted }.map(JSONValue.string))
    }

    /// A flags value (`"a,b"` on the wire) as a list; `unknownFutureValue` dropped with a warning.
    mutating func flags(_ value: JSONValue?, path: String = "a flags field") -> JSONValue {
        guard let value, let tokens = NormalizationRule.flagTokens(value) else { return .null }
        if tokens.contains("unknownFutureValue") {
            warnings.append("\(path) holds 'unknownFutureValue' (read without 'Prefer: include-unknown-enum-members'); dropped: check this field in the portal")
        }
        return strings(tokens.filter { $0 != "unknownFutureValue" })
    }
}
