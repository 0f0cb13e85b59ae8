import Foundation
import PolicyModel

/// Who last changed a drifted object outside entraform, from the directory audit log.
public struct DriftAttribution: Sendable, Hashable, Codable {
    public enum ActorKind: String, Sendable, Hashable, Codable {
        case user, application
    }

    /// The directory audit record's `id`.
    public var auditId: String
    /// `activityDisplayName`: "Update conditional access policy", "Delete named location", …
    public var activity: String
    /// `activityDateTime` as Graph wrote it.
    public var activityDateTime: String
    /// The user's UPN, or the application's display name.
    public var actor: String
    public var actorKind: ActorKind
    /// The user's object id (user actors).
    public var userId: String?
    /// The application's client id and service principal (application actors).
    public var appId: String?
    public var servicePrincipalId: String?

    public init(auditId: String, activity: String, activityDateTime: String, actor: String, actorKind: ActorKind, userId: String? = nil,
                appId: String? = nil, servicePrincipalId: String? = nil) {
        self.auditId = auditId
        self.activity = activity
        self.activityDateTime = activityDateTime
        self.actor = actor
        self.actorKind = actorKind
        self.userId = userId
        self.appId = appId
        self.servicePrincipalId = servicePrincipalId
    }

    /// `changed`, `created`, `deleted`, `restored`: the verb of the activity.
    public var verb: String {
        let lower = activity.lowercased()
        if lower.hasPrefix("add ") { return "created" }
        if lower.hasPrefix("delete ") || lower.hasPrefix("hard delete ") { return "deleted" }
        if lower.hasPrefix("restore ") { return "restored" }
        return "changed"
    }

    /// `alice@contoso.com` or `application 'Legacy script'`.
    public var actorDescription: String {
        actorKind == .user ? actor : "application '\(actor)'"
    }

    /// `2026-12-01 14:02 UTC` (the raw value when it cannot be read).
    public var when: String { ISO8601DateTime.minuteInUTC(activityDateTime) }

    /// `changed by alice@contoso.com at 2026-12-01 14:02 UTC (Update conditional access policy)`.
    public var sentence: String {
        "\(verb) by \(actorDescription) at \(when) (\(activity))"
    }
}

/// Who entraform itself acts as: its writes are not "who changed it" for drift.
public struct AuditIdentity: Sendable, Hashable {
    /// The application (client) id of the token (`appid` / `azp`).
    public var appId: String?
    /// The service principal of an app-only token (`oid` when `idtyp` is `app`).
    public var servicePrincipalId: String?

    public init(appId: String? = nil, servicePrincipalId: String? = nil) {
        self.appId = appId
        self.servicePrincipalId = servicePrincipalId
    }

    /// Whether `audit` was initiated by this identity (an application actor with its app id or service principal).
    func initiated(_ audit: JSONValue) -> Bool {
        guard let app = audit["initiatedBy"]?["app"], app != .null else { return false }
        if let appId, let other = app["appId"]?.stringValue, other.lowercased() == appId.lowercased() { return true }
        if let servicePrincipalId, let other = app["servicePrincipalId"]?.stringValue,
           other.lowercased() == servicePrincipalId.lowercased() { return true }
        return false
    }
}

/// Attributes drift to directory audit records (pure: the records come from one filtered listing).
///
/// Per drifted object: the newest write record (Add / Update / Delete / Restore … conditional access
/// policy or named location) that targets it, is newer than the newest record entraform itself wrote
/// for it, falls inside the window (Graph keeps directory audits for 30 days), and was not written by
/// entraform. Objects declared but missing from the tenant have no id: their delete is found by the
/// target's display name.
public enum DriftAttributor {
    /// How long Graph keeps directory audit records (Microsoft Learn, "Microsoft Entra data retention": 30 days).
    public static let retentionDays = 30

    /// The start of the window: `retentionDays` before `now`.
    public static func windowStart(now: Date) -> Date { now.addingTimeInterval(-Double(retentionDays) * 86_400) }

    /// The entries attribution applies to: changed, missing and unmanaged objects (dangling references
    /// come from deleting other objects, not from writes to the policy).
    public static func applies(to entry: DriftEntry) -> Bool {
        switch entry.category {
        case .changed, .unmanagedInScope: entry.id != nil
        case .missing: true
        case .danglingReferences: false
        }
    }

    /// The live ids to look up.
    public static func targetIds(_ report: DriftReport) -> [String] {
        report.entries.filter(applies(to:)).compactMap(\.id)
    }

    /// The delete activities to look up by name, for the kinds of missing objects.
    public static func deleteActivities(_ report: DriftReport) -> [String] {
        deleteActivities(for: Set(report.entries.filter { $0.category == .missing }.map(\.kind)))
    }

