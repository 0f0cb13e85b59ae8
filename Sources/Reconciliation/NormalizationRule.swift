import PolicyModel

/// One Graph quirk, named, as a pure function on a Graph object's JSON. Rules are applied to *both*
/// the desired body and the live object before they are compared, so the diff itself stays simple:
/// two normalized values are equal exactly when the tenant already matches the configuration.
public struct NormalizationRule: Sendable, Identifiable, CustomStringConvertible {
    /// A short kebab-case name used in tests and documentation: `collections-as-sets`.
    public let id: String
    /// What the rule does and why, in one sentence.
    public let summary: String
    /// The kinds the rule applies to.
    public let kinds: Set<ObjectKind>
    private let transform: @Sendable (JSONValue, ObjectKind) -> JSONValue

    public init(
        _ id: String, summary: String, kinds: Set<ObjectKind> = Set(ObjectKind.allCases),
        transform: @escaping @Sendable (JSONValue, ObjectKind) -> JSONValue
    ) {
        self.id = id
        self.summary = summary
        self.kinds = kinds
        self.transform = transform
    }

    /// `object` with this rule applied (unchanged when the rule does not apply to `kind`).
    public func apply(_ object: JSONValue, kind: ObjectKind) -> JSONValue {
        kinds.contains(kind) ? transform(object, kind) : object
    }

    public var description: String { id }
}

/// Applies an ordered list of rules.
public struct Normalizer: Sendable {
    public var rules: [NormalizationRule]

    public init(rules: [NormalizationRule] = NormalizationRule.standard) { self.rules = rules }

    /// The standard rules of reference §5.3, in their working order.
    public static let standard = Normalizer()

    /// `object` in normal form: comparable with `==` against any other normalized object of `kind`.
    public func normalize(_ object: JSONValue, kind: ObjectKind) -> JSONValue {
        rules.reduce(object) { value, rule in rule.apply(value, kind: kind) }
    }
}
