import Foundation
import PolicyModel

/// Paths of Identity Protection (relative to the version root).
public enum IdentityProtectionPaths {
    public static let riskyUsers = "/identityProtection/riskyUsers"
    public static let riskDetections = "/identityProtection/riskDetections"
    public static let riskyServicePrincipals = "/identityProtection/riskyServicePrincipals"
}

extension GraphClient {
    /// Risky users, optionally filtered (`riskLevel eq 'high'`, `riskState eq 'atRisk'`, …), 500 per page.
    public func listRiskyUsers(filter: String? = nil) async throws(GraphError) -> [JSONValue] {
        try await listAll(IdentityProtectionPaths.riskyUsers, query: GraphQuery(filter: filter, top: 500), version: directoryVersion)
    }

    /// Risk detections, optionally filtered (`detectedDateTime ge 2026-11-01T00:00:00Z`, …) and
    /// reduced to `select`ed properties, 500 per page.
    public func listRiskDetections(filter: String? = nil, select: [String] = []) async throws(GraphError) -> [JSONValue] {
        try await listAll(IdentityProtectionPaths.riskDetections, query: GraphQuery(filter: filter, select: select, top: 500),
                          version: directoryVersion)
    }

    /// A risky user's history.
    public func listRiskyUserHistory(userId: String) async throws(GraphError) -> [JSONValue] {
        try await listAll("\(IdentityProtectionPaths.riskyUsers)/\(Self.segment(userId))/history", version: directoryVersion)
    }

    /// Confirms users compromised (risk → high), 60 ids per call. One receipt per call.
    public func confirmCompromised(userIds: [String]) async throws(GraphError) -> [GraphWriteReceipt] {
        try await riskyUserAction("confirmCompromised", userIds: userIds)
    }

    /// Dismisses users' risk (risk → none), 60 ids per call.
    public func dismiss(userIds: [String]) async throws(GraphError) -> [GraphWriteReceipt] {
        try await riskyUserAction("dismiss", userIds: userIds)
    }

    /// Confirms users safe, 60 ids per call.
    public func confirmSafe(userIds: [String]) async throws(GraphError) -> [GraphWriteReceipt] {
        try await riskyUserAction("confirmSafe", userIds: userIds)
    }

    /// Revokes a user's refresh tokens and session cookies.
    @discardableResult
    public func revokeSignInSessions(userId: String) async throws(GraphError) -> GraphWriteReceipt {
        let path = "/users/\(Self.segment(userId))/revokeSignInSessions"
        let response = try await postAction(path, body: nil, version: directoryVersion)
        return GraphWriteReceipt(
            method: "POST", path: path, status: response.status, objectId: userId, requestId: response.requestId,
            clientRequestId: response.clientRequestId, attempts: response.attempts)
    }

    private func riskyUserAction(_ action: String, userIds: [String]) async throws(GraphError) -> [GraphWriteReceipt] {
        try await riskAction(action, ids: userIds, servicePrincipals: false)
    }

    /// Posts a risky-user or risky-service-principal action, 60 ids per call, never repeating it
    /// blindly: after an ambiguous failure (a 5xx, or a connection dropped after sending) the ids of
    /// that call are read back, and the call is repeated only for those not yet in the state the
    /// action leaves (`riskState` `confirmedCompromised`, `dismissed` or `confirmedSafe`). A repeated
    /// action would have the same effect, but Graph's risk history would show it twice.
    func riskAction(_ action: String, ids: [String], servicePrincipals: Bool) async throws(GraphError) -> [GraphWriteReceipt] {
        let collection = servicePrincipals ? IdentityProtectionPaths.riskyServicePrincipals : IdentityProtectionPaths.riskyUsers
        let path = "\(collection)/\(action)"
        let key = servicePrincipals ? "servicePrincipalIds" : "userIds"
        let reachedState = ["confirmCompromised": "confirmedCompromised", "dismiss": "dismissed", "confirmSafe": "confirmedSafe"][action]
        let retry = configuration.retry
        var receipts: [GraphWriteReceipt] = []
        for start in stride(from: 0, to: ids.count, by: 60) {
            var pending = Array(ids[start..<min(start + 60, ids.count)])
            var attempt = 0
            var waited: Swift.Duration = .zero
            while true {
                attempt += 1
                do throws(GraphError) {
                    let response = try await postAction(path, body: [key: .array(pending.map { .string($0) })], version: directoryVersion,
                                                        semantics: reachedState == nil ? .write : .create)
                    receipts.append(GraphWriteReceipt(
                        method: "POST", path: path, status: response.status, objectId: pending.joined(separator: ","),
                        requestId: response.requestId, clientRequestId: response.clientRequestId, attempts: attempt + response.attempts - 1))
                    break
                } catch where error.kind == .ambiguousCreate {
                    logger.debug("POST /\(directoryVersion.rawValue)\(path) ambiguous (\(error.status.map(String.init) ?? error.message)); reading back \(pending.count) ids")
                    let delay = retry.backoff(afterAttempt: attempt, random: jitter.next())
                    if attempt >= retry.maxAttempts || waited + delay > retry.maxTotalWait {
                        var exhausted = error
                        exhausted.kind = .retriesExhausted
                        exhausted.attempts = attempt
                        exhausted.hint = "the action may not have happened for: \(pending.joined(separator: ", "))"
                        throw exhausted
                    }
                    if delay > .zero {
                        try? await clock.sleep(for: delay)
                        waited += delay
                    }
                    let current = try await getRiskyObjects(ids: pending, servicePrincipals: servicePrincipals)
                    let done = pending.filter { current[$0]?["riskState"]?.stringValue == reachedState }
                    pending.removeAll { done.contains($0) }
                    if !done.isEmpty {
                        receipts.append(GraphWriteReceipt(method: "POST", path: path, status: 204, objectId: done.joined(separator: ","), requestId: nil,
                                                          clientRequestId: error.clientRequestId ?? "", attempts: attempt, recoveredExisting: true))
                    }
                    if pending.isEmpty { break }
                }
            }
        }
        return receipts
    }
}
