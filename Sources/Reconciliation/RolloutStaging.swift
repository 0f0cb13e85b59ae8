import Foundation
import PolicyModel

/// A policy's `rollout:` with its pilot groups resolved to ids.
public struct ResolvedRollout: Sendable, Hashable {
    public var rollout: Rollout
    /// The pilot ring's group ids (empty without a pilot).
    public var pilotGroupIds: [String]

    public init(_ rollout: Rollout, pilotGroupIds: [String]) {
        self.rollout = rollout
        self.pilotGroupIds = pilotGroupIds
    }

    /// The pilot stage's minimum sign-ins: its own, else the rollout's.
    var pilotMinimumSignIns: Int? { rollout.pilot?.minimumSignIns ?? rollout.minimumSignIns }
}

/// Where a staged policy stands in the tenant.
public enum RolloutStage: String, Sendable, Hashable, Codable, CaseIterable {
    /// Not in the tenant yet.
    case absent
    /// In the tenant, switched off (not a stage of the rollout: it starts again in report-only).
    case disabled
    /// `enabledForReportingButNotEnforced`.
    case reportOnly
    /// Enforced for the pilot ring only.
    case pilot
    /// Enforced as declared: the destination.
    case enforced
}

/// What the sign-in log says about one policy over its current stage.
public struct RolloutEvidence: Sendable, Hashable, Codable {
    /// Where the stage began: `auditLog` (the last change of stage in the directory audit log),
    /// `beforeAuditWindow` (no change of stage in the audit log's 30 days), `modifiedDateTime` or
    /// `createdDateTime` (the audit log could not be read).
    public enum StageStartSource: String, Sendable, Hashable, Codable {
        case auditLog, beforeAuditWindow, modifiedDateTime, createdDateTime
    }

    /// A count per application, for the applications with the most failing sign-ins.
    public struct ApplicationCount: Sendable, Hashable, Codable {
        public var application: String
        public var signIns: Int

        public init(application: String, signIns: Int) {
            self.application = application
            self.signIns = signIns
        }
    }

    /// When the stage began (Graph's timestamp text).
    public var stageStart: String
    public var stageStartSource: StageStartSource
    /// Whole seconds from the stage's start to the plan.
    public var secondsInStage: Int
    /// Sign-ins the policy evaluated in the stage: report-only results (`reportOnlySuccess`,
    /// `reportOnlyFailure`, `reportOnlyInterrupted`) in report-only, `success` and `failure` when enforced.
    public var evaluated: Int
    /// Of those, the ones that failed: `reportOnlyFailure` + `reportOnlyInterrupted` in report-only
    /// (would have failed, or prompted), `failure` when enforced.
    public var failing: Int
    /// Of `failing`, the report-only sign-ins that would only have been interrupted (a prompt).
    public var interrupted: Int
    /// Distinct users among the failing sign-ins.
    public var failingUsers: Int
    /// The applications with the most failing sign-ins (at most three), most first.
    public var topApplications: [ApplicationCount]
    /// False when the sign-in listing stopped at its cap before reaching the stage's start: the
    /// counts are then over the newest sign-ins only.
    public var complete: Bool

    public init(stageStart: String, stageStartSource: StageStartSource, secondsInStage: Int, evaluated: Int = 0, failing: Int = 0,
                interrupted: Int = 0, failingUsers: Int = 0, topApplications: [ApplicationCount] = [], complete: Bool = true) {
        self.stageStart = stageStart
        self.stageStartSource = stageStartSource
        self.secondsInStage = secondsInStage
        self.evaluated = evaluated
        self.failing = failing
        self.interrupted = interrupted
        self.failingUsers = failingUsers
        self.topApplications = topApplications
        self.complete = complete
    }

    /// The failing share in percent; 0 when nothing was evaluated.
    public var failureRate: Double { evaluated == 0 ? 0 : Double(failing) * 100 / Double(evaluated) }
}

/// Why a rollout stays where it is.
public enum RolloutHoldReason: Sendable, Hashable, Codable {
    /// The stage has run `secondsInStage` of the `requiredSeconds` it needs.
    case tooEarly(secondsInStage: Int, requiredSeconds: Int)
    /// The stage evaluated `observed` sign-ins of the `required` minimum.
    case tooFewSignIns(observed: Int, required: Int)
    /// The failing share is above the rollout's `maxFailureRate`.
    case failureRateAbove(rate: Double, limit: Double)
    /// The sign-in log could not be read (the reason, from Graph): no evidence, no advance.
    case evidenceUnavailable(String)
}

