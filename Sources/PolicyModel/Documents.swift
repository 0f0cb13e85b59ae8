/// A named location: an IP ranges location or a countries location.
public struct NamedLocation: Sendable, Hashable, Codable {
    public var displayName: String
    public var id: String?
    public var previousNames: [String]?
    /// IPv4 and IPv6 CIDR ranges (an IP location).
    public var ipRanges: [String]?
    public var isTrusted: Bool?
    /// ISO 3166-1 alpha-2 codes (a countries location).
    public var countriesAndRegions: [String]?
    public var includeUnknownCountriesAndRegions: Bool?
    public var countryLookupMethod: CountryLookupMethod?

    public init(displayName: String) { self.displayName = displayName }

    /// Which Graph subtype the declaration describes.
    public var locationType: LocationType {
        countriesAndRegions != nil ? .country : .ipRanges
    }

    public enum LocationType: String, Sendable, Hashable {
        /// `#microsoft.graph.ipNamedLocation`
        case ipRanges
        /// `#microsoft.graph.countryNamedLocation`
        case country
    }
}

/// The configuration's settings (`kind: Settings`, at most one).
public struct Settings: Sendable, Hashable, Codable {
    /// Tenant id or verified domain.
    public var tenant: String?
    public var cloud: Cloud?
    public var graphVersion: GraphVersion?
    public var manage: Manage?
    public var emergencyAccess: EmergencyAccess?
    public var scenarios: [Scenario]?
    /// Lint rule severities by rule id (`EF201`), overriding each rule's default.
    public var lint: [String: LintSeverity]?

    public init() {}

    /// The severity `rule` reports with under these settings.
    public func severity(of rule: LintRule) -> LintSeverity { lint?[rule.rawValue] ?? rule.defaultSeverity }

    /// What entraform may touch.
    public struct Manage: Sendable, Hashable, Codable {
        /// Delete live policies in scope that are not declared.
        public var prune: Bool?
        /// Only policies whose displayName starts with this are in scope (followed by anything but a
        /// letter when the prefix ends in a letter or digit: `CA` takes `CA001` and `CA - …`, not `CAT team`).
        public var namePrefix: String?
        /// Which undeclared named locations are entraform's (pruned, reported by drift). Without it,
        /// only declared named locations are managed and no other is ever deleted or reported.
        public var namedLocations: NamedLocationScope?

        public init() {}
    }

    /// The named locations entraform may prune and report: a name prefix, or an explicit list.
    public struct NamedLocationScope: Sendable, Hashable, Codable {
        public var namePrefix: String?
        public var names: [String]?

        public init(namePrefix: String? = nil, names: [String]? = nil) {
            self.namePrefix = namePrefix
            self.names = names
        }
    }

    /// Break-glass accounts and groups, protected by the lockout guard and never acted on by risk rules.
    public struct EmergencyAccess: Sendable, Hashable, Codable {
        public var users: [DirectoryReference]?
        public var groups: [DirectoryReference]?

        public init() {}
    }

    /// A what-if persona for impact analysis.
    public struct Scenario: Sendable, Hashable, Codable {
        public var name: String
        public var user: DirectoryReference
        public var application: DirectoryReference?
        public var platform: DevicePlatform?
        public var clientAppType: ClientAppType?
        public var signInRiskLevel: RiskLevel?
        public var userRiskLevel: RiskLevel?
        public var country: String?
        public var ipAddress: String?

        public init(name: String, user: DirectoryReference) {
            self.name = name
            self.user = user
        }
    }
}

/// A declarative Identity Protection response (`kind: RiskResponseRule`).
public struct RiskResponseRule: Sendable, Hashable, Codable {
    public var name: String
    public var description: String?
    /// `users` (default) or `servicePrincipals`.
    public var subject: RiskSubject?
    public var when: Condition?
    public var action: RiskAction
    public var approval: ApprovalMode?
    public var maxActionsPerRun: Int?
    /// Emergency access accounts are never acted on unless this is true.
    public var allowEmergencyAccounts: Bool?

    public init(name: String, action: RiskAction) {
        self.name = name
        self.action = action
    }

    /// What must hold for a user to match: the risky-user state and at least one detection.
    public struct Condition: Sendable, Hashable, Codable {
        public var riskEventTypes: [String]?
        public var detectionRiskLevels: [RiskLevel]?
        public var detectionTimingTypes: [RiskDetectionTimingType]?
        /// Only detections newer than this.
        public var detectedWithin: TimeWindow?
        public var userRiskLevels: [RiskLevel]?
        public var riskStates: [RiskState]?
        public var users: UserScope?

        public init() {}
    }

    /// Which users a rule may act on.
    public struct UserScope: Sendable, Hashable, Codable {
        public var includeUsers: [DirectoryReference]?
        public var excludeUsers: [DirectoryReference]?
        public var includeGroups: [DirectoryReference]?
        public var excludeGroups: [DirectoryReference]?

        public init() {}
    }
}

/// A value the language writes as text with a syntax of its own (`7d`, `2%`): encoded and decoded as
/// that text, so a configuration round-trips as written.
public protocol TextualValue: Codable, CustomStringConvertible {
    /// The value `text` writes; nil when it is not one.
    init?(parsing text: String)
}

extension TextualValue {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let parsed = Self(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "invalid \(Self.self) '\(text)'")
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A span of time written `30m`, `24h` or `7d`.
public struct TimeWindow: Sendable, Hashable, TextualValue {
    public var seconds: Int
    private var text: String

    /// Parses `<positive integer><m|h|d>`; nil for anything else.
    public init?(parsing text: String) {
        guard let unit = text.last, let count = Int(text.dropLast()), count > 0, count < 1_000_000 else { return nil }
        switch unit {
        case "m": seconds = count * 60
        case "h": seconds = count * 3_600
        case "d": seconds = count * 86_400
        default: return nil
        }
        self.text = text
    }

    public var description: String { text }
}
