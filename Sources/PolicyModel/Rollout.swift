/// `rollout:` on a policy: how a policy declared `state: enabled` gets there, stage by stage, as the
/// tenant's own sign-in evidence allows (report-only → optional pilot ring → everyone).
///
/// The file states the destination; the stage is read from the tenant on every plan, so git history
/// reads as intent, not as a sequence of toggles.
public struct Rollout: Sendable, Hashable, Codable {
    /// At least this long in report-only first.
    public var reportOnlyFor: TimeWindow
    /// An optional ring enforced for a few users before everyone.
    public var pilot: Pilot?
    /// The highest share of evaluated sign-ins that may fail (or, in report-only, fail or be
    /// interrupted) for the rollout to advance. Absent: no rate gate.
    public var maxFailureRate: Percentage?
    /// Sign-ins the policy must have evaluated in a stage before it may advance (and before an
    /// enforced stage may be rolled back). Absent: no minimum.
    public var minimumSignIns: Int?
    /// An enforced stage (pilot or everyone) failing more than this is proposed back to report-only.
    /// Absent: never rolled back.
    public var rollbackAbove: Percentage?

    public init(reportOnlyFor: TimeWindow) { self.reportOnlyFor = reportOnlyFor }

    /// The pilot ring: the policy enforced for these groups (its user inclusions replaced; its
    /// exclusions kept) for at least `for`.
    public struct Pilot: Sendable, Hashable, Codable {
        public var includeGroups: [DirectoryReference]
        public var `for`: TimeWindow
        /// The pilot's own minimum; absent: the rollout's `minimumSignIns`.
        public var minimumSignIns: Int?

        public init(includeGroups: [DirectoryReference], for duration: TimeWindow) {
            self.includeGroups = includeGroups
            self.for = duration
        }
    }
}

/// A share written `2%` or `0.5%` (0 to 100).
public struct Percentage: Sendable, Hashable, TextualValue {
    /// The share in percent: `2` for `2%`.
    public var percent: Double
    private var text: String

    /// Parses `<number>%` with the number between 0 and 100; nil for anything else.
    public init?(parsing text: String) {
        let digits = text.dropLast()
        guard text.hasSuffix("%"), !digits.isEmpty, digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              let number = Double(String(digits)), (0...100).contains(number) else { return nil }
        percent = number
        self.text = text
    }

    public var description: String { text }
}