/// What the plan does with a staged policy.
public enum RolloutVerdict: Sendable, Hashable, Codable {
    /// Into report-only: a new policy, or one found disabled.
    case start
    /// On to the next stage: the gate is met.
    case advance
    /// Stays in its stage.
    case hold(RolloutHoldReason)
    /// Back to report-only: an enforced stage fails more than `rollbackAbove`.
    case rollback(rate: Double, limit: Double)
    /// At its destination and within its rollback limit.
    case complete
}

/// One staged policy in a plan: where it is, where this plan takes it, why, and the evidence.
public struct RolloutDecision: Sendable, Hashable, Codable {
    public var displayName: String
    /// The live policy's id; `nil` before it exists.
    public var id: String?
    public var stage: RolloutStage
    /// The stage the plan leaves the policy in.
    public var target: RolloutStage
    public var verdict: RolloutVerdict
    /// The sign-in evidence over the current stage (absent before the policy exists).
    public var evidence: RolloutEvidence?
    /// What the next stage asks for, in the rollout's own terms, for the renderers.
    public var gate: Gate
    /// Where the policy is declared.
    public var location: SourceLocation?

    /// The declared thresholds that apply to the stage the policy is in.
    public struct Gate: Sendable, Hashable, Codable {
        /// How long the current stage must last (none for the destination).
        public var requiredSeconds: Int?
        public var minimumSignIns: Int?
        public var maxFailureRate: Double?
        public var rollbackAbove: Double?

        public init(requiredSeconds: Int? = nil, minimumSignIns: Int? = nil, maxFailureRate: Double? = nil, rollbackAbove: Double? = nil) {
            self.requiredSeconds = requiredSeconds
            self.minimumSignIns = minimumSignIns
            self.maxFailureRate = maxFailureRate
            self.rollbackAbove = rollbackAbove
        }
    }

    public init(displayName: String, id: String?, stage: RolloutStage, target: RolloutStage, verdict: RolloutVerdict,
                evidence: RolloutEvidence?, gate: Gate, location: SourceLocation?) {
        self.displayName = displayName
        self.id = id
        self.stage = stage
        self.target = target
        self.verdict = verdict
        self.evidence = evidence
        self.gate = gate
        self.location = location
    }

    /// True when the plan moves the policy to another stage.
    public var movesStage: Bool { stage != target }
}

/// The tenant's logs a rollout decision rests on, read once per run for every staged policy.
public struct RolloutLogs: Sendable {
    /// Sign-ins since the earliest stage start (newest first, as Graph lists them); `nil` when they
    /// could not be read, with `signInProblem` saying why.
    public var signIns: [JSONValue]?
    public var signInProblem: String?
    /// False when the listing stopped at its cap before the earliest stage start.
    public var signInsComplete: Bool
    /// Directory audit records of the staged policies over the audit window; `nil` when unreadable.
    public var audits: [JSONValue]?
    /// The start of the audit window the records cover.
    public var auditWindowStart: Date?

    public init(signIns: [JSONValue]?, signInProblem: String? = nil, signInsComplete: Bool = true, audits: [JSONValue]?,
                auditWindowStart: Date? = nil) {
        self.signIns = signIns
        self.signInProblem = signInProblem
        self.signInsComplete = signInsComplete
        self.audits = audits
        self.auditWindowStart = auditWindowStart
    }
}

/// Staged rollout: which stage each `rollout:` policy is in, whether its evidence lets it move, and
/// the body this run plans for it. Pure: the logs are read before, through ``RolloutStaging/liveStaged(_:live:scope:)``'s
/// ids and ``earliestStageStart(_:logs:now:)``.
public enum RolloutStaging {
    /// The staged policies matched to their live objects: (index in `desired`, live object or nil).
    static func matches(_ desired: [DesiredObject], live: [JSONValue], scope: ManagementScope) -> [(index: Int, live: JSONValue?)] {
        let policies = desired.indices.filter { desired[$0].kind == .conditionalAccessPolicy }
        guard policies.contains(where: { desired[$0].rollout != nil }) else { return [] }
        let matching = IdentityMatching(kind: .conditionalAccessPolicy, desired: policies.map { desired[$0] }, live: live, scope: scope)
        return zip(policies, matching.matches).compactMap { index, match in
            desired[index].rollout == nil ? nil : (index, match.live)
        }
    }

