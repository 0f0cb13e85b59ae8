import Foundation
import PolicyModel

/// Paths of the audit logs (relative to the version root).
public enum AuditLogPaths {
    public static let directoryAudits = "/auditLogs/directoryAudits"
    public static let signIns = "/auditLogs/signIns"
}

extension GraphClient {
    /// Directory audit records (Microsoft Learn, "List directoryAudits"), newest first, optionally
    /// filtered (see ``DirectoryAuditFilter``), 1,000 per page (the maximum). Needs `AuditLog.Read.All`:
    /// without it Graph answers 403 `Authorization_RequestDenied`, thrown as a ``GraphError`` with
    /// status 403. A reporting API: paced as ``GraphServiceClass/reports``.
    public func listDirectoryAudits(filter: String? = nil) async throws(GraphError) -> [JSONValue] {
        try await listAll(AuditLogPaths.directoryAudits, query: GraphQuery(filter: filter, top: 1000), version: directoryVersion)
    }
}

extension GraphClient {
    /// User sign-ins created at or after `since` (Microsoft Learn, "List signIns"), newest first, 1,000
    /// per page, stopping once `limit` sign-ins are read: `complete` is false when more were left.
    /// The filter is on time only: the list documents `$filter`, `$top` and `$skiptoken` and no
    /// `$select` (Microsoft Q&A reports "Query option 'Select' is not allowed"), and `appliedConditionalAccessPolicies` is not filterable. The
    /// client asks for every enum member (`Prefer: include-unknown-enum-members`), without which the
    /// report-only results read `unknownFutureValue`. Needs `AuditLog.Read.All` (403 otherwise), and
    /// one of the conditional-access read permissions for the applied policies to be present.
    public func listSignIns(since: Date, limit: Int) async throws(GraphError) -> (signIns: [JSONValue], complete: Bool) {
        var signIns: [JSONValue] = []
        var complete = true
        let filter = "createdDateTime ge \(DirectoryAuditFilter.timestamp(since))"
        try await forEachPageWhile(AuditLogPaths.signIns, query: GraphQuery(filter: filter, top: 1000), version: directoryVersion) { page in
            signIns += page.value
            if signIns.count >= limit, page.nextLink != nil {
                complete = false
                return false
            }
            return true
        }
        return (signIns, complete)
    }
}

/// Builds `$filter` expressions for ``GraphClient/listDirectoryAudits(filter:)``.
public enum DirectoryAuditFilter {
    /// Ids per listing: Graph documents no limit on the number of `or` clauses, but URLs over a few
    /// thousand characters fail; 15 lambdas with GUIDs keep the encoded URL near 1.5 kB.
    public static let idsPerFilter = 15

    /// An OData string literal: single quotes doubled.
    public static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// Graph's timestamp in a filter (`2026-12-01T14:02:00Z`, UTC, no fraction).
    public static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
    }

    /// `activityDateTime ge <since> and (targetResources/any(t: t/id eq 'a') or … or <extra>)`, one
    /// expression per `idsPerFilter` ids (the `extra` clauses, e.g. `activityDisplayName eq '…'`, go
    /// into the first). Ids are deduplicated case-insensitively, in order. No ids and no clauses: none.
    public static func targeting(ids: [String], since: Date?, extra: [String] = [], chunk: Int = idsPerFilter) -> [String] {
        var seen: Set<String> = []
        let unique = ids.filter { seen.insert($0.lowercased()).inserted }
        var groups: [[String]] = stride(from: 0, to: unique.count, by: max(1, chunk)).map { start in
            unique[start..<min(start + max(1, chunk), unique.count)].map { "targetResources/any(t: t/id eq \(literal($0)))" }
        }
        if !extra.isEmpty {
            if groups.isEmpty { groups = [extra] } else { groups[0] += extra }
        }
        return groups.map { clauses in
            let any = clauses.count == 1 ? clauses[0] : "(" + clauses.joined(separator: " or ") + ")"
            guard let since else { return any }
            return "activityDateTime ge \(timestamp(since)) and \(any)"
        }
    }
}
