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
        let path = "\(IdentityProtectionPaths.riskyUsers)/\(action)"
        var receipts: [GraphWriteReceipt] = []
        for start in stride(from: 0, to: userIds.count, by: 60) {
            let chunk = Array(userIds[start..<min(start + 60, userIds.count)])
            let response = try await postAction(path, body: ["userIds": .array(chunk.map { .string($0) })], version: directoryVersion)
            receipts.append(
                GraphWriteReceipt(
                    method: "POST", path: path, status: response.status, objectId: chunk.joined(separator: ","),
                    requestId: response.requestId, clientRequestId: response.clientRequestId, attempts: response.attempts))
        }
        return receipts
    }
}
