import PolicyModel

/// What entraform will do to one object.
public enum PlanAction: String, Sendable, Hashable, Codable, CaseIterable {
    case create
    case update
    case delete
    case noOp = "no-op"

    /// `+`, `~`, `-`, or a space for no-op.
    public var symbol: String {
        switch self {
        case .create: "+"
        case .update: "~"
        case .delete: "-"
        case .noOp: " "
        }
    }
}

/// A value as the plan shows it: the JSON, and for an id, the name of the object it refers to.
public struct PlanValue: Sendable, Hashable, Codable {
    public var value: JSONValue
    /// The directory name of the id (`CA-BreakGlass`), or the name of a named location this apply creates.
    public var name: String?
    /// An id in a reference field that the directory could not name: most likely a deleted object.
    public var isUnresolvedReference: Bool
    /// A reference to a named location that this apply creates first (its id is not known yet).
    public var isPendingCreation: Bool

    public init(_ value: JSONValue, name: String? = nil, isUnresolvedReference: Bool = false, isPendingCreation: Bool = false) {
        self.value = value
        self.name = name
        self.isUnresolvedReference = isUnresolvedReference
        self.isPendingCreation = isPendingCreation
    }

    /// The raw value as text: strings bare, anything else as compact JSON.
    public var rawText: String { value.stringValue ?? value.serializedString() }
}

/// One field that differs, by dotted path (`conditions.users.excludeGroups`).
public struct FieldChange: Sendable, Hashable, Codable {
    public enum Change: Sendable, Hashable, Codable {
        /// A set-valued field: the elements added and removed.
        case set(added: [PlanValue], removed: [PlanValue])
        /// A single value replaced; `nil` means absent.
        case value(before: PlanValue?, after: PlanValue?)
    }

    public var path: String
    public var change: Change

    public init(path: String, change: Change) {
        self.path = path
        self.change = change
    }
}

/// Why an object is in the plan: data, worded by the renderers (`PlanRendering`).
public enum ChangeReason: Sendable, Hashable, Codable {
    /// Declared, and no live object matches it: a create.
    case declaredNotInTenant
    /// The live object already matches the declaration (found by its pinned id or by name).
    case matchesTenant(pinnedId: Bool)
    /// The live object differs in `fields` fields.
    case differsFromTenant(fields: Int, pinnedId: Bool)
    /// Found under an earlier name (`previousNames`): the update renames it.
    case renamed(from: String)
    /// Live, in scope, not declared, and `manage.prune` is on: a delete.
    case notDeclaredWithPrune
}

/// One object in the plan: the action, why, and for updates what changes.
public struct PlannedChange: Sendable, Hashable, Codable {
    public var kind: ObjectKind
    /// The declared display name (for a delete, the live one).
    public var displayName: String
    /// The live object's id; `nil` for a create.
    public var id: String?
    public var action: PlanAction
    /// Why the object is in the plan.
    public var reason: ChangeReason
    /// For an update, the fields that change; for a create, every field set.
    public var fieldChanges: [FieldChange]
    /// Live fields entraform does not model; an update carries them along unchanged.
    public var leftUnchanged: [String]
    /// The body to POST (create) or PATCH (update); `nil` for delete and no-op. May contain
    /// ``PendingReference`` placeholders for named locations created earlier in the same apply.
    public var requestBody: JSONValue?
    /// Fingerprint of the live object the change was planned against (update, delete, no-op).
    public var liveFingerprint: String?
    /// Where the object was declared.
    public var location: SourceLocation?
    /// Who last changed (or deleted) the live object outside entraform, from the directory audit log;
    /// nil when nobody did within its 30 days, or the log was not read.
    public var attribution: DriftAttribution?

    public init(
        kind: ObjectKind, displayName: String, id: String?, action: PlanAction, reason: ChangeReason,
        fieldChanges: [FieldChange] = [], leftUnchanged: [String] = [], requestBody: JSONValue? = nil,
        liveFingerprint: String? = nil, location: SourceLocation? = nil
    ) {
        self.kind = kind
        self.displayName = displayName
        self.id = id
        self.action = action
        self.reason = reason
        self.fieldChanges = fieldChanges
        self.leftUnchanged = leftUnchanged
        self.requestBody = requestBody
        self.liveFingerprint = liveFingerprint
        self.location = location
    }
}

