import Foundation
import PolicyModel

/// A Graph enumeration: its members in schema order, and which are "evolvable" (declared after
/// `unknownFutureValue`, so returned as `unknownFutureValue` unless the client sends
/// `Prefer: include-unknown-enum-members`).
struct GraphEnum: Sendable {
    var name: String
    var members: [String]

    var evolvable: Set<String> {
        guard let marker = members.firstIndex(where: { $0.lowercased() == "unknownfuturevalue" }) else { return [] }
        return Set(members[(marker + 1)...])
    }

    func contains(_ value: String) -> Bool { members.contains(value) }
}

/// Where a property exists.
enum Availability: Sendable {
    case both, v1Only, betaOnly

    func includes(_ version: GraphVersion) -> Bool {
        switch self {
        case .both: true
        case .v1Only: version == .v1
        case .betaOnly: version == .beta
        }
    }
}

/// The wire type of a property value.
indirect enum WireType: Sendable {
    case string
    case bool
    case integer
    case stringCollection
    case enumeration(GraphEnum)
    case enumCollection(GraphEnum)
    /// A flags enum: one comma-joined string (`"minor,moderate"`).
    case flags(GraphEnum)
    /// A collection of flags strings (`allowedCombinations`).
    case flagsCollection(GraphEnum)
    case complex(ComplexType)
    /// An abstract type: the concrete type is named by `@odata.type` (kept on the wire).
    case derived([String: ComplexType])
    case collection(WireType)
    /// Not validated (unschematised beta data).
    case any
}

/// One property of a complex type.
struct PropertySpec: Sendable {
    var name: String
    var type: WireType
    /// What an unset value renders as (`null`, `[]`, `false`, a default enum member).
    var unset: JSONValue = .null
    var availability: Availability = .both
    /// Beta leaves this out of responses while it is unset (`authenticationFlows`, `*RiskLevels`, …).
    var betaOmitsWhenUnset = false
    /// Server-owned: accepted in request bodies (clients echo them back) but never written by them.
    var readOnly = false
}

/// A complex type or entity: its properties in Graph's order.
struct ComplexType: Sendable {
    var name: String
    var properties: [PropertySpec]

    func property(_ name: String, in version: GraphVersion) -> PropertySpec? {
        properties.first { $0.name == name && $0.availability.includes(version) }
    }

    var allNames: Set<String> { Set(properties.map(\.name)) }
}

// MARK: - Rendering

/// Renders stored objects in a version's response shape.
struct WireRenderer {
    var version: GraphVersion
    var includeUnknownEnumMembers: Bool

    func render(_ stored: JSONValue, as type: ComplexType, keepODataType: Bool = false) -> JSONValue {
        guard case .object(let members) = stored else { return stored }
        var out: [String: JSONValue] = [:]
        out.reserveCapacity(type.properties.count + 2)
        for property in type.properties where property.availability.includes(version) {
            let value = members[property.name]
            let isUnset: Bool = {
                switch value {
                case .none, .some(.null): return true
                case .some(.array(let elements)): return elements.isEmpty
                default: return false
                }
            }()
            if version == .beta && property.betaOmitsWhenUnset && isUnset { continue }
            if let value, !value.isNull {
                out[property.name] = renderValue(value, as: property.type)
            } else {
                out[property.name] = property.unset
            }
        }
        // Unknown properties (forward compatibility): kept and returned as stored.
        let known = type.allNames
        for (key, value) in members where !known.contains(key) && !key.contains("@odata.") && !key.hasPrefix("#") {
            out[key] = value
        }
        if keepODataType, let odataType = members["@odata.type"] { out["@odata.type"] = odataType }
        return .object(out)
    }

    func renderValue(_ value: JSONValue, as type: WireType) -> JSONValue {
        switch type {
        case .complex(let complex):
            return render(value, as: complex)
        case .derived(let types):
            let name = value["@odata.type"]?.stringValue.map(ODataTypes.shortName) ?? ""
            if let concrete = types[name] { return render(value, as: concrete, keepODataType: true) }
            return value
        case .collection(let element):
            guard case .array(let elements) = value else { return value }
            return .array(elements.map { renderValue($0, as: element) })
        case .enumeration(let graphEnum):
            guard case .string(let member) = value else { return value }
            return .string(visible(member, of: graphEnum))
        case .enumCollection(let graphEnum):
            guard case .array(let elements) = value else { return value }
            return .array(elements.map { element in
                element.stringValue.map { .string(visible($0, of: graphEnum)) } ?? element
            })
        case .flags(let graphEnum):
            guard case .string(let text) = value else { return value }
            return .string(visibleFlags(text, of: graphEnum))
        case .flagsCollection(let graphEnum):
            guard case .array(let elements) = value else { return value }
            return .array(elements.map { element in
                element.stringValue.map { .string(visibleFlags($0, of: graphEnum)) } ?? element
            })
        case .string, .bool, .integer, .stringCollection, .any:
            return value
        }
    }

    private func visible(_ member: String, of graphEnum: GraphEnum) -> String {
        if includeUnknownEnumMembers { return member }
        return graphEnum.evolvable.contains(member) ? "unknownFutureValue" : member
    }

    private func visibleFlags(_ text: String, of graphEnum: GraphEnum) -> String {
        if includeUnknownEnumMembers { return text }
        let evolvable = graphEnum.evolvable
        if evolvable.isEmpty { return text }
        var tokens: [String] = []
        for token in text.split(separator: ",").map(String.init) {
            let shown = evolvable.contains(token) ? "unknownFutureValue" : token
            if !tokens.contains(shown) { tokens.append(shown) }
        }
        return tokens.joined(separator: ",")
    }
}

