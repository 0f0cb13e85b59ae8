import Foundation
import PolicyModel

extension NormalizationRule {
    /// Every rule, in the order the ``Normalizer`` applies them. Order matters: annotations go before
    /// anything looks at keys, defaults before sets are sorted, and empties are pruned last.
    public static let standard: [NormalizationRule] = [
        externalTenantsKindFromType,
        dropODataAnnotations,
        dropServerOwnedFields,
        reservedWordSpelling,
        flagsAsTokenSets,
        authenticationStrengthById,
        clientAppTypesDefaultAll,
        signInFrequencyDefaults,
        sessionControlEnabledImplied,
        resilienceDefaultsUnsetIsFalse,
        countryLocationDefaults,
        isTrustedDefaultFalse,
        grantOperatorCanonical,
        emptyGrantControlsIsNull,
        collectionsAsSets,
        absentNullEmptyEquivalent,
    ]

    /// The rule with `id`, if any.
    public static func named(_ id: String) -> NormalizationRule? { standard.first { $0.id == id } }

    // MARK: Annotations and server fields (§5.3 rule 1)

    /// `externalTenants` is polymorphic: its `@odata.type` says all or enumerated, as `membershipKind`
    /// does. The type is folded into `membershipKind` so either spelling compares equal.
    public static let externalTenantsKindFromType = NormalizationRule(
        "external-tenants-kind-from-type",
        summary: "fold externalTenants' @odata.type into membershipKind and drop the type",
        kinds: [.conditionalAccessPolicy]
    ) { object, _ in
        object.updating(at: GraphVocabulary.externalTenantsPaths) { value in
            guard case .object(var members) = value else { return value }
            if let type = members["@odata.type"]?.stringValue, members["membershipKind"]?.stringValue == nil {
                if type.hasSuffix("AllExternalTenants") { members["membershipKind"] = "all" }
                if type.hasSuffix("EnumeratedExternalTenants") { members["membershipKind"] = "enumerated" }
            }
            members["@odata.type"] = nil
            return .object(members)
        }
    }

    /// OData annotations (`@odata.context`, `x@odata.type`, `…@odata.navigationLink`) and action links
    /// (`#microsoft.graph.restore`) are metadata. `@odata.type` is kept only where it discriminates a
    /// derived type: the root of a named location and each `ipRanges` item.
    public static let dropODataAnnotations = NormalizationRule(
        "drop-odata-annotations",
        summary: "drop @odata.* annotations and #microsoft.graph.* action links, keeping discriminating @odata.type"
    ) { object, kind in
        strippingAnnotations(object, keepingType: kind == .namedLocation ? .rootAndIPRanges : .nowhere)
    }

    package enum TypeAnnotationScope { case nowhere, rootAndIPRanges, here, everywhere }

    /// `value` without annotations; `@odata.type` survives on a named location's root and its `ipRanges` items.
    package static func strippingAnnotations(_ value: JSONValue, keepingType scope: TypeAnnotationScope) -> JSONValue {
        strippedAnnotations(value, keepingType: scope) ?? value
    }

    /// `value` without its annotations, or nil when it holds none: most of a policy holds none, and
    /// is then kept as it is rather than rebuilt object by object.
    private static func strippedAnnotations(_ value: JSONValue, keepingType scope: TypeAnnotationScope) -> JSONValue? {
        switch value {
        case .object(let members):
            var kept: [String: JSONValue]?
            for (key, member) in members {
                let replacement: JSONValue?
                if key == "@odata.type" {
                    guard scope == .nowhere else { continue }
                    replacement = nil
                } else if key.hasPrefix("#") || (key.utf8.contains(UInt8(ascii: "@")) && key.contains("@odata.")) {
                    // Most keys hold no '@' at all: test that byte first (String.contains(String) is a Foundation search).
                    replacement = nil
                } else if scope == .everywhere {
                    guard let stripped = strippedAnnotations(member, keepingType: .everywhere) else { continue }
                    replacement = stripped
                } else if scope == .rootAndIPRanges && key == "ipRanges" {
                    // Each range keeps its type (a range that is not a list is left alone).
                    guard case .array(let items) = member, let stripped = strippedItems(items, keepingType: .here) else { continue }
                    replacement = .array(stripped)
                } else {
                    guard let stripped = strippedAnnotations(member, keepingType: .nowhere) else { continue }
                    replacement = stripped
                }
                if kept == nil { kept = members }
                kept?[key] = replacement
            }
            return kept.map(JSONValue.object)
        case .array(let items):
            return strippedItems(items, keepingType: scope == .everywhere ? .everywhere : .nowhere).map(JSONValue.array)
        default:
            return nil
        }
    }

