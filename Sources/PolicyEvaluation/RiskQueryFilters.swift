import Foundation
import PolicyModel

/// The narrowest server-side `$filter`s that still return everything a set of rules can match: one
/// listing of risky objects and one of detections per subject kind, `$top=500`.
///
/// Each dimension (risk level, state, event type, timing, detection time) is constrained only when
/// every rule of that subject constrains it, to the union of their values; detection time to the
/// widest `detectedWithin`. The result is a superset of what the rules match (the evaluator checks
/// every condition again), never a subset.
public enum RiskQueryFilters {
    /// Identity Protection's largest page.
    public static let pageSize = 500

    /// `$filter` for `riskyUsers` (or `riskyServicePrincipals`): `riskLevel`/`riskState` unions. Nil:
    /// no constraint (read all).
    public static func riskyObjects(rules: [RiskResponseRule], subject: RiskSubject = .users) -> String? {
        let relevant = rules.filter { ($0.subject ?? .users) == subject }
        guard !relevant.isEmpty else { return nil }
        var clauses: [String] = []
        if let levels = union(relevant.map { $0.when?.userRiskLevels?.map(\.rawValue) }) { clauses.append(anyOf("riskLevel", levels)) }
        if let states = union(relevant.map { $0.when?.riskStates?.map(\.rawValue) }) { clauses.append(anyOf("riskState", states)) }
        return join(clauses)
    }

    /// `$filter` for `riskDetections` (or `servicePrincipalRiskDetections`): `detectedDateTime ge`
    /// from the widest window, and `riskLevel`, `riskEventType`, `detectionTimingType` unions.
    public static func detections(rules: [RiskResponseRule], subject: RiskSubject = .users, now: Date) -> String? {
        let relevant = rules.filter { ($0.subject ?? .users) == subject }
        guard !relevant.isEmpty else { return nil }
        var clauses: [String] = []
        let windows = relevant.map { $0.when?.detectedWithin?.seconds }
        if !windows.contains(where: { $0 == nil }), let widest = windows.compactMap({ $0 }).max() {
            clauses.append("detectedDateTime ge \(GraphTime.string(now.addingTimeInterval(-Double(widest))))")
        }
        if let levels = union(relevant.map { $0.when?.detectionRiskLevels?.map(\.rawValue) }) { clauses.append(anyOf("riskLevel", levels)) }
        if let types = union(relevant.map { $0.when?.riskEventTypes }) { clauses.append(anyOf("riskEventType", types)) }
        if let timings = union(relevant.map { $0.when?.detectionTimingTypes?.map(\.rawValue) }) {
            clauses.append(anyOf("detectionTimingType", timings))
        }
        return join(clauses)
    }

    /// One user's detections (the Graph tutorial's listing): `userId eq '…'`.
    public static func detections(ofUser userId: String) -> String {
        "userId eq '\(quote(userId))'"
    }

    /// Whether any rule needs this subject kind read at all.
    public static func needs(_ subject: RiskSubject, rules: [RiskResponseRule]) -> Bool {
        rules.contains { ($0.subject ?? .users) == subject }
    }

    // MARK: Pieces

    /// The sorted union when every rule constrains the dimension; nil when any leaves it open.
    static func union(_ lists: [[String]?]) -> [String]? {
        var values: Set<String> = []
        for list in lists {
            guard let list else { return nil }
            values.formUnion(list)
        }
        return values.isEmpty ? nil : values.sorted()
    }

    static func anyOf(_ property: String, _ values: [String]) -> String {
        let terms = values.map { "\(property) eq '\(quote($0))'" }
        return terms.count == 1 ? terms[0] : "(" + terms.joined(separator: " or ") + ")"
    }

    static func join(_ clauses: [String]) -> String? {
        clauses.isEmpty ? nil : clauses.joined(separator: " and ")
    }

    static func quote(_ value: String) -> String { value.replacingOccurrences(of: "'", with: "''") }
}