    /// The live ids of the staged policies that exist: the audit log is read for these.
    public static func liveStagedIds(_ desired: [DesiredObject], live: [JSONValue], scope: ManagementScope) -> [String] {
        matches(desired, live: live, scope: scope).compactMap { $0.live?["id"]?.stringValue }
    }

    /// Which stage `object` (a live policy, or one side of an audit record) is in under `rollout`,
    /// given the declared destination body.
    public static func stage(of object: JSONValue?, rollout: ResolvedRollout, declared: JSONValue) -> RolloutStage {
        guard let object else { return .absent }
        switch object["state"]?.stringValue {
        case PolicyState.enabledForReportingButNotEnforced.rawValue?: return .reportOnly
        case PolicyState.enabled.rawValue?:
            return isPilotRing(object, rollout: rollout) && !isPilotRing(declared, rollout: rollout) ? .pilot : .enforced
        default: return .disabled
        }
    }

    /// True when `object`'s users include exactly the pilot groups and nobody else.
    static func isPilotRing(_ object: JSONValue, rollout: ResolvedRollout) -> Bool {
        guard rollout.rollout.pilot != nil, !rollout.pilotGroupIds.isEmpty else { return false }
        let users = object["conditions"]?["users"]
        func list(_ key: String) -> [String] { users?[key]?.stringArray ?? [] }
        let groups = Set(list("includeGroups").map { $0.lowercased() })
        let guests = users?["includeGuestsOrExternalUsers"] ?? .null
        return groups == Set(rollout.pilotGroupIds.map { $0.lowercased() }) && list("includeUsers").isEmpty && list("includeRoles").isEmpty
            && guests.isNull
    }

    /// The declared destination body as it stands at `stage`: report-only, the pilot ring enforced
    /// (user inclusions replaced by the pilot groups, exclusions kept), or as declared.
    public static func body(_ declared: JSONValue, at stage: RolloutStage, rollout: ResolvedRollout) -> JSONValue {
        var body = declared
        switch stage {
        case .absent, .disabled, .reportOnly:
            body["state"] = .string(PolicyState.enabledForReportingButNotEnforced.rawValue)
        case .pilot:
            body["state"] = .string(PolicyState.enabled.rawValue)
            if var conditions = body["conditions"], var users = conditions["users"] {
                users["includeUsers"] = []
                users["includeGroups"] = .array(rollout.pilotGroupIds.map(JSONValue.string))
                users["includeRoles"] = []
                users["includeGuestsOrExternalUsers"] = .null
                conditions["users"] = users
                body["conditions"] = conditions
            }
        case .enforced:
            break
        }
        return body
    }

    /// When each staged live policy's current stage began: the newest audit record of it whose
    /// before and after differ in stage (an add counts); else, when the audit log was read, the start
    /// of its window; else the policy's `modifiedDateTime` or `createdDateTime`.
    static func stageStart(live: JSONValue, rollout: ResolvedRollout, declared: JSONValue, logs: RolloutLogs)
        -> (text: String, date: Date, source: RolloutEvidence.StageStartSource)?
    {
        let id = live["id"]?.stringValue?.lowercased() ?? ""
        if let audits = logs.audits {
            let records = audits.compactMap { audit -> (date: Date, text: String, audit: JSONValue)? in
                guard let text = audit["activityDateTime"]?.stringValue, let date = ISO8601DateTime.parse(text),
                      let targets = audit["targetResources"]?.arrayValue,
                      targets.contains(where: { $0["id"]?.stringValue?.lowercased() == id }) else { return nil }
                return (date, text, audit)
            }.sorted { $0.date > $1.date }
            for record in records {
                guard let target = record.audit["targetResources"]?.arrayValue?.first(where: { $0["id"]?.stringValue?.lowercased() == id }),
                      let property = target["modifiedProperties"]?.arrayValue?.first(where: {
                          $0["displayName"]?.stringValue == "ConditionalAccessPolicy"
                      }) else { continue }
                let before = Self.policyJSON(property["oldValue"])
                let after = Self.policyJSON(property["newValue"])
                guard after != nil else { continue }  // a delete: not this live object's history
                if before == nil || stage(of: before, rollout: rollout, declared: declared) != stage(of: after, rollout: rollout, declared: declared) {
                    return (record.text, record.date, .auditLog)
                }
            }
            if let windowStart = logs.auditWindowStart {
                return (ISO8601DateTime.string(windowStart, fraction: false), windowStart, .beforeAuditWindow)
            }
        }
        for (key, source) in [("modifiedDateTime", RolloutEvidence.StageStartSource.modifiedDateTime), ("createdDateTime", .createdDateTime)] {
            if let text = live[key]?.stringValue, let date = ISO8601DateTime.parse(text) { return (text, date, source) }
        }
        return nil
    }