    private static func strippedItems(_ items: [JSONValue], keepingType scope: TypeAnnotationScope) -> [JSONValue]? {
        var result: [JSONValue]?
        for (index, item) in items.enumerated() {
            guard let stripped = strippedAnnotations(item, keepingType: scope) else { continue }
            if result == nil { result = items }
            result?[index] = stripped
        }
        return result
    }

    /// Ids, timestamps, `templateId`, `partialEnablementStrategy` and the unused policy `description`
    /// are set by the service and never part of the desired state.
    public static let dropServerOwnedFields = NormalizationRule(
        "drop-server-owned-fields",
        summary: "drop id, timestamps, templateId, partialEnablementStrategy and the policy description"
    ) { object, kind in
        guard case .object(var members) = object else { return object }
        for key in GraphVocabulary.serverOwnedRootFields { members[key] = nil }
        if kind == .conditionalAccessPolicy {
            for key in GraphVocabulary.serverOwnedPolicyRootFields { members[key] = nil }
        }
        return .object(members)
    }

    // MARK: Spelling and representation (§5.3 rules 4, 5, 7)

    /// `all`, `none`, `alltrusted` … are written in Graph's spelling (`All`, `None`, `AllTrusted`).
    public static let reservedWordSpelling = NormalizationRule(
        "reserved-word-spelling",
        summary: "write reserved words (All, None, AllTrusted, Office365, …) in Graph's spelling",
        kinds: [.conditionalAccessPolicy]
    ) { object, _ in
        object.updating(at: GraphVocabulary.reservedWordPaths) { value in
            guard case .array(let items) = value else { return value }
            return .array(items.map { item in item.stringValue.map { .string(canonicalReservedWord($0)) } ?? item })
        }
    }

    /// The service spelling of `text` if it is a reserved word in any case, else `text`.
    package static func canonicalReservedWord(_ text: String) -> String {
        let lowered = text.lowercased()
        return GraphVocabulary.reservedWords.first { $0.lowercased() == lowered } ?? text
    }

    /// Flags enums arrive as one comma-joined string (`"minor,moderate"`) from Graph and may be written as
    /// a list or a string in the configuration; both become the set of tokens.
    public static let flagsAsTokenSets = NormalizationRule(
        "flags-as-token-sets",
        summary: "compare flags strings (\"a,b\") and lists alike, as sets of tokens",
        kinds: [.conditionalAccessPolicy]
    ) { object, _ in
        object.updating(at: GraphVocabulary.flagsPaths) { value in
            flagTokens(value).map { tokens in .array(tokens.map(JSONValue.string)) } ?? value
        }
    }

