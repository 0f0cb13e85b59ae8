import Foundation
import PolicyModel

/// A rule's user scope with every reference resolved to an id (lowercased on use).
public struct RiskScope: Sendable, Hashable {
    /// `includeUsers: [All]`, or no include list at all.
    public var includeAll: Bool
    public var includeUserIds: Set<String>
    public var excludeUserIds: Set<String>
    public var includeGroupIds: Set<String>
    public var excludeGroupIds: Set<String>

    public init(includeAll: Bool = true, includeUserIds: Set<String> = [], excludeUserIds: Set<String> = [],
                includeGroupIds: Set<String> = [], excludeGroupIds: Set<String> = []) {
        self.includeAll = includeAll
        self.includeUserIds = Set(includeUserIds.map { $0.lowercased() })
        self.excludeUserIds = Set(excludeUserIds.map { $0.lowercased() })
        self.includeGroupIds = Set(includeGroupIds.map { $0.lowercased() })
        self.excludeGroupIds = Set(excludeGroupIds.map { $0.lowercased() })
    }

    /// Every user.
    public static let everyone = RiskScope()
}

/// A rule as the evaluator needs it: the declaration, its resolved scope and where it was written.
public struct RiskRuleInput: Sendable, Hashable {
    public var rule: RiskResponseRule
    public var scope: RiskScope
    /// Where the rule's `action` is written (errors about what the rule does point here).
    public var location: SourceLocation?
    /// Where its `maxActionsPerRun` is written (the limit's error points here).
    public var limitLocation: SourceLocation?

    public init(rule: RiskResponseRule, scope: RiskScope = .everyone, location: SourceLocation? = nil, limitLocation: SourceLocation? = nil) {
        self.rule = rule
        self.scope = scope
        self.location = location
        self.limitLocation = limitLocation
    }
}

/// Everything one evaluation reads. Graph objects are passed as Graph returns them.
public struct RiskEvaluationInput: Sendable {
    public var rules: [RiskRuleInput]
    /// Transitive member ids of every group a scope or the emergency access settings name.
    public var groupMembers: [String: Set<String>]
    public var emergencyUserIds: Set<String>
    public var emergencyGroupIds: Set<String>
    /// `riskyUser` objects.
    public var riskyUsers: [JSONValue]
    /// `riskDetection` objects.
    public var detections: [JSONValue]
    /// `riskyServicePrincipal` objects.
    public var riskyServicePrincipals: [JSONValue]
    /// `servicePrincipalRiskDetection` objects.
    public var servicePrincipalDetections: [JSONValue]
    /// Action ids the audit log records as executed: planned again, they are skipped.
    public var executedActionIds: Set<String>
    /// Users' `signInSessionsValidFromDateTime` by lowercased id, for the users revocation rules
    /// match (``RiskRuleEvaluator/revocationCandidates(_:)``): sessions revoked after a rule's newest
    /// evidence are not revoked again, so a scheduled run without the previous audit log still acts once.
    public var sessionsValidFrom: [String: String]
    /// The evaluation time (windows are measured back from it).
    public var now: Date

    public init(rules: [RiskRuleInput], groupMembers: [String: Set<String>] = [:], emergencyUserIds: Set<String> = [],
                emergencyGroupIds: Set<String> = [], riskyUsers: [JSONValue] = [], detections: [JSONValue] = [],
                riskyServicePrincipals: [JSONValue] = [], servicePrincipalDetections: [JSONValue] = [],
                executedActionIds: Set<String> = [], sessionsValidFrom: [String: String] = [:], now: Date) {
        self.rules = rules
        self.groupMembers = groupMembers
        self.emergencyUserIds = emergencyUserIds
        self.emergencyGroupIds = emergencyGroupIds
        self.riskyUsers = riskyUsers
        self.detections = detections
        self.riskyServicePrincipals = riskyServicePrincipals
        self.servicePrincipalDetections = servicePrincipalDetections
        self.executedActionIds = executedActionIds
        self.sessionsValidFrom = sessionsValidFrom
        self.now = now
    }
}