// MARK: - Validation

/// Checks a request body against a version's schema; a mismatch is Graph's `1007` error.
struct WireValidator {
    var version: GraphVersion

    /// The path of the first mismatch, or `nil` when the value matches.
    func mismatch(in value: JSONValue, as type: ComplexType, path: String = "") -> String? {
        guard case .object(let members) = value else { return path.isEmpty ? "body" : path }
        for (key, member) in members.sorted(by: { $0.key < $1.key }) {
            if key.contains("@odata.") || key.hasPrefix("#") { continue }
            let memberPath = path.isEmpty ? key : "\(path).\(key)"
            guard let property = type.property(key, in: version) else { return memberPath }
            if let problem = mismatch(in: member, as: property.type, path: memberPath) { return problem }
        }
        return nil
    }

    func mismatch(in value: JSONValue, as type: WireType, path: String) -> String? {
        if value.isNull { return nil }
        switch type {
        case .any: return nil
        case .string: return value.stringValue == nil ? path : nil
        case .bool: return value.boolValue == nil ? path : nil
        case .integer: return value.intValue == nil ? path : nil
        case .stringCollection: return value.stringArray == nil ? path : nil
        case .enumeration(let graphEnum):
            guard let member = value.stringValue, graphEnum.contains(member) else { return path }
            return nil
        case .enumCollection(let graphEnum):
            guard let members = value.stringArray, members.allSatisfy(graphEnum.contains) else { return path }
            return nil
        case .flags(let graphEnum):
            guard let text = value.stringValue, Self.isFlags(text, of: graphEnum) else { return path }
            return nil
        case .flagsCollection(let graphEnum):
            guard let texts = value.stringArray, texts.allSatisfy({ Self.isFlags($0, of: graphEnum) }) else { return path }
            return nil
        case .complex(let complex):
            return mismatch(in: value, as: complex, path: path)
        case .derived(let types):
            guard let name = value["@odata.type"]?.stringValue.map(ODataTypes.shortName), let concrete = types[name] else {
                return "\(path).@odata.type"
            }
            return mismatch(in: value, as: concrete, path: path)
        case .collection(let element):
            guard case .array(let elements) = value else { return path }
            for (index, item) in elements.enumerated() {
                if let problem = mismatch(in: item, as: element, path: "\(path)[\(index)]") { return problem }
            }
            return nil
        }
    }

    static func isFlags(_ text: String, of graphEnum: GraphEnum) -> Bool {
        let tokens = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        return !tokens.isEmpty && tokens.allSatisfy(graphEnum.contains)
    }
}

/// OData type names.
enum ODataTypes {
    /// `#microsoft.graph.ipNamedLocation` → `ipNamedLocation`.
    static func shortName(_ odataType: String) -> String {
        var name = odataType
        if name.hasPrefix("#") { name.removeFirst() }
        if name.hasPrefix("microsoft.graph.") { name.removeFirst("microsoft.graph.".count) }
        return name
    }

    static func full(_ shortName: String) -> String { "#microsoft.graph.\(shortName)" }

    /// Derived types whose `@odata.type` stays on the wire (reference §1.10 rule 3); every other
    /// `@odata.type` in an export is metadata noise and is dropped on load.
    static let keptOnWire: Set<String> = [
        "conditionalAccessAllExternalTenants", "conditionalAccessEnumeratedExternalTenants",
        "iPv4CidrRange", "iPv6CidrRange", "iPv4Range", "iPv6Range",
        "ipNamedLocation", "countryNamedLocation", "compliantNetworkNamedLocation",
        "serviceTagNamedLocation", "privateLinkNamedLocation",
        "user", "group", "servicePrincipal",
    ]
}

extension JSONValue {
    /// Removes OData annotations from an exported object: `@odata.context`, `@odata.id`,
    /// `prop@odata.type`, `#microsoft.graph.restore` action links, and `@odata.type` except where a
    /// derived type needs it on the wire.
    func strippingODataAnnotations() -> JSONValue {
        switch self {
        case .object(let members):
            var out: [String: JSONValue] = [:]
            for (key, value) in members {
                if key == "@odata.type", let name = value.stringValue, ODataTypes.keptOnWire.contains(ODataTypes.shortName(name)) {
                    out[key] = .string(ODataTypes.full(ODataTypes.shortName(name)))
                    continue
                }
                if key.contains("@odata.") || key.hasPrefix("#") { continue }
                out[key] = value.strippingODataAnnotations()
            }
            return .object(out)
        case .array(let elements):
            return .array(elements.map { $0.strippingODataAnnotations() })
        default:
            return self
        }
    }

    /// PATCH semantics: objects merge member by member (recursively), everything else replaces. An
    /// object whose `@odata.type` the patch changes is replaced: a derived type's members belong to
    /// its type (enumerated external tenants' `members` must not survive a switch to all tenants).
    func merging(patch: JSONValue) -> JSONValue {
        guard case .object(var base) = self, case .object(let changes) = patch else { return patch }
        if let old = base["@odata.type"]?.stringValue, let new = changes["@odata.type"]?.stringValue, old.lowercased() != new.lowercased() {
            return patch
        }
        for (key, change) in changes {
            if let existing = base[key], case .object = existing, case .object = change {
                base[key] = existing.merging(patch: change)
            } else {
                base[key] = change
            }
        }
        return .object(base)
    }
}
