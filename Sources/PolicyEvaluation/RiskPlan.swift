import Foundation
import PolicyModel

/// The risky user or service principal an action targets, as observed when the plan was made.
public struct RiskTarget: Sendable, Hashable, Codable {
    /// `users` or `servicePrincipals`.
    public var kind: RiskSubject
    /// The object id (a risky user's id is the user's object id).
    public var id: String
    /// The user principal name (users) or display name (service principals), when known.
    public var name: String?
    /// The display name, when known.
    public var displayName: String?
    /// `riskLevel` when observed (`nil`: the object was not a risky user/service principal).
    public var riskLevel: String?
    /// `riskState` when observed.
    public var riskState: String?

    public init(kind: RiskSubject, id: String, name: String? = nil, displayName: String? = nil, riskLevel: String? = nil,
                riskState: String? = nil) {
        self.kind = kind
        self.id = id
        self.name = name
        self.displayName = displayName
        self.riskLevel = riskLevel
        self.riskState = riskState
    }

    /// How people name the target: UPN (or display name), else the id.
    public var label: String { name ?? displayName ?? id }
}

/// One risk detection supporting an action.
public struct RiskEvidence: Sendable, Hashable, Codable {
    public var id: String
    public var riskEventType: String?
    public var riskLevel: String?
    public var riskState: String?
    public var detectionTimingType: String?
    public var detectedDateTime: String?
    public var activityDateTime: String?
    /// When Identity Protection last updated the detection (offline detections arrive late).
    public var lastUpdatedDateTime: String?
    public var ipAddress: String?
    /// `city, state, countryOrRegion` as far as known.
    public var location: String?

    public init(id: String, riskEventType: String? = nil, riskLevel: String? = nil, riskState: String? = nil,
                detectionTimingType: String? = nil, detectedDateTime: String? = nil, activityDateTime: String? = nil,
                ipAddress: String? = nil, location: String? = nil) {
        self.id = id
        self.riskEventType = riskEventType
        self.riskLevel = riskLevel
        self.riskState = riskState
        self.detectionTimingType = detectionTimingType
        self.detectedDateTime = detectedDateTime
        self.activityDateTime = activityDateTime
        self.ipAddress = ipAddress
        self.location = location
    }

    /// Reads a Graph `riskDetection` or `servicePrincipalRiskDetection`; `nil` without an `id`.
    public init?(detection json: JSONValue) {
        guard let id = json["id"]?.stringValue else { return nil }
        self.id = id
        riskEventType = json["riskEventType"]?.stringValue
        riskLevel = json["riskLevel"]?.stringValue
        riskState = json["riskState"]?.stringValue
        detectionTimingType = json["detectionTimingType"]?.stringValue
        detectedDateTime = json["detectedDateTime"]?.stringValue
        activityDateTime = json["activityDateTime"]?.stringValue
        lastUpdatedDateTime = json["lastUpdatedDateTime"]?.stringValue
        ipAddress = json["ipAddress"]?.stringValue
        let place = json["location"]
        let parts = [place?["city"]?.stringValue, place?["state"]?.stringValue, place?["countryOrRegion"]?.stringValue]
            .compactMap { $0 }.filter { !$0.isEmpty }
        location = parts.isEmpty ? nil : parts.joined(separator: ", ")
    }
}

/// A proposed response action on one user (or service principal), merged across rules.
public struct RiskPlannedAction: Sendable, Hashable, Codable {
    /// Stable id: the same rules, target, action and evidence always give the same id, so an approval
    /// (`--approve ID`) names exactly what was reviewed.
    public var id: String
    public var action: RiskAction
    public var target: RiskTarget
    /// The rules asking for this action (sorted); empty for a manual action.
    public var rules: [String]
    /// For a manual action: why (`--reason`).
    public var reason: String?
    public var approvalRequired: Bool
    /// Detections that satisfied the rules, newest first.
    public var evidence: [RiskEvidence]

    public init(id: String, action: RiskAction, target: RiskTarget, rules: [String], reason: String? = nil, approvalRequired: Bool,
                evidence: [RiskEvidence]) {
        self.id = id
        self.action = action
        self.target = target
        self.rules = rules
        self.reason = reason
        self.approvalRequired = approvalRequired
        self.evidence = evidence
    }
}

/// An action the rules matched but that will not run, and why.
public struct RiskSkippedAction: Sendable, Hashable, Codable {
    public enum Reason: String, Sendable, Hashable, Codable {
        /// An emergency access account and no rule says `allowEmergencyAccounts: true`.
        case emergencyAccount
        /// The target is already in the state the action produces (confirmed compromised, dismissed).
        case alreadyInEffect
        /// The audit log shows this very action (same id) executed before.
        case alreadyExecuted
        /// `revokeSignInSessions`: the user's sessions were revoked at or after the newest evidence
        /// detection (`signInSessionsValidFromDateTime`).
        case sessionsAlreadyRevoked
    }

    public var action: RiskPlannedAction
    public var reason: Reason

    public init(action: RiskPlannedAction, reason: Reason) {
        self.action = action
        self.reason = reason
    }
}