/// Evaluates risk-response rules into a ``RiskPlan``. Pure: no I/O, `now` injected.
///
/// A target matches a rule when its risky state satisfies `userRiskLevels`/`riskStates`, it is in the
/// rule's scope, and at least one of its detections satisfies the detection conditions
/// (`riskEventTypes`, `detectionRiskLevels`, `detectionTimingTypes`, `detectedWithin`). Then:
/// emergency accounts are skipped unless the rule allows them; targets already in the action's
/// resulting state, or whose identical action the audit log shows executed, are skipped; a rule with
/// more remaining candidates than `maxActionsPerRun` contributes nothing and reports an error;
/// actions are merged per target across rules, and confirm + dismiss on one target is an error for
/// that target (none of its actions run).
public struct RiskRuleEvaluator: Sendable {
    public init() {}

    /// A risky object and its detections.
    struct Subject {
        var kind: RiskSubject
        var id: String
        var state: JSONValue
        var detections: [JSONValue]

        var riskLevel: String? { state["riskLevel"]?.stringValue }
        var riskState: String? { state["riskState"]?.stringValue }

        var target: RiskTarget {
            switch kind {
            case .users:
                RiskTarget(kind: kind, id: id, name: state["userPrincipalName"]?.stringValue,
                           displayName: state["userDisplayName"]?.stringValue, riskLevel: riskLevel, riskState: riskState)
            case .servicePrincipals:
                RiskTarget(kind: kind, id: id, name: state["displayName"]?.stringValue ?? state["appId"]?.stringValue,
                           displayName: state["displayName"]?.stringValue, riskLevel: riskLevel, riskState: riskState)
            }
        }
    }

    /// A rule's wish for one target.
    struct Candidate {
        var rule: RiskResponseRule
        var subject: Subject
        var evidence: [JSONValue]
    }

    /// A detection a rule looked at whose `detectedDateTime` is missing (when the rule's window needs
    /// it) or cannot be read.
    struct UnreadableTime {
        var rule: RiskRuleInput
        var subject: Subject
        var detection: JSONValue
    }

    /// What one rule matched and which detection times it could not read.
    struct RuleMatches {
        var candidates: [Candidate] = []
        var unreadableTimes: [UnreadableTime] = []
    }

    /// The targets one rule matches (scope, risky state, at least one detection), with their evidence.
    /// A detection whose time cannot be read never silently drops out: it is listed in
    /// ``RuleMatches/unreadableTimes``, and stays evidence when the rule has no time window.
    static func matches(_ ruleInput: RiskRuleInput, users: [Subject], principals: [Subject], members: [String: Set<String>], now: Date)
        -> RuleMatches
    {
        let rule = ruleInput.rule
        let subject = rule.subject ?? .users
        var matched = RuleMatches()
        for candidate in subject == .users ? users : principals {
            if subject == .users, !Self.inScope(candidate.id, ruleInput.scope, members: members) { continue }
            guard Self.stateMatches(candidate, rule.when) else { continue }
            var evidence: [JSONValue] = []
            for detection in candidate.detections {
                switch Self.detectionMatches(detection, rule.when, now: now) {
                case .matches: evidence.append(detection)
                case .differs: break
                case .unreadableTime(let isEvidence):
                    matched.unreadableTimes.append(UnreadableTime(rule: ruleInput, subject: candidate, detection: detection))
                    if isEvidence { evidence.append(detection) }
                }
            }
            guard !evidence.isEmpty else { continue }
            matched.candidates.append(Candidate(rule: rule, subject: candidate, evidence: evidence))
        }
        return matched
    }

    /// Lowercased ids of the users that `revokeSignInSessions` rules match: whose
    /// `signInSessionsValidFromDateTime` ``RiskEvaluationInput/sessionsValidFrom`` needs.
    public func revocationCandidates(_ input: RiskEvaluationInput) -> Set<String> {
        let revoking = input.rules.filter { $0.rule.action == .revokeSignInSessions && ($0.rule.subject ?? .users) == .users }
        guard !revoking.isEmpty else { return [] }
        let users = Self.subjects(.users, states: input.riskyUsers, detections: input.detections, ownerKey: "userId")
        let members = Dictionary(input.groupMembers.map { ($0.key.lowercased(), Set($0.value.map { $0.lowercased() })) },
                                 uniquingKeysWith: { $0.union($1) })
        var ids: Set<String> = []
        for rule in revoking {
            for candidate in Self.matches(rule, users: users, principals: [], members: members, now: input.now).candidates {
                ids.insert(candidate.subject.id.lowercased())
            }
        }
        return ids
    }

