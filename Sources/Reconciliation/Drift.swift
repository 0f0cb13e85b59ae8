import PolicyModel

/// Kinds of difference `drift` reports.
public enum DriftCategory: String, Sendable, Hashable, Codable, CaseIterable {
    /// Declared and live, but the live object differs (field changes show live → declared).
    case changed
    /// Declared, but not in the tenant.
    case missing
    /// In the tenant and in scope, but not declared.
    case unmanagedInScope
    /// A live policy refers to ids the directory cannot name (deleted objects).
    case danglingReferences
}

/// One drifted object.
public struct DriftEntry: Sendable, Hashable, Codable {
    public var kind: ObjectKind
    public var displayName: String
    public var id: String?
    public var category: DriftCategory
    /// `changed`: live → declared per field; `danglingReferences`: the unresolvable ids, as removals.
    public var fieldChanges: [FieldChange]
    public var location: SourceLocation?
    /// Who changed it, from the directory audit log (``DriftAttributor``); nil when no record was found
    /// or the log was not read (``DriftReport/attributionWindowDays`` tells which).
    public var attribution: DriftAttribution?

    public init(kind: ObjectKind, displayName: String, id: String?, category: DriftCategory, fieldChanges: [FieldChange] = [], location: SourceLocation? = nil,
                attribution: DriftAttribution? = nil) {
        self.kind = kind
        self.displayName = displayName
        self.id = id
        self.category = category
        self.fieldChanges = fieldChanges
        self.location = location
        self.attribution = attribution
    }
}

/// The result of `drift`.
public struct DriftReport: Sendable, Hashable, Codable {
    public var entries: [DriftEntry]
    public var diagnostics: [Diagnostic]
    /// How far back the audit log was searched for who changed the entries (30 days, Graph's
    /// retention); nil when it was not read (no permission, or nothing to attribute).
    public var attributionWindowDays: Int?

    public init(entries: [DriftEntry] = [], diagnostics: [Diagnostic] = [], attributionWindowDays: Int? = nil) {
        self.entries = entries
        self.diagnostics = diagnostics
        self.attributionWindowDays = attributionWindowDays
    }

    public var hasDrift: Bool { !entries.isEmpty }

    /// How many distinct objects drifted: one object can be both changed and hold dangling references.
    public var objectCount: Int {
        Set(entries.map { "\($0.kind.rawValue)\u{0}\($0.id ?? "")\u{0}\($0.id == nil ? $0.displayName : "")" }).count
    }

    /// 1 when there are errors, 2 when there is drift, 0 otherwise.
    public var exitCode: Int32 {
        if diagnostics.containsErrors { return 1 }
        return hasDrift ? 2 : 0
    }
}