/// Counts per action.
public struct PlanSummary: Sendable, Hashable, Codable {
    public var toCreate: Int
    public var toUpdate: Int
    public var toDelete: Int
    public var unchanged: Int

    public init(toCreate: Int = 0, toUpdate: Int = 0, toDelete: Int = 0, unchanged: Int = 0) {
        self.toCreate = toCreate
        self.toUpdate = toUpdate
        self.toDelete = toDelete
        self.unchanged = unchanged
    }

    /// `Plan: 2 to create, 1 to update, 0 to delete.`
    public var line: String { "Plan: \(toCreate) to create, \(toUpdate) to update, \(toDelete) to delete." }
}

/// The result of comparing the configuration with the tenant: data only; renderers are views of it.
///
/// `changes` is in execution order: named locations created or updated, then policies created or
/// updated, then policies deleted, then named locations deleted. No-op entries are kept (in their
/// group) so a renderer can count or list them.
public struct Plan: Sendable, Hashable, Codable {
    public var changes: [PlannedChange]
    /// Warnings and errors found while planning (plus any the caller passed in).
    public var diagnostics: [Diagnostic]
    /// SHA-256 over the fingerprints of every live object in scope or matched when the plan was made.
    public var liveStateDigest: String
    /// The id of the tenant the plan was made against (the access token's `tid`). A saved plan is
    /// applied to this tenant only; it is part of the digest, so it cannot be edited.
    public var tenantId: String?
    /// The Settings' what-if personas, evaluated against the tenant's policies before and after the
    /// plan (absent when none are declared).
    public var scenarios: [ScenarioOutcome]?
    /// Who the plan affects: the tenant's users (and named service principals) evaluated before and
    /// after it (absent with `--no-impact`, or when the plan has errors).
    public var impact: PlanImpact?
    /// The staged rollouts (`rollout:` policies): each one's stage, what this plan does with it and
    /// the sign-in evidence (absent when no policy declares a rollout).
    public var rollouts: [RolloutDecision]?

    public init(changes: [PlannedChange] = [], diagnostics: [Diagnostic] = [], liveStateDigest: String = "", tenantId: String? = nil) {
        self.changes = changes
        self.diagnostics = diagnostics
        self.liveStateDigest = liveStateDigest
        self.tenantId = tenantId
    }

    /// The entries that change something (no-ops left out).
    public var actionableChanges: [PlannedChange] { changes.filter { $0.action != .noOp } }

    public var summary: PlanSummary {
        var summary = PlanSummary()
        for change in changes {
            switch change.action {
            case .create: summary.toCreate += 1
            case .update: summary.toUpdate += 1
            case .delete: summary.toDelete += 1
            case .noOp: summary.unchanged += 1
            }
        }
        return summary
    }

    /// True when applying the plan would change the tenant.
    public var hasChanges: Bool { changes.contains { $0.action != .noOp } }

    /// True when the plan carries an error diagnostic and must not be applied.
    public var hasErrors: Bool { diagnostics.containsErrors }

    /// The process exit code for `plan`: 1 when the plan carries errors; otherwise 2 when there are
    /// changes and `detailed` (`--detailed-exitcode`) is set; otherwise 0.
    public func exitCode(detailed: Bool) -> Int32 {
        if hasErrors { return 1 }
        return detailed && hasChanges ? 2 : 0
    }
}

/// One what-if persona's outcome before and after a plan.
public struct ScenarioOutcome: Sendable, Hashable, Codable {
    /// What Conditional Access demands of a sign-in.
    public struct Outcome: Sendable, Hashable, Codable {
        public var blocked: Bool
        /// Policies that block.
        public var blockingPolicies: [String]
        /// All must hold; each is met by any one of its controls.
        public var clauses: [[String]]
        /// The session controls in force, in words (`sign-in frequency 4 hours`).
        public var sessionControls: [String]

        public init(blocked: Bool, blockingPolicies: [String], clauses: [[String]], sessionControls: [String] = []) {
            self.blocked = blocked
            self.blockingPolicies = blockingPolicies
            self.clauses = clauses
            self.sessionControls = sessionControls
        }
    }

