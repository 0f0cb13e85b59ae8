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
    public var when: String {
        guard let date = DriftAttributor.date(activityDateTime) else { return activityDateTime }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "\(parts.year ?? 0)-\(two(parts.month))-\(two(parts.day)) \(two(parts.hour)):\(two(parts.minute)) UTC"
    }

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
        let kinds = Set(report.entries.filter { $0.category == .missing }.map(\.kind))
        return [ObjectKind.conditionalAccessPolicy, .namedLocation].filter(kinds.contains).map { "Delete \(noun($0))" }
    }

    /// The noun of the activity names for `kind`.
    static func noun(_ kind: ObjectKind) -> String {
        kind == .namedLocation ? "named location" : "conditional access policy"
    }

    /// `report` with each applicable entry's attribution from `audits`, and the window recorded.
    public static func attribute(_ report: DriftReport, audits: [JSONValue], own: AuditIdentity, now: Date) -> DriftReport {
        var result = report
        result.attributionWindowDays = retentionDays
        let since = windowStart(now: now)
        // Newest first; the listing's order breaks ties.
        let records = audits.enumerated().compactMap { index, audit -> (Int, Date, JSONValue)? in
            guard let raw = audit["activityDateTime"]?.stringValue, let date = date(raw) else { return nil }
            return (index, date, audit)
        }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        for index in result.entries.indices where applies(to: result.entries[index]) {
            let entry = result.entries[index]
            let suffix = " " + noun(entry.kind)
            let relevant = records.filter { _, date, audit in
                guard date >= since, let activity = audit["activityDisplayName"]?.stringValue?.lowercased(), activity.hasSuffix(suffix) else {
                    return false
                }
                let targets = audit["targetResources"]?.arrayValue ?? []
                if let id = entry.id?.lowercased() {
                    return targets.contains { $0["id"]?.stringValue?.lowercased() == id }
                }
                // Missing: deleted under its declared name.
                return (activity.hasPrefix("delete ") || activity.hasPrefix("hard delete "))
                    && targets.contains { $0["displayName"]?.stringValue?.lowercased() == entry.displayName.lowercased() }
            }
            // Only what happened after entraform's own newest write counts.
            let afterOwn = relevant.prefix { !own.initiated($0.2) }
            result.entries[index].attribution = afterOwn.first.flatMap { attribution(of: $0.2) }
        }
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

    /// Reads Graph's timestamps: `2026-12-01T14:02:00Z`, with or without a fraction, or with an offset.
    public static func date(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return date }
        // Seven fractional digits (Graph's usual) may defeat the parser: drop the fraction.
        if let dot = text.firstIndex(of: "."), let end = text[dot...].firstIndex(where: { !$0.isNumber && $0 != "." }) {
            return try? Date(String(text[..<dot]) + String(text[end...]), strategy: Date.ISO8601FormatStyle())
        }
        return nil
    }
}