    /// The tokens of a flags value given as `"a,b"` or `["a", "b"]` (or `["a,b"]`); `nil` if neither.
    package static func flagTokens(_ value: JSONValue) -> [String]? {
        let pieces: [String]
        switch value {
        case .string(let text): pieces = [text]
        case .array(let items):
            guard let strings = JSONValue.array(items).stringArray else { return nil }
            pieces = strings
        default: return nil
        }
        return pieces.flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    /// A GET returns the *expanded* authentication strength (name, combinations, timestamps); a write
    /// sends `{"id": …}`. Only the id identifies it.
    public static let authenticationStrengthById = NormalizationRule(
        "authentication-strength-by-id",
        summary: "compare grantControls.authenticationStrength by id only",
        kinds: [.conditionalAccessPolicy]
    ) { object, _ in
        object.updating(at: ["grantControls", "authenticationStrength"]) { strength in
            switch strength {
            case .object(let members)?:
                if let id = members["id"], !id.isNull { return ["id": id] }
                return .null
            case .string(let id)?: return ["id": .string(id)]
            default: return strength
            }
        }
    }

    // MARK: Service defaults (§5.3 rule 3, policy language)

    /// The service stores `["all"]` when `clientAppTypes` is omitted or empty.
    public static let clientAppTypesDefaultAll = NormalizationRule(
        "client-app-types-default-all",
        summary: "an omitted or empty conditions.clientAppTypes means [\"all\"]",
        kinds: [.conditionalAccessPolicy]
    ) { object, _ in
        object.updating(at: ["conditions", "clientAppTypes"]) { types in
            guard let types, !types.isNullOrEmpty else { return ["all"] }
            return types
        }
    }

    /// `signInFrequency` defaults: `authenticationType: primaryAndSecondaryAuthentication`,
    /// `frequencyInterval: timeBased`.
    public static let signInFrequencyDefaults = NormalizationRule(
        "sign-in-frequency-defaults",
        summary: "fill signInFrequency's authenticationType and frequencyInterval defaults",
        kinds: [.conditionalAccessPolicy]
    ) { object, _ in
        object.updating(at: ["sessionControls", "signInFrequency"]) { control in
            guard case .object(var members)? = control, members.values.contains(where: { !$0.isNull }) else { return control }
            if members["authenticationType"]?.isNull ?? true { members["authenticationType"] = "primaryAndSecondaryAuthentication" }
            if members["frequencyInterval"]?.isNull ?? true { members["frequencyInterval"] = "timeBased" }
            return .object(members)
        }
    }

    /// A session control that is present is enabled unless it says `isEnabled: false`.
    public static let sessionControlEnabledImplied = NormalizationRule(
        "session-control-enabled-implied",
        summary: "a present session control without isEnabled is enabled",
        kinds: [.conditionalAccessPolicy]
    ) { object, _ in
        object.updating(at: ["sessionControls"]) { controls in
            guard case .object(var members)? = controls else { return controls }
            for key in GraphVocabulary.sessionControlObjects {
                guard case .object(var control)? = members[key], control.values.contains(where: { !$0.isNull }) else { continue }
                if control["isEnabled"]?.isNull ?? true { control["isEnabled"] = true }
                members[key] = .object(control)
            }
            return .object(members)
        }
    }

    /// `disableResilienceDefaults` is `null` until set; `null`, `false` and absent all mean the
    /// resilience defaults stay on.
    public static let resilienceDefaultsUnsetIsFalse = NormalizationRule(
        "resilience-defaults-unset-is-false",
        summary: "disableResilienceDefaults: null, false and absent are the same",
        kinds: [.conditionalAccessPolicy]
    ) { object, _ in
        object.updating(at: ["sessionControls", "disableResilienceDefaults"]) { flag in
            flag?.boolValue == true ? flag : nil
        }
    }

    /// Country locations default to `countryLookupMethod: clientIpAddress` and
    /// `includeUnknownCountriesAndRegions: false`.
    public static let countryLocationDefaults = NormalizationRule(
        "country-location-defaults",
        summary: "country locations: countryLookupMethod defaults to clientIpAddress, unknown countries to false",
        kinds: [.namedLocation]
    ) { object, _ in
        guard case .object(var members) = object, isCountryLocation(members) else { return object }
        if members["countryLookupMethod"]?.isNull ?? true { members["countryLookupMethod"] = "clientIpAddress" }
        if members["includeUnknownCountriesAndRegions"]?.isNull ?? true { members["includeUnknownCountriesAndRegions"] = false }
        return .object(members)
    }

    /// IP (and other non-country) locations default to `isTrusted: false`; country locations have no
    /// `isTrusted` at all.
    public static let isTrustedDefaultFalse = NormalizationRule(
        "is-trusted-default-false",
        summary: "non-country named locations: isTrusted defaults to false",
        kinds: [.namedLocation]
    ) { object, _ in
        guard case .object(var members) = object, !isCountryLocation(members) else { return object }
        if members["isTrusted"]?.isNull ?? true { members["isTrusted"] = false }
        return .object(members)
    }

    private static func isCountryLocation(_ members: [String: JSONValue]) -> Bool {
        if let type = members["@odata.type"]?.stringValue { return type.hasSuffix("countryNamedLocation") }
        return members["countriesAndRegions"] != nil
    }

    /// `operator` defaults to `OR`, is written upper-case, and with a single control `AND` and `OR`
    /// mean the same (the service returns `OR`).
    public static let grantOperatorCanonical = NormalizationRule(
        "grant-operator-canonical",
        summary: "grant operator: default OR, upper-case, and OR whenever there is at most one control",
        kinds: [.conditionalAccessPolicy]
    ) { object, _ in
        object.updating(at: ["grantControls"]) { grant in
            guard case .object(var members)? = grant else { return grant }
            let written = members["operator"]?.stringValue?.uppercased() ?? "OR"
            members["operator"] = .string(grantControlCount(members) <= 1 ? "OR" : written)
            return .object(members)
        }
    }

    /// The service returns `grantControls: null` for a policy with no grant controls; an object whose
    /// control lists are all empty (only an `operator` left) says the same thing.
    public static let emptyGrantControlsIsNull = NormalizationRule(
        "empty-grant-controls-is-null",
        summary: "grantControls without any control is the same as grantControls: null",
        kinds: [.conditionalAccessPolicy]
    ) { object, _ in
        object.updating(at: ["grantControls"]) { grant in
            guard case .object(let members)? = grant else { return grant }
            let unknownKeys = members.filter { key, value in
                !["operator", "builtInControls", "customAuthenticationFactors", "termsOfUse", "authenticationStrength"]
                    .contains(key) && !value.isNullOrEmpty
            }
            return grantControlCount(members) == 0 && unknownKeys.isEmpty ? nil : grant
        }
    }

    private static func grantControlCount(_ members: [String: JSONValue]) -> Int {
        let lists = ["builtInControls", "customAuthenticationFactors", "termsOfUse"]
            .map { members[$0]?.arrayValue?.count ?? 0 }
            .reduce(0, +)
        let strength = members["authenticationStrength"].map { $0.isNullOrEmpty ? 0 : 1 } ?? 0
        return lists + strength
    }

    // MARK: Sets and empties (§5.3 rules 2, 4, 8)

    /// The service may reorder collections; every collection is a set, so arrays are de-duplicated and
    /// sorted canonically.
    public static let collectionsAsSets = NormalizationRule(
        "collections-as-sets",
        summary: "compare collections as sets: de-duplicate and sort canonically"
    ) { object, _ in
        object.mappedBottomUp { value in
            guard case .array(let items) = value else { return value }
            var seen: Set<String> = []
            let unique = items.map { ($0.canonicalText, $0) }.filter { seen.insert($0.0).inserted }
            return .array(unique.sorted { $0.0 < $1.0 }.map(\.1))
        }
    }

    /// Absent, `null`, `[]` and `{}` mean the same: v1.0 writes `null`/`[]` for unset fields, beta omits
    /// some, and the configuration leaves empties out.
    public static let absentNullEmptyEquivalent = NormalizationRule(
        "absent-null-empty-equivalent",
        summary: "absent, null, [] and {} are the same: drop them"
    ) { object, _ in
        object.mappedBottomUp { value in
            guard case .object(let members) = value else { return value }
            return .object(members.filter { !$0.value.isNullOrEmpty })
        }
    }
}