/// A problem that stops some actions: never guessed around, always reported.
public struct RiskPlanError: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Rules ask to confirm and to dismiss the same target: nothing is done to it.
        case conflict
        /// A rule matched more targets than its `maxActionsPerRun`: the rule does nothing.
        case maxActionsExceeded
        /// A rule could not be evaluated (unresolved scope, …).
        case rule
    }

    public var kind: Kind
    public var message: String
    /// The rules involved.
    public var rules: [String]
    /// The target, for conflicts.
    public var target: RiskTarget?
    /// Where the (first) rule is declared.
    public var location: SourceLocation?

    public init(kind: Kind, message: String, rules: [String], target: RiskTarget? = nil, location: SourceLocation? = nil) {
        self.kind = kind
        self.message = message
        self.rules = rules
        self.target = target
        self.location = location
    }
}

/// What one rule matched, for the plan's summary.
public struct RiskRuleSummary: Sendable, Hashable, Codable {
    public var name: String
    public var subject: RiskSubject
    public var action: RiskAction
    public var approvalRequired: Bool
    /// Targets that satisfied `when` (and the scope).
    public var matched: Int
    /// Actions it contributes to the plan (0 when it is in error).
    public var proposed: Int
    public var maxActionsPerRun: Int?

    public init(name: String, subject: RiskSubject, action: RiskAction, approvalRequired: Bool, matched: Int, proposed: Int,
                maxActionsPerRun: Int?) {
        self.name = name
        self.subject = subject
        self.action = action
        self.approvalRequired = approvalRequired
        self.matched = matched
        self.proposed = proposed
        self.maxActionsPerRun = maxActionsPerRun
    }
}

/// The result of evaluating risk-response rules: data only, rendered by ``RiskPlanRenderer`` and
/// executed by ``RiskActionRunner``. Saved as JSON (`formatVersion: 1`) for `risk apply PLANFILE`.
public struct RiskPlan: Sendable, Hashable, Codable {
    public static let currentFormatVersion = 1

    public var formatVersion: Int
    /// The evaluation time (`now`), ISO 8601.
    public var generatedAt: String
    public var rules: [RiskRuleSummary]
    /// Actions to run, ordered by target label then action.
    public var actions: [RiskPlannedAction]
    public var skipped: [RiskSkippedAction]
    public var errors: [RiskPlanError]
    /// The tenant the plan was made against (the access token's `tid`); a saved plan runs there only.
    public var tenantId: String?
    /// When a saved plan stops being valid (ISO 8601): risk changes by the hour, so a plan reviewed
    /// yesterday must not act today. Set by `risk plan` (`--valid-for`, default 4 hours).
    public var expiresAt: String?
    /// SHA-256 of the plan's content (``contentDigest``), set when it is saved (``sealed()``): an edited
    /// file is refused. It detects edits; it does not authenticate the author, so `risk apply` also
    /// re-checks approval and emergency access against the configuration.
    public var planDigest: String?

    public init(generatedAt: String, rules: [RiskRuleSummary] = [], actions: [RiskPlannedAction] = [],
                skipped: [RiskSkippedAction] = [], errors: [RiskPlanError] = [], tenantId: String? = nil, expiresAt: String? = nil) {
        self.formatVersion = Self.currentFormatVersion
        self.generatedAt = generatedAt
        self.rules = rules
        self.actions = actions
        self.skipped = skipped
        self.errors = errors
        self.tenantId = tenantId
        self.expiresAt = expiresAt
    }

    /// 1 when there are errors, 2 when there are actions, 0 when there is nothing to do.
    public var exitCode: Int32 {
        if !errors.isEmpty { return 1 }
        return actions.isEmpty ? 0 : 2
    }

    /// Actions needing approval.
    public var actionsAwaitingApproval: [RiskPlannedAction] { actions.filter(\.approvalRequired) }

    /// The plan as pretty JSON with sorted keys (byte-stable for equal plans).
    public func jsonData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }

    /// Reads a saved plan and checks its integrity: the format version, the digest of its content,
    /// every rule action's id recomputed from its rules, target, action and evidence, and the
    /// presence of a tenant and an expiry. Any edit is refused.
    public static func decode(_ data: Data) throws -> RiskPlan {
        let plan: RiskPlan
        do {
            plan = try JSONDecoder().decode(RiskPlan.self, from: data)
        } catch {
            throw RiskPlanFileError(message: "not a risk plan: \(error)")
        }
        guard plan.formatVersion == currentFormatVersion else {
            throw RiskPlanFileError(message: "unsupported risk plan formatVersion \(plan.formatVersion) (expected \(currentFormatVersion))")
        }
        guard let recorded = plan.planDigest else {
            throw RiskPlanFileError(message: "the risk plan carries no planDigest (made by an older entraform or edited); run risk plan again")
        }
        let actual = plan.contentDigest
        guard recorded == actual else {
            throw RiskPlanFileError(message: "the risk plan was modified after it was made (digest \(recorded.prefix(12))…, content now hashes to \(actual.prefix(12))…)")
        }
        for action in plan.actions + plan.skipped.map(\.action) {
            guard !action.rules.isEmpty else {
                throw RiskPlanFileError(message: "action \(action.id) has no rule: manual actions are never saved in a plan")
            }
            let expected = RiskRuleEvaluator.actionId(rules: action.rules, target: action.target, action: action.action,
                                                      evidenceIds: action.evidence.map(\.id))
            guard expected == action.id else {
                throw RiskPlanFileError(message: "action \(action.id) does not match its content (rules, target, action, evidence hash to \(expected)): the plan was edited")
            }
        }
        guard plan.tenantId != nil, plan.expiresAt != nil else {
            throw RiskPlanFileError(message: "the risk plan records no tenant or expiry (made by an older entraform); run risk plan again")
        }
        return plan
    }
}

/// A saved plan that cannot be used.
public struct RiskPlanFileError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