    public var name: String
    /// The sign-in, in words: `emma@contoso.com to Office 365 Exchange Online (platform iOS)`.
    public var signIn: String
    public var before: Outcome
    public var after: Outcome
    /// What report-only policies would demand, after the plan.
    public var reportOnlyAfter: Outcome
    /// Inputs the persona does not give that some policy's conditions need.
    public var missingInputs: [String]

    public var changed: Bool { before != after }

    public init(name: String, signIn: String, before: Outcome, after: Outcome, reportOnlyAfter: Outcome, missingInputs: [String]) {
        self.name = name
        self.signIn = signIn
        self.before = before
        self.after = after
        self.reportOnlyAfter = reportOnlyAfter
        self.missingInputs = missingInputs
    }
}

/// Who a plan affects: every change of outcome between the tenant's policies before and after the
/// plan, for sets of sign-ins that change alike (users, application, platform, location, risks…).
public struct PlanImpact: Sendable, Hashable, Codable {
    /// Sign-ins whose outcome changes the same way.
    public struct Change: Sendable, Hashable, Codable {
        /// `enforced`, or `reportOnly` (what report-only policies would demand).
        public var enforcement: String
        public var before: ScenarioOutcome.Outcome
        public var after: ScenarioOutcome.Outcome
        /// `user` or `servicePrincipal`.
        public var subjectKind: String
        public var userCount: Int
        /// Every user (UPN) or service principal affected, sorted.
        public var users: [String]
        /// Per dimension (`application`, `platform`, `clientAppType`, `location`, `signInRisk`,
        /// `userRisk`, `servicePrincipalRisk`, `insiderRisk`, `authenticationFlow`): the values
        /// concerned; a dimension left out means any value.
        public var context: [String: [String]]
        /// Per dimension in `context`: the values it leaves out ("any platform except iOS").
        public var excludedContext: [String: [String]]

        public init(enforcement: String, before: ScenarioOutcome.Outcome, after: ScenarioOutcome.Outcome, subjectKind: String,
                    users: [String], context: [String: [String]], excludedContext: [String: [String]] = [:]) {
            self.enforcement = enforcement
            self.before = before
            self.after = after
            self.subjectKind = subjectKind
            self.userCount = users.count
            self.users = users
            self.context = context
            self.excludedContext = excludedContext
        }

        public var isReportOnly: Bool { enforcement == "reportOnly" }
    }

    public var changes: [Change]
    /// Enabled users evaluated, and the classes they fell into.
    public var usersEvaluated: Int
    public var userClasses: Int
    public var servicePrincipalsEvaluated: Int
    /// What the analysis assumed (devices unregistered, …).
    public var notes: [String]

    public init(changes: [Change], usersEvaluated: Int, userClasses: Int, servicePrincipalsEvaluated: Int, notes: [String]) {
        self.changes = changes
        self.usersEvaluated = usersEvaluated
        self.userClasses = userClasses
        self.servicePrincipalsEvaluated = servicePrincipalsEvaluated
        self.notes = notes
    }

    /// Distinct subjects per `"enforcement/subjectKind"` (`"reportOnly/user"`, …), when counted where
    /// the impact was computed; nil (a saved plan read back) counts them from the changes' lists.
    /// Derived from the changes: not part of the plan's content (its encoding and digest).
    public var subjectCounts: [String: Int]?

    private enum CodingKeys: String, CodingKey { case changes, usersEvaluated, userClasses, servicePrincipalsEvaluated, notes }

    /// Distinct users whose enforced outcome changes somewhere.
    public var affectedUsers: Int { distinctSubjects(enforcement: "enforced", kind: "user") }

    /// How many distinct users (or service principals) the changes of `enforcement` and `kind` name.
    public func distinctSubjects(enforcement: String, kind: String) -> Int {
        if let counted = subjectCounts?["\(enforcement)/\(kind)"] { return counted }
        // One set filled in place: the lists are long, and concatenating them first would copy every name.
        var seen = Set<String>()
        for change in changes where change.enforcement == enforcement && change.subjectKind == kind {
            for user in change.users { seen.insert(user) }
        }
        return seen.count
    }
}
