import PolicyModel

/// The shape of a value in the policy language. One description serves the loader (which walks YAML
/// nodes against it) and the JSON Schema generator, so the two cannot disagree about valid keys.
public indirect enum Shape: Sendable {
    case object(ObjectShape)
    /// A list; `isSet` lists reject duplicate items (lists in the language are sets).
    case list(Shape, isSet: Bool = true)
    case string(StringKind)
    case integer(ClosedRange<Int>)
    case boolean
}

/// A mapping with a closed set of keys.
public struct ObjectShape: Sendable {
    public var fields: [Field]
    /// Checks that involve several keys, run after the keys themselves are valid.
    public var rules: [ObjectRule]

    public init(_ fields: [Field], rules: [ObjectRule] = []) {
        self.fields = fields
        self.rules = rules
    }

    public func field(named name: String) -> Field? { fields.first { $0.name == name } }
}

/// One key of a mapping.
public struct Field: Sendable {
    public var name: String
    public var shape: Shape
    public var description: String
    public var isRequired: Bool
    /// Only in Graph's beta API.
    public var isBeta: Bool

    public init(_ name: String, _ shape: Shape, required: Bool = false, beta: Bool = false, _ description: String) {
        self.name = name
        self.shape = shape
        self.description = description
        self.isRequired = required
        self.isBeta = beta
    }
}

/// What a string may hold.
public enum StringKind: Sendable {
    case text
    /// Non-empty text.
    case nonEmptyText
    /// A display name: non-empty, at most `maximumLength` characters, no control characters; outer
    /// whitespace and invisible characters are warned about.
    case displayName(maximumLength: Int)
    /// One of a fixed set, with input aliases mapped to Graph's spelling.
    case enumeration([String], aliases: [String: String] = [:])
    case reference(ReferenceKind)
    /// `30m`, `24h`, `7d`.
    case duration
    /// `2%`, `0.5%`: a share from 0 to 100 percent.
    case percentage
    /// An IPv4 or IPv6 CIDR range.
    case cidr
    /// An IPv4 or IPv6 address.
    case ipAddress
    /// An ISO 3166-1 alpha-2 code.
    case countryCode
    /// A filter rule in the dynamic-group-like syntax, for devices, applications or service principals.
    case filterRule
    /// A GUID.
    case objectID
    /// A user action URN.
    case userAction
    /// A risk detection type: free text, warned about when Microsoft does not document it.
    case riskEventType
}

/// The kind of directory object a reference names, with the reserved words valid in its place.
public struct ReferenceKind: Sendable, Hashable {
    /// What the object is called in messages: `user`, `group`, `application`, …
    public var noun: String
    /// Reserved words accepted here (Graph's spelling).
    public var reservedWords: [String]
    /// Users are named by UPN: a value that is neither a UPN, an id nor a reserved word is an error.
    public var requiresUPN: Bool
    /// How the schema describes the accepted forms.
    public var formsDescription: String

    public static func users(_ reserved: [String]) -> ReferenceKind {
        ReferenceKind(noun: "user", reservedWords: reserved, requiresUPN: true,
                      formsDescription: "user principal name or object id")
    }
    public static let group = ReferenceKind(noun: "group", reservedWords: [], requiresUPN: false,
                                            formsDescription: "group display name or object id")
    public static let role = ReferenceKind(noun: "directory role", reservedWords: [], requiresUPN: false,
                                           formsDescription: "role display name or role template id")
    public static func applications(_ reserved: [String]) -> ReferenceKind {
        ReferenceKind(noun: "application", reservedWords: reserved, requiresUPN: false,
                      formsDescription: "application display name or appId")
    }
    public static func servicePrincipals(_ reserved: [String]) -> ReferenceKind {
        ReferenceKind(noun: "service principal", reservedWords: reserved, requiresUPN: false,
                      formsDescription: "service principal display name or object id")
    }
    public static func locations(_ reserved: [String]) -> ReferenceKind {
        ReferenceKind(noun: "named location", reservedWords: reserved, requiresUPN: false,
                      formsDescription: "named location display name or id")
    }
    public static let authenticationStrength = ReferenceKind(
        noun: "authentication strength", reservedWords: [], requiresUPN: false,
        formsDescription: "authentication strength display name or id")
    public static let termsOfUse = ReferenceKind(noun: "terms of use agreement", reservedWords: [], requiresUPN: false,
                                                 formsDescription: "agreement display name or id")
    public static let authenticationContext = ReferenceKind(
        noun: "authentication context", reservedWords: [], requiresUPN: false,
        formsDescription: "authentication context id (c1…c99) or display name")
}

/// A check over a whole mapping, given its decoded members; returns problems keyed to member names.
public struct ObjectRule: Sendable {
    public var check: @Sendable (_ members: [String: JSONValue]) -> [RuleViolation]
    /// The same rule as a JSON Schema fragment (`anyOf`, `oneOf`, `if`/`then`, `not`), applied to the
    /// mapping by the generated schema; `nil` when JSON Schema cannot express it (the README lists those).
    public var schema: JSONValue?

    public init(schema: JSONValue? = nil, _ check: @escaping @Sendable (_ members: [String: JSONValue]) -> [RuleViolation]) {
        self.check = check
        self.schema = schema
    }
}

/// A problem found by an `ObjectRule`: at a member's key (or the mapping itself when `key` is nil).
public struct RuleViolation: Sendable {
    public var key: String?
    public var message: String
    public var suggestion: String?
    public var severity: Diagnostic.Severity

    public init(at key: String?, _ message: String, suggestion: String? = nil, severity: Diagnostic.Severity = .error) {
        self.key = key
        self.message = message
        self.suggestion = suggestion
        self.severity = severity
    }
}