    /// A policy object from a `modifiedProperties` value: JSON text (Graph's form) or an object.
    static func policyJSON(_ value: JSONValue?) -> JSONValue? {
        guard let value, !value.isNull else { return nil }
        if value.objectValue != nil { return value }
        guard let text = value.stringValue, let parsed = try? JSONValue.parse(Data(text.utf8)), parsed.objectValue != nil else { return nil }
        return parsed
    }

    /// The earliest stage start among the staged live policies: the sign-in listing starts there.
    /// `nil` when no staged policy exists in the tenant yet (nothing to read).
    public static func earliestStageStart(_ desired: [DesiredObject], live: [JSONValue], scope: ManagementScope, logs: RolloutLogs) -> Date? {
        matches(desired, live: live, scope: scope).compactMap { match -> Date? in
            guard let object = match.live, let rollout = desired[match.index].rollout else { return nil }
            return stageStart(live: object, rollout: rollout, declared: desired[match.index].body, logs: logs)?.date
        }.min()
    }

    /// The evidence for `policyId` at `stage` since `start`, from the sign-ins.
    static func evidence(policyId: String, stage: RolloutStage, start: (text: String, date: Date, source: RolloutEvidence.StageStartSource),
                         signIns: [JSONValue], complete: Bool, now: Date) -> RolloutEvidence {
        let id = policyId.lowercased()
        let reportOnly = stage == .reportOnly
        var evidence = RolloutEvidence(stageStart: start.text, stageStartSource: start.source,
                                       secondsInStage: max(0, Int(now.timeIntervalSince(start.date))), complete: complete)
        var users: Set<String> = []
        var applications: [String: Int] = [:]
        for signIn in signIns {
            guard let created = signIn["createdDateTime"]?.stringValue.flatMap(ISO8601DateTime.parse), created >= start.date,
                  let result = signIn["appliedConditionalAccessPolicies"]?.arrayValue?
                      .first(where: { $0["id"]?.stringValue?.lowercased() == id })?["result"]?.stringValue else { continue }
            let failed: Bool
            switch (reportOnly, result) {
            case (true, "reportOnlySuccess"), (false, "success"): failed = false
            case (true, "reportOnlyFailure"), (false, "failure"): failed = true
            case (true, "reportOnlyInterrupted"):
                failed = true
                evidence.interrupted += 1
            default: continue
            }
            evidence.evaluated += 1
            guard failed else { continue }
            evidence.failing += 1
            users.insert((signIn["userId"]?.stringValue ?? signIn["userPrincipalName"]?.stringValue ?? "").lowercased())
            applications[signIn["appDisplayName"]?.stringValue ?? signIn["appId"]?.stringValue ?? "unknown", default: 0] += 1
        }
        evidence.failingUsers = users.count
        evidence.topApplications = applications.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(3).map { RolloutEvidence.ApplicationCount(application: $0.key, signIns: $0.value) }
        return evidence
    }