    public func evaluate(_ input: RiskEvaluationInput) -> RiskPlan {
        let users = Self.subjects(.users, states: input.riskyUsers, detections: input.detections, ownerKey: "userId")
        let principals = Self.subjects(.servicePrincipals, states: input.riskyServicePrincipals,
                                       detections: input.servicePrincipalDetections, ownerKey: "servicePrincipalId")
        let members = Dictionary(input.groupMembers.map { ($0.key.lowercased(), Set($0.value.map { $0.lowercased() })) },
                                 uniquingKeysWith: { $0.union($1) })
        var emergency = Set(input.emergencyUserIds.map { $0.lowercased() })
        for group in input.emergencyGroupIds { emergency.formUnion(members[group.lowercased()] ?? []) }

        var plan = RiskPlan(generatedAt: GraphTime.string(input.now))
        var skipped: [RiskSkippedAction] = []
        var accepted: [Candidate] = []
        var unreadableTimes: [UnreadableTime] = []

        for ruleInput in input.rules {
            let rule = ruleInput.rule
            let subject = rule.subject ?? .users
            let ruleMatches = Self.matches(ruleInput, users: users, principals: principals, members: members, now: input.now)
            unreadableTimes += ruleMatches.unreadableTimes
            let matched = ruleMatches.candidates
            var remaining: [Candidate] = []
            for candidate in matched {
                let single = Self.action(rules: [rule], subject: candidate.subject, action: rule.action,
                                         approval: rule.approval == .required, evidence: candidate.evidence)
                if subject == .users, emergency.contains(candidate.subject.id), rule.allowEmergencyAccounts != true {
                    skipped.append(RiskSkippedAction(action: single, reason: .emergencyAccount))
                } else if Self.alreadyInEffect(rule.action, candidate.subject) {
                    skipped.append(RiskSkippedAction(action: single, reason: .alreadyInEffect))
                } else if rule.action == .revokeSignInSessions,
                          RiskActionState.sessionsRevoked(after: single.evidence, validFrom: input.sessionsValidFrom[candidate.subject.id.lowercased()]) {
                    skipped.append(RiskSkippedAction(action: single, reason: .sessionsAlreadyRevoked))
                } else {
                    remaining.append(candidate)
                }
            }
            var proposed = remaining.count
            if let limit = rule.maxActionsPerRun, remaining.count > limit {
                let names = remaining.map { $0.subject.target.label }.sorted()
                let shown = names.prefix(5).joined(separator: ", ") + (names.count > 5 ? ", …" : "")
                plan.errors.append(RiskPlanError(
                    kind: .maxActionsExceeded,
                    message: "rule '\(rule.name)' matched \(remaining.count) targets, more than its maxActionsPerRun of \(limit); "
                        + "it does nothing this run (\(shown))",
                    rules: [rule.name], location: ruleInput.limitLocation ?? ruleInput.location))
                proposed = 0
            } else {
                accepted += remaining
            }
            plan.rules.append(RiskRuleSummary(
                name: rule.name, subject: subject, action: rule.action, approvalRequired: rule.approval == .required,
                matched: matched.count, proposed: proposed, maxActionsPerRun: rule.maxActionsPerRun))
        }

        // Merge per target and action, then look for conflicts per target.
        struct Key: Hashable { var kind: RiskSubject; var id: String }
        var byTarget: [Key: [Candidate]] = [:]
        for candidate in accepted { byTarget[Key(kind: candidate.subject.kind, id: candidate.subject.id), default: []].append(candidate) }
        let locations = Dictionary(input.rules.map { ($0.rule.name, $0.location) }, uniquingKeysWith: { first, _ in first })
        for (_, candidates) in byTarget {
            let subject = candidates[0].subject
            let actions = Set(candidates.map(\.rule.action))
            if actions.contains(.confirmCompromised) && actions.contains(.dismiss) {
                let confirming = candidates.filter { $0.rule.action == .confirmCompromised }.map(\.rule.name).sorted()
                let dismissing = candidates.filter { $0.rule.action == .dismiss }.map(\.rule.name).sorted()
                let rules = Array(Set(candidates.map(\.rule.name))).sorted()
                plan.errors.append(RiskPlanError(
                    kind: .conflict,
                    message: "\(subject.target.label): \(confirming.joined(separator: ", ")) confirm\(confirming.count == 1 ? "s" : "") "
                        + "compromise but \(dismissing.joined(separator: ", ")) dismiss\(dismissing.count == 1 ? "es" : "") the risk; "
                        + "nothing is done to this \(subject.kind == .users ? "user" : "service principal")",
                    rules: rules, target: subject.target, location: rules.first.flatMap { locations[$0] ?? nil }))
                continue
            }
            for action in RiskAction.allCases where actions.contains(action) {
                let wishes = candidates.filter { $0.rule.action == action }
                var evidence: [JSONValue] = []
                var seen: Set<String> = []
                for wish in wishes {
                    for detection in wish.evidence where seen.insert(detection["id"]?.stringValue ?? "").inserted { evidence.append(detection) }
                }
                let planned = Self.action(rules: wishes.map(\.rule), subject: subject, action: action,
                                          approval: wishes.contains { $0.rule.approval == .required }, evidence: evidence)
                if input.executedActionIds.contains(planned.id) {
                    skipped.append(RiskSkippedAction(action: planned, reason: .alreadyExecuted))
                } else {
                    plan.actions.append(planned)
                }
            }
        }
        plan.errors += Self.errors(for: unreadableTimes)
        plan.actions.sort(by: Self.order)
        plan.skipped = skipped.sorted { Self.order($0.action, $1.action) }
        plan.errors.sort { ($0.kind.rawValue, $0.rules.first ?? "", $0.target?.label ?? "") < ($1.kind.rawValue, $1.rules.first ?? "", $1.target?.label ?? "") }
        return plan
    }

