import Foundation
import GraphWire
import PolicyModel

extension IdentityProtectionPaths {
    public static let servicePrincipalRiskDetections = "/identityProtection/servicePrincipalRiskDetections"
}

/// Additions for risk-response rules: risky service principals and reading risky objects by id.
extension GraphClient {
    /// Risky service principals, optionally filtered, 500 per page.
    public func listRiskyServicePrincipals(filter: String? = nil) async throws(GraphError) -> [JSONValue] {
        try await listAll(IdentityProtectionPaths.riskyServicePrincipals, query: GraphQuery(filter: filter, top: 500), version: directoryVersion)
    }

    /// Service principal risk detections, optionally filtered and reduced to `select`ed properties,
    /// 500 per page.
    public func listServicePrincipalRiskDetections(filter: String? = nil, select: [String] = []) async throws(GraphError) -> [JSONValue] {
        try await listAll(IdentityProtectionPaths.servicePrincipalRiskDetections, query: GraphQuery(filter: filter, select: select, top: 500),
                          version: directoryVersion)
    }

    /// Confirms service principals compromised, 60 ids per call.
    public func confirmServicePrincipalsCompromised(ids: [String]) async throws(GraphError) -> [GraphWriteReceipt] {
        try await riskyServicePrincipalAction("confirmCompromised", ids: ids)
    }

    /// Dismisses service principals' risk, 60 ids per call.
    public func dismissServicePrincipals(ids: [String]) async throws(GraphError) -> [GraphWriteReceipt] {
        try await riskyServicePrincipalAction("dismiss", ids: ids)
    }

    /// Risky users (or service principals) by id, read with `$batch` (20 GETs per batch). Ids that
    /// are not risky (404) are absent from the result, keyed by the id as asked.
    public func getRiskyObjects(ids: [String], servicePrincipals: Bool = false) async throws(GraphError) -> [String: JSONValue] {
        let collection = servicePrincipals ? IdentityProtectionPaths.riskyServicePrincipals : IdentityProtectionPaths.riskyUsers
        let unique = Array(Set(ids)).sorted()
        guard !unique.isEmpty else { return [:] }
        let items = unique.enumerated().map { index, id in
            BatchRequestItem(id: String(index + 1), method: "GET", url: "\(collection)/\(Self.segment(id))")
        }
        let answers = try await batch(items, version: directoryVersion)
        var result: [String: JSONValue] = [:]
        for (index, item) in items.enumerated() {
            guard let answer = answers[item.id] else { continue }
            if answer.status == 404 { continue }
            guard (200..<300).contains(answer.status), let body = answer.body else {
                throw Self.batchItemError(answer, item: item, version: directoryVersion)
            }
            result[unique[index]] = body
        }
        return result
    }

    /// The detections still open (`riskState eq 'atRisk'`) of each user (or service principal), keyed
    /// by the ids as given: one filtered listing per id (Identity Protection has no multi-id filter).
    public func openRiskDetections(ids: [String], servicePrincipals: Bool = false) async throws(GraphError) -> [String: [JSONValue]] {
        var result: [String: [JSONValue]] = [:]
        let owner = servicePrincipals ? "servicePrincipalId" : "userId"
        let select = ["id", "riskEventType", "riskLevel", "riskState", "detectedDateTime", "lastUpdatedDateTime", owner]
        for id in Array(Set(ids)).sorted() {
            let filter = "\(owner) eq '\(id.replacingOccurrences(of: "'", with: "''"))' and riskState eq 'atRisk'"
            result[id] = servicePrincipals
                ? try await listServicePrincipalRiskDetections(filter: filter, select: select)
                : try await listRiskDetections(filter: filter, select: select)
        }
        return result
    }

    private func riskyServicePrincipalAction(_ action: String, ids: [String]) async throws(GraphError) -> [GraphWriteReceipt] {
        try await riskAction(action, ids: ids, servicePrincipals: true)
    }
}