    /// The verdict for a policy in `stage` with `evidence` (pure; the gate table).
    public static func verdict(stage: RolloutStage, rollout: ResolvedRollout, evidence: RolloutEvidence?, problem: String?)
        -> (verdict: RolloutVerdict, target: RolloutStage)
    {
        let declared = rollout.rollout
        switch stage {
        case .absent, .disabled:
            return (.start, .reportOnly)
        case .reportOnly, .pilot:
            guard let evidence else { return (.hold(.evidenceUnavailable(problem ?? "no sign-in evidence")), stage) }
            let isPilot = stage == .pilot
            let minimum = isPilot ? rollout.pilotMinimumSignIns : declared.minimumSignIns
            if isPilot, let limit = declared.rollbackAbove?.percent, evidence.evaluated >= (minimum ?? 1), evidence.failureRate > limit {
                return (.rollback(rate: evidence.failureRate, limit: limit), .reportOnly)
            }
            let required = isPilot ? declared.pilot?.for.seconds ?? 0 : declared.reportOnlyFor.seconds
            if evidence.secondsInStage < required {
                return (.hold(.tooEarly(secondsInStage: evidence.secondsInStage, requiredSeconds: required)), stage)
            }
            if let minimum, evidence.evaluated < minimum {
                return (.hold(.tooFewSignIns(observed: evidence.evaluated, required: minimum)), stage)
            }
            if let limit = declared.maxFailureRate?.percent, evidence.failureRate > limit {
                return (.hold(.failureRateAbove(rate: evidence.failureRate, limit: limit)), stage)
            }
            return (.advance, isPilot || declared.pilot == nil ? .enforced : .pilot)
        case .enforced:
            if let evidence, let limit = declared.rollbackAbove?.percent, evidence.evaluated >= (declared.minimumSignIns ?? 1),
               evidence.failureRate > limit {
                return (.rollback(rate: evidence.failureRate, limit: limit), .reportOnly)
            }
            return (.complete, .enforced)
        }
    }

    /// The gate a policy in `stage` answers to.
    static func gate(stage: RolloutStage, rollout: ResolvedRollout) -> RolloutDecision.Gate {
        let declared = rollout.rollout
        switch stage {
        case .absent, .disabled, .reportOnly:
            return .init(requiredSeconds: declared.reportOnlyFor.seconds, minimumSignIns: declared.minimumSignIns,
                         maxFailureRate: declared.maxFailureRate?.percent)
        case .pilot:
            return .init(requiredSeconds: declared.pilot?.for.seconds, minimumSignIns: rollout.pilotMinimumSignIns,
                         maxFailureRate: declared.maxFailureRate?.percent, rollbackAbove: declared.rollbackAbove?.percent)
        case .enforced:
            return .init(minimumSignIns: declared.minimumSignIns, rollbackAbove: declared.rollbackAbove?.percent)
        }
    }

    /// Decides every staged policy and replaces its body with the stage this run plans: the core of
    /// `plan`. `logs` is `nil` when nothing staged exists in the tenant yet.
    public static func stage(_ desired: [DesiredObject], live: [JSONValue], scope: ManagementScope, logs: RolloutLogs?, now: Date)
        -> (desired: [DesiredObject], decisions: [RolloutDecision])
    {
        var staged = desired
        var decisions: [RolloutDecision] = []
        for match in matches(desired, live: live, scope: scope) {
            let declared = desired[match.index]
            guard let rollout = declared.rollout else { continue }
            let stage = stage(of: match.live, rollout: rollout, declared: declared.body)
            var evidence: RolloutEvidence?
            var problem = logs?.signInProblem
            if let object = match.live, let id = object["id"]?.stringValue, let logs {
                if let start = stageStart(live: object, rollout: rollout, declared: declared.body, logs: logs) {
                    if let signIns = logs.signIns {
                        evidence = Self.evidence(policyId: id, stage: stage, start: start, signIns: signIns, complete: logs.signInsComplete, now: now)
                    }
                } else {
                    problem = problem ?? "the policy has no createdDateTime or modifiedDateTime and the audit log names no change of stage"
                }
            }
            let (verdict, target) = verdict(stage: stage, rollout: rollout, evidence: evidence, problem: problem)
            staged[match.index].body = body(declared.body, at: target, rollout: rollout)
            decisions.append(RolloutDecision(displayName: declared.displayName, id: match.live?["id"]?.stringValue, stage: stage, target: target,
                                             verdict: verdict, evidence: evidence, gate: gate(stage: stage, rollout: rollout),
                                             location: declared.location))
        }
        return (staged, decisions)
    }

    /// Every staged policy held at the stage the tenant shows (`drift`: being part-way through a
    /// rollout is not drift; a disabled or missing policy is compared with report-only).
    public static func atLiveStage(_ desired: [DesiredObject], live: [JSONValue], scope: ManagementScope) -> [DesiredObject] {
        var staged = desired
        for match in matches(desired, live: live, scope: scope) {
            guard let rollout = desired[match.index].rollout else { continue }
            let stage = stage(of: match.live, rollout: rollout, declared: desired[match.index].body)
            staged[match.index].body = body(desired[match.index].body, at: stage, rollout: rollout)
        }
        return staged
    }
}