    /// The delete activities of `kinds`: `Delete conditional access policy`, `Delete named location`.
    public static func deleteActivities(for kinds: Set<ObjectKind>) -> [String] {
        [ObjectKind.conditionalAccessPolicy, .namedLocation].filter(kinds.contains).map { "Delete \(noun($0))" }
    }

    /// The noun of the activity names for `kind`.
    static func noun(_ kind: ObjectKind) -> String {
        kind == .namedLocation ? "named location" : "conditional access policy"
    }

    /// `report` with each applicable entry's attribution from `audits`, and the window recorded.
    public static func attribute(_ report: DriftReport, audits: [JSONValue], own: AuditIdentity, now: Date) -> DriftReport {
        var result = report
        result.attributionWindowDays = retentionDays
        let indices = result.entries.indices.filter { applies(to: result.entries[$0]) }
        let found = attributions(for: indices.map { (result.entries[$0].kind, result.entries[$0].id, result.entries[$0].displayName) },
                                 audits: audits, own: own, now: now)
        for (index, attribution) in zip(indices, found) { result.entries[index].attribution = attribution }
        return result
    }

    /// Who last changed each object outside entraform: per (kind, live id, display name), the newest
    /// write record that targets it (an object without an id: its delete under that name), newer than
    /// entraform's own newest write to it and inside the window; nil when there is none.
    public static func attributions(for objects: [(kind: ObjectKind, id: String?, displayName: String)], audits: [JSONValue],
                                    own: AuditIdentity, now: Date) -> [DriftAttribution?] {
        let since = windowStart(now: now)
        // Newest first; the listing's order breaks ties.
        let records = audits.enumerated().compactMap { index, audit -> (Int, Date, JSONValue)? in
            guard let raw = audit["activityDateTime"]?.stringValue, let date = ISO8601DateTime.parse(raw) else { return nil }
            return (index, date, audit)
        }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        return objects.map { object in
            let suffix = " " + noun(object.kind)
            let relevant = records.filter { _, date, audit in
                guard date >= since, let activity = audit["activityDisplayName"]?.stringValue?.lowercased(), activity.hasSuffix(suffix) else {
                    return false
                }
                let targets = audit["targetResources"]?.arrayValue ?? []
                if let id = object.id?.lowercased() {
                    return targets.contains { $0["id"]?.stringValue?.lowercased() == id }
                }
                // Missing: deleted under its declared name.
                return (activity.hasPrefix("delete ") || activity.hasPrefix("hard delete "))
                    && targets.contains { $0["displayName"]?.stringValue?.lowercased() == object.displayName.lowercased() }
            }
            // Only what happened after entraform's own newest write counts.
            let afterOwn = relevant.prefix { !own.initiated($0.2) }
            return afterOwn.first.flatMap { attribution(of: $0.2) }
        }
    }

    /// The plan's changes attribution applies to (updates, deletes, and creates of objects that may
    /// have been deleted outside entraform), as (kind, id, display name) with their indices.
    public static func targets(_ plan: Plan) -> [(index: Int, kind: ObjectKind, id: String?, displayName: String)] {
        plan.changes.indices.compactMap { index in
            let change = plan.changes[index]
            return change.action == .noOp ? nil : (index, change.kind, change.id, change.displayName)
        }
    }

    /// `plan` with each update, delete and create attributed to who last changed (or deleted) the
    /// object outside entraform, from `audits`.
    public static func attribute(_ plan: Plan, audits: [JSONValue], own: AuditIdentity, now: Date) -> Plan {
        var result = plan
        let targets = targets(plan)
        let found = attributions(for: targets.map { ($0.kind, $0.id, $0.displayName) }, audits: audits, own: own, now: now)
        for (target, attribution) in zip(targets, found) { result.changes[target.index].attribution = attribution }
        return result
    }

    /// The attribution a record names, or nil when it names no actor.
    static func attribution(of audit: JSONValue) -> DriftAttribution? {
        guard let id = audit["id"]?.stringValue, let activity = audit["activityDisplayName"]?.stringValue,
              let at = audit["activityDateTime"]?.stringValue else { return nil }
        let user = audit["initiatedBy"]?["user"]
        if let user, user != .null, let name = user["userPrincipalName"]?.stringValue ?? user["displayName"]?.stringValue ?? user["id"]?.stringValue {
            return DriftAttribution(auditId: id, activity: activity, activityDateTime: at, actor: name, actorKind: .user,
                                    userId: user["id"]?.stringValue)
        }
        let app = audit["initiatedBy"]?["app"]
        if let app, app != .null,
           let name = app["displayName"]?.stringValue ?? app["servicePrincipalName"]?.stringValue ?? app["appId"]?.stringValue {
            return DriftAttribution(auditId: id, activity: activity, activityDateTime: at, actor: name, actorKind: .application,
                                    appId: app["appId"]?.stringValue, servicePrincipalId: app["servicePrincipalId"]?.stringValue)
        }
        return nil
    }

}