    // MARK: Pieces (internal for tests)

    static func order(_ a: RiskPlannedAction, _ b: RiskPlannedAction) -> Bool {
        (a.target.label.lowercased(), a.target.id, RiskAction.allCases.firstIndex(of: a.action) ?? 0, a.rules.joined(separator: ","))
            < (b.target.label.lowercased(), b.target.id, RiskAction.allCases.firstIndex(of: b.action) ?? 0, b.rules.joined(separator: ","))
    }

    /// The merged action with its stable id.
    static func action(rules: [RiskResponseRule], subject: Subject, action: RiskAction, approval: Bool, evidence: [JSONValue]) -> RiskPlannedAction {
        let names = Array(Set(rules.map(\.name))).sorted()
        let items = evidence.compactMap(RiskEvidence.init(detection:)).sorted {
            (GraphTime.date($0.detectedDateTime ?? "") ?? .distantPast, $0.id) > (GraphTime.date($1.detectedDateTime ?? "") ?? .distantPast, $1.id)
        }
        let id = Self.actionId(rules: names, target: subject.target, action: action, evidenceIds: items.map(\.id))
        return RiskPlannedAction(id: id, action: action, target: subject.target, rules: names, approvalRequired: approval, evidence: items)
    }

    /// `StableActionID` of rules, target, action and evidence (order-insensitive).
    public static func actionId(rules: [String], target: RiskTarget, action: RiskAction, evidenceIds: [String]) -> String {
        StableActionID.make([rules.sorted().joined(separator: ","), target.kind.rawValue, target.id.lowercased(), action.rawValue,
                             evidenceIds.sorted().joined(separator: ",")])
    }

    static func subjects(_ kind: RiskSubject, states: [JSONValue], detections: [JSONValue], ownerKey: String) -> [Subject] {
        var byOwner: [String: [JSONValue]] = [:]
        for detection in detections {
            guard let owner = detection[ownerKey]?.stringValue?.lowercased() else { continue }
            byOwner[owner, default: []].append(detection)
        }
        var seen: Set<String> = []
        var result: [Subject] = []
        for state in states {
            guard let id = state["id"]?.stringValue?.lowercased(), seen.insert(id).inserted else { continue }
            if state["isDeleted"]?.boolValue == true { continue }
            result.append(Subject(kind: kind, id: id, state: state, detections: byOwner[id] ?? []))
        }
        return result
    }

    static func inScope(_ id: String, _ scope: RiskScope, members: [String: Set<String>]) -> Bool {
        func inGroups(_ groups: Set<String>) -> Bool { groups.contains { members[$0]?.contains(id) ?? false } }
        let included = scope.includeAll || scope.includeUserIds.contains(id) || inGroups(scope.includeGroupIds)
        guard included else { return false }
        return !(scope.excludeUserIds.contains(id) || inGroups(scope.excludeGroupIds))
    }

    static func stateMatches(_ subject: Subject, _ when: RiskResponseRule.Condition?) -> Bool {
        if let levels = when?.userRiskLevels, !levels.contains(where: { $0.rawValue == subject.riskLevel }) { return false }
        if let states = when?.riskStates, !states.contains(where: { $0.rawValue == subject.riskState }) { return false }
        return true
    }

