import Foundation
import PolicyModel

/// The narrowest server-side `$filter`s that still return everything a set of rules can match,
/// `$top=500`.
///
/// Risky objects: one listing per subject kind. A dimension (risk level, state) is constrained only
/// when every rule of that subject constrains it, to the union of their values.
///
/// Detections: one listing per rule, with that rule's own window, levels, event types and timings
/// (`detectionListings`), because rules usually look at different slices (leaked credentials in the
/// last 7 days, token theft in the last day) and one union listing reads every slice over the widest
/// window. A listing another one covers is dropped; past `maximumDetectionListings` the single union
/// listing (`detections(rules:subject:now:)`) is used instead. Either way the result is a superset of
/// what the rules match (the evaluator checks every condition again), never a subset.
public enum RiskQueryFilters {
    /// Identity Protection's largest page.
    public static let pageSize = 500

    /// More distinct per-rule detection listings than this and one union listing is read instead:
    /// every listing costs at least one request against Identity Protection's 1 request/s.
    public static let maximumDetectionListings = 8

    /// The detection properties the evaluator and the plan's evidence read (`$select`): the rest
    /// (`additionalInfo`, request and correlation ids, …) is about half of each record.
    public static func detectionFields(subject: RiskSubject) -> [String] {
        let common = ["id", "riskEventType", "riskLevel", "riskState", "detectionTimingType", "detectedDateTime", "activityDateTime",
                      "ipAddress", "location"]
        switch subject {
        case .users: return common + ["userId", "userPrincipalName", "userDisplayName"]
        case .servicePrincipals: return common + ["servicePrincipalId", "appId", "servicePrincipalDisplayName"]
        }
    }

    /// The detection listings to read: one `$filter` per rule (nil = read everything), without the
    /// ones another listing covers; the union filter alone when more than `maximumDetectionListings`
    /// remain. Empty when no rule has this subject.
    public static func detectionListings(rules: [RiskResponseRule], subject: RiskSubject = .users, now: Date) -> [String?] {
        let relevant = rules.filter { ($0.subject ?? .users) == subject }
        guard !relevant.isEmpty else { return [] }
        var kept: [DetectionSlice] = []
        for slice in relevant.map({ DetectionSlice(rule: $0, now: now) }) {
            if kept.contains(where: { $0.covers(slice) }) { continue }
            kept.removeAll { slice.covers($0) }
            kept.append(slice)
        }
        if kept.count > maximumDetectionListings { return [detections(rules: relevant, subject: subject, now: now)] }
        return kept.map(\.filter)
    }

    /// `filter` narrowed to one object (`key eq 'id'`), or `filter` itself when there is no id.
    public static func restricted(_ filter: String?, key: String, to id: String?) -> String? {
        guard let id else { return filter }
        let equal = "\(key) eq '\(id.replacingOccurrences(of: "'", with: "''"))'"
        return filter.map { "\(equal) and (\($0))" } ?? equal
    }

    /// The detections of several listings in listing order, each detection once (by `id`).
    public static func merged(_ listings: [[JSONValue]]) -> [JSONValue] {
        var seen = Set<String>()
        var detections: [JSONValue] = []
        for listing in listings {
            for detection in listing {
                if let id = detection["id"]?.stringValue, !seen.insert(id).inserted { continue }
                detections.append(detection)
            }
        }
        return detections
    }

    /// What one rule can match among detections; nil dimensions are unconstrained.
    struct DetectionSlice: Equatable {
        var since: Date?
        var levels: Set<String>?
        var types: Set<String>?
        var timings: Set<String>?

        init(rule: RiskResponseRule, now: Date) {
            let when = rule.when
            since = when?.detectedWithin.map { now.addingTimeInterval(-Double($0.seconds)) }
            levels = when?.detectionRiskLevels.map { Set($0.map(\.rawValue)) }
            types = when?.riskEventTypes.map { Set($0) }
            timings = when?.detectionTimingTypes.map { Set($0.map(\.rawValue)) }
        }

        /// Whether every detection this slice's listing returns is also returned by `self`'s.
        func covers(_ other: DetectionSlice) -> Bool {
            func wider(_ mine: Set<String>?, _ theirs: Set<String>?) -> Bool {
                guard let mine else { return true }
                guard let theirs else { return false }
                return mine.isSuperset(of: theirs)
            }
            let earlier: Bool = switch (since, other.since) {
            case (nil, _): true
            case (_?, nil): false
            case (let mine?, let theirs?): mine <= theirs
            }
            return earlier && wider(levels, other.levels) && wider(types, other.types) && wider(timings, other.timings)
        }

        var filter: String? {
            var clauses: [String] = []
            if let since { clauses.append("detectedDateTime ge \(GraphTime.string(since))") }
            if let levels, !levels.isEmpty { clauses.append(anyOf("riskLevel", levels.sorted())) }
            if let types, !types.isEmpty { clauses.append(anyOf("riskEventType", types.sorted())) }
            if let timings, !timings.isEmpty { clauses.append(anyOf("detectionTimingType", timings.sorted())) }
            return join(clauses)
        }
    }

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

    /// The union `$filter` for `riskDetections` (or `servicePrincipalRiskDetections`) covering every
    /// rule in one listing: `detectedDateTime ge` from the widest window, and `riskLevel`, `riskEventType`, `detectionTimingType` unions.
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
