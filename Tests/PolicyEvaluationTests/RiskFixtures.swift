import Foundation
import PolicyEvaluation
import PolicyModel

/// Builders for risky users, detections and rules, with a fixed `now`.
enum RiskFixtures {
    /// 2026-11-22T12:00:00Z.
    static let now = GraphTime.date("2026-11-22T12:00:00Z")!

    static func userId(_ index: Int) -> String { String(format: "00000000-0000-4000-8000-%012d", index) }
    static func upn(_ index: Int) -> String { "user\(index)@contoso.example" }

    static func riskyUser(_ index: Int, level: String = "high", state: String = "atRisk") -> JSONValue {
        ["id": .string(userId(index)), "userPrincipalName": .string(upn(index)), "userDisplayName": .string("User \(index)"),
         "riskLevel": .string(level), "riskState": .string(state), "riskDetail": "none", "isDeleted": false, "isProcessing": false,
         "riskLastUpdatedDateTime": "2026-11-21T10:00:00Z"]
    }

    /// A detection `hoursAgo` before `now`.
    static func detection(_ id: String, user: Int, type: String = "leakedCredentials", level: String = "high", timing: String = "offline",
                          hoursAgo: Double = 1, state: String = "atRisk") -> JSONValue {
        ["id": .string(id), "userId": .string(userId(user)), "userPrincipalName": .string(upn(user)), "riskEventType": .string(type),
         "riskLevel": .string(level), "riskState": .string(state), "detectionTimingType": .string(timing),
         "detectedDateTime": .string(GraphTime.string(now.addingTimeInterval(-hoursAgo * 3_600))),
         "activityDateTime": .string(GraphTime.string(now.addingTimeInterval(-hoursAgo * 3_600 - 60))),
         "ipAddress": "198.51.100.7", "location": ["city": "Rotterdam", "state": "Zuid-Holland", "countryOrRegion": "NL"]]
    }

    static func rule(_ name: String, _ action: RiskAction = .confirmCompromised, approval: ApprovalMode? = nil, max: Int? = nil,
                     allowEmergency: Bool? = nil, subject: RiskSubject? = nil, _ configure: (inout RiskResponseRule.Condition) -> Void = { _ in })
        -> RiskResponseRule
    {
        var rule = RiskResponseRule(name: name, action: action)
        var when = RiskResponseRule.Condition()
        configure(&when)
        rule.when = when
        rule.approval = approval
        rule.maxActionsPerRun = max
        rule.allowEmergencyAccounts = allowEmergency
        rule.subject = subject
        return rule
    }

    static func evaluate(_ rules: [RiskResponseRule], users: [JSONValue], detections: [JSONValue], scopes: [String: RiskScope] = [:],
                         groupMembers: [String: Set<String>] = [:], emergencyUsers: Set<String> = [], emergencyGroups: Set<String> = [],
                         executed: Set<String> = []) -> RiskPlan {
        RiskRuleEvaluator().evaluate(RiskEvaluationInput(
            rules: rules.map { RiskRuleInput(rule: $0, scope: scopes[$0.name] ?? .everyone) }, groupMembers: groupMembers,
            emergencyUserIds: emergencyUsers, emergencyGroupIds: emergencyGroups, riskyUsers: users, detections: detections,
            executedActionIds: executed, now: now))
    }
}

/// A tenant in memory for runner tests: records every call.
final class FakeRiskTenant: RiskResponding, @unchecked Sendable {
    private let lock = NSLock()
    private var states: [String: RiskObservedState]
    private(set) var calls: [(String, [String])] = []
    var failDismiss = false
    /// When set, reading the current risk state fails as Graph's 503 would.
    var failStateReads = false

    init(states: [String: RiskObservedState]) { self.states = states }

    func state(_ id: String) -> RiskObservedState? { lock.withLock { states[id] } }
    func set(_ id: String, _ state: RiskObservedState?) { lock.withLock { states[id] = state } }
    var callLog: [(String, [String])] { lock.withLock { calls } }

    func currentState(of ids: [String], kind: RiskSubject) async throws -> [String: RiskObservedState] {
        try lock.withLock {
            calls.append(("read", ids))
            if failStateReads { throw Failure(description: "503 service unavailable") }
            return states.filter { ids.contains($0.key) }
        }
    }

    func confirmCompromised(_ ids: [String], kind: RiskSubject) async throws -> RiskWriteResult {
        lock.withLock {
            calls.append(("confirmCompromised", ids))
            for id in ids { states[id] = RiskObservedState(riskLevel: "high", riskState: "confirmedCompromised") }
        }
        return RiskWriteResult(status: 204, requestId: "req-\(ids.count)", clientRequestId: "client-req")
    }

    struct Failure: Error, CustomStringConvertible { var description: String }

    func dismiss(_ ids: [String], kind: RiskSubject) async throws -> RiskWriteResult {
        try lock.withLock {
            calls.append(("dismiss", ids))
            if failDismiss { throw Failure(description: "503 service unavailable") }
            for id in ids { states[id] = RiskObservedState(riskLevel: "none", riskState: "dismissed") }
        }
        return RiskWriteResult(status: 204, requestId: "req-d", clientRequestId: nil)
    }

    /// `signInSessionsValidFromDateTime` per user: set to `now` by a revocation.
    private var sessionsValidFrom: [String: String] = [:]

    func revokeSignInSessions(userId: String) async throws -> RiskWriteResult {
        lock.withLock {
            calls.append(("revoke", [userId]))
            sessionsValidFrom[userId] = GraphTime.string(RiskFixtures.now)
        }
        return RiskWriteResult(status: 204, requestId: "req-r", clientRequestId: nil)
    }

    func signInSessionsValidFrom(userIds: [String]) async throws -> [String: String] {
        lock.withLock {
            calls.append(("readSessions", userIds))
            return sessionsValidFrom.filter { userIds.contains($0.key) }
        }
    }

    /// Open detections per user (none unless a test adds some).
    private var openDetectionsByUser: [String: [RiskEvidence]] = [:]
    func addOpenDetection(_ id: String, _ evidence: RiskEvidence) { lock.withLock { openDetectionsByUser[id, default: []].append(evidence) } }

    func openDetections(of ids: [String], kind: RiskSubject) async throws -> [String: [RiskEvidence]] {
        lock.withLock {
            calls.append(("readOpenDetections", ids))
            return openDetectionsByUser.filter { ids.contains($0.key) }
        }
    }
}
