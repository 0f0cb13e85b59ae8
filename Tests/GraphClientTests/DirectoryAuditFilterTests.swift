import Foundation
import GraphClient
import Testing

/// The directory audit `$filter` builder and the reports service class.
@Suite("directory audit filter")
struct DirectoryAuditFilterTests {
    @Test func oneFilterForAHandfulOfIdsQuotedSafely() {
        let since = Date(timeIntervalSince1970: 1_800_000_000)
        let filters = DirectoryAuditFilter.targeting(ids: ["a", "o'brien", "A"], since: since,
                                                     extra: ["activityDisplayName eq 'Delete named location'"])
        #expect(filters == [
            "activityDateTime ge 2027-01-15T08:00:00Z and (targetResources/any(t: t/id eq 'a') or targetResources/any(t: t/id eq 'o''brien')"
                + " or activityDisplayName eq 'Delete named location')",
        ])
        #expect(DriftFilterCheck.single == "targetResources/any(t: t/id eq 'x')")
        #expect(DirectoryAuditFilter.targeting(ids: [], since: nil).isEmpty)
    }

    @Test func chunkedBeyondFifteenIds() {
        let ids = (0..<31).map { "id-\($0)" }
        let filters = DirectoryAuditFilter.targeting(ids: ids, since: nil)
        #expect(filters.count == 3)
        #expect(filters.map { $0.components(separatedBy: "targetResources/any").count - 1 } == [15, 15, 1])
    }

    @Test func auditLogsArePacedAsReports() {
        #expect(GraphServiceClass(path: "/auditLogs/directoryAudits?$filter=x") == .reports)
        #expect(GraphServiceClass(path: "/auditLogs/signIns") == .reports)
        #expect(PacingConfiguration.graphDefaults.reports.requestsPerSecond == 0.5)
        #expect(PacingConfiguration.graphDefaults.reports.burst == 5)
        #expect(PacingConfiguration.disabled.reports.requestsPerSecond == 0)
    }
}

enum DriftFilterCheck {
    static let single = DirectoryAuditFilter.targeting(ids: ["x"], since: nil)[0]
}
