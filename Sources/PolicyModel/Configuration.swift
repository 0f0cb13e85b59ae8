/// Where each value of a declaration came from: a path such as `conditions.users.excludeGroups[1]`
/// mapped to its position, so later stages (resolution, planning) can point at the exact line.
public struct SourceMap: Sendable, Hashable {
    public private(set) var locations: [String: SourceLocation] = [:]

    public init() {}

    public mutating func record(_ path: String, _ location: SourceLocation) {
        locations[path] = locations[path] ?? location
    }

    /// The position of `path`, or of its nearest recorded ancestor.
    public func location(of path: String) -> SourceLocation? {
        var current = Substring(path)
        while true {
            if let location = locations[String(current)] { return location }
            guard let cut = current.lastIndex(where: { $0 == "." || $0 == "[" }) else { return locations[""] }
            current = current[..<cut]
        }
    }
}

/// A declared object with where it was written.
public struct Declared<Value: Sendable & Hashable>: Sendable, Hashable {
    public var value: Value
    /// The position of the document (its `kind` key).
    public var location: SourceLocation
    /// Positions of every value in the document.
    public var sourceMap: SourceMap
    /// The document as written, in the language's JSON form (names, not ids).
    public var document: JSONValue

    public init(value: Value, location: SourceLocation, sourceMap: SourceMap, document: JSONValue) {
        self.value = value
        self.location = location
        self.sourceMap = sourceMap
        self.document = document
    }
}

/// Everything a configuration directory declares.
public struct Configuration: Sendable, Hashable {
    public var settings: Declared<Settings>?
    public var policies: [Declared<ConditionalAccessPolicy>] = []
    public var namedLocations: [Declared<NamedLocation>] = []
    public var riskResponseRules: [Declared<RiskResponseRule>] = []

    public init() {}

    /// The effective settings (defaults when the configuration has no `Settings` document).
    public var effectiveSettings: Settings { settings?.value ?? Settings() }
}