    /// How a detection relates to a rule's detection conditions.
    enum DetectionMatch: Equatable {
        case matches
        case differs
        /// Its `detectedDateTime` is present but cannot be read, or missing while the rule's window
        /// needs it. `isEvidence`: it matches otherwise and the rule has no window, so it still counts.
        case unreadableTime(isEvidence: Bool)
    }

    static func detectionMatches(_ detection: JSONValue, _ when: RiskResponseRule.Condition?, now: Date) -> DetectionMatch {
        if let types = when?.riskEventTypes {
            guard let type = detection["riskEventType"]?.stringValue,
                  types.contains(where: { $0.caseInsensitiveCompare(type) == .orderedSame }) else { return .differs }
        }
        if let levels = when?.detectionRiskLevels, !levels.contains(where: { $0.rawValue == detection["riskLevel"]?.stringValue }) {
            return .differs
        }
        if let timings = when?.detectionTimingTypes,
           !timings.contains(where: { $0.rawValue == detection["detectionTimingType"]?.stringValue }) {
            return .differs
        }
        let text = detection["detectedDateTime"]?.stringValue
        let detected = text.flatMap(GraphTime.date)
        guard let window = when?.detectedWithin else {
            return text != nil && detected == nil ? .unreadableTime(isEvidence: true) : .matches
        }
        guard let detected else { return .unreadableTime(isEvidence: false) }
        return detected >= now.addingTimeInterval(-Double(window.seconds)) ? .matches : .differs
    }

    /// One error per detection whose time a rule could not read, naming the detection, the value and
    /// the rules: such a detection may be wrongly left out of (or kept in) a rule's evidence.
    static func errors(for unreadable: [UnreadableTime]) -> [RiskPlanError] {
        struct Key: Hashable { var detection: String; var subject: String }
        var byDetection: [Key: [UnreadableTime]] = [:]
        var order: [Key] = []
        for item in unreadable {
            let key = Key(detection: item.detection["id"]?.stringValue ?? "", subject: item.subject.id)
            if byDetection[key] == nil { order.append(key) }
            byDetection[key, default: []].append(item)
        }
        return order.compactMap { key in
            guard let items = byDetection[key], let first = items.first else { return nil }
            let rules = Array(Set(items.map(\.rule.rule.name))).sorted()
            let value = first.detection["detectedDateTime"]?.stringValue.map { "has detectedDateTime '\($0)', which is not an ISO 8601 time" }
                ?? "has no detectedDateTime"
            let named = rules.map { "'\($0)'" }.joined(separator: ", ")
            let message = "detection \(key.detection.isEmpty ? "(without id)" : key.detection) of \(first.subject.target.label) \(value); "
                + "rule\(rules.count == 1 ? "" : "s") \(named) cannot tell when it happened"
            return RiskPlanError(kind: .rule, message: message, rules: rules, target: first.subject.target, location: first.rule.location)
        }
    }

    /// Whether the target already is where the action would put it.
    static func alreadyInEffect(_ action: RiskAction, _ subject: Subject) -> Bool {
        RiskActionState.alreadyInEffect(action, riskState: subject.riskState)
    }
}

/// What each action does to a risky object's state.
public enum RiskActionState {
    /// Whether sessions were revoked (`signInSessionsValidFromDateTime`) at or after the newest
    /// evidence detection: revoking again would sign the user out for nothing.
    public static func sessionsRevoked(after evidence: [RiskEvidence], validFrom: String?) -> Bool {
        guard let validFrom, let revoked = GraphTime.date(validFrom) else { return false }
        var newest: Date?
        for item in evidence {
            guard let text = item.detectedDateTime ?? item.activityDateTime else { continue }
            // A time that cannot be read may be after the revocation: never claim it is done.
            guard let detected = GraphTime.date(text) else { return false }
            newest = max(newest ?? detected, detected)
        }
        guard let newest else { return false }
        return revoked >= newest
    }

    /// `confirmCompromised` → high / confirmedCompromised; `dismiss` → none / dismissed.
    public static func alreadyInEffect(_ action: RiskAction, riskState: String?) -> Bool {
        switch action {
        case .confirmCompromised: riskState == RiskState.confirmedCompromised.rawValue
        case .dismiss: riskState == RiskState.dismissed.rawValue
        case .revokeSignInSessions: false
        }
    }
}
